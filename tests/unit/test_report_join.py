"""build_report joins each row to its expectation by key, never by position.

Each case runs a recorded probe result through ``explain`` and ``build_report``, with
the rows that used to shift a positional pairing: resolver rows before the DNS rows
(a NodeLocal DNSCache nameserver), a second Ingress address, the extra SNI row of an
ExternalName. Recordings are the probe program's JSON (see test_explain.py).
"""

from __future__ import annotations

from typing import Any

from test_explain import (
    connect_doc,
    diag,
    exp,
    recorded,
    result_of,
    route,
    step,
    walk,
)

from kubectl_discover.analyze.model import EndpointExpectation, RouteExpectation
from kubectl_discover.explain import explain
from kubectl_discover.probe.plan import ConnectCheck, endpoint_checks, route_checks
from kubectl_discover.report import build_report

VIP = "10.96.0.12"


def report(d: Any, doc: dict[str, Any], **context: str) -> dict[str, Any]:
    rows = explain(d, result_of(doc), **context)
    return build_report(d, rows, source="test")


def test_dns_rows_keep_their_own_observation_behind_a_nodelocal_nameserver() -> None:
    d = diag(
        dns=(
            exp("web", answers=(VIP,)),
            exp("db", exists=False, why="no Service db in shop"),
            exp("web.shop", answers=(VIP,)),
        )
    )
    doc = recorded()
    doc["resolver"]["nameservers"] = ["169.254.20.10"]
    doc["dns"] = [
        walk(
            "web",
            [step("web.shop.svc.cluster.local.", "A", "NOERROR", ("A", VIP))],
            "web.shop.svc.cluster.local.",
        ),
        walk(
            "db",
            [step(f"db.{s}.", "A", "NXDOMAIN") for s in doc["resolver"]["search"]]
            + [step("db.", "A", "NXDOMAIN")],
            None,
        ),
        walk(
            "web.shop",
            [
                step("web.shop.shop.svc.cluster.local.", "A", "NXDOMAIN"),
                step("web.shop.svc.cluster.local.", "A", "NOERROR", ("A", VIP)),
            ],
            "web.shop.svc.cluster.local.",
        ),
    ]
    document = report(d, doc, dns_service_ip="10.96.0.10", cluster_domain="cluster.local")
    by_query = {n["query"]: n for n in document["dnsNames"]}
    assert [n["query"] for n in document["dnsNames"]] == ["web", "db", "web.shop"]
    assert by_query["web"]["verdict"] == "ok"
    assert by_query["web"]["observed"] == f"A {VIP} (TTL 30s) via web.shop.svc.cluster.local."
    assert by_query["db"]["verdict"] == "fail"
    assert by_query["db"]["observed"] == "NXDOMAIN at all 4 candidates"
    assert by_query["web.shop"]["verdict"] == "ok"
    assert by_query["web.shop"]["observed"] == f"A {VIP} (TTL 30s) via web.shop.svc.cluster.local."
    (nameserver,) = document["observations"]
    assert nameserver["subject"] == "nameserver"
    assert nameserver["observed"] == "169.254.20.10"
    assert nameserver["verdict"] == "info"
    assert "for" not in nameserver
    assert document["verdict"] == "fail"


def _two_address_route() -> RouteExpectation:
    return RouteExpectation(
        **{**route().__dict__, "addresses": ("192.0.2.1", "192.0.2.2")},
    )


def test_a_route_with_two_addresses_does_not_shift_the_routes_after_it() -> None:
    first = _two_address_route()
    second = RouteExpectation(**{**route().__dict__, "path": "/cart"})
    doc = recorded()
    connects = []
    for r, per_address in (
        (first, {"192.0.2.1": "tls-sni", "192.0.2.2": "refused"}),
        (second, {"192.0.2.1": "tls-sni"}),
    ):
        for check in route_checks(r):
            if isinstance(check, ConnectCheck) and check.sni:
                connects.append(connect_doc(check, per_address[check.host]))
    doc["connects"] = connects
    document = report(diag(routes=(first, second)), doc)
    routes = document["routes"]
    assert [(r["path"], r["verdict"]) for r in routes] == [("/api", "ok"), ("/cart", "ok")]
    assert routes[1]["observed"].startswith("connected in")
    (other_address,) = document["observations"]
    assert other_address["subject"] == "shop.example.com/api via 192.0.2.2"
    assert other_address["for"] == first.key
    assert other_address["verdict"] == "fail"
    # the recording of a refused connection was made against a loopback server
    assert other_address["why"].startswith("cannot reach the controller: 127.0.0.1:")
    assert other_address["why"].endswith(
        "refused the connection: nothing listens there (no ready endpoint, or a wrong targetPort)"
    )
    assert document["verdict"] == "fail"


def test_the_sni_row_of_an_external_name_does_not_take_the_next_endpoint() -> None:
    https = EndpointExpectation(
        "external-name", "api.example.net", 443, "TCP", "CNAME api.example.net", None, ""
    )
    plain = EndpointExpectation(
        "external-name", "api.example.net", 8080, "TCP", "CNAME api.example.net", None, ""
    )
    fqdn = "api.shop.svc.cluster.local"
    d = diag(
        kind="ExternalName",
        name="api",
        endpoints=(https, plain),
        dns=(exp(f"{fqdn}.", qtype="CNAME", fqdn=fqdn),),
    )
    tcp, direct, in_cluster = [
        c for c in endpoint_checks(https, service_fqdn=fqdn) if isinstance(c, ConnectCheck)
    ]
    plain_tcp = next(
        c for c in endpoint_checks(plain, service_fqdn=fqdn) if isinstance(c, ConnectCheck)
    )
    doc = recorded()
    doc["connects"] = [
        {"key": tcp.key, "connect_ms": 1.0},
        connect_doc(direct, "tls-sni"),
        connect_doc(in_cluster, "tls-nosni"),
        connect_doc(plain_tcp, "refused"),
    ]
    document = report(d, doc)
    assert document["dnsNames"][0]["observed"] == "not probed"
    endpoints = document["endpoints"]
    assert [e["endpoint"] for e in endpoints] == [
        "api.example.net:443/TCP",
        "api.example.net:8080/TCP",
    ]
    assert endpoints[0]["verdict"] == "ok"
    assert endpoints[1]["verdict"] == "fail"
    assert endpoints[1]["observed"] == "connection refused"
    assert "refused the connection" in endpoints[1]["why"]
    (sni,) = document["observations"]
    assert sni["subject"] == f"https://{fqdn}"
    assert sni["for"] == https.key
    assert sni["verdict"] == "warn"
    assert "ExternalName only adds a CNAME" in sni["why"]
