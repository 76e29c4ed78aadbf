"""The Service analysis: one :class:`Diagnosis` per Service, composed from the
concern modules (validation, backends, slices, endpoints, headless, externalname,
dnsnames), plus :func:`summarize` for ``kubectl discover scan``.

Everything is computed once per Service from index lookups (selected pods,
slices by service name), so a scan over thousands of Services stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubectl_discover.analyze import (
    backends,
    dnsnames,
    endpoints,
    externalname,
    headless,
    slices,
    validation,
)
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import ChainLink, Diagnosis, PodView, ServiceKind
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.sliceview import SliceView
from kubectl_discover.findings import Check, Severity, Verdict, worst_first
from kubectl_discover.syntax import is_ip

__all__ = ["CHECKS", "diagnose_service", "summarize"]

CHECKS: tuple[Check, ...] = ()
"""This module composes; every check lives in the module that raises it."""

ALL_CHECKS: tuple[Check, ...] = (
    *validation.CHECKS,
    *backends.CHECKS,
    *slices.CHECKS,
    *endpoints.CHECKS,
    *headless.CHECKS,
    *externalname.CHECKS,
    *dnsnames.CHECKS,
)
"""Every check the Service analysis can raise (for tests and the catalogue)."""

_MAX_CHAIN_ENDPOINTS = 20


def diagnose_service(
    index: Index, namespace: str, name: str, *, client_namespaces: Sequence[str] = ()
) -> Diagnosis:
    """Everything the static analysis says about Service ``namespace/name``.

    A missing Service gives an empty diagnosis: the caller checks existence first
    (and offers "did you mean").
    """
    service = index.service(namespace, name)
    if service is None:
        return Diagnosis("Service", namespace, name, kind="", findings=())
    return _diagnose(index, service, namespace, name, client_namespaces)


def _diagnose(
    index: Index, service: ServiceView, namespace: str, name: str, client_namespaces: Sequence[str]
) -> Diagnosis:
    kind = service.kind
    pods = backends.selected_pods(index, service, namespace)
    views = slices.service_slices(index, service, namespace, pods)
    per_pod = headless.per_pod_names(index, service, namespace, pods)
    findings = [
        *validation.validate_service(service),
        *backends.backend_findings(index, service, namespace, pods, bool(views)),
        *slices.slice_findings(index, service, namespace, pods, views),
        *endpoints.endpoint_findings(index, service, namespace, views),
        *headless.headless_findings(index, service, namespace, pods, per_pod),
        *externalname.externalname_findings(index, service, namespace),
    ]
    dns = dnsnames.dns_analysis(
        index, service, namespace, views, per_pod, findings, client_namespaces
    )
    findings.extend(dns.findings)
    return Diagnosis(
        subject_kind="Service",
        namespace=namespace,
        name=name,
        kind=kind.value,
        findings=worst_first(findings),
        endpoints=endpoints.endpoint_expectations(index, service, namespace, views),
        dns=dns.expectations,
        pods=tuple(pods),
        chain=service_chain(service, kind, pods, views),
        facts=service_facts(index, service, kind),
    )


# ---------------------------------------------------------------- scan


_VERDICT_RANK = {Verdict.FAIL: 0, Verdict.WARN: 1, Verdict.OK: 2}


def summarize(index: Index, namespace: str | None) -> tuple[Diagnosis, ...]:
    """One diagnosis per Service in ``namespace`` (all when None), worst first."""
    services = index.service_views if namespace is None else index.services_in(namespace)
    diagnoses = [diagnose_service(index, s.namespace, s.name) for s in services]
    return tuple(
        sorted(
            diagnoses,
            key=lambda d: (
                _VERDICT_RANK[d.verdict],
                -sum(1 for f in d.findings if f.severity >= Severity.WARN),
                d.namespace,
                d.name,
            ),
        )
    )


# ---------------------------------------------------------------- facts


def service_facts(
    index: Index, service: ServiceView, kind: ServiceKind
) -> tuple[tuple[str, str], ...]:
    """Header lines: what the Service is, as written and as observed."""
    spec = service.spec
    facts: list[tuple[str, str]] = [("type", str(spec.get("type") or "ClusterIP"))]
    if kind is ServiceKind.HEADLESS:
        facts.append(("clusterIP", "None (headless)"))
    elif kind is ServiceKind.EXTERNAL_NAME:
        facts.append(("externalName", service.external_name or "<empty>"))
    else:
        facts.append(("clusterIPs", ", ".join(service.cluster_ips) or "<allocated on create>"))
    if kind is not ServiceKind.EXTERNAL_NAME:
        facts.append(("ipFamilies", ", ".join(service.ip_families)))
    ports = service.ports
    facts.append(("ports", ", ".join(_port_fact(p) for p in ports) or "<none>"))
    selector = service.selector
    facts.append(
        ("selector", ",".join(f"{k}={v}" for k, v in selector.items()) or "<none: selectorless>")
    )
    for field in (
        "externalTrafficPolicy",
        "internalTrafficPolicy",
        "sessionAffinity",
        "loadBalancerClass",
        "publishNotReadyAddresses",
    ):
        value = spec.get(field)
        if value not in (None, "", False):
            facts.append((field, str(value).lower() if isinstance(value, bool) else str(value)))
    if spec.get("externalIPs"):
        facts.append(("externalIPs", ", ".join(str(ip) for ip in spec["externalIPs"])))
    if kind is ServiceKind.LOAD_BALANCER:
        ingress = service.load_balancer
        facts.append(("loadBalancer", ", ".join(ingress) or "<pending>"))
    facts.append(("source", "live cluster" if index.snapshot.live else "manifests (offline)"))
    return tuple(facts)


def _port_fact(port: ServicePort) -> str:
    text = port.label
    if port.target is not None and port.target != port.port:
        text += f" -> {port.target}"
    if port.node_port:
        text += f" (nodePort {port.node_port})"
    return text


# ---------------------------------------------------------------- chain


def service_chain(
    service: ServiceView, kind: ServiceKind, pods: Sequence[PodView], views: Sequence[SliceView]
) -> tuple[ChainLink, ...]:
    """Service port -> EndpointSlice -> endpoint/pod, each link ok or broken with a why."""
    ports = service.ports
    if kind is ServiceKind.EXTERNAL_NAME:
        target = service.external_name
        ok = bool(target) and not is_ip(target)
        why = "DNS answers a CNAME" if ok else f"externalName {target!r} cannot be a CNAME"
        if not ports:
            return (ChainLink(f"CNAME {target}", ok, why),)
        return tuple(ChainLink(f"port {p.label} -> CNAME {target}", ok, why) for p in ports)
    if not ports:
        return (_portless_link(views, pods),)
    return tuple(_port_link(port, pods, views) for port in ports)


def _port_link(port: ServicePort, pods: Sequence[PodView], views: Sequence[SliceView]) -> ChainLink:
    children = tuple(_slice_links(port, views))
    ready = any(link.ok for link in children)
    unknown = any(link.ok is None for link in children)
    if not views:
        why = "no pods selected" if not pods else "no EndpointSlices"
        return ChainLink(f"port {port.label} -> targetPort {port.target}", False, why, children)
    if not children:
        why = f"no EndpointSlice carries port {port.name or port.port}"
        return ChainLink(f"port {port.label} -> targetPort {port.target}", False, why, ())
    ok: bool | None = True if ready else (None if unknown else False)
    why = "ready endpoints" if ready else ("readiness unknown" if unknown else "no ready endpoint")
    return ChainLink(f"port {port.label} -> targetPort {port.target}", ok, why, children)


def _slice_links(port: ServicePort, views: Sequence[SliceView]) -> Iterator[ChainLink]:
    for view in views:
        slice_port = view.port_named(port.name, port.protocol)
        if slice_port is None:
            continue
        kids = tuple(_endpoint_links(view, slice_port.port))
        ok: bool | None
        if any(k.ok for k in kids):
            ok = True
        elif any(k.ok is None for k in kids):
            ok = None
        else:
            ok = False
        label = ("predicted slice" if view.predicted else f"EndpointSlice {view.name}") + (
            f" ({view.address_type}, port {slice_port.port})"
        )
        yield ChainLink(label, ok, f"{len(view.endpoints)} endpoint(s)", kids)


def _endpoint_links(view: SliceView, port: int | None) -> Iterator[ChainLink]:
    for endpoint in view.endpoints[:_MAX_CHAIN_ENDPOINTS]:
        address = ",".join(endpoint.addresses) or "<ip>"
        name = f"pod {endpoint.pod}" if endpoint.pod else "endpoint"
        if endpoint.ready is None:
            why = "offline: ready once running"
        elif endpoint.ready:
            why = "ready"
        elif endpoint.terminating:
            why = "terminating"
        else:
            why = "not ready"
        yield ChainLink(f"{name} {address}:{port}", endpoint.ready, why)


def _portless_link(views: Sequence[SliceView], pods: Sequence[PodView]) -> ChainLink:
    children = tuple(link for view in views for link in _endpoint_links(view, None))
    ok: bool | None = any(k.ok for k in children)
    if not ok and any(k.ok is None for k in children):
        ok = None
    why = "addresses only (no ports)" if children else ("no pods selected" if not pods else "none")
    return ChainLink("no ports (headless)", ok, why, children)


def port_chain(index: Index, service: ServiceView, port: ServicePort) -> ChainLink:
    """One Service port -> EndpointSlices -> pods, as :func:`service_chain` draws it (the
    Gateway API chains end at a Service port and continue here)."""
    pods = backends.selected_pods(index, service, service.namespace)
    views = slices.service_slices(index, service, service.namespace, pods)
    return _port_link(port, pods, views)
