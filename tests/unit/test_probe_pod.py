"""The probe pod manifest: locked down, pinned where asked, and a client's DNS view copied."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from kubectl_discover.probe.pod import (
    CLIENT_ANNOTATION,
    DEFAULT_IMAGE,
    LABEL_SELECTOR,
    build_pod,
    classify_pod,
    expires_at,
    probe_name,
    random_suffix,
    restricted_violations,
)

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def pod(**kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"name": "abc123", "namespace": "shop", "deadline_seconds": 120}
    args.update(kwargs)
    return build_pod(now=NOW, **args)


def container(p: dict[str, Any]) -> dict[str, Any]:
    (only,) = p["spec"]["containers"]
    result: dict[str, Any] = only
    return result


def test_name_labels_and_expiry_make_the_pod_findable_for_cleanup() -> None:
    p = pod()
    assert p["metadata"]["name"] == "discover-probe-abc123"
    labels = p["metadata"]["labels"]
    for pair in LABEL_SELECTOR.split(","):
        key, value = pair.split("=")
        assert labels[key] == value
    assert expires_at(p) == NOW + datetime.timedelta(seconds=120)


def test_random_names_differ_and_keep_the_prefix() -> None:
    names = {probe_name(random_suffix()) for _ in range(20)}
    assert len(names) == 20
    assert all(n.startswith("discover-probe-") and len(n) <= 63 for n in names)
    assert probe_name("discover-probe-x") == "discover-probe-x"


def test_pod_is_short_lived_and_admitted_by_the_restricted_profile() -> None:
    p = pod(image="registry.local/python:3.8")
    spec = p["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["activeDeadlineSeconds"] == 120
    assert spec["automountServiceAccountToken"] is False
    c = container(p)
    assert c["image"] == "registry.local/python:3.8"
    assert c["command"][0] == "python3" and "sleep(120)" in c["command"][-1]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert isinstance(sc["runAsUser"], int) and sc["runAsUser"] != 0
    assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]
    assert any(v["name"] == "tmp" and "emptyDir" in v for v in spec["volumes"])
    assert c["resources"]["limits"]["memory"] == "128Mi"
    assert restricted_violations(p) == ()


def test_default_image_is_a_glibc_python() -> None:
    assert container(pod())["image"] == DEFAULT_IMAGE
    assert "alpine" not in DEFAULT_IMAGE


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda p: p["spec"].__setitem__("hostNetwork", True), "hostNetwork"),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].__setitem__(
                "seccompProfile", {"type": "Unconfined"}
            ),
            "seccompProfile",
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"),
            "allowPrivilegeEscalation",
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].__setitem__(
                "capabilities", {"add": ["NET_ADMIN"]}
            ),
            "ALL",
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].__setitem__(
                "capabilities", {"drop": ["ALL"], "add": ["NET_RAW"]}
            ),
            "NET_RAW",
        ),
        (
            lambda p: p["spec"]["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
            "hostPath",
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].__setitem__("runAsUser", 0),
            "runAsUser",
        ),
        (
            lambda p: p["spec"]["containers"][0]["securityContext"].__setitem__("privileged", True),
            "privileged",
        ),
        (
            lambda p: p["spec"]["containers"][0].__setitem__(
                "ports", [{"containerPort": 80, "hostPort": 80}]
            ),
            "hostPort",
        ),
    ],
)
def test_restricted_check_names_the_offending_field(mutate: Any, expected: str) -> None:
    p = copy.deepcopy(pod())
    mutate(p)
    problems = restricted_violations(p)
    assert problems and any(expected in problem for problem in problems), problems


def test_run_as_non_root_is_required_somewhere() -> None:
    p = copy.deepcopy(pod())
    p["spec"]["securityContext"].pop("runAsNonRoot")
    p["spec"]["containers"][0]["securityContext"].pop("runAsNonRoot")
    assert any("runAsNonRoot" in v for v in restricted_violations(p))


def test_node_pins_the_pod() -> None:
    assert pod(node="worker-2")["spec"]["nodeName"] == "worker-2"
    assert "nodeName" not in pod()["spec"]


CLIENT_POD: dict[str, Any] = {
    "kind": "Pod",
    "metadata": {"name": "frontend-7d9c", "namespace": "web"},
    "spec": {
        "nodeName": "worker-3",
        "dnsPolicy": "None",
        "dnsConfig": {
            "nameservers": ["10.96.0.10"],
            "searches": ["corp.example"],
            "options": [{"name": "ndots", "value": "2"}],
        },
        "containers": [{"name": "app", "image": "nginx"}],
        "serviceAccountName": "frontend",
    },
}


def test_from_pod_copies_what_shapes_the_clients_dns_view() -> None:
    p = pod(client=CLIENT_POD)
    assert p["metadata"]["namespace"] == "web"
    spec = p["spec"]
    assert spec["nodeName"] == "worker-3"
    assert spec["dnsPolicy"] == "None"
    assert spec["dnsConfig"] == CLIENT_POD["spec"]["dnsConfig"]
    assert "serviceAccountName" not in spec
    assert p["metadata"]["annotations"][CLIENT_ANNOTATION] == "Pod/frontend-7d9c"


def test_explicit_node_wins_over_the_clients() -> None:
    assert pod(client=CLIENT_POD, node="worker-9")["spec"]["nodeName"] == "worker-9"


def test_from_deployment_uses_its_pod_template() -> None:
    deploy = {
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "backend"},
        "spec": {
            "template": {
                "spec": {
                    "hostNetwork": True,
                    "dnsPolicy": "ClusterFirstWithHostNet",
                    "containers": [],
                }
            }
        },
    }
    p = pod(client=deploy)
    assert p["metadata"]["namespace"] == "backend"
    assert p["spec"]["hostNetwork"] is True
    assert p["spec"]["dnsPolicy"] == "ClusterFirstWithHostNet"
    # a hostNetwork client cannot be mimicked under "restricted": say so up front
    assert any("hostNetwork" in v for v in restricted_violations(p))


def test_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError):
        pod(deadline_seconds=0)


def test_unreadable_expiry_is_none() -> None:
    assert (
        expires_at({"metadata": {"annotations": {"kubectl-discover.io/expires-at": "soon"}}})
        is None
    )
    assert expires_at({}) is None


# ---------------------------------------------------------------- classify_pod


def status_pod(status: dict[str, Any]) -> dict[str, Any]:
    p = pod()
    p["status"] = status
    return p


def waiting(reason: str, message: str = "") -> dict[str, Any]:
    return {
        "phase": "Pending",
        "containerStatuses": [
            {"name": "probe", "state": {"waiting": {"reason": reason, "message": message}}}
        ],
    }


@pytest.mark.parametrize(
    ("status", "state", "reason", "words"),
    [
        ({"phase": "Pending"}, "waiting", "", ()),
        (waiting("ContainerCreating"), "waiting", "", ()),
        (
            {"phase": "Running", "containerStatuses": [{"state": {"running": {}}}]},
            "running",
            "",
            (),
        ),
        (
            waiting("ErrImagePull", 'pull access denied for "nope"'),
            "failed",
            "image-pull",
            ("--image", "pull access denied"),
        ),
        (waiting("ImagePullBackOff"), "failed", "image-pull", ("--image",)),
        (waiting("InvalidImageName"), "failed", "image-pull", ("--image",)),
        (
            waiting("CreateContainerConfigError", "secret x not found"),
            "failed",
            "start",
            ("secret x not found",),
        ),
        (
            {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/3 nodes are available: "
                        "3 node(s) had untolerated taint {dedicated: infra}.",
                    }
                ],
            },
            "failed",
            "unschedulable",
            ("untolerated taint", "--node"),
        ),
        (
            {
                "phase": "Failed",
                "containerStatuses": [
                    {"state": {"terminated": {"reason": "StartError", "exitCode": 127}}}
                ],
            },
            "failed",
            "start",
            ("python3", "127"),
        ),
        (
            {"phase": "Failed", "reason": "DeadlineExceeded"},
            "failed",
            "start",
            ("DeadlineExceeded",),
        ),
    ],
)
def test_classify_pod(
    status: dict[str, Any], state: str, reason: str, words: tuple[str, ...]
) -> None:
    progress = classify_pod(status_pod(status))
    assert (progress.state, progress.reason) == (state, reason)
    for word in words:
        assert word in progress.message


def test_start_error_keeps_the_runtimes_message_and_hints_at_python3() -> None:
    """containerd + runc: an image without python3 ends StartError, exit code 128."""
    message = (
        "failed to create containerd task: failed to create shim task: OCI runtime create "
        'failed: runc create failed: unable to start container process: exec: "python3": '
        "executable file not found in $PATH"
    )
    terminated = {"reason": "StartError", "exitCode": 128, "message": message}
    pod = status_pod(
        {"phase": "Failed", "containerStatuses": [{"state": {"terminated": terminated}}]}
    )
    progress = classify_pod(pod)
    assert (progress.state, progress.reason) == ("failed", "start")
    name = pod["metadata"]["name"]
    assert progress.message == (
        f"probe pod {name} stopped before the probe ran: StartError, exit code 128: "
        f"{message} (does the image have python3 on PATH? try --image)"
    )


def test_start_error_of_another_cause_gets_no_python3_hint() -> None:
    terminated = {"reason": "StartError", "exitCode": 128, "message": "mount failed: EPERM"}
    pod = status_pod(
        {"phase": "Failed", "containerStatuses": [{"state": {"terminated": terminated}}]}
    )
    name = pod["metadata"]["name"]
    assert classify_pod(pod).message == (
        f"probe pod {name} stopped before the probe ran: StartError, exit code 128: "
        "mount failed: EPERM"
    )


@pytest.mark.parametrize(
    "reason", ["TaintToleration", "NodeAffinity", "OutOfcpu", "OutOfmemory", "OutOfpods"]
)
def test_kubelet_admission_rejection_means_no_node_accepts_the_pod(reason: str) -> None:
    message = f"Pod was rejected: Predicate {reason} failed: node(s) had untolerated taint"
    pod = status_pod({"phase": "Failed", "reason": reason, "message": message})
    pod["spec"]["nodeName"] = "kd-real-1"
    progress = classify_pod(pod)
    assert (progress.state, progress.reason) == ("failed", "unschedulable")
    name = pod["metadata"]["name"]
    assert progress.message == (
        f"probe pod {name} was rejected by the kubelet of kd-real-1 ({reason}: {message}); "
        "pick another node with --node"
    )


def test_a_failed_pod_with_another_reason_is_not_an_admission_rejection() -> None:
    for reason in ("DeadlineExceeded", "Evicted", "OutOf"):
        progress = classify_pod(status_pod({"phase": "Failed", "reason": reason}))
        assert (progress.state, progress.reason) == ("failed", "start"), reason
