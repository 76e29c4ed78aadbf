"""The unpacked release, found by the real kubectl on PATH, as a user would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from release_support import Release, Sandbox

pytestmark = pytest.mark.packaging


def test_kubectl_plugin_list_finds_it(built: Release, sandbox: Sandbox) -> None:
    done = sandbox.run(["kubectl", "plugin", "list"], built.unpacked)
    listed = [line.strip() for line in done.stdout.splitlines()]
    assert str(built.unpacked / "kubectl-discover") in listed, done.stdout + done.stderr
    assert not any(line.endswith("kubectl_complete-discover") for line in listed)
    assert "warning" not in done.stderr.lower(), done.stderr


@pytest.mark.parametrize("args", [["discover", "--help"], ["discover"], ["discover", "-h"]])
def test_help_through_kubectl(built: Release, sandbox: Sandbox, args: list[str]) -> None:
    done = sandbox.run(["kubectl", *args], built.unpacked)
    assert done.returncode == 0, done.stderr
    assert "Usage: kubectl discover" in done.stdout
    for command in ("svc", "ingress", "route", "scan", "version"):
        assert command in done.stdout


def test_version_through_kubectl(built: Release, sandbox: Sandbox) -> None:
    done = sandbox.run(["kubectl", "discover", "version", "-o", "json"], built.unpacked)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"version": built.version}


def test_svc_from_a_manifest_returns_the_json_contract(
    built: Release, sandbox: Sandbox, manifest_file: Path
) -> None:
    done = sandbox.run(
        [
            "kubectl",
            "discover",
            "svc",
            "web",
            "-n",
            "shop",
            "-f",
            str(manifest_file),
            "--no-probe",
            "-o",
            "json",
        ],
        built.unpacked,
    )
    assert done.returncode in (0, 1), done.stderr  # 1 = a fail finding, still a report
    report = json.loads(done.stdout)
    assert report["kind"] == "ClusterIP"
    assert report["verdict"] in ("ok", "warn", "fail")
    assert report["subject"] == {"kind": "Service", "namespace": "shop", "name": "web"}
    assert isinstance(report["findings"], list)
    for finding in report["findings"]:
        assert {"id", "severity", "message", "hint"} <= set(finding), finding
        assert finding["severity"] in ("ok", "info", "warn", "fail")
    assert (done.returncode == 1) == (report["verdict"] == "fail")


def test_a_missing_service_is_a_usage_error_in_one_line(
    built: Release, sandbox: Sandbox, manifest_file: Path
) -> None:
    done = sandbox.run(
        ["kubectl", "discover", "svc", "nope", "-n", "shop", "-f", str(manifest_file)],
        built.unpacked,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def _completions(output: str) -> tuple[list[str], str]:
    lines = [line for line in output.splitlines() if line]
    return [line.split("\t", 1)[0] for line in lines[:-1]], lines[-1]


def test_kubectl_completes_the_subcommand_through_our_executable(
    built: Release, sandbox: Sandbox
) -> None:
    done = sandbox.run(["kubectl", "__complete", "discover", "sv"], built.unpacked)
    assert done.returncode == 0, done.stderr
    candidates, directive = _completions(done.stdout)
    assert candidates == ["svc"]
    assert directive == ":4"


def test_kubectl_completes_flags_and_output_values(built: Release, sandbox: Sandbox) -> None:
    flags, _ = _completions(
        sandbox.run(["kubectl", "__complete", "discover", "svc", "--no-p"], built.unpacked).stdout
    )
    assert flags == ["--no-probe"]
    outputs, _ = _completions(
        sandbox.run(
            ["kubectl", "__complete", "discover", "svc", "web", "-o", ""], built.unpacked
        ).stdout
    )
    assert outputs == ["table", "wide", "json", "yaml", "tree"]


def test_without_the_completion_executable_kubectl_offers_nothing_of_ours(
    built: Release, sandbox: Sandbox, tmp_path: Path
) -> None:
    # Control for the tests above: the candidates really come from kubectl_complete-discover.
    only_plugin = tmp_path / "only-plugin"
    only_plugin.mkdir()
    (only_plugin / "kubectl-discover").symlink_to(built.unpacked / "kubectl-discover")
    done = sandbox.run(["kubectl", "__complete", "discover", "sv"], only_plugin)
    candidates, _ = _completions(done.stdout)
    assert "svc" not in candidates


def test_names_fail_silently_without_a_cluster(built: Release, sandbox: Sandbox) -> None:
    done = sandbox.run(["kubectl", "__complete", "discover", "svc", ""], built.unpacked)
    assert done.returncode == 0
    assert _completions(done.stdout) == ([], ":4")
