"""Listener nodes: one listener of a Gateway's merged list, its problems, and the conflicts
between listeners (the spec's Conflicted condition)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.grants import Decision, Reference
from kubectl_discover.analyze.gateway.model import (
    HTTP,
    HTTPS,
    TCP,
    TLS,
    UDP,
    Condition,
    GroupKind,
    Listener,
    condition,
)
from kubectl_discover.refs import ObjectRef

ListenerKey = tuple[ObjectRef, str]
"""(the Gateway or ListenerSet that declares the listener, the listener name)."""


# ---------------------------------------------------------------- listeners


@dataclass(frozen=True)
class ListenerProblem:
    """Something that makes a listener (partly) unusable, as a controller would report it.

    ``condition``/``reason`` are the listener condition the spec prescribes
    ("ResolvedRefs"/"RefNotPermitted", "Conflicted"/"HostnameConflict", ...); ``code``
    is this tool's finer name for it (it picks the check).
    """

    code: str
    condition: str
    reason: str
    message: str
    fix: str
    blocking: bool
    """True when the listener serves no traffic because of it."""
    api_rejects: bool = False
    """True when the API server rejects the object outright (offline files only)."""
    reference: Reference | None = None
    decision: Decision | None = None
    secret: tuple[str, str] | None = None
    """(namespace, name) of the certificate Secret concerned."""


@dataclass(frozen=True)
class ListenerNode:
    listener: Listener
    gateway: ObjectRef
    order: int
    """Position in the Gateway's merged listener list (precedence order)."""
    supported_kinds: tuple[GroupKind, ...]
    problems: tuple[ListenerProblem, ...]
    conflicted_with: tuple[ListenerKey, ...] = ()

    @property
    def key(self) -> ListenerKey:
        return self.listener.key

    @property
    def accepted(self) -> bool:
        """Predicted to carry traffic (no blocking problem)."""
        return not any(p.blocking for p in self.problems)

    @property
    def conflicted(self) -> bool:
        return any(p.condition == "Conflicted" for p in self.problems)

    def label(self) -> str:
        return self.listener.label()

    def blocking_why(self) -> str:
        return "; ".join(p.message for p in self.problems if p.blocking)


def _protocol_family(protocol: str) -> str:
    if protocol == HTTP:
        return "http"
    if protocol in (HTTPS, TLS):
        return "tls"
    if protocol == UDP:
        return "udp"
    if protocol == TCP:
        return "tcp"
    return f"custom:{protocol}"


def resolve_conflicts(nodes: list[ListenerNode], own: set[ListenerKey]) -> list[ListenerNode]:
    """Conflicted and OverlappingTLSConfig problems over the merged listener list.

    Among the Gateway's own listeners every indistinct listener is conflicted (none
    wins); a ListenerSet listener conflicting with an earlier one (the Gateway's, or an
    older ListenerSet's) is conflicted and the earlier one keeps working.
    """
    added: dict[ListenerKey, list[ListenerProblem]] = defaultdict(list)
    partners: dict[ListenerKey, list[ListenerKey]] = defaultdict(list)
    for i, a in enumerate(nodes):
        la = a.listener
        if la.port is None:
            continue
        for b in nodes[i + 1 :]:
            lb = b.listener
            if lb.port != la.port:
                continue
            fa, fb = _protocol_family(la.protocol), _protocol_family(lb.protocol)
            if "udp" in (fa, fb) and fa != fb:
                continue  # UDP and TCP listeners on one port are distinct
            reason = ""
            if fa != fb:
                reason = "ProtocolConflict"
                why = (
                    f"{lb.label()} uses port {lb.port} with protocol {lb.protocol}, which "
                    f"{la.label()} uses with protocol {la.protocol}"
                )
            elif fa in ("http", "tls") and la.hostname == lb.hostname:
                reason = "HostnameConflict"
                why = (
                    f"{lb.label()} and {la.label()} both take port {lb.port} "
                    f"{lb.protocol} for {la.hostname or 'any host'}"
                )
            elif fa in ("tcp", "udp") or fa.startswith("custom:"):
                reason = "ProtocolConflict"
                why = f"{lb.label()} and {la.label()} both take {lb.protocol} port {lb.port}"
            if reason:
                both_own = a.key in own and b.key in own
                losers = (a, b) if both_own else (b,)
                for loser in losers:
                    other = a if loser is b else b
                    added[loser.key].append(
                        ListenerProblem(
                            "conflicted",
                            "Conflicted",
                            reason,
                            why
                            + (
                                "; indistinct listeners of one Gateway are all rejected"
                                if both_own
                                else f"; {other.listener.owner} comes first, so this listener "
                                "is rejected"
                            ),
                            f"Give {loser.listener.owner} {loser.listener.field} another port or "
                            "hostname.",
                            True,
                        )
                    )
                    partners[loser.key].append(other.key)
                continue
            if (
                fa == "tls"
                and la.hostname != lb.hostname
                and hostnames.overlap(la.hostname, lb.hostname)
            ):
                for node, other in ((a, b), (b, a)):
                    added[node.key].append(
                        ListenerProblem(
                            "overlapping-tls",
                            "OverlappingTLSConfig",
                            "OverlappingHostnames",
                            f"{node.label()} and {other.label()} share port {la.port} with "
                            "overlapping hostnames; clients that reuse one HTTP/2 connection "
                            "for both names (connection coalescing) can reach the wrong "
                            "listener's routes or certificate",
                            "Use hostnames that do not overlap on one port, or accept the "
                            "coalescing risk.",
                            False,
                        )
                    )
    return [
        replace(
            n,
            problems=(*n.problems, *added.get(n.key, ())),
            conflicted_with=tuple(partners.get(n.key, ())),
        )
        for n in nodes
    ]


def listener_condition(node: ListenerNode, type_: str) -> Condition | None:
    """The condition of ``type_`` the controller wrote for this listener, if any."""
    status = node.listener.status
    return None if status is None else condition(status.conditions, type_)
