"""A fan-out probe's rows (one probe pod per node) merged into one row per check (pure).

Each node's probe result is explained on its own (:func:`kubectl_discover.explain.explain`),
then rows are matched across nodes by what they observe (section, expectation key,
subject) and merged: the merged row carries every node's cell (:class:`NodeCell`), its
verdict is the worst node's, and when the nodes disagree its why says which nodes fail and
that the cause is node-scoped. A node whose pod never ran has "probe did not run" cells
(verdict unknown) and does not count as disagreeing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_discover.explain import NodeCell, Row, RowVerdict

NODE_SCOPED = (
    "node-scoped: kube-proxy, the CNI, a node-local DNS cache or internalTrafficPolicy: Local "
    "on that node"
)
DID_NOT_RUN = "probe did not run"
AS_EXPECTED = "as expected"
"""A probe fact row (resolver, budget) only exists where something differed: its absence on
a node that ran means that node saw what was expected."""
_RANK = {
    RowVerdict.UNKNOWN: 0,
    RowVerdict.OK: 1,
    RowVerdict.INFO: 2,
    RowVerdict.WARN: 3,
    RowVerdict.FAIL: 4,
}
_WORD = {RowVerdict.FAIL: "fails", RowVerdict.WARN: "warns", RowVerdict.INFO: "differs"}


@dataclass(frozen=True)
class NodeRows:
    """One node's explained rows, or why its probe did not run (``rows`` None)."""

    node: str
    rows: tuple[Row, ...] | None
    error: str = ""


def _identity(row: Row) -> tuple[str, str, str]:
    return (row.section, row.key, row.subject)


def merge(per_node: Sequence[NodeRows]) -> tuple[Row, ...]:
    """One row per check, in the order the first node that has it lists it."""
    order: list[tuple[str, str, str]] = []
    found: dict[tuple[str, str, str], dict[str, Row]] = {}
    for node in per_node:
        for row in node.rows or ():
            ident = _identity(row)
            if ident not in found:
                found[ident] = {}
                order.append(ident)
            found[ident].setdefault(node.node, row)
    return tuple(_merged(found[ident], per_node) for ident in order)


def _cell(node: NodeRows, row: Row | None) -> NodeCell:
    if node.rows is None:
        return NodeCell(node.node, DID_NOT_RUN, RowVerdict.UNKNOWN, node.error)
    if row is None:
        return NodeCell(node.node, AS_EXPECTED, RowVerdict.OK, "")
    return NodeCell(node.node, row.observed, row.verdict, row.why, row.observation)


_DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s)\b")


def _timeless(observed: str) -> str:
    """``observed`` without its timings ("connected in 2.43 ms"): nodes that saw the same
    outcome at different speeds agree."""
    return _DURATION.sub("", observed)


def _merged(rows: dict[str, Row], per_node: Sequence[NodeRows]) -> Row:
    cells = tuple(_cell(n, rows.get(n.node)) for n in per_node)
    ran = [c for c in cells if c.observed != DID_NOT_RUN]
    if not ran:
        return dataclasses.replace(next(iter(rows.values())), nodes=cells)
    worst = max(ran, key=lambda c: _RANK[c.verdict])
    base = rows.get(worst.node) or next(iter(rows.values()))
    if len({c.verdict for c in ran}) == 1 or worst.verdict is RowVerdict.OK:
        if len({_timeless(c.observed) for c in ran}) == 1:
            return dataclasses.replace(base, nodes=cells)
        seen = "; ".join(f"{c.observed} on {c.node}" for c in ran)
        return dataclasses.replace(
            base, why=f"{base.why}; differs by node: {seen}", nodes=cells, nodes_differ=True
        )
    bad = [c.node for c in ran if c.verdict is worst.verdict]
    others = [c for c in ran if c.node not in bad]
    word = _WORD.get(worst.verdict, "differs")
    elsewhere = "; ".join(f"{c.observed} on {c.node}" for c in others)
    why = (
        f"{word} only on {', '.join(bad)} ({len(bad)} of {len(ran)} nodes): {NODE_SCOPED}"
        + (f"; there: {worst.why}" if worst.why else "")
        + (f"; elsewhere: {elsewhere}" if elsewhere else "")
    )
    return dataclasses.replace(
        base,
        observed=worst.observed,
        verdict=worst.verdict,
        why=why,
        observation=worst.observation if worst.observation is not None else base.observation,
        evidence=(*base.evidence, ("nodes", ", ".join(bad))),
        nodes=cells,
        nodes_differ=True,
    )
