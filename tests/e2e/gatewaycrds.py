"""The standard-channel Gateway API CRDs of ``sigs.k8s.io/gateway-api`` for the e2e tests.

They come from the Go module itself (``go mod download -json`` through the module proxy, then
the module cache), are applied to the session cluster for one test and deleted afterwards:
the real API server then runs the CRDs' own OpenAPI defaulting and CEL validation on every
object the tests create. Nothing of the module is copied into this repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api"
GATEWAY_API_VERSION = "v1.6.3"
CHANNEL_DIR = "config/crd/standard"
GROUP = "gateway.networking.k8s.io"


@dataclass(frozen=True)
class Crds:
    """The CRD documents of one channel: the YAML to create, and their names."""

    version: str
    text: str
    names: tuple[str, ...]


def _module_dir(module: str, version: str) -> Path:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    env = dict(os.environ) | {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
        cwd="/",
    )
    info = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    if result.returncode != 0 or not info.get("Dir"):
        reason = info.get("Error") or result.stderr.strip() or f"exit {result.returncode}"
        raise RuntimeError(f"go mod download {module}@{version} failed: {reason}")
    return Path(info["Dir"])


@cache
def standard_crds(version: str = GATEWAY_API_VERSION) -> Crds:
    """Every CustomResourceDefinition of the standard channel (the channel's
    ValidatingAdmissionPolicy against mixing channels is left out: one channel is installed)."""
    directory = _module_dir(GATEWAY_API_MODULE, version) / CHANNEL_DIR
    documents: list[str] = []
    names: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text()
        for doc in yaml.safe_load_all(text):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                names.append(doc["metadata"]["name"])
                documents.append(json.dumps(doc))
    if not names:
        raise RuntimeError(f"no CustomResourceDefinition under {directory}")
    return Crds(version, "\n---\n".join(documents), tuple(names))
