"""``-o tree``: the chain from an Ingress rule through the Service port and EndpointSlices
down to pods, each link ok or broken with its short why. The first broken link is
highlighted (marked ``<-- first break``) so the view reads without colour."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_discover.render.escape import escape_document
from kubectl_discover.render.style import PLAIN, Style
from kubectl_discover.render.table import format_header


def _verdict(link: Mapping[str, Any]) -> str:
    ok = link.get("ok")
    return "unknown" if ok is None else ("ok" if ok else "fail")


def _lines(
    links: Sequence[Mapping[str, Any]], prefix: str, style: Style, state: dict[str, bool]
) -> list[str]:
    out: list[str] = []
    for i, link in enumerate(links):
        last = i == len(links) - 1
        branch = "└── " if last else "├── "
        verdict = _verdict(link)
        text = f"{style.mark(verdict)} {link['label']}"
        if link.get("why"):
            text += f"  ({link['why']})"
        if verdict == "fail" and not state["marked"]:
            state["marked"] = True
            text = style.paint("fail", text + "  <-- first break")
        out.append(prefix + branch + text)
        out += _lines(
            link.get("children") or [], prefix + ("    " if last else "│   "), style, state
        )
    return out


def format_tree(doc: Mapping[str, Any], *, style: Style = PLAIN) -> str:
    """The chain view; control characters from object content are shown escaped."""
    doc = escape_document(doc)
    chain = doc.get("chain") or []
    body = _lines(chain, "", style, {"marked": False}) if chain else ["(nothing to chain)"]
    return format_header(doc, style) + "\n\n" + "\n".join(body) + "\n"
