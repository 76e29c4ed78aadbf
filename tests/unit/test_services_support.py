"""Fixture loading for the Service analysis tests, and a check of the loader itself.

Fixtures under tests/fixtures/services are plain YAML as the API would return the
objects; files named ``live-*.yaml`` are loaded as a live snapshot, the others as
manifests (offline, templates stand in for pods).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from kubectl_discover.analyze.index import Index, build_index
from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.analyze.services import diagnose_service
from kubectl_discover.findings import Finding
from kubectl_discover.snapshot import WORKLOAD_KINDS, Snapshot, Unavailable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "services"

_FIELDS = {
    "Service": "services",
    "EndpointSlice": "endpointslices",
    "Pod": "pods",
    "Node": "nodes",
}


def load(
    name: str,
    *,
    cluster_domain: str = "cluster.local",
    namespace: str | None = None,
    unavailable: Iterable[Unavailable] = (),
) -> Index:
    """The fixture ``name`` as an Index; live when the file name starts with ``live-``."""
    docs = [d for d in yaml.safe_load_all((FIXTURES / name).read_text()) if d]
    buckets: dict[str, list[Any]] = {field: [] for field in (*_FIELDS.values(), "workloads")}
    namespaces: list[str] = []
    for doc in docs:
        kind = doc["kind"]
        if kind == "Namespace":
            namespaces.append(doc["metadata"]["name"])
        elif kind in WORKLOAD_KINDS:
            buckets["workloads"].append(doc)
        else:
            buckets[_FIELDS[kind]].append(doc)
    snapshot = Snapshot(
        namespace=namespace,
        live=name.startswith("live-"),
        cluster_domain=cluster_domain,
        services=tuple(buckets["services"]),
        endpointslices=tuple(buckets["endpointslices"]),
        pods=tuple(buckets["pods"]),
        workloads=tuple(buckets["workloads"]),
        nodes=tuple(buckets["nodes"]),
        namespaces=tuple(namespaces),
        unavailable=tuple(unavailable),
    )
    return build_index(snapshot)


def diagnose(name: str, namespace: str, service: str, **kwargs: Any) -> Diagnosis:
    clients = kwargs.pop("client_namespaces", ())
    return diagnose_service(load(name, **kwargs), namespace, service, client_namespaces=clients)


def by_id(diagnosis: Diagnosis, check_id: str) -> list[Finding]:
    return [f for f in diagnosis.findings if f.id == check_id]


def one(diagnosis: Diagnosis, check_id: str) -> Finding:
    found = by_id(diagnosis, check_id)
    assert len(found) == 1, (check_id, [(f.id, f.message) for f in diagnosis.findings])
    return found[0]


def ids(diagnosis: Diagnosis) -> set[str]:
    return {f.id for f in diagnosis.findings}


def fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.yaml"))


def test_every_fixture_loads_and_holds_services() -> None:
    for name in fixture_names():
        index = load(name)
        assert index.snapshot.services, name
        assert index.snapshot.live == name.startswith("live-")
