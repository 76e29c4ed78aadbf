"""One graph of the Gateway API objects, built once; every analysis walks it.

GatewayClass -> Gateway -> listeners (the Gateway's own, then those of the
ListenerSets it accepts) -> attached Routes -> rules -> backendRefs -> Service ports.

What the graph decides, each time as the specification says (docs/gateway.md lists
the source of every rule):

- whether a Gateway's class exists and is Accepted by its controller;
- which ListenerSets a Gateway accepts (``allowedListeners``), the merged listener list
  in precedence order (the Gateway, then ListenerSets oldest first, then by
  ``namespace/name``), and each listener's problems: protocol, TLS settings,
  certificateRefs (kind, ReferenceGrant, Secret), allowed route kinds, conflicts;
- for every Route parentRef: the relevant listeners (sectionName, port; a Gateway
  parentRef never reaches ListenerSet listeners), and per listener whether the Route
  attaches, with the reason when it does not (NoMatchingParent, NotAllowedByListeners,
  NoMatchingListenerHostname) and the intersected hostnames when it does; an HTTPRoute
  and a GRPCRoute with intersecting hostnames on one listener: only the older attaches;
- for every backendRef: the Service and Service port it resolves to, or why it is
  invalid (InvalidKind, RefNotPermitted, BackendNotFound, a port the Service lacks).

Inputs are raw objects plus what the caller knows: namespace labels (for ``Selector``),
the Secrets and ReferenceGrants that could be read (None when they could not). Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.gateway.attachment import (
    parent_result,
    resolve_kind_conflicts,
)
from kubectl_discover.analyze.gateway.backends import (
    resolve_backend,
)
from kubectl_discover.analyze.gateway.gateways import (
    GatewayNode,
    ListenerSetNode,
    gateway_node,
    listenerset_node,
)
from kubectl_discover.analyze.gateway.listeners import (
    ListenerKey,
    ListenerNode,
)
from kubectl_discover.analyze.gateway.model import (
    GRPCROUTE,
    HTTPROUTE,
    BackendTLSPolicy,
    GatewayClass,
    ReferenceGrant,
    parse_backendtlspolicy,
    parse_gateway,
    parse_gatewayclass,
    parse_listenerset,
    parse_referencegrant,
)
from kubectl_discover.analyze.gateway.routemodel import (
    Route,
    parse_route,
)
from kubectl_discover.analyze.gateway.routes import (
    RouteKey,
    RouteNode,
    route_problems,
)
from kubectl_discover.analyze.serviceview import ServiceView
from kubectl_discover.snapshot import Obj, name_of, namespace_of

# ---------------------------------------------------------------- the graph


@dataclass(frozen=True)
class GatewayGraph:
    classes: Mapping[str, GatewayClass]
    gateways: Mapping[tuple[str, str], GatewayNode]
    listenersets: Mapping[tuple[str, str], ListenerSetNode]
    routes: Mapping[RouteKey, RouteNode]
    attachments: Mapping[ListenerKey, tuple[tuple[RouteKey, tuple[str, ...]], ...]]
    """Per listener: (route, intersected hostnames) of each Route attached to it."""
    grants: tuple[ReferenceGrant, ...] | None
    services: Mapping[tuple[str, str], ServiceView]
    secrets: Mapping[tuple[str, str], Obj] | None
    namespace_labels: Mapping[str, Mapping[str, str]] | None
    policies: tuple[BackendTLSPolicy, ...]
    live: bool

    def gateway(self, namespace: str, name: str) -> GatewayNode | None:
        return self.gateways.get((namespace, name))

    def route(self, kind: str, namespace: str, name: str) -> RouteNode | None:
        return self.routes.get((kind, namespace, name))

    def listener(self, key: ListenerKey) -> ListenerNode | None:
        owner = key[0]
        if owner.kind == "Gateway":
            node = self.gateways.get((owner.namespace, owner.name))
            return node.listener(key) if node else None
        for gateway in self.gateways.values():
            found = gateway.listener(key)
            if found is not None:
                return found
        return None

    def routes_on(self, key: ListenerKey) -> tuple[tuple[RouteNode, tuple[str, ...]], ...]:
        return tuple((self.routes[r], h) for r, h in self.attachments.get(key, ()))


def build_graph(
    *,
    gatewayclasses: Iterable[Obj] | None = (),
    gateways: Iterable[Obj] | None = (),
    listenersets: Iterable[Obj] | None = (),
    httproutes: Iterable[Obj] = (),
    grpcroutes: Iterable[Obj] = (),
    referencegrants: Iterable[Obj] | None = (),
    backendtlspolicies: Iterable[Obj] = (),
    services: Mapping[tuple[str, str], ServiceView] | None = None,
    secrets: Iterable[Obj] | None = None,
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    default_namespace: str = "default",
    live: bool = True,
) -> GatewayGraph:
    """Parse every object once and decide attachment and references.

    ``referencegrants``/``secrets`` None: they could not be read (checks needing them
    say so). ``gatewayclasses`` None: not read (every class "unknown"); ``listenersets``
    None: not read (a parentRef to a ListenerSet is "unknown", not "missing"); ``gateways``
    None likewise for Gateway parents.
    ``namespace_labels`` None: labels unknown (``from: Selector`` undecided).
    ``services`` are the index's views (analyze/index.py), keyed (namespace, name).
    """
    ns = default_namespace
    classes = {c.name: c for c in (parse_gatewayclass(o) for o in gatewayclasses or ())}
    gateway_views = [parse_gateway(o, ns) for o in gateways or ()]
    set_views = [parse_listenerset(o, ns) for o in listenersets or ()]
    route_views = [parse_route({**o, "kind": o.get("kind") or HTTPROUTE}, ns) for o in httproutes]
    route_views += [parse_route({**o, "kind": o.get("kind") or GRPCROUTE}, ns) for o in grpcroutes]
    grants = (
        None
        if referencegrants is None
        else tuple(parse_referencegrant(o, ns) for o in referencegrants)
    )
    policies = tuple(parse_backendtlspolicy(o, ns) for o in backendtlspolicies)
    service_map: Mapping[tuple[str, str], ServiceView] = services or {}
    secret_map = (
        None if secrets is None else {(namespace_of(s, ns), name_of(s)): s for s in secrets}
    )

    gateway_by_key = {g.key: g for g in gateway_views}
    set_nodes = {ls.key: listenerset_node(ls, gateway_by_key, namespace_labels) for ls in set_views}
    gateway_nodes: dict[tuple[str, str], GatewayNode] = {}
    for gateway in gateway_views:
        gateway_nodes[gateway.key] = gateway_node(
            gateway,
            None if gatewayclasses is None else classes,
            set_nodes,
            grants,
            secret_map,
            live,
        )

    route_nodes: dict[RouteKey, RouteNode] = {}
    for route in route_views:
        route_nodes[route.key] = _route_node(
            route,
            gateway_nodes,
            set_nodes,
            namespace_labels,
            grants,
            service_map,
            policies,
            live,
            sets_known=listenersets is not None,
            gateways_known=gateways is not None,
        )
    route_nodes = resolve_kind_conflicts(route_nodes)
    attachments: dict[ListenerKey, list[tuple[RouteKey, tuple[str, ...]]]] = defaultdict(list)
    for key, node in sorted(route_nodes.items(), key=lambda kv: kv[1].route.age):
        for parent in node.parents:
            for verdict in parent.listeners:
                if verdict.attached:
                    attachments[verdict.listener].append((key, verdict.hostnames))
    return GatewayGraph(
        classes=classes,
        gateways=gateway_nodes,
        listenersets=set_nodes,
        routes=route_nodes,
        attachments={k: tuple(v) for k, v in attachments.items()},
        grants=grants,
        services=service_map,
        secrets=secret_map,
        namespace_labels=namespace_labels,
        policies=policies,
        live=live,
    )


def _route_node(
    route: Route,
    gateways: Mapping[tuple[str, str], GatewayNode],
    sets: Mapping[tuple[str, str], ListenerSetNode],
    labels: Mapping[str, Mapping[str, str]] | None,
    grants: Sequence[ReferenceGrant] | None,
    services: Mapping[tuple[str, str], ServiceView],
    policies: Sequence[BackendTLSPolicy],
    live: bool,
    *,
    sets_known: bool = True,
    gateways_known: bool = True,
) -> RouteNode:
    parents = tuple(
        parent_result(
            route,
            parent,
            gateways,
            sets,
            labels,
            sets_known=sets_known,
            gateways_known=gateways_known,
        )
        for parent in route.parent_refs
    )
    backends = tuple(
        tuple(
            resolve_backend(route, ref, grants, services, policies, live)
            for ref in rule.backend_refs
        )
        for rule in route.rules
    )
    return RouteNode(route, parents, backends, tuple(route_problems(route)))
