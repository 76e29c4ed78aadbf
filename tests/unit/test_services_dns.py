"""DNS expectations: FQDN, short forms through the search path, SRV, per-pod names."""

from __future__ import annotations

from test_services_support import by_id, diagnose, load, one

from kubectl_discover.analyze.model import DnsExpectation, NameForm
from kubectl_discover.analyze.services import diagnose_service
from kubectl_discover.findings import Severity


def rows(diagnosis_dns: tuple[DnsExpectation, ...], form: NameForm) -> list[DnsExpectation]:
    return [d for d in diagnosis_dns if d.form is form]


def test_clusterip_fqdn_answers_the_vip_and_short_forms_complete_to_it() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "web")
    (fqdn,) = rows(diagnosis.dns, NameForm.FQDN)
    assert (fqdn.fqdn, fqdn.qtype, fqdn.exists) == ("web.shop.svc.cluster.local", "A", True)
    assert fqdn.answers == ("10.96.12.7",)
    for form in (NameForm.SAME_NAMESPACE, NameForm.OTHER_NAMESPACE, NameForm.SVC_SUFFIX):
        (row,) = rows(diagnosis.dns, form)
        assert row.fqdn == "web.shop.svc.cluster.local" and row.exists is True
        assert row.client_namespace == "shop"


def test_cluster_domain_comes_from_the_snapshot() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "web", cluster_domain="corp.internal")
    assert {d.fqdn for d in rows(diagnosis.dns, NameForm.FQDN)} == {"web.shop.svc.corp.internal"}
    assert all("cluster.local" not in d.fqdn for d in diagnosis.dns)


def test_srv_only_for_named_ports_on_clusterip() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "web")
    (srv,) = rows(diagnosis.dns, NameForm.SRV)
    assert srv.fqdn == "_http._tcp.web.shop.svc.cluster.local"
    assert srv.answers == ("0 100 80 web.shop.svc.cluster.local.",)


def test_unnamed_ports_have_no_srv_and_an_info() -> None:
    diagnosis = diagnose("selectorless.yaml", "ext", "unnamed")
    assert not rows(diagnosis.dns, NameForm.SRV)
    assert one(diagnosis, "srv-unnamed-ports").severity is Severity.INFO


def test_headless_live_answers_ready_ips_srv_uses_container_port_and_hostnames() -> None:
    diagnosis = diagnose("live-headless.yaml", "msg", "nats")
    (fqdn,) = rows(diagnosis.dns, NameForm.FQDN)
    assert fqdn.answers == ("10.244.3.4",)
    (srv,) = rows(diagnosis.dns, NameForm.SRV)
    assert srv.answers == ("0 100 4222 nats-0.nats.msg.svc.cluster.local.",)


def test_per_pod_names_exist_for_ready_and_not_for_unready_without_pnra() -> None:
    diagnosis = diagnose("live-headless.yaml", "msg", "nats")
    per_pod = {d.fqdn: d for d in rows(diagnosis.dns, NameForm.PER_POD)}
    assert per_pod["nats-0.nats.msg.svc.cluster.local"].exists is True
    assert per_pod["nats-0.nats.msg.svc.cluster.local"].answers == ("10.244.3.4",)
    missing = per_pod["nats-1.nats.msg.svc.cluster.local"]
    assert missing.exists is False and missing.causes == ("per-pod-not-ready",)
    finding = one(diagnosis, "per-pod-not-ready")
    assert "nats-1" in finding.message and "publishNotReadyAddresses: true" in finding.hint


def test_headless_without_ready_endpoints_is_nxdomain_with_causes() -> None:
    diagnosis = diagnose("selector-mismatch.yaml", "shop", "api")
    (fqdn,) = rows(diagnosis.dns, NameForm.FQDN)
    assert fqdn.exists is True  # a ClusterIP name exists even without endpoints
    index = load("ports.yaml")
    headless = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "ghost", "namespace": "net"},
        "spec": {"clusterIP": "None", "selector": {"app": "nobody"}, "ports": [{"port": 80}]},
    }
    from dataclasses import replace

    from kubectl_discover.analyze.index import build_index

    snapshot = replace(index.snapshot, services=(*index.snapshot.services, headless))
    ghost = diagnose_service(build_index(snapshot), "net", "ghost")
    (fqdn,) = rows(ghost.dns, NameForm.FQDN)
    assert fqdn.exists is False and "selector-no-match" in fqdn.causes


