"""Does a piece of a policy match a connection? Three-valued (see tri.py).

The rules of the API reference, one function per field: which pods a policy
selects (``spec.podSelector``, in the policy's namespace), which peers a
``NetworkPolicyPeer`` selects (podSelector and namespaceSelector in one item: AND;
podSelector alone: the policy's namespace; namespaceSelector alone: every pod of the
selected namespaces; ipBlock: addresses, with ``except``), which ports a
``NetworkPolicyPort`` admits (protocol, number, range, or a name resolved against
the destination pod's container ports), and the same for admin policies.
"""

from __future__ import annotations

import ipaddress

from kubectl_discover.analyze.netpol import tri
from kubectl_discover.analyze.netpol.admin import AdminPeer, AdminPort, AdminSelection
from kubectl_discover.analyze.netpol.model import Endpoint, EndpointKind
from kubectl_discover.analyze.netpol.policy import IPBlock, Network, Peer, PortRule
from kubectl_discover.analyze.netpol.selector import Selector
from kubectl_discover.analyze.netpol.tri import NO, YES, Match

HOST_NETWORK_POD = (
    "{what} is a host-network pod: whether NetworkPolicy applies to it is "
    "implementation-defined (most implementations treat it as node traffic)"
)
IPBLOCK_POD_IP = (
    "ipBlock {block} contains pod IP {ip}: whether ipBlock applies to pod IPs is "
    "implementation-defined (the API meant it for cluster-external addresses)"
)


def _addresses(endpoint: Endpoint) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    found = []
    for text in endpoint.ips:
        try:
            found.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    return found


def in_networks(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[Network, ...]
) -> bool:
    return any(address.version == n.version and address in n for n in nets)


def in_block(address: ipaddress.IPv4Address | ipaddress.IPv6Address, block: IPBlock) -> bool:
    return in_networks(address, (block.cidr,)) and not in_networks(address, block.excepts)


def selects_pod(namespace: str, selector: Selector, subject: Endpoint) -> Match:
    """A policy of ``namespace`` with ``spec.podSelector`` ``selector`` selects ``subject``?"""
    if subject.ref is None or not subject.is_pod or subject.namespace != namespace:
        return NO
    match = selector.match(subject.labels)
    if subject.kind is EndpointKind.HOST and not match.no:
        return tri.maybe(HOST_NETWORK_POD.format(what=subject.describe()))
    return match


def _namespace_match(selector: Selector, endpoint: Endpoint) -> Match:
    labels, known = endpoint.effective_namespace_labels()
    match = selector.match(labels, known=known)
    if match.value is tri.Tri.MAYBE and known is not None:
        return tri.maybe(
            f"the labels of Namespace {endpoint.namespace} were not read ({match.reason})"
        )
    return match


def peer_match(peer: Peer, policy_namespace: str, other: Endpoint) -> Match:
    """Does one ``from``/``to`` item select ``other``?"""
    if peer.problem:
        return tri.maybe(f"malformed peer: {peer.problem}")
    if peer.ip_block is not None:
        return _ip_block_match(peer.ip_block, other)
    if other.kind is EndpointKind.EXTERNAL or not other.is_pod:
        return NO  # selectors select pods; a node address or an external one is no pod
    namespace = (
        _namespace_match(peer.namespace_selector, other)
        if peer.namespace_selector is not None
        else tri.of(other.namespace == policy_namespace)
    )
    pods = peer.pod_selector.match(other.labels) if peer.pod_selector is not None else YES
    match = tri.all_of((namespace, pods))
    if other.kind is EndpointKind.HOST and not match.no:
        return tri.maybe(HOST_NETWORK_POD.format(what=other.describe()))
    return match


def _ip_block_match(block: IPBlock, other: Endpoint) -> Match:
    addresses = _addresses(other)
    if not addresses:
        return tri.maybe(
            f"the address of {other.describe()} is unknown (ipBlock {block.describe()})"
        )
    inside = [a for a in addresses if in_block(a, block)]
    if not inside:
        return NO
    if other.kind is EndpointKind.POD:
        return tri.maybe(IPBLOCK_POD_IP.format(block=block.describe(), ip=inside[0]))
    return YES


def named_port_match(name: str, protocol: str, dst: Endpoint, port: int) -> Match:
    """A named port admits ``port`` when the destination pod declares a container port
    of that name and protocol with that number."""
    if not dst.is_pod:
        return NO  # only pods have named container ports
    if not dst.ports_known:
        return tri.maybe(f"the container ports of {dst.describe()} are unknown (port {name!r})")
    return tri.of(
        any(p.name == name and p.protocol == protocol and p.number == port for p in dst.ports)
    )


def port_match(rule: PortRule, dst: Endpoint, port: int, protocol: str) -> Match:
    if rule.problem:
        return tri.maybe(f"malformed port: {rule.problem}")
    if rule.protocol != protocol:
        return NO
    if rule.port is None:
        return YES
    if isinstance(rule.port, str):
        return named_port_match(rule.port, protocol, dst, port)
    end = rule.end_port if rule.end_port is not None else rule.port
    return tri.of(rule.port <= port <= end)


# ------------------------------------------------------------------ admin policies


def admin_selects(selection: AdminSelection, endpoint: Endpoint) -> Match:
    """An admin subject or pod/namespace peer: pods only, never host-network pods."""
    if selection.problem:
        return tri.maybe(f"malformed selection: {selection.problem}")
    if endpoint.kind is not EndpointKind.POD or not endpoint.is_pod:
        return NO
    namespace = _namespace_match(selection.namespaces, endpoint)
    pods = selection.pods.match(endpoint.labels) if selection.pods is not None else YES
    return tri.all_of((namespace, pods))


def admin_peer_match(peer: AdminPeer, action: str, other: Endpoint) -> Match:
    if peer.problem:
        return tri.maybe(f"malformed peer: {peer.problem}")
    if peer.empty:  # fail closed
        return NO if action == "Allow" else YES
    if peer.selection is not None:
        return admin_selects(peer.selection, other)
    if peer.networks is not None:
        addresses = _addresses(other)
        if not addresses:
            return tri.maybe(f"the address of {other.describe()} is unknown (networks peer)")
        return tri.of(any(in_networks(a, peer.networks) for a in addresses))
    if peer.nodes is not None:
        if other.kind is not EndpointKind.HOST:
            return NO
        if other.node_labels is None:
            return tri.maybe(f"the node labels of {other.describe()} are unknown (nodes peer)")
        return peer.nodes.match(other.node_labels)
    if other.kind is EndpointKind.POD:
        return NO
    return tri.maybe(f"domainNames peer: {other.describe()} depends on DNS answers")


def admin_port_match(rule: AdminPort, dst: Endpoint, port: int, protocol: str) -> Match:
    if rule.problem:
        return tri.maybe(f"malformed port: {rule.problem}")
    if rule.name is not None:
        return tri.any_of(named_port_match(rule.name, p, dst, port) for p in (protocol,))
    if rule.protocol != protocol or rule.start is None or rule.end is None:
        return NO
    return tri.of(rule.start <= port <= rule.end)
