"""NetworkPolicy path verdicts through the commands (issue 15 item 1): each case as
manifests given to ``svc``/``ingress`` with ``-f``, checked on the report's
``networkPolicies`` rows, its findings and the exit code (docs/networkpolicy.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_discover.cli import run

BASE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: client, image: curl}]
"""

DENY_EGRESS = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "default-deny-egress", "namespace": "shop"},
    "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
}
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


def netpol(name: str, spec: dict[str, Any], namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def allow_dns(*protocols: str) -> dict[str, Any]:
    ports = [{"protocol": p, "port": 53} for p in protocols]
    return netpol(
        "allow-dns",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [DNS_PEER], "ports": ports}],
        },
    )


def ingress_to_web(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return netpol(
        name,
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Ingress"],
            "ingress": rules,
        },
    )


def svc(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    *objects: dict[str, Any],
    extra: str = "",
    args: tuple[str, ...] = ("--from", "deploy/client"),
    command: tuple[str, ...] = ("svc", "web"),
) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "objects.yaml"
    documents = [BASE, extra, *(yaml.safe_dump(o) for o in objects)]
    path.write_text("\n---\n".join(d for d in documents if d.strip()))
    code = run([*command, "-n", "shop", "-f", str(path), "--no-probe", "-o", "json", *args])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def rows(doc: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(hop, direction, protocol/port, outcome, decided by) per verdict row."""
    return [
        (r["hop"], r["direction"], f"{r['protocol']}/{r['port']}", r["outcome"], r["decidedBy"])
        for r in doc["networkPolicies"]
    ]


def netpol_findings(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["id"], f["severity"]) for f in doc["findings"] if f["id"].startswith("netpol-")]


ALLOWED = "no policy isolates it"


def test_no_policy_anywhere_adds_no_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, doc = svc(capsys, tmp_path)
    assert code == 0
    assert doc["networkPolicies"] == []
    assert netpol_findings(doc) == []
    assert "networkPolicyClient" not in doc["facts"]


def test_default_deny_egress_without_dns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, doc = svc(capsys, tmp_path, DENY_EGRESS)
    assert code == 1
    assert rows(doc) == [
        ("dns", "egress", "UDP/53", "denied", "no policy allows it"),
        ("dns", "ingress", "UDP/53", "allowed", ALLOWED),
        ("dns", "egress", "TCP/53", "denied", "no policy allows it"),
        ("dns", "ingress", "TCP/53", "allowed", ALLOWED),
        ("service", "egress", "TCP/8080", "denied", "no policy allows it"),
        ("service", "ingress", "TCP/8080", "allowed", ALLOWED),
    ]
    assert netpol_findings(doc) == [
        ("netpol-dns-egress-denied", "fail"),
        ("netpol-egress-denied", "fail"),
    ]
    dns = doc["networkPolicies"][0]
    assert dns["verdict"] == "fail" and dns["causes"] == ["netpol-dns-egress-denied"]
    assert (dns["from"], dns["to"]) == ("pod shop/client", "pod kube-system/coredns")
    fix = yaml.safe_load(dns["fix"].split("\n", 1)[1])
    assert dns["fix"].startswith("create NetworkPolicy shop/allow-dns-client-kube-dns:")
    assert fix["spec"]["podSelector"] == {"matchLabels": {"app": "client"}}
    assert fix["spec"]["egress"] == [
        {
            "to": [DNS_PEER],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    assert doc["facts"]["networkPolicyClient"] == "--from Deployment shop/client (its template)"
    assert (
        "assumed pods labelled k8s-app=kube-dns in kube-system"
        in (doc["facts"]["networkPolicyAssumed"])
    )


def test_udp_only_dns_warns_that_tcp_53_is_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    allow_web = netpol(
        "allow-web",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
        },
    )
    code, doc = svc(capsys, tmp_path, DENY_EGRESS, allow_dns("UDP"), allow_web)
    assert code == 0  # a warning: lookups work until an answer needs TCP
    assert [r for r in rows(doc) if r[1] == "egress"] == [
        ("dns", "egress", "UDP/53", "allowed", "NetworkPolicy shop/allow-dns spec.egress[0]"),
        ("dns", "egress", "TCP/53", "denied", "no policy allows it"),
        ("service", "egress", "TCP/8080", "allowed", "NetworkPolicy shop/allow-web spec.egress[0]"),
    ]
    tcp = doc["networkPolicies"][2]
    assert tcp["verdict"] == "warn"
    assert netpol_findings(doc) == [("netpol-dns-tcp-denied", "warn")]
    assert "append to spec.egress of NetworkPolicy shop/allow-dns" in tcp["fix"]
    assert doc["verdict"] == "warn"


def test_rule_on_the_service_port_instead_of_the_target_port(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = ingress_to_web(
        "web-from-client", [{"from": [{"podSelector": {}}], "ports": [{"port": 80}]}]
    )
    code, doc = svc(capsys, tmp_path, policy)
    assert code == 1
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)
    (finding,) = [f for f in doc["findings"] if f["id"] == "netpol-service-port-not-target-port"]
    assert finding["severity"] == "fail"
    assert (
        "allows TCP 80, the port of Service shop/web, but policies see the pod's targetPort 8080"
        in (finding["message"])
    )
    assert "write port 8080 (the targetPort) instead of 80" in finding["hint"]


def test_named_port_is_resolved_against_the_destination_pod(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    named = ingress_to_web("web-http", [{"ports": [{"port": "http"}]}])
    code, doc = svc(capsys, tmp_path, named)
    assert code == 0
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        "NetworkPolicy shop/web-http spec.ingress[0]",
    ) in rows(doc)
    wrong = ingress_to_web("web-metrics", [{"ports": [{"port": "metrics"}]}])
    code, doc = svc(capsys, tmp_path, wrong)
    assert code == 1
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)
    assert netpol_findings(doc) == [("netpol-ingress-denied", "fail")]


def test_end_port_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inside = ingress_to_web("range", [{"ports": [{"port": 8000, "endPort": 8080}]}])
    code, doc = svc(capsys, tmp_path, inside)
    assert code == 0
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        "NetworkPolicy shop/range spec.ingress[0]",
    ) in rows(doc)
    below = ingress_to_web("range", [{"ports": [{"port": 8000, "endPort": 8079}]}])
    code, doc = svc(capsys, tmp_path, below)
    assert code == 1
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)


BARE_PODS = """
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]
status: {phase: Running, podIP: 10.244.2.11, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: caller, namespace: shop, labels: {app: caller}}
spec:
  containers: [{name: caller, image: curl}]
