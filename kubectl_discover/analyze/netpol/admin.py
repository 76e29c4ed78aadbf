"""AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1,
sigs.k8s.io/network-policy-api) and ClusterNetworkPolicy (v1alpha2: one kind whose
``spec.tier`` is Admin or Baseline) parsed once into the same typed views.

A ClusterNetworkPolicy differs only in its spelling: ``Accept`` for Allow, Pass allowed in
both tiers (in the Baseline tier it hands the connection to the default, allowed),
``priority`` in both tiers, and ports as ``protocols`` items (``tcp``/``udp``/``sctp``
with ``destinationPort.number`` or ``.range``, or ``destinationNamedPort``).

Unlike a NetworkPolicy, every rule carries an action (Allow, Deny, Pass; a baseline
only Allow or Deny) and rules are ordered: an admin policy by ``spec.priority``
(lower first) then by position, a baseline by position. Subjects and pod/namespace
peers never include host-network pods. A peer that sets none of its fields
"fails closed": it matches nothing in an Allow rule and everything in a Deny or Pass
rule. docs/networkpolicy.md gives the precedence the evaluator applies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.netpol.model import PROTOCOLS, Direction
from kubectl_discover.analyze.netpol.policy import MAX_ITEMS, Network, is_port_name
from kubectl_discover.analyze.netpol.selector import Selector, parse_selector
from kubectl_discover.refs import ObjectRef

ADMIN_ACTIONS = ("Allow", "Deny", "Pass")
BASELINE_ACTIONS = ("Allow", "Deny")
CLUSTER_ACTIONS = {"Accept": "Allow", "Deny": "Deny", "Pass": "Pass"}
"""A ClusterNetworkPolicy's actions and what they mean here (Accept is Allow)."""
CLUSTER_TIERS = ("Admin", "Baseline")


@dataclass(frozen=True)
class AdminSelection:
    """A subject or a pod peer: ``namespaces`` alone, or ``pods`` (namespace AND pod)."""

    namespaces: Selector
    pods: Selector | None = None
    problem: str = ""


@dataclass(frozen=True)
class AdminPeer:
    selection: AdminSelection | None = None
    nodes: Selector | None = None
    networks: tuple[Network, ...] | None = None
    domain_names: tuple[str, ...] | None = None
    problem: str = ""
    empty: bool = False
    """No field set: fail closed (see the module docstring)."""


@dataclass(frozen=True)
class AdminPort:
    protocol: str
    start: int | None = None
    end: int | None = None
    name: str | None = None
    problem: str = ""


@dataclass(frozen=True)
class AdminRule:
    index: int
    name: str
    action: str
    peers: tuple[AdminPeer, ...]
    ports: tuple[AdminPort, ...] | None
    problem: str = ""


