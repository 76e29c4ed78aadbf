"""The Corefile wired to svc and dns (issue 16, parts 1 and 4): through the CLI on files,
with the coredns ConfigMaps in tests/fixtures/corefile/wired/."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.cli import run

WIRED = Path(__file__).resolve().parents[1] / "fixtures" / "corefile" / "wired"
SHOP = str(WIRED / "shop.yaml")
CUSTOM = str(WIRED / "custom-domain.yaml")
REWRITE = str(WIRED / "rewrite.yaml")
KUBEADM = str(WIRED.parent / "kubeadm.yaml")

ASSUMED = (
    "no coredns ConfigMap (kube-system/coredns) among the files; assumed kubeadm's Corefile: "
    "pods insecure, no endpoint_pod_names, cluster.local, ttl 30."
)
CUSTOM_SETTINGS = (
    "ConfigMap kube-system/coredns read: cluster domain corp.internal ('kubernetes "
    "corp.internal in-addr.arpa ip6.arpa {...}' (kube-system/coredns/Corefile line 3)), pods "
    "disabled (kube-system/coredns/Corefile line 4), endpoint_pod_names "
    "(kube-system/coredns/Corefile line 5), ttl 10, NXDOMAIN cached 10s."
)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = run([*args, "-o", "json"])
    out, err = capsys.readouterr()
    assert out, err
    return code, json.loads(out)


def _findings(doc: dict[str, Any], *ids: str) -> list[tuple[str, str, str]]:
    return [(f["id"], f["severity"], f["message"]) for f in doc["findings"] if f["id"] in ids]


def _rows(doc: dict[str, Any], form: str) -> list[tuple[str, str, str, str]]:
    return [
        (r["query"], r["expected"], r["verdict"], r["why"])
        for r in doc["dnsNames"]
        if r["form"] == form
    ]


def test_without_a_corefile_the_kubeadm_assumption_is_stated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "--no-probe")
    assert (code, doc["verdict"]) == (0, "ok")
    assert _findings(doc, "corefile-assumed", "corefile-settings") == [
        ("corefile-assumed", "info", ASSUMED)
    ]
    (assumed,) = [f for f in doc["findings"] if f["id"] == "corefile-assumed"]
    assert assumed["subject"] == "ConfigMap kube-system/coredns"
    assert assumed["hint"] == (
        "pass the coredns ConfigMap with -f (kubectl get configmap -n kube-system coredns -o yaml)"
    )
    assert [r[0] for r in _rows(doc, "fqdn")] == ["web.shop.svc.cluster.local."]


def test_kubeadm_corefile_read_from_the_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-f", KUBEADM, "--no-probe")
    assert (code, doc["verdict"]) == (0, "ok")
    assert _findings(doc, "corefile-assumed", "corefile-settings") == [
        (
            "corefile-settings",
            "info",
            "ConfigMap kube-system/coredns read: cluster domain cluster.local ('kubernetes "
            "cluster.local in-addr.arpa ip6.arpa {...}' (kube-system/coredns/Corefile line 7)), "
            "pods insecure (kube-system/coredns/Corefile line 8), no endpoint_pod_names, ttl 30.",
        )
    ]


def test_custom_cluster_domain_comes_from_the_corefile(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-f", CUSTOM, "--no-probe")
    assert (code, doc["verdict"]) == (0, "ok")
    assert _rows(doc, "fqdn") == [
        (
            "web.shop.svc.corp.internal.",
            "A 10.96.0.20",
            "ok",
            "the IPv4 cluster IP (answered even without endpoints)",
        )
    ]
    assert _findings(doc, "corefile-settings") == [("corefile-settings", "info", CUSTOM_SETTINGS)]


def test_cluster_domain_flag_overrides_the_corefile(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(
        capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-f", CUSTOM, "--no-probe",
        "--cluster-domain", "cluster.local",
    )  # fmt: skip
    assert (code, doc["verdict"]) == (1, "fail")
    assert [r[0] for r in _rows(doc, "fqdn")] == ["web.shop.svc.cluster.local."]
    found = _findings(doc, "corefile-no-cluster-domain", "corefile-routed")
    assert [(f[0], f[1]) for f in found] == [
        ("corefile-no-cluster-domain", "fail"),
        ("corefile-routed", "warn"),
    ]


def test_endpoint_pod_names_name_headless_endpoints_after_their_pods(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "svc", "db", "-n", "shop", "-f", SHOP, "-f", CUSTOM, "--no-probe")
    assert (code, doc["verdict"]) == (0, "ok")
    assert _rows(doc, "per-pod") == [
        (
            "db-0.db.shop.svc.corp.internal.",
            "A 10.244.1.7",
            "ok",
            "endpoint_pod_names (kube-system/coredns/Corefile line 5): the per-pod name is "
            "db-0.db.shop.svc.corp.internal (its endpoint has no hostname, so CoreDNS names it "
            "after the pod)",
        )
    ]
    assert [r[1] for r in _rows(doc, "srv")] == ["SRV 0 100 5432 db-0.db.shop.svc.corp.internal."]
    assert _findings(doc, "per-pod-names", "per-pod-no-identity") == [
        ("per-pod-names", "ok", "1 per-pod name(s) under Service shop/db: db-0.")
    ]


def test_without_endpoint_pod_names_the_pod_name_is_nxdomain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "svc", "db", "-n", "shop", "-f", SHOP, "-f", KUBEADM, "--no-probe")
    assert code == 0
    assert _rows(doc, "per-pod") == [
        (
            "db-0.db.shop.svc.cluster.local.",
            "no A (NXDOMAIN/NODATA)",
            "info",
            "db-0 has no spec.hostname and no spec.subdomain",
        )
    ]
    assert [r[1] for r in _rows(doc, "srv")] == [
        "SRV 0 100 5432 10-244-1-7.db.shop.svc.cluster.local."
    ]


def test_pods_disabled_makes_pod_ip_names_nxdomain(capsys: pytest.CaptureFixture[str]) -> None:
    name = "10-244-1-5.shop.pod.corp.internal"
    code, doc = _json(capsys, "dns", name, "-n", "shop", "-f", SHOP, "-f", CUSTOM)
    assert (code, doc["verdict"]) == (0, "warn")
    assert _rows(doc, "pod-ip") == [
        (
            name,
            "no A (NXDOMAIN/NODATA)",
            "fail",
            "pods disabled (kube-system/coredns/Corefile line 4): pod-IP names are NXDOMAIN",
        )
    ]
    assert [(f[0], f[1]) for f in _findings(doc, "corefile-pods-disabled")] == [
        ("corefile-pods-disabled", "warn")
    ]


def test_pods_insecure_is_cited_from_the_assumed_corefile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "10-244-1-5.shop.pod.cluster.local"
    code, doc = _json(capsys, "dns", name, "-n", "shop", "-f", SHOP)
    assert (code, doc["verdict"]) == (0, "ok")
    assert _rows(doc, "pod-ip") == [
        (
            name,
            "A 10.244.1.5",
            "ok",
            "pod record (pods insecure (assumed kubeadm Corefile line 8)); search candidate 4 of 4",
        )
    ]
    assert [f[2] for f in _findings(doc, "corefile-assumed")] == [ASSUMED]


def test_dns_name_uses_the_corefile_domain(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "dns", "web.shop", "-n", "shop", "-f", SHOP, "-f", CUSTOM)
    assert (code, doc["verdict"]) == (0, "ok")
    (row,) = doc["dnsNames"]
    assert (row["fqdn"], row["expected"]) == ("web.shop.svc.corp.internal", "A 10.96.0.20")


def test_rewrite_sends_the_service_name_elsewhere(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-f", REWRITE, "--no-probe")
    assert (code, doc["verdict"]) == (1, "fail")
    line = (
        "'rewrite name exact web.shop.svc.cluster.local web-canary.shop.svc.cluster.local' "
        "(kube-system/coredns/Corefile line 3)"
    )
    assert _rows(doc, "fqdn") == [
        (
            "web.shop.svc.cluster.local.",
            "no A (NXDOMAIN/NODATA)",
            "fail",
            f"rewrite {line}: the query becomes web-canary.shop.svc.cluster.local; no Service "
            "shop/web-canary",
        )
    ]
    assert _findings(doc, "corefile-routed") == [
        (
            "corefile-routed",
            "fail",
            "web.shop.svc.cluster.local. is rewritten to web-canary.shop.svc.cluster.local. "
            f"before the kubernetes plugin sees it: {line}, where it has no answer.",
        )
    ]


YOUNG = """
apiVersion: v1
kind: Service
metadata: {name: new, namespace: shop, creationTimestamp: "2026-03-01T12:00:00Z"}
spec:
  selector: {app: web}
  clusterIP: 10.96.0.30
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        kubernetes cluster.local {
           ttl 120
        }
        cache 300 {
           denial 9984 600
        }
        forward . /etc/resolv.conf
    }
