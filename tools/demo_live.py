"""``make demo-live``: the plugin with real probes on the local test cluster, from a clone.

Builds and starts the test cluster (testcluster/), applies examples/demo-live.yaml (a healthy
Service with real backends and a StatefulSet whose serviceName names another Service, in real
containers on the real nodes), runs ``kubectl discover svc`` on both with a real probe pod, and
stops the cluster again, whatever happened. ``--readme`` also writes the two runs into the
README's live examples, which therefore always come from a real run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEC = ROOT / ".cluster" / "exec"
MANIFEST = "examples/demo-live.yaml"
RUNS = (("svc", "web", "-n", "demo"), ("svc", "cache", "-n", "demo"))
WIDTH = "120"


def _step(argv: list[str], timeout: float = 900) -> str:
    print("+ " + " ".join(argv), flush=True)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"demo-live: {' '.join(argv[:4])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _discover(args: tuple[str, ...]) -> str:
    """One run as a person sees it: the command, progress lines, the report, the exit code."""
    argv = [str(EXEC), "env", f"COLUMNS={WIDTH}", "NO_COLOR=1", "kubectl", "discover", *args]
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
    _step([sys.executable, "-m", "testcluster", "up"])
    try:
        _step([str(EXEC), "kubectl", "apply", "-f", MANIFEST])
        for kind in ("deployment/web", "statefulset/cache"):
            _step([str(EXEC), "kubectl", "rollout", "status", "-n", "demo", kind, "--timeout=180s"])
        transcripts = [_discover(args) for args in RUNS]
    finally:
        _step([sys.executable, "-m", "testcluster", "down"])
    for transcript in transcripts:
        print(transcript)
    if "--readme" in argv:
        _into_readme(transcripts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
