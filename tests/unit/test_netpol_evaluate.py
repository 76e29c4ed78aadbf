"""evaluate(): the networking.k8s.io/v1 semantics, one case of the API reference each."""

from __future__ import annotations

from typing import Any

import pytest
from test_netpol_build import labels, netpol, pod

from kubectl_discover.analyze.netpol import (
    Direction,
    Outcome,
    RuleRef,
    Tier,
    address_endpoint,
    build_policy_set,
    evaluate,
)
from kubectl_discover.refs import ObjectRef

CLIENT = pod("shop", "client", {"app": "client"}, "10.244.1.10", node="n1")
WEB = pod("shop", "web", {"app": "web"}, "10.244.2.11", ports=[("http", 8080, "TCP")], node="n2")
OTHER_CLIENT = pod("other", "client", {"app": "client"}, "10.244.3.10")
DENY_ALL = netpol("shop", "deny-all", podSelector={}, policyTypes=["Ingress", "Egress"])


def ref(name: str, namespace: str = "shop") -> ObjectRef:
    return ObjectRef("NetworkPolicy", namespace, name)


def check(
    *objects: Any, src: Any = CLIENT, dst: Any = WEB, port: int = 8080, protocol: str = "TCP"
) -> Any:
    return evaluate(build_policy_set(objects), src, dst, port, protocol)


# ------------------------------------------------------------------ isolation


def test_no_policy_allows_both_directions() -> None:
    verdict = check()
    assert verdict.outcome is Outcome.ALLOWED
    assert (verdict.egress.tier, verdict.ingress.tier) == (Tier.DEFAULT, Tier.DEFAULT)
    assert verdict.egress.isolating == verdict.ingress.isolating == ()


def test_ingress_only_policy_does_not_restrict_egress() -> None:
    # no policyTypes and no egress section: defaults to ["Ingress"] only
    deny_ingress = netpol("shop", "deny-ingress", podSelector={})
    verdict = check(deny_ingress)
    assert verdict.egress.outcome is Outcome.ALLOWED
    assert verdict.ingress.outcome is Outcome.DENIED
    assert verdict.ingress.isolating == (ref("deny-ingress"),)


