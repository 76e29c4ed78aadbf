"""Fixture loading for the NetworkPolicy tests, and a check of the loader itself.

tests/fixtures/netpol/cluster.yaml holds the namespaces, pods and Services every path
test uses; each other file there is a set of policies for one scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubectl_discover.analyze.netpol import (
    DnsServer,
    Endpoint,
    PolicySet,
    ServiceTarget,
    build_policy_set,
    namespace_labels,
    pod_endpoint,
    service_target,
)
from kubectl_discover.findings import Finding
from kubectl_discover.refs import ObjectRef

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "netpol"


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((FIXTURES / name).read_text()) if d]


@dataclass(frozen=True)
class Cluster:
    pods: dict[tuple[str, str], Endpoint]
    services: dict[tuple[str, str], dict[str, Any]]

    def pod(self, namespace: str, name: str) -> Endpoint:
        return self.pods[(namespace, name)]

    def target(self, namespace: str, name: str) -> ServiceTarget:
        service = self.services[(namespace, name)]
        selector = service["spec"]["selector"]
        backends = [
            p
            for (ns, _), p in sorted(self.pods.items())
            if ns == namespace and all(p.labels.get(k) == v for k, v in selector.items())
        ]
        return service_target(service, backends)

    def dns(self, nameserver: str = "10.96.0.10", *, node_local: bool = False) -> DnsServer:
        return DnsServer(nameserver, self.target("kube-system", "kube-dns"), node_local)

    @property
    def client(self) -> Endpoint:
        return self.pod("shop", "client")

    @property
    def controller(self) -> Endpoint:
        return self.pod("ingress-nginx", "controller-x1")


def cluster() -> Cluster:
    docs = documents("cluster.yaml")
    labels = namespace_labels(d for d in docs if d["kind"] == "Namespace")
    pods = {}
    for doc in docs:
        if doc["kind"] == "Pod":
            endpoint = pod_endpoint(doc, labels)
            pods[(endpoint.namespace, doc["metadata"]["name"])] = endpoint
    services = {
        (d["metadata"]["namespace"], d["metadata"]["name"]): d
        for d in docs
        if d["kind"] == "Service"
    }
    return Cluster(pods, services)


def policies(name: str, present_kinds: Iterable[str] = ()) -> PolicySet:
    return build_policy_set(documents(name), present_kinds)


def ids(findings: Iterable[Finding]) -> list[str]:
    return sorted(f.id for f in findings)


def only(findings: Iterable[Finding], check_id: str) -> Finding:
    found = [f for f in findings if f.id == check_id]
    assert len(found) == 1, [(f.id, f.message) for f in findings]
    return found[0]


def np(namespace: str, name: str) -> ObjectRef:
    return ObjectRef("NetworkPolicy", namespace, name)


def test_the_cluster_fixture_loads_pods_with_ips_ports_and_namespace_labels() -> None:
    c = cluster()
    web = c.pod("shop", "web-1")
    assert web.ips == ("10.244.2.11",)
    assert [(p.name, p.number, p.protocol) for p in web.ports] == [("http", 8080, "TCP")]
    assert dict(web.namespace_labels or {}) == {
        "kubernetes.io/metadata.name": "shop",
        "team": "shop",
    }
    target = c.target("shop", "web")
    ((port, backends),) = target.ports
    assert (port.port, port.target) == (80, "http")
    assert [(b.endpoint.ref, b.port) for b in backends] == [
        (ObjectRef("Pod", "shop", "web-1"), 8080),
        (ObjectRef("Pod", "shop", "web-2"), 8080),
    ]
