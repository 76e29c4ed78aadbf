"""``-k DIR``: render a kustomization with ``kubectl kustomize``, as ``kubectl apply -k`` does.

The kubectl on PATH renders (kustomize is built into kubectl); its output is read as one
more manifest source named ``kustomize DIR``. Time and output are bounded; a missing kubectl
or a failing render is one line and exit 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from kubectl_discover.errors import InputError
from kubectl_discover.manifests.files import MAX_FILE_BYTES

RENDER_TIMEOUT = 60.0


def render(directory: str, *, kubectl: str | None = None) -> tuple[str, bytes]:
    """(name for messages, rendered YAML) of the kustomization in ``directory``."""
    name = f"kustomize {directory}"
    if not os.path.isdir(directory):
        raise InputError(f"-k {directory}: not a directory (a kustomization directory is needed)")
    binary = kubectl or shutil.which("kubectl")
    if binary is None:
        raise InputError(
            f"-k {directory}: kubectl is not on PATH (kubectl kustomize renders the directory); "
            f"or render it yourself: kustomize build {directory} | kubectl discover scan -f -"
        )
    try:
        done = subprocess.run(
            [binary, "kustomize", directory],
            capture_output=True,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"-k {directory}: kubectl kustomize did not finish in {RENDER_TIMEOUT:g} s"
        ) from None
    except OSError as error:
        raise InputError(f"-k {directory}: cannot run {binary}: {error.strerror}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = next((line for line in lines if line.strip()), f"exit {done.returncode}")
        raise InputError(
            f"-k {directory}: kubectl kustomize failed: {first.removeprefix('error: ')}"
        )
    if len(done.stdout) > MAX_FILE_BYTES:
        raise InputError(f"-k {directory}: the rendered manifests are larger than 32 MiB")
    return name, done.stdout
