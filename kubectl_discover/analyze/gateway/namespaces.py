"""Which namespaces a Gateway admits Routes or ListenerSets from (``from: All/Same/Selector``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.gateway.model import (
    FROM_ALL,
    FROM_NONE,
    FROM_SAME,
    FROM_SELECTOR,
    NamespacePolicy,
)
from kubectl_discover.analyze.selectors import matches_label_selector

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


# ---------------------------------------------------------------- namespaces


@dataclass(frozen=True)
class NamespaceDecision:
    allowed: bool | None
    """True, False, or None when the namespace's labels are unknown."""
    why: str


def namespace_allowed(
    policy: NamespacePolicy,
    owner_namespace: str,
    namespace: str,
    labels: Mapping[str, Mapping[str, str]] | None,
    *,
    what: str = "Routes",
) -> NamespaceDecision:
    """Whether ``policy`` (``from`` All/Same/Selector/None) admits ``namespace``.

    ``labels`` maps namespace -> labels; None (or a namespace missing from it) means
    unknown, except that the API server sets ``kubernetes.io/metadata.name`` on every
    namespace, so a selector on that label alone is always decidable.
    """
    if policy.from_ == FROM_ALL:
        return NamespaceDecision(True, f"{what} from all namespaces are allowed")
    if policy.from_ == FROM_SAME:
        if namespace == owner_namespace:
            return NamespaceDecision(True, f"same namespace {owner_namespace}")
        return NamespaceDecision(
            False,
            f"from: Same admits {what} in {owner_namespace} only, not in {namespace}",
        )
    if policy.from_ == FROM_NONE:
        return NamespaceDecision(False, f"from: None admits no {what}")
    if policy.from_ == FROM_SELECTOR:
        selector = policy.selector
        if selector is None:
            return NamespaceDecision(
                False, "from: Selector without a selector selects no namespace"
            )
        shown = describe_selector(selector)
        known = None if labels is None else labels.get(namespace)
        if known is None:
            keys = {str(k) for k in (selector.get("matchLabels") or {})} | {
                str(e.get("key", "")) for e in selector.get("matchExpressions") or ()
            }
            if keys <= {NAMESPACE_NAME_LABEL}:
                known = {}
            else:
                return NamespaceDecision(
                    None,
                    f"from: Selector ({shown}) needs the labels of namespace {namespace}, "
                    "which are unknown",
                )
        full = {**known, NAMESPACE_NAME_LABEL: namespace}
        if matches_label_selector(selector, full):
            return NamespaceDecision(True, f"namespace {namespace} matches selector {shown}")
        return NamespaceDecision(
            False, f"namespace {namespace} does not match from: Selector ({shown})"
        )
    return NamespaceDecision(False, f"from: {policy.from_!r} is not All, Same or Selector")


def describe_selector(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or ():
        values = ",".join(str(v) for v in expression.get("values") or ())
        parts.append(f"{expression.get('key')} {expression.get('operator')} ({values})")
    return ", ".join(parts) or "empty selector: every namespace"
