"""Which Gateway, listener, Route rule and backends answer one request.

Given a request (scheme, host, port, path, query, method, headers) and the graph:

1. **Listener** (GatewaySpec.Listeners, "Listener Isolation"): among the Gateway's
   accepted listeners on the request's port whose protocol fits the scheme (http:
   HTTP, https: HTTPS) and whose hostname matches the host, the most specific wins:
   an exact hostname, then the wildcard with most labels, then no hostname. Only the
   Routes attached to that listener are consulted. No listener for the host: 404.
2. **Rule** (HTTPRouteRule.Matches): every match of every rule of every Route attached
   to the listener is tried; among those that match, precedence is
   the route hostname (characters of a matching precise hostname, then of any matching
   hostname), an Exact path, the longest PathPrefix, a method match, most header
   matches, most query matches, then the oldest Route, then ``namespace/name``, then
   rule order within the Route (and match order within the rule). RegularExpression
   matches are implementation-specific: a result that depends on one is never
   certain. GRPCRoute: hostname, longest service, longest method, most headers, then
   the same tie-breakers.
3. **Outcome**: no rule matches: 404 (gRPC UNIMPLEMENTED). A RequestRedirect filter:
   the redirect status. Otherwise the rule's backendRefs in proportion to their
   weights; an invalid backendRef's share gets 500 (gRPC UNAVAILABLE); a rule without
   backendRefs, or whose weights are all 0, sends nothing to any backend: 500.

Every rule that lost says which criterion it lost on (:class:`Loss`), every rule that
did not match says which part of it failed (:class:`Miss`). Pure.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.candidates import (
    Candidate,
    Miss,
    evaluate,
)
from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listener_choice import (
    choose_listener,
    protocol_fits,
)
from kubectl_discover.analyze.gateway.listeners import ListenerKey
from kubectl_discover.analyze.gateway.model import (
    GRPCROUTE,
    HTTPROUTE,
)
from kubectl_discover.analyze.gateway.precedence import (
    Loss,
    compare,
)
from kubectl_discover.analyze.gateway.request import (
    Request,
)
from kubectl_discover.analyze.gateway.routemodel import (
    Rule,
)
from kubectl_discover.analyze.gateway.routes import BackendResolution, RouteNode
from kubectl_discover.findings import Verdict
from kubectl_discover.refs import ObjectRef

# ---------------------------------------------------------------- outcome


class Outcome(enum.Enum):
    FORWARDED = "forwarded"
    NOT_FOUND = "not found"
    SERVER_ERROR = "server error"
    REDIRECT = "redirect"
    NO_LISTENER = "no listener"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class BackendShare:
    resolution: BackendResolution
    weight: int
    share: float
    """The fraction of the rule's requests aimed at this backendRef."""
    status: int | None
    """None: forwarded to the Service; 500: the reference is invalid."""
    why: str


@dataclass(frozen=True)
class GatewayMatch:
    """The answer of one Gateway to the request."""

    gateway: ObjectRef
    listener: ListenerKey | None
    listener_why: str
    outcome: Outcome
    status: int | None
    """404, 500, a redirect status, or None when forwarded to backends."""
    reason: str
    winner: Candidate | None = None
    losers: tuple[tuple[Candidate, Loss], ...] = ()
    misses: tuple[Miss, ...] = ()
    backends: tuple[BackendShare, ...] = ()
    error_share: float = 0.0
    """Fraction of requests answered 500 because their backendRef is invalid."""
    certain: bool = True
    notes: tuple[str, ...] = ()
    passed_over: tuple[tuple[ListenerKey, str], ...] = ()
    grpc: bool = False
    served: bool | None = True
    """False when no controller programs the Gateway (class missing or not accepted)."""

    @property
    def verdict(self) -> Verdict:
        if self.served is False:
            return Verdict.FAIL
        if self.outcome in (Outcome.NOT_FOUND, Outcome.NO_LISTENER, Outcome.SERVER_ERROR):
            return Verdict.FAIL
        if self.outcome is Outcome.UNKNOWN or not self.certain:
            return Verdict.WARN
        if self.error_share > 0:
            return Verdict.WARN
        return Verdict.OK

    def status_text(self) -> str:
        """How the client sees the outcome: "404", "500", "302", "forwarded", gRPC names."""
        if self.status is None:
            return "forwarded" if self.outcome is Outcome.FORWARDED else self.outcome.value
        if self.grpc and self.status == 404:
            return "gRPC UNIMPLEMENTED"
        if self.grpc and self.status == 500:
            return "gRPC UNAVAILABLE"
        return str(self.status)


def _attached_unknown(graph: GatewayGraph, key: ListenerKey) -> list[str]:
    notes: list[str] = []
    for node in graph.routes.values():
        for parent in node.parents:
            for verdict in parent.listeners:
                if verdict.listener == key and verdict.attached is None:
                    notes.append(f"{node.ref} may also attach here: {verdict.why}")
    return notes


