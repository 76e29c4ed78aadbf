"""Smoke tests of the test cluster itself (testcluster/): nodes, workloads,
EndpointSlices, CoreDNS records, HTTP by DNS name, Service VIPs and NodePorts
through the real kube-proxy, and exec with stdin.

DNS questions are asked from inside the cluster's network namespace through
``cluster.call`` (the functions in the first section run there).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest

from testcluster import Cluster, Layout, down, up

pytestmark = pytest.mark.e2e

T = TypeVar("T")


# --- run inside the network namespace (via cluster.call) --------------------------------


def dns_query(server: str, name: str, rdtype: str) -> dict[str, Any]:
    """Ask ``server`` one question over UDP; rcode and answer records as text."""
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    response = dns.query.udp(dns.message.make_query(name, rdtype), server, timeout=3)
    records = [
        {
            "name": rrset.name.to_text(),
            "type": dns.rdatatype.to_text(rrset.rdtype),
            "ttl": rrset.ttl,
            "data": sorted(rd.to_text() for rd in rrset),
        }
        for rrset in response.answer
    ]
    return {"rcode": dns.rcode.to_text(response.rcode()), "answer": records}


def http_get(url: str) -> dict[str, Any]:
    """GET ``url`` with the system resolver (so resolv.conf's search path applies)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        return {"status": response.status, "body": response.read().decode()}


def http_try(url: str) -> dict[str, Any]:
    """GET ``url``; status and body, or the error (never raises)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return {"status": response.status, "body": response.read().decode()}
    except urllib.error.URLError as exc:
        return {"status": None, "error": str(exc.reason)}
    except OSError as exc:
        return {"status": None, "error": str(exc)}


def http_bodies(url: str, count: int) -> list[Any]:
    """GET ``url`` ``count`` times, each on a new connection; bodies (or errors)."""
    return [http_try(url).get("body", "error") for _ in range(count)]


def tcp_connect(ip: str, port: int) -> str:
    """Open a TCP connection: "ok", "refused", "timeout" or the error."""
    import socket

    try:
        socket.create_connection((ip, port), timeout=3).close()
        return "ok"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return str(exc)


# --- helpers -------------------------------------------------------------------------------


def eventually(
    what: str, probe: Callable[[], T], accept: Callable[[T], bool], timeout: float = 30.0
) -> T:
    """Call ``probe`` until ``accept`` holds for its result; fail with the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if accept(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still {result!r} after {timeout:.0f}s")
        time.sleep(0.3)


def ask(
    cluster: Cluster, name: str, rdtype: str = "A", server: str | None = None
) -> dict[str, Any]:
    return dict(cluster.call(dns_query, server or cluster.dns_server, name, rdtype))


def answers(result: dict[str, Any], rdtype: str) -> list[str]:
    return sorted(d for rr in result["answer"] if rr["type"] == rdtype for d in rr["data"])


def pod_ips(cluster: Cluster, namespace: str, selector: str) -> list[str]:
    pods = cluster.get_json("pods", "-n", namespace, "-l", selector)["items"]
    return sorted(p["status"]["podIP"] for p in pods if p["status"].get("podIP"))


def rollout(cluster: Cluster, namespace: str, kind_name: str) -> None:
    cluster.kubectl("rollout", "status", kind_name, "-n", namespace, "--timeout=60s")


def deployment(name: str, replicas: int) -> str:
    return textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          replicas: {replicas}
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers:
              - name: main
                image: registry.example/{name}:1
                ports: [{{name: http, containerPort: 8080}}]
        """)


def service(name: str, app: str, headless: bool = False) -> str:
    cluster_ip = "  clusterIP: None\n" if headless else ""
    return (
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n{cluster_ip}"
        f"  selector: {{app: {app}}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n"
    )


def typed_service(name: str, app: str, kind: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  type: {kind}\n"
        f"  selector: {{app: {app}}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n"
    )


def statefulset(name: str, service_name: str, app: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {{name: {name}}}
        spec:
          serviceName: {service_name}
          replicas: 2
          selector: {{matchLabels: {{app: {app}, set: {name}}}}}
          template:
            metadata: {{labels: {{app: {app}, set: {name}}}}}
            spec:
              containers:
              - name: main
                image: registry.example/{app}:1
                ports: [{{name: http, containerPort: 8080}}]
        """)


def external_name(name: str, target: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\n"
        f"spec: {{type: ExternalName, externalName: '{target}'}}\n"
    )


def bare_pod(name: str) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"
        "spec: {containers: [{name: main, image: registry.example/box:1}]}\n"
    )


