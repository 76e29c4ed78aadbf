"""The pods behind Services, as :class:`PodView` values.

From a live cluster these are the real pods. From files (``Snapshot.live`` False),
workload templates stand in for pods: StatefulSet ordinals give ``web-0``, ``web-1``
with hostname = pod name and subdomain = ``spec.serviceName``, as the StatefulSet
controller sets them; other workloads give one view per template.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_discover.analyze.model import ContainerPort, PodView
from kubectl_discover.snapshot import Obj, Snapshot, name_of, namespace_of


def container_ports(pod_spec: Mapping[str, Any]) -> tuple[ContainerPort, ...]:
    """Declared ports of the containers and of restartable (sidecar) init containers.

    The EndpointSlice controller resolves named targetPorts against both.
    """
    return _container_ports(pod_spec, None)


PortsCache = dict[tuple[tuple[object, object, object, object], ...], tuple[ContainerPort, ...]]


def _container_ports(
    pod_spec: Mapping[str, Any], cache: PortsCache | None
) -> tuple[ContainerPort, ...]:
    """:func:`container_ports`, sharing equal results through ``cache`` when given.

    Pods of one workload declare the same ports, so a cluster of 50,000 pods has a few
    thousand distinct port lists: the (immutable) tuples are built once per distinct list.
    """
    raw: list[tuple[object, object, object, object]] = []
    plain = True  # only plain values make a cache key: 8080.0 == 8080 and True == 1 collide
    for container in pod_spec.get("containers") or ():
        name = container.get("name", "")
        for port in container.get("ports") or ():
            number, port_name, protocol = (
                port.get("containerPort"),
                port.get("name"),
                port.get("protocol"),
            )
            # _plain, inlined: this runs for every port of every pod
            plain = (
                plain
                and type(name) is str
                and type(number) is int
                and (port_name is None or type(port_name) is str)
                and (protocol is None or type(protocol) is str)
            )
            raw.append((name, number, port_name, protocol))
    for container in pod_spec.get("initContainers") or ():
        if container.get("restartPolicy") == "Always":
            name = container.get("name", "")
            for port in container.get("ports") or ():
                entry = (name, port.get("containerPort"), port.get("name"), port.get("protocol"))
                plain = plain and _plain(entry)
                raw.append(entry)
    if not raw:
        return ()
    key: tuple[tuple[object, object, object, object], ...] | None = None
    if cache is not None and plain:
        key = tuple(raw)
        cached = cache.get(key)
        if cached is not None:
            return cached
    ports = tuple(
        ContainerPort(
            container=str(container),
            number=number,
            name=str(port_name or ""),
            protocol=str(protocol or "TCP"),
        )
        for container, number, port_name, protocol in raw
        if isinstance(number, int)
    )
    if cache is not None and key is not None:
        cache[key] = ports
    return ports


def _plain(entry: tuple[object, object, object, object]) -> bool:
    name, number, port_name, protocol = entry
    return (
        type(name) is str
        and type(number) is int
        and (port_name is None or type(port_name) is str)
        and (protocol is None or type(protocol) is str)
    )


def _is_ready(pod: Obj) -> bool:
    for condition in pod.get("status", {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def _controller_of(obj: Obj) -> tuple[str, str]:
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("kind", "")), str(ref.get("name", ""))
    return "", ""


def live_pod_view(
    pod: Obj, replicaset_owners: Mapping[tuple[str, str], tuple[str, str]]
) -> PodView:
    """A view of a real pod; pods of a ReplicaSet are attributed to its Deployment."""
    return _live_pod_view(pod, replicaset_owners, None)


def _live_pod_view(
    pod: Obj,
    replicaset_owners: Mapping[tuple[str, str], tuple[str, str]],
    ports_cache: PortsCache | None,
) -> PodView:
    # One pass over the pod with local lookups: this runs once per pod of the cluster
    # (50,000 on scan -A), so it avoids the generic accessors' repeated dict walks.
    metadata = pod.get("metadata", {})
    spec = pod.get("spec", {})
    status = pod.get("status", {})
    namespace = str(metadata.get("namespace") or "")
    owner_kind, owner_name = "", ""
    for ref in metadata.get("ownerReferences") or ():
        if ref.get("controller"):
            owner_kind, owner_name = str(ref.get("kind", "")), str(ref.get("name", ""))
            break
    if owner_kind == "ReplicaSet":
        owner = replicaset_owners.get((namespace, owner_name))
        if owner is not None:
            owner_kind, owner_name = owner
    ips: tuple[str, ...] = ()
    pod_ips = status.get("podIPs")
    if pod_ips:
        ips = tuple([str(entry.get("ip")) for entry in pod_ips if entry.get("ip")])
    ip = status.get("podIP") or (ips[0] if ips else None)
    ready = False
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            ready = condition.get("status") == "True"
            break
    return PodView(
        name=str(metadata.get("name", "")),
        namespace=namespace,
        labels=snapshot_pod_labels(pod),
        hostname=str(spec.get("hostname") or ""),
        subdomain=str(spec.get("subdomain") or ""),
        ports=_container_ports(spec, ports_cache),
        owner_kind=owner_kind,
        owner_name=owner_name,
        ip=str(ip) if ip else None,
        ips=ips or ((str(ip),) if ip else ()),
        phase=status.get("phase"),
        ready=ready,
        terminating=bool(metadata.get("deletionTimestamp")),
        node=spec.get("nodeName"),
    )


def _pod_template(workload: Obj) -> Mapping[str, Any]:
    spec = workload.get("spec", {})
    if workload.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template: Mapping[str, Any] = spec.get("template") or {}
    return template


def template_pod_views(workload: Obj) -> Iterator[PodView]:
    """The pods a workload would create, as far as the template tells."""
    kind = str(workload.get("kind", ""))
    name = name_of(workload)
    namespace = namespace_of(workload, "default")
    template = _pod_template(workload)
    spec = template.get("spec") or {}
    labels = {str(k): str(v) for k, v in (template.get("metadata", {}).get("labels") or {}).items()}
    ports = container_ports(spec)
    replicas = workload.get("spec", {}).get("replicas")
    count = replicas if isinstance(replicas, int) else 1
    if kind == "StatefulSet":
        service_name = str(workload.get("spec", {}).get("serviceName") or "")
        for ordinal in range(min(count, 50)):
            pod_name = f"{name}-{ordinal}"
            yield PodView(
                name=pod_name,
                namespace=namespace,
                labels=labels,
                hostname=pod_name,
                subdomain=service_name,
                ports=ports,
                owner_kind=kind,
                owner_name=name,
                from_template=True,
            )
        return
    yield PodView(
        name=f"{name}-<pod>",
        namespace=namespace,
        labels=labels,
        hostname=str(spec.get("hostname") or ""),
        subdomain=str(spec.get("subdomain") or ""),
        ports=ports,
        owner_kind=kind,
        owner_name=name,
        from_template=True,
        replicas=count if kind in ("Deployment", "ReplicaSet") else 1,
    )


def pod_views(snapshot: Snapshot) -> Iterator[PodView]:
    """Every pod the analysis should consider, real or stood in for by a template."""
    owners = replicaset_owners(snapshot)
    ports_cache: PortsCache = {}
    for pod in snapshot.pods:
        yield snapshot_pod_view(snapshot, pod, owners, ports_cache)
    yield from template_views(snapshot)


def replicaset_owners(snapshot: Snapshot) -> dict[tuple[str, str], tuple[str, str]]:
    """(namespace, ReplicaSet name) -> its controller (kind, name), for :func:`live_pod_view`.

    From the ReplicaSets when they were read; a command that does not list them (``svc``)
    gets the same answer from the pods, as the Deployment controller names things (below).
    """
    owners: dict[tuple[str, str], tuple[str, str]] = {}
    for rs in snapshot.workloads_of_kind("ReplicaSet"):
        controller = _controller_of(rs)
        if controller[0]:
            owners[(namespace_of(rs), name_of(rs))] = controller
    if snapshot.unavailable_for("replicasets") is not None:
        owners.update(_owners_by_template_hash(snapshot, owners))
    return owners


def _owners_by_template_hash(
    snapshot: Snapshot, known: Mapping[tuple[str, str], tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """ReplicaSet -> Deployment without the ReplicaSets: the Deployment controller names each
    ReplicaSet ``<deployment>-<pod-template-hash>`` and labels its pods with that hash, so a
    pod owned by ReplicaSet ``web-5d8f7c9b6`` with ``pod-template-hash: 5d8f7c9b6`` belongs to
    Deployment ``web`` when that Deployment exists (a bare ReplicaSet keeps its own name)."""
    deployments = {(namespace_of(d), name_of(d)) for d in snapshot.workloads_of_kind("Deployment")}
    derived: dict[tuple[str, str], tuple[str, str]] = {}
    for pod in snapshot.pods:
        metadata = pod.get("metadata") or {}
        namespace = str(metadata.get("namespace") or "")
        for ref in metadata.get("ownerReferences") or ():
            if not ref.get("controller"):
                continue
            rs = str(ref.get("name", ""))
            if ref.get("kind") != "ReplicaSet" or (namespace, rs) in known:
                break
            template_hash = str((metadata.get("labels") or {}).get("pod-template-hash") or "")
            suffix = f"-{template_hash}"
            if template_hash and rs.endswith(suffix) and len(rs) > len(suffix):
                deployment = rs[: -len(suffix)]
                if (namespace, deployment) in deployments:
                    derived[(namespace, rs)] = ("Deployment", deployment)
            break
    return derived


def _is_bare(snapshot: Snapshot, pod: Obj) -> bool:
    """A bare Pod from a file without status: its spec is known, its state is not."""
    return not snapshot.live and not pod.get("status")


def snapshot_pod_namespace(snapshot: Snapshot, pod: Obj) -> str:
    """The namespace of :func:`snapshot_pod_view` of ``pod``, without building the view."""
    namespace = namespace_of(pod)
    if _is_bare(snapshot, pod):
        return namespace or snapshot.default_namespace
    return namespace


def snapshot_pod_labels(pod: Obj) -> Mapping[str, str]:
    """The ``labels`` of :func:`snapshot_pod_view` of ``pod``, without building the view."""
    labels: Mapping[str, str] | None = pod.get("metadata", {}).get("labels")
    if not labels:
        return {}
    for key, value in labels.items():
        if type(key) is not str or type(value) is not str:  # a hand-written file's `v: 1`
            return {str(k): str(v) for k, v in labels.items()}
    return labels  # shared with the snapshot, which nothing mutates


def snapshot_pod_view(
    snapshot: Snapshot,
    pod: Obj,
    owners: Mapping[tuple[str, str], tuple[str, str]],
    ports_cache: PortsCache | None = None,
) -> PodView:
    """The view :func:`pod_views` gives of one of ``snapshot.pods``."""
    view = _live_pod_view(pod, owners, ports_cache)
    if _is_bare(snapshot, pod):
        view = PodView(
            name=view.name,
            namespace=view.namespace or snapshot.default_namespace,
            labels=view.labels,
            hostname=view.hostname,
            subdomain=view.subdomain,
            ports=view.ports,
            owner_kind=view.owner_kind,
            owner_name=view.owner_name,
            node=view.node,
        )
    return view


def template_views(snapshot: Snapshot) -> Iterator[PodView]:
    """The views :func:`pod_views` adds after the real pods: workload templates, offline."""
    if snapshot.live:
        return
    for workload in snapshot.workloads:
        if workload.get("kind") == "ReplicaSet" and _controller_of(workload)[0]:
            continue  # its Deployment's template already stands for it
        if workload.get("kind") == "Job" and _controller_of(workload)[0] == "CronJob":
            continue
        yield from template_pod_views(workload)
