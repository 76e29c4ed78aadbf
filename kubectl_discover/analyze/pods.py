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
from kubectl_discover.snapshot import Obj, Snapshot, labels_of, name_of, namespace_of


def container_ports(pod_spec: Mapping[str, Any]) -> tuple[ContainerPort, ...]:
    """Declared ports of the containers and of restartable (sidecar) init containers.

    The EndpointSlice controller resolves named targetPorts against both.
    """
    containers = list(pod_spec.get("containers") or ())
    containers += [
        c for c in pod_spec.get("initContainers") or () if c.get("restartPolicy") == "Always"
    ]
    ports: list[ContainerPort] = []
    for container in containers:
        for port in container.get("ports") or ():
            number = port.get("containerPort")
            if not isinstance(number, int):
                continue
            ports.append(
                ContainerPort(
                    container=str(container.get("name", "")),
                    number=number,
                    name=str(port.get("name") or ""),
                    protocol=str(port.get("protocol") or "TCP"),
                )
            )
    return tuple(ports)


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
    spec = pod.get("spec", {})
    status = pod.get("status", {})
    namespace = namespace_of(pod)
    owner_kind, owner_name = _controller_of(pod)
    if owner_kind == "ReplicaSet" and (namespace, owner_name) in replicaset_owners:
        owner_kind, owner_name = replicaset_owners[(namespace, owner_name)]
    ips = tuple(str(entry.get("ip")) for entry in status.get("podIPs") or () if entry.get("ip"))
    ip = status.get("podIP") or (ips[0] if ips else None)
    return PodView(
        name=name_of(pod),
        namespace=namespace,
        labels=labels_of(pod),
        hostname=str(spec.get("hostname") or ""),
        subdomain=str(spec.get("subdomain") or ""),
        ports=container_ports(spec),
        owner_kind=owner_kind,
        owner_name=owner_name,
        ip=str(ip) if ip else None,
        ips=ips or ((str(ip),) if ip else ()),
        phase=status.get("phase"),
        ready=_is_ready(pod),
        terminating=bool(pod.get("metadata", {}).get("deletionTimestamp")),
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
    replicaset_owners = {
        (namespace_of(rs), name_of(rs)): _controller_of(rs)
        for rs in snapshot.workloads_of_kind("ReplicaSet")
        if _controller_of(rs)[0]
    }
    for pod in snapshot.pods:
        view = live_pod_view(pod, replicaset_owners)
        if not snapshot.live and not pod.get("status"):
            # A bare Pod from a file without status: its spec is known, its state is not.
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
        yield view
    if snapshot.live:
        return
    for workload in snapshot.workloads:
        if workload.get("kind") == "ReplicaSet" and _controller_of(workload)[0]:
            continue  # its Deployment's template already stands for it
        if workload.get("kind") == "Job" and _controller_of(workload)[0] == "CronJob":
            continue
        yield from template_pod_views(workload)
