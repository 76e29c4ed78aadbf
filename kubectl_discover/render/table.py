"""``-o table`` (default) and ``-o wide``: a header, then sections rendered with tabulate,
each row with a verdict mark and a one-line why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

from kubectl_discover.render.escape import escape_document
from kubectl_discover.render.style import PLAIN, Style

Doc = Mapping[str, Any]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int | None]
) -> str:
    return tabulate(
        [[_cell(c) for c in row] for row in rows],
        headers=list(headers),
        tablefmt="plain",
        maxcolwidths=list(widths),
        disable_numparse=True,
    )


def _why_width(width: int, used: int) -> int:
    return max(24, width - used)


def format_header(doc: Doc, style: Style) -> str:
    subject = doc.get("subject", {})
    where = "/".join(p for p in (subject.get("namespace"), subject.get("name")) if p)
    verdict = str(doc.get("verdict", "ok"))
    title = (
        f"{subject.get('kind', '')} {where}  {doc.get('kind', '')}  "
        f"verdict: {style.paint(verdict, verdict.upper())}"
    )
    facts = doc.get("facts") or {}
    lines = [style.bold(title)]
    lines += [f"  {key}: {value}" for key, value in facts.items()]
    if doc.get("source") and "source" not in facts:
        lines.append(f"  source: {doc['source']}")
    return "\n".join(lines)


def _section(title: str, body: str) -> str:
    return f"\n{title}\n{body}" if body else ""


def format_endpoints(doc: Doc, style: Style, width: int, wide: bool) -> str:
    items = doc.get("endpoints") or []
    if not items:
        return ""
    headers = ["", "KIND", "ENDPOINT", "TARGET", "OBSERVED", "WHY"]
    rows = [
        [
            style.mark(e["verdict"]),
            e["kind"],
            e["endpoint"],
            e.get("target"),
            e.get("observed"),
            e.get("why"),
        ]
        for e in items
    ]
    widths: list[int | None] = [None, None, 28, 30, 24, _why_width(width, 90)]
    return _section("ENDPOINTS", _table(headers, rows, widths))


def format_dns(doc: Doc, style: Style, width: int, wide: bool) -> str:
    items = doc.get("dnsNames") or []
    if not items:
        return ""
    headers = ["", "NAME", "TYPE", "EXPECTED", "OBSERVED", "WHY"]
    if wide:
        headers[2:2] = ["FORM", "FROM NS", "FQDN"]
    rows = []
    for d in items:
        row = [
            style.mark(d["verdict"]),
            d["query"],
            d["type"],
            d.get("expected"),
            d.get("observed"),
        ]
        if wide:
            row[2:2] = [d.get("form"), d.get("clientNamespace") or "-", d.get("fqdn")]
        rows.append([*row, d.get("why")])
    widths: list[int | None] = [None, 44, None, 28, 24, _why_width(width, 104)]
    if wide:
        widths[2:2] = [None, None, 52]
    return _section("DNS NAMES", _table(headers, rows, widths))


def format_routes(doc: Doc, style: Style, width: int, wide: bool) -> str:
    items = doc.get("routes") or []
    if not items:
        return ""
    gateway = any(r.get("kind", "Ingress") != "Ingress" for r in items)
    headers = ["", "ROUTE" if gateway else "INGRESS", "HOST", "PATH", "BACKEND", "ENDPOINTS"]
    headers += ["TLS", "WHY"]
    rows = [
        [
            style.mark(r["verdict"]),
            r.get("source") if gateway else r.get("ingress"),
            r.get("host") or "*",
            _route_path(r),
            _route_backend(r),
            r.get("readyEndpoints"),
            r.get("tls"),
            r.get("why"),
        ]
        for r in items
    ]
    widths: list[int | None] = [None, 24, 28, 24, 24, None, 16, _why_width(width, 130)]
    return _section("ROUTES" if gateway else "INGRESS ROUTES", _table(headers, rows, widths))


def _route_path(route: Doc) -> str:
    if route.get("kind", "Ingress") != "Ingress":
        return str(route.get("path") or "/")
    return f"{route.get('path') or '/'} ({route.get('pathType') or '-'})"


def _route_backend(route: Doc) -> str:
    if not route.get("service"):
        return "-"
    weight = route.get("weight")
    text = f"{route.get('service')}:{route.get('servicePort')}"
    return text if weight is None else f"{text} (weight {weight})"


def format_observations(doc: Doc, style: Style, width: int, wide: bool) -> str:
    """Probe rows beside no expectation: the probe pod's resolver, a second Ingress
    address, the SNI check of an ExternalName."""
    items = doc.get("observations") or []
    if not items:
        return ""
    headers = ["", "CHECK", "EXPECTED", "OBSERVED", "WHY"]
    rows = [
        [style.mark(o["verdict"]), o["subject"], o.get("expected"), o.get("observed"), o.get("why")]
        for o in items
    ]
    widths: list[int | None] = [None, 40, 28, 28, _why_width(width, 104)]
    return _section("PROBE", _table(headers, rows, widths))


def format_findings(doc: Doc, style: Style, width: int, wide: bool) -> str:
    items = doc.get("findings") or []
    if not items:
        return "\nFINDINGS\nnone"
    body_width = max(40, width - 8)
    rows = []
    for f in items:
        actionable = f.get("hint") and f["severity"] in ("warn", "fail")
        text = f"{f['message']}\nfix: {f['hint']}" if actionable else f["message"]
        if wide and f.get("evidence"):
            text += "\n" + "; ".join(f"{k}={v}" for k, v in f["evidence"].items())
        rows.append([style.mark(f["severity"]), f["severity"], f["id"], text])
    table = tabulate(
        rows,
        headers=["", "SEVERITY", "ID", "MESSAGE"],
        tablefmt="plain",
        maxcolwidths=[None, None, 32, max(30, body_width - 48)],
        disable_numparse=True,
    )
    return _section("FINDINGS", table)


def format_skipped(doc: Doc) -> str:
    items = doc.get("skipped") or []
    return _section("SKIPPED", "\n".join(f"- {s}" for s in items)) if items else ""


def format_table(doc: Doc, *, style: Style = PLAIN, width: int = 160, wide: bool = False) -> str:
    """A report for people: header, endpoints, DNS names, routes, findings. Control
    characters from object content are shown escaped (render/escape.py)."""
    doc = escape_document(doc)
    if doc.get("kind") == "Scan":
        return format_scan(doc, style=style, width=width, wide=wide)
    parts = [
        format_header(doc, style),
        format_endpoints(doc, style, width, wide),
        format_dns(doc, style, width, wide),
        format_routes(doc, style, width, wide),
        format_observations(doc, style, width, wide),
        format_findings(doc, style, width, wide),
        format_skipped(doc),
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_scan(doc: Doc, *, style: Style = PLAIN, width: int = 160, wide: bool = False) -> str:
    """``scan``: one summary row per Service or Ingress, worst first."""
    headers = ["", "NAMESPACE", "KIND", "NAME", "TYPE", "VERDICT", "FAIL", "WARN", "TOP FINDING"]
    rows = [
        [
            style.mark(item["verdict"]),
            item["namespace"],
            item["subjectKind"],
            item["name"],
            item["kind"],
            item["verdict"],
            item["fail"],
            item["warn"],
            _shorten(item.get("top") or "-", 60 if not wide else 400),
        ]
        for item in doc.get("items") or []
    ]
    if not rows:
        return "no Services or Ingresses found\n"
    widths: list[int | None] = [None, None, None, 30, None, None, None, None, max(30, width - 100)]
    summary = f"{len(rows)} objects scanned, verdict: {style.paint(doc['verdict'], doc['verdict'])}"
    return _table(headers, rows, widths) + "\n\n" + summary + "\n" + format_skipped(doc)
