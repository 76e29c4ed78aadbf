"""Negative caching, live (issue 16, item 4): a Service younger than the denial-cache TTL of the
Corefile read from the cluster gets a note with its age, the TTL and the line it follows.

The test cluster's kube-system/coredns has no ``cache`` (its CoreDNS must show changes at
once); this test gives the ConfigMap kubeadm's ``cache 30`` for its duration and restores it.
Only the ConfigMap changes: what is under test is the plugin reading it and the Service's
``creationTimestamp`` against the clock, not CoreDNS's cache itself.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from testcluster import Cluster

pytestmark = pytest.mark.e2e


def test_a_fresh_service_gets_the_negative_cache_note(cluster: Cluster, namespace: str) -> None:
    original = cluster.get_json("configmap", "coredns", "-n", "kube-system")
    corefile = original["data"]["Corefile"]
    lines = corefile.splitlines()
    errors = next(i for i, line in enumerate(lines) if line.strip() == "errors")
    cached = "\n".join([*lines[: errors + 1], "    cache 30", *lines[errors + 1 :]]) + "\n"
    line_number = errors + 2
    patch = json.dumps({"data": {"Corefile": cached}})
    cluster.kubectl("patch", "configmap", "coredns", "-n", "kube-system", "-p", patch)
    try:
        cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", namespace)
        args = ("svc", "web", "-n", namespace, "--no-probe", "-o", "json")
        result = cluster.exec(
            [sys.executable, "-m", "kubectl_discover", *args],
            env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            timeout=120,
        )
    finally:
        restore = json.dumps({"data": {"Corefile": corefile}})
        cluster.kubectl("patch", "configmap", "coredns", "-n", "kube-system", "-p", restore)
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout)
    (note,) = [f for f in document["findings"] if f["id"] == "dns-negative-cache"]
    assert note["severity"] == "info"
    match = re.fullmatch(
        rf"Service {namespace}/web was created (\d+)s ago, less than the NXDOMAIN cache TTL of "
        rf"30s \('cache 30' \(kube-system/coredns/Corefile line {line_number}\)\): a client that "
        rf"asked for web\.{namespace}\.svc\.cluster\.local\. before it existed may get NXDOMAIN "
        r"for up to (\d+)s more\.",
        note["message"],
    )
    assert match is not None, note["message"]
    age, rest = int(match.group(1)), int(match.group(2))
    assert 0 <= age < 30 and age + rest in (29, 30), (age, rest)
    assert note["evidence"]["denial_ttl"] == "30"