def test_egress_section_adds_egress_to_default_policy_types() -> None:
    policy = netpol(
        "shop",
        "p",
        podSelector=labels(app="client"),
        egress=[{"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}]}],
    )
    verdict = check(policy)
    assert verdict.egress.outcome is Outcome.DENIED
    assert verdict.egress.isolating == (ref("p"),)
    # ... and Ingress too: the client is isolated for ingress by the same policy
    back = check(policy, src=WEB, dst=CLIENT, port=1234)
    assert back.ingress.outcome is Outcome.DENIED


def test_explicit_egress_type_without_rules_denies_all_egress() -> None:
    verdict = check(netpol("shop", "deny-egress", podSelector={}, policyTypes=["Egress"]))
    assert verdict.egress.outcome is Outcome.DENIED
    assert verdict.ingress.outcome is Outcome.ALLOWED
    assert "no rule allows it" in verdict.egress.why
    assert "NetworkPolicy shop/deny-egress" in verdict.egress.why


def test_empty_pod_selector_selects_only_pods_of_the_policy_namespace() -> None:
    verdict = check(netpol("other", "deny-all", podSelector={}, policyTypes=["Ingress", "Egress"]))
    assert verdict.outcome is Outcome.ALLOWED


def test_rules_of_all_selecting_policies_are_a_union() -> None:
    a = netpol(
        "shop", "a", podSelector={}, policyTypes=["Egress"], egress=[{"ports": [{"port": 443}]}]
    )
    b = netpol(
        "shop",
        "b",
        podSelector=labels(app="client"),
        policyTypes=["Egress"],
        egress=[{"ports": [{"port": 8080}]}],
    )
    verdict = check(a, b)
    assert verdict.egress.outcome is Outcome.ALLOWED
    assert verdict.egress.rule == RuleRef(ref("b"), Direction.EGRESS, 0)
    assert verdict.egress.isolating == (ref("a"), ref("b"))
    assert check(a, b, port=443).egress.rule == RuleRef(ref("a"), Direction.EGRESS, 0)
    assert check(a, b, port=22).egress.outcome is Outcome.DENIED


def test_both_directions_must_allow() -> None:
    allow_egress = netpol("shop", "out", podSelector={}, policyTypes=["Egress"], egress=[{}])
    deny_ingress = netpol("shop", "in", podSelector=labels(app="web"))
    verdict = check(allow_egress, deny_ingress)
    assert verdict.egress.outcome is Outcome.ALLOWED
    assert verdict.ingress.outcome is Outcome.DENIED
    assert verdict.outcome is Outcome.DENIED


def test_a_pod_cannot_block_traffic_to_itself() -> None:
    verdict = check(DENY_ALL, src=WEB, dst=WEB)
    assert verdict.outcome is Outcome.ALLOWED
    assert verdict.egress.tier is Tier.EXEMPT


def test_ingress_from_the_pods_own_node_is_allowed() -> None:
    node_same = address_endpoint("192.168.0.2", node="n2", external=False)
    node_other = address_endpoint("192.168.0.3", node="n3", external=False)
    assert check(DENY_ALL, src=node_same).ingress.outcome is Outcome.ALLOWED
    assert check(DENY_ALL, src=node_same).ingress.tier is Tier.EXEMPT
    assert check(DENY_ALL, src=node_other).ingress.outcome is Outcome.DENIED


def test_egress_to_the_own_node_is_not_exempt() -> None:
    cache = address_endpoint("169.254.20.10", node="n1", external=False)
    verdict = check(DENY_ALL, dst=cache, port=53, protocol="UDP")
    assert verdict.egress.outcome is Outcome.DENIED
    assert verdict.ingress.tier is Tier.EXEMPT  # a node address is no pod


# ------------------------------------------------------------------ from / to


@pytest.mark.parametrize("peers", [None, []], ids=["missing", "empty"])
def test_missing_or_empty_from_matches_all_sources(peers: Any) -> None:
    rule: dict[str, Any] = {"ports": [{"port": 8080}]}
    if peers is not None:
        rule["from"] = peers
    policy = netpol("shop", "web", podSelector=labels(app="web"), ingress=[rule])
    assert check(policy, src=OTHER_CLIENT).ingress.outcome is Outcome.ALLOWED
    assert check(policy, src=address_endpoint("198.51.100.1")).ingress.outcome is Outcome.ALLOWED


def test_empty_rule_allows_everything() -> None:
    policy = netpol("shop", "web", podSelector=labels(app="web"), ingress=[{}])
    assert check(policy, port=1, protocol="SCTP").ingress.outcome is Outcome.ALLOWED


def test_pod_selector_alone_means_the_policy_namespace() -> None:
    policy = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"podSelector": labels(app="client")}]}],
    )
    assert check(policy).ingress.outcome is Outcome.ALLOWED
    assert check(policy, src=OTHER_CLIENT).ingress.outcome is Outcome.DENIED


def test_namespace_selector_alone_means_every_pod_of_those_namespaces() -> None:
    policy = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"namespaceSelector": labels(team="other")}]}],
    )
    anyone = pod("other", "batch", {"app": "batch"}, "10.244.3.99")
    assert check(policy, src=anyone).ingress.outcome is Outcome.ALLOWED
    assert check(policy, src=CLIENT).ingress.outcome is Outcome.DENIED


def test_one_item_with_both_selectors_is_and_two_items_are_or() -> None:
    batch = pod("other", "batch", {"app": "batch"}, "10.244.3.99")
    one_item = netpol(
        "shop",
        "and",
        podSelector=labels(app="web"),
        ingress=[
            {
                "from": [
                    {"namespaceSelector": labels(team="other"), "podSelector": labels(app="client")}
                ]
            }
        ],
    )
    two_items = netpol(
        "shop",
        "or",
        podSelector=labels(app="web"),
        ingress=[
            {
                "from": [
                    {"namespaceSelector": labels(team="other")},
                    {"podSelector": labels(app="client")},
                ]
            }
        ],
    )
    # AND: only app=client pods in team=other namespaces
    assert check(one_item, src=OTHER_CLIENT).ingress.outcome is Outcome.ALLOWED
    assert check(one_item, src=batch).ingress.outcome is Outcome.DENIED
    assert check(one_item, src=CLIENT).ingress.outcome is Outcome.DENIED
    # OR: every pod of team=other, or app=client in the policy's namespace
    assert check(two_items, src=batch).ingress.outcome is Outcome.ALLOWED
    assert check(two_items, src=CLIENT).ingress.outcome is Outcome.ALLOWED


