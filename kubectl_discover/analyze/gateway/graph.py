"""One graph of the Gateway API objects, built once; every analysis walks it.

GatewayClass -> Gateway -> listeners (the Gateway's own, then those of the
ListenerSets it accepts) -> attached Routes -> rules -> backendRefs -> Service ports.

What the graph decides, each time as the specification says (docs/gateway.md lists
the source of every rule):

- whether a Gateway's class exists and is Accepted by its controller;
- which ListenerSets a Gateway accepts (``allowedListeners``), the merged listener list
  in precedence order (the Gateway, then ListenerSets oldest first, then by
  ``namespace/name``), and each listener's problems: protocol, TLS settings,
  certificateRefs (kind, ReferenceGrant, Secret), allowed route kinds, conflicts;
- for every Route parentRef: the relevant listeners (sectionName, port; a Gateway
  parentRef never reaches ListenerSet listeners), and per listener whether the Route
  attaches, with the reason when it does not (NoMatchingParent, NotAllowedByListeners,
  NoMatchingListenerHostname) and the intersected hostnames when it does; an HTTPRoute
  and a GRPCRoute with intersecting hostnames on one listener: only the older attaches;
- for every backendRef: the Service and Service port it resolves to, or why it is
  invalid (InvalidKind, RefNotPermitted, BackendNotFound, a port the Service lacks).

Inputs are raw objects plus what the caller knows: namespace labels (for ``Selector``),
the Secrets and ReferenceGrants that could be read (None when they could not). Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.grants import Decision, Permission, Reference, decide
from kubectl_discover.analyze.gateway.model import (
    CORE_GROUP,
    CORE_PROTOCOLS,
    EXACT,
    FROM_ALL,
    FROM_NONE,
    FROM_SAME,
    FROM_SELECTOR,
    GATEWAY_GROUP,
    GRPCROUTE,
    HTTP,
    HTTP_METHODS,
    HTTPROUTE,
    HTTPS,
    PASSTHROUGH,
    PATH_TYPES,
    REGULAR_EXPRESSION,
    TCP,
    TERMINATE,
    TLS,
    UDP,
    VALUE_MATCH_TYPES,
    BackendRef,
    BackendTLSPolicy,
    Condition,
    Gateway,
    GatewayClass,
    GroupKind,
    HTTPMatch,
    Listener,
    ListenerSet,
    NamespacePolicy,
    ParentRef,
    ReferenceGrant,
    Route,
    RouteParentStatus,
    age_key,
    condition,
    parse_backendtlspolicy,
    parse_gateway,
    parse_gatewayclass,
    parse_listenerset,
    parse_referencegrant,
    parse_route,
)
from kubectl_discover.analyze.selectors import matches_label_selector
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView, view_service
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

ListenerKey = tuple[ObjectRef, str]
"""(the Gateway or ListenerSet that declares the listener, the listener name)."""

RouteKey = tuple[str, str, str]
"""(kind, namespace, name)."""

# ---------------------------------------------------------------- namespaces


@dataclass(frozen=True)
class NamespaceDecision:
    allowed: bool | None
    """True, False, or None when the namespace's labels are unknown."""
    why: str


def namespace_allowed(
    policy: NamespacePolicy,
    owner_namespace: str,
    namespace: str,
    labels: Mapping[str, Mapping[str, str]] | None,
    *,
    what: str = "Routes",
) -> NamespaceDecision:
    """Whether ``policy`` (``from`` All/Same/Selector/None) admits ``namespace``.

    ``labels`` maps namespace -> labels; None (or a namespace missing from it) means
    unknown, except that the API server sets ``kubernetes.io/metadata.name`` on every
    namespace, so a selector on that label alone is always decidable.
    """
    if policy.from_ == FROM_ALL:
        return NamespaceDecision(True, f"{what} from all namespaces are allowed")
    if policy.from_ == FROM_SAME:
        if namespace == owner_namespace:
            return NamespaceDecision(True, f"same namespace {owner_namespace}")
        return NamespaceDecision(
            False,
            f"from: Same admits {what} in {owner_namespace} only, not in {namespace}",
        )
    if policy.from_ == FROM_NONE:
        return NamespaceDecision(False, f"from: None admits no {what}")
    if policy.from_ == FROM_SELECTOR:
        selector = policy.selector
        if selector is None:
            return NamespaceDecision(
                False, "from: Selector without a selector selects no namespace"
            )
        shown = describe_selector(selector)
        known = None if labels is None else labels.get(namespace)
        if known is None:
            keys = {str(k) for k in (selector.get("matchLabels") or {})} | {
                str(e.get("key", "")) for e in selector.get("matchExpressions") or ()
            }
            if keys <= {NAMESPACE_NAME_LABEL}:
                known = {}
            else:
                return NamespaceDecision(
                    None,
                    f"from: Selector ({shown}) needs the labels of namespace {namespace}, "
                    "which are unknown",
                )
        full = {**known, NAMESPACE_NAME_LABEL: namespace}
        if matches_label_selector(selector, full):
            return NamespaceDecision(True, f"namespace {namespace} matches selector {shown}")
        return NamespaceDecision(
            False, f"namespace {namespace} does not match from: Selector ({shown})"
        )
    return NamespaceDecision(False, f"from: {policy.from_!r} is not All, Same or Selector")


