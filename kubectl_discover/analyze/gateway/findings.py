"""Findings from the graph: every message names the object and field, every hint the fix.

- :func:`gateway_findings`: the class, the Gateway's conditions and address, each
  listener (own and ListenerSet), the ListenerSets that name it, and status the
  controller wrote that disagrees with the prediction;
- :func:`route_findings`: API-rejected fields, each parentRef (attached or why not),
  hostnames served by no listener, backendRefs, rule outcomes (no backends, all
  weights 0), status rejected, disagreeing, stale or missing;
- :func:`request_findings`: what one Gateway answers to a URL.

A cross-namespace reference without a ReferenceGrant carries the grant to apply, as
YAML, in its hint. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubectl_discover.analyze.gateway import checks as C
from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.grants import grant_yaml, near_grants
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listeners import ListenerNode, ListenerProblem
from kubectl_discover.analyze.gateway.matching import GatewayMatch, Outcome
from kubectl_discover.analyze.gateway.model import (
    REGULAR_EXPRESSION,
)
from kubectl_discover.analyze.gateway.request import Request
from kubectl_discover.analyze.gateway.routemodel import (
    GRPCMatch,
    HTTPMatch,
)
from kubectl_discover.analyze.gateway.routes import BackendResolution, ParentResult, RouteNode
from kubectl_discover.findings import Check, Finding, Severity, worst_first
from kubectl_discover.refs import ObjectRef


def _dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    seen: set[tuple[str, str, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = (finding.id, str(finding.subject), finding.message)
        if key in seen:
            continue
        seen.add(key)
        kept.append(finding)
    return tuple(kept)


# ---------------------------------------------------------------- Gateway


def class_findings(graph: GatewayGraph, node: GatewayNode) -> Iterator[Finding]:
    state = node.cls
    subject = node.ref
    evidence = [("gatewayClassName", state.name)]
    if state.state == "missing":
        known = ", ".join(sorted(graph.classes)) or "none"
        yield C.CLASS_MISSING(
            subject,
            f"{subject} cannot be programmed: {state.why}, so no controller claims it (its "
            "conditions stay Pending) and it serves nothing.",
            f"Set spec.gatewayClassName of {subject} to an existing GatewayClass (known: "
            f"{known}), or install the controller that provides {state.name or 'one'}.",
            evidence=evidence,
        )
    elif state.state in ("not-accepted", "pending"):
        controller = state.gatewayclass.controller if state.gatewayclass else ""
        yield C.CLASS_NOT_ACCEPTED(
            subject,
            f"{subject} cannot be programmed: {state.why}.",
            f"Run the controller {controller} (or fix GatewayClass {state.name}'s "
            "spec.parametersRef as its Accepted message says).",
            evidence=[*evidence, ("controllerName", controller)],
        )
    elif state.state == "unknown":
        yield C.CLASS_UNKNOWN(
            subject,
            f"Whether a controller programs {subject} is unknown: {state.why}.",
            evidence=evidence,
        )


_LISTENER_CHECKS: dict[str, Check] = {
    "port-missing": C.LISTENER_INVALID,
    "hostname-forbidden": C.LISTENER_INVALID,
    "hostname-invalid": C.LISTENER_INVALID,
    "tls-forbidden": C.LISTENER_INVALID,
    "tls-missing": C.LISTENER_INVALID,
    "tls-mode-invalid": C.LISTENER_INVALID,
    "tls-no-certificate": C.LISTENER_INVALID,
    "protocol-unsupported": C.LISTENER_PROTOCOL,
    "route-kinds-invalid": C.LISTENER_KINDS,
    "conflicted": C.LISTENER_CONFLICTED,
    "overlapping-tls": C.LISTENER_OVERLAP,
    "tls-secret-missing": C.LISTENER_SECRET_MISSING,
    "tls-ref-not-permitted": C.LISTENER_REF_NOT_PERMITTED,
    "tls-ref-kind": C.LISTENER_REF_KIND,
    "tls-ref-grant-unknown": C.LISTENER_GRANT_UNKNOWN,
    "selector-missing": C.LISTENER_SELECTOR_MISSING,
    "tls-several-certificates": C.LISTENER_SEVERAL_CERTS,
}


def _listener_problem(graph: GatewayGraph, node: ListenerNode, problem: ListenerProblem) -> Finding:
    check = _LISTENER_CHECKS[problem.code]
    subject = node.listener.owner
    hint = problem.fix
    evidence = [
        ("listener", node.listener.name),
        ("condition", f"{problem.condition}: {problem.reason}"),
    ]
    severity: Severity | None = None
    if problem.code == "tls-ref-not-permitted" and problem.reference is not None:
        near = near_grants(graph.grants, problem.reference)
        hint = (
            f"Apply in namespace {problem.reference.to_namespace}:\n"
            + grant_yaml(problem.reference)
            + (f"(existing: {'; '.join(near)})" if near else "")
        ).rstrip()
    if problem.code == "tls-secret-missing" and not graph.live:
        severity = Severity.WARN
    if problem.code == "protocol-unsupported" and not problem.blocking:
        severity = Severity.INFO
    if problem.code == "route-kinds-invalid" and not problem.blocking:
        severity = Severity.WARN
    if problem.secret:
        evidence.append(("secret", "/".join(problem.secret)))
    return check(subject, problem.message + ".", hint, severity=severity, evidence=evidence)


def _listener_status(node: ListenerNode) -> Iterator[Finding]:
    status = node.listener.status
    if status is None:
        return
    bad = [
        c
        for c in status.conditions
        if (c.type in ("Accepted", "ResolvedRefs", "Programmed") and c.status == "False")
        or (c.type == "Conflicted" and c.status == "True")
    ]
    for cond in bad:
        predicted = "" if node.problems else " (the specification predicts no problem here)"
        yield C.LISTENER_STATUS(
            node.listener.owner,
            f"The controller reports {node.listener.describe()} {cond.describe()}{predicted}.",
            "Fix what the condition names; kubectl describe shows the whole status.",
            evidence=[("listener", node.listener.name), ("condition", cond.describe())],
        )


def _gateway_status(graph: GatewayGraph, node: GatewayNode) -> Iterator[Finding]:
    gateway = node.gateway
    subject = node.ref
    if not graph.live:
        if not gateway.has_status:
            yield C.GATEWAY_STATUS_UNKNOWN(
                subject,
                f"{subject} read from files carries no status: its address and conditions are "
                "unknown.",
            )
        return
    if node.serves is False:
        return  # the class finding says why nothing else will appear
    accepted = next((c for c in gateway.conditions if c.type == "Accepted"), None)
    programmed = next((c for c in gateway.conditions if c.type == "Programmed"), None)
    if accepted is not None and accepted.status != "True":
        yield C.GATEWAY_NOT_ACCEPTED(
            subject,
            f"The controller reports {subject} {accepted.describe()}.",
            "Fix what the condition names (kubectl describe gateway).",
            evidence=[("condition", accepted.describe())],
        )
    if programmed is not None and programmed.status != "True":
        yield C.GATEWAY_NOT_PROGRAMMED(
            subject,
            f"The controller reports {subject} {programmed.describe()}, so the data plane is "
            "not (yet) configured for it.",
            "Fix what the condition names; for AddressNotAssigned check the controller's load "
            "balancer Service.",
            severity=Severity.FAIL if programmed.status == "False" else Severity.WARN,
            evidence=[("condition", programmed.describe())],
        )
    if not gateway.addresses:
        yield C.GATEWAY_NO_ADDRESS(
            subject,
            f"{subject} has no status.addresses, so clients have no address to reach it.",
            f"Check {subject}'s Programmed condition and the controller's Service of type "
            "LoadBalancer.",
        )
    stale = [
        c
        for c in gateway.conditions
        if c.observed_generation is not None
        and gateway.generation is not None
        and c.observed_generation < gateway.generation
    ]
    if stale:
        yield C.GATEWAY_STATUS_DISAGREES(
            subject,
            f"The status of {subject} is stale: {stale[0].type} was written for generation "
            f"{stale[0].observed_generation}, the Gateway is at generation {gateway.generation}.",
            "Check that the Gateway's controller is running and reconciling.",
            evidence=[("observedGeneration", str(stale[0].observed_generation))],
        )
    for listener in node.listeners:
        status = listener.listener.status
        if status is None or status.attached_routes is None:
            continue
        predicted = len(graph.attachments.get(listener.key, ()))
        if predicted != status.attached_routes:
            yield C.GATEWAY_STATUS_DISAGREES(
                listener.listener.owner,
                f"The controller counts {status.attached_routes} attached Route(s) on "
                f"{listener.listener.describe()}, the specification predicts {predicted} from "
                "the Routes' parentRefs, allowedRoutes and hostnames.",
                f"Compare with kubectl discover httproute NAME for the Routes of {node.ref}; a "
                "Route the controller rejects for its own reasons shows it in its status.",
                evidence=[
                    ("attachedRoutes", str(status.attached_routes)),
                    ("predicted", str(predicted)),
                ],
            )


def _listenerset_findings(node: GatewayNode) -> Iterator[Finding]:
    for ls in node.listenersets:
        subject = ls.listenerset.ref
        if ls.attached is False:
            yield C.LISTENERSET_NOT_ALLOWED(
                subject,
                f"{subject} is not accepted (NotAllowed): {ls.why}; its listeners "
                f"({', '.join(li.name for li in ls.listenerset.listeners)}) do not exist.",
                f"On {node.ref} set spec.allowedListeners.namespaces.from: "
                + ("Same" if ls.listenerset.namespace == node.gateway.namespace else "All")
                + " (or Selector matching namespace "
                + f"{ls.listenerset.namespace}).",
            )
        elif ls.attached is None:
            yield C.LISTENERSET_UNKNOWN(
                subject, f"Whether {node.ref} accepts {subject} is unknown: {ls.why}."
            )


def gateway_findings(graph: GatewayGraph, namespace: str, name: str) -> tuple[Finding, ...]:
    """Everything wrong with one Gateway, its class, listeners and ListenerSets."""
    node = graph.gateway(namespace, name)
    if node is None:
        raise LookupError(f'Gateway "{name}" not found in namespace "{namespace}"')
    found: list[Finding] = [*class_findings(graph, node)]
    found.extend(_gateway_status(graph, node))
    for listener in node.listeners:
        found.extend(_listener_problem(graph, listener, p) for p in listener.problems)
        if graph.live:
            found.extend(_listener_status(listener))
    found.extend(_listenerset_findings(node))
    return worst_first(_dedupe(found))


def listenerset_findings(graph: GatewayGraph, namespace: str, name: str) -> tuple[Finding, ...]:
    """A ListenerSet on its own: its parent, its acceptance, its listeners."""
    node = graph.listenersets.get((namespace, name))
    if node is None:
        raise LookupError(f'ListenerSet "{name}" not found in namespace "{namespace}"')
    subject = node.listenerset.ref
    if node.gateway is None:
        return (
            C.LISTENERSET_PARENT(
                subject,
                f"{node.why}, so its listeners exist nowhere.",
                f"Fix spec.parentRef of {subject}.",
            ),
        )
    gateway = graph.gateway(node.gateway.namespace, node.gateway.name)
    if gateway is None:
        return ()
    found = [f for f in _listenerset_findings(gateway) if f.subject == subject]
    for listener in gateway.listeners:
        if listener.listener.owner == subject:
            found.extend(_listener_problem(graph, listener, p) for p in listener.problems)
    return worst_first(_dedupe(found))


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
    for rule, resolutions in zip(node.route.rules, node.backends, strict=True):
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


def _status_findings(graph: GatewayGraph, node: RouteNode) -> Iterator[Finding]:
    if not graph.live:
        return
    subject = node.ref
    route = node.route
    predicted_refs, predicted_reason, _ = node.resolved_refs()
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
        if accepted is not None and parent.accepted is not None:
            observed_ok = accepted.status == "True"
            if observed_ok != parent.accepted:
                disagreements.append(
                    f"Accepted is {accepted.status} ({accepted.reason}), the specification "
                    f"predicts {parent.accepted} ({parent.reason})"
                )
        if (
            resolved is not None
            and predicted_refs is not None
            and (resolved.status == "True") != predicted_refs
        ):
            disagreements.append(
                f"ResolvedRefs is {resolved.status} ({resolved.reason}), the specification "
                f"predicts {predicted_refs} ({predicted_reason})"
            )
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
                            _listener_problem(graph, listener, p)
                            for p in listener.problems
                            if p.blocking
                        )
    found.extend(_backend_findings(graph, node))
    found.extend(_status_findings(graph, node))
    found.extend(_regex_findings(node))
    return worst_first(_dedupe(found))


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
    return worst_first(_dedupe(found))


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
    return worst_first(_dedupe(found))


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
