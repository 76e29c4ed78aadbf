"""AdminNetworkPolicy / BaselineAdminNetworkPolicy precedence (v1alpha1): ANP rules by
priority then order (Allow, Deny, Pass), then NetworkPolicy, then the baseline."""

from __future__ import annotations

from typing import Any

from test_netpol_build import ALL_NAMESPACES, anp, banp, labels, netpol, pod

from kubectl_discover.analyze.netpol import (
    Direction,
    Outcome,
    RuleRef,
    Tier,
    address_endpoint,
    build_policy_set,
    evaluate,
    path_verdict,
    service_target,
)
from kubectl_discover.refs import ObjectRef

CLIENT = pod("shop", "client", {"app": "client"}, "10.244.1.10")
WEB = pod("shop", "web", {"app": "web"}, "10.244.2.11", ports=[("http", 8080, "TCP")])
TO_WEB = [{"pods": {"namespaceSelector": {}, "podSelector": labels(app="web")}}]
DENY_EGRESS = netpol("shop", "deny-egress", podSelector={}, policyTypes=["Egress"])
ALLOW_EGRESS = netpol("shop", "allow-egress", podSelector={}, policyTypes=["Egress"], egress=[{}])


def egress(*objects: Any, port: int = 8080, dst: Any = WEB, protocol: str = "TCP") -> Any:
    return evaluate(build_policy_set(objects), CLIENT, dst, port, protocol).egress


def rule(action: str, to: Any = None, ports: Any = None, name: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"action": action, "to": to if to is not None else TO_WEB}
    if name:
        item["name"] = name
    if ports is not None:
        item["ports"] = ports
    return item


def anp_ref(name: str) -> ObjectRef:
    return ObjectRef("AdminNetworkPolicy", "", name)


def test_anp_allow_overrides_a_network_policy_deny() -> None:
    verdict = egress(
        DENY_EGRESS, anp("dns", 10, ALL_NAMESPACES, egress=[rule("Allow", name="web")])
    )
    assert verdict.outcome is Outcome.ALLOWED
    assert verdict.tier is Tier.ADMIN
    assert verdict.rule == RuleRef(anp_ref("dns"), Direction.EGRESS, 0, "web", "Allow")


def test_anp_deny_overrides_a_network_policy_allow() -> None:
    verdict = egress(ALLOW_EGRESS, anp("block", 10, ALL_NAMESPACES, egress=[rule("Deny")]))
    assert verdict.outcome is Outcome.DENIED
    assert verdict.tier is Tier.ADMIN
    assert "denied by AdminNetworkPolicy block spec.egress[0]" in verdict.why


def test_lower_priority_value_is_checked_first() -> None:
    deny10 = anp("deny", 10, ALL_NAMESPACES, egress=[rule("Deny")])
    allow20 = anp("allow", 20, ALL_NAMESPACES, egress=[rule("Allow")])
    assert egress(deny10, allow20).outcome is Outcome.DENIED
    deny30 = anp("deny", 30, ALL_NAMESPACES, egress=[rule("Deny")])
    assert egress(deny30, allow20).outcome is Outcome.ALLOWED


def test_first_matching_rule_of_a_policy_wins() -> None:
    policy = anp(
        "p",
        10,
        ALL_NAMESPACES,
        egress=[
            rule("Allow", ports=[{"portNumber": {"protocol": "TCP", "port": 8080}}]),
            rule("Deny"),
        ],
    )
    assert egress(policy).outcome is Outcome.ALLOWED
    assert egress(policy, port=9090).outcome is Outcome.DENIED
    assert egress(policy, port=9090).rule.index == 1


def test_pass_hands_over_to_network_policy() -> None:
    passing = anp("delegate", 10, ALL_NAMESPACES, egress=[rule("Pass")])
    deny_after = anp("deny", 20, ALL_NAMESPACES, egress=[rule("Deny")])
    verdict = egress(passing, deny_after, DENY_EGRESS)
    assert verdict.outcome is Outcome.DENIED
    assert verdict.tier is Tier.NETWORK_POLICY  # decided by the NetworkPolicy, not the later Deny
    assert egress(passing, deny_after, ALLOW_EGRESS).outcome is Outcome.ALLOWED


def test_pass_without_network_policy_goes_to_the_baseline() -> None:
    passing = anp("delegate", 10, ALL_NAMESPACES, egress=[rule("Pass")])
    baseline = banp(ALL_NAMESPACES, egress=[rule("Deny")])
    verdict = egress(passing, baseline)
    assert verdict.outcome is Outcome.DENIED
    assert verdict.tier is Tier.BASELINE
    assert egress(passing).outcome is Outcome.ALLOWED
    assert egress(passing).tier is Tier.DEFAULT


