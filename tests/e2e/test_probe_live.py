"""Live probes against the real local cluster (kube-apiserver, scheduler, KWOK nodes, CoreDNS).

The API server is reachable only inside the cluster's network namespace, so each
test runs this very file as a script through ``cluster.exec``: the script builds
the pod, plan and payload exactly as the CLI will, calls ``run_probe`` and prints
a JSON summary (progress lines go to stderr as they happen). Exec'd commands run
locally inside the namespace (the fake kubelet), with the pod namespace's
resolv.conf bind-mounted, so getaddrinfo really asks CoreDNS here.

Every test ends by asserting that no pod with the probe label survives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve()


# --- the in-namespace side ---------------------------------------------------------------


def _script(command: dict[str, Any]) -> dict[str, Any]:
    """Build pod, plan and payload; run the probe; summarise. Never raises."""
    from kubectl_discover.analyze.model import (
        Diagnosis,
        DnsExpectation,
        EndpointExpectation,
        NameForm,
    )
    from kubectl_discover.api.probes import run_probe
    from kubectl_discover.api.session import connect
    from kubectl_discover.errors import DiscoverError
    from kubectl_discover.explain import explain
    from kubectl_discover.probe.payload import BOOTSTRAP, build_payload
    from kubectl_discover.probe.plan import build_plan
    from kubectl_discover.probe.pod import build_pod, probe_name, random_suffix

    ns = command["namespace"]
    if command.get("op") == "from":
        return _from_client(command)
    if command.get("op") == "cleanup":
        from kubectl_discover.api.probes import cleanup

        return {"deleted": cleanup(connect(command["kubeconfig"], None), ns)}
    dns = tuple(
        DnsExpectation(
            query=q,
            qtype="A",
            form=NameForm.SAME_NAMESPACE,
            fqdn=f,
            exists=True,
            answers=(),
            why="the cluster IP",
            client_namespace=ns,
        )
        for q, f in command.get("dns", [])
    )
    endpoints = tuple(
        EndpointExpectation("pod", host, port, "TCP", "test server", True, "listening", "http")
        for host, port in command.get("connects", [])
    )
    diagnosis = Diagnosis("Service", ns, "web", "ClusterIP", (), endpoints=endpoints, dns=dns)
    plan = build_plan(
        [diagnosis],
        budget_seconds=command.get("budget", 20.0),
        check_timeout=command.get("check_timeout", 3.0),
    )
    pod = build_pod(
        name=probe_name(random_suffix()),
        namespace=ns,
        image=command.get("image", "python:3.12-slim"),
        deadline_seconds=120,
        node=command.get("node"),
        client=command.get("client"),
    )
    if command.get("node_selector"):
        pod["spec"]["nodeSelector"] = command["node_selector"]
    progress: list[str] = []

    def report(message: str) -> None:
        progress.append(message)
        print(message, file=sys.stderr, flush=True)

    out: dict[str, Any] = {"pod": pod["metadata"]["name"], "progress": progress}
    try:
        session = connect(command["kubeconfig"], None, request_timeout=10.0)
        result = run_probe(
            session,
            pod,
            build_payload(plan),
            BOOTSTRAP,
            timeout=command.get("timeout", 60.0),
            keep=False,
            progress=report,
        )
    except DiscoverError as exc:
        out["error"] = {
            "type": type(exc).__name__,
            "message": exc.message,
            "exit_code": exc.exit_code,
            "reason": getattr(exc, "reason", ""),
        }
        return out
    except KeyboardInterrupt:
        out["interrupted"] = True
        return out
    out["result"] = {
        "pod": result.pod,
        "python": result.python,
        "dns_library": result.dns_library,
        "resolver": {
            "nameservers": list(result.resolver.nameservers),
            "search": list(result.resolver.search),
            "namespace": result.resolver.namespace,
            "cluster_domain": result.resolver.cluster_domain,
        },
        "dns": {
            d.key: {
                "answered_by": d.answered_by,
                "A": list(d.values("A")),
                "queries": d.queries,
                "libc": list(d.libc.addresses) if d.libc else None,
                "libc_error": d.libc.error if d.libc else None,
            }
            for d in result.dns
        },
        "connects": {
            c.key: {
                "connected": c.connected,
                "error": c.error,
                "status": c.http.status if c.http else None,
            }
            for c in result.connects
        },
    }
    out["rows"] = [
        {"section": r.section, "subject": r.subject, "verdict": r.verdict.value, "why": r.why}
        for r in explain(
            diagnosis, result, cluster_domain="cluster.local", dns_service_ip="10.96.0.10"
        )
    ]
    return out


def _from_client(command: dict[str, Any]) -> dict[str, Any]:
    """The CLI's path: snapshot, diagnosis, the cluster's probe runner with --from, explain."""
    from dataclasses import dataclass

    from kubectl_discover.analyze.model import Diagnosis, DnsExpectation, NameForm
    from kubectl_discover.api.listing import load_snapshot
    from kubectl_discover.api.session import connect
    from kubectl_discover.explain import explain
    from kubectl_discover.probe.runner import explain_context
    from kubectl_discover.probing import ClusterProbeRunner

    @dataclass(frozen=True)
    class Opts:
        image: str | None = None
        node: str | None = None
        client: str | None = command["client"]
        keep: bool = False
        namespace: str | None = command["namespace"]
        timeout: float = 60.0
        as_client: bool = False
        ephemeral: bool = False
        repeat: int = 1

    ns = command["namespace"]
    session = connect(command["kubeconfig"], None)
    snapshot = load_snapshot(session, ns)
    fqdn = f"web.{ns}.svc.cluster.local"
    dns = (DnsExpectation("web", "A", NameForm.SAME_NAMESPACE, fqdn, True, (), "", ns),)
    diagnosis = Diagnosis("Service", ns, "web", "ClusterIP", (), dns=dns)
    run = ClusterProbeRunner(session, Opts(), lambda _m: None)(snapshot, [diagnosis])
    assert run is not None
    rows = explain(diagnosis, run.result, **explain_context(snapshot))
    return {"probe": dict(run.document), "verdicts": [r.verdict.value for r in rows]}


if __name__ == "__main__":
    # This checkout's plugin, not whichever one is installed (e.g. from another worktree).
    sys.path.insert(0, str(HERE.parents[2]))
    summary = _script(json.loads(sys.argv[1]))
    print(json.dumps(summary), flush=True)
    sys.exit(130 if summary.get("interrupted") else 0)


# --- the test side -----------------------------------------------------------------------

LABEL = "app.kubernetes.io/name=kubectl-discover,app.kubernetes.io/component=probe"


def probe_pods(cluster: Any) -> list[str]:
    pods = cluster.get_json("pods", "-A", "-l", LABEL)["items"]
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Any) -> Any:
    yield
    assert probe_pods(cluster) == [], "a probe pod survived the test"


def run(cluster: Any, **command: Any) -> dict[str, Any]:
    command.setdefault("kubeconfig", str(cluster.kubeconfig))
    proc = cluster.exec([sys.executable, str(HERE), json.dumps(command)], timeout=180)
    stdout = proc.stdout.decode() if isinstance(proc.stdout, bytes) else proc.stdout
    assert proc.returncode == 0, f"script failed: {proc.stderr!r}"
    return dict(json.loads(stdout.strip().splitlines()[-1]))


SERVICE = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      ports: [{name: http, port: 80, targetPort: 8080}]
    """
)


