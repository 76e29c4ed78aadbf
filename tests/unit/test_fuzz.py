"""Property-based fuzzing: bad input never gives a traceback, and analysis never crashes on
objects shaped like the ones the API server accepts (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_discover.analyze.index import build_index
from kubectl_discover.cli import run
from kubectl_discover.diagnose import diagnose_ingress, diagnose_service, scan
from kubectl_discover.errors import DiscoverError, NotFoundError
from kubectl_discover.snapshot import Snapshot

NAMES = st.sampled_from(["web", "db", "api", "web-0", "x", "a" * 63])
LABELS = st.dictionaries(
    st.sampled_from(["app", "tier", "role"]), st.sampled_from(["web", "db", "api", ""]), max_size=3
)
PORT_NUMBERS = st.one_of(st.integers(min_value=1, max_value=65535), st.sampled_from([0, 70000]))
TARGET_PORTS = st.one_of(PORT_NUMBERS, st.sampled_from(["http", "dns", "metrics", "Bad_Name"]))
PROTOCOLS = st.sampled_from(["TCP", "UDP", "SCTP"])


@st.composite
def service_ports(draw: st.DrawFn) -> dict[str, Any]:
    port: dict[str, Any] = {"port": draw(PORT_NUMBERS), "protocol": draw(PROTOCOLS)}
    if draw(st.booleans()):
        port["name"] = draw(st.sampled_from(["http", "https", "grpc", "dns", "x" * 20]))
    if draw(st.booleans()):
        port["targetPort"] = draw(TARGET_PORTS)
    if draw(st.booleans()):
        port["nodePort"] = draw(st.integers(min_value=30000, max_value=32767))
    return port


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": draw(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"])),
        "ports": draw(st.lists(service_ports(), max_size=3)),
    }
    if draw(st.booleans()):
        spec["selector"] = draw(LABELS)
    choice = draw(st.sampled_from(["none", "None", "ip", "two"]))
    if choice == "None":
        spec["clusterIP"] = "None"
    elif choice == "ip":
        spec["clusterIP"] = "10.96.0.12"
        spec["clusterIPs"] = ["10.96.0.12"]
    elif choice == "two":
        spec["clusterIPs"] = ["10.96.0.13", "fd00::13"]
        spec["ipFamilies"] = ["IPv4", "IPv6"]
    if spec["type"] == "ExternalName":
        spec["externalName"] = draw(st.sampled_from(["api.example.com", "10.1.2.3", "x..y", ""]))
    for key, values in (
        ("externalTrafficPolicy", ["Local", "Cluster"]),
        ("internalTrafficPolicy", ["Local", "Cluster"]),
        ("publishNotReadyAddresses", [True, False]),
        ("externalIPs", [["192.0.2.1"], ["bogus"]]),
    ):
        if draw(st.booleans()):
            spec[key] = draw(st.sampled_from(values))
    status: dict[str, Any] = {}
    if draw(st.booleans()):
        status = {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}, {"hostname": "lb.example"}]}}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": draw(NAMES), "namespace": "shop"},
        "spec": spec,
        "status": status,
    }


@st.composite
def workloads(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]))
    containers = [
        {
            "name": "c",
            "ports": [
                {
                    k: v
                    for k, v in {
                        "containerPort": draw(PORT_NUMBERS),
                        "name": draw(st.sampled_from([None, "http", "dns", "metrics"])),
                        "protocol": draw(st.sampled_from([None, "TCP", "UDP"])),
                    }.items()
                    if v is not None
                }
                for _ in range(draw(st.integers(0, 2)))
            ],
        }
    ]
    pod_spec: dict[str, Any] = {"containers": containers}
    if draw(st.booleans()):
        pod_spec["hostname"] = draw(NAMES)
    if draw(st.booleans()):
        pod_spec["subdomain"] = draw(NAMES)
    template = {"metadata": {"labels": draw(LABELS)}, "spec": pod_spec}
    spec: dict[str, Any] = {"template": template, "selector": {"matchLabels": draw(LABELS)}}
    if kind in ("Deployment", "StatefulSet"):
        spec["replicas"] = draw(st.integers(0, 4))
    if kind == "StatefulSet":
        spec["serviceName"] = draw(st.sampled_from(["", "web", "db", "missing"]))
    if kind == "CronJob":
        spec = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": draw(NAMES), "namespace": "shop"},
        "spec": spec,
    }


@st.composite
def ingresses(draw: st.DrawFn) -> dict[str, Any]:
    backend = {
        "service": {
            "name": draw(NAMES),
            "port": draw(
                st.sampled_from(
                    [{"number": 80}, {"number": 8080}, {"name": "http"}, {"name": "nope"}]
                )
            ),
        }
    }
    path: dict[str, Any] = {
        "path": draw(st.sampled_from(["/", "/api", "/a//b", "", "/x(/|$)(.*)"])),
        "backend": backend,
    }
    if draw(st.booleans()):
        path["pathType"] = draw(st.sampled_from(["Prefix", "Exact", "ImplementationSpecific"]))
    rule: dict[str, Any] = {"http": {"paths": [path]}}
    if draw(st.booleans()):
        rule["host"] = draw(st.sampled_from(["shop.example.com", "*.example.com", "1.2.3.4", "*"]))
    spec: dict[str, Any] = {"rules": [rule]}
    if draw(st.booleans()):
        spec["tls"] = [{"hosts": ["shop.example.com"], "secretName": "tls"}]
    if draw(st.booleans()):
        spec["ingressClassName"] = draw(st.sampled_from(["nginx", "gce", "missing"]))
    annotations = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "nginx.ingress.kubernetes.io/rewrite-target",
                    "kubernetes.io/ingress.class",
                    "ingress.kubernetes.io/rewrite-target",
                ]
            ),
            st.sampled_from(["/", "/$2", "nginx"]),
            max_size=2,
        )
    )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": draw(NAMES), "namespace": "shop", "annotations": annotations},
        "spec": spec,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    svcs=st.lists(services(), min_size=1, max_size=4),
    loads=st.lists(workloads(), max_size=4),
    ings=st.lists(ingresses(), max_size=3),
    live=st.booleans(),
)
def test_analysis_never_crashes(
    svcs: list[dict[str, Any]],
    loads: list[dict[str, Any]],
    ings: list[dict[str, Any]],
    live: bool,
) -> None:
    snapshot = Snapshot(
        namespace="shop",
        live=live,
        services=tuple(svcs),
        workloads=tuple(loads),
        ingresses=tuple(ings),
    )
    index = build_index(snapshot)
    for svc in svcs:
        try:
            diagnose_service(index, "shop", svc["metadata"]["name"])
        except NotFoundError:
            pytest.fail("a Service in the snapshot was reported as not found")
    for ing in ings:
        diagnose_ingress(index, "shop", ing["metadata"]["name"])
    scan(index, None)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
    )
)
def test_garbage_manifests_are_exit_two_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    code = run(["svc", "web", "-n", "shop", "-f", str(path), "--no-probe", "-o", "json"])
    out, err = capsys.readouterr()
    assert "internal error" not in err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1
        assert str(path) in err or "not found" in err
    else:
        assert code in (0, 1)
        json.loads(out)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    svcs=st.lists(services(), min_size=1, max_size=3),
    flags=st.lists(
        st.sampled_from(
            [
                "-o",
                "json",
                "yaml",
                "tree",
                "wide",
                "-n",
                "shop",
                "--no-color",
                "-A",
                "--bogus",
                "--cluster-domain",
                "example.org",
                "--probe-timeout",
                "-1",
                "--from",
                "pod/x",
            ]
        ),
        max_size=5,
    ),
)
def test_any_flags_on_real_manifests_never_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    svcs: list[dict[str, Any]],
    flags: list[str],
) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(yaml.safe_dump_all(svcs))
    code = run(["svc", svcs[0]["metadata"]["name"], "-f", str(path), "--no-probe", *flags])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "internal error" not in err


def test_discover_errors_carry_exit_codes() -> None:
    assert all(cls.exit_code in (2, 3, 4) for cls in (DiscoverError, NotFoundError))
