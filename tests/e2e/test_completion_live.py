"""Completion of names from a real API server, through the real kubectl, via ``cluster``.

The API server is reachable only inside the cluster's network namespace, so every command
runs through ``cluster.exec``: real ``kubectl __complete discover ...`` finds our
``kubectl_complete-discover`` on PATH (a directory holding only it and the plugin), which
lists from the cluster named by the kubeconfig.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _executables(directory: Path) -> Path:
    """``kubectl-discover`` and ``kubectl_complete-discover`` running this interpreter."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, module in (
        ("kubectl-discover", "kubectl_discover"),
        ("kubectl_complete-discover", "kubectl_discover.completion"),
    ):
        script = directory / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        script.chmod(0o755)
    return directory


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _executables(tmp_path_factory.mktemp("plugin-bin"))


@pytest.fixture(scope="module")
def shop(cluster: Any) -> Iterator[str]:
    """A namespace with three Services and an Ingress."""
    with cluster.namespace("complete") as namespace:
        cluster.apply(
            textwrap.dedent(
                """\
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {ports: [{port: 80}], selector: {app: web}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: webhook}
                spec: {ports: [{port: 443}], selector: {app: hook}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: db}
                spec: {ports: [{port: 5432}], selector: {app: db}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: storefront}
                spec:
                  defaultBackend: {service: {name: web, port: {number: 80}}}
                """
            ),
            namespace=namespace,
        )
        yield namespace


def complete(cluster: Any, plugin_dir: Path, *words: str) -> tuple[list[str], str]:
    """``kubectl __complete discover WORDS`` in the cluster's netns: candidates, directive."""
    kubectl_dir = str(Path(cluster.kubectl_path).parent)
    path = os.pathsep.join([str(plugin_dir), kubectl_dir, "/usr/bin", "/bin"])
    done = cluster.exec(
        [cluster.kubectl_path, "__complete", "discover", *words],
        env={"PATH": path},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line]
    return [line.split("\t", 1)[0] for line in lines[:-1]], lines[-1]


def test_service_names_in_a_namespace(cluster: Any, plugin_dir: Path, shop: str) -> None:
    names, directive = complete(cluster, plugin_dir, "svc", "-n", shop, "")
    assert names == ["db", "web", "webhook"]
    assert directive == ":4"
    prefixed, _ = complete(cluster, plugin_dir, "svc", "--namespace", shop, "we")
    assert prefixed == ["web", "webhook"]


def test_ingress_names(cluster: Any, plugin_dir: Path, shop: str) -> None:
    names, _ = complete(cluster, plugin_dir, "ingress", f"--namespace={shop}", "")
    assert names == ["storefront"]


def test_namespace_names(cluster: Any, plugin_dir: Path, shop: str) -> None:
    names, _ = complete(cluster, plugin_dir, "svc", "-n", "")
    assert shop in names and "default" in names and "kube-system" in names
    only, _ = complete(cluster, plugin_dir, "svc", "-n", shop[:-1])
    assert only == [shop]


def test_explicit_kubeconfig_and_context(cluster: Any, plugin_dir: Path, shop: str) -> None:
    kubeconfig = str(cluster.kubeconfig)
    contexts, _ = complete(cluster, plugin_dir, "svc", "--kubeconfig", kubeconfig, "--context", "")
    assert contexts, "the kubeconfig names no context"
    names, _ = complete(
        cluster,
        plugin_dir,
        "svc",
        "--kubeconfig",
        kubeconfig,
        "--context",
        contexts[0],
        "-n",
        shop,
        "d",
    )
    assert names == ["db"]


def test_a_user_without_list_rights_gets_nothing_and_no_error(
    cluster: Any, plugin_dir: Path, shop: str
) -> None:
    nobody = cluster.user_kubeconfig("completion-nobody")
    names, directive = complete(
        cluster, plugin_dir, "svc", "--kubeconfig", str(nobody), "-n", shop, ""
    )
    assert names == [] and directive == ":4"


def test_an_unreachable_server_fails_silently(
    cluster: Any, plugin_dir: Path, tmp_path: Path
) -> None:
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """
        )
    )
    names, directive = complete(cluster, plugin_dir, "svc", "--kubeconfig", str(dead), "")
    assert names == [] and directive == ":4"
