"""All the policies that may govern a connection, sorted by engine, parsed once.

NetworkPolicy (networking.k8s.io), AdminNetworkPolicy/BaselineAdminNetworkPolicy
(policy.networking.k8s.io/v1alpha1) and ClusterNetworkPolicy (v1alpha2, tier Admin or
Baseline) are evaluated. Any other policy kind (Cilium, Calico, Antrea, OVN-Kubernetes,
...) is recorded
as an :class:`OtherPolicy`: the evaluator cannot know what it does, so a verdict
about an endpoint it may govern is "unknown: also governed by X", never "allowed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_discover.analyze.netpol.admin import (
    AdminPolicyView,
    parse_admin_policy,
    parse_cluster_network_policy,
)
from kubectl_discover.analyze.netpol.policy import NetworkPolicyView, parse_network_policy
from kubectl_discover.refs import ObjectRef

CORE_GROUP = "networking.k8s.io"
ADMIN_GROUP = "policy.networking.k8s.io"
ADMIN_VERSION = "v1alpha1"
CLUSTER_VERSION = "v1alpha2"
EVALUATED = frozenset(
    {
        ("NetworkPolicy", CORE_GROUP),
        ("AdminNetworkPolicy", ADMIN_GROUP),
        ("BaselineAdminNetworkPolicy", ADMIN_GROUP),
        ("ClusterNetworkPolicy", ADMIN_GROUP),
    }
)
ENGINES: Mapping[str, str] = {
    "cilium.io": "Cilium",
    "crd.projectcalico.org": "Calico",
    "projectcalico.org": "Calico",
    "crd.antrea.io": "Antrea",
    "k8s.ovn.org": "OVN-Kubernetes",
}
"""API groups of other NetworkPolicy engines: when the cluster serves one (or files hold
its objects), the engine may allow or deny what NetworkPolicies say; verdicts become
unknown. The name is how messages call the engine."""


@dataclass(frozen=True)
class OtherPolicy:
    """A policy of an engine this module does not evaluate.

    ``namespace`` "" means cluster-wide (or unknown: only the kind is known to exist).
    """

    kind: str
    group: str
    namespace: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        if not self.kind:  # only the engine's API group is known to be served
            return f"{ENGINES.get(self.group, self.group)} ({self.group})"
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def may_govern(self, namespace: str) -> bool:
        return not self.namespace or self.namespace == namespace


@dataclass(frozen=True)
class PolicySet:
    network_policies: tuple[NetworkPolicyView, ...] = ()
    admin_policies: tuple[AdminPolicyView, ...] = ()
    baseline_policies: tuple[AdminPolicyView, ...] = ()
    others: tuple[OtherPolicy, ...] = ()
    by_namespace: Mapping[str, tuple[NetworkPolicyView, ...]] = field(default_factory=dict)
    """``network_policies`` by namespace (a policy only ever selects pods of its own)."""

    def views(self, refs: Iterable[ObjectRef]) -> list[NetworkPolicyView]:
        """The NetworkPolicies named by ``refs``, in the set's order."""
        wanted = set(refs)
        return [p for p in self.network_policies if p.ref in wanted]

    def in_namespace(self, namespace: str) -> tuple[NetworkPolicyView, ...]:
        if not self.by_namespace and self.network_policies:
            return tuple(p for p in self.network_policies if p.ref.namespace == namespace)
        return self.by_namespace.get(namespace, ())

    def others_for(self, namespace: str) -> tuple[str, ...]:
        """The kinds of other engines' policies that may govern a pod of ``namespace``."""
        return tuple(sorted({o.label for o in self.others if o.may_govern(namespace)}))


def _group(api_version: object) -> tuple[str, str]:
    text = api_version if isinstance(api_version, str) else ""
    if "/" in text:
        group, version = text.split("/", 1)
        return group, version
    return "", text


def split_kind(text: str) -> tuple[str, str]:
    """``"CiliumNetworkPolicy.cilium.io"`` -> kind and group; a bare ``"Kind"`` has no group
    (a bare ``NetworkPolicy`` is the core kind)."""
    kind, _, group = text.partition(".")
    if not group and kind == "NetworkPolicy":
        group = CORE_GROUP
    return kind, group


def build_policy_set(
    objects: Iterable[Mapping[str, Any]],
    present_kinds: Iterable[str] = (),
    *,
    default_namespace: str = "default",
    present_groups: Iterable[str] = (),
) -> PolicySet:
    """Sort raw policy objects by engine and parse the evaluated ones.

    ``present_kinds`` names policy kinds known to exist in the cluster (``Kind.group``,
    e.g. ``CiliumClusterwideNetworkPolicy.cilium.io``) whose objects were not read;
    each makes every verdict unknown. The evaluated kinds themselves are ignored there.
    ``present_groups`` names API groups the cluster serves; those of other engines
    (:data:`ENGINES`) make every verdict unknown ("also governed by Cilium (cilium.io)").
    A CustomResourceDefinition among ``objects`` stands for its group.
    """
    network: list[NetworkPolicyView] = []
    admin: list[AdminPolicyView] = []
    baseline: list[AdminPolicyView] = []
    others: list[OtherPolicy] = []
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        kind = str(obj.get("kind") or "")
        group, version = _group(obj.get("apiVersion"))
        if (kind, group) == ("NetworkPolicy", CORE_GROUP):
            network.append(parse_network_policy(obj, default_namespace))
        elif group == ADMIN_GROUP and version == ADMIN_VERSION and kind == "AdminNetworkPolicy":
            admin.append(parse_admin_policy(obj))
        elif (
            group == ADMIN_GROUP
            and version == ADMIN_VERSION
            and kind == "BaselineAdminNetworkPolicy"
        ):
            baseline.append(parse_admin_policy(obj))
        elif group == ADMIN_GROUP and version == CLUSTER_VERSION and kind == "ClusterNetworkPolicy":
            view = parse_cluster_network_policy(obj)
            (baseline if view.baseline else admin).append(view)
        elif kind == "CustomResourceDefinition":
            spec = obj.get("spec")
            crd_group = spec.get("group") if isinstance(spec, Mapping) else None
            if isinstance(crd_group, str) and crd_group in ENGINES:
                others.append(OtherPolicy("", crd_group))
        else:
            metadata = obj.get("metadata")
            metadata = metadata if isinstance(metadata, Mapping) else {}
            namespace = metadata.get("namespace")
            others.append(
                OtherPolicy(
                    kind,
                    group,
                    namespace if isinstance(namespace, str) else "",
                    str(metadata.get("name") or ""),
                )
            )
    for text in present_kinds:
        kind, group = split_kind(text)
        if (kind, group) not in EVALUATED:
            others.append(OtherPolicy(kind, group))
    for group in sorted(set(present_groups)):
        if group in ENGINES:
            others.append(OtherPolicy("", group))
    ordered = tuple(sorted(network, key=lambda p: p.ref))
    by_namespace: dict[str, list[NetworkPolicyView]] = {}
    for policy in ordered:
        by_namespace.setdefault(policy.ref.namespace, []).append(policy)
    return PolicySet(
        ordered,
        tuple(sorted(admin, key=lambda p: (p.priority, p.ref))),
        tuple(sorted(baseline, key=lambda p: (p.priority, p.ref))),
        tuple(others),
        {namespace: tuple(views) for namespace, views in by_namespace.items()},
    )
