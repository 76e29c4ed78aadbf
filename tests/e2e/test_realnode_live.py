"""The probe in a real container: real nodes (upstream kubelet, containerd, runc, CNI bridge).

The test cluster has two real nodes, ``kd-real-1`` and ``kd-real-2``, next to the KWOK
nodes (see testcluster/nodes.py). Their pods run in real containers of images the
kubelet pulls from the harness's registry inside the cluster's network namespace:
``python:3.12-slim`` (the host's Debian python3.11 with its stdlib) and
``registry.k8s.io/pause:3.10`` (no python3). They are tainted NoSchedule, so every
pod here targets them with ``--node``/``nodeName`` or a toleration.

The CLI runs as ``python -m kubectl_discover`` inside the namespace, as a user would
run ``kubectl discover``; every test ends by asserting that no probe pod survives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

REAL = ("kd-real-1", "kd-real-2")
TAINT = "kubectl-discover.test/real"
PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover,app.kubernetes.io/component=probe"
IMAGE_PYTHON = subprocess.run(
    ["/usr/bin/python3.11", "-c", "import platform; print(platform.python_version())"],
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()
EXIT_START, EXIT_IMAGE, EXIT_UNSCHEDULABLE = 4, 5, 6


# --- helpers -----------------------------------------------------------------------------


def discover(cluster: Cluster, *args: str, timeout: float = 180.0) -> tuple[int, Any, str]:
    """Run the CLI of this tree inside the namespace; JSON output is parsed."""
    result = cluster.exec(
        [sys.executable, "-m", "kubectl_discover", *args],
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=timeout,
    )
    out = result.stdout
    document = json.loads(out) if out.strip().startswith("{") else out
    return result.returncode, document, result.stderr


def probe_pods(cluster: Cluster) -> list[str]:
    pods = cluster.get_json("pods", "-A", "-l", PROBE_LABEL)["items"]
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]


def eventually(what: str, check: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def pod_phase(cluster: Cluster, namespace: str, name: str) -> str:
    return str(cluster.get_json("pod", name, "-n", namespace).get("status", {}).get("phase"))


def finished_pod_logs(cluster: Cluster, namespace: str, name: str) -> tuple[str, str]:
    eventually(
        f"pod {name} to finish",
        lambda: pod_phase(cluster, namespace, name) in ("Succeeded", "Failed"),
    )
    logs = cluster.kubectl("logs", "-n", namespace, name).stdout
    return pod_phase(cluster, namespace, name), str(logs)


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Cluster) -> Iterator[None]:
    yield
    assert probe_pods(cluster) == [], "a probe pod survived the test"


RESTRICTED_POD = {
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "runAsGroup": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
TOLERATE_REAL = [{"key": TAINT, "operator": "Exists", "effect": "NoSchedule"}]

#: Stand-in backends: real containers of the python image. HTTP with the stdlib server;
#: HTTPS with a certificate from a Secret.
HTTPS_SERVER = (
    "import http.server, ssl\n"
    "s = http.server.HTTPServer(('', 8443), http.server.SimpleHTTPRequestHandler)\n"
    "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "c.load_cert_chain('/tls/tls.crt', '/tls/tls.key')\n"
    "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
    "s.serve_forever()\n"
)


def backends(namespace: str, replicas: int = 2) -> str:
    """``web`` (HTTP, port 80 -> 8080) and ``secure`` (HTTPS, 443 -> 8443) on the real
    nodes, spread one pod per node."""
    spread = {"kubectl-discover.test/real": "true"}

    def deployment(name: str, command: list[str], port: int, extra: dict[str, Any]) -> Any:
        container = {
            "name": name,
            "image": "python:3.12-slim",
            "command": command,
            "ports": [{"containerPort": port, "name": "http" if port == 8080 else "https"}],
            "readinessProbe": {
                "tcpSocket": {"port": port},
                "periodSeconds": 1,
            },
            "securityContext": RESTRICTED_CONTAINER,
            "workingDir": "/tmp",
            **extra.get("container", {}),
        }
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {
                        **RESTRICTED_POD,
                        "nodeSelector": spread,
                        "tolerations": TOLERATE_REAL,
                        "topologySpreadConstraints": [
                            {
                                "maxSkew": 1,
                                "topologyKey": "kubernetes.io/hostname",
                                "whenUnsatisfiable": "DoNotSchedule",
                                "labelSelector": {"matchLabels": {"app": name}},
                            }
                        ],
                        "containers": [container],
                        **extra.get("pod", {}),
                    },
                },
            },
        }

    def service(name: str, port: int, target: str) -> Any:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "selector": {"app": name},
                "ports": [{"name": target, "port": port, "targetPort": target}],
            },
        }

    tls = {
        "container": {"volumeMounts": [{"name": "tls", "mountPath": "/tls", "readOnly": True}]},
        "pod": {"volumes": [{"name": "tls", "secret": {"secretName": "secure-tls"}}]},
    }
    items = [
        deployment("web", ["python3", "-m", "http.server", "8080"], 8080, {}),
        service("web", 80, "http"),
        deployment("secure", ["python3", "-c", HTTPS_SERVER], 8443, tls),
        service("secure", 443, "https"),
    ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def ready_endpoints(cluster: Cluster, namespace: str, service: str) -> list[str]:
    slices = cluster.get_json(
        "endpointslices", "-n", namespace, "-l", f"kubernetes.io/service-name={service}"
    )["items"]
    return sorted(
        e["addresses"][0]
        for s in slices
        for e in s.get("endpoints") or ()
        if (e.get("conditions") or {}).get("ready")
    )


@pytest.fixture(scope="module")
def shop(cluster: Cluster) -> Iterator[str]:
    """A namespace with HTTP and HTTPS backends in real containers, one per real node."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from livecerts import self_signed

    with cluster.namespace("real") as namespace:
        cert, key = self_signed(f"secure.{namespace}.svc.cluster.local")
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "secure-tls", "namespace": namespace},
            "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": cert, "tls.key": key},
        }
        cluster.apply(json.dumps(secret))
        cluster.apply(backends(namespace))
        for service in ("web", "secure"):
            eventually(
                f"2 ready endpoints of {service}",
                lambda s=service: len(ready_endpoints(cluster, namespace, s)) == 2,  # type: ignore[misc]
            )
        yield namespace


