"""CoreDNS variants for the live Corefile tests (issue 16 item 6): extra CoreDNS processes,
each with its own generated Corefile, started by a test inside the cluster's network
namespace, and the Corefile published as ``kube-system/coredns`` while the test reads it.

The harness's own two CoreDNS processes (components.py) keep running untouched; a variant
listens on an address of its own in the KWOK pod range (local to the namespace, reachable
from real pods too) and answers from the same API server with the same slim CoreDNS build
(coredns/main.go links rewrite, forward, hosts, autopath and template for these variants).
``published`` swaps the ConfigMap kubectl-discover reads for the variant's text and puts the
harness's own back afterwards, so the plugin predicts from exactly what that process runs.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .state import State

if TYPE_CHECKING:
    from .cluster import Cluster

#: Variant addresses: high in kd-node-3's AnyIP /24, clear of what KWOK hands out in tests.
VARIANT_IPS = tuple(f"10.244.3.{n}" for n in range(230, 240))
#: Their readiness ports on 127.0.0.1 (the harness's own are 8181 and 8182).
VARIANT_READY_PORTS = tuple(range(8190, 8200))


@dataclass(frozen=True)
class Variant:
    """A CoreDNS variant: its name (file name), the address it binds and its Corefile."""

    name: str
    ip: str
    ready_port: int
    corefile: str


def kubernetes_block(
    cluster: Cluster, zones: str = "cluster.local in-addr.arpa ip6.arpa", *options: str
) -> str:
    """A ``kubernetes`` directive reading the test cluster's API server, with ``options``."""
    body = [f"kubeconfig {cluster.layout.run / 'admin.kubeconfig'}", *options]
    inner = "".join(f"        {line}\n" for line in body)
    return f"    kubernetes {zones} {{\n{inner}    }}\n"


def server_block(variant_ip: str, ready_port: int, *directives: str, zone: str = ".") -> str:
    """``ZONE:53 { bind IP; errors; ready; DIRECTIVES }``: one line or block per directive."""
    body = "".join(d if d.endswith("\n") else f"    {d}\n" for d in directives)
    return (
        f"{zone}:53 {{\n    bind {variant_ip}\n    errors\n"
        f"    ready 127.0.0.1:{ready_port}\n{body}}}\n"
    )


def _coredns_binary(cluster: Cluster) -> str:
    state = State.load(cluster.layout)
    assert state is not None, "no cluster state"
    return state.binaries["coredns"]


@contextmanager
def running(cluster: Cluster, variant: Variant) -> Iterator[Variant]:
    """Run ``variant`` for the block; ready (its ``ready`` endpoint answers 200) on entry."""
    path = cluster.layout.run / f"Corefile.variant-{variant.name}"
    path.write_text(variant.corefile)
    argv = [_coredns_binary(cluster), "-conf", str(path)]
    with cluster.background(argv) as proc:
        url = f"http://127.0.0.1:{variant.ready_port}/ready"
        check = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=1).read()"
        deadline = time.monotonic() + 60
        while cluster.exec([sys.executable, "-c", check]).returncode != 0:
            if proc.poll() is not None:
                log = cluster.layout.logs
                raise RuntimeError(
                    f"CoreDNS variant {variant.name} exited {proc.returncode} (Corefile {path}; "
                    f"logs under {log})"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"CoreDNS variant {variant.name} not ready after 60 s")
            time.sleep(0.3)
        yield variant


@contextmanager
def published(cluster: Cluster, corefile: str) -> Iterator[None]:
    """``kube-system/coredns`` holds ``corefile`` for the block; the harness's own text is
    put back afterwards."""
    original = cluster.get_json("configmap", "coredns", "-n", "kube-system")
    saved = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": dict(original.get("data") or {}),
    }
    replaced = {**saved, "data": {"Corefile": corefile}}
    cluster.kubectl("replace", "-f", "-", input=json.dumps(replaced))
    try:
        yield
    finally:
        cluster.kubectl("replace", "-f", "-", input=json.dumps(saved))
