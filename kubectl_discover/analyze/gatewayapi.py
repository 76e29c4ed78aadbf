"""The Gateway API engine (:mod:`.gateway`) turned into the product's values: the
:class:`~.model.Diagnosis` of ``gateway``/``httproute``/``grpcroute``, the Gateway
routes listed under ``svc``, and the ``scan`` rows of Gateways and Routes.

The engine's chains end at a Service port; here each is continued with the Service's
EndpointSlices and pods, as the Ingress chain is. Pure: an Index in, values out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_discover.analyze import services, tls
from kubectl_discover.analyze.gateway import (
    GatewayMatch,
    Request,
    gateway_chain,
    gateway_findings,
    match_chain,
    match_request,
    request_findings,
    route_chain,
    route_findings,
    routes_for_service,
    tls_targets,
)
from kubectl_discover.analyze.gateway.chain import ServiceRoute
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listeners import ListenerKey
from kubectl_discover.analyze.gateway.model import HTTP, HTTPS
from kubectl_discover.analyze.gateway.reported import reported_attachment
from kubectl_discover.analyze.gateway.routemodel import HTTPMatch
from kubectl_discover.analyze.gateway.routes import RouteNode
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import ChainLink, Diagnosis, RouteExpectation
from kubectl_discover.findings import Finding, Verdict, worst_first
from kubectl_discover.refs import ObjectRef

NOT_INSTALLED = (
    "the Gateway API is not installed in this cluster: no gateway.networking.k8s.io resources"
)
"""The one line of ``gateway``/``httproute``/``grpcroute`` (exit 2) and the note of
``svc``/``route``/``scan`` when the cluster answers 404 to the Gateway API LISTs."""

_SERVICE_PORT = re.compile(r"^Service ([^/ ]+)/(\S+) port (.+?)(?: -> targetPort .*)?$")


def installed(index: Index) -> bool:
    """False when the cluster does not serve the Gateway API (CRDs absent)."""
    return index.snapshot.gateway_api_served


def extend_chain(index: Index, links: Sequence[ChainLink]) -> tuple[ChainLink, ...]:
    """Continue every "Service ns/name port P" link with its EndpointSlices and pods."""
    return tuple(_extend(index, link) for link in links)


def _extend(index: Index, link: ChainLink) -> ChainLink:
    children = extend_chain(index, link.children)
    match = _SERVICE_PORT.match(link.label)
    if match is None or link.children:
        return dataclasses.replace(link, children=children)
    service = index.service(match.group(1), match.group(2))
    port = next((p for p in service.ports if p.label == match.group(3)), None) if service else None
    if service is None or port is None:
        return link
    below = services.port_chain(index, service, port)
    ok = link.ok if below.ok is True else (below.ok if link.ok is not False else False)
    why = link.why if below.ok is True else f"{link.why}; {below.why}"
    return dataclasses.replace(link, ok=ok, why=why, children=below.children)


def _facts_of_gateway(index: Index, namespace: str, name: str) -> tuple[tuple[str, str], ...]:
    node = index.gateway_graph.gateway(namespace, name)
    if node is None:
        return ()
    addresses = ", ".join(a.value for a in node.gateway.addresses) or "none"
    return (
        ("class", f"{node.gateway.class_name} ({node.cls.state})"),
        ("listeners", str(len(node.listeners))),
        ("addresses", addresses),
    )


def certificate_findings(
    index: Index, namespace: str, name: str, *, now: datetime
) -> tuple[Finding, ...]:
    """The Ingress certificate checks (analyze/tls.py) on every usable certificateRef of
    the Gateway's terminating listeners: type, certificate, key, validity, and every
    hostname the listener serves covered. A broken reference is the engine's finding."""
    found: list[Finding] = []
    for target in tls_targets(index.gateway_graph, namespace, name):
        if not target.usable:
            continue
        where = f"listener {target.listener[1]} certificateRef"
        _, findings = tls.check_certificate(
            index,
            target.gateway,
            where,
            target.secret_namespace,
            target.secret_name,
            target.hostnames,
            now=now,
        )
        found.extend(findings)
    return tuple(found)


