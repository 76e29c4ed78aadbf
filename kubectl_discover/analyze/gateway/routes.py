"""Route nodes: per parentRef the attachment result, per rule the resolved backendRefs, and
the parts of a Route the API server rejects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.grants import Decision, Reference
from kubectl_discover.analyze.gateway.listeners import (
    ListenerKey,
)
from kubectl_discover.analyze.gateway.model import (
    EXACT,
    HTTP_METHODS,
    PATH_TYPES,
    REGULAR_EXPRESSION,
    VALUE_MATCH_TYPES,
    BackendTLSPolicy,
)
from kubectl_discover.analyze.gateway.routemodel import (
    BackendRef,
    HTTPMatch,
    ParentRef,
    Route,
    RouteParentStatus,
)
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.refs import ObjectRef

RouteKey = tuple[str, str, str]
"""(kind, namespace, name)."""


# ---------------------------------------------------------------- Routes


@dataclass(frozen=True)
class ListenerVerdict:
    """Whether one relevant listener takes a Route, and why."""

    listener: ListenerKey
    attached: bool | None
    reason: str
    """"Accepted", "NotAllowedByListeners", "NoMatchingListenerHostname", "KindConflict"."""
    why: str
    hostnames: tuple[str, ...] = ()
    """The intersected hostnames the listener serves for the Route ("" = any host)."""
    listener_hostname: str = ""
    cause: str = ""
    """What turned the Route away: "kind", "namespace", "hostname", "kind-conflict"."""


@dataclass(frozen=True)
class ParentResult:
    """One Route parentRef: where it leads and whether the Route attaches there."""

    parent_ref: ParentRef
    parent: ObjectRef | None
    """The Gateway or ListenerSet it resolves to (None when it does not exist)."""
    gateway: ObjectRef | None
    accepted: bool | None
    reason: str
    """The Accepted condition reason the spec prescribes: "Accepted", "NoMatchingParent",
    "NotAllowedByListeners", "NoMatchingListenerHostname"; or this tool's "ParentNotFound"
    (no controller will write status), "ParentNotAccepted" (a ListenerSet its Gateway
    does not accept), "UnsupportedParent" (a mesh Service or another kind), "Unknown"."""
    message: str
    listeners: tuple[ListenerVerdict, ...]
    observed: RouteParentStatus | None
    controller: str
    """The controllerName of the parent Gateway's class ("" when unknown)."""

    def attached_listeners(self) -> tuple[ListenerVerdict, ...]:
        return tuple(v for v in self.listeners if v.attached)


@dataclass(frozen=True)
class BackendResolution:
    """One backendRef resolved: a Service port, or why the reference is invalid."""

    ref: BackendRef
    valid: bool | None
    reason: str
    """"ResolvedRefs", "InvalidKind", "RefNotPermitted", "BackendNotFound",
    "PortMissing" (API rejects), "PortUnknown" (the Service has no such port),
    "Unchecked" (an implementation-specific kind)."""
    message: str
    fix: str = ""
    service: ServiceView | None = field(default=None, compare=False, hash=False)
    service_port: ServicePort | None = None
    reference: Reference | None = None
    decision: Decision | None = None
    policies: tuple[BackendTLSPolicy, ...] = ()
    external_name: str = ""
    """The externalName when the Service is of type ExternalName (implementation-specific)."""

    @property
    def service_ref(self) -> ObjectRef:
        return ObjectRef("Service", self.ref.namespace, self.ref.name)


@dataclass(frozen=True)
class RouteProblem:
    """Part of a Route the API server (or the spec) rejects."""

    code: str
    message: str
    fix: str
    rule: int | None = None
    api_rejects: bool = True


@dataclass(frozen=True)
class RouteNode:
    route: Route
    parents: tuple[ParentResult, ...]
    backends: tuple[tuple[BackendResolution, ...], ...]
    """Per rule, per backendRef."""
    problems: tuple[RouteProblem, ...]

    @property
    def ref(self) -> ObjectRef:
        return self.route.ref

    def resolved_refs(self) -> tuple[bool | None, str, str]:
        """The ResolvedRefs condition predicted for every parent: (status, reason, message)."""
        unknown = False
        for rule in self.backends:
            for backend in rule:
                if backend.valid is False and backend.reason in (
                    "InvalidKind",
                    "RefNotPermitted",
                    "BackendNotFound",
                ):
                    return False, backend.reason, backend.message
                if backend.valid is None:
                    unknown = True
        if unknown:
            return None, "Unknown", "some references could not be checked"
        return True, "ResolvedRefs", "every backendRef resolves"


