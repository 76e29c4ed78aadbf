"""Typed views of HTTPRoutes and GRPCRoutes (parentRefs, rules, matches, filters,
backendRefs, status), parsed once with the CRD defaults (see :mod:`.model`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_discover.analyze.gateway.model import (
    CORE_GROUP,
    EXACT,
    GATEWAY_GROUP,
    GRPCROUTE,
    HTTPROUTE,
    PATH_PREFIX,
    Condition,
    GroupKind,
    age_key,
    conditions_of,
)
from kubectl_discover.analyze.gateway.raw import (
    as_dict,
    as_int,
    as_list,
    as_str,
    created_of,
    generation_of,
    opt_str,
)
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of

# ---------------------------------------------------------------- Routes


@dataclass(frozen=True)
class ParentRef:
    """A Route ``spec.parentRefs[]`` entry (or the parentRef of a status entry)."""

    index: int
    group: str
    kind: str
    namespace: str
    name: str
    section_name: str
    port: int | None

    @property
    def target(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    def same_as(self, other: ParentRef) -> bool:
        """Whether two references select the same parent and section (status matching)."""
        return (self.group, self.kind, self.namespace, self.name, self.section_name, self.port) == (
            other.group,
            other.kind,
            other.namespace,
            other.name,
            other.section_name,
            other.port,
        )

    def describe(self) -> str:
        text = f"{self.kind} {self.namespace}/{self.name}"
        if self.section_name:
            text += f" sectionName {self.section_name}"
        if self.port is not None:
            text += f" port {self.port}"
        return text


def _parent_ref(raw: Any, index: int, route_namespace: str) -> ParentRef:
    raw = as_dict(raw)
    return ParentRef(
        index=index,
        group=opt_str(raw, "group", GATEWAY_GROUP),
        kind=opt_str(raw, "kind", "Gateway") or "Gateway",
        namespace=as_str(raw.get("namespace")) or route_namespace,
        name=as_str(raw.get("name")),
        section_name=as_str(raw.get("sectionName")),
        port=as_int(raw.get("port")),
    )


@dataclass(frozen=True)
class ValueMatch:
    """A header or query parameter match."""

    name: str
    value: str
    type: str


@dataclass(frozen=True)
class PathMatch:
    type: str
    value: str

    def describe(self) -> str:
        return f"{self.type} {self.value}"


@dataclass(frozen=True)
class HTTPMatch:
    index: int
    path: PathMatch
    headers: tuple[ValueMatch, ...]
    query: tuple[ValueMatch, ...]
    method: str
    """"" when any method matches."""

    def describe(self) -> str:
        parts = [self.path.describe()]
        if self.method:
            parts.append(f"method {self.method}")
        parts += [
            f"header {h.name}{'~' if h.type != EXACT else '='}{h.value}" for h in self.headers
        ]
        parts += [f"query {q.name}{'~' if q.type != EXACT else '='}{q.value}" for q in self.query]
        return ", ".join(parts)


@dataclass(frozen=True)
class GRPCMatch:
    index: int
    type: str
    service: str
    method: str
    headers: tuple[ValueMatch, ...]

    def describe(self) -> str:
        if not self.service and not self.method:
            target = "any service and method"
        else:
            target = f"{self.service or '*'}/{self.method or '*'}"
            if self.type != EXACT:
                target += f" ({self.type})"
        parts = [target]
        parts += [
            f"header {h.name}{'~' if h.type != EXACT else '='}{h.value}" for h in self.headers
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class Filter:
    type: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def redirect_status(self) -> int:
        """The status of a RequestRedirect filter (the API defaults it to 302)."""
        value = as_int(as_dict(self.raw.get("requestRedirect")).get("statusCode"))
        return value if value is not None else 302


@dataclass(frozen=True)
class BackendRef:
    index: int
    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int
    explicit_namespace: bool
    filters: tuple[Filter, ...] = ()

    @property
    def is_service(self) -> bool:
        return self.group == CORE_GROUP and self.kind == "Service"

    @property
    def target(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    def describe(self) -> str:
        what = "Service" if self.is_service else str(GroupKind(self.group, self.kind))
        port = "" if self.port is None else f":{self.port}"
        return f"{what} {self.namespace}/{self.name}{port}"


@dataclass(frozen=True)
class Rule:
    index: int
    name: str
    matches: tuple[HTTPMatch | GRPCMatch, ...]
    filters: tuple[Filter, ...]
    backend_refs: tuple[BackendRef, ...]
    defaulted: bool = False
    """True when the rule or its matches were filled in by the API's defaults."""

    @property
    def field(self) -> str:
        return f"spec.rules[{self.index}]"

    def label(self) -> str:
        return f"rule {self.name}" if self.name else f"rule {self.index}"

    def describe_matches(self) -> str:
        if not self.matches:
            return "every request"
        return " | ".join(m.describe() for m in self.matches)


