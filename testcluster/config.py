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
#: The part of the pod range that is "AnyIP" (local, bindable) in the namespace: the
#: KWOK nodes' pod CIDRs. The upper half holds the real nodes' pod CIDRs, which are
#: routed to their bridges. (A ``throw`` route for them in the ``local`` table does
#: not work: without custom rules the kernel merges the local and main tables.)
ANYIP_POD_CIDR = "10.244.0.0/17"
#: Every CIDR routed to loopback inside the namespace.
LOCAL_CIDRS = (ANYIP_POD_CIDR, SERVICE_CIDR, NODE_CIDR)

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
#: The real nodes' container runtime and pod network (``go install``ed, cached by version).
CONTAINERD_VERSION = "v2.4.2"
RUNC_VERSION = "v1.5.3"
CNI_PLUGINS_VERSION = "v1.10.0"
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


@dataclass(frozen=True)
class RealNodeSpec:
    """A real node: the upstream kubelet with its own containerd, runc and CNI bridge.

    ``ip`` is a /32 on ``lo`` in the cluster namespace (the kubelet serves on it);
    ``pod_cidr`` is the node's bridge subnet, inside the cluster's pod range (so
    kube-proxy treats its pods as cluster-local) but outside its AnyIP part, so the
    kernel routes it to the node's bridge.
    """

    name: str
    ip: str
    pod_cidr: str
    zone: str
    bridge: str


REAL_NODES: tuple[RealNodeSpec, ...] = tuple(
    RealNodeSpec(
        f"kd-real-{i}",
        f"10.250.1.{i}",
        f"10.244.{127 + i}.0/24",
        f"zone-{'ab'[i - 1]}",
        f"kd-br{i}",
    )
    for i in (1, 2)
)
#: Taint (NoSchedule) and label of the real nodes: the scheduler keeps ordinary
#: (KWOK) test pods off them; tests target them with nodeName or a toleration.
REAL_NODE_TAINT = "kubectl-discover.test/real"
REAL_NODE_LABEL = "kubectl-discover.test/real"
#: The real kubelets serve on their node IP; 10250 is the fake kubelet's (on 0.0.0.0).
REAL_KUBELET_PORT = 10350
REAL_KUBELET_HEALTHZ_PORT = 10348
#: The harness's OCI registry (inside the namespace), where containerd pulls every image.
REGISTRY_ADDRESS = "10.250.255.2:5000"
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
    def nodes_dir(self) -> Path:
        """Per real node: configuration, state and the paths its components fix."""
        return self.root / "nodes"

    @property
    def images_dir(self) -> Path:
        """Built OCI images (shared, like the binaries)."""
        return (self.bin_root or self.root) / "images"

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
