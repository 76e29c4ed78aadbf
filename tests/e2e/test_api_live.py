"""The API layer against a real kube-apiserver (RBAC on), via the ``cluster`` fixture.

The API server is reachable only inside the test cluster's network namespace, so each
check runs this very file as a script through ``cluster.exec``: the script connects,
does one operation and prints a JSON summary (outcome, request log, what was loaded);
the test asserts on that summary. Nothing here fakes the server.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.commands import SVC

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve()


# --- the in-namespace side ---------------------------------------------------------------


def _summary(snapshot: Any) -> dict[str, Any]:
    from kubectl_discover.snapshot import name_of

    return {
        "live": snapshot.live,
        "services": sorted(name_of(s) for s in snapshot.services),
        "kinds": sorted({str(o.get("kind")) for o in snapshot.services + snapshot.workloads}),
        "counts": {
            field: len(getattr(snapshot, field))
            for field in ("services", "endpointslices", "pods", "workloads", "nodes", "ingresses")
        },
        "managed_fields": any("managedFields" in o["metadata"] for o in snapshot.services),
        "unavailable": sorted(gap.describe() for gap in snapshot.unavailable),
        "secrets": [
            {"name": name_of(s), "type": s["type"], "keys": sorted(s["data"])}
            for s in snapshot.secrets
        ],
        "namespaces": list(snapshot.namespaces),
    }


def _run(command: dict[str, Any]) -> dict[str, Any]:
    """Execute one command inside the cluster's network namespace; never raises."""
    from kubectl_discover.api import listing
    from kubectl_discover.api.session import connect
    from kubectl_discover.errors import DiscoverError
    from kubectl_discover.snapshot import name_of

    session = None
    result: dict[str, Any] = {}
    try:
        session = connect(command["kubeconfig"], None, request_timeout=5.0)
        result["namespace"] = session.namespace
        if command["op"] == "list_all":
            items = session.list_all(command["path"], page_size=command["page_size"])
            result["names"] = [i["metadata"]["name"] for i in items]
        else:
            tls = [tuple(ref) for ref in command.get("tls", [])]
            snapshot = listing.load_snapshot(
                session,
                command["namespace"],
                kinds=frozenset(command.get("kinds") or listing.ALL_KINDS),
                tls_secret_names=(lambda _snap: tls) if tls else None,
                events_for=tuple(command["events_for"]) if command.get("events_for") else None,
                dns_config=bool(command.get("dns_config")),
            )
            result["snapshot"] = _summary(snapshot)
            result["dns_configmaps"] = [name_of(c) for c in snapshot.dns_configmaps]
    except DiscoverError as exc:
        result["error"] = {
            "type": type(exc).__name__,
            "message": exc.message,
            "exit_code": exc.exit_code,
        }
    if session is not None:
        result["log"] = session.request_log
    return result


if __name__ == "__main__":
    print(json.dumps(_run(json.loads(sys.argv[1]))))
    sys.exit(0)


# --- the test side -----------------------------------------------------------------------


def in_cluster(cluster: Any, **command: Any) -> dict[str, Any]:
    """Run ``command`` through this file's script side inside the cluster's netns."""
    command.setdefault("kubeconfig", str(cluster.kubeconfig))
    # Run as a script, sys.path[0] is tests/e2e: put this tree first, or the installed
    # kubectl_discover (possibly another checkout) would be the one tested.
    env = {"PYTHONPATH": str(HERE.parents[2])}
    proc = cluster.exec([sys.executable, str(HERE), json.dumps(command)], env=env)
    stdout = proc.stdout.decode() if isinstance(proc.stdout, bytes) else proc.stdout
    assert proc.returncode == 0, f"script failed: {proc.stderr!r}"
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def paths(result: dict[str, Any]) -> list[str]:
    return [path.split("?")[0] for _, path in result["log"]]


