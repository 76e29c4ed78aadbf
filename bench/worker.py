"""One scenario in one fresh process, so that its peak RSS is its own.

``python -m bench.worker SCENARIO --out RESULT.json [options]`` runs one measurement and
writes a JSON object: CPU seconds (``time.process_time``) of the phases, wall seconds, peak
RSS in bytes (``getrusage(RUSAGE_SELF).ru_maxrss``, for this process only), and for the CLI
scenarios the requests the plugin's Session logged.

Scenarios:

- ``svc``: decode the namespace's objects in pages of 500 (as the live loader does), with
  what ``cli.load`` does (pods slimmed, cyclic GC paused while loading, then frozen), build
  the Snapshot directly, then ``build_index`` + ``diagnose.diagnose_service`` on one Service,
  each repetition on a fresh Index (the cold cost the CLI pays once).
- ``scan``: the same for every namespace, then ``build_index`` + ``diagnose.scan``.
- ``files``: ``manifests.load_files`` on generated manifests, then the svc or scan analysis.
- ``cli``: the real command line (``cli.run``) against a kubeconfig; the Session is captured
  to read its request log.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.generate import KIND_OF, decode_pages, read_lines

WORKLOAD_RESOURCES = ("deployments", "statefulsets", "replicasets")


def peak_rss() -> int:
    """Peak resident set size of this process, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def live_snapshot(directory: Path, namespace: str | None) -> Any:
    """A live Snapshot as the CLI's loader assembles it: objects decoded page by page, pods
    slimmed (``api.listing.slim_pod``), the cyclic garbage collector paused while loading
    and the result frozen (``cli.load``)."""
    with no_cyclic_gc():
        return _live_snapshot(directory, namespace)


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """What ``cli.load`` does around loading: GC paused, then ``gc.freeze()``."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _live_snapshot(directory: Path, namespace: str | None) -> Any:
    from kubectl_discover.api.listing import slim_pod
    from kubectl_discover.snapshot import Snapshot

    def items(resource: str, scoped: bool = True) -> Iterator[dict[str, Any]]:
        api_version, kind = KIND_OF[resource]
        lines = read_lines(directory, resource, namespace if scoped else None)
        for page in decode_pages(lines):
            for item in page:
                item["apiVersion"] = api_version
                item["kind"] = kind
                yield slim_pod(item) if resource == "pods" else item

    workloads: list[dict[str, Any]] = []
    for name in WORKLOAD_RESOURCES:
        workloads.extend(items(name))
    return Snapshot(
        namespace=namespace,
        live=True,
        services=tuple(items("services")),
        endpointslices=tuple(items("endpointslices")),
        pods=tuple(items("pods")),
        workloads=tuple(workloads),
        nodes=tuple(items("nodes", scoped=False)),
        ingresses=tuple(items("ingresses")),
        ingressclasses=tuple(items("ingressclasses", scoped=False)),
        secrets=tuple(items("secrets")),
        namespaces=tuple(str(n["metadata"]["name"]) for n in items("namespaces", scoped=False)),
    )


def _cpu(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    value = action()
    return time.process_time() - start, value


def _analysis(mode: str, namespace: str | None, service: str) -> Callable[[Any], Any]:
    """The analysis to time on a snapshot: the full composition, or what exists so far."""
    from kubectl_discover.analyze.index import build_index

    try:
        from kubectl_discover import diagnose
    except ImportError as missing:
        reason = f"diagnose not importable ({missing}); timed build_index + pod selection only"

        def partial(snapshot: Any) -> Any:
            index = build_index(snapshot)
            from kubectl_discover.analyze.selectors import service_selector

            targets = (
                [index.service(namespace or "", service)]
                if mode == "svc"
                else list(index.services.values())
            )
            for obj in targets:
                if obj is None:
                    continue
                ns = obj["metadata"]["namespace"]
                index.pods_selected(ns, service_selector(obj))
                index.slices_for(ns, obj["metadata"]["name"])
            return reason

        return partial

    if mode == "svc":
        assert namespace is not None

        def one(snapshot: Any) -> Any:
            index = build_index(snapshot)
            others = sorted(ns for ns in index.namespaces if ns != namespace)
            diagnosis = diagnose.diagnose_service(
                index, namespace, service, client_namespaces=(others[0],) if others else ()
            )
            return f"{diagnosis.verdict.value if hasattr(diagnosis.verdict, 'value') else ''}"

        return one

    def everything(snapshot: Any) -> Any:
        index = build_index(snapshot)
        return f"{len(diagnose.scan(index, namespace))} rows"

    return everything


def run_analysis(args: argparse.Namespace, snapshot: Any, result: dict[str, Any]) -> None:
    analyse = _analysis(args.mode, args.namespace, args.service)
    times: list[float] = []
    note = ""
    for _ in range(args.repeat):
        seconds, note = _cpu(lambda: analyse(snapshot))
        times.append(seconds)
    result["analysis_cpu_first"] = times[0]
    """The call the CLI makes: the first on a freshly loaded snapshot."""
    result["analysis_cpu_warm"] = statistics.median(times[1:]) if len(times) > 1 else None
    result["note"] = str(note)


def scenario_snapshot(args: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    namespace = args.namespace if args.mode == "svc" else None
    load_cpu, snapshot = _cpu(lambda: live_snapshot(Path(args.data), namespace))
    result: dict[str, Any] = {
        "load_cpu": load_cpu,
        "objects": {
            "services": len(snapshot.services),
            "pods": len(snapshot.pods),
            "endpointslices": len(snapshot.endpointslices),
            "ingresses": len(snapshot.ingresses),
            "workloads": len(snapshot.workloads),
        },
    }
    run_analysis(args, snapshot, result)
    result["wall"] = time.perf_counter() - start
    return result


def scenario_files(args: argparse.Namespace) -> dict[str, Any]:
    from kubectl_discover import manifests

    start = time.perf_counter()
    paths = sorted(str(p) for p in Path(args.data).glob("*.yaml"))
    namespace = args.namespace if args.mode == "svc" else None
    with no_cyclic_gc():  # as cli.load does for files too
        load_cpu, snapshot = _cpu(lambda: manifests.load_files(paths, namespace))
    result: dict[str, Any] = {
        "load_cpu": load_cpu,
        "objects": {
            "services": len(snapshot.services),
            "workloads": len(snapshot.workloads),
            "ingresses": len(snapshot.ingresses),
        },
    }
    run_analysis(args, snapshot, result)
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
