"""Synthetic, live-shaped clusters: the objects an API server would return, generated offline.

Every namespace holds workloads (Deployments with their ReplicaSet, StatefulSets) with pods
carrying status, ``podIPs`` and a ``Ready`` condition, the Services in front of them (every
kind: ClusterIP, headless, NodePort, LoadBalancer, ExternalName), controller-style
EndpointSlices (one per Service, ``kubernetes.io/service-name`` label, ``targetRef`` to the
pod, ready/serving/terminating conditions) and Ingresses with TLS whose Secrets exist. A few
percent of everything is broken the way clusters are (a selector typo, a named targetPort the
pods do not declare, pods not ready), so the analysis walks its failure paths too.

Output is deterministic for a given :class:`Shape`. Objects are plain dicts shaped as the API
serialises them (list items: no ``apiVersion``/``kind``, as in a LIST reply; the loader adds
them). :func:`write_pages` stores them as JSON lines so a benchmark process can decode them
in pages of 500, as the live loader does.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

KIND_OF = {
    "services": ("v1", "Service"),
    "endpointslices": ("discovery.k8s.io/v1", "EndpointSlice"),
    "pods": ("v1", "Pod"),
    "deployments": ("apps/v1", "Deployment"),
    "statefulsets": ("apps/v1", "StatefulSet"),
    "replicasets": ("apps/v1", "ReplicaSet"),
    "nodes": ("v1", "Node"),
    "ingresses": ("networking.k8s.io/v1", "Ingress"),
    "ingressclasses": ("networking.k8s.io/v1", "IngressClass"),
    "secrets": ("v1", "Secret"),
    "namespaces": ("v1", "Namespace"),
}
"""Resource -> (apiVersion, kind) of every resource the generator writes."""

CREATED = "2026-11-02T09:14:07Z"


@dataclass(frozen=True)
class Shape:
    """How big the synthetic cluster is."""

    name: str
    namespaces: int
    services_per_namespace: int
    pods_per_namespace: int
    ingresses_per_namespace: int
    nodes: int = 20
    big_namespace: str = ""
    """Optional extra namespace (the ``svc`` target) with its own size, below."""
    big_services: int = 0
    big_pods: int = 0
    big_ingresses: int = 0

    @property
    def totals(self) -> tuple[int, int, int]:
        """(services, pods, ingresses) over all namespaces."""
        return (
            self.namespaces * self.services_per_namespace + self.big_services,
            self.namespaces * self.pods_per_namespace + self.big_pods,
            self.namespaces * self.ingresses_per_namespace + self.big_ingresses,
        )


def svc_shape(services: int, pods: int) -> Shape:
    """One namespace ``big`` of ``services``/``pods`` plus two small neighbours."""
    return Shape(
        name=f"svc-{services}-{pods}",
        namespaces=2,
        services_per_namespace=10,
        pods_per_namespace=40,
        ingresses_per_namespace=2,
        nodes=10,
        big_namespace="big",
        big_services=services,
        big_pods=pods,
        big_ingresses=max(1, services // 25),
    )


def scan_shape(services: int, pods: int, ingresses: int, namespaces: int) -> Shape:
    """``namespaces`` equal namespaces holding ``services``/``pods``/``ingresses`` in all."""
    return Shape(
        name=f"scan-{services}-{pods}-{ingresses}",
        namespaces=namespaces,
        services_per_namespace=services // namespaces,
        pods_per_namespace=pods // namespaces,
        ingresses_per_namespace=ingresses // namespaces,
        nodes=50,
    )


def _uid(*parts: object) -> str:
    digest = hashlib.md5("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _hash(*parts: object, size: int = 10) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    number = int(
        hashlib.md5("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest(), 16
    )
    out = []
    for _ in range(size):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def _meta(name: str, namespace: str, kind: str, **extra: Any) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": namespace,
        "uid": _uid(kind, namespace, name),
        "resourceVersion": str(100000 + int(_uid(kind, namespace, name)[:6], 16) % 900000),
        "creationTimestamp": CREATED,
    }
    meta.update(extra)
    return meta


@dataclass(frozen=True)
class _Backing:
    """One Service and the workload behind it."""

    service: str
    style: str
    """clusterip, headless, nodeport, loadbalancer, externalname."""
    replicas: int
    broken: str
    """"", "selector", "targetport", "notready"."""


STYLES = (
    "clusterip",
    "clusterip",
    "clusterip",
    "clusterip",
    "clusterip",
    "headless",
    "nodeport",
    "loadbalancer",
    "clusterip",
    "externalname",
)


def _plan_namespace(services: int, pods: int) -> list[_Backing]:
    styles = [STYLES[i % len(STYLES)] for i in range(services)]
    backed = [i for i, style in enumerate(styles) if style != "externalname"] or [0]
    base, extra = divmod(pods, len(backed))
    replicas = {i: base + (1 if n < extra else 0) for n, i in enumerate(backed)}
    plan = []
    for i, style in enumerate(styles):
        broken = ""
        if i % 50 == 13:
            broken = "selector"
        elif i % 50 == 27:
            broken = "targetport"
        elif i % 20 == 7:
            broken = "notready"
        plan.append(_Backing(f"svc-{i:04d}", style, replicas.get(i, 0), broken))
    return plan


class Generator:
    """Builds every object of a :class:`Shape`; iterate with :meth:`objects`."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.nodes = [f"node-{i:03d}" for i in range(shape.nodes)]
        self._ip = 0

    def _pod_ip(self) -> str:
        self._ip += 1
        n = self._ip
        return f"10.{64 + (n >> 16) % 64}.{(n >> 8) & 255}.{n & 255}"

    def namespaces(self) -> list[tuple[str, int, int, int]]:
        shape = self.shape
        spaces = [
            (
                f"team-{i:03d}",
                shape.services_per_namespace,
                shape.pods_per_namespace,
                shape.ingresses_per_namespace,
            )
            for i in range(shape.namespaces)
        ]
        if shape.big_namespace:
            spaces.insert(
                0, (shape.big_namespace, shape.big_services, shape.big_pods, shape.big_ingresses)
            )
        return spaces

    def objects(self) -> Iterator[tuple[str, Obj]]:
        """(resource, object) for the whole cluster, cluster-scoped kinds first."""
        for i, node in enumerate(self.nodes):
            yield "nodes", self._node(node, i)
        yield "ingressclasses", _ingress_class()
        for namespace, services, pods, ingresses in self.namespaces():
            yield (
                "namespaces",
                {
                    "metadata": _meta(namespace, "", "Namespace") | {"namespace": None},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                },
            )
            plan = _plan_namespace(services, pods)
            for backing in plan:
                yield from self._service_stack(namespace, backing)
            yield from self._ingresses(namespace, plan, ingresses)

    # --- objects ---------------------------------------------------------------------------

    def _node(self, name: str, i: int) -> Obj:
        return {
            "metadata": _meta(name, "", "Node")
            | {
                "namespace": None,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/zone": f"zone-{i % 3}",
                },
            },
            "spec": {"podCIDR": f"10.{64 + i}.0.0/24", "providerID": f"kwok://{name}"},
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": f"172.18.{i // 250}.{i % 250 + 2}"},
                    {"type": "Hostname", "address": name},
                ],
                "conditions": [
                    {"type": "Ready", "status": "True", "reason": "KubeletReady"},
                ],
                "nodeInfo": {"kubeletVersion": "v1.33.0", "architecture": "amd64"},
            },
        }

    def _service_stack(self, namespace: str, backing: _Backing) -> Iterator[tuple[str, Obj]]:
        name = backing.service
        app = name.replace("svc-", "app-")
        labels = {"app": app, "app.kubernetes.io/part-of": namespace, "tier": "backend"}
        selector = {"app": app}
        if backing.broken == "selector":
            selector = {"app": app + "x"}  # a typo: matches no pod, near misses on "app"
        service = self._service(namespace, name, backing, selector)
        yield "services", service
        if backing.style == "externalname":
            return
        pods = list(self._workload(namespace, app, labels, backing))
        yield from pods
        yield (
            "endpointslices",
            self._slice(namespace, service, [p for r, p in pods if r == "pods"], selector),
        )

    def _service(
        self, namespace: str, name: str, backing: _Backing, selector: dict[str, str]
    ) -> Obj:
        index = int(name.split("-")[1])
        target: int | str = "http" if backing.broken != "targetport" else "metrics"
        ports: list[Obj] = [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": target},
            {"name": "grpc", "port": 9090, "protocol": "TCP", "targetPort": 9090},
        ]
        spec: Obj = {
            "selector": selector,
            "ports": ports,
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        }
        cluster_ip = f"10.96.{(self._ip >> 8) & 255}.{(self._ip + index) & 255}"
        status: Obj = {"loadBalancer": {}}
        if backing.style == "headless":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
            spec["publishNotReadyAddresses"] = False
        elif backing.style == "externalname":
            spec = {
                "type": "ExternalName",
                "externalName": f"db-{index}.rds.example.com",
                "sessionAffinity": "None",
            }
        else:
            spec["clusterIP"] = cluster_ip
            spec["clusterIPs"] = [cluster_ip]
        if backing.style in ("nodeport", "loadbalancer"):
            spec["type"] = "NodePort" if backing.style == "nodeport" else "LoadBalancer"
            spec["externalTrafficPolicy"] = (
                "Local" if backing.style == "loadbalancer" else "Cluster"
            )
            for n, port in enumerate(ports):
                port["nodePort"] = 30000 + (index * 2 + n) % 2767
        if backing.style == "loadbalancer":
            spec["allocateLoadBalancerNodePorts"] = True
            spec["healthCheckNodePort"] = 32000 + index % 767
            status = {"loadBalancer": {"ingress": [{"ip": f"203.0.113.{index % 250 + 1}"}]}}
        annotations = {
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                {"apiVersion": "v1", "kind": "Service", "spec": {"selector": selector}}
            )
        }
        return {
            "metadata": _meta(name, namespace, "Service")
            | {"labels": {"app": name.replace("svc-", "app-")}, "annotations": annotations},
            "spec": spec,
            "status": status,
        }

    def _workload(
        self, namespace: str, app: str, labels: dict[str, str], backing: _Backing
    ) -> Iterator[tuple[str, Obj]]:
        template = _template(labels)
        if backing.style == "headless":
            sts = {
                "metadata": _meta(app, namespace, "StatefulSet") | {"generation": 1},
                "spec": {
                    "replicas": backing.replicas,
                    "serviceName": backing.service,
                    "selector": {"matchLabels": {"app": app}},
                    "template": template,
                    "podManagementPolicy": "Parallel",
                    "updateStrategy": {"type": "RollingUpdate"},
                },
                "status": {"replicas": backing.replicas, "readyReplicas": backing.replicas},
            }
            yield "statefulsets", sts
            owner = ("StatefulSet", app, sts["metadata"]["uid"])
            for ordinal in range(backing.replicas):
                yield "pods", self._pod(namespace, f"{app}-{ordinal}", labels, owner, backing, True)
            return
        rs_hash = _hash(namespace, app, size=10)
        deployment = {
            "metadata": _meta(app, namespace, "Deployment")
            | {"generation": 1, "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {
                "replicas": backing.replicas,
                "selector": {"matchLabels": {"app": app}},
                "template": template,
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                },
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
            "status": {
                "replicas": backing.replicas,
                "readyReplicas": backing.replicas,
                "updatedReplicas": backing.replicas,
                "availableReplicas": backing.replicas,
                "observedGeneration": 1,
            },
        }
        yield "deployments", deployment
        rs_name = f"{app}-{rs_hash}"
        rs_labels = labels | {"pod-template-hash": rs_hash}
        replicaset = {
            "metadata": _meta(rs_name, namespace, "ReplicaSet")
            | {
                "labels": rs_labels,
                "ownerReferences": [_owner("Deployment", app, deployment["metadata"]["uid"])],
            },
            "spec": {
                "replicas": backing.replicas,
                "selector": {"matchLabels": {"app": app, "pod-template-hash": rs_hash}},
                "template": _template(rs_labels),
            },
            "status": {"replicas": backing.replicas, "readyReplicas": backing.replicas},
        }
        yield "replicasets", replicaset
        owner = ("ReplicaSet", rs_name, replicaset["metadata"]["uid"])
        for n in range(backing.replicas):
            pod_name = f"{rs_name}-{_hash(namespace, app, n, size=5)}"
            yield "pods", self._pod(namespace, pod_name, rs_labels, owner, backing, False)

    def _pod(
        self,
        namespace: str,
        name: str,
        labels: dict[str, str],
        owner: tuple[str, str, str],
        backing: _Backing,
        stateful: bool,
    ) -> Obj:
        ip = self._pod_ip()
        node = self.nodes[self._ip % len(self.nodes)]
        ready = not (backing.broken == "notready" and self._ip % 3 == 0)
        status_word = "True" if ready else "False"
        spec = dict(_template(labels)["spec"])
        spec["nodeName"] = node
        if stateful:
            spec["hostname"] = name
            spec["subdomain"] = backing.service
            labels = labels | {"statefulset.kubernetes.io/pod-name": name}
        conditions = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": CREATED},
            {"type": "Initialized", "status": "True", "lastTransitionTime": CREATED},
            {"type": "Ready", "status": status_word, "lastTransitionTime": CREATED},
            {"type": "ContainersReady", "status": status_word, "lastTransitionTime": CREATED},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": CREATED},
        ]
        return {
            "metadata": _meta(name, namespace, "Pod")
            | {
                "generateName": name.rsplit("-", 1)[0] + "-",
                "labels": labels,
                "ownerReferences": [_owner(*owner)],
            },
            "spec": spec,
            "status": {
                "phase": "Running",
                "conditions": conditions,
                "hostIP": "172.18.0.2",
                "hostIPs": [{"ip": "172.18.0.2"}],
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "startTime": CREATED,
                "qosClass": "Burstable",
                "containerStatuses": [
                    {
                        "name": "app",
                        "image": "registry.example.com/shop/app:1.4.2",
                        "imageID": "registry.example.com/shop/app@sha256:" + "ab" * 32,
                        "containerID": "containerd://" + _uid(namespace, name).replace("-", "") * 2,
                        "ready": ready,
                        "started": True,
                        "restartCount": 0,
                        "state": {"running": {"startedAt": CREATED}},
                    }
                ],
            },
        }

    def _slice(
        self, namespace: str, service: Obj, pods: list[Obj], selector: dict[str, str]
    ) -> Obj:
        name = service["metadata"]["name"]
        selected = [
            p for p in pods if all(p["metadata"]["labels"].get(k) == v for k, v in selector.items())
        ]
        endpoints = []
        for pod in selected:
            ready = any(
                c["type"] == "Ready" and c["status"] == "True" for c in pod["status"]["conditions"]
            )
            endpoint: Obj = {
                "addresses": [pod["status"]["podIP"]],
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "nodeName": pod["spec"]["nodeName"],
                "targetRef": {
                    "kind": "Pod",
                    "name": pod["metadata"]["name"],
                    "namespace": namespace,
                    "uid": pod["metadata"]["uid"],
                },
                "zone": "zone-0",
            }
            if pod["spec"].get("hostname"):
                endpoint["hostname"] = pod["spec"]["hostname"]
            endpoints.append(endpoint)
        broken_port = service["spec"]["ports"][0]["targetPort"] == "metrics"
        ports = [{"name": "grpc", "port": 9090, "protocol": "TCP"}]
        if not broken_port:
            ports.insert(0, {"name": "http", "port": 8080, "protocol": "TCP"})
        labels = {
            "kubernetes.io/service-name": name,
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        }
        if service["spec"].get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        return {
            "metadata": _meta(f"{name}-{_hash(namespace, name, size=5)}", namespace, "Slice")
            | {
                "generateName": f"{name}-",
                "labels": labels,
                "ownerReferences": [_owner("Service", name, service["metadata"]["uid"], api="v1")],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": ports,
        }

    def _ingresses(
        self, namespace: str, plan: list[_Backing], count: int
    ) -> Iterator[tuple[str, Obj]]:
        targets = [b.service for b in plan if b.style != "externalname"] or ["missing"]
        for i in range(count):
            host = f"app{i}.{namespace}.example.com"
            secret = f"tls-app{i}"
            first, second = targets[(2 * i) % len(targets)], targets[(2 * i + 1) % len(targets)]
            if i % 40 == 11:
                second = "no-such-service"
            yield "secrets", _tls_secret(namespace, secret, host, expired=i % 40 == 23)
            yield (
                "ingresses",
                {
                    "metadata": _meta(f"ing-{i:03d}", namespace, "Ingress")
                    | {"annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
                    "spec": {
                        "ingressClassName": "nginx",
                        "tls": [{"hosts": [host], "secretName": secret}],
                        "rules": [
                            {
                                "host": host,
                                "http": {
                                    "paths": [
                                        _path("/", "Prefix", first, "http"),
                                        _path("/api", "Prefix", second, 9090),
                                    ]
                                },
                            }
                        ],
                    },
                    "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.200"}]}},
                },
            )


