"""Small readers shared by the plugin views: integers, durations, fallthrough zones.

CoreDNS plugins read integers with Go's ``strconv.Atoi`` and durations with
``time.ParseDuration``; these helpers accept exactly those forms and say ``None``
otherwise, so a view can report the line instead of guessing a value.
"""

from __future__ import annotations

import re

from kubectl_discover.analyze.corefile.model import Directive
from kubectl_discover.analyze.corefile.zones import normalize_zones

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
}  # fmt: skip


def atoi(text: str) -> int | None:
    """Go's strconv.Atoi (optional sign, decimal digits), or None."""
    return int(text) if _INT.fullmatch(text) else None


def duration(text: str) -> float | None:
    """Go's time.ParseDuration in seconds (``1h30m``, ``500ms``, ``0``), or None."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    if not body:
        return None
    total, pos = 0.0, 0
    for match in _DURATION.finditer(body):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return sign * total if pos == len(body) and pos else None


def fallthrough_zones(option: Directive | None) -> tuple[str, ...] | None:
    """The zones a ``fallthrough [ZONES...]`` line covers (``.`` when bare); None if absent."""
    if option is None:
        return None
    return normalize_zones(option.args) if option.args else (".",)
