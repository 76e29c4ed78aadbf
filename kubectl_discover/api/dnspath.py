"""The requests the DNS path probe adds: the kube-dns EndpointSlices (its replicas), and the
kube-dns Service when the command did not read kube-system's Services (``svc``, ``ingress``).

Made only when a probe runs (never by ``--no-probe``, so not in ``svc``'s request budget):
one LIST in kube-system with ``labelSelector=kubernetes.io/service-name=kube-dns``, and at
most one GET of kube-system/kube-dns; one GET of the ConfigMap kube-system/node-local-dns
(NodeLocal DNSCache's Corefile: which addresses it binds on the nodes).
"""

from __future__ import annotations

from typing import Any

from kubectl_discover.api.session import ApiNotFound, Forbidden, Session
from kubectl_discover.probe.dnspath import KUBE_DNS, KUBE_DNS_SELECTOR, NODELOCAL_CONFIGMAP

SLICES_PATH = f"/apis/discovery.k8s.io/v1/namespaces/{KUBE_DNS[0]}/endpointslices"


def kube_dns_slices(session: Session) -> list[dict[str, Any]]:
    """The kube-dns EndpointSlices as the API serialises them; raises ``Forbidden``
    (a 403) for the caller to turn into a stated skip."""
    return session.list_all(SLICES_PATH, {"labelSelector": KUBE_DNS_SELECTOR})


def kube_dns_cluster_ip(session: Session) -> str | None:
    """``spec.clusterIP`` of kube-system/kube-dns; None when refused, absent or headless."""
    try:
        service = session.get_json(f"/api/v1/namespaces/{KUBE_DNS[0]}/services/{KUBE_DNS[1]}")
    except (Forbidden, ApiNotFound):
        return None
    ip = str((service.get("spec") or {}).get("clusterIP") or "")
    return ip if ip and ip != "None" else None


def node_local_corefile(session: Session) -> str | None:
    """The Corefile of kube-system/node-local-dns; None when refused or absent (optional:
    without it only 169.254.20.10 in a pod's resolv.conf marks a node-local cache)."""
    path = f"/api/v1/namespaces/{KUBE_DNS[0]}/configmaps/{NODELOCAL_CONFIGMAP}"
    try:
        configmap = session.get_json(path)
    except (Forbidden, ApiNotFound):
        return None
    text = (configmap.get("data") or {}).get("Corefile")
    return text if isinstance(text, str) else None
