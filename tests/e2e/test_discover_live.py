"""The plugin against the real local cluster: verdicts per Service kind, and the plugin's
predictions (EndpointSlices, DNS answers) compared with what the real controllers and
CoreDNS produced.

Every command runs inside the cluster's network namespace through ``cluster.exec``
(the API server and CoreDNS live there), as ``python -m kubectl_discover``: the real CLI.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover"

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
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: typo}
spec:
  selector: {app: wbe}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: named-missing}
spec:
  selector: {app: web}
  ports: [{name: metrics, port: 9090, targetPort: metrics}]
---
apiVersion: v1
kind: Service
metadata: {name: payments}
spec: {type: ExternalName, externalName: payments.example.com}
---
apiVersion: v1
kind: Service
metadata: {name: legacy-db}
spec: {type: ExternalName, externalName: 10.20.30.40}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: pg, image: postgres, ports: [{name: pg, containerPort: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  clusterIP: None
  selector: {app: cache}
  ports: [{name: redis, port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache-headless
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers:
      - {name: redis, image: redis, ports: [{name: redis, containerPort: 6379}]}
"""

READY_SERVICES = ("web", "web-np", "web-lb", "db", "cache", "named-missing")


# --- run inside the network namespace (via cluster.call) --------------------------------


def dns_query(server: str, name: str, rdtype: str) -> dict[str, Any]:
    """One UDP question to ``server``; the rcode and the answer RDATA as text."""
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    response = dns.query.udp(dns.message.make_query(name, rdtype), server, timeout=3)
    data = sorted(
        rd.to_text()
        for rrset in response.answer
        if rrset.rdtype == dns.rdatatype.from_text(rdtype)
        for rd in rrset
    )
    return {"rcode": dns.rcode.to_text(response.rcode()), "data": data}


# --- helpers -----------------------------------------------------------------------------


def discover(cluster: Cluster, *args: str, timeout: float = 180.0) -> tuple[int, Any, str]:
    result = cluster.exec([sys.executable, "-m", "kubectl_discover", *args], timeout=timeout)
    out = result.stdout
    try:
        document = json.loads(out) if out.strip().startswith("{") else out
    except json.JSONDecodeError:
        document = out
    return result.returncode, document, result.stderr


def eventually(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)


def ready_addresses(cluster: Cluster, namespace: str, service: str) -> list[str]:
    slices = cluster.get_json(
        "endpointslices", "-n", namespace, "-l", f"kubernetes.io/service-name={service}"
    )["items"]
    return sorted(
        endpoint["addresses"][0]
        for eps in slices
        for endpoint in eps.get("endpoints") or ()
        if (endpoint.get("conditions") or {}).get("ready") is not False
    )


def probe_pods(cluster: Cluster) -> list[str]:
    pods = cluster.get_json("pods", "-A", "-l", PROBE_LABEL)["items"]
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]


@pytest.fixture(scope="module")
def shop(cluster: Cluster) -> Iterator[str]:
    """One namespace holding every Service kind, with its pods running and ready."""
    with cluster.namespace("shop") as namespace:
        cluster.apply(SCENARIO, namespace)
        for service in READY_SERVICES:
            if service == "named-missing":
                continue
            eventually(
                f"ready endpoints of {service}",
                lambda s=service: len(ready_addresses(cluster, namespace, s)) >= 2,
                timeout=90,
            )
        yield namespace
    assert probe_pods(cluster) == []


# --- static verdicts on the live objects -------------------------------------------------


@pytest.mark.parametrize(
    ("service", "kind", "verdict", "finding"),
    [
        ("web", "ClusterIP", "ok", "backends-ready"),
        ("web-np", "NodePort", "ok", "backends-ready"),
        ("web-lb", "LoadBalancer", "warn", "lb-pending"),
        ("typo", "ClusterIP", "fail", "selector-no-match"),
        ("named-missing", "ClusterIP", "fail", "target-port-unresolved"),
        ("payments", "ExternalName", "ok", "externalname-cname"),
        ("legacy-db", "ExternalName", "fail", "externalname-ip"),
        ("db", "Headless", "ok", "per-pod-names"),
        ("cache", "Headless", "fail", "per-pod-subdomain-mismatch"),
    ],
)
def test_verdict_per_service_kind(
    cluster: Cluster, shop: str, service: str, kind: str, verdict: str, finding: str
) -> None:
    code, doc, err = discover(cluster, "svc", service, "-n", shop, "--no-probe", "-o", "json")
    assert isinstance(doc, dict), err
    assert doc["kind"] == kind
    assert doc["verdict"] == verdict, [(f["id"], f["severity"]) for f in doc["findings"]]
    assert finding in {f["id"] for f in doc["findings"]}
    assert code == (1 if verdict == "fail" else 0)


def test_typo_selector_names_the_near_miss(cluster: Cluster, shop: str) -> None:
    _, doc, _ = discover(cluster, "svc", "typo", "-n", shop, "--no-probe", "-o", "json")
    miss = next(f for f in doc["findings"] if f["id"] == "selector-no-match")
    assert "web" in miss["message"] + miss["hint"]


def test_scan_puts_the_broken_services_first(cluster: Cluster, shop: str) -> None:
    code, doc, _ = discover(cluster, "scan", "-n", shop, "-o", "json")
    assert code == 1
    verdicts = {item["name"]: item["verdict"] for item in doc["items"]}
    assert verdicts["typo"] == "fail" and verdicts["web"] == "ok"
    order = [item["verdict"] for item in doc["items"]]
    assert order.index("fail") < order.index("ok")


