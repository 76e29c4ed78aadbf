"""Time to verdict on a real node (``kd-real-1``: kubelet + containerd + runc), split by phase,
next to the manual baseline ``kubectl run --rm -i ... -- python3 -c 'socket.getaddrinfo(...)'``.

A namespace gets one Service ``web`` with two HTTP backends in real containers. Each run starts
``kubectl discover svc web --node kd-real-1`` inside the cluster's network namespace and stamps,
on this side's monotonic clock:

- the plugin's progress lines on stderr: ``creating probe pod`` (after its API reads),
  ``probing from`` (the pod is Running: the exec starts), ``deleting probe pod`` (the exec's
  report is in);
- a ``kubectl get pods --watch`` of the namespace: the pod's first sight (created), the first
  status naming the node's sandbox IP (the sandbox is up; the image was already pulled once),
  the container ``running``;
- the process's exit (the verdict is printed; deletion is requested before).

The baseline runs ``kubectl run --rm -i --restart=Never`` with the same image, node and
restricted profile: a pod resolving the Service's name once, attached, then deleted. Runs
alternate (baseline, plugin) after one warm-up of each; medians are reported.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import threading
import time
from typing import Any

from bench.live import EXEC, kubectl
from bench.run import ROOT, Row

NODE = "kd-real-1"
FAN_OUT = ("--nodes", "kd-real-1,kd-real-2")
"""The fan-out row: one probe pod on each real node, created, watched, exec'd and deleted
together; budget: at most 1.2x the single probe's time to verdict (issue 16 item 5)."""
FAN_OUT_RATIO = 1.2
IMAGE = "python:3.12-slim"
TOLERATE = [{"key": "kubectl-discover.test/real", "operator": "Exists", "effect": "NoSchedule"}]


