"""Every hop of the DNS path, live: the pod's nameserver, a node-local cache, the kube-dns
ClusterIP and each CoreDNS replica, asked over UDP and TCP (issue 16, items 2 and 3).

The test cluster runs two kube-dns replicas (``coredns`` on kd-node-1, ``coredns-2`` on
kd-node-2) and a node-local cache on 169.254.20.10 (testcluster/dnspath.py). Each test
breaks one hop the way it breaks in real clusters and checks that the report names it:
the replica stopped (SIGSTOP), its TCP port refused (iptables), its zone stale (its
Corefile reloaded to serve one namespace), the node-local cache stopped. The CLI runs as
``python -m kubectl_discover`` inside the cluster's namespace; every test ends with no
probe pod left.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from testcluster import Cluster, dnspath

pytestmark = pytest.mark.e2e

PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover,app.kubernetes.io/component=probe"
KUBERNETES = "kubernetes.default.svc.cluster.local"


def discover(cluster: Cluster, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cluster.exec(
        [sys.executable, "-m", "kubectl_discover", *args, "-o", "json"],
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "NO_COLOR": "1"},
        timeout=180,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("{"), result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def hops(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The DNS path rows of a report, by key."""
    return {o["key"]: o for o in document["observations"] if "key" in o}


def replica_ips(cluster: Cluster) -> tuple[str, str]:
    first = cluster.get_json("pod", "coredns", "-n", "kube-system")["status"]["podIP"]
    second = cluster.get_json("pod", dnspath.REPLICA.name, "-n", "kube-system")["status"]["podIP"]
    return str(first), str(second)


def no_probe_pods(cluster: Cluster) -> bool:
    return cluster.get_json("pods", "-A", "-l", PROBE_LABEL)["items"] == []


def test_every_hop_is_asked_and_repeat_reports_the_distribution(cluster: Cluster) -> None:
    first, second = replica_ips(cluster)
    code, doc, err = discover(cluster, "dns", KUBERNETES, "--node", "kd-node-1", "--repeat", "20")
    assert code == 0, err
    rows = hops(doc)
    assert {k: (r["subject"], r["verdict"]) for k, r in rows.items()} == {
        "dnspath:service:10.96.0.10": ("kube-dns ClusterIP 10.96.0.10 (resolv.conf)", "ok"),
        f"dnspath:replica:{first}": (
            f"CoreDNS replica kube-system/coredns {first} on kd-node-1",
            "ok",
        ),
        f"dnspath:replica:{second}": (
            f"CoreDNS replica kube-system/coredns-2 {second} on kd-node-2",
            "ok",
        ),
    }
    for key, row in rows.items():
        udp = row["observation"]["udp"]
        assert (udp["pairs"], udp["answered"], udp["lostOne"], udp["lostBoth"]) == (20, 20, 0, 0)
        assert 0 < udp["p50Ms"] <= udp["p90Ms"] <= udp["maxMs"], key
        assert row["observation"]["tcp"] == {"asked": 1, "answered": 1, "errors": []}
        assert row["observed"].startswith("UDP 10.96.0.1 in "), row["observed"]
        assert "; 20 pairs: p50 " in row["observed"], row["observed"]
        assert row["evidence"][f"udp A {KUBERNETES}."].startswith("10.96.0.1 ")
    assert no_probe_pods(cluster)


def test_a_stopped_replica_is_named(cluster: Cluster) -> None:
    first, _ = replica_ips(cluster)
    with dnspath.stopped_replica(cluster) as stopped:
        args = ("dns", KUBERNETES, "--node", "kd-node-1", "--repeat", "20")
        code, doc, err = discover(cluster, *args)
    assert code == 1, err
    rows = hops(doc)
    # kube-proxy picks a replica per pair (a new socket each): about half of the 20 pairs
    # asked of the ClusterIP went to the stopped one (all 20 to the other: p = 2**-20).
    service = rows["dnspath:service:10.96.0.10"]
    assert service["verdict"] == "warn"
    assert service["why"].startswith(
        "kube-proxy sends part of these queries to coredns-2, which does not answer (see its row)"
    )
    udp = service["observation"]["udp"]
    assert udp["pairs"] == 20 and 1 <= udp["lostBoth"] <= 19, udp
    bad = rows[f"dnspath:replica:{stopped}"]
    assert bad["subject"] == f"CoreDNS replica kube-system/coredns-2 {stopped} on kd-node-2"
    assert (bad["verdict"], bad["observed"]) == ("fail", "UDP no answer; TCP timeout")
    assert bad["why"] == (
        "no answer over UDP or TCP: kube-proxy still sends queries to it while its "
        "EndpointSlice says ready, and those clients time out (about 1 query in 2); check "
        "kubectl -n kube-system logs coredns-2, then delete the pod"
    )
    assert rows[f"dnspath:replica:{first}"]["verdict"] == "ok"
    assert doc["verdict"] == "fail"
    assert no_probe_pods(cluster)


