"""Findings of a Gateway: its class, conditions and address, each listener (own and
ListenerSet), the ListenerSets that name it, and status that disagrees with the prediction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubectl_discover.analyze.gateway import checks as C
from kubectl_discover.analyze.gateway.conditions import (
    condition,
    disagreement,
    listener_predictions,
)
from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.grants import grant_yaml, near_grants
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listeners import ListenerNode, ListenerProblem
from kubectl_discover.findings import Check, Finding, Severity, worst_first


def dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
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


def listener_problem_finding(
    graph: GatewayGraph, node: ListenerNode, problem: ListenerProblem
) -> Finding:
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


def _listener_disagreements(node: ListenerNode) -> Iterator[Finding]:
    """Each listener condition the controller wrote against the one the specification
    predicts from the listener's problems."""
    status = node.listener.status
    if status is None:
        return
    texts = [
        text
        for prediction in listener_predictions(node.problems)
        if (text := disagreement(prediction, condition(status.conditions, prediction.type)))
    ]
    if texts:
        yield C.GATEWAY_STATUS_DISAGREES(
            node.listener.owner,
            f"Status of {node.listener.describe()}: " + "; ".join(texts) + ".",
            "If the status is stale, check that the controller runs; otherwise the controller "
            "differs from the specification here (see its documentation).",
            evidence=[("listener", node.listener.name)],
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
        yield from _listener_disagreements(listener)
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
        found.extend(listener_problem_finding(graph, listener, p) for p in listener.problems)
        if graph.live:
            found.extend(_listener_status(listener))
    found.extend(_listenerset_findings(node))
    return worst_first(dedupe(found))


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
            found.extend(listener_problem_finding(graph, listener, p) for p in listener.problems)
    return worst_first(dedupe(found))
