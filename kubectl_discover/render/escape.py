"""Object content never reaches the terminal raw.

Annotations, selectors, status messages, certificate fields and file names come from
objects anyone with write access to a namespace may have written. In ``table``,
``wide`` and ``tree`` every control character in them is shown escaped (``\\x1b``,
``\\r``), as kubectl does since its fix for terminal escape injection (CVE-2021-25743);
only line feeds stay, since multi-line cells are laid out by the table. ``json`` and
``yaml`` escape control characters themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\r": "\\r"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def escape_terminal(text: str) -> str:
    """``text`` with every C0/C1 control character but the line feed made visible."""
    return _CONTROL.sub(_escape_one, text)


def escape_document(value: Any) -> Any:
    """A report document with every string (keys too) passed through :func:`escape_terminal`."""
    if isinstance(value, str):
        return escape_terminal(value)
    if isinstance(value, Mapping):
        return {escape_terminal(str(k)): escape_document(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_document(v) for v in value]
    return value
