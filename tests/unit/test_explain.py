"""explain(): expectations joined with replayed probe observations.

``recorded-shop.json`` is a real run of the probe program against the loopback
DNS/HTTP/TLS servers of test_probe_program (resolver fields set to what a pod in
namespace ``shop`` has). Smaller synthetic observations use the program's JSON
shape directly, keyed with the plan's own key functions (the join contract).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.analyze.model import (
    Diagnosis,
    DnsExpectation,
    EndpointExpectation,
    NameForm,
    RouteExpectation,
)
from kubectl_discover.explain import NOT_PROBED, Row, RowVerdict, explain
from kubectl_discover.findings import Verdict
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.plan import ConnectCheck, dns_key, endpoint_checks, route_checks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probe"
RECORDED: dict[str, Any] = json.loads((FIXTURES / "recorded-shop.json").read_text())
FQDN = "web.shop.svc.cluster.local"


def recorded() -> dict[str, Any]:
    return copy.deepcopy(RECORDED)


def result_of(doc: dict[str, Any]) -> ProbeResult:
    return ProbeResult.from_json(json.loads(json.dumps(doc)))


def exp(
    query: str,
    *,
    exists: bool | None = True,
    answers: tuple[str, ...] = (),
    form: NameForm = NameForm.SAME_NAMESPACE,
    fqdn: str = FQDN,
    qtype: str = "A",
    why: str = "the cluster IP",
    causes: tuple[str, ...] = (),
    client: str = "shop",
) -> DnsExpectation:
    return DnsExpectation(
        query=query,
        qtype=qtype,
        form=form,
        fqdn=fqdn,
        exists=exists,
        answers=answers,
        why=why,
        client_namespace=client,
        causes=causes,
    )


def diag(kind: str = "ClusterIP", name: str = "web", **kwargs: Any) -> Diagnosis:
    return Diagnosis(
        subject_kind="Service", namespace="shop", name=name, kind=kind, findings=(), **kwargs
    )


RESOLVER_SUBJECTS = ("cluster domain", "nameserver", "probe budget", "resolv.conf")


def only(rows: tuple[Row, ...], section: str) -> Row:
    (row,) = [r for r in rows if r.section == section and r.subject not in RESOLVER_SUBJECTS]
    return row


def step(name: str, qtype: str, rcode: str, *answers: tuple[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "qtype": qtype,
        "rcode": rcode,
        "time_ms": 1.0,
        "error": None,
        "negative_ttl": 5 if rcode != "NOERROR" or not answers else None,
        "answers": [{"name": name, "type": t, "ttl": 30, "data": d} for t, d in answers],
    }


def walk(
    query: str, steps: list[dict[str, Any]], answered_by: str | None, **extra: Any
) -> dict[str, Any]:
    return {
        "key": dns_key(query, "A"),
        "name": query,
        "qtypes": ["A", "AAAA"],
        "steps": steps,
        "answered_by": answered_by,
        "chain": [],
        "libc": None,
        **extra,
    }


# ---------------------------------------------------------------- no probe


def test_without_a_result_every_row_is_not_probed_with_the_static_verdict() -> None:
    d = diag(
        dns=(
            exp("web"),
            exp("web-0.web", exists=False, form=NameForm.PER_POD),
            exp("x", exists=None),
        ),
        endpoints=(
            EndpointExpectation(
                "cluster-ip", "10.96.0.12", 80, "TCP", "pods", False, "no ready pods"
            ),
        ),
    )
    rows = explain(d, None)
    assert {r.observed for r in rows} == {NOT_PROBED}
    assert [r.verdict.value for r in rows] == ["ok", "fail", "unknown", "fail"]
    assert rows[-1].why == "no ready pods"


# ---------------------------------------------------------------- DNS from the recorded run


def test_confirmed_answer_is_ok_and_shows_the_address() -> None:
    row = only(
        explain(diag(dns=(exp("web", answers=("10.96.0.12",)),)), result_of(recorded())), "dns"
    )
    assert row.verdict is RowVerdict.OK
    assert "10.96.0.12" in row.observed
    assert row.observation is not None and row.observation["answered_by"] == FQDN + "."


def test_predicted_nxdomain_is_confirmed_with_the_static_cause() -> None:
    why = "StatefulSet web sets serviceName web; pods get subdomain web, not web-headless"
    e = exp(
        "web-0.web-headless",
        exists=False,
        form=NameForm.PER_POD,
        fqdn="web-0.web-headless." + "shop.svc.cluster.local",
        why=why,
        causes=("sts-service-name",),
    )
    row = only(
        explain(diag(kind="Headless", name="web-headless", dns=(e,)), result_of(recorded())), "dns"
    )
    assert row.verdict is RowVerdict.FAIL
    assert row.why.startswith("NXDOMAIN because StatefulSet web sets serviceName web")
    assert ("finding", "sts-service-name") in row.evidence
    assert any(k == "negative TTL" for k, _ in row.evidence)


def test_search_path_cost_names_the_cheaper_form() -> None:
    e = exp(
        "db.data",
        form=NameForm.OTHER_NAMESPACE,
        fqdn="db.data.svc.cluster.local",
        answers=("10.96.3.4",),
    )
    row = only(explain(diag(name="db", dns=(e,)), result_of(recorded())), "dns")
    assert row.verdict is RowVerdict.OK
    assert "4 queries (3 negative)" in row.why
    assert "'db.data.svc.cluster.local.' costs 2" in row.why
    assert "ndots:5" in row.why


def test_cname_of_an_external_name_is_compared_with_the_prediction() -> None:
    e = exp("api", qtype="CNAME", fqdn="api.shop.svc.cluster.local", answers=("api.example.net",))
    row = only(
        explain(diag(kind="ExternalName", name="api", dns=(e,)), result_of(recorded())), "dns"
    )
    assert row.verdict is RowVerdict.OK
    assert "api.example.net." in row.observed

    wrong = exp(
        "api", qtype="CNAME", fqdn="api.shop.svc.cluster.local", answers=("api.example.org",)
    )
    row = only(
        explain(diag(kind="ExternalName", name="api", dns=(wrong,)), result_of(recorded())), "dns"
    )
    assert row.verdict is RowVerdict.WARN and "api.example.org" in row.why


# ---------------------------------------------------------------- DNS disagreements (synthetic)


def test_per_pod_name_answered_for_a_non_headless_service_is_a_disagreement() -> None:
    doc = recorded()
    name = "web-0.web"
    doc["dns"] = [
        walk(
            name,
            [step(f"{name}.shop.svc.cluster.local.", "A", "NOERROR", ("A", "10.244.1.5"))],
            f"{name}.shop.svc.cluster.local.",
        )
    ]
    e = exp(
        name,
        exists=False,
        form=NameForm.PER_POD,
        fqdn=f"{name}.shop.svc.cluster.local",
        why="the Service is not headless",
    )
    row = only(explain(diag(dns=(e,)), result_of(doc)), "dns")
    assert row.verdict is RowVerdict.WARN
    assert "CoreDNS answers per-pod names for non-headless Services" in row.why


def test_fqdn_resolves_but_short_name_does_not_blames_the_search_path() -> None:
    doc = recorded()
    cands = ["web.other.svc.cluster.local.", "web.svc.cluster.local.", "web.cluster.local.", "web."]
    doc["dns"] = [
        walk("web", [step(c, t, "NXDOMAIN") for c in cands for t in ("A", "AAAA")], None),
        walk(FQDN + ".", [step(FQDN + ".", "A", "NOERROR", ("A", "10.96.0.12"))], FQDN + "."),
    ]
    doc["resolver"]["search"] = ["other.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    e = exp("web", client="other", form=NameForm.OTHER_NAMESPACE)
    rows = explain(diag(dns=(e,)), result_of(doc))
    row = only(rows, "dns")
    assert row.verdict is RowVerdict.FAIL
    assert "search path never completes 'web'" in row.why
    assert "web.other.svc.cluster.local." in row.why


def test_short_form_for_clients_in_another_namespace_is_not_judged_by_this_probe() -> None:
    row = only(explain(diag(dns=(exp("web", client="data"),)), result_of(recorded())), "dns")
    assert row.verdict is RowVerdict.INFO
    assert "--from a pod in data" in row.why


def test_answers_different_from_the_api_objects_are_a_warning() -> None:
    e = exp("web-headless", answers=("10.244.1.7",), fqdn="web-headless.shop.svc.cluster.local")
    doc = recorded()
    owner = "web-headless.shop.svc.cluster.local."
    doc["dns"] = [walk("web-headless", [step(owner, "A", "NOERROR", ("A", "10.244.1.5"))], owner)]
    row = only(explain(diag(kind="Headless", dns=(e,)), result_of(doc)), "dns")
    assert row.verdict is RowVerdict.WARN and "10.244.1.5" in row.why and "10.244.1.7" in row.why


def test_musl_would_stop_at_a_nodata_answer_that_glibc_searches_past() -> None:
    doc = recorded()
    doc["dns"] = [
        walk(
            "web",
            [
                step("web.shop.svc.cluster.local.", "A", "NOERROR"),
                step("web.shop.svc.cluster.local.", "AAAA", "NOERROR"),
                step("web.svc.cluster.local.", "A", "NOERROR", ("A", "10.96.0.12")),
            ],
            "web.svc.cluster.local.",
        )
    ]
    row = only(explain(diag(dns=(exp("web"),)), result_of(doc)), "dns")
    assert row.verdict is RowVerdict.WARN
    assert "musl" in row.why and "NODATA" in row.why


def test_libc_failure_while_dns_answers_is_a_warning() -> None:
    doc = recorded()
    owner = FQDN + "."
    doc["dns"] = [
        walk(
            "web",
            [step(owner, "A", "NOERROR", ("A", "10.96.0.12"))],
            owner,
            libc={"addresses": [], "error": "Name or service not known", "time_ms": 3},
        )
    ]
    row = only(explain(diag(dns=(exp("web"),)), result_of(doc)), "dns")
    assert row.verdict is RowVerdict.WARN and "getaddrinfo failed" in row.why


def test_unfinished_check_is_unknown() -> None:
    doc = recorded()
    doc["dns"] = [{"key": dns_key("web", "A"), "error": "budget exhausted", "incomplete": True}]
    doc["budget_exhausted"] = True
    rows = explain(diag(dns=(exp("web"),)), result_of(doc))
    assert only(rows, "dns").verdict.value == "unknown"
    assert any(r.subject == "probe budget" and r.verdict is RowVerdict.WARN for r in rows)


# ---------------------------------------------------------------- resolver rows


def test_resolver_rows_only_when_assumptions_differ() -> None:
    result = result_of(recorded())
    assert (
        explain(diag(), result, cluster_domain="cluster.local", dns_service_ip="10.96.0.10") == ()
    )
    rows = explain(diag(), result, cluster_domain="corp.local", dns_service_ip="10.96.0.53")
    by_subject = {r.subject: r for r in rows}
    assert by_subject["cluster domain"].verdict.value == "warn"
    assert by_subject["cluster domain"].observed == "cluster.local"
    assert "corp.local" in by_subject["cluster domain"].why
    assert (
        by_subject["nameserver"].verdict is RowVerdict.WARN
        and "10.96.0.53" in by_subject["nameserver"].why
    )


def test_nodelocal_dns_cache_is_information_not_a_warning() -> None:
    doc = recorded()
    doc["resolver"]["nameservers"] = ["169.254.20.10"]
    (row,) = explain(diag(), result_of(doc), dns_service_ip="10.96.0.10")
    assert row.verdict is RowVerdict.INFO and "NodeLocal" in row.why


def test_pod_without_cluster_search_entries_is_flagged() -> None:
    doc = recorded()
    doc["resolver"]["search"] = ["corp.example"]
    (row,) = explain(diag(), result_of(doc), cluster_domain="cluster.local")
    assert row.verdict is RowVerdict.WARN and "hostNetwork" in row.why


# ---------------------------------------------------------------- endpoints


def connect_doc(check: ConnectCheck, source: str | None = None, **fields: Any) -> dict[str, Any]:
    base = next(c for c in RECORDED["connects"] if c["key"] == source) if source else {}
    return {**copy.deepcopy(base), **fields, "key": check.key}


def test_refused_endpoint_predicted_ready_fails_with_a_cause() -> None:
    e = EndpointExpectation(
        "cluster-ip", "10.96.0.12", 5432, "TCP", "pods db-0 :5432", True, "1 ready endpoint"
    )
    (check,) = endpoint_checks(e)
    assert isinstance(check, ConnectCheck)
    doc = recorded()
    doc["connects"] = [connect_doc(check, "refused")]
    row = only(explain(diag(endpoints=(e,)), result_of(doc)), "endpoints")
    assert row.subject == "10.96.0.12:5432/TCP"
    assert row.verdict is RowVerdict.FAIL
    assert row.observed == "connection refused"
    assert "refused the connection: nothing listens there" in row.why and "targetPort" in row.why


def test_endpoint_answering_against_the_prediction_is_a_warning() -> None:
    e = EndpointExpectation(
        "cluster-ip", "10.96.0.12", 5432, "TCP", "none", False, "no ready endpoints"
    )
    (check,) = endpoint_checks(e)
    assert isinstance(check, ConnectCheck)
    doc = recorded()
    doc["connects"] = [{"key": check.key, "connect_ms": 0.4, "error": None}]
    row = only(explain(diag(endpoints=(e,)), result_of(doc)), "endpoints")
    assert row.verdict is RowVerdict.WARN and "predicted none" in row.why


def test_udp_endpoint_is_not_checkable() -> None:
    e = EndpointExpectation("cluster-ip", "10.96.0.10", 53, "UDP", "coredns", True, "")
    row = only(explain(diag(endpoints=(e,)), result_of(recorded())), "endpoints")
    assert row.verdict is RowVerdict.INFO and row.observed == "not checkable"


def test_external_name_over_https_shows_the_certificate_a_client_gets() -> None:
    e = EndpointExpectation(
        "external-name", "api.example.net", 443, "TCP", "CNAME api.example.net", None, ""
    )
    d = diag(
        kind="ExternalName",
        name="api",
        endpoints=(e,),
        dns=(exp("api.shop.svc.cluster.local.", qtype="CNAME", fqdn="api.shop.svc.cluster.local"),),
    )
    checks = [
        c
        for c in endpoint_checks(e, service_fqdn="api.shop.svc.cluster.local")
        if isinstance(c, ConnectCheck)
    ]
    tcp, direct, in_cluster = checks
    doc = recorded()
    doc["connects"] = [
        {"key": tcp.key, "connect_ms": 1.0},
        connect_doc(direct, "tls-sni"),
        connect_doc(in_cluster, "tls-nosni"),
    ]
    rows = [r for r in explain(d, result_of(doc)) if r.section == "endpoints"]
    assert rows[0].verdict.value == "ok"
    sni_row = rows[1]
    assert sni_row.subject == "https://api.shop.svc.cluster.local"
    assert sni_row.verdict is RowVerdict.WARN and "ExternalName only adds a CNAME" in sni_row.why


# ---------------------------------------------------------------- routes


def route(
    host: str = "shop.example.com", tls: str = "ok", verdict: Verdict = Verdict.OK
) -> RouteExpectation:
    return RouteExpectation(
        ingress="shop/web",
        host=host,
        path="/api",
        path_type="Prefix",
        service="web",
        service_port="80",
        target_port="8080",
        ready_endpoints=1,
        tls=tls,
        verdict=verdict,
        why="rule shop.example.com/api -> web:80",
        addresses=("192.0.2.1",),
    )


def route_doc(r: RouteExpectation, with_sni: str, without_sni: str | None) -> ProbeResult:
    checks = [c for c in route_checks(r) if isinstance(c, ConnectCheck)]
    doc = recorded()
    doc["connects"] = [connect_doc(checks[0], with_sni)]
    if without_sni and len(checks) > 1:
        doc["connects"].append(connect_doc(checks[1], without_sni))
    return result_of(doc)


def test_route_with_the_right_certificate_is_ok_and_notes_the_no_sni_fallback() -> None:
    r = route()
    row = only(explain(diag(routes=(r,)), route_doc(r, "tls-sni", "tls-nosni")), "routes")
    assert row.verdict is RowVerdict.OK
    assert "send no SNI" in row.why and "Fake Certificate" in row.why
    assert dict(row.evidence)["SANs"] == "shop.example.com, www.example.com"


def test_fallback_certificate_fails_the_route_with_the_static_tls_cause() -> None:
    r = route(tls="secret web-tls missing")
    row = only(explain(diag(routes=(r,)), route_doc(r, "tls-nosni", None)), "routes")
    assert row.verdict is RowVerdict.FAIL
    assert "fallback certificate" in row.why and "secret web-tls missing" in row.why


def test_certificate_for_another_host_fails() -> None:
    r = route(host="other.example.com")
    row = only(explain(diag(routes=(r,)), route_doc(r, "tls-sni", None)), "routes")
    assert row.verdict is RowVerdict.FAIL and "not other.example.com" in row.why


def test_404_from_the_controller_names_host_and_path() -> None:
    r = route(tls="none")
    row = only(explain(diag(routes=(r,)), route_doc(r, "http-404", None)), "routes")
    assert row.verdict is RowVerdict.FAIL
    assert "no rule matched Host shop.example.com" in row.why


def test_route_predicted_to_fail_but_answering_is_a_disagreement() -> None:
    r = route(verdict=Verdict.FAIL)
    row = only(explain(diag(routes=(r,)), route_doc(r, "tls-sni", None)), "routes")
    assert row.verdict is RowVerdict.WARN and "predicted failure" in row.why


@pytest.mark.parametrize("section", ["dns", "endpoints", "routes"])
def test_rows_carry_raw_observations_for_json(section: str) -> None:
    r = route()
    e = EndpointExpectation("cluster-ip", "10.96.0.12", 5432, "TCP", "", True, "")
    doc = result_of(recorded())
    rows = explain(
        diag(dns=(exp("web"),), endpoints=(e,), routes=(r,)), route_doc(r, "tls-sni", None)
    )
    assert doc.dns  # the recording is not empty
    for row in rows:
        if row.section == section and row.observed != NOT_PROBED:
            assert row.observation is not None
            json.dumps(row.observation)


def test_mixed_negative_outcomes_are_listed_per_candidate_without_a_musl_note() -> None:
    """Seen live: the in-zone candidates are NXDOMAIN, the bare name SERVFAILs (no upstream)."""
    doc = recorded()
    cands = [f"nope.{s}." for s in ("shop.svc.cluster.local", "svc.cluster.local", "cluster.local")]
    steps = [step(c, t, "NXDOMAIN") for c in cands for t in ("A", "AAAA")]
    steps += [step("nope.", t, "SERVFAIL") for t in ("A", "AAAA")]
    doc["dns"] = [walk("nope", steps, None)]
    row = only(explain(diag(dns=(exp("nope"),)), result_of(doc)), "dns")
    assert row.verdict is RowVerdict.FAIL
    assert "nope.shop.svc.cluster.local. NXDOMAIN" in row.observed
    assert "nope. SERVFAIL" in row.observed
    assert "musl" not in row.why


def test_absent_name_is_only_as_bad_as_the_findings_that_explain_it() -> None:
    from kubectl_discover.analyze.model import Diagnosis, DnsExpectation, NameForm
    from kubectl_discover.explain import explain
    from kubectl_discover.findings import Check, Severity
    from kubectl_discover.probe.observations import ProbeResult

    note = Check("note-x", Severity.INFO, "t", "m", "f")
    broken = Check("broken-x", Severity.FAIL, "t", "m", "f")

    def row(cause: str, query: str) -> DnsExpectation:
        return DnsExpectation(
            query=query,
            qtype="A",
            form=NameForm.PER_POD,
            fqdn=query,
            exists=False,
            answers=(),
            why="because",
            causes=(cause,),
        )

    diagnosis = Diagnosis(
        subject_kind="Service",
        namespace="shop",
        name="web",
        kind="Headless",
        findings=(note("s", "m"), broken("s", "m")),
        dns=(
            row("note-x", "a.web.shop.svc.cluster.local."),
            row("broken-x", "b.web.shop.svc.cluster.local."),
        ),
    )
    observed = {
        "resolver": {"nameservers": ["10.96.0.10"], "search": [], "ndots": 5},
        "dns": [
            {
                "key": f"dns:addr:{q}",
                "name": q,
                "qtypes": ["A", "AAAA"],
                "candidates": [q],
                "steps": [{"name": q, "qtype": "A", "rcode": "NXDOMAIN", "answers": [], "ms": 1}],
                "answered_by": None,
            }
            for q in ("a.web.shop.svc.cluster.local.", "b.web.shop.svc.cluster.local.")
        ],
        "connect": [],
    }
    rows = {r.subject: r.verdict.value for r in explain(diagnosis, ProbeResult.from_json(observed))}
    assert rows["a.web.shop.svc.cluster.local."] == "info"
    assert rows["b.web.shop.svc.cluster.local."] == "fail"


@pytest.mark.parametrize(
    ("error", "observed", "why"),
    [
        (
            "OSError: [Errno 101] Network is unreachable: OSError: [Errno 101] Network is "
            "unreachable",
            "no route to 198.51.100.7",
            "no route from the probe pod to 198.51.100.7: the pod's network has no route to "
            "that address",
        ),
        (
            "timeout",
            "timed out",
            "no answer from 198.51.100.7:443 before the timeout: packets are dropped (a "
            "NetworkPolicy, internalTrafficPolicy/externalTrafficPolicy Local without a local "
            "endpoint, or a firewall)",
        ),
        (
            "OSError: [Errno 113] No route to host",
            "no route to host 198.51.100.7",
            "198.51.100.7 is unreachable from the probe pod",
        ),
    ],
)
def test_network_errors_are_said_once_in_plain_words(error: str, observed: str, why: str) -> None:
    e = EndpointExpectation("external-ip", "198.51.100.7", 443, "TCP", "pods", True, "ready")
    (check,) = [c for c in endpoint_checks(e) if isinstance(c, ConnectCheck)][:1]
    doc = recorded()
    doc["connects"] = [{"key": check.key, "host": "198.51.100.7", "port": 443, "error": error}]
    row = only(explain(diag(endpoints=(e,)), result_of(doc)), "endpoints")
    assert row.verdict is RowVerdict.FAIL
    assert row.observed == observed
    assert row.why.startswith(why)
    assert "OSError" not in row.why and row.why.count("unreachable") <= 1


def test_nxdomain_for_a_young_service_names_the_negative_cache() -> None:
    """The probe sees NXDOMAIN for a Service created less than the Corefile's denial TTL ago
    (finding dns-negative-cache): the row says it may be a cached NXDOMAIN."""
    from kubectl_discover.analyze.clusterdns import NEGATIVE_CACHE
    from kubectl_discover.refs import service_ref

    doc = recorded()
    doc["dns"] = [walk(FQDN + ".", [step(FQDN + ".", "A", "NXDOMAIN")], None)]
    note = NEGATIVE_CACHE(
        service_ref("shop", "web"),
        "Service shop/web was created 12s ago, less than the NXDOMAIN cache TTL of 30s",
        evidence=(("name", FQDN + "."), ("age_seconds", "12"), ("denial_ttl", "30")),
    )
    e = exp(FQDN + ".", form=NameForm.FQDN, client="")
    diagnosis = Diagnosis(
        subject_kind="Service", namespace="shop", name="web", kind="ClusterIP",
        findings=(note,), dns=(e,),
    )  # fmt: skip
    row = only(explain(diagnosis, result_of(doc)), "dns")
    assert row.verdict is RowVerdict.FAIL
    assert row.why == (
        "predicted to resolve (the cluster IP) but the DNS server answered NXDOMAIN; possibly a "
        "cached NXDOMAIN: Service shop/web was created 12s ago, less than the NXDOMAIN cache TTL "
        "of 30s"
    )
