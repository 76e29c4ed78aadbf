"""``--as-client`` and ``--ephemeral``: the probe borrows the client's identity, or runs in it.

Pure parts: the labels and service account copied (controller labels dropped), the
readiness gate that keeps the probe out of the client's Services, the ephemeral debug
container and how its status is read, and the flag combinations refused before any I/O.
The live half is tests/e2e/test_netpol_live.py.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from kubectl_discover.cli.options import ProbeOptions, resolve, validate
from kubectl_discover.errors import InputError
from kubectl_discover.probe.pod import (
    AS_CLIENT_ANNOTATION,
    NOT_A_BACKEND_GATE,
    build_ephemeral_container,
    build_pod,
    classify_ephemeral,
    client_identity,
    restricted_violations,
)
from kubectl_discover.probe.runner import as_client_note, probe_document

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

CLIENT_POD: dict[str, Any] = {
    "kind": "Pod",
    "metadata": {
        "name": "web-7d4b9-x2x",
        "namespace": "shop",
        "labels": {
            "app": "web",
            "tier": "front",
            "app.kubernetes.io/name": "web",
            "pod-template-hash": "7d4b9",
        },
    },
    "spec": {"nodeName": "n1", "serviceAccountName": "web-sa", "containers": [{"name": "c"}]},
}


def probe(client: dict[str, Any] = CLIENT_POD, **kwargs: Any) -> dict[str, Any]:
    return build_pod(
        name="abc", namespace="other", deadline_seconds=120, client=client, now=NOW, **kwargs
    )


def test_as_client_carries_the_clients_labels_but_not_its_controllers() -> None:
    pod = probe(as_client=True)
    labels = pod["metadata"]["labels"]
    assert labels["app"] == "web"
    assert labels["tier"] == "front"
    # the client's value wins over the probe's own label of the same key: a policy
    # selecting app.kubernetes.io/name=web must select the probe
    assert labels["app.kubernetes.io/name"] == "web"
    assert labels["app.kubernetes.io/component"] == "probe"
    assert "pod-template-hash" not in labels
    assert pod["metadata"]["annotations"][AS_CLIENT_ANNOTATION] == "pod-template-hash"
    assert pod["spec"]["serviceAccountName"] == "web-sa"
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["readinessGates"] == [{"conditionType": NOT_A_BACKEND_GATE}]
    assert pod["metadata"]["namespace"] == "shop"
    assert restricted_violations(pod) == ()


def test_without_as_client_the_probe_keeps_only_its_own_labels() -> None:
    pod = probe()
    assert "app" not in pod["metadata"]["labels"]
    assert "serviceAccountName" not in pod["spec"]
    assert "readinessGates" not in pod["spec"]
    assert AS_CLIENT_ANNOTATION not in pod["metadata"]["annotations"]
    assert as_client_note(pod) is None


def test_as_client_needs_a_client() -> None:
    with pytest.raises(ValueError, match="needs a client"):
        build_pod(name="a", namespace="n", deadline_seconds=1, as_client=True)


@pytest.mark.parametrize(
    ("kind", "labels", "dropped"),
    [
        (
            "StatefulSet",
            {"app": "db", "controller-revision-hash": "db-5"},
            ["controller-revision-hash"],
        ),
        (
            "Job",
            {"app": "batch", "batch.kubernetes.io/job-name": "j", "job-name": "j"},
            ["batch.kubernetes.io/job-name", "job-name"],
        ),
        ("Deployment", {"app": "web"}, []),
    ],
)
def test_workload_clients_lend_their_pod_templates_labels(
    kind: str, labels: dict[str, str], dropped: list[str]
) -> None:
    client = {
        "kind": kind,
        "metadata": {"name": "w", "namespace": "shop", "labels": {"owner": "not-the-template"}},
        "spec": {
            "template": {
                "metadata": {"labels": labels},
                "spec": {"serviceAccount": "legacy-sa"},
            }
        },
    }
    identity = client_identity(client)
    assert list(identity.dropped) == dropped
    assert dict(identity.labels) == {k: v for k, v in labels.items() if k not in dropped}
    assert identity.service_account == "legacy-sa"


def test_the_note_and_the_report_say_what_was_borrowed_and_dropped() -> None:
    pod = probe(as_client=True)
    note = as_client_note(pod)
    assert note is not None
    assert "app=web" in note and "tier=front" in note
    assert "service account web-sa (no token)" in note
    assert note.endswith("dropped pod-template-hash (its controller would adopt the probe)")
    result = _result()
    document = probe_document(pod, result, keep=False)
    assert document["asClient"]["droppedLabels"] == ["pod-template-hash"]
    assert document["asClient"]["serviceAccountName"] == "web-sa"
    assert document["asClient"]["labels"]["app"] == "web"


def _result() -> Any:
    from kubectl_discover.probe.observations import ProbeResult

    return ProbeResult.from_json({"python": "3.11.2", "checks": []}, pod="shop/p")


# ------------------------------------------------------------------ --ephemeral


def test_ephemeral_container_is_restricted_and_stops_on_its_own() -> None:
    container = build_ephemeral_container(name="abc", deadline_seconds=90)
    assert container["name"] == "discover-abc"
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 65534
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    # ephemeral containers may not declare resources, ports or probes
    assert not {"resources", "ports", "readinessProbe", "livenessProbe"} & set(container)
    assert "time.sleep(90)" in container["command"][-1]
    assert "SIGTERM" in container["command"][-1]
    spec = {"containers": [], "ephemeralContainers": [container]}
    assert restricted_violations({"spec": spec}) == ()


def _with_status(state: dict[str, Any], name: str = "discover-abc") -> dict[str, Any]:
    return {
        "metadata": {"name": "web-0"},
        "status": {
            "phase": "Running",
            "ephemeralContainerStatuses": [{"name": name, "image": "img", "state": state}],
        },
    }


@pytest.mark.parametrize(
    ("pod", "state", "reason", "text"),
    [
        (
            {"metadata": {"name": "web-0"}, "status": {"phase": "Running"}},
            "waiting",
            "",
            "not started",
        ),
        (
            _with_status({"waiting": {"reason": "ContainerCreating"}}),
            "waiting",
            "",
            "ContainerCreating",
        ),
        (_with_status({"running": {}}), "running", "", ""),
        (_with_status({"running": {}}, name="other"), "waiting", "", "not started"),
        (
            _with_status({"waiting": {"reason": "ErrImagePull", "message": "not found"}}),
            "failed",
            "image-pull",
            "cannot pull image img (ErrImagePull: not found)",
        ),
        (
            _with_status(
                {
                    "terminated": {
                        "reason": "StartError",
                        "exitCode": 128,
                        "message": 'exec: "python3": executable file not found',
                    }
                }
            ),
            "failed",
            "start",
            "does the image have python3",
        ),
        (
            {"metadata": {"name": "web-0"}, "status": {"phase": "Succeeded"}},
            "failed",
            "start",
            "the pod is Succeeded",
        ),
    ],
)
def test_classify_ephemeral(pod: dict[str, Any], state: str, reason: str, text: str) -> None:
    progress = classify_ephemeral(pod, "discover-abc")
    assert progress.state == state
    assert progress.reason == reason
    assert text in progress.message


# ------------------------------------------------------------------ flags


def _options(**probe: Any) -> Any:
    return resolve(
        namespace=None,
        all_namespaces=False,
        context=None,
        kubeconfig=None,
        output="table",
        filenames=(),
        cluster_domain=None,
        no_color=True,
        probe=ProbeOptions(enabled=probe.pop("enabled", True), **probe),
    )


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ({"as_client": True}, "--as-client needs --from"),
        ({"ephemeral": True}, "--ephemeral needs --from pod/NAME"),
        ({"ephemeral": True, "client": "deploy/web"}, "--ephemeral needs --from pod/NAME"),
        ({"ephemeral": True, "client": "pod/web", "as_client": True}, "drop --as-client"),
        (
            {"ephemeral": True, "client": "pod/web", "node": "n1", "keep": True},
            "cannot go with --node, --keep",
        ),
        ({"ephemeral": True, "client": "pod/web", "enabled": False}, "--no-probe"),
        ({"ephemeral": True, "client": "pod/web", "watch": True}, "--watch"),
    ],
)
def test_refused_combinations(probe: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("-", r"\-")):
        validate(_options(**probe))


@pytest.mark.parametrize(
    "probe",
    [
        {"as_client": True, "client": "deploy/web"},
        {"ephemeral": True, "client": "pod/web"},
        {"ephemeral": True, "client": "pod/web", "dry_run": True, "image": "py:3"},
    ],
)
def test_accepted_combinations(probe: dict[str, Any]) -> None:
    validate(_options(**probe))


# ------------------------------------------------------------------ the CLI's --dry-run

MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: shop
  labels: {app: client, pod-template-hash: 5d6f7}
spec:
  nodeName: n1
  serviceAccountName: client-sa
  containers: [{name: c, image: app:1}]
"""


