"""The probe plan: which checks a diagnosis asks for, deduplicated, with stable keys."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from kubectl_discover.analyze.model import (
    Diagnosis,
    DnsExpectation,
    EndpointExpectation,
    NameForm,
    RouteExpectation,
)
from kubectl_discover.findings import Verdict
from kubectl_discover.probe.plan import (
    ConnectCheck,
    DnsCheck,
    ProbePlan,
    SkippedCheck,
    build_plan,
    connect_key,
    dns_key,
    probe_path,
)

FQDN = "web.shop.svc.cluster.local"


def dns(
    query: str, qtype: str = "A", fqdn: str = FQDN, form: NameForm = NameForm.SAME_NAMESPACE
) -> DnsExpectation:
    return DnsExpectation(
        query=query, qtype=qtype, form=form, fqdn=fqdn, exists=True, answers=(), why=""
    )


def endpoint(
    kind: str, address: str, port: int | None, protocol: str = "TCP", port_name: str = ""
) -> EndpointExpectation:
    return EndpointExpectation(
        kind=kind,
        address=address,
        port=port,
        protocol=protocol,
        target="",
        ready=True,
        why="",
        port_name=port_name,
    )


def route(
    host: str, path: str = "/", tls: str = "none", addresses: tuple[str, ...] = ("192.0.2.1",)
) -> RouteExpectation:
    return RouteExpectation(
        ingress="shop/web",
        host=host,
        path=path,
        path_type="Prefix",
        service="web",
        service_port="80",
        target_port="8080",
        ready_endpoints=1,
        tls=tls,
        verdict=Verdict.OK,
        why="",
        addresses=addresses,
    )


def diagnosis(**kwargs: Any) -> Diagnosis:
    return Diagnosis(
        subject_kind="Service",
        namespace="shop",
        name="web",
        kind="ClusterIP",
        findings=(),
        **kwargs,
    )


def test_short_name_is_probed_as_typed_and_as_absolute_fqdn() -> None:
    plan = build_plan([diagnosis(dns=(dns("web"),))])
    assert [c.name for c in plan.dns] == ["web", FQDN + "."]
    assert all(c.qtypes == ("A", "AAAA") and c.libc for c in plan.dns)
    assert [c.key for c in plan.dns] == [dns_key("web", "A"), dns_key(FQDN + ".", "AAAA")]


def test_fqdn_without_dot_still_walks_the_search_path_so_both_are_kept() -> None:
    plan = build_plan([diagnosis(dns=(dns(FQDN, form=NameForm.FQDN),))])
    assert [c.name for c in plan.dns] == [FQDN, FQDN + "."]


def test_checks_are_deduplicated_across_diagnoses_and_expectations() -> None:
    d = diagnosis(
        dns=(dns("web"), dns("web", "AAAA"), dns("web.shop")),
        endpoints=(endpoint("cluster-ip", "10.96.0.12", 80),),
    )
    plan = build_plan([d, d])
    keys = [c.key for c in plan.dns]
    assert len(keys) == len(set(keys)) == 3
    assert len(plan.connects) == 2  # tcp + http to the same ClusterIP, once


def test_srv_is_asked_as_srv_without_libc() -> None:
    plan = build_plan(
        [diagnosis(dns=(dns("_http._tcp.web", "SRV", "_http._tcp." + FQDN, NameForm.SRV),))]
    )
    assert {c.qtypes for c in plan.dns} == {("SRV",)}
    assert not any(c.libc for c in plan.dns)


def test_tcp_endpoint_gets_a_connect_and_http_port_a_get() -> None:
    plan = build_plan(
        [
            diagnosis(
                endpoints=(
                    endpoint("cluster-ip", "10.96.0.12", 80, port_name="http"),
                    endpoint("pod", "10.244.0.5", 5432),
                )
            )
        ]
    )
    schemes = {(c.host, c.port, c.scheme) for c in plan.connects}
    assert schemes == {
        ("10.96.0.12", 80, "tcp"),
        ("10.96.0.12", 80, "http"),
        ("10.244.0.5", 5432, "tcp"),
    }


def test_udp_is_reported_as_not_checkable() -> None:
    plan = build_plan([diagnosis(endpoints=(endpoint("cluster-ip", "10.96.0.10", 53, "UDP"),))])
    assert plan.connects == ()
    (skip,) = plan.skipped
    assert "UDP" in skip.reason and "10.96.0.10:53" in skip.subject


def test_ipv6_addresses_are_bracketed_in_keys() -> None:
    assert connect_key("tcp", "fd00::1", 80) == "tcp:[fd00::1]:80"


def test_external_name_follows_the_cname_target_and_tries_the_in_cluster_sni() -> None:
    d = dataclasses.replace(
        diagnosis(
            dns=(dns("api", "CNAME", "api.shop.svc.cluster.local"),),
            endpoints=(endpoint("external-name", "api.example.com", 443),),
        ),
        name="api",
        kind="ExternalName",
    )
    plan = build_plan([d])
    assert "api.example.com." in [c.name for c in plan.dns]
    snis = sorted(c.sni for c in plan.connects if c.scheme == "https")
    assert snis == ["api.example.com", "api.shop.svc.cluster.local"]


def test_tls_route_gets_sni_host_and_a_no_sni_handshake() -> None:
    plan = build_plan(
        [
            diagnosis(
                routes=(
                    route(
                        "shop.example.com", "/api", tls="ok", addresses=("192.0.2.1", "192.0.2.2")
                    ),
                )
            )
        ]
    )
    https = [c for c in plan.connects if c.scheme == "https"]
    assert len(https) == 4
    assert {c.host_header for c in https} == {"shop.example.com"}
    assert {c.sni for c in https} == {"shop.example.com", ""}
    assert {c.port for c in https} == {443} and {c.path for c in https} == {"/api"}


def test_plain_route_wildcard_and_catch_all_hosts() -> None:
    plan = build_plan([diagnosis(routes=(route("*.example.com"), route("")))])
    headers = sorted(c.host_header for c in plan.connects)
    assert headers == ["192.0.2.1", "kubectl-discover-probe.example.com"]
    assert {c.scheme for c in plan.connects} == {"http"}


def test_route_without_address_is_skipped_with_a_reason() -> None:
    plan = build_plan([diagnosis(routes=(route("a.example.com", addresses=()),))])
    assert plan.connects == ()
    assert "no status address" in plan.skipped[0].reason


@pytest.mark.parametrize(
    ("path", "expected"), [("", "/"), ("/api", "/api"), ("/app(/|$)(.*)", "/app"), ("x", "/x")]
)
def test_regex_paths_become_a_literal_request_path(path: str, expected: str) -> None:
    assert probe_path(path) == expected


def test_plan_survives_json_round_trip() -> None:
    plan = build_plan(
        [
            diagnosis(
                dns=(dns("web"),),
                endpoints=(
                    endpoint("node-port", "10.0.0.1", 30080),
                    endpoint("cluster-ip", "10.96.0.10", 53, "UDP"),
                ),
                routes=(route("h.example.com", tls="ok"),),
            )
        ],
        budget_seconds=10,
        check_timeout=2,
    )
    again = ProbePlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert isinstance(again.dns[0], DnsCheck) and isinstance(again.connects[0], ConnectCheck)
    assert isinstance(again.skipped[0], SkippedCheck)
    assert again.budget_seconds == 10 and again.check_timeout == 2


def test_check_timeout_never_exceeds_the_budget_and_both_must_be_positive() -> None:
    assert build_plan([], budget_seconds=1, check_timeout=5).check_timeout == 1
    assert build_plan([]).empty
    with pytest.raises(ValueError):
        build_plan([], budget_seconds=0)


def test_endpoint_without_an_address_is_not_dialled() -> None:
    plan = build_plan([diagnosis(endpoints=(endpoint("cluster-ip", "", 80),))])
    assert plan.connects == () and plan.skipped == ()


def test_short_names_of_other_namespaces_are_walked_with_that_search_path() -> None:
    from kubectl_discover.analyze.model import DnsExpectation, NameForm
    from kubectl_discover.probe.plan import dns_checks_for, dns_key

    row = DnsExpectation(
        query="web",
        qtype="A",
        form=NameForm.SAME_NAMESPACE,
        fqdn="web.other.svc.cluster.local",
        exists=False,
        answers=(),
        why="",
        client_namespace="other",
    )
    first, absolute_check = dns_checks_for(row)
    assert first.as_namespace == "other" and first.key == dns_key("web", "A", "other")
    assert first.key != dns_key("web", "A")
    assert absolute_check.as_namespace == "" and absolute_check.name.endswith(".")
    fqdn_row = DnsExpectation(
        query="web.shop.svc.cluster.local.",
        qtype="A",
        form=NameForm.FQDN,
        fqdn="web.shop.svc.cluster.local",
        exists=True,
        answers=(),
        why="",
        client_namespace="other",
    )
    assert all(c.as_namespace == "" for c in dns_checks_for(fqdn_row))
