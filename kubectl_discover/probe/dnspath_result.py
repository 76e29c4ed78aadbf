"""Frozen views of what the probe saw along the DNS path (the program's ``dns_path``).

Parsed once here from the program's JSON (:func:`DnsPathResult.from_json`); the latency
distribution of ``--repeat`` is computed here too, so explain and the report read values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PAIR_TYPES = ("A", "AAAA")


@dataclass(frozen=True)
class PairAnswer:
    """One of the two answers of a UDP pair."""

    rcode: str
    data: tuple[str, ...]
    time_ms: float
    after_resend: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PairAnswer:
        return cls(
            rcode=str(data.get("rcode") or ""),
            data=tuple(sorted(str(d) for d in data.get("data") or ())),
            time_ms=float(data.get("time_ms") or 0.0),
            after_resend=bool(data.get("after_resend", False)),
        )


@dataclass(frozen=True)
class PairObservation:
    """A and AAAA of one name sent together over one UDP socket."""

    name: str
    answers: Mapping[str, PairAnswer]
    lost: tuple[str, ...]
    time_ms: float
    error: str | None = None

    @property
    def answered(self) -> bool:
        return bool(self.answers)

    @property
    def stalled(self) -> bool:
        """An answer came only after the resend: what a glibc client waits its 5 s for."""
        return any(a.after_resend for a in self.answers.values())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PairObservation:
        answers = data.get("answers") or {}
        return cls(
            name=str(data.get("name", "")),
            answers={str(k): PairAnswer.from_json(v) for k, v in answers.items()},
            lost=tuple(str(q) for q in data.get("lost") or ()),
            time_ms=float(data.get("time_ms") or 0.0),
            error=data.get("error") or None,
        )


@dataclass(frozen=True)
class TcpObservation:
    name: str
    qtype: str
    rcode: str | None
    data: tuple[str, ...]
    time_ms: float
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.rcode is not None and not self.error

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TcpObservation:
        rcode = data.get("rcode")
        return cls(
            name=str(data.get("name", "")),
            qtype=str(data.get("qtype", "A")),
            rcode=None if rcode is None else str(rcode),
            data=tuple(sorted(str(d) for d in data.get("data") or ())),
            time_ms=float(data.get("time_ms") or 0.0),
            error=data.get("error") or None,
        )


@dataclass(frozen=True)
class Latency:
    """The distribution of the UDP pairs asked at one hop (``--repeat``)."""

    pairs: int
    answered: int
    p50_ms: float | None
    p90_ms: float | None
    max_ms: float | None
    lost_one: int
    """Pairs where exactly one of A/AAAA never came: the conntrack race's pattern."""
    lost_both: int
    after_resend: int
    """Pairs answered only after the resend (a glibc client stalls its timeout, 5 s)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "answered": self.answered,
            "p50Ms": self.p50_ms,
            "p90Ms": self.p90_ms,
            "maxMs": self.max_ms,
            "lostOne": self.lost_one,
            "lostBoth": self.lost_both,
            "answeredAfterResend": self.after_resend,
        }


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency(pairs: Sequence[PairObservation]) -> Latency:
    """Latency of the pairs where both answers came (a lost one has no latency)."""
    times = [p.time_ms for p in pairs if not p.lost]
    return Latency(
        pairs=len(pairs),
        answered=len(times),
        p50_ms=percentile(times, 0.5),
        p90_ms=percentile(times, 0.9),
        max_ms=max(times) if times else None,
        lost_one=sum(1 for p in pairs if len(p.lost) == 1),
        lost_both=sum(1 for p in pairs if len(p.lost) >= 2),
        after_resend=sum(1 for p in pairs if p.stalled),
    )


@dataclass(frozen=True)
class HopObservation:
    """Everything one hop answered."""

    key: str
    role: str
    address: str
    pod: str = ""
    node: str = ""
    resolver: bool = False
    """The probe pod's resolv.conf names this address."""
    udp: tuple[PairObservation, ...] = ()
    tcp: tuple[TcpObservation, ...] = ()
    repeat: tuple[PairObservation, ...] = ()
    unfinished: int = 0
    note: str = ""

    @property
    def pairs(self) -> tuple[PairObservation, ...]:
        return self.udp + self.repeat

    def first_pair(self, name: str) -> PairObservation | None:
        return next((p for p in self.udp if p.name == name), None)

    def first_tcp(self, name: str) -> TcpObservation | None:
        return next((t for t in self.tcp if t.name == name), None)

    @property
    def udp_answers(self) -> bool:
        return any(p.answered for p in self.pairs)

    @property
    def tcp_answers(self) -> bool:
        return any(t.answered for t in self.tcp)

    def latency(self) -> Latency:
        return latency(self.pairs)

    def describe(self) -> str:
        """``replica kube-system/coredns-2 10.244.0.7 on kd-node-1``."""
        parts = [self.role]
        if self.pod:
            parts.append(self.pod)
        parts.append(self.address)
        if self.node:
            parts.append(f"on {self.node}")
        return " ".join(parts)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HopObservation:
        return cls(
            key=str(data.get("key", "")),
            role=str(data.get("role", "")),
            address=str(data.get("address", "")),
            pod=str(data.get("pod") or ""),
            node=str(data.get("node") or ""),
            resolver=bool(data.get("resolver", False)),
            udp=tuple(PairObservation.from_json(p) for p in data.get("udp") or ()),
            tcp=tuple(TcpObservation.from_json(t) for t in data.get("tcp") or ()),
            repeat=tuple(PairObservation.from_json(p) for p in data.get("repeat") or ()),
            unfinished=int(data.get("unfinished") or 0),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class DnsPathResult:
    """The hops asked, the names, ``--repeat``, and why replicas are missing, if they are."""

    hops: tuple[HopObservation, ...]
    names: tuple[str, ...] = ()
    repeat: int = 1
    skipped: str = ""
    error: str | None = None

    def disagrees(self, name: str) -> bool:
        """Whether the hops gave ``name`` (absolute) different A answers or rcodes."""
        wanted = name.rstrip(".").lower() + "."
        seen = set()
        for hop in self.hops:
            pair = next((p for p in hop.udp if p.name.lower() == wanted), None)
            answer = pair.answers.get("A") if pair is not None else None
            if answer is not None:
                seen.add((answer.rcode, answer.data))
        return len(seen) > 1

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsPathResult:
        return cls(
            hops=tuple(HopObservation.from_json(h) for h in data.get("hops") or ()),
            names=tuple(str(n) for n in data.get("names") or ()),
            repeat=int(data.get("repeat") or 1),
            skipped=str(data.get("skipped") or ""),
            error=data.get("error") or None,
        )