def _owner(kind: str, name: str, uid: str, api: str = "") -> Obj:
    api = api or ("apps/v1" if kind in ("ReplicaSet", "StatefulSet", "Deployment") else "v1")
    return {
        "apiVersion": api,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _template(labels: dict[str, str]) -> Obj:
    return {
        "metadata": {"labels": dict(labels)},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/shop/app:1.4.2",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [
                        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                        {"name": "grpc", "containerPort": 9090, "protocol": "TCP"},
                    ],
                    "env": [
                        {"name": "LOG_LEVEL", "value": "info"},
                        {
                            "name": "POD_IP",
                            "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}},
                        },
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"memory": "256Mi"},
                    },
                    "readinessProbe": {
                        "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                        "periodSeconds": 10,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [
                        {
                            "name": "kube-api-access",
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                            "readOnly": True,
                        }
                    ],
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "volumes": [
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                        ],
                    },
                }
            ],
        },
    }


def _path(path: str, path_type: str, service: str, port: int | str) -> Obj:
    number = {"number": port} if isinstance(port, int) else {"name": port}
    return {
        "path": path,
        "pathType": path_type,
        "backend": {"service": {"name": service, "port": number}},
    }


def _ingress_class() -> Obj:
    return {
        "metadata": _meta("nginx", "", "IngressClass")
        | {
            "namespace": None,
            "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"},
        },
        "spec": {"controller": "k8s.io/ingress-nginx"},
    }