# --- the nodes ---------------------------------------------------------------------------


def test_real_nodes_are_ready_with_containerd_next_to_the_kwok_nodes(cluster: Cluster) -> None:
    nodes = {n["metadata"]["name"]: n for n in cluster.get_json("nodes")["items"]}
    assert sorted(nodes) == ["kd-node-1", "kd-node-2", "kd-node-3", *REAL]
    for name, cidr, ip in (
        ("kd-real-1", "10.244.128.0/24", "10.250.1.1"),
        ("kd-real-2", "10.244.129.0/24", "10.250.1.2"),
    ):
        node = nodes[name]
        info = node["status"]["nodeInfo"]
        assert info["containerRuntimeVersion"] == "containerd://2.4.2+unknown"
        assert info["kubeletVersion"] == "v1.36.3"
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True", ready
        assert node["spec"]["taints"] == [{"key": TAINT, "value": "true", "effect": "NoSchedule"}]
        assert node["spec"]["podCIDR"] == cidr
        assert {"type": "InternalIP", "address": ip} in node["status"]["addresses"]
        assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == 10350
    for name in ("kd-node-1", "kd-node-2", "kd-node-3"):
        assert nodes[name]["status"]["nodeInfo"]["containerRuntimeVersion"] == "kwok-0.8.0"