@pytest.fixture(scope="module")
def shop(cluster: Any) -> Iterator[str]:
    """A fresh namespace with a Deployment behind a Service, and a TLS Secret."""
    with cluster.namespace("apilive") as namespace:
        cluster.apply(
            textwrap.dedent(
                """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports: [{port: 80, targetPort: 80}]
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: web-tls}
                type: kubernetes.io/tls
                data:
                  tls.crt: Y2VydA==
                  tls.key: a2V5
                  extra: ZG8tbm90LWtlZXA=
                """
            ),
            namespace=namespace,
        )
        yield namespace


def test_svc_kinds_are_one_list_each(cluster: Any, shop: str) -> None:
    from kubectl_discover.api import listing

    result = in_cluster(cluster, op="load", namespace=shop, kinds=sorted(SVC.kinds))
    assert "error" not in result, result.get("error")
    built_in = [
        k for k in SVC.kinds if listing.KINDS_BY_RESOURCE[k].group in listing.BUILT_IN_GROUPS
    ]
    expected = sorted([*(listing.KINDS_BY_RESOURCE[kind].path(shop) for kind in built_in), "/apis"])
    # The test cluster serves no Gateway API CRDs: discovery says so and they are not listed.
    assert sorted(paths(result)) == expected
    assert len(result["log"]) == 9  # 8 built-in LISTs and discovery; budget: <= 14
    assert all(verb == "GET" for verb, _ in result["log"])
    snapshot = result["snapshot"]
    assert snapshot["live"] is True
    assert snapshot["services"] == ["web"]
    assert "Service" in snapshot["kinds"] and "Deployment" in snapshot["kinds"]
    assert snapshot["counts"]["nodes"] >= 1
    assert snapshot["managed_fields"] is False
    # ... recorded as not served, exactly as a 404 would be.
    not_served = "not served (Gateway API CRDs not installed)"
    no_policy_api = "not served (network-policy-api CRDs not installed)"
    assert snapshot["unavailable"] == [
        "cannot list adminnetworkpolicies cluster-wide: policy.networking.k8s.io/v1alpha1 "
        + no_policy_api,
        "cannot list baselineadminnetworkpolicies cluster-wide: policy.networking.k8s.io/v1alpha1 "
        + no_policy_api,
        "cannot list clusternetworkpolicies cluster-wide: policy.networking.k8s.io/v1alpha2 "
        + no_policy_api,
        f"cannot list grpcroutes in {shop}: gateway.networking.k8s.io/v1 " + not_served,
        f"cannot list httproutes in {shop}: gateway.networking.k8s.io/v1 " + not_served,
    ]


def test_svc_reads_the_corefile_with_one_get(cluster: Any, shop: str) -> None:
    """``svc``: its LISTs, discovery and one GET of kube-system/coredns (the test cluster's
    Corefile imports nothing, so coredns-custom is not asked for)."""
    result = in_cluster(
        cluster, op="load", namespace=shop, kinds=sorted(SVC.kinds), dns_config=SVC.dns_config
    )
    assert "error" not in result, result.get("error")
    assert len(result["log"]) == 10  # 8 built-in LISTs, discovery, the Corefile
    assert [p for p in paths(result) if "/configmaps" in p] == [
        "/api/v1/namespaces/kube-system/configmaps/coredns"
    ]
    assert result["dns_configmaps"] == ["coredns"]
    assert not [gap for gap in result["snapshot"]["unavailable"] if "configmaps" in gap]


def test_all_kinds_with_events_and_tls_secret(cluster: Any, shop: str) -> None:
    from kubectl_discover.api import listing

    result = in_cluster(
        cluster,
        op="load",
        namespace=shop,
        events_for=["Service", "web"],
        tls=[[shop, "web-tls"], [shop, "missing-tls"]],
    )
    assert "error" not in result, result.get("error")
    listed = paths(result)
    built_in = {k for k, spec in listing.KINDS_BY_RESOURCE.items()
                if spec.group in listing.BUILT_IN_GROUPS}  # fmt: skip
    # Every built-in kind once, and discovery instead of the (unserved) CRD kinds.
    assert len([p for p in listed if "/secrets" not in p]) == len(built_in) + 1
    assert "/apis" in listed
    assert not any(p.endswith("/secrets") for p in listed), "Secrets are never listed"
    assert f"/api/v1/namespaces/{shop}/secrets/web-tls" in listed
    events = [path for _, path in result["log"] if "/events" in path]
    assert events and "involvedObject.name%3Dweb" in events[0]
    snapshot = result["snapshot"]
    assert snapshot["secrets"] == [
        {"name": "web-tls", "type": "kubernetes.io/tls", "keys": ["tls.crt", "tls.key"]}
    ]
    assert shop in snapshot["namespaces"]


