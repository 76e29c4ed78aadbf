"""Command lines and generated configuration of every cluster component."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import config as c
from .build import Binaries
from .config import Layout

#: Controllers the controller-manager runs. Node lifecycle and IPAM are left
#: out: nodes get their podCIDR from the harness and KWOK keeps them Ready;
#: the TaintNodesByCondition admission plugin is disabled instead.
CONTROLLERS = (
    "endpoints-controller",
    "endpointslice-controller",
    "endpointslice-mirroring-controller",
    "statefulset-controller",
    "replicaset-controller",
    "deployment-controller",
    "daemonset-controller",
    "job-controller",
    "cronjob-controller",
    "replicationcontroller-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "garbage-collector-controller",
    "pod-garbage-collector-controller",
    "ttl-after-finished-controller",
    "disruption-controller",
    "resourcequota-controller",
    "root-ca-certificate-publisher-controller",
    "clusterrole-aggregation-controller",
    "certificatesigningrequest-signing-controller",
    "certificatesigningrequest-approving-controller",
    "certificatesigningrequest-cleaner-controller",
    "service-cidr-controller",
)


@dataclass(frozen=True)
class Component:
    """One process of the cluster."""

    name: str
    argv: list[str]


def _pki_in(layout: Layout) -> Callable[[str], str]:
    """A function mapping a PKI file name to its path."""

    def path(name: str) -> str:
        return str(layout.pki / name)

    return path


def etcd(bins: Binaries, layout: Layout) -> Component:
    client = f"http://127.0.0.1:{c.ETCD_CLIENT_PORT}"
    peer = f"http://127.0.0.1:{c.ETCD_PEER_PORT}"
    return Component(
        "etcd",
        [
            str(bins.k8s),
            "etcd",
            "--name=default",
            f"--data-dir={layout.etcd_data}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=default={peer}",
            "--unsafe-no-fsync=true",  # throwaway data; fsync only slows tests
            "--log-level=warn",
        ],
    )


def apiserver(bins: Binaries, layout: Layout) -> Component:
    p = _pki_in(layout)
    return Component(
        "apiserver",
        [
            str(bins.k8s),
            "apiserver",
            f"--etcd-servers=http://127.0.0.1:{c.ETCD_CLIENT_PORT}",
            # 0.0.0.0 inside the namespace: loopback plus every AnyIP address, so
            # the `kubernetes` ClusterIP 10.96.0.1:443 reaches the apiserver.
            "--bind-address=0.0.0.0",
            f"--secure-port={c.API_PORT}",
            f"--advertise-address={c.API_ADVERTISE_IP}",
            f"--service-cluster-ip-range={c.SERVICE_CIDR}",
            f"--tls-cert-file={p('apiserver.crt')}",
            f"--tls-private-key-file={p('apiserver.key')}",
            f"--client-ca-file={p('ca.crt')}",
            "--authorization-mode=RBAC",
            "--anonymous-auth=true",
            f"--service-account-issuer=https://kubernetes.default.svc.{c.CLUSTER_DOMAIN}",
            f"--service-account-key-file={p('sa.pub')}",
            f"--service-account-signing-key-file={p('sa.key')}",
            f"--kubelet-client-certificate={p('apiserver-kubelet-client.crt')}",
            f"--kubelet-client-key={p('apiserver-kubelet-client.key')}",
            f"--kubelet-certificate-authority={p('ca.crt')}",
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            "--disable-admission-plugins=TaintNodesByCondition",
            "--allow-privileged=true",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
            "--v=1",
        ],
    )


def _kube_client_flags(layout: Layout) -> list[str]:
    kc = str(layout.run / "admin.kubeconfig")
    return [
        f"--kubeconfig={kc}",
        f"--authentication-kubeconfig={kc}",
        f"--authorization-kubeconfig={kc}",
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
    ]


def controller_manager(bins: Binaries, layout: Layout) -> Component:
    p = _pki_in(layout)
    return Component(
        "controller-manager",
        [
            str(bins.k8s),
            "controller-manager",
            *_kube_client_flags(layout),
            f"--secure-port={c.CONTROLLER_MANAGER_PORT}",
            f"--controllers={','.join(CONTROLLERS)}",
            f"--root-ca-file={p('ca.crt')}",
            f"--service-account-private-key-file={p('sa.key')}",
            f"--cluster-signing-cert-file={p('ca.crt')}",
            f"--cluster-signing-key-file={p('ca.key')}",
            f"--service-cluster-ip-range={c.SERVICE_CIDR}",
            "--use-service-account-credentials=false",
            "--v=1",
        ],
    )


def scheduler(bins: Binaries, layout: Layout) -> Component:
    return Component(
        "scheduler",
        [
            str(bins.k8s),
            "scheduler",
            *_kube_client_flags(layout),
            f"--secure-port={c.SCHEDULER_PORT}",
            "--v=1",
        ],
    )


def kubelet(bins: Binaries, layout: Layout) -> Component:
    p = _pki_in(layout)
    return Component(
        "kubelet",
        [
            str(bins.k8s),
            "kubelet",
            f"--listen=0.0.0.0:{c.KUBELET_PORT}",
            f"--tls-cert-file={p('kubelet.crt')}",
            f"--tls-private-key-file={p('kubelet.key')}",
            f"--client-ca-file={p('ca.crt')}",
            f"--resolv-dir={layout.resolv_dir}",
            f"--nameserver={c.DNS_SERVER}",
            f"--cluster-domain={c.CLUSTER_DOMAIN}",
            f"--kubeconfig={layout.run / 'admin.kubeconfig'}",
            f"--node-resolv-conf={layout.run / 'node-resolv.conf'}",
        ],
    )


def kube_proxy_config(layout: Layout) -> dict[str, object]:
    """kube-proxy's KubeProxyConfiguration (v1alpha1; its flags are the old way).

    iptables mode, as a node of a real cluster runs it. Everything is chosen so
    that it only ever touches the cluster's own network namespace:
    - conntrack ``maxPerCore: 0`` / ``min: 0`` and zero TCP timeouts leave the
      conntrack sysctls alone (``nf_conntrack_max`` and the hash size are
      host-wide, not per namespace).
    - ``oomScoreAdj: 0`` rather than the default -999.
    - health and metrics on loopback ports of the namespace.
    - ``nodePortAddresses``: the node range. kube-proxy opens NodePorts on the
      interface addresses inside it: the node IPs ``netns.create`` puts on lo.
    - ``minSyncPeriod: 0s``: rules are rewritten at every change, so a Service a
      test creates carries traffic at once (the default 1 s would delay bursts).
    """
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(layout.run / "admin.kubeconfig")},
        "hostnameOverride": c.PROXY_NODE.name,
        "bindAddress": "0.0.0.0",
        "healthzBindAddress": f"127.0.0.1:{c.PROXY_HEALTHZ_PORT}",
        "metricsBindAddress": f"127.0.0.1:{c.PROXY_METRICS_PORT}",
        "mode": "iptables",
        "clusterCIDR": c.POD_CIDR,
        "detectLocalMode": "ClusterCIDR",
        "nodePortAddresses": [c.NODE_CIDR],
        "oomScoreAdj": 0,
        "iptables": {
            "masqueradeBit": c.PROXY_MASQUERADE_BIT,
            "masqueradeAll": False,
            "localhostNodePorts": False,
            "syncPeriod": "30s",
            "minSyncPeriod": "0s",
        },
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
        "logging": {"verbosity": 1},
    }


def kube_proxy(bins: Binaries, layout: Layout) -> Component:
    """The upstream kube-proxy, run inside the namespace (its rules are the namespace's)."""
    path = layout.run / "kube-proxy.yaml"
    path.write_text(json.dumps(kube_proxy_config(layout), indent=2) + "\n")  # JSON is YAML
    return Component("kube-proxy", [str(bins.k8s), "proxy", f"--config={path}"])


def kwok(bins: Binaries, layout: Layout) -> Component:
    return Component(
        "kwok",
        [
            str(bins.kwok),
            f"--kubeconfig={layout.run / 'admin.kubeconfig'}",
            f"--config={layout.run / 'kwok-stages.yaml'}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            f"--cidr={c.POD_CIDR}",
            f"--node-ip={c.NODES[0].ip}",
            "--node-lease-duration-seconds=40",
        ],
    )


def write_kwok_stages(layout: Layout) -> Path:
    """Concatenate the vendored stage files into one KWOK config file."""
    names = ("node-initialize", "node-heartbeat", "pod-ready", "pod-complete", "pod-delete")
    docs = [(c.PACKAGE_DIR / "kwok" / f"{n}.yaml").read_text() for n in names]
    target = layout.run / "kwok-stages.yaml"
    target.write_text("\n---\n".join(docs))
    return target


@dataclass(frozen=True)
class DnsInstance:
    """One CoreDNS process: its addresses, readiness port and Corefile flavour."""

    name: str
    service_ip: str
    ready_port: int
    kubeadm_like: bool


DNS_INSTANCES = (
    DnsInstance("coredns", c.DNS_SERVER, c.DNS_READY_PORT, kubeadm_like=True),
    DnsInstance(
        "coredns-defaults", c.DNS_SERVER_DEFAULTS, c.DNS_DEFAULTS_READY_PORT, kubeadm_like=False
    ),
)


def corefile(dns: DnsInstance, bind: list[str], kubeconfig: Path) -> str:
    """A Corefile: kubeadm's plugin options, or the kubernetes plugin defaults.

    No forward/loop (there is no upstream) and no cache (tests must observe
    changes at once).
    """
    d = c.CLUSTER_DOMAIN
    if dns.kubeadm_like:
        kube = (
            f"    kubernetes {d} in-addr.arpa ip6.arpa {{\n"
            f"        kubeconfig {kubeconfig}\n"
            "        pods insecure\n"
            "        fallthrough in-addr.arpa ip6.arpa\n"
            "        ttl 30\n"
            "    }\n"
        )
    else:
        kube = f"    kubernetes {d} {{\n        kubeconfig {kubeconfig}\n    }}\n"
    return (
        ".:53 {\n"
        f"    bind {' '.join(bind)}\n"
        "    errors\n"
        f"    ready 127.0.0.1:{dns.ready_port}\n"
        f"{kube}"
        "}\n"
    )


def coredns(bins: Binaries, layout: Layout, dns: DnsInstance, bind: list[str]) -> Component:
    path = layout.run / f"Corefile.{dns.name}"
    path.write_text(corefile(dns, bind, layout.run / "admin.kubeconfig"))
    return Component(dns.name, [str(bins.coredns), "-conf", str(path)])


def registry(bins: Binaries) -> Component:
    """The in-memory OCI registry the real nodes' containerd pulls from."""
    return Component("registry", [str(bins.registry), f"--listen={c.REGISTRY_ADDRESS}"])
