"""Run the probe program in a short-lived pod: create, watch, exec, always delete.

The shape follows ``kubectl debug``: create a pod, wait for it with a watch,
attach through the exec subresource. The program's JSON comes back on stdout
and becomes a :class:`~kubectl_discover.probe.observations.ProbeResult`.

Every way the pod can fail to run raises one
:mod:`kubectl_discover.probe.errors` class (exit code 4). The pod is deleted in
a ``finally`` (Ctrl-C included) unless ``keep`` is set; its
``activeDeadlineSeconds`` and expiry annotation cover a plugin that dies hard,
and :func:`cleanup` removes such strays.

``kubernetes`` is imported lazily: only the exec stream and the watch need it,
everything else goes through :meth:`Session.send_json` so errors are mapped in
one place.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.api.session import (
    ApiNotFound,
    Forbidden,
    Session,
    describe_transport_error,
)
from kubectl_discover.errors import ClusterAccessError, DiscoverError
from kubectl_discover.probe.bootstrap import frame
from kubectl_discover.probe.errors import (
    ProbeExecError,
    ProbeForbiddenError,
    ProbeImageError,
    ProbeRejectedError,
    ProbeStartError,
    ProbeTimeoutError,
    ProbeUnschedulableError,
)
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.pod import (
    CONTAINER,
    LABEL_SELECTOR,
    LIMITS,
    REQUESTS,
    STOP_COMMAND,
    classify_ephemeral,
    classify_pod,
    expires_at,
)

Progress = Callable[[str], None]

STDIN_CHUNK = 64 * 1024
DELETE_WAIT = 30.0
_FAILURES = {
    "image-pull": ProbeImageError,
    "start": ProbeStartError,
    "unschedulable": ProbeUnschedulableError,
}


def _pods_path(namespace: str, name: str = "") -> str:
    base = f"/api/v1/namespaces/{namespace}/pods"
    return f"{base}/{name}" if name else base


def _ref(pod: Mapping[str, Any]) -> tuple[str, str]:
    meta = pod.get("metadata") or {}
    return str(meta.get("namespace") or "default"), str(meta.get("name") or "")


def run_probe(
    session: Session,
    pod: dict[str, Any],
    payload: bytes,
    bootstrap: str,
    *,
    timeout: float,
    keep: bool,
    progress: Progress,
) -> ProbeResult:
    """Create ``pod``, wait until it runs, exec ``bootstrap`` with ``payload`` on stdin.

    ``timeout`` bounds the wait for Running and, separately, the exec (the
    program's own budget is inside the payload's plan). Returns the parsed
    result with ``pod`` set to ``namespace/name``.
    """
    with probe_pod(session, pod, timeout=timeout, keep=keep, progress=progress) as running:
        return running.run(payload, bootstrap)


@dataclass(frozen=True)
class RunningProbe:
    """A probe pod that is Running: the probe program can be exec'd in it, again and again
    (``--watch``), until :func:`probe_pod` deletes it."""

    session: Session
    namespace: str
    name: str
    timeout: float
    progress: Progress
    container: str = CONTAINER

    def run(self, payload: bytes, bootstrap: str) -> ProbeResult:
        where = f"{self.namespace}/{self.name}"
        if self.container != CONTAINER:
            where += f" (ephemeral container {self.container})"
        self.progress(f"probing from {where}")
        stdout, stderr, code = _exec(
            self.session,
            self.namespace,
            self.name,
            payload,
            bootstrap,
            self.timeout,
            container=self.container,
        )
        return _parse(stdout, stderr, code, f"{self.namespace}/{self.name}")


@contextlib.contextmanager
def probe_pod(
    session: Session,
    pod: dict[str, Any],
    *,
    timeout: float,
    keep: bool,
    progress: Progress,
) -> Iterator[RunningProbe]:
    """Create ``pod`` and wait until it runs; delete it when the block ends, on every path
    (an error, Ctrl-C), unless ``keep``. Errors while the pod exists become plugin errors."""
    namespace, name = _ref(pod)
    _check_node(session, pod)
    progress(f"creating probe pod {namespace}/{name}")
    try:
        created = _create(session, pod)
    except KeyboardInterrupt:  # the POST may have reached the server before the interrupt
        _delete_quietly(session, namespace, name, progress)
        raise
    except ClusterAccessError as exc:  # a timeout or dropped reply: the pod may exist anyway
        if not _delete_quietly(session, namespace, name, progress):
            _say_pod_remains(exc, namespace, name)
        raise
    try:
        _wait_running(session, created, timeout, progress)
        yield RunningProbe(session, namespace, name, timeout, progress)
    except BaseException as exc:
        error = _as_discover_error(session, exc, namespace, name)
        if keep:
            progress(f"keeping probe pod {namespace}/{name} (--keep); delete it when done")
        elif not _delete_quietly(session, namespace, name, progress) and error is not None:
            _say_pod_remains(error, namespace, name)
        if error is None or error is exc:
            raise
        raise error from None
    if keep:
        progress(f"keeping probe pod {namespace}/{name} (--keep); delete it when done")
    else:
        _delete_quietly(session, namespace, name, progress)


def _as_discover_error(
    session: Session, exc: BaseException, namespace: str, name: str
) -> DiscoverError | None:
    """The plugin error for a failure while the pod exists; None for Ctrl-C and bugs.

    The watch and the exec stream talk to the API server outside :meth:`Session.send_json`,
    so a dropped connection arrives here as a transport exception (urllib3, ssl, websocket):
    it is a cluster access error (exit 3), not a traceback.
    """
    if isinstance(exc, DiscoverError):
        return exc
    if not isinstance(exc, Exception):
        return None
    import urllib3
    from kubernetes.client.exceptions import ApiException
    from websocket import WebSocketException

    transport = (OSError, urllib3.exceptions.HTTPError, WebSocketException, ApiException)
    if not isinstance(exc, transport):
        return None
    return ClusterAccessError(
        f"lost the connection to the API server {session.server} while probe pod "
        f"{namespace}/{name} ran: {describe_transport_error(exc, session.request_timeout)}"
    )


def _say_pod_remains(error: DiscoverError, namespace: str, name: str) -> None:
    """The probe pod could not be deleted: the one error line must say so and how to fix it."""
    error.message = (
        f"{error.message}; probe pod {namespace}/{name} may remain (it stops at its deadline): "
        f"`kubectl discover cleanup -n {namespace}` removes it once expired, or "
        f"`kubectl delete pod -n {namespace} {name}` at once"
    )
    error.args = (error.message,)


# ---------------------------------------------------------------- create


def _check_node(session: Session, pod: Mapping[str, Any]) -> None:
    """A pod bound to a node that does not exist stays Pending forever: say so up front."""
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        return
    try:
        session.get_json(f"/api/v1/nodes/{node}")
    except ApiNotFound:
        raise ProbeUnschedulableError(
            f"node {node} does not exist; the probe pod cannot run there (check --node or the "
            "--from client's nodeName)"
        ) from None
    except Forbidden:
        return  # may not read nodes: the watch timeout will report it instead


def _create(session: Session, pod: Mapping[str, Any]) -> dict[str, Any]:
    namespace, name = _ref(pod)
    try:
        return session.send_json("POST", _pods_path(namespace), body=pod)
    except Forbidden as exc:
        raise _forbidden(exc, namespace, name) from None
    except ApiNotFound:
        raise ProbeRejectedError(f"namespace {namespace} does not exist") from None
    except ClusterAccessError as exc:
        if "HTTP 4" in exc.message:  # 422 Invalid, 409 AlreadyExists: the API refused the spec
            raise ProbeRejectedError(
                f"the API server refused probe pod {name}: {exc.message}"
            ) from None
        raise


def _forbidden(exc: Forbidden, namespace: str, name: str) -> Exception:
    """RBAC refusal or admission refusal: both are 403, the message tells them apart."""
    message = exc.server_message
    if "cannot create resource" in message or not message:
        return ProbeForbiddenError(
            f"not allowed to create pods in {namespace} (RBAC): grant the probe role from "
            "deploy/rbac.yaml, or run with --no-probe"
        )
    if "PodSecurity" in message:
        hint = "; the probe pod itself is restricted-compliant, so a copied --from setting "
        hint += "(hostNetwork) is the likely cause"
        return ProbeRejectedError(
            f"Pod Security admission rejected probe pod {name}: {message}{hint}"
        )
    if "quota" in message.lower():
        return ProbeRejectedError(
            f"ResourceQuota in {namespace} rejected probe pod {name} (it requests "
            f"{REQUESTS['cpu']} CPU, {REQUESTS['memory']} memory, limits "
            f"{LIMITS['cpu']}/{LIMITS['memory']}): {message}"
        )
    return ProbeRejectedError(f"admission rejected probe pod {name}: {message}")


# ---------------------------------------------------------------- wait


def _wait_running(
    session: Session, created: Mapping[str, Any], timeout: float, progress: Progress
) -> None:
    """Watch the pod until it runs; fail fast on pull errors and unschedulable pods."""
    namespace, name = _ref(created)
    deadline = time.monotonic() + timeout
    last = ""
    for pod in _watch_pod(session, created, deadline):
        state = classify_pod(pod)
        if state.state == "running":
            return
        if state.state == "failed":
            raise _FAILURES[state.reason](state.message)
        if state.message != last:
            last = state.message
            progress(f"waiting for probe pod {namespace}/{name}: {state.message}")
    node = (created.get("spec") or {}).get("nodeName")
    extra = f"; it is bound to node {node}: is that node's kubelet running?" if node else ""
    raise ProbeTimeoutError(
        f"probe pod {namespace}/{name} was not running after {timeout:g}s (last state: "
        f"{last or 'Pending'}){extra}; raise --timeout or check `kubectl describe pod`"
    )


def _watch_pod(
    session: Session, created: Mapping[str, Any], deadline: float
) -> Iterator[Mapping[str, Any]]:
    """Every version of the pod until ``deadline``: the created object, then watch events."""
    from kubernetes import watch
    from kubernetes.client.exceptions import ApiException

    namespace, name = _ref(created)
    yield created
    version = str((created.get("metadata") or {}).get("resourceVersion") or "")
    core = session.core_v1()
    while (remaining := deadline - time.monotonic()) > 0:
        watcher: Any = watch.Watch()  # type: ignore[no-untyped-call]
        try:
            for event in watcher.stream(
                core.list_namespaced_pod,
                namespace,
                field_selector=f"metadata.name={name}",
                resource_version=version or None,
                timeout_seconds=max(1, int(remaining)),
                _request_timeout=remaining + 5,
            ):
                obj: Mapping[str, Any] = event.get("raw_object") or {}
                if event.get("type") == "DELETED":
                    raise ProbeStartError(
                        f"probe pod {namespace}/{name} was deleted while starting"
                    )
                if event.get("type") == "ERROR":
                    version = ""  # 410 Gone: restart from a fresh read
                    break
                version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                yield obj
                if time.monotonic() >= deadline:
                    return
        except ApiException as exc:
            if exc.status == 410:
                version = ""
                continue
            raise ClusterAccessError(
                f"watching probe pod {namespace}/{name} failed (HTTP {exc.status}): {exc.reason}"
            ) from None
        finally:
            watcher.stop()
        if not version:
            pod = session.get_json(_pods_path(namespace, name))
            version = str((pod.get("metadata") or {}).get("resourceVersion") or "")
            yield pod


# ---------------------------------------------------------------- exec


def _exec(
    session: Session,
    namespace: str,
    name: str,
    payload: bytes | None,
    bootstrap: str,
    timeout: float,
    *,
    container: str = CONTAINER,
    command: list[str] | None = None,
) -> tuple[bytes, bytes, int | None]:
    """Run the bootstrap with the framed payload on stdin; collect stdout, stderr, exit code.
    ``command`` (with no ``payload``) runs another command instead."""
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    command = command or ["python3", "-B", "-c", bootstrap]
    try:
        ws = stream(
            session.core_v1().connect_get_namespaced_pod_exec,
            name,
            namespace,
            container=container,
            command=command,
            stdin=payload is not None,
            stdout=True,
            stderr=True,
            tty=False,
            _preload_content=False,
            binary=True,
        )
    except ApiException as exc:
        # A refused websocket handshake comes as status 0 with "Handshake status 403 Forbidden
        # -+-+- {headers} -+-+- body" as its reason: keep the first part, never the headers.
        text = str(exc.reason or exc.body or "").split(" -+-+- ")[0]
        reason = " ".join(text.split())[:300]
        if exc.status == 403 or "forbidden" in reason.lower():
            raise ProbeForbiddenError(
                f"not allowed to exec into probe pod {namespace}/{name} ({reason}): the exec "
                "stream is a websocket, which RBAC checks as get and create on pods/exec; "
                "grant both, or run with --no-probe"
            ) from None
        raise ProbeExecError(f"exec into probe pod {namespace}/{name} failed: {reason}") from None
    stdout, stderr = bytearray(), bytearray()
    deadline = time.monotonic() + timeout
    try:
        if payload is not None:
            data = frame(payload)
            for start in range(0, len(data), STDIN_CHUNK):
                ws.write_stdin(data[start : start + STDIN_CHUNK])
            # v5 only (no-op otherwise; the kubernetes client before v36, the newest on
            # Python 3.9, has no v5 and no close_channel); the frame carries its length anyway
            if hasattr(ws, "close_channel"):
                ws.close_channel(0)
        while ws.is_open():
            if time.monotonic() > deadline:
                raise ProbeTimeoutError(
                    f"the probe program in {namespace}/{name} did not finish within {timeout:g}s"
                )
            ws.update(timeout=1)
            stdout += ws.read_stdout(timeout=0) or b""
            stderr += ws.read_stderr(timeout=0) or b""
        stdout += ws.read_stdout(timeout=0) or b""
        stderr += ws.read_stderr(timeout=0) or b""
        code = _returncode(ws)
    finally:
        ws.close()
    return bytes(stdout), bytes(stderr), code


def _returncode(ws: Any) -> int | None:
    try:
        code = ws.returncode
    except Exception:  # an unparsable status channel: judge by the output alone
        return None
    return None if code is None else int(code)


def _parse(stdout: bytes, stderr: bytes, code: int | None, pod: str) -> ProbeResult:
    err = stderr.decode("utf-8", "replace").strip()
    last = err.splitlines()[-1] if err else ""
    text = stdout.decode("utf-8", "replace").strip()
    if not text:
        hint = " (no python3 in the image? try --image)" if code in (126, 127) else ""
        raise ProbeExecError(
            f"the probe program in {pod} printed nothing (exit code {code}){hint}"
            + (f": {last}" if last else "")
        )
    try:
        document = json.loads(text.splitlines()[-1])
    except ValueError:
        raise ProbeExecError(
            f"the probe program in {pod} did not print JSON (exit code {code})"
            + (f": {last}" if last else "")
        ) from None
    if not isinstance(document, dict):
        raise ProbeExecError(f"the probe program in {pod} printed unexpected JSON")
    return ProbeResult.from_json(document, pod=pod, stderr=err)


# ---------------------------------------------------------------- --ephemeral


@contextlib.contextmanager
def ephemeral_probe(
    session: Session,
    namespace: str,
    pod_name: str,
    container: dict[str, Any],
    *,
    timeout: float,
    progress: Progress,
) -> Iterator[RunningProbe]:
    """Add ``container`` to pod ``namespace/pod_name`` as an ephemeral container (PATCH of
    the ``ephemeralcontainers`` subresource, as ``kubectl debug`` does), wait until it runs
    and yield it for execs. Ephemeral containers cannot be removed: when the block ends
    the container is stopped (an exec of :data:`STOP_COMMAND`), and stays in the pod's
    spec, stopped, until the pod is deleted. It also stops on its own at its deadline."""
    name = str(container["name"])
    path = _pods_path(namespace, pod_name) + "/ephemeralcontainers"
    body = {"spec": {"ephemeralContainers": [container]}}
    progress(f"adding ephemeral container {name} to pod {namespace}/{pod_name}")
    try:
        patched = session.send_json(
            "PATCH",
            path,
            body=body,
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
    except Forbidden as exc:
        if "PodSecurity" in exc.server_message:
            raise ProbeRejectedError(
                f"Pod Security admission rejected ephemeral container {name}: {exc.server_message}"
            ) from None
        raise ProbeForbiddenError(
            f"not allowed to patch pods/ephemeralcontainers in {namespace} (RBAC): bind the "
            "optional ClusterRole kubectl-discover-ephemeral of deploy/rbac.yaml beside the "
            "probe role, or probe without --ephemeral"
        ) from None
    except ApiNotFound:
        raise ProbeRejectedError(
            f"pod {namespace}/{pod_name} no longer exists (or the API server serves no "
            "ephemeralcontainers subresource)"
        ) from None
    except ClusterAccessError as exc:
        if "HTTP 4" in exc.message:
            raise ProbeRejectedError(
                f"the API server refused ephemeral container {name}: {exc.message}"
            ) from None
        raise
    try:
        _wait_ephemeral(session, patched, name, timeout, progress)
        yield RunningProbe(session, namespace, pod_name, timeout, progress, container=name)
    except BaseException as exc:
        error = _as_discover_error(session, exc, namespace, pod_name)
        _stop_ephemeral(session, namespace, pod_name, name, progress)
        if error is None or error is exc:
            raise
        raise error from None
    _stop_ephemeral(session, namespace, pod_name, name, progress)


def _wait_ephemeral(
    session: Session, pod: Mapping[str, Any], name: str, timeout: float, progress: Progress
) -> None:
    namespace, pod_name = _ref(pod)
    deadline = time.monotonic() + timeout
    last = ""
    for current in _watch_pod(session, pod, deadline):
        state = classify_ephemeral(current, name)
        if state.state == "running":
            return
        if state.state == "failed":
            raise _FAILURES[state.reason](state.message)
        if state.message != last:
            last = state.message
            progress(f"waiting for ephemeral container {name}: {state.message}")
    raise ProbeTimeoutError(
        f"ephemeral container {name} of pod {namespace}/{pod_name} was not running after "
        f"{timeout:g}s (last state: {last or 'not started'}); raise --probe-timeout or check "
        "`kubectl describe pod`"
    )


def _stop_ephemeral(
    session: Session, namespace: str, pod_name: str, name: str, progress: Progress
) -> None:
    """End the ephemeral container now; it stops at its deadline if this fails."""
    try:
        _exec(session, namespace, pod_name, None, "", 10.0, container=name, command=STOP_COMMAND)
    except Exception:
        progress(f"could not stop ephemeral container {name}; it stops at its deadline")
        return
    progress(
        f"stopped ephemeral container {name}; it stays in pod {namespace}/{pod_name}'s spec "
        "until the pod is deleted"
    )


# ---------------------------------------------------------------- delete and cleanup


def delete_pod(session: Session, namespace: str, name: str, *, wait: float = DELETE_WAIT) -> None:
    """Delete at once (grace 0) and wait, with a watch, until the pod is gone."""
    path = _pods_path(namespace, name)
    try:
        session.send_json("DELETE", path, {"gracePeriodSeconds": 0}, body={"gracePeriodSeconds": 0})
    except ApiNotFound:
        return
    deadline = time.monotonic() + wait
    try:
        current = session.get_json(path)
    except ApiNotFound:
        return
    from kubernetes import watch

    version = str((current.get("metadata") or {}).get("resourceVersion") or "")
    watcher: Any = watch.Watch()  # type: ignore[no-untyped-call]
    try:
        for event in watcher.stream(
            session.core_v1().list_namespaced_pod,
            namespace,
            field_selector=f"metadata.name={name}",
            resource_version=version or None,
            timeout_seconds=max(1, int(deadline - time.monotonic())),
        ):
            if event.get("type") == "DELETED":
                return
            if time.monotonic() >= deadline:
                break
    finally:
        watcher.stop()
    try:
        session.get_json(path)
    except ApiNotFound:
        return
    raise ClusterAccessError(f"probe pod {namespace}/{name} still exists {wait:g}s after delete")


def _delete_quietly(session: Session, namespace: str, name: str, progress: Progress) -> bool:
    """Delete in a finally: never mask the real error, but tell the user about a stray.

    Returns whether the pod is gone.
    """
    progress(f"deleting probe pod {namespace}/{name}")
    try:
        delete_pod(session, namespace, name)
    except KeyboardInterrupt:
        progress(f"interrupted while deleting {namespace}/{name}; it expires on its own")
        raise
    except Exception as exc:
        text = getattr(exc, "message", None) or str(exc)
        progress(
            f"could not delete probe pod {namespace}/{name} ({text}); it stops at its deadline; "
            f"`kubectl delete pod -n {namespace} {name}` or `kubectl discover cleanup` removes it"
        )
        return False
    return True


def cleanup(
    session: Session, namespace: str | None, *, now: datetime.datetime | None = None
) -> list[str]:
    """Delete probe pods (by label) whose expiry annotation has passed; returns ns/name."""
    path = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    deleted: list[str] = []
    for pod in session.list_all(path, {"labelSelector": LABEL_SELECTOR}):
        expiry = expires_at(pod)
        if expiry is None or expiry > moment:
            continue
        pod_ns, name = _ref(pod)
        delete_pod(session, pod_ns, name)
        deleted.append(f"{pod_ns}/{name}")
    return deleted