@dataclass(frozen=True)
class AdminPolicyView:
    """An AdminNetworkPolicy (``baseline`` False) or the BaselineAdminNetworkPolicy."""

    ref: ObjectRef
    baseline: bool
    priority: int
    subject: AdminSelection
    ingress: tuple[AdminRule, ...]
    egress: tuple[AdminRule, ...]
    problems: tuple[str, ...] = ()
    priority_valid: bool = True
    """False when ``spec.priority`` is not 0-1000: then the policy's place is unknown."""

    def rules(self, direction: Direction) -> tuple[AdminRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


def parse_admin_policy(obj: Mapping[str, Any]) -> AdminPolicyView:
    """The view of an AdminNetworkPolicy or BaselineAdminNetworkPolicy; never raises."""
    kind = str(obj.get("kind") or "")
    baseline = kind == "BaselineAdminNetworkPolicy"
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    ref = ObjectRef(kind, "", str(metadata.get("name") or ""))
    problems: list[str] = []
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        problems.append("spec is not an object")
        spec = {}
    priority = spec.get("priority")
    priority_valid = True
    if baseline:
        priority = 0
    elif isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1000:
        problems.append(f"spec.priority {priority!r} is not a number from 0 to 1000")
        priority, priority_valid = 0, False
    subject = _selection(spec.get("subject"), "spec.subject", problems)
    actions = BASELINE_ACTIONS if baseline else ADMIN_ACTIONS
    ingress = _rules(spec.get("ingress"), Direction.INGRESS, actions, problems)
    egress = _rules(spec.get("egress"), Direction.EGRESS, actions, problems)
    return AdminPolicyView(
        ref, baseline, priority, subject, ingress, egress, tuple(problems), priority_valid
    )


def parse_cluster_network_policy(obj: Mapping[str, Any]) -> AdminPolicyView:
    """The view of a v1alpha2 ClusterNetworkPolicy (``baseline`` for tier Baseline);
    never raises. An unknown tier is a problem and the policy is taken for an Admin one
    whose place is unknown."""
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    ref = ObjectRef("ClusterNetworkPolicy", "", str(metadata.get("name") or ""))
    problems: list[str] = []
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        problems.append("spec is not an object")
        spec = {}
    tier = spec.get("tier")
    priority = spec.get("priority")
    priority_valid = tier in CLUSTER_TIERS
    if not priority_valid:
        problems.append(f"spec.tier {tier!r} is not Admin or Baseline")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1000:
        problems.append(f"spec.priority {priority!r} is not a number from 0 to 1000")
        priority, priority_valid = 0, False
    subject = _selection(spec.get("subject"), "spec.subject", problems)
    actions = tuple(CLUSTER_ACTIONS)
    ingress = _rules(spec.get("ingress"), Direction.INGRESS, actions, problems, cluster=True)
    egress = _rules(spec.get("egress"), Direction.EGRESS, actions, problems, cluster=True)
    return AdminPolicyView(
        ref, tier == "Baseline", priority, subject, ingress, egress, tuple(problems), priority_valid
    )


def _selection(raw: object, where: str, problems: list[str]) -> AdminSelection:
    def bad(problem: str) -> AdminSelection:
        problems.append(f"{where} {problem}")
        return AdminSelection(Selector(), problem=problem)

    if not isinstance(raw, Mapping):
        return bad("is not an object")
    namespaces, pods = raw.get("namespaces"), raw.get("pods")
    if (namespaces is None) == (pods is None):
        return bad("must set exactly one of namespaces, pods")
    if namespaces is not None:
        selector = parse_selector(namespaces)
        if selector.problem:
            return bad(f"namespaces: {selector.problem}")
        return AdminSelection(selector)
    if not isinstance(pods, Mapping):
        return bad("pods is not an object")
    namespace_selector = parse_selector(pods.get("namespaceSelector"))
    pod_selector = parse_selector(pods.get("podSelector"))
    for name, selector in (
        ("namespaceSelector", namespace_selector),
        ("podSelector", pod_selector),
    ):
        if selector.problem:
            return bad(f"pods.{name}: {selector.problem}")
    return AdminSelection(namespace_selector, pod_selector)


def _rules(
    raw: object,
    direction: Direction,
    actions: tuple[str, ...],
    problems: list[str],
    *,
    cluster: bool = False,
) -> tuple[AdminRule, ...]:
    where = f"spec.{direction.field}"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where} is not a list")
        return (AdminRule(0, "", "Deny", (), None, problem=f"{where} is not a list"),)
    rules = []
    for index, item in enumerate(raw[:MAX_ITEMS]):
        here = f"{where}[{index}]"
        rules.append(_rule(item, index, here, direction, actions, problems, cluster=cluster))
    if len(raw) > MAX_ITEMS:
        # The rules not read may match: a last rule that "may match" anything says so.
        problem = f"{where} has more than {MAX_ITEMS} rules; the rest were not read"
        problems.append(problem)
        rules.append(AdminRule(MAX_ITEMS, "", "Deny", (), None, problem=problem))
    return tuple(rules)


def _rule(
    item: object,
    index: int,
    here: str,
    direction: Direction,
    actions: tuple[str, ...],
    problems: list[str],
    *,
    cluster: bool = False,
) -> AdminRule:
    def bad(problem: str, name: str = "", action: str = "") -> AdminRule:
        problems.append(f"{here} {problem}")
        return AdminRule(index, name, action, (), None, problem=problem)

    if not isinstance(item, Mapping):
        return bad("is not an object")
    name = item.get("name")
    name = name if isinstance(name, str) else ""
    action = item.get("action")
    if action not in actions:
        return bad(f"action {action!r} is not one of {', '.join(actions)}", name)
    if cluster:
        action = CLUSTER_ACTIONS[str(action)]
    peers_field = direction.peers_field
    raw_peers = item.get(peers_field)
    if not isinstance(raw_peers, list) or not raw_peers:
        return bad(f"{peers_field} must list at least one peer", name, str(action))
    peers = tuple(_peer(p, direction) for p in raw_peers[:MAX_ITEMS])
    for i, peer in enumerate(peers):
        if peer.problem:
            problems.append(f"{here}.{peers_field}[{i}] {peer.problem}")
    ports: tuple[AdminPort, ...] | None = None
    ports_field = "protocols" if cluster else "ports"
    raw_ports = item.get(ports_field)
    if raw_ports is not None:
        if not isinstance(raw_ports, list):
            return bad(f"{ports_field} is not a list", name, str(action))
        parse = _protocol if cluster else _port
        ports = tuple(parse(p) for p in raw_ports[:MAX_ITEMS])
        for i, port in enumerate(ports):
            if port.problem:
                problems.append(f"{here}.{ports_field}[{i}] {port.problem}")
    return AdminRule(index, name, str(action), peers, ports)