#: Where a probe pod runs: on a KWOK node (exec by the project's fake kubelet) or on a real
#: node (kubelet + containerd + runc; testcluster/README.md, "Real nodes").
ON_NODES = pytest.mark.parametrize("node", [None, "kd-real-1"], ids=["kwok", "real"])


@ON_NODES
def test_probe_resolves_through_the_pods_search_path_and_connects(
    cluster: Any, node: str | None
) -> None:
    with cluster.namespace("probe") as ns:
        cluster.apply(SERVICE, namespace=ns)
        ip = cluster.get_json("service", "web", "-n", ns)["spec"]["clusterIP"]
        server_ip, port = "10.244.3.210", 8080
        with cluster.serve_http(server_ip, port):
            out = run(
                cluster,
                namespace=ns,
                dns=[["web", f"web.{ns}.svc.cluster.local"]],
                connects=[[server_ip, port]],
                node=node,
            )
        assert "error" not in out, out.get("error")
        result = out["result"]
        assert result["pod"] == f"{ns}/{out['pod']}"
        assert result["resolver"]["namespace"] == ns
        assert result["resolver"]["cluster_domain"] == "cluster.local"
        short = result["dns"][f"dns:addr:web@{ns}"]
        assert short["answered_by"] == f"web.{ns}.svc.cluster.local."
        assert short["A"] == [ip]
        assert short["libc"] == [ip], short["libc_error"]  # glibc through the pod's resolv.conf
        full = result["dns"][f"dns:addr:web.{ns}.svc.cluster.local."]
        assert full["queries"] == 2 and full["A"] == [ip]
        tcp = result["connects"][f"tcp:{server_ip}:{port}"]
        assert tcp["connected"] and tcp["error"] is None
        http = next(v for k, v in result["connects"].items() if k.startswith("http:"))
        assert http["status"] == 200
        dns_rows = [r for r in out["rows"] if r["section"] == "dns"]
        assert {r["verdict"] for r in dns_rows} == {"ok"}, dns_rows
        assert any(m.startswith("deleting probe pod") for m in out["progress"])


