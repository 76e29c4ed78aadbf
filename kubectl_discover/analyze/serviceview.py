"""A Service as the analysis reads it: parsed once, at the boundary, into a frozen value.

:func:`view_service` applies the API's own defaults (type ClusterIP, protocol TCP,
targetPort = port, ipFamilies from the cluster IPs) and derives what every Service
module asks about (kind, virtual IPs, headless). The index (analyze/index.py) builds one
view per Service; nothing re-reads the raw spec afterwards except the API validation
(analyze/validation.py), which judges the raw field types through ``raw``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.model import ServiceKind
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of
from kubectl_discover.syntax import is_ip


@dataclass(frozen=True)
class ServicePort:
    """One ``spec.ports`` entry with the API's defaults applied.

    ``port``/``node_port`` are None when absent or not an integer; ``target`` is the
    targetPort as written (int or str), defaulting to ``port`` as the API does.
    """

    index: int
    name: str
    port: int | None
    protocol: str
    target: int | str | None
    node_port: int | None = None
    app_protocol: str = ""

    @property
    def label(self) -> str:
        """How the port is named in messages: ``http (80/TCP)`` or ``80/TCP``."""
        number = "?" if self.port is None else str(self.port)
        core = f"{number}/{self.protocol}"
        return f"{self.name} ({core})" if self.name else core

    @property
    def field(self) -> str:
        return f"spec.ports[{self.index}]"


@dataclass(frozen=True, eq=False)
class ServiceView:
    """One Service, typed. Compared by identity: one view per Service object."""

    raw: Obj
    """The object as read, for the API validation of raw field types only."""
    ref: ObjectRef
    type: str
    """spec.type, defaulted to ClusterIP."""
    kind: ServiceKind
    ports: tuple[ServicePort, ...]
    raw_cluster_ips: tuple[str, ...]
    """clusterIPs as written, falling back to clusterIP; may contain "None"."""
    cluster_ips: tuple[str, ...]
    """The virtual IPs (empty for headless, ExternalName, or not yet allocated)."""
    headless: bool
    ip_families: tuple[str, ...]
    """spec.ipFamilies, else the families of the cluster IPs, else IPv4."""
    selector: Mapping[str, str]
    external_name: str
    """spec.externalName without its (one allowed) trailing dot."""
    publish_not_ready: bool
    load_balancer: tuple[str, ...]
    """status.loadBalancer.ingress: each entry's ip, else its hostname."""
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def namespace(self) -> str:
        return self.ref.namespace

    @property
    def subject(self) -> ObjectRef:
        """What findings about this Service are about (``str()``: ``Service shop/web``)."""
        return self.ref


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ports(spec: Mapping[str, Any]) -> tuple[ServicePort, ...]:
    ports: list[ServicePort] = []
    raw_ports = spec.get("ports")
    for i, raw in enumerate(raw_ports if isinstance(raw_ports, list) else ()):
        if not isinstance(raw, Mapping):
            continue
        port = _int_or_none(raw.get("port"))
        target = raw.get("targetPort")
        if isinstance(target, bool) or not isinstance(target, (int, str)) or target == "":
            target = port
        ports.append(
            ServicePort(
                index=i,
                name=str(raw.get("name") or ""),
                port=port,
                protocol=str(raw.get("protocol") or "TCP"),
                target=target,
                node_port=_int_or_none(raw.get("nodePort")),
                app_protocol=str(raw.get("appProtocol") or ""),
            )
        )
    return tuple(ports)


def _raw_cluster_ips(spec: Mapping[str, Any]) -> tuple[str, ...]:
    ips = spec.get("clusterIPs")
    values = [str(v) for v in (ips if isinstance(ips, list) else ()) if v]
    if not values and spec.get("clusterIP"):
        values = [str(spec["clusterIP"])]
    return tuple(values)


def _kind(service_type: str, headless: bool) -> ServiceKind:
    """Headless only counts for type ClusterIP: the API rejects "None" on the other types."""
    if service_type == "ExternalName":
        return ServiceKind.EXTERNAL_NAME
    if service_type == "NodePort":
        return ServiceKind.NODE_PORT
    if service_type == "LoadBalancer":
        return ServiceKind.LOAD_BALANCER
    return ServiceKind.HEADLESS if headless else ServiceKind.CLUSTER_IP


def _load_balancer(status: Any) -> tuple[str, ...]:
    lb = status.get("loadBalancer") if isinstance(status, Mapping) else None
    entries = lb.get("ingress") if isinstance(lb, Mapping) else None
    return tuple(
        str(e.get("ip") or e.get("hostname"))
        for e in (entries if isinstance(entries, list) else ())
        if isinstance(e, Mapping) and (e.get("ip") or e.get("hostname"))
    )


def view_service(service: Obj, default_namespace: str = "default") -> ServiceView:
    """Parse one Service object (raw, as the API serialises it)."""
    spec_value = service.get("spec")
    spec: Mapping[str, Any] = spec_value if isinstance(spec_value, Mapping) else {}
    service_type = str(spec.get("type") or "ClusterIP")
    raw_ips = _raw_cluster_ips(spec)
    headless = raw_ips[:1] == ("None",)
    ips = () if service_type == "ExternalName" else tuple(ip for ip in raw_ips if is_ip(ip))
    families_value = spec.get("ipFamilies")
    families = tuple(str(f) for f in families_value) if isinstance(families_value, list) else ()
    if not families:
        derived = tuple("IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4" for ip in ips)
        families = derived or ("IPv4",)
    selector_value = spec.get("selector")
    selector = (
        {str(k): str(v) for k, v in selector_value.items()}
        if isinstance(selector_value, Mapping)
        else {}
    )
    external = str(spec.get("externalName") or "")
    return ServiceView(
        raw=service,
        ref=ObjectRef("Service", namespace_of(service, default_namespace), name_of(service)),
        type=service_type,
        kind=_kind(service_type, headless),
        ports=_ports(spec),
        raw_cluster_ips=raw_ips,
        cluster_ips=ips,
        headless=headless,
        ip_families=families,
        selector=selector,
        external_name=external[:-1] if external.endswith(".") else external,
        publish_not_ready=bool(spec.get("publishNotReadyAddresses")),
        load_balancer=_load_balancer(service.get("status")),
        spec=spec,
    )
