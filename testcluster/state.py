"""The persisted description of a running cluster (``.cluster/state.json``)."""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import Layout


@dataclass
class State:
    """Which namespace the cluster lives in and the pids of its components."""

    netns: str
    binaries: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    ready: bool = False

    def save(self, layout: Layout) -> None:
        tmp = layout.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(layout.state_file)

    @classmethod
    def load(cls, layout: Layout) -> State | None:
        try:
            data = json.loads(layout.state_file.read_text())
        except (OSError, ValueError):
            return None
        return cls(**data)


@contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """Serialize cluster-up and cluster-down across processes."""
    layout.root.mkdir(parents=True, exist_ok=True)
    path: Path = layout.lock_file
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
