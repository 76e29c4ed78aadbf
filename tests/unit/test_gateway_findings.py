"""Gateway API findings: ids, subjects, messages that name the object and the fix,
the ReferenceGrant YAML in hints, status comparisons, and the catalogue entry."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from gwhelp import fixture, graph_of, shop

from kubectl_discover.analyze.gateway import (
    all_findings,
    gateway_findings,
    listenerset_findings,
    match_request,
    parse_request,
    request_findings,
    route_findings,
)
from kubectl_discover.catalogue import AREA_TITLES, all_checks
from kubectl_discover.findings import Finding, Severity


def ids(findings: Iterable[Finding]) -> set[str]:
    return {f.id for f in findings}


def test_the_catalogue_has_the_gateway_area() -> None:
    assert AREA_TITLES["gateway"] == "Gateway API"
    gateway = [c for c in all_checks() if c.area == "gateway"]
    assert len(gateway) > 40
    assert all(c.id.startswith("gateway-") for c in gateway)


def test_a_healthy_shop_has_no_problem() -> None:
    findings = all_findings(shop())
    assert all(f.severity <= Severity.INFO for f in findings), [f.message for f in findings]


def test_gateway_findings() -> None:
    graph = shop(broken=True)
    assert ids(gateway_findings(graph, "infra", "orphan")) == {"gateway-class-missing"}
    edge = gateway_findings(graph, "infra", "edge")
    assert {
        "gateway-listener-tls-ref-not-permitted",
        "gateway-listener-tls-secret-missing",
        "gateway-listener-protocol-unsupported",
        "gateway-listener-route-kinds-invalid",
        "gateway-listener-conflicted",
    } <= ids(edge)
    grant = next(f for f in edge if f.id == "gateway-listener-tls-ref-not-permitted")
    assert "kind: ReferenceGrant" in grant.hint and "namespace: certs" in grant.hint
    assert "kind: Gateway" in grant.hint and "name: a-tls" in grant.hint


def test_route_findings_name_the_reason_and_the_fix() -> None:
    graph = shop(broken=True)
    wrong = route_findings(graph, "HTTPRoute", "shop", "wrong-section")
    assert ids(wrong) >= {"gateway-route-no-matching-parent"}
    assert "sectionName htps" in wrong[0].message and "http (port 80)" in wrong[0].message
    staging = route_findings(graph, "HTTPRoute", "staging", "unlabelled")
    not_allowed = next(f for f in staging if f.id == "gateway-route-not-allowed")
    assert "does not match from: Selector (gateway-access=true)" in not_allowed.message
    assert "kubernetes.io/metadata.name: staging" in not_allowed.hint
    bad = route_findings(graph, "HTTPRoute", "shop", "bad-backends")
    assert {
        "gateway-backend-not-found",
        "gateway-backend-ref-not-permitted",
        "gateway-backend-invalid-kind",
        "gateway-backend-port-unknown",
        "gateway-rule-no-backends",
        "gateway-rule-zero-weights",
    } <= ids(bad)
    grant = next(f for f in bad if f.id == "gateway-backend-ref-not-permitted")
    assert (
        "kind: HTTPRoute" in grant.hint
        and "namespace: data" in grant.hint
        and "name: db" in grant.hint
    )


def test_hostnames_no_listener_serves_are_reported() -> None:
    docs = copy.deepcopy(fixture("shop"))
    route = next(d for d in docs if d["kind"] == "HTTPRoute")
    route["spec"]["hostnames"].append("shop.example.org")
    found = route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    assert "gateway-route-hostname-ignored" in ids(found)


def test_status_the_controller_wrote_is_compared_with_the_prediction() -> None:
    docs = copy.deepcopy(fixture("shop"))
    route = next(d for d in docs if d["kind"] == "HTTPRoute")
    route["status"]["parents"][0]["conditions"][1] = {
        "type": "ResolvedRefs",
        "status": "False",
        "reason": "BackendNotFound",
        "message": "service web not found",
        "observedGeneration": 1,
    }
    found = route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    assert {"gateway-route-status-rejected", "gateway-route-status-disagrees"} <= ids(found)
    disagree = next(f for f in found if f.id == "gateway-route-status-disagrees")
    assert "the specification predicts True" in disagree.message and "stale" in disagree.message
    # offline, status is not compared
    assert "gateway-route-status-rejected" not in ids(
        route_findings(graph_of(*docs, live=False), "HTTPRoute", "shop", "store")
    )


def test_a_false_condition_with_another_spec_reason_is_a_disagreement() -> None:
    docs = copy.deepcopy(fixture("shop"))
    route = next(d for d in docs if d["kind"] == "HTTPRoute")
    route["spec"]["rules"][0]["backendRefs"][0]["name"] = "gone"
    cond = {"type": "ResolvedRefs", "status": "False", "observedGeneration": 2}
    route["status"]["parents"][0]["conditions"][1] = {**cond, "reason": "RefNotPermitted"}
    found = route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    disagree = [f.message for f in found if f.id == "gateway-route-status-disagrees"]
    assert disagree == [
        "Status of HTTPRoute shop/store for Gateway infra/gw sectionName https: ResolvedRefs is "
        "False (RefNotPermitted), the specification predicts False (BackendNotFound).",
        "Status of HTTPRoute shop/store for Gateway infra/gw sectionName http: ResolvedRefs is "
        "True (ResolvedRefs), the specification predicts False (BackendNotFound).",
    ]
    # the predicted reason as written, for both parents: no disagreement
    for parent in route["status"]["parents"]:
        parent["conditions"][1] = {**cond, "reason": "BackendNotFound"}
    found = route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    assert "gateway-route-status-disagrees" not in ids(found)
    # an implementation-specific reason is the controller's right ("may")
    for parent in route["status"]["parents"]:
        parent["conditions"][1] = {**cond, "reason": "ServiceMissing"}
    found = route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    assert "gateway-route-status-disagrees" not in ids(found)


def test_listener_conditions_are_compared_with_the_prediction() -> None:
    docs = copy.deepcopy(fixture("shop"))
    gateway = next(d for d in docs if d["kind"] == "Gateway")
    https = gateway["status"]["listeners"][1]
    # the controller says the certificate is missing, the Secret is there
    https["conditions"][1] = {
        "type": "ResolvedRefs",
        "status": "False",
        "reason": "InvalidCertificateRef",
    }
    # and it says the plain HTTP listener conflicts: nothing shares its port
    gateway["status"]["listeners"][0]["conditions"].append(
        {"type": "Conflicted", "status": "True", "reason": "ProtocolConflict"}
    )
    found = gateway_findings(graph_of(*docs), "infra", "gw")
    assert sorted(f.message for f in found if f.id == "gateway-status-disagrees") == [
        "Status of listener http (HTTP :80, any host): Conflicted is True (ProtocolConflict), "
        "the specification predicts False.",
        "Status of listener https (HTTPS :443, *.example.com): ResolvedRefs is False "
        "(InvalidCertificateRef), the specification predicts True (ResolvedRefs).",
    ]
    # the certificate Secret removed: the written status is now right
    docs = [d for d in docs if d["kind"] != "Secret"]
    gateway["status"]["listeners"][0]["conditions"].pop()
    found = gateway_findings(graph_of(*docs), "infra", "gw")
    assert "gateway-status-disagrees" not in ids(found)
    assert "gateway-listener-tls-secret-missing" in ids(found)


def test_missing_status_from_a_served_gateway() -> None:
    docs = copy.deepcopy(fixture("shop"))
    route = next(d for d in docs if d["kind"] == "HTTPRoute")
    del route["status"]
    assert "gateway-route-status-missing" in ids(
        route_findings(graph_of(*docs), "HTTPRoute", "shop", "store")
    )


def test_listenerset_findings() -> None:
    graph = graph_of(*fixture("listenersets"))
    found = listenerset_findings(graph, "team-a", "team-a")
    assert ids(found) == {"gateway-listenerset-not-allowed"}
    assert "from: None" not in found[0].message and "from: Same admits" in found[0].message
    route = route_findings(graph, "HTTPRoute", "team-a", "on-rejected-set")
    assert "gateway-route-parent-not-accepted" in ids(route)
    assert "gateway-listener-conflicted" in ids(gateway_findings(graph, "infra", "shared"))


def test_request_findings() -> None:
    graph = shop(broken=True)

    def found(url: str, *headers: str) -> list[str]:
        request = parse_request(url, headers=headers)
        return [f.id for f in request_findings(graph, request, match_request(graph, request))]

    assert found("https://shop.example.com/api") == ["gateway-url-routed"]
    assert found("http://bad.example.com/zzz") == ["gateway-url-no-match"]
    assert found("http://bad.example.com/nothing") == ["gateway-url-server-error"]
    assert found("http://bad.example.com/half") == ["gateway-url-partial-error"]
    assert found("https://nope.example.org/") == [
        "gateway-url-no-listener",
        "gateway-url-no-listener",
    ]
    assert found("http://shop.example.com:7777/") == ["gateway-url-no-gateway"]
    request = parse_request("http://bad.example.com/zzz")
    (miss,) = request_findings(graph, request, match_request(graph, request))
    assert "Closest: HTTPRoute shop/bad-backends" in miss.message


def test_a_kind_the_listener_refuses_gets_a_kinds_hint() -> None:
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
    route = {
        "kind": "HTTPRoute",
        "metadata": {"name": "r", "namespace": "shop"},
        "spec": {
            "parentRefs": [{"name": "g"}],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
        },
    }
    graph = graph_of(fixture("shop")[0], *fixture("shop")[3:6], gw, route)
    finding = next(
        f
        for f in route_findings(graph, "HTTPRoute", "shop", "r")
        if f.id == "gateway-route-not-allowed"
    )
    assert "{kind: HTTPRoute}" in finding.hint and "allowedRoutes.kinds" in finding.hint
