"""The single-file executable on a clean interpreter, outside the repository; size and start-up.

The measurements are printed (``pytest -m packaging -s`` shows them; they also go to
build/packaging-metrics.json) so docs/install.md can quote them. The bounds asserted are
generous: they catch an archive that balloons or a start-up that loads the world, not noise.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from release_support import ROOT, Release, Sandbox, real_python

pytestmark = pytest.mark.packaging

MAX_ARCHIVE_MB = 40
MAX_WARM_START_S = 2.0


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` (e.g. "3.12") on this machine, or None."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/python3")
    )
    for candidate in candidates:
        if not candidate:
            continue
        done = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def _clean_python(
    executable: Path,
    args: list[str],
    shiv_root: Path,
    *,
    python: str = sys.executable,
    flags: tuple[str, ...] = ("-I",),
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """``python3 -I <executable> ARGS`` from /tmp with no PYTHON* variables.

    With ``flags=("-I", "-S")`` the interpreter's own site-packages are not on sys.path
    either, so every third-party import must come from the archive.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "SHIV_", "VIRTUAL_ENV"))
    }
    env.update(SHIV_ROOT=str(shiv_root), **extra)
    return subprocess.run(
        [python, *flags, str(executable), *args],
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


def test_executable_is_a_zipapp_with_a_python3_shebang(built: Release, release: ModuleType) -> None:
    executable = built.unpacked / "kubectl-discover"
    assert executable.read_bytes()[:64].startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(executable) as archive:
        names = set(archive.namelist())
    assert "site-packages/kubectl_discover/cli/__init__.py" in names
    assert "site-packages/kubectl_discover_launcher.py" in names
    assert not any("__pycache__" in n or "/.mypy_cache/" in n for n in names)
    assert release.PYTHON_VERSIONS == ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
    for python in release.PYTHON_VERSIONS:
        tag = python.replace(".", "")
        assert any(f"_cffi_backend.cpython-{tag}" in n for n in names), python
    assert not any(n.startswith("site-packages/kubernetes/aio/") for n in names)


def test_runs_on_a_clean_interpreter_outside_the_repo(
    built: Release, tmp_path: Path, manifest_file: Path
) -> None:
    executable = built.unpacked / "kubectl-discover"
    done = _clean_python(executable, ["version"], tmp_path / "shiv")
    assert done.returncode == 0, done.stderr
    isolated = _clean_python(executable, ["version"], tmp_path / "shiv", flags=("-I", "-S"))
    assert isolated.stdout == done.stdout, isolated.stderr
    assert done.stdout == f"kubectl-discover {built.version}\n"
    report = _clean_python(
        executable,
        ["svc", "web", "-n", "shop", "-f", str(manifest_file), "--no-probe", "-o", "json"],
        tmp_path / "shiv",
    )
    assert report.returncode in (0, 1), report.stderr
    assert json.loads(report.stdout)["subject"]["name"] == "web"


PROBE = """\
import json, sys, sysconfig
from cryptography.hazmat.primitives.asymmetric import ec
import _cffi_backend, yaml
from kubectl_discover.cli import run
ec.generate_private_key(ec.SECP256R1())
code = run(["svc", "web", "-n", "shop", "-f", sys.argv[1], "--no-probe", "-o", "json"])
stdlib = (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"))
outside = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not module.__file__.startswith((sys.argv[2], sys.argv[3]))  # extracted, or shiv's own
    and not module.__file__.startswith(stdlib)
    and name != "__main__"
)
sys.stderr.write(json.dumps({"code": code, "outside": outside, "cffi": _cffi_backend.__file__,
                             "libyaml": yaml.__with_libyaml__}) + "\\n")
"""


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"])
def test_everything_imported_comes_from_the_archive(
    built: Release, tmp_path: Path, manifest_file: Path, version: str
) -> None:
    python = real_python(version) if version in ("3.9", "3.10") else find_python(version)
    if python is None:  # the supported floor is never skipped: tools/interpreters.py gets it
        pytest.skip(f"no Python {version} interpreter on this machine")
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    shiv_root = tmp_path / "shiv"
    done = _clean_python(
        built.unpacked / "kubectl-discover",
        [str(probe), str(manifest_file), str(shiv_root), str(built.unpacked / "kubectl-discover")],
        shiv_root,
        python=python,
        flags=("-I", "-S"),
        SHIV_INTERPRETER="1",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result["code"] in (0, 1)
    assert json.loads(done.stdout)["subject"]["name"] == "web"
    assert result["outside"] == [], "imported from outside the archive"
    assert f"cpython-{version.replace('.', '')}" in result["cffi"]
    assert result["libyaml"] is True


def test_an_old_python_gets_one_clear_line(built: Release, tmp_path: Path) -> None:
    python = find_python("3.8")
    if python is None:
        pytest.skip("no Python 3.8 interpreter on this machine to show the version check")
    done = _clean_python(
        built.unpacked / "kubectl-discover", ["version"], tmp_path / "shiv", python=python
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: kubectl-discover needs Python 3.9 or newer")
    assert done.stderr.count("\n") == 1


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


def test_size_and_start_time_are_recorded(
    built: Release, tmp_path: Path, manifest_file: Path
) -> None:
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
    svc_runs: list[float] = []
    svc_args = ["svc", "web", "-n", "shop", "-f", str(manifest_file), "--no-probe"]
    for _ in range(3):
        started = time.perf_counter()
        report = _clean_python(executable, svc_args, shiv_root)
        svc_runs.append(time.perf_counter() - started)
        assert report.returncode in (0, 1), report.stderr
    archive_mb = round(built.archive.stat().st_size / 1e6, 1)
    version_warm = round(statistics.median(warm_runs), 3)
    metrics: dict[str, object] = {
        "archive": built.archive.name,
        "archive_mb": archive_mb,
        "executable_mb": round(executable.stat().st_size / 1e6, 1),
        "first_run_s": round(cold, 2),
        "version_warm_median_s": version_warm,
        "help_warm_median_s": round(statistics.median(help_runs), 3),
        "svc_file_warm_median_s": round(statistics.median(svc_runs), 3),
        "python": sys.version.split()[0],
    }
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "packaging-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    sys.stdout.write(f"\npackaging metrics: {json.dumps(metrics)}\n")
    assert archive_mb < MAX_ARCHIVE_MB
    assert version_warm < MAX_WARM_START_S
