"""The probe pod manifest and its Pod Security "restricted" check (pure).

The pod is short-lived and locked down: it runs as nobody, drops every
capability, has a read-only root filesystem with an emptyDir at /tmp for the
payload, no service-account token and no service-link environment, and kills
itself at ``activeDeadlineSeconds`` even if the plugin never comes back to
delete it. An expiry annotation lets ``cleanup`` find strays.

Default image: ``python:3.12-slim``. It is small, public, and Debian-based, so
``getaddrinfo`` is glibc's, like most application images (Debian, Ubuntu, UBI,
distroless). An Alpine image would answer with musl, which stops the search
walk at the first answer that is not NXDOMAIN (NODATA, SERVFAIL) where glibc
keeps going, and asks A and AAAA differently; use ``--image`` with an Alpine
Python to see what a musl client sees. Any image with ``python3`` on PATH works;
the program itself runs on Python 3.8+.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.snapshot import Obj

DEFAULT_IMAGE = "python:3.12-slim"
NAME_PREFIX = "discover-probe-"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_COMPONENT = "app.kubernetes.io/component"
LABELS = {LABEL_NAME: "kubectl-discover", LABEL_COMPONENT: "probe"}
LABEL_SELECTOR = ",".join(f"{k}={v}" for k, v in LABELS.items())
EXPIRES_ANNOTATION = "kubectl-discover.io/expires-at"
REQUESTS = {"cpu": "50m", "memory": "64Mi"}
"""What the probe pod reserves: it sleeps between execs."""
LIMITS = {"cpu": "1", "memory": "128Mi"}
"""A short burst of one core: the exec starts Python, imports the program and runs the
checks in well under a second, and a half-core quota doubled that (bench/README.md)."""
CLIENT_ANNOTATION = "kubectl-discover.io/client"
AS_CLIENT_ANNOTATION = "kubectl-discover.io/as-client"
"""On a ``--as-client`` probe: the labels of the client it does not carry (comma-separated)."""
NOT_A_BACKEND_GATE = "kubectl-discover.io/probe-not-a-backend"
"""A readiness gate nobody sets: a ``--as-client`` probe carries the client's labels, so a
Service selecting the client selects it too; never Ready, it never receives its traffic."""
ADOPTION_LABELS = (
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
    "controller-uid",
    "job-name",
)
"""Labels the workload controllers put on their pods and select them by: a probe carrying
one could be adopted (and deleted or counted) by the client's ReplicaSet, StatefulSet,
DaemonSet or Job. ``--as-client`` drops them."""
CONTAINER = "probe"
NOBODY = 65534
COPIED_FROM_CLIENT = ("nodeName", "dnsPolicy", "dnsConfig", "hostNetwork")

_RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
_SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)


def random_suffix() -> str:
    """The random part of a probe pod name (kept out of :func:`build_pod` so it stays pure)."""
    return secrets.token_hex(3)


def probe_name(suffix: str) -> str:
    """``discover-probe-<suffix>``; a name that already has the prefix is kept."""
    return suffix if suffix.startswith(NAME_PREFIX) else NAME_PREFIX + suffix


def _template_spec(client: Obj) -> Mapping[str, Any]:
    """The pod spec of a Pod, or of a workload's pod template."""
    if client.get("kind", "Pod") == "Pod":
        return client.get("spec") or {}
    spec = client.get("spec") or {}
    if client.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


@dataclass(frozen=True)
class ClientIdentity:
    """What a ``--as-client`` probe borrows from its client so policies select it alike:
    the labels it carries, the ones it drops (controllers would adopt it) and the
    service account name (None: the namespace's default, as the client)."""

    labels: Mapping[str, str]
    dropped: tuple[str, ...]
    service_account: str | None


def _template_labels(client: Obj) -> Mapping[str, Any]:
    """The labels of a Pod, or of a workload's pod template."""
    if client.get("kind", "Pod") == "Pod":
        return (client.get("metadata") or {}).get("labels") or {}
    spec = client.get("spec") or {}
    if client.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}


def client_identity(client: Obj) -> ClientIdentity:
    """The labels and service account a probe needs to be selected like ``client``."""
    labels = {str(k): str(v) for k, v in _template_labels(client).items()}
    dropped = tuple(sorted(k for k in labels if k in ADOPTION_LABELS))
    template = _template_spec(client)
    account = template.get("serviceAccountName") or template.get("serviceAccount")
    return ClientIdentity(
        labels={k: v for k, v in labels.items() if k not in dropped},
        dropped=dropped,
        service_account=str(account) if account else None,
    )


