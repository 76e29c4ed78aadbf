"""Glue for the CLI: from resolved options and diagnoses to one probe run (or a dry run).

Pure composition of :mod:`.plan` and :mod:`.pod`: which client ``--from`` names, the
plan and its budget, the pod, the report's probe section, the ``--dry-run`` document.
The I/O is :class:`kubectl_discover.probing.ClusterProbeRunner`'s (through
:mod:`kubectl_discover.api.probes`); nothing under ``probe/`` imports ``api``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.analyze.resolv import cluster_dns_address
from kubectl_discover.errors import InputError, NotFoundError
from kubectl_discover.probe.dnspath import DnsPathPlan, DnsPathTargets, build_path_plan
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.plan import ProbePlan, build_plan
from kubectl_discover.probe.pod import (
    AS_CLIENT_ANNOTATION,
    DEFAULT_IMAGE,
    build_ephemeral_container,
    build_pod,
    probe_name,
    random_suffix,
    restricted_violations,
)
from kubectl_discover.refs import CLIENT_USAGE, parse_client
from kubectl_discover.snapshot import Obj, Snapshot, name_of, namespace_of

MAX_BUDGET = 20.0
POD_SLACK_SECONDS = 60
"""activeDeadlineSeconds = timeout for Running + timeout for the exec + this slack."""


class ProbeSettings(Protocol):
    """What the CLI's ProbeOptions carries (structural, so the CLI keeps its own type)."""

    @property
    def image(self) -> str | None: ...
    @property
    def node(self) -> str | None: ...
    @property
    def client(self) -> str | None: ...
    @property
    def keep(self) -> bool: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def as_client(self) -> bool: ...
    @property
    def ephemeral(self) -> bool: ...
    @property
    def repeat(self) -> int: ...


def find_client(snapshot: Snapshot, ref: str, namespace: str) -> Obj:
    """The ``--from`` object (``pod/NAME``, ``deploy/NAME``, ``sts/NAME``, ``ds/NAME``)."""
    client = parse_client(ref, namespace)
    if client is None:
        raise InputError(f"--from {ref}: expected {CLIENT_USAGE}")
    kind, name = client.kind, client.name
    objs = snapshot.pods if kind == "Pod" else tuple(snapshot.workloads_of_kind(kind))
    found = snapshot.find(objs, namespace, name)
    if found is None:
        names = sorted(name_of(o) for o in snapshot.in_namespace(objs, namespace))
        hint = f"; {kind}s here: {', '.join(names[:5])}" if names else ""
        raise NotFoundError(f"--from {ref}: no {kind} {name} in namespace {namespace}{hint}")
    return {"kind": kind, **found}


def plan_for(
    diagnoses: Sequence[Diagnosis], timeout: float, *, dns_path: DnsPathPlan | None = None
) -> ProbePlan:
    """The plan, with a budget that leaves the exec time to start and report."""
    budget = max(2.0, min(MAX_BUDGET, timeout / 2))
    return build_plan(
        diagnoses, budget_seconds=budget, check_timeout=min(3.0, budget), dns_path=dns_path
    )


def path_plan_for(
    snapshot: Snapshot,
    diagnoses: Sequence[Diagnosis],
    options: ProbeSettings,
    targets: DnsPathTargets,
) -> DnsPathPlan:
    """Every hop of the DNS path (``targets``: what the cluster says) and ``--repeat``."""
    return build_path_plan(
        diagnoses, targets, cluster_domain=snapshot.cluster_domain, repeat=options.repeat
    )


def _client_of(
    snapshot: Snapshot, diagnoses: Sequence[Diagnosis], options: ProbeSettings
) -> tuple[str, Obj | None]:
    """The probe's namespace and the ``--from`` client (None without ``--from``)."""
    namespace = options.namespace or (diagnoses[0].namespace if diagnoses else "")
    namespace = namespace or snapshot.default_namespace
    client = find_client(snapshot, options.client, namespace) if options.client else None
    return namespace, client


def ephemeral_for(
    snapshot: Snapshot, diagnoses: Sequence[Diagnosis], options: ProbeSettings
) -> tuple[Obj, dict[str, Any]]:
    """``--ephemeral``: the client pod and the debug container to add to it."""
    _namespace, client = _client_of(snapshot, diagnoses, options)
    if client is None or client.get("kind") != "Pod":
        raise InputError("--ephemeral needs --from pod/NAME: the pod the container is added to")
    return client, build_ephemeral_container(
        name=random_suffix(),
        image=options.image or DEFAULT_IMAGE,
        deadline_seconds=int(2 * options.timeout) + POD_SLACK_SECONDS,
    )


EPHEMERAL_NOTICE = (
    "--ephemeral: adding ephemeral container {container} to pod {pod}; ephemeral containers "
    "cannot be removed: it is stopped after the probe and stays in the pod's spec until the "
    "pod is deleted"
)


