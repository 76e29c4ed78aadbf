"""Build the release: one single-file executable per platform, its krew archive and manifest.

Usage (from the repository root)::

    python3 tools/release.py                      # all four platforms -> dist/
    python3 tools/release.py --platform linux/amd64
    python3 tools/release.py --release-url URL --homepage URL

What it makes, per platform ``<os>/<arch>`` (linux/amd64, linux/arm64, darwin/amd64,
darwin/arm64):

- ``kubectl-discover``: a shiv zipapp (``#!/usr/bin/env python3``) holding the plugin and
  every dependency, so the user needs only a Python 3.9+ interpreter. shiv is used rather
  than a plain :mod:`zipapp` because the dependencies include compiled extension modules
  (cryptography's Rust core, cffi, pydantic-core, PyYAML's libyaml binding, ...), which
  Python cannot import from inside a zip file: shiv extracts the archive's site-packages once
  into ``~/.shiv`` (or ``$SHIV_ROOT``), keyed by a hash of the build, and imports from there.
- Compiled dependencies are fetched as wheels for the target platform with
  ``pip install --only-binary=:all: --platform ... --python-version 3.9``: the oldest
  interpreter supported picks the versions, so every dependency is one that runs on all of
  them (kubernetes 35, typer 0.23, dnspython 2.7 ...; their newer releases need 3.10 or
  3.11). cryptography's core is abi3 (any CPython >= 3.7), but cffi, PyYAML and others are
  built per Python version, so the extension modules for 3.10 to 3.14 of exactly the same
  distributions are added beside the 3.9 ones (their file names carry the version tag, so
  each interpreter picks its own). The pure-Python files of those distributions are checked
  to be identical across versions; the build stops if they are not.
- ``kubectl_complete-discover``: kubectl's plugin-completion executable; it runs the
  archive next to it with the completion entry point.
- ``kubectl-discover_<version>_<os>_<arch>.tar.gz`` with both executables and LICENSE,
  deterministic (fixed mtimes, owners and order), and its SHA-256.

Then ``krew/discover.yaml.in`` becomes ``dist/discover.yaml`` (and ``krew/discover.yaml``),
checked against krew's manifest rules by :func:`check_manifest`.

Not shipped: ``kubernetes.aio`` and the asyncio HTTP stack only it uses (aiohttp and its
helpers): the plugin uses the synchronous client, and they are most of the archive's size.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
PACKAGE = "kubectl_discover"
LAUNCHER_MODULE = "kubectl_discover_launcher"
SHIV_VERSION = "1.0.8"
DEFAULT_HOMEPAGE = "https://github.com/kubectl-discover/kubectl-discover"
DEFAULT_RELEASE_URL = DEFAULT_HOMEPAGE + "/releases/download"

PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
"""Interpreters the archive's compiled modules are included for; the first, the oldest, is
the base whose dependency resolution is shipped (tools/launcher.py refuses anything older)."""

EXTENSION_SUFFIXES = (".so", ".pyd", ".dylib")

PRUNE_DIRS = (
    "kubernetes/aio",
    "aiohttp",
    "aiohttp_retry",
    "aiosignal",
    "aiohappyeyeballs",
    "frozenlist",
    "multidict",
    "yarl",
    "propcache",
    "bin",
)
"""Top-level paths (and their ``*.dist-info``) left out of the archive; see the module doc."""

PRUNE_DISTRIBUTIONS = (
    "aiohttp",
    "aiohttp_retry",
    "aiosignal",
    "aiohappyeyeballs",
    "frozenlist",
    "multidict",
    "yarl",
    "propcache",
)

SOURCE_DATE_EPOCH = 315532800
"""1980-01-01, the earliest time a zip entry can hold: archives are byte-for-byte repeatable."""


@dataclass(frozen=True)
class Platform:
    os: str
    arch: str
    pip_platforms: tuple[str, ...]
    elf_machine: int | None = None
    """ELF e_machine the Linux extension modules must have (62 x86-64, 183 AArch64)."""
    macho_cpu: int | None = None
    """Mach-O cputype the macOS modules must contain (0x01000007 x86-64, 0x0100000C arm64)."""

    @property
    def key(self) -> str:
        return f"{self.os}/{self.arch}"

    @property
    def tag(self) -> str:
        return f"{self.os}_{self.arch}"


def _manylinux(arch: str) -> tuple[str, ...]:
    # glibc 2.28 or newer (Debian 10, Ubuntu 18.10, RHEL 8); pip takes the best match.
    return (
        f"manylinux_2_28_{arch}",
        f"manylinux_2_17_{arch}",
        f"manylinux2014_{arch}",
        f"manylinux_2_5_{arch}",
        f"manylinux1_{arch}",
    )


PLATFORMS: tuple[Platform, ...] = (
    Platform("linux", "amd64", _manylinux("x86_64"), elf_machine=62),
    Platform("linux", "arm64", _manylinux("aarch64"), elf_machine=183),
    # pip expands a macOS tag to every older macOS version and to universal2: macOS 11+.
    Platform("darwin", "amd64", ("macosx_11_0_x86_64",), macho_cpu=0x01000007),
    Platform("darwin", "arm64", ("macosx_11_0_arm64",), macho_cpu=0x0100000C),
)


class BuildError(Exception):
    """A release step failed; the message says which and why."""


# --- inputs --------------------------------------------------------------------------------


def project_version(root: Path = ROOT) -> str:
    text = (root / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise BuildError(f"no __version__ in {PACKAGE}/__init__.py")
    return match.group(1)


def project_dependencies(root: Path = ROOT) -> list[str]:
    with open(root / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    return [str(dep) for dep in project.get("dependencies", [])]


def _uncommitted(path: str) -> str:
    """``git status --short`` of ``path`` in one line ("" when clean or not a git checkout)."""
    try:
        done = subprocess.run(
            ["git", "status", "--short", "--", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return ""
    return (
        " ".join(line.strip() for line in done.stdout.splitlines()) if done.returncode == 0 else ""
    )


def archive_name(version: str, platform: Platform) -> str:
    return f"kubectl-discover_{version}_{platform.tag}.tar.gz"


# --- site-packages per platform ------------------------------------------------------------


def _run(command: Sequence[str], *, env: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(
        list(command), capture_output=True, text=True, env=dict(env) if env else None
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise BuildError(f"command failed ({result.returncode}): {' '.join(command)}\n{tail}")


def pip_install(
    target: Path, requirements: Sequence[str], platform: Platform, python: str, *, deps: bool
) -> None:
    """Install wheels for another platform/interpreter into ``target`` (never builds)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python,
    ]
    for tag in platform.pip_platforms:
        command += ["--platform", tag]
    if not deps:
        command.append("--no-deps")
    _run([*command, *requirements])


