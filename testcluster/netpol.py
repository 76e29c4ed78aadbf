"""NetworkPolicy enforcement on the real nodes: kube-router's network policy controller.

The upstream ``github.com/cloudnativelabs/kube-router/v2`` (``cmd/kube-router``, built
with ``go install`` by version like KWOK) runs with only its firewall
(``--run-firewall``; no routing, no service proxy, no CNI), in the cluster's network
namespace, with the admin kubeconfig, as node :data:`ENFORCING_NODE`. It writes
iptables filter chains (``KUBE-ROUTER-INPUT/FORWARD/OUTPUT``, one ``KUBE-POD-FW-*`` chain
per pod of its node, one ``KUBE-NWPLCY-*`` chain per policy) and ipsets of the peers'
addresses; a packet a pod's policies do not admit is REJECTed.

Why kube-router and not ``sigs.k8s.io/kube-network-policies`` (the first choice): that
one queues packets to user space with the nftables ``queue`` expression, and this
machine's kernel is built without it (``# CONFIG_NFT_QUEUE is not set``):
``nft add rule inet t c meta l4proto tcp queue num 100 bypass`` answers ``Error: Could
not process rule: No such file or directory``, and kube-network-policies v0.8.0 cannot
install its rules (see testcluster/README.md, "NetworkPolicy enforcement").

Why one instance, for one node: both real nodes live in the one network namespace of
the cluster (their bridges ``kd-br1``/``kd-br2`` are in it), so they share one iptables
filter table and one set of ipsets. kube-router keeps per-pod chains for the pods of
its own node (``status.hostIP`` equal to its node's InternalIP) and deletes every other
``KUBE-POD-FW-*`` chain at each sync, so two instances would delete each other's rules.
One instance enforces, for real, ingress and egress of every pod on ``kd-real-1``;
pods on ``kd-real-2`` (and the KWOK nodes) are not isolated by their own policies, but
are peers that ``kd-real-1``'s policies match by address.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from . import config as c
from .components import Component
from .config import Layout

VERSION = "v2.1.0"
MODULE = "github.com/cloudnativelabs/kube-router/v2"
NAME = "kube-router"
ENFORCING_NODE = c.REAL_NODES[0]
HEALTH_PORT = 20244
SYNC_PERIOD = "30s"
"""kube-router also syncs on every pod, namespace and policy event; this is the resync."""
TOP_CHAINS = ("KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT")


def binary(layout: Layout) -> Path:
    return layout.bin_dir / f"{NAME}-{VERSION}"


def build(layout: Layout) -> Path:
    """``go install`` kube-router at :data:`VERSION` into ``.cluster/bin`` (once)."""
    from .build import _go_install

    target = binary(layout)
    if not target.exists():
        _go_install([f"{MODULE}/cmd/kube-router@{VERSION}"], target, layout)
    return target


def component(layout: Layout, netns_name: str) -> Component:
    """kube-router's firewall in the cluster's namespace, as node :data:`ENFORCING_NODE`.

    ``nsenter --net`` (not ``ip netns exec``, which remounts ``/sys``), host mount
    namespace: it shares ``/run/xtables.lock`` with kube-proxy, which writes the same
    iptables."""
    argv = [
        "nsenter",
        f"--net=/run/netns/{netns_name}",
        str(binary(layout)),
        "--run-firewall=true",
        "--run-router=false",
        "--run-service-proxy=false",
        "--enable-cni=false",
        "--enable-ipv6=false",
        f"--kubeconfig={layout.run / 'admin.kubeconfig'}",
        f"--hostname-override={ENFORCING_NODE.name}",
        f"--service-cluster-ip-range={c.SERVICE_CIDR}",
        f"--health-port={HEALTH_PORT}",
        "--metrics-port=0",
        f"--iptables-sync-period={SYNC_PERIOD}",
        "--v=1",
    ]
    return Component(NAME, argv)


def env() -> dict[str, str]:
    """It runs ``iptables``, ``iptables-save``/``-restore`` and ``ipset`` by name."""
    base = os.environ.get("PATH", "/usr/bin:/bin")
    drop = ("KUBECONFIG", "PYTHONPATH", "NOTIFY_SOCKET")
    kept = {k: v for k, v in os.environ.items() if k not in drop}
    return kept | {"PATH": os.pathsep.join([base, "/usr/sbin", "/sbin"])}


def chains_present(netns_name: str) -> bool:
    """Whether kube-router's top-level chains are in the namespace's filter table."""
    result = subprocess.run(
        ["ip", "netns", "exec", netns_name, "iptables-save", "-t", "filter"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and all(f":{chain} " in result.stdout for chain in TOP_CHAINS)


def wait_ready(netns_name: str, pid: int, log: Path, timeout: float = 60.0) -> None:
    """Until its caches synced and its first sync wrote the top-level chains."""
    from .procs import alive

    deadline = time.monotonic() + timeout
    while not chains_present(netns_name):
        if not alive(pid):
            tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
            raise RuntimeError(f"{NAME} (pid {pid}) exited during startup: {' | '.join(tail)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {NAME}'s chains")
        time.sleep(0.2)