status: {phase: Running, podIP: 10.244.1.10}
"""


def test_ip_block_except_leaves_the_client_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    block = {"ipBlock": {"cidr": "10.244.0.0/16", "except": ["10.244.1.0/24"]}}
    policy = ingress_to_web("from-block", [{"from": [block]}])
    code, doc = svc(capsys, tmp_path, policy, extra=BARE_PODS, args=("--from", "pod/caller"))
    assert code == 1  # 10.244.1.10 is inside except: outside the block whatever the plugin does
    ingress = [r for r in rows(doc) if r[:2] == ("service", "ingress")]
    assert ingress == [("service", "ingress", "TCP/8080", "denied", "no policy allows it")]
    wider = {"ipBlock": {"cidr": "10.244.0.0/16", "except": ["10.244.9.0/24"]}}
    code, doc = svc(
        capsys,
        tmp_path,
        ingress_to_web("from-block", [{"from": [wider]}]),
        extra=BARE_PODS,
        args=("--from", "pod/caller"),
    )
    assert code == 0  # an ipBlock on a pod IP is implementation-defined: unknown, a warning
    (row,) = [
        r for r in doc["networkPolicies"] if (r["hop"], r["direction"]) == ("service", "ingress")
    ]
    assert row["outcome"] == "unknown" and row["verdict"] == "warn"
    assert ("netpol-verdict-unknown", "warn") in netpol_findings(doc)


FRONT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: front}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: other, image: curl}]
"""
FRONT_NS = {"matchLabels": {"kubernetes.io/metadata.name": "front"}}
CLIENT_LABELS = {"matchLabels": {"app": "client"}}


def test_namespace_and_pod_selector_in_one_peer_is_and(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    both = ingress_to_web(
        "and", [{"from": [{"namespaceSelector": FRONT_NS, "podSelector": CLIENT_LABELS}]}]
    )
    args = ("--from", "deploy/other", "--probe-namespace", "front")
    code, doc = svc(capsys, tmp_path, both, extra=FRONT, args=args)
    assert code == 1  # front/other is not app=client
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)
    assert ("netpol-peers-or-likely-and", "warn") not in netpol_findings(doc)


def test_namespace_and_pod_selector_as_two_peers_is_or(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    either = ingress_to_web(
        "or", [{"from": [{"namespaceSelector": FRONT_NS}, {"podSelector": CLIENT_LABELS}]}]
    )
    args = ("--from", "deploy/other", "--probe-namespace", "front")
    code, doc = svc(capsys, tmp_path, either, extra=FRONT, args=args)
    assert code == 0  # every pod of front is admitted, app=client or not
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        "NetworkPolicy shop/or spec.ingress[0]",
    ) in rows(doc)
    assert ("netpol-peers-or-likely-and", "warn") in netpol_findings(doc)


def test_an_ingress_only_policy_does_not_restrict_egress(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ingress_only = netpol("deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
    code, doc = svc(capsys, tmp_path, ingress_only)
    assert code == 1  # the backends are isolated for ingress; the client's egress is not
    egress = [r for r in rows(doc) if r[1] == "egress"]
    assert {r[3:] for r in egress} == {("allowed", ALLOWED)}
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)


def test_empty_pod_selector_is_this_namespace_missing_from_is_everyone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ("--from", "deploy/other", "--probe-namespace", "front")
    empty = ingress_to_web("same-ns", [{"from": [{"podSelector": {}}]}])
    code, doc = svc(capsys, tmp_path, empty, extra=FRONT, args=args)
    assert code == 1  # podSelector {} = every pod of shop, not front/other
    assert ("service", "ingress", "TCP/8080", "denied", "no policy allows it") in rows(doc)
    missing = ingress_to_web("anyone", [{}])
    code, doc = svc(capsys, tmp_path, missing, extra=FRONT, args=args)
    assert code == 0
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        "NetworkPolicy shop/anyone spec.ingress[0]",
    ) in rows(doc)


INGRESS = """
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"""