def installed_distributions(site: Path) -> dict[str, Path]:
    """Normalised distribution name -> its ``*.dist-info`` directory."""
    found: dict[str, Path] = {}
    for info in site.glob("*.dist-info"):
        name = info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        found[_normalise(name)] = info
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _dist_version(info: Path) -> str:
    return info.name[: -len(".dist-info")].rsplit("-", 1)[1]


def version_specific(info: Path) -> bool:
    """True when the wheel's tags name one CPython version (``cp311-cp311-...``).

    Such a distribution holds extension modules built for that interpreter only; abi3
    (``cp37-abi3``) and pure (``py3-none-any``) wheels serve every version.
    """
    wheel = (info / "WHEEL").read_text(encoding="utf-8")
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    return any(re.match(r"^cp3\d+-cp3\d+t?-", tag) for tag in tags)


def _files(root: Path) -> dict[str, Path]:
    return {
        str(path.relative_to(root)): path
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def add_other_pythons(site: Path, platform: Platform, scratch: Path) -> list[str]:
    """Add 3.12+ extension modules of the version-specific distributions in ``site``.

    Returns the files added. Pure files must match byte for byte: same version, same source.
    """
    specific = {
        name: info for name, info in installed_distributions(site).items() if version_specific(info)
    }
    if not specific:
        return []
    pins = [f"{name}=={_dist_version(info)}" for name, info in sorted(specific.items())]
    base_files = _files(site)
    added: list[str] = []
    for python in PYTHON_VERSIONS[1:]:
        extra = scratch / f"py{python}"
        pip_install(extra, pins, platform, python, deps=False)
        for relative, path in sorted(_files(extra).items()):
            if ".dist-info" in relative or relative.startswith("bin/"):
                continue  # metadata and console scripts (with this machine's shebang)
            if relative.endswith(EXTENSION_SUFFIXES):
                if relative not in base_files:
                    destination = site / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)
                    added.append(relative)
                continue
            base = base_files.get(relative)
            if base is None or base.read_bytes() != path.read_bytes():
                raise BuildError(
                    f"{platform.key}: {relative} differs between Python {PYTHON_VERSIONS[0]} and "
                    f"{python} wheels of the same version ({', '.join(pins)}); cannot merge"
                )
    return added