def test_empty_namespace_selector_means_all_namespaces() -> None:
    policy = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"namespaceSelector": {}}]}],
    )
    assert check(policy, src=OTHER_CLIENT).ingress.outcome is Outcome.ALLOWED
    assert check(policy, src=address_endpoint("198.51.100.1")).ingress.outcome is Outcome.DENIED


def test_empty_pod_selector_peer_means_all_pods_of_the_policy_namespace() -> None:
    policy = netpol(
        "shop", "web", podSelector=labels(app="web"), ingress=[{"from": [{"podSelector": {}}]}]
    )
    assert check(policy).ingress.outcome is Outcome.ALLOWED
    assert check(policy, src=OTHER_CLIENT).ingress.outcome is Outcome.DENIED


# ------------------------------------------------------------------ ipBlock


def _egress_block(block: dict[str, Any]) -> dict[str, Any]:
    return netpol(
        "shop", "out", podSelector={}, policyTypes=["Egress"], egress=[{"to": [{"ipBlock": block}]}]
    )


def test_ip_block_with_except_on_external_addresses() -> None:
    policy = _egress_block({"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]})
    assert check(policy, dst=address_endpoint("203.0.113.5"), port=443).outcome is Outcome.ALLOWED
    assert check(policy, dst=address_endpoint("203.0.113.200"), port=443).outcome is Outcome.DENIED
    assert check(policy, dst=address_endpoint("198.51.100.1"), port=443).outcome is Outcome.DENIED
    assert check(policy, dst=address_endpoint("2001:db8::1"), port=443).outcome is Outcome.DENIED


def test_ipv6_ip_block() -> None:
    policy = _egress_block({"cidr": "2001:db8::/64"})
    assert check(policy, dst=address_endpoint("2001:db8::1"), port=443).outcome is Outcome.ALLOWED


def test_ip_block_containing_a_pod_ip_is_implementation_defined() -> None:
    verdict = check(_egress_block({"cidr": "10.244.0.0/16"}))
    assert verdict.egress.outcome is Outcome.UNKNOWN
    assert "implementation-defined" in verdict.egress.why
    assert "10.244.2.11" in verdict.egress.why
    # a pod IP in the except part is outside the block either way
    excluded = check(_egress_block({"cidr": "10.244.0.0/16", "except": ["10.244.2.0/24"]}))
    assert excluded.egress.outcome is Outcome.DENIED


def test_ip_block_and_a_pod_without_known_ip_is_unknown() -> None:
    no_ip = pod("shop", "web-<pod>", {"app": "web"})
    verdict = check(_egress_block({"cidr": "0.0.0.0/0"}), dst=no_ip)
    assert verdict.egress.outcome is Outcome.UNKNOWN


def test_a_selector_rule_decides_even_when_an_ip_block_is_unsure() -> None:
    policy = netpol(
        "shop",
        "out",
        podSelector={},
        policyTypes=["Egress"],
        egress=[
            {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
            {"to": [{"podSelector": labels(app="web")}]},
        ],
    )
    verdict = check(policy)
    assert verdict.egress.outcome is Outcome.ALLOWED
    assert verdict.egress.rule == RuleRef(ref("out"), Direction.EGRESS, 1)


# ------------------------------------------------------------------ ports


def _web_ingress(*ports: dict[str, Any]) -> dict[str, Any]:
    return netpol("shop", "web", podSelector=labels(app="web"), ingress=[{"ports": list(ports)}])


def test_port_without_protocol_is_tcp() -> None:
    policy = _web_ingress({"port": 8080})
    assert check(policy).ingress.outcome is Outcome.ALLOWED
    assert check(policy, protocol="UDP").ingress.outcome is Outcome.DENIED


def test_protocol_without_port_is_every_port_of_that_protocol() -> None:
    policy = _web_ingress({"protocol": "UDP"})
    assert check(policy, port=5353, protocol="UDP").ingress.outcome is Outcome.ALLOWED
    assert check(policy, port=5353, protocol="TCP").ingress.outcome is Outcome.DENIED


def test_sctp() -> None:
    policy = _web_ingress({"protocol": "SCTP", "port": 3868})
    assert check(policy, port=3868, protocol="SCTP").ingress.outcome is Outcome.ALLOWED
    assert check(policy, port=3868, protocol="TCP").ingress.outcome is Outcome.DENIED


def test_end_port_range_is_inclusive() -> None:
    policy = _web_ingress({"port": 32000, "endPort": 32768})
    assert check(policy, port=32000).ingress.outcome is Outcome.ALLOWED
    assert check(policy, port=32768).ingress.outcome is Outcome.ALLOWED
    assert check(policy, port=31999).ingress.outcome is Outcome.DENIED
    assert check(policy, port=32769).ingress.outcome is Outcome.DENIED


def test_named_port_in_ingress_resolves_against_the_selected_pod() -> None:
    policy = _web_ingress({"port": "http"})
    assert check(policy, port=8080).ingress.outcome is Outcome.ALLOWED
    assert check(policy, port=80).ingress.outcome is Outcome.DENIED


def test_named_port_in_egress_resolves_against_the_destination_pod() -> None:
    policy = netpol(
        "shop",
        "out",
        podSelector=labels(app="client"),
        policyTypes=["Egress"],
        egress=[{"ports": [{"port": "http"}]}],
    )
    assert check(policy).egress.outcome is Outcome.ALLOWED  # web declares http=8080
    other = pod("shop", "api", {"app": "api"}, "10.244.2.12", ports=[("http", 9090, "TCP")])
    assert check(policy, dst=other, port=9090).egress.outcome is Outcome.ALLOWED
    assert check(policy, dst=other, port=8080).egress.outcome is Outcome.DENIED
    # an address outside the cluster has no named ports
    assert (
        check(policy, dst=address_endpoint("203.0.113.1"), port=8080).egress.outcome
        is Outcome.DENIED
    )


def test_named_port_must_match_the_protocol_of_the_container_port() -> None:
    dns = pod(
        "kube-system",
        "coredns",
        {"k8s-app": "kube-dns"},
        "10.244.0.2",
        ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")],
    )
    policy = netpol(
        "shop",
        "out",
        podSelector={},
        policyTypes=["Egress"],
        egress=[{"ports": [{"protocol": "TCP", "port": "dns"}]}],
    )
    assert check(policy, dst=dns, port=53, protocol="TCP").egress.outcome is Outcome.DENIED
    assert check(policy, dst=dns, port=53, protocol="UDP").egress.outcome is Outcome.DENIED


def test_named_port_with_unknown_container_ports_is_unknown() -> None:
    unknown = pod("shop", "web", {"app": "web"}, "10.244.2.11", ports_known=False)
    verdict = check(_web_ingress({"port": "http"}), dst=unknown)
    assert verdict.ingress.outcome is Outcome.UNKNOWN


# ------------------------------------------------------------------ what cannot be decided


def test_unknown_namespace_labels_decide_only_the_name_label() -> None:
    unknown_ns = pod("other", "client", {"app": "client"}, "10.244.3.10", namespace_known=False)
    by_team = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"namespaceSelector": labels(team="other")}]}],
    )
    by_name = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[
            {
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}}}
                ]
            }
        ],
    )
    team = check(by_team, src=unknown_ns)
    assert team.ingress.outcome is Outcome.UNKNOWN
    assert "Namespace other were not read" in team.ingress.why
    assert check(by_name, src=unknown_ns).ingress.outcome is Outcome.ALLOWED