def test_ordinary_pods_stay_on_the_kwok_nodes(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl(
        "create", "deployment", "plain", "--image=busybox", "--replicas=6", "-n", namespace
    )
    eventually(
        "6 scheduled pods",
        lambda: (
            len(
                [
                    p
                    for p in cluster.get_json("pods", "-n", namespace)["items"]
                    if p["spec"].get("nodeName")
                ]
            )
            == 6
        ),
    )
    placed = {p["spec"]["nodeName"] for p in cluster.get_json("pods", "-n", namespace)["items"]}
    assert placed <= {"kd-node-1", "kd-node-2", "kd-node-3"}, placed


def test_runc_enforces_the_restricted_security_context(cluster: Cluster, namespace: str) -> None:
    """uid/gid 65534, seccomp filter mode, no capabilities, read-only root, limits: all real."""
    script = textwrap.dedent(
        """\
        import os
        status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
        print("ids", os.getuid(), os.getgid())
        print("seccomp", status["Seccomp"].strip())
        print("capeff", status["CapEff"].strip())
        print("nonewprivs", status["NoNewPrivs"].strip())
        try:
            open("/x", "w")
        except OSError as exc:
            print("write", exc.errno)
        print("memory", open("/sys/fs/cgroup/memory/memory.limit_in_bytes").read().strip())
        print("cpu", open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read().strip())
        print("interfaces", *sorted(os.listdir("/sys/class/net")))
        print("hosts", open("/etc/hosts").read().split()[-2].rsplit(".", 1)[0])
        """
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "restricted", "namespace": namespace},
        "spec": {
            **RESTRICTED_POD,
            "nodeName": "kd-real-1",
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "c",
                    "image": "python:3.12-slim",
                    "command": ["python3", "-c", script],
                    "securityContext": RESTRICTED_CONTAINER,
                    "resources": {"limits": {"cpu": "200m", "memory": "64Mi"}},
                }
            ],
        },
    }
    cluster.apply(json.dumps(pod))
    phase, logs = finished_pod_logs(cluster, namespace, "restricted")
    assert phase == "Succeeded", logs
    assert logs.splitlines() == [
        "ids 65534 65534",
        "seccomp 2",
        "capeff 0000000000000000",
        "nonewprivs 1",
        "write 30",  # EROFS
        f"memory {64 * 1024 * 1024}",
        "cpu 20000",
        "interfaces eth0 lo",  # its own network namespace: a veth on the node's bridge
        "hosts 10.244.128",  # the kubelet's /etc/hosts: the pod IP from kd-real-1's CIDR
    ]


# --- the probe on a real node --------------------------------------------------------------


def test_probe_in_a_real_container_finds_http_and_https_backends(
    cluster: Cluster, shop: str
) -> None:
    code, doc, err = discover(
        cluster, "svc", "web", "-n", shop, "--node", "kd-real-1", "-o", "json"
    )
    assert code == 0, err
    assert doc["verdict"] == "ok"
    probe = doc["probe"]
    assert (probe["node"], probe["namespace"], probe["kept"]) == ("kd-real-1", shop, False)
    # The image's interpreter (Debian's), not the host's that runs the fake kubelet's execs.
    assert probe["python"] == IMAGE_PYTHON
    assert probe["resolvConf"] == {
        "nameservers": ["10.96.0.10"],
        "search": [f"{shop}.svc.cluster.local", "svc.cluster.local", "cluster.local"],
        "ndots": 5,
    }
    assert {e["kind"]: e["verdict"] for e in doc["endpoints"]} == {"cluster-ip": "ok", "pod": "ok"}
    assert [e["verdict"] for e in doc["endpoints"]] == ["ok", "ok", "ok"]
    assert {d["verdict"] for d in doc["dnsNames"] if d["clientNamespace"] in (None, shop)} == {"ok"}
    pods = sorted(e["address"] for e in doc["endpoints"] if e["kind"] == "pod")
    assert pods == ready_endpoints(cluster, shop, "web")
    assert all(a.startswith(("10.244.128.", "10.244.129.")) for a in pods)
    code, doc, err = discover(
        cluster, "svc", "secure", "-n", shop, "--node", "kd-real-2", "-o", "json"
    )
    assert code == 0, err
    assert doc["verdict"] == "ok"
    assert doc["probe"]["node"] == "kd-real-2"
    assert [e["verdict"] for e in doc["endpoints"]] == ["ok", "ok", "ok"]


