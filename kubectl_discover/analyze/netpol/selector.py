"""``metav1.LabelSelector`` parsed once into a typed value, and matched three-valued.

analyze/selectors.py matches raw selector dicts and skips operators it does not
know; a NetworkPolicy verdict needs more: a malformed selector (an unknown operator,
``In`` without values, a non-string label value) must not match silently, and a
selector over namespace labels we could not read must answer "cannot tell". The
semantics are the API's: every ``matchLabels`` pair and every ``matchExpressions``
requirement must hold (AND); ``In``/``NotIn`` need at least one value and
``Exists``/``DoesNotExist`` none; ``NotIn`` and ``DoesNotExist`` hold when the key
is absent; an empty selector matches everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.netpol import tri
from kubectl_discover.analyze.netpol.tri import Match

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by the control plane on every Namespace to its name (immutable)."""

MAX_REQUIREMENTS = 1000
"""More requirements than this make the selector malformed (bounded work)."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str]

    def holds(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist


@dataclass(frozen=True)
class Selector:
    """A parsed label selector; ``problem`` is set (and nothing matches for sure) when
    the API server would have rejected it."""

    requirements: tuple[Requirement, ...] = ()
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.requirements and not self.problem

    def match(self, labels: Mapping[str, str], *, known: frozenset[str] | None = None) -> Match:
        """Does the selector match ``labels``?

        ``known`` None means ``labels`` is complete. Otherwise only the keys in
        ``known`` are certain and a requirement on any other key cannot be decided.
        """
        if self.problem:
            return tri.maybe(f"malformed selector: {self.problem}")
        results = []
        for requirement in self.requirements:
            if known is not None and requirement.key not in known:
                results.append(tri.maybe(f"label {requirement.key!r} unknown"))
            else:
                results.append(tri.of(requirement.holds(labels)))
        return tri.all_of(results)

    def to_dict(self) -> dict[str, object]:
        """The selector as the API writes it (``{}`` when empty), for fixes and messages."""
        labels: dict[str, str] = {}
        expressions: list[dict[str, object]] = []
        for r in self.requirements:
            if r.operator == "In" and len(r.values) == 1 and r.key not in labels:
                labels[r.key] = next(iter(r.values))
                continue
            expression: dict[str, object] = {"key": r.key, "operator": r.operator}
            if r.values:
                expression["values"] = sorted(r.values)
            expressions.append(expression)
        out: dict[str, object] = {}
        if labels:
            out["matchLabels"] = labels
        if expressions:
            out["matchExpressions"] = expressions
        return out


def parse_selector(raw: object) -> Selector:
    """Parse a LabelSelector as the API serialises it; never raises."""
    if not isinstance(raw, Mapping):
        return Selector(problem="not an object")
    requirements: list[Requirement] = []
    match_labels = raw.get("matchLabels")
    if match_labels is not None:
        if not isinstance(match_labels, Mapping):
            return Selector(problem="matchLabels is not a map")
        for key, value in match_labels.items():
            if not isinstance(key, str) or not isinstance(value, str):
                return Selector(problem=f"matchLabels {key!r}: {value!r} is not a string pair")
            requirements.append(Requirement(key, "In", frozenset((value,))))
    expressions = raw.get("matchExpressions")
    if expressions is not None:
        if not isinstance(expressions, list):
            return Selector(problem="matchExpressions is not a list")
        for expression in expressions:
            parsed = _requirement(expression)
            if isinstance(parsed, str):
                return Selector(problem=parsed)
            requirements.append(parsed)
    if len(requirements) > MAX_REQUIREMENTS:
        return Selector(problem=f"more than {MAX_REQUIREMENTS} requirements")
    return Selector(tuple(requirements))


def _requirement(raw: Any) -> Requirement | str:
    if not isinstance(raw, Mapping):
        return "a matchExpressions item is not an object"
    key, operator, values = raw.get("key"), raw.get("operator"), raw.get("values")
    if not isinstance(key, str) or not key:
        return "a matchExpressions item has no key"
    if operator not in OPERATORS:
        return f"operator {operator!r} of key {key!r} is not one of {', '.join(OPERATORS)}"
    if values is None:
        values = []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return f"values of key {key!r} are not a list of strings"
    if operator in ("In", "NotIn") and not values:
        return f"operator {operator} of key {key!r} needs at least one value"
    if operator in ("Exists", "DoesNotExist") and values:
        return f"operator {operator} of key {key!r} takes no values"
    return Requirement(key, str(operator), frozenset(values))
