"""The Corefile read from the live cluster (issue 16, part 1): the test cluster publishes
the kubeadm-like CoreDNS's Corefile as kube-system/coredns (testcluster/boot.py), and the
plugin's report cites its lines; a prediction that follows ``pods insecure`` is what that
CoreDNS really answers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

SCENARIO = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{name: http, port: 80}]
"""

SETTINGS = (
    "ConfigMap kube-system/coredns read: cluster domain cluster.local ('kubernetes "
    "cluster.local in-addr.arpa ip6.arpa {...}' (kube-system/coredns/Corefile line 5)), pods "
    "insecure (kube-system/coredns/Corefile line 7), no endpoint_pod_names, ttl 30."
)


def dns_query(server: str, name: str, rdtype: str) -> dict[str, Any]:
    """One UDP question to ``server``; the rcode and the answer RDATA as text."""
    import dns.message
    import dns.query
    import dns.rcode

    response = dns.query.udp(dns.message.make_query(name, rdtype), server, timeout=3)
    data = sorted(rd.to_text() for rrset in response.answer for rd in rrset)
    return {"rcode": dns.rcode.to_text(response.rcode()), "data": data}


def discover(cluster: Cluster, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cluster.exec([sys.executable, "-m", "kubectl_discover", *args], timeout=120)
    return result.returncode, json.loads(result.stdout), result.stderr


@pytest.fixture(scope="module")
def corefile_ns(cluster: Cluster) -> Iterator[str]:
    with cluster.namespace("corefile") as namespace:
        cluster.apply(SCENARIO, namespace)
        yield namespace


def test_the_harness_publishes_the_corefile_it_runs(cluster: Cluster) -> None:
    configmap = cluster.get_json("configmap", "coredns", "-n", "kube-system")
    text = configmap["data"]["Corefile"]
    assert text.splitlines()[4].strip() == "kubernetes cluster.local in-addr.arpa ip6.arpa {"
    assert text.splitlines()[6].strip() == "pods insecure"


def test_svc_report_cites_the_live_corefile(cluster: Cluster, corefile_ns: str) -> None:
    code, doc, err = discover(cluster, "svc", "web", "-n", corefile_ns, "--no-probe", "-o", "json")
    ids = [f["id"] for f in doc["findings"]]
    assert "corefile-assumed" not in ids, err
    settings = [f for f in doc["findings"] if f["id"] == "corefile-settings"]
    assert [(f["severity"], f["subject"], f["message"]) for f in settings] == [
        ("info", "ConfigMap kube-system/coredns", SETTINGS)
    ]
    assert not [note for note in doc["skipped"] if "configmaps" in note], doc["skipped"]
    assert code == (1 if doc["verdict"] == "fail" else 0)


def test_pod_ip_name_follows_pods_insecure_as_coredns_answers(
    cluster: Cluster, corefile_ns: str
) -> None:
    name = f"10-244-0-99.{corefile_ns}.pod.cluster.local"
    code, doc, err = discover(cluster, "dns", name, "-n", corefile_ns, "-o", "json")
    assert code == 0, err
    (row,) = doc["dnsNames"]
    assert (row["expected"], row["verdict"]) == ("A 10.244.0.99", "ok")
    assert row["why"].startswith(
        "resolves as predicted: pod record (pods insecure (kube-system/coredns/Corefile line 7));"
        " search candidate 4 of 4;"
    ), row["why"]
    real = cluster.call(dns_query, cluster.dns_server, name + ".", "A")
    assert real == {"rcode": "NOERROR", "data": ["10.244.0.99"]}