def pod_for(
    snapshot: Snapshot,
    diagnoses: Sequence[Diagnosis],
    options: ProbeSettings,
    *,
    lifetime: float = 0.0,
) -> dict[str, Any]:
    """The probe Pod for these options: namespace, client, node, image, deadline.

    ``lifetime`` is how long the pod is meant to be used (``--watch``); it stops on its own
    that much later than one run needs, if the plugin dies without deleting it."""
    namespace, client = _client_of(snapshot, diagnoses, options)
    deadline = int(2 * options.timeout + lifetime) + POD_SLACK_SECONDS
    return build_pod(
        name=probe_name(random_suffix()),
        namespace=namespace if client is None else namespace_of(client, namespace),
        image=options.image or DEFAULT_IMAGE,
        deadline_seconds=deadline,
        node=options.node,
        client=client,
        as_client=options.as_client,
    )


def as_client_note(pod: Mapping[str, Any]) -> str | None:
    """What a ``--as-client`` probe borrowed, said once before it is created; None for
    another probe."""
    meta = pod.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    if AS_CLIENT_ANNOTATION not in annotations:
        return None
    dropped = [k for k in str(annotations[AS_CLIENT_ANNOTATION]).split(",") if k]
    labels = ", ".join(f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items()))
    account = (pod.get("spec") or {}).get("serviceAccountName") or "default"
    text = f"probing as the client: labels {labels}; service account {account} (no token)"
    if dropped:
        text += f"; dropped {', '.join(dropped)} (its controller would adopt the probe)"
    return text


def probe_document(pod: Mapping[str, Any], result: ProbeResult, keep: bool) -> dict[str, Any]:
    """The report's ``probe`` section (docs/output.md)."""
    container = (pod.get("spec") or {}).get("containers", [{}])[0]
    return {
        "pod": pod["metadata"]["name"],
        "namespace": pod["metadata"]["namespace"],
        "image": container.get("image", ""),
        "node": (pod.get("spec") or {}).get("nodeName"),
        "kept": keep,
        "python": result.python,
        "dnsLibrary": result.dns_library,
        "resolvConf": {
            "nameservers": list(result.resolver.nameservers),
            "search": list(result.resolver.search),
            "ndots": result.resolver.ndots,
        },
        "clusterDomain": result.resolver.cluster_domain,
        "durationSeconds": round(result.duration_ms / 1000.0, 3),
        "budgetExhausted": result.budget_exhausted,
        **_as_client_document(pod),
    }


def _as_client_document(pod: Mapping[str, Any]) -> dict[str, Any]:
    meta = pod.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    if AS_CLIENT_ANNOTATION not in annotations:
        return {}
    dropped = [k for k in str(annotations[AS_CLIENT_ANNOTATION]).split(",") if k]
    return {
        "asClient": {
            "labels": dict(meta.get("labels") or {}),
            "droppedLabels": dropped,
            "serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName"),
        }
    }


def ephemeral_document(
    client: Obj, container: Mapping[str, Any], result: ProbeResult
) -> dict[str, Any]:
    """The report's ``probe`` section for ``--ephemeral``: the client pod itself."""
    meta = client.get("metadata") or {}
    return {
        "pod": meta.get("name"),
        "namespace": meta.get("namespace"),
        "ephemeralContainer": container.get("name"),
        "image": container.get("image", ""),
        "node": (client.get("spec") or {}).get("nodeName"),
        "kept": True,
        "python": result.python,
        "dnsLibrary": result.dns_library,
        "resolvConf": {
            "nameservers": list(result.resolver.nameservers),
            "search": list(result.resolver.search),
            "ndots": result.resolver.ndots,
        },
        "clusterDomain": result.resolver.cluster_domain,
        "durationSeconds": round(result.duration_ms / 1000.0, 3),
        "budgetExhausted": result.budget_exhausted,
    }


def dry_run_document(
    snapshot: Snapshot, diagnoses: Sequence[Diagnosis], options: ProbeSettings
) -> dict[str, Any]:
    """``--dry-run``: the pod and plan that would be used, and Pod Security "restricted" gaps
    (with ``--ephemeral``: the container that would be added to the client pod)."""
    if options.ephemeral:
        client, container = ephemeral_for(snapshot, diagnoses, options)
        meta = client.get("metadata") or {}
        spec = {"containers": [], "ephemeralContainers": [container]}
        return {
            "ephemeralContainer": container,
            "pod": f"{meta.get('namespace')}/{meta.get('name')}",
            "plan": plan_for(diagnoses, options.timeout).to_json(),
            "restrictedViolations": list(restricted_violations({"spec": spec})),
        }
    pod = pod_for(snapshot, diagnoses, options)
    return {
        "pod": pod,
        "plan": plan_for(diagnoses, options.timeout).to_json(),
        "restrictedViolations": list(restricted_violations(pod)),
    }


def explain_context(snapshot: Snapshot) -> dict[str, str | None]:
    """Keyword arguments for ``explain()``: the assumed cluster domain and kube-dns ClusterIP."""
    return {
        "cluster_domain": snapshot.cluster_domain,
        "dns_service_ip": cluster_dns_address(snapshot),
    }
