"""The values the NetworkPolicy engine reads and returns.

An :class:`Endpoint` is one end of a connection as policies see it: a pod (its
namespace, the namespace's labels, its labels, IPs and container ports), a
host-network pod or a node address (a NodeLocal DNS cache), or an address outside
the cluster. Verdicts are frozen values naming the policies and rules that decide,
built by :mod:`kubectl_discover.analyze.netpol.evaluate`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from kubectl_discover.analyze.model import ContainerPort
from kubectl_discover.analyze.netpol.selector import NAMESPACE_NAME_LABEL
from kubectl_discover.refs import ObjectRef

PROTOCOLS = ("TCP", "UDP", "SCTP")


class Direction(enum.Enum):
    """The ``policyTypes`` value a direction corresponds to."""

    INGRESS = "Ingress"
    EGRESS = "Egress"

    @property
    def field(self) -> str:
        return "ingress" if self is Direction.INGRESS else "egress"

    @property
    def peers_field(self) -> str:
        return "from" if self is Direction.INGRESS else "to"


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


class EndpointKind(enum.Enum):
    POD = "pod"
    """A pod on the pod network."""
    HOST = "host"
    """A host-network pod, or an address of a node (a NodeLocal DNS cache)."""
    EXTERNAL = "external"
    """An address outside the cluster (ExternalName target, external backend)."""


@dataclass(frozen=True)
class Endpoint:
    """One end of a connection, parsed once from a Pod (or given as an address).

    ``namespace_labels`` None means the Namespace object was not read: only its
    ``kubernetes.io/metadata.name`` label is then certain. ``ports_known`` False means
    the container ports were not read (a named port then cannot be resolved).
    """

    kind: EndpointKind
    ips: tuple[str, ...]
    ref: ObjectRef | None = None
    namespace: str = ""
    namespace_labels: Mapping[str, str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    ports_known: bool = True
    node: str = ""
    node_labels: Mapping[str, str] | None = None

    @property
    def is_pod(self) -> bool:
        return self.ref is not None and self.ref.kind == "Pod"

    def effective_namespace_labels(self) -> tuple[Mapping[str, str], frozenset[str] | None]:
        """The namespace labels and which keys are certain (None: all of them)."""
        if self.namespace_labels is not None:
            labels = dict(self.namespace_labels)
            labels.setdefault(NAMESPACE_NAME_LABEL, self.namespace)
            return labels, None
        return {NAMESPACE_NAME_LABEL: self.namespace}, frozenset((NAMESPACE_NAME_LABEL,))

    def describe(self) -> str:
        where = f" ({', '.join(self.ips)})" if self.ips else ""
        if self.ref is not None:
            prefix = "host-network " if self.kind is EndpointKind.HOST and self.is_pod else ""
            return f"{prefix}{self.ref}{where}"
        if self.kind is EndpointKind.HOST:
            return f"node address {', '.join(self.ips) or '?'}"
        return f"external address {', '.join(self.ips) or '?'}"


@dataclass(frozen=True)
class RuleRef:
    """A rule of a policy: ``spec.<direction>[index]`` (ANP/BANP rules also by name)."""

    policy: ObjectRef
    direction: Direction
    index: int
    name: str = ""
    action: str = "Allow"

    @property
    def path(self) -> str:
        return f"spec.{self.direction.field}[{self.index}]"

    def __str__(self) -> str:
        named = f" ({self.name!r})" if self.name else ""
        return f"{self.policy} {self.path}{named}"


class Tier(enum.Enum):
    """Which layer of the documented precedence decided a direction."""

    EXEMPT = "exempt"
    """Not subject to policy: not a pod, a pod to itself, ingress from its own node."""
    ADMIN = "AdminNetworkPolicy"
    NETWORK_POLICY = "NetworkPolicy"
    BASELINE = "BaselineAdminNetworkPolicy"
    DEFAULT = "default"
    """Nothing selects the pod for this direction: allowed."""


@dataclass(frozen=True)
class DirectionVerdict:
    """Egress at the source or ingress at the destination, and what decided it."""

    direction: Direction
    outcome: Outcome
    subject: Endpoint
    """The endpoint whose policies apply (source for egress, destination for ingress)."""
    tier: Tier
    why: str
    isolating: tuple[ObjectRef, ...] = ()
    """NetworkPolicies that select the subject and have this direction in policyTypes."""
    rule: RuleRef | None = None
    """The rule that allows (or, for an admin policy, denies or passes)."""
    reasons: tuple[str, ...] = ()
    """Why the outcome is unknown, when it is."""
    policy_outcome: Outcome | None = None
    """What the policies evaluated here say, when other engines make the outcome unknown."""


@dataclass(frozen=True)
class ConnectionVerdict:
    """One connection ``src -> dst:port/protocol``: both directions must allow it."""

    src: Endpoint
    dst: Endpoint
    port: int
    protocol: str
    egress: DirectionVerdict
    ingress: DirectionVerdict

    @property
    def outcome(self) -> Outcome:
        outcomes = (self.egress.outcome, self.ingress.outcome)
        if Outcome.DENIED in outcomes:
            return Outcome.DENIED
        if Outcome.UNKNOWN in outcomes:
            return Outcome.UNKNOWN
        return Outcome.ALLOWED

    def describe(self) -> str:
        return f"{self.src.describe()} -> {self.dst.describe()} {self.protocol} {self.port}"
