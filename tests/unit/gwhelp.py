"""Helpers for the Gateway API tests: fixtures under tests/fixtures/gateway, sorted by
kind into :func:`build_graph`, and small object builders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from kubectl_discover.analyze.gateway.graph import GatewayGraph, build_graph
from kubectl_discover.analyze.serviceview import view_service

Doc = dict[str, Any]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gateway"

LABELS: Mapping[str, Mapping[str, str]] = {
    "shop": {"gateway-access": "true"},
    "infra": {},
    "staging": {},
    "team-a": {},
    "data": {},
    "certs": {},
}

_FIELDS = {
    "GatewayClass": "gatewayclasses",
    "Gateway": "gateways",
    "ListenerSet": "listenersets",
    "HTTPRoute": "httproutes",
    "GRPCRoute": "grpcroutes",
    "ReferenceGrant": "referencegrants",
    "BackendTLSPolicy": "backendtlspolicies",
    "Service": "services",
    "Secret": "secrets",
}


def fixture(name: str) -> list[Doc]:
    with (FIXTURES / f"{name}.yaml").open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def graph_of(
    *docs: Mapping[str, Any],
    live: bool = True,
    labels: Mapping[str, Mapping[str, str]] | None = LABELS,
    grants_readable: bool = True,
    secrets_readable: bool = True,
) -> GatewayGraph:
    fields: dict[str, list[Mapping[str, Any]]] = {f: [] for f in _FIELDS.values()}
    for doc in docs:
        fields[_FIELDS[str(doc["kind"])]].append(doc)
    return build_graph(
        gatewayclasses=fields["gatewayclasses"],
        gateways=fields["gateways"],
        listenersets=fields["listenersets"],
        httproutes=fields["httproutes"],
        grpcroutes=fields["grpcroutes"],
        referencegrants=fields["referencegrants"] if grants_readable else None,
        backendtlspolicies=fields["backendtlspolicies"],
        services={
            (v.namespace, v.name): v
            for v in (view_service(o, "default") for o in fields["services"])
        },
        secrets=fields["secrets"] if secrets_readable else None,
        namespace_labels=labels,
        live=live,
    )


def shop(*extra: Mapping[str, Any], broken: bool = False, **kw: Any) -> GatewayGraph:
    docs = [*fixture("shop"), *(fixture("broken") if broken else ()), *extra]
    return graph_of(*docs, **kw)


def meta(name: str, namespace: str = "shop", created: str = "2025-01-01T00:00:00Z") -> Doc:
    return {"name": name, "namespace": namespace, "creationTimestamp": created}


def http_route(
    name: str,
    rules: Iterable[Doc],
    *,
    namespace: str = "shop",
    hostnames: Iterable[str] = (),
    parents: Iterable[Doc] = ({"name": "gw", "namespace": "infra", "sectionName": "http"},),
    created: str = "2025-01-01T00:00:00Z",
    kind: str = "HTTPRoute",
) -> Doc:
    spec: Doc = {"parentRefs": list(parents), "rules": list(rules)}
    if hostnames:
        spec["hostnames"] = list(hostnames)
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": kind,
        "metadata": meta(name, namespace, created),
        "spec": spec,
    }


def rule(
    *matches: Doc, backends: Iterable[Doc] = ({"name": "web", "port": 80},), **extra: Any
) -> Doc:
    doc: Doc = {"backendRefs": list(backends), **extra}
    if matches:
        doc["matches"] = list(matches)
    return doc


def prefix(value: str, **extra: Any) -> Doc:
    return {"path": {"type": "PathPrefix", "value": value}, **extra}


def exact(value: str, **extra: Any) -> Doc:
    return {"path": {"type": "Exact", "value": value}, **extra}


def service(name: str, namespace: str = "shop", *ports: int) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"ports": [{"port": p} for p in (ports or (80,))]},
    }


def grant(
    namespace: str, from_kind: str, from_namespace: str, to_kind: str, to_name: str = ""
) -> Doc:
    to: Doc = {"group": "", "kind": to_kind}
    if to_name:
        to["name"] = to_name
    return {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "ReferenceGrant",
        "metadata": {"name": f"allow-{from_kind.lower()}", "namespace": namespace},
        "spec": {
            "from": [
                {
                    "group": "gateway.networking.k8s.io",
                    "kind": from_kind,
                    "namespace": from_namespace,
                }
            ],
            "to": [to],
        },
    }
