"""``python -m bench``: every scenario, one table. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import generate

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
GIB = 1024 * MIB

SVC_REQUEST_BUDGET = 14
"""``svc NAME --no-probe``: 8 core LISTs + 4 Gateway API LISTs today; 2 kept for
NetworkPolicies and the CoreDNS ConfigMap (bench/README.md)."""


@dataclass
class Row:
    scenario: str
    requests: str = "-"
    wall: str = "-"
    cpu: str = "-"
    rss: str = "-"
    budget: str = "-"
    holds: str = "-"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sizes:
    svc: tuple[int, int]
    svc_small: tuple[int, int]
    scan: tuple[int, int, int, int]
    runs: int


FULL = Sizes(svc=(500, 5000), svc_small=(50, 500), scan=(5000, 50000, 2000, 100), runs=5)
QUICK = Sizes(svc=(100, 1000), svc_small=(20, 200), scan=(500, 5000, 200, 20), runs=3)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 1 else f"{seconds:.2f} s"


def _mib(size: float) -> str:
    return f"{size / MIB:.0f} MiB"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


# --- processes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: list[float]
    cpu: list[float]
    rss: list[int]
    codes: list[int]

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)


def _run_once(command: Sequence[str], env: dict[str, str] | None) -> tuple[float, float, int, int]:
    """Wall, CPU (user+sys) and peak RSS of one run, from the kernel's accounting (wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, process.returncode


def time_commands(
    commands: Sequence[Sequence[str]], runs: int, env: dict[str, str] | None = None
) -> list[Timing]:
    """Each command ``runs`` times after one warm-up, interleaved A B A B so drift is shared."""
    results: list[list[tuple[float, float, int, int]]] = [[] for _ in commands]
    for command in commands:
        _run_once(command, env)
    for _ in range(runs):
        for i, command in enumerate(commands):
            results[i].append(_run_once(command, env))
    return [
        Timing([r[0] for r in rs], [r[1] for r in rs], [r[2] for r in rs], [r[3] for r in rs])
        for rs in results
    ]


def worker(
    args: Sequence[str],
    env: dict[str, str] | None = None,
    *,
    prefix: Sequence[str] = (),
    timeout: float = 900,
) -> dict[str, Any]:
    """One scenario in a fresh ``python -m bench.worker`` process; its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        command = [*prefix, sys.executable, "-m", "bench.worker", "--out", out, *args]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0 or not Path(out).stat().st_size:
            return {"error": (done.stderr or done.stdout)[-500:] or f"exit {done.returncode}"}
        result: dict[str, Any] = json.loads(Path(out).read_text())
        return result
    finally:
        Path(out).unlink(missing_ok=True)


# --- scenarios ------------------------------------------------------------------------------


def imported_modules(*args: str) -> set[str]:
    """Modules ``python -X importtime -m kubectl_discover ARGS`` imported (from its log)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kubectl_discover", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    }


def startup(runs: int) -> list[Row]:
    """``version`` and ``--help`` against the interpreter and typer's own import."""
    python = sys.executable
    plugin = [python, "-m", "kubectl_discover"]
    commands = [
        [python, "-c", "pass"],
        [python, "-c", "import typer"],
        [*plugin, "version"],
        [*plugin, "--help"],
    ]
    baseline, typer, version, help_ = time_commands(commands, max(runs * 2, 10))
    budget = 1.5 * typer.median_wall
    rows = [
        Row(
            "start-up: python -c pass (reference)",
            wall=_ms(baseline.median_wall),
            cpu=_ms(statistics.median(baseline.cpu)),
            rss=_mib(max(baseline.rss)),
        ),
        Row(
            "start-up: python -c 'import typer' (reference)",
            wall=_ms(typer.median_wall),
            cpu=_ms(statistics.median(typer.cpu)),
            rss=_mib(max(typer.rss)),
        ),
    ]
    for label, timing, args in (("version", version, ("version",)), ("--help", help_, ("--help",))):
        modules = imported_modules(*args)
        client = any(m == "kubernetes" or m.startswith("kubernetes.") for m in modules)
        ok = timing.median_wall <= budget and not client and set(timing.codes) == {0}
        rows.append(
            Row(
                f"start-up: kubectl discover {label}",
                wall=_ms(timing.median_wall),
                cpu=_ms(statistics.median(timing.cpu)),
                rss=_mib(max(timing.rss)),
                budget=f"<= {_ms(budget)} (1.5x typer); no kubernetes import",
                holds=_yes(ok),
                notes=[
                    f"{label}: wall min/median/max {_ms(min(timing.wall))}/"
                    f"{_ms(timing.median_wall)}/{_ms(max(timing.wall))}; "
                    f"kubernetes imported: {'yes' if client else 'no'}; "
                    f"{len(modules)} modules imported"
                ],
            )
        )
    return rows


