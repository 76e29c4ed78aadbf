"""Findings of an HTTPRoute or GRPCRoute: API-rejected fields, each parentRef (attached or
why not), backendRefs, rule outcomes, and status rejected, disagreeing, stale or missing."""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_discover.analyze.gateway import checks as C
from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.conditions import SPEC_REASONS, Prediction, disagreement
from kubectl_discover.analyze.gateway.gateway_findings import (
    class_findings,
    dedupe,
    listener_problem_finding,
)
from kubectl_discover.analyze.gateway.grants import grant_yaml, near_grants
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.model import (
    REGULAR_EXPRESSION,
)
from kubectl_discover.analyze.gateway.routemodel import (
    GRPCMatch,
    HTTPMatch,
)
from kubectl_discover.analyze.gateway.routes import BackendResolution, ParentResult, RouteNode
from kubectl_discover.findings import Finding, Severity, worst_first

# ---------------------------------------------------------------- Routes


def _parent_finding(
    graph: GatewayGraph, node: RouteNode, parent: ParentResult
) -> Iterator[Finding]:
    subject = node.ref
    evidence = [("parentRef", parent.parent_ref.describe()), ("reason", parent.reason)]
    if parent.accepted:
        served = {h for v in parent.attached_listeners() for h in v.hostnames}
        for hostname in node.route.hostnames:
            if any(hostnames.intersect(hostname, s) is not None for s in served):
                continue
            yield C.ROUTE_HOSTNAME_IGNORED(
                subject,
                f"Hostname {hostname} of {subject} intersects no listener it attaches to through "
                f"{parent.parent_ref.describe()} (they serve "
                f"{', '.join(sorted(h or 'any host' for h in served))}), so it is ignored there.",
                f"Remove {hostname} from spec.hostnames of {subject}, or attach it to a listener "
                f"for {hostname}.",
                evidence=[*evidence, ("hostname", hostname)],
            )
        return
    reason = parent.reason
    if reason == "ParentNotFound":
        yield C.ROUTE_PARENT_MISSING(
            subject,
            parent.message + ".",
            f"Fix spec.parentRefs[{parent.parent_ref.index}] of {subject}: name and namespace "
            f"(default: {node.route.namespace}) of an existing "
            f"{parent.parent_ref.kind}.",
            evidence=evidence,
        )
    elif reason == "NoMatchingParent":
        yield C.ROUTE_NO_MATCHING_PARENT(
            subject,
            parent.message + ", so the Route is not accepted there (NoMatchingParent).",
            f"Set spec.parentRefs[{parent.parent_ref.index}].sectionName of {subject} to one of "
            "the listed listeners, or remove sectionName/port.",
            evidence=evidence,
        )
    elif reason == "NotAllowedByListeners":
        yield C.ROUTE_NOT_ALLOWED(
            subject,
            parent.message + " (NotAllowedByListeners).",
            _not_allowed_hint(graph, node, parent),
            evidence=evidence,
        )
    elif reason == "NoMatchingListenerHostname":
        yield C.ROUTE_HOSTNAME_MISMATCH(
            subject,
            parent.message + " (NoMatchingListenerHostname).",
            f"Add to spec.hostnames of {subject} a name the listeners serve, or remove "
            "spec.hostnames to take the listener's hostname.",
            evidence=evidence,
        )
    elif reason == "KindConflict":
        yield C.ROUTE_KIND_CONFLICT(
            subject,
            parent.message + "; the Route gets Accepted=False there.",
            f"Give {subject} hostnames the other Route does not claim, or attach it to another "
            "listener.",
            evidence=evidence,
        )
    elif reason == "ParentNotAccepted":
        yield C.ROUTE_PARENT_NOT_ACCEPTED(subject, parent.message + ".", evidence=evidence)
    elif reason == "Unknown":
        yield C.ROUTE_ATTACHMENT_UNKNOWN(subject, parent.message + ".", evidence=evidence)
    elif reason == "UnsupportedParent":
        yield C.ROUTE_UNSUPPORTED_PARENT(subject, parent.message + ".", evidence=evidence)


def _not_allowed_hint(graph: GatewayGraph, node: RouteNode, parent: ParentResult) -> str:
    for verdict in parent.listeners:
        listener = graph.listener(verdict.listener)
        if listener is None:
            continue
        if verdict.cause == "namespace":
            field = f"{listener.listener.field}.allowedRoutes.namespaces"
            return (
                f"On {listener.listener.owner} set {field}.from: All, or from: Selector with a "
                f"selector matching namespace {node.route.namespace} (for example "
                f"kubernetes.io/metadata.name: {node.route.namespace}); or move {node.ref} to "
                f"namespace {listener.listener.owner.namespace}."
            )
    for verdict in parent.listeners:
        listener = graph.listener(verdict.listener)
        if listener is not None and verdict.cause == "kind":
            return (
                f"Add {{kind: {node.route.kind}}} to {listener.listener.field}.allowedRoutes.kinds "
                f"of {listener.listener.owner}, or attach {node.ref} to a listener that allows it."
            )
    return (
        f"Allow {node.route.kind} from namespace {node.route.namespace} on a listener of the "
        "parent."
    )


