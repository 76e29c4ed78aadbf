"""The bytes shipped into the probe pod and the command that unpacks them.

The pod may have no internet and no package index, and its root filesystem is
read-only, so everything travels over the exec stream's stdin: a zip holding
the program, the plugin's own copy of dnspython and the plan. The bootstrap
(passed as ``python3 -c``) reads a length-prefixed frame, because not every
exec protocol version can half-close stdin, writes the zip to the writable
emptyDir at /tmp, imports the program from it and exits with its code.

dnspython is optional inside the pod: a Python too old for the shipped copy
falls back to the program's built-in DNS client.
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

from kubectl_discover.probe import program
from kubectl_discover.probe.bootstrap import BOOTSTRAP, MODULE, command, frame
from kubectl_discover.probe.plan import ProbePlan

__all__ = ["BOOTSTRAP", "MODULE", "build_payload", "command", "frame"]

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = frozenset({"__pycache__", "tests", "test"})

_MAIN = (
    f"import os, sys\nimport {MODULE} as m\n"
    "c = m.main(sys.argv[1:])\nsys.stdout.flush()\nos._exit(c)\n"
)


def _dns_package_dir() -> Path | None:
    spec = importlib.util.find_spec("dns")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _add(zipped: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zipped.writestr(info, data)


def build_payload(plan: ProbePlan, *, include_dnspython: bool = True) -> bytes:
    """The zip: program, plan and the plugin's installed dnspython (no tests, no caches).

    Deterministic for a given plan and dnspython install (fixed timestamps,
    sorted names), so a payload can be compared and cached.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        _add(zipped, "__main__.py", _MAIN.encode())
        _add(zipped, f"{MODULE}.py", Path(program.__file__).read_bytes())
        _add(zipped, "plan.json", json.dumps(plan.to_json(), sort_keys=True).encode())
        root = _dns_package_dir() if include_dnspython else None
        if root is not None:
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root.parent)
                if path.is_dir() or _SKIP_PARTS & set(relative.parts):
                    continue
                if path.suffix not in (".py", ".typed", ".pyi"):
                    continue
                _add(zipped, relative.as_posix(), path.read_bytes())
    return buffer.getvalue()