def test_predicted_endpoints_are_the_controllers_endpointslices(
    cluster: Cluster, shop: str
) -> None:
    for service in ("web", "db"):
        _, doc, _ = discover(cluster, "svc", service, "-n", shop, "--no-probe", "-o", "json")
        predicted = sorted(e["address"] for e in doc["endpoints"] if e["kind"] == "pod")
        assert predicted == ready_addresses(cluster, shop, service)


def test_predicted_dns_answers_are_what_coredns_answers(cluster: Cluster, shop: str) -> None:
    """Every absolute name the plugin predicts is asked of the real CoreDNS."""
    checked = 0
    for service in ("web", "db", "cache", "payments", "legacy-db", "typo"):
        _, doc, _ = discover(cluster, "svc", service, "-n", shop, "--no-probe", "-o", "json")
        for name in doc["dnsNames"]:
            if not name["query"].endswith(".") or name["expectedExists"] is None:
                continue
            real = cluster.call(dns_query, cluster.dns_server, name["query"], name["type"])
            exists = real["rcode"] == "NOERROR" and bool(real["data"])
            assert exists == name["expectedExists"], (name["query"], name["type"], real)
            if name["type"] in ("A", "AAAA") and name["expectedAnswers"]:
                assert real["data"] == sorted(name["expectedAnswers"]), name["query"]
            checked += 1
    assert checked >= 10


# --- probed runs ---------------------------------------------------------------------------


def test_probe_shows_nxdomain_for_mismatched_per_pod_names(cluster: Cluster, shop: str) -> None:
    code, doc, err = discover(cluster, "svc", "cache", "-n", shop, "-o", "json")
    assert isinstance(doc, dict), err
    assert code == 1
    per_pod = [d for d in doc["dnsNames"] if d["form"] == "per-pod"]
    assert per_pod
    for row in per_pod:
        assert row["verdict"] == "fail"
        assert "NXDOMAIN" in row["observed"]
        assert "cache-headless" in row["why"]
    assert probe_pods(cluster) == []


def test_probe_shows_nxdomain_for_externalname_to_an_ip(cluster: Cluster, shop: str) -> None:
    _, doc, err = discover(cluster, "svc", "legacy-db", "-n", shop, "-o", "json")
    assert isinstance(doc, dict), err
    fqdn = next(d for d in doc["dnsNames"] if d["form"] == "fqdn")
    assert "NXDOMAIN" in fqdn["observed"]
    assert fqdn["verdict"] == "fail"


def test_healthy_service_resolves_and_every_endpoint_answers_http(
    cluster: Cluster, shop: str
) -> None:
    addresses = ready_addresses(cluster, shop, "web")
    with cluster.serve_http(addresses[0], 8080), cluster.serve_http(addresses[1], 8080):
        _, doc, err = discover(cluster, "svc", "web", "-n", shop, "-o", "json")
    assert isinstance(doc, dict), err
    same_namespace = [d for d in doc["dnsNames"] if d["clientNamespace"] in (None, shop)]
    assert same_namespace
    assert all(d["verdict"] == "ok" for d in same_namespace), [
        (d["query"], d["observed"], d["why"]) for d in same_namespace
    ]
    pods = [e for e in doc["endpoints"] if e["kind"] == "pod"]
    assert sorted(e["address"] for e in pods) == addresses
    for endpoint in pods:
        assert endpoint["verdict"] == "ok", endpoint
        assert "200" in endpoint["observed"]
    # kube-proxy (testcluster) carries the VIP to the pods, as in a real cluster.
    vips = [e for e in doc["endpoints"] if e["kind"] == "cluster-ip"]
    assert vips and all(e["verdict"] == "ok" for e in vips), vips
    assert doc["probe"] and doc["probe"]["pod"].startswith("discover-probe-")
    assert probe_pods(cluster) == []


def test_ingress_with_tls_through_the_cli(cluster: Cluster, shop: str) -> None:
    # Imported here, not at the top: cluster.call loads this module alone in the netns.
    from livecerts import self_signed

    crt, key = self_signed("shop.example.com")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": "shop-tls"},
        "stringData": {"tls.crt": crt, "tls.key": key},
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "storefront"},
        "spec": {
            "tls": [{"hosts": ["shop.example.com", "api.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            },
                            {
                                "path": "/metrics",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 8080}}},
                            },
                        ]
                    },
                },
                {
                    "host": "api.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            }
                        ]
                    },
                },
            ],
        },
    }
    cluster.apply(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": [secret, ingress]}), shop
    )
    code, doc, err = discover(
        cluster, "ingress", "storefront", "-n", shop, "--no-probe", "-o", "json"
    )
    assert isinstance(doc, dict), err
    ids = {f["id"] for f in doc["findings"]}
    assert "ingress-tls-host-not-covered" in ids  # api.example.com is not in the SANs
    assert "ingress-backend-port-number-unknown" in ids  # 8080 is the targetPort
    assert "ingress-class-none" in ids
    assert key.split("\n")[1] not in json.dumps(doc)
    route_code, route_doc, _ = discover(
        cluster, "route", "https://shop.example.com/cart", "-n", shop, "--no-probe", "-o", "json"
    )
    assert route_doc["routes"][0]["service"] == "web"
    assert {code, route_code} <= {0, 1}
