"""Selector matching, readiness and the targetPort walk."""

from __future__ import annotations

from test_services_support import by_id, diagnose, ids, one

from kubectl_discover.findings import Severity


def test_key_differs_but_value_matches_is_named_as_near_miss() -> None:
    finding = one(diagnose("selector-mismatch.yaml", "shop", "ingress"), "selector-no-match")
    assert finding.severity is Severity.FAIL
    assert "Deployment nginx-ingress" in finding.message
    assert "app=nginx-ingress instead of name=nginx-ingress" in finding.message
    assert "spec.selector key 'name' to 'app'" in finding.hint


def test_value_differs_hint_names_the_field_and_value() -> None:
    finding = one(diagnose("selector-mismatch.yaml", "shop", "api"), "selector-no-match")
    assert "tier=api-server, selector wants tier=backend" in finding.message
    assert "spec.selector.tier to 'api-server'" in finding.hint
    assert "Deployment api" in finding.hint


def test_pods_in_another_namespace_are_pointed_out() -> None:
    finding = one(diagnose("selector-mismatch.yaml", "shop", "worker"), "selector-no-match")
    assert "namespace jobs" in finding.message
    assert "jobs" in finding.hint


def test_good_clusterip_is_ok_with_template_count() -> None:
    diagnosis = diagnose("clusterip-good.yaml", "shop", "web")
    assert diagnosis.verdict.value == "ok"
    ready = one(diagnosis, "backends-ready")
    assert ready.severity is Severity.INFO and "Deployment web" in ready.message
    assert "3 pod(s)" in ready.message
    assert "ports-resolve" in ids(diagnosis)


def test_udp_service_against_tcp_default_port_name() -> None:
    finding = one(diagnose("ports.yaml", "net", "dns"), "target-port-unresolved")
    assert finding.severity is Severity.FAIL
    assert "'dns'/UDP" in finding.message
    assert "53/TCP" in finding.message
    assert "stay in the EndpointSlices" in finding.message
    assert "protocol: UDP" in finding.hint and "container unbound" in finding.hint


def test_unresolved_port_pod_still_in_predicted_slice_without_the_port() -> None:
    diagnosis = diagnose("ports.yaml", "net", "dns")
    (link,) = diagnosis.chain
    assert link.ok is False
    assert "no EndpointSlice carries port dns" in link.why


def test_numeric_target_port_not_declared_warns_with_declared_ports() -> None:
    finding = one(diagnose("ports.yaml", "net", "metrics"), "target-port-undeclared")
    assert finding.severity is Severity.WARN
    assert "9091/TCP" in finding.message and "9100/TCP" in finding.message


def test_headless_port_differs_from_resolved_target() -> None:
    finding = one(diagnose("ports.yaml", "net", "peers"), "headless-port-mismatch")
    assert "port 80" in finding.message and "9100" in finding.message
    assert "to 9100" in finding.hint


def test_live_some_ready_names_the_unready_pod() -> None:
    finding = one(diagnose("live-backends.yaml", "shop", "web"), "backends-some-ready")
    assert finding.severity is Severity.WARN
    assert "2 of 3" in finding.message and "web-7d9c-c" in finding.message


def test_live_none_ready_is_fail_and_points_at_describe() -> None:
    finding = one(diagnose("live-backends.yaml", "shop", "down"), "backends-none-ready")
    assert finding.severity is Severity.FAIL
    assert "kubectl describe pod down-0 -n shop" in finding.hint


def test_pnra_on_vip_service_warns_and_softens_none_ready() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "eager")
    assert one(diagnosis, "pnra-not-headless").severity is Severity.WARN
    assert one(diagnosis, "backends-none-ready").severity is Severity.WARN


def test_all_ready_live_is_ok() -> None:
    finding = one(diagnose("live-external.yaml", "edge", "vip"), "backends-ready")
    assert finding.severity is Severity.OK and "1 of 1" in finding.message


def test_selectorless_with_manual_slice_is_info() -> None:
    diagnosis = diagnose("selectorless.yaml", "ext", "external-db")
    assert one(diagnosis, "selectorless-slices").severity is Severity.INFO
    assert diagnosis.verdict.value == "ok"


def test_selectorless_without_slice_offline_warns_live_fails() -> None:
    offline = one(diagnose("selectorless.yaml", "ext", "forgotten"), "selectorless-no-slices")
    assert offline.severity is Severity.WARN
    assert "kubernetes.io/service-name: forgotten" in offline.hint
    live = one(diagnose("live-external.yaml", "edge", "vip"), "external-ips")
    assert live.severity is Severity.INFO


def test_externalname_selector_and_target_port_are_ignored() -> None:
    finding = one(diagnose("externalname.yaml", "datalake", "cache"), "externalname-fields-ignored")
    assert finding.severity is Severity.INFO
    assert "app=redis" in finding.message and "6380" in finding.message


def test_externalname_has_no_pods_or_slices_findings() -> None:
    diagnosis = diagnose("externalname.yaml", "datalake", "cache")
    assert not by_id(diagnosis, "selector-no-match")
    assert diagnosis.pods == ()


def test_live_workload_scaled_to_zero_is_named() -> None:
    finding = one(diagnose("live-backends.yaml", "shop", "idle"), "selector-no-match")
    assert "Deployment idle (replicas 0)" in finding.message
    assert "spec.replicas of Deployment idle" in finding.hint