def test_node_that_does_not_exist_is_reported_before_creating_anything(cluster: Any) -> None:
    with cluster.namespace("probe") as ns:
        out = run(cluster, namespace=ns, node="kd-node-missing")
    assert out["error"]["type"] == "ProbeUnschedulableError"
    assert out["error"]["exit_code"] == 6
    assert "kd-node-missing does not exist" in out["error"]["message"]


def test_node_selector_nothing_matches_is_unschedulable(cluster: Any) -> None:
    with cluster.namespace("probe") as ns:
        out = run(cluster, namespace=ns, node_selector={"kubectl-discover/none": "x"}, timeout=60)
    assert out["error"]["type"] == "ProbeUnschedulableError", out
    assert (
        "node(s) didn't match" in out["error"]["message"]
        or "node affinity" in out["error"]["message"]
    )
    assert any(m.startswith("deleting probe pod") for m in out["progress"])


@ON_NODES
def test_restricted_namespace_admits_the_probe_pod(cluster: Any, node: str | None) -> None:
    with cluster.namespace("restricted") as ns:
        cluster.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
        cluster.apply(SERVICE, namespace=ns)
        out = run(cluster, namespace=ns, dns=[["web", f"web.{ns}.svc.cluster.local"]], node=node)
    assert "error" not in out, out.get("error")
    assert (
        out["result"]["dns"][f"dns:addr:web@{ns}"]["answered_by"] == f"web.{ns}.svc.cluster.local."
    )


def test_restricted_namespace_rejects_a_copied_host_network_client(cluster: Any) -> None:
    client: dict[str, Any] = {
        "kind": "Deployment",
        "metadata": {"name": "agent", "namespace": "x"},
        "spec": {"template": {"spec": {"hostNetwork": True, "containers": []}}},
    }
    with cluster.namespace("restricted") as ns:
        cluster.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
        client["metadata"]["namespace"] = ns
        out = run(cluster, namespace=ns, client=client)
    assert out["error"]["type"] == "ProbeRejectedError", out
    assert "PodSecurity" in out["error"]["message"] and "hostNetwork" in out["error"]["message"]


