"""Which nodes a fan-out probes from (``--all-nodes``, ``--nodes A,B``, ``--per-zone``): pure.

One probe pod runs on each chosen node (``spec.nodeName``), so a fault that lives on one
node (kube-proxy, the CNI, a node-local DNS cache, ``internalTrafficPolicy: Local``) shows
as a column that differs from the others.

Eligibility (``--all-nodes`` and ``--per-zone``): a node is probed when it is Ready, not
cordoned (``spec.unschedulable``) and has no ``NoExecute`` taint. A ``NoSchedule`` or
``PreferNoSchedule`` taint does not exclude it: a pod with ``nodeName`` set bypasses the
scheduler (as ``kubectl debug node/...`` does), and the workloads that tolerate the taint
run there and resolve through that node's path. A ``NoExecute`` taint makes the kubelet
refuse a pod that does not tolerate it, and the probe pod tolerates nothing. Every node left
out is named with its reason. ``--nodes`` probes the named nodes whatever their state (the
user asked for them); a name that is not a node is an input error before anything is
created. ``--per-zone`` takes the first eligible node by name in each
``topology.kubernetes.io/zone`` (nodes without the label form one group, ``(no zone)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.errors import InputError
from kubectl_discover.snapshot import Obj, labels_of, name_of

ZONE_LABEL = "topology.kubernetes.io/zone"
NO_ZONE = "(no zone)"
MAX_NODES = 50
"""At most this many probe pods at once: a larger fan-out is refused (use --nodes or
--per-zone) rather than starting a pod on every node of a big cluster."""


@dataclass(frozen=True)
class NodeFanOut:
    """The fan-out the flags ask for (options, validated before any I/O)."""

    all_nodes: bool = False
    names: tuple[str, ...] = ()
    per_zone: bool = False

    @property
    def wanted(self) -> bool:
        return self.all_nodes or bool(self.names) or self.per_zone

    def describe(self) -> str:
        if self.names:
            return "--nodes " + ",".join(self.names)
        return "--per-zone" if self.per_zone else "--all-nodes"


@dataclass(frozen=True)
class NodeSelection:
    """The nodes to probe from, in order, and the nodes left out with the reason."""

    nodes: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...] = ()
    zones: Mapping[str, str] | None = None
    """Node name -> zone, for ``--per-zone`` (None otherwise)."""

    def notes(self) -> tuple[str, ...]:
        return tuple(f"node {name} not probed: {why}" for name, why in self.left_out)


def parse_node_list(text: str) -> tuple[str, ...]:
    """``--nodes A,B`` -> ("A", "B"): comma-separated, blanks dropped, duplicates once."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return tuple(seen)


def ineligible(node: Obj) -> str:
    """Why ``--all-nodes`` leaves ``node`` out; "" when it is probed."""
    spec: Mapping[str, Any] = node.get("spec") or {}
    if spec.get("unschedulable"):
        return "cordoned (spec.unschedulable)"
    for taint in spec.get("taints") or ():
        if isinstance(taint, Mapping) and taint.get("effect") == "NoExecute":
            return (
                f"tainted {taint.get('key')}:NoExecute (the kubelet refuses a pod that does "
                "not tolerate it)"
            )
    status: Mapping[str, Any] = node.get("status") or {}
    ready = next(
        (
            c
            for c in status.get("conditions") or ()
            if isinstance(c, Mapping) and c.get("type") == "Ready"
        ),
        None,
    )
    if ready is None or ready.get("status") != "True":
        state = "unknown" if ready is None else str(ready.get("status"))
        return f"not Ready (Ready={state})"
    return ""


def select_nodes(nodes: Sequence[Obj], fan_out: NodeFanOut) -> NodeSelection:
    """The nodes ``fan_out`` asks for among ``nodes`` (the cluster's Node LIST).

    Raises InputError for a ``--nodes`` name that is not a node, and when nothing (or more
    than :data:`MAX_NODES`) would be probed."""
    by_name = {name_of(n): n for n in nodes}
    if fan_out.names:
        missing = [n for n in fan_out.names if n not in by_name]
        if missing:
            known = ", ".join(sorted(by_name)[:10]) or "none"
            raise InputError(
                f"--nodes: no node named {', '.join(missing)} (nodes: {known})",
            )
        chosen = fan_out.names
        left_out: list[tuple[str, str]] = []
        zones: dict[str, str] | None = None
    else:
        left_out = []
        eligible = []
        for name in sorted(by_name):
            why = ineligible(by_name[name])
            if why:
                left_out.append((name, why))
            else:
                eligible.append(name)
        zones = None
        if fan_out.per_zone:
            picked: dict[str, str] = {}
            for name in eligible:
                zone = labels_of(by_name[name]).get(ZONE_LABEL) or NO_ZONE
                first = next((n for n, z in picked.items() if z == zone), None)
                if first is None:
                    picked[name] = zone
                else:
                    left_out.append((name, f"zone {zone} is probed from {first}"))
            zones = picked
            chosen = tuple(picked)
        else:
            chosen = tuple(eligible)
    if not chosen:
        raise InputError(
            f"{fan_out.describe()}: no node to probe from"
            + ("; " + "; ".join(f"{n}: {w}" for n, w in left_out[:5]) if left_out else "")
        )
    if len(chosen) > MAX_NODES:
        raise InputError(
            f"{fan_out.describe()} would start {len(chosen)} probe pods (at most {MAX_NODES}): "
            "use --per-zone or --nodes A,B"
        )
    return NodeSelection(tuple(chosen), tuple(left_out), zones)