def wait_pod_running(cluster: Cluster, namespace: str, name: str) -> dict[str, Any]:
    return eventually(
        f"pod {namespace}/{name} running",
        lambda: cluster.get_json("pod", name, "-n", namespace),
        lambda pod: (
            pod.get("status", {}).get("phase") == "Running" and bool(pod["status"].get("podIP"))
        ),
    )


# --- cluster basics ------------------------------------------------------------------------


def test_nodes_are_ready_fake_nodes_with_zones(cluster: Cluster) -> None:
    """The KWOK nodes; the real nodes (tainted) are covered by test_realnode_live.py."""
    nodes = [
        n
        for n in cluster.get_json("nodes")["items"]
        if "kubectl-discover.test/real" not in n["metadata"]["labels"]
    ]
    assert sorted(n["metadata"]["name"] for n in nodes) == ["kd-node-1", "kd-node-2", "kd-node-3"]
    for node in nodes:
        assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
        assert node["metadata"]["labels"]["topology.kubernetes.io/zone"].startswith("zone-")
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", node["metadata"]["name"]
        assert not node["spec"].get("taints"), node["spec"].get("taints")
    assert "Ready" in cluster.kubectl("get", "nodes").stdout


def test_deployment_pods_get_ips_from_their_node_and_an_endpointslice(
    cluster: Cluster, namespace: str
) -> None:
    cluster.apply(deployment("web", 3) + "---\n" + service("web", "web"), namespace)
    rollout(cluster, namespace, "deployment/web")
    cidrs = {
        n["metadata"]["name"]: ipaddress.ip_network(n["spec"]["podCIDR"])
        for n in cluster.get_json("nodes")["items"]
    }
    pods = cluster.get_json("pods", "-n", namespace, "-l", "app=web")["items"]
    assert len(pods) == 3
    for pod in pods:
        status = pod["status"]
        assert status["phase"] == "Running"
        assert any(c["type"] == "Ready" and c["status"] == "True" for c in status["conditions"])
        assert ipaddress.ip_address(status["podIP"]) in cidrs[pod["spec"]["nodeName"]]

    def slice_addresses() -> list[str]:
        slices = cluster.get_json(
            "endpointslices.v1.discovery.k8s.io",
            "-n",
            namespace,
            "-l",
            "kubernetes.io/service-name=web",
        )["items"]
        return sorted(
            a
            for s in slices
            for e in s.get("endpoints") or []
            if e.get("conditions", {}).get("ready")
            for a in e["addresses"]
        )

    eventually(
        "EndpointSlice lists the pods",
        slice_addresses,
        lambda got: got == sorted(p["status"]["podIP"] for p in pods),
    )
    slices = cluster.get_json("endpointslices.v1.discovery.k8s.io", "-n", namespace)["items"]
    assert {s["apiVersion"] for s in slices} == {"discovery.k8s.io/v1"}
    assert {p["name"]: p["port"] for s in slices for p in s["ports"]} == {"http": 8080}


# --- CoreDNS records -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dns_ns(cluster: Cluster) -> Any:
    """One namespace with every Service kind the DNS tests ask about."""
    with cluster.namespace("dns") as ns:
        docs = [
            deployment("web", 2),
            service("web", "web"),
            service("web-headless", "web", headless=True),
            service("db", "db", headless=True),
            statefulset("db", "db", "db"),  # db-0.db.<ns>.svc resolves
            statefulset("stray", "elsewhere", "db"),  # selected by db, wrong subdomain
            external_name("ext", "example.com"),
            external_name("ipext", "10.1.2.3"),
        ]
        cluster.apply("---\n".join(docs), ns)
        for workload in ("deployment/web", "statefulset/db", "statefulset/stray"):
            rollout(cluster, ns, workload)
        yield ns


def fqdn(name: str, ns: str, kind: str = "svc") -> str:
    return f"{name}.{ns}.{kind}.cluster.local"


def test_clusterip_a_record(cluster: Cluster, dns_ns: str) -> None:
    ip = cluster.get_json("service", "web", "-n", dns_ns)["spec"]["clusterIP"]
    result = eventually(
        "ClusterIP A", lambda: ask(cluster, fqdn("web", dns_ns)), lambda r: r["rcode"] == "NOERROR"
    )
    assert answers(result, "A") == [ip]
    assert result["answer"][0]["ttl"] == 30  # kubeadm-like Corefile: ttl 30


def test_headless_a_record_lists_ready_pod_ips(cluster: Cluster, dns_ns: str) -> None:
    expected = pod_ips(cluster, dns_ns, "app=web")
    result = eventually(
        "headless A",
        lambda: ask(cluster, fqdn("web-headless", dns_ns)),
        lambda r: answers(r, "A") == expected,
    )
    assert result["rcode"] == "NOERROR"


