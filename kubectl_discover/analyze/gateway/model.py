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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
            type=as_str(c.get("type")),
            status=as_str(c.get("status"), "Unknown"),
            reason=as_str(c.get("reason")),
            message=as_str(c.get("message")),
            observed_generation=as_int(c.get("observedGeneration")),
        )
        for c in as_list(raw)
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
    raw = as_dict(raw)
    selector = raw.get("selector")
    return NamespacePolicy(
        from_=opt_str(raw, "from", default_from) or default_from,
        selector=selector if isinstance(selector, Mapping) else None,
    )


def _listener_status(raw: Any) -> dict[str, ListenerStatus]:
    found: dict[str, ListenerStatus] = {}
    for entry in as_list(raw):
        if not isinstance(entry, Mapping):
            continue
        name = as_str(entry.get("name"))
        found[name] = ListenerStatus(
            name=name,
            attached_routes=as_int(entry.get("attachedRoutes")),
            supported_kinds=tuple(
                GroupKind(
                    opt_str(as_dict(k), "group", GATEWAY_GROUP), as_str(as_dict(k).get("kind"))
                )
                for k in as_list(entry.get("supportedKinds"))
            ),
            conditions=conditions_of(entry.get("conditions")),
        )
    return found


def _listeners(owner: ObjectRef, spec: Mapping[str, Any], status: Any) -> tuple[Listener, ...]:
    statuses = _listener_status(as_dict(status).get("listeners"))
    found: list[Listener] = []
    for i, raw in enumerate(as_list(spec.get("listeners"))):
        raw = as_dict(raw)
        name = as_str(raw.get("name"))
        tls_raw = raw.get("tls")
        tls: ListenerTLS | None = None
        if isinstance(tls_raw, Mapping):
            refs = []
            for j, ref in enumerate(as_list(tls_raw.get("certificateRefs"))):
                ref = as_dict(ref)
                explicit = bool(as_str(ref.get("namespace")))
                refs.append(
                    SecretRef(
                        index=j,
                        group=opt_str(ref, "group", CORE_GROUP),
                        kind=opt_str(ref, "kind", "Secret") or "Secret",
                        namespace=as_str(ref.get("namespace")) or owner.namespace,
                        name=as_str(ref.get("name")),
                        explicit_namespace=explicit,
                    )
                )
            tls = ListenerTLS(
                mode=opt_str(tls_raw, "mode", TERMINATE) or TERMINATE,
                certificate_refs=tuple(refs),
                has_options=bool(as_dict(tls_raw.get("options"))),
            )
        allowed_raw = as_dict(raw.get("allowedRoutes"))
        kinds = tuple(
            GroupKind(opt_str(as_dict(k), "group", GATEWAY_GROUP), as_str(as_dict(k).get("kind")))
            for k in as_list(allowed_raw.get("kinds"))
        )
        found.append(
            Listener(
                owner=owner,
                index=i,
                name=name,
                hostname=as_str(raw.get("hostname")).lower(),
                port=as_int(raw.get("port")),
                protocol=as_str(raw.get("protocol")),
                tls=tls,
                allowed=AllowedRoutes(
                    namespaces=_namespace_policy(allowed_raw.get("namespaces"), FROM_SAME),
                    kinds=kinds,
                ),
                status=statuses.get(name),
            )
        )
    return tuple(found)


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
    spec = as_dict(obj.get("spec"))
    return GatewayClass(
        name=name_of(obj),
        controller=as_str(spec.get("controllerName")),
        conditions=conditions_of(as_dict(obj.get("status")).get("conditions")),
        generation=generation_of(obj),
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
    spec = as_dict(obj.get("spec"))
    status = obj.get("status")
    allowed = as_dict(spec.get("allowedListeners"))
    return Gateway(
        namespace=namespace,
        name=ref.name,
        class_name=as_str(spec.get("gatewayClassName")),
        listeners=_listeners(ref, spec, status),
        allowed_listeners=_namespace_policy(allowed.get("namespaces"), FROM_NONE),
        addresses=tuple(
            Address(
                opt_str(as_dict(a), "type", "IPAddress") or "IPAddress",
                as_str(as_dict(a).get("value")),
            )
            for a in as_list(as_dict(status).get("addresses"))
            if as_str(as_dict(a).get("value"))
        ),
        conditions=conditions_of(as_dict(status).get("conditions")),
        created=created_of(obj),
        generation=generation_of(obj),
        has_status=bool(as_dict(status)),
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
    spec = as_dict(obj.get("spec"))
    parent = as_dict(spec.get("parentRef"))
    return ListenerSet(
        namespace=namespace,
        name=ref.name,
        parent=ParentGatewayRef(
            group=opt_str(parent, "group", GATEWAY_GROUP),
            kind=opt_str(parent, "kind", "Gateway") or "Gateway",
            namespace=as_str(parent.get("namespace")) or namespace,
            name=as_str(parent.get("name")),
        ),
        listeners=_listeners(ref, spec, obj.get("status")),
        conditions=conditions_of(as_dict(obj.get("status")).get("conditions")),
        created=created_of(obj),
        generation=generation_of(obj),
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
    spec = as_dict(obj.get("spec"))
    return ReferenceGrant(
        namespace=namespace_of(obj, default_namespace),
        name=name_of(obj),
        from_=tuple(
            GrantFrom(
                as_str(as_dict(f).get("group")),
                as_str(as_dict(f).get("kind")),
                as_str(as_dict(f).get("namespace")),
            )
            for f in as_list(spec.get("from"))
        ),
        to=tuple(
            GrantTo(
                as_str(as_dict(t).get("group")),
                as_str(as_dict(t).get("kind")),
                as_str(as_dict(t).get("name")),
            )
            for t in as_list(spec.get("to"))
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
    spec = as_dict(obj.get("spec"))
    validation = as_dict(spec.get("validation"))
    status = as_dict(obj.get("status"))
    conditions: list[Condition] = []
    for ancestor in as_list(status.get("ancestors")):
        conditions.extend(conditions_of(as_dict(ancestor).get("conditions")))
    return BackendTLSPolicy(
        namespace=namespace_of(obj, default_namespace),
        name=name_of(obj),
        targets=tuple(
            PolicyTarget(
                group=as_str(as_dict(t).get("group")),
                kind=as_str(as_dict(t).get("kind")),
                name=as_str(as_dict(t).get("name")),
                section_name=as_str(as_dict(t).get("sectionName")),
            )
            for t in as_list(spec.get("targetRefs"))
        ),
        hostname=as_str(validation.get("hostname")),
        ca_refs=tuple(
            f"{as_str(as_dict(r).get('kind'))}/{as_str(as_dict(r).get('name'))}"
            for r in as_list(validation.get("caCertificateRefs"))
        ),
        well_known_ca=as_str(validation.get("wellKnownCACertificates")),
        conditions=tuple(conditions),
        created=created_of(obj),
    )