UNUSABLE = "certificateRef unusable"
"""The ``tls`` of a route row whose listener's certificate reference is broken (the
reference finding says why)."""


def _listener_certificates(
    index: Index,
    graph: GatewayGraph,
    hosts_by_listener: Mapping[ListenerKey, tuple[str, ...]],
    *,
    now: datetime,
) -> tuple[dict[ListenerKey, str], tuple[Finding, ...]]:
    """The Ingress certificate checks (analyze/tls.py) on the certificateRefs of the
    terminating listeners named, each for the hostnames given: per listener the short
    status ("ok", "expired", "SAN mismatch", :data:`UNUSABLE`) and the findings."""
    status: dict[ListenerKey, str] = {}
    found: list[Finding] = []
    for target in tls_targets(graph):
        if target.listener not in hosts_by_listener:
            continue
        if not target.usable:
            status.setdefault(target.listener, UNUSABLE)
            continue
        hosts = tuple(h for h in hosts_by_listener[target.listener] if h) or tuple(
            h for h in target.hostnames[:1] if h
        )
        where = f"listener {target.listener[1]} certificateRef"
        short, findings = tls.check_certificate(
            index,
            target.gateway,
            where,
            target.secret_namespace,
            target.secret_name,
            hosts,
            now=now,
        )
        if status.get(target.listener, "ok") == "ok":
            status[target.listener] = short
        found.extend(findings)
    return status, tuple(found)


def diagnose_gateway(index: Index, namespace: str, name: str, *, now: datetime) -> Diagnosis:
    """``kubectl discover gateway NAME``: class, listeners, certificates, attached routes,
    backends."""
    graph = index.gateway_graph
    findings = (
        *gateway_findings(graph, namespace, name),
        *certificate_findings(index, namespace, name, now=now),
    )
    return Diagnosis(
        subject_kind="Gateway",
        namespace=namespace,
        name=name,
        kind="Gateway",
        findings=worst_first(findings),
        chain=extend_chain(index, gateway_chain(graph, namespace, name)),
        facts=_facts_of_gateway(index, namespace, name),
    )


def diagnose_route(
    index: Index, kind: str, namespace: str, name: str, *, now: datetime
) -> Diagnosis:
    """``kubectl discover httproute|grpcroute NAME``: parents, attachment, rules, backends;
    the certificates of the terminating listeners it attaches to (for its hostnames); each
    row aimed at the Gateway's ``status.addresses`` for the probe."""
    graph = index.gateway_graph
    node = graph.route(kind, namespace, name)
    parents = node.parents if node is not None else ()
    attached = {
        verdict.listener: verdict.hostnames
        for parent in parents
        for verdict in parent.attached_listeners()
    }
    certificates, tls_findings = _listener_certificates(index, graph, attached, now=now)
    findings = (*route_findings(graph, kind, namespace, name), *tls_findings)
    facts = tuple(
        (
            "parent",
            f"{p.parent_ref.kind} {p.parent_ref.namespace}/{p.parent_ref.name}: "
            + ("attached" if p.accepted else "unknown" if p.accepted is None else "not attached")
            + f" ({p.reason})",
        )
        for p in parents
    )
    targets = sorted(
        {
            (b.ref.namespace, b.ref.name)
            for rule in (node.backends if node is not None else ())
            for b in rule
            if b.ref.is_service
        }
    )
    entries = sorted(
        (
            (entry.rule, svc, _expectation(graph, entry, ns, svc))
            for ns, svc in targets
            for entry in routes_for_service(graph, ns, svc)
            if entry.route == ObjectRef(kind, namespace, name)
        ),
        key=lambda row: (row[0], row[1]),
    )
    target = _route_probe_target(graph, node, certificates) if node is not None else None
    rows = tuple(
        row[2]
        if target is None or node is None
        else dataclasses.replace(row[2], **target.fields(node, row[0]))
        for row in entries
    )
    return Diagnosis(
        subject_kind=kind,
        namespace=namespace,
        name=name,
        kind=kind,
        findings=worst_first(findings),
        routes=rows,
        chain=extend_chain(index, route_chain(graph, kind, namespace, name)),
        facts=facts,
    )