# ---------------------------------------------------------------- route validation

_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F", "#")
_PATH_CHARS = set(
    "-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._~!$&'()*+,;=:@%"
)


def path_problem(match_type: str, value: str) -> str:
    """Why the API server rejects an HTTPRoute path match, or "" (HTTPPathMatch rules)."""
    if match_type not in PATH_TYPES:
        return f"type {match_type!r} is not one of Exact, PathPrefix, RegularExpression"
    if match_type == REGULAR_EXPRESSION:
        return ""
    if not value.startswith("/"):
        return "must be an absolute path starting with '/'"
    for sequence in _INVALID_SEQUENCES:
        if sequence in value:
            return f"must not contain {sequence!r}"
    for suffix in ("/..", "/."):
        if value.endswith(suffix):
            return f"must not end with {suffix!r}"
    if not set(value) <= _PATH_CHARS:
        bad = "".join(sorted(set(value) - _PATH_CHARS))
        return f"contains characters a path may not hold ({bad!r})"
    return ""


def route_problems(route: Route) -> Iterable[RouteProblem]:
    for host in route.hostnames:
        problem = hostnames.hostname_problem(host)
        if problem:
            yield RouteProblem(
                "hostname-invalid",
                f"spec.hostnames entry {host!r} of {route.ref} {problem}; the API server "
                "rejects it",
                "Write the hostname as a lower-case DNS name, optionally starting with '*.'.",
            )
    if not route.parent_refs:
        yield RouteProblem(
            "no-parent",
            f"{route.ref} has no spec.parentRefs, so it is attached to no Gateway and serves "
            "nothing",
            f"Add spec.parentRefs: [{{name: GATEWAY, namespace: NAMESPACE}}] to {route.ref}.",
            api_rejects=False,
        )
    for rule in route.rules:
        where = f"{rule.field} of {route.ref}"
        for match in rule.matches:
            if isinstance(match, HTTPMatch):
                problem = path_problem(match.path.type, match.path.value)
                if problem:
                    yield RouteProblem(
                        "path-invalid",
                        f"{where}.matches[{match.index}].path {match.path.value!r} "
                        f"({match.path.type}) {problem}; the API server rejects it",
                        "Write the path as a normalised absolute path such as /api, or use "
                        "type: RegularExpression for a pattern.",
                        rule.index,
                    )
                if match.method and match.method not in HTTP_METHODS:
                    yield RouteProblem(
                        "method-invalid",
                        f"{where}.matches[{match.index}].method {match.method!r} is not an HTTP "
                        "method the API accepts",
                        f"Use one of {', '.join(HTTP_METHODS)}.",
                        rule.index,
                    )
                for item in (*match.headers, *match.query):
                    if item.type not in VALUE_MATCH_TYPES:
                        yield RouteProblem(
                            "match-type-invalid",
                            f"{where}.matches[{match.index}] matches {item.name} with type "
                            f"{item.type!r} (Exact or RegularExpression); the API server "
                            "rejects it",
                            "Use type: Exact.",
                            rule.index,
                        )
            elif match.type == EXACT and ("/" in match.service or "/" in match.method):
                yield RouteProblem(
                    "grpc-method-invalid",
                    f"{where}.matches[{match.index}].method has '/' in an Exact service or "
                    "method; the API server rejects it",
                    "Write the service (package.Service) and method names without '/'.",
                    rule.index,
                )
        types = [f.type for f in rule.filters]
        if "RequestRedirect" in types and "URLRewrite" in types:
            yield RouteProblem(
                "filters-incompatible",
                f"{where} combines RequestRedirect and URLRewrite; the API server rejects it",
                "Keep one of the two filters.",
                rule.index,
            )
        if "RequestRedirect" in types and rule.backend_refs:
            yield RouteProblem(
                "redirect-with-backends",
                f"{where} has a RequestRedirect filter and backendRefs; the API server rejects it",
                "Remove the backendRefs from the redirecting rule.",
                rule.index,
            )