def analysis_rows(sizes: Sizes, cache: Path) -> list[Row]:
    """Analysis CPU of the first call on a freshly loaded snapshot, one process per run.

    The snapshot is loaded by the CLI's own loader from the loopback API (``bench.fakeapi``)."""
    rows: list[Row] = []
    services, pods = sizes.svc
    data = generate.prepare(generate.svc_shape(services, pods), cache)
    with fake_api(data) as port:
        svc_args = ["snapshot", "--api-port", str(port), "--mode", "svc", "--namespace", "big"]
        svc_args += ["--service", "svc-0001", "--repeat", "3"]
        results = [worker(svc_args) for _ in range(sizes.runs)]
    label = f"svc NAME analysis, {services} Services/{pods:,} Pods in the namespace"
    rows.append(_analysis_row(label, results, 0.050, None))
    s, p, i, n = sizes.scan
    data = generate.prepare(generate.scan_shape(s, p, i, n), cache)
    with fake_api(data) as port:
        result = worker(["snapshot", "--api-port", str(port), "--mode", "scan"])
    label = f"scan -A analysis, {s:,} Services/{p:,} Pods/{i:,} Ingresses in {n} namespaces"
    rows.append(_analysis_row(label, [result], 3.0, GIB))
    return rows


def _analysis_row(
    label: str, results: list[dict[str, Any]], cpu_budget: float, rss_budget: float | None
) -> Row:
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return Row(label, holds="not measured", notes=[f"{label}: {errors[0]}"])
    firsts = [float(r["analysis_cpu_first"]) for r in results]
    cpu = statistics.median(firsts)
    rss = max(float(r["peak_rss"]) for r in results)
    ok = cpu < cpu_budget and (rss_budget is None or rss < rss_budget)
    budget = f"analysis CPU < {_ms(cpu_budget)}"
    if rss_budget is not None:
        budget += f", peak < {_mib(rss_budget)}"
    warm = [float(r["analysis_cpu_warm"]) for r in results if r.get("analysis_cpu_warm")]
    loads = [float(r["load_cpu"]) for r in results]
    notes = [
        f"{label}: first call on a fresh snapshot (what the CLI pays) min/median/max "
        f"{_ms(min(firsts))}/{_ms(cpu)}/{_ms(max(firsts))} over {len(results)} process(es)"
        + (f"; repeated calls median {_ms(statistics.median(warm))}" if warm else "")
        + f"; loading (the CLI's loader) CPU median {_s(statistics.median(loads))}; "
        f"objects {results[0].get('objects')}"
    ]
    return Row(
        label,
        wall=_s(statistics.median(float(r["wall"]) for r in results)),
        cpu=_ms(cpu),
        rss=_mib(rss),
        budget=budget,
        holds=_yes(ok),
        notes=notes,
    )