def describe_selector(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or ():
        values = ",".join(str(v) for v in expression.get("values") or ())
        parts.append(f"{expression.get('key')} {expression.get('operator')} ({values})")
    return ", ".join(parts) or "empty selector: every namespace"


# ---------------------------------------------------------------- GatewayClass


@dataclass(frozen=True)
class ClassState:
    name: str
    gatewayclass: GatewayClass | None
    state: str
    """"accepted", "not-accepted", "pending" (no controller answered), "missing",
    or "unknown" (offline: no status to read)."""
    why: str

    @property
    def serves(self) -> bool | None:
        if self.state == "accepted":
            return True
        if self.state == "unknown":
            return None
        return False


def class_state(name: str, classes: Mapping[str, GatewayClass], live: bool) -> ClassState:
    gatewayclass = classes.get(name)
    if not name:
        return ClassState(name, None, "missing", "spec.gatewayClassName is empty")
    if gatewayclass is None:
        if not live and not classes:
            return ClassState(
                name, None, "unknown", f"GatewayClass {name} is not among the files read"
            )
        return ClassState(name, None, "missing", f"GatewayClass {name} does not exist")
    accepted = gatewayclass.accepted
    if accepted is None or (accepted.status == "Unknown" and not live):
        if not live:
            return ClassState(
                name,
                gatewayclass,
                "unknown",
                f"GatewayClass {name} (controller {gatewayclass.controller}) carries no status "
                "offline",
            )
        return ClassState(
            name,
            gatewayclass,
            "pending",
            f"no controller has answered for GatewayClass {name} "
            f"(controllerName {gatewayclass.controller}): no Accepted condition",
        )
    if accepted.status == "True":
        return ClassState(name, gatewayclass, "accepted", f"GatewayClass {name} is Accepted")
    if accepted.status == "Unknown":
        return ClassState(
            name,
            gatewayclass,
            "pending",
            f"GatewayClass {name} is still {accepted.describe()}: no controller named "
            f"{gatewayclass.controller} is running",
        )
    return ClassState(
        name,
        gatewayclass,
        "not-accepted",
        f"GatewayClass {name} is {accepted.describe()}",
    )


# ---------------------------------------------------------------- listeners


@dataclass(frozen=True)
class ListenerProblem:
    """Something that makes a listener (partly) unusable, as a controller would report it.

    ``condition``/``reason`` are the listener condition the spec prescribes
    ("ResolvedRefs"/"RefNotPermitted", "Conflicted"/"HostnameConflict", ...); ``code``
    is this tool's finer name for it (it picks the check).
    """

    code: str
    condition: str
    reason: str
    message: str
    fix: str
    blocking: bool
    """True when the listener serves no traffic because of it."""
    api_rejects: bool = False
    """True when the API server rejects the object outright (offline files only)."""
    reference: Reference | None = None
    decision: Decision | None = None
    secret: tuple[str, str] | None = None
    """(namespace, name) of the certificate Secret concerned."""


_PROTOCOL_KINDS: Mapping[str, tuple[str, ...]] = {
    HTTP: (HTTPROUTE, GRPCROUTE),
    HTTPS: (HTTPROUTE, GRPCROUTE),
    TLS: ("TLSRoute",),
    TCP: ("TCPRoute",),
    UDP: ("UDPRoute",),
}


@dataclass(frozen=True)
class ListenerNode:
    listener: Listener
    gateway: ObjectRef
    order: int
    """Position in the Gateway's merged listener list (precedence order)."""
    supported_kinds: tuple[GroupKind, ...]
    problems: tuple[ListenerProblem, ...]
    conflicted_with: tuple[ListenerKey, ...] = ()

    @property
    def key(self) -> ListenerKey:
        return self.listener.key

    @property
    def accepted(self) -> bool:
        """Predicted to carry traffic (no blocking problem)."""
        return not any(p.blocking for p in self.problems)

    @property
    def conflicted(self) -> bool:
        return any(p.condition == "Conflicted" for p in self.problems)

    def label(self) -> str:
        return self.listener.label()

    def blocking_why(self) -> str:
        return "; ".join(p.message for p in self.problems if p.blocking)


def _protocol_family(protocol: str) -> str:
    if protocol == HTTP:
        return "http"
    if protocol in (HTTPS, TLS):
        return "tls"
    if protocol == UDP:
        return "udp"
    if protocol == TCP:
        return "tcp"
    return f"custom:{protocol}"


def _supported_kinds(listener: Listener) -> tuple[tuple[GroupKind, ...], tuple[GroupKind, ...]]:
    """(supported, invalid) route kinds of ``listener``."""
    defaults = _PROTOCOL_KINDS.get(listener.protocol)
    if not listener.allowed.kinds:
        if defaults is None:
            return (), ()
        return tuple(GroupKind(GATEWAY_GROUP, k) for k in defaults), ()
    supported: list[GroupKind] = []
    invalid: list[GroupKind] = []
    for kind in listener.allowed.kinds:
        if defaults is None:
            supported.append(kind)  # a custom protocol: its implementation decides
        elif kind.group == GATEWAY_GROUP and kind.kind in defaults:
            supported.append(kind)
        else:
            invalid.append(kind)
    return tuple(supported), tuple(invalid)


def _listener_problems(
    listener: Listener,
    invalid_kinds: tuple[GroupKind, ...],
    supported: tuple[GroupKind, ...],
    grants: Sequence[ReferenceGrant] | None,
    secrets: Mapping[tuple[str, str], Obj] | None,
    live: bool,
) -> list[ListenerProblem]:
    problems: list[ListenerProblem] = []
    where = f"{listener.field} ({listener.name}) of {listener.owner}"
    protocol = listener.protocol
    if listener.port is None:
        problems.append(
            ListenerProblem(
                "port-missing",
                "Accepted",
                "Invalid",
                f"{where} has no port (1-65535); the API server rejects it",
                f"Set {listener.field}.port on {listener.owner}.",
                True,
                api_rejects=True,
            )
        )
    if protocol not in CORE_PROTOCOLS:
        custom = "/" in protocol
        problems.append(
            ListenerProblem(
                "protocol-unsupported",
                "Accepted",
                "UnsupportedProtocol",
                f"{where} uses protocol {protocol!r}, "
                + (
                    "an implementation-specific protocol: only its controller knows whether "
                    "it is supported"
                    if custom
                    else "which is not one of HTTP, HTTPS, TLS, TCP, UDP (un-prefixed names are "
                    "reserved for those), so controllers set Accepted=False "
                    "(UnsupportedProtocol) and the listener serves nothing"
                ),
                f"Set {listener.field}.protocol to HTTP or HTTPS (protocols are case-sensitive).",
                not custom,
            )
        )
    if listener.hostname and protocol in (TCP, UDP):
        problems.append(
            ListenerProblem(
                "hostname-forbidden",
                "Accepted",
                "Invalid",
                f"{where} sets hostname on a {protocol} listener; the API server rejects it",
                f"Remove {listener.field}.hostname.",
                True,
                api_rejects=True,
            )
        )
    elif listener.hostname:
        problem = hostnames.hostname_problem(listener.hostname)
        if problem:
            problems.append(
                ListenerProblem(
                    "hostname-invalid",
                    "Accepted",
                    "Invalid",
                    f"{where} hostname {listener.hostname!r} {problem}; the API server rejects it",
                    f"Write {listener.field}.hostname as a lower-case DNS name, optionally "
                    "starting with '*.'.",
                    True,
                    api_rejects=True,
                )
            )
    problems.extend(_tls_problems(listener, where, grants, secrets, live))
    for kind in invalid_kinds:
        problems.append(
            ListenerProblem(
                "route-kinds-invalid",
                "ResolvedRefs",
                "InvalidRouteKinds",
                f"{where} allows route kind {kind}, which a {protocol} listener cannot carry "
                f"(it carries {', '.join(k.kind for k in _default_kinds(protocol)) or 'none'}); "
                "controllers set ResolvedRefs=False (InvalidRouteKinds)"
                + ("" if supported else " and no Route can attach to it"),
                f"Set {listener.field}.allowedRoutes.kinds to kinds the protocol supports, or "
                "remove it to allow them all.",
                not supported,
            )
        )
    policy = listener.allowed.namespaces
    if policy.from_ == FROM_SELECTOR and policy.selector is None:
        problems.append(
            ListenerProblem(
                "selector-missing",
                "Accepted",
                "Invalid",
                f"{where} has allowedRoutes.namespaces.from: Selector without a selector, so "
                "no namespace is selected",
                f"Add {listener.field}.allowedRoutes.namespaces.selector (matchLabels), or use "
                "from: Same or All.",
                False,
            )
        )
    return problems


def _default_kinds(protocol: str) -> tuple[GroupKind, ...]:
    return tuple(GroupKind(GATEWAY_GROUP, k) for k in _PROTOCOL_KINDS.get(protocol, ()))


def _tls_problems(
    listener: Listener,
    where: str,
    grants: Sequence[ReferenceGrant] | None,
    secrets: Mapping[tuple[str, str], Obj] | None,
    live: bool,
) -> Iterable[ListenerProblem]:
    protocol = listener.protocol
    tls = listener.tls
    if tls is not None and protocol in (HTTP, TCP, UDP):
        yield ListenerProblem(
            "tls-forbidden",
            "Accepted",
            "Invalid",
            f"{where} sets tls on a {protocol} listener; the API server rejects it",
            f"Remove {listener.field}.tls, or set protocol: HTTPS.",
            True,
            api_rejects=True,
        )
        return
    if protocol not in (HTTPS, TLS):
        return
    if tls is None:
        yield ListenerProblem(
            "tls-missing",
            "Accepted",
            "Invalid",
            f"{where} is {protocol} without tls"
            + (
                "; the API server rejects a TLS listener without tls.mode"
                if protocol == TLS
                else ", so it has no certificate to terminate TLS with and controllers reject it"
            ),
            f"Add {listener.field}.tls with mode: Terminate and certificateRefs naming a "
            "kubernetes.io/tls Secret.",
            True,
            api_rejects=protocol == TLS,
        )
        return
    if protocol == HTTPS and tls.mode == PASSTHROUGH:
        yield ListenerProblem(
            "tls-mode-invalid",
            "Accepted",
            "Invalid",
            f"{where} is HTTPS with tls.mode Passthrough; the API server rejects it (HTTPS "
            "always terminates; Passthrough needs protocol TLS and a TLSRoute)",
            f"Set {listener.field}.tls.mode: Terminate, or protocol: TLS.",
            True,
            api_rejects=True,
        )
        return
    if tls.mode not in (TERMINATE, PASSTHROUGH):
        yield ListenerProblem(
            "tls-mode-invalid",
            "Accepted",
            "Invalid",
            f"{where} has tls.mode {tls.mode!r} (Terminate or Passthrough); the API server "
            "rejects it",
            f"Set {listener.field}.tls.mode: Terminate.",
            True,
            api_rejects=True,
        )
        return
    if tls.mode != TERMINATE:
        return
    if not tls.certificate_refs:
        if tls.has_options:
            return  # certificates from implementation-specific options
        yield ListenerProblem(
            "tls-no-certificate",
            "Accepted",
            "Invalid",
            f"{where} terminates TLS without certificateRefs; the API server rejects it",
            f"Add {listener.field}.tls.certificateRefs: [{{name: SECRET}}] naming a "
            "kubernetes.io/tls Secret.",
            True,
            api_rejects=True,
        )
        return
    usable = 0
    problems: list[ListenerProblem] = []
    for ref in tls.certificate_refs:
        ref_where = f"{listener.field}.tls.certificateRefs[{ref.index}]"
        if not ref.is_secret:
            problems.append(
                ListenerProblem(
                    "tls-ref-kind",
                    "ResolvedRefs",
                    "InvalidCertificateRef",
                    f"{ref_where} of {listener.owner} names {GroupKind(ref.group, ref.kind)} "
                    f"{ref.name}; only a core Secret is portable (other kinds are "
                    "implementation-specific), so most controllers set ResolvedRefs=False "
                    "(InvalidCertificateRef)",
                    f'Reference a kubernetes.io/tls Secret: set {ref_where}.group: "" and '
                    "kind: Secret.",
                    False,
                )
            )
            continue
        reference = Reference(
            GATEWAY_GROUP,
            listener.owner.kind,
            listener.owner.namespace,
            CORE_GROUP,
            "Secret",
            ref.namespace,
            ref.name,
        )
        decision = decide(grants, reference)
        if decision.permission is Permission.DENIED:
            problems.append(
                ListenerProblem(
                    "tls-ref-not-permitted",
                    "ResolvedRefs",
                    "RefNotPermitted",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name} in "
                    f"another namespace, and no ReferenceGrant in {ref.namespace} allows "
                    f"{listener.owner.kind}s from {listener.owner.namespace} to use it, so "
                    "controllers set ResolvedRefs=False (RefNotPermitted) and do not use the "
                    "certificate",
                    f"Create a ReferenceGrant in namespace {ref.namespace} allowing "
                    f"{listener.owner.kind} from {listener.owner.namespace} to Secret {ref.name}.",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            continue
        if decision.permission is Permission.UNKNOWN:
            problems.append(
                ListenerProblem(
                    "tls-ref-grant-unknown",
                    "ResolvedRefs",
                    "RefNotPermitted",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name} in "
                    "another namespace; ReferenceGrants could not be read, so whether it is "
                    "permitted is unknown",
                    "Grant 'list' on referencegrants.gateway.networking.k8s.io.",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            usable += 1
            continue
        if secrets is not None and (ref.namespace, ref.name) not in secrets:
            problems.append(
                ListenerProblem(
                    "tls-secret-missing",
                    "ResolvedRefs",
                    "InvalidCertificateRef",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name}, "
                    + (
                        "which does not exist, so controllers set ResolvedRefs=False "
                        "(InvalidCertificateRef)"
                        if live
                        else "which is not among the files read; it must exist when applied"
                    ),
                    f"Create Secret {ref.name} of type kubernetes.io/tls in namespace "
                    f"{ref.namespace} (kubectl create secret tls {ref.name} --cert=cert.pem "
                    f"--key=key.pem -n {ref.namespace}).",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            continue
        usable += 1
    if problems and usable == 0:
        # Every certificate is unusable: the listener cannot terminate TLS at all.
        problems = [replace(p, blocking=True) for p in problems]
    yield from problems
    if len(tls.certificate_refs) > 1:
        yield ListenerProblem(
            "tls-several-certificates",
            "ResolvedRefs",
            "ResolvedRefs",
            f"{where} lists {len(tls.certificate_refs)} certificateRefs; more than one is "
            "implementation-specific (which certificate is served for which name depends on "
            "the controller)",
            "Keep one certificate per listener, or check the controller's documentation.",
            False,
        )


def _conflicts(nodes: list[ListenerNode], own: set[ListenerKey]) -> list[ListenerNode]:
    """Conflicted and OverlappingTLSConfig problems over the merged listener list.

    Among the Gateway's own listeners every indistinct listener is conflicted (none
    wins); a ListenerSet listener conflicting with an earlier one (the Gateway's, or an
    older ListenerSet's) is conflicted and the earlier one keeps working.
    """
    added: dict[ListenerKey, list[ListenerProblem]] = defaultdict(list)
    partners: dict[ListenerKey, list[ListenerKey]] = defaultdict(list)
    for i, a in enumerate(nodes):
        la = a.listener
        if la.port is None:
            continue
        for b in nodes[i + 1 :]:
            lb = b.listener
            if lb.port != la.port:
                continue
            fa, fb = _protocol_family(la.protocol), _protocol_family(lb.protocol)
            if "udp" in (fa, fb) and fa != fb:
                continue  # UDP and TCP listeners on one port are distinct
            reason = ""
            if fa != fb:
                reason = "ProtocolConflict"
                why = (
                    f"{lb.label()} uses port {lb.port} with protocol {lb.protocol}, which "
                    f"{la.label()} uses with protocol {la.protocol}"
                )
            elif fa in ("http", "tls") and la.hostname == lb.hostname:
                reason = "HostnameConflict"
                why = (
                    f"{lb.label()} and {la.label()} both take port {lb.port} "
                    f"{lb.protocol} for {la.hostname or 'any host'}"
                )
            elif fa in ("tcp", "udp") or fa.startswith("custom:"):
                reason = "ProtocolConflict"
                why = f"{lb.label()} and {la.label()} both take {lb.protocol} port {lb.port}"
            if reason:
                both_own = a.key in own and b.key in own
                losers = (a, b) if both_own else (b,)
                for loser in losers:
                    other = a if loser is b else b
                    added[loser.key].append(
                        ListenerProblem(
                            "conflicted",
                            "Conflicted",
                            reason,
                            why
                            + (
                                "; indistinct listeners of one Gateway are all rejected"
                                if both_own
                                else f"; {other.listener.owner} comes first, so this listener "
                                "is rejected"
                            ),
                            f"Give {loser.listener.owner} {loser.listener.field} another port or "
                            "hostname.",
                            True,
                        )
                    )
                    partners[loser.key].append(other.key)
                continue
            if (
                fa == "tls"
                and la.hostname != lb.hostname
                and hostnames.overlap(la.hostname, lb.hostname)
            ):
                for node, other in ((a, b), (b, a)):
                    added[node.key].append(
                        ListenerProblem(
                            "overlapping-tls",
                            "OverlappingTLSConfig",
                            "OverlappingHostnames",
                            f"{node.label()} and {other.label()} share port {la.port} with "
                            "overlapping hostnames; clients that reuse one HTTP/2 connection "
                            "for both names (connection coalescing) can reach the wrong "
                            "listener's routes or certificate",
                            "Use hostnames that do not overlap on one port, or accept the "
                            "coalescing risk.",
                            False,
                        )
                    )
    return [
        replace(
            n,
            problems=(*n.problems, *added.get(n.key, ())),
            conflicted_with=tuple(partners.get(n.key, ())),
        )
        for n in nodes
    ]


# ---------------------------------------------------------------- ListenerSets


@dataclass(frozen=True)
class ListenerSetNode:
    listenerset: ListenerSet
    gateway: ObjectRef | None
    attached: bool | None
    reason: str
    """"Accepted", "NotAllowed", "ParentNotFound", "UnsupportedParent" or "Unknown"."""
    why: str


# ---------------------------------------------------------------- Gateways


@dataclass(frozen=True)
class GatewayNode:
    gateway: Gateway
    cls: ClassState
    listeners: tuple[ListenerNode, ...]
    """The Gateway's own listeners, then those of accepted ListenerSets (precedence order)."""
    listenersets: tuple[ListenerSetNode, ...]
    """Every ListenerSet whose parentRef names this Gateway."""

    @property
    def ref(self) -> ObjectRef:
        return self.gateway.ref

    def own_listeners(self) -> tuple[ListenerNode, ...]:
        return tuple(n for n in self.listeners if n.listener.owner == self.ref)

    def listener(self, key: ListenerKey) -> ListenerNode | None:
        return next((n for n in self.listeners if n.key == key), None)

    @property
    def serves(self) -> bool | None:
        """Whether a controller programs this Gateway at all (from its class)."""
        return self.cls.serves


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


# ---------------------------------------------------------------- the graph


@dataclass(frozen=True)
class GatewayGraph:
    classes: Mapping[str, GatewayClass]
    gateways: Mapping[tuple[str, str], GatewayNode]
    listenersets: Mapping[tuple[str, str], ListenerSetNode]
    routes: Mapping[RouteKey, RouteNode]
    attachments: Mapping[ListenerKey, tuple[tuple[RouteKey, tuple[str, ...]], ...]]
    """Per listener: (route, intersected hostnames) of each Route attached to it."""
    grants: tuple[ReferenceGrant, ...] | None
    services: Mapping[tuple[str, str], ServiceView]
    secrets: Mapping[tuple[str, str], Obj] | None
    namespace_labels: Mapping[str, Mapping[str, str]] | None
    policies: tuple[BackendTLSPolicy, ...]
    live: bool

    def gateway(self, namespace: str, name: str) -> GatewayNode | None:
        return self.gateways.get((namespace, name))

    def route(self, kind: str, namespace: str, name: str) -> RouteNode | None:
        return self.routes.get((kind, namespace, name))

    def listener(self, key: ListenerKey) -> ListenerNode | None:
        owner = key[0]
        if owner.kind == "Gateway":
            node = self.gateways.get((owner.namespace, owner.name))
            return node.listener(key) if node else None
        for gateway in self.gateways.values():
            found = gateway.listener(key)
            if found is not None:
                return found
        return None

    def routes_on(self, key: ListenerKey) -> tuple[tuple[RouteNode, tuple[str, ...]], ...]:
        return tuple((self.routes[r], h) for r, h in self.attachments.get(key, ()))


def build_graph(
    *,
    gatewayclasses: Iterable[Obj] = (),
    gateways: Iterable[Obj] = (),
    listenersets: Iterable[Obj] = (),
    httproutes: Iterable[Obj] = (),
    grpcroutes: Iterable[Obj] = (),
    referencegrants: Iterable[Obj] | None = (),
    backendtlspolicies: Iterable[Obj] = (),
    services: Iterable[Obj] = (),
    secrets: Iterable[Obj] | None = None,
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    default_namespace: str = "default",
    live: bool = True,
) -> GatewayGraph:
    """Parse every object once and decide attachment and references.

    ``referencegrants``/``secrets`` None: they could not be read (checks needing them
    say so). ``namespace_labels`` None: labels unknown (``from: Selector`` undecided).
    """
    ns = default_namespace
    classes = {c.name: c for c in (parse_gatewayclass(o) for o in gatewayclasses)}
    gateway_views = [parse_gateway(o, ns) for o in gateways]
    set_views = [parse_listenerset(o, ns) for o in listenersets]
    route_views = [parse_route({**o, "kind": o.get("kind") or HTTPROUTE}, ns) for o in httproutes]
    route_views += [parse_route({**o, "kind": o.get("kind") or GRPCROUTE}, ns) for o in grpcroutes]
    grants = (
        None
        if referencegrants is None
        else tuple(parse_referencegrant(o, ns) for o in referencegrants)
    )
    policies = tuple(parse_backendtlspolicy(o, ns) for o in backendtlspolicies)
    views = (view_service(s, ns) for s in services)
    service_map = {(v.namespace, v.name): v for v in views}
    secret_map = (
        None if secrets is None else {(namespace_of(s, ns), name_of(s)): s for s in secrets}
    )

    gateway_by_key = {g.key: g for g in gateway_views}
    set_nodes = {
        ls.key: _listenerset_node(ls, gateway_by_key, namespace_labels) for ls in set_views
    }
    gateway_nodes: dict[tuple[str, str], GatewayNode] = {}
    for gateway in gateway_views:
        gateway_nodes[gateway.key] = _gateway_node(
            gateway, classes, set_nodes, grants, secret_map, live
        )

    route_nodes: dict[RouteKey, RouteNode] = {}
    for route in route_views:
        route_nodes[route.key] = _route_node(
            route,
            gateway_nodes,
            set_nodes,
            namespace_labels,
            grants,
            service_map,
            policies,
            live,
        )
    route_nodes = _resolve_kind_conflicts(route_nodes)
    attachments: dict[ListenerKey, list[tuple[RouteKey, tuple[str, ...]]]] = defaultdict(list)
    for key, node in sorted(route_nodes.items(), key=lambda kv: kv[1].route.age):
        for parent in node.parents:
            for verdict in parent.listeners:
                if verdict.attached:
                    attachments[verdict.listener].append((key, verdict.hostnames))
    return GatewayGraph(
        classes=classes,
        gateways=gateway_nodes,
        listenersets=set_nodes,
        routes=route_nodes,
        attachments={k: tuple(v) for k, v in attachments.items()},
        grants=grants,
        services=service_map,
        secrets=secret_map,
        namespace_labels=namespace_labels,
        policies=policies,
        live=live,
    )


def _listenerset_node(
    ls: ListenerSet,
    gateways: Mapping[tuple[str, str], Gateway],
    labels: Mapping[str, Mapping[str, str]] | None,
) -> ListenerSetNode:
    parent = ls.parent
    if not parent.is_gateway:
        return ListenerSetNode(
            ls,
            None,
            False,
            "UnsupportedParent",
            f"spec.parentRef of {ls.ref} names {GroupKind(parent.group, parent.kind)}; a "
            "ListenerSet attaches to a Gateway only",
        )
    gateway = gateways.get((parent.namespace, parent.name))
    if gateway is None:
        return ListenerSetNode(
            ls,
            None,
            False,
            "ParentNotFound",
            f"spec.parentRef of {ls.ref} names Gateway {parent.namespace}/{parent.name}, "
            "which does not exist",
        )
    decision = namespace_allowed(
        gateway.allowed_listeners, gateway.namespace, ls.namespace, labels, what="ListenerSets"
    )
    if decision.allowed is None:
        return ListenerSetNode(ls, gateway.ref, None, "Unknown", decision.why)
    if not decision.allowed:
        default = (
            " (allowedListeners is unset, which defaults to from: None)"
            if gateway.allowed_listeners.from_ == FROM_NONE
            else ""
        )
        return ListenerSetNode(
            ls,
            gateway.ref,
            False,
            "NotAllowed",
            f"{gateway.ref} does not accept ListenerSets from {ls.namespace}: "
            f"{decision.why}{default}",
        )
    return ListenerSetNode(ls, gateway.ref, True, "Accepted", decision.why)


def _gateway_node(
    gateway: Gateway,
    classes: Mapping[str, GatewayClass],
    sets: Mapping[tuple[str, str], ListenerSetNode],
    grants: Sequence[ReferenceGrant] | None,
    secrets: Mapping[tuple[str, str], Obj] | None,
    live: bool,
) -> GatewayNode:
    mine = sorted(
        (n for n in sets.values() if n.gateway == gateway.ref),
        key=lambda n: age_key(n.listenerset.created, n.listenerset.namespace, n.listenerset.name),
    )
    merged: list[Listener] = list(gateway.listeners)
    for node in mine:
        if node.attached:
            merged.extend(node.listenerset.listeners)
    nodes: list[ListenerNode] = []
    for order, listener in enumerate(merged):
        supported, invalid = _supported_kinds(listener)
        problems = _listener_problems(listener, invalid, supported, grants, secrets, live)
        nodes.append(ListenerNode(listener, gateway.ref, order, supported, tuple(problems)))
    own = {listener.key for listener in gateway.listeners}
    return GatewayNode(
        gateway=gateway,
        cls=class_state(gateway.class_name, classes, live),
        listeners=tuple(_conflicts(nodes, own)),
        listenersets=tuple(mine),
    )


def _controller(node: GatewayNode | None) -> str:
    if node is None or node.cls.gatewayclass is None:
        return ""
    return node.cls.gatewayclass.controller


def _observed(route: Route, parent: ParentRef, controller: str) -> RouteParentStatus | None:
    candidates = [s for s in route.status_parents if s.parent_ref.same_as(parent)]
    if controller:
        mine = [s for s in candidates if s.controller == controller]
        if mine:
            return mine[0]
    return candidates[0] if candidates else None


def _route_node(
    route: Route,
    gateways: Mapping[tuple[str, str], GatewayNode],
    sets: Mapping[tuple[str, str], ListenerSetNode],
    labels: Mapping[str, Mapping[str, str]] | None,
    grants: Sequence[ReferenceGrant] | None,
    services: Mapping[tuple[str, str], ServiceView],
    policies: Sequence[BackendTLSPolicy],
    live: bool,
) -> RouteNode:
    parents = tuple(
        _parent_result(route, parent, gateways, sets, labels) for parent in route.parent_refs
    )
    backends = tuple(
        tuple(
            _resolve_backend(route, ref, grants, services, policies, live)
            for ref in rule.backend_refs
        )
        for rule in route.rules
    )
    return RouteNode(route, parents, backends, tuple(_route_problems(route)))


class _Result(Protocol):
    def __call__(
        self,
        accepted: bool | None,
        reason: str,
        message: str,
        target: ObjectRef | None = None,
        gateway: GatewayNode | None = None,
        verdicts: tuple[ListenerVerdict, ...] = (),
    ) -> ParentResult: ...


def _parent_result(
    route: Route,
    parent: ParentRef,
    gateways: Mapping[tuple[str, str], GatewayNode],
    sets: Mapping[tuple[str, str], ListenerSetNode],
    labels: Mapping[str, Mapping[str, str]] | None,
) -> ParentResult:
    where = f"spec.parentRefs[{parent.index}] of {route.ref}"

    def result(
        accepted: bool | None,
        reason: str,
        message: str,
        target: ObjectRef | None = None,
        gateway: GatewayNode | None = None,
        verdicts: tuple[ListenerVerdict, ...] = (),
    ) -> ParentResult:
        controller = _controller(gateway)
        return ParentResult(
            parent_ref=parent,
            parent=target,
            gateway=gateway.ref if gateway else None,
            accepted=accepted,
            reason=reason,
            message=message,
            listeners=verdicts,
            observed=_observed(route, parent, controller),
            controller=controller,
        )

    if parent.group == CORE_GROUP and parent.kind == "Service":
        return result(
            None,
            "UnsupportedParent",
            f"{where} names Service {parent.namespace}/{parent.name}: a mesh (GAMMA) route, "
            "which this analysis does not follow",
        )
    if parent.group != GATEWAY_GROUP or parent.kind not in ("Gateway", "ListenerSet"):
        return result(
            None,
            "UnsupportedParent",
            f"{where} names {GroupKind(parent.group, parent.kind)} {parent.namespace}/"
            f"{parent.name}, an implementation-specific parent kind",
        )
    if parent.kind == "Gateway":
        node = gateways.get((parent.namespace, parent.name))
        if node is None:
            return result(
                False,
                "ParentNotFound",
                f"{where} names Gateway {parent.namespace}/{parent.name}, which does not "
                "exist, so the route is attached nowhere (and no controller reports status for "
                "it)",
            )
        target = node.ref
        relevant = node.own_listeners()
        scope = f"{node.ref}"
    else:
        set_node = sets.get((parent.namespace, parent.name))
        if set_node is None:
            return result(
                False,
                "ParentNotFound",
                f"{where} names ListenerSet {parent.namespace}/{parent.name}, which does not "
                "exist, so the route is attached nowhere",
            )
        node = (
            gateways.get((set_node.gateway.namespace, set_node.gateway.name))
            if set_node.gateway
            else None
        )
        target = set_node.listenerset.ref
        if not set_node.attached or node is None:
            return result(
                None if set_node.attached is None else False,
                "ParentNotAccepted" if set_node.attached is False else "Unknown",
                f"{where} names {target}, whose listeners are not part of a Gateway: "
                f"{set_node.why}",
                target,
                node,
            )
        relevant = tuple(n for n in node.listeners if n.listener.owner == target)
        scope = f"{target}"
    if parent.section_name:
        relevant = tuple(n for n in relevant if n.listener.name == parent.section_name)
    if parent.port is not None:
        relevant = tuple(n for n in relevant if n.listener.port == parent.port)
    if not relevant:
        listing = (
            ", ".join(
                f"{n.listener.name} (port {n.listener.port})"
                for n in (node.own_listeners() if parent.kind == "Gateway" else node.listeners)
                if parent.kind == "Gateway" or n.listener.owner == target
            )
            or "none"
        )
        wanted = " and ".join(
            part
            for part in (
                f"sectionName {parent.section_name}" if parent.section_name else "",
                f"port {parent.port}" if parent.port is not None else "",
            )
            if part
        )
        also = ""
        if parent.kind == "Gateway" and parent.section_name:
            in_sets = [
                n.listener.owner
                for n in node.listeners
                if n.listener.owner != node.ref and n.listener.name == parent.section_name
            ]
            if in_sets:
                also = (
                    f"; {in_sets[0]} has a listener {parent.section_name}, but a Gateway "
                    "parentRef never reaches ListenerSet listeners (use kind: ListenerSet)"
                )
        return result(
            False,
            "NoMatchingParent",
            f"{where} asks for {wanted}, which no listener of {scope} has "
            f"(listeners: {listing}){also}",
            target,
            node,
        )
    verdicts = tuple(_listener_verdict(route, n, labels) for n in relevant)
    return _summarise(route, parent, where, target, node, verdicts, result)


def _listener_verdict(
    route: Route, node: ListenerNode, labels: Mapping[str, Mapping[str, str]] | None
) -> ListenerVerdict:
    return replace(_verdict(route, node, labels), listener_hostname=node.listener.hostname)


def _verdict(
    route: Route, node: ListenerNode, labels: Mapping[str, Mapping[str, str]] | None
) -> ListenerVerdict:
    listener = node.listener
    decision = namespace_allowed(
        listener.allowed.namespaces, listener.owner.namespace, route.namespace, labels
    )
    kind = GroupKind(GATEWAY_GROUP, route.kind)
    if kind not in node.supported_kinds:
        allowed = ", ".join(k.kind for k in node.supported_kinds) or "no route kind"
        return ListenerVerdict(
            node.key,
            False,
            "NotAllowedByListeners",
            f"{listener.label()} allows {allowed}, not {route.kind}",
            cause="kind",
        )
    if decision.allowed is False:
        return ListenerVerdict(
            node.key,
            False,
            "NotAllowedByListeners",
            f"{listener.label()} does not allow routes from namespace {route.namespace}: "
            f"{decision.why}",
            cause="namespace",
        )
    common = hostnames.intersections(listener.hostname, route.hostnames)
    if not common:
        return ListenerVerdict(
            node.key,
            False,
            "NoMatchingListenerHostname",
            f"none of the route's hostnames ({', '.join(route.hostnames)}) intersects "
            f"{listener.label()}",
            cause="hostname",
        )
    if decision.allowed is None:
        return ListenerVerdict(node.key, None, "Unknown", decision.why, common)
    return ListenerVerdict(
        node.key,
        True,
        "Accepted",
        f"{listener.label()} takes it for {', '.join(h or 'any host' for h in common)}",
        common,
    )


def _summarise(
    route: Route,
    parent: ParentRef,
    where: str,
    target: ObjectRef,
    node: GatewayNode,
    verdicts: tuple[ListenerVerdict, ...],
    result: _Result,
) -> ParentResult:
    if any(v.attached for v in verdicts):
        names = ", ".join(v.listener[1] for v in verdicts if v.attached)
        return result(
            True,
            "Accepted",
            f"{where} attaches to {target} listener(s) {names}",
            target,
            node,
            verdicts,
        )
    if any(v.attached is None for v in verdicts):
        why = next(v.why for v in verdicts if v.attached is None)
        return result(
            None, "Unknown", f"whether {where} attaches is unknown: {why}", target, node, verdicts
        )
    if any(v.reason == "NoMatchingListenerHostname" for v in verdicts):
        reason = "NoMatchingListenerHostname"
        listener_hosts = ", ".join(sorted({v.listener_hostname or "any host" for v in verdicts}))
        message = (
            f"{where}: no hostname of the route ({', '.join(route.hostnames)}) intersects a "
            f"listener hostname of {target} ({listener_hosts}), so it attaches nowhere"
        )
    else:
        reason = "NotAllowedByListeners"
        message = f"{where}: no listener of {target} allows it: " + "; ".join(
            v.why for v in verdicts
        )
    return result(False, reason, message, target, node, verdicts)


def _resolve_kind_conflicts(routes: dict[RouteKey, RouteNode]) -> dict[RouteKey, RouteNode]:
    """An HTTPRoute and a GRPCRoute with intersecting hostnames on one listener: only the
    older (then first by namespace/name) is accepted there (GRPCRouteSpec.Hostnames)."""
    taken: dict[ListenerKey, list[tuple[str, tuple[str, ...], Route]]] = defaultdict(list)
    updated: dict[RouteKey, RouteNode] = {}
    for key, node in sorted(routes.items(), key=lambda kv: kv[1].route.age):
        parents: list[ParentResult] = []
        changed = False
        for parent in node.parents:
            verdicts: list[ListenerVerdict] = []
            for verdict in parent.listeners:
                if verdict.attached:
                    rival = next(
                        (
                            other
                            for kind, hosts, other in taken[verdict.listener]
                            if kind != node.route.kind
                            and any(
                                hostnames.intersect(a, b) is not None
                                for a in hosts
                                for b in verdict.hostnames
                            )
                        ),
                        None,
                    )
                    if rival is not None:
                        verdict = replace(
                            verdict,
                            attached=False,
                            reason="KindConflict",
                            cause="kind-conflict",
                            why=f"{rival.ref} (older) already takes these hostnames on "
                            f"listener {verdict.listener[1]}; an HTTPRoute and a GRPCRoute "
                            "with intersecting hostnames cannot share a listener, and the "
                            "older one wins",
                        )
                        changed = True
                    else:
                        taken[verdict.listener].append(
                            (node.route.kind, verdict.hostnames, node.route)
                        )
                verdicts.append(verdict)
            if changed and parent.accepted and not any(v.attached for v in verdicts):
                rivals = "; ".join(v.why for v in verdicts if v.reason == "KindConflict")
                parent = replace(
                    parent,
                    accepted=False,
                    reason="KindConflict",
                    message=f"spec.parentRefs[{parent.parent_ref.index}] of {node.ref}: {rivals}",
                    listeners=tuple(verdicts),
                )
            else:
                parent = replace(parent, listeners=tuple(verdicts))
            parents.append(parent)
        updated[key] = replace(node, parents=tuple(parents)) if changed else node
    return updated


# ---------------------------------------------------------------- backends


def _resolve_backend(
    route: Route,
    ref: BackendRef,
    grants: Sequence[ReferenceGrant] | None,
    services: Mapping[tuple[str, str], ServiceView],
    policies: Sequence[BackendTLSPolicy],
    live: bool,
) -> BackendResolution:
    target = ref.describe()
    if not ref.is_service:
        if ref.group == "multicluster.x-k8s.io" and ref.kind == "ServiceImport":
            return BackendResolution(
                ref,
                None,
                "Unchecked",
                f"backendRef {target} is a ServiceImport (multi-cluster, Extended support); "
                "whether it resolves cannot be checked here",
            )
        return BackendResolution(
            ref,
            False,
            "InvalidKind",
            f"backendRef {target} is of kind {GroupKind(ref.group, ref.kind)}, which only an "
            "implementation that documents it supports; others set ResolvedRefs=False "
            "(InvalidKind) and answer 500 for its share of requests",
            'Point the backendRef at a Service (group: "", kind: Service) with a port.',
        )
    reference = Reference(
        GATEWAY_GROUP, route.kind, route.namespace, CORE_GROUP, "Service", ref.namespace, ref.name
    )
    decision = decide(grants, reference)
    if decision.permission is Permission.DENIED:
        return BackendResolution(
            ref,
            False,
            "RefNotPermitted",
            f"backendRef {target} is in another namespace, and no ReferenceGrant in "
            f"{ref.namespace} allows {route.kind}s from {route.namespace} to reach it, so "
            "controllers set ResolvedRefs=False (RefNotPermitted) and answer 500 for its share",
            f"Create a ReferenceGrant in namespace {ref.namespace} allowing {route.kind} from "
            f"{route.namespace} to Service {ref.name}.",
            reference=reference,
            decision=decision,
        )
    if ref.port is None:
        return BackendResolution(
            ref,
            False,
            "PortMissing",
            f"backendRef {target} has no port; the API server rejects a Service backendRef "
            "without one",
            f"Set the backendRef's port to a port of Service {ref.namespace}/{ref.name}.",
            reference=reference,
            decision=decision,
        )
    service = services.get((ref.namespace, ref.name))
    if service is None:
        sure = live or any(ns == ref.namespace for ns, _ in services)
        return BackendResolution(
            ref,
            False if sure else None,
            "BackendNotFound",
            f"backendRef {target} names Service {ref.namespace}/{ref.name}, "
            + (
                "which does not exist, so controllers set ResolvedRefs=False (BackendNotFound) "
                "and answer 500 for its share"
                if live
                else "which is not among the files read; it must exist when applied"
            ),
            f"Create Service {ref.namespace}/{ref.name}, or fix the backendRef's name.",
            reference=reference,
            decision=decision,
        )
    ports = service.ports
    port = next((p for p in ports if p.port == ref.port), None)
    matching = tuple(
        p
        for p in policies
        if p.namespace == ref.namespace
        and any(
            t.group == CORE_GROUP
            and t.kind == "Service"
            and t.name == ref.name
            and (not t.section_name or (port is not None and t.section_name == port.name))
            for t in p.targets
        )
    )
    if port is None:
        by_target = next((p for p in ports if str(p.target) == str(ref.port)), None)
        listing = ", ".join(p.label for p in ports) or "none"
        hint = (
            f"Set the backendRef's port to {by_target.port} (port {ref.port} is the targetPort "
            f"of Service port {by_target.label}; backendRefs name the Service port)."
            if by_target is not None and by_target.port is not None
            else f"Set the backendRef's port to one of Service {ref.namespace}/{ref.name}'s "
            f"ports: {', '.join(str(p.port) for p in ports) or 'none'}."
        )
        return BackendResolution(
            ref,
            False,
            "PortUnknown",
            f"backendRef {target} asks for port {ref.port}, but Service {ref.namespace}/"
            f"{ref.name} has ports {listing}, so there is no upstream (controllers report "
            "ResolvedRefs=False and answer 500 for its share)",
            hint,
            service=service,
            reference=reference,
            decision=decision,
            policies=matching,
        )
    external = ""
    if service.type == "ExternalName":
        external = service.external_name
    return BackendResolution(
        ref,
        None if decision.permission is Permission.UNKNOWN else True,
        "Unknown" if decision.permission is Permission.UNKNOWN else "ResolvedRefs",
        (
            f"backendRef {target} is in another namespace; ReferenceGrants could not be read, "
            "so whether it is permitted is unknown"
            if decision.permission is Permission.UNKNOWN
            else f"backendRef {target} resolves to Service port {port.label}"
            + (f" (granted by {decision.grant.ref})" if decision.grant else "")
        ),
        service=service,
        service_port=port,
        reference=reference,
        decision=decision,
        policies=matching,
        external_name=external,
    )


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


def _route_problems(route: Route) -> Iterable[RouteProblem]:
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


def listener_condition(node: ListenerNode, type_: str) -> Condition | None:
    """The condition of ``type_`` the controller wrote for this listener, if any."""
    status = node.listener.status
    return None if status is None else condition(status.conditions, type_)