def test_host_network_pod_subject_is_implementation_defined() -> None:
    host = pod("shop", "agent", {"app": "client"}, "192.168.0.5", host_network=True)
    verdict = check(netpol("shop", "deny", podSelector={}, policyTypes=["Egress"]), src=host)
    assert verdict.egress.outcome is Outcome.UNKNOWN
    assert "host-network pod" in verdict.egress.why
    # nothing selects it: allowed either way
    assert check(src=host).egress.outcome is Outcome.ALLOWED


def test_host_network_pod_peer_is_implementation_defined_for_selectors() -> None:
    host = pod("shop", "agent", {"app": "client"}, "192.168.0.5", host_network=True, node="n9")
    policy = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"podSelector": labels(app="client")}]}],
    )
    assert check(policy, src=host).ingress.outcome is Outcome.UNKNOWN
    by_ip = netpol(
        "shop",
        "web",
        podSelector=labels(app="web"),
        ingress=[{"from": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}],
    )
    assert check(by_ip, src=host).ingress.outcome is Outcome.ALLOWED


def test_malformed_selector_in_a_selecting_policy_is_unknown_not_denied() -> None:
    bad = netpol(
        "shop",
        "bad",
        podSelector={"matchExpressions": [{"key": "app", "operator": "Near"}]},
        policyTypes=["Egress"],
    )
    assert check(bad).egress.outcome is Outcome.UNKNOWN
    # a valid rule elsewhere still allows for certain
    allow = netpol("shop", "ok", podSelector={}, policyTypes=["Egress"], egress=[{}])
    assert check(bad, allow).egress.outcome is Outcome.ALLOWED


