"""Kubeconfig files with embedded certificates."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from .config import API_PORT


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(
    path: Path, ca: Path, cert: Path, key: Path, user: str, server: str | None = None
) -> Path:
    """Write a single-context kubeconfig for ``user`` authenticating with a client cert."""
    server = server or f"https://127.0.0.1:{API_PORT}"
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "kd-test",
                "cluster": {"server": server, "certificate-authority-data": _b64(ca)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {"client-certificate-data": _b64(cert), "client-key-data": _b64(key)},
            }
        ],
        "contexts": [
            {
                "name": f"{user}@kd-test",
                "context": {"cluster": "kd-test", "user": user, "namespace": "default"},
            }
        ],
        "current-context": f"{user}@kd-test",
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    path.chmod(0o600)
    return path
