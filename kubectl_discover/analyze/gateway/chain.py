"""Views over the graph for the commands: ``-o tree`` chains, the Routes behind a
Service (``svc NAME``), and the certificates each listener needs checked.

Chains run Gateway listener -> Route rule -> backendRef -> Service port, each link
with ``ok`` (True, False at a break, None when unknown) and a one-line why; the
caller hangs EndpointSlices and pods under the Service port link. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listeners import ListenerKey, ListenerNode
from kubectl_discover.analyze.gateway.matching import GatewayMatch
from kubectl_discover.analyze.gateway.model import (
    HTTPS,
    TERMINATE,
    TLS,
)
from kubectl_discover.analyze.gateway.routemodel import (
    Rule,
)
from kubectl_discover.analyze.gateway.routes import BackendResolution, RouteNode
from kubectl_discover.analyze.model import ChainLink
from kubectl_discover.refs import ObjectRef

# ---------------------------------------------------------------- links


def service_port_link(resolution: BackendResolution) -> ChainLink | None:
    port = resolution.service_port
    if port is None:
        return None
    target = "" if port.target is None else f" -> targetPort {port.target}"
    why = "the backendRef's port is this Service port"
    if resolution.policies:
        policy = resolution.policies[0]
        why += (
            f"; the Gateway connects with TLS ({policy.ref}"
            + (f", hostname {policy.hostname}" if policy.hostname else "")
            + ")"
        )
    return ChainLink(
        f"Service {resolution.ref.namespace}/{resolution.ref.name} port {port.label}{target}",
        True,
        why,
    )


def backend_link(resolution: BackendResolution, share: float | None = None) -> ChainLink:
    ref = resolution.ref
    weight = f"weight {ref.weight}"
    if share is not None:
        weight += f", {share:.0%}"
    child = service_port_link(resolution)
    ok: bool | None = resolution.valid
    why = resolution.message
    if ref.weight == 0 and ok:
        why = "weight 0: receives no traffic"
    return ChainLink(
        f"backendRef {ref.describe()} ({weight})",
        ok,
        why,
        (child,) if child is not None else (),
    )


def _shares(rule: Rule) -> list[float | None]:
    total = sum(max(r.weight, 0) for r in rule.backend_refs)
    return [max(r.weight, 0) / total if total else 0.0 for r in rule.backend_refs]


def rule_link(node: RouteNode, rule: Rule) -> ChainLink:
    resolutions = node.backends[rule.index]
    label = f"{node.ref} {rule.label()}: {rule.describe_matches()}"
    redirect = next((f for f in rule.filters if f.type == "RequestRedirect"), None)
    if redirect is not None:
        return ChainLink(label, True, f"redirects ({redirect.redirect_status})")
    if not rule.backend_refs:
        return ChainLink(label, False, "no backendRefs: matching requests get 500")
    children = tuple(backend_link(r, s) for r, s in zip(resolutions, _shares(rule)))
    weighted = [r for r in resolutions if r.ref.weight > 0]
    if not weighted:
        return ChainLink(
            label, False, "every backendRef has weight 0: no backend gets requests (500)", children
        )
    valid = [r for r in weighted if r.valid]
    invalid = [r for r in weighted if r.valid is False]
    if not valid and invalid and len(invalid) == len(weighted):
        return ChainLink(
            label, False, "every weighted backendRef is invalid: requests get 500", children
        )
    if invalid:
        return ChainLink(
            label,
            False,
            f"{len(invalid)} of {len(weighted)} weighted backendRef(s) invalid: their share "
            "gets 500",
            children,
        )
    if len(valid) < len(weighted):
        return ChainLink(label, None, "some backendRefs could not be checked", children)
    return ChainLink(label, True, f"forwards to {len(valid)} backend(s)", children)


def _listener_link(
    graph: GatewayGraph,
    gateway: GatewayNode,
    listener: ListenerNode,
    routes: tuple[tuple[RouteNode, tuple[str, ...]], ...],
) -> ChainLink:
    owner = listener.listener.owner
    label = f"{gateway.ref} {listener.listener.describe()}"
    if owner != gateway.ref:
        label += f" from {owner}"
    children: list[ChainLink] = []
    for node, served in routes:
        hosts = ", ".join(h or "any host" for h in served)
        rules = tuple(rule_link(node, rule) for rule in node.route.rules)
        children.append(
            ChainLink(
                f"{node.ref} for {hosts}",
                all(r.ok is not False for r in rules) if rules else False,
                f"attached; {len(rules)} rule(s)" if rules else "attached but has no rules",
                rules,
            )
        )
    if gateway.serves is False:
        return ChainLink(label, False, gateway.cls.why, tuple(children))
    if not listener.accepted:
        return ChainLink(label, False, listener.blocking_why(), tuple(children))
    why = f"accepted; {len(routes)} Route(s) attached"
    return ChainLink(label, None if gateway.serves is None else True, why, tuple(children))


def gateway_chain(graph: GatewayGraph, namespace: str, name: str) -> tuple[ChainLink, ...]:
    """One link per listener (own, then ListenerSet listeners), with every attached
    Route's rules and their backends below."""
    gateway = graph.gateway(namespace, name)
    if gateway is None:
        raise LookupError(f'Gateway "{name}" not found in namespace "{namespace}"')
    return tuple(
        _listener_link(graph, gateway, listener, graph.routes_on(listener.key))
        for listener in gateway.listeners
    )


