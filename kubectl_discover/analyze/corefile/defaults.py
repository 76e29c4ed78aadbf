"""The Corefile assumed when none can be read: kubeadm's, for the cluster domain given.

When the ``coredns`` ConfigMap is not readable (RBAC) or not among the files, the
predictions still need a configuration; kubeadm's is the most common one. It is
loaded under the source name :data:`ASSUMED_SOURCE`, so every note citing it says
that the line is an assumption, not something read from the cluster.
"""

from __future__ import annotations

from kubectl_discover.analyze.corefile.config import CorefileConfig, load_corefile

ASSUMED_SOURCE = "assumed kubeadm Corefile"

_KUBEADM = """.:53 {{
    errors
    health {{
       lameduck 5s
    }}
    ready
    kubernetes {domain} in-addr.arpa ip6.arpa {{
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
       max_concurrent 1000
    }}
    cache 30 {{
       disable success {domain}
       disable denial {domain}
    }}
    loop
    reload
    loadbalance
}}
"""


def assumed_corefile(cluster_domain: str = "cluster.local") -> CorefileConfig:
    """kubeadm's Corefile for ``cluster_domain``, cited as :data:`ASSUMED_SOURCE`."""
    domain = cluster_domain.strip().rstrip(".") or "cluster.local"
    return load_corefile(_KUBEADM.format(domain=domain), source=ASSUMED_SOURCE)