def _backend_findings(graph: GatewayGraph, node: RouteNode) -> Iterator[Finding]:
    subject = node.ref
    for rule, resolutions in zip(node.route.rules, node.backends):
        where = f"{rule.field}"
        redirect = any(f.type == "RequestRedirect" for f in rule.filters)
        if not rule.backend_refs and not redirect:
            yield C.RULE_NO_BACKENDS(
                subject,
                f"{where} of {subject} ({rule.describe_matches()}) has no backendRefs"
                + (" and no redirect" if not rule.filters else " and no filter that answers")
                + ", so every request it matches gets 500.",
                f"Add backendRefs to {where} of {subject}.",
                evidence=[("rule", str(rule.index))],
            )
        if rule.backend_refs and all(r.weight == 0 for r in rule.backend_refs):
            yield C.RULE_ZERO_WEIGHTS(
                subject,
                f"Every backendRef of {where} of {subject} has weight 0, so none receives the "
                "requests the rule matches (predicted 500; the specification names no status, "
                "some implementations answer 503).",
                f"Give at least one backendRef of {where} a weight above 0.",
                evidence=[("rule", str(rule.index))],
            )
        for resolution in resolutions:
            yield from _backend_finding(graph, node, where, resolution)


def _backend_finding(
    graph: GatewayGraph, node: RouteNode, where: str, resolution: BackendResolution
) -> Iterator[Finding]:
    subject = node.ref
    ref = resolution.ref
    ref_where = f"{where}.backendRefs[{ref.index}]"
    evidence = [("backendRef", ref.describe()), ("reason", resolution.reason)]
    message = f"{ref_where} of {subject}: {resolution.message}."
    if resolution.reason == "RefNotPermitted" and resolution.reference is not None:
        near = near_grants(graph.grants, resolution.reference)
        hint = (
            f"Apply in namespace {ref.namespace}:\n"
            + grant_yaml(resolution.reference)
            + (f"(existing: {'; '.join(near)})" if near else "")
        ).rstrip()
        yield C.BACKEND_NOT_PERMITTED(subject, message, hint, evidence=evidence)
    elif resolution.reason == "BackendNotFound":
        elsewhere = sorted(ns for ns, n in graph.services if n == ref.name and ns != ref.namespace)
        hint = resolution.fix
        if elsewhere:
            hint += (
                f" A Service {ref.name} exists in {', '.join(elsewhere)}: set the backendRef's "
                f"namespace: {elsewhere[0]} (and add a ReferenceGrant there)."
            )
        yield C.BACKEND_NOT_FOUND(
            subject,
            message,
            hint,
            severity=Severity.FAIL if resolution.valid is False else Severity.WARN,
            evidence=evidence,
        )
    elif resolution.reason == "InvalidKind":
        yield C.BACKEND_INVALID_KIND(subject, message, resolution.fix, evidence=evidence)
    elif resolution.reason == "PortMissing":
        yield C.BACKEND_PORT_MISSING(subject, message, resolution.fix, evidence=evidence)
    elif resolution.reason == "PortUnknown":
        yield C.BACKEND_PORT_UNKNOWN(subject, message, resolution.fix, evidence=evidence)
    elif resolution.reason == "Unchecked":
        yield C.BACKEND_UNCHECKED(subject, message, evidence=evidence)
    elif resolution.reason == "Unknown":
        yield C.BACKEND_GRANT_UNKNOWN(subject, message, evidence=evidence)
    if resolution.external_name:
        yield C.BACKEND_EXTERNAL_NAME(
            subject,
            f"{ref_where} of {subject} is ExternalName Service {ref.namespace}/{ref.name} "
            f"({resolution.external_name}): support is implementation-specific, and "
            "implementations SHOULD NOT support it.",
            f"Point {ref_where} at a Service with endpoints, or check the controller's "
            "documentation.",
            evidence=[("externalName", resolution.external_name)],
        )
    if ref.weight == 0 and any(
        r.weight > 0 for r in node.route.rules[_rule_index(node, resolution)].backend_refs
    ):
        yield C.BACKEND_WEIGHT_ZERO(
            subject,
            f"{ref_where} of {subject} ({ref.describe()}) has weight 0 and receives no traffic.",
            evidence=evidence,
        )


def _rule_index(node: RouteNode, resolution: BackendResolution) -> int:
    for i, rule in enumerate(node.backends):
        if resolution in rule:
            return i
    return 0


def _resolved_refs_prediction(node: RouteNode) -> Prediction | None:
    """ResolvedRefs for every parent: False with the reasons of every invalid backendRef
    (a controller names one of them), True, or None when a reference could not be checked."""
    status, reason, _ = node.resolved_refs()
    if status is None:
        return None
    if status:
        return Prediction("Route", "ResolvedRefs", "True", (reason,))
    reasons = sorted(
        {
            b.reason
            for rule in node.backends
            for b in rule
            if b.valid is False and b.reason in SPEC_REASONS[("Route", "ResolvedRefs")]
        }
    )
    return Prediction("Route", "ResolvedRefs", "False", tuple(reasons))