def test_baseline_applies_only_when_no_network_policy_isolates() -> None:
    baseline = banp(ALL_NAMESPACES, egress=[rule("Deny")])
    assert egress(baseline).outcome is Outcome.DENIED
    # a NetworkPolicy selecting the pod for egress takes precedence over the baseline
    assert egress(baseline, ALLOW_EGRESS).outcome is Outcome.ALLOWED
    allow_baseline = banp(ALL_NAMESPACES, egress=[rule("Allow")])
    assert egress(allow_baseline, DENY_EGRESS).outcome is Outcome.DENIED
    # an Ingress-only NetworkPolicy does not isolate for egress: the baseline decides
    ingress_only = netpol("shop", "in", podSelector={})
    assert egress(baseline, ingress_only).tier is Tier.BASELINE


def test_equal_priority_policies_that_disagree_are_unknown() -> None:
    allow = anp("a", 10, ALL_NAMESPACES, egress=[rule("Allow")])
    deny = anp("b", 10, ALL_NAMESPACES, egress=[rule("Deny")])
    verdict = egress(allow, deny)
    assert verdict.outcome is Outcome.UNKNOWN
    assert "equal priority 10" in verdict.why
    agree = anp("c", 10, ALL_NAMESPACES, egress=[rule("Allow")])
    assert egress(allow, agree).outcome is Outcome.ALLOWED


def test_empty_peer_fails_closed() -> None:
    allow_empty = anp("a", 10, ALL_NAMESPACES, egress=[rule("Allow", to=[{}])])
    assert egress(allow_empty, DENY_EGRESS).outcome is Outcome.DENIED  # matches nothing
    deny_empty = anp("d", 10, ALL_NAMESPACES, egress=[rule("Deny", to=[{}])])
    assert egress(deny_empty, ALLOW_EGRESS).outcome is Outcome.DENIED  # deny all


def test_networks_peer_matches_pod_ips_too() -> None:
    policy = anp(
        "n", 10, ALL_NAMESPACES, egress=[rule("Deny", to=[{"networks": ["10.244.0.0/16"]}])]
    )
    assert egress(policy).outcome is Outcome.DENIED
    assert egress(policy, dst=address_endpoint("203.0.113.1")).outcome is Outcome.ALLOWED


def test_subject_never_includes_host_network_pods() -> None:
    host = pod("shop", "agent", {"app": "client"}, "192.168.0.5", host_network=True)
    policy = anp("d", 10, ALL_NAMESPACES, egress=[rule("Deny")])
    verdict = evaluate(build_policy_set([policy]), host, WEB, 8080, "TCP")
    assert verdict.egress.outcome is Outcome.ALLOWED


def test_subject_by_pods_is_namespace_and_pod_selector() -> None:
    subject = {
        "pods": {"namespaceSelector": labels(team="shop"), "podSelector": labels(app="other")}
    }
    assert egress(anp("d", 10, subject, egress=[rule("Deny")])).outcome is Outcome.ALLOWED
    subject["pods"]["podSelector"] = labels(app="client")
    assert egress(anp("d", 10, subject, egress=[rule("Deny")])).outcome is Outcome.DENIED


def test_port_range_and_named_port() -> None:
    ranged = anp(
        "r",
        10,
        ALL_NAMESPACES,
        egress=[
            rule("Deny", ports=[{"portRange": {"protocol": "TCP", "start": 8000, "end": 8080}}])
        ],
    )
    assert egress(ranged).outcome is Outcome.DENIED
    assert egress(ranged, port=8081).outcome is Outcome.ALLOWED
    assert egress(ranged, protocol="UDP").outcome is Outcome.ALLOWED
    named = anp("n", 10, ALL_NAMESPACES, egress=[rule("Deny", ports=[{"namedPort": "http"}])])
    assert egress(named).outcome is Outcome.DENIED
    assert egress(named, port=9090).outcome is Outcome.ALLOWED


def test_ingress_rules_use_from() -> None:
    policy = anp(
        "i",
        10,
        {"pods": {"namespaceSelector": {}, "podSelector": labels(app="web")}},
        ingress=[{"action": "Deny", "from": [{"namespaces": labels(team="shop")}]}],
    )
    verdict = evaluate(build_policy_set([policy]), CLIENT, WEB, 8080, "TCP")
    assert verdict.ingress.outcome is Outcome.DENIED
    assert verdict.egress.outcome is Outcome.ALLOWED