def test_probe_pod_is_admitted_by_a_restricted_namespace_on_a_real_node(
    cluster: Cluster, shop: str
) -> None:
    with cluster.namespace("restricted") as ns:
        cluster.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
        cluster.kubectl(
            "create",
            "service",
            "externalname",
            "shop-web",
            "-n",
            ns,
            f"--external-name=web.{shop}.svc.cluster.local",
        )
        code, doc, err = discover(
            cluster, "svc", "shop-web", "-n", ns, "--node", "kd-real-2", "-o", "json"
        )
    assert code == 0, err
    assert doc["probe"]["node"] == "kd-real-2"
    assert doc["probe"]["python"] == IMAGE_PYTHON
    assert doc["verdict"] == "ok", doc["dnsNames"]


def _client_pod(namespace: str, name: str, node: str, spec: dict[str, Any]) -> str:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "c",
                    "image": "python:3.12-slim",
                    "command": ["python3", "-c", "import time; time.sleep(3600)"],
                }
            ],
            "terminationGracePeriodSeconds": 0,
            **spec,
        },
    }
    return json.dumps(pod)


@pytest.mark.parametrize("node", ["kd-real-2", "kd-node-2"])
@pytest.mark.parametrize(
    ("spec", "resolv", "outcome"),
    [
        pytest.param(
            {
                "dnsPolicy": "None",
                "dnsConfig": {
                    "nameservers": ["10.96.0.11"],
                    "searches": ["corp.example"],
                    "options": [{"name": "ndots", "value": "1"}],
                },
            },
            {"nameservers": ["10.96.0.11"], "search": ["corp.example"], "ndots": 1},
            # the namespace-relative names cannot complete through corp.example
            (1, "fail"),
            id="dnsPolicy-None-own-nameserver",
        ),
        pytest.param(
            {
                "dnsPolicy": "ClusterFirst",
                "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
            },
            {
                "nameservers": ["10.96.0.10"],
                "search": ["{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"],
                "ndots": 2,
            },
            # web.<ns>.svc has 2 dots: with ndots:2 it is tried as absolute first
            (0, "warn"),
            id="ClusterFirst-custom-ndots",
        ),
        pytest.param(
            {"dnsPolicy": "ClusterFirstWithHostNet", "hostNetwork": True},
            {
                "nameservers": ["10.96.0.10"],
                "search": ["{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"],
                "ndots": 5,
            },
            (0, "ok"),
            id="ClusterFirstWithHostNet-hostNetwork",
        ),
    ],
)
def test_from_a_client_the_kubelet_writes_the_clients_dns_config(
    cluster: Cluster,
    shop: str,
    node: str,
    spec: dict[str, Any],
    resolv: dict[str, Any],
    outcome: tuple[int, str],
) -> None:
    """The probe copies the client's DNS settings; the kubelet writes resolv.conf from them:
    the real one (containerd) on kd-real-2; on the KWOK node kd-node-2 the project's fake
    kubelet, through the upstream kubelet's DNS configurer."""
    with cluster.namespace("from") as ns:
        cluster.apply(_client_pod(ns, "client", node, spec))
        eventually("client running", lambda: pod_phase(cluster, ns, "client") == "Running")
        cluster.kubectl(
            "create",
            "service",
            "externalname",
            "web",
            "-n",
            ns,
            f"--external-name=web.{shop}.svc.cluster.local",
        )
        code, doc, err = discover(
            cluster, "svc", "web", "-n", ns, "--from", "pod/client", "-o", "json"
        )
    expected = {
        k: [v.format(ns=ns) for v in vs] if isinstance(vs, list) else vs for k, vs in resolv.items()
    }
    assert doc["probe"]["node"] == node, err
    assert doc["probe"]["resolvConf"] == expected, err
    if node in REAL:
        assert doc["probe"]["python"] == IMAGE_PYTHON
    assert (code, doc["verdict"]) == outcome, [(d["query"], d["verdict"]) for d in doc["dnsNames"]]


# --- failures only a real node shows -------------------------------------------------------


