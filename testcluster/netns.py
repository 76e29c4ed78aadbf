"""Network namespace management with iproute2 (``ip netns``)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from .config import CLUSTER_DOMAIN, DNS_SERVER, LOCAL_CIDRS, NODES, REAL_NODES

PREFIX = "kd-"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, text=True, capture_output=True)


def new_name() -> str:
    """A fresh, unique namespace name such as ``kd-3f9a1c``."""
    return PREFIX + secrets.token_hex(3)


def exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def etc_dir(name: str) -> Path:
    """``ip netns exec`` bind-mounts files from here over ``/etc``."""
    return Path("/etc/netns", name)


def pod_resolv_conf(namespace: str, nameserver: str = DNS_SERVER) -> str:
    """The resolv.conf a kubelet writes for a ClusterFirst pod in ``namespace``."""
    d = CLUSTER_DOMAIN
    return f"search {namespace}.svc.{d} svc.{d} {d}\nnameserver {nameserver}\noptions ndots:5\n"


def create(name: str) -> None:
    """Create the namespace: loopback up, AnyIP routes for all cluster ranges and
    the node IPs as real addresses on ``lo``.

    The node addresses matter to kube-proxy: it opens NodePorts only on interface
    addresses inside ``nodePortAddresses`` (routes do not count), and MASQUERADE
    needs a global-scope address to rewrite the source to (``127.0.0.1`` is
    host-scoped, so without one the kernel drops masqueraded packets). The first
    node's IP, added first, is that source.

    The real nodes' IPs are on ``lo`` too; their pod CIDRs are outside the AnyIP
    routes (the CNI bridge plugin routes them to each node's bridge).
    """
    _ip("netns", "add", name)
    _ip("-n", name, "link", "set", "lo", "up")
    for cidr in LOCAL_CIDRS:
        _ip("-n", name, "route", "add", "local", cidr, "dev", "lo")
    for node in NODES:
        _ip("-n", name, "addr", "add", f"{node.ip}/32", "dev", "lo")
    for real in REAL_NODES:
        _ip("-n", name, "addr", "add", f"{real.ip}/32", "dev", "lo")
    etc = etc_dir(name)
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "resolv.conf").write_text(pod_resolv_conf("default"))


def pids(name: str) -> list[int]:
    """Every process whose network namespace is ``name``."""
    if not exists(name):
        return []
    result = _ip("netns", "pids", name, check=False)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def delete(name: str) -> None:
    """Remove the namespace and its /etc/netns directory (idempotent)."""
    if exists(name):
        _ip("netns", "delete", name, check=False)
    shutil.rmtree(etc_dir(name), ignore_errors=True)


def exec_argv(name: str, argv: list[str]) -> list[str]:
    """``argv`` wrapped to run inside the namespace."""
    return ["ip", "netns", "exec", name, *argv]
