"""Tolerant access to raw API objects: a malformed field (offline files) reads as absent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_discover.snapshot import Obj

# ---------------------------------------------------------------- raw access


def as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, (list, tuple)) else ()


def as_str(value: Any, default: str = "") -> str:
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def opt_str(mapping: Mapping[str, Any], key: str, default: str) -> str:
    """``mapping[key]`` as the API defaults it: absent or null takes ``default``; an
    explicit empty string stays empty (the API keeps ``group: ""``)."""
    if key not in mapping or mapping[key] is None:
        return default
    return as_str(mapping[key])


def meta_of(obj: Obj) -> Mapping[str, Any]:
    return as_dict(obj.get("metadata"))


def created_of(obj: Obj) -> str:
    return as_str(meta_of(obj).get("creationTimestamp"))


def generation_of(obj: Obj) -> int | None:
    return as_int(meta_of(obj).get("generation"))