def test_an_image_the_registry_does_not_have_really_fails_to_pull(
    cluster: Cluster, shop: str
) -> None:
    code, _out, err = discover(
        cluster,
        "svc",
        "web",
        "-n",
        shop,
        "--node",
        "kd-real-1",
        "--image",
        "kubectl-discover.invalid/none:0",
    )
    assert code == EXIT_IMAGE, err
    assert (
        "cannot pull image kubectl-discover.invalid/none:0 (ErrImagePull: rpc error: code = "
        'NotFound desc = failed to pull and unpack image "kubectl-discover.invalid/none:0": '
        "failed to resolve image: kubectl-discover.invalid/none:0: not found); pass --image "
        "with an image the cluster can pull that has python3"
    ) in err


def test_an_image_without_python3_ends_start_error_with_the_runtimes_message(
    cluster: Cluster, shop: str
) -> None:
    code, _out, err = discover(
        cluster,
        "svc",
        "web",
        "-n",
        shop,
        "--node",
        "kd-real-2",
        "--image",
        "registry.k8s.io/pause:3.10",
    )
    assert code == EXIT_START, err
    assert "stopped before the probe ran: StartError, exit code 128: " in err
    assert 'exec: "python3": executable file not found in $PATH' in err
    assert err.rstrip().endswith("(does the image have python3 on PATH? try --image)")


def test_a_node_with_a_noexecute_taint_rejects_the_probe_pod(cluster: Cluster, shop: str) -> None:
    cluster.kubectl("taint", "node", "kd-real-2", "kd-test/evict=now:NoExecute")
    try:
        code, _out, err = discover(cluster, "svc", "web", "-n", shop, "--node", "kd-real-2")
    finally:
        cluster.kubectl("taint", "node", "kd-real-2", "kd-test/evict-")
    assert code == EXIT_UNSCHEDULABLE, err
    assert (
        "was rejected by the kubelet of kd-real-2 (TaintToleration: Pod was rejected: "
        "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate); "
        "pick another node with --node"
    ) in err


def test_ctrl_c_while_probing_on_a_real_node_deletes_the_pod(
    cluster: Cluster, namespace: str
) -> None:
    """SIGINT while the probe's GET hangs on a silent listener: exit 130, pod gone."""
    silent_ip, port = "10.244.3.212", 8082
    hold = (
        "import socket,time; s=socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(({silent_ip!r},{port})); s.listen(); time.sleep(300)"
    )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "silent", "namespace": namespace},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": port}]},
    }
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "silent-1",
            "namespace": namespace,
            "labels": {"kubernetes.io/service-name": "silent"},
        },
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        "endpoints": [{"addresses": [silent_ip], "conditions": {"ready": True}}],
    }
    cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": [service, slice_]}))
    with cluster.background([sys.executable, "-c", hold], listen=(silent_ip, port)):
        env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        argv = [sys.executable, "-m", "kubectl_discover", "svc", "silent", "-n", namespace]
        proc = subprocess.Popen(
            cluster.exec_argv([*argv, "--node", "kd-real-1", "--probe-timeout", "120"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stderr is not None
        seen = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen.append(line)
            if "probing from" in line or not line:
                break
        assert any("probing from" in s for s in seen), seen
        time.sleep(1.0)  # the exec runs; its GET to the silent listener blocks for 3 s
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "deleting probe pod" in "".join(seen) + stderr
    assert [p for p in probe_pods(cluster) if p.startswith(namespace + "/")] == []


# --- the pod network ---------------------------------------------------------------------

WHO_SERVER = (
    "import http.server, socket\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        body = socket.gethostname().encode()\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "http.server.ThreadingHTTPServer(('', 8080), H).serve_forever()\n"
)
WHO_CLIENT = (
    "import sys, urllib.request\n"
    "seen = set()\n"
    "for _ in range(40):\n"
    "    seen.add(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())\n"
    "print(' '.join(sorted(seen)))\n"
    "print(urllib.request.urlopen(sys.argv[2], timeout=5).status)\n"
)


def test_real_pods_reach_services_on_both_nodes_and_kwok_pod_addresses(
    cluster: Cluster, namespace: str
) -> None:
    """One kube-proxy in the namespace serves the real pods too: a ClusterIP reaches the
    backend on the client's own bridge (hairpin through the VIP) and on the other node;
    a KWOK pod's address (a listener in the namespace) answers a real pod."""
    who = json.loads(backends(namespace))["items"][0]
    who["metadata"]["name"] = "who"
    template = who["spec"]["template"]
    who["spec"]["selector"]["matchLabels"] = template["metadata"]["labels"] = {"app": "who"}
    template["spec"]["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] = {
        "app": "who"
    }
    template["spec"]["containers"][0]["command"] = ["python3", "-c", WHO_SERVER]
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "who", "namespace": namespace},
        "spec": {"selector": {"app": "who"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": [who, service]}))
    eventually("2 ready who pods", lambda: len(ready_endpoints(cluster, namespace, "who")) == 2)
    pods = cluster.get_json("pods", "-n", namespace, "-l", "app=who")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == list(REAL)
    kwok_ip = "10.244.3.213"
    with cluster.serve_http(kwok_ip, 8080) as kwok_url:
        client = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "client", "namespace": namespace},
            "spec": {
                "nodeName": "kd-real-1",
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "c",
                        "image": "python:3.12-slim",
                        "command": ["python3", "-c", WHO_CLIENT, "http://who", kwok_url],
                    }
                ],
            },
        }
        cluster.apply(json.dumps(client))
        phase, logs = finished_pod_logs(cluster, namespace, "client")
    assert phase == "Succeeded", logs
    assert logs.splitlines() == [" ".join(sorted(p["metadata"]["name"] for p in pods)), "200"]