def test_statefulset_pod_name_needs_matching_service_name(cluster: Cluster, dns_ns: str) -> None:
    db0 = cluster.get_json("pod", "db-0", "-n", dns_ns)["status"]["podIP"]
    result = eventually(
        "db-0.db",
        lambda: ask(cluster, f"db-0.{fqdn('db', dns_ns)}"),
        lambda r: r["rcode"] == "NOERROR",
    )
    assert answers(result, "A") == [db0]
    # stray-0 is selected by Service db, but its subdomain is "elsewhere".
    assert cluster.get_json("pod", "stray-0", "-n", dns_ns)["spec"]["subdomain"] == "elsewhere"
    assert ask(cluster, f"stray-0.{fqdn('db', dns_ns)}")["rcode"] == "NXDOMAIN"
    assert ask(cluster, f"stray-0.{fqdn('elsewhere', dns_ns)}")["rcode"] == "NXDOMAIN"


def test_srv_for_named_port(cluster: Cluster, dns_ns: str) -> None:
    result = eventually(
        "SRV",
        lambda: ask(cluster, f"_http._tcp.{fqdn('web', dns_ns)}", "SRV"),
        lambda r: r["rcode"] == "NOERROR",
    )
    assert answers(result, "SRV") == [f"0 100 80 {fqdn('web', dns_ns)}."]
    headless = ask(cluster, f"_http._tcp.{fqdn('db', dns_ns)}", "SRV")
    targets = sorted(d.split()[3] for d in answers(headless, "SRV"))
    assert f"db-0.{fqdn('db', dns_ns)}." in targets
    assert all(d.split()[2] == "8080" for d in answers(headless, "SRV"))  # the endpoint port


def test_externalname_cname_and_ip_literal(cluster: Cluster, dns_ns: str) -> None:
    result = eventually(
        "ExternalName",
        lambda: ask(cluster, fqdn("ext", dns_ns), "CNAME"),
        lambda r: r["rcode"] == "NOERROR",
    )
    assert answers(result, "CNAME") == ["example.com."]
    assert ask(cluster, fqdn("ipext", dns_ns))["rcode"] == "NXDOMAIN"


def test_pod_records_only_on_the_kubeadm_like_instance(cluster: Cluster, dns_ns: str) -> None:
    name = f"10-244-7-9.{dns_ns}.pod.cluster.local"
    assert answers(ask(cluster, name), "A") == ["10.244.7.9"]
    defaults = ask(cluster, name, server=cluster.dns_server_defaults)
    assert defaults["rcode"] == "NXDOMAIN"
    plain = ask(cluster, fqdn("web", dns_ns), server=cluster.dns_server_defaults)
    assert plain["answer"][0]["ttl"] == 5  # plugin default


def test_ptr_for_clusterip_on_the_kubeadm_like_instance(cluster: Cluster, dns_ns: str) -> None:
    ip = cluster.get_json("service", "web", "-n", dns_ns)["spec"]["clusterIP"]
    reverse = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    assert answers(ask(cluster, reverse, "PTR"), "PTR") == [f"{fqdn('web', dns_ns)}."]


def test_unknown_names_are_nxdomain(cluster: Cluster, dns_ns: str) -> None:
    assert ask(cluster, fqdn("nope", dns_ns))["rcode"] == "NXDOMAIN"
    assert ask(cluster, fqdn("web", "no-such-namespace"))["rcode"] == "NXDOMAIN"


# --- the harness itself -------------------------------------------------------------------


def host_firewall() -> str:
    """The host's (initial network namespace's) iptables, ip6tables and nftables
    rules, without timestamps and counters (``nft`` only if installed)."""
    parts = []
    for argv in (["iptables-save"], ["ip6tables-save"], ["nft", "list", "ruleset"]):
        if argv[0] != "iptables-save" and shutil.which(argv[0]) is None:
            continue
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        parts += [
            line.split(" [", 1)[0] if line.startswith(":") else line
            for line in out.splitlines()
            if not line.startswith("#")
        ]
    return "\n".join(parts)


def netns_nat_rules(cluster: Cluster) -> str:
    return str(cluster.exec(["iptables-save", "-t", "nat"], check=True).stdout)


