"""The path verdict of a client (DNS, Service backends, controller) on the fixtures in
tests/fixtures/netpol, with the findings and their YAML fixes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml
from test_netpol_support import cluster, documents, ids, np, only, policies

from kubectl_discover.analyze.netpol import (
    Direction,
    DirectionVerdict,
    DnsServer,
    Endpoint,
    EndpointKind,
    ExternalTarget,
    HopKind,
    Outcome,
    Resolver,
    RuleRef,
    Tier,
    address_endpoint,
    build_policy_set,
    evaluate,
    path_verdict,
)
from kubectl_discover.analyze.resolv import parse_resolv_conf
from kubectl_discover.findings import Severity
from kubectl_discover.refs import ObjectRef

C = cluster()
WEB = C.target("shop", "web")


def _fix_yaml(hint: str) -> Any:
    """The YAML part of a hint: everything after the first line ending in ':'."""
    lines = hint.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(":")) + 1
    return yaml.safe_load("\n".join(lines[start:]))


# ------------------------------------------------------------------ DNS


def test_default_deny_egress_blocks_dns_on_udp_and_tcp_to_every_coredns_pod() -> None:
    verdict = path_verdict(policies("default-deny-egress.yaml"), C.client, dns=C.dns())
    dns = [h for h in verdict.hops if h.kind is HopKind.DNS]
    # two CoreDNS pods x (UDP, TCP) at the kube-dns targetPort 53
    assert sorted((str(h.verdict.dst.ref), h.verdict.protocol, h.verdict.port) for h in dns) == [
        ("Pod kube-system/coredns-a", "TCP", 53),
        ("Pod kube-system/coredns-a", "UDP", 53),
        ("Pod kube-system/coredns-b", "TCP", 53),
        ("Pod kube-system/coredns-b", "UDP", 53),
    ]
    assert all(h.verdict.egress.outcome is Outcome.DENIED for h in dns)
    assert all(h.verdict.ingress.outcome is Outcome.ALLOWED for h in dns)  # CoreDNS not isolated
    assert verdict.outcome is Outcome.DENIED
    finding = only(verdict.findings, "netpol-dns-egress-denied")
    assert finding.severity is Severity.FAIL
    assert finding.subject == np("shop", "default-deny-egress")
    assert "UDP and TCP 53" in finding.message and "Service kube-system/kube-dns" in finding.message


def test_dns_fix_is_a_new_policy_when_only_a_default_deny_isolates() -> None:
    verdict = path_verdict(policies("default-deny-egress.yaml"), C.client, dns=C.dns())
    finding = only(verdict.findings, "netpol-dns-egress-denied")
    assert finding.hint.startswith("create NetworkPolicy shop/")
    policy = _fix_yaml(finding.hint)
    assert isinstance(policy, dict)
    assert policy["kind"] == "NetworkPolicy" and policy["metadata"]["namespace"] == "shop"
    spec = policy["spec"]
    # the client's stable labels only (pod-template-hash would break at the next rollout)
    assert spec["podSelector"] == {"matchLabels": {"app": "client"}}
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]


def test_the_fix_makes_the_dns_hops_allowed() -> None:
    verdict = path_verdict(policies("default-deny-egress.yaml"), C.client, dns=C.dns())
    fix = _fix_yaml(only(verdict.findings, "netpol-dns-egress-denied").hint)
    fixed = build_policy_set([*documents("default-deny-egress.yaml"), fix])
    again = path_verdict(fixed, C.client, dns=C.dns())
    assert again.outcome is Outcome.ALLOWED
    assert ids(again.findings) == ["netpol-path-allowed"]


def test_udp_only_dns_rule_is_flagged_for_tcp_fallback() -> None:
    verdict = path_verdict(policies("dns-udp-only.yaml"), C.client, dns=C.dns(), services=[WEB])
    finding = only(verdict.findings, "netpol-dns-tcp-denied")
    assert finding.severity is Severity.WARN
    assert "netpol-dns-egress-denied" not in ids(verdict.findings)
    udp = [h for h in verdict.hops if h.kind is HopKind.DNS and h.verdict.protocol == "UDP"]
    assert udp and all(h.verdict.outcome is Outcome.ALLOWED for h in udp)
    allow_dns = RuleRef(np("shop", "allow-dns"), Direction.EGRESS, 0)
    assert all(h.verdict.egress.rule == allow_dns for h in udp)
    # the fix appends TCP 53 to the policy that already has DNS rules
    assert finding.hint.startswith("append to spec.egress of NetworkPolicy shop/allow-dns:")
    (rule,) = _fix_yaml(finding.hint)
    assert rule["ports"] == [{"protocol": "TCP", "port": 53}]
    # the web backends are allowed on 8080 (port without protocol: TCP)
    service = [h for h in verdict.hops if h.kind is HopKind.SERVICE]
    assert [h.verdict.outcome for h in service] == [Outcome.ALLOWED, Outcome.ALLOWED]


def test_node_local_cache_is_matched_only_by_ip_block() -> None:
    dns = C.dns("169.254.20.10")
    assert dns.resolver is Resolver.NODE_LOCAL
    verdict = path_verdict(policies("node-local.yaml"), C.client, dns=dns)
    hops = [h for h in verdict.hops if h.kind is HopKind.DNS]
    assert sorted(h.verdict.protocol for h in hops) == ["TCP", "UDP"]
    assert all(h.verdict.dst.ips == ("169.254.20.10",) for h in hops)
    assert all(h.verdict.egress.outcome is Outcome.DENIED for h in hops)
    finding = only(verdict.findings, "netpol-dns-node-local-cache")
    assert "netpol-dns-egress-denied" not in ids(verdict.findings)
    assert "NetworkPolicy shop/default-deny-egress spec.egress[0] selects the CoreDNS pods" in (
        finding.message
    )
    (rule,) = _fix_yaml(finding.hint)
    assert rule == {
        "to": [{"ipBlock": {"cidr": "169.254.20.10/32"}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def test_node_local_flag_covers_a_cache_that_answers_on_the_kube_dns_address() -> None:
    dns = C.dns("10.96.0.10", node_local=True)
    verdict = path_verdict(policies("node-local.yaml"), C.client, dns=dns)
    assert dns.resolver is Resolver.NODE_LOCAL
    only(verdict.findings, "netpol-dns-node-local-cache")


def test_the_same_rule_admits_the_coredns_pods_when_the_client_uses_them() -> None:
    verdict = path_verdict(policies("node-local.yaml"), C.client, dns=C.dns())
    assert [h.verdict.outcome for h in verdict.hops] == [Outcome.ALLOWED] * 4


def test_external_resolver_is_an_address_outside_the_cluster() -> None:
    dns = C.dns("8.8.8.8")
    assert dns.resolver is Resolver.EXTERNAL
    verdict = path_verdict(policies("default-deny-egress.yaml"), C.client, dns=dns)
    finding = only(verdict.findings, "netpol-dns-egress-denied")
    assert "the DNS server 8.8.8.8" in finding.message


def test_dns_ingress_on_coredns_pods_is_checked() -> None:
    docs = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "coredns-from-kube-system", "namespace": "kube-system"},
            "spec": {
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "ingress": [{"from": [{"podSelector": {}}]}],
            },
        }
    ]
    verdict = path_verdict(build_policy_set(docs), C.client, dns=C.dns())
    finding = only(verdict.findings, "netpol-dns-ingress-denied")
    assert finding.subject == np("kube-system", "coredns-from-kube-system")
    (rule,) = _fix_yaml(finding.hint)
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
            "podSelector": {"matchLabels": {"app": "client"}},
        }
    ]


# ------------------------------------------------------------------ Service backends


def test_policies_see_the_target_port_not_the_service_port() -> None:
    verdict = path_verdict(policies("service-port.yaml"), C.client, services=[WEB])
    hops = [h for h in verdict.hops if h.kind is HopKind.SERVICE]
    assert [(h.service_port, h.verdict.port) for h in hops] == [(80, 8080), (80, 8080)]
    assert all(h.verdict.egress.outcome is Outcome.DENIED for h in hops)
    assert all(h.verdict.ingress.outcome is Outcome.DENIED for h in hops)
    findings = [f for f in verdict.findings if f.id == "netpol-service-port-not-target-port"]
    assert sorted(f.subject for f in findings) == [
        np("shop", "client-to-web"),
        np("shop", "web-ingress"),
    ]
    assert "netpol-egress-denied" not in ids(verdict.findings)
    egress = next(f for f in findings if f.subject == np("shop", "client-to-web"))
    assert "spec.egress[0]" in egress.message and "80" in egress.message
    assert "write port 8080 (the targetPort) instead of 80" in egress.hint


def test_service_port_fix_yields_an_allowed_path() -> None:
    verdict = path_verdict(policies("service-port.yaml"), C.client, services=[WEB])
    docs = documents("service-port.yaml")
    for finding in verdict.findings:
        ((name, rule),) = [(str(finding.subject), _fix_yaml(finding.hint.split("or add:\n", 1)[1]))]
        target = next(d for d in docs if f"NetworkPolicy shop/{d['metadata']['name']}" == name)
        field = "egress" if "spec.egress" in finding.hint else "ingress"
        target["spec"][field] += rule
    again = path_verdict(build_policy_set(docs), C.client, services=[WEB])
    assert again.outcome is Outcome.ALLOWED


def test_default_deny_egress_blocks_the_backends_with_a_fix_for_their_labels() -> None:
    verdict = path_verdict(policies("default-deny-egress.yaml"), C.client, services=[WEB])
    finding = only(verdict.findings, "netpol-egress-denied")
    assert "web-1" in finding.message and "web-2" in finding.message
    assert "TCP 8080" in finding.message
    policy = _fix_yaml(finding.hint)
    assert policy["spec"]["egress"] == [
        {
            "to": [{"podSelector": {"matchLabels": {"app": "web"}}}],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }
    ]


def test_ingress_denial_on_backends_names_the_policy() -> None:
    other = C.pod("other", "client")
    verdict = path_verdict(policies("all-allowed.yaml"), other, services=[WEB])
    finding = only(verdict.findings, "netpol-ingress-denied")
    assert finding.subject == np("shop", "default-deny")
    # appended to the policy that already has ingress rules for the web pods
    assert finding.hint.startswith("append to spec.ingress of NetworkPolicy shop/web-ingress:")
    (rule,) = _fix_yaml(finding.hint)
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}},
            "podSelector": {"matchLabels": {"app": "client"}},
        }
    ]


def test_everything_allowed_gives_one_ok_finding() -> None:
    verdict = path_verdict(
        policies("all-allowed.yaml"),
        C.client,
        dns=C.dns(),
        services=[WEB],
        controllers=[C.controller],
    )
    assert verdict.outcome is Outcome.ALLOWED
    assert ids(verdict.findings) == ["netpol-path-allowed"]
    kinds = [h.kind for h in verdict.hops]
    assert kinds.count(HopKind.DNS) == 4
    assert kinds.count(HopKind.SERVICE) == 2
    assert kinds.count(HopKind.CONTROLLER) == 2
    # the named port "http" in client-to-web resolves against the web pods: 8080
    service = [h for h in verdict.hops if h.kind is HopKind.SERVICE]
    client_to_web = RuleRef(np("shop", "client-to-web"), Direction.EGRESS, 0)
    assert {h.verdict.egress.rule for h in service} == {client_to_web}


def test_port_name_limits_the_hops_to_one_service_port() -> None:
    verdict = path_verdict(policies("all-allowed.yaml"), C.client, services=[WEB], port_name="nope")
    assert verdict.hops == ()


# ------------------------------------------------------------------ controllers, lints


def test_backends_admitting_the_app_but_not_the_controller() -> None:
    verdict = path_verdict(
        policies("app-only.yaml"), C.client, services=[WEB], controllers=[C.controller]
    )
    client_hops = [h for h in verdict.hops if h.kind is HopKind.SERVICE]
    assert all(h.verdict.outcome is Outcome.ALLOWED for h in client_hops)
    finding = only(verdict.findings, "netpol-ingress-controller-not-admitted")
    assert finding.subject == np("shop", "web-ingress")
    assert "ingress-nginx/controller-x1" in finding.message
    (rule,) = _fix_yaml(finding.hint)
    assert rule["from"][0]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
    }
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]


def test_namespace_and_pod_selector_as_two_items_is_a_likely_mistake() -> None:
    verdict = path_verdict(policies("app-only.yaml"), C.client, services=[WEB])
    finding = only(verdict.findings, "netpol-peers-or-likely-and")
    assert finding.severity is Severity.WARN
    assert finding.subject == np("shop", "web-ingress")
    assert "likely, not certain" in finding.message
    assert "{matchLabels: {team: shop}}" in finding.message
    (item,) = _fix_yaml(finding.hint)
    assert item == {
        "namespaceSelector": {"matchLabels": {"team": "shop"}},
        "podSelector": {"matchLabels": {"app": "client"}},
    }


def test_one_item_with_both_selectors_is_not_flagged() -> None:
    verdict = path_verdict(
        policies("all-allowed.yaml"), C.client, services=[WEB], controllers=[C.controller]
    )
    assert "netpol-peers-or-likely-and" not in ids(verdict.findings)


# ------------------------------------------------------------------ external, unknown


def test_external_name_target_is_reached_through_ip_block_only() -> None:
    to_api = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "to-api", "namespace": "shop"},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}],
                    "ports": [{"port": 443}],
                }
            ],
        },
    }
    docs = [*documents("default-deny-egress.yaml"), to_api]
    target = ExternalTarget(
        ("203.0.113.10", "203.0.113.200"), ((443, "TCP"),), ObjectRef("Service", "shop", "api")
    )
    verdict = path_verdict(build_policy_set(docs), C.client, external=[target])
    outcomes = {h.verdict.dst.ips[0]: h.verdict.outcome for h in verdict.hops}
    assert outcomes == {"203.0.113.10": Outcome.ALLOWED, "203.0.113.200": Outcome.DENIED}
    finding = only(verdict.findings, "netpol-egress-denied")
    (rule,) = _fix_yaml(finding.hint)
    assert rule["to"] == [{"ipBlock": {"cidr": "203.0.113.200/32"}}]


def test_other_engines_make_every_hop_unknown_never_allowed() -> None:
    verdict = path_verdict(
        policies("all-allowed.yaml", ["CiliumNetworkPolicy.cilium.io"]),
        C.client,
        dns=C.dns(),
        services=[WEB],
    )
    assert verdict.outcome is Outcome.UNKNOWN
    assert {h.verdict.outcome for h in verdict.hops} == {Outcome.UNKNOWN}
    assert "netpol-path-allowed" not in ids(verdict.findings)
    unknown = [f for f in verdict.findings if f.id == "netpol-verdict-unknown"]
    # one per side of each kind of connection (DNS over UDP and TCP together, backends)
    assert len(unknown) == 4
    assert sum("on UDP and TCP 53" in f.message for f in unknown) == 2
    assert unknown and all(
        "also governed by CiliumNetworkPolicy.cilium.io" in f.message for f in unknown
    )


def test_malformed_policies_are_reported() -> None:
    docs = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "bad", "namespace": "shop"},
            "spec": {
                "podSelector": {},
                "egress": [{"to": [{}], "ports": [{"port": "http", "endPort": 90}]}],
            },
        }
    ]
    verdict = path_verdict(build_policy_set(docs), C.client, services=[WEB])
    finding = only(verdict.findings, "netpol-malformed")
    assert finding.subject == np("shop", "bad")
    assert "spec.egress[0].to[0] sets none of podSelector" in finding.message
    assert "spec.egress[0].ports[0] sets endPort with a named port" in finding.message
    hop = verdict.hops[0]
    # the malformed egress rule cannot be judged ...
    assert hop.verdict.egress.outcome is Outcome.UNKNOWN
    assert "malformed peer" in hop.verdict.egress.why
    # ... but without policyTypes the policy also isolates every shop pod for ingress,
    # with no ingress rule: the web pods admit nothing.
    assert hop.verdict.ingress.outcome is Outcome.DENIED
    assert verdict.outcome is Outcome.DENIED


def test_address_endpoint_of_garbage_has_no_ip() -> None:
    assert address_endpoint("not-an-ip").ips == ()
    verdict = evaluate(
        policies("default-deny-egress.yaml"), C.client, address_endpoint("not-an-ip"), 443
    )
    assert verdict.outcome is Outcome.DENIED  # default deny: nothing could allow it
    target = ExternalTarget(("not-an-ip",), ((443, "TCP"),))
    path = path_verdict(policies("default-deny-egress.yaml"), C.client, external=[target])
    finding = only(path.findings, "netpol-egress-denied")
    assert finding.hint == finding.check.fix  # no YAML can be written for an unknown address


def test_a_port_range_covering_the_service_port_is_not_called_a_service_port_rule() -> None:
    docs = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "low-ports", "namespace": "shop"},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": 1, "endPort": 1024}]}],
            },
        }
    ]
    verdict = path_verdict(build_policy_set(docs), C.client, services=[WEB])
    assert "netpol-service-port-not-target-port" not in ids(verdict.findings)
    only(verdict.findings, "netpol-egress-denied")


def test_dns_server_is_the_first_nameserver_of_resolv_conf() -> None:
    resolv = parse_resolv_conf(
        "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\nnameserver 10.96.0.11\noptions ndots:5\n"
    )
    kube_dns = C.target("kube-system", "kube-dns")
    dns = DnsServer.from_resolv_conf(resolv, kube_dns)
    assert dns == DnsServer("10.96.0.10", kube_dns)
    assert dns.resolver is Resolver.CLUSTER_DNS
    assert DnsServer.from_resolv_conf(parse_resolv_conf("options ndots:1\n")) is None


def _controller_ingress(policy_file: str, controller: Endpoint) -> dict[str, DirectionVerdict]:
    """Ingress verdict on each web pod for the controller's connections, by pod name."""
    verdict = path_verdict(
        policies(policy_file), C.client, services=[WEB], controllers=[controller]
    )
    found = {}
    for hop in verdict.hops:
        if hop.kind is HopKind.CONTROLLER and hop.verdict.dst.ref is not None:
            found[hop.verdict.dst.ref.name] = hop.verdict.ingress
    return found