def route_chain(graph: GatewayGraph, kind: str, namespace: str, name: str) -> tuple[ChainLink, ...]:
    """One link per parentRef: where it attaches (or why not), then the listeners,
    and below each the Route's rules and backends."""
    node = graph.route(kind, namespace, name)
    if node is None:
        raise LookupError(f'{kind} "{name}" not found in namespace "{namespace}"')
    links: list[ChainLink] = []
    for parent in node.parents:
        children: list[ChainLink] = []
        gateway = (
            graph.gateway(parent.gateway.namespace, parent.gateway.name) if parent.gateway else None
        )
        for verdict in parent.listeners:
            listener = gateway.listener(verdict.listener) if gateway else None
            if listener is None or gateway is None:
                continue
            if not verdict.attached:
                children.append(
                    ChainLink(
                        f"{gateway.ref} {listener.listener.describe()}",
                        verdict.attached,
                        verdict.why,
                    )
                )
                continue
            children.append(_listener_link(graph, gateway, listener, ((node, verdict.hostnames),)))
        links.append(
            ChainLink(
                f"parentRef {parent.parent_ref.describe()}",
                parent.accepted,
                parent.message,
                tuple(children),
            )
        )
    if not node.parents:
        links.append(ChainLink(f"{node.ref}", False, "no parentRefs: attached to no Gateway"))
    return tuple(links)


def match_chain(graph: GatewayGraph, match: GatewayMatch) -> ChainLink:
    """The chain of one Gateway's answer to a URL: listener -> winning rule -> backends."""
    gateway = graph.gateway(match.gateway.namespace, match.gateway.name)
    label = f"{match.gateway}"
    if gateway is None or match.listener is None:
        return ChainLink(label, False, match.reason)
    listener = gateway.listener(match.listener)
    if listener is None:
        return ChainLink(label, False, match.reason)
    head = f"{gateway.ref} {listener.listener.describe()}"
    if match.winner is None:
        return ChainLink(head, False, match.reason)
    node = graph.routes[
        (match.winner.route.kind, match.winner.route.namespace, match.winner.route.name)
    ]
    rule = node.route.rules[match.winner.rule]
    link = rule_link(node, rule)
    link = ChainLink(
        f"{match.winner.source()}: {match.winner.description}",
        False if match.status in (404, 500) else link.ok,
        match.reason,
        link.children,
    )
    ok = gateway.serves is not False
    return ChainLink(head, None if gateway.serves is None else ok, match.listener_why, (link,))


# ---------------------------------------------------------------- svc NAME


