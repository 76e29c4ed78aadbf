"""Container images for the real nodes, built from what the machine has.

No outside registry is ever contacted. Two images are built as OCI image
layouts under ``.cluster/images/`` (cached by a hash of their inputs):

- **python**: the host's Debian ``python3.11`` with its standard library (tests,
  IDLE and tkinter left out, the compiled ``__pycache__`` kept so the pod's
  interpreter starts fast) and every shared library ``ldd`` lists for the
  interpreter and its extension modules; merged-usr layout (``/bin``, ``/lib``,
  ``/lib64``, ``/sbin`` are links into ``/usr``); ``/etc/passwd`` and
  ``/etc/group`` with root and nobody/nogroup (65534). It answers to
  :data:`PYTHON_REFS`: the plugin's default ``python:3.12-slim`` (it is Python
  3.11 inside; nothing depends on the minor version) and an honest name.
- **pause**: the project's own ``pause`` program (``nodeimg/cmd/pause``), the
  pods' sandbox container. It has no ``python3``, which makes it the image the
  "no python3 in the image" tests use.

At boot the harness starts ``registry`` (``nodeimg/cmd/registry``, an in-memory
OCI registry) inside the cluster's network namespace and :func:`push` uploads
the layouts over the distribution API. containerd pulls every reference from
it (see ``nodes.py``); a reference it does not hold answers 404.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import PACKAGE_DIR, Layout

PYTHON_VERSION = "3.11"
PYTHON_BIN = Path(f"/usr/bin/python{PYTHON_VERSION}")
PYTHON_LIB = Path(f"/usr/lib/python{PYTHON_VERSION}")
#: Left out of the image's standard library: big and never imported by a probe.
PYTHON_SKIP = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data"}

#: Every name the python image is pushed under (registry path, tag).
PYTHON_REFS = (
    ("library/python", "3.12-slim"),  # docker.io/library/python:3.12-slim, the plugin's default
    ("kubectl-discover/python", PYTHON_VERSION),  # <registry>/kubectl-discover/python:3.11
)
#: containerd's sandbox image (``pinned_images.sandbox``): registry.k8s.io/pause:3.10.
PAUSE_REFS = (("pause", "3.10"),)
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"
PYTHON_IMAGE = "docker.io/library/python:3.12-slim"

_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
_CONFIG = "application/vnd.oci.image.config.v1+json"
_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Image:
    """A built image: its directory of blobs and manifest digest."""

    directory: Path
    manifest: str
    refs: tuple[tuple[str, str], ...]

    def blob(self, digest: str) -> Path:
        return self.directory / "blobs" / digest.replace(":", "-")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _shared_libraries(binaries: Iterable[Path]) -> set[Path]:
    """Every library ``ldd`` resolves for ``binaries`` (absolute host paths)."""
    found: set[Path] = set()
    for binary in binaries:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
        for line in out.stdout.splitlines():
            match = re.search(r"(/\S+)\s+\(0x", line)
            if match:
                found.add(Path(match.group(1)))
    return found


class _Tar:
    """A deterministic tar stream (owner root; mtime 0 but for host files) of an image root."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.tar = tarfile.open(  # noqa: SIM115 (closed by close())
            fileobj=self.buffer, mode="w", format=tarfile.PAX_FORMAT
        )
        self.seen: set[str] = set()

    def _info(self, name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name.lstrip("/"))
        info.type, info.mode, info.mtime, info.uid, info.gid = kind, mode, 0, 0, 0
        return info

    def directory(self, name: str, mode: int = 0o755) -> None:
        name = name.strip("/")
        parent = os.path.dirname(name)
        if parent and parent not in self.seen:
            self.directory(parent)
        if name and name not in self.seen:
            self.seen.add(name)
            self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode))

    def symlink(self, name: str, target: str) -> None:
        self.directory(os.path.dirname(name.strip("/")))
        info = self._info(name, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.seen.add(name.strip("/"))
        self.tar.addfile(info)

    def data(self, name: str, data: bytes, mode: int = 0o644, mtime: int = 0) -> None:
        self.directory(os.path.dirname(name.strip("/")))
        info = self._info(name, tarfile.REGTYPE, mode)
        info.size, info.mtime = len(data), mtime
        self.seen.add(name.strip("/"))
        self.tar.addfile(info, io.BytesIO(data))

    def file(self, name: str, source: Path) -> None:
        """A host file, with its modification time: a ``.pyc`` in ``__pycache__`` is used
        only while its source's mtime matches the one recorded in it (else every import
        compiles again, and cannot even save the result on a read-only root)."""
        stat = source.stat()
        self.data(name, source.read_bytes(), stat.st_mode & 0o755 | 0o644, int(stat.st_mtime))

    def close(self) -> bytes:
        self.tar.close()
        return self.buffer.getvalue()


def _base_files(tar: _Tar) -> None:
    """Merged-usr skeleton, users, mount points."""
    for name in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "proc", "sys", "dev", "run"):
        tar.directory(name)
    tar.directory("tmp", 0o1777)
    for link in ("bin", "sbin", "lib", "lib64"):
        tar.symlink(link, f"usr/{link}")
    tar.data(
        "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
    )
    tar.data("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    tar.data("etc/nsswitch.conf", b"passwd: files\ngroup: files\nhosts: files dns\n")
    for name in ("etc/hosts", "etc/hostname", "etc/resolv.conf"):
        tar.data(name, b"")


def python_layer() -> bytes:
    """The uncompressed layer of the python image."""
    tar = _Tar()
    _base_files(tar)
    tar.file(str(PYTHON_BIN), PYTHON_BIN)
    tar.symlink("usr/bin/python3", PYTHON_BIN.name)
    dynload = sorted((PYTHON_LIB / "lib-dynload").glob("*.so"))
    for path in sorted(PYTHON_LIB.rglob("*")):
        rel = path.relative_to(PYTHON_LIB)
        if rel.parts[0] in PYTHON_SKIP or rel.parts[0].startswith("config-"):
            continue
        if rel.parts[0] in ("site-packages", "dist-packages"):
            continue
        target = str(PYTHON_LIB / rel)
        if path.is_symlink():
            tar.symlink(target, os.readlink(path))
        elif path.is_dir():
            tar.directory(target)
        elif path.is_file():
            tar.file(target, path)
    for lib in sorted(_shared_libraries([PYTHON_BIN, *dynload])):
        real = lib.resolve()
        # /lib/x86_64-linux-gnu/... and /lib64/... live under /usr in merged-usr.
        name = str(lib) if str(lib).startswith("/usr/") else "/usr" + str(lib)
        tar.file(name, real)
    return tar.close()


def pause_layer(pause: Path) -> bytes:
    tar = _Tar()
    for name in ("etc", "proc", "sys", "dev"):
        tar.directory(name)
    tar.data("etc/passwd", b"root:x:0:0:root:/:/pause\nnobody:x:65534:65534:nobody:/:/pause\n")
    tar.data("pause", pause.read_bytes(), 0o755)
    return tar.close()


def _write_image(
    directory: Path, layer: bytes, config: dict[str, object], refs: tuple[tuple[str, str], ...]
) -> Image:
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "blobs").mkdir(parents=True)
    compressed = gzip.compress(layer, compresslevel=6, mtime=0)
    config_doc = {
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [_digest(layer)]},
    }
    config_bytes = json.dumps(config_doc, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": _MANIFEST,
        "config": {
            "mediaType": _CONFIG,
            "digest": _digest(config_bytes),
            "size": len(config_bytes),
        },
        "layers": [{"mediaType": _LAYER, "digest": _digest(compressed), "size": len(compressed)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    for data in (compressed, config_bytes, manifest_bytes):
        (tmp / "blobs" / _digest(data).replace(":", "-")).write_bytes(data)
    (tmp / "image.json").write_text(
        json.dumps({"manifest": _digest(manifest_bytes), "refs": [list(r) for r in refs]})
    )
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
    return load(directory)


def load(directory: Path) -> Image:
    meta = json.loads((directory / "image.json").read_text())
    return Image(directory, meta["manifest"], tuple((r[0], r[1]) for r in meta["refs"]))


def _key(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def ensure_images(layout: Layout, pause: Path) -> list[Image]:
    """Build (when their inputs changed) and return the python and pause images."""
    root = layout.images_dir
    root.mkdir(parents=True, exist_ok=True)
    source = (PACKAGE_DIR / "images.py").read_bytes()
    python_stat = PYTHON_BIN.stat()
    inputs = f"{python_stat.st_size}:{python_stat.st_mtime_ns}".encode()
    images = []
    wanted = (
        (
            f"python-{_key(source, inputs)}",
            lambda: python_layer(),
            {"Env": [f"PATH={_PATH}", "LANG=C.UTF-8"], "Cmd": ["python3"]},
            PYTHON_REFS,
        ),
        (
            f"pause-{_key(source, pause.read_bytes())}",
            lambda: pause_layer(pause),
            {"Env": [f"PATH={_PATH}"], "Entrypoint": ["/pause"], "User": "65534:65534"},
            PAUSE_REFS,
        ),
    )
    for name, make_layer, config, refs in wanted:
        directory = root / name
        if (directory / "image.json").exists():
            images.append(load(directory))
            continue
        images.append(_write_image(directory, make_layer(), config, refs))
        prefix = name.split("-")[0] + "-"
        for old in root.glob(prefix + "*"):
            if old != directory:
                shutil.rmtree(old, ignore_errors=True)
    return images


def _request(method: str, url: str, data: bytes = b"", content_type: str = "") -> tuple[int, str]:
    req = urllib.request.Request(url, data=data or None, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.headers.get("Location", "")


def push(image: Image, registry: str) -> None:
    """Upload ``image`` under each of its refs to the registry at ``host:port`` (plain HTTP)."""
    base = f"http://{registry}"
    manifest = image.blob(image.manifest).read_bytes()
    doc = json.loads(manifest)
    blobs = [doc["config"]["digest"], *(layer["digest"] for layer in doc["layers"])]
    for repo, tag in image.refs:
        for digest in blobs:
            _, location = _request("POST", f"{base}/v2/{repo}/blobs/uploads/")
            url = location if location.startswith("http") else base + location
            sep = "&" if "?" in url else "?"
            _request("PUT", f"{url}{sep}digest={digest}", image.blob(digest).read_bytes())
        _request("PUT", f"{base}/v2/{repo}/manifests/{tag}", manifest, _MANIFEST)
