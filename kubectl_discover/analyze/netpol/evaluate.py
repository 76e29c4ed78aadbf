"""The verdict for one connection: egress at the source AND ingress at the destination.

For each direction, in the documented precedence (docs/networkpolicy.md):

1. exemptions: a subject that is not a pod; a pod talking to itself; ingress from
   the pod's own node (the API reference's ``spec.ingress`` godoc);
2. AdminNetworkPolicies selecting the subject, lowest ``priority`` first, rules in
   order: the first matching rule decides (Allow, Deny), Pass skips to 3;
3. NetworkPolicies: the subject is isolated for the direction iff some policy
   selecting it has the direction in ``policyTypes``; then the connection is
   allowed iff some rule of those policies matches (a union), else denied;
4. when no NetworkPolicy isolates it: the BaselineAdminNetworkPolicy, first
   matching rule decides;
5. otherwise allowed.

Where matching cannot tell (tri.py), the outcome is UNKNOWN with the reason. Other
engines' policies that may govern the subject turn any outcome into UNKNOWN.
Reply traffic of an allowed connection is allowed (policies are stateful), so only
the connection's initiating direction is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kubectl_discover.analyze.netpol import tri
from kubectl_discover.analyze.netpol.admin import AdminPolicyView, AdminRule
from kubectl_discover.analyze.netpol.matching import (
    admin_peer_match,
    admin_port_match,
    admin_selects,
    peer_match,
    port_match,
    selects_pod,
)
from kubectl_discover.analyze.netpol.model import (
    ConnectionVerdict,
    Direction,
    DirectionVerdict,
    Endpoint,
    EndpointKind,
    Outcome,
    RuleRef,
    Tier,
)
from kubectl_discover.analyze.netpol.policy import NetworkPolicyView, Rule
from kubectl_discover.analyze.netpol.policyset import PolicySet
from kubectl_discover.analyze.netpol.tri import Match, Tri
from kubectl_discover.refs import ObjectRef


@dataclass(frozen=True)
class _Traffic:
    """One direction of one connection, from the subject's point of view."""

    direction: Direction
    subject: Endpoint
    other: Endpoint
    dst: Endpoint
    port: int
    protocol: str


def evaluate(
    policies: PolicySet, src: Endpoint, dst: Endpoint, port: int, protocol: str = "TCP"
) -> ConnectionVerdict:
    """The verdict for a new connection from ``src`` to ``dst`` on ``port``/``protocol``.

    ``port`` is the port the packets carry when policies see them: the pod's
    (target) port behind a Service, never the Service port.
    """
    egress = evaluate_side(policies, Direction.EGRESS, src, dst, port, protocol)
    ingress = evaluate_side(policies, Direction.INGRESS, src, dst, port, protocol)
    return ConnectionVerdict(src, dst, port, protocol, egress, ingress)


def evaluate_side(
    policies: PolicySet,
    direction: Direction,
    src: Endpoint,
    dst: Endpoint,
    port: int,
    protocol: str = "TCP",
) -> DirectionVerdict:
    """One side of :func:`evaluate`: egress at ``src`` or ingress at ``dst``."""
    if direction is Direction.EGRESS:
        return evaluate_direction(policies, _Traffic(direction, src, dst, dst, port, protocol))
    return evaluate_direction(policies, _Traffic(direction, dst, src, dst, port, protocol))


def evaluate_direction(policies: PolicySet, traffic: _Traffic) -> DirectionVerdict:
    verdict = _decide(policies, traffic)
    others = policies.others_for(traffic.subject.namespace) if traffic.subject.is_pod else ()
    if others and verdict.tier is not Tier.EXEMPT:
        governed = ", ".join(others)
        return replace(
            verdict,
            outcome=Outcome.UNKNOWN,
            policy_outcome=verdict.outcome,
            why=f"also governed by {governed}: {verdict.why}",
            reasons=(*verdict.reasons, f"also governed by {governed}"),
        )
    return verdict


def _exemption(traffic: _Traffic) -> str:
    subject, other = traffic.subject, traffic.other
    if not subject.is_pod:
        return f"{subject.describe()} is not a pod: no policy applies to it"
    if subject.ref == other.ref:
        return "a pod cannot block traffic to itself"
    if (
        traffic.direction is Direction.INGRESS
        and other.kind is EndpointKind.HOST
        and other.node
        and other.node == subject.node
    ):
        return f"traffic from the pod's own node ({other.node}) is always allowed"
    return ""


