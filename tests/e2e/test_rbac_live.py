"""The real CLI under the RBAC of deploy/rbac.yaml (issue 9).

The file's two ClusterRoles are applied to the cluster as shipped; client-certificate users
(``cluster.user_kubeconfig``) are bound to nothing, to the read role cluster-wide, to the
probe role, and to the read role in one namespace only. Each run is
``python -m kubectl_discover`` inside the cluster's network namespace with that user's
kubeconfig; the assertions are what an SRE with those rights sees: exit code, one
``error:`` line and no traceback, what is reported as skipped, and that no probe pod is left.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
RBAC_YAML = REPO / "deploy" / "rbac.yaml"
PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover"
HOST = "shop.rbac.example"


@dataclass(frozen=True)
class Users:
    namespace: str
    nothing: Path
    read: Path
    probe: Path
    read_here: Path
    """The read ClusterRole bound with a RoleBinding in ``namespace`` only."""
    no_exec: Path
    """Read, plus create/get/watch/delete pods and create pods/exec, in ``namespace``."""
    key_pem: str
    """The private key of the TLS Secret the Ingress references."""


# --- helpers -----------------------------------------------------------------------------


def cli(cluster: Cluster, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"KUBECONFIG": str(kubeconfig), "NO_COLOR": "1"}
    return cluster.exec([sys.executable, "-m", "kubectl_discover", *args], env=env, timeout=120)


def error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one ``error:`` line; everything else on stderr must be progress lines."""
    stderr = result.stderr
    assert "Traceback" not in stderr, stderr
    assert result.returncode == code, f"exit {result.returncode}, expected {code}: {stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert all(line.startswith(("error: ", "discover: ")) for line in lines), stderr
    return errors[0]


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """A JSON report from a run that exited by verdict (0 ok/warn, 1 fail)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["verdict"] == ("fail" if result.returncode == 1 else document["verdict"])
    return document


def probe_pods(cluster: Cluster, namespace: str) -> list[str]:
    pods = cluster.get_json("pods", "-n", namespace, "-l", PROBE_LABEL)["items"]
    return [p["metadata"]["name"] for p in pods]


def key_fragments(pem: str) -> list[str]:
    """Pieces of the key's PEM body and of the Secret's base64 of the PEM: any of them in
    the output means key material leaked."""
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    encoded = base64.b64encode(pem.encode()).decode()
    return [text[i : i + 40] for text in (body, encoded) for i in range(0, len(text) - 40, 40)]


def app_yaml(node: str) -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: v1
        kind: Service
        metadata: {{name: web}}
        spec:
          selector: {{app: web}}
          ports: [{{name: http, port: 80, targetPort: 8080}}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {{name: web-0, labels: {{app: web}}}}
        spec:
          nodeName: {node}
          containers: [{{name: web, image: nginx, ports: [{{containerPort: 8080}}]}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {{name: shop}}
        spec:
          tls: [{{hosts: [{HOST}], secretName: web-tls}}]
          rules:
          - host: {HOST}
            http:
              paths:
              - path: /
                pathType: Prefix
                backend: {{service: {{name: web, port: {{name: http}}}}}}
        """
    )


NO_EXEC_ROLE = textwrap.dedent(
    """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {{name: kd-pods-create-exec-only, namespace: {namespace}}}
    rules:
      - apiGroups: [""]
        resources: [pods]
        verbs: [create, delete, get, watch]
      - apiGroups: [""]
        resources: [pods/exec]
        verbs: [create]
    """
)


def binding(kind: str, name: str, role: str, user: str, namespace: str | None = None) -> str:
    where = f", namespace: {namespace}" if namespace else ""
    return textwrap.dedent(
        f"""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: {kind}
        metadata: {{name: {name}{where}}}
        roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
        subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]
        """
    )


@pytest.fixture(scope="module")
def users(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Users]:
    cluster.apply(RBAC_YAML.read_text())  # the real file, as shipped
    suffix = uuid.uuid4().hex[:6]
    node = cluster.nodes[0].name  # bound, so a full scheduler cannot refuse the backend pod
    cluster_bindings = [f"kd-rbac-read-{suffix}", f"kd-rbac-probe-{suffix}"]
    with cluster.namespace("rbac") as namespace:
        from livecerts import self_signed

        cert, key_pem = self_signed(HOST)
        cluster.apply(app_yaml(node), namespace)
        files = tmp_path_factory.mktemp("tls")
        (files / "tls.crt").write_text(cert)
        (files / "tls.key").write_text(key_pem)
        cluster.kubectl(
            "create",
            "secret",
            "tls",
            "web-tls",
            "-n",
            namespace,
            f"--cert={files / 'tls.crt'}",
            f"--key={files / 'tls.key'}",
        )
        names = {k: f"kd-{k}-{suffix}" for k in ("nothing", "read", "probe", "readhere", "noexec")}
        cluster.apply(
            "---\n".join(
                [
                    binding(
                        "ClusterRoleBinding",
                        cluster_bindings[0],
                        "kubectl-discover-read",
                        names["read"],
                    ),
                    binding(
                        "ClusterRoleBinding",
                        cluster_bindings[1],
                        "kubectl-discover-probe",
                        names["probe"],
                    ),
                    binding(
                        "RoleBinding",
                        "kd-read-here",
                        "kubectl-discover-read",
                        names["readhere"],
                        namespace,
                    ),
                    binding(
                        "RoleBinding",
                        "kd-noexec-read",
                        "kubectl-discover-read",
                        names["noexec"],
                        namespace,
                    ),
                    NO_EXEC_ROLE.format(namespace=namespace),
                    binding(
                        "RoleBinding",
                        "kd-noexec-pods",
                        "kd-pods-create-exec-only",
                        names["noexec"],
                        namespace,
                    ).replace("kind: ClusterRole, name: kd-pods", "kind: Role, name: kd-pods"),
                ]
            )
        )
        cluster.wait_for(
            "pod web-0 running",
            lambda: (
                cluster.get_json("pod", "web-0", "-n", namespace)["status"].get("phase")
                == "Running"
            ),
        )
        try:
            yield Users(
                namespace=namespace,
                nothing=cluster.user_kubeconfig(names["nothing"]),
                read=cluster.user_kubeconfig(names["read"]),
                probe=cluster.user_kubeconfig(names["probe"]),
                read_here=cluster.user_kubeconfig(names["readhere"]),
                no_exec=cluster.user_kubeconfig(names["noexec"]),
                key_pem=key_pem,
            )
        finally:
            for name in cluster_bindings:
                cluster.kubectl("delete", "clusterrolebinding", name, check=False)
        assert probe_pods(cluster, namespace) == []


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Cluster, users: Users) -> Iterator[None]:
    yield
    assert probe_pods(cluster, users.namespace) == [], "a probe pod survived the test"