def prune(site: Path) -> None:
    for relative in PRUNE_DIRS:
        shutil.rmtree(site / relative, ignore_errors=True)
    for name, info in installed_distributions(site).items():
        if name in {_normalise(d) for d in PRUNE_DISTRIBUTIONS}:
            shutil.rmtree(info)
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def copy_package(site: Path, root: Path = ROOT) -> None:
    """The plugin itself: its ``.py`` files and ``py.typed``, as the wheel would carry them."""
    source = root / PACKAGE
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_file() and (path.suffix == ".py" or path.name == "py.typed"):
            destination = site / PACKAGE / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
    shutil.copy2(TOOLS / "launcher.py", site / f"{LAUNCHER_MODULE}.py")


# --- checks on what was built --------------------------------------------------------------


def binary_arch_problem(name: str, data: bytes, platform: Platform) -> str | None:
    """Why a compiled module cannot load on ``platform``, or None if its header fits."""
    if platform.elf_machine is not None:
        if data[:4] != b"\x7fELF":
            return f"{name}: not an ELF file"
        machine = int.from_bytes(data[18:20], "little")
        if machine != platform.elf_machine:
            return f"{name}: ELF machine {machine}, expected {platform.elf_machine}"
        return None
    if platform.macho_cpu is not None:
        magic = data[:4]
        if magic == b"\xcf\xfa\xed\xfe":  # thin 64-bit Mach-O, little endian
            cpu = int.from_bytes(data[4:8], "little")
            return None if cpu == platform.macho_cpu else f"{name}: Mach-O cpu {cpu:#x}"
        if magic == b"\xca\xfe\xba\xbe":  # universal (fat) binary, big endian headers
            count = int.from_bytes(data[4:8], "big")
            cpus = {int.from_bytes(data[8 + 20 * i : 12 + 20 * i], "big") for i in range(count)}
            return None if platform.macho_cpu in cpus else f"{name}: universal without the cpu"
        return f"{name}: not a Mach-O file"
    return None


def check_site(site: Path, platform: Platform) -> dict[str, int]:
    """Every extension module is for ``platform``; count modules per Python version tag."""
    per_python: dict[str, int] = {}
    problems: list[str] = []
    for relative, path in sorted(_files(site).items()):
        if not relative.endswith(EXTENSION_SUFFIXES):
            continue
        problem = binary_arch_problem(relative, path.read_bytes()[:4096], platform)
        if problem:
            problems.append(problem)
        match = re.search(r"\.cpython-(3\d+)", relative)
        key = match.group(1) if match else "abi3"
        per_python[key] = per_python.get(key, 0) + 1
    if problems:
        raise BuildError(f"{platform.key}: wrong binaries:\n  " + "\n  ".join(problems[:10]))
    base = PYTHON_VERSIONS[0].replace(".", "")
    for python in PYTHON_VERSIONS[1:]:
        tag = python.replace(".", "")
        if per_python.get(base, 0) and per_python.get(tag, 0) != per_python[base]:
            raise BuildError(
                f"{platform.key}: {per_python.get(tag, 0)} modules for Python {python}, "
                f"{per_python[base]} for {PYTHON_VERSIONS[0]}"
            )
    return per_python


# --- the executables and archives ----------------------------------------------------------


def ensure_shiv(tooling: Path) -> list[str]:
    """The command that runs shiv: installed, or installed once into ``tooling`` by pip."""
    if importlib.util.find_spec("shiv") is not None:
        return [sys.executable, "-m", "shiv"]
    if not (tooling / "shiv").is_dir():
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(tooling),
                f"shiv=={SHIV_VERSION}",
            ]
        )
    return [sys.executable, "-c", _SHIV_FROM_TOOLING.format(path=str(tooling))]


_SHIV_FROM_TOOLING = "import sys; sys.path.insert(0, {path!r}); from shiv.cli import main; main()"


def build_zipapp(shiv: Sequence[str], site: Path, output: Path) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(SOURCE_DATE_EPOCH))
    _run(
        [
            *shiv,
            "--site-packages",
            str(site),
            "--entry-point",
            f"{LAUNCHER_MODULE}:main",
            "--python",
            "/usr/bin/env python3",
            "--compressed",
            "--reproducible",
            "--output-file",
            str(output),
        ],
        env=env,
    )
    output.chmod(0o755)


