"""The loading policy: from what a command needs (:mod:`kubectl_discover.commands`) and
where to read (files or a cluster) to an indexed snapshot.

This is the loader the CLI passes to :mod:`kubectl_discover.pipeline`, and the one the
benchmarks time. Page sizes, the kinds marked "not read", the TLS-secret callback and the
garbage-collector pause around loading all live here, once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, BinaryIO

from kubectl_discover.analyze.index import Index, build_index
from kubectl_discover.commands import Needs, Scope
from kubectl_discover.gcpause import cyclic_gc_paused
from kubectl_discover.snapshot import (
    NOT_READ,
    Snapshot,
    Unavailable,
    certificate_refs,
    namespace_of,
)

NAMESPACE_PAGE = 5000
"""Items per LIST page in one namespace: one page for namespaces up to 5,000 objects
per kind keeps ``svc --no-probe`` at a constant request count (bench/README.md)."""
CLUSTER_PAGE = 500
"""Items per page for ``-A``: pages are decoded and slimmed one at a time, which bounds
the peak memory of ``scan -A`` on large clusters."""


@dataclass(frozen=True)
class Source:
    """Where to read: files (``-f``) or the cluster of a kubeconfig context."""

    filenames: tuple[str, ...] = ()
    kustomize: str | None = None
    """``-k DIR``: a kustomization rendered with ``kubectl kustomize``."""
    kubeconfig: str | None = None
    context: str | None = None
    stdin: BinaryIO | None = None

    @property
    def offline(self) -> bool:
        return bool(self.filenames) or self.kustomize is not None


@dataclass(frozen=True)
class LoadRequest:
    needs: Needs
    source: Source
    namespace: str | None
    """``-n``; None means the kubeconfig context's namespace (``default`` offline)."""
    all_namespaces: bool = False
    cluster_domain: str = "cluster.local"
    events_for: tuple[str, str] | None = None
    """(kind, name) of the subject whose Events are read, when ``needs.events``."""
    detect_cluster_domain: bool = False
    """No ``--cluster-domain``: the Corefile's cluster domain replaces ``cluster_domain``."""
    extra_kinds: frozenset[str] = frozenset()
    """Kinds read besides ``needs.kinds`` (``nodes`` for a fan-out probe under ``dns``)."""


@dataclass(frozen=True)
class Loaded:
    snapshot: Snapshot
    index: Index
    namespace: str
    """The effective namespace (the subject's)."""
    scope: str | None
    """The namespace read, or None when every namespace was read."""
    source: str
    session: Any = None
    """api.session.Session when live; None offline."""


def load(request: LoadRequest) -> Loaded:
    """Fill the snapshot from files or from the cluster, then index it."""
    with cyclic_gc_paused():  # scan -A loading 8.3 s -> 1.3 s (bench/README.md)
        if request.source.offline:
            return _load_files(request)
        return _load_cluster(request)


def _every_namespace(request: LoadRequest) -> bool:
    return request.all_namespaces or request.needs.scope is Scope.ALL


def _load_files(request: LoadRequest) -> Loaded:
    from kubectl_discover import manifests
    from kubectl_discover.manifests import kustomize

    namespace = request.namespace or "default"
    scope = None if _every_namespace(request) else namespace
    directory = request.source.kustomize
    rendered = (kustomize.render(directory),) if directory is not None else ()
    snapshot = manifests.load_files(
        list(request.source.filenames),
        scope,
        stdin=request.source.stdin,
        cluster_domain=request.cluster_domain,
        rendered=rendered,
    )
    names = [*request.source.filenames, *(name for name, _ in rendered)]
    source = "files: " + ", ".join(names)
    return Loaded(*_indexed(snapshot, request), namespace, scope, source)


def _load_cluster(request: LoadRequest) -> Loaded:
    from kubectl_discover.api import session as api_session

    session = api_session.connect(request.source.kubeconfig, request.source.context)
    return load_from_session(session, request)


def load_from_session(session: Any, request: LoadRequest) -> Loaded:
    """The live half of :func:`load`, for a session already connected (the unit tests
    drive it with a scripted session)."""
    from kubectl_discover.api import listing

    namespace = request.namespace or session.namespace
    scope = None if _every_namespace(request) else namespace
    needs = request.needs
    if request.extra_kinds - needs.kinds:
        needs = dataclasses.replace(needs, kinds=needs.kinds | request.extra_kinds)
    snapshot = listing.load_snapshot(
        session,
        scope,
        page_size=NAMESPACE_PAGE if scope is not None else CLUSTER_PAGE,
        kinds=needs.kinds,
        tls_secret_names=tls_secret_names if needs.tls_secrets else None,
        events_for=request.events_for if needs.events else None,
        cluster_domain=request.cluster_domain,
        dns_config=needs.dns_config,
    )
    snapshot = mark_not_read(snapshot, needs, scope or "")
    source = f"cluster {session.server} (context {session.context})"
    return Loaded(*_indexed(snapshot, request), namespace, scope, source, session)


def _indexed(snapshot: Snapshot, request: LoadRequest) -> tuple[Snapshot, Index]:
    """Index the snapshot; for commands that read the Corefile, parse it here, once, and
    take its cluster domain unless ``--cluster-domain`` was given."""
    if not request.needs.dns_config:
        return snapshot, build_index(snapshot)
    from kubectl_discover.analyze.clusterdns import read_cluster_dns

    given = None if request.detect_cluster_domain else request.cluster_domain
    cluster = read_cluster_dns(snapshot, given)
    if cluster.domain != snapshot.cluster_domain:
        snapshot = dataclasses.replace(snapshot, cluster_domain=cluster.domain)
    return snapshot, build_index(snapshot, cluster_dns=cluster)


def mark_not_read(snapshot: Snapshot, needs: Needs, namespace: str) -> Snapshot:
    """Say which kinds were left out on purpose, so checks needing them report "skipped"
    instead of mistaking an empty list for "none exist"."""
    skipped = [
        Unavailable(resource, "list", namespace, NOT_READ)
        for resource in sorted(needs.not_read | ({"events"} if not needs.events else set()))
        if snapshot.unavailable_for(resource) is None
    ]
    if not needs.tls_secrets and snapshot.unavailable_for("secrets") is None:
        skipped.append(Unavailable("secrets", "get", namespace, NOT_READ))
    if not skipped:
        return snapshot
    return dataclasses.replace(snapshot, unavailable=(*snapshot.unavailable, *skipped))


def tls_secret_names(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(namespace, name) of every TLS Secret an Ingress or a Gateway listener references:
    the only Secrets read."""
    wanted = certificate_refs(
        (*snapshot.gateways, *snapshot.listenersets), snapshot.default_namespace
    )
    for ingress in snapshot.ingresses:
        namespace = namespace_of(ingress, snapshot.default_namespace)
        for tls in ingress.get("spec", {}).get("tls") or ():
            if tls.get("secretName"):
                wanted.append((namespace, str(tls["secretName"])))
    return sorted(set(wanted))