def _decide(policies: PolicySet, traffic: _Traffic) -> DirectionVerdict:
    exempt = _exemption(traffic)
    if exempt:
        return DirectionVerdict(
            traffic.direction, Outcome.ALLOWED, traffic.subject, Tier.EXEMPT, exempt
        )
    admin = _admin_tier(policies.admin_policies, traffic)
    if admin is not None and admin.outcome is not None:
        return admin.verdict(traffic)
    result = _network_policy_tier(policies.in_namespace(traffic.subject.namespace), traffic)
    if result is not None:
        return result
    baseline = _admin_tier(policies.baseline_policies, traffic)
    if baseline is not None and baseline.outcome is not None:
        return baseline.verdict(traffic)
    passed = " (an AdminNetworkPolicy passed it on)" if admin is not None else ""
    return DirectionVerdict(
        traffic.direction,
        Outcome.ALLOWED,
        traffic.subject,
        Tier.DEFAULT,
        f"no policy isolates {traffic.subject.describe()} for {traffic.direction.value.lower()}"
        f"{passed}",
    )


# ------------------------------------------------------------------ NetworkPolicy


def _rule_match(policy: NetworkPolicyView, rule: Rule, traffic: _Traffic) -> Match:
    namespace = policy.ref.namespace
    peers = (
        tri.YES
        if rule.peers is None
        else tri.any_of(peer_match(p, namespace, traffic.other) for p in rule.peers)
    )
    if peers.no:
        return tri.NO
    ports = (
        tri.YES
        if rule.ports is None
        else tri.any_of(
            port_match(p, traffic.dst, traffic.port, traffic.protocol) for p in rule.ports
        )
    )
    return tri.all_of((peers, ports))


def _network_policy_tier(
    network_policies: tuple[NetworkPolicyView, ...], traffic: _Traffic
) -> DirectionVerdict | None:
    """The verdict when NetworkPolicies isolate (or may isolate) the subject, else None."""
    direction = traffic.direction
    certain: list[NetworkPolicyView] = []
    possible: list[tuple[NetworkPolicyView, Match]] = []
    for policy in network_policies:
        if direction not in policy.policy_types:
            continue
        selected = selects_pod(policy.ref.namespace, policy.pod_selector, traffic.subject)
        if policy.shape_problems and not selected.no:
            reason = f"malformed: {'; '.join(policy.shape_problems)}"
            possible.append((policy, tri.maybe(reason)))
        elif selected.yes:
            certain.append(policy)
        elif not selected.no:
            possible.append((policy, selected))
    refs = tuple(p.ref for p in certain)
    if not certain and not possible:
        return None
    reasons: list[str] = []
    for policy in certain:
        for rule in policy.rules(direction):
            match = _rule_match(policy, rule, traffic)
            if match.yes:
                ref = RuleRef(policy.ref, direction, rule.index)
                return _np_verdict(traffic, refs, Outcome.ALLOWED, f"allowed by {ref}", rule=ref)
            if match.value is Tri.MAYBE:
                reasons.append(f"{RuleRef(policy.ref, direction, rule.index)}: {match.reason}")
    for policy, selected in possible:
        # Uncertain selection matters when it alone would isolate the pod, or when a rule
        # of the policy would admit the traffic if it applies.
        admitting = [r for r in policy.rules(direction) if not _rule_match(policy, r, traffic).no]
        if not certain or admitting or policy.shape_problems:
            reasons.append(f"{policy.ref} may select the pod: {selected.reason}")
    if reasons:
        return _np_verdict(
            traffic, refs, Outcome.UNKNOWN, "; ".join(reasons), reasons=tuple(reasons)
        )
    names = ", ".join(str(r) for r in refs)
    return _np_verdict(
        traffic,
        refs,
        Outcome.DENIED,
        f"no rule allows it: {traffic.subject.describe()} is isolated for "
        f"{direction.value.lower()} by {names}",
    )


