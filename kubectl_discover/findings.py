"""Findings and the check catalogue they come from.

A :class:`Check` is declared once, next to the analysis code that raises it, in a
module-level ``CHECKS`` tuple. :mod:`kubectl_discover.catalogue` gathers every
tuple; docs/checks.md is generated from it. A :class:`Finding` always carries the
:class:`Check` object itself, so codes are never parsed back out of text.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kubectl_discover.refs import ObjectRef


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``max()`` gives the worst."""

    OK = 0
    INFO = 1
    WARN = 2
    FAIL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Verdict(enum.Enum):
    """The verdict of a whole report: the worst finding, with ``info`` counted as ``ok``."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"

    @classmethod
    def of(cls, severities: Iterable[Severity]) -> Verdict:
        worst = max(severities, default=Severity.OK)
        if worst >= Severity.FAIL:
            return cls.FAIL
        if worst >= Severity.WARN:
            return cls.WARN
        return cls.OK


@dataclass(frozen=True)
class Check:
    """One entry of the catalogue: a stable kebab-case id and what it means."""

    id: str
    severity: Severity
    title: str
    meaning: str
    fix: str
    area: str = "service"

    def __call__(
        self,
        subject: ObjectRef,
        message: str,
        hint: str = "",
        *,
        severity: Severity | None = None,
        evidence: Iterable[tuple[str, str]] = (),
    ) -> Finding:
        """Raise this check as a finding about ``subject``."""
        return Finding(
            check=self,
            severity=self.severity if severity is None else severity,
            subject=subject,
            message=message,
            hint=hint or self.fix,
            evidence=tuple(evidence),
        )


@dataclass(frozen=True)
class Finding:
    """One thing the analysis found, with the concrete fix in ``hint``."""

    check: Check
    severity: Severity
    subject: ObjectRef
    message: str
    hint: str
    evidence: tuple[tuple[str, str], ...] = field(default=())

    @property
    def id(self) -> str:
        return self.check.id


def area_checks(area: str) -> Callable[[str, Severity, str, str, str], Check]:
    """The ``Check`` constructor of one area of the catalogue (docs/checks.md groups by
    area): ``_check = area_checks("ingress")``, then ``_check(id, severity, title, meaning,
    fix)``."""

    def make(id_: str, severity: Severity, title: str, meaning: str, fix: str) -> Check:
        return Check(id_, severity, title, meaning, fix, area=area)

    return make


def worst_first(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings sorted worst first, stable within a severity."""
    return tuple(sorted(findings, key=lambda f: -int(f.severity)))
