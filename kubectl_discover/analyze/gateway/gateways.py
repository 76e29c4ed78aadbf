"""GatewayClass state, Gateway and ListenerSet nodes: which ListenerSets a Gateway accepts
and its merged listener list in precedence order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.gateway.listener_checks import (
    listener_kinds,
    listener_problems,
)
from kubectl_discover.analyze.gateway.listeners import (
    ListenerKey,
    ListenerNode,
    resolve_conflicts,
)
from kubectl_discover.analyze.gateway.model import (
    FROM_NONE,
    Gateway,
    GatewayClass,
    GroupKind,
    Listener,
    ListenerSet,
    ReferenceGrant,
    age_key,
)
from kubectl_discover.analyze.gateway.namespaces import (
    namespace_allowed,
)
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj

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


def class_state(name: str, classes: Mapping[str, GatewayClass] | None, live: bool) -> ClassState:
    """``classes`` None: GatewayClasses were not read (the class is "unknown")."""
    if not name:
        return ClassState(name, None, "missing", "spec.gatewayClassName is empty")
    if classes is None:
        return ClassState(name, None, "unknown", f"GatewayClass {name} was not read")
    gatewayclass = classes.get(name)
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


def listenerset_node(
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


def gateway_node(
    gateway: Gateway,
    classes: Mapping[str, GatewayClass] | None,
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
        supported, invalid = listener_kinds(listener)
        problems = listener_problems(listener, invalid, supported, grants, secrets, live)
        nodes.append(ListenerNode(listener, gateway.ref, order, supported, tuple(problems)))
    own = {listener.key for listener in gateway.listeners}
    return GatewayNode(
        gateway=gateway,
        cls=class_state(gateway.class_name, classes, live),
        listeners=tuple(resolve_conflicts(nodes, own)),
        listenersets=tuple(mine),
    )