@dataclass(frozen=True)
class ServiceRoute:
    """One backendRef of one Route rule that sends traffic to a Service."""

    route: ObjectRef
    rule: int
    rule_name: str
    matches: str
    backend: BackendResolution
    share: float
    """The fraction of the rule's requests aimed at this backendRef."""
    listeners: tuple[tuple[ObjectRef, str, tuple[str, ...]], ...]
    """(Gateway, listener name, hostnames served) of every listener the Route is
    attached to."""
    attached: bool | None
    chain: ChainLink

    def source(self) -> str:
        return f"{self.route.kind} {self.route.path} rule {self.rule}"


def routes_for_service(graph: GatewayGraph, namespace: str, name: str) -> tuple[ServiceRoute, ...]:
    """Every HTTPRoute/GRPCRoute rule with a backendRef to Service ``namespace/name``."""
    found: list[ServiceRoute] = []
    for key in sorted(graph.routes):
        node = graph.routes[key]
        listeners: list[tuple[ObjectRef, str, tuple[str, ...]]] = []
        states: list[bool | None] = []
        for parent in node.parents:
            states.append(parent.accepted)
            for verdict in parent.attached_listeners():
                if parent.gateway is not None:
                    listeners.append((parent.gateway, verdict.listener[1], verdict.hostnames))
        attached: bool | None = (
            True if any(states) else None if any(s is None for s in states) else False
        )
        for rule in node.route.rules:
            shares = _shares(rule)
            for resolution, share in zip(node.backends[rule.index], shares):
                ref = resolution.ref
                if not (ref.is_service and ref.namespace == namespace and ref.name == name):
                    continue
                found.append(
                    ServiceRoute(
                        route=node.ref,
                        rule=rule.index,
                        rule_name=rule.name,
                        matches=rule.describe_matches(),
                        backend=resolution,
                        share=share or 0.0,
                        listeners=tuple(listeners),
                        attached=attached,
                        chain=rule_link(node, rule),
                    )
                )
    return tuple(found)


# ---------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TlsTarget:
    """One certificate Secret a listener terminates TLS with, and the names to check.

    Feed ``secret_namespace``/``secret_name`` and each of ``hostnames`` to the Ingress
    TLS checks (:mod:`kubectl_discover.analyze.tls`): the certificate must cover every
    intersected hostname of the listener (the hostname concept page: "every intersected
    hostname on the Listener must be represented in a certificate").
    """

    gateway: ObjectRef
    listener: ListenerKey
    secret_namespace: str
    secret_name: str
    hostnames: tuple[str, ...]
    """The listener's hostname and the intersected hostnames of its Routes ("" never)."""
    usable: bool
    """False when the reference itself is broken (kind, ReferenceGrant, missing Secret):
    the reference finding already says why, the certificate cannot be checked."""


def tls_targets(
    graph: GatewayGraph, namespace: str | None = None, name: str | None = None
) -> tuple[TlsTarget, ...]:
    """The certificate checks to run, per terminating listener (of one Gateway when
    ``namespace``/``name`` are given)."""
    found: list[TlsTarget] = []
    for (ns, gw_name), gateway in sorted(graph.gateways.items()):
        if name is not None and (ns, gw_name) != (namespace, name):
            continue
        for listener in gateway.listeners:
            tls = listener.listener.tls
            if (
                listener.listener.protocol not in (HTTPS, TLS)
                or tls is None
                or tls.mode != TERMINATE
            ):
                continue
            names: dict[str, None] = {}
            if listener.listener.hostname:
                names[listener.listener.hostname] = None
            for _, served in graph.routes_on(listener.key):
                for host in served:
                    if host:
                        names[host] = None
            broken = {
                p.secret
                for p in listener.problems
                if p.secret is not None and p.code != "tls-ref-grant-unknown"
            }
            for ref in tls.certificate_refs:
                if not ref.is_secret:
                    continue
                found.append(
                    TlsTarget(
                        gateway=gateway.ref,
                        listener=listener.key,
                        secret_namespace=ref.namespace,
                        secret_name=ref.name,
                        hostnames=tuple(names),
                        usable=(ref.namespace, ref.name) not in broken,
                    )
                )
    return tuple(found)