def test_backends_admit_the_app_but_not_the_ingress_controller(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app_only = ingress_to_web("from-client", [{"from": [{"podSelector": CLIENT_LABELS}]}])
    code, doc = svc(capsys, tmp_path, app_only, extra=INGRESS, args=(), command=("ingress", "shop"))
    assert code == 1
    assert rows(doc) == [
        ("controller", "egress", "TCP/8080", "allowed", ALLOWED),
        ("controller", "ingress", "TCP/8080", "denied", "no policy allows it"),
    ]
    row = doc["networkPolicies"][1]
    assert (row["from"], row["to"]) == (
        "pod ingress-nginx/ingress-nginx-controller",
        "pod shop/web-<pod>",
    )
    assert ("netpol-ingress-controller-not-admitted", "fail") in netpol_findings(doc)
    assert (
        "assumed pods labelled app.kubernetes.io/name=ingress-nginx"
        in doc["facts"]["networkPolicyAssumed"]
    )
    controller = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/component": "controller",
                "app.kubernetes.io/name": "ingress-nginx",
            }
        },
    }
    assert yaml.safe_load(row["fix"].split("\n", 1)[1]) == [
        {"from": [controller], "ports": [{"protocol": "TCP", "port": 8080}]}
    ]
    # the same policy, svc from the app: allowed
    code, doc = svc(capsys, tmp_path, app_only)
    assert code == 0
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        "NetworkPolicy shop/from-client spec.ingress[0]",
    ) in rows(doc)


def admin(kind: str, name: str, spec: dict[str, Any], version: str = "v1alpha1") -> dict[str, Any]:
    return {
        "apiVersion": f"policy.networking.k8s.io/{version}",
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec,
    }


SHOP_PODS = {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}
TO_WEB = [{"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}}]
ALLOW_ALL_EGRESS = netpol(
    "allow-all", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}
)


def _egress_to_web(doc: dict[str, Any]) -> tuple[str, str, str, str, str]:
    (row,) = [r for r in rows(doc) if r[:2] == ("service", "egress")]
    return row


def test_admin_deny_outranks_a_network_policy_allow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deny = admin(
        "AdminNetworkPolicy",
        "block-web",
        {"priority": 10, "subject": SHOP_PODS, "egress": [{"action": "Deny", "to": TO_WEB}]},
    )
    code, doc = svc(capsys, tmp_path, ALLOW_ALL_EGRESS, deny)
    assert code == 1
    assert _egress_to_web(doc) == (
        "service", "egress", "TCP/8080", "denied",
        "AdminNetworkPolicy block-web spec.egress[0] (Deny)",
    )  # fmt: skip
    assert ("netpol-admin-policy-denies", "fail") in netpol_findings(doc)
    assert doc["networkPolicies"][-2]["fix"] is None  # only an administrator can change it


def test_admin_pass_hands_the_connection_to_network_policies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    passing = admin(
        "AdminNetworkPolicy",
        "pass-web",
        {"priority": 10, "subject": SHOP_PODS, "egress": [{"action": "Pass", "to": TO_WEB}]},
    )
    code, doc = svc(capsys, tmp_path, DENY_EGRESS, passing)
    assert code == 1
    assert _egress_to_web(doc) == ("service", "egress", "TCP/8080", "denied", "no policy allows it")
    code, doc = svc(capsys, tmp_path, ALLOW_ALL_EGRESS, passing)
    assert code == 0
    assert _egress_to_web(doc) == (
        "service", "egress", "TCP/8080", "allowed", "NetworkPolicy shop/allow-all spec.egress[0]",
    )  # fmt: skip


def test_baseline_applies_only_when_no_network_policy_isolates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = admin(
        "BaselineAdminNetworkPolicy",
        "default",
        {"subject": SHOP_PODS, "egress": [{"action": "Deny", "to": TO_WEB}]},
    )
    code, doc = svc(capsys, tmp_path, baseline)
    assert code == 1
    assert _egress_to_web(doc) == (
        "service", "egress", "TCP/8080", "denied",
        "BaselineAdminNetworkPolicy default spec.egress[0] (Deny)",
    )  # fmt: skip
    code, doc = svc(capsys, tmp_path, baseline, ALLOW_ALL_EGRESS)
    assert code == 0
    assert _egress_to_web(doc)[3] == "allowed"


def test_cluster_network_policy_tiers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tcp_8080 = [{"tcp": {"destinationPort": {"number": 8080}}}]
    admin_deny = admin(
        "ClusterNetworkPolicy",
        "admin-deny",
        {
            "tier": "Admin",
            "priority": 5,
            "subject": SHOP_PODS,
            "egress": [{"action": "Deny", "to": TO_WEB, "protocols": tcp_8080}],
        },
        "v1alpha2",
    )
    code, doc = svc(capsys, tmp_path, ALLOW_ALL_EGRESS, admin_deny)
    assert code == 1
    assert _egress_to_web(doc) == (
        "service", "egress", "TCP/8080", "denied",
        "ClusterNetworkPolicy admin-deny spec.egress[0] (Deny)",
    )  # fmt: skip
    baseline_deny = admin(
        "ClusterNetworkPolicy",
        "baseline-deny",
        {
            "tier": "Baseline",
            "priority": 5,
            "subject": SHOP_PODS,
            "egress": [{"action": "Deny", "to": TO_WEB}],
        },
        "v1alpha2",
    )
    code, doc = svc(capsys, tmp_path, baseline_deny)
    assert code == 1
    assert _egress_to_web(doc)[3:] == (
        "denied", "ClusterNetworkPolicy baseline-deny spec.egress[0] (Deny)"
    )  # fmt: skip
    code, doc = svc(capsys, tmp_path, baseline_deny, ALLOW_ALL_EGRESS)
    assert code == 0
    assert _egress_to_web(doc)[3] == "allowed"
    accept = admin(
        "ClusterNetworkPolicy",
        "admin-accept",
        {
            "tier": "Admin",
            "priority": 1,
            "subject": SHOP_PODS,
            "egress": [{"action": "Accept", "to": TO_WEB, "protocols": tcp_8080}],
        },
        "v1alpha2",
    )
    code, doc = svc(capsys, tmp_path, DENY_EGRESS, accept)
    assert code == 1  # DNS is still denied by default-deny-egress
    assert _egress_to_web(doc)[3:] == (
        "allowed", "ClusterNetworkPolicy admin-accept spec.egress[0] (Allow)"
    )  # fmt: skip


def test_another_engine_makes_every_verdict_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cilium = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "l7", "namespace": "shop"},
        "spec": {"endpointSelector": {}},
    }
    code, doc = svc(capsys, tmp_path, cilium, ALLOW_ALL_EGRESS)
    assert code == 0  # unknown is a warning, never "allowed"
    in_shop = [
        r for r in doc["networkPolicies"] if (r["hop"], r["direction"]) != ("dns", "ingress")
    ]
    assert {r["outcome"] for r in in_shop} == {"unknown"}
    assert all("also governed by CiliumNetworkPolicy.cilium.io" in r["decidedBy"] for r in in_shop)
    # a namespaced policy of shop does not govern the CoreDNS pods in kube-system
    assert {r[3] for r in rows(doc) if r[:2] == ("dns", "ingress")} == {"allowed"}
    assert ("netpol-verdict-unknown", "warn") in netpol_findings(doc)
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "globalnetworkpolicies.crd.projectcalico.org"},
        "spec": {"group": "crd.projectcalico.org"},
    }
    code, doc = svc(capsys, tmp_path, crd, ALLOW_ALL_EGRESS)
    assert code == 0
    assert {r[3] for r in rows(doc)} == {"unknown"}  # a cluster-wide engine: every pod
    assert (
        "also governed by Calico (crd.projectcalico.org)" in doc["networkPolicies"][0]["decidedBy"]
    )


