"""Ingress analysis: class resolution, spec validation, backends, endpoints, status, nginx.

Fixtures live in tests/fixtures/ingress: shop.yaml is a healthy ingress-nginx setup,
broken.yaml adds one broken Ingress per problem, gke.yaml a GKE (ingress-gce) one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from certs import NOW, fixture, index_of, leaf, tls_secret

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingresses import (
    analyze_ingress,
    diagnose_ingress,
    routes_for_service,
    summarize_ingresses,
)
from kubectl_discover.analyze.ingresspaths import host_problem, nginx_strict_path_ok, path_problem
from kubectl_discover.errors import NotFoundError
from kubectl_discover.findings import Finding, Severity, Verdict
from kubectl_discover.snapshot import Unavailable

Doc = dict[str, Any]


def shop(*extra: Doc, live: bool = True, broken: bool = False, **kw: Any) -> Index:
    docs = [*fixture("shop"), *(fixture("broken") if broken else ())]
    secret = tls_secret("web-tls", "shop", leaf("shop.example.com"))
    return index_of(*docs, secret, *extra, live=live, **kw)


def by_id(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.id, []).append(finding)
    return grouped


def diag_findings(index: Index, name: str) -> dict[str, list[Finding]]:
    return by_id(diagnose_ingress(index, "shop", name, now=NOW).findings)


def ingress(name: str, **spec: Any) -> Doc:
    base: Doc = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "rules": [
                {
                    "host": "x.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.net"}]}},
    }
    annotations = spec.pop("annotations", None)
    if annotations:
        base["metadata"]["annotations"] = annotations
    base["spec"].update(spec)
    return base


def ingress_class(
    name: str, *, default: bool = False, created: str = "", controller: str = "k8s.io/ingress-nginx"
) -> Doc:
    meta: Doc = {"name": name}
    if default:
        meta["annotations"] = {"ingressclass.kubernetes.io/is-default-class": "true"}
    if created:
        meta["creationTimestamp"] = created
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": meta,
        "spec": {"controller": controller},
    }


def without_classes(docs: Iterable[Doc]) -> list[Doc]:
    return [d for d in docs if d["kind"] != "IngressClass"]


def plain_shop(*extra: Doc, live: bool = True, **kw: Any) -> Index:
    """shop.yaml without its IngressClass, plus ``extra``."""
    return index_of(*without_classes(fixture("shop")), *extra, live=live, **kw)


# ---------------------------------------------------------------- healthy


def test_healthy_ingress_has_ok_verdict_routes_and_chain() -> None:
    diagnosis = diagnose_ingress(shop(), "shop", "web", now=NOW)
    assert (diagnosis.subject_kind, diagnosis.kind) == ("Ingress", "Ingress")
    assert diagnosis.findings == ()
    assert diagnosis.verdict is Verdict.OK
    root, api = diagnosis.routes
    assert (root.host, root.path, root.path_type) == ("shop.example.com", "/", "Prefix")
    assert (root.service, root.service_port, root.target_port) == ("web", "http (80)", "8080")
    # one endpoint ready: true, one with no ready condition (= ready), one ready: false
    assert root.ready_endpoints == 2
    assert root.tls == "ok" and root.addresses == ("203.0.113.10",)
    assert api.path_type == "Exact" and api.service_port == "http (80)"
    assert dict(diagnosis.facts)["address"] == "203.0.113.10"
    assert "k8s.io/ingress-nginx" in dict(diagnosis.facts)["controller"]
    chain = diagnosis.chain[0]
    assert chain.ok is True
    service_link = chain.children[0]
    assert "targetPort 8080" in service_link.label and service_link.ok is True
    slice_link = service_link.children[0]
    assert slice_link.label == "EndpointSlice web-abc12" and "2/3" in slice_link.why
    pods = {link.label.split()[0]: link.ok for link in slice_link.children}
    assert pods == {"pod/web-7d9f-a": True, "pod/web-7d9f-b": True, "pod/web-7d9f-c": False}


def test_unknown_ingress_raises_not_found() -> None:
    with pytest.raises(NotFoundError):
        diagnose_ingress(shop(), "shop", "nope", now=NOW)


# ---------------------------------------------------------------- class resolution


def test_no_class_and_no_default_fails() -> None:
    found = by_id(
        analyze_ingress(plain_shop(ingress_class("nginx")), ingress("x"), now=NOW).findings
    )
    finding = found["ingress-class-none"][0]
    assert finding.severity is Severity.FAIL and "nginx" in finding.hint


def test_no_class_live_with_a_default_warns_because_admission_only_defaults_on_create() -> None:
    index = plain_shop(ingress_class("nginx", default=True))
    finding = by_id(analyze_ingress(index, ingress("x"), now=NOW).findings)["ingress-class-none"][0]
    assert finding.severity is Severity.WARN and "created" in finding.message


def test_no_class_offline_takes_the_default_class() -> None:
    index = plain_shop(ingress_class("nginx", default=True), live=False)
    analysis = analyze_ingress(index, ingress("x"), now=NOW)
    assert (analysis.resolution.name, analysis.resolution.source) == ("nginx", "default")
    assert "ingress-class-none" not in by_id(analysis.findings)


def test_several_defaults_warn_and_the_newest_wins() -> None:
    index = plain_shop(
        ingress_class("old", default=True, created="2023-01-01T00:00:00Z"),
        ingress_class(
            "new", default=True, created="2024-06-01T00:00:00Z", controller="example.com/other"
        ),
        live=False,
    )
    analysis = analyze_ingress(index, ingress("x"), now=NOW)
    finding = by_id(analysis.findings)["ingress-class-multiple-defaults"][0]
    assert "newest, new" in finding.message and "example.com/other" in finding.message
    assert analysis.resolution.name == "new"


def test_class_name_without_ingressclass_object_fails_and_lists_existing() -> None:
    index = shop()
    found = by_id(analyze_ingress(index, ingress("x", ingressClassName="ngnix"), now=NOW).findings)
    finding = found["ingress-class-not-found"][0]
    assert finding.severity is Severity.FAIL and "'ngnix'" in finding.message
    assert "nginx" in finding.hint


def test_annotation_is_deprecated_and_resolves_to_nginx() -> None:
    doc = ingress("x", annotations={"kubernetes.io/ingress.class": "nginx"})
    analysis = analyze_ingress(plain_shop(ingress_class("other")), doc, now=NOW)
    finding = by_id(analysis.findings)["ingress-class-annotation-deprecated"][0]
    assert finding.severity is Severity.INFO and "spec.ingressClassName" in finding.hint
    assert analysis.resolution.is_nginx


@pytest.mark.parametrize(("live", "severity"), [(False, Severity.FAIL), (True, Severity.WARN)])
def test_annotation_and_field_disagreeing(live: bool, severity: Severity) -> None:
    doc = ingress(
        "x", ingressClassName="nginx", annotations={"kubernetes.io/ingress.class": "traefik"}
    )
    finding = by_id(analyze_ingress(shop(live=live), doc, now=NOW).findings)[
        "ingress-class-conflict"
    ][0]
    assert finding.severity is severity and "'traefik'" in finding.message


def test_unreadable_ingressclasses_skip_class_checks_with_the_verb() -> None:
    gap = Unavailable("ingressclasses", "list", "", "forbidden")
    index = plain_shop(unavailable=(gap,))
    found = by_id(analyze_ingress(index, ingress("x", ingressClassName="nginx"), now=NOW).findings)
    assert "ingress-class-not-found" not in found
    assert "cannot list ingressclasses cluster-wide" in found["ingress-class-skipped"][0].message


def test_offline_files_without_any_ingressclass_skip_instead_of_failing() -> None:
    found = by_id(analyze_ingress(plain_shop(live=False), ingress("x"), now=NOW).findings)
    assert "ingress-class-none" not in found and "ingress-class-skipped" in found


# ---------------------------------------------------------------- spec validation


def test_invalid_ingress_reports_what_the_api_rejects() -> None:
    found = diag_findings(shop(broken=True), "invalid")
    hosts = {dict(f.evidence)["host"] for f in found["ingress-host-invalid"]}
    assert hosts == {"10.0.0.1", "shop.example.com:8080", "*"}
    assert len(found["ingress-path-type-missing"]) == 1
    paths = {dict(f.evidence)["path"] for f in found["ingress-path-invalid"]}
    assert paths == {"api", "/a//b", "/x/..", "api(/|$)(.*)", "/odd"}
    backend = " ".join(f.message for f in found["ingress-backend-invalid"])
    assert "both port.number and port.name" in backend and "longer than 15" in backend
    strict = found["ingress-nginx-strict-path"]
    assert [dict(f.evidence)["path"] for f in strict] == ["/v1.0"]
    assert all(f.severity is Severity.FAIL for f in found["ingress-path-invalid"])


def test_ingress_without_rules_or_default_backend_fails() -> None:
    assert "ingress-no-rules" in diag_findings(shop(broken=True), "empty-spec")


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("shop.example.com", True),
        ("*.example.com", True),
        ("*", False),
        ("a.*.example.com", False),
        ("10.0.0.1", False),
        ("::1", False),
        ("shop.example.com:443", False),
        ("Shop.Example.com", False),
        ("-bad.example.com", False),
    ],
)
def test_host_problem(host: str, ok: bool) -> None:
    assert (host_problem(host) == "") is ok


@pytest.mark.parametrize(
    ("path", "path_type", "ok"),
    [
        ("/", "Prefix", True),
        ("/foo/bar", "Exact", True),
        ("foo", "Prefix", False),
        ("/foo//bar", "Prefix", False),
        ("/foo/./bar", "Exact", False),
        ("/foo/../bar", "Prefix", False),
        ("/foo%2fbar", "Prefix", False),
        ("/foo%2Fbar", "Exact", False),
        ("/foo/..", "Prefix", False),
        ("/foo/.", "Exact", False),
        ("/foo.", "Exact", True),
        ("", "ImplementationSpecific", True),
        ("/api(/|$)(.*)", "ImplementationSpecific", True),
        ("api", "ImplementationSpecific", False),
        ("/foo", "Regex", False),
    ],
)
def test_path_problem(path: str, path_type: str, ok: bool) -> None:
    assert (path_problem(path, path_type) == "") is ok


@pytest.mark.parametrize(
    ("path", "ok"),
    [("/api/v1_x-y", True), ("/", True), ("/v1.0", False), ("/a b", False), ("/~u", False)],
)
def test_nginx_strict_path(path: str, ok: bool) -> None:
    assert nginx_strict_path_ok(path) is ok


# ---------------------------------------------------------------- backends


def test_backend_service_in_other_namespace_names_it_and_the_externalname_workaround() -> None:
    finding = diag_findings(shop(broken=True), "missing-svc")["ingress-backend-service-missing"][0]
    assert finding.severity is Severity.FAIL
    assert "shop/api" in finding.message and "app/api" in finding.message
    assert "ExternalName" in finding.hint and "api.app.svc.cluster.local" in finding.hint


def test_backend_port_checks_on_ingress_nginx() -> None:
    diagnosis = diagnose_ingress(shop(broken=True), "shop", "ports", now=NOW)
    found = by_id(diagnosis.findings)
    numbers = {
        dict(f.evidence)["port.number"]: f for f in found["ingress-backend-port-number-unknown"]
    }
    # 8080 is web's targetPort: ingress-nginx tolerates it, so only a warning here.
    assert numbers["8080"].severity is Severity.WARN
    assert "targetPort" in numbers["8080"].message and "port.number: 80" in numbers["8080"].hint
    assert numbers["81"].severity is Severity.FAIL and "80" in numbers["81"].hint
    assert found["ingress-backend-port-name-unknown"][0].severity is Severity.FAIL
    routes = {r.path: r for r in diagnosis.routes}
    assert routes["/target"].verdict is Verdict.WARN and routes["/target"].target_port == "8080"
    assert routes["/wrong"].verdict is Verdict.FAIL and routes["/wrong"].ready_endpoints is None


def test_target_port_reference_fails_on_other_controllers() -> None:
    other = ingress_class("traefik", controller="traefik.io/ingress-controller")
    doc = ingress("x", ingressClassName="traefik")
    doc["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 8080}
    finding = by_id(analyze_ingress(shop(other), doc, now=NOW).findings)[
        "ingress-backend-port-number-unknown"
    ][0]
    assert finding.severity is Severity.FAIL and "only ingress-nginx" in finding.message


def test_named_target_port_reference_is_tolerated_by_nginx_only() -> None:
    doc = ingress("x", ingressClassName="nginx")
    doc["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"name": "admin"}
    assert "ingress-backend-port-name-unknown" not in by_id(
        analyze_ingress(shop(), doc, now=NOW).findings
    )


def test_backend_without_ready_endpoints_fails_with_the_reason() -> None:
    found = diag_findings(shop(broken=True), "ports")
    finding = found["ingress-backend-no-endpoints"][0]
    assert finding.severity is Severity.FAIL
    assert "shop/empty" in finding.message and "app=nothing-has-this" in finding.message
    assert "503" in finding.message


def test_all_endpoints_not_ready_is_no_endpoints() -> None:
    docs = copy.deepcopy(fixture("shop"))
    for doc in docs:
        if doc["kind"] == "EndpointSlice":
            for endpoint in doc["endpoints"]:
                endpoint["conditions"] = {"ready": False}
    index = index_of(*docs, tls_secret("web-tls", "shop", leaf("shop.example.com")))
    diagnosis = diagnose_ingress(index, "shop", "web", now=NOW)
    assert "not ready" in by_id(diagnosis.findings)["ingress-backend-no-endpoints"][0].message
    assert diagnosis.routes[0].ready_endpoints == 0 and diagnosis.routes[0].verdict is Verdict.FAIL


def test_dual_stack_pod_in_two_slices_counts_once() -> None:
    docs = copy.deepcopy(fixture("shop"))
    (v4,) = [d for d in docs if d["kind"] == "EndpointSlice"]
    v6 = copy.deepcopy(v4)
    v6["metadata"]["name"] = "web-v6"
    v6["addressType"] = "IPv6"
    for i, endpoint in enumerate(v6["endpoints"]):
        endpoint["addresses"] = [f"fd00::{i + 5}"]
    index = index_of(*docs, v6, tls_secret("web-tls", "shop", leaf("shop.example.com")))
    diagnosis = diagnose_ingress(index, "shop", "web", now=NOW)
    assert diagnosis.routes[0].ready_endpoints == 2
    assert len(diagnosis.chain[0].children[0].children) == 2


def test_unreadable_endpointslices_skip_the_count() -> None:
    gap = Unavailable("endpointslices", "list", "shop", "forbidden")
    diagnosis = diagnose_ingress(shop(unavailable=(gap,)), "shop", "web", now=NOW)
    assert "ingress-backend-endpoints-skipped" in by_id(diagnosis.findings)
    assert diagnosis.routes[0].ready_endpoints is None


def test_external_name_backend_warns_about_host_header_and_ignores_target_port() -> None:
    finding = diag_findings(shop(broken=True), "ports")["ingress-backend-external-name"][0]
    assert finding.severity is Severity.WARN
    assert "payments.example.net:443" in finding.message and "upstream-vhost" in finding.hint


def test_resource_backend_is_noted() -> None:
    finding = diag_findings(shop(broken=True), "ports")["ingress-backend-resource"][0]
    assert finding.severity is Severity.INFO and "StorageBucket" in finding.message


def test_gke_clusterip_backend_without_neg_fails_live_and_neg_is_fine() -> None:
    diagnosis = diagnose_ingress(index_of(*fixture("gke")), "shop", "site", now=NOW)
    found = by_id(diagnosis.findings)["ingress-gce-clusterip-backend"]
    assert [dict(f.evidence)["service"] for f in found] == ["shop/site"]
    assert found[0].severity is Severity.FAIL and "NodePort" in found[0].hint
    assert "k8s.io/ingress-gce" in dict(diagnosis.facts)["controller"]


def test_offline_gke_warns_and_endpoints_are_predicted_from_the_deployment() -> None:
    diagnosis = diagnose_ingress(index_of(*fixture("gke"), live=False), "shop", "site", now=NOW)
    found = by_id(diagnosis.findings)
    assert found["ingress-gce-clusterip-backend"][0].severity is Severity.WARN
    assert "ingress-status-unknown" in found
    assert diagnosis.routes[0].ready_endpoints == 3
    assert diagnosis.chain[0].children[0].children[0].label == "Deployment site"


def test_offline_selector_matching_nothing_warns() -> None:
    index = shop(live=False, broken=True)
    finding = diag_findings(index, "ports")["ingress-backend-no-endpoints"][0]
    assert finding.severity is Severity.WARN and "in the files" in finding.message


# ---------------------------------------------------------------- status


def test_live_ingress_without_address_warns_and_its_routes_too() -> None:
    finding = diag_findings(shop(broken=True), "pending")["ingress-no-address"][0]
    assert finding.severity is Severity.WARN and "LoadBalancer" in finding.message
    (row,) = diagnose_ingress(shop(broken=True), "shop", "pending", now=NOW).routes
    assert row.verdict is Verdict.WARN and "status.loadBalancer" in row.why


def test_no_address_because_no_controller_claims_it() -> None:
    doc = ingress("x")
    doc.pop("status")
    found = by_id(analyze_ingress(plain_shop(), doc, now=NOW).findings)
    assert "no controller claimed it" in found["ingress-no-address"][0].message


def test_offline_status_written_in_the_file_is_shown_not_unknown() -> None:
    diagnosis = diagnose_ingress(shop(live=False), "shop", "web", now=NOW)
    assert "ingress-status-unknown" not in by_id(diagnosis.findings)
    assert dict(diagnosis.facts)["address"] == "203.0.113.10"
    assert diagnosis.routes[0].addresses == ("203.0.113.10",)


def test_default_backend_route_row() -> None:
    diagnosis = diagnose_ingress(shop(broken=True), "shop", "pending", now=NOW)
    (row,) = diagnosis.routes
    assert (row.host, row.path, row.path_type, row.service) == ("", "", "defaultBackend", "web")
    assert row.tls == "none" and row.ready_endpoints == 2


# ---------------------------------------------------------------- ingress-nginx behaviour


def test_rewrite_target_without_capture_group() -> None:
    finding = diag_findings(shop(broken=True), "rewrite")["ingress-nginx-rewrite-no-capture"][0]
    assert "/app/x reaches the backend as /" in finding.message
    assert "(/|$)(.*)" in finding.hint


def test_rewrite_with_capture_group_is_fine() -> None:
    doc = ingress(
        "x",
        ingressClassName="nginx",
        annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/$2"},
    )
    path = doc["spec"]["rules"][0]["http"]["paths"][0]
    path.update(path="/app(/|$)(.*)", pathType="ImplementationSpecific")
    found = by_id(analyze_ingress(shop(), doc, now=NOW).findings)
    assert (
        "ingress-nginx-rewrite-no-capture" not in found and "ingress-nginx-regex-mode" not in found
    )


def test_regex_mode_spreads_to_other_ingresses_on_the_same_host() -> None:
    found = diag_findings(shop(broken=True), "blog")
    regex = found["ingress-nginx-regex-mode"]
    assert {dict(f.evidence)["causes"] for f in regex} == {"shop/rewrite"}
    assert any("~* ^/about" in f.message for f in regex)
    # a host nobody put into regex mode is untouched
    assert "ingress-nginx-regex-mode" not in diag_findings(shop(broken=True), "web")


def test_duplicate_host_path_oldest_wins() -> None:
    newer = diag_findings(shop(broken=True), "dup-new")["ingress-duplicate-path"][0]
    assert "shop/blog" in newer.message and "never used" in newer.message
    older = diag_findings(shop(broken=True), "blog")["ingress-duplicate-path"][0]
    assert "oldest and wins" in older.message


# ---------------------------------------------------------------- svc and scan entry points


def test_routes_for_service_collects_every_route_to_it() -> None:
    rows, findings, chains = routes_for_service(shop(broken=True), "shop", "empty", now=NOW)
    assert {(r.ingress, r.path) for r in rows} == {
        ("shop/ports", "/empty"),
        ("shop/dup-new", "/shop"),
    }
    ids = by_id(findings)
    assert "ingress-backend-no-endpoints" in ids
    assert "ingress-backend-port-number-unknown" not in ids  # about other routes of shop/ports
    assert len(chains) == 2


def test_routes_for_service_without_ingress_is_empty() -> None:
    assert routes_for_service(shop(), "shop", "nothing", now=NOW) == ((), (), ())


def test_summarize_ingresses_covers_the_namespace_or_all() -> None:
    index = shop(broken=True)
    names = [d.name for d in summarize_ingresses(index, "shop", now=NOW)]
    assert names == sorted(names) and "web" in names and "invalid" in names
    assert summarize_ingresses(index, "app", now=NOW) == ()
    assert len(summarize_ingresses(index, None, now=NOW)) == len(names)


# ---------------------------------------------------------------- every check raised


def _ids(index: Index, name: str) -> set[str]:
    return set(diag_findings(index, name))


def _doc_ids(index: Index, doc: Doc) -> set[str]:
    return {f.id for f in analyze_ingress(index, doc, now=NOW).findings}


SCENARIOS: dict[str, Callable[[], set[str]]] = {
    "ingress-class-none": lambda: _doc_ids(plain_shop(), ingress("x")),
    "ingress-class-not-found": lambda: _doc_ids(shop(), ingress("x", ingressClassName="nope")),
    "ingress-class-annotation-deprecated": lambda: _doc_ids(
        shop(), ingress("x", annotations={"kubernetes.io/ingress.class": "nginx"})
    ),
    "ingress-class-conflict": lambda: _doc_ids(
        shop(),
        ingress("x", ingressClassName="nginx", annotations={"kubernetes.io/ingress.class": "a"}),
    ),
    "ingress-class-multiple-defaults": lambda: _doc_ids(
        plain_shop(ingress_class("a", default=True), ingress_class("b", default=True)), ingress("x")
    ),
    "ingress-class-skipped": lambda: _doc_ids(plain_shop(live=False), ingress("x")),
    "ingress-no-rules": lambda: _ids(shop(broken=True), "empty-spec"),
    "ingress-path-type-missing": lambda: _ids(shop(broken=True), "invalid"),
    "ingress-path-invalid": lambda: _ids(shop(broken=True), "invalid"),
    "ingress-host-invalid": lambda: _ids(shop(broken=True), "invalid"),
    "ingress-backend-invalid": lambda: _ids(shop(broken=True), "invalid"),
    "ingress-nginx-strict-path": lambda: _ids(shop(broken=True), "invalid"),
    "ingress-backend-resource": lambda: _ids(shop(broken=True), "ports"),
    "ingress-backend-service-missing": lambda: _ids(shop(broken=True), "missing-svc"),
    "ingress-backend-port-number-unknown": lambda: _ids(shop(broken=True), "ports"),
    "ingress-backend-port-name-unknown": lambda: _ids(shop(broken=True), "ports"),
    "ingress-backend-no-endpoints": lambda: _ids(shop(broken=True), "ports"),
    "ingress-backend-endpoints-skipped": lambda: _ids(
        shop(unavailable=(Unavailable("endpointslices", "list", "shop", "forbidden"),)), "web"
    ),
    "ingress-backend-external-name": lambda: _ids(shop(broken=True), "ports"),
    "ingress-gce-clusterip-backend": lambda: _ids(index_of(*fixture("gke")), "site"),
    "ingress-no-address": lambda: _ids(shop(broken=True), "pending"),
    "ingress-status-unknown": lambda: _ids(shop(live=False, broken=True), "pending"),
    "ingress-nginx-rewrite-no-capture": lambda: _ids(shop(broken=True), "rewrite"),
    "ingress-nginx-regex-mode": lambda: _ids(shop(broken=True), "blog"),
    "ingress-duplicate-path": lambda: _ids(shop(broken=True), "dup-new"),
}


@pytest.mark.parametrize("check_id", sorted(SCENARIOS))
def test_scenario_raises_its_check(check_id: str) -> None:
    assert check_id in SCENARIOS[check_id]()


@pytest.mark.parametrize("check_id", sorted(SCENARIOS))
def test_healthy_shop_raises_none_of_them(check_id: str) -> None:
    assert check_id not in _ids(shop(), "web")