def test_other_versions_of_the_api_are_not_evaluated() -> None:
    cnp = {
        "apiVersion": "policy.networking.k8s.io/v1beta1",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "x"},
    }
    verdict = egress(cnp)
    assert verdict.outcome is Outcome.UNKNOWN
    assert "ClusterNetworkPolicy.policy.networking.k8s.io" in verdict.why


def test_admin_deny_finding_has_no_network_policy_fix() -> None:
    service = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 80, "targetPort": "http"}]},
    }
    target = service_target(service, [WEB])
    policies = build_policy_set(
        [ALLOW_EGRESS, anp("block", 10, ALL_NAMESPACES, egress=[rule("Deny")])]
    )
    verdict = path_verdict(policies, CLIENT, services=[target])
    (finding,) = [f for f in verdict.findings if f.id == "netpol-admin-policy-denies"]
    assert finding.subject == anp_ref("block")
    assert "outranks every NetworkPolicy" in finding.message
    assert "create NetworkPolicy" not in finding.hint and "append to" not in finding.hint
    assert "cluster administrator" in finding.hint


def test_baseline_deny_finding_offers_a_network_policy() -> None:
    service = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"ports": [{"port": 80, "targetPort": 8080}]},
    }
    target = service_target(service, [WEB])
    policies = build_policy_set([banp(ALL_NAMESPACES, egress=[rule("Deny")])])
    verdict = path_verdict(policies, CLIENT, services=[target])
    (finding,) = [f for f in verdict.findings if f.id == "netpol-admin-policy-denies"]
    assert "create NetworkPolicy shop/" in finding.hint
    assert "isolates the pod for egress" in finding.hint


def test_malformed_admin_policy_is_reported_and_uncertain() -> None:
    bad = anp("bad", 10, ALL_NAMESPACES, egress=[{"action": "Reject", "to": TO_WEB}])
    policies = build_policy_set([bad, DENY_EGRESS])
    (view,) = policies.admin_policies
    assert view.problems == ("spec.egress[0] action 'Reject' is not one of Allow, Deny, Pass",)
    assert evaluate(policies, CLIENT, WEB, 8080, "TCP").egress.outcome is Outcome.UNKNOWN


def test_admin_policy_without_valid_priority_is_unknown_when_it_may_match() -> None:
    bad = anp("bad", 5000, ALL_NAMESPACES, egress=[rule("Allow")])
    deny = anp("deny", 0, ALL_NAMESPACES, egress=[rule("Deny")])
    policies = build_policy_set([bad, deny])
    assert policies.admin_policies[0].problems == (
        "spec.priority 5000 is not a number from 0 to 1000",
    )
    assert evaluate(policies, CLIENT, WEB, 8080, "TCP").egress.outcome is Outcome.UNKNOWN
    # a connection none of its rules can match is decided by the others
    other = pod("shop", "db", {"app": "db"}, "10.244.2.50")
    deny_all = anp("deny", 0, ALL_NAMESPACES, egress=[rule("Deny", to=[{"namespaces": {}}])])
    policies = build_policy_set([bad, deny_all])
    assert evaluate(policies, CLIENT, other, 5432, "TCP").egress.outcome is Outcome.DENIED


def test_rules_past_the_read_limit_leave_the_tier_unknown() -> None:
    far = rule("Deny", to=[{"networks": ["192.0.2.0/24"]}])
    policy = anp("long", 10, ALL_NAMESPACES, egress=[far] * 10_001)
    verdict = egress(policy)
    assert verdict.outcome is Outcome.UNKNOWN
    assert "the rest were not read" in verdict.why


def test_nodes_peer_matches_node_addresses_by_node_labels() -> None:
    policy = anp(
        "n", 10, ALL_NAMESPACES, egress=[rule("Deny", to=[{"nodes": labels(role="infra")}])]
    )
    infra = address_endpoint("192.168.0.9", external=False, node_labels={"role": "infra"})
    worker = address_endpoint("192.168.0.8", external=False, node_labels={"role": "worker"})
    unknown = address_endpoint("192.168.0.7", external=False)
    assert egress(policy, dst=infra, port=10250).outcome is Outcome.DENIED
    assert egress(policy, dst=worker, port=10250).outcome is Outcome.ALLOWED
    assert egress(policy, dst=unknown, port=10250).outcome is Outcome.UNKNOWN
    assert egress(policy).outcome is Outcome.ALLOWED  # a pod is no node
