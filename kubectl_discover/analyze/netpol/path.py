"""The connections a client makes to use a Service, each with its verdict.

(a) to its DNS server as resolv.conf names it: the kube-dns ClusterIP means each
    CoreDNS pod on UDP AND TCP 53 (at the kube-dns Service's resolved targetPorts);
    a NodeLocal DNS cache is an address on the client's node (host network), which
    only an ``ipBlock`` can match; anything else is an external resolver;
(b) to every backend of the Service at its resolved targetPort (policies never see
    the ClusterIP or the Service port), or to the addresses of an ExternalName
    target / selectorless backends;
(c) the same connections seen as ingress on each backend (evaluate() does both);
(d) for an Ingress or a Gateway, from each controller pod to each backend.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kubectl_discover.analyze.netpol.endpoints import ServiceTarget, address_endpoint
from kubectl_discover.analyze.netpol.evaluate import evaluate
from kubectl_discover.analyze.netpol.model import (
    ConnectionVerdict,
    Direction,
    DirectionVerdict,
    Endpoint,
    Outcome,
    Tier,
)
from kubectl_discover.analyze.netpol.policyset import PolicySet
from kubectl_discover.analyze.resolv import ResolvConf
from kubectl_discover.refs import ObjectRef

DNS_PORT = 53
DNS_PROTOCOLS = ("UDP", "TCP")


class HopKind(enum.Enum):
    DNS = "dns"
    SERVICE = "service"
    EXTERNAL = "external"
    CONTROLLER = "controller"


class Resolver(enum.Enum):
    """What the client's nameserver is."""

    CLUSTER_DNS = "cluster-dns"
    NODE_LOCAL = "node-local-cache"
    EXTERNAL = "external"


@dataclass(frozen=True)
class DnsServer:
    """The client's resolver: ``nameserver`` from its resolv.conf; ``kube_dns`` the
    cluster DNS Service with its CoreDNS pods (a nameserver among its ClusterIPs means
    those pods; any other address is taken for a resolver outside the cluster);
    ``node_local`` True when a NodeLocal DNS cache answers on that address on every
    node (a link-local nameserver is taken for one anyway)."""

    nameserver: str
    kube_dns: ServiceTarget | None = None
    node_local: bool = False

    @classmethod
    def from_resolv_conf(
        cls, resolv: ResolvConf, kube_dns: ServiceTarget | None = None, *, node_local: bool = False
    ) -> DnsServer | None:
        """The resolver the client asks first: the first ``nameserver`` of its resolv.conf
        (glibc tries them in order). None when resolv.conf names none."""
        if not resolv.nameservers:
            return None
        return cls(resolv.nameservers[0], kube_dns, node_local)

    @property
    def resolver(self) -> Resolver:
        if self.node_local or _link_local(self.nameserver):
            return Resolver.NODE_LOCAL
        if self.kube_dns is not None and self.nameserver in self.kube_dns.cluster_ips:
            return Resolver.CLUSTER_DNS
        return Resolver.EXTERNAL