def write_tarball(output: Path, members: Mapping[str, Path]) -> None:
    """A .tar.gz with ``members`` (name -> file) at its root, identical for identical input."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            path = members[name]
            info = tarfile.TarInfo(name)
            info.size = path.stat().st_size
            info.mtime = SOURCE_DATE_EPOCH
            info.mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as handle:
                tar.addfile(info, handle)
    with (
        open(output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as zipped,
    ):
        zipped.write(buffer.getvalue())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the krew manifest ---------------------------------------------------------------------


def render_manifest(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``@NAME@``; an unknown or leftover placeholder is an error."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise BuildError(f"krew template: no value for @{key}@")
        return values[key]

    return re.sub(r"@([A-Z0-9_]+)@", replace, template)


GENERATED_HEADER = (
    "# Generated by tools/release.py from krew/discover.yaml.in: edit the template, not this.\n"
)

SAFE_PLUGIN_NAME = re.compile(r"^[\w-]+$")
WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
SEMVER = re.compile(
    r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
SHORT_DESCRIPTION_MAX = 50
"""krew-index reviews ask for a few words; krew's validator warns past 70 per line."""


def _long_lines(text: str, limit: int) -> list[str]:
    """Lines longer than ``limit`` that contain a space (krew lets one long word through)."""
    return [line for line in text.split("\n") if len(line) > limit and " " in line.strip()]


def check_manifest(manifest: Mapping[str, Any], file_name: str) -> list[str]:
    """krew's manifest rules (index validation plus validate-krew-manifest's warnings).

    Returns every problem found, empty when the manifest would be accepted.
    """
    problems: list[str] = []
    name = str((manifest.get("metadata") or {}).get("name") or "")
    spec = manifest.get("spec") or {}
    if manifest.get("apiVersion") != "krew.googlecontainertools.github.com/v1alpha2":
        problems.append(f"apiVersion {manifest.get('apiVersion')!r} is not v1alpha2")
    if manifest.get("kind") != "Plugin":
        problems.append(f"kind {manifest.get('kind')!r} is not Plugin")
    if not SAFE_PLUGIN_NAME.match(name) or name.lower() in WINDOWS_RESERVED:
        problems.append(f"plugin name {name!r} is not allowed")
    if name.startswith(("kubectl-", "kube-", "kubernetes-")) or name != name.lower():
        problems.append(f"plugin name {name!r}: lowercase, no kubectl-/kube- prefix")
    if file_name != f"{name}.yaml":
        problems.append(f"manifest file {file_name!r} must be named {name}.yaml")
    if not SEMVER.match(str(spec.get("version") or "")):
        problems.append(f"version {spec.get('version')!r} is not v-prefixed semver")
    short = str(spec.get("shortDescription") or "")
    if not short or len(short) > SHORT_DESCRIPTION_MAX or "\n" in short.strip():
        problems.append(f"shortDescription must be one line of 1-{SHORT_DESCRIPTION_MAX} chars")
    if not str(spec.get("description") or "").strip():
        problems.append("description is empty")
    for field, limit in (("description", 80), ("caveats", 80), ("shortDescription", 70)):
        for line in _long_lines(str(spec.get(field) or ""), limit):
            problems.append(f"{field} line longer than {limit}: {line!r}")
    platforms = spec.get("platforms") or []
    if not platforms:
        problems.append("no platforms")
    seen: dict[tuple[str, str], int] = {}
    for index, platform in enumerate(platforms):
        where = f"platforms[{index}]"
        for key in ("uri", "bin"):
            if not platform.get(key):
                problems.append(f"{where}: {key} is empty")
        if not re.match(r"^[a-f0-9]{64}$", str(platform.get("sha256") or "")):
            problems.append(f"{where}: sha256 must be 64 lowercase hex digits")
        if not platform.get("files"):
            problems.append(f"{where}: files is empty")
        uri = str(platform.get("uri") or "")
        if not uri.endswith((".tar.gz", ".zip")):
            problems.append(f"{where}: uri must name a .tar.gz or .zip")
        labels = ((platform.get("selector") or {}).get("matchLabels")) or {}
        if not labels or set(labels) - {"os", "arch"}:
            problems.append(f"{where}: selector must use matchLabels with os/arch only")
            continue
        pair = (str(labels.get("os", "*")), str(labels.get("arch", "*")))
        if pair in seen:
            problems.append(f"{where}: selector overlaps platforms[{seen[pair]}]")
        seen[pair] = index
    return problems


# --- the whole build -----------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    platform: Platform
    archive: Path
    sha256: str
    executable_size: int
    modules_per_python: Mapping[str, int]


