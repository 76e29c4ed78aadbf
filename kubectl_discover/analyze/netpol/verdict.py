"""The whole path verdict for one client: every hop (path.py) and its findings
(findings.py), as one frozen value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.netpol.endpoints import ServiceTarget
from kubectl_discover.analyze.netpol.findings import path_findings
from kubectl_discover.analyze.netpol.model import Endpoint, Outcome
from kubectl_discover.analyze.netpol.path import (
    DnsServer,
    Hop,
    controller_hops,
    dns_hops,
    external_hops,
    path_outcome,
    service_hops,
)
from kubectl_discover.analyze.netpol.policyset import PolicySet
from kubectl_discover.findings import Finding
from kubectl_discover.refs import ObjectRef


@dataclass(frozen=True)
class ExternalTarget:
    """Addresses outside the cluster the client connects to for a Service: the answers
    for an ExternalName target, or (``via_cluster_ip``) the addresses of a Service
    without selector, reached through its ClusterIP."""

    addresses: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]
    """(port, protocol) pairs as the packets carry them."""
    service: ObjectRef | None = None
    via_cluster_ip: bool = False


@dataclass(frozen=True)
class PathVerdict:
    client: Endpoint
    hops: tuple[Hop, ...]
    findings: tuple[Finding, ...]

    @property
    def outcome(self) -> Outcome:
        return path_outcome(self.hops)


def path_verdict(
    policies: PolicySet,
    client: Endpoint,
    *,
    dns: DnsServer | None = None,
    services: Sequence[ServiceTarget] = (),
    port_name: str | None = None,
    external: Sequence[ExternalTarget] = (),
    controllers: Sequence[Endpoint] = (),
) -> PathVerdict:
    """Every connection ``client`` needs to reach ``services`` (and ``external``
    addresses), its DNS lookups through ``dns``, and, for an Ingress or Gateway, the
    connections from the ``controllers`` pods to the same backends."""
    hops: list[Hop] = []
    if dns is not None:
        hops += dns_hops(policies, client, dns)
    for target in services:
        hops += service_hops(policies, client, target, port_name=port_name)
    for outside in external:
        hops += external_hops(
            policies,
            client,
            outside.addresses,
            outside.ports,
            service=outside.service,
            via_cluster_ip=outside.via_cluster_ip,
        )
    for target in services:
        hops += controller_hops(policies, controllers, target, port_name=port_name)
    return PathVerdict(client, tuple(hops), path_findings(policies, hops, dns))
