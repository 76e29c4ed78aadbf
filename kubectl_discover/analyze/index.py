"""Lookups over a snapshot, built once so that every check is a dictionary access
instead of a scan (``scan -A`` on 5,000 Services and 50,000 Pods stays linear)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from kubectl_discover.analyze.gateway.graph import GatewayGraph, build_graph
from kubectl_discover.analyze.model import PodView
from kubectl_discover.analyze.pods import (
    PortsCache,
    replicaset_owners,
    snapshot_pod_labels,
    snapshot_pod_namespace,
    snapshot_pod_view,
    template_views,
)
from kubectl_discover.analyze.selectors import matches_map
from kubectl_discover.analyze.serviceview import ServiceView, view_service
from kubectl_discover.analyze.sliceview import SliceView, parse_slice
from kubectl_discover.snapshot import Obj, Snapshot, labels_of, name_of, namespace_of

if TYPE_CHECKING:
    from kubectl_discover.analyze.clusterdns import ClusterDns

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


_MISSING: Any = object()
K = TypeVar("K")
R = TypeVar("R")
V = TypeVar("V")


class _ParsedOnce(Mapping[K, V]):
    """A mapping over raw values that parses each one the first time it is read, and only
    then: the typed views are built once, at the boundary, and only for what is used."""

    __slots__ = ("_parse", "_parsed", "_raw")

    def __init__(self, raw: Mapping[K, R], parse: Callable[[R], V]) -> None:
        self._raw = raw
        self._parse = parse
        self._parsed: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        value: V | None = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return cast(V, value)

    def get(self, key: K, default: Any = None) -> Any:
        """No exception on the common paths (a miss is frequent: Services without slices)."""
        value: Any = self._parsed.get(key, _MISSING)
        if value is not _MISSING:
            return value
        raw: Any = self._raw.get(key, _MISSING)
        if raw is _MISSING:
            return default
        parsed = self._parsed[key] = self._parse(raw)
        return parsed

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[K]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _by_key(objs: Iterable[Obj], default_ns: str) -> dict[tuple[str, str], Obj]:
    return {(namespace_of(o, default_ns), name_of(o)): o for o in objs}


class _NamespacePods:
    """The pods of one namespace, in :func:`pod_views` order, turned into views on demand.

    A Service selects a handful of the namespace's pods: ``svc NAME`` in a namespace of
    5,000 pods builds views of those only (and of near misses), not of all 5,000.
    """

    __slots__ = ("_cache", "_owners", "_snapshot", "_sources", "_views")

    def __init__(
        self,
        snapshot: Snapshot,
        owners: Mapping[tuple[str, str], tuple[str, str]],
        cache: PortsCache,
    ) -> None:
        self._snapshot = snapshot
        self._owners = owners
        self._cache = cache
        self._sources: list[Obj | PodView] = []
        self._views: list[PodView | None] = []

    def add(self, source: Obj | PodView) -> None:
        self._sources.append(source)
        self._views.append(source if isinstance(source, PodView) else None)

    def __len__(self) -> int:
        return len(self._sources)

    def view(self, i: int) -> PodView:
        view = self._views[i]
        if view is None:
            source = self._sources[i]
            assert not isinstance(source, PodView)
            view = snapshot_pod_view(self._snapshot, source, self._owners, self._cache)
            self._views[i] = view
        return view

    def labels(self, i: int) -> Mapping[str, str]:
        """``view(i).labels``, without building the view when it is not built yet."""
        view = self._views[i]
        if view is not None:
            return view.labels
        source = self._sources[i]
        assert not isinstance(source, PodView)
        return snapshot_pod_labels(source)

    def all(self) -> tuple[PodView, ...]:
        return tuple(self.view(i) for i in range(len(self._sources)))


class _PodsByNamespace(Mapping[str, tuple[PodView, ...]]):
    """``Index.pods_by_namespace``: a read-only mapping whose values are built per key."""

    def __init__(self, groups: Mapping[str, _NamespacePods]) -> None:
        self._groups = groups
        self._built: dict[str, tuple[PodView, ...]] = {}

    def __getitem__(self, namespace: str) -> tuple[PodView, ...]:
        built = self._built.get(namespace)
        if built is None:
            built = self._built[namespace] = self._groups[namespace].all()
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def __contains__(self, namespace: object) -> bool:
        return namespace in self._groups


def _group(objs: Iterable[Obj], default_ns: str) -> dict[str, tuple[Obj, ...]]:
    groups: dict[str, list[Obj]] = defaultdict(list)
    for obj in objs:
        groups[namespace_of(obj, default_ns)].append(obj)
    return {ns: tuple(items) for ns, items in groups.items()}


@dataclass(frozen=True)
class Index:
    """Read-only lookups; build with :func:`build_index`."""

    snapshot: Snapshot
    _label_index: dict[str, dict[tuple[str, str], set[int]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def gateway_graph(self) -> GatewayGraph:
        """The Gateway API objects as one graph (analyze/gateway), built once. A kind the
        loader could not read (or left out) is passed as None where the graph can say
        "unknown" instead of "missing"."""
        snapshot = self.snapshot

        def read(resource: str, objs: tuple[Obj, ...]) -> tuple[Obj, ...] | None:
            return None if snapshot.unavailable_for(resource) is not None else objs

        return build_graph(
            gatewayclasses=read("gatewayclasses", snapshot.gatewayclasses),
            gateways=read("gateways", snapshot.gateways),
            listenersets=read("listenersets", snapshot.listenersets),
            httproutes=snapshot.httproutes,
            grpcroutes=snapshot.grpcroutes,
            referencegrants=read("referencegrants", snapshot.referencegrants),
            backendtlspolicies=snapshot.backendtlspolicies,
            services=self.services,
            secrets=read("secrets", snapshot.secrets),
            namespace_labels=snapshot.namespace_labels,
            default_namespace=snapshot.default_namespace,
            live=snapshot.live,
        )

    @cached_property
    def service_namespaces(self) -> Mapping[str, tuple[str, ...]]:
        """Service name -> the namespaces (sorted) that have a Service of that name."""
        found: dict[str, list[str]] = defaultdict(list)
        for namespace, name in self.services:
            found[name].append(namespace)
        return {name: tuple(sorted(namespaces)) for name, namespaces in found.items()}

    @cached_property
    def services(self) -> Mapping[tuple[str, str], ServiceView]:
        """(namespace, name) -> the Service, parsed once (analyze/serviceview.py) when first
        asked for: ``svc NAME`` parses the few it looks at, ``scan`` all of them."""
        default_ns = self.snapshot.default_namespace
        raw = {(namespace_of(s, default_ns), name_of(s)): s for s in self.snapshot.services}
        return _ParsedOnce(raw, lambda service: view_service(service, default_ns))

    @cached_property
    def _service_keys_by_namespace(self) -> Mapping[str, tuple[tuple[str, str], ...]]:
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in self.services:
            groups[key[0]].append(key)
        return {ns: tuple(keys) for ns, keys in groups.items()}

    @property
    def service_views(self) -> tuple[ServiceView, ...]:
        """Every Service, in snapshot order."""
        return tuple(self.services.values())

    @cached_property
    def slices_by_service(self) -> Mapping[tuple[str, str], tuple[Obj, ...]]:
        groups: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        for eps in self.snapshot.endpointslices:
            owner = labels_of(eps).get(SERVICE_NAME_LABEL)
            if owner:
                groups[(namespace_of(eps, self.snapshot.default_namespace), owner)].append(eps)
        return {key: tuple(items) for key, items in groups.items()}

    @cached_property
    def _pod_groups(self) -> Mapping[str, _NamespacePods]:
        """Pods per namespace in pod_views order; views are built when first asked for."""
        snapshot = self.snapshot
        owners = replicaset_owners(snapshot)
        cache: PortsCache = {}
        groups: dict[str, _NamespacePods] = {}
        for pod in snapshot.pods:
            namespace = snapshot_pod_namespace(snapshot, pod)
            group = groups.get(namespace)
            if group is None:
                group = groups[namespace] = _NamespacePods(snapshot, owners, cache)
            group.add(pod)
        for view in template_views(snapshot):
            group = groups.get(view.namespace)
            if group is None:
                group = groups[view.namespace] = _NamespacePods(snapshot, owners, cache)
            group.add(view)
        return groups

    @cached_property
    def pods_by_namespace(self) -> Mapping[str, tuple[PodView, ...]]:
        return _PodsByNamespace(self._pod_groups)

    @cached_property
    def workloads(self) -> Mapping[tuple[str, str, str], Obj]:
        default_ns = self.snapshot.default_namespace
        return {
            (str(w.get("kind", "")), namespace_of(w, default_ns), name_of(w)): w
            for w in self.snapshot.workloads
        }

    @cached_property
    def _workloads_by_namespace(self) -> Mapping[str, tuple[tuple[tuple[str, str, str], Obj], ...]]:
        """``workloads`` items grouped by namespace, in ``workloads`` order."""
        groups: dict[str, list[tuple[tuple[str, str, str], Obj]]] = defaultdict(list)
        for key, workload in self.workloads.items():
            groups[key[1]].append((key, workload))
        return {ns: tuple(items) for ns, items in groups.items()}

    def workload_items_in(self, namespace: str) -> tuple[tuple[tuple[str, str, str], Obj], ...]:
        """The ``workloads`` entries of ``namespace``, in ``workloads`` order."""
        return self._workloads_by_namespace.get(namespace, ())

    @cached_property
    def ingresses_by_namespace(self) -> Mapping[str, tuple[Obj, ...]]:
        return _group(self.snapshot.ingresses, self.snapshot.default_namespace)

    @cached_property
    def secrets(self) -> Mapping[tuple[str, str], Obj]:
        return _by_key(self.snapshot.secrets, self.snapshot.default_namespace)

    @cached_property
    def ingressclasses(self) -> Mapping[str, Obj]:
        return {name_of(c): c for c in self.snapshot.ingressclasses}

    @cached_property
    def nodes(self) -> Mapping[str, Obj]:
        return {name_of(n): n for n in self.snapshot.nodes}

    @cached_property
    def namespaces(self) -> frozenset[str]:
        """Namespaces known to exist: listed ones plus any that hold an object."""
        known = set(self.snapshot.namespaces)
        for group in (self._service_keys_by_namespace, self.pods_by_namespace):
            known.update(group)
        return frozenset(known)

    def service(self, namespace: str, name: str) -> ServiceView | None:
        return self.services.get((namespace, name))

    @cached_property
    def cluster_dns(self) -> ClusterDns:
        """The DNS configuration predictions follow (the Corefile read, else kubeadm's,
        assumed); the loader passes the one it parsed to :func:`build_index`."""
        from kubectl_discover.analyze.clusterdns import read_cluster_dns

        return read_cluster_dns(self.snapshot, self.snapshot.cluster_domain)

    def services_in(self, namespace: str) -> tuple[ServiceView, ...]:
        keys = self._service_keys_by_namespace.get(namespace, ())
        return tuple(self.services[key] for key in keys)

    def slices_for(self, namespace: str, service: str) -> tuple[Obj, ...]:
        return self.slices_by_service.get((namespace, service), ())

    @cached_property
    def _slice_views(self) -> Mapping[tuple[str, str], tuple[SliceView, ...]]:
        """Each Service's slices, parsed once (analyze/sliceview.py) when first asked for."""
        return _ParsedOnce(
            self.slices_by_service, lambda slices: tuple(parse_slice(s) for s in slices)
        )

    def slice_views_for(self, namespace: str, service: str) -> tuple[SliceView, ...]:
        return self._slice_views.get((namespace, service), ())

    def pods_in(self, namespace: str) -> tuple[PodView, ...]:
        return self.pods_by_namespace.get(namespace, ())

    def workload(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.workloads.get((kind, namespace, name))

    def pods_selected(self, namespace: str, selector: Mapping[str, str]) -> tuple[PodView, ...]:
        """Pods in ``namespace`` whose labels match a Service selector (empty: none).

        Uses an inverted (key, value) -> pods index per namespace, intersecting the
        smallest posting lists first.
        """
        if not selector:
            return ()
        group = self._pod_groups.get(namespace)
        if group is None:
            return ()
        postings = self._postings(namespace)
        sets = sorted((postings.get(item, set()) for item in selector.items()), key=len)
        if not sets or not sets[0]:
            return ()
        chosen = set(sets[0]).intersection(*sets[1:])
        return tuple(
            group.view(i) for i in sorted(chosen) if matches_map(selector, group.labels(i))
        )

    def selects_any(self, namespace: str, selector: Mapping[str, str]) -> bool:
        """``bool(pods_selected(namespace, selector))``, without building pod views."""
        if not selector:
            return False
        group = self._pod_groups.get(namespace)
        if group is None:
            return False
        postings = self._postings(namespace)
        sets: list[set[int]] = []
        for item in selector.items():
            members = postings.get(item)
            if not members:
                return False  # a selector pair no pod carries: nothing matches
            sets.append(members)
        sets.sort(key=len)
        chosen = sets[0].intersection(*sets[1:])
        return any(matches_map(selector, group.labels(i)) for i in chosen)

    def namespaces_selecting(self, selector: Mapping[str, str]) -> tuple[str, ...]:
        """The namespaces (sorted) with a pod that ``selector`` matches; only namespaces
        holding a pod with every pair of the selector are looked at."""
        if not selector:
            return ()
        by_pair = self._namespaces_by_label
        sets = sorted((by_pair.get(item, frozenset()) for item in selector.items()), key=len)
        if not sets[0]:
            return ()
        candidates = set(sets[0]).intersection(*sets[1:])
        return tuple(sorted(ns for ns in candidates if self.selects_any(ns, selector)))

    @cached_property
    def _namespaces_by_label(self) -> Mapping[tuple[str, str], frozenset[str]]:
        """(key, value) -> the namespaces with a pod carrying that label."""
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for namespace in self._pod_groups:
            for item in self._postings(namespace):
                found[item].add(namespace)
        return {item: frozenset(names) for item, names in found.items()}

    def pods_sharing_labels(
        self, namespace: str, selector: Mapping[str, str]
    ) -> tuple[PodView, ...]:
        """Pods in ``namespace`` carrying a key of ``selector`` (any value) or one of its
        values (under any key): the candidates for "near misses" of a selector.

        Reads the posting lists (one entry per distinct label pair), never every pod, so
        explaining a selector that matches nothing stays cheap in large namespaces.
        """
        keys = set(selector)
        values = set(selector.values())
        if not keys:
            return ()
        group = self._pod_groups.get(namespace)
        if group is None:
            return ()
        chosen: set[int] = set()
        for (key, value), members in self._postings(namespace).items():
            if key in keys or value in values:
                chosen.update(members)
        return tuple(group.view(i) for i in sorted(chosen))

    def _postings(self, namespace: str) -> dict[tuple[str, str], set[int]]:
        cached = self._label_index.get(namespace)
        if cached is None:
            cached = defaultdict(set)
            group = self._pod_groups.get(namespace)
            if group is not None:
                for i in range(len(group)):
                    for item in group.labels(i).items():
                        cached[item].add(i)
            self._label_index[namespace] = cached
        return cached


def build_index(snapshot: Snapshot, *, cluster_dns: ClusterDns | None = None) -> Index:
    """``cluster_dns``: the DNS configuration parsed by the loader (else parsed when first
    asked for, with the snapshot's cluster domain)."""
    index = Index(snapshot)
    if cluster_dns is not None:
        index.__dict__["cluster_dns"] = cluster_dns  # the cached_property's slot
    return index
