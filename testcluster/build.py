"""Build the cluster binaries from Go modules, once per source change.

Each binary's file name carries a hash of its module's ``go.sum``, ``go.mod``
and Go sources, so a rebuild happens only when one of those changes (KWOK is
keyed on its pinned version). The default GOCACHE/GOMODCACHE are used, which
makes rebuilds after a change incremental.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import K8S_VERSION, KWOK_VERSION, PACKAGE_DIR, Layout

_VERSION_PKG = "k8s.io/component-base/version"


def _k8s_ldflags() -> str:
    """Strip symbols and stamp the real Kubernetes version (else v0.0.0)."""
    major, minor = K8S_VERSION.lstrip("v").split(".")[:2]
    stamps = {
        "gitVersion": K8S_VERSION,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
    }
    return " ".join(["-s -w", *(f"-X {_VERSION_PKG}.{k}={v}" for k, v in stamps.items())])


PLAIN_LDFLAGS = "-s -w"


@dataclass(frozen=True)
class Binaries:
    """Paths of the three executables the cluster runs."""

    k8s: Path
    coredns: Path
    kwok: Path

    def all(self) -> tuple[Path, ...]:
        return (self.k8s, self.coredns, self.kwok)


def module_key(module_dir: Path, ldflags: str) -> str:
    """Hash of everything that determines a module's build output."""
    digest = hashlib.sha256(ldflags.encode() + b"\0")
    files = [module_dir / "go.mod", module_dir / "go.sum"]
    files += sorted(
        p for p in module_dir.rglob("*.go") if "bin" not in p.relative_to(module_dir).parts
    )
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(module_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def expected_binaries(layout: Layout) -> Binaries:
    """Where the binaries for the current sources are (or will be) stored."""
    return Binaries(
        k8s=layout.bin_dir / f"k8s-{module_key(PACKAGE_DIR / 'go', _k8s_ldflags())}",
        coredns=layout.bin_dir / f"coredns-{module_key(PACKAGE_DIR / 'coredns', PLAIN_LDFLAGS)}",
        kwok=layout.bin_dir / f"kwok-{KWOK_VERSION}",
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GOTOOLCHAIN", "local")
    env.setdefault("CGO_ENABLED", "0")
    return env


def _run_logged(argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
    started = time.monotonic()
    print(f"testcluster: building: {' '.join(argv)} (log: {log})", file=sys.stderr, flush=True)
    with log.open("w") as out:
        result = subprocess.run(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"build failed ({' '.join(argv)}), see {log}:\n{tail}")
    print(f"testcluster: built in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)


def _build_module(
    module_dir: Path, package: str, target: Path, ldflags: str, layout: Layout
) -> None:
    tmp = target.with_name(target.name + ".tmp")
    argv = ["go", "build", "-trimpath", f"-ldflags={ldflags}", "-o", str(tmp), package]
    _run_logged(argv, module_dir, layout.logs / f"build-{target.name.split('-')[0]}.log", _go_env())
    tmp.rename(target)


def _build_kwok(target: Path, layout: Layout) -> None:
    with tempfile.TemporaryDirectory(dir=layout.bin_dir) as gobin:
        env = _go_env() | {"GOBIN": gobin}
        argv = [
            "go",
            "install",
            "-trimpath",
            f"-ldflags={PLAIN_LDFLAGS}",
            f"sigs.k8s.io/kwok/cmd/kwok@{KWOK_VERSION}",
        ]
        _run_logged(argv, layout.bin_dir, layout.logs / "build-kwok.log", env)
        shutil.move(str(Path(gobin) / "kwok"), target)


def _remove_stale(target: Path, keep: int = 2) -> None:
    """Delete older builds of the same binary, keeping the newest ``keep``
    (a running cluster may still use the previous one)."""
    prefix = target.name.split("-")[0] + "-"
    builds = sorted(
        (
            p
            for p in target.parent.glob(prefix + "*")
            if p.is_file() and not p.name.endswith(".tmp")
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[keep:]:
        if old != target:
            old.unlink()


#: Host tools kube-proxy executes (by name, on PATH), by the Debian package providing them.
#: ``conntrack`` is not run by kube-proxy (it uses netlink); it is there to debug.
HOST_TOOLS = {
    "iptables": ("iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save"),
    "conntrack": ("conntrack",),
}
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def missing_packages() -> list[str]:
    """Debian packages to install for the host tools that are not found."""
    return [
        package
        for package, tools in HOST_TOOLS.items()
        if any(shutil.which(tool, path=_SBIN_PATH) is None for tool in tools)
    ]


def ensure_host_tools() -> None:
    """Install iptables (and conntrack) from Debian's packages when missing.

    Needs root (as the whole harness does). Tries without ``apt-get update``
    first, then once more after it.
    """
    packages = missing_packages()
    if not packages:
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"missing host packages {packages} and no apt-get to install them")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    print(f"testcluster: installing {' '.join(packages)}", file=sys.stderr, flush=True)
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    still = missing_packages()
    if still:
        raise RuntimeError(f"apt-get installed {packages} but tools of {still} are still missing")


def ensure_binaries(layout: Layout) -> Binaries:
    """Build whatever binary is missing for the current sources (and install
    the host tools kube-proxy needs)."""
    ensure_host_tools()
    layout.bin_dir.mkdir(parents=True, exist_ok=True)
    layout.logs.mkdir(parents=True, exist_ok=True)
    bins = expected_binaries(layout)
    with _locked(layout.bin_dir / ".build.lock"):
        if not bins.k8s.exists():
            _build_module(PACKAGE_DIR / "go", "./cmd/k8s", bins.k8s, _k8s_ldflags(), layout)
            _remove_stale(bins.k8s)
        if not bins.coredns.exists():
            _build_module(PACKAGE_DIR / "coredns", ".", bins.coredns, PLAIN_LDFLAGS, layout)
            _remove_stale(bins.coredns)
        if not bins.kwok.exists():
            _build_kwok(bins.kwok, layout)
            _remove_stale(bins.kwok)
    return bins