def test_pagination_over_seven_services(cluster: Any) -> None:
    services = "\n---\n".join(
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\nspec: {{ports: [{{port: 80}}]}}"
        for i in range(7)
    )
    with cluster.namespace("apipage") as namespace:
        cluster.apply(services, namespace=namespace)
        result = in_cluster(
            cluster, op="list_all", path=f"/api/v1/namespaces/{namespace}/services", page_size=2
        )
    assert sorted(result["names"]) == [f"s{i}" for i in range(7)]
    queries = [path.split("?", 1)[1] for _, path in result["log"]]
    assert len(queries) == 4
    assert all("limit=2" in q for q in queries)
    assert "continue=" not in queries[0]
    assert all("continue=" in q for q in queries[1:])


def restricted_kubeconfig(cluster: Any, tmp_path: Path, token: str, namespace: str) -> Path:
    """The admin kubeconfig's cluster entry with a bearer-token user instead."""
    import yaml

    admin = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    context = next(
        c for c in admin["contexts"] if c["name"] == admin.get("current-context")
    ) if admin.get("current-context") else admin["contexts"][0]  # fmt: skip
    cluster_entry = next(c for c in admin["clusters"] if c["name"] == context["context"]["cluster"])
    base = Path(cluster.kubeconfig).resolve().parent
    ca = cluster_entry["cluster"].get("certificate-authority")
    if ca and not Path(ca).is_absolute():
        cluster_entry["cluster"]["certificate-authority"] = str(base / ca)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster_entry],
        "users": [{"name": "limited", "user": {"token": token}}],
        "contexts": [
            {
                "name": "limited",
                "context": {
                    "cluster": cluster_entry["name"],
                    "user": "limited",
                    "namespace": namespace,
                },
            }
        ],
        "current-context": "limited",
    }
    path = tmp_path / "limited.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


def kubectl_stdout(cluster: Any, *args: str) -> str:
    proc = cluster.kubectl(*args)
    out = proc.stdout.decode() if isinstance(proc.stdout, bytes) else proc.stdout
    return str(out)


def test_forbidden_kinds_become_unavailable(cluster: Any, shop: str, tmp_path: Path) -> None:

    cluster.apply(
        textwrap.dedent(
            f"""\
            apiVersion: v1
            kind: ServiceAccount
            metadata: {{name: limited, namespace: {shop}}}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {{name: services-only, namespace: {shop}}}
            rules:
              - apiGroups: [""]
                resources: [services]
                verbs: [list]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {{name: limited-services, namespace: {shop}}}
            roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: services-only}}
            subjects: [{{kind: ServiceAccount, name: limited, namespace: {shop}}}]
            """
        )
    )
    token = kubectl_stdout(cluster, "create", "token", "limited", "-n", shop).strip()
    kubeconfig = restricted_kubeconfig(cluster, tmp_path, token, shop)
    result = in_cluster(
        cluster,
        op="load",
        kubeconfig=str(kubeconfig),
        namespace=shop,
        kinds=sorted(SVC.kinds),
        tls=[[shop, "web-tls"]],
    )
    assert "error" not in result, result.get("error")
    assert result["namespace"] == shop
    snapshot = result["snapshot"]
    assert snapshot["services"] == ["web"]
    refused = set(snapshot["unavailable"])
    assert f"cannot list endpointslices in {shop}: forbidden" in refused
    assert f"cannot list pods in {shop}: forbidden" in refused
    assert "cannot list nodes cluster-wide: forbidden" in refused
    assert f"cannot get secrets in {shop}: forbidden" in refused
    assert len(refused) == len(SVC.kinds) - 1 + 1  # all but services, plus secrets
    assert snapshot["secrets"] == []


