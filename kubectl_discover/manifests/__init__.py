"""The offline loader: ``-f`` files, directories and standard input -> a Snapshot.

``kubectl discover svc web -f dir/ -f other.yaml -f -`` analyses manifests with no
cluster at all. This package reads them the way ``kubectl apply`` would (multi-document
YAML, JSON, ``kind: List``), converts objects written in removed API versions
(:mod:`.legacy`), and sorts what service discovery needs into a
:class:`~kubectl_discover.snapshot.Snapshot` with ``live=False``.

Every problem with the input is one :class:`~kubectl_discover.errors.InputError`
whose message is a single line ``"<path>:<line>: <what is wrong>"``.

Namespaces: an object without ``metadata.namespace`` is placed in ``namespace`` (the
``-n`` value) or ``"default"``, written into the returned copy. Objects of every
namespace are kept whichever namespace is asked for, so analysis can say "found in
namespace X"; consumers select with :meth:`Snapshot.in_namespace`. Cluster-scoped
objects (Node, Namespace, IngressClass) get no namespace, and their ``sources`` key
uses ``""`` as the namespace.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from kubectl_discover.errors import InputError
from kubectl_discover.manifests import documents, files, legacy
from kubectl_discover.manifests.documents import Document
from kubectl_discover.manifests.files import MAX_FILE_BYTES
from kubectl_discover.snapshot import (
    Conversion,
    Obj,
    Snapshot,
    SourceRef,
    certificate_refs,
    labels_by_name,
)

__all__ = ["MAX_FILE_BYTES", "Ignored", "LoadResult", "load", "load_files"]

# Where each (apiVersion, kind) goes in the Snapshot.
_FIELDS: Mapping[tuple[str, str], str] = {
    ("v1", "Service"): "services",
    ("discovery.k8s.io/v1", "EndpointSlice"): "endpointslices",
    ("v1", "Pod"): "pods",
    ("apps/v1", "Deployment"): "workloads",
    ("apps/v1", "StatefulSet"): "workloads",
    ("apps/v1", "DaemonSet"): "workloads",
    ("apps/v1", "ReplicaSet"): "workloads",
    ("batch/v1", "Job"): "workloads",
    ("batch/v1", "CronJob"): "workloads",
    ("v1", "Node"): "nodes",
    ("networking.k8s.io/v1", "Ingress"): "ingresses",
    ("networking.k8s.io/v1", "IngressClass"): "ingressclasses",
    ("v1", "Secret"): "secrets",
    ("v1", "Event"): "events",
    ("v1", "Namespace"): "namespaces",
    ("gateway.networking.k8s.io/v1", "GatewayClass"): "gatewayclasses",
    ("gateway.networking.k8s.io/v1", "Gateway"): "gateways",
    ("gateway.networking.k8s.io/v1", "ListenerSet"): "listenersets",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "httproutes",
    ("gateway.networking.k8s.io/v1", "GRPCRoute"): "grpcroutes",
    ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"): "referencegrants",
    ("gateway.networking.k8s.io/v1", "BackendTLSPolicy"): "backendtlspolicies",
    ("v1", "ConfigMap"): "configmaps",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkpolicies",
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"): "admin_policies",
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"): "admin_policies",
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"): "admin_policies",
}
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Node",
        "Namespace",
        "IngressClass",
        "GatewayClass",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "CustomResourceDefinition",
    }
)
BUILTIN_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

ENDPOINTS_REASON = (
    "v1 Endpoints are not analysed: kubectl-discover reads EndpointSlices (the Endpoints "
    "API is deprecated since Kubernetes v1.33; for a Service without a selector the "
    "cluster mirrors Endpoints into EndpointSlices)"
)
UNUSED_REASON = "not used by service discovery"
SECRET_REASON = (
    "not referenced by any Ingress tls[].secretName or Gateway listener certificateRefs; not kept"
)
SECRET_REASON = "not referenced by any Ingress tls[].secretName; not kept"
DNS_CONFIGMAP_NAMESPACE = "kube-system"
DNS_CONFIGMAP_NAMES = ("coredns", "coredns-custom")
"""The only ConfigMaps kept: the cluster DNS configuration (docs/corefile.md)."""


@dataclass(frozen=True)
class Ignored:
    """An object that was read but is not part of the Snapshot, and why."""

    api_version: str
    kind: str
    namespace: str
    name: str
    source: SourceRef
    reason: str

    def describe(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return (
            f"{self.source.path}:{self.source.line}: {self.api_version} {self.kind} "
            f"{where}: {self.reason}"
        )


@dataclass(frozen=True)
class LoadResult:
    """The Snapshot plus what the CLI may want to mention (objects left out)."""

    snapshot: Snapshot
    ignored: tuple[Ignored, ...] = field(default=())
    files: tuple[str, ...] = field(default=())
    """The files read, in order, as named in messages."""


def load_files(
    paths: Sequence[str],
    namespace: str | None,
    *,
    stdin: BinaryIO | None = None,
    cluster_domain: str = "cluster.local",
    rendered: Sequence[tuple[str, bytes]] = (),
) -> Snapshot:
    """Read manifests into an offline Snapshot; raise InputError on any bad input.

    ``paths`` entries are files, directories (recursive) or ``-`` for ``stdin``
    (default: the process's standard input). ``namespace`` None means all namespaces.
    Each file, and standard input, may hold at most :data:`MAX_FILE_BYTES` (32 MiB).
    """
    return load(
        paths, namespace, stdin=stdin, cluster_domain=cluster_domain, rendered=rendered
    ).snapshot


def load(
    paths: Sequence[str],
    namespace: str | None,
    *,
    stdin: BinaryIO | None = None,
    cluster_domain: str = "cluster.local",
    rendered: Sequence[tuple[str, bytes]] = (),
) -> LoadResult:
    """Like :func:`load_files`, also returning the objects that were left out and why.

    ``rendered`` are (name, bytes) already produced elsewhere, e.g. ``kubectl kustomize``
    output for ``-k``. A document that is not a Kubernetes object (a kustomization.yaml, Helm
    values, a generateName template) is skipped with one note (file, line, why) in
    ``Snapshot.notes``; a broken YAML file or a malformed object is still an InputError.
    """
    if not paths and not rendered:
        raise InputError("-f: no files given")
    sources = files.expand(paths)
    if stdin is None and any(source.path is None for source in sources):
        stdin = sys.stdin.buffer
    collector = _Collector(namespace or "default")
    parsed = [
        (display, path, documents.parse(display, raw))
        for display, path, raw in (
            *((s.display, s.path, files.read(s, stdin)) for s in sources),
            *((name, None, raw) for name, raw in rendered),
        )
    ]
    patches = _kustomize_patches(parsed)
    for display, path, docs in parsed:
        patched_by = patches.get(os.path.realpath(path)) if path else None
        if patched_by is not None:
            collector.notes.append(
                f"{display}:1: skipped: a kustomize patch listed in {patched_by}; "
                "render the kustomization with -k to see it applied"
            )
            continue
        for doc in docs:
            for item in _objects_in(doc, display):
                if isinstance(item, str):
                    collector.notes.append(item)
                else:
                    collector.add(item[0], SourceRef(display, item[1]))
    if not collector.count:
        shown = ", ".join([*paths, *(name for name, _ in rendered)])
        skipped = f"; skipped: {'; '.join(collector.notes[:3])}" if collector.notes else ""
        raise InputError(
            f"{shown}: no Kubernetes objects found (directories are searched for "
            f"*.yaml, *.yml and *.json files){skipped}"
        )
    names = (*(s.display for s in sources), *(name for name, _ in rendered))
    return collector.result(namespace, cluster_domain, names)


# --- Validation of documents ------------------------------------------------------------


def _kustomize_patches(
    parsed: Sequence[tuple[str, str | None, Sequence[Document]]],
) -> dict[str, str]:
    """Real path of every file a kustomization of these inputs names as a patch ->
    the kustomization naming it. A patch is a partial object: read as one it would be a
    second definition of what the base defines."""
    found: dict[str, str] = {}
    for display, path, docs in parsed:
        if path is None:
            continue
        for doc in docs:
            data = doc.data
            if not isinstance(data, dict) or data.get("kind") not in ("Kustomization", "Component"):
                continue
            named = [*(data.get("patchesStrategicMerge") or ())]
            for key in ("patches", "patchesJson6902"):
                named += [p.get("path") for p in data.get(key) or () if isinstance(p, dict)]
            for name in named:
                if isinstance(name, str) and name:
                    target = os.path.join(os.path.dirname(path), name)
                    found[os.path.realpath(target)] = display
    return found


NOT_OBJECT_GROUPS = ("kustomize.config.k8s.io/", "config.kubernetes.io/")
"""API groups of files that configure tools, not objects of a cluster."""


def not_an_object(data: Any) -> str:
    """Why a document is not a Kubernetes object the plugin reads, or "" when it is one
    (or is meant to be one: a mapping with a kind, which is then checked strictly)."""
    if not isinstance(data, dict):
        return f"not a Kubernetes object ({_type_name(data)}, not a mapping)"
    version, kind = data.get("apiVersion"), data.get("kind")
    if isinstance(version, str) and version.startswith(NOT_OBJECT_GROUPS):
        what = f"a {kind}" if isinstance(kind, str) and kind else "a tool configuration"
        return f"{what} ({version}), not a Kubernetes object: render it with -k DIR"
    if kind is None and "metadata" not in data:
        if version is not None and "name" in data and "version" in data:
            return "a Helm chart description (Chart.yaml), not a Kubernetes object"
        return (
            "not a Kubernetes object (no kind): Helm values or other configuration; render a "
            "chart with helm template ... | kubectl discover scan -f -"
        )
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and not metadata.get("name") and metadata.get("generateName"):
        return (
            f"{kind} with generateName {metadata['generateName']!r}: it has no name until "
            "the API server creates it"
        )
    return ""


def _objects_in(doc: Document, path: str) -> Iterator[tuple[dict[str, Any], int] | str]:
    """The objects of one document (a List gives its items), each with its line; or one
    note (file, line, why) for a document that is not an object the plugin reads."""
    data = doc.data
    skipped = not_an_object(data)
    if skipped:
        yield f"{path}:{doc.line}: skipped: {skipped}"
        return
    if _is_list(data):
        items = data.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            raise InputError(
                f"{path}:{doc.line}: {data.get('kind')}.items must be a list of objects, "
                f"found {_type_name(items)}"
            )
        for index, item in enumerate(items):
            line = doc.item_lines[index] if index < len(doc.item_lines) else doc.line
            where = f"items[{index}]: "
            if isinstance(item, dict) and _is_list(item):
                raise InputError(f"{path}:{line}: {where}a List inside a List is not supported")
            yield _checked(item, path, line, where), line
        return
    yield _checked(data, path, doc.line, ""), doc.line


def _is_list(data: Mapping[str, Any]) -> bool:
    kind = data.get("kind")
    if kind == "List":
        return True
    return isinstance(kind, str) and kind.endswith("List") and "items" in data


def _checked(data: Any, path: str, line: int, where: str) -> dict[str, Any]:
    """``data`` if it has what every object needs; otherwise an InputError."""
    at = f"{path}:{line}: {where}"
    if not isinstance(data, dict):
        raise InputError(f"{at}expected a Kubernetes object (a mapping), found {_type_name(data)}")
    for key in ("apiVersion", "kind"):
        value = data.get(key)
        if value is None or value == "":
            raise InputError(f"{at}the object has no {key}")
        if not isinstance(value, str):
            raise InputError(f"{at}{key} must be a string, found {_type_name(value)}")
    kind = data["kind"]
    metadata = data.get("metadata")
    if metadata is None:
        raise InputError(f"{at}{kind} has no metadata (metadata.name is required)")
    if not isinstance(metadata, dict):
        raise InputError(f"{at}{kind} metadata must be a mapping, found {_type_name(metadata)}")
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        extra = ""
        if metadata.get("generateName"):
            extra = " (generateName objects have no name until the API server creates them)"
        found = "" if name is None or name == "" else f", found {_type_name(name)}"
        raise InputError(f"{at}{kind} has no metadata.name{found}{extra}")
    ns = metadata.get("namespace")
    if ns is not None and not isinstance(ns, str):
        raise InputError(
            f"{at}{kind} {name}: metadata.namespace must be a string, found {_type_name(ns)}"
        )
    return data


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# --- Sorting into the Snapshot -------------------------------------------------------------


class _Collector:
    """Accumulates objects per Snapshot field, checking for duplicates."""

    def __init__(self, default_namespace: str) -> None:
        self.default_namespace = default_namespace
        self.fields: dict[str, list[dict[str, Any]]] = {}
        self.conversions: list[Conversion] = []
        self.sources: dict[tuple[str, str, str], SourceRef] = {}
        self.ignored: list[Ignored] = []
        self.notes: list[str] = []
        self.count = 0

    def add(self, obj: dict[str, Any], where: SourceRef) -> None:
        self.count += 1
        conversion = legacy.convert(obj)
        current: Obj = conversion.converted if conversion else obj
        version, kind = str(current["apiVersion"]), str(current["kind"])
        target = _FIELDS.get((version, kind))
        cluster_scoped = kind in CLUSTER_SCOPED_KINDS
        if target is None and policy_engine_group(current) is not None:
            # Another engine's policy (or its CRD), kept as present; its scope is unknown
            # here, so only a namespace the file wrote counts (none: cluster-wide).
            target = "other_policies"
            cluster_scoped = cluster_scoped or not _namespace(current, "")
        ns = "" if cluster_scoped else _namespace(current, self.default_namespace)
        name = str(current["metadata"]["name"])
        if target is None:
            # Scope unknown for kinds not read: show only a namespace the file wrote.
            written = "" if cluster_scoped else _namespace(current, "")
            reason = _ignored_reason(version, kind)
            self.ignored.append(Ignored(version, kind, written, name, where, reason))
            return
        key = (kind, ns, name)
        first = self.sources.get(key)
        if first is not None:
            shown = f"{ns}/{name}" if ns else name
            raise InputError(
                f"{where.path}:{where.line}: {kind} {shown} is defined twice (first at "
                f"{first.path}:{first.line}); keep one definition"
            )
        self.sources[key] = where
        if conversion:
            self.conversions.append(conversion)
        placed = dict(current) if cluster_scoped else _with_namespace(current, ns)
        self.fields.setdefault(target, []).append(placed)

    def result(
        self, namespace: str | None, cluster_domain: str, names: tuple[str, ...]
    ) -> LoadResult:
        secrets, unused = _referenced_secrets(
            self.fields.get("secrets", []),
            self.fields.get("ingresses", []),
            [*self.fields.get("gateways", []), *self.fields.get("listenersets", [])],
        )
        ignored = list(self.ignored)
        for secret in unused:
            meta = secret["metadata"]
            key = ("Secret", str(meta["namespace"]), str(meta["name"]))
            ignored.append(
                Ignored("v1", "Secret", key[1], key[2], self.sources.pop(key), SECRET_REASON)
            )
        dns_configmaps = []
        for configmap in self.fields.get("configmaps", []):
            meta = configmap["metadata"]
            key = ("ConfigMap", str(meta["namespace"]), str(meta["name"]))
            if key[1] == DNS_CONFIGMAP_NAMESPACE and key[2] in DNS_CONFIGMAP_NAMES:
                dns_configmaps.append(configmap)
            else:
                ignored.append(
                    Ignored("v1", "ConfigMap", key[1], key[2], self.sources.pop(key), UNUSED_REASON)
                )
        snapshot = Snapshot(
            namespace=namespace,
            live=False,
            cluster_domain=cluster_domain,
            services=self._field("services"),
            endpointslices=self._field("endpointslices"),
            pods=self._field("pods"),
            workloads=self._field("workloads"),
            nodes=self._field("nodes"),
            ingresses=self._field("ingresses"),
            ingressclasses=self._field("ingressclasses"),
            secrets=tuple(secrets),
            events=self._field("events"),
            namespaces=self._namespaces(),
            namespace_labels=labels_by_name(self.fields.get("namespaces", ())),
            networkpolicies=self._field("networkpolicies"),
            admin_policies=self._field("admin_policies"),
            other_policies=self._field("other_policies"),
            gatewayclasses=self._field("gatewayclasses"),
            gateways=self._field("gateways"),
            listenersets=self._field("listenersets"),
            httproutes=self._field("httproutes"),
            grpcroutes=self._field("grpcroutes"),
            referencegrants=self._field("referencegrants"),
            backendtlspolicies=self._field("backendtlspolicies"),
            conversions=tuple(self.conversions),
            sources=dict(self.sources),
            notes=tuple(self.notes),
            dns_configmaps=tuple(dns_configmaps),
        )
        return LoadResult(snapshot, tuple(ignored), names)

    def _field(self, name: str) -> tuple[Obj, ...]:
        return tuple(self.fields.get(name, ()))

    def _namespaces(self) -> tuple[str, ...]:
        """Namespaces known to exist: empty (unknown) unless the files define some.

        When they do, the built-in namespaces and the namespaces the files' own
        objects live in count as existing too: the files are a partial view of a
        cluster, and an object's namespace is presumed to be there.
        """
        declared = {str(o["metadata"]["name"]) for o in self.fields.get("namespaces", ())}
        if not declared:
            return ()
        used = {ns for (_kind, ns, _name) in self.sources if ns}
        return tuple(sorted(declared | used | set(BUILTIN_NAMESPACES)))


_CURRENT_VERSIONS = {kind: version for (version, kind) in _FIELDS}
_BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "extensions",
        "networking.k8s.io",
        "discovery.k8s.io",
        "gateway.networking.k8s.io",
    }
)


def policy_engine_group(obj: Obj) -> str | None:
    """The group of another NetworkPolicy engine (Cilium, Calico, Antrea, ...) that ``obj``
    belongs to, or defines as a CustomResourceDefinition; None for anything else."""
    from kubectl_discover.analyze.netpol.policyset import ENGINES

    version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
    if kind == "CustomResourceDefinition" and version.startswith("apiextensions.k8s.io/"):
        spec = obj.get("spec")
        group = spec.get("group") if isinstance(spec, Mapping) else None
        return group if isinstance(group, str) and group in ENGINES else None
    group = version.rpartition("/")[0]
    return group if group in ENGINES else None


def _ignored_reason(version: str, kind: str) -> str:
    """Why an object is left out: a kind discovery does not use, or a version it cannot read.

    A known kind in an unknown version of a built-in group (``apps/v1beta1 DaemonSet``,
    which no release ever served) gets a reason naming the version to write; a kind
    that merely shares a name (Knative's ``Service``) is just not used.
    """
    if (version, kind) == ("v1", "Endpoints"):
        return ENDPOINTS_REASON
    current = _CURRENT_VERSIONS.get(kind)
    group = version.rpartition("/")[0]
    if current is not None and group in _BUILTIN_GROUPS:
        return (
            f"{version} is not an API version kubectl-discover can read for {kind}; the "
            f"current one is {current}"
        )
    return UNUSED_REASON


def _namespace(obj: Obj, default: str) -> str:
    ns = obj.get("metadata", {}).get("namespace")
    return ns if isinstance(ns, str) and ns else default


def _with_namespace(obj: Obj, namespace: str) -> dict[str, Any]:
    """A copy of ``obj`` whose metadata.namespace is ``namespace`` (input untouched)."""
    out = dict(obj)
    out["metadata"] = {**obj["metadata"], "namespace": namespace}
    return out


def _referenced_secrets(
    secrets: list[dict[str, Any]],
    ingresses: list[dict[str, Any]],
    listener_owners: Sequence[Obj] = (),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split Secrets into those an Ingress TLS entry or a Gateway listener names and the rest.

    The Snapshot holds only the TLS Secrets Ingresses and Gateway/ListenerSet listeners
    reference (its contract, and the same set the live loader fetches); other Secrets are
    never carried along.
    """
    wanted: set[tuple[str, str]] = set(certificate_refs(listener_owners, "default"))
    for ingress in ingresses:
        ns = str(ingress["metadata"]["namespace"])
        spec = ingress.get("spec")
        tls = spec.get("tls") if isinstance(spec, dict) else None
        for entry in tls if isinstance(tls, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("secretName"), str):
                wanted.add((ns, entry["secretName"]))
    kept: list[dict[str, Any]] = []
    unused: list[dict[str, Any]] = []
    for secret in secrets:
        meta = secret["metadata"]
        ref = (str(meta["namespace"]), str(meta["name"]))
        (kept if ref in wanted else unused).append(secret)
    return kept, unused