def files_rows(sizes: Sizes, cache: Path) -> list[Row]:
    rows: list[Row] = []
    services, pods = sizes.svc
    shape = generate.svc_shape(services, pods)
    directory = cache / f"files-{shape.name}"
    generate.write_manifests(shape, directory, namespaces_per_file=1)
    result = worker(
        [
            "files",
            "--data",
            str(directory),
            "--mode",
            "svc",
            "--namespace",
            "big",
            "--service",
            "svc-0001",
            "--repeat",
            str(sizes.runs),
        ]
    )
    rows.append(
        _files_row(f"-f files: load_files + svc NAME ({services} Services, templates)", result)
    )
    s, p, i, n = sizes.scan
    shape = generate.scan_shape(s, p, i, n)
    directory = cache / f"files-{shape.name}"
    generate.write_manifests(shape, directory)
    result = worker(["files", "--data", str(directory), "--mode", "scan"])
    rows.append(
        _files_row(f"-f files: load_files + scan -A ({s:,} Services, {i:,} Ingresses)", result)
    )
    return rows


def _files_row(label: str, result: dict[str, Any]) -> Row:
    if "error" in result:
        return Row(label, holds="not measured", notes=[f"{label}: {result['error']}"])
    load = float(result["load_cpu"])
    analysis = float(result["analysis_cpu_first"])
    return Row(
        label,
        wall=_s(float(result["wall"])),
        cpu=f"{_s(load)} load + {_ms(analysis)}",
        rss=_mib(float(result["peak_rss"])),
        budget="none (reported)",
        notes=[f"{label}: objects {result.get('objects')}; {result.get('note', '')}"],
    )


@contextmanager
def fake_api(data: Path) -> Iterator[int]:
    """The loopback API (``bench.fakeapi``) in its own process; yields its port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fakeapi", str(data)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        yield port
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cli_rows(
    sizes: Sizes,
    cache: Path,
    where: str,
    env: dict[str, str],
    namespace: str,
    service: str,
    *,
    prefix: Sequence[str] = (),
    small: tuple[str, str] | None = None,
    baseline: bool = True,
) -> list[Row]:
    """svc NAME and scan --no-probe through the real CLI; requests from the Session's log."""
    rows: list[Row] = []
    svc_args = ["svc", service, "-n", namespace, "--no-probe", "-o", "json"]
    result = worker(["cli", "--", *svc_args], env, prefix=prefix)
    counts = [result.get("requests")]
    if small is not None:
        small_result = worker(
            ["cli", "--", "svc", small[1], "-n", small[0], "--no-probe", "-o", "json"],
            env,
            prefix=prefix,
        )
        counts.insert(0, small_result.get("requests"))
    label = f"svc NAME --no-probe ({where})"
    row = _cli_row(label, result, counts, svc=True)
    if small is not None:
        row.notes.append(
            f"{label}: requests in namespace {small[0]} (small): {counts[0]}; in {namespace}: "
            f"{counts[1]}; LIST calls (distinct collections): {len(result.get('paths') or [])}"
        )
    rows.append(row)
    for scope in (["-n", namespace], ["-A"]):
        result = worker(
            ["cli", "--", "scan", *scope, "--no-probe", "-o", "json"], env, prefix=prefix
        )
        what = "the same cluster" if scope == ["-A"] else "the svc namespace"
        label = f"scan {' '.join(scope)} --no-probe ({what}, {where})"
        rows.append(_cli_row(label, result, [], svc=False))
    if baseline:
        rows += _versus_kubectl(env, namespace, service, where, sizes.runs, prefix)
    return rows


def _cli_row(label: str, result: dict[str, Any], counts: list[Any], *, svc: bool) -> Row:
    if "error" in result:
        return Row(label, holds="not measured", notes=[f"{label}: {result['error']}"])
    requests = int(result["requests"])
    notes = [f"{label}: exit {result['exit']}; {result['stderr'].strip()[:200]}".rstrip("; ")]
    paths = result.get("paths") or []
    notes.append(f"{label}: {requests} requests: " + "; ".join(result.get("log") or [])[:1500])
    if svc:
        fixed = len({c for c in counts if c is not None}) == 1
        ok = requests <= SVC_REQUEST_BUDGET and fixed and result["exit"] in (0, 1)
        budget = f"<= {SVC_REQUEST_BUDGET} requests, same count at any size"
    else:
        unpaginated = result.get("unpaginated") or []
        ok = not unpaginated and result["exit"] in (0, 1)
        budget = "every LIST paginated (limit/continue)"
        notes.append(
            f"{label}: {len(paths)} distinct paths, {result.get('gets', 0)} single-object GETs; "
            f"LISTs without limit=: {unpaginated or 'none'}"
        )
    return Row(
        label,
        requests=str(requests),
        wall=_s(float(result["wall"])),
        cpu=_s(float(result["cpu"])),
        rss=_mib(float(result["peak_rss"])),
        budget=budget,
        holds=_yes(ok),
        notes=notes,
    )


