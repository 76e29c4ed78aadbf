"""Start-up stays light: ``version`` and ``--help`` never import the Kubernetes client.

A behaviour test, not a timing test: it reads the interpreter's own import log
(``python -X importtime``) and asserts which modules were loaded at all. How long start-up
takes is measured by the benchmark (``python -m bench``), never asserted here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("kubernetes", "urllib3", "yaml", "cryptography", "dns", "tabulate")
"""Modules only a command that talks to a cluster (or reads files, or renders) needs."""


def imported_modules(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run ``python -X importtime -m kubectl_discover ARGS``; the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kubectl_discover", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules: set[str] = set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or line.rstrip().endswith("imported package"):
            continue
        name = line.rsplit("|", 1)[-1].strip()
        if name and not name.startswith("self [us]"):
            modules.add(name)
    return modules, done


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".", 1)[0] for name in modules}


@pytest.mark.parametrize(
    "args", [("version",), ("version", "-o", "json"), ("--help",), ("svc", "--help")]
)
def test_light_commands_do_not_import_the_kubernetes_client(args: tuple[str, ...]) -> None:
    modules, done = imported_modules(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kubectl_discover.cli" in modules, "the import log was not read"
    loaded = _top_level(modules)
    assert "kubernetes" not in loaded, f"{' '.join(args)} imported the kubernetes client"
    heavy = sorted(loaded & set(HEAVY))
    assert not heavy, f"{' '.join(args)} imported {', '.join(heavy)}"


PROBE_AND_DATA = ("kubectl_discover.snapshot", "kubectl_discover.probe", "kubectl_discover.analyze")
"""The plugin's own heavier packages: the objects, the probe and the analysis belong to
commands that load something, not to ``version`` or ``--help``."""


@pytest.mark.parametrize("args", [("version",), ("--help",)])
def test_light_commands_do_not_import_the_analysis_or_the_probe(args: tuple[str, ...]) -> None:
    modules, done = imported_modules(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kubectl_discover.cli" in modules, "the import log was not read"
    loaded = sorted(m for m in modules if m.startswith(PROBE_AND_DATA))
    assert not loaded, f"{' '.join(args)} imported {', '.join(loaded)}"


def test_version_prints_the_version() -> None:
    from kubectl_discover import __version__

    _, done = imported_modules("version")
    assert done.stdout == f"kubectl-discover {__version__}\n"


def test_the_import_log_does_show_the_client_when_it_is_loaded() -> None:
    """The probe above can see the client: importing the api session's client does show it."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import kubernetes.client"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("kubernetes client not installed")
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "kubernetes" in names
