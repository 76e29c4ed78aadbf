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

from . import images
from .config import (
    CNI_PLUGINS_VERSION,
    CONTAINERD_VERSION,
    K8S_VERSION,
    KWOK_VERSION,
    PACKAGE_DIR,
    RUNC_VERSION,
    Layout,
)

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
    """Paths of the executables the cluster runs.

    ``containerd`` and ``cni`` are directories: containerd with its runc shim
    (the shim is found next to it, on ``PATH``), and the CNI plugins.
    """

    k8s: Path
    coredns: Path
    kwok: Path
    containerd: Path
    runc: Path
    cni: Path
    registry: Path
    pause: Path

    def all(self) -> tuple[Path, ...]:
        return (self.k8s, self.coredns, self.kwok, self.containerd, self.runc, self.cni)


CONTAINERD_PROGRAMS = ("containerd", "containerd-shim-runc-v2")
CNI_PLUGINS = {
    "bridge": "plugins/main/bridge",
    "host-local": "plugins/ipam/host-local",
    "loopback": "plugins/main/loopback",
    "portmap": "plugins/meta/portmap",
}


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
        containerd=layout.bin_dir / f"containerd-{CONTAINERD_VERSION}",
        runc=layout.bin_dir / f"runc-{RUNC_VERSION}",
        cni=layout.bin_dir / f"cni-{CNI_PLUGINS_VERSION}",
        registry=layout.bin_dir / f"registry-{module_key(PACKAGE_DIR / 'nodeimg', PLAIN_LDFLAGS)}",
        pause=layout.bin_dir / f"pause-{module_key(PACKAGE_DIR / 'nodeimg', PLAIN_LDFLAGS)}",
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


def _go_install(
    packages: list[str],
    target: Path,
    layout: Layout,
    *,
    tags: str = "",
    cgo: bool = False,
    single: bool = True,
) -> None:
    """``go install PKG@VERSION...`` into a temporary GOBIN, then move the result
    to ``target``: the one binary (``single``) or the whole directory."""
    with tempfile.TemporaryDirectory(dir=layout.bin_dir) as gobin:
        env = _go_env() | {"GOBIN": gobin, "CGO_ENABLED": "1" if cgo else "0"}
        argv = ["go", "install", "-trimpath", f"-ldflags={PLAIN_LDFLAGS}"]
        argv += [f"-tags={tags}"] if tags else []
        log = layout.logs / f"build-{target.name.rsplit('-', 1)[0]}.log"
        _run_logged([*argv, *packages], layout.bin_dir, log, env)
        built = sorted(Path(gobin).iterdir())
        if single:
            shutil.move(str(built[0]), target)
        else:
            tmp = target.with_name(target.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.move(gobin, tmp)
            Path(gobin).mkdir()  # TemporaryDirectory removes it again
            tmp.chmod(0o755)
            tmp.rename(target)


def _build_kwok(target: Path, layout: Layout) -> None:
    _go_install([f"sigs.k8s.io/kwok/cmd/kwok@{KWOK_VERSION}"], target, layout)


def _build_containerd(target: Path, layout: Layout) -> None:
    """containerd and its runc shim (``no_btrfs``: no btrfs headers needed)."""
    module = f"github.com/containerd/containerd/v2/cmd/{{}}@{CONTAINERD_VERSION}"
    packages = [module.format(p) for p in CONTAINERD_PROGRAMS]
    _go_install(packages, target, layout, tags="no_btrfs", single=False)


def _build_runc(target: Path, layout: Layout) -> None:
    """runc with seccomp (cgo, links libseccomp: ``libseccomp-dev`` at build time)."""
    package = f"github.com/opencontainers/runc@{RUNC_VERSION}"
    _go_install([package], target, layout, tags="seccomp", cgo=True)


def _build_cni(target: Path, layout: Layout) -> None:
    module = "github.com/containernetworking/plugins"
    packages = [f"{module}/{path}@{CNI_PLUGINS_VERSION}" for path in CNI_PLUGINS.values()]
    _go_install(packages, target, layout, single=False)


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


#: Host tools kube-proxy and the CNI plugins execute (by name, on PATH), by the Debian
#: package providing them. ``conntrack`` is not run by kube-proxy (it uses netlink); it is
#: there to debug. ``gcc`` and ``pkg-config`` build runc (cgo); ``nsenter`` and ``unshare``
#: start the real nodes; kube-router (netpol.py) runs ``ipset``.
HOST_TOOLS = {
    "iptables": ("iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save"),
    "conntrack": ("conntrack",),
    "gcc": ("gcc",),
    "pkg-config": ("pkg-config",),
    "util-linux": ("nsenter", "unshare"),
    "ipset": ("ipset",),
}
#: Debian packages found by a file they install rather than a command: runc's seccomp
#: support links libseccomp (headers and pkg-config file from ``libseccomp-dev``).
HOST_FILES = {
    "libseccomp-dev": (
        "/usr/include/seccomp.h",
        "/usr/lib/x86_64-linux-gnu/pkgconfig/libseccomp.pc",
    ),
}
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def missing_packages() -> list[str]:
    """Debian packages to install for the host tools and files that are not found."""
    missing = [
        package
        for package, tools in HOST_TOOLS.items()
        if any(shutil.which(tool, path=_SBIN_PATH) is None for tool in tools)
    ]
    missing += [
        package for package, files in HOST_FILES.items() if not any(Path(f).exists() for f in files)
    ]
    return missing


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
        for target, builder in (
            (bins.containerd, _build_containerd),
            (bins.runc, _build_runc),
            (bins.cni, _build_cni),
        ):
            if not target.exists():
                builder(target, layout)
        if not (bins.registry.exists() and bins.pause.exists()):
            nodeimg = PACKAGE_DIR / "nodeimg"
            _build_module(nodeimg, "./cmd/registry", bins.registry, PLAIN_LDFLAGS, layout)
            _build_module(nodeimg, "./cmd/pause", bins.pause, PLAIN_LDFLAGS, layout)
            _remove_stale(bins.registry)
            _remove_stale(bins.pause)
        images.ensure_images(layout, bins.pause)
        from . import netpol  # imports components, which imports this module

        netpol.build(layout)
    return bins
