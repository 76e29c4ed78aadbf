"""networking.k8s.io/v1 NetworkPolicy objects parsed once into typed views.

Every field keeps the meaning the API reference gives it (docs/networkpolicy.md
lists each one): a missing or empty ``from``/``to`` matches every peer, a missing
or empty ``ports`` every port, a port without ``port`` every port of its protocol,
``protocol`` defaults to TCP, ``policyTypes`` defaults to Ingress plus Egress when
there are egress rules. What the API server would reject (an empty peer, ``ipBlock``
next to a selector, ``endPort`` with a named port, ...) is kept as a ``problem`` on
the piece it concerns; matching a piece with a problem answers "cannot tell", so a
malformed policy never yields a confident verdict.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from kubectl_discover.analyze.netpol.model import PROTOCOLS, Direction
from kubectl_discover.analyze.netpol.selector import Selector, parse_selector
from kubectl_discover.refs import ObjectRef

MAX_ITEMS = 10_000
"""A list longer than this is cut and reported (bounded work on hostile input)."""

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def is_port_name(text: str) -> bool:
    """An IANA service name, the syntax of named ports: 1-15 characters of ``a-z0-9-``,
    at least one letter, no leading, trailing or doubled hyphen."""
    return (
        0 < len(text) <= 15
        and bool(_IANA_SVC_NAME.match(text))
        and "--" not in text
        and any(c.isalpha() for c in text)
    )


@dataclass(frozen=True)
class PortRule:
    """One ``NetworkPolicyPort``: ``port`` None means every port of ``protocol``."""

    protocol: str
    port: int | str | None = None
    end_port: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.port is None:
            return f"{self.protocol} (all ports)"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class IPBlock:
    cidr: Network
    excepts: tuple[Network, ...] = ()

    def describe(self) -> str:
        text = str(self.cidr)
        if self.excepts:
            text += " except " + ", ".join(str(e) for e in self.excepts)
        return text


@dataclass(frozen=True)
class Peer:
    """One ``NetworkPolicyPeer``; a selector None means the field is absent."""

    pod_selector: Selector | None = None
    namespace_selector: Selector | None = None
    ip_block: IPBlock | None = None
    problem: str = ""

    @property
    def namespace_only(self) -> bool:
        return self.namespace_selector is not None and self.pod_selector is None

    @property
    def pod_only(self) -> bool:
        return self.pod_selector is not None and self.namespace_selector is None


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule; ``peers``/``ports`` None mean "all"."""

    index: int
    peers: tuple[Peer, ...] | None
    ports: tuple[PortRule, ...] | None


@dataclass(frozen=True)
class NetworkPolicyView:
    ref: ObjectRef
    pod_selector: Selector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    problems: tuple[str, ...] = ()
    shape_problems: tuple[str, ...] = ()
    """The problems that leave the policy's effect itself in doubt (its spec,
    policyTypes or rule lists unreadable): the evaluator then only says what it may do."""

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


def parse_network_policy(
    obj: Mapping[str, Any], default_namespace: str = "default"
) -> NetworkPolicyView:
    """The view of one NetworkPolicy object; never raises."""
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    namespace = metadata.get("namespace")
    ref = ObjectRef(
        "NetworkPolicy",
        namespace if isinstance(namespace, str) and namespace else default_namespace,
        str(metadata.get("name") or ""),
    )
    problems: list[str] = []
    shape: list[str] = []
    spec = obj.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        shape.append("spec is not an object")
        spec = {}
    raw_selector = spec.get("podSelector")
    pod_selector = Selector() if raw_selector is None else parse_selector(raw_selector)
    if pod_selector.problem:
        problems.append(f"spec.podSelector: {pod_selector.problem}")
    ingress = _rules(spec.get("ingress"), Direction.INGRESS, problems, shape)
    egress = _rules(spec.get("egress"), Direction.EGRESS, problems, shape)
    types = _policy_types(spec.get("policyTypes"), bool(spec.get("egress")), shape)
    return NetworkPolicyView(
        ref, pod_selector, types, ingress, egress, (*shape, *problems), tuple(shape)
    )


def _policy_types(raw: object, has_egress: bool, problems: list[str]) -> frozenset[Direction]:
    if raw is None or raw == []:
        # Defaulting: Ingress always, Egress when the policy has egress rules.
        return frozenset(
            (Direction.INGRESS, Direction.EGRESS) if has_egress else (Direction.INGRESS,)
        )
    if not isinstance(raw, list):
        problems.append("spec.policyTypes is not a list")
        return frozenset(Direction)
    types = set()
    for value in raw[:MAX_ITEMS]:
        if value == "Ingress":
            types.add(Direction.INGRESS)
        elif value == "Egress":
            types.add(Direction.EGRESS)
        else:
            problems.append(f"spec.policyTypes: {value!r} is not Ingress or Egress")
            return frozenset(Direction)  # which direction was meant is unknown
    return frozenset(types)