# --- TLS secrets: real certificates, one CA, signed once per host and cached ---------------

_CERTS: dict[str, tuple[bytes, bytes]] = {}


def _tls_secret(namespace: str, name: str, host: str, *, expired: bool) -> Obj:
    cert, key = _certificate(host, expired)
    return {
        "metadata": _meta(name, namespace, "Secret"),
        "type": "kubernetes.io/tls",
        "data": {
            "tls.crt": base64.b64encode(cert).decode(),
            "tls.key": base64.b64encode(key).decode(),
        },
    }


def _certificate(host: str, expired: bool) -> tuple[bytes, bytes]:
    """A leaf certificate for ``host`` (EC P-256, one shared key), PEM cert and key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    if "key" not in _CERTS:
        key = ec.generate_private_key(ec.SECP256R1())
        _CERTS["key"] = (
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            b"",
        )
    key_pem = _CERTS["key"][0]
    private = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    not_after = now - datetime.timedelta(days=2) if expired else now + datetime.timedelta(days=365)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-ca")]))
        .public_key(private.public_key())
        .serial_number(int(hashlib.md5(host.encode(), usedforsecurity=False).hexdigest(), 16))
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


# --- storage ------------------------------------------------------------------------------


def write_pages(shape: Shape, directory: Path) -> dict[str, int]:
    """Write ``<resource>.jsonl`` (one ``namespace<TAB>json`` line per object); counts."""
    directory.mkdir(parents=True, exist_ok=True)
    handles: dict[str, Any] = {}
    counts: dict[str, int] = {}
    try:
        for resource, obj in Generator(shape).objects():
            handle = handles.get(resource)
            if handle is None:
                handle = handles[resource] = open(  # noqa: SIM115
                    directory / f"{resource}.jsonl.tmp", "w", encoding="utf-8"
                )
            namespace = obj["metadata"].get("namespace") or ""
            if obj["metadata"].get("namespace") is None:
                del obj["metadata"]["namespace"]
            handle.write(f"{namespace}\t{json.dumps(obj, separators=(',', ':'))}\n")
            counts[resource] = counts.get(resource, 0) + 1
    finally:
        for handle in handles.values():
            handle.close()
    for resource in handles:
        os.replace(directory / f"{resource}.jsonl.tmp", directory / f"{resource}.jsonl")
    (directory / "counts.json").write_text(json.dumps(counts, sort_keys=True))
    return counts


def read_lines(directory: Path, resource: str, namespace: str | None = None) -> Iterator[bytes]:
    """The JSON of every stored object of ``resource`` (in ``namespace`` when given)."""
    path = directory / f"{resource}.jsonl"
    if not path.exists():
        return
    prefix = None if namespace is None else namespace.encode() + b"\t"
    with open(path, "rb") as handle:
        for line in handle:
            if prefix is not None and not line.startswith(prefix) and not line.startswith(b"\t"):
                continue
            yield line.split(b"\t", 1)[1].rstrip(b"\n")


def decode_pages(lines: Iterator[bytes], page_size: int = 500) -> Iterator[list[Obj]]:
    """Decode objects ``page_size`` at a time from one JSON array, like one LIST page."""
    page: list[bytes] = []
    for line in lines:
        page.append(line)
        if len(page) == page_size:
            yield json.loads(b"[" + b",".join(page) + b"]")
            page = []
    if page:
        yield json.loads(b"[" + b",".join(page) + b"]")


def prepare(shape: Shape, cache: Path) -> Path:
    """The directory holding ``shape``'s pages, generated once and then reused."""
    directory = cache / shape.name
    if not (directory / "counts.json").exists():
        write_pages(shape, directory)
    return directory


