"""The in-memory store every check reads: API objects as plain JSON-shaped dicts.

Two loaders fill it and nothing else does: :mod:`kubectl_discover.api` (one LIST per
kind from a live cluster) and :mod:`kubectl_discover.manifests` (files). Analysis
only ever sees a :class:`Snapshot`; it never loads anything itself.

Objects are kept exactly as the API serialises them (camelCase keys, ``apiVersion``,
``kind``, ``metadata``, ``spec``, ``status``) so that both loaders produce the same
shape and tests can write fixtures as ordinary YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = Mapping[str, Any]
"""One Kubernetes object as the API serialises it."""

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")


def name_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", ""))


def namespace_of(obj: Obj, default: str = "") -> str:
    return str(obj.get("metadata", {}).get("namespace") or default)


def labels_of(obj: Obj) -> Mapping[str, str]:
    labels = obj.get("metadata", {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def annotations_of(obj: Obj) -> Mapping[str, str]:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    return {str(k): str(v) for k, v in annotations.items()}


GATEWAY_NOT_SERVED = "not served (Gateway API CRDs not installed)"
"""The reason of an :class:`Unavailable` Gateway API kind whose LIST answered 404."""
POLICY_API_NOT_SERVED = "not served (network-policy-api CRDs not installed)"
"""The reason of an :class:`Unavailable` network-policy-api kind (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) whose LIST answered 404 or whose group
discovery does not list: none exist, which is not a gap in what was read."""


def certificate_refs(owners: Iterable[Obj], default_namespace: str) -> list[tuple[str, str]]:
    """(namespace, name) of every Secret a Gateway or ListenerSet listener names in
    ``tls.certificateRefs`` (core group, kind Secret; namespace defaults to the owner's)."""
    wanted: list[tuple[str, str]] = []
    for owner in owners:
        spec = owner.get("spec")
        listeners = spec.get("listeners") if isinstance(spec, Mapping) else None
        for listener in listeners if isinstance(listeners, list) else ():
            tls = listener.get("tls") if isinstance(listener, Mapping) else None
            refs = tls.get("certificateRefs") if isinstance(tls, Mapping) else None
            for ref in refs if isinstance(refs, list) else ():
                if not isinstance(ref, Mapping) or not isinstance(ref.get("name"), str):
                    continue
                if (ref.get("group") or "") != "" or (ref.get("kind") or "Secret") != "Secret":
                    continue
                namespace = ref.get("namespace") or namespace_of(owner, default_namespace)
                wanted.append((str(namespace), ref["name"]))
    return wanted


NOT_READ = "not read by this command"
"""The reason of an :class:`Unavailable` a command chose itself (e.g. ``svc`` reads no
Secrets): the checks that need it are skipped, but nothing was refused."""

SUPERSEDED = "not read: its replacement is served and read instead"
"""The reason of an :class:`Unavailable` kind left out because the API that replaced it is
served too (v1alpha1 AdminNetworkPolicies beside v1alpha2 ClusterNetworkPolicies): what it
would decide is unknown, never "allowed"."""


@dataclass(frozen=True)
class Unavailable:
    """A kind the loader could not read (RBAC, or absent from the files).

    ``verb``/``resource``/``namespace`` say exactly what was refused, so a check that
    needed it can be reported as skipped: "cannot list endpointslices in shop: forbidden".
    """

    resource: str
    verb: str
    namespace: str
    reason: str

    @property
    def refused(self) -> bool:
        """True when the API refused the read, as opposed to a kind left out on purpose."""
        return self.reason != NOT_READ and not self.not_served and not self.superseded

    @property
    def superseded(self) -> bool:
        """True when the kind was left out for the API that replaced it (:data:`SUPERSEDED`)."""
        return self.reason.endswith(SUPERSEDED)

    @property
    def not_served(self) -> bool:
        """True when the cluster does not serve the kind (its CRD is not installed)."""
        return self.reason.endswith((GATEWAY_NOT_SERVED, POLICY_API_NOT_SERVED))

    def describe(self) -> str:
        where = f" in {self.namespace}" if self.namespace else " cluster-wide"
        return f"cannot {self.verb} {self.resource}{where}: {self.reason}"


@dataclass(frozen=True)
class SourceRef:
    """Where an object came from in offline mode (file and 1-based line), for messages."""

    path: str
    line: int


@dataclass(frozen=True)
class Conversion:
    """An object written in a removed API version, and the current form it was read as."""

    original: Obj
    converted: Obj
    removed_in: str
    """The Kubernetes release that stopped serving the old version, e.g. "v1.22"."""
    notes: tuple[str, ...] = ()
    """What the conversion had to decide (defaults taken, fields renamed)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything the analysis may look at, for one namespace or for all of them.

    ``live`` says whether the objects carry observed state (pod readiness and IPs,
    controller-written EndpointSlices, load-balancer status). From files it is
    False, and workload templates stand in for pods.
    """

    namespace: str | None
    """The namespace asked for; None means all namespaces (``-A``)."""

    live: bool
    cluster_domain: str = "cluster.local"
    services: tuple[Obj, ...] = ()
    endpointslices: tuple[Obj, ...] = ()
    pods: tuple[Obj, ...] = ()
    workloads: tuple[Obj, ...] = ()
    """Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs."""
    nodes: tuple[Obj, ...] = ()
    ingresses: tuple[Obj, ...] = ()
    ingressclasses: tuple[Obj, ...] = ()
    secrets: tuple[Obj, ...] = ()
    """Only the TLS Secrets that Ingresses and Gateway listeners reference; never listed
    wholesale."""
    events: tuple[Obj, ...] = ()
    namespaces: tuple[str, ...] = ()
    """Namespace names known to exist (empty when unknown)."""
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The labels of the Namespaces read (live: every namespace listed, the LIST being
    metadata only; offline: the Namespace documents in the files). A namespace missing here
    has unknown labels (Gateway ``allowedRoutes.namespaces.from: Selector``)."""
    networkpolicies: tuple[Obj, ...] = ()
    """NetworkPolicies (networking.k8s.io/v1) of every namespace: the client's, the
    backends' and kube-system's all decide a path verdict."""
    admin_policies: tuple[Obj, ...] = ()
    """network-policy-api objects (policy.networking.k8s.io, cluster-scoped):
    v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy, v1alpha2
    ClusterNetworkPolicy."""
    other_policies: tuple[Obj, ...] = ()
    """Offline only: objects of other policy engines' groups found in the files
    (CiliumNetworkPolicy, Calico policies, ...) and CustomResourceDefinitions of those
    groups: their presence makes a verdict unknown."""
    gatewayclasses: tuple[Obj, ...] = ()
    """Gateway API (gateway.networking.k8s.io): GatewayClasses (cluster-scoped)."""
    gateways: tuple[Obj, ...] = ()
    listenersets: tuple[Obj, ...] = ()
    httproutes: tuple[Obj, ...] = ()
    grpcroutes: tuple[Obj, ...] = ()
    referencegrants: tuple[Obj, ...] = ()
    backendtlspolicies: tuple[Obj, ...] = ()
    unavailable: tuple[Unavailable, ...] = ()
    conversions: tuple[Conversion, ...] = ()
    """Objects read from removed API versions and converted (offline only)."""
    sources: Mapping[tuple[str, str, str], SourceRef] = field(default_factory=dict)
    """(kind, namespace, name) -> file and line, offline only."""
    notes: tuple[str, ...] = ()
    """What the loader left out and why, one line each (offline: documents that are not
    Kubernetes objects, with file and line)."""
    dns_configmaps: tuple[Obj, ...] = ()
    """The cluster DNS ConfigMaps read (kube-system/coredns, and coredns-custom when the
    Corefile imports it): one GET each, only for commands that predict DNS names."""
    dns_configmaps_read: bool = False
    """True when the ``coredns`` ConfigMap was asked for (a GET, or files given): an empty
    ``dns_configmaps`` then means "none exists", not "not read"."""
    served_groups: frozenset[str] | None = None
    """The API groups the server serves (``group/version`` and the bare group, from one
    discovery GET of ``/apis``), None when unknown (files, or discovery refused). It tells
    which CRD-backed kinds exist (Gateway API, network-policy-api) and which other policy
    engines' CRDs are installed."""

    def in_namespace(self, objs: tuple[Obj, ...], namespace: str) -> Iterator[Obj]:
        return (o for o in objs if namespace_of(o, self.default_namespace) == namespace)

    @property
    def default_namespace(self) -> str:
        return self.namespace or "default"

    def find(self, objs: tuple[Obj, ...], namespace: str, name: str) -> Obj | None:
        for obj in self.in_namespace(objs, namespace):
            if name_of(obj) == name:
                return obj
        return None

    def workloads_of_kind(self, kind: str) -> Iterator[Obj]:
        return (w for w in self.workloads if w.get("kind") == kind)

    @property
    def gateway_api_served(self) -> bool:
        """False when the cluster does not serve Gateways or HTTPRoutes (discovery, or a
        404: the Gateway API's CRDs are not installed; ``svc`` lists HTTPRoutes, not Gateways).
        A later kind missing from an older release (ListenerSet before v1.6) is a gap of
        its own, not "not installed"."""
        for resource in ("gateways", "httproutes"):
            gap = self.unavailable_for(resource)
            if gap is not None and gap.not_served:
                return False
        return True

    def unavailable_for(self, resource: str) -> Unavailable | None:
        for gap in self.unavailable:
            if gap.resource == resource:
                return gap
        return None


def labels_by_name(objs: Iterable[Obj]) -> dict[str, Mapping[str, str]]:
    """namespace name -> its labels (strings only), from Namespace objects or metadata."""
    found: dict[str, Mapping[str, str]] = {}
    for obj in objs:
        metadata = obj.get("metadata")
        if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str):
            continue
        labels = metadata.get("labels")
        found[metadata["name"]] = (
            {str(k): str(v) for k, v in labels.items() if isinstance(v, str)}
            if isinstance(labels, Mapping)
            else {}
        )
    return found
