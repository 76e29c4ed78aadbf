"""The fixes as YAML: where they go, the peers they write, the names of new policies."""

from __future__ import annotations

import yaml
from test_netpol_build import netpol, pod

from kubectl_discover.analyze.netpol import Direction, PortSpec, address_endpoint, fix_for
from kubectl_discover.analyze.netpol.fixes import peer_for, policy_name
from kubectl_discover.analyze.netpol.policy import parse_network_policy
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import is_dns1123_subdomain

CLIENT = pod("shop", "client-5d8f-x", {"app": "client", "pod-template-hash": "5d8f"}, "10.244.1.10")
WEB = pod(
    "shop",
    "web-0",
    {"app": "web", "statefulset.kubernetes.io/pod-name": "web-0", "controller-revision-hash": "a1"},
    "10.244.2.11",
)


def test_peer_in_the_same_namespace_is_a_pod_selector_of_stable_labels() -> None:
    assert peer_for(WEB, "shop") == {"podSelector": {"matchLabels": {"app": "web"}}}


def test_peer_in_another_namespace_is_one_item_with_both_selectors() -> None:
    assert peer_for(WEB, "other") == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
        "podSelector": {"matchLabels": {"app": "web"}},
    }


def test_peer_with_only_volatile_labels_selects_every_pod_of_its_namespace() -> None:
    lone = pod("shop", "x", {"pod-template-hash": "1"}, "10.0.0.1")
    assert peer_for(lone, "shop") == {"podSelector": {}}


def test_addresses_are_single_address_ip_blocks() -> None:
    assert peer_for(address_endpoint("203.0.113.7"), "shop") == {
        "ipBlock": {"cidr": "203.0.113.7/32"}
    }
    assert peer_for(address_endpoint("2001:db8::7"), "shop") == {
        "ipBlock": {"cidr": "2001:db8::7/128"}
    }
    host = pod("shop", "agent", {"app": "agent"}, "192.168.0.5", host_network=True)
    assert peer_for(host, "shop") == {"ipBlock": {"cidr": "192.168.0.5/32"}}


def test_fix_appends_to_the_first_isolating_policy_that_has_rules() -> None:
    deny = parse_network_policy(netpol("shop", "a-deny", podSelector={}, policyTypes=["Egress"]))
    with_rules = parse_network_policy(
        netpol(
            "shop",
            "b-client",
            podSelector={},
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": 1}]}],
        )
    )
    fix = fix_for(Direction.EGRESS, CLIENT, WEB, [PortSpec("TCP", 8080)], [deny, with_rules])
    assert fix is not None
    assert (fix.policy, fix.new, fix.field) == (
        ObjectRef("NetworkPolicy", "shop", "b-client"),
        False,
        "spec.egress",
    )
    assert yaml.safe_load(fix.yaml) == [
        {
            "to": [{"podSelector": {"matchLabels": {"app": "web"}}}],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }
    ]
    assert fix.describe().startswith("append to spec.egress of NetworkPolicy shop/b-client:\n")


def test_fix_creates_a_policy_when_only_default_deny_isolates() -> None:
    deny = parse_network_policy(netpol("shop", "deny", podSelector={}, policyTypes=["Ingress"]))
    fix = fix_for(Direction.INGRESS, WEB, CLIENT, [PortSpec("TCP", 8080)], [deny])
    assert fix is not None and fix.new
    policy = yaml.safe_load(fix.yaml)
    assert policy == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-ingress-web-client", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "client"}}}],
                    "ports": [{"protocol": "TCP", "port": 8080}],
                }
            ],
        },
    }
    # the fix is itself a valid policy
    assert parse_network_policy(policy).problems == ()


def test_new_policy_names_are_dns_1123_and_bounded() -> None:
    odd = pod("shop", "x", {"app.kubernetes.io/name": "Very_Long.Name" * 10}, "10.0.0.1")
    name = policy_name("allow-egress", odd, WEB)
    assert is_dns1123_subdomain(name)
    assert len(name) <= 63
    assert name.startswith("allow-egress-very-long-name")
    nameless = pod("shop", "", {}, "10.0.0.1")
    assert policy_name("allow-dns", nameless, address_endpoint("1.1.1.1")) == "allow-dns"


def test_no_fix_for_an_unknown_address() -> None:
    unknown = address_endpoint("not-an-ip")
    assert peer_for(unknown, "shop") is None
    assert fix_for(Direction.EGRESS, CLIENT, unknown, [PortSpec("TCP", 443)], []) is None


def test_rule_goes_to_the_policy_about_that_port_then_to_the_workloads_policy() -> None:
    dns = parse_network_policy(
        netpol(
            "shop",
            "a-dns",
            podSelector={},
            policyTypes=["Egress"],
            egress=[{"ports": [{"protocol": "UDP", "port": 53}]}],
        )
    )
    workload = parse_network_policy(
        netpol(
            "shop",
            "b-client",
            podSelector={"matchLabels": {"app": "client"}},
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": 8080}]}],
        )
    )
    broad = parse_network_policy(
        netpol(
            "shop",
            "0-all",
            podSelector={},
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": 1}]}],
        )
    )
    isolating = [broad, dns, workload]
    tcp_dns = fix_for(Direction.EGRESS, CLIENT, WEB, [PortSpec("TCP", 53)], isolating)
    assert tcp_dns is not None and tcp_dns.policy.name == "a-dns"
    https = fix_for(
        Direction.EGRESS, CLIENT, address_endpoint("203.0.113.1"), [PortSpec("TCP", 443)], isolating
    )
    assert https is not None and https.policy.name == "b-client"
