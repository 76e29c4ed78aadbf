"""Which listener of a Gateway takes a request (GatewaySpec.Listeners, "Listener
Isolation"): protocol, port, then the most specific matching hostname."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.listeners import ListenerKey, ListenerNode
from kubectl_discover.analyze.gateway.model import (
    HTTP,
    HTTPS,
    TERMINATE,
)
from kubectl_discover.analyze.gateway.request import (
    Request,
)

# ---------------------------------------------------------------- listener choice


def protocol_fits(node: ListenerNode, request: Request) -> bool:
    listener = node.listener
    if request.scheme == "http":
        return listener.protocol == HTTP
    return listener.protocol == HTTPS and (listener.tls is None or listener.tls.mode == TERMINATE)


@dataclass(frozen=True)
class ListenerChoice:
    listener: ListenerNode | None
    why: str
    passed_over: tuple[tuple[ListenerKey, str], ...] = ()
    """Other listeners on the port and why they do not take the request."""
    status: int | None = None
    """404 when the port is served but no listener takes the host."""


def choose_listener(gateway: GatewayNode, request: Request) -> ListenerChoice:
    """The listener of ``gateway`` that receives ``request`` (Listener Isolation)."""
    on_port = [n for n in gateway.listeners if n.listener.port == request.port]
    fitting = [n for n in on_port if protocol_fits(n, request)]
    passed: list[tuple[ListenerKey, str]] = [
        (n.key, f"{n.label()} does not take {request.scheme} requests")
        for n in on_port
        if n not in fitting
    ]
    if not fitting:
        ports = sorted(
            {
                f"{n.listener.port}/{n.listener.protocol}"
                for n in gateway.listeners
                if n.listener.port is not None
            }
        )
        return ListenerChoice(
            None,
            f"{gateway.ref} has no {'HTTP' if request.scheme == 'http' else 'HTTPS'} listener on "
            f"port {request.port} (listeners: {', '.join(ports) or 'none'}), so the connection "
            "is refused or reaches something else",
            tuple(passed),
        )
    matching = [n for n in fitting if hostnames.matches(n.listener.hostname, request.host)]
    for n in fitting:
        if n not in matching:
            passed.append((n.key, f"{n.label()} does not match host {request.host}"))
    accepted = [n for n in matching if n.accepted]
    for n in matching:
        if not n.accepted:
            passed.append((n.key, f"{n.label()} is not accepted: {n.blocking_why()}"))
    if not accepted:
        if matching:
            why = (
                f"the only listener(s) of {gateway.ref} for {request.host} on port "
                f"{request.port} are not accepted: "
                + "; ".join(f"{n.label()}: {n.blocking_why()}" for n in matching)
            )
        else:
            hosts = ", ".join(sorted({n.listener.hostname or "any host" for n in fitting}))
            why = (
                f"no listener of {gateway.ref} on port {request.port} matches host "
                f"{request.host} (listener hostnames: {hosts}), so the Gateway answers 404"
            )
        return ListenerChoice(None, why, tuple(passed), 404)
    best = max(accepted, key=lambda n: (hostnames.specificity(n.listener.hostname), -n.order))
    for n in accepted:
        if n is not best:
            passed.append(
                (
                    n.key,
                    f"{n.label()} also matches, but {best.listener.hostname or 'any host'} is more "
                    "specific, and routes of a less specific listener never see the request "
                    "(listener isolation)",
                )
            )
    how = (
        "exact hostname"
        if best.listener.hostname and not hostnames.is_wildcard(best.listener.hostname)
        else "wildcard hostname"
        if best.listener.hostname
        else "no hostname (any host)"
    )
    return ListenerChoice(
        best, f"{best.label()} takes {request.host}:{request.port} ({how})", tuple(passed)
    )
