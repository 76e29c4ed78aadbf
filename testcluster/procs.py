"""Start and stop the cluster's background processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from . import netns
from .components import Component


def start(component: Component, log_dir: Path, env: dict[str, str] | None = None) -> int:
    """Start a component detached from the caller's session; returns its pid.

    Output goes to ``<log_dir>/<name>.log``.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{component.name}.log").open("ab") as log:
        proc = subprocess.Popen(
            component.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    return proc.pid


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _reap(pids: list[int]) -> None:
    """Collect exit statuses of any of our own children among ``pids``."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def stop_namespace(name: str, grace: float = 1.5) -> None:
    """Terminate every process in network namespace ``name``: TERM, then KILL.

    The grace period is short on purpose: all cluster state is thrown away,
    and the apiserver (and etcd behind it) can take many seconds to drain.
    """
    pids = netns.pids(name)
    _signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(pids)
        pids = [p for p in netns.pids(name) if alive(p)]
        if not pids:
            return
        time.sleep(0.1)
    for _ in range(50):
        pids = [p for p in netns.pids(name) if alive(p)]
        if not pids:
            return
        _signal_all(pids, signal.SIGKILL)
        time.sleep(0.1)
        _reap(pids)
    raise RuntimeError(f"processes survive in netns {name}: {netns.pids(name)}")
