"""Three-valued matching: yes, no, or "cannot tell" with the reason why.

A NetworkPolicy verdict must never be a false "allowed" or a false "denied". Where
the specification leaves the behaviour to the implementation (``ipBlock`` against
pod IPs, host-network pods) or the input is incomplete (unknown namespace labels,
a malformed field), matching answers :attr:`Tri.MAYBE` and says why; the
evaluator in :mod:`kubectl_discover.analyze.netpol.evaluate` turns that into an
"unknown" verdict instead of guessing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Tri(enum.Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


@dataclass(frozen=True)
class Match:
    """The answer of one match, with the reason when it is ``MAYBE``."""

    value: Tri
    reason: str = ""

    @property
    def yes(self) -> bool:
        return self.value is Tri.YES

    @property
    def no(self) -> bool:
        return self.value is Tri.NO


YES = Match(Tri.YES)
NO = Match(Tri.NO)


def maybe(reason: str) -> Match:
    return Match(Tri.MAYBE, reason)


def of(value: bool) -> Match:
    return YES if value else NO


def all_of(matches: Iterable[Match]) -> Match:
    """Logical AND: any NO is NO; otherwise any MAYBE is MAYBE (first reason kept)."""
    pending: Match | None = None
    for match in matches:
        if match.no:
            return NO
        if match.value is Tri.MAYBE and pending is None:
            pending = match
    return pending or YES


def any_of(matches: Iterable[Match]) -> Match:
    """Logical OR: any YES is YES; otherwise any MAYBE is MAYBE (first reason kept)."""
    pending: Match | None = None
    for match in matches:
        if match.yes:
            return YES
        if match.value is Tri.MAYBE and pending is None:
            pending = match
    return pending or NO