def build_pod(
    *,
    name: str,
    namespace: str,
    image: str = DEFAULT_IMAGE,
    deadline_seconds: int,
    node: str | None = None,
    client: Obj | None = None,
    as_client: bool = False,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The probe Pod as the API wants it.

    ``client`` (a Pod or workload from ``--from``) lends its namespace, node and
    DNS settings so the probe resolves exactly what that client resolves; an
    explicit ``node`` wins over the client's. With ``as_client`` it also carries the
    client's labels (:func:`client_identity`: the client's value wins over the probe's
    own label of the same key) and service account name, so NetworkPolicies select it
    as they select the client; its service-account token stays unmounted and a readiness
    gate keeps it out of every Service's endpoints. ``now`` sets the expiry base (the
    current time when omitted).
    """
    if as_client and client is None:
        raise ValueError("as_client needs a client")
    if deadline_seconds <= 0:
        raise ValueError("deadline_seconds must be positive")
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    expires = moment + datetime.timedelta(seconds=deadline_seconds)
    pod_name = probe_name(name)
    annotations = {EXPIRES_ANNOTATION: expires.strftime("%Y-%m-%dT%H:%M:%SZ")}
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "activeDeadlineSeconds": deadline_seconds,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 0,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": NOBODY,
            "runAsGroup": NOBODY,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": CONTAINER,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "command": ["python3", "-c", f"import time; time.sleep({deadline_seconds})"],
                "env": [
                    {"name": "TMPDIR", "value": "/tmp"},
                    {"name": "HOME", "value": "/tmp"},
                    {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
                ],
                "resources": {"requests": dict(REQUESTS), "limits": dict(LIMITS)},
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": NOBODY,
                    "runAsGroup": NOBODY,
                    "allowPrivilegeEscalation": False,
                    "privileged": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if client is not None:
        template = _template_spec(client)
        for key in COPIED_FROM_CLIENT:
            if template.get(key) is not None:
                spec[key] = template[key]
        meta = client.get("metadata") or {}
        namespace = str(meta.get("namespace") or namespace)
        annotations[CLIENT_ANNOTATION] = f"{client.get('kind', 'Pod')}/{meta.get('name', '')}"
    labels = {**LABELS, "app.kubernetes.io/instance": pod_name}
    if client is not None and as_client:
        identity = client_identity(client)
        labels.update(identity.labels)
        annotations[AS_CLIENT_ANNOTATION] = ",".join(identity.dropped)
        if identity.service_account:
            spec["serviceAccountName"] = identity.service_account
        spec["readinessGates"] = [{"conditionType": NOT_A_BACKEND_GATE}]
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name,
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": spec,
    }


EPHEMERAL_PREFIX = "discover-"
SLEEPER = (
    "import signal,sys,time\n"
    "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n"
    "time.sleep({seconds})\n"
)
"""The ephemeral container's command: waits for the exec, ends on SIGTERM (as PID 1 of its
own PID namespace it would ignore a signal without a handler) or at its deadline."""
STOP_COMMAND = ["python3", "-c", "import os,signal; os.kill(1, signal.SIGTERM)"]
"""Exec'd after the probe: ends the ephemeral container at once (it cannot be removed)."""


