"""The NetworkPolicy verdict rows of ``svc`` against the real API server (issue 15, the
command wiring): NetworkPolicies listed across every namespace, the Namespace's labels read
as metadata, the pods as the controllers made them. Whether the traffic really is dropped
is the enforcement tests' part; here the API objects are real and the verdicts static."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

SCENARIO = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: client, image: curl}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-team}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: storefront}}}]
    ports: [{port: http}]
"""


def discover(cluster: Cluster, *args: str) -> tuple[int, Any, str]:
    result = cluster.exec([sys.executable, "-m", "kubectl_discover", *args], timeout=180)
    return result.returncode, json.loads(result.stdout), result.stderr


@pytest.fixture(scope="module")
def shop(cluster: Cluster) -> Iterator[str]:
    with cluster.namespace("npwire") as namespace:
        cluster.kubectl("label", "namespace", namespace, "team=storefront")
        cluster.apply(SCENARIO, namespace)
        deadline = time.monotonic() + 90
        while True:
            pods = cluster.get_json("pods", "-n", namespace)["items"]
            running = [p for p in pods if (p.get("status") or {}).get("podIP")]
            if len(running) >= 3:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"pods of {namespace} got no IP: {pods}")
            time.sleep(0.5)
        yield namespace


def test_svc_names_the_policy_that_blocks_dns(cluster: Cluster, shop: str) -> None:
    code, doc, err = discover(
        cluster, "svc", "web", "-n", shop, "--no-probe", "--from", "deploy/client", "-o", "json"
    )
    assert code == 1, err
    rows = [
        (r["hop"], r["direction"], f"{r['protocol']}/{r['port']}", r["outcome"], r["decidedBy"])
        for r in doc["networkPolicies"]
    ]
    assert rows[:4] == [
        ("dns", "egress", "UDP/53", "denied", "no policy allows it"),
        ("dns", "ingress", "UDP/53", "allowed", "no policy isolates it"),
        ("dns", "egress", "TCP/53", "denied", "no policy allows it"),
        ("dns", "ingress", "TCP/53", "allowed", "no policy isolates it"),
    ]
    # the Namespace's label, read live, is what the ingress rule selects; the named port
    # resolves on the real pods
    assert (
        "service",
        "ingress",
        "TCP/8080",
        "allowed",
        f"NetworkPolicy {shop}/web-from-team spec.ingress[0]",
    ) in rows
    assert ("service", "egress", "TCP/8080", "denied", "no policy allows it") in rows
    ids = [f["id"] for f in doc["findings"] if f["id"].startswith("netpol-")]
    assert ids == ["netpol-dns-egress-denied", "netpol-egress-denied"]
    backends = {r["to"] for r in doc["networkPolicies"] if r["hop"] == "service"}
    assert all(text.startswith(f"pod {shop}/web-") for text in backends), backends
    assert not [note for note in doc["skipped"] if "policies" in note], doc["skipped"]


def test_scan_reports_the_namespace_without_dns(cluster: Cluster, shop: str) -> None:
    code, doc, err = discover(cluster, "scan", "-n", shop, "-o", "json")
    assert code == 1, err
    items = [
        (i["subjectKind"], i["name"], f["id"])
        for i in doc["items"]
        for f in i["findings"]
        if f["id"].startswith("netpol-")
    ]
    assert items == [("Namespace", shop, "netpol-namespace-dns-blocked")]