def test_dns_command_probes_from_a_real_node(cluster: Cluster, shop: str) -> None:
    name = f"web.{shop}.svc.cluster.local"
    code, doc, err = discover(cluster, "dns", name, "-n", shop, "--node", "kd-real-1", "-o", "json")
    assert code == 0, err
    assert doc["verdict"] == "ok"
    assert (doc["probe"]["node"], doc["probe"]["python"]) == ("kd-real-1", IMAGE_PYTHON)
    ip = cluster.get_json("service", "web", "-n", shop)["spec"]["clusterIP"]
    assert [(d["query"], d["verdict"], d["expectedAnswers"]) for d in doc["dnsNames"]] == [
        (name, "ok", [ip])
    ]


def test_resource_quota_without_room_refuses_the_probe_pod_for_a_real_node(
    cluster: Cluster, namespace: str
) -> None:
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "no-pods", "namespace": namespace},
        "spec": {"hard": {"pods": "0"}},
    }
    cluster.apply(json.dumps(quota))
    cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", namespace)
    eventually(
        "quota status",
        lambda: bool(cluster.get_json("resourcequota", "no-pods", "-n", namespace).get("status")),
    )
    code, _out, err = discover(cluster, "svc", "web", "-n", namespace, "--node", "kd-real-1")
    assert code == 7, err  # the cluster refused the pod
    assert "exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0" in err


def test_ingress_and_route_probed_through_a_controller_in_a_real_container(
    cluster: Cluster, shop: str
) -> None:
    """A stand-in ingress controller (a real container answering HTTP on :80 on kd-real-2)
    holds the Ingress's address; the probe on kd-real-1 sends the request there."""
    klass = f"kd-nginx-{shop}"
    objects = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": {"name": klass},
            "spec": {"controller": "k8s.io/ingress-nginx"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "controller", "namespace": shop},
            "spec": {
                "nodeName": "kd-real-2",
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
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "storefront", "namespace": shop},
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
                                    "backend": {
                                        "service": {"name": "web", "port": {"name": "http"}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        },
    ]
    try:
        cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
        eventually(
            "the controller pod ready",
            lambda: any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in cluster.get_json("pod", "controller", "-n", shop)["status"].get(
                    "conditions", []
                )
            ),
        )
        ip = cluster.get_json("pod", "controller", "-n", shop)["status"]["podIP"]
        status = {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}
        cluster.kubectl(
            "patch", "ingress", "storefront", "-n", shop, "--subresource=status",
            "--type=merge", "-p", json.dumps(status),
        )  # fmt: skip
        code, doc, err = discover(
            cluster, "ingress", "storefront", "-n", shop, "--node", "kd-real-1", "-o", "json"
        )
        assert code == 0, err
        assert doc["verdict"] == "ok"
        assert doc["probe"]["node"] == "kd-real-1"
        assert [(r["verdict"], r["observed"].split("; ")[1]) for r in doc["routes"]] == [
            ("ok", "HTTP/1.0 200 OK")
        ]
        code, doc, err = discover(
            cluster, "route", "http://shop.example.com/cart", "-n", shop,
            "--node", "kd-real-1", "-o", "json",
        )  # fmt: skip
        assert code == 0, err
        assert doc["probe"]["node"] == "kd-real-1"
        assert [(r["service"], r["verdict"]) for r in doc["routes"]] == [("web", "ok")]
    finally:
        cluster.kubectl("delete", "ingressclass", klass, "--ignore-not-found", check=False)