def test_the_probe_pod_is_the_client_without_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, doc = svc(capsys, tmp_path, DENY_EGRESS, args=())
    assert code == 1
    assert doc["networkPolicies"][0]["from"] == "pod shop/discover-probe"
    assert doc["facts"]["networkPolicyClient"].startswith("the probe pod in shop (labels ")


def test_the_table_has_a_network_policy_section(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(BASE + "---\n" + yaml.safe_dump(DENY_EGRESS))
    code = run(
        ["svc", "web", "-n", "shop", "-f", str(path), "--no-probe", "--from", "deploy/client"]
    )
    out, _ = capsys.readouterr()
    assert code == 1
    section = out.split("NETWORK POLICIES\n", 1)[1].split("\n\n", 1)[0]
    lines = section.splitlines()
    assert lines[0].split() == [
        "HOP",
        "DIRECTION",
        "FROM",
        "TO",
        "PORT",
        "EXPECTED",
        "DECIDED",
        "BY",
    ]
    assert lines[1].split()[:8] == [
        "✖", "dns", "kube-system/kube-dns:53", "egress", "pod", "shop/client", "pod",
        "kube-system/coredns",
    ]  # fmt: skip


# ------------------------------------------------------------------ with a (recorded) probe

RECORDED = json.loads(
    (Path(__file__).resolve().parents[2] / "tests/fixtures/probe/recorded-shop.json").read_text()
)


def replay(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    result: dict[str, Any],
    *objects: dict[str, Any],
    args: tuple[str, ...] = (),
) -> tuple[int, dict[str, Any]]:
    from kubectl_discover.probing import RECORD_FORMAT

    record = tmp_path / "probe.json"
    probe = {"pod": "discover-probe-x1y2z", "namespace": "shop"}
    record.write_text(json.dumps({"format": RECORD_FORMAT, "probe": probe, "result": result}))
    path = tmp_path / "objects.yaml"
    path.write_text("\n---\n".join([BASE, *(yaml.safe_dump(o) for o in objects)]))
    argv = ["svc", "web", "-n", "shop", "-f", str(path), "--replay", str(record), "-o", "json"]
    code = run([*argv, *args])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def _dns_timeout() -> dict[str, Any]:
    result = json.loads(json.dumps(RECORDED))
    walk = result["dns"][0]  # "web" from shop
    assert walk["key"] == "dns:addr:web"
    walk["answered_by"] = None
    walk["steps"] = [
        {"answers": [], "error": "timeout", "name": name, "qtype": "A", "rcode": None,
         "positive": False, "server": "10.96.0.10", "time_ms": 1000.0}
        for name in walk["candidates"][:1]
    ]  # fmt: skip
    return result


def test_a_plain_from_probe_is_not_explained_by_the_clients_verdicts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--from without --as-client: the probe carries its own labels, so the client's
    verdicts (here: DNS denied) say nothing about what dropped the probe's packets."""
    code, doc = replay(
        capsys, tmp_path, _dns_timeout(), DENY_EGRESS, args=("--from", "deploy/client")
    )
    assert code == 1
    (row,) = [d for d in doc["dnsNames"] if (d["query"], d["clientNamespace"]) == ("web", "shop")]
    assert row["observed"] == "timeout"
    assert "NetworkPolicy" not in row["why"]
    assert doc["networkPolicies"][0]["from"] == "pod shop/client"


def test_a_dns_timeout_is_explained_by_the_policy_that_drops_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = json.loads(json.dumps(RECORDED))
    walk = result["dns"][0]  # "web" from shop
    assert walk["key"] == "dns:addr:web"
    walk["answered_by"] = None
    walk["steps"] = [
        {"answers": [], "error": "timeout", "name": name, "qtype": "A", "rcode": None,
         "positive": False, "server": "10.96.0.10", "time_ms": 1000.0}
        for name in walk["candidates"][:1]
    ]  # fmt: skip
    code, doc = replay(capsys, tmp_path, result, DENY_EGRESS)
    assert code == 1
    (row,) = [d for d in doc["dnsNames"] if (d["query"], d["clientNamespace"]) == ("web", "shop")]
    assert (row["observed"], row["verdict"]) == ("timeout", "fail")
    assert row["why"].startswith(
        "no answer from the DNS server: dropped by NetworkPolicy: egress UDP 53 from pod "
        "shop/discover-probe to pod kube-system/coredns is denied (no policy allows it); "
    )


def test_a_node_local_cache_needs_an_ip_block(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = json.loads(json.dumps(RECORDED))
    result["resolver"]["nameservers"] = ["169.254.20.10"]
    code, doc = replay(capsys, tmp_path, result, DENY_EGRESS, allow_dns("UDP", "TCP"))
    assert code == 1
    dns = [r for r in doc["networkPolicies"] if r["hop"] == "dns"]
    assert [(r["direction"], r["protocol"], r["to"], r["outcome"]) for r in dns] == [
        ("egress", "UDP", "node address 169.254.20.10", "denied"),
        ("ingress", "UDP", "node address 169.254.20.10", "allowed"),
        ("egress", "TCP", "node address 169.254.20.10", "denied"),
        ("ingress", "TCP", "node address 169.254.20.10", "allowed"),
    ]
    assert ("netpol-dns-node-local-cache", "fail") in netpol_findings(doc)
    assert "{cidr: 169.254.20.10/32}" in dns[0]["fix"] or "cidr: 169.254.20.10/32" in dns[0]["fix"]
    assert "NodeLocal DNS cache on its node" in doc["facts"]["networkPolicyAssumed"]
    # the same policies with the kube-dns ClusterIP as nameserver: allowed
    result["resolver"]["nameservers"] = ["10.96.0.10"]
    code, doc = replay(capsys, tmp_path, result, DENY_EGRESS, allow_dns("UDP", "TCP"))
    dns = [r for r in doc["networkPolicies"] if r["hop"] == "dns"]
    assert {r["outcome"] for r in dns} == {"allowed"}


# ------------------------------------------------------------------ scan


def scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *objects: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "objects.yaml"
    path.write_text("\n---\n".join([BASE, *(yaml.safe_dump(o) for o in objects)]))
    code = run(["scan", "-n", "shop", "-f", str(path), "-o", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def scan_findings(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (item["subjectKind"], item["name"], f["id"])
        for item in doc["items"]
        for f in item["findings"]
        if f["id"].startswith("netpol-")
    ]


def test_scan_reports_a_namespace_whose_default_deny_egress_blocks_dns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, doc = scan(capsys, tmp_path, DENY_EGRESS)
    assert code == 1
    assert scan_findings(doc) == [("Namespace", "shop", "netpol-namespace-dns-blocked")]
    (finding,) = doc["items"][0]["findings"]
    assert finding["message"].startswith(
        "in namespace shop, egress UDP and TCP 53 to the DNS pods is denied for Deployment "
        "client, Deployment web ("
    )
    fix = yaml.safe_load(finding["hint"].split("\n", 1)[1])
    assert finding["hint"].startswith("create NetworkPolicy shop/allow-dns-shop-kube-dns:")
    assert fix["spec"]["podSelector"] == {}
    # allowing UDP only still breaks TCP 53
    code, doc = scan(capsys, tmp_path, DENY_EGRESS, allow_dns("UDP"))
    assert scan_findings(doc) == [("Namespace", "shop", "netpol-namespace-dns-blocked")]
    assert "egress TCP 53 to the DNS pods is denied" in doc["items"][0]["findings"][0]["message"]
    code, doc = scan(capsys, tmp_path, DENY_EGRESS, allow_dns("UDP", "TCP"))
    assert code == 0 and scan_findings(doc) == []


def test_scan_reports_services_no_client_can_reach(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deny_in = netpol("deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
    code, doc = scan(capsys, tmp_path, deny_in)
    assert code == 1
    assert scan_findings(doc) == [("Service", "web", "netpol-backends-unreachable")]
    wrong_port = ingress_to_web("metrics-only", [{"ports": [{"port": 9090}]}])
    code, doc = scan(capsys, tmp_path, deny_in, wrong_port)
    assert scan_findings(doc) == [("Service", "web", "netpol-backends-unreachable")]
    some_clients = ingress_to_web("from-client", [{"from": [{"podSelector": CLIENT_LABELS}]}])
    code, doc = scan(capsys, tmp_path, deny_in, some_clients)
    assert code == 0 and scan_findings(doc) == []


# ------------------------------------------------------------------ live snapshots


def _live(**fields: Any) -> Any:
    from kubectl_discover.analyze.index import build_index
    from kubectl_discover.snapshot import Snapshot

    def pod(name: str, labels: dict[str, str], ip: str, namespace: str = "shop") -> Any:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [
                {"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": ip,
                       "conditions": [{"type": "Ready", "status": "True"}]},
        }  # fmt: skip

    service = yaml.safe_load(BASE.split("---")[0])
    services = fields.pop("services", (service,))
    snapshot = Snapshot(
        namespace="shop",
        live=True,
        services=services,
        pods=(pod("web-1", {"app": "web"}, "10.244.2.11"), pod("client", {}, "10.244.1.10")),
        namespace_labels={"shop": {"team": "front"}, "kube-system": {}},
        **fields,
    )
    return build_index(snapshot)


def test_namespace_labels_read_live_decide_a_namespace_selector() -> None:
    from kubectl_discover import diagnose

    team = ingress_to_web(
        "from-team", [{"from": [{"namespaceSelector": {"matchLabels": {"team": "front"}}}]}]
    )
    index = _live(networkpolicies=(team,))
    diagnosis = diagnose.diagnose_service(
        index, "shop", "web", client=diagnose.PolicyClient("pod/client")
    )
    (row,) = [p for p in diagnosis.policies if (p.hop, p.direction) == ("service", "ingress")]
    assert (row.outcome, row.decided_by) == (
        "allowed",
        "NetworkPolicy shop/from-team spec.ingress[0]",
    )
    assert (row.source, row.destination) == ("pod shop/client", "pod shop/web-1")


def test_an_engine_the_cluster_serves_makes_verdicts_unknown() -> None:
    from kubectl_discover import diagnose

    index = _live(networkpolicies=(DENY_EGRESS,), served_groups=frozenset({"apps", "cilium.io"}))
    diagnosis = diagnose.diagnose_service(
        index, "shop", "web", client=diagnose.PolicyClient("pod/client")
    )
    assert {p.outcome for p in diagnosis.policies} == {"unknown"}
    assert all("also governed by Cilium (cilium.io)" in p.decided_by for p in diagnosis.policies)
    assert "netpol-dns-egress-denied" not in {f.id for f in diagnosis.findings}


def test_admin_policies_left_out_for_their_replacement_make_verdicts_unknown() -> None:
    """Both network-policy-api versions served: v1alpha1's kinds are not read (the loader
    lists the v1alpha2 ClusterNetworkPolicies instead), so what they decide is unknown,
    never "allowed"; and that is no access problem to grant."""
    from kubectl_discover import diagnose
    from kubectl_discover.snapshot import SUPERSEDED, Unavailable

    gaps = tuple(
        Unavailable(kind, "list", "", f"policy.networking.k8s.io/v1alpha1 {SUPERSEDED}")
        for kind in ("adminnetworkpolicies", "baselineadminnetworkpolicies")
    )
    index = _live(networkpolicies=(DENY_EGRESS,), unavailable=gaps)
    diagnosis = diagnose.diagnose_service(
        index, "shop", "web", client=diagnose.PolicyClient("pod/client")
    )
    assert {p.outcome for p in diagnosis.policies} == {"unknown"}
    assert all("AdminNetworkPolicy" in p.decided_by for p in diagnosis.policies)
    assert "access-skipped" not in {f.id for f in diagnosis.findings}


def test_unread_network_policies_add_no_rows_and_the_skip_is_stated() -> None:
    from kubectl_discover import diagnose
    from kubectl_discover.snapshot import Unavailable

    refused = Unavailable("networkpolicies", "list", "", "forbidden")
    index = _live(networkpolicies=(), unavailable=(refused,))
    diagnosis = diagnose.diagnose_service(index, "shop", "web")
    assert diagnosis.policies == ()
    (access,) = [f for f in diagnosis.findings if f.id == "access-skipped"]
    assert access.message == (
        "cannot list networkpolicies cluster-wide: forbidden; skipped: NetworkPolicy path verdicts."
    )


def test_route_url_judges_the_ingress_controller_hop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app_only = ingress_to_web("from-client", [{"from": [{"podSelector": CLIENT_LABELS}]}])
    code, doc = svc(
        capsys,
        tmp_path,
        app_only,
        extra=INGRESS,
        args=(),
        command=("route", "http://shop.example.com/"),
    )
    assert code == 1
    assert rows(doc) == [
        ("controller", "egress", "TCP/8080", "allowed", ALLOWED),
        ("controller", "ingress", "TCP/8080", "denied", "no policy allows it"),
    ]
    assert ("netpol-ingress-controller-not-admitted", "fail") in netpol_findings(doc)


def test_an_unknown_ingress_controller_is_said_not_guessed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app_only = ingress_to_web("from-client", [{"from": [{"podSelector": CLIENT_LABELS}]}])
    other = INGRESS.replace("k8s.io/ingress-nginx", "example.com/ingress")
    code, doc = svc(capsys, tmp_path, app_only, extra=other, args=(), command=("ingress", "shop"))
    assert code == 0
    assert doc["networkPolicies"] == []
    assert doc["facts"]["networkPolicyAssumed"] == (
        "the pods of Ingress controller example.com/ingress are not identifiable: "
        "controller -> backend verdicts not computed"
    )
    assert netpol_findings(doc) == []


def test_network_policy_api_not_installed_is_not_a_skip() -> None:
    from kubectl_discover import pipeline
    from kubectl_discover.analyze.index import build_index
    from kubectl_discover.loading import Loaded
    from kubectl_discover.snapshot import POLICY_API_NOT_SERVED, Snapshot, Unavailable

    gap = Unavailable(
        "clusternetworkpolicies",
        "list",
        "",
        f"policy.networking.k8s.io/v1alpha2 {POLICY_API_NOT_SERVED}",
    )
    snapshot = Snapshot(namespace="shop", live=True, unavailable=(gap,))
    loaded = Loaded(snapshot, build_index(snapshot), "shop", "shop", "test")
    assert not gap.refused and gap.not_served
    assert pipeline.skipped_notes(loaded) == []


GATEWAY_SHOP = str(Path(__file__).resolve().parents[1] / "fixtures" / "gateway" / "shop.yaml")
GATEWAY_EXTRA = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: api, ports: [{name: http, containerPort: 9000}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: gw-proxy
  namespace: infra
  labels: {gateway.networking.k8s.io/gateway-name: gw}
spec:
  containers: [{name: envoy, image: envoy}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-client, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
"""


def test_route_through_a_gateway_judges_its_proxy_pods(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(GATEWAY_EXTRA)
    url = "http://shop.example.com/api/cart"
    code = run(["route", url, "-n", "shop", "-f", GATEWAY_SHOP, "-f", str(extra), "-o", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 1, err
    assert rows(doc) == [
        ("controller", "egress", "TCP/9000", "allowed", ALLOWED),
        ("controller", "ingress", "TCP/9000", "denied", "no policy allows it"),
    ]
    row = doc["networkPolicies"][1]
    assert (row["from"], row["to"], row["service"]) == (
        "pod infra/gw-proxy",
        "pod shop/api-<pod>",
        "shop/api",
    )
    assert ("netpol-ingress-controller-not-admitted", "fail") in netpol_findings(doc)


def _timed_out_connect(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *objects: dict[str, Any]
) -> str:
    """The why of ``svc web``'s ClusterIP row (10.96.0.50:80), replayed with a probe whose
    connect there timed out."""
    from kubectl_discover.probe.plan import connect_key
    from kubectl_discover.probing import RECORD_FORMAT

    result = json.loads(json.dumps(RECORDED))
    result["connects"] = [
        {"key": connect_key("tcp", "10.96.0.50", 80), "host": "10.96.0.50", "port": 80,
         "scheme": "tcp", "error": "timed out", "connect_ms": None, "elapsed_ms": 3000.0,
         "http": None, "tls": None, "peer": None}
    ]  # fmt: skip
    record = tmp_path / "probe.json"
    probe = {"pod": "discover-probe-x1y2z", "namespace": "shop"}
    record.write_text(json.dumps({"format": RECORD_FORMAT, "probe": probe, "result": result}))
    path = tmp_path / "objects.yaml"
    base = BASE.replace(
        "  selector: {app: web}\n", "  clusterIP: 10.96.0.50\n  selector: {app: web}\n", 1
    )
    path.write_text("\n---\n".join([base, *(yaml.safe_dump(o) for o in objects)]))
    run(["svc", "web", "-n", "shop", "-f", str(path), "--replay", str(record), "-o", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    (row,) = [e for e in json.loads(out)["endpoints"] if e["kind"] == "cluster-ip"]
    assert (row["observed"], row["verdict"]) == ("timed out", "fail")
    return str(row["why"])


def test_a_connect_timeout_is_explained_by_the_policy_that_drops_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deny_in = netpol("deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
    why = _timed_out_connect(capsys, tmp_path, deny_in)
    assert why.startswith(
        "timed out: dropped by NetworkPolicy: ingress TCP 8080 from pod shop/discover-probe to "
        "pod shop/web-<pod> is denied (no policy allows it); analysis: "
    )


def test_a_connect_timeout_the_policies_allow_is_not_blamed_on_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    why = _timed_out_connect(capsys, tmp_path, ALLOW_ALL_EGRESS)
    assert why.startswith(
        "timed out: NetworkPolicies allow this connection (egress: NetworkPolicy "
        "shop/allow-all spec.egress[0]; ingress: no policy isolates it), so they do not drop it"
    )
    assert "NetworkPolicy," not in why  # the generic guess is gone


def test_the_other_namespace_of_a_live_svc_is_one_whose_services_were_read() -> None:
    """svc lists Namespaces (for NetworkPolicies) but Services of its own namespace only:
    "web" from a listed namespace whose Services were not read cannot be predicted, so the
    short-name trap is shown from a namespace that does not exist (NXDOMAIN, predictable)."""
    from datetime import UTC, datetime

    from kubectl_discover import pipeline
    from kubectl_discover.commands import SVC
    from kubectl_discover.loading import Loaded

    index = _live(namespaces=("default", "kube-system", "shop"))  # Services of shop only
    loaded = Loaded(index.snapshot, index, "shop", "shop", "test")
    diagnosis = pipeline.diagnose_subject(
        pipeline.Subject(SVC, "web"), loaded, now=datetime.now(UTC)
    )
    others = {(d.query, d.client_namespace, d.exists) for d in diagnosis.dns if d.query == "web"}
    assert others == {("web", "shop", True), ("web", "other", False)}


DB_OUTSIDE = """
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  ports: [{name: pg, port: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-1
  namespace: shop
  labels: {kubernetes.io/service-name: db}
addressType: IPv4
ports: [{name: pg, port: 5432, protocol: TCP}]
endpoints: [{addresses: [203.0.113.7]}]
"""


def test_a_service_without_selector_is_judged_at_its_slice_addresses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Egress to the addresses of hand-made EndpointSlices: denied when the client is
    isolated and no rule names any destination; with an ipBlock rule the verdict is
    unknown, because whether ipBlock sees the rewritten Service IP is not defined."""
    common = dict(extra=DB_OUTSIDE, command=("svc", "db"))
    code, doc = svc(capsys, tmp_path, DENY_EGRESS, allow_dns("UDP", "TCP"), **common)  # type: ignore[arg-type]
    external = [r for r in rows(doc) if r[0] == "external"]
    assert external == [
        ("external", "egress", "TCP/5432", "denied", "no policy allows it"),
        ("external", "ingress", "TCP/5432", "allowed", "exempt"),  # no policy governs it there
    ]
    assert code == 1
    to_block = netpol(
        "to-db",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}],
        },
    )
    _, doc = svc(capsys, tmp_path, DENY_EGRESS, allow_dns("UDP", "TCP"), to_block, **common)  # type: ignore[arg-type]
    assert [r[3] for r in rows(doc) if r[0] == "external"] == ["unknown", "allowed"]


def test_an_external_name_service_says_why_its_egress_is_not_judged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: pay, namespace: shop}\n"
        "spec: {type: ExternalName, externalName: pay.example.com}\n"
    )
    _, doc = svc(capsys, tmp_path, DENY_EGRESS, extra=other, command=("svc", "pay"))
    assert not [r for r in rows(doc) if r[0] in ("service", "external")]
    assert (
        "Service shop/pay is an ExternalName (pay.example.com): the client connects to "
        "whatever that name resolves to, which only ipBlock rules can match; egress to it is "
        "computed once a probe resolved it (and the Service declares a port)"
        in doc["facts"]["networkPolicyAssumed"]
    )


def test_an_external_name_resolved_by_the_probe_is_judged_at_those_addresses() -> None:
    """The probe's getaddrinfo answers for the ExternalName are where the client connects:
    an ipBlock covering them allows the egress, one that does not leaves it denied."""
    from kubectl_discover import diagnose

    pay = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pay", "namespace": "shop"},
           "spec": {"type": "ExternalName", "externalName": "pay.example.com",
                    "ports": [{"port": 443}]}}  # fmt: skip

    def egress_rows(block: str) -> list[tuple[str, str, str]]:
        to_block = netpol(
            "to-pay",
            {"podSelector": {}, "policyTypes": ["Egress"],
             "egress": [{"to": [{"ipBlock": {"cidr": block}}], "ports": [{"port": 443}]}]},
        )  # fmt: skip
        index = _live(services=(pay,), networkpolicies=(DENY_EGRESS, to_block))
        client = diagnose.PolicyClient("pod/client", resolved=("198.51.100.7",))
        diagnosis = diagnose.diagnose_service(index, "shop", "pay", client=client)
        return [
            (p.destination, f"{p.protocol}/{p.port}", p.outcome)
            for p in diagnosis.policies
            if (p.hop, p.direction) == ("external", "egress")
        ]

    assert egress_rows("198.51.100.0/24") == [
        ("external address 198.51.100.7", "TCP/443", "allowed")
    ]
    assert egress_rows("203.0.113.0/24") == [("external address 198.51.100.7", "TCP/443", "denied")]


def test_the_probe_s_getaddrinfo_answers_are_an_external_name_s_addresses() -> None:
    from kubectl_discover.analyze.model import Diagnosis
    from kubectl_discover.pipeline import ProbeRun, _resolved_target
    from kubectl_discover.probe.observations import ProbeResult

    result = ProbeResult.from_json(
        {
            "dns": [
                {"key": "dns:0", "name": "pay", "libc": {"addresses": ["198.51.100.7"]}},
                {
                    "key": "dns:1",
                    "name": "pay.shop",
                    "libc": {"addresses": ["198.51.100.7", "198.51.100.8"]},
                },
                {
                    "key": "dns:2",
                    "name": "pay.other",
                    "libc": {"addresses": [], "error": "NXDOMAIN"},
                },
            ]
        }
    )
    run = ProbeRun(result, {})
    external = Diagnosis("Service", "shop", "pay", "ExternalName", ())
    assert _resolved_target(external, run) == ("198.51.100.7", "198.51.100.8")
    cluster_ip = Diagnosis("Service", "shop", "web", "ClusterIP", ())
    assert _resolved_target(cluster_ip, run) == ()
    assert _resolved_target(external, None) == ()
