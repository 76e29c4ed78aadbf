"""A real Kubernetes control plane for kubectl-discover's end-to-end tests.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler (upstream
code in one multi-call binary), KWOK for fake nodes and pods, a fake kubelet
for exec, and two CoreDNS instances, all inside a private network namespace.
See README.md.
"""

from __future__ import annotations

from .cluster import Cluster, acquire, down, find_kubectl, is_healthy, up
from .config import Layout

__all__ = ["Cluster", "Layout", "acquire", "down", "find_kubectl", "is_healthy", "up"]
