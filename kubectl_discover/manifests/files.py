"""Expand ``-f`` arguments into the files to read, and read them with a size limit.

Follows ``kubectl apply -f dir -R``: a directory contributes every ``*.yaml``,
``*.yml`` and ``*.json`` below it, in lexical order, directories interleaved by name
the way Go's ``filepath.Walk`` visits them; symbolic links to directories are not
followed (no loops). A file named explicitly is read whatever its extension. ``-``
is standard input, read once however often it is named.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from kubectl_discover.errors import InputError

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Largest file (or standard input) read, 32 MiB: far above any real manifest set,
small enough that a mistaken ``-f /dev/zero`` or a huge log fails fast."""

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class Source:
    """One input to read: ``display`` is the name used in messages."""

    display: str
    path: str | None
    """Filesystem path; None for standard input."""


def expand(paths: Sequence[str]) -> tuple[Source, ...]:
    """Every file the arguments name, once each, in the order kubectl would read them."""
    seen: set[str] = set()
    out: list[Source] = []
    for arg in paths:
        for source in _expand_one(arg):
            key = STDIN if source.path is None else os.path.realpath(source.path)
            if key not in seen:
                seen.add(key)
                out.append(source)
    return tuple(out)


def _expand_one(arg: str) -> Iterator[Source]:
    if arg == STDIN:
        yield Source(STDIN_NAME, None)
        return
    if not arg:
        raise InputError("-f: an empty file name was given")
    if os.path.isdir(arg):
        for rel in _manifests_under(arg):
            yield Source(os.path.join(arg, rel), os.path.join(arg, rel))
        return
    yield Source(arg, arg)


def _manifests_under(top: str) -> list[str]:
    """Relative paths of manifest files below ``top``, sorted like filepath.Walk."""

    def refuse(exc: OSError) -> None:
        name = exc.filename or top
        raise InputError(f"{name}: {exc.strerror or 'cannot be read'}")

    found: list[tuple[str, ...]] = []
    for root, _dirs, files in os.walk(top, onerror=refuse, followlinks=False):
        rel_root = os.path.relpath(root, top)
        prefix = () if rel_root == os.curdir else tuple(rel_root.split(os.sep))
        found.extend((*prefix, name) for name in files if name.lower().endswith(MANIFEST_SUFFIXES))
    return [os.path.join(*parts) for parts in sorted(found)]


def read(source: Source, stdin: BinaryIO | None) -> bytes:
    """The bytes of one source, at most :data:`MAX_FILE_BYTES`; InputError otherwise."""
    limit = MAX_FILE_BYTES
    if source.path is None:
        if stdin is None:
            raise InputError(f"{STDIN_NAME}: no standard input to read")
        try:
            data = stdin.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{STDIN_NAME}: {exc.strerror or exc}") from None
    else:
        data = _read_file(source, limit)
    if len(data) > limit:
        raise InputError(
            f"{source.display}: larger than the {_mib(limit)} limit per file; split it "
            "into smaller files"
        )
    return bytes(data)


def _read_file(source: Source, limit: int) -> bytes:
    assert source.path is not None
    try:
        with open(source.path, "rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{source.display}: No such file or directory") from None
    except PermissionError:
        raise InputError(f"{source.display}: Permission denied") from None
    except OSError as exc:
        raise InputError(f"{source.display}: {exc.strerror or 'cannot be read'}") from None


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size} bytes"