def build_ephemeral_container(
    *, name: str, image: str = DEFAULT_IMAGE, deadline_seconds: int
) -> dict[str, Any]:
    """The ``--ephemeral`` debug container added to the client pod (kubectl-debug style).

    It shares the pod's network namespace, so the pod's policies and resolv.conf apply to
    it. Restricted-compliant on its own (nobody, no capabilities, no escalation,
    RuntimeDefault seccomp); its root filesystem stays writable because an ephemeral
    container cannot add the emptyDir the probe pod unpacks the program into. Ephemeral
    containers take no resources, ports or probes.
    """
    if deadline_seconds <= 0:
        raise ValueError("deadline_seconds must be positive")
    return {
        "name": name if name.startswith(EPHEMERAL_PREFIX) else EPHEMERAL_PREFIX + name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", "-c", SLEEPER.format(seconds=deadline_seconds)],
        "env": [
            {"name": "TMPDIR", "value": "/tmp"},
            {"name": "HOME", "value": "/tmp"},
            {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
        ],
        "stdin": False,
        "tty": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": NOBODY,
            "runAsGroup": NOBODY,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }


def classify_ephemeral(pod: Obj, container: str, *, image: str = "") -> PodProgress:
    """Where the ephemeral ``container`` of ``pod`` stands (as :func:`classify_pod`)."""
    where = f"ephemeral container {container} of pod {(pod.get('metadata') or {}).get('name')}"
    for status in (pod.get("status") or {}).get("ephemeralContainerStatuses") or ():
        if status.get("name") != container:
            continue
        state = status.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = str(waiting.get("reason") or "")
        detail = " ".join(str(waiting.get("message") or "").split())
        if reason in _IMAGE_REASONS:
            return PodProgress(
                "failed",
                "image-pull",
                f"{where}: cannot pull image {image or status.get('image')} ({reason}"
                + (f": {detail}" if detail else "")
                + "); pass --image with an image the cluster can pull that has python3",
            )
        if reason in _START_REASONS:
            return PodProgress("failed", "start", f"{where}: cannot start ({reason}: {detail})")
        if "running" in state:
            return PodProgress("running")
        terminated = state.get("terminated") or {}
        if terminated:
            code = terminated.get("exitCode")
            text = " ".join(str(terminated.get("message") or "").split())
            hint = (
                " (does the image have python3? try --image)" if _missing_python(code, text) else ""
            )
            return PodProgress(
                "failed",
                "start",
                f"{where} stopped before the probe ran: {terminated.get('reason')}, exit code "
                f"{code}" + (f": {text}" if text else "") + hint,
            )
        return PodProgress("waiting", message=reason or "waiting")
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Failed", "Succeeded"):
        return PodProgress("failed", "start", f"{where}: the pod is {phase}; it runs no container")
    return PodProgress("waiting", message="ephemeral container not started yet")


def expires_at(pod: Obj) -> datetime.datetime | None:
    """The expiry written by :func:`build_pod`, or None when missing or unreadable."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(EXPIRES_ANNOTATION)
    if not text:
        return None
    try:
        parsed = datetime.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------- Pod Security "restricted"


def _containers(spec: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or ()


def _effective(container: Mapping[str, Any], pod_sc: Mapping[str, Any], key: str) -> Any:
    value = (container.get("securityContext") or {}).get(key)
    return pod_sc.get(key) if value is None else value


def restricted_violations(pod: Obj) -> tuple[str, ...]:
    """Why ``pod`` would be rejected by Pod Security "restricted" (latest); empty if admitted.

    Mirrors the baseline and restricted rules of the Pod Security Standards so a
    ``--dry-run`` can say up front which field a namespace policy would refuse.
    """
    spec: Mapping[str, Any] = pod.get("spec") or {}
    pod_sc: Mapping[str, Any] = spec.get("securityContext") or {}
    problems: list[str] = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"spec.{key} must not be true")
    for volume in spec.get("volumes") or ():
        kinds = [k for k in volume if k != "name"]
        for kind in kinds:
            if kind not in _RESTRICTED_VOLUMES:
                problems.append(f"volume {volume.get('name')!r} uses {kind}, not allowed")
    for sysctl in pod_sc.get("sysctls") or ():
        if sysctl.get("name") not in _SAFE_SYSCTLS:
            problems.append(f"sysctl {sysctl.get('name')} is not in the safe set")
    if pod_sc.get("runAsUser") == 0:
        problems.append("spec.securityContext.runAsUser must not be 0")
    for container in _containers(spec):
        problems.extend(_container_violations(container, pod_sc))
    return tuple(problems)


def _container_violations(container: Mapping[str, Any], pod_sc: Mapping[str, Any]) -> list[str]:
    where = f"container {container.get('name')!r}"
    sc: Mapping[str, Any] = container.get("securityContext") or {}
    problems: list[str] = []
    if sc.get("privileged"):
        problems.append(f"{where}: privileged must not be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: securityContext.allowPrivilegeEscalation must be false")
    if _effective(container, pod_sc, "runAsNonRoot") is not True:
        problems.append(f"{where}: runAsNonRoot must be true (pod or container)")
    if sc.get("runAsUser") == 0:
        problems.append(f"{where}: runAsUser must not be 0")
    seccomp = _effective(container, pod_sc, "seccompProfile") or {}
    if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
        problems.append(f"{where}: seccompProfile.type must be RuntimeDefault or Localhost")
    capabilities = sc.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or ()):
        problems.append(f"{where}: capabilities.drop must include ALL")
    for cap in capabilities.get("add") or ():
        if cap != "NET_BIND_SERVICE":
            problems.append(f"{where}: capability {cap} may not be added")
    if sc.get("procMount") not in (None, "Default"):
        problems.append(f"{where}: procMount must be Default")
    for port in container.get("ports") or ():
        if port.get("hostPort"):
            problems.append(f"{where}: hostPort {port['hostPort']} is not allowed")
    return problems


# ---------------------------------------------------------------- reading the pod's progress

_IMAGE_REASONS = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)
_START_REASONS = frozenset(
    {"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "StartError"}
)


@dataclass(frozen=True)
class PodProgress:
    """Where a probe pod stands: ``running``, ``waiting`` (keep watching) or ``failed``.

    For ``failed``, ``reason`` is one of the :mod:`kubectl_discover.probe.errors`
    reasons (image-pull, start, unschedulable) and ``message`` says what to change.
    """

    state: str
    reason: str = ""
    message: str = ""


def classify_pod(pod: Obj, *, image: str = "") -> PodProgress:
    """Read a pod's status the way a person reading ``kubectl describe`` would."""
    status: Mapping[str, Any] = pod.get("status") or {}
    name = str((pod.get("metadata") or {}).get("name", ""))
    image = image or next(
        (str(c.get("image", "")) for c in (pod.get("spec") or {}).get("containers") or ()), ""
    )
    for container in status.get("containerStatuses") or ():
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = str(waiting.get("reason") or "")
        detail = " ".join(str(waiting.get("message") or "").split())
        if reason in _IMAGE_REASONS:
            return PodProgress(
                "failed",
                "image-pull",
                f"probe pod {name}: cannot pull image {image} ({reason}"
                + (f": {detail}" if detail else "")
                + "); pass --image with an image the cluster can pull that has python3",
            )
        if reason in _START_REASONS:
            return PodProgress(
                "failed", "start", f"probe pod {name}: container cannot start ({reason}: {detail})"
            )
        if "running" in state and status.get("phase") == "Running":
            return PodProgress("running")
    phase = status.get("phase")
    if phase == "Failed" and _kubelet_rejected(str(status.get("reason") or "")):
        node = (pod.get("spec") or {}).get("nodeName") or "its node"
        detail = " ".join(str(status.get("message") or "").split())
        return PodProgress(
            "failed",
            "unschedulable",
            f"probe pod {name} was rejected by the kubelet of {node} ({status.get('reason')}"
            + (f": {detail}" if detail else "")
            + "); pick another node with --node",
        )
    if phase in ("Failed", "Succeeded"):
        return PodProgress("failed", "start", _terminated_message(name, image, status))
    for condition in status.get("conditions") or ():
        if (
            condition.get("type") == "PodScheduled"
            and condition.get("status") == "False"
            and condition.get("reason") == "Unschedulable"
        ):
            detail = " ".join(str(condition.get("message") or "").split())
            return PodProgress(
                "failed",
                "unschedulable",
                f"probe pod {name} cannot be scheduled: {detail}; pick a node with --node or "
                "free up capacity (taints and nodeSelectors of --from clients are not copied)",
            )
    if phase == "Running" and not status.get("containerStatuses"):
        return PodProgress("running")
    return PodProgress("waiting", message=str(phase or "Pending"))


#: Reasons a kubelet gives a pod it refuses to admit (the pod ends Failed at once):
#: its own checks, the scheduler's node filters it re-runs, and ``OutOf<resource>``.
_KUBELET_ADMISSION_REASONS = frozenset(
    {
        "TaintToleration",
        "NodeAffinity",
        "NodeName",
        "NodePorts",
        "PodOSSelectorNodeLabelDoesNotMatch",
        "PodOSNotSupported",
    }
)


def _kubelet_rejected(reason: str) -> bool:
    return reason in _KUBELET_ADMISSION_REASONS or (
        reason.startswith("OutOf") and len(reason) > len("OutOf")
    )


def _missing_python(code: object, message: str) -> bool:
    """Exit 126/127 from a shell, or the runtime's "executable file not found" (exit 128)."""
    return code in (126, 127) or ("python3" in message and "not found" in message)


def _terminated_message(name: str, image: str, status: Mapping[str, Any]) -> str:
    reason = str(status.get("reason") or "")
    for container in status.get("containerStatuses") or ():
        terminated = (container.get("state") or {}).get("terminated") or {}
        if terminated:
            code = terminated.get("exitCode")
            reason = str(terminated.get("reason") or reason)
            detail = " ".join(str(terminated.get("message") or "").split())
            hint = (
                " (does the image have python3 on PATH? try --image)"
                if _missing_python(code, detail)
                else ""
            )
            return (
                f"probe pod {name} stopped before the probe ran: {reason}, exit code {code}"
                + (f": {detail}" if detail else "")
                + hint
            )
    return f"probe pod {name} stopped before the probe ran: {reason or status.get('phase')}"