@dataclass(frozen=True)
class _RouteProbeTarget:
    """Where a probe sends the requests of ``httproute NAME``: the first attached listener
    (parentRef order) of a Gateway with ``status.addresses`` (else the first attached
    listener, with no address), Host and SNI a hostname it serves for the Route, the
    listener's port, per rule the path of its first match, and the certificate status."""

    addresses: tuple[str, ...]
    host: str
    port: int | None
    tls: str

    def fields(self, node: RouteNode, rule: int) -> dict[str, Any]:
        return {
            "addresses": self.addresses,
            "host": self.host,
            "port": self.port,
            "request_path": _rule_path(node, rule),
            "tls": self.tls,
        }


def _rule_path(node: RouteNode, rule: int) -> str:
    """A path the rule's first match takes: its Exact or PathPrefix value, else "/"."""
    matches = node.route.rules[rule].matches if rule < len(node.route.rules) else ()
    first = matches[0] if matches else None
    if isinstance(first, HTTPMatch) and first.path.type in ("Exact", "PathPrefix"):
        return first.path.value or "/"
    return "/"


def _route_probe_target(
    graph: GatewayGraph, node: RouteNode, certificates: Mapping[ListenerKey, str]
) -> _RouteProbeTarget | None:
    found: list[_RouteProbeTarget] = []
    for parent in node.parents:
        if parent.gateway is None:
            continue
        gateway = graph.gateway(parent.gateway.namespace, parent.gateway.name)
        if gateway is None:
            continue
        for verdict in parent.attached_listeners():
            listener = graph.listener(verdict.listener)
            if listener is None or listener.listener.protocol not in (HTTPS, HTTP):
                continue
            hosts = [h for h in verdict.hostnames if h] or [listener.listener.hostname]
            https = listener.listener.protocol == HTTPS
            found.append(
                _RouteProbeTarget(
                    addresses=tuple(a.value for a in gateway.gateway.addresses),
                    host=hosts[0],
                    port=listener.listener.port,
                    tls=certificates.get(verdict.listener, "unchecked") if https else "none",
                )
            )
    # the first with an address to probe; else the first (its tls still says what the
    # certificate checks found, and the probe says there is no address)
    return next((t for t in found if t.addresses), found[0] if found else None)


def _verdict(graph: GatewayGraph, entry: ServiceRoute) -> tuple[Verdict, str]:
    backend = entry.backend
    if entry.attached is False:
        return Verdict.FAIL, f"{entry.route} is attached to no listener"
    if backend.valid is False:
        return Verdict.FAIL, backend.message
    gateways = [graph.gateway(gw.namespace, gw.name) for gw, _, _ in entry.listeners]
    unserved = [g for g in gateways if g is not None and g.serves is False]
    if gateways and len(unserved) == len(gateways):
        return Verdict.FAIL, f"attached, but no controller programs {unserved[0].ref}: " + (
            unserved[0].cls.why
        )
    if backend.ref.weight == 0:
        return Verdict.WARN, "weight 0: this backendRef receives no traffic"
    if entry.attached is None or backend.valid is None:
        why = backend.message if backend.valid is None else "attachment could not be decided"
        return Verdict.WARN, why
    return Verdict.OK, f"attached; {entry.share:.0%} of the rule's requests"


def _gateways_read(index: Index) -> bool:
    """False for ``svc`` (it lists no Gateways) and when their LIST was refused: the
    Routes' own status.parents then say where they are attached."""
    return index.snapshot.unavailable_for("gateways") is None


def service_routes(index: Index, namespace: str, name: str) -> tuple[RouteExpectation, ...]:
    """The HTTPRoute/GRPCRoute rules sending traffic to Service ``namespace/name``; without
    the Gateways, attached as each Route's status.parents report it."""
    graph = index.gateway_graph
    entries = routes_for_service(graph, namespace, name)
    if _gateways_read(index):
        return tuple(_expectation(graph, entry, namespace, name) for entry in entries)
    return tuple(_reported_expectation(graph, entry, namespace, name) for entry in entries)


