"""The CoreDNS configuration engine: read the real Corefile and predict from it.

Pure, like all of :mod:`kubectl_discover.analyze`: text and ConfigMaps in, frozen
values out (docs/corefile.md). The public API:

- :func:`read_dns_configmap` reads a ``coredns`` / ``node-local-dns`` / ``kube-dns``
  ConfigMap (plus AKS's ``coredns-custom``) into a :class:`DnsConfig`;
- :func:`load_corefile` parses Corefile text into a :class:`CorefileConfig`
  (server blocks, plugin views, rejected lines, unknown plugins);
- :func:`predict` says what happens to one query name (:class:`Prediction`);
  :func:`cluster_domains`, :func:`kubernetes_for`, :func:`endpoint_label`,
  :func:`pod_ip_of`, :func:`autopath_candidates` and :func:`nxdomain_may_persist`
  answer the narrower questions;
- :func:`cluster_dns_settings` sums up the cluster domain's settings (what replaces
  the kubeadm assumptions); :func:`assumed_corefile` is kubeadm's Corefile, cited as
  an assumption, for when none can be read;
- :func:`corefile_findings` raises the checks in :data:`CHECKS`.
"""

from __future__ import annotations

from kubectl_discover.analyze.corefile.checks import CHECKS, corefile_findings
from kubectl_discover.analyze.corefile.config import CorefileConfig, Server, load_corefile
from kubectl_discover.analyze.corefile.defaults import ASSUMED_SOURCE, assumed_corefile
from kubectl_discover.analyze.corefile.kubenames import endpoint_label, pod_ip_of
from kubectl_discover.analyze.corefile.kubernetes import KubernetesView, PodMode
from kubectl_discover.analyze.corefile.model import Corefile, Directive, ServerBlock, Where
from kubectl_discover.analyze.corefile.parser import parse_corefile
from kubectl_discover.analyze.corefile.predict import predict
from kubectl_discover.analyze.corefile.prediction import Handler, Note, Prediction
from kubectl_discover.analyze.corefile.queries import (
    ClusterDnsSettings,
    autopath_candidates,
    cluster_dns_settings,
    cluster_domains,
    kubernetes_for,
    nxdomain_may_persist,
)
from kubectl_discover.analyze.corefile.source import (
    ConfigKind,
    DnsConfig,
    KubeDnsConfig,
    read_dns_configmap,
)

__all__ = [
    "ASSUMED_SOURCE",
    "CHECKS",
    "ClusterDnsSettings",
    "ConfigKind",
    "Corefile",
    "CorefileConfig",
    "Directive",
    "DnsConfig",
    "Handler",
    "KubeDnsConfig",
    "KubernetesView",
    "Note",
    "PodMode",
    "Prediction",
    "Server",
    "ServerBlock",
    "Where",
    "assumed_corefile",
    "autopath_candidates",
    "cluster_dns_settings",
    "cluster_domains",
    "corefile_findings",
    "endpoint_label",
    "kubernetes_for",
    "load_corefile",
    "nxdomain_may_persist",
    "parse_corefile",
    "pod_ip_of",
    "predict",
    "read_dns_configmap",
]