def _items(raw: object, where: str, problems: list[str]) -> list[Any] | None:
    """A list field: None when missing or empty; cut at MAX_ITEMS."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        problems.append(f"{where} is not a list")
        return None
    if len(raw) > MAX_ITEMS:
        problems.append(f"{where} has more than {MAX_ITEMS} items; the rest were not read")
    return list(raw[:MAX_ITEMS]) or None


def _rules(
    raw: object, direction: Direction, problems: list[str], shape: list[str]
) -> tuple[Rule, ...]:
    where = f"spec.{direction.field}"
    items = _items(raw, where, shape) or []
    rules = []
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{here} is not an object")
            rules.append(Rule(index, (Peer(problem="rule is not an object"),), None))
            continue
        raw_peers = _items(
            item.get(direction.peers_field), f"{here}.{direction.peers_field}", problems
        )
        peers = None
        if raw_peers is not None:
            peers = tuple(
                _peer(p, f"{here}.{direction.peers_field}[{i}]", problems)
                for i, p in enumerate(raw_peers)
            )
        raw_ports = _items(item.get("ports"), f"{here}.ports", problems)
        ports = None
        if raw_ports is not None:
            ports = tuple(_port(p, f"{here}.ports[{i}]", problems) for i, p in enumerate(raw_ports))
        rules.append(Rule(index, peers, ports))
    return tuple(rules)


def _peer(raw: object, where: str, problems: list[str]) -> Peer:
    if not isinstance(raw, Mapping):
        return _bad_peer(where, "is not an object", problems)
    pods, namespaces, block = (
        raw.get("podSelector"),
        raw.get("namespaceSelector"),
        raw.get("ipBlock"),
    )
    if pods is None and namespaces is None and block is None:
        return _bad_peer(where, "sets none of podSelector, namespaceSelector, ipBlock", problems)
    if block is not None:
        if pods is not None or namespaces is not None:
            return _bad_peer(where, "sets ipBlock together with a selector", problems)
        parsed = _ip_block(block)
        if isinstance(parsed, str):
            return _bad_peer(where, f"ipBlock: {parsed}", problems)
        return Peer(ip_block=parsed)
    pod_selector = None if pods is None else parse_selector(pods)
    namespace_selector = None if namespaces is None else parse_selector(namespaces)
    for name, selector in (
        ("podSelector", pod_selector),
        ("namespaceSelector", namespace_selector),
    ):
        if selector is not None and selector.problem:
            problems.append(f"{where}.{name}: {selector.problem}")
    return Peer(pod_selector=pod_selector, namespace_selector=namespace_selector)


def _bad_peer(where: str, problem: str, problems: list[str]) -> Peer:
    problems.append(f"{where} {problem}")
    return Peer(problem=problem)


def _network(text: object) -> Network | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _ip_block(raw: object) -> IPBlock | str:
    if not isinstance(raw, Mapping):
        return "is not an object"
    cidr = _network(raw.get("cidr"))
    if cidr is None:
        return f"cidr {raw.get('cidr')!r} is not a CIDR"
    excepts = []
    raw_excepts = raw.get("except") or []
    if not isinstance(raw_excepts, list):
        return "except is not a list"
    for text in raw_excepts[:MAX_ITEMS]:
        network = _network(text)
        if network is None:
            return f"except {text!r} is not a CIDR"
        if network.version != cidr.version or not network.subnet_of(cidr):  # type: ignore[arg-type]
            return f"except {text!r} is outside cidr {cidr}"
        excepts.append(network)
    return IPBlock(cidr, tuple(excepts))


def _port(raw: object, where: str, problems: list[str]) -> PortRule:
    def bad(problem: str) -> PortRule:
        problems.append(f"{where} {problem}")
        return PortRule("TCP", problem=problem)

    if not isinstance(raw, Mapping):
        return bad("is not an object")
    protocol = raw.get("protocol")
    if protocol is None:
        protocol = "TCP"
    if protocol not in PROTOCOLS:
        return bad(f"protocol {protocol!r} is not TCP, UDP or SCTP")
    port, end_port = raw.get("port"), raw.get("endPort")
    if port is None:
        if end_port is not None:
            return bad("sets endPort without port")
        return PortRule(protocol)
    if isinstance(port, bool) or not isinstance(port, (int, str)):
        return bad(f"port {port!r} is neither a number nor a name")
    if isinstance(port, int) and not 1 <= port <= 65535:
        return bad(f"port {port} is outside 1-65535")
    if isinstance(port, str) and not is_port_name(port):
        return bad(f"port {port!r} is not a valid port name")
    if end_port is None:
        return PortRule(protocol, port)
    if isinstance(port, str):
        return bad("sets endPort with a named port")
    if isinstance(end_port, bool) or not isinstance(end_port, int) or not port <= end_port <= 65535:
        return bad(f"endPort {end_port!r} is not a number from port {port} to 65535")
    return PortRule(protocol, port, end_port)