def _reported_expectation(
    graph: GatewayGraph, entry: ServiceRoute, namespace: str, name: str
) -> RouteExpectation:
    node = graph.route(entry.route.kind, entry.route.namespace, entry.route.name)
    assert node is not None  # entries come from the graph's routes
    reported = reported_attachment(node.route)
    backend = entry.backend
    if backend.valid is False:
        verdict, why = Verdict.FAIL, backend.message
    elif backend.ref.weight == 0:
        verdict, why = Verdict.WARN, "weight 0: this backendRef receives no traffic"
    elif reported.verdict is Verdict.OK:
        verdict, why = Verdict.OK, f"{reported.why}; {entry.share:.0%} of the rule's requests"
    else:
        verdict, why = reported.verdict, reported.why
    expectation = _expectation(graph, entry, namespace, name)
    return dataclasses.replace(
        expectation,
        host=",".join(node.route.hostnames) or "*",
        verdict=verdict,
        why=why,
        gateway=", ".join(reported.parents),
    )


def _expectation(
    graph: GatewayGraph, entry: ServiceRoute, namespace: str, name: str
) -> RouteExpectation:
    verdict, why = _verdict(graph, entry)
    port = entry.backend.service_port
    hosts = sorted({h for _, _, hostnames in entry.listeners for h in hostnames})
    gateways = sorted({f"{gw.namespace}/{gw.name} listener {ls}" for gw, ls, _ in entry.listeners})
    return RouteExpectation(
        ingress="",
        host=",".join(h or "*" for h in hosts),
        path=entry.matches,
        path_type="",
        service=name,
        service_port=str(entry.backend.ref.port or ""),
        target_port="" if port is None or port.target is None else str(port.target),
        ready_endpoints=None,
        tls="none",
        verdict=verdict,
        why=why,
        kind=entry.route.kind,
        source=f"{entry.route.kind} {entry.route.namespace}/{entry.route.name} rule {entry.rule}",
        gateway=", ".join(gateways),
        service_namespace=namespace,
        weight=entry.backend.ref.weight,
    )


def service_route_chain(index: Index, namespace: str, name: str) -> tuple[ChainLink, ...]:
    """``-o tree`` of ``svc``: one link per Gateway route rule to the Service."""
    graph = index.gateway_graph
    links: list[ChainLink] = []
    for e in routes_for_service(graph, namespace, name):
        attached, why = e.attached, "attached" if e.attached else "not attached"
        node = graph.route(e.route.kind, e.route.namespace, e.route.name)
        if not _gateways_read(index) and node is not None:
            reported = reported_attachment(node.route)
            attached, why = reported.attached, reported.why
        label = f"{e.route.kind} {e.route.namespace}/{e.route.name} rule {e.rule}"
        links.append(ChainLink(label, attached, why, (e.chain,)))
    return extend_chain(index, tuple(links))


def summarize(index: Index, namespace: str | None) -> tuple[Diagnosis, ...]:
    """``scan``: one Diagnosis per Gateway, HTTPRoute and GRPCRoute in scope."""
    graph = index.gateway_graph
    found: list[Diagnosis] = []
    for ns, name in sorted(graph.gateways):
        if namespace is None or ns == namespace:
            found.append(
                Diagnosis("Gateway", ns, name, "Gateway", gateway_findings(graph, ns, name))
            )
    for kind, ns, name in sorted(graph.routes):
        if namespace is None or ns == namespace:
            found.append(Diagnosis(kind, ns, name, kind, route_findings(graph, kind, ns, name)))
    return tuple(found)


@dataclass(frozen=True)
class RequestAnalysis:
    """What the Gateways answer to one request (``route URL``)."""

    findings: tuple[Finding, ...]
    routes: tuple[RouteExpectation, ...]
    chain: tuple[ChainLink, ...]
    facts: tuple[tuple[str, str], ...]
    answered: bool
    """True when at least one Gateway listens on the request's port and scheme."""
    matches: tuple[GatewayMatch, ...] = ()


