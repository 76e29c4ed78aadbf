"""A Route's attachment as its controllers reported it (``status.parents``), for commands
that do not read Gateways (``svc``): the graph cannot decide attachment without the
parent, so the Route's own status says what the controllers saw.

Per entry (godoc RouteParentStatus): ``controllerName``, the ``Accepted`` and
``ResolvedRefs`` conditions, their ``observedGeneration``. The Route counts as attached
when some controller wrote ``Accepted=True`` (an attached Route is served by at least one
parent); refused when every entry says ``Accepted=False``; unknown otherwise (no entry
yet, ``Pending``). A status written for an older generation is named as stale. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.gateway.conditions import condition
from kubectl_discover.analyze.gateway.routemodel import Route, RouteParentStatus
from kubectl_discover.findings import Verdict

GATEWAY_NOT_READ = "Gateway not read by svc: see `kubectl discover {command} {name} -n {namespace}`"
"""Said wherever the answer would need the parent Gateway."""


@dataclass(frozen=True)
class Reported:
    """What a Route's ``status.parents`` say about its attachment."""

    attached: bool | None
    verdict: Verdict
    why: str
    parents: tuple[str, ...]
    """The parents reported, "infra/gw listener https" style ("ns/name sectionName s")."""


def _parent_text(entry: RouteParentStatus) -> str:
    ref = entry.parent_ref
    text = f"{ref.namespace}/{ref.name}"
    if ref.section_name:
        text += f" listener {ref.section_name}"
    if ref.port is not None:
        text += f" port {ref.port}"
    return text


def _describe(entry: RouteParentStatus, type_: str) -> str:
    found = condition(entry.conditions, type_)
    if found is None:
        return f"no {type_} condition"
    return f"{found.type}={found.status}" + (f" ({found.reason})" if found.reason else "")


def reported_attachment(route: Route) -> Reported:
    """The attachment ``route``'s controllers reported, with the verdict of a row that
    sends traffic through it (the backend's own validity is judged elsewhere)."""
    command = "httproute" if route.kind == "HTTPRoute" else "grpcroute"
    see = GATEWAY_NOT_READ.format(command=command, name=route.name, namespace=route.namespace)
    entries = route.status_parents
    if not entries:
        return Reported(
            None,
            Verdict.WARN,
            f"no controller has written status.parents: attachment unknown ({see})",
            (),
        )
    accepted = [e for e in entries if _status(e, "Accepted") == "True"]
    parents = tuple(_parent_text(e) for e in (accepted or entries))
    stale = [
        c
        for e in entries
        for c in e.conditions
        if c.observed_generation is not None
        and route.generation is not None
        and c.observed_generation < route.generation
    ]
    stale_text = (
        f"; the status was written for generation {stale[0].observed_generation}, the Route is "
        f"at generation {route.generation} (stale)"
        if stale
        else ""
    )
    if accepted:
        first = accepted[0]
        refs = _status(first, "ResolvedRefs")
        controller = first.controller or "its controller"
        text = (
            f"accepted by {controller} for {', '.join(parents)} (Route status.parents; {see})"
            + stale_text
        )
        if refs == "False":
            return Reported(
                True, Verdict.WARN, f"{text}; but {_describe(first, 'ResolvedRefs')}", parents
            )
        return Reported(True, Verdict.WARN if stale else Verdict.OK, text, parents)
    if all(_status(e, "Accepted") == "False" for e in entries):
        reasons = "; ".join(
            f"{e.controller or 'a controller'} reports {_describe(e, 'Accepted')} for "
            f"{_parent_text(e)}"
            for e in entries
        )
        return Reported(False, Verdict.FAIL, f"{reasons}{stale_text} ({see})", parents)
    pending = "; ".join(
        f"{e.controller or 'a controller'}: {_describe(e, 'Accepted')} for {_parent_text(e)}"
        for e in entries
    )
    return Reported(
        None, Verdict.WARN, f"not accepted yet ({pending}){stale_text} ({see})", parents
    )


def _status(entry: RouteParentStatus, type_: str) -> str:
    found = condition(entry.conditions, type_)
    return found.status if found is not None else ""
