"""The release archive on Python 3.9 against the live cluster: the kubernetes client it ships.

On 3.9 the archive carries kubernetes 35 (36 and newer need 3.10), whose ApiClient has no
``param_serialize`` and raises for every status outside 2xx; api/session.py speaks to both.
This runs the archive, built as the krew manifest ships it, with a real Python 3.9 (from
tools/interpreters.py: found or installed; none is a failure) as the only ``python3`` on
PATH: LISTs, a 404, and a probe pod on a real node created, watched, exec'd and deleted.
The HTTP backends are the ``shop`` namespace of test_realnode_live.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_realnode_live import PROBE_LABEL, probe_pods, shop  # noqa: F401  (shop: a fixture)

from testcluster import Cluster

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Archive:
    executable: Path
    path: str
    """PATH for the run: the 3.9 venv's bin first (``#!/usr/bin/env python3`` takes it)."""
    home: Path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    sys.path.insert(0, str(ROOT / "tests" / "packaging"))
    from release_support import real_python, this_platform

    key = this_platform()
    assert key is not None, "the live cluster runs on linux/amd64 or linux/arm64"
    dist = tmp_path_factory.mktemp("dist39")
    built = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "release.py"),
            "--platform",
            key,
            "--dist",
            str(dist),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    unpacked = tmp_path_factory.mktemp("unpacked39")
    with tarfile.open(next(dist.glob("*.tar.gz"))) as tar:
        tar.extractall(unpacked, filter="data")
    venv = tmp_path_factory.mktemp("venv39") / "venv"
    made = subprocess.run(
        [str(real_python("3.9")), "-m", "venv", "--without-pip", str(venv)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    home = tmp_path_factory.mktemp("home39")
    yield Archive(
        unpacked / "kubectl-discover", f"{venv / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin", home
    )


def discover39(cluster: Cluster, archive: Archive, *args: str) -> tuple[int, Any, str]:
    result = cluster.exec(
        [str(archive.executable), *args],
        env={"PATH": archive.path, "HOME": str(archive.home), "SHIV_ROOT": str(archive.home)},
        timeout=240,
    )
    out = result.stdout
    return result.returncode, json.loads(out) if out.startswith("{") else out, result.stderr


def test_the_archive_runs_with_the_venvs_python_39(cluster: Cluster, archive: Archive) -> None:
    said = cluster.exec(
        ["python3", "-c", "import sys; print(sys.version_info[:2])"], env={"PATH": archive.path}
    )
    assert said.stdout == "(3, 9)\n", said.stderr
    code, out, err = discover39(cluster, archive, "version")
    assert (code, err) == (0, "") and out.startswith("kubectl-discover ")


def test_lists_and_a_not_found_through_kubernetes_35(
    cluster: Cluster,
    archive: Archive,
    shop: str,  # noqa: F811
) -> None:
    code, doc, err = discover39(
        cluster, archive, "svc", "web", "-n", shop, "--no-probe", "-o", "json"
    )
    assert code == 0, err
    assert doc["verdict"] == "ok"
    assert {e["kind"] for e in doc["endpoints"]} >= {"cluster-ip", "pod"}
    code, out, err = discover39(cluster, archive, "svc", "no-such-svc", "-n", shop, "--no-probe")
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and "no-such-svc" in err and err.count("\n") == 1


def test_a_probe_pod_on_a_real_node_is_created_watched_execd_and_deleted(
    cluster: Cluster,
    archive: Archive,
    shop: str,  # noqa: F811
) -> None:
    code, doc, err = discover39(
        cluster, archive, "svc", "web", "-n", shop, "--node", "kd-real-1", "-o", "json"
    )
    assert code == 0, err
    assert doc["verdict"] == "ok"
    assert (doc["probe"]["node"], doc["probe"]["kept"]) == ("kd-real-1", False)
    assert [e["verdict"] for e in doc["endpoints"]] == ["ok", "ok", "ok"]
    assert probe_pods(cluster) == []
    assert PROBE_LABEL.startswith("app.kubernetes.io/name=kubectl-discover")
