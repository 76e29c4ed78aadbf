"""The single-file executable on a clean interpreter, outside the repository; size and start-up.

The measurements are printed (``pytest -m packaging -s`` shows them; they also go to
build/packaging-metrics.json) so docs/install.md can quote them. The bounds asserted are
generous: they catch an archive that balloons or a start-up that loads the world, not noise.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from release_support import ROOT, Release, Sandbox

pytestmark = pytest.mark.packaging

MAX_ARCHIVE_MB = 40
MAX_WARM_START_S = 2.0


def _clean_python(
    executable: Path, args: list[str], shiv_root: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``python3 -I <executable> ARGS`` from /tmp with no PYTHON* variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "SHIV_", "VIRTUAL_ENV"))
    }
    env.update(SHIV_ROOT=str(shiv_root), **extra)
    return subprocess.run(
        [sys.executable, "-I", str(executable), *args],
        capture_output=True,
        text=True,
        cwd="/tmp",
        env=env,
        timeout=120,
        check=False,
    )


def test_archive_holds_exactly_the_executables_and_license(built: Release) -> None:
    with tarfile.open(built.archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == ["LICENSE", "kubectl-discover", "kubectl_complete-discover"]
    assert members["kubectl-discover"].mode == 0o755
    assert members["kubectl_complete-discover"].mode == 0o755
    assert members["LICENSE"].mode == 0o644
    assert all(m.isfile() for m in members.values())
    license_text = (built.unpacked / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0" in license_text


def test_executable_is_a_zipapp_with_a_python3_shebang(built: Release) -> None:
    executable = built.unpacked / "kubectl-discover"
    assert executable.read_bytes()[:64].startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(executable) as archive:
        names = set(archive.namelist())
    assert "site-packages/kubectl_discover/cli.py" in names
    assert "site-packages/kubectl_discover_launcher.py" in names
    assert not any("__pycache__" in n or "/.mypy_cache/" in n for n in names)
    for python in ("311", "312", "313", "314"):
        assert any(f"_cffi_backend.cpython-{python}" in n for n in names), python
    assert not any(n.startswith("site-packages/kubernetes/aio/") for n in names)


def test_runs_on_a_clean_interpreter_outside_the_repo(
    built: Release, tmp_path: Path, manifest_file: Path
) -> None:
    executable = built.unpacked / "kubectl-discover"
    done = _clean_python(executable, ["version"], tmp_path / "shiv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"kubectl-discover {built.version}\n"
    report = _clean_python(
        executable,
        ["svc", "web", "-n", "shop", "-f", str(manifest_file), "--no-probe", "-o", "json"],
        tmp_path / "shiv",
    )
    assert report.returncode in (0, 1), report.stderr
    assert json.loads(report.stdout)["subject"]["name"] == "web"


def test_imports_come_from_the_archive_and_compiled_modules_load(
    built: Release, tmp_path: Path
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, _cffi_backend, yaml, kubectl_discover\n"
        "from cryptography import x509\n"
        "from cryptography.hazmat.primitives.asymmetric import ec\n"
        "ec.generate_private_key(ec.SECP256R1())\n"
        "import kubernetes.client, kubernetes.config, kubernetes.stream\n"
        "print(json.dumps({'plugin': kubectl_discover.__file__, 'cffi': _cffi_backend.__file__,"
        " 'libyaml': yaml.__with_libyaml__}))\n",
        encoding="utf-8",
    )
    shiv_root = tmp_path / "shiv"
    done = _clean_python(
        built.unpacked / "kubectl-discover", [str(probe)], shiv_root, SHIV_INTERPRETER="1"
    )
    assert done.returncode == 0, done.stderr
    paths = json.loads(done.stdout.strip().splitlines()[-1])
    assert paths["plugin"].startswith(str(shiv_root)), paths
    assert not paths["plugin"].startswith(str(ROOT))
    assert f"cpython-{sys.version_info.major}{sys.version_info.minor}" in paths["cffi"]
    assert paths["libyaml"] is True


def test_completion_executable_runs_the_archive_beside_it(
    built: Release, sandbox: Sandbox, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "kubectl_complete-discover"
    link.symlink_to(built.unpacked / "kubectl_complete-discover")
    done = sandbox.run([str(link), "svc", "--no-c"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == "--no-color\tNever colour the output\n:4\n"
    assert done.stderr == ""


def test_size_and_start_time_are_recorded(built: Release, tmp_path: Path) -> None:
    executable = built.unpacked / "kubectl-discover"
    shiv_root = tmp_path / "shiv"
    started = time.perf_counter()
    first = _clean_python(executable, ["version"], shiv_root)
    cold = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    warm_runs: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        again = _clean_python(executable, ["version"], shiv_root)
        warm_runs.append(time.perf_counter() - started)
        assert again.returncode == 0
    help_runs: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        _clean_python(executable, ["svc", "--help"], shiv_root)
        help_runs.append(time.perf_counter() - started)
    metrics = {
        "archive": built.archive.name,
        "archive_mb": round(built.archive.stat().st_size / 1e6, 1),
        "executable_mb": round(executable.stat().st_size / 1e6, 1),
        "first_run_s": round(cold, 2),
        "version_warm_median_s": round(statistics.median(warm_runs), 3),
        "help_warm_median_s": round(statistics.median(help_runs), 3),
        "python": sys.version.split()[0],
    }
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "packaging-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    sys.stdout.write(f"\npackaging metrics: {json.dumps(metrics)}\n")
    assert metrics["archive_mb"] < MAX_ARCHIVE_MB
    assert metrics["version_warm_median_s"] < MAX_WARM_START_S
