"""diagnose_name(): one DNS name read against the cluster DNS schema and the objects."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_discover.analyze.lookup import CHECKS, diagnose_name, parse_name
from kubectl_discover.analyze.model import NameForm
from kubectl_discover.analyze.resolv import parse_resolv_conf
from kubectl_discover.snapshot import Snapshot


def svc(name: str, ns: str, ip: str = "10.96.0.20", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clusterIP": ip,
        "clusterIPs": [ip],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
    }
    body.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": body,
    }


def pod(name: str, ns: str, ip: str, hostname: str = "", subdomain: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "x"}]}
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "db"}},
        "spec": spec,
        "status": {
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def slice_(svc_name: str, ns: str, endpoints: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "addressType": "IPv4",
        "metadata": {
            "name": f"{svc_name}-abc",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": svc_name},
        },
        "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
        "endpoints": [
            {"addresses": [ip], "hostname": host, "conditions": {"ready": True}}
            if host
            else {"addresses": [ip], "conditions": {"ready": True}}
            for host, ip in endpoints
        ],
    }


def snapshot(**kwargs: Any) -> Snapshot:
    headless = svc(
        "db-hl",
        "data",
        "None",
        clusterIPs=["None"],
        selector={"app": "db"},
        ports=[{"name": "pg", "port": 5432, "protocol": "TCP"}],
    )
    base: dict[str, Any] = {
        "namespace": None,
        "live": True,
        "services": (
            svc("web", "shop"),
            svc("db", "data", "10.96.3.4"),
            headless,
            svc("api", "shop", "10.96.0.30"),
        ),
        "endpointslices": (
            slice_("db-hl", "data", [("db-0", "10.244.1.5"), ("db-1", "10.244.1.6")]),
        ),
        "pods": (
            pod("db-0", "data", "10.244.1.5", "db-0", "db-hl"),
            pod("db-1", "data", "10.244.1.6", "db-1", "db-hl"),
        ),
        "namespaces": ("shop", "data", "default"),
    }
    base.update(kwargs)
    return Snapshot(**base)


def ids(d: Any) -> set[str]:
    return {f.id for f in d.findings}


@pytest.mark.parametrize(
    ("name", "kind", "ns", "service", "label"),
    [
        ("web.shop.svc.cluster.local.", "service", "shop", "web", ""),
        ("db-0.db-hl.data.svc.cluster.local", "per-pod", "data", "db-hl", "db-0"),
        ("_pg._tcp.db-hl.data.svc.cluster.local", "srv", "data", "db-hl", ""),
        ("10-244-1-5.data.pod.cluster.local", "pod-ip", "data", "", "10-244-1-5"),
        ("db-0.data.pod.cluster.local", "pod-name", "data", "", "db-0"),
        ("example.com", "outside", "", "", ""),
        ("a.b.c.d.svc.cluster.local", "other", "", "", ""),
    ],
)
def test_parse_name(name: str, kind: str, ns: str, service: str, label: str) -> None:
    parsed = parse_name(name, "cluster.local")
    assert (parsed.kind, parsed.namespace, parsed.service, parsed.label) == (
        kind,
        ns,
        service,
        label,
    )


def test_short_name_in_its_own_namespace_resolves_to_the_cluster_ip() -> None:
    d = diagnose_name(snapshot(), "web", client_namespace="shop")
    (e,) = d.dns
    assert d.subject_kind == "DnsName"
    assert e.exists is True and e.answers == ("10.96.0.20",)
    assert e.fqdn == "web.shop.svc.cluster.local"
    assert e.form is NameForm.SAME_NAMESPACE
    assert not [f for f in d.findings if f.severity.label in ("warn", "fail")]


def test_short_name_of_a_service_in_another_namespace() -> None:
    d = diagnose_name(snapshot(), "db", client_namespace="shop")
    assert "dns-name-wrong-namespace" in ids(d)
    finding = next(f for f in d.findings if f.id == "dns-name-wrong-namespace")
    assert "db.data" in finding.hint
    (e,) = d.dns
    assert e.exists is False and "dns-name-wrong-namespace" in e.causes


def test_namespaced_form_works_across_namespaces_after_one_negative_candidate() -> None:
    d = diagnose_name(snapshot(), "db.data", client_namespace="shop")
    (e,) = d.dns
    assert e.exists is True and e.answers == ("10.96.3.4",)
    assert "candidate 2" in e.why


def test_unknown_service_suggests_close_names() -> None:
    d = diagnose_name(snapshot(), "wbe", client_namespace="shop")
    assert ids(d) == {"dns-name-unknown-service"}
    assert "web" in d.findings[0].hint


def test_pod_name_under_pod_is_not_a_valid_form_and_the_right_name_is_given() -> None:
    d = diagnose_name(snapshot(), "db-0.data.pod.cluster.local", client_namespace="shop")
    assert "dns-name-pod-form" in ids(d)
    finding = next(f for f in d.findings if f.id == "dns-name-pod-form")
    assert finding.hint == "use db-0.db-hl.data.svc.cluster.local"


def test_dashed_pod_ip_resolves() -> None:
    d = diagnose_name(snapshot(), "10-244-1-5.data.pod.cluster.local.", client_namespace="shop")
    (e,) = d.dns
    assert e.exists is True and e.answers == ("10.244.1.5",) and e.form is NameForm.POD_IP


def test_hard_coded_cluster_domain_differs_from_the_real_one() -> None:
    d = diagnose_name(
        snapshot(cluster_domain="corp.local"), "web.shop.svc.cluster.local", client_namespace="shop"
    )
    assert "dns-name-cluster-domain" in ids(d)
    finding = next(f for f in d.findings if f.id == "dns-name-cluster-domain")
    assert "web.shop.svc.corp.local" in finding.hint
    assert d.dns[0].exists is False


def test_per_pod_name_under_the_wrong_service_names_the_pods_subdomain() -> None:
    s = snapshot(services=(*snapshot().services, svc("db", "data", "10.96.3.4")))
    d = diagnose_name(s, "db-0.db.data", client_namespace="shop")
    assert "dns-name-unknown-endpoint" in ids(d)
    finding = next(f for f in d.findings if f.id == "dns-name-unknown-endpoint")
    assert "subdomain db-hl" in finding.message


def test_per_pod_name_that_exists() -> None:
    d = diagnose_name(snapshot(), "db-1.db-hl.data", client_namespace="shop")
    (e,) = d.dns
    assert e.exists is True and e.answers == ("10.244.1.6",) and e.form is NameForm.PER_POD


def test_srv_with_a_wrong_port_name_lists_the_real_ones() -> None:
    d = diagnose_name(
        snapshot(), "_postgres._tcp.db-hl.data.svc.cluster.local.", client_namespace="shop"
    )
    assert "dns-name-srv-port" in ids(d)
    finding = next(f for f in d.findings if f.id == "dns-name-srv-port")
    assert ("port", "_pg._tcp") in finding.evidence
    assert d.dns[0].qtype == "SRV"


def test_unknown_namespace() -> None:
    d = diagnose_name(snapshot(), "web.nowhere.svc.cluster.local.", client_namespace="shop")
    assert "dns-name-unknown-namespace" in ids(d)


def test_outside_name_is_information_only() -> None:
    d = diagnose_name(snapshot(), "api.example.com", client_namespace="shop")
    assert ids(d) == {"dns-name-outside"}
    assert d.dns[0].exists is None


def test_search_path_of_the_from_client_is_used() -> None:
    client = {
        "kind": "Pod",
        "metadata": {"name": "c", "namespace": "data"},
        "spec": {"containers": []},
    }
    d = diagnose_name(snapshot(), "db", client=client)
    assert d.namespace == "data"
    assert d.dns[0].exists is True and d.dns[0].answers == ("10.96.3.4",)


def test_an_explicit_resolv_conf_overrides_the_prediction() -> None:
    resolv = parse_resolv_conf(
        "nameserver 10.96.0.10\nsearch data.svc.cluster.local\noptions ndots:1\n"
    )
    d = diagnose_name(snapshot(), "db", client_namespace="shop", resolv=resolv)
    assert d.dns[0].exists is True
    assert ("search", "data.svc.cluster.local") in d.facts


def test_check_ids_are_unique_kebab_case() -> None:
    names = [c.id for c in CHECKS]
    assert len(names) == len(set(names))
    assert all(n == n.lower() and " " not in n and n.startswith("dns-name-") for n in names)
