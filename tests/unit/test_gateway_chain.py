"""Chains for -o tree, the Routes behind a Service, and the TLS targets per listener."""

from __future__ import annotations

from gwhelp import fixture, graph_of, shop

from kubectl_discover.analyze.gateway import (
    gateway_chain,
    match_chain,
    match_request,
    parse_request,
    route_chain,
    routes_for_service,
    tls_targets,
)
from kubectl_discover.analyze.model import ChainLink
from kubectl_discover.refs import ObjectRef


def first_break(links: tuple[ChainLink, ...]) -> ChainLink | None:
    for link in links:
        if link.ok is False:
            return first_break(link.children) or link
        found = first_break(link.children)
        if found is not None:
            return found
    return None


def test_gateway_chain_runs_listener_route_rule_backend_service_port() -> None:
    (http, https) = gateway_chain(shop(), "infra", "gw")
    assert http.label.startswith("Gateway infra/gw listener http (HTTP :80")
    route = https.children[0]
    assert route.label == "HTTPRoute shop/store for shop.example.com"
    api = route.children[1]
    assert api.label.startswith("HTTPRoute shop/store rule 1: PathPrefix /api")
    backend = api.children[0]
    assert backend.label == "backendRef Service shop/api:8080 (weight 90, 90%)"
    assert backend.children[0].label == "Service shop/api port http (8080/TCP) -> targetPort http"
    assert first_break((http, https)) is None


def test_the_first_break_is_marked() -> None:
    links = route_chain(shop(broken=True), "HTTPRoute", "shop", "bad-backends")
    broken = first_break(links)
    assert broken is not None and broken.ok is False
    assert "does not exist" in broken.why
    (wrong,) = route_chain(shop(broken=True), "HTTPRoute", "shop", "wrong-section")
    assert wrong.ok is False and "sectionName htps" in wrong.why


def test_match_chain() -> None:
    graph = shop()
    (match,) = match_request(graph, parse_request("https://shop.example.com/api"))
    link = match_chain(graph, match)
    assert link.ok is True and link.children[0].label.startswith(
        "HTTPRoute shop/store rule 1 match 0"
    )


def test_routes_for_service() -> None:
    found = routes_for_service(shop(), "shop", "api-v2")
    assert [(r.source(), round(r.share, 2)) for r in found] == [
        ("HTTPRoute shop/store rule 1", 0.1),
        ("HTTPRoute shop/store rule 2", 1.0),
    ]
    assert found[0].attached is True
    assert {(gw.name, listener) for gw, listener, _ in found[0].listeners} == {
        ("gw", "http"),
        ("gw", "https"),
    }
    assert routes_for_service(shop(), "shop", "nothing") == ()


def test_tls_targets_name_the_secret_and_every_intersected_hostname() -> None:
    (target,) = tls_targets(shop())
    assert (target.secret_namespace, target.secret_name) == ("infra", "wildcard-tls")
    assert target.hostnames == ("*.example.com", "shop.example.com")
    assert target.listener == (ObjectRef("Gateway", "infra", "gw"), "https") and target.usable
    broken = {t.listener[1]: t.usable for t in tls_targets(shop(broken=True), "infra", "edge")}
    assert broken == {"foreign-cert": False, "missing-cert": False, "tls-on-9000": True}


def test_listenerset_listeners_appear_under_their_gateway() -> None:
    links = gateway_chain(graph_of(*fixture("listenersets")), "infra", "shared")
    labels = [link.label for link in links]
    assert labels[1].endswith("from ListenerSet infra/extra")
    assert links[3].ok is False and "HostnameConflict" not in links[3].why


def test_a_backend_tls_policy_shows_on_the_service_port() -> None:
    policy = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "BackendTLSPolicy",
        "metadata": {"name": "api-tls", "namespace": "shop"},
        "spec": {
            "targetRefs": [{"group": "", "kind": "Service", "name": "api", "sectionName": "http"}],
            "validation": {"hostname": "api.shop.internal", "wellKnownCACertificates": "System"},
        },
    }
    graph = graph_of(*fixture("shop"), policy)
    (_, https) = gateway_chain(graph, "infra", "gw")
    port = https.children[0].children[1].children[0].children[0]
    assert "BackendTLSPolicy shop/api-tls, hostname api.shop.internal" in port.why
