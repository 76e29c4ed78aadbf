"""``-o table`` (default) and ``-o wide``: a header, then sections rendered with tabulate,
each row with a verdict mark and a one-line why."""

from __future__ import annotations

import textwrap
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
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def wrap(text: str, width: int | None) -> str:
    """``text`` folded at spaces only: a name, an IP, a port or a URL is never split, even
    when it is longer than ``width`` (kubectl lets such a cell be wider instead)."""
    if width is None or len(text) <= width:
        return text
    return "\n".join(
        "\n".join(
            textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        )
        for line in text.splitlines()
    )


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int | None]
) -> str:
    return tabulate(
        [[wrap(_cell(c), w) for c, w in zip(row, widths)] for row in rows],
        headers=list(headers),
        tablefmt="plain",
        disable_numparse=True,
    )


def _why_width(width: int, used: int) -> int:
    return max(24, width - used)


class Notes:
    """The numbered explanations under a section: one per row that is not ok."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def ref(self, item: Mapping[str, Any]) -> str:
        """``[n]`` for a row that needs its why read, else ``""``."""
        if item.get("verdict") in ("ok", "unknown") or not item.get("why"):
            return ""
        self.items.append(str(item["why"]))
        return f"[{len(self.items)}]"

    def take(self, first: int, width: int) -> str:
        lines = []
        for n, why in enumerate(self.items[first:], start=first + 1):
            label = f"  [{n}] "
            body = wrap(why, max(30, width - len(label)))
            lines.append(label + body.replace("\n", "\n" + " " * len(label)))
        return "\n".join(lines)


def _problems(doc: Doc) -> list[tuple[str, str]]:
    """(what is wrong, the fix) for every failing or warning finding and observed row,
    worst first: the findings, then what the probe saw that no finding explains."""
    found = [
        (str(f["message"]), str(f.get("hint") or ""))
        for severity in ("fail", "warn")
        for f in doc.get("findings") or []
        if f.get("severity") == severity
    ]
    for section in ("endpoints", "dnsNames", "routes", "networkPolicies", "observations"):
        for item in doc.get(section) or []:
            if item.get("verdict") == "fail" and item.get("observation") is not None:
                found.append((str(item.get("why") or ""), ""))
    return found


def format_answer(doc: Doc, style: Style, width: int) -> str:
    """The answer first: how many problems, the first one in a sentence and its fix."""
    problems = _problems(doc)
    if not problems:
        return "  " + style.paint("ok", "no problems found")
    count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
    message, fix = problems[0]
    verdict = "fail" if doc.get("verdict") == "fail" else "warn"
    lines = [style.paint(verdict, f"  {count}. First: ") + message]
    if fix:
        lines.append(f"  Fix: {fix}")
    body_width = max(40, width - 4)
    return "\n".join(
        "  " + wrap(line.strip(), body_width).replace("\n", "\n    ") for line in lines
    )


def format_header(doc: Doc, style: Style, width: int = 160) -> str:
    subject = doc.get("subject", {})
    where = "/".join(p for p in (subject.get("namespace"), subject.get("name")) if p)
    verdict = str(doc.get("verdict", "ok"))
    title = (
        f"{subject.get('kind', '')} {where}  {doc.get('kind', '')}  "
        f"verdict: {style.paint(verdict, verdict.upper())}"
    )
    facts = doc.get("facts") or {}
    lines = [style.bold(title), format_answer(doc, style, width), ""]
    lines += [f"  {key}: {value}" for key, value in facts.items()]
    if doc.get("source") and "source" not in facts:
        lines.append(f"  source: {doc['source']}")
    return "\n".join(lines)


def _section(title: str, body: str, notes: str = "") -> str:
    if not body:
        return ""
    return f"\n{title}\n{body}" + (f"\n{notes}" if notes else "")


def _rows_section(
    title: str,
    headers: list[str],
    rows: list[tuple[Mapping[str, Any], list[Any]]],
    widths: list[int | None],
    style: Style,
    width: int,
    wide: bool,
    notes: Notes,
) -> str:
    """One section: mark + the given cells, then WHY (wide) or a note reference and the
    numbered notes under the table."""
    if not rows:
        return ""
    first = len(notes.items)
    body: list[list[Any]] = []
    for item, cells in rows:
        tail = item.get("why") if wide else notes.ref(item)
        body.append([style.mark(item["verdict"]), *cells, tail])
    used = sum(w or 12 for w in widths) + 4 * (len(widths) + 1)
    table = _table(
        ["", *headers, "WHY" if wide else ""],
        body,
        [None, *widths, _why_width(width, used) if wide else None],
    )
    return _section(title, table, "" if wide else notes.take(first, width))


class Observed:
    """The OBSERVED column, or with a fan-out probe (``probeNodes``) one column per node:
    each cell the node's mark and what it observed; a row whose nodes disagree gets ``≠``
    in front of its cells, and its note names the nodes that differ."""

    def __init__(self, doc: Doc, style: Style, width: int = 28) -> None:
        self.nodes: list[str] = [str(n) for n in doc.get("probeNodes") or ()]
        self.style = style
        self.width = width

    def headers(self) -> list[str]:
        return [n.upper() for n in self.nodes] if self.nodes else ["OBSERVED"]

    def widths(self) -> list[int | None]:
        if not self.nodes:
            return [self.width]
        return [max(14, min(self.width, 72 // len(self.nodes)))] * len(self.nodes)

    def cells(self, item: Mapping[str, Any]) -> list[Any]:
        if not self.nodes:
            return [item.get("observed")]
        by_node = {str(c.get("node")): c for c in item.get("nodes") or ()}
        flag = "≠ " if item.get("nodesDiffer") else ""
        cells: list[Any] = []
        for node in self.nodes:
            cell = by_node.get(node)
            if cell is None:
                cells.append(item.get("observed"))
                continue
            verdict = str(cell.get("verdict"))
            cells.append(f"{flag}{self.style.mark(verdict)} {cell.get('observed')}")
        return cells


def format_endpoints(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    items = doc.get("endpoints") or []
    observed = Observed(doc, style)
    rows = [
        (
            e,
            [e["kind"], e["endpoint"], e.get("target"), e.get("expected", "-"), *observed.cells(e)],
        )
        for e in items
    ]
    headers = ["KIND", "ENDPOINT", "TARGET", "EXPECTED", *observed.headers()]
    widths: list[int | None] = [None, None, 30, 24, *observed.widths()]
    return _rows_section("ENDPOINTS", headers, rows, widths, style, width, wide, notes)


def format_dns(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    items = doc.get("dnsNames") or []
    observed = Observed(doc, style, 30)
    headers = ["NAME", "TYPE", "FROM NS", "EXPECTED", *observed.headers()]
    widths: list[int | None] = [None, None, None, 28, *observed.widths()]
    if wide:
        headers[2:2] = ["FORM", "FQDN"]
        widths[2:2] = [None, None]
    rows = []
    for d in items:
        cells = [d["query"], d["type"], d.get("clientNamespace") or "-"]
        cells += [d.get("expected"), *observed.cells(d)]
        if wide:
            cells[2:2] = [d.get("form"), d.get("fqdn")]
        rows.append((d, cells))
    return _rows_section("DNS NAMES", headers, rows, widths, style, width, wide, notes)


def format_routes(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    items = doc.get("routes") or []
    gateway = any(r.get("kind", "Ingress") != "Ingress" for r in items)
    observed = Observed(doc, style)
    headers = ["ROUTE" if gateway else "INGRESS", "HOST", "PATH", "BACKEND", "ENDPOINTS"]
    headers += ["TLS", *observed.headers()]
    rows = [
        (
            r,
            [
                r.get("source") if gateway else r.get("ingress"),
                r.get("host") or "*",
                _route_path(r),
                _route_backend(r),
                r.get("readyEndpoints"),
                r.get("tls"),
                *observed.cells(r),
            ],
        )
        for r in items
    ]
    widths: list[int | None] = [None, None, None, None, None, 16, *observed.widths()]
    title = "ROUTES" if gateway else "INGRESS ROUTES"
    return _rows_section(title, headers, rows, widths, style, width, wide, notes)


def format_policies(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    """The NetworkPolicy verdicts of the client's path (docs/networkpolicy.md)."""
    items = doc.get("networkPolicies") or []
    headers = ["HOP", "DIRECTION", "FROM", "TO", "PORT", "EXPECTED", "DECIDED BY"]
    rows = [
        (
            p,
            [
                p["hop"] + (f" {p['service']}:{p['servicePort']}" if p.get("service") else ""),
                p["direction"],
                p["from"],
                p["to"],
                f"{p['protocol']}/{p['port']}",
                p["outcome"],
                p["decidedBy"],
            ],
        )
        for p in items
    ]
    widths: list[int | None] = [None, None, 24, 28, None, None, 34]
    return _rows_section("NETWORK POLICIES", headers, rows, widths, style, width, wide, notes)


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