def _versus_kubectl(
    env: dict[str, str], namespace: str, service: str, where: str, runs: int, prefix: Sequence[str]
) -> list[Row]:
    kubectl = shutil.which("kubectl")
    plugin = shutil.which("kubectl-discover")
    if kubectl is None or plugin is None:
        return [
            Row(
                f"plugin vs kubectl get ({where})",
                holds="not measured",
                notes=["kubectl or kubectl-discover not on PATH"],
            )
        ]
    ours = [*prefix, plugin, "svc", service, "-n", namespace, "--no-probe", "-o", "json"]
    theirs = [
        *prefix,
        kubectl,
        "get",
        "svc,endpointslices,pods,ingress",
        "-o",
        "json",
        "-n",
        namespace,
    ]
    plugin_t, kubectl_t = time_commands([ours, theirs], runs, env)
    ratios = [a / b for a, b in zip(plugin_t.wall, kubectl_t.wall, strict=True)]
    label = f"svc NAME --no-probe vs kubectl get svc,endpointslices,pods,ingress -o json ({where})"
    return [
        Row(
            label,
            wall=f"{_s(plugin_t.median_wall)} vs {_s(kubectl_t.median_wall)}",
            cpu=f"{_s(statistics.median(plugin_t.cpu))} vs {_s(statistics.median(kubectl_t.cpu))}",
            rss=f"{_mib(max(plugin_t.rss))} vs {_mib(max(kubectl_t.rss))}",
            budget="reported (ratio)",
            holds=f"ratio {statistics.median(ratios):.2f}x",
            notes=[
                f"{label}: wall ratio plugin/kubectl min/median/max {min(ratios):.2f}/"
                f"{statistics.median(ratios):.2f}/{max(ratios):.2f} over {runs} pairs; exit codes "
                f"{sorted(set(plugin_t.codes))} vs {sorted(set(kubectl_t.codes))}"
            ],
        )
    ]


def loopback_rows(sizes: Sizes, cache: Path) -> list[Row]:
    """The real CLI against ``bench.fakeapi`` on 127.0.0.1: requests, wall, CPU, peak RSS.

    ``svc`` is counted in the big namespace and in a small neighbour (10 Services, 40 Pods)
    of the same generated cluster, to see whether the count depends on the namespace size.
    """
    services, pods = sizes.svc
    big = generate.prepare(generate.svc_shape(services, pods), cache)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        with fake_api(big) as port:
            env = _kubeconfig_env(Path(tmp) / "big", port, "big")
            rows += cli_rows(
                sizes, cache, "loopback API", env, "big", "svc-0001", small=("team-000", "svc-0001")
            )
        s, p, i, n = sizes.scan
        scan_data = generate.prepare(generate.scan_shape(s, p, i, n), cache)
        with fake_api(scan_data) as port:
            env = _kubeconfig_env(Path(tmp) / "scan", port, "team-000")
            result = worker(
                ["cli", "--", "scan", "-A", "--no-probe", "-o", "json"], env, timeout=1800
            )
            label = f"scan -A --no-probe ({s:,}/{p:,}/{i:,}, loopback API)"
            row = _cli_row(label, result, [], svc=False)
            if "error" not in result:
                rss_ok = float(result["peak_rss"]) < GIB
                row.budget += ", peak < 1024 MiB"
                row.holds = _yes(row.holds == "yes" and rss_ok)
            rows.append(row)
    return rows