def test_tcp_refused_by_one_replica_is_told_apart_from_udp(
    cluster: Cluster, namespace: str
) -> None:
    """Through ``svc``, which reads no Service of kube-system: the kube-dns ClusterIP comes
    from the one GET the probe adds."""
    cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", namespace)
    ip = cluster.get_json("service", "web", "-n", namespace)["spec"]["clusterIP"]
    first, _ = replica_ips(cluster)
    with dnspath.replica_tcp_refused(cluster) as refused:
        code, doc, err = discover(cluster, "svc", "web", "-n", namespace, "--node", "kd-node-1")
    rows = hops(doc)
    assert "dnspath:service:10.96.0.10" in rows, list(rows)
    bad = rows[f"dnspath:replica:{refused}"]
    assert bad["verdict"] == "warn"
    assert bad["observed"].startswith(f"UDP {ip} in ")
    assert bad["observed"].endswith("; TCP connection refused")
    assert bad["why"].startswith(
        "answers over UDP but not over TCP (connection refused): answers too large for UDP"
    )
    assert bad["observation"]["tcp"] == {
        "asked": 1,
        "answered": 0,
        "errors": ["connection refused"],
    }
    assert rows[f"dnspath:replica:{first}"]["verdict"] == "ok"
    # The Service has no endpoints (a fail finding of its own), the replica only warns.
    assert code == 1, err
    assert no_probe_pods(cluster)


def test_a_replica_serving_a_stale_zone_is_named(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", namespace)
    ip = cluster.get_json("service", "web", "-n", namespace)["spec"]["clusterIP"]
    name = f"web.{namespace}.svc.cluster.local"
    first, _ = replica_ips(cluster)
    with dnspath.stale_replica(cluster, only_namespace="default") as stale:
        code, doc, err = discover(cluster, "dns", name, "-n", namespace, "--node", "kd-node-1")
    assert code == 1, err
    rows = hops(doc)
    bad = rows[f"dnspath:replica:{stale}"]
    assert bad["subject"] == f"CoreDNS replica kube-system/coredns-2 {stale} on kd-node-2"
    assert bad["verdict"] == "fail"
    assert bad["why"] == (
        f"answers NXDOMAIN for {name}. where the API objects say {ip}: a stale or differently "
        "configured server (a stuck API watch, an old Corefile); clients it serves get the "
        "wrong answer; restart it (kubectl -n kube-system delete pod coredns-2)"
    )
    good = rows[f"dnspath:replica:{first}"]
    assert (good["verdict"], good["observed"].split(" in ")[0]) == ("ok", f"UDP {ip}")
    assert no_probe_pods(cluster)


def test_the_node_local_cache_is_probed_as_its_own_hop(cluster: Cluster, namespace: str) -> None:
    """A client on the real node kd-real-1 whose resolv.conf names the node-local cache (as
    kubelet's clusterDNS 169.254.20.10 makes it): the probe, started --from it, copies its
    node and DNS settings, so it asks the cache first, then every hop behind it."""
    client = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "client", "namespace": namespace},
        "spec": {
            "nodeName": "kd-real-1",
            "dnsPolicy": "None",
            "dnsConfig": {
                "nameservers": [dnspath.NODELOCAL_ADDRESS],
                "searches": [
                    f"{namespace}.svc.cluster.local",
                    "svc.cluster.local",
                    "cluster.local",
                ],
                "options": [{"name": "ndots", "value": "5"}],
            },
            "containers": [
                {
                    "name": "c",
                    "image": "python:3.12-slim",
                    "command": ["python3", "-c", "import time; time.sleep(600)"],
                }
            ],
        },
    }
    cluster.apply(json.dumps(client))
    args = ("dns", KUBERNETES, "-n", namespace, "--from", "pod/client")
    key = f"dnspath:node-local:{dnspath.NODELOCAL_ADDRESS}"

    code, doc, err = discover(cluster, *args)
    assert code == 0, err
    assert doc["probe"]["node"] == "kd-real-1"
    assert doc["probe"]["resolvConf"]["nameservers"] == [dnspath.NODELOCAL_ADDRESS]
    row = hops(doc)[key]
    assert (row["subject"], row["verdict"]) == (
        f"node-local cache {dnspath.NODELOCAL_ADDRESS} on kd-real-1 (resolv.conf)",
        "info",
    )
    assert row["observed"].startswith("UDP 10.96.0.1 in ")
    assert row["observation"]["hop"]["resolvConf"] is True
    assert hops(doc)["dnspath:service:10.96.0.10"]["verdict"] == "ok"

    with dnspath.stopped_nodelocal(cluster):
        code, doc, err = discover(cluster, *args)
    assert code == 1, err
    row = hops(doc)[key]
    assert (row["verdict"], row["observed"]) == ("fail", "UDP no answer; TCP timeout")
    assert row["why"].startswith(
        "the node-local cache does not answer: every pod on kd-real-1 whose resolv.conf names "
        "it fails to resolve"
    )
    # kube-dns behind it is fine: the fault is the node's cache, not the cluster DNS.
    assert hops(doc)["dnspath:service:10.96.0.10"]["verdict"] == "ok"
    assert no_probe_pods(cluster)