def _rule_of(graph: GatewayGraph, candidate: Candidate) -> tuple[RouteNode, Rule]:
    node = graph.routes[(candidate.route.kind, candidate.route.namespace, candidate.route.name)]
    return node, node.route.rules[candidate.rule]


def _forward(
    node: RouteNode, rule: Rule
) -> tuple[Outcome, int | None, str, tuple[BackendShare, ...], float, list[str]]:
    """What the winning rule does with the request."""
    notes: list[str] = []
    where = f"{rule.label()} of {node.ref}"
    redirect = next((f for f in rule.filters if f.type == "RequestRedirect"), None)
    if redirect is not None:
        target = redirect.raw.get("requestRedirect") or {}
        shown = ", ".join(f"{k} {v}" for k, v in target.items() if k != "statusCode")
        return (
            Outcome.REDIRECT,
            redirect.redirect_status,
            f"{where} redirects with {redirect.redirect_status}" + (f" ({shown})" if shown else ""),
            (),
            0.0,
            notes,
        )
    custom = [f for f in rule.filters if f.type == "ExtensionRef"]
    if custom:
        notes.append(
            f"{where} has an ExtensionRef filter (implementation-specific); if it cannot be "
            "resolved the request gets an error"
        )
    rewrite = next((f for f in rule.filters if f.type == "URLRewrite"), None)
    if rewrite is not None:
        notes.append(
            f"{where} rewrites the request before forwarding (URLRewrite "
            f"{dict(rewrite.raw.get('urlRewrite') or {})})"
        )
    if not rule.backend_refs:
        also = " and no redirect" if not rule.filters else ", only filters that do not answer"
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches but has no backendRefs{also}, so the Gateway answers 500",
            (),
            1.0,
            notes,
        )
    resolutions = node.backends[rule.index]
    total = sum(max(r.ref.weight, 0) for r in resolutions)
    if total == 0:
        shares = tuple(
            BackendShare(r, r.ref.weight, 0.0, None, "weight 0: no traffic") for r in resolutions
        )
        notes.append(
            "every backendRef has weight 0, so no backend may receive traffic; the "
            "specification names no status for this case: 500 is predicted as for a rule "
            "without usable backends, and some implementations answer 503"
        )
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches, but every backendRef has weight 0, so no backend gets the "
            "request (500)",
            shares,
            1.0,
            notes,
        )
    shares_list: list[BackendShare] = []
    error = 0.0
    unknown = False
    for resolution in resolutions:
        share = max(resolution.ref.weight, 0) / total
        if resolution.ref.weight == 0:
            shares_list.append(BackendShare(resolution, 0, 0.0, None, "weight 0: no traffic"))
            continue
        if resolution.valid is False:
            error += share
            shares_list.append(
                BackendShare(resolution, resolution.ref.weight, share, 500, resolution.message)
            )
            continue
        if resolution.valid is None:
            unknown = True
        if resolution.external_name:
            notes.append(
                f"{resolution.service_ref} is ExternalName {resolution.external_name}: support "
                "is implementation-specific (implementations SHOULD NOT support it)"
            )
        shares_list.append(
            BackendShare(resolution, resolution.ref.weight, share, None, resolution.message)
        )
    shares = tuple(shares_list)
    if error >= 1.0 - 1e-9:
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches, but every backendRef with weight is invalid, so the Gateway "
            "answers 500: " + "; ".join(s.why for s in shares if s.status == 500),
            shares,
            1.0,
            notes,
        )
    valid = [s for s in shares if s.status is None and s.share > 0]
    reason = f"{where} forwards to " + ", ".join(
        f"{s.resolution.ref.describe()} ({s.share:.0%})" for s in valid
    )
    if error > 0:
        reason += f"; {error:.0%} of requests get 500 (invalid backendRef)"
    return (
        Outcome.UNKNOWN if unknown and not valid else Outcome.FORWARDED,
        None,
        reason,
        shares,
        error,
        notes,
    )


