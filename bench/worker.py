"""One scenario in one fresh process, so that its peak RSS is its own.

``python -m bench.worker SCENARIO --out RESULT.json [options]`` runs one measurement and
writes a JSON object: CPU seconds (``time.process_time``) of the phases, wall seconds, peak
RSS in bytes (``getrusage(RUSAGE_SELF).ru_maxrss``, for this process only), and for the CLI
scenarios the requests the plugin's Session logged.

Scenarios:

- ``snapshot``: the CLI's own loader (``kubectl_discover.loading``, with the command's needs
  from ``kubectl_discover.commands``) reads the generated cluster from the loopback API
  (``bench.fakeapi``, a separate process), then the pipeline runs as the CLI runs it with no
  probe: ``pipeline.subject_report`` for ``--mode svc``, ``pipeline.scan_report`` for
  ``--mode scan``. Repetitions reuse the loaded index (the first call is what the CLI pays).
- ``files``: the same loader on generated manifests (``-f``), then the same analysis.
- ``cli``: the real command line (``cli.run``) against a kubeconfig; the Session is captured
  to read its request log.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def peak_rss() -> int:
    """Peak resident set size of this process, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    value = action()
    return time.process_time() - start, value


def _subject(args: argparse.Namespace) -> Any:
    from kubectl_discover.commands import SCAN, SVC
    from kubectl_discover.pipeline import Subject

    return Subject(SVC, args.service) if args.mode == "svc" else Subject(SCAN, "")


def _load(args: argparse.Namespace, source: Any) -> Any:
    """The CLI's own loader (kubectl_discover.loading) with the command's needs."""
    from kubectl_discover import loading

    subject = _subject(args)
    request = loading.LoadRequest(
        subject.needs,
        source,
        namespace=args.namespace if args.mode == "svc" else None,
        all_namespaces=args.mode == "scan",
    )
    return loading.load(request)


def _analysis(args: argparse.Namespace) -> Callable[[Any], str]:
    """What the CLI runs after loading: the pipeline without a probe runner."""
    from datetime import UTC, datetime

    from kubectl_discover import pipeline

    subject = _subject(args)
    if args.mode == "svc":

        def one(loaded: Any) -> str:
            document = pipeline.subject_report(subject, loaded, runner=None, now=datetime.now(UTC))
            return str(document["verdict"])

        return one

    def everything(loaded: Any) -> str:
        return f"{len(pipeline.scan_report(loaded)['items'])} rows"

    return everything


def run_analysis(args: argparse.Namespace, loaded: Any, result: dict[str, Any]) -> None:
    analyse = _analysis(args)
    times: list[float] = []
    note = ""
    for _ in range(args.repeat):
        seconds, note = _cpu(lambda: analyse(loaded))
        times.append(seconds)
    result["analysis_cpu_first"] = times[0]
    """The call the CLI makes: the first on a freshly loaded snapshot."""
    result["analysis_cpu_warm"] = statistics.median(times[1:]) if len(times) > 1 else None
    result["note"] = str(note)


def _objects(snapshot: Any) -> dict[str, int]:
    return {
        "services": len(snapshot.services),
        "pods": len(snapshot.pods),
        "endpointslices": len(snapshot.endpointslices),
        "ingresses": len(snapshot.ingresses),
        "workloads": len(snapshot.workloads),
    }


def scenario_snapshot(args: argparse.Namespace) -> dict[str, Any]:
    """Load through the real loader from the loopback API (``bench.fakeapi`` on
    ``--api-port``), then analyse: loading CPU includes the HTTP client and JSON decoding."""
    from bench.fakeapi import kubeconfig
    from kubectl_discover.loading import Source

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kubeconfig"
        path.write_text(kubeconfig(args.api_port, args.namespace or "default"))
        load_cpu, loaded = _cpu(lambda: _load(args, Source(kubeconfig=str(path))))
    result: dict[str, Any] = {"load_cpu": load_cpu, "objects": _objects(loaded.snapshot)}
    run_analysis(args, loaded, result)
    result["wall"] = time.perf_counter() - start
    return result


def scenario_files(args: argparse.Namespace) -> dict[str, Any]:
    from kubectl_discover.loading import Source

    start = time.perf_counter()
    paths = tuple(sorted(str(p) for p in Path(args.data).glob("*.yaml")))
    load_cpu, loaded = _cpu(lambda: _load(args, Source(filenames=paths)))
    result: dict[str, Any] = {"load_cpu": load_cpu, "objects": _objects(loaded.snapshot)}
    run_analysis(args, loaded, result)
    result["wall"] = time.perf_counter() - start
    return result


def scenario_cli(args: argparse.Namespace) -> dict[str, Any]:
    """``cli.run(ARGS)`` in this process; the Session is captured for its request log."""
    from kubectl_discover import cli
    from kubectl_discover.api import session as api_session
    from kubectl_discover.api.session import describe_request

    sessions: list[Any] = []
    real_connect = api_session.connect

    def connect(*a: Any, **k: Any) -> Any:
        session = real_connect(*a, **k)
        sessions.append(session)
        return session

    api_session.connect = connect
    out, err = io.StringIO(), io.StringIO()
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(args.argv)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    log = [entry for session in sessions for entry in session.request_log]
    lists = sorted({path.split("?", 1)[0] for method, path in log if method == "GET"})
    return {
        "exit": code,
        "stderr": err.getvalue()[-400:],
        "output_bytes": len(out.getvalue()),
        "cpu": cpu,
        "wall": wall,
        "requests": len(log),
        "paths": lists,
        "unpaginated": sorted(
            {
                p.split("?", 1)[0]
                for m, p in log
                if describe_request(m, p).verb == "list" and "limit=" not in p
            }
        ),
        "gets": sum(1 for m, p in log if describe_request(m, p).verb == "get"),
        "log": [f"{m} {p}" for m, p in log],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("scenario", choices=("snapshot", "files", "cli"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default="")
    parser.add_argument("--mode", choices=("svc", "scan"), default="svc")
    parser.add_argument("--namespace", default=None)
    parser.add_argument("--service", default="")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--api-port", type=int, default=0, help="bench.fakeapi's port")
    parser.add_argument("argv", nargs="*", help="CLI arguments (after --) for 'cli'")
    args = parser.parse_args(argv)
    runner = {"snapshot": scenario_snapshot, "files": scenario_files, "cli": scenario_cli}
    try:
        result = runner[args.scenario](args)
    except Exception as exc:  # reported in the table, not a traceback in the middle of it
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["peak_rss"] = peak_rss()
    Path(args.out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
