"""Live figures against the local test cluster (``make cluster-up``, see testcluster/README.md).

Creates one namespace holding the big ``svc`` shape (Services of every kind, Pods pinned to the
KWOK nodes so KWOK makes them Running and Ready at once, Ingresses with TLS Secrets) and a small
one, with a few ``kubectl create -f`` of multi-document files run through ``.cluster/exec``.
The EndpointSlice controller writes the slices. Then, inside the cluster's network namespace:
the plugin's requests for ``svc NAME --no-probe`` (at both sizes) and ``scan --no-probe`` from
its Session's request log, and its wall time against ``kubectl get
svc,endpointslices,pods,ingress -o json``. The namespaces are deleted afterwards.

Nothing cluster-scoped is created, so tests running against the same cluster are not affected
beyond the load.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import generate
from bench.run import ROOT, Row, Sizes, cli_rows

EXEC = Path(os.environ.get("KD_CLUSTER_DIR") or ROOT / ".cluster") / "exec"
"""The cluster's exec script: ``make cluster-up``'s, or that of the cluster directory
``KD_CLUSTER_DIR`` names (``python -m testcluster --cluster-dir DIR up``)."""
README = ROOT / "testcluster" / "README.md"
WAIT_SECONDS = 420.0
RUNNING_PER_NODE = 150
"""Pods per KWOK node made Running: each node's pod CIDR is a /24 shared with the e2e tests."""
READY_PATH = "custom-columns=READY:.status.conditions[?(@.type=='Ready')].status"
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "ownerReferences", "generateName")


def kubectl(*args: str, timeout: float = 600, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(EXEC), "kubectl", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args[:3])}: {done.stderr.strip()[:300]}")
    return done.stdout


def manifests(
    shape: generate.Shape, namespace: str, nodes: list[str], running: int
) -> dict[str, list[Any]]:
    """The shape's big namespace as objects to create: Services, Pods, Ingresses, Secrets.

    The first ``running`` pods are bound to the KWOK nodes (Running, Ready, an IP from the
    node's /24); the others name a scheduler that does not exist, so they stay Pending with
    no IP and cost the cluster nothing but storage (each node has only 254 pod IPs).
    """
    out: dict[str, list[Any]] = {"secrets": [], "services": [], "pods": [], "ingresses": []}
    pod_number = 0
    for resource, obj in generate.Generator(shape).objects():
        if resource not in out or obj["metadata"].get("namespace") != shape.big_namespace:
            continue
        api_version, kind = generate.KIND_OF[resource]
        metadata = {
            k: v for k, v in obj["metadata"].items() if k not in SERVER_FIELDS and v is not None
        }
        metadata["namespace"] = namespace
        if resource == "services":
            metadata.pop("annotations", None)  # the last-applied copy: not for kubectl create
        item: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
        item.update({k: v for k, v in obj.items() if k not in ("metadata", "status")})
        if resource == "services":
            spec = dict(item["spec"])
            for key in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
                if spec.get(key) != "None":
                    spec.pop(key, None)
            for port in spec.get("ports") or ():
                port.pop("nodePort", None)
            item["spec"] = spec
        if resource == "pods":
            spec = dict(item["spec"])
            for key in ("volumes", "serviceAccountName"):
                spec.pop(key, None)
            spec["automountServiceAccountToken"] = False
            spec["containers"] = [
                {k: v for k, v in c.items() if k != "volumeMounts"} for c in spec["containers"]
            ]
            if pod_number < running:
                spec["nodeName"] = nodes[pod_number % len(nodes)]
            else:  # unbound: deleted at once, no kubelet needed
                spec.pop("nodeName", None)
                spec["schedulerName"] = "kd-bench-unscheduled"
            pod_number += 1
            item["spec"] = spec
        out[resource].append(item)
    return out


def _create(objects: dict[str, list[Any]], directory: Path) -> None:
    """``kubectl create -f`` per kind, in files of at most 1,000 objects."""
    for resource in ("secrets", "services", "pods", "ingresses"):
        items = objects[resource]
        for start in range(0, len(items), 1000):
            path = directory / f"{resource}-{start}.json"
            path.write_text(
                json.dumps(
                    {"apiVersion": "v1", "kind": "List", "items": items[start : start + 1000]}
                )
            )
            kubectl("create", "-f", str(path), "-o", "name")


def _wait_ready(namespace: str, pods: int, services: int) -> float:
    """Seconds until ``pods`` pods are Ready and slices exist for the selector Services."""
    start = time.monotonic()
    while time.monotonic() - start < WAIT_SECONDS:
        ready = (
            kubectl(
                "get",
                "pods",
                "-n",
                namespace,
                "-o",
                READY_PATH,
                "--no-headers",
            )
            .split()
            .count("True")
        )
        slices = len(kubectl("get", "endpointslices", "-n", namespace, "-o", "name").split())
        if ready >= pods * 0.95 and slices >= services:
            return time.monotonic() - start
        time.sleep(5)
    raise RuntimeError(f"pods in {namespace} not ready within {WAIT_SECONDS:.0f} s")


def _delete(*namespaces: str) -> None:
    """Delete the namespaces without waiting: pods on KWOK nodes go through KWOK's delete
    stage, unbound pods are removed at once. A hang never fails the benchmark."""
    for namespace in namespaces:
        command = [str(EXEC), "kubectl", "delete", "namespace", namespace, "--wait=false"]
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [*command, "--ignore-not-found"], capture_output=True, timeout=120, check=False
            )


def rows(sizes: Sizes, cache: Path) -> list[Row]:
    if not README.exists() or not EXEC.exists():
        return [
            Row(
                "live (test cluster)",
                holds="not measured",
                notes=["live: no running test cluster (make cluster-up; testcluster/README.md)"],
            )
        ]
    # The KWOK nodes only: a real node's kubelet would really run (and pull for) every pod.
    kwok = kubectl("get", "nodes", "-l", "type=kwok", "-o", "name")
    nodes = [n.removeprefix("node/") for n in kwok.split()]
    tag = f"{os.getpid() % 100000}"
    big, small = f"kd-bench-{tag}", f"kd-bench-small-{tag}"
    services, pods = sizes.svc
    small_services, small_pods = sizes.svc_small
    result: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            for namespace, shape in (
                (big, generate.svc_shape(services, pods)),
                (small, generate.svc_shape(small_services, small_pods)),
            ):
                kubectl("create", "namespace", namespace)
                running = min(RUNNING_PER_NODE * len(nodes), shape.big_pods)
                objects = manifests(shape, namespace, nodes, running)
                _create(objects, Path(tmp))
                selector_services = sum(
                    1 for s in objects["services"] if s["spec"].get("type") != "ExternalName"
                )
                _wait_ready(namespace, running, selector_services)
            waited = time.monotonic() - started
            env = dict(os.environ)
            result = cli_rows(
                sizes,
                cache,
                "test cluster",
                env,
                big,
                "svc-0001",
                prefix=[str(EXEC)],
                small=(small, "svc-0001"),
            )
            result[0].notes.append(
                f"live: {services} Services/{pods:,} Pods (and the small namespace) created and "
                f"ready in {waited:.0f} s, of which "
                f"{min(RUNNING_PER_NODE * len(nodes), pods)} Running and Ready on the KWOK "
                f"nodes, the rest Pending (no scheduler) (namespaces {big}, {small})"
            )
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        result.append(Row("live (test cluster)", holds="not measured", notes=[f"live: {error}"]))
    finally:
        _delete(big, small)
    return result
