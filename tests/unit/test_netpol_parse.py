"""Parsing policies, selectors and endpoints: defaults, what the API server rejects,
and hostile input that must never raise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_netpol_build import netpol

from kubectl_discover.analyze.model import ContainerPort, PodView
from kubectl_discover.analyze.netpol import (
    Direction,
    Outcome,
    build_policy_set,
    evaluate,
    pod_endpoint,
    pod_view_endpoint,
    service_target,
)
from kubectl_discover.analyze.netpol.admin import parse_admin_policy
from kubectl_discover.analyze.netpol.policy import (
    MAX_ITEMS,
    PortRule,
    is_port_name,
    parse_network_policy,
)
from kubectl_discover.analyze.netpol.selector import parse_selector
from kubectl_discover.analyze.netpol.tri import Tri

# ------------------------------------------------------------------ selectors


def test_match_labels_and_expressions_are_anded() -> None:
    selector = parse_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}],
        }
    )
    assert selector.match({"app": "web", "tier": "b"}).value is Tri.YES
    assert selector.match({"app": "web", "tier": "c"}).value is Tri.NO
    assert selector.match({"tier": "a"}).value is Tri.NO


@pytest.mark.parametrize(
    ("expression", "labels", "expected"),
    [
        ({"key": "k", "operator": "In", "values": ["v"]}, {}, Tri.NO),
        ({"key": "k", "operator": "NotIn", "values": ["v"]}, {}, Tri.YES),
        ({"key": "k", "operator": "NotIn", "values": ["v"]}, {"k": "v"}, Tri.NO),
        ({"key": "k", "operator": "NotIn", "values": ["v"]}, {"k": "w"}, Tri.YES),
        ({"key": "k", "operator": "Exists"}, {"k": ""}, Tri.YES),
        ({"key": "k", "operator": "Exists"}, {}, Tri.NO),
        ({"key": "k", "operator": "DoesNotExist"}, {}, Tri.YES),
        ({"key": "k", "operator": "DoesNotExist"}, {"k": "v"}, Tri.NO),
    ],
)
def test_operators(expression: dict[str, Any], labels: dict[str, str], expected: Tri) -> None:
    assert parse_selector({"matchExpressions": [expression]}).match(labels).value is expected


def test_empty_selector_matches_everything() -> None:
    assert parse_selector({}).match({}).value is Tri.YES
    assert parse_selector({}).empty


@pytest.mark.parametrize(
    "raw",
    [
        "app=web",
        {"matchLabels": ["app"]},
        {"matchLabels": {"version": 1}},
        {"matchExpressions": {"key": "a"}},
        {"matchExpressions": [{"key": "a", "operator": "Near", "values": ["b"]}]},
        {"matchExpressions": [{"key": "a", "operator": "In"}]},
        {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]},
        {"matchExpressions": [{"operator": "Exists"}]},
    ],
)
def test_malformed_selectors_cannot_tell(raw: object) -> None:
    selector = parse_selector(raw)
    assert selector.problem
    assert selector.match({"app": "web"}).value is Tri.MAYBE


def test_partial_labels_decide_only_known_keys() -> None:
    selector = parse_selector({"matchLabels": {"team": "shop"}})
    known = frozenset({"kubernetes.io/metadata.name"})
    assert selector.match({"kubernetes.io/metadata.name": "shop"}, known=known).value is Tri.MAYBE
    by_name = parse_selector({"matchLabels": {"kubernetes.io/metadata.name": "shop"}})
    assert by_name.match({"kubernetes.io/metadata.name": "x"}, known=known).value is Tri.NO


def test_selector_written_back_keeps_its_meaning() -> None:
    raw = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "app", "operator": "In", "values": ["api"]},
            {"key": "tier", "operator": "Exists"},
        ],
    }
    written = parse_selector(raw).to_dict()
    assert written == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "app", "operator": "In", "values": ["api"]},
            {"key": "tier", "operator": "Exists"},
        ],
    }


# ------------------------------------------------------------------ NetworkPolicy fields


def test_policy_types_default_from_the_egress_section() -> None:
    assert parse_network_policy(netpol("a", "p")).policy_types == {Direction.INGRESS}
    with_egress = netpol("a", "p", egress=[{}])
    assert parse_network_policy(with_egress).policy_types == {Direction.INGRESS, Direction.EGRESS}
    # an empty list is defaulted like a missing one
    assert parse_network_policy(netpol("a", "p", policyTypes=[])).policy_types == {
        Direction.INGRESS
    }
    explicit = netpol("a", "p", policyTypes=["Egress"])
    assert parse_network_policy(explicit).policy_types == {Direction.EGRESS}


def test_missing_pod_selector_selects_all_and_missing_namespace_is_the_default() -> None:
    view = parse_network_policy({"kind": "NetworkPolicy", "metadata": {"name": "p"}})
    assert view.pod_selector.empty
    assert view.ref.namespace == "default"
    assert view.problems == ()


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ({}, PortRule("TCP")),
        ({"protocol": "UDP"}, PortRule("UDP")),
        ({"port": 53, "protocol": "UDP"}, PortRule("UDP", 53)),
        ({"port": "dns-tcp"}, PortRule("TCP", "dns-tcp")),
        ({"port": 1000, "endPort": 2000}, PortRule("TCP", 1000, 2000)),
    ],
)
def test_valid_ports(port: dict[str, Any], expected: PortRule) -> None:
    (rule,) = parse_network_policy(netpol("a", "p", ingress=[{"ports": [port]}])).ingress
    assert rule.ports == (expected,)


@pytest.mark.parametrize(
    ("port", "problem"),
    [
        ({"protocol": "ICMP"}, "protocol 'ICMP' is not TCP, UDP or SCTP"),
        ({"port": 0}, "port 0 is outside 1-65535"),
        ({"port": 65536}, "port 65536 is outside 1-65535"),
        ({"port": True}, "port True is neither a number nor a name"),
        ({"port": "80"}, "port '80' is not a valid port name"),
        ({"port": "http", "endPort": 90}, "sets endPort with a named port"),
        ({"endPort": 90}, "sets endPort without port"),
        ({"port": 100, "endPort": 90}, "endPort 90 is not a number from port 100 to 65535"),
    ],
)
def test_invalid_ports_are_problems(port: dict[str, Any], problem: str) -> None:
    view = parse_network_policy(netpol("a", "p", ingress=[{"ports": [port]}]))
    assert view.problems == (f"spec.ingress[0].ports[0] {problem}",)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("http", True),
        ("dns-tcp", True),
        ("h2c", True),
        ("80", False),
        ("a--b", False),
        ("-http", False),
        ("http-", False),
        ("a" * 15, True),
        ("a" * 16, False),
        ("HTTP", False),
    ],
)
def test_port_names_follow_iana_service_name_syntax(name: str, valid: bool) -> None:
    assert is_port_name(name) is valid


@pytest.mark.parametrize(
    ("peer", "problem"),
    [
        ({}, "sets none of podSelector, namespaceSelector, ipBlock"),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}},
            "sets ipBlock together with a selector",
        ),
        ({"ipBlock": {"cidr": "10.0.0.1"}}, "ipBlock: cidr '10.0.0.1' is not a CIDR"),
        (
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}},
            "ipBlock: except '11.0.0.0/16' is outside cidr 10.0.0.0/8",
        ),
        ("x", "is not an object"),
    ],
)
def test_invalid_peers_are_problems(peer: object, problem: str) -> None:
    view = parse_network_policy(netpol("a", "p", ingress=[{"from": [peer]}]))
    assert view.problems == (f"spec.ingress[0].from[0] {problem}",)


def test_empty_from_list_is_read_as_all_sources() -> None:
    (rule,) = parse_network_policy(netpol("a", "p", ingress=[{"from": [], "ports": []}])).ingress
    assert rule.peers is None and rule.ports is None


def test_overlong_lists_are_cut_and_reported() -> None:
    view = parse_network_policy(netpol("a", "p", ingress=[{}] * (MAX_ITEMS + 1)))
    assert len(view.ingress) == MAX_ITEMS
    assert view.problems == (
        f"spec.ingress has more than {MAX_ITEMS} items; the rest were not read",
    )


# ------------------------------------------------------------------ endpoints and Services


def test_pod_endpoint_reads_ips_ports_and_host_network() -> None:
    raw = {
        "metadata": {"name": "p", "namespace": "a", "labels": {"app": "x"}},
        "spec": {
            "hostNetwork": True,
            "nodeName": "n1",
            "containers": [
                {"name": "c", "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"}]}
            ],
        },
        "status": {
            "podIP": "192.168.0.1",
            "podIPs": [{"ip": "192.168.0.1"}, {"ip": "fd00::1"}, {"ip": "junk"}],
        },
    }
    endpoint = pod_endpoint(raw, {"a": {"team": "x"}}, {"n1": {"zone": "z"}})
    assert endpoint.kind.value == "host"
    assert endpoint.ips == ("192.168.0.1", "fd00::1")
    assert [(p.name, p.number, p.protocol) for p in endpoint.ports] == [("dns", 53, "UDP")]
    assert endpoint.namespace_labels == {"team": "x"}
    assert endpoint.node_labels == {"zone": "z"}
    assert pod_endpoint(raw).namespace_labels is None


def test_service_target_resolves_named_numeric_and_missing_target_ports() -> None:
    web = pod_endpoint(
        {
            "metadata": {"name": "w", "namespace": "a"},
            "spec": {
                "containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]
            },
        }
    )
    service = {
        "metadata": {"name": "s", "namespace": "a"},
        "spec": {
            "clusterIP": "10.96.0.1",
            "ports": [
                {"name": "named", "port": 80, "targetPort": "http"},
                {"name": "number", "port": 81, "targetPort": 9090},
                {"name": "missing", "port": 82},
                {"name": "unresolved", "port": 83, "targetPort": "grpc"},
                {"name": "udp-name", "port": 84, "targetPort": "http", "protocol": "UDP"},
                {"name": "bad", "port": "x"},
            ],
        },
    }
    target = service_target(service, [web])
    assert target.cluster_ips == ("10.96.0.1",)
    resolved = {port.name: backends[0].port for port, backends in target.ports}
    assert resolved == {
        "named": 8080,
        "number": 9090,
        "missing": 82,
        "unresolved": None,
        "udp-name": None,
    }


# ------------------------------------------------------------------ hostile input

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "podSelector",
        "namespaceSelector",
        "ipBlock",
        "ports",
        "from",
        "to",
        "ingress",
        "egress",
        "policyTypes",
        "port",
        "endPort",
        "protocol",
        "cidr",
        "except",
        "matchLabels",
        "matchExpressions",
        "subject",
        "priority",
        "action",
        "namespaces",
        "pods",
        "networks",
        "nodes",
        "domainNames",
        "portNumber",
        "portRange",
        "namedPort",
    ]
)
SHAPED = st.recursive(
    st.none()
    | st.integers(-5, 70000)
    | st.sampled_from(
        ["TCP", "UDP", "In", "Exists", "Allow", "Deny", "Pass", "10.0.0.0/8", "http", "Egress", ""]
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(
    spec=st.one_of(JSON, SHAPED),
    kind=st.sampled_from(["NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"]),
)
def test_any_policy_object_parses_and_evaluates_without_raising(spec: Any, kind: str) -> None:
    group = (
        "networking.k8s.io/v1" if kind == "NetworkPolicy" else "policy.networking.k8s.io/v1alpha1"
    )
    obj = {
        "apiVersion": group,
        "kind": kind,
        "metadata": {"name": "x", "namespace": "a"},
        "spec": spec,
    }
    policies = build_policy_set([obj])
    a = pod_endpoint(
        {"metadata": {"name": "a", "namespace": "a"}, "status": {"podIP": "10.0.0.1"}}, {"a": {}}
    )
    b = pod_endpoint(
        {"metadata": {"name": "b", "namespace": "a"}, "status": {"podIP": "10.0.0.2"}}, {"a": {}}
    )
    verdict = evaluate(policies, a, b, 80, "TCP")
    assert verdict.outcome in set(Outcome)
    if kind != "NetworkPolicy":
        parse_admin_policy(obj)


POD_KEYS = st.sampled_from(
    [
        "metadata",
        "spec",
        "status",
        "name",
        "namespace",
        "labels",
        "podIP",
        "podIPs",
        "ip",
        "hostNetwork",
        "nodeName",
        "containers",
        "initContainers",
        "ports",
        "containerPort",
        "protocol",
        "restartPolicy",
        "clusterIP",
        "clusterIPs",
        "targetPort",
        "port",
    ]
)
POD_SHAPED = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1, 70000)
    | st.sampled_from(["10.0.0.1", "http", "TCP", "Always", "x"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(POD_KEYS, children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(JSON, POD_SHAPED))
def test_any_pod_or_service_object_builds_without_raising(raw: Any) -> None:
    obj = raw if isinstance(raw, dict) else {"spec": raw}
    endpoint = pod_endpoint(obj)
    service_target(obj, [endpoint])
    build_policy_set([obj, raw], ["Whatever.example.com"])


def test_pod_view_endpoint_keeps_ips_ports_and_namespace_labels() -> None:
    view = PodView(
        name="web-0",
        namespace="shop",
        labels={"app": "web"},
        hostname="web-0",
        subdomain="web",
        ports=(ContainerPort("c", 8080, "http", "TCP"),),
        ip="10.0.0.5",
        ips=("10.0.0.5", "fd00::5"),
        node="n1",
    )
    endpoint = pod_view_endpoint(view, {"shop": {"team": "shop"}})
    assert endpoint.ips == ("10.0.0.5", "fd00::5")
    assert endpoint.ports == view.ports
    assert endpoint.namespace_labels == {"team": "shop"}
    assert (endpoint.node, endpoint.kind.value) == ("n1", "pod")
    assert pod_view_endpoint(view).namespace_labels is None
