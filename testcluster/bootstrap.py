"""API objects the harness creates in a fresh cluster."""

from __future__ import annotations

from typing import Any

from . import config as c
from .components import DnsInstance

JSON = dict[str, Any]
COREDNS_IMAGE = f"registry.k8s.io/coredns/coredns:{c.COREDNS_VERSION}"


def node(spec: c.NodeSpec) -> JSON:
    """A fake node managed by KWOK, with its own pod CIDR and zone."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": {
                "kubernetes.io/hostname": spec.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": spec.zone,
                "topology.kubernetes.io/region": c.REGION,
                "type": "kwok",
            },
            "annotations": {
                "kwok.x-k8s.io/node": "fake",
                "node.alpha.kubernetes.io/ttl": "0",
                c.NODE_IP_ANNOTATION: spec.ip,
            },
        },
        "spec": {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]},
    }


def _dns_ports(container: bool) -> list[JSON]:
    key = "containerPort" if container else "port"
    ports = [
        {"name": "dns", key: 53, "protocol": "UDP"},
        {"name": "dns-tcp", key: 53, "protocol": "TCP"},
        {"name": "metrics", key: 9153, "protocol": "TCP"},
    ]
    if not container:
        for port in ports:
            port["targetPort"] = port[key]
    return ports


def dns_service_account() -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
    }


def dns_configmap(corefile: str) -> JSON:
    """kube-system/coredns holding the kubeadm-like instance's Corefile, as kubeadm creates it.

    The process reads the same text from a file (there is no kubelet to mount it); the
    ConfigMap makes the cluster realistic for what kubectl-discover reads."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    }


def dns_pod(dns: DnsInstance) -> JSON:
    """The pod standing for a CoreDNS process; its IP is where CoreDNS listens."""
    app = "kube-dns" if dns.kubeadm_like else "kube-dns-defaults"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": dns.name, "namespace": "kube-system", "labels": {"k8s-app": app}},
        "spec": {
            "nodeName": c.NODES[0].name,
            "serviceAccountName": "coredns",
            "priorityClassName": "system-cluster-critical",
            "dnsPolicy": "Default",
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
            "containers": [
                {
                    "name": "coredns",
                    "image": COREDNS_IMAGE,
                    "args": ["-conf", "/etc/coredns/Corefile"],
                    "ports": _dns_ports(True),
                }
            ],
        },
    }


def dns_service(dns: DnsInstance) -> JSON:
    """``kube-system/kube-dns`` (or ``kube-dns-defaults``) with its fixed ClusterIP."""
    app = "kube-dns" if dns.kubeadm_like else "kube-dns-defaults"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": app,
            "namespace": "kube-system",
            "labels": {"k8s-app": app, "kubernetes.io/name": "CoreDNS"},
        },
        "spec": {
            "clusterIP": dns.service_ip,
            "selector": {"k8s-app": app},
            "ports": _dns_ports(False),
        },
    }