def test_cross_namespace_short_name_is_nxdomain() -> None:
    diagnosis = diagnose("live-backends.yaml", "shop", "web", client_namespaces=["billing"])
    short = [
        d for d in rows(diagnosis.dns, NameForm.SAME_NAMESPACE) if d.client_namespace == "billing"
    ]
    assert len(short) == 1 and short[0].exists is False
    assert short[0].causes == ("short-name-cross-namespace",)
    finding = one(diagnosis, "short-name-cross-namespace")
    assert "billing" in finding.message and "web.shop" in finding.hint
    namespaced = [
        d for d in rows(diagnosis.dns, NameForm.OTHER_NAMESPACE) if d.client_namespace == "billing"
    ]
    assert namespaced[0].exists is True and namespaced[0].fqdn == "web.shop.svc.cluster.local"


def test_cross_namespace_nxdomain_and_own_namespace_not_flagged() -> None:
    diagnosis = diagnose("live-external.yaml", "edge", "vip", client_namespaces=["shop"])
    finding = one(diagnosis, "short-name-cross-namespace")
    assert "NXDOMAIN" in finding.message
    index = load("live-backends.yaml")
    other = diagnose_service(index, "shop", "down", client_namespaces=["shop", "edge"])
    assert not by_id(other, "short-name-hijacked")


def test_search_path_hijack_by_headless_endpoint_hostname() -> None:
    diagnosis = diagnose("live-headless.yaml", "data", "db", client_namespaces=["msg"])
    finding = one(diagnosis, "short-name-hijacked")
    assert finding.severity is Severity.WARN
    assert "db.data.msg.svc.cluster.local" in finding.message
    assert "db.data.svc.cluster.local." in finding.hint
    hijacked = [
        d for d in rows(diagnosis.dns, NameForm.OTHER_NAMESPACE) if d.client_namespace == "msg"
    ]
    assert hijacked[0].fqdn == "db.data.msg.svc.cluster.local"
    assert hijacked[0].answers == ("10.244.3.9",)


def test_externalname_fqdn_is_a_cname_and_ip_target_is_nxdomain() -> None:
    good = diagnose("externalname.yaml", "datalake", "cache")
    (row,) = rows(good.dns, NameForm.FQDN)
    assert (row.qtype, row.exists, row.answers) == ("CNAME", True, ("redis.example.com.",))
    assert not rows(good.dns, NameForm.SRV)
    bad = diagnose("externalname.yaml", "datalake", "legacy-db")
    (row,) = rows(bad.dns, NameForm.FQDN)
    assert row.exists is False and "externalname-ip" in row.causes


def test_offline_statefulset_per_pod_names_predicted() -> None:
    diagnosis = diagnose("headless.yaml", "sts", "web")
    per_pod = rows(diagnosis.dns, NameForm.PER_POD)
    assert [d.fqdn for d in per_pod] == [
        "web-0.web.sts.svc.cluster.local",
        "web-1.web.sts.svc.cluster.local",
    ]
    assert all(d.exists is True for d in per_pod)
    assert one(diagnosis, "per-pod-names").severity is Severity.OK


def test_ipv6_service_expects_aaaa() -> None:
    index = load("live-backends.yaml")
    from dataclasses import replace

    from kubectl_discover.analyze.index import build_index

    v6 = {
        "metadata": {"name": "six", "namespace": "shop"},
        "spec": {
            "clusterIPs": ["fd00::12"],
            "ipFamilies": ["IPv6"],
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80}],
        },
    }
    snapshot = replace(index.snapshot, services=(*index.snapshot.services, v6))
    diagnosis = diagnose_service(build_index(snapshot), "shop", "six")
    (fqdn,) = rows(diagnosis.dns, NameForm.FQDN)
    assert (fqdn.qtype, fqdn.answers) == ("AAAA", ("fd00::12",))
    assert one(diagnosis, "slice-family-mismatch").severity is Severity.WARN