def test_private_cluster_leaves_nothing_behind(cluster: Cluster, tmp_path: Path) -> None:
    """A second, private cluster starts beside the first and vanishes without a trace;
    its kube-proxy's rules live in its namespace only, never in the host's tables."""
    layout = Layout(tmp_path / "private", bin_root=cluster.layout.bin_root or cluster.layout.root)
    host_before = host_firewall()
    private, started = up(layout, reuse=False)
    try:
        assert started and private.netns != cluster.netns
        assert "Ready" in private.kubectl("get", "nodes").stdout
        assert "KUBE-SERVICES" in netns_nat_rules(private)
        assert host_firewall() == host_before
    finally:
        down(layout)
    assert host_firewall() == host_before
    assert not Path("/run/netns", private.netns).exists()
    assert not Path("/etc/netns", private.netns).exists()
    leftovers = [
        p.name
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and str(layout.root).encode() in _cmdline(p)
    ]
    assert leftovers == []
    assert not layout.state_file.exists() and not layout.kubeconfig.exists()
    down(layout)  # idempotent


def _cmdline(proc_dir: Path) -> bytes:
    try:
        return (proc_dir / "cmdline").read_bytes()
    except OSError:
        return b""


# --- Service traffic through kube-proxy ----------------------------------------------------


@contextlib.contextmanager
def serve_pods(cluster: Cluster, ips: list[str], tmp_path: Path) -> Any:
    """An HTTP server on each pod IP at port 8080 whose index page names that IP."""
    with contextlib.ExitStack() as stack:
        for ip in ips:
            root = tmp_path / ip
            root.mkdir()
            (root / "index.html").write_text(ip)
            stack.enter_context(cluster.serve_http(ip, 8080, directory=root))
        yield


def test_kube_proxy_is_healthy_and_owns_only_the_namespace_rules(cluster: Cluster) -> None:
    healthz = cluster.call(http_try, "http://127.0.0.1:10256/healthz")
    assert healthz["status"] == 200, healthz
    nat = netns_nat_rules(cluster)
    assert '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' in nat
    assert '"default/kubernetes:https cluster IP"' in nat
    assert "KUBE-" not in host_firewall()


