"""Typed views of the Gateway API objects, parsed once from the raw dicts.

Every default is the one the API server's defaulting (the CRD schema of
gateway.networking.k8s.io/v1, standard channel v1.6) writes, so a view read from a
hand-written file equals the view of the same object read back from a cluster:

- Listener ``allowedRoutes`` defaults to ``{namespaces: {from: Same}}``; ``tls.mode`` to
  ``Terminate``; a certificateRef's group to ``""`` and kind to ``Secret``;
  Gateway ``allowedListeners.namespaces.from`` to ``None``.
- ParentReference group defaults to ``gateway.networking.k8s.io``, kind to ``Gateway``,
  namespace to the Route's namespace.
- HTTPRoute ``rules`` default to one rule matching ``PathPrefix /``; a rule's ``matches``
  to ``[{path: {type: PathPrefix, value: /}}]``; a match's ``path`` to PathPrefix ``/``;
  a path's type to ``PathPrefix`` and value to ``/``; header and query matches to
  ``Exact``.
- BackendRef group defaults to ``""``, kind to ``Service``, namespace to the Route's,
  weight to 1.
- GRPCRoute method match type defaults to ``Exact``; a rule without matches matches
  every request.

Parsing never raises: a malformed field (offline files) reads as absent, and the
checks say what the API server would have said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of

GATEWAY_GROUP = "gateway.networking.k8s.io"
CORE_GROUP = ""

HTTP = "HTTP"
HTTPS = "HTTPS"
TLS = "TLS"
TCP = "TCP"
UDP = "UDP"
CORE_PROTOCOLS = (HTTP, HTTPS, TLS, TCP, UDP)

TERMINATE = "Terminate"
PASSTHROUGH = "Passthrough"

EXACT = "Exact"
PATH_PREFIX = "PathPrefix"
REGULAR_EXPRESSION = "RegularExpression"
PATH_TYPES = (EXACT, PATH_PREFIX, REGULAR_EXPRESSION)
VALUE_MATCH_TYPES = (EXACT, REGULAR_EXPRESSION)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")

FROM_ALL = "All"
FROM_SAME = "Same"
FROM_SELECTOR = "Selector"
FROM_NONE = "None"

HTTPROUTE = "HTTPRoute"
GRPCROUTE = "GRPCRoute"
ROUTE_KINDS = (HTTPROUTE, GRPCROUTE)


# ---------------------------------------------------------------- raw access


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _str(value: Any, default: str = "") -> str:
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_str(mapping: Mapping[str, Any], key: str, default: str) -> str:
    """``mapping[key]`` as the API defaults it: absent or null takes ``default``; an
    explicit empty string stays empty (the API keeps ``group: ""``)."""
    if key not in mapping or mapping[key] is None:
        return default
    return _str(mapping[key])


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 timestamp (``2025-01-01T00:00:00Z``), or None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def age_key(created: str, namespace: str, name: str) -> tuple[int, str, str, str]:
    """Oldest first, then ``namespace/name``; a missing timestamp sorts after any."""
    moment = parse_time(created)
    stamp = moment.isoformat() if moment is not None else ""
    return (0 if moment is not None else 1, stamp, namespace, name)


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Condition:
    """One ``metav1.Condition`` as a controller wrote it."""

    type: str
    status: str
    """"True", "False" or "Unknown"."""
    reason: str
    message: str
    observed_generation: int | None = None

    def describe(self) -> str:
        text = f"{self.type}={self.status}"
        if self.reason:
            text += f" ({self.reason}"
            text += f": {self.message})" if self.message else ")"
        return text


def conditions_of(raw: Any) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            type=_str(c.get("type")),
            status=_str(c.get("status"), "Unknown"),
            reason=_str(c.get("reason")),
            message=_str(c.get("message")),
            observed_generation=_int(c.get("observedGeneration")),
        )
        for c in _list(raw)
        if isinstance(c, Mapping)
    )


def condition(conditions: Sequence[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


# ---------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class GroupKind:
    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.group}/{self.kind}" if self.group else self.kind


@dataclass(frozen=True)
class SecretRef:
    """A listener ``tls.certificateRefs[]`` entry with its defaults applied."""

    index: int
    group: str
    kind: str
    namespace: str
    name: str
    explicit_namespace: bool

    @property
    def is_secret(self) -> bool:
        return self.group == CORE_GROUP and self.kind == "Secret"


@dataclass(frozen=True)
class ListenerTLS:
    mode: str
    certificate_refs: tuple[SecretRef, ...]
    has_options: bool


@dataclass(frozen=True)
class NamespacePolicy:
    """``allowedRoutes.namespaces`` or ``allowedListeners.namespaces``."""

    from_: str
    selector: Mapping[str, Any] | None
    """The ``metav1.LabelSelector`` when ``from_`` is Selector (None when missing)."""


@dataclass(frozen=True)
class AllowedRoutes:
    namespaces: NamespacePolicy
    kinds: tuple[GroupKind, ...]
    """As written; empty means "the kinds the protocol supports"."""


@dataclass(frozen=True)
class ListenerStatus:
    name: str
    attached_routes: int | None
    supported_kinds: tuple[GroupKind, ...]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Listener:
    """One listener of a Gateway or of a ListenerSet."""

    owner: ObjectRef
    """The Gateway or ListenerSet that declares it."""
    index: int
    name: str
    hostname: str
    """"" when unset (matches every host)."""
    port: int | None
    protocol: str
    tls: ListenerTLS | None
    allowed: AllowedRoutes
    status: ListenerStatus | None = None

    @property
    def field(self) -> str:
        return f"spec.listeners[{self.index}]"

    @property
    def key(self) -> tuple[ObjectRef, str]:
        return (self.owner, self.name)

    def describe(self) -> str:
        """``listener https (HTTPS :443, *.example.com)``."""
        host = self.hostname or "any host"
        port = "?" if self.port is None else str(self.port)
        return f"listener {self.name} ({self.protocol} :{port}, {host})"

    def label(self) -> str:
        """``Gateway infra/gw listener https (HTTPS :443, *.example.com)``."""
        return f"{self.owner} {self.describe()}"


def _namespace_policy(raw: Any, default_from: str) -> NamespacePolicy:
    raw = _dict(raw)
    selector = raw.get("selector")
    return NamespacePolicy(
        from_=_opt_str(raw, "from", default_from) or default_from,
        selector=selector if isinstance(selector, Mapping) else None,
    )


def _listener_status(raw: Any) -> dict[str, ListenerStatus]:
    found: dict[str, ListenerStatus] = {}
    for entry in _list(raw):
        if not isinstance(entry, Mapping):
            continue
        name = _str(entry.get("name"))
        found[name] = ListenerStatus(
            name=name,
            attached_routes=_int(entry.get("attachedRoutes")),
            supported_kinds=tuple(
                GroupKind(_opt_str(_dict(k), "group", GATEWAY_GROUP), _str(_dict(k).get("kind")))
                for k in _list(entry.get("supportedKinds"))
            ),
            conditions=conditions_of(entry.get("conditions")),
        )
    return found


def _listeners(owner: ObjectRef, spec: Mapping[str, Any], status: Any) -> tuple[Listener, ...]:
    statuses = _listener_status(_dict(status).get("listeners"))
    found: list[Listener] = []
    for i, raw in enumerate(_list(spec.get("listeners"))):
        raw = _dict(raw)
        name = _str(raw.get("name"))
        tls_raw = raw.get("tls")
        tls: ListenerTLS | None = None
        if isinstance(tls_raw, Mapping):
            refs = []
            for j, ref in enumerate(_list(tls_raw.get("certificateRefs"))):
                ref = _dict(ref)
                explicit = bool(_str(ref.get("namespace")))
                refs.append(
                    SecretRef(
                        index=j,
                        group=_opt_str(ref, "group", CORE_GROUP),
                        kind=_opt_str(ref, "kind", "Secret") or "Secret",
                        namespace=_str(ref.get("namespace")) or owner.namespace,
                        name=_str(ref.get("name")),
                        explicit_namespace=explicit,
                    )
                )
            tls = ListenerTLS(
                mode=_opt_str(tls_raw, "mode", TERMINATE) or TERMINATE,
                certificate_refs=tuple(refs),
                has_options=bool(_dict(tls_raw.get("options"))),
            )
        allowed_raw = _dict(raw.get("allowedRoutes"))
        kinds = tuple(
            GroupKind(_opt_str(_dict(k), "group", GATEWAY_GROUP), _str(_dict(k).get("kind")))
            for k in _list(allowed_raw.get("kinds"))
        )
        found.append(
            Listener(
                owner=owner,
                index=i,
                name=name,
                hostname=_str(raw.get("hostname")).lower(),
                port=_int(raw.get("port")),
                protocol=_str(raw.get("protocol")),
                tls=tls,
                allowed=AllowedRoutes(
                    namespaces=_namespace_policy(allowed_raw.get("namespaces"), FROM_SAME),
                    kinds=kinds,
                ),
                status=statuses.get(name),
            )
        )
    return tuple(found)


def _meta(obj: Obj) -> Mapping[str, Any]:
    return _dict(obj.get("metadata"))


def _created(obj: Obj) -> str:
    return _str(_meta(obj).get("creationTimestamp"))


def _generation(obj: Obj) -> int | None:
    return _int(_meta(obj).get("generation"))


# ---------------------------------------------------------------- GatewayClass


@dataclass(frozen=True)
class GatewayClass:
    name: str
    controller: str
    conditions: tuple[Condition, ...]
    generation: int | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("GatewayClass", "", self.name)

    @property
    def accepted(self) -> Condition | None:
        return condition(self.conditions, "Accepted")


def parse_gatewayclass(obj: Obj) -> GatewayClass:
    spec = _dict(obj.get("spec"))
    return GatewayClass(
        name=name_of(obj),
        controller=_str(spec.get("controllerName")),
        conditions=conditions_of(_dict(obj.get("status")).get("conditions")),
        generation=_generation(obj),
    )


# ---------------------------------------------------------------- Gateway


@dataclass(frozen=True)
class Address:
    type: str
    value: str


@dataclass(frozen=True)
class Gateway:
    namespace: str
    name: str
    class_name: str
    listeners: tuple[Listener, ...]
    allowed_listeners: NamespacePolicy
    addresses: tuple[Address, ...]
    """``status.addresses`` (what the controller bound)."""
    conditions: tuple[Condition, ...]
    created: str = ""
    generation: int | None = None
    has_status: bool = False

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Gateway", self.namespace, self.name)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def parse_gateway(obj: Obj, default_namespace: str = "default") -> Gateway:
    namespace = namespace_of(obj, default_namespace)
    ref = ObjectRef("Gateway", namespace, name_of(obj))
    spec = _dict(obj.get("spec"))
    status = obj.get("status")
    allowed = _dict(spec.get("allowedListeners"))
    return Gateway(
        namespace=namespace,
        name=ref.name,
        class_name=_str(spec.get("gatewayClassName")),
        listeners=_listeners(ref, spec, status),
        allowed_listeners=_namespace_policy(allowed.get("namespaces"), FROM_NONE),
        addresses=tuple(
            Address(
                _opt_str(_dict(a), "type", "IPAddress") or "IPAddress", _str(_dict(a).get("value"))
            )
            for a in _list(_dict(status).get("addresses"))
            if _str(_dict(a).get("value"))
        ),
        conditions=conditions_of(_dict(status).get("conditions")),
        created=_created(obj),
        generation=_generation(obj),
        has_status=bool(_dict(status)),
    )


# ---------------------------------------------------------------- ListenerSet


@dataclass(frozen=True)
class ParentGatewayRef:
    group: str
    kind: str
    namespace: str
    name: str

    @property
    def is_gateway(self) -> bool:
        return self.group == GATEWAY_GROUP and self.kind == "Gateway"


@dataclass(frozen=True)
class ListenerSet:
    namespace: str
    name: str
    parent: ParentGatewayRef
    listeners: tuple[Listener, ...]
    conditions: tuple[Condition, ...]
    created: str = ""
    generation: int | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ListenerSet", self.namespace, self.name)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def parse_listenerset(obj: Obj, default_namespace: str = "default") -> ListenerSet:
    namespace = namespace_of(obj, default_namespace)
    ref = ObjectRef("ListenerSet", namespace, name_of(obj))
    spec = _dict(obj.get("spec"))
    parent = _dict(spec.get("parentRef"))
    return ListenerSet(
        namespace=namespace,
        name=ref.name,
        parent=ParentGatewayRef(
            group=_opt_str(parent, "group", GATEWAY_GROUP),
            kind=_opt_str(parent, "kind", "Gateway") or "Gateway",
            namespace=_str(parent.get("namespace")) or namespace,
            name=_str(parent.get("name")),
        ),
        listeners=_listeners(ref, spec, obj.get("status")),
        conditions=conditions_of(_dict(obj.get("status")).get("conditions")),
        created=_created(obj),
        generation=_generation(obj),
    )


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
    raw = _dict(raw)
    return ParentRef(
        index=index,
        group=_opt_str(raw, "group", GATEWAY_GROUP),
        kind=_opt_str(raw, "kind", "Gateway") or "Gateway",
        namespace=_str(raw.get("namespace")) or route_namespace,
        name=_str(raw.get("name")),
        section_name=_str(raw.get("sectionName")),
        port=_int(raw.get("port")),
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
        value = _int(_dict(self.raw.get("requestRedirect")).get("statusCode"))
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
            name=_str(_dict(m).get("name")),
            value=_str(_dict(m).get("value")),
            type=_opt_str(_dict(m), "type", EXACT) or EXACT,
        )
        for m in _list(raw)
        if isinstance(m, Mapping)
    )


def _filters(raw: Any) -> tuple[Filter, ...]:
    return tuple(
        Filter(type=_str(_dict(f).get("type")), raw=_dict(f))
        for f in _list(raw)
        if isinstance(f, Mapping)
    )


def _backend_refs(raw: Any, namespace: str) -> tuple[BackendRef, ...]:
    refs: list[BackendRef] = []
    for i, ref in enumerate(_list(raw)):
        ref = _dict(ref)
        weight = _int(ref.get("weight"))
        refs.append(
            BackendRef(
                index=i,
                group=_opt_str(ref, "group", CORE_GROUP),
                kind=_opt_str(ref, "kind", "Service") or "Service",
                namespace=_str(ref.get("namespace")) or namespace,
                name=_str(ref.get("name")),
                port=_int(ref.get("port")),
                weight=1 if weight is None else weight,
                explicit_namespace=bool(_str(ref.get("namespace"))),
                filters=_filters(ref.get("filters")),
            )
        )
    return tuple(refs)


DEFAULT_PATH = PathMatch(PATH_PREFIX, "/")


def _http_match(raw: Any, index: int) -> HTTPMatch:
    raw = _dict(raw)
    path_raw = raw.get("path")
    if isinstance(path_raw, Mapping):
        path = PathMatch(
            type=_opt_str(path_raw, "type", PATH_PREFIX) or PATH_PREFIX,
            value=_opt_str(path_raw, "value", "/"),
        )
    else:
        path = DEFAULT_PATH
    return HTTPMatch(
        index=index,
        path=path,
        headers=_value_matches(raw.get("headers")),
        query=_value_matches(raw.get("queryParams")),
        method=_str(raw.get("method")).upper(),
    )


def _grpc_match(raw: Any, index: int) -> GRPCMatch:
    raw = _dict(raw)
    method = _dict(raw.get("method"))
    return GRPCMatch(
        index=index,
        type=_opt_str(method, "type", EXACT) or EXACT,
        service=_str(method.get("service")),
        method=_str(method.get("method")),
        headers=_value_matches(raw.get("headers")),
    )


def parse_route(obj: Obj, default_namespace: str = "default") -> Route:
    kind = _str(obj.get("kind")) or HTTPROUTE
    namespace = namespace_of(obj, default_namespace)
    spec = _dict(obj.get("spec"))
    grpc = kind == GRPCROUTE
    rules: list[Rule] = []
    raw_rules = spec.get("rules")
    if not isinstance(raw_rules, list | tuple) and not grpc:
        raw_rules = [{}]  # the CRD default: one rule matching PathPrefix /
        rules_defaulted = True
    else:
        rules_defaulted = False
    for i, raw in enumerate(_list(raw_rules)):
        raw = _dict(raw)
        raw_matches = _list(raw.get("matches"))
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
                name=_str(raw.get("name")),
                matches=matches,
                filters=_filters(raw.get("filters")),
                backend_refs=_backend_refs(raw.get("backendRefs"), namespace),
                defaulted=defaulted,
            )
        )
    status = _dict(obj.get("status"))
    parents = tuple(
        RouteParentStatus(
            parent_ref=_parent_ref(p.get("parentRef"), i, namespace),
            controller=_str(p.get("controllerName")),
            conditions=conditions_of(p.get("conditions")),
        )
        for i, p in enumerate(_list(status.get("parents")))
        if isinstance(p, Mapping)
    )
    return Route(
        kind=kind,
        namespace=namespace,
        name=name_of(obj),
        hostnames=tuple(_str(h).lower() for h in _list(spec.get("hostnames")) if _str(h)),
        parent_refs=tuple(
            _parent_ref(p, i, namespace) for i, p in enumerate(_list(spec.get("parentRefs")))
        ),
        rules=tuple(rules),
        status_parents=parents,
        created=_created(obj),
        generation=_generation(obj),
        has_status=bool(status),
    )


# ---------------------------------------------------------------- ReferenceGrant


@dataclass(frozen=True)
class GrantFrom:
    group: str
    kind: str
    namespace: str


@dataclass(frozen=True)
class GrantTo:
    group: str
    kind: str
    name: str
    """"" grants every object of the kind in the grant's namespace."""


