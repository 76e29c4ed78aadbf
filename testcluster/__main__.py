"""Command line: ``python -m testcluster {up,down,status,build,exec}``.

``_boot`` and ``_health`` are internal: they run inside the cluster netns.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import boot, build, cluster
from .config import Layout
from .state import State


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testcluster")
    parser.add_argument(
        "--cluster-dir", type=Path, help="cluster state directory (default: .cluster)"
    )
    parser.add_argument("--bin-root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "command",
        choices=["up", "down", "status", "build", "exec", "_boot", "_real_nodes", "_health"],
    )
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    layout = Layout(ns.cluster_dir.resolve(), ns.bin_root) if ns.cluster_dir else Layout.default()
    if ns.command == "up":
        cluster.up(layout)
    elif ns.command == "down":
        cluster.down(layout)
    elif ns.command == "build":
        print(build.ensure_binaries(layout))
    elif ns.command == "status":
        healthy = cluster.is_healthy(layout)
        state = State.load(layout)
        print(f"{'healthy' if healthy else 'not healthy'}; netns={state.netns if state else '-'}")
        return 0 if healthy else 1
    elif ns.command == "exec":
        state = State.load(layout)
        if state is None:
            print("no cluster", file=sys.stderr)
            return 1
        handle = cluster.Cluster(layout, state.netns)
        argv_ = handle.exec_argv(ns.args)
        os.execvpe(argv_[0], argv_, handle._env(None))
    elif ns.command == "_boot":
        boot.boot(layout)
    elif ns.command == "_real_nodes":
        boot.real_nodes(layout)
    elif ns.command == "_health":
        return 0 if boot.healthy(layout) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
