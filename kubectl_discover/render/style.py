"""Verdict marks and optional ANSI colour. Colour is decided by the CLI (terminal,
``--no-color``, ``NO_COLOR``) and passed in; renderers never look at the environment."""

from __future__ import annotations

from dataclasses import dataclass

MARKS = {"ok": "✔", "info": "·", "warn": "!", "fail": "✖", "unknown": "?", "skipped": "-"}
_COLOURS = {"ok": "32", "info": "36", "warn": "33", "fail": "31", "unknown": "90"}


@dataclass(frozen=True)
class Style:
    color: bool = False

    def mark(self, verdict: str) -> str:
        return self.paint(verdict, MARKS.get(verdict, "?"))

    def paint(self, verdict: str, text: str) -> str:
        code = _COLOURS.get(verdict)
        if not self.color or code is None:
            return text
        return f"\033[{code}m{text}\033[0m"

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text


PLAIN = Style()
"""No colour: the default for every renderer."""