# --- hygiene -------------------------------------------------------------------------------

#: Paths the kubelet, containerd, runc and CNI write by default (see testcluster/README.md).
FIXED_HOST_PATHS = (
    "/run/containerd",
    "/run/nri",
    "/run/mount",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/var/lib/cni",
    "/var/log/pods",
    "/var/log/containers",
    "/opt/containerd",
    "/opt/cni",
    "/etc/cni",
    "/usr/libexec/kubernetes",
)
KUBELET_SYSCTLS = (
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
)


def _host_view() -> dict[str, Any]:
    return {
        "paths": [p for p in FIXED_HOST_PATHS if Path(p).exists()],
        "netns": sorted(p.name for p in Path("/run/netns").glob("cni-*")),
        "sysctls": {s: Path("/proc/sys", s).read_text() for s in KUBELET_SYSCTLS},
    }


def _in_cgroup_of(netns: str) -> list[str]:
    """Processes in a real node's cgroups of the cluster in ``netns``: pid, state, command."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"/{netns}-" in (proc / "cgroup").read_text():
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ")[:80]
                found.append(f"{proc.name} {state} {command.decode(errors='replace')}")
        except OSError:
            continue
    return found


def test_a_second_cluster_runs_real_pods_and_leaves_nothing_behind(
    cluster: Cluster, tmp_path: Path
) -> None:
    """A private cluster beside the session's: its real nodes run a pod; its teardown, with
    the pod still running, leaves no process, cgroup, mount, netns, host path or sysctl
    change, and the session cluster's real nodes keep working."""
    from testcluster import Layout, down, up

    layout = Layout(tmp_path / "second", bin_root=cluster.layout.bin_root or cluster.layout.root)
    before = _host_view()
    second, started = up(layout, reuse=False)
    try:
        assert started and second.netns != cluster.netns
        pod = json.loads(_client_pod("default", "sleeper", "kd-real-1", {}))
        second.apply(json.dumps(pod))
        second.wait_for(
            "the pod running",
            lambda: pod_phase(second, "default", "sleeper") == "Running",
            timeout=90,
        )
        assert _in_cgroup_of(second.netns), "the pod's processes are in the node's cgroups"
        assert _host_view() == before  # nothing of the running nodes is visible on the host
    finally:
        down(layout)
    # The pods' processes are killed; orphaned, they are reaped by PID 1, which on these
    # VMs (firecracker's process_api) does so lazily: a zombie holds no resources.
    assert [p for p in _in_cgroup_of(second.netns) if p.split()[1] != "Z"] == []
    assert [h for h in Path("/sys/fs/cgroup").glob(f"*/{second.netns}-*")] == []
    mounts = Path("/proc/self/mountinfo").read_text()
    assert str(layout.root) not in mounts
    assert not (layout.root / "nodes").exists()
    assert not Path("/run/netns", second.netns).exists()
    assert _host_view() == before
    nodes = {n["metadata"]["name"]: n for n in cluster.get_json("nodes")["items"]}
    for name in REAL:
        ready = [c for c in nodes[name]["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "True", name