def test_host_network_controller_on_the_backends_node_is_admitted_as_node_traffic() -> None:
    host_controller = replace(
        C.controller, kind=EndpointKind.HOST, ips=("192.168.0.2",), node="node-2"
    )
    # all-allowed.yaml admits the controller by namespace AND pod labels
    admitted = _controller_ingress("all-allowed.yaml", host_controller)
    # web-1 runs on node-2: ingress from its own node is always allowed
    assert admitted["web-1"].outcome is Outcome.ALLOWED
    # web-2 runs on node-3: whether selectors match a host-network pod is not defined
    assert admitted["web-2"].outcome is Outcome.UNKNOWN
    assert "host-network pod" in admitted["web-2"].why
    # app-only.yaml's selectors would not match the controller even if applied: denied
    refused = _controller_ingress("app-only.yaml", host_controller)
    assert refused["web-2"].outcome is Outcome.DENIED


def test_admin_policies_over_a_namespace_default_deny() -> None:
    set_ = policies("admin.yaml")
    verdict = path_verdict(set_, C.client, dns=C.dns(), services=[WEB])
    dns = [h for h in verdict.hops if h.kind is HopKind.DNS]
    # the AdminNetworkPolicy Allow outranks shop's default deny, on UDP and TCP
    allow_dns = RuleRef(
        ObjectRef("AdminNetworkPolicy", "", "cluster-dns"), Direction.EGRESS, 0, "allow-dns"
    )
    assert {(h.verdict.egress.outcome, h.verdict.egress.rule) for h in dns} == {
        (Outcome.ALLOWED, allow_dns)
    }
    # in-cluster traffic is passed to shop's NetworkPolicies, which deny it
    service = [h for h in verdict.hops if h.kind is HopKind.SERVICE]
    assert {h.verdict.egress.outcome for h in service} == {Outcome.DENIED}
    only(verdict.findings, "netpol-egress-denied")
    # the other namespace has no NetworkPolicy: the baseline denies the internet
    other = C.pod("other", "client")
    outside = evaluate(set_, other, address_endpoint("198.51.100.7"), 443)
    assert outside.egress.outcome is Outcome.DENIED
    assert outside.egress.rule is not None and outside.egress.rule.name == "no-internet"
    # ... and, since "networks" match pod IPs too, 0.0.0.0/0 denies its in-cluster egress
    inside = evaluate(set_, other, C.pod("shop", "web-1"), 8080).egress
    assert (inside.outcome, inside.tier) == (Outcome.DENIED, Tier.BASELINE)
    # DNS stays allowed for it: the AdminNetworkPolicy comes first
    coredns = C.pod("kube-system", "coredns-a")
    assert evaluate(set_, other, coredns, 53, "UDP").egress.outcome is Outcome.ALLOWED