def _dry_run(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[int, Any, str]:
    from kubectl_discover.cli import run

    path = tmp_path / "objects.yaml"
    path.write_text(MANIFESTS)
    argv = ["svc", "web", "-n", "shop", "-f", str(path), "--dry-run", "-o", "json", *flags]
    code = run(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_dry_run_as_client_shows_the_borrowed_identity(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, _ = _dry_run(tmp_path, capsys, "--from", "pod/client", "--as-client")
    assert code == 0
    pod = document["pod"]
    assert pod["metadata"]["labels"]["app"] == "client"
    assert "pod-template-hash" not in pod["metadata"]["labels"]
    assert pod["metadata"]["annotations"][AS_CLIENT_ANNOTATION] == "pod-template-hash"
    assert pod["spec"]["serviceAccountName"] == "client-sa"
    assert pod["spec"]["nodeName"] == "n1"
    assert document["restrictedViolations"] == []


def test_dry_run_ephemeral_shows_the_container_for_the_client_pod(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, _ = _dry_run(tmp_path, capsys, "--from", "pod/client", "--ephemeral")
    assert code == 0
    assert document["pod"] == "shop/client"
    assert document["ephemeralContainer"]["name"].startswith("discover-")
    assert document["restrictedViolations"] == []
    assert "probe" not in document  # no probe pod is built


def test_ephemeral_from_a_pod_that_does_not_exist_is_not_found(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _dry_run(tmp_path, capsys, "--from", "pod/nope", "--ephemeral")
    assert code == 2
    assert err.strip() == "error: --from pod/nope: no Pod nope in namespace shop; Pods here: client"
