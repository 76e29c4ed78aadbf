"""Fixed addresses, ports and the on-disk layout of the test cluster.

Everything the cluster listens on lives inside its own network namespace:
loopback for the control plane, and "AnyIP" routes (``ip route add local
CIDR dev lo``) that make every address of the pod, service and node ranges
local and bindable there. Nothing is reachable from, or reaches out to, the
host's own network.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent

CLUSTER_DOMAIN = "cluster.local"
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/16"
NODE_CIDR = "10.250.0.0/16"
#: Every CIDR routed to loopback inside the namespace.
LOCAL_CIDRS = (POD_CIDR, SERVICE_CIDR, NODE_CIDR)

API_SERVICE_IP = "10.96.0.1"
API_ADVERTISE_IP = "10.250.255.1"
#: The apiserver listens on 443 so that the ``kubernetes`` ClusterIP
#: (10.96.0.1:443) reaches it too.
API_PORT = 443
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
CONTROLLER_MANAGER_PORT = 10257
SCHEDULER_PORT = 10259
KUBELET_PORT = 10250

#: kube-proxy's health and metrics endpoints (inside the namespace only).
PROXY_HEALTHZ_PORT = 10256
PROXY_METRICS_PORT = 10249
#: kube-proxy's iptables mark bit for traffic to masquerade (the upstream default).
PROXY_MASQUERADE_BIT = 14

DNS_SERVER = "10.96.0.10"
DNS_SERVER_DEFAULTS = "10.96.0.11"
DNS_READY_PORT = 8181
DNS_DEFAULTS_READY_PORT = 8182

KWOK_VERSION = "v0.8.0"
K8S_VERSION = "v1.36.3"
COREDNS_VERSION = "v1.14.7"

NODE_IP_ANNOTATION = "testcluster.kubectl-discover.invalid/internal-ip"


@dataclass(frozen=True)
class NodeSpec:
    """A fake node: name, InternalIP, pod CIDR and topology zone."""

    name: str
    ip: str
    pod_cidr: str
    zone: str


NODES: tuple[NodeSpec, ...] = tuple(
    NodeSpec(f"kd-node-{i}", f"10.250.0.{i}", f"10.244.{i}.0/24", f"zone-{'abc'[i - 1]}")
    for i in (1, 2, 3)
)
REGION = "region-1"
#: The node kube-proxy runs "on" (its node IPs and NodePorts are this node's).
PROXY_NODE = NODES[0]


@dataclass(frozen=True)
class Layout:
    """Paths under the cluster state directory (default ``<repo>/.cluster``)."""

    root: Path
    #: Where binaries are kept; shared by all clusters of one checkout.
    bin_root: Path | None = None

    @classmethod
    def default(cls) -> Layout:
        """The cluster of ``make cluster-up`` (``KD_CLUSTER_DIR`` overrides)."""
        override = os.environ.get("KD_CLUSTER_DIR")
        return cls(Path(override).resolve() if override else REPO_ROOT / ".cluster")

    @classmethod
    def session(cls) -> Layout:
        """A private cluster for one test session, beside the default one.

        It has its own state, certificates and network namespace, so several
        sessions (and a ``make cluster-up`` cluster) can run side by side.
        """
        base = cls.default().root
        return cls(base / "sessions" / f"{os.getpid()}-{secrets.token_hex(2)}", bin_root=base)

    @property
    def bin_dir(self) -> Path:
        return (self.bin_root or self.root) / "bin"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def run(self) -> Path:
        """Generated configuration of the running cluster."""
        return self.root / "run"

    @property
    def etcd_data(self) -> Path:
        return self.root / "run" / "etcd"

    @property
    def resolv_dir(self) -> Path:
        return self.root / "run" / "resolv"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def exec_script(self) -> Path:
        return self.root / "exec"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"
