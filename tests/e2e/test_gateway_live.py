"""The Gateway API commands against the real API server: first without the CRDs (every
Gateway API LIST answers 404), then with the standard-channel CRDs of
sigs.k8s.io/gateway-api v1.6.3 taken from the Go module (tests/e2e/gatewaycrds.py), so the
API server applies their real defaulting and CEL validation.

No Gateway controller runs in the test cluster, so the GatewayClass keeps the status the
CRD defaults (Accepted=Unknown, reason Pending) and the Gateway is never programmed: the
test asserts exactly what the plugin says about that. Every
object it creates (CRDs, the GatewayClass, the namespace) is deleted afterwards.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from gatewaycrds import GROUP, standard_crds

from testcluster import Cluster

pytestmark = pytest.mark.e2e

NOT_INSTALLED = (
    "error: the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
    "resources\n"
)

OBJECTS = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - {{name: http, port: 80, protocol: HTTP}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: store}}
spec:
  parentRefs: [{{name: edge}}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /api}}}}]
    backendRefs: [{{name: api, port: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: api}}
spec:
  selector: {{app: api}}
  ports: [{{name: http, port: 8080, targetPort: 8080}}]
"""


def discover(cluster: Cluster, *args: str) -> tuple[int, Any, str]:
    result = cluster.exec([sys.executable, "-m", "kubectl_discover", *args], timeout=120)
    out = result.stdout
    document = json.loads(out) if out.strip().startswith("{") else out
    return result.returncode, document, result.stderr


def crds_present(cluster: Cluster) -> bool:
    found = cluster.kubectl("get", "crd", "-o", "name", check=False).stdout
    return any(line.endswith(f".{GROUP}") for line in str(found).split())


def served(cluster: Cluster) -> bool:
    path = f"/apis/{GROUP}/v1/gateways"
    return cluster.kubectl("get", "--raw", path, check=False).returncode == 0


def remove_crds(cluster: Cluster, names: tuple[str, ...]) -> None:
    cluster.kubectl("delete", "crd", *names, "--ignore-not-found", "--wait=true", timeout=120)
    # Every CRD of the group, not only gateways: a CRD still being deleted refuses the next
    # test's create ("object is being deleted: ... already exists").
    cluster.wait_for(
        "the Gateway API CRDs to be gone",
        lambda: not crds_present(cluster) and not served(cluster),
        timeout=120,
    )


@pytest.fixture
def gateway_api(cluster: Cluster) -> Iterator[str]:
    """The standard-channel CRDs of sigs.k8s.io/gateway-api (from the Go module) installed
    for one test and removed afterwards; yields the name of a GatewayClass created for it."""
    crds = standard_crds()
    cls = f"kd-e2e-{uuid.uuid4().hex[:6]}"
    cluster.wait_for(
        "an earlier test's Gateway API CRDs to be gone",
        lambda: not crds_present(cluster),
        timeout=120,
    )
    try:
        # create, not apply: the HTTPRoute CRD is larger than kubectl's last-applied annotation
        cluster.kubectl("create", "-f", "-", input=crds.text, timeout=120)
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", *crds.names)
        cluster.wait_for("the Gateway API to be served", lambda: served(cluster), timeout=60)
        cluster.apply(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
            f"metadata: {{name: {cls}}}\nspec: {{controllerName: example.net/none}}\n"
        )
        yield cls
    finally:
        cluster.kubectl("delete", "gatewayclass", cls, "--ignore-not-found", check=False)
        remove_crds(cluster, crds.names)


