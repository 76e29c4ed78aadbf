"""Route attachment: for every parentRef the relevant listeners and, per listener, whether
the Route attaches (and why not); HTTPRoute/GRPCRoute hostname conflicts on a listener."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.gateways import (
    GatewayNode,
    ListenerSetNode,
)
from kubectl_discover.analyze.gateway.listeners import (
    ListenerKey,
    ListenerNode,
)
from kubectl_discover.analyze.gateway.model import (
    CORE_GROUP,
    GATEWAY_GROUP,
    GroupKind,
)
from kubectl_discover.analyze.gateway.namespaces import (
    namespace_allowed,
)
from kubectl_discover.analyze.gateway.routemodel import (
    ParentRef,
    Route,
    RouteParentStatus,
)
from kubectl_discover.analyze.gateway.routes import (
    ListenerVerdict,
    ParentResult,
    RouteKey,
    RouteNode,
)
from kubectl_discover.refs import ObjectRef


def _controller(node: GatewayNode | None) -> str:
    if node is None or node.cls.gatewayclass is None:
        return ""
    return node.cls.gatewayclass.controller


def _observed(route: Route, parent: ParentRef, controller: str) -> RouteParentStatus | None:
    candidates = [s for s in route.status_parents if s.parent_ref.same_as(parent)]
    if controller:
        mine = [s for s in candidates if s.controller == controller]
        if mine:
            return mine[0]
    return candidates[0] if candidates else None


class _Result(Protocol):
    def __call__(
        self,
        accepted: bool | None,
        reason: str,
        message: str,
        target: ObjectRef | None = None,
        gateway: GatewayNode | None = None,
        verdicts: tuple[ListenerVerdict, ...] = (),
    ) -> ParentResult: ...


def parent_result(
    route: Route,
    parent: ParentRef,
    gateways: Mapping[tuple[str, str], GatewayNode],
    sets: Mapping[tuple[str, str], ListenerSetNode],
    labels: Mapping[str, Mapping[str, str]] | None,
    *,
    sets_known: bool = True,
    gateways_known: bool = True,
) -> ParentResult:
    """``sets_known``/``gateways_known`` False: ListenerSets/Gateways could not be read,
    so such a parent is unknown, not missing."""
    where = f"spec.parentRefs[{parent.index}] of {route.ref}"

    def result(
        accepted: bool | None,
        reason: str,
        message: str,
        target: ObjectRef | None = None,
        gateway: GatewayNode | None = None,
        verdicts: tuple[ListenerVerdict, ...] = (),
    ) -> ParentResult:
        controller = _controller(gateway)
        return ParentResult(
            parent_ref=parent,
            parent=target,
            gateway=gateway.ref if gateway else None,
            accepted=accepted,
            reason=reason,
            message=message,
            listeners=verdicts,
            observed=_observed(route, parent, controller),
            controller=controller,
        )

    if parent.group == CORE_GROUP and parent.kind == "Service":
        return result(
            None,
            "UnsupportedParent",
            f"{where} names Service {parent.namespace}/{parent.name}: a mesh (GAMMA) route, "
            "which this analysis does not follow",
        )
    if parent.group != GATEWAY_GROUP or parent.kind not in ("Gateway", "ListenerSet"):
        return result(
            None,
            "UnsupportedParent",
            f"{where} names {GroupKind(parent.group, parent.kind)} {parent.namespace}/"
            f"{parent.name}, an implementation-specific parent kind",
        )
    if parent.kind == "Gateway":
        node = gateways.get((parent.namespace, parent.name))
        if node is None and not gateways_known:
            return result(
                None,
                "Unknown",
                f"{where} names Gateway {parent.namespace}/{parent.name}; Gateways could not "
                "be read",
            )
        if node is None:
            return result(
                False,
                "ParentNotFound",
                f"{where} names Gateway {parent.namespace}/{parent.name}, which does not "
                "exist, so the route is attached nowhere (and no controller reports status for "
                "it)",
            )
        target = node.ref
        relevant = node.own_listeners()
        scope = f"{node.ref}"
    else:
        set_node = sets.get((parent.namespace, parent.name))
        if set_node is None and not sets_known:
            return result(
                None,
                "Unknown",
                f"{where} names ListenerSet {parent.namespace}/{parent.name}; ListenerSets "
                "were not read by this command",
            )
        if set_node is None:
            return result(
                False,
                "ParentNotFound",
                f"{where} names ListenerSet {parent.namespace}/{parent.name}, which does not "
                "exist, so the route is attached nowhere",
            )
        node = (
            gateways.get((set_node.gateway.namespace, set_node.gateway.name))
            if set_node.gateway
            else None
        )
        target = set_node.listenerset.ref
        if not set_node.attached or node is None:
            return result(
                None if set_node.attached is None else False,
                "ParentNotAccepted" if set_node.attached is False else "Unknown",
                f"{where} names {target}, whose listeners are not part of a Gateway: "
                f"{set_node.why}",
                target,
                node,
            )
        relevant = tuple(n for n in node.listeners if n.listener.owner == target)
        scope = f"{target}"
    if parent.section_name:
        relevant = tuple(n for n in relevant if n.listener.name == parent.section_name)
    if parent.port is not None:
        relevant = tuple(n for n in relevant if n.listener.port == parent.port)
    if not relevant:
        listing = (
            ", ".join(
                f"{n.listener.name} (port {n.listener.port})"
                for n in (node.own_listeners() if parent.kind == "Gateway" else node.listeners)
                if parent.kind == "Gateway" or n.listener.owner == target
            )
            or "none"
        )
        wanted = " and ".join(
            part
            for part in (
                f"sectionName {parent.section_name}" if parent.section_name else "",
                f"port {parent.port}" if parent.port is not None else "",
            )
            if part
        )
        also = ""
        if parent.kind == "Gateway" and parent.section_name:
            in_sets = [
                n.listener.owner
                for n in node.listeners
                if n.listener.owner != node.ref and n.listener.name == parent.section_name
            ]
            if in_sets:
                also = (
                    f"; {in_sets[0]} has a listener {parent.section_name}, but a Gateway "
                    "parentRef never reaches ListenerSet listeners (use kind: ListenerSet)"
                )
        return result(
            False,
            "NoMatchingParent",
            f"{where} asks for {wanted}, which no listener of {scope} has "
            f"(listeners: {listing}){also}",
            target,
            node,
        )
    verdicts = tuple(_listener_verdict(route, n, labels) for n in relevant)
    return _summarise(route, parent, where, target, node, verdicts, result)


def _listener_verdict(
    route: Route, node: ListenerNode, labels: Mapping[str, Mapping[str, str]] | None
) -> ListenerVerdict:
    return replace(_verdict(route, node, labels), listener_hostname=node.listener.hostname)


def _verdict(
    route: Route, node: ListenerNode, labels: Mapping[str, Mapping[str, str]] | None
) -> ListenerVerdict:
    listener = node.listener
    decision = namespace_allowed(
        listener.allowed.namespaces, listener.owner.namespace, route.namespace, labels
    )
    kind = GroupKind(GATEWAY_GROUP, route.kind)
    if kind not in node.supported_kinds:
        allowed = ", ".join(k.kind for k in node.supported_kinds) or "no route kind"
        return ListenerVerdict(
            node.key,
            False,
            "NotAllowedByListeners",
            f"{listener.label()} allows {allowed}, not {route.kind}",
            cause="kind",
        )
    if decision.allowed is False:
        return ListenerVerdict(
            node.key,
            False,
            "NotAllowedByListeners",
            f"{listener.label()} does not allow routes from namespace {route.namespace}: "
            f"{decision.why}",
            cause="namespace",
        )
    common = hostnames.intersections(listener.hostname, route.hostnames)
    if not common:
        return ListenerVerdict(
            node.key,
            False,
            "NoMatchingListenerHostname",
            f"none of the route's hostnames ({', '.join(route.hostnames)}) intersects "
            f"{listener.label()}",
            cause="hostname",
        )
    if decision.allowed is None:
        return ListenerVerdict(node.key, None, "Unknown", decision.why, common)
    return ListenerVerdict(
        node.key,
        True,
        "Accepted",
        f"{listener.label()} takes it for {', '.join(h or 'any host' for h in common)}",
        common,
    )


def _summarise(
    route: Route,
    parent: ParentRef,
    where: str,
    target: ObjectRef,
    node: GatewayNode,
    verdicts: tuple[ListenerVerdict, ...],
    result: _Result,
) -> ParentResult:
    if any(v.attached for v in verdicts):
        names = ", ".join(v.listener[1] for v in verdicts if v.attached)
        return result(
            True,
            "Accepted",
            f"{where} attaches to {target} listener(s) {names}",
            target,
            node,
            verdicts,
        )
    if any(v.attached is None for v in verdicts):
        why = next(v.why for v in verdicts if v.attached is None)
        return result(
            None, "Unknown", f"whether {where} attaches is unknown: {why}", target, node, verdicts
        )
    if any(v.reason == "NoMatchingListenerHostname" for v in verdicts):
        reason = "NoMatchingListenerHostname"
        listener_hosts = ", ".join(sorted({v.listener_hostname or "any host" for v in verdicts}))
        message = (
            f"{where}: no hostname of the route ({', '.join(route.hostnames)}) intersects a "
            f"listener hostname of {target} ({listener_hosts}), so it attaches nowhere"
        )
    else:
        reason = "NotAllowedByListeners"
        message = f"{where}: no listener of {target} allows it: " + "; ".join(
            v.why for v in verdicts
        )
    return result(False, reason, message, target, node, verdicts)


def resolve_kind_conflicts(routes: dict[RouteKey, RouteNode]) -> dict[RouteKey, RouteNode]:
    """An HTTPRoute and a GRPCRoute with intersecting hostnames on one listener: only the
    older (then first by namespace/name) is accepted there (GRPCRouteSpec.Hostnames)."""
    taken: dict[ListenerKey, list[tuple[str, tuple[str, ...], Route]]] = defaultdict(list)
    updated: dict[RouteKey, RouteNode] = {}
    for key, node in sorted(routes.items(), key=lambda kv: kv[1].route.age):
        parents: list[ParentResult] = []
        changed = False
        for parent in node.parents:
            verdicts: list[ListenerVerdict] = []
            for verdict in parent.listeners:
                if verdict.attached:
                    rival = next(
                        (
                            other
                            for kind, hosts, other in taken[verdict.listener]
                            if kind != node.route.kind
                            and any(
                                hostnames.intersect(a, b) is not None
                                for a in hosts
                                for b in verdict.hostnames
                            )
                        ),
                        None,
                    )
                    if rival is not None:
                        verdict = replace(
                            verdict,
                            attached=False,
                            reason="KindConflict",
                            cause="kind-conflict",
                            why=f"{rival.ref} (older) already takes these hostnames on "
                            f"listener {verdict.listener[1]}; an HTTPRoute and a GRPCRoute "
                            "with intersecting hostnames cannot share a listener, and the "
                            "older one wins",
                        )
                        changed = True
                    else:
                        taken[verdict.listener].append(
                            (node.route.kind, verdict.hostnames, node.route)
                        )
                verdicts.append(verdict)
            if changed and parent.accepted and not any(v.attached for v in verdicts):
                rivals = "; ".join(v.why for v in verdicts if v.reason == "KindConflict")
                parent = replace(
                    parent,
                    accepted=False,
                    reason="KindConflict",
                    message=f"spec.parentRefs[{parent.parent_ref.index}] of {node.ref}: {rivals}",
                    listeners=tuple(verdicts),
                )
            else:
                parent = replace(parent, listeners=tuple(verdicts))
            parents.append(parent)
        updated[key] = replace(node, parents=tuple(parents)) if changed else node
    return updated