def format_migration(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    """``route URL``: each Ingress rule and HTTPRoute that both answer the URL, compared
    (the differences are the row's why)."""
    rows: list[tuple[Mapping[str, Any], list[Any]]] = []
    for m in doc.get("migration") or []:
        ingress, route = m["ingress"], m["httproute"]
        item = {"verdict": m["verdict"], "why": "; ".join(m.get("differences") or [])}
        backends = ", ".join(_migration_backend(b) for b in route.get("backends") or []) or "-"
        same = {True: "yes", False: "no"}.get(m.get("sameBackend"), "unknown")
        cells = [
            ingress["source"],
            _migration_backend(ingress["backend"]),
            route["source"],
            backends,
            same,
        ]
        rows.append((item, cells))
    headers = ["INGRESS", "BACKEND", "HTTPROUTE", "BACKENDS", "SAME"]
    widths: list[int | None] = [None, None, None, 30, None]
    return _rows_section("MIGRATION", headers, rows, widths, style, width, wide, notes)


def _migration_backend(backend: Doc) -> str:
    text = f"{backend['service']}:{backend['servicePort']}"
    weight = backend.get("weight")
    return text if weight is None else f"{text} (weight {weight})"


def format_observations(doc: Doc, style: Style, width: int, wide: bool, notes: Notes) -> str:
    """Probe rows beside no expectation: the probe pod's resolver, a second Ingress
    address, the SNI check of an ExternalName."""
    items = doc.get("observations") or []
    observed = Observed(doc, style, 30)
    rows = [(o, [o["subject"], o.get("expected"), *observed.cells(o)]) for o in items]
    widths: list[int | None] = [None, 28, *observed.widths()]
    headers = ["CHECK", "EXPECTED", *observed.headers()]
    return _rows_section("PROBE", headers, rows, widths, style, width, wide, notes)


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
    ids = max((len(f["id"]) for f in items), default=2)
    table = _table(
        ["", "SEVERITY", "ID", "MESSAGE"],
        rows,
        [None, None, None, max(30, body_width - 12 - ids)],
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
    notes = Notes()
    parts = [
        format_header(doc, style, width),
        format_endpoints(doc, style, width, wide, notes),
        format_dns(doc, style, width, wide, notes),
        format_routes(doc, style, width, wide, notes),
        format_policies(doc, style, width, wide, notes),
        format_migration(doc, style, width, wide, notes),
        format_observations(doc, style, width, wide, notes),
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
    scanned = f"{len(rows)} object" + ("s" if len(rows) != 1 else "")
    summary = f"{scanned} scanned, verdict: {style.paint(doc['verdict'], doc['verdict'])}"
    skipped = format_skipped(doc)
    return (
        _table(headers, rows, widths)
        + "\n\n"
        + summary
        + "\n"
        + (skipped + "\n" if skipped else "")
    )
