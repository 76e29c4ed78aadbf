"""Probe pods on many nodes at once (``--all-nodes``, ``--nodes``, ``--per-zone``).

One pod per node, all in one namespace: created together (one thread per POST), watched
together (ONE watch over all of them, by their instance labels), each exec'd the moment it
runs (one thread and one websocket per pod, so a pod that starts late delays only its own
column), deleted together (concurrent DELETEs, then one watch
until every one is gone). Deleted on every path: an error, Ctrl-C at any point, and a
creation that succeeded for some pods and failed for others (every name is deleted; a
POST still in flight when Ctrl-C arrives is waited for first, so it cannot land after its
DELETE). ``--keep`` keeps them only when every pod was created.

A pod that fails to start on its node (image, kubelet refusal, timeout) or whose exec
fails is that node's result (the error in its place), not the whole run's:
a fan-out exists to show that one node differs. Creation refusals (RBAC, Pod Security,
quota, a missing namespace) are the same for every node and end the run.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.api.probes import (
    DELETE_WAIT,
    _as_discover_error,
    _create,
    _exec,
    _parse,
    _pods_path,
    _ref,
)
from kubectl_discover.api.session import ApiNotFound, Session
from kubectl_discover.errors import ClusterAccessError, DiscoverError
from kubectl_discover.probe.errors import (
    ProbeImageError,
    ProbeStartError,
    ProbeTimeoutError,
    ProbeUnschedulableError,
)
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.pod import classify_pod

Progress = Callable[[str], None]
MAX_THREADS = 16
_FAILURES = {
    "image-pull": ProbeImageError,
    "start": ProbeStartError,
    "unschedulable": ProbeUnschedulableError,
}


@dataclass(frozen=True)
class CreatedPods:
    """The fan-out's pods, created: :meth:`run` waits for them (one watch) and execs the
    program in each the moment it runs, so a pod that starts late delays only itself."""

    session: Session
    namespace: str
    pods: tuple[tuple[str, Mapping[str, Any]], ...]
    """(node, the created pod) in the order of the nodes."""
    timeout: float
    progress: Progress

    def run(self, payload: bytes, bootstrap: str) -> list[ProbeResult | DiscoverError]:
        """The program's result on every node (in ``pods`` order); a pod that never ran
        has the reason instead. Raises the first node's reason when no pod ran at all."""
        nodes = {_ref(pod)[1]: node for node, pod in self.pods}
        # Daemon threads, not a pool: after Ctrl-C the main thread deletes the pods at once
        # and exits; an exec still reading its closing websocket must not hold the exit.
        done: queue.Queue[tuple[str, ProbeResult | DiscoverError | BaseException]] = queue.Queue()
        started: list[str] = []

        def exec_in(name: str) -> None:
            self.progress(f"probing from {self.namespace}/{name} on node {nodes[name]}")
            started.append(name)
            threading.Thread(
                target=self._run_one,
                args=(nodes[name], name, payload, bootstrap, done),
                name=f"probe-exec-{name}",
                daemon=True,
            ).start()

        created = [pod for _node, pod in self.pods]
        errors = _wait_all(
            self.session, self.namespace, created, self.timeout, self.progress, exec_in
        )
        if not started:
            raise errors[_ref(created[0])[1]]
        results: dict[str, ProbeResult | DiscoverError] = {
            nodes[name]: error for name, error in errors.items()
        }
        for _ in started:
            node, result = done.get()
            if not isinstance(result, (ProbeResult, DiscoverError)):
                raise result
            results[node] = result
        return [results[node] for node, _pod in self.pods]

    def _run_one(
        self,
        node: str,
        name: str,
        payload: bytes,
        bootstrap: str,
        done: queue.Queue[tuple[str, ProbeResult | DiscoverError | BaseException]],
    ) -> None:
        try:
            done.put((node, self._exec_one(name, payload, bootstrap)))
        except BaseException as exc:  # a bug: re-raised in the main thread
            done.put((node, exc))

    def _exec_one(self, name: str, payload: bytes, bootstrap: str) -> ProbeResult | DiscoverError:
        from kubernetes.client import ApiClient, CoreV1Api

        client = ApiClient(self.session.api_client.configuration)
        try:
            stdout, stderr, code = _exec(
                self.session,
                self.namespace,
                name,
                payload,
                bootstrap,
                self.timeout,
                core=CoreV1Api(client),
            )
            return _parse(stdout, stderr, code, f"{self.namespace}/{name}")
        except DiscoverError as exc:
            return exc
        except Exception as exc:
            mapped = _as_discover_error(self.session, exc, self.namespace, name)
            if mapped is None:
                raise
            return mapped
        finally:
            client.close()  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def probe_pods(
    session: Session,
    pods: Sequence[tuple[str, dict[str, Any]]],
    *,
    timeout: float,
    keep: bool,
    progress: Progress,
) -> Iterator[CreatedPods]:
    """Create one pod per ``(node, pod)`` at once; delete them all when the block ends, on
    every path (unless ``keep`` and all were created)."""
    namespace = _ref(pods[0][1])[0]
    names = [_ref(pod)[1] for _node, pod in pods]
    progress(f"creating {len(pods)} probe pods in {namespace}: {', '.join(names)}")
    created_all = False
    try:
        created = _create_all(session, [pod for _node, pod in pods])
        created_all = True
        yield CreatedPods(
            session,
            namespace,
            tuple((node, pod) for (node, _pod), pod in zip(pods, created)),
            timeout,
            progress,
        )
    except BaseException as exc:
        error = _as_discover_error(session, exc, namespace, ", ".join(names))
        if keep and created_all:
            progress(f"keeping probe pods {', '.join(names)} in {namespace} (--keep)")
        else:
            remaining = delete_pods(session, namespace, names, progress)
            if remaining and error is not None:
                _say_pods_remain(error, namespace, remaining)
        if error is None or error is exc:
            raise
        raise error from None
    if keep:
        progress(f"keeping probe pods {', '.join(names)} in {namespace} (--keep); delete them")
    else:
        delete_pods(session, namespace, names, progress)