# --- no rights at all --------------------------------------------------------------------


def test_no_rights_is_a_cluster_access_error_naming_the_missing_right(
    cluster: Cluster, users: Users
) -> None:
    result = cli(cluster, users.nothing, "svc", "web", "-n", users.namespace, "--no-probe")
    line = error_line(result, 3)
    assert f"cannot list services in {users.namespace}: forbidden" in line, line


# --- the read role ------------------------------------------------------------------------


def test_read_role_analyses_statically(cluster: Cluster, users: Users) -> None:
    args = ("svc", "web", "-n", users.namespace, "--no-probe", "-o", "json")
    document = report(cli(cluster, users.read, *args))
    assert document["subject"]["name"] == "web"
    # The read role may list the Gateway API kinds; the test cluster has no such CRDs.
    assert document["skipped"] == [
        "the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
        "resources (HTTPRoutes, GRPCRoutes and Gateways not read)"
    ]
    assert document["probe"] is None
    ids = [finding["id"] for finding in document["findings"]]
    assert "corefile-settings" in ids and "corefile-assumed" not in ids, ids


def test_read_role_cannot_probe_and_says_which_verb_is_missing(
    cluster: Cluster, users: Users
) -> None:
    result = cli(cluster, users.read, "svc", "web", "-n", users.namespace)
    line = error_line(result, 7)  # the cluster refused the probe pod
    assert "create pods" in line, line
    assert "--no-probe" in line, line


# --- the probe role ------------------------------------------------------------------------


def test_probe_role_runs_the_probe_and_leaves_nothing(cluster: Cluster, users: Users) -> None:
    node = cluster.nodes[0].name
    args = ("svc", "web", "-n", users.namespace, "--node", node, "-o", "json")
    result = cli(cluster, users.probe, *args)
    document = report(result)
    assert document["probe"] is not None, result.stderr
    assert document["probe"]["namespace"] == users.namespace
    assert f"deleting probe pod {users.namespace}/{document['probe']['pod']}" in result.stderr


def test_exec_refused_is_one_line_naming_pods_exec(cluster: Cluster, users: Users) -> None:
    """May create the pod but not open the exec websocket: exit 7, the pod is deleted."""
    node = cluster.nodes[0].name
    result = cli(cluster, users.no_exec, "svc", "web", "-n", users.namespace, "--node", node)
    line = error_line(result, 7)
    assert "pods/exec" in line and "get and create" in line, line
    assert "-+-+-" not in line  # no raw HTTP headers from the websocket client
    assert "deleting probe pod" in result.stderr


# --- the read role in one namespace ------------------------------------------------------------


def test_namespace_scoped_read_skips_cluster_kinds(cluster: Cluster, users: Users) -> None:
    args = ("svc", "web", "-n", users.namespace, "--no-probe", "-o", "json")
    document = report(cli(cluster, users.read_here, *args))
    assert "cannot list nodes cluster-wide: forbidden" in document["skipped"]
    assert document["verdict"] in ("warn", "fail")
    assert "access-skipped" in [finding["id"] for finding in document["findings"]]
    assert "cannot get configmaps in kube-system: forbidden" in document["skipped"]
    assumed = [f["message"] for f in document["findings"] if f["id"] == "corefile-assumed"]
    assert assumed == [
        "Corefile not readable: cannot get configmaps in kube-system: forbidden; assumed "
        "kubeadm's Corefile: pods insecure, no endpoint_pod_names, cluster.local, ttl 30."
    ]


def test_namespace_scoped_read_of_an_ingress(cluster: Cluster, users: Users) -> None:
    args = ("ingress", "shop", "-n", users.namespace, "--no-probe", "-o", "json")
    document = report(cli(cluster, users.read_here, *args))
    skipped = document["skipped"]
    assert "cannot list ingressclasses cluster-wide: forbidden" in skipped, skipped
    assert "cannot list namespaces cluster-wide: forbidden" in skipped, skipped
    assert document["verdict"] in ("warn", "fail")


# --- secrets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["json", "yaml", "wide", "table", "tree"])
def test_tls_key_never_appears_in_output(cluster: Cluster, users: Users, output: str) -> None:
    """The read role may GET the Ingress's TLS Secret: its key is read, never printed."""
    args = ("ingress", "shop", "-n", users.namespace, "--no-probe", "-o", output)
    result = cli(cluster, users.read, *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert "cannot get secrets" not in result.stdout  # the Secret really was read
    assert HOST in result.stdout
    everything = result.stdout + result.stderr
    assert "PRIVATE KEY" not in everything
    leaked = [piece for piece in key_fragments(users.key_pem) if piece in everything]
    assert leaked == []
