"""Findings from the graph: every message names the object and field, every hint the fix.

- :func:`gateway_findings`: the class, the Gateway's conditions and address, each
  listener (own and ListenerSet), the ListenerSets that name it, and status the
  controller wrote that disagrees with the prediction;
- :func:`route_findings`: API-rejected fields, each parentRef (attached or why not),
  hostnames served by no listener, backendRefs, rule outcomes (no backends, all
  weights 0), status rejected, disagreeing, stale or missing;
- :func:`request_findings`: what one Gateway answers to a URL.

:func:`gateway_findings` lives in :mod:`.gateway_findings`, :func:`route_findings` in
:mod:`.route_findings`; this module holds the request's findings and ``scan``'s.

A cross-namespace reference without a ReferenceGrant carries the grant to apply, as
YAML, in its hint. Pure.
"""

from __future__ import annotations

from kubectl_discover.analyze.gateway import checks as C
from kubectl_discover.analyze.gateway.gateway_findings import (
    dedupe,
    gateway_findings,
    listenerset_findings,
)
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.matching import GatewayMatch, Outcome
from kubectl_discover.analyze.gateway.request import Request
from kubectl_discover.analyze.gateway.route_findings import (
    route_findings,
)
from kubectl_discover.findings import Finding, worst_first
from kubectl_discover.refs import ObjectRef


def all_findings(graph: GatewayGraph, namespace: str | None = None) -> tuple[Finding, ...]:
    """``scan``: every Gateway and Route (in ``namespace``, or everywhere)."""
    found: list[Finding] = []
    for ns, name in sorted(graph.gateways):
        if namespace is None or ns == namespace:
            found.extend(gateway_findings(graph, ns, name))
    for (ns, name), node in sorted(graph.listenersets.items()):
        if (namespace is None or ns == namespace) and node.gateway is None:
            found.extend(listenerset_findings(graph, ns, name))
    for kind, ns, name in sorted(graph.routes):
        if namespace is None or ns == namespace:
            found.extend(route_findings(graph, kind, ns, name))
    return worst_first(dedupe(found))


# ---------------------------------------------------------------- a request


def request_findings(
    graph: GatewayGraph, request: Request, matches: tuple[GatewayMatch, ...]
) -> tuple[Finding, ...]:
    """What each Gateway answers to ``request`` (from :func:`match_request`)."""
    subject = ObjectRef("route", "", request.describe())
    if not matches:
        listening = sorted(
            {
                f"{n.listener.port}/{n.listener.protocol}"
                for g in graph.gateways.values()
                for n in g.listeners
                if n.listener.port is not None
            }
        )
        return (
            C.URL_NO_GATEWAY(
                subject,
                f"No Gateway has an {'HTTP' if request.scheme == 'http' else 'HTTPS'} listener on "
                f"port {request.port} for {request.describe()} (Gateway listeners: "
                f"{', '.join(listening) or 'none'}).",
                "Use a port and scheme a Gateway listener declares, or add a listener.",
                evidence=[("port", str(request.port)), ("scheme", request.scheme)],
            ),
        )
    found: list[Finding] = []
    for match in matches:
        evidence = [("gateway", match.gateway.path)]
        if match.listener is not None:
            evidence.append(("listener", match.listener[1]))
        if match.winner is not None:
            evidence.append(("source", match.winner.source()))
        if match.served is False:
            gateway = graph.gateway(match.gateway.namespace, match.gateway.name)
            why = gateway.cls.why if gateway else "its class is missing"
            found.append(
                C.URL_NOT_SERVED(
                    subject,
                    f"{match.gateway} would answer ({match.reason}), but it is not programmed: "
                    f"{why}.",
                    f"Fix the GatewayClass of {match.gateway} first.",
                    evidence=evidence,
                )
            )
        if match.outcome is Outcome.NO_LISTENER:
            found.append(C.URL_NO_LISTENER(subject, match.reason + ".", evidence=evidence))
        elif match.outcome is Outcome.NOT_FOUND:
            found.append(
                C.URL_NO_MATCH(
                    subject,
                    match.reason + "." + _closest(match),
                    _closest_hint(match),
                    evidence=evidence,
                )
            )
        elif match.outcome is Outcome.SERVER_ERROR:
            found.append(C.URL_SERVER_ERROR(subject, match.reason + ".", evidence=evidence))
        elif match.outcome is Outcome.REDIRECT:
            found.append(C.URL_REDIRECT(subject, match.reason + ".", evidence=evidence))
        elif match.error_share > 0:
            found.append(C.URL_PARTIAL_ERROR(subject, match.reason + ".", evidence=evidence))
        else:
            found.append(C.URL_ROUTED(subject, match.reason + ".", evidence=evidence))
        if not match.certain or match.outcome is Outcome.UNKNOWN:
            found.append(
                C.URL_UNCERTAIN(
                    subject,
                    f"The answer of {match.gateway} depends on implementation-specific "
                    "behaviour: " + "; ".join(match.notes) + ".",
                    evidence=evidence,
                )
            )
    return worst_first(dedupe(found))


def _closest(match: GatewayMatch) -> str:
    misses = [m for m in match.misses]
    if not misses:
        return ""
    order = {"path": 0, "method": 1, "header": 2, "query parameter": 3, "gRPC service/method": 4}
    misses.sort(key=lambda m: (order.get(m.part.value, 9), m.route, m.rule))
    shown = "; ".join(
        f"{m.route.kind} {m.route.path} rule {m.rule} ({m.description}): {m.why}"
        for m in misses[:3]
    )
    return f" Closest: {shown}."


def _closest_hint(match: GatewayMatch) -> str:
    if not match.misses:
        return "Attach an HTTPRoute to the listener (spec.parentRefs) with a rule for the request."
    miss = match.misses[0]
    return (
        f"Send the request {miss.route.kind} {miss.route.path} rule {miss.rule} expects "
        f"({miss.description}), or add a rule matching it."
    )