def test_image_that_cannot_be_pulled(cluster: Any) -> None:
    """On a real node the kubelet really pulls, from the harness's registry, which does not
    have this image: ErrImagePull, exit 5. (KWOK never pulls: any image "runs" there.)"""
    with cluster.namespace("probe") as ns:
        image = "registry.invalid/kubectl-discover/none:0"
        out = run(cluster, namespace=ns, image=image, node="kd-real-1")
    assert out["error"]["type"] == "ProbeImageError", out
    assert out["error"]["exit_code"] == 5
    assert out["error"]["message"].endswith(
        f"cannot pull image {image} (ErrImagePull: rpc error: code = NotFound desc = failed "
        f'to pull and unpack image "{image}": failed to resolve image: {image}: not found); '
        "pass --image with an image the cluster can pull that has python3"
    ), out["error"]["message"]
    assert any(m.startswith("deleting probe pod") for m in out["progress"])


def test_cleanup_deletes_only_expired_probe_pods(cluster: Any) -> None:
    import datetime

    from kubectl_discover.probe.pod import build_pod

    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)
    with cluster.namespace("probe") as ns:
        old = build_pod(name="expired", namespace=ns, deadline_seconds=60, now=past)
        fresh = build_pod(name="fresh", namespace=ns, deadline_seconds=600)
        cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": [old, fresh]}))
        out = run(cluster, namespace=ns, op="cleanup")
        assert out["deleted"] == [f"{ns}/discover-probe-expired"]
        assert probe_pods(cluster) == [f"{ns}/discover-probe-fresh"]
        cluster.kubectl("delete", "pod", "-n", ns, "discover-probe-fresh", "--grace-period=0")


def test_from_pod_runs_the_probe_on_the_clients_node(cluster: Any) -> None:
    client = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          nodeName: kd-node-2
          containers: [{name: c, image: busybox}]
        """
    )
    with cluster.namespace("from") as ns:
        cluster.apply(SERVICE + "---\n" + client, namespace=ns)
        out = run(cluster, op="from", namespace=ns, client="pod/client")
    probe = out["probe"]
    assert probe["namespace"] == ns and probe["node"] == "kd-node-2"
    assert probe["resolvConf"]["search"][0] == f"{ns}.svc.cluster.local"
    assert out["verdicts"] == ["ok"]


@ON_NODES
def test_ctrl_c_while_probing_deletes_the_pod(cluster: Any, node: str | None) -> None:
    """SIGINT during the exec: the finally deletes the pod before the script exits."""
    silent_ip, port = "10.244.3.211", 8081
    hold = (
        "import socket,time; s=socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(({silent_ip!r},{port})); s.listen(); time.sleep(300)"
    )
    with cluster.namespace("probe") as ns:
        listener = subprocess.Popen(cluster.exec_argv([sys.executable, "-c", hold]))
        try:
            time.sleep(1.0)
            command = {
                "kubeconfig": str(cluster.kubeconfig),
                "namespace": ns,
                "connects": [[silent_ip, port]],
                "check_timeout": 60.0,
                "budget": 90.0,
                "node": node,
            }
            env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
            proc = subprocess.Popen(
                cluster.exec_argv([sys.executable, str(HERE), json.dumps(command)]),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert proc.stderr is not None
            deadline = time.monotonic() + 60
            seen = []
            while time.monotonic() < deadline:
                line = proc.stderr.readline()
                seen.append(line)
                if line.startswith("probing from") or not line:
                    break
            assert any(s.startswith("probing from") for s in seen), seen
            time.sleep(1.0)  # the GET to the silent listener is now blocked
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
            assert proc.returncode == 130, (stdout, stderr)
            assert "deleting probe pod" in stderr
            assert [p for p in probe_pods(cluster) if p.startswith(ns + "/")] == []
        finally:
            listener.terminate()
            listener.wait(timeout=10)
