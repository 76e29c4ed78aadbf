"""The CLI glue: --from resolution, budget, pod placement, dry-run document, explain context."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kubectl_discover.analyze.model import Diagnosis, DnsExpectation, NameForm
from kubectl_discover.errors import InputError, NotFoundError
from kubectl_discover.probe.runner import (
    dry_run_document,
    explain_context,
    find_client,
    plan_for,
    pod_for,
)
from kubectl_discover.snapshot import Snapshot


@dataclass(frozen=True)
class Opts:
    image: str | None = None
    node: str | None = None
    client: str | None = None
    keep: bool = False
    namespace: str | None = None
    timeout: float = 60.0
    as_client: bool = False
    ephemeral: bool = False


CLIENT = {
    "metadata": {"name": "frontend", "namespace": "web"},
    "spec": {"nodeName": "n2", "dnsPolicy": "ClusterFirst", "containers": []},
}
DEPLOY = {
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "web"},
    "spec": {"template": {"spec": {"dnsConfig": {"options": [{"name": "ndots", "value": "1"}]}}}},
}
KUBE_DNS = {
    "metadata": {"name": "kube-dns", "namespace": "kube-system"},
    "spec": {"clusterIP": "10.96.0.10"},
}
SNAP = Snapshot(
    namespace=None, live=True, pods=(CLIENT,), workloads=(DEPLOY,), services=(KUBE_DNS,)
)
DIAG = Diagnosis(
    "Service",
    "shop",
    "web",
    "ClusterIP",
    (),
    dns=(
        DnsExpectation(
            "web", "A", NameForm.SAME_NAMESPACE, "web.shop.svc.cluster.local", True, (), ""
        ),
    ),
)


def test_from_pod_and_deployment_are_found_in_the_snapshot() -> None:
    assert find_client(SNAP, "pod/frontend", "web")["kind"] == "Pod"
    assert find_client(SNAP, "deploy/api", "web")["kind"] == "Deployment"


@pytest.mark.parametrize(
    ("ref", "error"), [("frontend", InputError), ("job/x", InputError), ("pod/nope", NotFoundError)]
)
def test_bad_from_references(ref: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        find_client(SNAP, ref, "web")


def test_probe_runs_in_the_clients_namespace_on_its_node() -> None:
    pod = pod_for(SNAP, [DIAG], Opts(client="pod/frontend", namespace="web"))
    assert pod["metadata"]["namespace"] == "web"
    assert pod["spec"]["nodeName"] == "n2"


def test_default_namespace_is_the_subjects_and_deadline_outlives_both_waits() -> None:
    pod = pod_for(SNAP, [DIAG], Opts(timeout=30))
    assert pod["metadata"]["namespace"] == "shop"
    assert pod["spec"]["activeDeadlineSeconds"] > 2 * 30


def test_budget_leaves_time_for_the_exec() -> None:
    assert plan_for([DIAG], 60).budget_seconds == 20
    assert plan_for([DIAG], 10).budget_seconds == 5
    assert plan_for([DIAG], 10).check_timeout <= 5


def test_dry_run_shows_pod_plan_and_restricted_gaps() -> None:
    doc = dry_run_document(SNAP, [DIAG], Opts())
    assert doc["restrictedViolations"] == []
    assert [c["name"] for c in doc["plan"]["dns"]] == ["web", "web.shop.svc.cluster.local."]
    assert doc["pod"]["kind"] == "Pod"


def test_explain_context_reads_kube_dns() -> None:
    assert explain_context(SNAP) == {
        "cluster_domain": "cluster.local",
        "dns_service_ip": "10.96.0.10",
    }
    assert explain_context(Snapshot(namespace="x", live=True))["dns_service_ip"] is None