def _setup(namespace: str) -> None:
    kubectl("create", "namespace", namespace)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "nodeSelector": {"kubectl-discover.test/real": "true"},
                    "tolerations": TOLERATE,
                    "containers": [
                        {
                            "name": "web",
                            "image": IMAGE,
                            "command": ["python3", "-m", "http.server", "8080"],
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
                        }
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    items = {"apiVersion": "v1", "kind": "List", "items": [deployment, service]}
    kubectl("apply", "-f", "-", stdin=json.dumps(items))
    kubectl("rollout", "status", "-n", namespace, "deployment/web", "--timeout=120s")


class _PodWatch:
    """Stamps, per pod name, when the watch first saw it, its sandbox IP and its running
    container."""

    def __init__(self, namespace: str, start: float) -> None:
        self.start = start
        self.seen: dict[str, dict[str, float]] = {}
        self.proc = subprocess.Popen(
            [str(EXEC), "kubectl", "get", "pods", "-n", namespace, "--watch", "-o", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        buffer = ""
        depth = 0
        for line in self.proc.stdout:
            buffer += line
            depth += line.count("{") - line.count("}")
            if depth == 0 and buffer.strip():
                now = time.monotonic() - self.start
                try:
                    pod: dict[str, Any] = json.loads(buffer)
                except json.JSONDecodeError:
                    pod = {}
                buffer = ""
                marks = self.seen.setdefault(pod.get("metadata", {}).get("name", "?"), {})
                status = pod.get("status") or {}
                marks.setdefault("created", now)
                if status.get("podIP"):
                    marks.setdefault("sandbox", now)
                for container in status.get("containerStatuses") or ():
                    if "running" in (container.get("state") or {}):
                        marks.setdefault("running", now)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _plugin_run(namespace: str, where: tuple[str, ...] = ("--node", NODE)) -> dict[str, float]:
    start = time.monotonic()
    watch = _PodWatch(namespace, start)
    time.sleep(0.3)  # the watch's initial list is in
    start = time.monotonic()
    watch.start = start
    argv = ["python", "-m", "kubectl_discover", "svc", "web", "-n", namespace, *where]
    proc = subprocess.Popen(
        [str(EXEC), *argv],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    marks: dict[str, float] = {}
    assert proc.stderr is not None
    pod = ""
    for line in proc.stderr:
        now = time.monotonic() - start
        for key, text in (
            ("create", "creating "),
            ("probing", "probing from"),
            ("deleting", "deleting probe pod"),
        ):
            if text in line:
                marks.setdefault(key, now)
                if "/" in line:  # one pod: "creating probe pod NS/NAME"
                    pod = pod or line.rsplit("/", 1)[-1].split()[0].strip()
    proc.wait()
    marks["verdict"] = time.monotonic() - start
    time.sleep(0.5)
    watch.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"kubectl discover exited {proc.returncode}")
    for key, value in watch.seen.get(pod, {}).items():
        marks[f"pod {key}"] = value
    return marks


def _baseline_run(namespace: str, n: int) -> float:
    overrides = {
        "spec": {
            "nodeName": NODE,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 65534,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        }
    }
    start = time.monotonic()
    kubectl(
        "run", f"baseline-{n}", "-n", namespace, "--rm", "-i", "--restart=Never", "--quiet",
        f"--image={IMAGE}", f"--overrides={json.dumps(overrides)}", "--",
        "python3", "-c",
        f"import socket; print(socket.getaddrinfo('web.{namespace}.svc.cluster.local', 80))",
    )  # fmt: skip
    return time.monotonic() - start


def rows(runs: int) -> list[Row]:
    if not EXEC.exists():
        return [Row("probe on a real node", holds="not measured", notes=["no test cluster"])]
    namespace = f"kd-bench-real-{int(time.time()) % 100000}"
    notes: list[str] = []
    try:
        _setup(namespace)
        _baseline_run(namespace, 0)  # warm-up: the image is on the node afterwards
        _plugin_run(namespace)
        _plugin_run(namespace, FAN_OUT)  # warm-up: the image is on kd-real-2 too
        baseline, plugin, fanned = [], [], []
        for n in range(1, runs + 1):
            baseline.append(_baseline_run(namespace, n))
            # alternate which of the pair goes first: the one before it leaves a pod being
            # torn down on kd-real-1 (runc, CNI, kubelet) while the next one starts
            if n % 2:
                plugin.append(_plugin_run(namespace))
                fanned.append(_plugin_run(namespace, FAN_OUT))
            else:
                fanned.append(_plugin_run(namespace, FAN_OUT))
                plugin.append(_plugin_run(namespace))
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        return [Row("probe on a real node", holds="not measured", notes=[f"real node: {error}"])]
    finally:
        subprocess.run(
            [str(EXEC), "kubectl", "delete", "namespace", namespace, "--wait=false"],
            capture_output=True,
            check=False,
        )
    keys = ("create", "pod created", "pod sandbox", "pod running", "probing", "deleting")
    median = {k: statistics.median(r[k] for r in plugin if k in r) for k in (*keys, "verdict")}
    base = statistics.median(baseline)
    splits = ", ".join(f"{k} {median[k]:.2f} s" for k in keys)
    exec_phase = median["deleting"] - median["probing"]
    notes.append(
        f"real node {NODE}: plugin time to verdict {median['verdict']:.2f} s (median of {runs}; "
        f"from the start: {splits}; the exec {exec_phase:.2f} s); baseline `kubectl run --rm -i` "
        f"{base:.2f} s (runs: {', '.join(f'{b:.2f}' for b in baseline)})"
    )
    holds = "yes" if median["verdict"] <= base + 1.5 else "no"
    return [
        Row(
            "svc NAME --node kd-real-1 (real container)",
            wall=f"{median['verdict']:.2f} s",
            budget=f"<= baseline {base:.2f} s + 1.5 s",
            holds=holds,
            notes=notes,
        ),
        _fan_out_row(fanned, [r["verdict"] for r in plugin], runs),
    ]


def _fan_out_row(fanned: list[dict[str, float]], singles: list[float], runs: int) -> Row:
    """``--nodes kd-real-1,kd-real-2`` against the single probe run just before it: the
    ratio of each pair, then their median (a shared 2-core machine drifts between pairs
    far more than within one)."""
    keys = ("create", "probing", "deleting", "verdict")
    median = {k: statistics.median(r[k] for r in fanned if k in r) for k in keys}
    single = statistics.median(singles)
    pairs = [f["verdict"] / s for f, s in zip(fanned, singles, strict=True)]
    ratio = statistics.median(pairs)
    each = ", ".join(f"{r['verdict']:.2f}" for r in fanned)
    note = (
        f"fan-out over both real nodes: time to verdict {median['verdict']:.2f} s (median of "
        f"{runs}; from the start: create {median['create']:.2f} s, probing "
        f"{median['probing']:.2f} s, deleting {median['deleting']:.2f} s; runs: "
        f"{each}) vs one probe {single:.2f} s (runs: {', '.join(f'{x:.2f}' for x in singles)}); "
        f"median ratio of the pairs {ratio:.2f}x ({', '.join(f'{x:.2f}' for x in pairs)})"
    )
    return Row(
        "svc NAME --nodes kd-real-1,kd-real-2 (2 real containers)",
        wall=f"{median['verdict']:.2f} s",
        budget=f"<= {FAN_OUT_RATIO}x one probe (median of paired ratios)",
        holds="yes" if ratio <= FAN_OUT_RATIO else "no",
        notes=[note],
    )


if __name__ == "__main__":
    for row in rows(5):
        print(row)
        for note in row.notes:
            print(" ", note)