def test_rejected_token_is_a_cluster_access_error(cluster: Any, shop: str, tmp_path: Path) -> None:
    kubeconfig = restricted_kubeconfig(cluster, tmp_path, "not-a-valid-token", shop)
    result = in_cluster(cluster, op="load", kubeconfig=str(kubeconfig), namespace=shop)
    assert result["error"]["exit_code"] == 3
    assert "401" in result["error"]["message"]


def test_namespace_not_found(cluster: Any, shop: str) -> None:

    # Without the Namespace list, one GET of the Namespace tells "not found"...
    kinds = sorted(SVC.kinds - {"namespaces"})
    svc_only = in_cluster(cluster, op="load", namespace="no-such-ns", kinds=kinds)
    assert svc_only["error"]["type"] == "NotFoundError"
    assert svc_only["error"]["exit_code"] == 2
    assert svc_only["error"]["message"] == 'namespace "no-such-ns" not found'
    assert paths(svc_only)[-1] == "/api/v1/namespaces/no-such-ns"
    assert len(svc_only["log"]) == 9  # 7 built-in LISTs, discovery, the namespace GET
    # ... svc lists Namespaces (their labels, for NetworkPolicies): the list tells it.
    svc = in_cluster(cluster, op="load", namespace="no-such-ns", kinds=sorted(SVC.kinds))
    assert svc["error"]["message"] == 'namespace "no-such-ns" not found'
    assert "/api/v1/namespaces/no-such-ns" not in paths(svc)
    assert len(svc["log"]) == 9  # 8 built-in LISTs and discovery

    typo = in_cluster(cluster, op="load", namespace=shop + "x")
    assert typo["error"]["exit_code"] == 2
    assert f'did you mean "{shop}"' in typo["error"]["message"]


def test_empty_namespace_is_not_an_error(cluster: Any) -> None:

    with cluster.namespace("apiempty") as namespace:
        kinds = sorted(SVC.kinds - {"namespaces"})
        result = in_cluster(cluster, op="load", namespace=namespace, kinds=kinds)
        listed = in_cluster(cluster, op="load", namespace=namespace, kinds=sorted(SVC.kinds))
    assert "error" not in result, result.get("error")
    assert result["snapshot"]["services"] == []
    assert paths(result)[-1] == f"/api/v1/namespaces/{namespace}", "one GET proves it exists"
    assert "error" not in listed, listed.get("error")
    assert f"/api/v1/namespaces/{namespace}" not in paths(listed), "the list proves it"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_is_a_cluster_access_error(cluster: Any, tmp_path: Path) -> None:
    import yaml

    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    base = Path(cluster.kubeconfig).resolve().parent
    for entry in config["clusters"]:
        entry["cluster"]["server"] = f"https://127.0.0.1:{closed_port()}"
    for entry in config.get("users") or []:
        for key in ("client-certificate", "client-key"):
            value = entry["user"].get(key)
            if value and not Path(value).is_absolute():
                entry["user"][key] = str(base / value)
    for entry in config["clusters"]:
        value = entry["cluster"].get("certificate-authority")
        if value and not Path(value).is_absolute():
            entry["cluster"]["certificate-authority"] = str(base / value)
    path = tmp_path / "unreachable.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    result = in_cluster(cluster, op="load", kubeconfig=str(path), namespace="default")
    assert result["error"]["exit_code"] == 3
    assert "cannot reach the API server https://127.0.0.1:" in result["error"]["message"]


def test_script_side_reports_errors_instead_of_raising(tmp_path: Path) -> None:
    """The runner itself: a missing kubeconfig comes back as an exit-2 error summary."""
    proc = subprocess.run(
        [sys.executable, str(HERE), json.dumps({"op": "load", "kubeconfig": str(tmp_path / "x")})],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["error"]["exit_code"] == 2