def _kubeconfig_env(directory: Path, port: int, namespace: str) -> dict[str, str]:
    from bench.fakeapi import kubeconfig

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "kubeconfig"
    path.write_text(kubeconfig(port, namespace))
    env = dict(os.environ)
    env["KUBECONFIG"] = str(path)
    env.pop("NO_COLOR", None)
    return env


def probe_rows(runs: int) -> list[Row]:
    program = ROOT / "kubectl_discover" / "probe" / "program.py"
    if not program.exists():
        return [
            Row(
                "probe: checks concurrent in one pod",
                holds="not measured",
                notes=["kubectl_discover/probe/program.py is not there yet"],
            )
        ]
    from bench.probe import measure

    rows = []
    for client in ("stdlib", "dnspython"):
        result = measure(program, slow=1.5, dns_client=client, runs=runs)
        ok = result["beyond"] <= 0.5 and not result["errors"]
        label = f"probe program ({client} DNS), {result['checks']} checks, one slow name"
        rows.append(
            Row(
                label,
                requests=f"{result['queries']} DNS queries",
                wall=_s(result["wall"]),
                budget="wall <= slowest check + 0.5 s",
                holds=_yes(ok),
                notes=[
                    f"{label}: slowest single check {_s(result['slowest'])}, wall beyond it "
                    f"{_ms(result['beyond'])}; runs {[round(w, 3) for w in result['runs']]}; "
                    f"errors {result['errors']}; the delayed name answers A and AAAA after 1.5 s "
                    "each, and the program asks them one after the other"
                ],
            )
        )
    return rows


# --- live -----------------------------------------------------------------------------------


def live_rows(sizes: Sizes, cache: Path) -> list[Row]:
    from bench import live, realnode

    return [*live.rows(sizes, cache), *realnode.rows(sizes.runs)]


# --- output ---------------------------------------------------------------------------------

HEADERS = ("scenario", "requests", "wall", "CPU", "peak RSS", "budget", "holds")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory} memory, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )


def table(rows: Sequence[Row]) -> str:
    cells = [
        HEADERS,
        *[(r.scenario, r.requests, r.wall, r.cpu, r.rss, r.budget, r.holds) for r in rows],
    ]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("---" for _ in HEADERS) + "|")
    return "\n".join(lines)


def _part(part: str, sizes: Sizes, cache: Path, quick: bool) -> list[Row]:
    if part == "startup":
        return startup(sizes.runs)
    if part == "analysis":
        return analysis_rows(sizes, cache)
    if part == "files":
        return files_rows(sizes, cache)
    if part == "loopback":
        return loopback_rows(sizes, cache)
    if part == "probe":
        return probe_rows(1 if quick else sizes.runs)
    return live_rows(sizes, cache)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    parser.add_argument(
        "--live",
        action="store_true",
        help="also measure against the local test cluster (make cluster-up)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=("startup", "analysis", "files", "loopback", "probe", "live"),
        help="run only these parts (repeatable)",
    )
    parser.add_argument(
        "--cache",
        default=os.path.join(tempfile.gettempdir(), "kubectl-discover-bench"),
        help="where generated inputs are kept between runs",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    cache = Path(args.cache)
    parts = args.only or ["startup", "analysis", "files", "loopback", "probe"]
    if args.live and "live" not in parts:
        parts.append("live")
    rows: list[Row] = []
    started = time.perf_counter()
    for part in parts:
        sys.stderr.write(f"bench: {part} ...\n")
        sys.stderr.flush()
        try:
            rows += _part(part, sizes, cache, args.quick)
        except Exception as error:  # one broken part must not lose the others' rows
            rows.append(Row(part, holds="not measured", notes=[f"{part}: {error!r}"]))
    print(f"machine: {machine()}")
    print(
        f"inputs: {'quick' if args.quick else 'full'}; took {time.perf_counter() - started:.0f} s"
    )
    print()
    print(table(rows))
    print()
    for row in rows:
        for note in row.notes:
            print(f"- {note}")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=2))
    return 0