def _match_gateway(graph: GatewayGraph, gateway: GatewayNode, request: Request) -> GatewayMatch:
    choice = choose_listener(gateway, request)
    served = gateway.serves
    notes: list[str] = []
    if served is False:
        notes.append(f"{gateway.ref} is not programmed by any controller: {gateway.cls.why}")
    elif served is None:
        notes.append(f"whether a controller programs {gateway.ref} is unknown: {gateway.cls.why}")
    if choice.listener is None:
        return GatewayMatch(
            gateway.ref,
            None,
            choice.why,
            Outcome.NO_LISTENER,
            choice.status,
            choice.why,
            passed_over=choice.passed_over,
            notes=tuple(notes),
            grpc=request.grpc,
            served=served,
        )
    listener = choice.listener
    attached = graph.routes_on(listener.key)
    notes.extend(_attached_unknown(graph, listener.key))
    grpc_routes = [(n, h) for n, h in attached if n.route.kind == GRPCROUTE]
    http_routes = [(n, h) for n, h in attached if n.route.kind == HTTPROUTE]
    grpc_for_host = [
        (n, h) for n, h in grpc_routes if hostnames.match_rank(h, request.host) is not None
    ]
    use_grpc = request.grpc and bool(grpc_for_host)
    pool = grpc_routes if use_grpc else http_routes
    if not request.grpc and grpc_for_host:
        notes.append(
            "GRPCRoute(s) "
            + ", ".join(str(n.ref) for n, _ in grpc_for_host)
            + " serve this host for gRPC requests (content-type: application/grpc)"
        )
    candidates, misses = evaluate(pool, request)
    if not candidates:
        reason = (
            f"no rule of the {len(pool)} "
            f"{'GRPCRoute' if use_grpc else 'HTTPRoute'}(s) attached to {listener.label()} "
            f"matches {request.method} {request.path}, so the Gateway answers 404"
        )
        if not pool:
            reason = (
                f"no {'GRPCRoute' if use_grpc else 'HTTPRoute'} is attached to "
                f"{listener.label()}, so the Gateway answers 404"
            )
        return GatewayMatch(
            gateway.ref,
            listener.key,
            choice.why,
            Outcome.NOT_FOUND,
            404,
            reason,
            misses=tuple(misses),
            passed_over=choice.passed_over,
            notes=tuple(notes),
            grpc=use_grpc,
            served=served,
        )
    winner = candidates[0]
    losers = tuple((c, compare(winner.key, c.key)) for c in candidates[1:])
    uncertain = [c.uncertain for c in candidates if c.uncertain]
    certain = not uncertain
    if winner.key.regex or any(c.key.regex for c in candidates[1:]):
        notes.append(
            "a RegularExpression path matches: where it ranks against the other matches is "
            "implementation-specific, so another rule may answer"
        )
        certain = False
    notes.extend(dict.fromkeys(uncertain))
    node, rule = _rule_of(graph, winner)
    outcome, status, reason, shares, error, more = _forward(node, rule)
    notes.extend(more)
    if any(f.type == "ExtensionRef" for f in rule.filters):
        certain = False
    return GatewayMatch(
        gateway.ref,
        listener.key,
        choice.why,
        outcome,
        status,
        f"{winner.source()} ({winner.description}) wins; {reason}",
        winner=winner,
        losers=losers,
        misses=tuple(misses),
        backends=shares,
        error_share=error,
        certain=certain,
        notes=tuple(notes),
        passed_over=choice.passed_over,
        grpc=use_grpc,
        served=served,
    )


def candidate_gateways(graph: GatewayGraph, request: Request) -> tuple[GatewayNode, ...]:
    """Gateways with a listener on the request's port and scheme (any hostname)."""
    return tuple(
        node
        for _, node in sorted(graph.gateways.items())
        if any(
            n.listener.port == request.port and protocol_fits(n, request) for n in node.listeners
        )
    )


def match_request(
    graph: GatewayGraph,
    request: Request,
    gateway: tuple[str, str] | None = None,
) -> tuple[GatewayMatch, ...]:
    """The answer of every Gateway that could receive ``request`` (or of ``gateway``).

    Without ``gateway``: one result per Gateway whose listeners take the request's
    port, scheme and host; when none takes the host, one result (404, no listener) per
    Gateway listening on the port and scheme. Empty when no Gateway listens there.
    With ``gateway`` (namespace, name): its answer alone, even
    when it has no listener for the request; LookupError when it does not exist.
    """
    if gateway is not None:
        node = graph.gateway(*gateway)
        if node is None:
            raise LookupError(f'Gateway "{gateway[1]}" not found in namespace "{gateway[0]}"')
        return (_match_gateway(graph, node, request),)
    results = [_match_gateway(graph, node, request) for node in candidate_gateways(graph, request)]
    taking = [m for m in results if m.outcome is not Outcome.NO_LISTENER]
    # Gateways whose listeners do not take the host matter only when none does.
    return tuple(sorted(taking or results, key=lambda m: m.gateway))


def host_hint(graph: GatewayGraph) -> Mapping[str, tuple[ObjectRef, ...]]:
    """Hostnames the attached Routes serve, with their Routes (for "did you mean")."""
    found: dict[str, list[ObjectRef]] = {}
    for entries in graph.attachments.values():
        for key, served in entries:
            for host in served:
                if host:
                    found.setdefault(host, []).append(graph.routes[key].ref)
    return {h: tuple(dict.fromkeys(refs)) for h, refs in sorted(found.items())}