OFFLINE_RESOURCES = ("services", "deployments", "statefulsets", "ingresses", "secrets")
"""What people keep in manifests: no pods, ReplicaSets or EndpointSlices (controllers' work)."""


def _as_manifest(resource: str, obj: Obj) -> Obj:
    api_version, kind = KIND_OF[resource]
    metadata = {
        k: obj["metadata"][k]
        for k in ("name", "namespace", "labels", "annotations")
        if obj["metadata"].get(k)
    }
    out: Obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    out.update({k: v for k, v in obj.items() if k not in ("metadata", "status")})
    if resource == "services":
        spec = dict(out["spec"])
        for key in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
            spec.pop(key, None)
        out["spec"] = spec
    return out


def write_manifests(shape: Shape, directory: Path, namespaces_per_file: int = 10) -> list[Path]:
    """Offline-shaped manifests of ``shape`` as multi-document YAML, a few namespaces a file.

    Each file stays far below the loader's per-file size limit.
    """
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    directory.mkdir(parents=True, exist_ok=True)
    done = directory / "done"
    if done.exists():
        return sorted(directory.glob("*.yaml"))
    documents: dict[str, list[Obj]] = {}
    order = {
        ns: i // namespaces_per_file for i, (ns, *_) in enumerate(Generator(shape).namespaces())
    }
    for resource, obj in Generator(shape).objects():
        if resource not in OFFLINE_RESOURCES:
            continue
        group = f"part-{order[obj['metadata']['namespace']]:03d}"
        documents.setdefault(group, []).append(_as_manifest(resource, obj))
    paths = []
    for group, docs in documents.items():
        path = directory / f"{group}.yaml"
        with open(path, "w", encoding="utf-8") as handle:
            yaml.dump_all(docs, handle, Dumper=dumper, sort_keys=False)
        paths.append(path)
    done.write_text("ok\n")
    return sorted(paths)