@dataclass(frozen=True)
class ReferenceGrant:
    namespace: str
    name: str
    from_: tuple[GrantFrom, ...]
    to: tuple[GrantTo, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ReferenceGrant", self.namespace, self.name)


def parse_referencegrant(obj: Obj, default_namespace: str = "default") -> ReferenceGrant:
    spec = _dict(obj.get("spec"))
    return ReferenceGrant(
        namespace=namespace_of(obj, default_namespace),
        name=name_of(obj),
        from_=tuple(
            GrantFrom(
                _str(_dict(f).get("group")),
                _str(_dict(f).get("kind")),
                _str(_dict(f).get("namespace")),
            )
            for f in _list(spec.get("from"))
        ),
        to=tuple(
            GrantTo(
                _str(_dict(t).get("group")), _str(_dict(t).get("kind")), _str(_dict(t).get("name"))
            )
            for t in _list(spec.get("to"))
        ),
    )


# ---------------------------------------------------------------- BackendTLSPolicy


@dataclass(frozen=True)
class PolicyTarget:
    group: str
    kind: str
    name: str
    section_name: str


@dataclass(frozen=True)
class BackendTLSPolicy:
    namespace: str
    name: str
    targets: tuple[PolicyTarget, ...]
    hostname: str
    ca_refs: tuple[str, ...]
    well_known_ca: str
    conditions: tuple[Condition, ...] = ()
    created: str = ""

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("BackendTLSPolicy", self.namespace, self.name)


def parse_backendtlspolicy(obj: Obj, default_namespace: str = "default") -> BackendTLSPolicy:
    spec = _dict(obj.get("spec"))
    validation = _dict(spec.get("validation"))
    status = _dict(obj.get("status"))
    conditions: list[Condition] = []
    for ancestor in _list(status.get("ancestors")):
        conditions.extend(conditions_of(_dict(ancestor).get("conditions")))
    return BackendTLSPolicy(
        namespace=namespace_of(obj, default_namespace),
        name=name_of(obj),
        targets=tuple(
            PolicyTarget(
                group=_str(_dict(t).get("group")),
                kind=_str(_dict(t).get("kind")),
                name=_str(_dict(t).get("name")),
                section_name=_str(_dict(t).get("sectionName")),
            )
            for t in _list(spec.get("targetRefs"))
        ),
        hostname=_str(validation.get("hostname")),
        ca_refs=tuple(
            f"{_str(_dict(r).get('kind'))}/{_str(_dict(r).get('name'))}"
            for r in _list(validation.get("caCertificateRefs"))
        ),
        well_known_ca=_str(validation.get("wellKnownCACertificates")),
        conditions=tuple(conditions),
        created=_created(obj),
    )
