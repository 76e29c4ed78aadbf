"""The fan-out probe (issue 16 item 5): one probe pod per node, created, watched, exec'd and
deleted together, one column per node; a node-scoped fault is named by its node.

The node-scoped fault: the Service ``web`` has one backend, a real container on kd-real-1;
inside the cluster's network namespace an iptables rule drops what enters from kd-real-2's
pod bridge (``kd-br2``) for the Service's ClusterIP, as a broken kube-proxy or CNI on that
node would. (``internalTrafficPolicy: Local`` cannot stand in for it here: the harness runs
one kube-proxy, "on" kd-node-1, for every node, so its "local" endpoints are the same for
both real nodes.) From kd-real-1 the VIP answers, from kd-real-2 it times out.

Every test ends by asserting that no probe pod survives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
REAL = ("kd-real-1", "kd-real-2")
KWOK = ("kd-node-1", "kd-node-2", "kd-node-3")
TAINT = "kubectl-discover.test/real"
PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover,app.kubernetes.io/component=probe"
EXIT_FAIL, EXIT_INPUT, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 7, 130
NODE_SCOPED = (
    "node-scoped: kube-proxy, the CNI, a node-local DNS cache or internalTrafficPolicy: Local "
    "on that node"
)


def discover(cluster: Cluster, *args: str, timeout: float = 180.0) -> tuple[int, Any, str]:
    result = cluster.exec(
        [sys.executable, "-m", "kubectl_discover", *args],
        env={"PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )
    out = result.stdout
    document = json.loads(out) if out.strip().startswith("{") else out
    return result.returncode, document, result.stderr


def probe_pods(cluster: Cluster) -> list[str]:
    pods = cluster.get_json("pods", "-A", "-l", PROBE_LABEL)["items"]
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Cluster) -> Iterator[None]:
    yield
    deadline = time.monotonic() + 10
    while probe_pods(cluster) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert probe_pods(cluster) == [], "a probe pod survived the test"


def scenario(namespace: str) -> str:
    """``web``: one HTTP backend in a real container on kd-real-1, behind a ClusterIP."""
    pod_spec = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "runAsGroup": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "nodeSelector": {"kubernetes.io/hostname": "kd-real-1"},
        "tolerations": [{"key": TAINT, "operator": "Exists", "effect": "NoSchedule"}],
        "containers": [
            {
                "name": "web",
                "image": "python:3.12-slim",
                "command": ["python3", "-m", "http.server", "8080"],
                "workingDir": "/tmp",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
        ],
    }
    items = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]},
        },
    ]
    for item in items[1:]:
        item["spec"]["ports"][0]["targetPort"] = "http"
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


@pytest.fixture(scope="module")
def web(cluster: Cluster) -> Iterator[tuple[str, str]]:
    """(namespace, ClusterIP) of ``web``, ready, with one backend on kd-real-1."""
    with cluster.namespace("fanout") as namespace:
        cluster.apply(scenario(namespace))

        def ready() -> bool:
            slices = cluster.get_json(
                "endpointslices", "-n", namespace, "-l", "kubernetes.io/service-name=web"
            )["items"]
            return any(
                (e.get("conditions") or {}).get("ready")
                for s in slices
                for e in s.get("endpoints") or ()
            )

        cluster.wait_for("a ready endpoint of web", ready, timeout=120)
        vip = cluster.get_json("service", "web", "-n", namespace)["spec"]["clusterIP"]
        yield namespace, vip


@contextmanager
def kd_real_2_drops(cluster: Cluster, address: str) -> Iterator[None]:
    """What kd-real-2's pods send to ``address`` (TCP) is dropped, before kube-proxy's DNAT."""
    rule = ["-t", "raw", "PREROUTING", "-i", "kd-br2", "-d", address, "-p", "tcp", "-j", "DROP"]
    cluster.exec(["iptables", *rule[:2], "-I", *rule[2:]], check=True)
    try:
        yield
    finally:
        cluster.exec(["iptables", *rule[:2], "-D", *rule[2:]], check=True)


@pytest.fixture
def kd_real_2_drops_the_vip(cluster: Cluster, web: tuple[str, str]) -> Iterator[str]:
    """The node-scoped fault: what kd-real-2's pods send to web's ClusterIP is dropped."""
    _namespace, vip = web
    with kd_real_2_drops(cluster, vip):
        yield vip


def entry(doc: dict[str, Any], section: str, **match: Any) -> dict[str, Any]:
    found = [e for e in doc[section] if all(e.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [e.get("key") for e in doc[section]])
    return found[0]


def cells(item: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["node"]: (c["verdict"], c["observed"]) for c in item["nodes"]}


# --- the node-scoped fault ---------------------------------------------------------------


def test_a_vip_dropped_on_one_node_fails_only_in_that_nodes_column(
    cluster: Cluster, web: tuple[str, str], kd_real_2_drops_the_vip: str
) -> None:
    namespace, vip = web
    code, doc, err = discover(
        cluster, "svc", "web", "-n", namespace, "--nodes", "kd-real-1,kd-real-2", "-o", "json"
    )
    assert code == EXIT_FAIL, err
    assert doc["probeNodes"] == list(REAL)
    assert [(p["node"], p.get("error")) for p in doc["probes"]] == [
        ("kd-real-1", None),
        ("kd-real-2", None),
    ]
    assert doc["probe"]["node"] == "kd-real-1"
    vip_row = entry(doc, "endpoints", kind="cluster-ip")
    assert vip_row["endpoint"] == f"{vip}:80/TCP"
    by_node = cells(vip_row)
    assert by_node["kd-real-1"][0] == "ok", vip_row
    assert by_node["kd-real-2"] == ("fail", "timed out"), vip_row
    assert vip_row["verdict"] == "fail"
    assert vip_row["nodesDiffer"] is True
    assert vip_row["why"].startswith(f"fails only on kd-real-2 (1 of 2 nodes): {NODE_SCOPED}")
    # the pod's own address is not behind the VIP: both nodes reach it
    pod_row = entry(doc, "endpoints", kind="pod")
    assert {n: v for n, (v, _o) in cells(pod_row).items()} == {"kd-real-1": "ok", "kd-real-2": "ok"}
    assert pod_row["nodesDiffer"] is False, pod_row["nodes"]
    # one watch for both pods, both deleted together
    assert "creating 2 probe pods in " + namespace in err
    assert "deleting probe pods " in err


def test_the_table_has_a_column_per_node_and_names_the_failing_node(
    cluster: Cluster, web: tuple[str, str], kd_real_2_drops_the_vip: str
) -> None:
    namespace, vip = web
    code, out, err = discover(
        cluster, "svc", "web", "-n", namespace, "--nodes", "kd-real-1,kd-real-2", "--no-color"
    )
    assert code == EXIT_FAIL, err
    lines = out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("KIND"))
    assert header.split()[-2:] == ["KD-REAL-1", "KD-REAL-2"]
    row = next(line for line in lines if f"{vip}:80/TCP" in line)
    assert "≠ ✔" in row and "≠ ✖ timed out" in row, row
    assert row.index("≠ ✔") < row.index("≠ ✖"), row  # kd-real-1's column comes first
    assert "fails only on kd-real-2 (1 of 2 nodes): node-scoped" in out.replace("\n      ", " ")


def test_without_the_fault_both_nodes_agree(cluster: Cluster, web: tuple[str, str]) -> None:
    namespace, _vip = web
    code, doc, err = discover(
        cluster, "svc", "web", "-n", namespace, "--nodes", "kd-real-2,kd-real-1", "-o", "json"
    )
    assert doc["probeNodes"] == ["kd-real-2", "kd-real-1"], err
    vip_row = entry(doc, "endpoints", kind="cluster-ip")
    assert {n: v for n, (v, _o) in cells(vip_row).items()} == {"kd-real-1": "ok", "kd-real-2": "ok"}
    assert vip_row["nodesDiffer"] is False
    assert code == (EXIT_FAIL if doc["verdict"] == "fail" else 0)


def test_ingress_and_route_fan_out_name_the_node_that_cannot_reach_the_controller(
    cluster: Cluster, web: tuple[str, str]
) -> None:
    """A stand-in controller (a real container answering HTTP on :80 on kd-real-1) holds the
    Ingress's address; kd-real-2's bridge drops what goes to it."""
    namespace, _vip = web
    klass = f"kd-fanout-{namespace}"
    controller = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "controller", "namespace": namespace},
        "spec": {
            "nodeName": "kd-real-1",
            "containers": [
                {
                    "name": "c",
                    "image": "python:3.12-slim",
                    "command": ["python3", "-m", "http.server", "80"],
                    "workingDir": "/tmp",
                    "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 1},
                }
            ],
        },
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "storefront", "namespace": namespace},
        "spec": {
            "ingressClassName": klass,
            "rules": [
                {
                    "host": "shop.example.com",
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
            ],
        },
    }
    klass_object = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": klass},
        "spec": {"controller": "k8s.io/ingress-nginx"},
    }
    items = [klass_object, controller, ingress]
    try:
        cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))

        def controller_ip() -> str:
            status = cluster.get_json("pod", "controller", "-n", namespace)["status"]
            ready = any(
                c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", [])
            )
            return str(status.get("podIP") or "") if ready else ""

        cluster.wait_for("the controller pod ready", lambda: bool(controller_ip()), timeout=90)
        ip = controller_ip()
        status = {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}
        cluster.kubectl(
            "patch", "ingress", "storefront", "-n", namespace, "--subresource=status",
            "--type=merge", "-p", json.dumps(status),
        )  # fmt: skip
        with kd_real_2_drops(cluster, ip):
            code, doc, err = discover(
                cluster, "ingress", "storefront", "-n", namespace,
                "--nodes", "kd-real-1,kd-real-2", "-o", "json",
            )  # fmt: skip
            assert code == EXIT_FAIL, err
            (route,) = doc["routes"]
            assert [(c["node"], c["verdict"]) for c in route["nodes"]] == [
                ("kd-real-1", "ok"),
                ("kd-real-2", "fail"),
            ], route
            assert route["why"].startswith("fails only on kd-real-2 (1 of 2 nodes): node-scoped")
            code, doc, err = discover(
                cluster, "route", "http://shop.example.com/cart", "-n", namespace,
                "--nodes", "kd-real-1,kd-real-2", "-o", "json",
            )  # fmt: skip
            assert code == EXIT_FAIL, err
            assert doc["probeNodes"] == list(REAL)
            (route,) = doc["routes"]
            assert [(c["node"], c["verdict"]) for c in route["nodes"]] == [
                ("kd-real-1", "ok"),
                ("kd-real-2", "fail"),
            ], route
    finally:
        cluster.kubectl("delete", "ingressclass", klass, "--ignore-not-found", check=False)
        cluster.kubectl("delete", "pod", "controller", "-n", namespace, "--wait=false", check=False)
        cluster.kubectl("delete", "ingress", "storefront", "-n", namespace, check=False)


def test_keep_leaves_one_pod_per_node_until_deleted(cluster: Cluster, web: tuple[str, str]) -> None:
    namespace, _vip = web
    _code, doc, err = discover(
        cluster, "svc", "web", "-n", namespace, "--nodes", "kd-real-1,kd-node-1", "--keep",
        "-o", "json",
    )  # fmt: skip
    try:
        assert [(p["node"], p["kept"]) for p in doc["probes"]] == [
            ("kd-real-1", True),
            ("kd-node-1", True),
        ], err
        kept = cluster.get_json("pods", "-n", namespace, "-l", PROBE_LABEL)["items"]
        assert sorted(p["spec"]["nodeName"] for p in kept) == ["kd-node-1", "kd-real-1"]
        assert sorted(p["metadata"]["name"] for p in kept) == sorted(
            p["pod"] for p in doc["probes"]
        )
    finally:
        cluster.kubectl(
            "delete", "pods", "-n", namespace, "-l", PROBE_LABEL, "--grace-period=0", "--force"
        )


# --- every node, per zone ----------------------------------------------------------------


def test_dns_from_every_node_real_and_kwok(cluster: Cluster, web: tuple[str, str]) -> None:
    """``dns`` reads the Node LIST only for a fan-out; KWOK and real nodes alike (the real
    ones are tainted NoSchedule, which nodeName bypasses)."""
    namespace, vip = web
    code, doc, err = discover(
        cluster, "dns", f"web.{namespace}.svc.cluster.local", "--all-nodes", "-o", "json"
    )
    assert doc["probeNodes"] == [*KWOK, *REAL], err
    assert [p["node"] for p in doc["probes"]] == [*KWOK, *REAL]
    fqdn = entry(doc, "dnsNames", query=f"web.{namespace}.svc.cluster.local")
    assert {n: v for n, (v, _o) in cells(fqdn).items()} == dict.fromkeys([*KWOK, *REAL], "ok")
    # the TTL may count down in CoreDNS's cache between the nodes' questions
    assert {o.split(" (TTL ")[0] for _v, o in cells(fqdn).values()} == {f"A {vip}"}, fqdn
    assert fqdn["nodesDiffer"] is False
    assert code == 0, err


def test_per_zone_takes_the_first_ready_node_of_each_zone(
    cluster: Cluster, web: tuple[str, str]
) -> None:
    namespace, _vip = web
    code, doc, err = discover(
        cluster, "dns", f"web.{namespace}.svc.cluster.local", "--per-zone", "-o", "json"
    )
    assert code == 0, err
    assert doc["probeNodes"] == list(KWOK)
    assert "node kd-real-1 not probed: zone zone-a is probed from kd-node-1" in doc["skipped"]
    assert "node kd-real-2 not probed: zone zone-b is probed from kd-node-2" in doc["skipped"]


def test_a_noexecute_node_is_left_out_of_all_nodes_and_said_so(
    cluster: Cluster, web: tuple[str, str]
) -> None:
    namespace, _vip = web
    cluster.kubectl("taint", "node", "kd-node-3", "kd-test/fanout=now:NoExecute")
    try:
        code, doc, err = discover(
            cluster, "dns", f"web.{namespace}.svc.cluster.local", "--all-nodes", "-o", "json"
        )
    finally:
        cluster.kubectl("taint", "node", "kd-node-3", "kd-test/fanout-")
    assert code == 0, err
    assert doc["probeNodes"] == ["kd-node-1", "kd-node-2", *REAL]
    assert (
        "node kd-node-3 not probed: tainted kd-test/fanout:NoExecute (the kubelet refuses a pod "
        "that does not tolerate it)"
    ) in doc["skipped"]


# --- bad input and every exit path -------------------------------------------------------


def test_an_unknown_node_is_refused_before_any_pod_is_created(
    cluster: Cluster, web: tuple[str, str]
) -> None:
    namespace, _vip = web
    before = cluster.get_json("events", "-n", namespace)["items"]
    code, out, err = discover(cluster, "svc", "web", "-n", namespace, "--nodes", "kd-real-1,nope")
    assert code == EXIT_INPUT, err
    assert err.strip().splitlines() == [
        "error: --nodes: no node named nope (nodes: kd-node-1, kd-node-2, kd-node-3, "
        "kd-real-1, kd-real-2)"
    ]
    assert out == ""
    after = cluster.get_json("events", "-n", namespace)["items"]
    created = [e for e in after if e not in before and "discover-probe-" in json.dumps(e)]
    assert created == []


def test_a_quota_for_one_pod_refuses_the_second_and_deletes_the_first(
    cluster: Cluster, namespace: str
) -> None:
    """Partial creation: a ResourceQuota of one pod admits one POST and refuses the other
    (a real API server's answer); the admitted pod is deleted, exit 7."""
    cluster.apply(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {
                        "apiVersion": "v1",
                        "kind": "ResourceQuota",
                        "metadata": {"name": "one-pod", "namespace": namespace},
                        "spec": {"hard": {"pods": "1"}},
                    },
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "metadata": {"name": "web", "namespace": namespace},
                        "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}},
                    },
                ],
            }
        )
    )
    cluster.wait_for(
        "the quota to be counted",
        lambda: bool(
            cluster.get_json("resourcequota", "one-pod", "-n", namespace)
            .get("status", {})
            .get("hard")
        ),
    )
    code, _out, err = discover(
        cluster, "svc", "web", "-n", namespace, "--nodes", "kd-node-1,kd-node-2"
    )
    assert code == EXIT_REFUSED, err
    assert "ResourceQuota in " + namespace in err
    assert "deleting probe pods " in err
    assert [p for p in probe_pods(cluster) if p.startswith(namespace + "/")] == []


def test_ctrl_c_while_the_pods_run_deletes_every_one(
    cluster: Cluster, web: tuple[str, str], kd_real_2_drops_the_vip: str
) -> None:
    """SIGINT while kd-real-2's connect to the dropped VIP hangs: exit 130, both pods gone."""
    namespace, _vip = web
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "kubectl_discover", "svc", "web", "-n", namespace]
    proc = subprocess.Popen(
        cluster.exec_argv([*argv, "--nodes", "kd-real-1,kd-real-2", "--probe-timeout", "120"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if sum("probing from" in s for s in seen) == 2 or not line:
            break
    assert [s.split()[-1] for s in seen if "probing from" in s] == list(REAL) or [
        s.split()[-1] for s in seen if "probing from" in s
    ] == list(reversed(REAL)), seen
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED, (stdout, stderr)
    assert "deleting probe pods " in "".join(seen) + stderr
    assert [p for p in probe_pods(cluster) if p.startswith(namespace + "/")] == []