def test_a_policy_that_may_select_but_cannot_allow_does_not_blur_a_denial() -> None:
    deny = netpol("shop", "deny", podSelector={}, policyTypes=["Egress"])
    bad = netpol("shop", "bad", podSelector={"matchLabels": {"app": 5}}, policyTypes=["Egress"])
    assert check(deny, bad).egress.outcome is Outcome.DENIED


def test_other_engines_turn_allowed_and_denied_into_unknown() -> None:
    cilium = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "x", "namespace": "shop"},
    }
    verdict = check(DENY_ALL, cilium)
    assert verdict.egress.outcome is Outcome.UNKNOWN
    assert verdict.egress.policy_outcome is Outcome.DENIED
    assert "also governed by CiliumNetworkPolicy.cilium.io" in verdict.egress.why
    # namespaced: it cannot govern pods of another namespace
    assert (
        check(cilium, src=OTHER_CLIENT, dst=pod("other", "b", {}, "10.244.3.11")).outcome
        is Outcome.ALLOWED
    )


@pytest.mark.parametrize(
    "kind",
    [
        "GlobalNetworkPolicy.crd.projectcalico.org",
        "NetworkPolicy.crd.projectcalico.org",
        "ClusterNetworkPolicy.crd.antrea.io",
    ],
)
def test_present_kinds_of_other_engines_govern_every_pod(kind: str) -> None:
    verdict = evaluate(build_policy_set([], [kind]), CLIENT, WEB, 8080, "TCP")
    assert verdict.outcome is Outcome.UNKNOWN
    assert verdict.egress.policy_outcome is Outcome.ALLOWED
    assert kind in verdict.egress.why


def test_present_kinds_that_are_evaluated_are_not_other_engines() -> None:
    present = [
        "NetworkPolicy",
        "AdminNetworkPolicy.policy.networking.k8s.io",
        "BaselineAdminNetworkPolicy.policy.networking.k8s.io",
    ]
    assert (
        evaluate(build_policy_set([], present), CLIENT, WEB, 8080, "TCP").outcome is Outcome.ALLOWED
    )


def test_rules_of_a_direction_missing_from_policy_types_are_ignored() -> None:
    egress_only = netpol(
        "shop", "e", podSelector={}, policyTypes=["Egress"], egress=[{}], ingress=[{"from": []}]
    )
    verdict = check(egress_only, DENY_ALL)
    assert verdict.ingress.outcome is Outcome.DENIED
    assert verdict.ingress.isolating == (ref("deny-all"),)
    ingress_only = netpol("shop", "i", podSelector={}, policyTypes=["Ingress"], egress=[{}])
    assert check(ingress_only, DENY_ALL).egress.outcome is Outcome.DENIED


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {}, "policyTypes": "Egress"},
        {"podSelector": {}, "policyTypes": ["Egress", "Outbound"]},
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": {"to": []}},
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}] * 10_001},
    ],
    ids=["types-not-a-list", "unknown-type", "rules-not-a-list", "too-many-rules"],
)
def test_a_policy_whose_effect_is_unreadable_never_gives_a_certain_denial(spec: Any) -> None:
    verdict = check(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "bad", "namespace": "shop"},
            "spec": spec,
        },
        port=1,
    )
    assert verdict.egress.outcome is Outcome.UNKNOWN
    assert "NetworkPolicy shop/bad may select the pod: malformed: spec." in verdict.egress.why
