"""The rest of the test cluster's DNS path: a second kube-dns replica and a node-local cache.

Beside the two CoreDNS processes of :data:`components.DNS_INSTANCES`, the harness runs

- ``coredns-2``: a second replica behind ``kube-system/kube-dns`` (its pod carries
  ``k8s-app=kube-dns``, on another node), with the same kubeadm-like Corefile, bound to
  its pod IP only. kube-proxy balances the ClusterIP over both replicas. A test makes it
  faulty and restores it: stopped (:func:`stopped_replica`, SIGSTOP/SIGCONT), TCP refused
  (:func:`replica_tcp_refused`, an iptables rule), or serving a stale zone
  (:func:`stale_replica`: its Corefile rewritten to expose one namespace only, then
  reloaded with SIGUSR1, as CoreDNS reloads on that signal).
- ``node-local-dns``: a cache (``cache`` + ``forward`` to the kube-dns ClusterIP) on
  169.254.20.10, NodeLocal DNSCache's address, in the host network of the nodes (the
  cluster namespace: every node's host network). A pod whose dnsConfig names that address
  asks it first, as kubelet's ``clusterDNS: [169.254.20.10]`` makes every pod do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import bootstrap, components
from . import config as c
from .components import Component, DnsInstance
from .config import Layout
from .state import State

if TYPE_CHECKING:
    from .cluster import Cluster

REPLICA = DnsInstance("coredns-2", "", 8183, kubeadm_like=True)
REPLICA_NODE = c.NODES[1].name
NODELOCAL_NAME = "node-local-dns"
NODELOCAL_ADDRESS = "169.254.20.10"
NODELOCAL_READY_PORT = 8184
#: Short cache lifetimes: tests change objects and look again at once.
NODELOCAL_SUCCESS_TTL = 5
NODELOCAL_DENIAL_TTL = 1


def replica_pod() -> dict[str, Any]:
    """The pod standing for the second replica: on another node than the first."""
    pod = bootstrap.dns_pod(REPLICA)
    pod["spec"]["nodeName"] = REPLICA_NODE
    return pod


def replica_corefile(layout: Layout, bind: list[str], *, only_namespace: str = "") -> str:
    """The replica's Corefile: the kubeadm-like one, or (``only_namespace``) a stale one
    whose kubernetes plugin serves that namespace alone (``namespaces``)."""
    text = components.corefile(REPLICA, bind, layout.run / "admin.kubeconfig")
    if only_namespace:
        text = text.replace(
            "        pods insecure\n",
            f"        pods insecure\n        namespaces {only_namespace}\n",
        )
    return text


def replica_corefile_path(layout: Layout) -> Path:
    return layout.run / f"Corefile.{REPLICA.name}"


def replica(bins: Any, layout: Layout, pod_ip: str) -> Component:
    path = replica_corefile_path(layout)
    path.write_text(replica_corefile(layout, [pod_ip]))
    return Component(REPLICA.name, [str(bins.coredns), "-conf", str(path)])


def nodelocal_corefile() -> str:
    return (
        ".:53 {\n"
        f"    bind {NODELOCAL_ADDRESS}\n"
        "    errors\n"
        f"    ready 127.0.0.1:{NODELOCAL_READY_PORT}\n"
        "    cache {\n"
        f"        success 9984 {NODELOCAL_SUCCESS_TTL}\n"
        f"        denial 9984 {NODELOCAL_DENIAL_TTL}\n"
        "    }\n"
        f"    forward . {c.DNS_SERVER}\n"
        "}\n"
    )


def nodelocal(bins: Any, layout: Layout) -> Component:
    path = layout.run / f"Corefile.{NODELOCAL_NAME}"
    path.write_text(nodelocal_corefile())
    return Component(NODELOCAL_NAME, [str(bins.coredns), "-conf", str(path)])


def add_nodelocal_address() -> None:
    """169.254.20.10 on ``lo`` of the cluster namespace (run inside it), as the node-local
    DaemonSet puts it on a dummy interface of each node."""
    subprocess.run(
        ["ip", "addr", "add", f"{NODELOCAL_ADDRESS}/32", "dev", "lo"],
        check=False,
        capture_output=True,
    )


def ready_ports() -> tuple[int, ...]:
    return (REPLICA.ready_port, NODELOCAL_READY_PORT)


# --- faults (from the host side, restored when the block ends) ------------------------------


def _pid(cluster: Cluster, name: str) -> int:
    state = State.load(cluster.layout)
    assert state is not None, "no cluster state"
    return state.pids[name]


def replica_ip(cluster: Cluster) -> str:
    pod = cluster.get_json("pod", REPLICA.name, "-n", "kube-system")
    return str(pod["status"]["podIP"])


@contextlib.contextmanager
def stopped_replica(cluster: Cluster) -> Iterator[str]:
    """The second replica stopped (SIGSTOP): its sockets stay open, nothing answers, its
    EndpointSlice still says ready (no readiness probe runs). Yields its pod IP."""
    pid = _pid(cluster, REPLICA.name)
    ip = replica_ip(cluster)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield ip
    finally:
        os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def replica_tcp_refused(cluster: Cluster) -> Iterator[str]:
    """TCP port 53 of the second replica refused (an iptables REJECT in the cluster
    namespace, as a NetworkPolicy or firewall would); UDP untouched. Yields its pod IP."""
    ip = replica_ip(cluster)
    rule = ["INPUT", "-d", ip, "-p", "tcp", "--dport", "53", "-j", "REJECT"]
    rule += ["--reject-with", "tcp-reset"]
    cluster.exec(["iptables", "-I", *rule], check=True)
    try:
        yield ip
    finally:
        cluster.exec(["iptables", "-D", *rule], check=True)


@contextlib.contextmanager
def stale_replica(cluster: Cluster, only_namespace: str = "default") -> Iterator[str]:
    """The second replica serving a stale zone: its Corefile reloaded to expose
    ``only_namespace`` alone, so every other namespace's names are NXDOMAIN there.
    Restored (and reloaded) afterwards. Yields its pod IP."""
    pid = _pid(cluster, REPLICA.name)
    ip = replica_ip(cluster)
    path = replica_corefile_path(cluster.layout)
    original = path.read_text()
    path.write_text(replica_corefile(cluster.layout, [ip], only_namespace=only_namespace))
    os.kill(pid, signal.SIGUSR1)
    time.sleep(2.0)  # CoreDNS reloads asynchronously
    try:
        yield ip
    finally:
        path.write_text(original)
        os.kill(pid, signal.SIGUSR1)
        time.sleep(2.0)


@contextlib.contextmanager
def stopped_nodelocal(cluster: Cluster) -> Iterator[str]:
    """The node-local cache stopped (SIGSTOP): a pod whose resolv.conf names 169.254.20.10
    gets no answer, as when the node-local-dns pod of its node is down. Yields the address."""
    pid = _pid(cluster, NODELOCAL_NAME)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield NODELOCAL_ADDRESS
    finally:
        os.kill(pid, signal.SIGCONT)