def _np_verdict(
    traffic: _Traffic,
    isolating: tuple[ObjectRef, ...],
    outcome: Outcome,
    why: str,
    *,
    rule: RuleRef | None = None,
    reasons: tuple[str, ...] = (),
) -> DirectionVerdict:
    return DirectionVerdict(
        traffic.direction,
        outcome,
        traffic.subject,
        Tier.NETWORK_POLICY,
        why,
        isolating=isolating,
        rule=rule,
        reasons=reasons,
    )


# ------------------------------------------------------------------ admin tiers


@dataclass(frozen=True)
class _AdminResult:
    """What an admin tier decided: ``outcome`` None means "pass on to the next tier"."""

    tier: Tier
    outcome: Outcome | None
    why: str
    rule: RuleRef | None = None
    reasons: tuple[str, ...] = ()

    def verdict(self, traffic: _Traffic) -> DirectionVerdict:
        return DirectionVerdict(
            traffic.direction,
            self.outcome or Outcome.UNKNOWN,
            traffic.subject,
            self.tier,
            self.why,
            rule=self.rule,
            reasons=self.reasons,
        )


def _admin_rule_match(rule: AdminRule, traffic: _Traffic) -> Match:
    if rule.problem:
        return tri.maybe(f"malformed rule: {rule.problem}")
    peers = tri.any_of(admin_peer_match(p, rule.action, traffic.other) for p in rule.peers)
    if peers.no:
        return tri.NO
    ports = (
        tri.YES
        if rule.ports is None
        else tri.any_of(
            admin_port_match(p, traffic.dst, traffic.port, traffic.protocol) for p in rule.ports
        )
    )
    return tri.all_of((peers, ports))


def _first_rule(policy: AdminPolicyView, traffic: _Traffic) -> tuple[AdminRule, Match] | None:
    """The first rule of ``policy`` that matches, or may match (then MAYBE)."""
    for rule in policy.rules(traffic.direction):
        match = _admin_rule_match(rule, traffic)
        if not match.no:
            return rule, match
    return None


def _admin_tier(
    admin_policies: tuple[AdminPolicyView, ...], traffic: _Traffic
) -> _AdminResult | None:
    """The decision of an admin tier; None when no rule of it matches."""
    if not admin_policies:
        return None
    tier = Tier.BASELINE if admin_policies[0].baseline else Tier.ADMIN
    for policy in (p for p in admin_policies if not p.priority_valid):
        # Its place in the order is unknown: any rule of it that may match blurs the tier.
        found = _first_rule(policy, traffic)
        if found is not None and not admin_selects(policy.subject, traffic.subject).no:
            reason = f"{policy.ref} has no valid priority and its rule {found[0].index} may match"
            return _AdminResult(tier, Outcome.UNKNOWN, reason, None, (reason,))
    valid = [p for p in admin_policies if p.priority_valid]
    for priority in sorted({p.priority for p in valid}):
        decisions: list[tuple[str, RuleRef]] = []
        for policy in (p for p in valid if p.priority == priority):
            selected = admin_selects(policy.subject, traffic.subject)
            if selected.no:
                continue
            found = _first_rule(policy, traffic)
            if found is None:
                continue
            rule, match = found
            ref = RuleRef(policy.ref, traffic.direction, rule.index, rule.name, rule.action)
            uncertain = match if match.value is Tri.MAYBE else selected
            if uncertain.value is Tri.MAYBE:
                reason = f"{ref} ({rule.action}) may match: {uncertain.reason}"
                return _AdminResult(tier, Outcome.UNKNOWN, reason, ref, (reason,))
            decisions.append((rule.action, ref))
        if not decisions:
            continue
        actions = sorted({action for action, _ in decisions})
        if len(actions) > 1:
            listed = ", ".join(f"{ref} ({action})" for action, ref in decisions)
            reason = f"policies of equal priority {priority} disagree: {listed}"
            return _AdminResult(tier, Outcome.UNKNOWN, reason, None, (reason,))
        action, ref = decisions[0]
        if action == "Allow":
            return _AdminResult(tier, Outcome.ALLOWED, f"allowed by {ref}", ref)
        if action == "Deny":
            return _AdminResult(tier, Outcome.DENIED, f"denied by {ref}", ref)
        return _AdminResult(tier, None, f"passed on by {ref}", ref)
    return None
