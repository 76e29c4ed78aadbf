"""Start the cluster's processes; runs *inside* the cluster network namespace.

``python -m testcluster _boot`` is invoked through ``ip netns exec`` by
:func:`testcluster.cluster.up`. It starts every component detached, records
pids in the state file, creates the bootstrap objects and returns once the
cluster is healthy. Any failure raises; the caller then tears everything down.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

from . import bootstrap, components, dnspath, images, procs
from . import config as c
from .apiclient import ApiClient
from .build import Binaries
from .config import Layout
from .state import State

_INSECURE = ssl._create_unverified_context()  # local health endpoints only


def log(message: str) -> None:
    print(f"testcluster: {message}", file=sys.stderr, flush=True)


def http_ok(url: str) -> bool:
    """Whether ``url`` answers 200 (TLS certificates are not checked)."""
    try:
        with urllib.request.urlopen(url, timeout=2, context=_INSECURE) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def kube_proxy_healthy() -> bool:
    return http_ok(f"http://127.0.0.1:{c.PROXY_HEALTHZ_PORT}/healthz")


def kube_proxy_synced() -> bool:
    """Healthy and its Service chain written: healthz can answer 200 a moment before the
    first iptables-restore lands (seen under load), and tests dial VIPs right after up()."""
    if not kube_proxy_healthy():
        return False
    saved = subprocess.run(
        ["iptables-save", "-t", "nat"], capture_output=True, text=True, check=False
    )
    return "-j KUBE-SERVICES" in saved.stdout


class Booter:
    """Starts components and waits for them, failing fast if one dies."""

    def __init__(self, layout: Layout, state: State) -> None:
        self.layout = layout
        self.state = state
        self.bins = Binaries(**{k: Path(v) for k, v in state.binaries.items()})
        self.client = ApiClient(
            f"https://127.0.0.1:{c.API_PORT}",
            layout.pki / "ca.crt",
            layout.pki / "admin.crt",
            layout.pki / "admin.key",
        )

    def _env(self) -> dict[str, str]:
        # Exec'd "pod" commands inherit this; put our interpreter first.
        path = os.pathsep.join(
            [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]
        )
        # kube-proxy runs iptables(-save/-restore), which live in /usr/sbin.
        for sbin in ("/usr/sbin", "/sbin"):
            if sbin not in path.split(os.pathsep):
                path += os.pathsep + sbin
        env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "PYTHONPATH")}
        env["PATH"] = path
        return env

    def start(self, component: components.Component) -> None:
        pid = procs.start(component, self.layout.logs, self._env())
        self.state.pids[component.name] = pid
        self.state.save(self.layout)

    def _check_alive(self) -> None:
        for name, pid in self.state.pids.items():
            if not procs.alive(pid):
                tail = (self.layout.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} (pid {pid}) exited during startup; log tail:\n{tail}")

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = 90.0) -> None:
        started = time.monotonic()
        while not predicate():
            self._check_alive()
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.2)
        log(f"{what}: ok ({time.monotonic() - started:.1f}s)")

    def _pod_ip(self, name: str) -> str | None:
        pod = self.client.get(f"/api/v1/namespaces/kube-system/pods/{name}")
        ip = (pod or {}).get("status", {}).get("podIP")
        return str(ip) if ip else None

    def _wait_pod_ip(self, dns: components.DnsInstance) -> None:
        """Wait for KWOK to give the DNS pod an IP. The pod is created together with the
        nodes; rarely KWOK lists it before it manages their node and then never starts it
        (seen once in CI), so a pod still without an IP after 30 s is created again."""
        try:
            self.wait(f"{dns.name} pod IP", partial(self._has_pod_ip, dns.name), timeout=30)
            return
        except TimeoutError:
            log(f"{dns.name} pod has no IP after 30 s: creating it again")
        path = f"/api/v1/namespaces/kube-system/pods/{dns.name}"
        self.client.request("DELETE", path, {"gracePeriodSeconds": 0})
        self.wait(f"{dns.name} pod deleted", lambda: self.client.get(path) is None)
        self.client.create("/api/v1/namespaces/kube-system/pods", bootstrap.dns_pod(dns))
        self.wait(f"{dns.name} pod IP", partial(self._has_pod_ip, dns.name))

    def _has_pod_ip(self, name: str) -> bool:
        return self._pod_ip(name) is not None

    def _nodes_ready(self) -> bool:
        for spec in c.NODES:
            obj = self.client.get(f"/api/v1/nodes/{spec.name}") or {}
            conds = obj.get("status", {}).get("conditions", [])
            if not any(x.get("type") == "Ready" and x.get("status") == "True" for x in conds):
                return False
        return True

    def start_registry(self) -> None:
        """Start the registry and push the built images into it."""
        self.start(components.registry(self.bins))
        self.wait("registry", lambda: http_ok(f"http://{c.REGISTRY_ADDRESS}/v2/"))
        for image in images.ensure_images(self.layout, self.bins.pause):
            images.push(image, c.REGISTRY_ADDRESS)

    def run(self) -> None:
        b, lay = self.bins, self.layout
        self.start_registry()
        self.start(components.etcd(b, lay))
        self.wait("etcd", lambda: http_ok(f"http://127.0.0.1:{c.ETCD_CLIENT_PORT}/health"))
        self.start(components.apiserver(b, lay))
        self.wait("apiserver", self.client.ready)
        for comp in (
            components.controller_manager,
            components.scheduler,
            components.kubelet,
            components.kwok,
        ):
            self.start(comp(b, lay))
        self._create_objects()
        self.wait("nodes Ready", self._nodes_ready)
        # kube-proxy exits if its node does not exist within 30 s: start it now.
        self.start(components.kube_proxy(b, lay))
        for dns in components.DNS_INSTANCES:
            self._wait_pod_ip(dns)
            pod_ip = self._pod_ip(dns.name)
            assert pod_ip
            self.start(components.coredns(b, lay, dns, [dns.service_ip, pod_ip]))
            if dns.kubeadm_like:
                self._publish_corefile(dns, [dns.service_ip, pod_ip])
        self._start_dns_path()
        self._wait_healthy()
        # state.ready is set by cluster.up once the real nodes are Ready too.

    def _create_objects(self) -> None:
        for spec in c.NODES:
            self.client.create("/api/v1/nodes", bootstrap.node(spec))
        self.wait(
            "kube-system", lambda: self.client.get("/api/v1/namespaces/kube-system") is not None
        )
        self.client.create(
            "/api/v1/namespaces/kube-system/serviceaccounts", bootstrap.dns_service_account()
        )
        for dns in components.DNS_INSTANCES:
            self.client.create(
                "/api/v1/namespaces/kube-system/services", bootstrap.dns_service(dns)
            )
            self.client.create("/api/v1/namespaces/kube-system/pods", bootstrap.dns_pod(dns))
        self.client.create("/api/v1/namespaces/kube-system/pods", dnspath.replica_pod())

    def _start_dns_path(self) -> None:
        """The second kube-dns replica and the node-local cache (testcluster/dnspath.py)."""
        name = dnspath.REPLICA.name
        self.wait(f"{name} pod IP", partial(self._has_pod_ip, name), timeout=60)
        pod_ip = self._pod_ip(name)
        assert pod_ip
        self.start(dnspath.replica(self.bins, self.layout, pod_ip))
        dnspath.add_nodelocal_address()
        self.start(dnspath.nodelocal(self.bins, self.layout))

    def _publish_corefile(self, dns: components.DnsInstance, bind: list[str]) -> None:
        """kube-system/coredns with the Corefile this process was started with (replaced,
        so a reboot with new pod IPs never leaves an old text behind)."""
        text = components.corefile(dns, bind, self.layout.run / "admin.kubeconfig")
        path = "/api/v1/namespaces/kube-system/configmaps"
        self.client.request("DELETE", f"{path}/coredns", {"gracePeriodSeconds": 0})
        self.client.create(path, bootstrap.dns_configmap(text))

    def _wait_healthy(self) -> None:
        self.wait(
            "controller-manager",
            lambda: http_ok(f"https://127.0.0.1:{c.CONTROLLER_MANAGER_PORT}/healthz"),
        )
        self.wait("scheduler", lambda: http_ok(f"https://127.0.0.1:{c.SCHEDULER_PORT}/healthz"))
        self.wait("kubelet", lambda: http_ok(f"https://{c.NODES[0].ip}:{c.KUBELET_PORT}/healthz"))
        # 200 once kube-proxy has synced Services and EndpointSlices and written its rules.
        self.wait("kube-proxy", kube_proxy_synced)
        for dns in components.DNS_INSTANCES:
            self.wait(dns.name, partial(http_ok, f"http://127.0.0.1:{dns.ready_port}/ready"))
        for port in dnspath.ready_ports():
            self.wait(f"DNS path :{port}", partial(http_ok, f"http://127.0.0.1:{port}/ready"))
        self.wait(
            "default service account",
            lambda: (
                self.client.get("/api/v1/namespaces/default/serviceaccounts/default") is not None
            ),
        )

    def _real_node_ready(self, spec: c.RealNodeSpec) -> bool:
        obj = self.client.get(f"/api/v1/nodes/{spec.name}")
        if obj is None:
            return False
        if not obj.get("spec", {}).get("podCIDR"):
            # No IPAM controller runs: the harness assigns the CIDR its bridge uses.
            patch = {"spec": {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]}}
            path = f"/api/v1/nodes/{spec.name}"
            self.client.request("PATCH", path, patch, "application/merge-patch+json")
            return False
        conds = obj.get("status", {}).get("conditions", [])
        return any(x.get("type") == "Ready" and x.get("status") == "True" for x in conds)

    def wait_real_nodes(self) -> None:
        for spec in c.REAL_NODES:
            self.wait(f"{spec.name} Ready", partial(self._real_node_ready, spec), timeout=120)


def real_nodes(layout: Layout) -> None:
    """Wait until the real kubelets (started from the host) have registered their
    nodes Ready; give each node its pod CIDR."""
    state = State.load(layout)
    if state is None:
        raise RuntimeError(f"no state file at {layout.state_file}")
    Booter(layout, state).wait_real_nodes()


def boot(layout: Layout) -> None:
    state = State.load(layout)
    if state is None:
        raise RuntimeError(f"no state file at {layout.state_file}")
    Booter(layout, state).run()


def healthy(layout: Layout) -> bool:
    """Whether every recorded process lives and the apiserver and DNS answer."""
    state = State.load(layout)
    if state is None or not state.ready:
        return False
    if not all(procs.alive(pid) for pid in state.pids.values()):
        return False
    # A cluster started before the real nodes were added is replaced.
    if any(f"{node.name}-kubelet" not in state.pids for node in c.REAL_NODES):
        return False
    booter = Booter(layout, state)
    if not booter.client.ready():
        return False
    if not kube_proxy_healthy():  # also rejects clusters started before kube-proxy was added
        return False
    ports = [d.ready_port for d in components.DNS_INSTANCES] + list(dnspath.ready_ports())
    return all(http_ok(f"http://127.0.0.1:{port}/ready") for port in ports)
