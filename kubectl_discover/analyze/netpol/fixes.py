"""The fix for a denied direction, as YAML built from a dict (pure).

A fix either appends a rule to an existing NetworkPolicy that isolates the pod (one
that already has rules in that direction: it is the policy meant to say what the pod
may do), or creates a new policy selecting just that pod when the only isolating
policies are default-deny ones (no rules). Peers are written as ONE item holding
``namespaceSelector`` AND ``podSelector`` (namespace by its immutable
``kubernetes.io/metadata.name`` label); addresses outside the pod network as an
``ipBlock`` of that one address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from kubectl_discover.analyze.netpol.model import Direction, Endpoint, EndpointKind
from kubectl_discover.analyze.netpol.policy import NetworkPolicyView
from kubectl_discover.analyze.netpol.selector import NAMESPACE_NAME_LABEL
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import DNS1123_LABEL_MAX, is_dns1123_subdomain

VOLATILE_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-completion-index",
    }
)
"""Labels controllers stamp on single pods or revisions: a selector on them would
stop matching at the next rollout, so fixes never use them."""


@dataclass(frozen=True)
class PortSpec:
    protocol: str
    port: int


@dataclass(frozen=True)
class Fix:
    """Where the change goes and the YAML to put there.

    ``new`` True: ``yaml`` is a whole NetworkPolicy to create as ``policy``.
    Otherwise ``yaml`` is one rule to append to ``field`` of ``policy``.
    """

    policy: ObjectRef
    new: bool
    field: str
    yaml: str

    def describe(self) -> str:
        if self.new:
            return f"create {self.policy}:\n{self.yaml}"
        return f"append to {self.field} of {self.policy}:\n{self.yaml}"


def stable_labels(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(labels.items()) if k not in VOLATILE_LABELS}


def peer_for(endpoint: Endpoint, policy_namespace: str) -> dict[str, Any] | None:
    """One ``from``/``to`` item selecting ``endpoint`` from a policy in ``policy_namespace``:
    selectors for a pod on the pod network, an ``ipBlock`` for anything else (selectors
    cannot match a node address, and match host-network pods only on some
    implementations). None for an address that is not known (nothing to write)."""
    if endpoint.kind is not EndpointKind.POD or not endpoint.is_pod:
        if endpoint.ips:
            return {"ipBlock": {"cidr": _host_cidr(endpoint.ips[0])}}
        if not endpoint.is_pod:
            return None
    peer: dict[str, Any] = {}
    if endpoint.namespace != policy_namespace:
        peer["namespaceSelector"] = {"matchLabels": {NAMESPACE_NAME_LABEL: endpoint.namespace}}
    labels = stable_labels(endpoint.labels)
    peer["podSelector"] = {"matchLabels": labels} if labels else {}
    return peer


def _host_cidr(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    return f"{address}/{address.max_prefixlen}"


def rule_for(
    direction: Direction, peer: Mapping[str, Any], ports: Sequence[PortSpec]
) -> dict[str, Any]:
    rule: dict[str, Any] = {direction.peers_field: [dict(peer)]}
    if ports:
        rule["ports"] = [{"protocol": p.protocol, "port": p.port} for p in ports]
    return rule


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def fix_for(
    direction: Direction,
    subject: Endpoint,
    other: Endpoint,
    ports: Sequence[PortSpec],
    isolating: Sequence[NetworkPolicyView],
    *,
    purpose: str = "",
) -> Fix | None:
    """The change that lets ``subject`` send to (egress) or receive from (ingress) ``other``
    on ``ports``. ``isolating`` are the NetworkPolicies isolating ``subject`` for
    ``direction``; ``purpose`` names a new policy (``allow-dns``). None when ``other``
    is an address that is not known."""
    with_rules = [p for p in isolating if p.rules(direction)]
    if with_rules:
        target = min(with_rules, key=lambda p: _preference(p, direction, ports))
        peer = peer_for(other, target.ref.namespace)
        if peer is None:
            return None
        rule = rule_for(direction, peer, ports)
        return Fix(target.ref, False, f"spec.{direction.field}", dump([rule]))
    namespace = subject.namespace
    peer = peer_for(other, namespace)
    if peer is None:
        return None
    labels = stable_labels(subject.labels)
    name = policy_name(purpose or f"allow-{direction.field}", subject, other)
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "podSelector": {"matchLabels": labels} if labels else {},
            "policyTypes": [direction.value],
            direction.field: [rule_for(direction, peer, ports)],
        },
    }
    return Fix(ObjectRef("NetworkPolicy", namespace, name), True, "", dump(policy))


def _preference(
    policy: NetworkPolicyView, direction: Direction, ports: Sequence[PortSpec]
) -> tuple[bool, bool, ObjectRef]:
    """Which isolating policy a rule is added to (lowest first): one whose rules already
    name one of the port numbers (the DNS policy for TCP 53 next to UDP 53), then one
    whose podSelector is not empty (written for this workload, not the namespace), then
    by name."""
    numbers = {p.port for p in ports}
    names_port = any(
        port.port in numbers for rule in policy.rules(direction) for port in rule.ports or ()
    )
    return (not names_port, policy.pod_selector.empty, policy.ref)


_UNSAFE = re.compile(r"[^a-z0-9-]+")


def policy_name(prefix: str, subject: Endpoint, other: Endpoint) -> str:
    """A DNS-1123 name for a new policy: ``<prefix>-<subject app>[-<other app>]``."""

    def short(endpoint: Endpoint) -> str:
        labels = endpoint.labels
        for key in ("app.kubernetes.io/name", "app", "k8s-app", "name"):
            if labels.get(key):
                return labels[key]
        return endpoint.ref.name if endpoint.ref is not None else ""

    parts = [prefix, short(subject)]
    if other.is_pod:
        parts.append(short(other))
    text = _UNSAFE.sub("-", "-".join(p for p in parts if p).lower()).strip("-")
    text = re.sub(r"-+", "-", text)[:DNS1123_LABEL_MAX].strip("-")
    return text if is_dns1123_subdomain(text) else prefix