def test_external_backends_behind_a_cluster_ip_are_unknown_when_ip_blocks_decide() -> None:
    to_db = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "to-db", "namespace": "shop"},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}], "ports": [{"port": 5432}]}],
        },
    }
    docs = [*documents("default-deny-egress.yaml"), to_db]
    db = ObjectRef("Service", "shop", "db")
    direct = ExternalTarget(("192.0.2.10",), ((5432, "TCP"),), db)
    rewritten = ExternalTarget(("192.0.2.10",), ((5432, "TCP"),), db, via_cluster_ip=True)
    # an ExternalName answer is connected to directly: the ipBlock decides
    assert path_verdict(build_policy_set(docs), C.client, external=[direct]).outcome is (
        Outcome.ALLOWED
    )
    # through the ClusterIP, whether the ipBlock sees the rewritten address is not defined
    verdict = path_verdict(build_policy_set(docs), C.client, external=[rewritten])
    (hop,) = verdict.hops
    assert hop.verdict.egress.outcome is Outcome.UNKNOWN
    assert hop.verdict.egress.policy_outcome is Outcome.ALLOWED
    assert "rewritten" in hop.verdict.egress.why
    # with no ipBlock rule at all, the default deny holds either way
    only_deny = path_verdict(policies("default-deny-egress.yaml"), C.client, external=[rewritten])
    assert only_deny.outcome is Outcome.DENIED