def test_unlistable_replicas_are_a_stated_skip(cluster: Cluster, namespace: str) -> None:
    """deploy/rbac.yaml's read and probe roles bound in one namespace only: the kube-dns
    EndpointSlices (kube-system) cannot be listed, so the replicas are a stated skip and the
    pod's own nameserver is still asked."""
    repo = Path(__file__).resolve().parents[2]
    cluster.apply((repo / "deploy" / "rbac.yaml").read_text())
    user = f"kd-dnspath-{namespace}"
    bindings = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"kd-{role}", "namespace": namespace},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": f"kubectl-discover-{role}",
            },
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
        }
        for role in ("read", "probe")
    ]
    cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": bindings}))
    cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", namespace)
    kubeconfig = cluster.user_kubeconfig(user)
    args = ("svc", "web", "-n", namespace, "--node", "kd-node-1", "-o", "json")
    result = cluster.exec(
        [sys.executable, "-m", "kubectl_discover", *args],
        env={
            "PYTHONPATH": str(repo),
            "KUBECONFIG": str(kubeconfig),
            "NO_COLOR": "1",
        },
        timeout=180,
    )
    assert "Traceback" not in result.stderr, result.stderr
    rows = hops(json.loads(result.stdout))
    assert list(rows) == ["dnspath:replicas", "dnspath:resolver:10.96.0.10"]
    skip = rows["dnspath:replicas"]
    assert (skip["subject"], skip["observed"], skip["verdict"]) == (
        "CoreDNS replicas",
        "not asked",
        "info",
    )
    assert skip["why"] == (
        "cannot list endpointslices in kube-system: forbidden; only the pod's nameserver and "
        "the kube-dns ClusterIP were asked (grant list on endpointslices in kube-system, "
        "deploy/rbac.yaml)"
    )
    own = rows["dnspath:resolver:10.96.0.10"]
    assert (own["subject"], own["verdict"]) == ("nameserver 10.96.0.10 on kd-node-1", "ok")
    assert no_probe_pods(cluster)


def test_a_node_local_dns_configmap_binding_the_cluster_ip_is_said(cluster: Cluster) -> None:
    """NodeLocal DNSCache's ConfigMap (as its manifest ships it, placeholders and all) says
    its caches bind the kube-dns ClusterIP: the ClusterIP hop says who may answer it."""
    corefile = (
        "cluster.local:53 {\n"
        "    errors\n"
        "    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__\n"
        "    forward . __PILLAR__CLUSTER__DNS__\n"
        "}\n"
    )
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "node-local-dns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    }
    cluster.apply(json.dumps(configmap))
    try:
        code, doc, err = discover(cluster, "dns", KUBERNETES, "--node", "kd-node-1")
    finally:
        cluster.kubectl("delete", "configmap", "node-local-dns", "-n", "kube-system")
    assert code == 0, err
    row = hops(doc)["dnspath:service:10.96.0.10"]
    assert row["verdict"] == "ok"
    assert row["why"] == (
        "answers like the other hops, over UDP and TCP; NodeLocal DNSCache binds this address "
        "on the nodes it runs on ('bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__' "
        "(kube-system/node-local-dns/Corefile line 3)): there the node's cache answers it, not "
        "kube-proxy"
    )
    assert no_probe_pods(cluster)
