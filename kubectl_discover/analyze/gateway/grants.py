"""ReferenceGrant: which cross-namespace references are permitted (apis/v1beta1
ReferenceGrant; GEP-709).

A reference from an object in one namespace to an object in another is valid only if
a ReferenceGrant *in the target's namespace* lists the referring group, kind and
namespace in ``from`` and the target's group, kind (and name, when set) in ``to``.
Entries are ORed. A reference within one namespace needs no grant. Route-to-Gateway
attachment is governed by ``allowedRoutes`` instead and never needs one. A grant
naming Gateway does not cover a ListenerSet (GEP-1713) and vice versa.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.gateway.model import ReferenceGrant


class Permission(enum.Enum):
    SAME_NAMESPACE = "same namespace"
    GRANTED = "granted"
    DENIED = "denied"
    UNKNOWN = "unknown"
    """ReferenceGrants could not be read, so a cross-namespace reference cannot be judged."""


@dataclass(frozen=True)
class Reference:
    """One reference, fully qualified on both ends."""

    from_group: str
    from_kind: str
    from_namespace: str
    to_group: str
    to_kind: str
    to_namespace: str
    to_name: str

    @property
    def cross_namespace(self) -> bool:
        return self.from_namespace != self.to_namespace


@dataclass(frozen=True)
class Decision:
    permission: Permission
    grant: ReferenceGrant | None = None

    @property
    def allowed(self) -> bool | None:
        """True, False, or None when unknown."""
        if self.permission is Permission.UNKNOWN:
            return None
        return self.permission is not Permission.DENIED


def decide(grants: Sequence[ReferenceGrant] | None, ref: Reference) -> Decision:
    """Whether ``ref`` is permitted; ``grants`` None means they could not be read."""
    if not ref.cross_namespace:
        return Decision(Permission.SAME_NAMESPACE)
    if grants is None:
        return Decision(Permission.UNKNOWN)
    for grant in grants:
        if grant.namespace != ref.to_namespace:
            continue
        if not any(
            f.group == ref.from_group
            and f.kind == ref.from_kind
            and f.namespace == ref.from_namespace
            for f in grant.from_
        ):
            continue
        if any(
            t.group == ref.to_group and t.kind == ref.to_kind and t.name in ("", ref.to_name)
            for t in grant.to
        ):
            return Decision(Permission.GRANTED, grant)
    return Decision(Permission.DENIED)


def near_grants(grants: Sequence[ReferenceGrant] | None, ref: Reference) -> tuple[str, ...]:
    """Grants in the target namespace that almost permit ``ref``, each with what differs
    ("ReferenceGrant shop/allow: to names Service api, not web")."""
    if not grants:
        return ()
    notes: list[str] = []
    for grant in grants:
        if grant.namespace != ref.to_namespace:
            continue
        froms = [f for f in grant.from_ if f.namespace == ref.from_namespace]
        tos = [t for t in grant.to if t.group == ref.to_group and t.kind == ref.to_kind]
        if not froms and not tos:
            continue
        why: list[str] = []
        if not froms:
            listed = ", ".join(sorted({f.namespace for f in grant.from_})) or "none"
            why.append(f"from lists namespaces {listed}, not {ref.from_namespace}")
        elif not any(f.group == ref.from_group and f.kind == ref.from_kind for f in froms):
            kinds = ", ".join(sorted({f.kind for f in froms}))
            why.append(f"from {ref.from_namespace} names kind {kinds}, not {ref.from_kind}")
        if not tos:
            kinds = ", ".join(sorted({t.kind for t in grant.to})) or "none"
            why.append(f"to names kind {kinds}, not {ref.to_kind}")
        elif not any(t.name in ("", ref.to_name) for t in tos):
            names = ", ".join(sorted({t.name for t in tos}))
            why.append(f"to names {ref.to_kind} {names}, not {ref.to_name}")
        if why:
            notes.append(f"ReferenceGrant {grant.namespace}/{grant.name}: {'; '.join(why)}")
    return tuple(notes)


def grant_yaml(ref: Reference, name: str = "") -> str:
    """The ReferenceGrant to apply so that ``ref`` is permitted, as YAML text."""
    grant_name = name or f"allow-{ref.from_kind.lower()}s-from-{ref.from_namespace}"
    group = f'"{ref.to_group}"' if not ref.to_group else ref.to_group
    from_group = f'"{ref.from_group}"' if not ref.from_group else ref.from_group
    return (
        "apiVersion: gateway.networking.k8s.io/v1beta1\n"
        "kind: ReferenceGrant\n"
        "metadata:\n"
        f"  name: {grant_name}\n"
        f"  namespace: {ref.to_namespace}\n"
        "spec:\n"
        "  from:\n"
        f"  - group: {from_group}\n"
        f"    kind: {ref.from_kind}\n"
        f"    namespace: {ref.from_namespace}\n"
        "  to:\n"
        f"  - group: {group}\n"
        f"    kind: {ref.to_kind}\n"
        f"    name: {ref.to_name}\n"
    )
