"""Service spec validation: what the API server would reject, and why."""

from __future__ import annotations

import pytest
from test_services_support import by_id, diagnose, ids

from kubectl_discover.analyze.model import ServiceKind
from kubectl_discover.analyze.serviceview import view_service
from kubectl_discover.analyze.validation import iana_name_problem
from kubectl_discover.analyze.validation import validate_service as validate_view
from kubectl_discover.findings import Finding, Severity
from kubectl_discover.snapshot import Obj


def validate_service(service: Obj) -> tuple[Finding, ...]:
    return validate_view(view_service(service))


@pytest.mark.parametrize(
    ("service", "check_id", "named"),
    [
        ("1st-api", "service-name-invalid", "1st-api"),
        ("kind", "service-type-invalid", "Ingress"),
        ("headless-np", "service-cluster-ip-invalid", "NodePort"),
        ("noports", "service-ports-required", "spec.ports"),
        ("badport", "service-port-invalid", "70000"),
        ("names", "service-port-name-invalid", "Web_UI"),
        ("twice", "service-port-duplicate", "80/TCP"),
        ("targets", "service-target-port-invalid", "'8080'"),
        ("nodeport", "service-node-port-forbidden", "30080"),
        ("extv6", "service-external-name-invalid", "IPv6"),
        ("extip", "service-cluster-ip-invalid", "ExternalName"),
        ("lbfields", "service-lb-field-forbidden", "loadBalancerSourceRanges"),
        ("etp", "service-traffic-policy-invalid", "externally-accessible"),
        ("selector", "service-selector-invalid", "app/x/y"),
        ("extips", "service-external-ip-invalid", "127.0.0.1"),
    ],
)
def test_rejected_spec_is_a_fail_naming_the_field(service: str, check_id: str, named: str) -> None:
    diagnosis = diagnose("invalid.yaml", "bad", service)
    found = by_id(diagnosis, check_id)
    assert found, [f.id for f in diagnosis.findings]
    assert all(f.severity is Severity.FAIL for f in found)
    assert any(named in f.message for f in found), [f.message for f in found]


def test_valid_nodeport_with_local_policy_has_no_validation_finding() -> None:
    diagnosis = diagnose("invalid.yaml", "bad", "fine")
    assert not {i for i in ids(diagnosis) if i.startswith("service-")}


def test_quoted_number_target_port_hint_says_drop_the_quotes() -> None:
    diagnosis = diagnose("invalid.yaml", "bad", "targets")
    quoted = next(
        f for f in by_id(diagnosis, "service-target-port-invalid") if "'8080'" in f.message
    )
    assert "8080 without quotes" in quoted.hint


def test_multi_port_names_each_problem_reported() -> None:
    found = by_id(diagnose("invalid.yaml", "bad", "names"), "service-port-name-invalid")
    messages = " ".join(f.message for f in found)
    assert "spec.ports[0]" in messages and "has no name" in messages
    assert "'dup' is used by another port" in messages
    assert len(found) == 3


def test_external_ips_only_special_and_malformed_rejected() -> None:
    found = by_id(diagnose("invalid.yaml", "bad", "extips"), "service-external-ip-invalid")
    flagged = {f.evidence[0][1] for f in found}
    assert flagged == {"127.0.0.1", "not-an-ip"}


def test_external_name_with_trailing_dot_is_valid() -> None:
    service = {
        "metadata": {"name": "api", "namespace": "x"},
        "spec": {"type": "ExternalName", "externalName": "api.example.com."},
    }
    assert validate_service(service) == ()


def test_headless_needs_no_ports_but_clusterip_does() -> None:
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "selector": {"a": "b"}}}
    plain = {"metadata": {"name": "p"}, "spec": {"selector": {"a": "b"}}}
    assert validate_service(headless) == ()
    assert [f.id for f in validate_service(plain)] == ["service-ports-required"]


def test_none_mixed_with_addresses_is_rejected() -> None:
    service = {
        "metadata": {"name": "m"},
        "spec": {"clusterIPs": ["None", "10.0.0.1"], "ports": [{"port": 80}]},
    }
    assert [f.id for f in validate_service(service)] == ["service-cluster-ip-invalid"]


def test_health_check_node_port_needs_lb_with_local() -> None:
    service = {
        "metadata": {"name": "n"},
        "spec": {"type": "NodePort", "healthCheckNodePort": 31000, "ports": [{"port": 80}]},
    }
    assert [f.id for f in validate_service(service)] == ["service-lb-field-forbidden"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [("http", True), ("h2c", True), ("8080", False), ("a" * 16, False), ("web--ui", False)],
)
def test_iana_port_names(name: str, ok: bool) -> None:
    assert (iana_name_problem(name) == "") is ok


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ({}, ServiceKind.CLUSTER_IP),
        ({"clusterIP": "None"}, ServiceKind.HEADLESS),
        ({"clusterIPs": ["None"]}, ServiceKind.HEADLESS),
        ({"type": "NodePort"}, ServiceKind.NODE_PORT),
        ({"type": "LoadBalancer"}, ServiceKind.LOAD_BALANCER),
        ({"type": "ExternalName", "externalName": "x.example.com"}, ServiceKind.EXTERNAL_NAME),
    ],
)
def test_service_kind(spec: dict[str, object], kind: ServiceKind) -> None:
    assert view_service({"metadata": {"name": "s"}, "spec": spec}).kind is kind


def test_port_defaults_follow_the_api() -> None:
    (port,) = view_service({"spec": {"ports": [{"port": 80}]}}).ports
    assert (port.protocol, port.target) == ("TCP", 80)