def analyze_request(
    index: Index,
    request: Request,
    gateway: tuple[str, str] | None = None,
    *,
    now: datetime,
) -> RequestAnalysis:
    """Every Gateway that could receive ``request`` (or ``gateway`` alone): the listener,
    the winning rule and its backends, or why the answer is 404/500/no listener; for https,
    the certificate checks of the listener that takes the request, for the request's host."""
    graph = index.gateway_graph
    matches = match_request(graph, request, gateway)
    terminating = {
        m.listener: (request.host,)
        for m in matches
        if m.listener is not None and request.scheme == "https"
    }
    certificates, tls_findings = _listener_certificates(index, graph, terminating, now=now)
    rows: list[RouteExpectation] = []
    facts: list[tuple[str, str]] = []
    for match in matches:
        node = graph.gateway(match.gateway.namespace, match.gateway.name)
        addresses = tuple(a.value for a in node.gateway.addresses) if node else ()
        certificate = certificates.get(match.listener, "unchecked") if match.listener else ""
        probe = _ProbeTarget(request, addresses, certificate or "unchecked")
        rows.extend(dataclasses.replace(row, **probe.fields()) for row in _match_rows(match))
        winner = f" by {match.winner.source()}" if match.winner is not None else ""
        facts.append(("gateway", f"{match.gateway.path}: {match.status_text()}{winner}"))
    chain = extend_chain(index, tuple(match_chain(graph, m) for m in matches))
    return RequestAnalysis(
        findings=(*request_findings(graph, request, matches), *tls_findings),
        routes=tuple(rows),
        chain=chain,
        facts=tuple(facts),
        answered=bool(matches),
        matches=tuple(matches),
    )


@dataclass(frozen=True)
class _ProbeTarget:
    """Where a probe sends the request: the Gateway's status addresses, the request's own
    host (as Host and SNI), port and path."""

    request: Request
    addresses: tuple[str, ...]
    certificate: str = "unchecked"
    """https: the certificate checks' status for the listener ("unchecked": none ran)."""

    def fields(self) -> dict[str, Any]:
        return {
            "addresses": self.addresses,
            "host": self.request.host,
            "port": self.request.port,
            "request_path": self.request.path,
            "tls": self.certificate if self.request.scheme == "https" else "none",
        }


def _match_rows(match: GatewayMatch) -> list[RouteExpectation]:
    listener = f"{match.gateway.path} listener {match.listener[1]}" if match.listener else ""
    winner = match.winner
    source = winner.source() if winner is not None else f"Gateway {match.gateway.path}"
    kind = winner.route.kind if winner is not None else "HTTPRoute"
    if not match.backends:
        return [
            RouteExpectation(
                ingress="",
                host=winner.hostname if winner is not None else "",
                path=winner.description if winner is not None else "",
                path_type="",
                service="",
                service_port="",
                target_port="",
                ready_endpoints=None,
                tls="none",
                verdict=match.verdict,
                why=f"{match.status_text()}: {match.reason}",
                kind=kind,
                source=source,
                gateway=listener or match.gateway.path,
            )
        ]
    rows: list[RouteExpectation] = []
    for share in match.backends:
        ref = share.resolution.ref
        port = share.resolution.service_port
        status = f"{share.status} for {share.share:.0%}" if share.status else f"{share.share:.0%}"
        rows.append(
            RouteExpectation(
                ingress="",
                host=winner.hostname if winner is not None else "",
                path=winner.description if winner is not None else "",
                path_type="",
                service=ref.name,
                service_port=str(ref.port or ""),
                target_port="" if port is None or port.target is None else str(port.target),
                ready_endpoints=None,
                tls="none",
                verdict=Verdict.FAIL if share.status else match.verdict,
                why=f"{status}: {share.why}",
                kind=kind,
                source=source,
                gateway=listener,
                service_namespace=ref.namespace,
                weight=share.weight,
            )
        )
    return rows