def _status_findings(graph: GatewayGraph, node: RouteNode) -> Iterator[Finding]:
    if not graph.live:
        return
    subject = node.ref
    route = node.route
    refs_prediction = _resolved_refs_prediction(node)
    for parent in node.parents:
        if parent.reason in ("ParentNotFound", "UnsupportedParent"):
            continue
        gateway = (
            graph.gateway(parent.gateway.namespace, parent.gateway.name) if parent.gateway else None
        )
        observed = parent.observed
        evidence = [("parentRef", parent.parent_ref.describe())]
        if observed is None:
            if gateway is not None and gateway.serves:
                yield C.ROUTE_STATUS_MISSING(
                    subject,
                    f"No status.parents entry of {subject} for {parent.parent_ref.describe()}"
                    + (f" from controller {parent.controller}" if parent.controller else "")
                    + ", so the controller has not processed this parentRef.",
                    f"Check that the controller of {gateway.ref} runs and watches namespace "
                    f"{route.namespace}.",
                    evidence=evidence,
                )
            continue
        accepted = next((c for c in observed.conditions if c.type == "Accepted"), None)
        resolved = next((c for c in observed.conditions if c.type == "ResolvedRefs"), None)
        for cond in (accepted, resolved):
            if cond is None or cond.status != "False":
                continue
            yield C.ROUTE_STATUS_REJECTED(
                subject,
                f"The controller reports {subject} {cond.describe()} for "
                f"{parent.parent_ref.describe()}.",
                "Fix what the condition names (the findings above say what the specification "
                "expects).",
                evidence=[*evidence, ("condition", cond.describe())],
            )
        disagreements: list[str] = []
        if parent.accepted is not None:
            accepted_prediction = Prediction(
                "Route",
                "Accepted",
                str(parent.accepted),
                (parent.reason,) if parent.reason else (),
            )
            text = disagreement(accepted_prediction, accepted)
            if text is not None:
                disagreements.append(text)
        if refs_prediction is not None:
            text = disagreement(refs_prediction, resolved)
            if text is not None:
                disagreements.append(text)
        stale = [
            c
            for c in observed.conditions
            if c.observed_generation is not None
            and route.generation is not None
            and c.observed_generation < route.generation
        ]
        if stale:
            disagreements.append(
                f"the status was written for generation {stale[0].observed_generation}, the "
                f"Route is at generation {route.generation} (stale)"
            )
        if disagreements:
            yield C.ROUTE_STATUS_DISAGREES(
                subject,
                f"Status of {subject} for {parent.parent_ref.describe()}: "
                + "; ".join(disagreements)
                + ".",
                "If the status is stale, check that the controller runs; otherwise the "
                "controller differs from the specification here (see its documentation).",
                evidence=evidence,
            )


def _regex_findings(node: RouteNode) -> Iterator[Finding]:
    for rule in node.route.rules:
        for match in rule.matches:
            regex = False
            if isinstance(match, HTTPMatch):
                regex = match.path.type == REGULAR_EXPRESSION or any(
                    m.type == REGULAR_EXPRESSION for m in (*match.headers, *match.query)
                )
            elif isinstance(match, GRPCMatch):
                regex = match.type == REGULAR_EXPRESSION or any(
                    m.type == REGULAR_EXPRESSION for m in match.headers
                )
            if regex:
                yield C.ROUTE_REGEX(
                    node.ref,
                    f"{rule.field}.matches[{match.index}] of {node.ref} ({match.describe()}) uses "
                    "RegularExpression: its dialect and precedence are implementation-specific.",
                    evidence=[("rule", str(rule.index))],
                )


def route_findings(
    graph: GatewayGraph, kind: str, namespace: str, name: str
) -> tuple[Finding, ...]:
    """Everything wrong with one HTTPRoute or GRPCRoute, and with the Gateways it needs."""
    node = graph.route(kind, namespace, name)
    if node is None:
        raise LookupError(f'{kind} "{name}" not found in namespace "{namespace}"')
    found: list[Finding] = []
    for problem in node.problems:
        if problem.code == "no-parent":
            found.append(C.ROUTE_NO_PARENT(node.ref, problem.message + ".", problem.fix))
        else:
            found.append(
                C.ROUTE_INVALID(
                    node.ref,
                    problem.message + ".",
                    problem.fix,
                    evidence=[("rule", str(problem.rule))] if problem.rule is not None else (),
                )
            )
    for parent in node.parents:
        found.extend(_parent_finding(graph, node, parent))
        if parent.gateway is not None:
            gateway = graph.gateway(parent.gateway.namespace, parent.gateway.name)
            if gateway is not None:
                found.extend(class_findings(graph, gateway))
                for verdict in parent.attached_listeners():
                    listener = gateway.listener(verdict.listener)
                    if listener is not None and not listener.accepted:
                        found.extend(
                            listener_problem_finding(graph, listener, p)
                            for p in listener.problems
                            if p.blocking
                        )
    found.extend(_backend_findings(graph, node))
    found.extend(_status_findings(graph, node))
    found.extend(_regex_findings(node))
    return worst_first(dedupe(found))
