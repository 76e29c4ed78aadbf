"""Predicted conditions against the ones a controller wrote.

A prediction is a status ("True"/"False") and the reasons the specification allows for it
here (several when more than one problem applies: a controller reports one of them). The
comparison is exact on the status and, when both sides are abnormal, on the reason, when
both reasons are ones the specification defines for that condition (godoc
RouteConditionReason, ListenerConditionReason in apis/v1): a reason this tool names itself
("KindConflict", "PortUnknown") is never held against a controller, nor an
implementation-specific reason a controller "may" use instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.gateway.listeners import ListenerProblem
from kubectl_discover.analyze.gateway.model import Condition

SPEC_REASONS: dict[tuple[str, str], frozenset[str]] = {
    ("Route", "Accepted"): frozenset(
        {
            "Accepted",
            "NotAllowedByListeners",
            "NoMatchingListenerHostname",
            "NoMatchingParent",
            "UnsupportedValue",
            "Pending",
            "IncompatibleFilters",
        }
    ),
    ("Route", "ResolvedRefs"): frozenset(
        {"ResolvedRefs", "RefNotPermitted", "InvalidKind", "BackendNotFound", "UnsupportedProtocol"}
    ),
    ("Listener", "Accepted"): frozenset(
        {
            "Accepted",
            "PortUnavailable",
            "UnsupportedProtocol",
            "Pending",
            "NoValidCACertificate",
            "UnsupportedValue",
        }
    ),
    ("Listener", "ResolvedRefs"): frozenset(
        {
            "ResolvedRefs",
            "InvalidCertificateRef",
            "InvalidRouteKinds",
            "RefNotPermitted",
            "InvalidCACertificateRef",
            "InvalidCACertificateKind",
        }
    ),
    ("Listener", "Conflicted"): frozenset({"HostnameConflict", "ProtocolConflict", "NoConflicts"}),
}
"""The reasons the specification defines, per (object, condition type)."""

_NORMAL = {"Accepted": "True", "ResolvedRefs": "True", "Programmed": "True", "Conflicted": "False"}
_NORMAL_REASON = {
    "Accepted": "Accepted",
    "ResolvedRefs": "ResolvedRefs",
    "Conflicted": "NoConflicts",
}


@dataclass(frozen=True)
class Prediction:
    """One condition as the specification predicts it from the objects."""

    object: str
    """"Route" or "Listener"."""
    type: str
    status: str
    reasons: tuple[str, ...]
    """The reasons that fit (any one is right); empty when none can be named."""

    def describe(self) -> str:
        return f"{self.status} ({' or '.join(self.reasons)})" if self.reasons else self.status


def disagreement(predicted: Prediction, observed: Condition | None) -> str | None:
    """Why ``observed`` contradicts ``predicted``, or None (also when nothing was written)."""
    if observed is None:
        return None
    written = f"{observed.type} is {observed.status}" + (
        f" ({observed.reason})" if observed.reason else ""
    )
    expected = f"the specification predicts {predicted.describe()}"
    if observed.status != predicted.status:
        return f"{written}, {expected}"
    if observed.status == _NORMAL.get(predicted.type):
        return None
    spec = SPEC_REASONS.get((predicted.object, predicted.type), frozenset())
    named = [r for r in predicted.reasons if r in spec]
    if named and observed.reason in spec and observed.reason not in named:
        return f"{written}, {expected}"
    return None


def condition(conditions: tuple[Condition, ...], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def listener_predictions(problems: tuple[ListenerProblem, ...]) -> tuple[Prediction, ...]:
    """Accepted, ResolvedRefs and Conflicted of one listener from its problems (godoc
    ListenerConditionType). Accepted is not predicted for a conflicted listener (the
    specification leaves it open), ResolvedRefs not when a ReferenceGrant could not be read."""

    def reasons(condition_type: str) -> tuple[str, ...]:
        return tuple(
            sorted(
                {
                    p.reason
                    for p in problems
                    if p.condition == condition_type and p.reason != _NORMAL_REASON[condition_type]
                }
            )
        )

    found: list[Prediction] = []
    conflicted = reasons("Conflicted")
    found.append(
        Prediction("Listener", "Conflicted", "True", conflicted)
        if conflicted
        else Prediction("Listener", "Conflicted", "False", ())
    )
    accepted = reasons("Accepted")
    if not conflicted:
        found.append(
            Prediction("Listener", "Accepted", "False", accepted)
            if accepted
            else Prediction("Listener", "Accepted", "True", ("Accepted",))
        )
    if not any(p.code == "tls-ref-grant-unknown" for p in problems):
        refs = reasons("ResolvedRefs")
        found.append(
            Prediction("Listener", "ResolvedRefs", "False", refs)
            if refs
            else Prediction("Listener", "ResolvedRefs", "True", ("ResolvedRefs",))
        )
    return tuple(found)