def build_platform(
    platform: Platform,
    version: str,
    dependencies: Sequence[str],
    work: Path,
    dist: Path,
    shiv: Sequence[str],
) -> Built:
    site = work / platform.tag / "site-packages"
    shutil.rmtree(site.parent, ignore_errors=True)
    site.mkdir(parents=True)
    pip_install(site, dependencies, platform, PYTHON_VERSIONS[0], deps=True)
    prune(site)
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        add_other_pythons(site, platform, Path(scratch))
    copy_package(site)
    modules = check_site(site, platform)
    stage = work / platform.tag / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    executable = stage / "kubectl-discover"
    build_zipapp(shiv, site, executable)
    completer = stage / "kubectl_complete-discover"
    shutil.copy2(TOOLS / "kubectl_complete-discover", completer)
    completer.chmod(0o755)
    with zipfile.ZipFile(executable) as archive:
        names = set(archive.namelist())
    if f"site-packages/{PACKAGE}/cli/__init__.py" not in names:
        raise BuildError(f"{executable}: the plugin package is missing from the archive")
    output = dist / archive_name(version, platform)
    write_tarball(
        output,
        {
            "kubectl-discover": executable,
            "kubectl_complete-discover": completer,
            "LICENSE": ROOT / "LICENSE",
        },
    )
    return Built(platform, output, sha256_file(output), executable.stat().st_size, modules)


def write_manifest(
    built: Iterable[Built],
    version: str,
    homepage: str,
    release_url: str,
    dist: Path,
    *,
    repo_copy: bool = True,
) -> Path:
    """Fill the template, check it, write ``dist/discover.yaml`` (and krew/discover.yaml)."""
    import yaml

    values = {
        "VERSION": version,
        "HOMEPAGE": homepage,
        "RELEASE_URL": release_url.rstrip("/"),
    }
    # Platforms not built this time keep a visible placeholder checksum (never valid).
    for platform in PLATFORMS:
        values[f"SHA256_{platform.os.upper()}_{platform.arch.upper()}"] = "0" * 64
    for item in built:
        values[f"SHA256_{item.platform.os.upper()}_{item.platform.arch.upper()}"] = item.sha256
    missing = sorted({p.key for p in PLATFORMS} - {item.platform.key for item in built})
    if missing:
        print(f"warning: not built, manifest has a zero sha256 for: {', '.join(missing)}")
    template = (ROOT / "krew" / "discover.yaml.in").read_text(encoding="utf-8")
    body = "\n".join(line for line in template.split("\n") if not line.startswith("#"))
    text = GENERATED_HEADER + render_manifest(body.lstrip("\n"), values)
    problems = check_manifest(yaml.safe_load(text), "discover.yaml")
    if problems:
        raise BuildError("krew manifest:\n  " + "\n  ".join(problems))
    targets = [dist / "discover.yaml"]
    if repo_copy:
        targets.append(ROOT / "krew" / "discover.yaml")
    for path in targets:
        path.write_text(text, encoding="utf-8")
    return dist / "discover.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--platform",
        action="append",
        choices=[p.key for p in PLATFORMS],
        help="Build only this os/arch (repeatable; default: all).",
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="Output directory.")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "release")
    parser.add_argument("--homepage", default=DEFAULT_HOMEPAGE)
    parser.add_argument(
        "--release-url",
        default=DEFAULT_RELEASE_URL,
        help="Base URL; the manifest's uri is <base>/v<version>/<archive>.",
    )
    args = parser.parse_args(argv)
    wanted = [p for p in PLATFORMS if not args.platform or p.key in args.platform]
    version = project_version()
    dependencies = project_dependencies()
    dirty = _uncommitted(PACKAGE)
    if dirty:
        print(f"warning: {PACKAGE}/ has uncommitted changes, which go into the archive: {dirty}")
    args.dist.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        shiv = ensure_shiv(args.work / "tooling")
        built: list[Built] = []
        for platform in wanted:
            started = time.monotonic()
            item = build_platform(platform, version, dependencies, args.work, args.dist, shiv)
            built.append(item)
            modules = ", ".join(f"{k}:{v}" for k, v in sorted(item.modules_per_python.items()))
            print(
                f"{item.archive}  {item.archive.stat().st_size / 1e6:.1f} MB"
                f"  (executable {item.executable_size / 1e6:.1f} MB; compiled modules {modules})"
                f"  sha256 {item.sha256}  [{time.monotonic() - started:.0f}s]"
            )
        manifest = write_manifest(
            built,
            version,
            args.homepage,
            args.release_url,
            args.dist,
            repo_copy=args.dist.resolve() == (ROOT / "dist").resolve(),
        )
        print(f"{manifest}  krew manifest for v{version}")
    except BuildError as error:
        sys.stderr.write(f"release: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
