"""Endpoints built once from raw objects, and Service ports resolved to pod ports.

Policies never see a ClusterIP or a Service port: kube-proxy (or its replacement)
rewrites the destination to a pod IP and the pod's port before the packet meets
the destination's ingress policy, and implementations evaluate egress on the same
rewritten destination. So a Service is followed to its backends here, each at its
resolved ``targetPort`` (a number, or a name looked up in that pod's container
ports with the Service port's protocol; missing means the Service port).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.model import ContainerPort, PodView
from kubectl_discover.analyze.netpol.model import PROTOCOLS, Endpoint, EndpointKind
from kubectl_discover.analyze.pods import container_ports
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import is_ip


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(value).items()}


def namespace_labels(namespaces: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, str]]:
    """Labels of each Namespace object by name (for ``namespaceSelector``)."""
    found: dict[str, Mapping[str, str]] = {}
    for obj in namespaces:
        metadata = _mapping(obj.get("metadata")) if isinstance(obj, Mapping) else {}
        name = metadata.get("name")
        if isinstance(name, str) and name:
            found[name] = _string_map(metadata.get("labels"))
    return found


def pod_endpoint(
    pod: Mapping[str, Any],
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    nodes: Mapping[str, Mapping[str, str]] | None = None,
) -> Endpoint:
    """A Pod object as policies see it. ``namespaces`` maps namespace name to labels
    (None or a missing name: labels unknown); ``nodes`` maps node name to labels."""
    metadata = _mapping(pod.get("metadata"))
    spec = _mapping(pod.get("spec"))
    status = _mapping(pod.get("status"))
    namespace = str(metadata.get("namespace") or "default")
    ips: list[str] = []
    pod_ips = status.get("podIPs")
    for entry in pod_ips if isinstance(pod_ips, list) else ():
        ip = _mapping(entry).get("ip")
        if isinstance(ip, str) and is_ip(ip) and ip not in ips:
            ips.append(ip)
    single = status.get("podIP")
    if isinstance(single, str) and is_ip(single) and single not in ips:
        ips.insert(0, single)
    node = spec.get("nodeName")
    node = node if isinstance(node, str) else ""
    try:
        ports = container_ports(spec)
    except (AttributeError, TypeError):
        ports = ()
    return Endpoint(
        kind=EndpointKind.HOST if spec.get("hostNetwork") is True else EndpointKind.POD,
        ips=tuple(ips),
        ref=ObjectRef("Pod", namespace, str(metadata.get("name") or "")),
        namespace=namespace,
        namespace_labels=None if namespaces is None else namespaces.get(namespace),
        labels=_string_map(metadata.get("labels")),
        ports=ports,
        node=node,
        node_labels=None if nodes is None or not node else nodes.get(node),
    )


def pod_view_endpoint(
    view: PodView,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    *,
    host_network: bool = False,
) -> Endpoint:
    """An endpoint from the analysis' :class:`PodView` (a template stands in offline)."""
    return Endpoint(
        kind=EndpointKind.HOST if host_network else EndpointKind.POD,
        ips=tuple(view.ips) or ((view.ip,) if view.ip else ()),
        ref=ObjectRef("Pod", view.namespace, view.name),
        namespace=view.namespace,
        namespace_labels=None if namespaces is None else namespaces.get(view.namespace),
        labels=dict(view.labels),
        ports=view.ports,
        node=view.node or "",
    )


def address_endpoint(
    ip: str,
    *,
    node: str = "",
    external: bool = True,
    node_labels: Mapping[str, str] | None = None,
) -> Endpoint:
    """An address: outside the cluster (``external``), or on a node (a NodeLocal DNS
    cache, a node IP; ``node_labels`` for admin policies' ``nodes`` peers)."""
    return Endpoint(
        kind=EndpointKind.EXTERNAL if external else EndpointKind.HOST,
        ips=(ip,) if is_ip(ip) else (),
        node=node,
        node_labels=node_labels,
    )


# ------------------------------------------------------------------ Services


@dataclass(frozen=True)
class ServicePortView:
    """One ``spec.ports`` item; ``target`` is the targetPort as written (None: missing)."""

    name: str
    port: int
    protocol: str
    target: int | str | None


@dataclass(frozen=True)
class Backend:
    """A backend as policies see it: the pod (or address) and the port it listens on;
    ``port`` None when a named targetPort does not resolve on that pod."""

    endpoint: Endpoint
    port: int | None


@dataclass(frozen=True)
class ServiceTarget:
    """A Service and, per Service port, its backends at the resolved targetPort."""

    ref: ObjectRef
    cluster_ips: tuple[str, ...]
    ports: tuple[tuple[ServicePortView, tuple[Backend, ...]], ...]


def service_ports(service: Mapping[str, Any]) -> tuple[ServicePortView, ...]:
    """The usable ``spec.ports`` items of a Service (malformed ones are skipped)."""
    spec = _mapping(service.get("spec"))
    found = []
    raw_ports = spec.get("ports")
    for raw in raw_ports if isinstance(raw_ports, list) else ():
        item = _mapping(raw)
        port = item.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            continue
        protocol = item.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            continue
        target = item.get("targetPort")
        if isinstance(target, bool) or not isinstance(target, (int, str)):
            target = None
        found.append(ServicePortView(str(item.get("name") or ""), port, str(protocol), target))
    return tuple(found)


def resolve_target_port(port: ServicePortView, endpoint: Endpoint) -> int | None:
    """The port the backend listens on for this Service port."""
    if port.target is None:
        return port.port
    if isinstance(port.target, int):
        return port.target if 1 <= port.target <= 65535 else None
    return _named(port.target, port.protocol, endpoint.ports)


def _named(name: str, protocol: str, ports: Sequence[ContainerPort]) -> int | None:
    for candidate in ports:
        if candidate.name == name and candidate.protocol == protocol:
            return candidate.number
    return None


def service_target(
    service: Mapping[str, Any],
    backends: Sequence[Endpoint],
    *,
    default_namespace: str = "default",
) -> ServiceTarget:
    """The Service with each port's ``backends`` (the pods, or for a Service without a
    selector the addresses of its EndpointSlices) at the resolved targetPort."""
    spec = _mapping(service.get("spec"))
    cluster_ips = spec.get("clusterIPs")
    ips = [
        ip
        for ip in (cluster_ips if isinstance(cluster_ips, list) else ())
        if isinstance(ip, str) and is_ip(ip)
    ]
    single = spec.get("clusterIP")
    if isinstance(single, str) and is_ip(single) and single not in ips:
        ips.insert(0, single)
    ports = tuple(
        (port, tuple(Backend(b, resolve_target_port(port, b)) for b in backends))
        for port in service_ports(service)
    )
    metadata = _mapping(service.get("metadata"))
    namespace = metadata.get("namespace")
    ref = ObjectRef(
        "Service",
        namespace if isinstance(namespace, str) and namespace else default_namespace,
        str(metadata.get("name") or ""),
    )
    return ServiceTarget(ref, tuple(ips), ports)