def _say_pods_remain(error: DiscoverError, namespace: str, remaining: Sequence[str]) -> None:
    error.message = (
        f"{error.message}; probe pods {', '.join(remaining)} in {namespace} may remain (they "
        f"stop at their deadline): `kubectl discover cleanup -n {namespace}` removes them once "
        "expired"
    )
    error.args = (error.message,)


# ---------------------------------------------------------------- create


def _create_all(session: Session, pods: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST every pod at once; every POST has finished (or was never started) when this
    returns or raises, so the caller's DELETEs cannot be overtaken by a late create."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(pods)))
    futures = [pool.submit(_create, session, pod) for pod in pods]
    try:
        concurrent.futures.wait(futures)
    except BaseException:  # Ctrl-C: let the POSTs in flight land (or fail), start no more
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        raise failures[0]  # type: ignore[misc]
    return [f.result() for f in futures]


# ---------------------------------------------------------------- wait


def _selector(names: Sequence[str]) -> str:
    return f"app.kubernetes.io/instance in ({','.join(names)})"


def _wait_all(
    session: Session,
    namespace: str,
    created: Sequence[Mapping[str, Any]],
    timeout: float,
    progress: Progress,
    on_running: Callable[[str], None],
) -> dict[str, DiscoverError]:
    """Watch every pod (one watch) until each runs (``on_running`` is called with its name
    at once) or fails; the errors by pod name."""
    pending = {_ref(pod)[1]: pod for pod in created}
    errors: dict[str, DiscoverError] = {}
    deadline = time.monotonic() + timeout
    last: dict[str, str] = {}

    def see(pod: Mapping[str, Any]) -> None:
        name = _ref(pod)[1]
        if name not in pending:
            return
        state = classify_pod(pod)
        if state.state == "running":
            del pending[name]
            on_running(name)
        elif state.state == "failed":
            errors[name] = _FAILURES[state.reason](state.message)
            del pending[name]
        elif state.message != last.get(name):
            last[name] = state.message
            progress(f"waiting for probe pod {namespace}/{name}: {state.message}")

    for pod in created:
        see(pod)
    for event_type, pod in _watch_pods(session, namespace, list(pending), deadline):
        name = _ref(pod)[1]
        if event_type == "DELETED" and name in pending:
            errors[name] = ProbeStartError(
                f"probe pod {namespace}/{name} was deleted while starting"
            )
            del pending[name]
        else:
            see(pod)
        if not pending:
            break
    for name, pod in pending.items():
        node = (pod.get("spec") or {}).get("nodeName")
        errors[name] = ProbeTimeoutError(
            f"probe pod {namespace}/{name} was not running after {timeout:g}s (last state: "
            f"{last.get(name) or 'Pending'}); it is bound to node {node}: is that node's "
            "kubelet running?"
        )
    return errors


def _watch_pods(
    session: Session, namespace: str, names: Sequence[str], deadline: float
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(event type, pod) for the named pods until ``deadline``: one LIST for a consistent
    starting point, then one watch (restarted from a fresh LIST after 410 Gone)."""
    from kubernetes import watch
    from kubernetes.client.exceptions import ApiException

    if not names:
        return
    selector = _selector(names)
    core = session.core_v1()
    version = ""
    while (remaining := deadline - time.monotonic()) > 0:
        if not version:
            listed = session.get_json(_pods_path(namespace), {"labelSelector": selector})
            version = str((listed.get("metadata") or {}).get("resourceVersion") or "")
            for item in listed.get("items") or ():
                yield "MODIFIED", item
        watcher: Any = watch.Watch()  # type: ignore[no-untyped-call]
        try:
            for event in watcher.stream(
                core.list_namespaced_pod,
                namespace,
                label_selector=selector,
                resource_version=version or None,
                timeout_seconds=max(1, int(remaining)),
                _request_timeout=remaining + 5,
            ):
                obj: Mapping[str, Any] = event.get("raw_object") or {}
                if event.get("type") == "ERROR":
                    version = ""
                    break
                version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                yield str(event.get("type")), obj
                if time.monotonic() >= deadline:
                    return
        except ApiException as exc:
            if exc.status == 410:
                version = ""
                continue
            raise ClusterAccessError(
                f"watching probe pods in {namespace} failed (HTTP {exc.status}): {exc.reason}"
            ) from None
        finally:
            watcher.stop()


# ---------------------------------------------------------------- delete


def delete_pods(
    session: Session,
    namespace: str,
    names: Sequence[str],
    progress: Progress,
    *,
    wait: float = DELETE_WAIT,
) -> list[str]:
    """DELETE every pod (grace 0) at once, then watch (one watch) until all are gone.
    Never raises but for Ctrl-C; returns the names that may remain."""
    progress(f"deleting probe pods {', '.join(names)} in {namespace}")
    try:
        return _delete_all(session, namespace, names, wait)
    except KeyboardInterrupt:
        progress(f"interrupted while deleting probe pods in {namespace}; they expire on their own")
        raise
    except Exception as exc:
        text = getattr(exc, "message", None) or str(exc)
        progress(
            f"could not delete probe pods in {namespace} ({text}); they stop at their deadline; "
            f"`kubectl discover cleanup -n {namespace}` removes them"
        )
        return list(names)


def _delete_one(session: Session, namespace: str, name: str) -> None:
    body = {"gracePeriodSeconds": 0}
    with contextlib.suppress(ApiNotFound):
        session.send_json("DELETE", _pods_path(namespace, name), body, body=body)


def _delete_all(session: Session, namespace: str, names: Sequence[str], wait: float) -> list[str]:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(names)))
    futures = [pool.submit(_delete_one, session, namespace, name) for name in names]
    try:
        concurrent.futures.wait(futures)
    finally:
        pool.shutdown(wait=False)
    failed = [f.exception() for f in futures if f.exception() is not None]
    deadline = time.monotonic() + wait
    remaining = set(names)
    for event_type, pod in _gone_events(session, namespace, names, deadline):
        name = _ref(pod)[1]
        if event_type == "LISTED":
            remaining = {_ref(p)[1] for p in pod.get("items") or ()} & set(names)
        elif event_type == "DELETED":
            remaining.discard(name)
        if not remaining:
            break
    if remaining and failed:
        raise failed[0]  # type: ignore[misc]
    return sorted(remaining)


def _gone_events(
    session: Session, namespace: str, names: Sequence[str], deadline: float
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """A LIST of what is left ("LISTED", the list), then DELETED events from one watch."""
    from kubernetes import watch

    selector = _selector(names)
    listed = session.get_json(_pods_path(namespace), {"labelSelector": selector})
    yield "LISTED", listed
    if not listed.get("items"):
        return
    version = str((listed.get("metadata") or {}).get("resourceVersion") or "")
    watcher: Any = watch.Watch()  # type: ignore[no-untyped-call]
    try:
        for event in watcher.stream(
            session.core_v1().list_namespaced_pod,
            namespace,
            label_selector=selector,
            resource_version=version or None,
            timeout_seconds=max(1, int(deadline - time.monotonic())),
        ):
            yield str(event.get("type")), event.get("raw_object") or {}
            if time.monotonic() >= deadline:
                return
    finally:
        watcher.stop()
    # the watch ended at its deadline: one last look
    yield "LISTED", session.get_json(_pods_path(namespace), {"labelSelector": selector})