"""


def _young(tmp_path: Path, seconds: int) -> dict[str, Any]:
    from kubectl_discover import loading, pipeline
    from kubectl_discover.commands import SVC

    path = tmp_path / "young.yaml"
    path.write_text(YOUNG)
    request = loading.LoadRequest(
        SVC, loading.Source(filenames=(str(path), SHOP)), "shop", detect_cluster_domain=True
    )
    loaded = loading.load(request)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=seconds)
    return pipeline.subject_report(pipeline.Subject(SVC, "new"), loaded, runner=None, now=now)


def test_a_service_younger_than_the_denial_ttl_gets_a_note(tmp_path: Path) -> None:
    doc = _young(tmp_path, 45)
    assert _findings(doc, "dns-negative-cache") == [
        (
            "dns-negative-cache",
            "info",
            "Service shop/new was created 45s ago, less than the NXDOMAIN cache TTL of 120s "
            "('cache 300 {...}' (kube-system/coredns/Corefile line 5)): a client that asked for "
            "new.shop.svc.cluster.local. before it existed may get NXDOMAIN for up to 75s more.",
        )
    ]


def test_an_older_service_gets_no_note(tmp_path: Path) -> None:
    assert _findings(_young(tmp_path, 120), "dns-negative-cache") == []


PEERS = """
apiVersion: v1
kind: Service
metadata: {name: peers, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  clusterIP: None
  selector: {app: peers}
  ports: [{name: gossip, port: 7000}]
---
apiVersion: v1
kind: Pod
metadata:
  name: peers-0
  namespace: shop
  labels: {app: peers}
  creationTimestamp: "2026-03-01T12:00:00Z"
spec:
  hostname: peers-0
  subdomain: peers
  containers: [{name: p, image: busybox, ports: [{containerPort: 7000}]}]
status:
  phase: Running
  podIP: 10.244.2.9
  podIPs: [{ip: 10.244.2.9}]
  conditions: [{type: Ready, status: "True"}]
"""


def test_a_pod_younger_than_the_denial_ttl_gets_a_note_for_its_per_pod_name(
    tmp_path: Path,
) -> None:
    from kubectl_discover import loading, pipeline
    from kubectl_discover.commands import SVC

    young = tmp_path / "young.yaml"
    young.write_text(YOUNG.split("---", 1)[1])  # the ConfigMap only
    peers = tmp_path / "peers.yaml"
    peers.write_text(PEERS)
    request = loading.LoadRequest(
        SVC, loading.Source(filenames=(str(peers), str(young))), "shop", detect_cluster_domain=True
    )
    now = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    doc = pipeline.subject_report(
        pipeline.Subject(SVC, "peers"), loading.load(request), runner=None, now=now
    )
    assert _findings(doc, "dns-negative-cache") == [
        (
            "dns-negative-cache",
            "info",
            "Pod shop/peers-0 was created 30s ago, less than the NXDOMAIN cache TTL of 120s "
            "('cache 300 {...}' (kube-system/coredns/Corefile line 5)): a client that asked for "
            "peers-0.peers.shop.svc.cluster.local. before it existed may get NXDOMAIN for up to "
            "90s more.",
        )
    ]


STUB = str(WIRED / "stub.yaml")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "db.corp.example",
            "db.corp.example. is forwarded to 10.0.0.53:53 by 'forward . 10.0.0.53' "
            "(kube-system/coredns/Corefile line 2).",
        ),
        (
            "legacy.internal",
            "legacy.internal. is answered by hosts 'hosts {...}' (kube-system/coredns/Corefile "
            "line 5) with 10.1.2.3.",
        ),
        (
            "api.example.com",
            "api.example.com. is forwarded to /etc/resolv.conf by 'forward . /etc/resolv.conf' "
            "(kube-system/coredns/Corefile line 10).",
        ),
    ],
)
def test_dns_name_outside_the_cluster_says_which_line_answers(
    capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    code, doc = _json(capsys, "dns", name, "-n", "shop", "-f", SHOP, "-f", STUB)
    assert (code, doc["verdict"]) == (0, "ok")
    assert _findings(doc, "corefile-upstream") == [("corefile-upstream", "info", message)]


def test_a_default_pods_mode_cites_the_kubernetes_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "dns", "web.shop", "-n", "shop", "-f", SHOP, "-f", STUB)
    assert code == 0
    assert [f[2] for f in _findings(doc, "corefile-settings")] == [
        "ConfigMap kube-system/coredns read: cluster domain cluster.local ('kubernetes "
        "cluster.local' (kube-system/coredns/Corefile line 9)), pods disabled (default; "
        "kube-system/coredns/Corefile line 9), no endpoint_pod_names, ttl 5, NXDOMAIN cached 5s."
    ]


def test_dns_name_of_a_pod_named_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    name = "db-0.db.shop.svc.corp.internal"
    code, doc = _json(capsys, "dns", name, "-n", "shop", "-f", SHOP, "-f", CUSTOM)
    assert (code, doc["verdict"]) == (0, "ok")
    assert [(r["expected"], r["why"]) for r in doc["dnsNames"]] == [
        (
            "A record(s)",
            "endpoint db-0 of shop/db (endpoint_pod_names (kube-system/coredns/Corefile line 5): "
            "named after its pod); search candidate 1 of 1",
        )
    ]
    code, doc = _json(capsys, "dns", name.replace("corp.internal", "cluster.local"), "-n", "shop",
                      "-f", SHOP, "-f", KUBEADM)  # fmt: skip
    assert (code, doc["verdict"]) == (1, "fail")


NO_UPSTREAM = str(WIRED / "no-upstream.yaml")


def test_no_upstream_is_info_for_a_service_and_a_warning_for_an_outside_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(
        capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-f", NO_UPSTREAM, "--no-probe"
    )
    assert (code, doc["verdict"]) == (0, "ok")
    assert _findings(doc, "corefile-no-upstream") == [
        (
            "corefile-no-upstream",
            "info",
            "names outside the cluster (e.g. example.com) get SERVFAIL from ConfigMap "
            "kube-system/coredns: no server block on port 53 forwards them (not about the names "
            "asked here).",
        )
    ]
    code, doc = _json(capsys, "dns", "api.example.com", "-n", "shop", "-f", SHOP, "-f", NO_UPSTREAM)
    assert (code, doc["verdict"]) == (0, "warn")
    assert [(f[0], f[1]) for f in _findings(doc, "corefile-no-upstream", "corefile-upstream")] == [
        ("corefile-no-upstream", "warn"),
        ("corefile-upstream", "warn"),
    ]


VERIFIED = """
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        kubernetes cluster.local {
           pods verified
        }
        forward . /etc/resolv.conf
    }
"""


@pytest.mark.parametrize(
    ("label", "expected", "why"),
    [
        (
            "10-244-1-5",
            "A 10.244.1.5",
            "pod record (pods verified (kube-system/coredns/Corefile line 3): a pod has "
            "10.244.1.5); search candidate 4 of 4",
        ),
        (
            "10-244-1-99",
            "no A (NXDOMAIN/NODATA)",
            "pods verified (kube-system/coredns/Corefile line 3): no pod with IP 10.244.1.99 in "
            "shop",
        ),
    ],
)
def test_pods_verified_answers_only_a_running_pods_ip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, expected: str, why: str
) -> None:
    corefile = tmp_path / "verified.yaml"
    corefile.write_text(VERIFIED)
    name = f"{label}.shop.pod.cluster.local"
    _, doc = _json(capsys, "dns", name, "-n", "shop", "-f", SHOP, "-f", str(corefile))
    assert [(r["expected"], r["why"]) for r in doc["dnsNames"]] == [(expected, why)]
