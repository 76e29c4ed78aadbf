"""Faults during a live run, through the real CLI (issue 9).

Each test runs ``python -m kubectl_discover`` inside the cluster's network namespace and
checks what an SRE sees: the exit code, exactly one ``error:`` line on stderr (progress
lines start with ``discover:``), no traceback, and that no probe pod survives.

API server faults come from ``faultproxy.py`` (same directory), started inside the network
namespace in front of the real API server; the shared API server itself is never touched.
A pod that must stay Pending is bound (``--node``) to a Node object no kubelet serves.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from testcluster import Cluster

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
PROXY = HERE / "faultproxy.py"
PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover"
EXPIRES_ANNOTATION = "kubectl-discover.io/expires-at"

# A Service with one running backend pod (the probe has something to check). Pods are bound
# to a node (and probed runs pass --node) so that a cluster filled to capacity by other
# work cannot make the scheduler refuse them: these tests are about faults, not scheduling.
APP = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{name: http, port: 80, targetPort: 8080}]
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: web-0, labels: {app: web}}
    spec:
      nodeName: NODE
      containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
    """
)


# --- helpers -----------------------------------------------------------------------------


def discover_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "kubectl_discover", *args]


def cli(
    cluster: Cluster, *args: str, kubeconfig: Path | None = None, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    env = {"KUBECONFIG": str(kubeconfig or cluster.kubeconfig), "NO_COLOR": "1"}
    return cluster.exec(discover_argv(*args), env=env, timeout=timeout)


def popen(cluster: Cluster, *args: str, kubeconfig: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig or cluster.kubeconfig), "NO_COLOR": "1"}
    return subprocess.Popen(
        cluster.exec_argv(discover_argv(*args)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def error_line(stderr: str, code: int, returncode: int) -> str:
    """The one ``error:`` line; everything else on stderr must be progress lines."""
    assert "Traceback" not in stderr, stderr
    assert returncode == code, f"exit {returncode}, expected {code}: {stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert all(line.startswith(("error: ", "discover: ")) for line in lines), stderr
    return errors[0]


def node(cluster: Cluster) -> str:
    return cluster.nodes[0].name


def interrupted(stderr: str, returncode: int) -> None:
    """Exit 130, no traceback, only progress lines and at most one ``error:`` line.

    The one-line "error: interrupted" itself is asserted by
    :func:`test_ctrl_c_says_interrupted_on_one_line`.
    """
    assert "Traceback" not in stderr, stderr
    assert returncode == 130, f"exit {returncode}, expected 130: {stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert all(line.startswith(("error: interrupted", "discover: ")) for line in lines), stderr


def probe_pods(cluster: Cluster, namespace: str | None = None) -> list[str]:
    where = ["-n", namespace] if namespace else ["-A"]
    pods = cluster.get_json("pods", *where, "-l", PROBE_LABEL)["items"]
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]


def wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 60.0) -> list[str]:
    """Read stderr until a line starts with ``discover: <prefix>``; return what was read."""
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(f"discover: {prefix}"):
            return seen
    proc.kill()
    pytest.fail(f"never saw 'discover: {prefix}' on stderr: {seen}")


def finish(proc: subprocess.Popen[str], seen: list[str], timeout: float = 60.0) -> tuple[str, str]:
    stdout, rest = proc.communicate(timeout=timeout)
    return stdout, "".join(seen) + rest


def interrupt(proc: subprocess.Popen[str], seen: list[str]) -> str:
    proc.send_signal(signal.SIGINT)
    _, stderr = finish(proc, seen)
    return stderr


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Cluster) -> Iterator[None]:
    yield
    assert probe_pods(cluster) == [], "a probe pod survived the test"


@pytest.fixture(scope="module")
def app(cluster: Cluster) -> Iterator[str]:
    """A namespace with Service ``web`` and its running pod ``web-0``."""
    with cluster.namespace("faults") as namespace:
        cluster.apply(APP.replace("NODE", node(cluster)), namespace)
        cluster.wait_for(
            "pod web-0 running",
            lambda: (
                cluster.get_json("pod", "web-0", "-n", namespace)["status"].get("phase")
                == "Running"
            ),
        )
        yield namespace


