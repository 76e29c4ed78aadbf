"""The Gateway API graph: defaults, class state, listeners and their problems,
ListenerSets, Route attachment per parentRef and listener, backendRef resolution.

Fixtures live in tests/fixtures/gateway: shop.yaml is healthy, broken.yaml adds one
broken object per problem, listenersets.yaml and isolation.yaml follow the
conformance manifests of the same names.
"""

from __future__ import annotations

from gwhelp import LABELS, fixture, grant, graph_of, http_route, prefix, rule, service, shop

from kubectl_discover.analyze.gateway.model import (
    NamespacePolicy,
    parse_gateway,
)
from kubectl_discover.analyze.gateway.namespaces import namespace_allowed
from kubectl_discover.analyze.gateway.routemodel import (
    parse_route,
)
from kubectl_discover.refs import ObjectRef

GW = ObjectRef("Gateway", "infra", "gw")


# ---------------------------------------------------------------- defaults


def test_route_defaults_follow_the_crd() -> None:
    route = parse_route(
        {
            "kind": "HTTPRoute",
            "metadata": {"name": "r", "namespace": "shop"},
            "spec": {
                "parentRefs": [{"name": "gw"}],
                "rules": [
                    {
                        "matches": [{"headers": [{"name": "x", "value": "1"}]}],
                        "backendRefs": [{"name": "web", "port": 80}],
                    }
                ],
            },
        }
    )
    parent = route.parent_refs[0]
    assert (parent.group, parent.kind, parent.namespace) == (
        "gateway.networking.k8s.io",
        "Gateway",
        "shop",
    )
    match = route.rules[0].matches[0]
    assert match.path.type == "PathPrefix" and match.path.value == "/"  # type: ignore[union-attr]
    assert match.headers[0].type == "Exact"
    ref = route.rules[0].backend_refs[0]
    assert (ref.group, ref.kind, ref.namespace, ref.weight) == ("", "Service", "shop", 1)


def test_a_route_without_rules_gets_the_default_rule() -> None:
    route = parse_route(
        {"kind": "HTTPRoute", "metadata": {"name": "r"}, "spec": {"parentRefs": [{"name": "gw"}]}}
    )
    assert len(route.rules) == 1 and route.rules[0].defaulted
    assert route.rules[0].describe_matches() == "PathPrefix /"
    assert route.namespace == "default"


def test_listener_defaults() -> None:
    gateway = parse_gateway(fixture("shop")[1])
    http, https = gateway.listeners
    assert http.allowed.namespaces.from_ == "All"
    assert https.tls is not None and https.tls.mode == "Terminate"
    ref = https.tls.certificate_refs[0]
    assert (ref.group, ref.kind, ref.namespace) == ("", "Secret", "infra")
    assert gateway.allowed_listeners.from_ == "None"
    assert [a.value for a in gateway.addresses] == ["203.0.113.7"]


# ---------------------------------------------------------------- class


def test_class_states() -> None:
    graph = shop(broken=True)
    assert graph.gateways[("infra", "gw")].cls.state == "accepted"
    orphan = graph.gateways[("infra", "orphan")].cls
    assert orphan.state == "missing" and "does not exist" in orphan.why
    offline = graph_of(*fixture("shop"), live=False)
    assert offline.gateways[("infra", "gw")].cls.state == "accepted"  # status written in the file
    no_status = [d for d in fixture("shop") if d["kind"] != "GatewayClass"]
    bare = {
        "kind": "GatewayClass",
        "metadata": {"name": "example"},
        "spec": {"controllerName": "example.net/gateway-controller"},
    }
    assert graph_of(*no_status, bare, live=False).gateways[("infra", "gw")].cls.state == "unknown"
    assert graph_of(*no_status, bare).gateways[("infra", "gw")].cls.state == "pending"


# ---------------------------------------------------------------- listeners


