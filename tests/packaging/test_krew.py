"""Install the release with a real krew, offline, from the generated manifest and the archive.

``krew install --manifest=... --archive=...`` installs without the index: the test points
every proxy variable at a closed port on loopback and checks that no index directory was
created, so a network attempt (index clone, upgrade check, download) fails the test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from release_support import Release, Sandbox

pytestmark = pytest.mark.packaging

CLOSED = "http://127.0.0.1:9"
"""Discard port on loopback: nothing listens, so any HTTP(S) request fails at once."""


def _krew_env(krew_root: Path) -> dict[str, str]:
    return {
        "KREW_ROOT": str(krew_root),
        "KREW_NO_UPGRADE_CHECK": "1",
        "HTTP_PROXY": CLOSED,
        "HTTPS_PROXY": CLOSED,
        "http_proxy": CLOSED,
        "https_proxy": CLOSED,
        "NO_PROXY": "",
        "GIT_TERMINAL_PROMPT": "0",
    }


@pytest.fixture
def installed(built: Release, sandbox: Sandbox, krew: Path) -> Path:
    """KREW_ROOT after ``krew install --manifest --archive``."""
    krew_root = sandbox.root / "krew-root"
    done = sandbox.run(
        [
            str(krew),
            "install",
            f"--manifest={built.manifest}",
            f"--archive={built.archive}",
        ],
        extra=_krew_env(krew_root),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Installed plugin: discover" in done.stdout + done.stderr
    return krew_root


def test_install_is_offline_and_touches_no_index(installed: Path) -> None:
    index = installed / "index"
    assert not list(index.rglob(".git")), "krew cloned an index"
    assert not index.exists() or not any(index.rglob("*.yaml")), "krew fetched an index"
    receipt = installed / "receipts" / "discover.yaml"
    assert receipt.is_file()
    assert "name: discover" in receipt.read_text(encoding="utf-8")


def test_krew_links_the_plugin_and_unpacks_the_files(installed: Path, built: Release) -> None:
    link = installed / "bin" / "kubectl-discover"
    assert link.is_symlink()
    store = installed / "store" / "discover" / f"v{built.version}"
    assert Path(os.path.realpath(link)) == (store / "kubectl-discover").resolve()
    assert sorted(p.name for p in store.iterdir()) == [
        "LICENSE",
        "kubectl-discover",
        "kubectl_complete-discover",
    ]


def test_the_installed_plugin_runs_through_kubectl(
    installed: Path, built: Release, sandbox: Sandbox, manifest_file: Path
) -> None:
    bin_dir = installed / "bin"
    version = sandbox.run(["kubectl", "discover", "version"], bin_dir)
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"kubectl-discover {built.version}\n"
    report = sandbox.run(
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
        bin_dir,
    )
    assert report.returncode in (0, 1), report.stderr
    document = json.loads(report.stdout)
    assert document["subject"]["name"] == "web"
    assert {"kind", "verdict", "findings"} <= set(document)


def test_completion_after_the_documented_link(
    installed: Path, built: Release, sandbox: Sandbox
) -> None:
    bin_dir = installed / "bin"
    before = sandbox.run(["kubectl", "__complete", "discover", "sv"], bin_dir)
    assert "svc" not in before.stdout.split()  # krew links only the plugin
    # The step the manifest's caveats tell the user to run once:
    (bin_dir / "kubectl_complete-discover").symlink_to(
        Path("..") / "store" / "discover" / f"v{built.version}" / "kubectl_complete-discover"
    )
    after = sandbox.run(["kubectl", "__complete", "discover", "sv"], bin_dir)
    assert after.returncode == 0, after.stderr
    assert after.stdout.splitlines()[0].split("\t")[0] == "svc"
    assert after.stdout.splitlines()[1] == ":4"
