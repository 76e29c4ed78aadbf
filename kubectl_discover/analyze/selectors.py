"""Label selector matching, for Service selectors (a plain map) and workload
``LabelSelector`` objects (matchLabels + matchExpressions). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def matches_map(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """A Service selector: every key present with the same value. Empty matches nothing
    here, because the controllers treat a Service with an empty selector as selectorless."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def matches_label_selector(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A ``metav1.LabelSelector``; an empty selector matches everything, nil nothing."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or ():
        key = expression.get("key", "")
        operator = expression.get("operator", "")
        values = {str(v) for v in expression.get("values") or ()}
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def service_selector(service: Mapping[str, Any]) -> dict[str, str]:
    selector = service.get("spec", {}).get("selector") or {}
    return {str(k): str(v) for k, v in selector.items()}