def test_without_the_crds_gateway_commands_say_so_in_one_line(
    cluster: Cluster, namespace: str
) -> None:
    assert not crds_present(cluster), "Gateway API CRDs left in the test cluster"
    code, out, err = discover(cluster, "httproute", "store", "-n", namespace, "--no-probe")
    assert (code, out, err) == (2, "", NOT_INSTALLED)
    code, doc, err = discover(
        cluster, "route", "http://shop.example.com/api", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert code == 1 and err == ""
    assert doc["skipped"] == [
        "the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
        "resources (HTTPRoutes, GRPCRoutes and Gateways not read)"
    ]
    assert doc["routes"] == []


def test_httproute_and_route_live_without_a_controller(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    cluster.apply(OBJECTS.format(cls=gateway_api), namespace)

    code, doc, err = discover(
        cluster, "httproute", "store", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert (code, doc["verdict"]) == (1, "fail")
    ids = [f["id"] for f in doc["findings"]]
    assert ids == ["gateway-class-not-accepted"]
    assert doc["facts"] == {"parent": f"Gateway {namespace}/edge: attached (Accepted)"}
    assert [(r["source"], r["service"], r["weight"], r["verdict"]) for r in doc["routes"]] == [
        (f"HTTPRoute {namespace}/store rule 0", "api", 1, "fail")
    ]
    assert doc["routes"][0]["why"] == (
        f"attached, but no controller programs Gateway {namespace}/edge: GatewayClass "
        f"{gateway_api} is still Accepted=Unknown (Pending: Waiting for controller): no "
        "controller named example.net/none is running"
    )

    code, doc, err = discover(
        cluster, "route", "http://shop.example.com/api/cart", "-n", namespace, "--no-probe",
        "-o", "json",
    )  # fmt: skip
    assert err == ""
    assert (code, doc["verdict"]) == (1, "fail")
    assert doc["facts"]["gateway"] == (
        f"{namespace}/edge: forwarded by HTTPRoute {namespace}/store rule 0 match 0"
    )
    assert [f["id"] for f in doc["findings"]] == ["gateway-url-not-served", "gateway-url-routed"]
    assert [(r["kind"], r["service"], r["verdict"]) for r in doc["routes"]] == [
        ("HTTPRoute", "api", "fail")
    ]

    code, out, err = discover(cluster, "gateway", "edge", "-n", namespace, "--no-probe")
    assert (code, err) == (1, "")
    assert f"class: {gateway_api} (pending)" in out


CONTROLLER = "example.net/none"
WRITTEN_AT = "2026-01-01T00:00:00Z"


def condition(type_: str, status: str, reason: str, generation: int = 1) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": f"written by the test as {CONTROLLER} would",
        "lastTransitionTime": WRITTEN_AT,
        "observedGeneration": generation,
    }


def write_status(
    cluster: Cluster, kind: str, name: str, status: dict[str, Any], namespace: str | None = None
) -> None:
    """Write ``status`` through the status subresource, as a controller does (the CRD's
    schema and CEL rules validate it)."""
    where = ["-n", namespace] if namespace else []
    patch = json.dumps({"status": status})
    cluster.kubectl(
        "patch", kind, name, *where, "--subresource=status", "--type=merge", "-p", patch
    )


STATUS_OBJECTS = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - {{name: http, port: 80, protocol: HTTP}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: store}}
spec:
  parentRefs: [{{name: edge}}]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [{{name: api, port: 8080}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: cart}}
spec:
  parentRefs: [{{name: edge, sectionName: https}}]
  hostnames: [cart.example.com]
  rules:
  - backendRefs: [{{name: api, port: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: api}}
spec:
  selector: {{app: api}}
  ports: [{{name: http, port: 8080, targetPort: 8080}}]
"""


def test_status_written_as_a_controller_would_is_compared_with_the_prediction(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    """The class and Gateway are Accepted and Programmed; the listener's attachedRoutes
    is wrong (2 where one Route attaches); store's status says ResolvedRefs=False
    (BackendNotFound) although Service api exists; cart names a listener that does not
    exist (NoMatchingParent) but its status, written for an older generation, says
    Accepted."""
    cls = gateway_api
    cluster.apply(STATUS_OBJECTS.format(cls=cls), namespace)
    write_status(
        cluster, "gatewayclass", cls, {"conditions": [condition("Accepted", "True", "Accepted")]}
    )
    listener = {
        "name": "http",
        "attachedRoutes": 2,
        "supportedKinds": [{"group": GROUP, "kind": "HTTPRoute"}],
        "conditions": [
            condition("Accepted", "True", "Accepted"),
            condition("ResolvedRefs", "True", "ResolvedRefs"),
            condition("Programmed", "True", "Programmed"),
        ],
    }
    write_status(
        cluster,
        "gateway",
        "edge",
        {
            "addresses": [{"type": "IPAddress", "value": "192.0.2.10"}],
            "conditions": [
                condition("Accepted", "True", "Accepted"),
                condition("Programmed", "True", "Programmed"),
            ],
            "listeners": [listener],
        },
        namespace,
    )

    def parent(section: str | None, *conditions: dict[str, Any]) -> dict[str, Any]:
        ref: dict[str, Any] = {"group": GROUP, "kind": "Gateway", "name": "edge"}
        ref |= {"sectionName": section} if section else {}
        return {"parentRef": ref, "controllerName": CONTROLLER, "conditions": list(conditions)}

    write_status(
        cluster,
        "httproute",
        "store",
        {
            "parents": [
                parent(
                    None,
                    condition("Accepted", "True", "Accepted"),
                    condition("ResolvedRefs", "False", "BackendNotFound"),
                )
            ]
        },
        namespace,
    )
    write_status(
        cluster,
        "httproute",
        "cart",
        {
            "parents": [
                parent(
                    "https",
                    condition("Accepted", "True", "Accepted"),
                    condition("ResolvedRefs", "True", "ResolvedRefs"),
                )
            ]
        },
        namespace,
    )
    # a spec change the controller has not seen: generation 2, status still for 1
    cluster.kubectl(
        "patch", "httproute", "cart", "-n", namespace, "--type=merge",
        "-p", '{"spec": {"hostnames": ["cart.example.com", "basket.example.com"]}}',
    )  # fmt: skip

    code, doc, err = discover(
        cluster, "httproute", "store", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert (code, doc["verdict"]) == (1, "fail")
    found = {f["id"]: f["message"] for f in doc["findings"]}
    assert found == {
        "gateway-route-status-rejected": (
            f"The controller reports HTTPRoute {namespace}/store ResolvedRefs=False "
            f"(BackendNotFound: written by the test as {CONTROLLER} would) for Gateway "
            f"{namespace}/edge."
        ),
        "gateway-route-status-disagrees": (
            f"Status of HTTPRoute {namespace}/store for Gateway {namespace}/edge: ResolvedRefs "
            "is False (BackendNotFound), the specification predicts True (ResolvedRefs)."
        ),
    }

    code, doc, err = discover(
        cluster, "httproute", "cart", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert (code, doc["verdict"]) == (1, "fail")
    disagree = [
        f["message"] for f in doc["findings"] if f["id"] == "gateway-route-status-disagrees"
    ]
    assert disagree == [
        f"Status of HTTPRoute {namespace}/cart for Gateway {namespace}/edge sectionName https: "
        "Accepted is True (Accepted), the specification predicts False (NoMatchingParent); "
        "the status was written for generation 1, the Route is at generation 2 (stale)."
    ]

    # svc reads no Gateway: each Route's own status.parents say where it is attached
    code, doc, err = discover(cluster, "svc", "api", "-n", namespace, "--no-probe", "-o", "json")
    assert err == ""
    see = "Gateway not read by svc: see `kubectl discover httproute {} -n " + namespace + "`"
    assert sorted((r["source"], r["verdict"], r["why"]) for r in doc["routes"]) == [
        (
            f"HTTPRoute {namespace}/cart rule 0",
            "warn",
            f"accepted by {CONTROLLER} for {namespace}/edge listener https (Route "
            f"status.parents; {see.format('cart')}); the status was written for generation 1, "
            "the Route is at generation 2 (stale)",
        ),
        (
            f"HTTPRoute {namespace}/store rule 0",
            "warn",
            f"accepted by {CONTROLLER} for {namespace}/edge (Route status.parents; "
            f"{see.format('store')}); but ResolvedRefs=False (BackendNotFound)",
        ),
    ]

    code, doc, err = discover(
        cluster, "gateway", "edge", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert [(f["id"], f["message"]) for f in doc["findings"]] == [
        (
            "gateway-status-disagrees",
            "The controller counts 2 attached Route(s) on listener http (HTTP :80, any host), "
            "the specification predicts 1 from the Routes' parentRefs, allowedRoutes and "
            "hostnames.",
        )
    ]
    assert code == 0


MIGRATION_OBJECTS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: storefront
  annotations:
    nginx.ingress.kubernetes.io/x-forwarded-prefix: /api
    nginx.ingress.kubernetes.io/limit-rps: "5"
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {{path: /api, pathType: Prefix, backend: {{service: {{name: api, port: {{name: http}}}}}}}}
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - {{name: http, port: 80, protocol: HTTP}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: store}}
spec:
  parentRefs: [{{name: edge}}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /api}}}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {{add: [{{name: X-Forwarded-Prefix, value: /api}}]}}
    backendRefs: [{{name: api, port: 8080}}]
  - backendRefs: [{{name: web-v2, port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: api}}
spec:
  selector: {{app: api}}
  ports: [{{name: http, port: 8080, targetPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-v2}}
spec:
  selector: {{app: web, track: v2}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"""


def test_route_compares_the_ingress_and_the_httproute_claiming_one_host(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    """Part 5 live: the API server stores the HTTPRoute with its defaults (the /api rule's
    filter validated by the CRD); route URL compares both sides."""
    cluster.apply(MIGRATION_OBJECTS.format(cls=gateway_api), namespace)

    def migration(url: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        code, doc, err = discover(
            cluster, "route", url, "-n", namespace, "--no-probe", "-o", "json"
        )
        assert err == "" and code == 1  # the Gateway is not programmed: no controller
        found = [(f["id"], f["message"]) for f in doc["findings"] if "-migration-" in f["id"]]
        return doc["migration"], found

    entries, found = migration("http://shop.example.com/api/cart")
    assert [(m["sameBackend"], m["differences"], m["verdict"]) for m in entries] == [
        (True, [], "ok")
    ]
    assert [(a["name"], a["filter"], a["present"]) for a in entries[0]["annotations"]] == [
        ("nginx.ingress.kubernetes.io/limit-rps", None, None),
        ("nginx.ingress.kubernetes.io/x-forwarded-prefix", "RequestHeaderModifier", True),
    ]
    assert found == [  # worst first
        (
            "gateway-migration-annotation-unmapped",
            f"Ingress {namespace}/storefront uses nginx.ingress.kubernetes.io/limit-rps: no "
            "filter or field of a standard-channel HTTPRoute expresses it, so HTTPRoute "
            f"{namespace}/store rule 0 match 0 does not do it.",
        ),
        (
            "gateway-migration-same",
            f"Ingress {namespace}/storefront (Prefix /api) and HTTPRoute {namespace}/store rule "
            f"0 match 0 (PathPrefix /api) both send shop.example.com/api/cart to "
            f"{namespace}/api:http (8080).",
        ),
    ]

    entries, found = migration("http://shop.example.com/about")
    assert [(m["sameBackend"], m["verdict"]) for m in entries] == [(False, "warn")]
    assert entries[0]["differences"] == [
        f"the Ingress sends the URL to {namespace}/web:http (80), the HTTPRoute to "
        f"{namespace}/web-v2:80",
        "annotation nginx.ingress.kubernetes.io/x-forwarded-prefix (RequestHeaderModifier "
        f"filter) has no RequestHeaderModifier filter on HTTPRoute {namespace}/store rule 1",
    ]


SELECTOR_GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {{matchLabels: {{kd-e2e-access: granted}}}}
"""

SELECTOR_ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: app}}
spec:
  parentRefs: [{{name: edge, namespace: {gateway_ns}}}]
  hostnames: [{host}]
  rules:
  - backendRefs: [{{name: app, port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: app}}
spec:
  selector: {{app: app}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def test_from_selector_is_decided_by_the_labels_of_the_route_namespace(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    """Part 4 live: the namespace LIST (metadata only) keeps the labels, so a listener's
    from: Selector admits the Route of the labelled namespace and refuses the other one,
    in httproute, route URL and scan alike."""
    cluster.apply(SELECTOR_GATEWAY.format(cls=gateway_api), namespace)
    with cluster.namespace("granted") as granted, cluster.namespace("refused") as refused:
        cluster.kubectl("label", "namespace", granted, "kd-e2e-access=granted")
        cluster.apply(SELECTOR_ROUTE.format(gateway_ns=namespace, host="in.example.com"), granted)
        cluster.apply(SELECTOR_ROUTE.format(gateway_ns=namespace, host="out.example.com"), refused)

        code, doc, err = discover(
            cluster, "httproute", "app", "-n", granted, "--no-probe", "-o", "json"
        )
        assert err == "" and code == 1  # the class is not accepted: no controller runs
        assert doc["facts"] == {"parent": f"Gateway {namespace}/edge: attached (Accepted)"}
        assert [f["id"] for f in doc["findings"]] == ["gateway-class-not-accepted"]

        code, doc, err = discover(
            cluster, "httproute", "app", "-n", refused, "--no-probe", "-o", "json"
        )
        assert err == "" and code == 1
        assert doc["facts"] == {
            "parent": f"Gateway {namespace}/edge: not attached (NotAllowedByListeners)"
        }
        assert [f["id"] for f in doc["findings"]] == [
            "gateway-route-not-allowed",
            "gateway-class-not-accepted",
        ]
        assert doc["findings"][0]["message"].endswith(
            f"namespace {refused} does not match from: Selector (kd-e2e-access=granted) "
            "(NotAllowedByListeners)."
        )

        code, doc, err = discover(
            cluster, "route", "http://in.example.com/", "-A", "--no-probe", "-o", "json"
        )
        assert err == ""
        assert doc["facts"]["gateway"] == (
            f"{namespace}/edge: forwarded by HTTPRoute {granted}/app rule 0 match 0"
        )
        code, doc, err = discover(
            cluster, "route", "http://out.example.com/", "-A", "--no-probe", "-o", "json"
        )
        assert err == ""
        assert doc["facts"]["gateway"].startswith(f"{namespace}/edge: 404")

        code, doc, err = discover(cluster, "scan", "-n", refused, "-o", "json")
        assert err == ""
        items = {(i["subjectKind"], i["name"]): i for i in doc["items"]}
        assert "gateway-route-not-allowed" in [
            f["id"] for f in items[("HTTPRoute", "app")]["findings"]
        ]


PROBE_OBJECTS = """
apiVersion: v1
kind: Pod
metadata: {{name: dataplane}}
spec:
  nodeName: kd-real-2
  containers:
  - name: c
    image: python:3.12-slim
    command: [python3, -m, http.server, "80"]
    workingDir: /tmp
    readinessProbe: {{tcpSocket: {{port: 80}}, periodSeconds: 1}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - {{name: http, port: 80, protocol: HTTP}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: store}}
spec:
  parentRefs: [{{name: edge}}]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [{{name: web, port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"""


def test_httproute_probes_the_gateway_address_from_a_real_node(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    """Part 4 (probes) for httproute: a stand-in data plane (a real container answering
    HTTP on :80 on kd-real-2) holds the Gateway's status.addresses, as a controller would
    write them; the probe pod on kd-real-1 sends the rule's request there with the
    Route's hostname as Host, and the row shows what came back."""
    cluster.apply(PROBE_OBJECTS.format(cls=gateway_api), namespace)
    cluster.wait_for(
        "the data plane pod to be ready",
        lambda: any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in cluster.get_json("pod", "dataplane", "-n", namespace)["status"].get(
                "conditions", []
            )
        ),
        timeout=120,
    )
    ip = cluster.get_json("pod", "dataplane", "-n", namespace)["status"]["podIP"]
    write_status(
        cluster,
        "gatewayclass",
        gateway_api,
        {"conditions": [condition("Accepted", "True", "Accepted")]},
    )
    write_status(
        cluster,
        "gateway",
        "edge",
        {
            "addresses": [{"type": "IPAddress", "value": ip}],
            "conditions": [
                condition("Accepted", "True", "Accepted"),
                condition("Programmed", "True", "Programmed"),
            ],
        },
        namespace,
    )
    parent = {"group": GROUP, "kind": "Gateway", "name": "edge"}
    accepted = [
        condition("Accepted", "True", "Accepted"),
        condition("ResolvedRefs", "True", "ResolvedRefs"),
    ]
    route_status = {"parentRef": parent, "controllerName": CONTROLLER, "conditions": accepted}
    write_status(cluster, "httproute", "store", {"parents": [route_status]}, namespace)
    code, doc, err = discover(
        cluster, "httproute", "store", "-n", namespace, "--node", "kd-real-1", "-o", "json"
    )
    assert isinstance(doc, dict), err
    assert "discover: deleting probe pod" in err
    assert doc["probe"]["node"] == "kd-real-1"
    assert [(r["addresses"], r["host"], r["tls"]) for r in doc["routes"]] == [
        ([ip], "shop.example.com", "none")
    ]
    observed = doc["routes"][0]["observed"]
    assert observed.split("; ")[1] == "HTTP/1.0 200 OK", observed
    assert doc["routes"][0]["verdict"] == "ok"
    assert (code, [f["id"] for f in doc["findings"]]) == (0, [])
    assert cluster.get_json("pods", "-A", "-l", "app.kubernetes.io/component=probe")["items"] == []


TLS_OBJECTS = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: edge}}
spec:
  gatewayClassName: {cls}
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls:
      certificateRefs: [{{name: edge-tls}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: store}}
spec:
  parentRefs: [{{name: edge}}]
  hostnames: [shop.example.com, api.example.com]
  rules:
  - backendRefs: [{{name: web, port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"""


def test_httproute_and_route_check_the_listener_certificate_live(
    cluster: Cluster, namespace: str, gateway_api: str
) -> None:
    """Part 5 live: the HTTPS listener's Secret (read with one GET, like an Ingress's)
    covers shop.example.com only; httproute names the Route's other hostname it does not
    cover, route https://api.example.com/ the request's host."""
    from livecerts import self_signed

    crt, key = self_signed("shop.example.com")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": "edge-tls"},
        "stringData": {"tls.crt": crt, "tls.key": key},
    }
    cluster.apply(json.dumps(secret), namespace)
    cluster.apply(TLS_OBJECTS.format(cls=gateway_api), namespace)

    code, doc, err = discover(
        cluster, "httproute", "store", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == "" and code == 1
    not_covered = [f for f in doc["findings"] if f["id"] == "ingress-tls-host-not-covered"]
    assert [(f["subject"], "api.example.com" in f["message"]) for f in not_covered] == [
        (f"Gateway {namespace}/edge", True)
    ]
    assert "has SANs shop.example.com" in not_covered[0]["message"]
    assert {r["tls"] for r in doc["routes"]} == {"SAN mismatch"}

    code, doc, err = discover(
        cluster, "route", "https://api.example.com/", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert [r["tls"] for r in doc["routes"]] == ["SAN mismatch"]
    assert "ingress-tls-host-not-covered" in [f["id"] for f in doc["findings"]]
    code, doc, err = discover(
        cluster, "route", "https://shop.example.com/", "-n", namespace, "--no-probe", "-o", "json"
    )
    assert err == ""
    assert [r["tls"] for r in doc["routes"]] == ["ok"]
    assert not [f for f in doc["findings"] if f["id"].startswith("ingress-tls-")]
