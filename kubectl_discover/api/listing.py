"""Fill a live :class:`~kubectl_discover.snapshot.Snapshot`: one paginated LIST per kind.

Request plan (documented because request count is a design goal, not an accident):

- one LIST per kind in ``kinds``, scoped to the namespace (cluster-wide for ``-A``), run
  concurrently on a small thread pool so wall time is about one round trip plus transfer;
  a LIST is paginated (``limit``/``continue``) so a large cluster never arrives in one
  response, which means more requests only when a kind has more than ``page_size`` objects;
- ``events`` only when ``events_for`` names the target, with a field selector;
- ``namespaces`` as metadata only (PartialObjectMetadataList): names and labels;
- Secrets are never listed: ``tls_secret_names`` says which ones Ingresses reference,
  and each is read with one GET, stripped to type, name and the ``tls.crt``/``tls.key`` data;
- when every namespaced LIST came back empty and the namespace list was not loaded, one
  GET of the Namespace tells "namespace not found" (exit 2) from "empty namespace".

For ``svc NAME --no-probe`` (``kubectl_discover.commands.SVC``): one LIST per kind it names,
constant in the number of objects up to ``page_size`` per kind, plus one GET of ``/apis``
(discovery, below) and one GET of the ConfigMap kube-system/coredns (``dns_config``):
bench/README.md has the table, tests/unit/test_api_session.py the exact request set. Adding
``events`` (with ``events_for``) makes one more; an empty or missing namespace costs one more
GET (the namespace check above).
NetworkPolicies are listed across every namespace (``every_namespace``), Namespaces as
metadata (names and labels, for ``namespaceSelector``).

CRD-backed kinds (every group outside :data:`BUILT_IN_GROUPS`: the Gateway API, the
network-policy-api) are listed only when discovery says their group/version is served, so a
cluster without them costs no 404 round trips; ``Snapshot.served_groups`` keeps the answer
(other policy engines' CRD groups). Discovery runs concurrently with the built-in LISTs. When
it is refused, the CRD kinds are listed anyway and a 404 means "not served".

Pods are listed with ``fieldSelector=status.phase!=Succeeded``: completed Job pods can
number in the thousands and never serve traffic. Failed pods are kept (evicted or crashed
replicas explain missing endpoints). ``metadata.managedFields`` and nodes'
``status.images`` are dropped on arrival: large, and no check reads them.

The Corefile (``dns_config``, for commands that predict DNS names): one GET of
kube-system/coredns, and one of kube-system/coredns-custom only when that Corefile imports
``custom/`` (AKS), so kubeadm, EKS and GKE-with-CoreDNS clusters cost one request. A 403 is
an :class:`Unavailable` ("cannot get configmaps in kube-system: forbidden"), a 404 an empty
``dns_configmaps``: the analysis then states the Corefile it assumed.

RBAC: a 403 on any kind becomes an :class:`~kubectl_discover.snapshot.Unavailable` entry
and the load continues; every other failure is mapped by :mod:`.session`.

The snapshot holds TLS private keys (``tls.key``) in memory, to match keys with
certificates. It must never be rendered or logged raw.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from kubectl_discover.api.session import ApiNotFound, Forbidden, Session
from kubectl_discover.errors import InputError, NotFoundError
from kubectl_discover.probe.dnspath import NODELOCAL_CONFIGMAP
from kubectl_discover.snapshot import (
    GATEWAY_NOT_SERVED,
    POLICY_API_NOT_SERVED,
    SUPERSEDED,
    WORKLOAD_KINDS,
    Snapshot,
    Unavailable,
    labels_by_name,
)
from kubectl_discover.syntax import is_dns1123_subdomain

MAX_PARALLEL = 4
"""Concurrent requests: enough to overlap round trips, few enough to be polite."""

METADATA_ONLY = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
"""Accept header asking for names and labels only (used for namespaces)."""

TLS_SECRET_KEYS = ("tls.crt", "tls.key")
"""The only Secret data kept: the certificate, and the key to check that they match."""

GATEWAY_GROUP = "gateway.networking.k8s.io"
"""The Gateway API group (standard channel v1.6: every kind v1 but ReferenceGrant v1beta1).
Its kinds are CRDs: a 404 on their LIST means "not installed", never an error."""

POLICY_API_GROUP = "policy.networking.k8s.io"
"""sigs.k8s.io/network-policy-api: v1alpha1 AdminNetworkPolicy and
BaselineAdminNetworkPolicy, v1alpha2 ClusterNetworkPolicy (CRDs, cluster-scoped)."""


@dataclass(frozen=True)
class KindSpec:
    """How one kind is listed and where it goes in the snapshot.

    ``resource`` is also the RBAC resource name, so deploy/rbac.yaml can be checked
    against this table.
    """

    resource: str
    group: str
    version: str
    kind: str
    namespaced: bool
    field: str
    """The :class:`Snapshot` field the items go to."""
    params: tuple[tuple[str, str], ...] = ()
    metadata_only: bool = False
    every_namespace: bool = False
    """Listed across all namespaces even when one namespace is read: a Route's parent
    Gateway (or ListenerSet) usually lives in a shared namespace of its own."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None) -> str:
        """The collection URL, namespace-scoped when the kind is and a namespace is given."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace and not self.every_namespace:
            return f"{root}/namespaces/{quote(namespace, safe='')}/{self.resource}"
        return f"{root}/{self.resource}"


KINDS: tuple[KindSpec, ...] = (
    KindSpec("services", "", "v1", "Service", True, "services"),
    KindSpec("endpointslices", "discovery.k8s.io", "v1", "EndpointSlice", True, "endpointslices"),
    KindSpec(
        "pods",
        "",
        "v1",
        "Pod",
        True,
        "pods",
        params=(("fieldSelector", "status.phase!=Succeeded"),),
    ),
    KindSpec("deployments", "apps", "v1", "Deployment", True, "workloads"),
    KindSpec("statefulsets", "apps", "v1", "StatefulSet", True, "workloads"),
    KindSpec("daemonsets", "apps", "v1", "DaemonSet", True, "workloads"),
    KindSpec("replicasets", "apps", "v1", "ReplicaSet", True, "workloads"),
    KindSpec("jobs", "batch", "v1", "Job", True, "workloads"),
    KindSpec("cronjobs", "batch", "v1", "CronJob", True, "workloads"),
    KindSpec("nodes", "", "v1", "Node", False, "nodes"),
    KindSpec("ingresses", "networking.k8s.io", "v1", "Ingress", True, "ingresses"),
    KindSpec("ingressclasses", "networking.k8s.io", "v1", "IngressClass", False, "ingressclasses"),
    KindSpec("events", "", "v1", "Event", True, "events"),
    KindSpec("namespaces", "", "v1", "Namespace", False, "namespaces", metadata_only=True),
    KindSpec("gatewayclasses", GATEWAY_GROUP, "v1", "GatewayClass", False, "gatewayclasses"),
    KindSpec("gateways", GATEWAY_GROUP, "v1", "Gateway", True, "gateways", every_namespace=True),
    KindSpec(
        "listenersets",
        GATEWAY_GROUP,
        "v1",
        "ListenerSet",
        True,
        "listenersets",
        every_namespace=True,
    ),
    KindSpec("httproutes", GATEWAY_GROUP, "v1", "HTTPRoute", True, "httproutes"),
    KindSpec("grpcroutes", GATEWAY_GROUP, "v1", "GRPCRoute", True, "grpcroutes"),
    KindSpec(
        "referencegrants", GATEWAY_GROUP, "v1beta1", "ReferenceGrant", True, "referencegrants"
    ),
    KindSpec(
        "backendtlspolicies", GATEWAY_GROUP, "v1", "BackendTLSPolicy", True, "backendtlspolicies"
    ),
    KindSpec(
        "networkpolicies",
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        True,
        "networkpolicies",
        every_namespace=True,
    ),
    KindSpec(
        "adminnetworkpolicies",
        POLICY_API_GROUP,
        "v1alpha1",
        "AdminNetworkPolicy",
        False,
        "admin_policies",
    ),
    KindSpec(
        "baselineadminnetworkpolicies",
        POLICY_API_GROUP,
        "v1alpha1",
        "BaselineAdminNetworkPolicy",
        False,
        "admin_policies",
    ),
    KindSpec(
        "clusternetworkpolicies",
        POLICY_API_GROUP,
        "v1alpha2",
        "ClusterNetworkPolicy",
        False,
        "admin_policies",
    ),
)
"""Every kind the loader can list, in the order results are assembled."""

KINDS_BY_RESOURCE: Mapping[str, KindSpec] = {spec.resource: spec for spec in KINDS}

ALL_KINDS: frozenset[str] = frozenset(KINDS_BY_RESOURCE)


SECRET_GET_RESOURCE = "secrets"
"""Secrets are read one GET at a time (never listed); RBAC needs ``get`` on them."""


@dataclass
class _Loaded:
    """Items per resource, plus the kinds the server refused or does not serve."""

    items: dict[str, list[dict[str, Any]]]
    unavailable: list[Unavailable]
    served: frozenset[str] | None = None
    """The served API groups from discovery (None: not asked, or refused)."""


def load_snapshot(
    session: Session,
    namespace: str | None,
    *,
    kinds: frozenset[str] = ALL_KINDS,
    tls_secret_names: Callable[[Snapshot], Iterable[tuple[str, str]]] | None = None,
    events_for: tuple[str, str] | None = None,
    cluster_domain: str = "cluster.local",
    page_size: int = 500,
    dns_config: bool = False,
) -> Snapshot:
    """Read the cluster into a live snapshot of ``namespace`` (None: all namespaces).

    ``kinds`` chooses which resources to list (see :data:`KINDS`); ``events_for`` is
    ``(kind, name)`` of the one object whose events are wanted (events are listed only
    then). Raises NotFoundError when ``namespace`` does not exist, ClusterAccessError when
    the cluster cannot be read at all; refusals of single kinds land in ``unavailable``.
    """
    unknown = kinds - ALL_KINDS
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))}")
    if namespace is not None:
        _validate_name("namespace", namespace)
    specs = [s for s in KINDS if s.resource in kinds and (s.resource != "events" or events_for)]
    loaded = _list_kinds(session, namespace, specs, events_for, page_size)
    if namespace is not None:
        _check_namespace(session, namespace, loaded)
    snapshot = dataclasses.replace(
        _assemble(namespace, cluster_domain, loaded), served_groups=loaded.served
    )
    if dns_config:
        snapshot = with_dns_configmaps(session, snapshot)
    if tls_secret_names is None:
        return snapshot
    return _with_tls_secrets(session, snapshot, tls_secret_names(snapshot))


def _list_kinds(
    session: Session,
    namespace: str | None,
    specs: list[KindSpec],
    events_for: tuple[str, str] | None,
    page_size: int,
) -> _Loaded:
    """One concurrent, paginated LIST per kind; 403/404 recorded, anything else raised."""
    loaded = _Loaded(items={}, unavailable=[])
    optional = [spec for spec in specs if spec.group not in BUILT_IN_GROUPS]
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        discovery = pool.submit(served_groups, session) if optional else None
        futures: list[tuple[KindSpec, Future[list[dict[str, Any]]]]] = [
            (spec, pool.submit(_list_one, session, spec, namespace, events_for, page_size))
            for spec in specs
            if spec not in optional
        ]
        try:
            if discovery is not None:
                loaded.served = discovery.result()
            superseded = _superseded(optional, loaded.served)
            for spec in optional:
                if spec in superseded:
                    loaded.unavailable.append(
                        Unavailable(spec.resource, "list", "", f"{spec.api_version} {SUPERSEDED}")
                    )
                elif loaded.served is None or spec.api_version in loaded.served:
                    job = pool.submit(_list_one, session, spec, namespace, events_for, page_size)
                    futures.append((spec, job))
                else:
                    loaded.unavailable.append(_not_served(spec, namespace))
            for spec, future in futures:
                _collect(loaded, spec, namespace, future)
        except BaseException:
            for _, future in futures:
                future.cancel()
            raise
    return loaded


BUILT_IN_GROUPS = frozenset({"", "apps", "batch", "discovery.k8s.io", "networking.k8s.io"})
"""Groups every supported Kubernetes serves. Kinds of any other group are CRDs: the loader
asks discovery first and lists them only when served (no 404 round trip per kind)."""


REPLACED_BY = {
    "adminnetworkpolicies": "clusternetworkpolicies",
    "baselineadminnetworkpolicies": "clusternetworkpolicies",
}
"""network-policy-api v1alpha2's ClusterNetworkPolicy replaced v1alpha1's two kinds. A
cluster serving both versions (mid-migration) gets the new one listed and the old ones
marked :data:`SUPERSEDED` (their verdicts "unknown"), which keeps ``svc`` within its
request budget (bench/README.md)."""


def _superseded(specs: list[KindSpec], served: frozenset[str] | None) -> frozenset[KindSpec]:
    if served is None:
        return frozenset()
    wanted = {spec.resource: spec for spec in specs}
    return frozenset(
        spec
        for spec in specs
        if spec.resource in REPLACED_BY
        and (new := wanted.get(REPLACED_BY[spec.resource])) is not None
        and new.api_version in served
        and spec.api_version in served
    )


def served_groups(session: Session) -> frozenset[str] | None:
    """One GET of ``/apis`` (the APIGroupList every authenticated user may read): each served
    group as ``group`` and as ``group/version``. None when discovery cannot be read: the
    CRD kinds are then listed anyway and a 404 still means "not served"."""
    try:
        reply = session.get_json("/apis")
    except (Forbidden, ApiNotFound):
        return None
    served: set[str] = set()
    for group in reply.get("groups") or ():
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            continue
        served.add(group["name"])
        for version in group.get("versions") or ():
            if isinstance(version, Mapping) and isinstance(version.get("groupVersion"), str):
                served.add(version["groupVersion"])
    return frozenset(served)


def _not_served(spec: KindSpec, namespace: str | None) -> Unavailable:
    scope = namespace if spec.namespaced and namespace and not spec.every_namespace else ""
    reason = {GATEWAY_GROUP: GATEWAY_NOT_SERVED, POLICY_API_GROUP: POLICY_API_NOT_SERVED}.get(
        spec.group, "not served"
    )
    return Unavailable(spec.resource, "list", scope, f"{spec.api_version} {reason}")


def _collect(
    loaded: _Loaded,
    spec: KindSpec,
    namespace: str | None,
    future: Future[list[dict[str, Any]]],
) -> None:
    try:
        loaded.items[spec.resource] = future.result()
    except Forbidden as refusal:
        loaded.unavailable.append(refusal.unavailable())
    except ApiNotFound:
        loaded.unavailable.append(_not_served(spec, namespace))


def _list_one(
    session: Session,
    spec: KindSpec,
    namespace: str | None,
    events_for: tuple[str, str] | None,
    page_size: int,
) -> list[dict[str, Any]]:
    params = list(spec.params)
    if spec.resource == "events" and events_for is not None:
        kind, name = events_for
        params.append(("fieldSelector", f"involvedObject.kind={kind},involvedObject.name={name}"))
    path = spec.path(namespace)
    if spec.metadata_only:
        return [_normalise(spec, item) for item in _list_metadata(session, path, params, page_size)]
    # Normalised page by page: raw pods are dropped as soon as their page is slimmed.
    return session.list_all(
        path, params, page_size=page_size, each=functools.partial(_normalise, spec)
    )


def _list_metadata(
    session: Session, path: str, params: list[tuple[str, str]], page_size: int
) -> list[dict[str, Any]]:
    """A paginated LIST of metadata only (names, labels), far smaller than full objects."""
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        page_params: list[tuple[str, str | int]] = [*params, ("limit", page_size)]
        if token:
            page_params.append(("continue", token))
        page = session.send_json("GET", path, page_params, headers={"Accept": METADATA_ONLY})
        items.extend(page.get("items") or [])
        token = str((page.get("metadata") or {}).get("continue") or "")
        if not token:
            return items


def _normalise(spec: KindSpec, item: dict[str, Any]) -> dict[str, Any]:
    """Give a list item its apiVersion/kind (lists omit them) and drop bulky unread fields."""
    item["apiVersion"] = spec.api_version
    item["kind"] = spec.kind
    metadata = item.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    status = item.get("status")
    if spec.resource == "nodes" and isinstance(status, dict):
        status.pop("images", None)
    if spec.resource == "pods":
        return slim_pod(item)
    return item


_POD_METADATA = (
    "name",
    "namespace",
    "labels",
    "annotations",
    "ownerReferences",
    "deletionTimestamp",
    "uid",
    "creationTimestamp",
)
_POD_SPEC = (
    "hostname",
    "subdomain",
    "nodeName",
    "dnsPolicy",
    "dnsConfig",
    "hostNetwork",
    "setHostnameAsFQDN",
    "restartPolicy",
)
_POD_STATUS = ("phase", "podIP", "podIPs", "hostIP", "hostIPs", "reason", "message")


def slim_pod(pod: dict[str, Any]) -> dict[str, Any]:
    """A pod reduced to what the analysis and ``--from`` read: identity, labels, owners,
    DNS settings, declared ports, IPs and conditions. A pod's env, volumes and probes are
    most of its JSON; at 50,000 pods this halves peak memory (bench/README.md)."""
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}

    def ports_only(containers: Any) -> list[dict[str, Any]]:
        return [
            {k: c[k] for k in ("name", "ports", "restartPolicy") if k in c}
            for c in containers or ()
        ]

    slim_spec = {k: spec[k] for k in _POD_SPEC if k in spec}
    slim_spec["containers"] = ports_only(spec.get("containers"))
    if spec.get("initContainers"):
        slim_spec["initContainers"] = ports_only(spec["initContainers"])
    slim_status = {k: status[k] for k in _POD_STATUS if k in status}
    slim_status["conditions"] = list(status.get("conditions") or ())
    return {
        "apiVersion": pod.get("apiVersion"),
        "kind": pod.get("kind"),
        "metadata": {k: metadata[k] for k in _POD_METADATA if k in metadata},
        "spec": slim_spec,
        "status": slim_status,
    }


def _check_namespace(session: Session, namespace: str, loaded: _Loaded) -> None:
    """Raise NotFoundError when ``namespace`` does not exist.

    A LIST in a missing namespace is simply empty, so existence comes from the namespace
    list when it was loaded, else from one GET — only when every namespaced LIST came back
    empty (or refused), since any object found proves the namespace exists.
    """
    if "namespaces" in loaded.items:
        names = [_name(item) for item in loaded.items["namespaces"]]
        if namespace not in names:
            raise NotFoundError(_namespace_missing(namespace, names))
        return
    if any(
        loaded.items.get(spec.resource)
        for spec in KINDS
        if spec.namespaced and not spec.every_namespace
    ):
        return  # something lives there, so the namespace exists
    try:
        session.get_json(f"/api/v1/namespaces/{quote(namespace, safe='')}")
    except ApiNotFound:
        raise NotFoundError(_namespace_missing(namespace, [])) from None
    except Forbidden:
        return  # cannot tell; the analysis reports what it could not read


def _namespace_missing(namespace: str, known: list[str]) -> str:
    message = f'namespace "{namespace}" not found'
    close = difflib.get_close_matches(namespace, known, n=3, cutoff=0.6)
    if close:
        message += "; did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
    return message


def _assemble(namespace: str | None, cluster_domain: str, loaded: _Loaded) -> Snapshot:
    """Place listed items into snapshot fields; workloads in WORKLOAD_KINDS order."""
    fields: dict[str, list[dict[str, Any]]] = {}
    for spec in KINDS:
        fields.setdefault(spec.field, []).extend(loaded.items.get(spec.resource, []))
    order = {kind: i for i, kind in enumerate(WORKLOAD_KINDS)}
    workloads = sorted(fields["workloads"], key=lambda w: order.get(str(w.get("kind")), 99))
    return Snapshot(
        namespace=namespace,
        live=True,
        cluster_domain=cluster_domain,
        services=tuple(fields["services"]),
        endpointslices=tuple(fields["endpointslices"]),
        pods=tuple(fields["pods"]),
        workloads=tuple(workloads),
        nodes=tuple(fields["nodes"]),
        ingresses=tuple(fields["ingresses"]),
        ingressclasses=tuple(fields["ingressclasses"]),
        events=tuple(fields["events"]),
        namespaces=tuple(_name(item) for item in fields["namespaces"]),
        namespace_labels=labels_by_name(fields["namespaces"]),
        networkpolicies=tuple(fields["networkpolicies"]),
        admin_policies=tuple(fields["admin_policies"]),
        unavailable=tuple(loaded.unavailable),
        gatewayclasses=tuple(fields["gatewayclasses"]),
        gateways=tuple(fields["gateways"]),
        listenersets=tuple(fields["listenersets"]),
        httproutes=tuple(fields["httproutes"]),
        grpcroutes=tuple(fields["grpcroutes"]),
        referencegrants=tuple(fields["referencegrants"]),
        backendtlspolicies=tuple(fields["backendtlspolicies"]),
    )


def _with_tls_secrets(
    session: Session, snapshot: Snapshot, wanted: Iterable[tuple[str, str]]
) -> Snapshot:
    """Read the referenced TLS Secrets, one GET each, keeping only what TLS checks need."""
    refs = sorted({(ns, name) for ns, name in wanted if _is_name(ns) and _is_name(name)})
    if not refs:
        return snapshot
    secrets: list[dict[str, Any]] = []
    refused: dict[str, Unavailable] = {}
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        futures = [(ns, pool.submit(_get_tls_secret, session, ns, name)) for ns, name in refs]
        for ns, future in futures:
            try:
                secret = future.result()
            except Forbidden as refusal:
                refused.setdefault(ns, refusal.unavailable())
                continue
            if secret is not None:
                secrets.append(secret)
    return dataclasses.replace(
        snapshot,
        secrets=snapshot.secrets + tuple(secrets),
        unavailable=snapshot.unavailable + tuple(refused.values()),
    )


def _get_tls_secret(session: Session, namespace: str, name: str) -> dict[str, Any] | None:
    """One Secret reduced to type, name, namespace and the TLS data; None when missing."""
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/secrets/{quote(name, safe='')}"
    try:
        secret = session.get_json(path)
    except ApiNotFound:
        return None
    return strip_secret(secret, namespace)


def strip_secret(secret: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """Keep only what TLS checks read; every other data key is discarded unseen."""
    metadata = secret.get("metadata") or {}
    data = secret.get("data") or {}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": str(secret.get("type") or ""),
        "metadata": {
            "name": str(metadata.get("name") or ""),
            "namespace": str(metadata.get("namespace") or namespace),
        },
        "data": {key: data[key] for key in TLS_SECRET_KEYS if key in data},
    }


def _name(item: Mapping[str, Any]) -> str:
    return str((item.get("metadata") or {}).get("name") or "")


def _is_name(value: str) -> bool:
    """A valid object name (DNS subdomain); anything else cannot exist and is not requested."""
    return is_dns1123_subdomain(value)


def _validate_name(what: str, value: str) -> None:
    if not _is_name(value):
        raise InputError(f'invalid {what} "{value}": must be a lowercase DNS name')


DNS_NAMESPACE = "kube-system"
COREDNS_CONFIGMAP = "coredns"
COREDNS_CUSTOM_CONFIGMAP = "coredns-custom"
"""AKS: mounted at /etc/coredns/custom and spliced in by ``import custom/*``."""
CONFIGMAP_GET_RESOURCE = "configmaps"
"""The DNS ConfigMaps are read one GET each by name (never listed); RBAC needs ``get``."""
DNS_CONFIGMAP_NAMES = (COREDNS_CONFIGMAP, COREDNS_CUSTOM_CONFIGMAP, NODELOCAL_CONFIGMAP)
"""Every ConfigMap the plugin may GET (the loader the first two, the probe node-local-dns:
api/dnspath.py): deploy/rbac.yaml grants ``get`` on these names only."""


def with_dns_configmaps(session: Session, snapshot: Snapshot) -> Snapshot:
    """GET kube-system/coredns (and coredns-custom when its Corefile imports ``custom/``).

    A 403 is recorded as :class:`Unavailable`; a 404 leaves ``dns_configmaps`` empty.
    Either way ``dns_configmaps_read`` is True: the analysis states what it assumed.
    """
    found: list[dict[str, Any]] = []
    refused: list[Unavailable] = []
    coredns = _get_configmap(session, COREDNS_CONFIGMAP, refused)
    if coredns is not None:
        found.append(coredns)
        if _imports_custom(coredns):
            custom = _get_configmap(session, COREDNS_CUSTOM_CONFIGMAP, refused)
            if custom is not None:
                found.append(custom)
    return dataclasses.replace(
        snapshot,
        dns_configmaps=tuple(found),
        dns_configmaps_read=True,
        unavailable=snapshot.unavailable + tuple(refused[:1]),
    )


def _get_configmap(
    session: Session, name: str, refused: list[Unavailable]
) -> dict[str, Any] | None:
    path = f"/api/v1/namespaces/{DNS_NAMESPACE}/configmaps/{name}"
    try:
        configmap = session.get_json(path)
    except Forbidden:
        refused.append(Unavailable(CONFIGMAP_GET_RESOURCE, "get", DNS_NAMESPACE, "forbidden"))
        return None
    except ApiNotFound:
        return None
    metadata = configmap.get("metadata") or {}
    data = configmap.get("data") or {}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": str(metadata.get("name") or name),
            "namespace": DNS_NAMESPACE,
            "creationTimestamp": metadata.get("creationTimestamp"),
        },
        "data": {str(k): v for k, v in data.items() if isinstance(v, str)}
        if isinstance(data, Mapping)
        else {},
    }


_IMPORTS_CUSTOM = re.compile(r"^\s*import\s+\"?custom/", re.M)


def _imports_custom(configmap: Mapping[str, Any]) -> bool:
    """Whether the Corefile has an ``import custom/...`` line (AKS's coredns-custom is
    mounted there). A line test, not a parse: the Corefile is parsed once, in analysis."""
    text = (configmap.get("data") or {}).get("Corefile")
    return isinstance(text, str) and _IMPORTS_CUSTOM.search(text) is not None