def test_clusterip_and_dns_name_load_balance_over_the_pods(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    cluster.apply(deployment("vip", 2) + "---\n" + service("vip", "vip"), namespace)
    rollout(cluster, namespace, "deployment/vip")
    ips = pod_ips(cluster, namespace, "app=vip")
    assert len(ips) == 2
    cluster_ip = cluster.get_json("service", "vip", "-n", namespace)["spec"]["clusterIP"]
    with serve_pods(cluster, ips, tmp_path):
        started = time.monotonic()
        first = eventually(
            "the ClusterIP answers",
            lambda: cluster.call(http_try, f"http://{cluster_ip}:80/"),
            lambda r: r["status"] == 200,
            timeout=10,
        )
        synced_after = time.monotonic() - started
        assert first["body"] in ips
        # Each request is a new connection, so kube-proxy's random pick spreads them.
        bodies = cluster.call(http_bodies, f"http://{cluster_ip}/", 30)
        assert set(bodies) == set(ips), bodies
        # By name, through CoreDNS (itself reached through kube-proxy's DNS VIP).
        by_name = cluster.call(http_try, f"http://vip.{namespace}/")
        assert by_name["status"] == 200 and by_name["body"] in ips, by_name
        fqdn_url = f"http://vip.{namespace}.svc.cluster.local:80/"
        assert cluster.call(http_try, fqdn_url)["status"] == 200
        short = cluster.call(http_try, "http://vip/", pod_namespace=namespace)
        assert short["status"] == 200, short
    assert synced_after < 5, f"the Service took {synced_after:.1f}s to carry traffic"


def test_nodeport_answers_on_every_node_ip(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    cluster.apply(deployment("np", 1) + "---\n" + typed_service("np", "np", "NodePort"), namespace)
    rollout(cluster, namespace, "deployment/np")
    (ip,) = pod_ips(cluster, namespace, "app=np")
    spec = cluster.get_json("service", "np", "-n", namespace)["spec"]
    node_port = spec["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767
    with serve_pods(cluster, [ip], tmp_path):
        for node in cluster.nodes:
            url = f"http://{node.ip}:{node_port}/"
            result = eventually(
                f"NodePort on {node.name}",
                partial(cluster.call, http_try, url),
                lambda r: r["status"] == 200,
                timeout=10,
            )
            assert result["body"] == ip
        assert cluster.call(http_try, f"http://{spec['clusterIP']}/")["status"] == 200
    # The answers came from the pod: with its server gone, the NodePort refuses.
    assert cluster.call(tcp_connect, cluster.nodes[0].ip, node_port) == "refused"


DECOY = textwrap.dedent("""\
    import socket, sys
    ip, port, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = socket.create_server((ip, port))
    open(flag, "w").write("bound\\n")
    while True:
        conn, _ = server.accept()
        open(flag, "a").write("accepted\\n")
        conn.close()
    """)


def test_service_without_ready_endpoints_rejects(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    cluster.apply(service("nobody", "nobody"), namespace)
    cluster_ip = cluster.get_json("service", "nobody", "-n", namespace)["spec"]["clusterIP"]
    comment = f'"{namespace}/nobody:http has no endpoints"'
    eventually(
        "the REJECT rule",
        lambda: cluster.exec(["iptables-save", "-t", "filter"]).stdout,
        lambda rules: comment in rules and "REJECT" in rules,
        timeout=10,
    )
    # A decoy bound on the VIP itself (AnyIP makes it bindable): without kube-proxy the
    # connection would reach it; kube-proxy rejects first.
    flag = tmp_path / "decoy"
    with cluster.background([sys.executable, "-c", DECOY, cluster_ip, "80", str(flag)]):
        cluster.wait_for("the decoy", lambda: flag.exists(), timeout=20)
        assert cluster.call(tcp_connect, cluster_ip, 80) == "refused"
        result = cluster.call(http_try, f"http://{cluster_ip}/")
        assert result["status"] is None and "refused" in result["error"].lower(), result
    assert flag.read_text() == "bound\n"


# --- traffic by name, exec -----------------------------------------------------------------


def test_http_server_on_pod_ip_reachable_by_headless_name(cluster: Cluster, namespace: str) -> None:
    cluster.apply(
        deployment("solo", 1) + "---\n" + service("solo", "solo", headless=True), namespace
    )
    rollout(cluster, namespace, "deployment/solo")
    (ip,) = pod_ips(cluster, namespace, "app=solo")
    eventually(
        "solo A", lambda: answers(ask(cluster, fqdn("solo", namespace)), "A"), lambda a: a == [ip]
    )
    with cluster.serve_http(ip, 8080):
        # The netns resolv.conf is a pod's in "default": <svc>.<ns> completes via svc.cluster.local.
        assert cluster.call(http_get, f"http://solo.{namespace}:8080/")["status"] == 200
        # With the pod-namespace view, the bare service name works.
        assert cluster.call(http_get, "http://solo:8080/", pod_namespace=namespace)["status"] == 200


def test_exec_with_stdin_and_namespace_resolv_conf(cluster: Cluster, namespace: str) -> None:
    cluster.apply(bare_pod("box"), namespace)
    wait_pod_running(cluster, namespace, "box")
    payload = bytes(range(256)) * 1200  # 300 KiB, binary
    count = "import sys; print(len(sys.stdin.buffer.read()))"
    result = cluster.exec(
        [cluster.kubectl_path, "exec", "-i", "-n", namespace, "box", "--", "python3", "-c", count],
        input=payload,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == str(len(payload))

    resolv = cluster.kubectl("exec", "-n", namespace, "box", "--", "cat", "/etc/resolv.conf").stdout
    assert f"search {namespace}.svc.cluster.local svc.cluster.local cluster.local" in resolv
    assert "nameserver 10.96.0.10" in resolv and "options ndots:5" in resolv

    failed = cluster.kubectl(
        "exec", "-n", namespace, "box", "--", "sh", "-c", "exit 3", check=False
    )
    assert failed.returncode == 3


STREAM_SCRIPT = textwrap.dedent("""\
    import json, os, sys
    from kubernetes import client, config
    from kubernetes.stream import stream
    config.load_kube_config(os.environ["KUBECONFIG"])
    namespace, payload = sys.argv[1], os.urandom(300_000)
    ws = stream(client.CoreV1Api().connect_get_namespaced_pod_exec, "box", namespace,
                command=["python3", "-c", "import sys; r = sys.stdin.buffer; "
                         "n = int(r.readline()); print(len(r.read(n)))"],
                stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False)
    ws.write_stdin(b"%d\\n" % len(payload) + payload)
    out = ""
    while ws.is_open():
        ws.update(timeout=5)
        out += ws.read_stdout(timeout=0)
    ws.close()
    print(json.dumps({"stdout": out.strip(), "sent": len(payload), "returncode": ws.returncode}))
    """)


def test_python_client_exec_stream_with_stdin(cluster: Cluster, namespace: str) -> None:
    cluster.apply(bare_pod("box"), namespace)
    wait_pod_running(cluster, namespace, "box")
    result = cluster.exec([sys.executable, "-c", STREAM_SCRIPT, namespace], timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"stdout": str(report["sent"]), "sent": 300_000, "returncode": 0}
