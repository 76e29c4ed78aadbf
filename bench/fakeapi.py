"""A read-only Kubernetes API on loopback, serving a generated cluster (see :mod:`.generate`).

Enough of the API for the plugin's loader and for ``kubectl get``: collection LISTs (namespaced
and cluster-wide) with ``limit``/``continue`` pagination, GET of one Namespace or Secret, and
legacy discovery (``/api``, ``/apis``, ``/api/v1``, ``/apis/GROUP/VERSION``). Kinds it holds no
objects of answer an empty list. Selectors are ignored except an events ``fieldSelector``
(answered empty): every generated pod is Running, so ``status.phase!=Succeeded`` keeps all.

It counts requests (``GET /bench/requests`` returns and resets the count; that request is
not counted), so a benchmark can see what a command cost from the server's side too.

Run: ``python -m bench.fakeapi DATA_DIR`` prints ``PORT`` on one line, then serves until
stdin closes. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.generate import KIND_OF

RESOURCES: dict[str, tuple[str, str, bool]] = {
    # resource: (group/version path, Kind, namespaced)
    "services": ("v1", "Service", True),
    "endpoints": ("v1", "Endpoints", True),
    "pods": ("v1", "Pod", True),
    "secrets": ("v1", "Secret", True),
    "events": ("v1", "Event", True),
    "nodes": ("v1", "Node", False),
    "namespaces": ("v1", "Namespace", False),
    "endpointslices": ("discovery.k8s.io/v1", "EndpointSlice", True),
    "deployments": ("apps/v1", "Deployment", True),
    "statefulsets": ("apps/v1", "StatefulSet", True),
    "daemonsets": ("apps/v1", "DaemonSet", True),
    "replicasets": ("apps/v1", "ReplicaSet", True),
    "jobs": ("batch/v1", "Job", True),
    "cronjobs": ("batch/v1", "CronJob", True),
    "ingresses": ("networking.k8s.io/v1", "Ingress", True),
    "ingressclasses": ("networking.k8s.io/v1", "IngressClass", False),
    "networkpolicies": ("networking.k8s.io/v1", "NetworkPolicy", True),
    # Gateway API CRDs: served, and empty unless the generator wrote some.
    "gatewayclasses": ("gateway.networking.k8s.io/v1", "GatewayClass", False),
    "gateways": ("gateway.networking.k8s.io/v1", "Gateway", True),
    "listenersets": ("gateway.networking.k8s.io/v1", "ListenerSet", True),
    "httproutes": ("gateway.networking.k8s.io/v1", "HTTPRoute", True),
    "grpcroutes": ("gateway.networking.k8s.io/v1", "GRPCRoute", True),
    "referencegrants": ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", True),
    "backendtlspolicies": ("gateway.networking.k8s.io/v1", "BackendTLSPolicy", True),
}
SHORT_NAMES = {
    "services": ["svc"],
    "pods": ["po"],
    "nodes": ["no"],
    "namespaces": ["ns"],
    "deployments": ["deploy"],
    "statefulsets": ["sts"],
    "daemonsets": ["ds"],
    "replicasets": ["rs"],
    "cronjobs": ["cj"],
    "ingresses": ["ing"],
    "endpoints": ["ep"],
    "events": ["ev"],
}


class Store:
    """The generated objects as JSON bytes, by resource, with their namespace and name."""

    def __init__(self, directory: Path) -> None:
        self.items: dict[str, list[tuple[str, str, bytes]]] = {}
        for resource in KIND_OF:
            path = directory / f"{resource}.jsonl"
            rows: list[tuple[str, str, bytes]] = []
            if path.exists():
                with open(path, "rb") as handle:
                    for line in handle:
                        namespace, body = line.rstrip(b"\n").split(b"\t", 1)
                        name = json.loads(body)["metadata"]["name"]
                        rows.append((namespace.decode(), name, body))
            self.items[resource] = rows
        self.requests = 0
        self.lock = threading.Lock()

    def collection(self, resource: str, namespace: str | None) -> list[bytes]:
        rows = self.items.get(resource, [])
        return [body for ns, _, body in rows if namespace is None or ns == namespace]

    def one(self, resource: str, namespace: str, name: str) -> bytes | None:
        for ns, item_name, body in self.items.get(resource, []):
            if ns == namespace and item_name == name:
                return body
        return None


def _discovery(path: str) -> dict[str, Any] | None:
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        versions: dict[str, set[str]] = {}
        for gv, _, _ in RESOURCES.values():
            if "/" in gv:
                group, version = gv.split("/")
                versions.setdefault(group, set()).add(version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [
                        {"groupVersion": f"{group}/{v}", "version": v}
                        for v in sorted(versions[group])
                    ],
                    "preferredVersion": {"groupVersion": f"{group}/v1", "version": "v1"},
                }
                for group in sorted(versions)
            ],
        }
    group_version = path.removeprefix("/api/").removeprefix("/apis/")
    if path not in (f"/api/{group_version}", f"/apis/{group_version}"):
        return None
    resources = [
        {
            "name": resource,
            "singularName": kind.lower(),
            "namespaced": namespaced,
            "kind": kind,
            "verbs": ["get", "list", "watch"],
            "shortNames": SHORT_NAMES.get(resource, []),
        }
        for resource, (gv, kind, namespaced) in RESOURCES.items()
        if gv == group_version
    ]
    if not resources:
        return None
    return {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources}


def _parse(path: str) -> tuple[str, str | None, str] | None:
    """(resource, namespace or None, name) of an API path; None when it is not one."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        rest, group_version = parts[2:], "v1"
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        rest, group_version = parts[3:], f"{parts[1]}/{parts[2]}"
    else:
        return None
    namespace: str | None = None
    if len(rest) >= 2 and rest[0] == "namespaces":
        if len(rest) == 2:
            return ("namespaces", None, rest[1])
        namespace, rest = rest[1], rest[2:]
    if not rest or rest[0] not in RESOURCES or RESOURCES[rest[0]][0] != group_version:
        return None
    return (rest[0], namespace, rest[1] if len(rest) > 1 else "")


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        store = self.server.store
        if url.path == "/bench/requests":
            with store.lock:
                count, store.requests = store.requests, 0
            self._send(200, json.dumps({"requests": count}).encode())
            return
        with store.lock:
            store.requests += 1
        discovery = _discovery(url.path)
        if discovery is not None:
            self._send(200, json.dumps(discovery).encode())
            return
        parsed = _parse(url.path)
        if parsed is None:
            self._status(404, "NotFound", f"the server could not find {url.path}")
            return
        resource, namespace, name = parsed
        if name:
            body = store.one(resource, namespace or "", name)
            if body is None:
                self._status(404, "NotFound", f'{resource} "{name}" not found')
            else:
                self._send(200, body)
            return
        query = parse_qs(url.query)
        items = [] if resource == "events" else store.collection(resource, namespace)
        limit = int(query.get("limit", ["0"])[0] or 0)
        start = int(query.get("continue", ["0"])[0] or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        token = str(end) if end < len(items) else ""
        gv, kind, _ = RESOURCES[resource]
        head = json.dumps(
            {
                "kind": f"{kind}List",
                "apiVersion": gv,
                "metadata": {"resourceVersion": "424242", "continue": token},
            }
        ).encode()
        body = head[:-1] + b',"items":[' + b",".join(items[start:end]) + b"]}"
        self._send(200, body)

    def _status(self, code: int, reason: str, message: str) -> None:
        status: dict[str, object] = {"kind": "Status", "apiVersion": "v1", "status": "Failure"}
        status |= {"message": message, "reason": reason, "code": code}
        self._send(code, json.dumps(status).encode())

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        del args


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: Store) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.store = store


def kubeconfig(port: int, namespace: str) -> str:
    """A kubeconfig (YAML is a superset of JSON) for the server on ``port``."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "bench",
            "clusters": [{"name": "bench", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
            "users": [{"name": "bench", "user": {"token": "bench"}}],
            "contexts": [
                {
                    "name": "bench",
                    "context": {"cluster": "bench", "user": "bench", "namespace": namespace},
                }
            ],
        }
    )


def main() -> None:
    store = Store(Path(sys.argv[1]))
    server = Server(store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    sys.stdin.read()  # serve until the parent closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