def _peer(raw: object, direction: Direction) -> AdminPeer:
    if not isinstance(raw, Mapping):
        return AdminPeer(problem="is not an object")
    allowed: tuple[str, ...] = ("namespaces", "pods")
    if direction is Direction.EGRESS:
        allowed += ("nodes", "networks", "domainNames")
    present = [k for k in allowed if raw.get(k) is not None]
    if not present:
        return AdminPeer(empty=True)
    if len(present) > 1:
        return AdminPeer(problem=f"sets {', '.join(present)}; exactly one is allowed")
    (key,) = present
    value = raw[key]
    if key in ("namespaces", "pods"):
        problems: list[str] = []
        selection = _selection({key: value}, key, problems)
        return AdminPeer(selection=selection, problem="; ".join(problems))
    if key == "nodes":
        selector = parse_selector(value)
        return AdminPeer(nodes=selector, problem=selector.problem)
    if key == "networks":
        networks = []
        for text in value if isinstance(value, list) else [value]:
            network = _network(text)
            if network is None:
                return AdminPeer(problem=f"networks: {text!r} is not a CIDR")
            networks.append(network)
        return AdminPeer(networks=tuple(networks))
    names = value if isinstance(value, list) else []
    if not names or not all(isinstance(n, str) for n in names):
        return AdminPeer(problem="domainNames is not a list of names")
    return AdminPeer(domain_names=tuple(names))


def _port(raw: object) -> AdminPort:
    if not isinstance(raw, Mapping):
        return AdminPort("TCP", problem="is not an object")
    present = [k for k in ("portNumber", "namedPort", "portRange") if raw.get(k) is not None]
    if len(present) != 1:
        return AdminPort("TCP", problem="must set exactly one of portNumber, namedPort, portRange")
    (key,) = present
    value = raw[key]
    if key == "namedPort":
        if not isinstance(value, str) or not is_port_name(value):
            return AdminPort("TCP", problem=f"namedPort {value!r} is not a port name")
        return AdminPort("TCP", name=value)
    if not isinstance(value, Mapping):
        return AdminPort("TCP", problem=f"{key} is not an object")
    protocol = value.get("protocol") or "TCP"
    if protocol not in PROTOCOLS:
        return AdminPort("TCP", problem=f"protocol {protocol!r} is not TCP, UDP or SCTP")
    if key == "portNumber":
        start = end = value.get("port")
    else:
        start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int)) or not (
        _port_number(start) and _port_number(end)
    ):
        return AdminPort(str(protocol), problem=f"{key} ports {start!r}, {end!r} are not 1-65535")
    if start > end:
        return AdminPort(str(protocol), problem=f"portRange start {start} is above end {end}")
    return AdminPort(str(protocol), start, end)


def _protocol(raw: object) -> AdminPort:
    """One ClusterNetworkPolicy ``protocols`` item: exactly one of tcp, udp, sctp (each
    with ``destinationPort``: ``number`` or ``range``) or ``destinationNamedPort``."""
    if not isinstance(raw, Mapping):
        return AdminPort("TCP", problem="is not an object")
    keys = ("tcp", "udp", "sctp", "destinationNamedPort")
    present = [k for k in keys if raw.get(k) is not None]
    if len(present) != 1:
        return AdminPort("TCP", problem=f"must set exactly one of {', '.join(keys)}")
    (key,) = present
    value = raw[key]
    if key == "destinationNamedPort":
        if not isinstance(value, str) or not is_port_name(value):
            return AdminPort("TCP", problem=f"destinationNamedPort {value!r} is not a port name")
        return AdminPort("TCP", name=value)
    protocol = key.upper()
    port = value.get("destinationPort") if isinstance(value, Mapping) else None
    if not isinstance(port, Mapping):
        return AdminPort(protocol, problem=f"{key}.destinationPort is not an object")
    number, span = port.get("number"), port.get("range")
    if (number is None) == (span is None):
        return AdminPort(protocol, problem=f"{key}.destinationPort must set number or range")
    if number is not None:
        start = end = number
    else:
        start = span.get("start") if isinstance(span, Mapping) else None
        end = span.get("end") if isinstance(span, Mapping) else None
    if not (_port_number(start) and _port_number(end)):
        return AdminPort(protocol, problem=f"{key} ports {start!r}, {end!r} are not 1-65535")
    assert isinstance(start, int) and isinstance(end, int)
    if start > end:
        return AdminPort(protocol, problem=f"{key} range start {start} is above end {end}")
    return AdminPort(protocol, start, end)


def _port_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _network(text: object) -> Network | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
