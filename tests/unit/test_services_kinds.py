"""Every Service kind: endpoints, headless/per-pod findings, slices, ExternalName, scan."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from test_services_support import by_id, diagnose, fixture_names, ids, load, one

from kubectl_discover.analyze.index import build_index
from kubectl_discover.analyze.services import ALL_CHECKS, diagnose_service, summarize
from kubectl_discover.findings import Severity, Verdict
from kubectl_discover.snapshot import Snapshot, Unavailable, name_of, namespace_of

# ---------------------------------------------------------------- endpoints per kind


def test_clusterip_endpoint_is_vip_per_port_with_ready_pods() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "web")
    assert diagnosis.kind == "ClusterIP"
    (endpoint,) = [e for e in diagnosis.endpoints if e.kind == "cluster-ip"]
    assert (endpoint.kind, endpoint.address, endpoint.port) == ("cluster-ip", "10.96.12.7", 80)
    assert endpoint.ready is True
    assert "web-7d9c-a" in endpoint.target and "web-7d9c-c" not in endpoint.target
    assert ":8080" in endpoint.target
    pods = [e for e in diagnosis.endpoints if e.kind == "pod"]
    assert pods and all(e.port == 8080 for e in pods)
    assert {e.ready for e in pods if "web-7d9c-a" in e.target} == {True}


def test_clusterip_without_ready_endpoint_predicts_not_ready() -> None:
    endpoints = diagnose("live-backends.yaml", "shop", "down").endpoints
    (endpoint,) = [e for e in endpoints if e.kind == "cluster-ip"]
    assert endpoint.ready is False
    assert all(e.ready is False for e in endpoints if e.kind == "pod")


def test_nodeport_lists_node_addresses_and_local_policy_per_node() -> None:
    diagnosis = diagnose("live-external.yaml", "edge", "front-np")
    assert diagnosis.kind == "NodePort"
    node_ports = {e.address: e for e in diagnosis.endpoints if e.kind == "node-port"}
    assert set(node_ports) == {"172.18.0.2", "172.18.0.3"}
    assert node_ports["172.18.0.2"].ready is True and node_ports["172.18.0.2"].port == 30080
    assert node_ports["172.18.0.3"].ready is False
    finding = one(diagnosis, "external-traffic-local")
    assert finding.severity is Severity.WARN and "node-b" in finding.message


def test_offline_nodeport_says_any_node_address() -> None:
    diagnosis = diagnose("invalid.yaml", "bad", "fine")
    (node_port,) = [e for e in diagnosis.endpoints if e.kind == "node-port"]
    assert node_port.address == "any node address" and node_port.port is None
    assert "30080" in node_port.why
    assert one(diagnosis, "external-traffic-local").severity is Severity.INFO


def test_load_balancer_with_ingress() -> None:
    diagnosis = diagnose("live-external.yaml", "edge", "front-lb")
    assert diagnosis.kind == "LoadBalancer"
    lb = [e for e in diagnosis.endpoints if e.kind == "load-balancer"]
    assert [e.address for e in lb] == ["203.0.113.10"]
    assert one(diagnosis, "lb-ready").severity is Severity.OK
    assert ("loadBalancer", "203.0.113.10") in diagnosis.facts


def test_internal_traffic_policy_local_names_nodes_without_pods() -> None:
    finding = one(diagnose("live-external.yaml", "edge", "front-lb"), "internal-traffic-local")
    assert finding.severity is Severity.WARN
    assert "node-b" in finding.message and "node-a" in finding.evidence[0][1]


def test_load_balancer_pending_names_the_class_and_the_node_port() -> None:
    diagnosis = diagnose("live-external.yaml", "edge", "pending")
    finding = one(diagnosis, "lb-pending")
    assert finding.severity is Severity.WARN
    assert "example.com/lb" in finding.message
    assert "nodePort 30082" in finding.hint
    (lb,) = [e for e in diagnosis.endpoints if e.kind == "load-balancer"]
    assert lb.ready is False and lb.port is None


def test_external_ips_become_endpoints_and_an_info() -> None:
    diagnosis = diagnose("live-external.yaml", "edge", "vip")
    assert [e.address for e in diagnosis.endpoints if e.kind == "external-ip"] == ["198.51.100.77"]
    assert one(diagnosis, "external-ips").severity is Severity.INFO


def test_externalname_endpoint_is_the_cname_target() -> None:
    diagnosis = diagnose("externalname.yaml", "datalake", "api")
    assert diagnosis.kind == "ExternalName"
    (endpoint,) = diagnosis.endpoints
    assert (endpoint.kind, endpoint.address, endpoint.port) == (
        "external-name",
        "api.example.com",
        443,
    )


def test_headless_live_endpoints_are_pod_ips_at_container_port() -> None:
    diagnosis = diagnose("live-headless.yaml", "msg", "nats")
    assert diagnosis.kind == "Headless"
    pods = {(e.address, e.port, e.ready) for e in diagnosis.endpoints}
    assert pods == {("10.244.3.4", 4222, True), ("10.244.3.5", 4222, False)}


def test_headless_offline_endpoint_is_the_service_name_at_target_port() -> None:
    (endpoint,) = diagnose("headless.yaml", "sts", "web").endpoints
    assert endpoint.address == "web.sts.svc.cluster.local" and endpoint.ready is None


# ---------------------------------------------------------------- headless / per-pod


def test_statefulset_service_name_mismatch() -> None:
    diagnosis = diagnose("headless.yaml", "sts", "db-svc")
    mismatch = one(diagnosis, "per-pod-subdomain-mismatch")
    assert mismatch.severity is Severity.FAIL
    assert "StatefulSet sts/database" in mismatch.message and "'database'" in mismatch.message
    assert "headless Service named 'database'" in mismatch.hint and "immutable" in mismatch.hint
    missing = one(diagnosis, "statefulset-service-missing")
    assert "no Service database in namespace sts" in missing.message


def test_governing_service_with_vip_warns_on_itself_and_on_other_services() -> None:
    governing = diagnose("headless.yaml", "sts", "nginx")
    assert one(governing, "per-pod-not-headless").severity is Severity.WARN
    assert not by_id(governing, "statefulset-service-not-headless")
    peers = diagnose("headless.yaml", "sts", "peers")
    finding = one(peers, "statefulset-service-not-headless")
    assert "sts/nginx" in finding.message and "clusterIP: None" in finding.hint


def test_governing_service_in_another_namespace_is_named() -> None:
    index = load("headless.yaml")
    elsewhere = {
        "metadata": {"name": "database", "namespace": "other"},
        "spec": {"clusterIP": "None", "selector": {"app": "db"}},
    }
    snapshot = replace(index.snapshot, services=(*index.snapshot.services, elsewhere))
    diagnosis = diagnose_service(build_index(snapshot), "sts", "db-svc")
    assert "only in namespace other" in one(diagnosis, "statefulset-service-missing").message


def test_deployment_hostname_duplicates_and_missing_identities() -> None:
    diagnosis = diagnose("headless.yaml", "sts", "sub")
    dup = one(diagnosis, "per-pod-duplicate-hostname")
    assert "'h'" in dup.message and "Deployment fixed" in dup.message
    half = one(diagnosis, "per-pod-half-identity")
    assert "half" in half.message and "spec.hostname" in half.hint
    none = one(diagnosis, "per-pod-no-identity")
    assert none.severity is Severity.INFO and "Deployment anon" in none.hint


def test_empty_service_name_statefulset() -> None:
    finding = one(diagnose("headless.yaml", "sts", "orphans"), "statefulset-service-missing")
    assert finding.severity is Severity.WARN and "empty spec.serviceName" in finding.message


# ---------------------------------------------------------------- slices


def test_slices_missing_while_pods_ready() -> None:
    finding = one(diagnose("live-backends.yaml", "shop", "lag"), "slices-missing")
    assert finding.severity is Severity.WARN and "lag-0" in finding.message


def test_stale_slice_port_names() -> None:
    finding = one(diagnose("selectorless.yaml", "ext", "renamed"), "slice-ports-stale")
    assert "renamed-1" in finding.message and "pg/TCP" in finding.message
    assert "postgres" in finding.hint


def test_slice_family_differs_from_service() -> None:
    finding = one(diagnose("selectorless.yaml", "ext", "v6"), "slice-family-mismatch")
    assert "IPv6" in finding.message and "IPv4" in finding.message


def test_slice_summary_counts_per_port() -> None:
    finding = one(diagnose("live-backends.yaml", "shop", "web"), "slice-endpoints")
    assert "http (80/TCP): 2 ready" in finding.message


def test_unreadable_slices_are_reported_as_skipped() -> None:
    gap = Unavailable("endpointslices", "list", "shop", "forbidden")
    diagnosis = diagnose("live-backends.yaml", "shop", "web", unavailable=[gap])
    finding = one(diagnosis, "slices-unreadable")
    assert "cannot list endpointslices in shop: forbidden" in finding.message


# ---------------------------------------------------------------- ExternalName


def test_externalname_ip_fix_is_selectorless_service_with_slice() -> None:
    finding = one(diagnose("externalname.yaml", "datalake", "legacy-db"), "externalname-ip")
    assert finding.severity is Severity.FAIL and "10.10.10.204" in finding.message
    assert "EndpointSlice" in finding.hint and "10.10.10.204" in finding.hint


def test_externalname_https_caveat() -> None:
    finding = one(diagnose("externalname.yaml", "datalake", "api"), "externalname-https")
    assert finding.severity is Severity.INFO and "api.example.com" in finding.message


def test_externalname_named_like_namespace() -> None:
    finding = one(
        diagnose("externalname.yaml", "datalake", "datalake"), "externalname-shadows-namespace"
    )
    assert "trino.datalake.datalake.svc.cluster.local" in finding.message


def test_externalname_in_cluster_target_missing_or_wrong_zone() -> None:
    missing = one(diagnose("externalname.yaml", "datalake", "alias"), "externalname-target-missing")
    assert "analytics/warehouse" in missing.message
    zone = diagnose("externalname.yaml", "datalake", "wrongzone", cluster_domain="corp.local")
    finding = one(zone, "externalname-target-missing")
    assert "trino.datalake.svc.corp.local" in finding.hint
    ok = diagnose("externalname.yaml", "datalake", "wrongzone")
    assert one(ok, "externalname-cname").severity is Severity.OK


def test_ipv6_externalname_reported_once_by_validation() -> None:
    diagnosis = diagnose("invalid.yaml", "bad", "extv6")
    assert "service-external-name-invalid" in ids(diagnosis)
    assert "externalname-ip" not in ids(diagnosis)


# ---------------------------------------------------------------- chain, facts, scan


def test_chain_goes_port_slice_pod_with_broken_links() -> None:
    (port,) = diagnose("live-backends.yaml", "shop", "web").chain
    assert port.ok is True
    (slice_link,) = port.children
    states = {child.label.split()[1]: child.ok for child in slice_link.children}
    assert states == {"web-7d9c-a": True, "web-7d9c-b": True, "web-7d9c-c": False}


def test_facts_describe_the_service() -> None:
    facts = dict(diagnose("live-external.yaml", "edge", "front-np").facts)
    assert facts["type"] == "NodePort"
    assert facts["clusterIPs"] == "10.96.7.1"
    assert facts["externalTrafficPolicy"] == "Local"
    assert "nodePort 30080" in facts["ports"]


def test_missing_service_gives_an_empty_diagnosis() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "nope")
    assert diagnosis.findings == () and diagnosis.kind == ""


def test_summarize_is_worst_first_and_namespace_scoped() -> None:
    index = load("live-backends.yaml")
    results = summarize(index, "shop")
    assert results[0].name == "down"
    assert results[0].verdict is Verdict.FAIL
    assert {d.namespace for d in results} == {"shop"}
    assert len(summarize(index, None)) == len(index.snapshot.services)


def test_summarize_scales_linearly() -> None:
    services, pods = [], []
    for i in range(1500):
        ns = f"ns{i % 30}"
        services.append(
            {
                "metadata": {"name": f"svc{i}", "namespace": ns},
                "spec": {
                    "clusterIP": f"10.96.{i // 250}.{i % 250}",
                    "selector": {"app": f"app{i}"},
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
                },
            }
        )
        for j in range(10):
            pods.append(
                {
                    "metadata": {
                        "name": f"p{i}-{j}",
                        "namespace": ns,
                        "labels": {"app": f"app{i}"},
                    },
                    "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]},
                    "status": {
                        "phase": "Running",
                        "podIP": f"10.{i // 250}.{i % 250}.{j}",
                        "conditions": [{"type": "Ready", "status": "True"}],
                    },
                }
            )
    snapshot = Snapshot(namespace=None, live=True, services=tuple(services), pods=tuple(pods))
    start = time.perf_counter()
    results = summarize(build_index(snapshot), None)
    assert len(results) == 1500
    assert time.perf_counter() - start < 20


# ---------------------------------------------------------------- every check is exercised


def _raised_everywhere() -> set[str]:
    raised: set[str] = set()
    extra: dict[tuple[str, str], dict[str, Any]] = {
        ("live-backends.yaml", "shop"): {
            "unavailable": [Unavailable("endpointslices", "list", "shop", "forbidden")]
        },
        ("externalname.yaml", "datalake"): {"cluster_domain": "corp.local"},
    }
    clients = ("billing", "msg", "shop")
    for name in fixture_names():
        for kwargs in ({}, *(v for (f, _), v in extra.items() if f == name)):
            index = load(name, **kwargs)
            for service in index.snapshot.services:
                diagnosis = diagnose_service(
                    index,
                    namespace_of(service, "default"),
                    name_of(service),
                    client_namespaces=clients,
                )
                raised.update(f.id for f in diagnosis.findings)
    return raised


def test_every_declared_check_is_raised_by_some_fixture() -> None:
    declared = {c.id for c in ALL_CHECKS}
    missing = declared - _raised_everywhere()
    assert not missing, sorted(missing)


def test_pods_without_identity_get_few_rows_but_one_finding() -> None:
    index = load("headless.yaml")
    extra = tuple(
        {
            "metadata": {"name": f"anon-{i}", "namespace": "sts", "labels": {"role": "sub"}},
            "spec": {"containers": [{"name": "c"}]},
        }
        for i in range(10)
    )
    snapshot = replace(index.snapshot, pods=(*index.snapshot.pods, *extra))
    diagnosis = diagnose_service(build_index(snapshot), "sts", "sub")
    anonymous = [d for d in diagnosis.dns if "per-pod-no-identity" in d.causes]
    assert len(anonymous) == 3
    assert all(d.exists is False for d in anonymous)
    assert len(by_id(diagnosis, "per-pod-no-identity")) == 1
