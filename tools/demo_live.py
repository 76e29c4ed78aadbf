"""``make demo-live``: the plugin with real probes on the local test cluster, from a clone.

Builds and starts the test cluster (testcluster/), applies examples/demo-live.yaml (a healthy
Service with real backends and a StatefulSet whose serviceName names another Service, in real
containers on the real nodes), runs ``kubectl discover svc`` on both with a real probe pod, then
``kubectl discover dns`` while the second kube-dns replica serves a stale zone (its Corefile
reloaded to serve namespace ``default`` only: testcluster/dnspath.py), and stops the cluster
again, whatever happened. ``--readme`` also writes the runs into the README's live examples,
which therefore always come from a real run.

``--cluster-dir DIR --bin-root DIR`` run a private cluster with binaries built elsewhere (a
worktree beside a clone that built them); ``--from-source`` runs ``python -m
kubectl_discover`` from this tree instead of the installed plugin (the same program; the
transcript still reads ``kubectl discover``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = "examples/demo-live.yaml"
RUNS = (("svc", "web", "-n", "demo"), ("svc", "cache", "-n", "demo"))
STALE_REPLICA_RUN = ("dns", "web.demo.svc.cluster.local", "-n", "demo")
"""Run while the second kube-dns replica serves a stale zone: the report names it."""
WIDTH = "120"


def _step(argv: list[str], timeout: float = 900) -> str:
    print("+ " + " ".join(argv), flush=True)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"demo-live: {' '.join(argv[:4])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _discover(exec_script: Path, args: tuple[str, ...], from_source: bool) -> str:
    """One run as a person sees it: the command, progress lines, the report, the exit code."""
    plugin = (
        [f"PYTHONPATH={ROOT}", sys.executable, "-m", "kubectl_discover"]
        if from_source
        else ["kubectl", "discover"]
    )
    argv = [str(exec_script), "env", f"COLUMNS={WIDTH}", "NO_COLOR=1", *plugin, *args]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return (
        f"$ kubectl discover {' '.join(args)}\n{done.stderr}{done.stdout}"
        f"$ echo $?\n{done.returncode}\n"
    )


def _into_readme(transcripts: list[str]) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    for transcript in transcripts:
        command = transcript.splitlines()[0]
        block = re.compile(r"```\n" + re.escape(command) + r"\n.*?```", re.S)
        if not block.search(text):
            raise SystemExit(f"demo-live: README has no example for {command!r}")
        text = block.sub(lambda _m, t=transcript: f"```\n{t}```", text, count=1)
    readme.write_text(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_live")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's examples")
    parser.add_argument("--cluster-dir", type=Path, help="cluster state directory")
    parser.add_argument("--bin-root", type=Path, help="where the built binaries are")
    parser.add_argument("--from-source", action="store_true", help="python -m kubectl_discover")
    args = parser.parse_args(argv)
    where = ["--cluster-dir", str(args.cluster_dir)] if args.cluster_dir else []
    where += ["--bin-root", str(args.bin_root)] if args.bin_root else []
    testcluster = [sys.executable, "-m", "testcluster", *where]
    exec_script = (args.cluster_dir or ROOT / ".cluster") / "exec"
    _step([*testcluster, "up"])
    try:
        _step([str(exec_script), "kubectl", "apply", "-f", MANIFEST])
        for kind in ("deployment/web", "statefulset/cache"):
            _step(
                [str(exec_script), "kubectl", "rollout", "status", "-n", "demo", kind,
                 "--timeout=180s"]
            )  # fmt: skip
        transcripts = [_discover(exec_script, run, args.from_source) for run in RUNS]
        transcripts.append(_stale_replica_run(args.cluster_dir, args.bin_root, args.from_source))
    finally:
        _step([*testcluster, "down"])
    for transcript in transcripts:
        print(transcript)
    if args.readme:
        _into_readme(transcripts)
    return 0


def _stale_replica_run(cluster_dir: Path | None, bin_root: Path | None, from_source: bool) -> str:
    from testcluster import dnspath
    from testcluster.cluster import Cluster
    from testcluster.config import Layout
    from testcluster.state import State

    layout = Layout(cluster_dir.resolve(), bin_root) if cluster_dir else Layout.default()
    state = State.load(layout)
    if state is None:
        raise SystemExit("demo-live: no cluster state")
    with dnspath.stale_replica(Cluster(layout, state.netns), only_namespace="default"):
        return _discover(layout.exec_script, STALE_REPLICA_RUN, from_source)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
