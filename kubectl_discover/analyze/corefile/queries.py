"""Narrower questions about a Corefile: cluster domains, the kubernetes line for a name,
and the server-side search walk of autopath.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.corefile.config import CorefileConfig
from kubectl_discover.analyze.corefile.kubernetes import KubernetesView, PodMode
from kubectl_discover.analyze.corefile.predict import predict
from kubectl_discover.analyze.corefile.prediction import Handler, Note, Prediction
from kubectl_discover.analyze.corefile.zones import fqdn, is_subdomain, longest_match


def autopath_candidates(
    config: CorefileConfig,
    query: str,
    client_namespace: str,
    *,
    port: int = 53,
    node_search: tuple[str, ...] = (),
) -> tuple[str, ...] | None:
    """The names the server tries for ``query`` from a pod in ``client_namespace``.

    None when autopath does not apply (no autopath, not ``@kubernetes``, pods not
    verified, or the query is not under ``<client_namespace>.svc.<zone>``).
    ``node_search`` is the CoreDNS pod's own search list, tried after the zone.
    """
    asked = fqdn(query)
    found = config.server_for(asked, port)
    if found is None:
        return None
    server = found[0]
    view, kube = server.autopath, server.kubernetes
    if view is None or kube is None or view.from_plugin != "kubernetes":
        return None
    if kube.pods is not PodMode.VERIFIED or not longest_match(view.zones, asked):
        return None
    zone = longest_match(kube.zones, asked)
    if not zone:
        return None
    svc = "svc." if zone == "." else f"svc.{zone}"
    first = f"{client_namespace}.{svc}"
    if not is_subdomain(first, asked):
        return None
    base = asked[: -len(first)].rstrip(".")
    if not base:
        return None
    search = (first, svc, zone, *(fqdn(s) for s in node_search), "")
    return tuple(f"{base}.{s}" if s else f"{base}." for s in search)


def cluster_domains(config: CorefileConfig, port: int = 53) -> tuple[str, ...]:
    """The cluster domains the ``kubernetes`` plugin serves on ``port``, in Corefile order."""
    found: list[str] = []
    for server in config.servers:
        if server.kubernetes is None or not server.listens_on(port):
            continue
        for domain in server.kubernetes.cluster_domains:
            if domain not in found:
                found.append(domain)
    return tuple(found)


def kubernetes_for(config: CorefileConfig, name: str, port: int = 53) -> KubernetesView | None:
    """The ``kubernetes`` line that answers ``name`` (after rewrite and fallthrough), if any."""
    found = config.server_for(name, port)
    step: Prediction | None = predict(config, name, port=port)
    while step is not None and found is not None:
        if step.handler is Handler.KUBERNETES:
            return found[0].kubernetes
        step = step.fallthrough
    return None


def nxdomain_may_persist(prediction: Prediction, age_seconds: float) -> bool:
    """Whether a name created ``age_seconds`` ago may still be NXDOMAIN from this server.

    True when the server caches NXDOMAIN for the name (``denial_cached``) and the
    object is younger than that negative TTL: a client that asked before it existed
    keeps getting the cached NXDOMAIN until the entry expires.
    """
    ttl = prediction.denial_ttl
    return prediction.denial_cached and ttl is not None and 0 <= age_seconds < ttl


@dataclass(frozen=True)
class ClusterDnsSettings:
    """What the Corefile makes of names in the cluster domain, in one value.

    ``kubernetes`` is None when no kubernetes line answers the domain (then the other
    fields hold the plugin's defaults and ``notes`` say who answers instead).
    """

    domain: str
    kubernetes: KubernetesView | None
    pods: PodMode
    endpoint_pod_names: bool
    ttl: int | None
    denial_ttl: int | None
    denial_cached: bool
    autopath: bool
    notes: tuple[Note, ...]


def cluster_dns_settings(
    config: CorefileConfig, cluster_domain: str = "cluster.local", port: int = 53
) -> ClusterDnsSettings:
    """The settings that replace the kubeadm assumptions, for ``cluster_domain``."""
    domain = cluster_domain.strip().rstrip(".")
    prediction = predict(config, f"kubernetes.default.svc.{domain}", port=port)
    view = kubernetes_for(config, f"kubernetes.default.svc.{domain}", port)
    active = autopath_candidates(config, f"x.default.svc.{domain}", "default", port=port)
    if view is None or prediction.handler is not Handler.KUBERNETES:
        return ClusterDnsSettings(
            domain, None, PodMode.DISABLED, False, None, None, False, False, prediction.notes
        )
    return ClusterDnsSettings(
        domain=domain,
        kubernetes=view,
        pods=view.pods,
        endpoint_pod_names=view.endpoint_pod_names is not None,
        ttl=prediction.ttl,
        denial_ttl=prediction.denial_ttl,
        denial_cached=prediction.denial_cached,
        autopath=active is not None,
        notes=prediction.notes,
    )