@dataclass(frozen=True)
class RouteParentStatus:
    parent_ref: ParentRef
    controller: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Route:
    kind: str
    namespace: str
    name: str
    hostnames: tuple[str, ...]
    parent_refs: tuple[ParentRef, ...]
    rules: tuple[Rule, ...]
    status_parents: tuple[RouteParentStatus, ...]
    created: str = ""
    generation: int | None = None
    has_status: bool = False

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def age(self) -> tuple[int, str, str, str]:
        return age_key(self.created, self.namespace, self.name)


def _value_matches(raw: Any) -> tuple[ValueMatch, ...]:
    return tuple(
        ValueMatch(
            name=as_str(as_dict(m).get("name")),
            value=as_str(as_dict(m).get("value")),
            type=opt_str(as_dict(m), "type", EXACT) or EXACT,
        )
        for m in as_list(raw)
        if isinstance(m, Mapping)
    )


def _filters(raw: Any) -> tuple[Filter, ...]:
    return tuple(
        Filter(type=as_str(as_dict(f).get("type")), raw=as_dict(f))
        for f in as_list(raw)
        if isinstance(f, Mapping)
    )


def _backend_refs(raw: Any, namespace: str) -> tuple[BackendRef, ...]:
    refs: list[BackendRef] = []
    for i, ref in enumerate(as_list(raw)):
        ref = as_dict(ref)
        weight = as_int(ref.get("weight"))
        refs.append(
            BackendRef(
                index=i,
                group=opt_str(ref, "group", CORE_GROUP),
                kind=opt_str(ref, "kind", "Service") or "Service",
                namespace=as_str(ref.get("namespace")) or namespace,
                name=as_str(ref.get("name")),
                port=as_int(ref.get("port")),
                weight=1 if weight is None else weight,
                explicit_namespace=bool(as_str(ref.get("namespace"))),
                filters=_filters(ref.get("filters")),
            )
        )
    return tuple(refs)


DEFAULT_PATH = PathMatch(PATH_PREFIX, "/")


def _http_match(raw: Any, index: int) -> HTTPMatch:
    raw = as_dict(raw)
    path_raw = raw.get("path")
    if isinstance(path_raw, Mapping):
        path = PathMatch(
            type=opt_str(path_raw, "type", PATH_PREFIX) or PATH_PREFIX,
            value=opt_str(path_raw, "value", "/"),
        )
    else:
        path = DEFAULT_PATH
    return HTTPMatch(
        index=index,
        path=path,
        headers=_value_matches(raw.get("headers")),
        query=_value_matches(raw.get("queryParams")),
        method=as_str(raw.get("method")).upper(),
    )


def _grpc_match(raw: Any, index: int) -> GRPCMatch:
    raw = as_dict(raw)
    method = as_dict(raw.get("method"))
    return GRPCMatch(
        index=index,
        type=opt_str(method, "type", EXACT) or EXACT,
        service=as_str(method.get("service")),
        method=as_str(method.get("method")),
        headers=_value_matches(raw.get("headers")),
    )


def parse_route(obj: Obj, default_namespace: str = "default") -> Route:
    kind = as_str(obj.get("kind")) or HTTPROUTE
    namespace = namespace_of(obj, default_namespace)
    spec = as_dict(obj.get("spec"))
    grpc = kind == GRPCROUTE
    rules: list[Rule] = []
    raw_rules = spec.get("rules")
    if not isinstance(raw_rules, (list, tuple)) and not grpc:
        raw_rules = [{}]  # the CRD default: one rule matching PathPrefix /
        rules_defaulted = True
    else:
        rules_defaulted = False
    for i, raw in enumerate(as_list(raw_rules)):
        raw = as_dict(raw)
        raw_matches = as_list(raw.get("matches"))
        defaulted = rules_defaulted
        if grpc:
            matches: tuple[HTTPMatch | GRPCMatch, ...] = tuple(
                _grpc_match(m, j) for j, m in enumerate(raw_matches)
            )
        elif raw_matches:
            matches = tuple(_http_match(m, j) for j, m in enumerate(raw_matches))
        else:
            matches = (HTTPMatch(0, DEFAULT_PATH, (), (), ""),)
            defaulted = True
        rules.append(
            Rule(
                index=i,
                name=as_str(raw.get("name")),
                matches=matches,
                filters=_filters(raw.get("filters")),
                backend_refs=_backend_refs(raw.get("backendRefs"), namespace),
                defaulted=defaulted,
            )
        )
    status = as_dict(obj.get("status"))
    parents = tuple(
        RouteParentStatus(
            parent_ref=_parent_ref(p.get("parentRef"), i, namespace),
            controller=as_str(p.get("controllerName")),
            conditions=conditions_of(p.get("conditions")),
        )
        for i, p in enumerate(as_list(status.get("parents")))
        if isinstance(p, Mapping)
    )
    return Route(
        kind=kind,
        namespace=namespace,
        name=name_of(obj),
        hostnames=tuple(as_str(h).lower() for h in as_list(spec.get("hostnames")) if as_str(h)),
        parent_refs=tuple(
            _parent_ref(p, i, namespace) for i, p in enumerate(as_list(spec.get("parentRefs")))
        ),
        rules=tuple(rules),
        status_parents=parents,
        created=created_of(obj),
        generation=generation_of(obj),
        has_status=bool(status),
    )