@pytest.fixture(params=["kd-node-1", "kd-real-1"], ids=["kwok", "real"])
def probe_node(request: pytest.FixtureRequest) -> str:
    """Where a probe runs: a KWOK node (the project's fake kubelet) or a real node
    (kubelet + containerd + runc; see testcluster/README.md, "Real nodes")."""
    return str(request.param)


@pytest.fixture
def ghost_node(cluster: Cluster) -> Iterator[str]:
    """A Node no kubelet serves: a probe pod bound to it (``--node``) stays Pending."""
    name = f"kd-ghost-{uuid.uuid4().hex[:6]}"
    cluster.apply(f"apiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\n")
    try:
        yield name
    finally:
        cluster.kubectl("delete", "node", name, "--wait=false", check=False)


def free_port(cluster: Cluster) -> int:
    code = "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    return int(cluster.exec([sys.executable, "-c", code], check=True).stdout)


def kubeconfig_via(source: Path, server: str, target: Path) -> Path:
    """A copy of ``source`` whose clusters point at ``server``."""
    config = yaml.safe_load(source.read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = server
    target.write_text(yaml.safe_dump(config))
    target.chmod(0o600)
    return target


@contextmanager
def tcp_proxy(
    cluster: Cluster, tmp_path: Path, delay: float = 0.0
) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """A TCP proxy to the API server on 127.0.0.1 in the netns, and an admin kubeconfig
    going through it."""
    port = free_port(cluster)
    argv = [sys.executable, str(PROXY), "tcp", str(port), "--delay", str(delay)]
    kubeconfig = kubeconfig_via(
        cluster.kubeconfig, f"https://127.0.0.1:{port}", tmp_path / "proxied.kubeconfig"
    )
    with cluster.background(argv, listen=("127.0.0.1", port)) as proc:
        yield kubeconfig, proc


# --- admission --------------------------------------------------------------------------


def test_restricted_pod_security_admits_a_probed_run(cluster: Cluster, probe_node: str) -> None:
    with cluster.namespace("restricted") as namespace:
        cluster.kubectl(
            "label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted"
        )
        cluster.apply(APP.split("---")[0], namespace)  # the Service only: no pod to reject
        cluster.apply(
            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n"
            "spec: {ports: [{port: 80}], clusterIP: None}\n",
            namespace,
        )
        result = cli(cluster, "svc", "api", "-n", namespace, "--node", probe_node, "-o", "json")
        assert "Traceback" not in result.stderr
        assert result.returncode in (0, 1), result.stderr
        report = json.loads(result.stdout)
        assert report["probe"]["namespace"] == namespace, report.get("probe")
        assert "creating probe pod" in result.stderr
        assert probe_pods(cluster, namespace) == []


def test_resource_quota_without_room_is_a_probe_error_naming_the_quota(
    cluster: Cluster, app: str, probe_node: str
) -> None:
    quota = f"no-pods-{uuid.uuid4().hex[:4]}"
    cluster.apply(
        f"apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: {quota}}}\n"
        "spec: {hard: {pods: '0'}}\n",
        app,
    )
    try:
        cluster.wait_for(
            "quota status",
            lambda: bool(cluster.get_json("resourcequota", quota, "-n", app).get("status")),
        )
        result = cli(cluster, "svc", "web", "-n", app, "--node", probe_node)
        line = error_line(result.stderr, 7, result.returncode)  # the cluster refused the pod
        assert quota in line
        assert "quota" in line.lower()
        assert probe_pods(cluster, app) == []
    finally:
        cluster.kubectl("delete", "resourcequota", quota, "-n", app, check=False)


# --- the API server goes away, is slow, or misbehaves -------------------------------------


def test_api_server_gone_while_probing_names_the_pod_left_behind(
    cluster: Cluster, app: str, tmp_path: Path, probe_node: str
) -> None:
    """Kill the proxy during the exec (the probe is held by a listener that never answers):
    the plugin cannot delete its pod, and says so."""
    pod_ip = cluster.get_json("pod", "web-0", "-n", app)["status"]["podIP"]
    hold = (
        # SO_REUSEADDR: an earlier test's server on a recycled pod IP may leave TIME_WAIT
        "import socket,time; s=socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(({pod_ip!r}, 8080)); s.listen(); time.sleep(120)"
    )
    with (
        cluster.background([sys.executable, "-c", hold], listen=(pod_ip, 8080)),
        tcp_proxy(cluster, tmp_path) as (kubeconfig, proxy),
    ):
        proc = popen(cluster, "svc", "web", "-n", app, "--node", probe_node, kubeconfig=kubeconfig)
        seen = wait_for_line(proc, "probing from")
        time.sleep(0.5)
        proxy.kill()
        proxy.wait()
        _, stderr = finish(proc, seen)
    left_behind_then_cleaned_up(cluster, app, stderr, proc.returncode)


def test_api_server_gone_while_waiting_for_the_pod(
    cluster: Cluster, app: str, tmp_path: Path, ghost_node: str
) -> None:
    """Kill the proxy while the plugin watches its (Pending) pod: exit 3, the pod named."""
    with tcp_proxy(cluster, tmp_path) as (kubeconfig, proxy):
        args = ("svc", "web", "-n", app, "--node", ghost_node, "--probe-timeout", "30")
        proc = popen(cluster, *args, kubeconfig=kubeconfig)
        seen = wait_for_line(proc, "waiting for probe pod")
        time.sleep(0.5)
        proxy.kill()
        proxy.wait()
        _, stderr = finish(proc, seen)
    left_behind_then_cleaned_up(cluster, app, stderr, proc.returncode)


def left_behind_then_cleaned_up(cluster: Cluster, app: str, stderr: str, returncode: int) -> None:
    """Exit 3; the one error line names the pod that remains and the cure; once its deadline
    has passed (fast-forwarded here), ``kubectl discover cleanup`` removes it."""
    try:
        line = error_line(stderr, 3, returncode)
        left = probe_pods(cluster, app)
        assert len(left) == 1, left
        namespace, name = left[0].split("/")
        assert f"{namespace}/{name}" in line
        assert "kubectl discover cleanup" in line
        past = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        cluster.kubectl(
            "annotate", "pod", "-n", namespace, name, f"{EXPIRES_ANNOTATION}={past}", "--overwrite"
        )
        cleaned = cli(cluster, "cleanup", "-n", namespace)
        assert cleaned.returncode == 0, cleaned.stderr
        assert f"pod/{namespace}/{name} deleted" in cleaned.stdout
        assert probe_pods(cluster, app) == []
    finally:
        for ref in probe_pods(cluster, app):
            cluster.kubectl("delete", "pod", "-n", app, ref.split("/")[1], check=False)


def test_slow_api_server_times_out(cluster: Cluster, app: str, tmp_path: Path) -> None:
    """Every reply held back 30s: the request timeout (10s) fires, exit 3."""
    with tcp_proxy(cluster, tmp_path, delay=30.0) as (kubeconfig, _):
        started = time.monotonic()
        result = cli(cluster, "svc", "web", "-n", app, "--no-probe", kubeconfig=kubeconfig)
        elapsed = time.monotonic() - started
    line = error_line(result.stderr, 3, result.returncode)
    assert "timed out" in line or "no reply within" in line, line
    assert elapsed < 40, f"took {elapsed:.0f}s"


def _http_proxy(cluster: Cluster, tmp_path: Path, *extra: str) -> tuple[list[str], Path, Path]:
    """argv of a TLS-terminating proxy, a kubeconfig through it, and its injection log."""
    sys.path.insert(0, str(HERE.parents[1]))
    from testcluster import pki

    d = cluster.layout.pki
    ca = pki.CertPair(d / "ca.crt", d / "ca.key")
    server = pki.issue(ca, tmp_path / "proxy", "faultproxy", ips=["127.0.0.1"], server=True)
    port = free_port(cluster)
    log = tmp_path / "injected.log"
    argv = [
        sys.executable,
        str(PROXY),
        "http",
        str(port),
        "--cert",
        str(server.cert),
        "--key",
        str(server.key),
        "--ca",
        str(d / "ca.crt"),
        "--client-cert",
        str(d / "admin.crt"),
        "--client-key",
        str(d / "admin.key"),
        "--log",
        str(log),
        *extra,
    ]
    kubeconfig = kubeconfig_via(
        cluster.kubeconfig, f"https://127.0.0.1:{port}", tmp_path / "http.kubeconfig"
    )
    return argv, kubeconfig, log


def test_throttled_then_served_succeeds(cluster: Cluster, app: str, tmp_path: Path) -> None:
    """The first request for every path answers 429 (Retry-After: 1): retried, then served."""
    argv, kubeconfig, log = _http_proxy(cluster, tmp_path, "--status", "429", "--first-only")
    port = int(argv[3])
    with cluster.background(argv, listen=("127.0.0.1", port)):
        result = cli(
            cluster, "svc", "web", "-n", app, "--no-probe", "-o", "json", kubeconfig=kubeconfig
        )
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["subject"]["name"] == "web"
    injected = log.read_text().splitlines()
    assert len(injected) >= 8, injected  # one 429 per LIST of `svc`
    assert all(line.startswith("429 ") for line in injected)


def test_persistent_server_error_is_a_cluster_access_error(
    cluster: Cluster, app: str, tmp_path: Path
) -> None:
    argv, kubeconfig, log = _http_proxy(cluster, tmp_path, "--status", "500")
    port = int(argv[3])
    with cluster.background(argv, listen=("127.0.0.1", port)):
        result = cli(cluster, "svc", "web", "-n", app, "--no-probe", kubeconfig=kubeconfig)
    line = error_line(result.stderr, 3, result.returncode)
    assert "500" in line, line
    assert len(log.read_text().splitlines()) >= 4  # retried before giving up


def test_rejected_credentials_are_a_cluster_access_error(
    cluster: Cluster, app: str, tmp_path: Path
) -> None:
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": "expired.eyJleHAiOjF9.token"}
    kubeconfig = tmp_path / "expired.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    result = cli(cluster, "svc", "web", "-n", app, kubeconfig=kubeconfig)
    line = error_line(result.stderr, 3, result.returncode)
    assert "401" in line and "credentials" in line, line
    assert "expired.eyJ" not in result.stderr + result.stdout  # the token is never echoed


# --- the probe pod ---------------------------------------------------------------------


def test_probe_pod_deleted_by_someone_else(cluster: Cluster, app: str, ghost_node: str) -> None:
    proc = popen(cluster, "svc", "web", "-n", app, "--node", ghost_node, "--probe-timeout", "30")
    seen = wait_for_line(proc, "waiting for probe pod")
    (ref,) = probe_pods(cluster, app)
    cluster.kubectl("delete", "pod", "-n", app, ref.split("/")[1], "--wait=false")
    _, stderr = finish(proc, seen)
    line = error_line(stderr, 4, proc.returncode)
    assert ref in line and "deleted" in line, line


@contextmanager
def dns_server_stopped(cluster: Cluster) -> Iterator[None]:
    """Freeze the cluster DNS (both kube-dns replicas behind the ClusterIP every pod's
    resolv.conf names) with SIGSTOP: queries then time out, as when CoreDNS is down or a
    NetworkPolicy drops port 53."""
    from testcluster.dnspath import REPLICA
    from testcluster.state import State

    state = State.load(cluster.layout)
    names = ("coredns", REPLICA.name)
    assert state is not None and all(n in state.pids for n in names), "no CoreDNS pid recorded"
    pids = [state.pids[n] for n in names]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def test_dns_server_down_for_the_probe(cluster: Cluster, app: str, probe_node: str) -> None:
    with dns_server_stopped(cluster):
        result = cli(
            cluster, "svc", "web", "-n", app, "--node", probe_node, "-o", "json", timeout=180
        )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["verdict"] == "fail"
    names = [d for d in document["dnsNames"] if d["clientNamespace"] in (None, app)]
    # No name may look healthy while the server is frozen: each is a failure, or a check
    # the probe could not finish within its budget (reported as such).
    assert names and all(d["verdict"] != "ok" for d in names), [
        (d["query"], d["verdict"], d["observed"]) for d in names
    ]
    said = " ".join(f"{d['observed']} {d['why']}" for d in names).lower()
    assert "timeout" in said or "timed out" in said, said
    assert probe_pods(cluster) == []


# --- Ctrl-C at every phase ---------------------------------------------------------------


def test_ctrl_c_while_loading(cluster: Cluster, app: str, tmp_path: Path, probe_node: str) -> None:
    with tcp_proxy(cluster, tmp_path, delay=30.0) as (kubeconfig, _):
        proc = popen(cluster, "svc", "web", "-n", app, "--node", probe_node, kubeconfig=kubeconfig)
        time.sleep(2.0)
        stderr = interrupt(proc, [])
    interrupted(stderr, proc.returncode)
    assert "creating probe pod" not in stderr


def test_ctrl_c_while_waiting_for_the_pod(cluster: Cluster, app: str, ghost_node: str) -> None:
    proc = popen(cluster, "svc", "web", "-n", app, "--node", ghost_node, "--probe-timeout", "60")
    seen = wait_for_line(proc, "waiting for probe pod")
    assert len(probe_pods(cluster, app)) == 1
    stderr = interrupt(proc, seen)
    interrupted(stderr, proc.returncode)
    assert "deleting probe pod" in stderr


def test_ctrl_c_during_the_exec(cluster: Cluster, app: str, probe_node: str) -> None:
    pod_ip = cluster.get_json("pod", "web-0", "-n", app)["status"]["podIP"]
    hold = (
        # SO_REUSEADDR: an earlier test's server on a recycled pod IP may leave TIME_WAIT
        "import socket,time; s=socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(({pod_ip!r}, 8080)); s.listen(); time.sleep(120)"
    )
    with cluster.background([sys.executable, "-c", hold], listen=(pod_ip, 8080)):
        proc = popen(cluster, "svc", "web", "-n", app, "--node", probe_node)
        seen = wait_for_line(proc, "probing from")
        time.sleep(0.5)
        stderr = interrupt(proc, seen)
    interrupted(stderr, proc.returncode)
    assert "deleting probe pod" in stderr


# --- concurrency and input ----------------------------------------------------------------


def test_two_runs_at_once_use_distinct_pods(cluster: Cluster, app: str, probe_node: str) -> None:
    args = ("svc", "web", "-n", app, "--node", probe_node, "-o", "json")
    procs = [popen(cluster, *args) for _ in range(2)]
    results = [proc.communicate(timeout=120) for proc in procs]
    pods = []
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert "Traceback" not in stderr
        assert proc.returncode in (0, 1), stderr
        report: dict[str, Any] = json.loads(stdout)
        pods.append(report["probe"]["pod"])
    assert pods[0] != pods[1]
    assert probe_pods(cluster, app) == []


def test_unknown_namespace_is_an_input_error(cluster: Cluster, app: str) -> None:
    missing = cli(cluster, "svc", "web", "-n", "nosuch", "--no-probe")
    line = error_line(missing.stderr, 2, missing.returncode)
    assert '"nosuch" not found' in line, line
    typo = app[:-1] + ("x" if app[-1] != "x" else "y")
    near = cli(cluster, "scan", "-n", typo)
    line = error_line(near.stderr, 2, near.returncode)
    assert f'did you mean "{app}"' in line, line


def test_unknown_context_is_an_input_error(cluster: Cluster, app: str) -> None:
    result = cli(cluster, "svc", "web", "-n", app, "--context", "nosuch", "--no-probe")
    line = error_line(result.stderr, 2, result.returncode)
    assert "nosuch" in line, line


def test_ctrl_c_says_interrupted_on_one_line(cluster: Cluster, app: str, tmp_path: Path) -> None:
    with tcp_proxy(cluster, tmp_path, delay=30.0) as (kubeconfig, _):
        proc = popen(cluster, "svc", "web", "-n", app, "--no-probe", kubeconfig=kubeconfig)
        time.sleep(2.0)
        stderr = interrupt(proc, [])
    assert error_line(stderr, 130, proc.returncode) == "error: interrupted"


def test_watch_reuses_one_probe_pod_and_deletes_it_on_ctrl_c(cluster: Cluster, app: str) -> None:
    """--watch: one probe pod, probed again each interval; Ctrl-C ends the watch with the
    last report's exit code (not 130) and the pod is deleted."""
    proc = popen(
        cluster, "svc", "web", "-n", app, "--node", node(cluster), "--watch", "--interval", "1"
    )
    seen = wait_for_line(proc, "probing from")
    seen += wait_for_line(proc, "probing from")
    seen += wait_for_line(proc, "probing from")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = finish(proc, seen)
    assert "Traceback" not in stderr and "error:" not in stderr, stderr
    assert stderr.count("discover: creating probe pod") == 1
    assert stderr.count("discover: probing from") >= 3
    assert stderr.count("discover: deleting probe pod") == 1
    assert stdout.startswith("Service ")
    last = [line for line in stdout.splitlines() if "verdict" in line][-1]
    assert proc.returncode == (1 if last.endswith("FAIL)") or last.endswith("FAIL") else 0)