def _link_local(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_link_local
    except ValueError:
        return False


@dataclass(frozen=True)
class Hop:
    """One connection of the path and its verdict.

    ``service_port`` is the port the client addresses (the Service port) when the
    connection goes through a Service; ``verdict.port`` is what policies see.
    """

    kind: HopKind
    verdict: ConnectionVerdict
    service: ObjectRef | None = None
    service_port: int | None = None
    resolver: Resolver | None = None


def dns_hops(policies: PolicySet, client: Endpoint, dns: DnsServer) -> tuple[Hop, ...]:
    """Client -> its DNS server on UDP and TCP 53, per CoreDNS pod or to the address."""
    resolver = dns.resolver
    if resolver is Resolver.CLUSTER_DNS and dns.kube_dns is not None:
        hops = []
        for port, backends in dns.kube_dns.ports:
            if port.port != DNS_PORT or port.protocol not in DNS_PROTOCOLS:
                continue
            for backend in backends:
                if backend.port is None:
                    continue
                verdict = evaluate(policies, client, backend.endpoint, backend.port, port.protocol)
                hops.append(Hop(HopKind.DNS, verdict, dns.kube_dns.ref, port.port, resolver))
        return tuple(hops)
    target = address_endpoint(
        dns.nameserver, node=client.node, external=resolver is Resolver.EXTERNAL
    )
    return tuple(
        Hop(
            HopKind.DNS,
            evaluate(policies, client, target, DNS_PORT, protocol),
            None,
            None,
            resolver,
        )
        for protocol in DNS_PROTOCOLS
    )


def service_hops(
    policies: PolicySet, client: Endpoint, target: ServiceTarget, *, port_name: str | None = None
) -> tuple[Hop, ...]:
    """Client -> every backend of ``target`` at the resolved targetPort (every Service
    port, or only the one named ``port_name``)."""
    hops = []
    for port, backends in target.ports:
        if port_name is not None and port.name != port_name:
            continue
        for backend in backends:
            if backend.port is None:
                continue  # the named targetPort does not resolve: no connection to judge
            verdict = evaluate(policies, client, backend.endpoint, backend.port, port.protocol)
            hops.append(Hop(HopKind.SERVICE, verdict, target.ref, port.port))
    return tuple(hops)


def external_hops(
    policies: PolicySet,
    client: Endpoint,
    addresses: Sequence[str],
    ports: Sequence[tuple[int, str]],
    *,
    service: ObjectRef | None = None,
    via_cluster_ip: bool = False,
) -> tuple[Hop, ...]:
    """Client -> addresses outside the cluster on each ``(port, protocol)``: the answers
    for an ExternalName target (the client connects to them directly), or the addresses
    behind a Service without selector (``via_cluster_ip``: the client connects to the
    ClusterIP, rewritten to them)."""
    hops = []
    for address in addresses:
        for port, protocol in ports:
            verdict = evaluate(policies, client, address_endpoint(address), port, protocol)
            if via_cluster_ip:
                verdict = replace(verdict, egress=_rewritten(policies, verdict.egress))
            hops.append(Hop(HopKind.EXTERNAL, verdict, service, port))
    return tuple(hops)


REWRITTEN = (
    "the client connects to a Service IP rewritten to this cluster-external address: "
    "whether ipBlock rules see it before or after the rewrite is not defined"
)


def _rewritten(policies: PolicySet, egress: DirectionVerdict) -> DirectionVerdict:
    """The concept page: connections to Service IPs rewritten to cluster-external IPs
    may or may not be subject to ipBlock-based policies. A verdict that an ipBlock rule
    of the isolating policies could change is therefore unknown."""
    if egress.tier is not Tier.NETWORK_POLICY or egress.outcome is Outcome.UNKNOWN:
        return egress
    views = policies.views(egress.isolating)
    if egress.rule is not None:
        allowing = [v for v in views if v.ref == egress.rule.policy]
        if allowing and allowing[0].rules(Direction.EGRESS)[egress.rule.index].peers is None:
            return egress  # allowed to every destination, rewritten or not
    has_ip_block = any(
        peer.ip_block is not None
        for view in views
        for rule in view.rules(Direction.EGRESS)
        for peer in rule.peers or ()
    )
    if not has_ip_block:
        return egress
    return replace(
        egress,
        outcome=Outcome.UNKNOWN,
        policy_outcome=egress.outcome,
        why=f"{REWRITTEN}; {egress.why}",
        reasons=(*egress.reasons, REWRITTEN),
    )


def controller_hops(
    policies: PolicySet,
    controllers: Sequence[Endpoint],
    target: ServiceTarget,
    *,
    port_name: str | None = None,
) -> tuple[Hop, ...]:
    """Each Ingress/Gateway controller pod -> every backend of ``target`` (proxies
    connect to the endpoints directly, at the targetPort)."""
    hops = []
    for controller in controllers:
        for hop in service_hops(policies, controller, target, port_name=port_name):
            hops.append(Hop(HopKind.CONTROLLER, hop.verdict, hop.service, hop.service_port))
    return tuple(hops)


def path_outcome(hops: Sequence[Hop]) -> Outcome:
    outcomes = {hop.verdict.outcome for hop in hops}
    if Outcome.DENIED in outcomes:
        return Outcome.DENIED
    if Outcome.UNKNOWN in outcomes:
        return Outcome.UNKNOWN
    return Outcome.ALLOWED
