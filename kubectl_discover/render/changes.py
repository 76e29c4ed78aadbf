"""``--watch``: what changed between two reports of the same subject, as a few lines.

Rows are matched by the key of their expectation (``key`` in the document, the same key
the report joins probe rows by); findings by id, subject and message. Returns a string;
only the CLI writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_discover.render.escape import escape_document
from kubectl_discover.render.style import PLAIN, Style

Doc = Mapping[str, Any]
_SECTIONS = (
    ("endpoints", "endpoint"),
    ("dnsNames", "query"),
    ("routes", "path"),
    ("networkPolicies", "hop"),
)


def _rows(doc: Doc) -> dict[str, Mapping[str, Any]]:
    return {
        str(item.get("key") or f"{section} {item.get(label)}"): item
        for section, label in _SECTIONS
        for item in doc.get(section) or []
    }


def _label(item: Mapping[str, Any]) -> str:
    if "query" in item:
        return f"{item['query']} {item.get('type', '')}".strip()
    if "endpoint" in item:
        return str(item["endpoint"])
    if "hop" in item:
        return (
            f"NetworkPolicy {item['hop']} {item.get('direction')} {item.get('protocol')}/"
            f"{item.get('port')} ({item.get('outcome')})"
        )
    return f"{item.get('host') or '*'}{item.get('path') or '/'}"


def _findings(doc: Doc) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    return {(f["id"], f["subject"], f["message"]): f for f in doc.get("findings") or []}


def format_changes(before: Doc, after: Doc, when: str, *, style: Style = PLAIN) -> str:
    """One line with the time and the verdict, then one line per changed row or finding."""
    before, after = escape_document(before), escape_document(after)
    verdict = str(after.get("verdict", "ok"))
    old_verdict = str(before.get("verdict", "ok"))
    lines: list[str] = []
    old_rows, new_rows = _rows(before), _rows(after)
    for key, row in new_rows.items():
        old = old_rows.get(key)
        if old is None:
            lines.append(
                f"  {style.mark(row['verdict'])} new: {_label(row)}: {row.get('observed')}"
            )
        elif (old.get("verdict"), old.get("observed")) != (row.get("verdict"), row.get("observed")):
            lines.append(
                f"  {style.mark(row['verdict'])} {_label(row)}: {old.get('observed')} -> "
                f"{row.get('observed')}"
            )
    lines += [f"  - gone: {_label(row)}" for k, row in old_rows.items() if k not in new_rows]
    old_findings, new_findings = _findings(before), _findings(after)
    for ident, finding in new_findings.items():
        if ident not in old_findings and finding["severity"] in ("warn", "fail"):
            lines.append(f"  {style.mark(finding['severity'])} new finding {ident[0]}: {ident[2]}")
    for ident, finding in old_findings.items():
        if ident not in new_findings and finding["severity"] in ("warn", "fail"):
            lines.append(f"  {style.mark('ok')} resolved {ident[0]}: {ident[2]}")
    if verdict != old_verdict:
        head = f"{when}  verdict {old_verdict.upper()} -> {style.paint(verdict, verdict.upper())}"
    elif lines:
        head = f"{when}  verdict {style.paint(verdict, verdict.upper())}"
    else:
        head = f"{when}  no change (verdict {style.paint(verdict, verdict.upper())})"
    return "\n".join([head, *lines]) + "\n"
