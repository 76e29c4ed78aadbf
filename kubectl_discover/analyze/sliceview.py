"""An EndpointSlice as the analysis reads it: parsed once, at the boundary, into a frozen
value. The index (analyze/index.py) parses every slice of the snapshot once and hands the
views out per Service; analyze/slices.py compares them with the pods and predicts them
offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.snapshot import Obj, labels_of, name_of

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"


@dataclass(frozen=True)
class SlicePort:
    name: str
    port: int | None
    protocol: str


@dataclass(frozen=True)
class SliceEndpoint:
    """One endpoint as the controller writes it (conditions None = unknown, offline)."""

    addresses: tuple[str, ...]
    ready: bool | None
    serving: bool | None
    terminating: bool
    hostname: str = ""
    node: str = ""
    pod: str = ""


@dataclass(frozen=True)
class SliceView:
    name: str
    address_type: str
    ports: tuple[SlicePort, ...]
    endpoints: tuple[SliceEndpoint, ...]
    predicted: bool = False
    managed: bool = True

    def port_named(self, name: str, protocol: str) -> SlicePort | None:
        for port in self.ports:
            if port.name == name and port.protocol == protocol:
                return port
        return None


def _condition(conditions: Mapping[str, Any], key: str) -> bool | None:
    value = conditions.get(key)
    return None if value is None else bool(value)


def parse_slice(obj: Obj) -> SliceView:
    """A slice as the API returns it; ``ready`` nil counts as ready, as consumers read it."""
    ports = tuple(
        SlicePort(
            name=str(p.get("name") or ""),
            port=p.get("port") if isinstance(p.get("port"), int) else None,
            protocol=str(p.get("protocol") or "TCP"),
        )
        for p in obj.get("ports") or ()
    )
    endpoints = []
    for raw in obj.get("endpoints") or ():
        conditions = raw.get("conditions") or {}
        ready = _condition(conditions, "ready")
        endpoints.append(
            SliceEndpoint(
                addresses=tuple(str(a) for a in raw.get("addresses") or ()),
                ready=True if ready is None else ready,
                serving=_condition(conditions, "serving"),
                terminating=bool(conditions.get("terminating")),
                hostname=str(raw.get("hostname") or ""),
                node=str(raw.get("nodeName") or ""),
                pod=str((raw.get("targetRef") or {}).get("name") or ""),
            )
        )
    return SliceView(
        name=name_of(obj),
        address_type=str(obj.get("addressType") or "IPv4"),
        ports=ports,
        endpoints=tuple(endpoints),
        managed=labels_of(obj).get(MANAGED_BY) == CONTROLLER,
    )