def _codes(graph, gateway: tuple[str, str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    node = graph.gateways[gateway]
    return {n.listener.name: [p.code for p in n.problems] for n in node.listeners}


def test_listener_problems() -> None:
    codes = _codes(shop(broken=True), ("infra", "edge"))
    assert codes == {
        "foreign-cert": ["tls-ref-not-permitted"],
        "missing-cert": ["tls-secret-missing"],
        "lowercase": ["protocol-unsupported"],
        "tcp-kinds": ["route-kinds-invalid"],
        "plain": ["conflicted"],
        "tls-on-9000": ["conflicted"],
    }


def test_a_reference_grant_for_gateways_permits_the_certificate() -> None:
    graph = shop(grant("certs", "Gateway", "infra", "Secret"), broken=True)
    assert _codes(graph, ("infra", "edge"))["foreign-cert"] == []
    # a grant for ListenerSets does not cover Gateways (GEP-1713)
    graph = shop(grant("certs", "ListenerSet", "infra", "Secret"), broken=True)
    assert _codes(graph, ("infra", "edge"))["foreign-cert"] == ["tls-ref-not-permitted"]


def test_unreadable_grants_and_secrets_are_unknown_not_wrong() -> None:
    graph = shop(broken=True, grants_readable=False, secrets_readable=False)
    codes = _codes(graph, ("infra", "edge"))
    assert codes["foreign-cert"] == ["tls-ref-grant-unknown"]
    assert codes["missing-cert"] == []
    edge = graph.gateways[("infra", "edge")]
    assert edge.listener((ObjectRef("Gateway", "infra", "edge"), "foreign-cert")).accepted  # type: ignore[union-attr]


def test_https_listener_without_tls_is_rejected() -> None:
    gw = {
        "kind": "Gateway",
        "metadata": {"name": "g", "namespace": "infra"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [
                {"name": "a", "port": 443, "protocol": "HTTPS"},
                {
                    "name": "b",
                    "port": 80,
                    "protocol": "HTTP",
                    "tls": {"certificateRefs": [{"name": "x"}]},
                },
                {"name": "c", "port": 81, "protocol": "TCP", "hostname": "x.example.com"},
            ],
        },
    }
    codes = _codes(graph_of(gw), ("infra", "g"))
    assert codes == {"a": ["tls-missing"], "b": ["tls-forbidden"], "c": ["hostname-forbidden"]}


def test_overlapping_tls_hostnames_on_one_port() -> None:
    gw = {
        "kind": "Gateway",
        "metadata": {"name": "g", "namespace": "infra"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [
                {
                    "name": "wild",
                    "port": 443,
                    "protocol": "HTTPS",
                    "hostname": "*.example.com",
                    "tls": {"certificateRefs": [{"name": "w"}]},
                },
                {
                    "name": "foo",
                    "port": 443,
                    "protocol": "HTTPS",
                    "hostname": "foo.example.com",
                    "tls": {"certificateRefs": [{"name": "f"}]},
                },
                {
                    "name": "org",
                    "port": 443,
                    "protocol": "HTTPS",
                    "hostname": "foo.example.org",
                    "tls": {"certificateRefs": [{"name": "o"}]},
                },
            ],
        },
    }
    codes = _codes(graph_of(gw, secrets_readable=False), ("infra", "g"))
    assert codes == {"wild": ["overlapping-tls"], "foo": ["overlapping-tls"], "org": []}


# ---------------------------------------------------------------- ListenerSets


def test_listenersets_attach_only_as_allowed_and_merge_in_precedence_order() -> None:
    graph = graph_of(*fixture("listenersets"))
    sets = graph.listenersets
    assert sets[("infra", "extra")].attached and sets[("infra", "late")].attached
    assert sets[("team-a", "team-a")].attached is False
    assert sets[("team-a", "team-a")].reason == "NotAllowed"
    gateway = graph.gateways[("infra", "shared")]
    order = [(n.listener.owner.name, n.listener.name) for n in gateway.listeners]
    assert order == [("shared", "http"), ("extra", "app"), ("extra", "http"), ("late", "app")]
    late = gateway.listeners[3]
    assert [p.reason for p in late.problems] == ["HostnameConflict"]  # the older set keeps it
    assert gateway.listeners[1].accepted


def test_route_attachment_through_listenersets() -> None:
    graph = graph_of(*fixture("listenersets"))
    via = graph.routes[("HTTPRoute", "infra", "via-set")].parents[0]
    assert via.accepted and via.parent == ObjectRef("ListenerSet", "infra", "extra")
    assert via.attached_listeners()[0].hostnames == ("app.example.com",)
    # a Gateway parentRef never reaches a ListenerSet listener (GEP-1713)
    wrong = graph.routes[("HTTPRoute", "infra", "gateway-section-in-set")].parents[0]
    assert wrong.reason == "NoMatchingParent"
    assert "use kind: ListenerSet" in wrong.message
    whole = graph.routes[("HTTPRoute", "infra", "whole-gateway")].parents[0]
    assert [v.listener[1] for v in whole.attached_listeners()] == ["http"]
    rejected = graph.routes[("HTTPRoute", "team-a", "on-rejected-set")].parents[0]
    assert rejected.accepted is False and rejected.reason == "ParentNotAccepted"


# ---------------------------------------------------------------- attachment


def test_attachment_reasons() -> None:
    graph = shop(broken=True)

    def parent(name: str, namespace: str = "shop"):  # type: ignore[no-untyped-def]
        return graph.routes[("HTTPRoute", namespace, name)].parents[0]

    assert parent("store").accepted
    assert parent("wrong-section").reason == "NoMatchingParent"
    assert parent("other-host").reason == "NoMatchingListenerHostname"
    assert parent("unlabelled", "staging").reason == "NotAllowedByListeners"
    store = graph.routes[("HTTPRoute", "shop", "store")]
    assert store.parents[0].attached_listeners()[0].hostnames == ("shop.example.com",)


def test_selector_needs_namespace_labels_unless_it_names_the_namespace() -> None:
    graph = shop(labels=None)
    assert graph.routes[("HTTPRoute", "shop", "store")].parents[0].accepted is None
    policy = NamespacePolicy("Selector", {"matchLabels": {"kubernetes.io/metadata.name": "shop"}})
    assert namespace_allowed(policy, "infra", "shop", None).allowed is True
    assert namespace_allowed(policy, "infra", "other", None).allowed is False
    assert (
        namespace_allowed(NamespacePolicy("Selector", None), "infra", "shop", LABELS).allowed
        is False
    )


def test_kind_not_allowed_by_listener() -> None:
    gw = {
        "kind": "Gateway",
        "metadata": {"name": "g", "namespace": "shop"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [
                {
                    "name": "grpc-only",
                    "port": 80,
                    "protocol": "HTTP",
                    "allowedRoutes": {"kinds": [{"kind": "GRPCRoute"}]},
                }
            ],
        },
    }
    route = http_route("r", [rule()], parents=[{"name": "g"}])
    parent = graph_of(gw, route).routes[("HTTPRoute", "shop", "r")].parents[0]
    assert parent.reason == "NotAllowedByListeners"
    assert "allows GRPCRoute, not HTTPRoute" in parent.message


def test_parent_port_must_match_the_listener_port() -> None:
    docs = fixture("shop")
    route = http_route("r", [rule()], parents=[{"name": "gw", "namespace": "infra", "port": 8080}])
    parent = graph_of(*docs, route).routes[("HTTPRoute", "shop", "r")].parents[0]
    assert parent.reason == "NoMatchingParent" and "port 8080" in parent.message
    route = http_route(
        "r",
        [rule()],
        parents=[{"name": "gw", "namespace": "infra", "sectionName": "http", "port": 443}],
    )
    parent = graph_of(*docs, route).routes[("HTTPRoute", "shop", "r")].parents[0]
    assert parent.reason == "NoMatchingParent"


def test_missing_parent() -> None:
    route = http_route("r", [rule()], parents=[{"name": "nope"}])
    parent = graph_of(*fixture("shop"), route).routes[("HTTPRoute", "shop", "r")].parents[0]
    assert parent.reason == "ParentNotFound" and parent.accepted is False


def test_older_of_an_httproute_and_a_grpcroute_keeps_a_shared_hostname() -> None:
    http = http_route(
        "web", [rule()], hostnames=["api.example.com"], created="2025-01-02T00:00:00Z"
    )
    grpc = http_route(
        "rpc",
        [{"backendRefs": [{"name": "web", "port": 80}]}],
        hostnames=["*.example.com"],
        created="2025-01-01T00:00:00Z",
        kind="GRPCRoute",
    )
    graph = graph_of(*fixture("shop"), http, grpc)
    assert graph.routes[("GRPCRoute", "shop", "rpc")].parents[0].accepted
    loser = graph.routes[("HTTPRoute", "shop", "web")].parents[0]
    assert loser.accepted is False and loser.reason == "KindConflict"
    assert "GRPCRoute shop/rpc" in loser.message


# ---------------------------------------------------------------- backends


def test_backend_resolution_reasons() -> None:
    graph = shop(broken=True)
    node = graph.routes[("HTTPRoute", "shop", "bad-backends")]
    reasons = [[b.reason for b in rule] for rule in node.backends]
    assert reasons == [
        ["BackendNotFound"],
        ["RefNotPermitted"],
        ["InvalidKind"],
        ["PortUnknown"],
        [],
        ["ResolvedRefs"],
        ["ResolvedRefs", "BackendNotFound"],
    ]
    assert node.resolved_refs()[:2] == (False, "BackendNotFound")
    port_unknown = node.backends[3][0]
    assert "targetPort" in port_unknown.fix and "80" in port_unknown.fix


def test_a_grant_makes_the_cross_namespace_backend_valid_and_names_are_checked() -> None:
    graph = shop(grant("data", "HTTPRoute", "shop", "Service", "db"), broken=True)
    assert graph.routes[("HTTPRoute", "shop", "bad-backends")].backends[1][0].valid
    graph = shop(grant("data", "HTTPRoute", "shop", "Service", "other"), broken=True)
    assert (
        graph.routes[("HTTPRoute", "shop", "bad-backends")].backends[1][0].reason
        == "RefNotPermitted"
    )


def test_offline_a_missing_service_is_only_suspect_when_the_namespace_has_none() -> None:
    route = http_route(
        "r", [rule(backends=[{"name": "elsewhere", "port": 80, "namespace": "far"}])]
    )
    docs = [*fixture("shop"), route, grant("far", "HTTPRoute", "shop", "Service")]
    resolution = graph_of(*docs, live=False).routes[("HTTPRoute", "shop", "r")].backends[0][0]
    assert resolution.valid is None and resolution.reason == "BackendNotFound"
    resolution = (
        graph_of(*docs, service("x", "far"), live=False)
        .routes[("HTTPRoute", "shop", "r")]
        .backends[0][0]
    )
    assert resolution.valid is False


def test_path_validation() -> None:
    route = http_route("r", [rule(prefix("api")), rule(prefix("/a//b")), rule(prefix("/ok"))])
    problems = graph_of(*fixture("shop"), route).routes[("HTTPRoute", "shop", "r")].problems
    assert [(p.code, p.rule) for p in problems] == [("path-invalid", 0), ("path-invalid", 1)]
