"""Removed API versions (conversion in the loader, findings in analyze.legacy) and
annotations that current controllers ignore."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_discover.analyze import legacy as analysis
from kubectl_discover.analyze.legacy import (
    CHECKS,
    LEGACY_ANNOTATION,
    REMOVED_API_VERSION,
    legacy_findings,
    legacy_findings_for,
)
from kubectl_discover.errors import InputError
from kubectl_discover.findings import Finding, Severity
from kubectl_discover.manifests import legacy as conversion
from kubectl_discover.manifests import load, load_files
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Conversion, Obj, Snapshot, name_of, namespace_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"


def path_of(name: str) -> str:
    return str(FIXTURES / name)


def line_of(path: str, needle: str) -> int:
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def loaded(name: str, namespace: str | None = "default") -> Snapshot:
    return load_files([path_of(name)], namespace)


def the(objs: tuple[Obj, ...], name: str) -> Obj:
    [obj] = [o for o in objs if name_of(o) == name]
    return obj


def conversion_of(snap: Snapshot, kind: str, name: str) -> Conversion:
    [found] = [
        c
        for c in snap.conversions
        if c.converted.get("kind") == kind and name_of(c.converted) == name
    ]
    return found


def by_id(findings: tuple[Finding, ...], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


def hint_manifest(finding: Finding) -> dict[str, Any]:
    """The YAML document carried in a removed-api-version hint."""
    _sentence, _, body = finding.hint.partition("\n")
    document = yaml.safe_load(body)
    assert isinstance(document, dict)
    return document


def backend_of(ingress: Obj, path: str) -> Any:
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            if entry.get("path") == path:
                return entry["backend"]
    raise AssertionError(path)


# --- the catalogue -------------------------------------------------------------------------


def test_checks_are_declared_once_in_the_legacy_area() -> None:
    assert {c.id for c in CHECKS} == {"removed-api-version", "legacy-annotation"}
    assert REMOVED_API_VERSION.severity is Severity.FAIL
    assert LEGACY_ANNOTATION.severity is Severity.WARN
    assert all(c.area == "legacy" for c in CHECKS)


# --- the article-style sample (rewritten) -----------------------------------------------------


def test_article_style_ingress_is_converted_for_analysis() -> None:
    snap = loaded("article-style.yaml")
    ingress = the(snap.ingresses, "greeter-ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert backend_of(ingress, "/hello") == {
        "service": {"name": "greeter-svc", "port": {"number": 9090}}
    }
    assert ingress["spec"]["defaultBackend"] == {
        "service": {"name": "greeter-svc", "port": {"number": 9090}}
    }
    assert "backend" not in ingress["spec"]
    [path] = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["pathType"] == "ImplementationSpecific"
    assert ingress["spec"]["tls"] == [{"hosts": ["greet.example.org"], "secretName": "greeter-tls"}]
    # The Deployment and Service were already current: analysed unchanged.
    assert [c.converted["kind"] for c in snap.conversions] == ["Ingress"]
    assert the(snap.services, "greeter-svc")["spec"]["type"] == "NodePort"
    assert name_of(snap.workloads[0]) == "greeter"


def test_article_style_ingress_findings() -> None:
    path = path_of("article-style.yaml")
    snap = load_files([path], "web")
    findings = legacy_findings_for(snap, "Ingress", "web", "greeter-ingress")
    [removed] = by_id(findings, "removed-api-version")
    assert removed.severity is Severity.FAIL
    assert removed.subject == ObjectRef("Ingress", "web", "greeter-ingress")
    assert "extensions/v1beta1 Ingress was removed in Kubernetes v1.22" in removed.message
    assert "rejects" in removed.message
    evidence = dict(removed.evidence)
    assert evidence["source"] == f"{path}:{line_of(path, 'apiVersion: extensions/v1beta1')}"
    assert evidence["removed in"] == "v1.22"
    notes = [v for k, v in removed.evidence if k.startswith("note")]
    assert any("defaultBackend" in n for n in notes)
    assert any("pathType" in n and "/hello" in n for n in notes)

    [annotation] = by_id(findings, "legacy-annotation")
    assert annotation.severity is Severity.WARN
    assert "ingress.kubernetes.io/rewrite-target" in annotation.message
    assert '"nginx.ingress.kubernetes.io/rewrite-target"' in annotation.hint
    # After the rename the old "/" target would swallow every subpath: say so.
    assert "/hello(/|$)(.*)" in annotation.hint
    assert ("annotation", "ingress.kubernetes.io/rewrite-target") in annotation.evidence


def test_hint_carries_the_full_converted_manifest_as_written() -> None:
    snap = loaded("article-style.yaml", "web")
    [removed] = by_id(legacy_findings(snap, "web"), "removed-api-version")
    manifest = hint_manifest(removed)
    original = conversion_of(snap, "Ingress", "greeter-ingress").original
    assert manifest["apiVersion"] == "networking.k8s.io/v1"
    assert manifest["kind"] == "Ingress"
    # The namespace the loader defaulted is not written into the user's manifest.
    assert "namespace" not in manifest["metadata"]
    assert manifest["metadata"]["annotations"] == original["metadata"]["annotations"]
    assert manifest["spec"]["defaultBackend"]["service"]["name"] == "greeter-svc"
    assert list(manifest)[:2] == ["apiVersion", "kind"]  # sort_keys=False keeps the order


def test_conversion_keeps_the_original_untouched() -> None:
    snap = loaded("article-style.yaml", "web")
    kept = conversion_of(snap, "Ingress", "greeter-ingress")
    assert kept.original["apiVersion"] == "extensions/v1beta1"
    assert kept.original["spec"]["backend"] == {"serviceName": "greeter-svc", "servicePort": 9090}
    assert "namespace" not in kept.original["metadata"]
    assert kept.removed_in == "v1.22"
    assert namespace_of(the(snap.ingresses, "greeter-ingress")) == "web"


# --- Ingress: networking.k8s.io/v1beta1 and broken v1beta1 ---------------------------------------


def test_networking_v1beta1_port_by_name_and_number() -> None:
    snap = loaded("ingress-networking-v1beta1.yaml")
    ingress = the(snap.ingresses, "docs")
    assert backend_of(ingress, "/") == {"service": {"name": "docs", "port": {"name": "http"}}}
    assert backend_of(ingress, "/search") == {
        "service": {"name": "docs-search", "port": {"number": 8080}}
    }
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    assert [p["pathType"] for p in paths] == ["Prefix", "Exact"]  # explicit ones are kept
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert conversion_of(snap, "Ingress", "docs").notes == ()
    [removed] = legacy_findings_for(snap, "Ingress", "portal", "docs")
    assert "networking.k8s.io/v1beta1 Ingress" in removed.message


def test_broken_v1beta1_backends_are_converted_with_notes() -> None:
    snap = loaded("ingress-broken.yaml")
    ingress = the(snap.ingresses, "half-done")
    assert backend_of(ingress, "/quoted") == {"service": {"name": "half", "port": {"number": 8080}}}
    assert backend_of(ingress, "/portless") == {"service": {"name": "half"}}
    assert backend_of(ingress, "/nameless") == {"service": {"port": {"number": 80}}}
    notes = conversion_of(snap, "Ingress", "half-done").notes
    assert any('"8080"' in n and "service.port.number: 8080" in n for n in notes)
    assert any("paths[1]" in n and "servicePort" in n for n in notes)
    assert any("paths[2]" in n and "serviceName" in n for n in notes)
    [removed] = legacy_findings_for(snap, "Ingress", "portal", "half-done")
    assert sum(k.startswith("note") for k, _ in removed.evidence) == len(notes)


@pytest.mark.parametrize(
    ("service_port", "expected"),
    [
        (80, {"number": 80}),
        ("80", {"number": 80}),
        ("http", {"name": "http"}),
        (None, None),
        (True, None),
        ("", None),
    ],
)
def test_service_port_forms(service_port: object, expected: dict[str, Any] | None) -> None:
    original = {
        "apiVersion": "extensions/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "p"},
        "spec": {"backend": {"serviceName": "s", "servicePort": service_port}},
    }
    converted = conversion.convert(original)
    assert converted is not None
    service = converted.converted["spec"]["defaultBackend"]["service"]
    assert service.get("port") == expected
    assert original["spec"]["backend"]["servicePort"] == service_port  # input untouched


def test_resource_backend_keeps_its_shape() -> None:
    resource = {"apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "assets"}
    original = {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "r"},
        "spec": {"backend": {"resource": resource}},
    }
    converted = conversion.convert(original)
    assert converted is not None
    assert converted.converted["spec"]["defaultBackend"] == {"resource": resource}


def test_current_versions_are_not_converted() -> None:
    current = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "x"}}
    assert conversion.convert(current) is None


# --- IngressClass and CronJob ----------------------------------------------------------------


def test_ingressclass_v1beta1() -> None:
    snap = loaded("ingressclass-v1beta1.yaml", "anywhere")
    [ingress_class] = snap.ingressclasses
    assert ingress_class["apiVersion"] == "networking.k8s.io/v1"
    assert ingress_class["spec"] == {"controller": "k8s.io/ingress-nginx"}
    assert "namespace" not in ingress_class["metadata"]
    # Cluster-scoped: reported whichever namespace is asked about.
    [removed] = legacy_findings(snap, "some-namespace")
    assert removed.subject == ObjectRef("IngressClass", "", "public")
    assert "v1.22" in removed.message
    assert legacy_findings_for(snap, "IngressClass", "ignored", "public") == (removed,)


def test_cronjob_batch_v1beta1() -> None:
    snap = loaded("cronjob-v1beta1.yaml")
    [cron] = snap.workloads
    assert (cron["apiVersion"], cron["kind"]) == ("batch/v1", "CronJob")
    [removed] = legacy_findings(snap, "infra")
    assert "batch/v1beta1 CronJob was removed in Kubernetes v1.25" in removed.message


# --- workloads ---------------------------------------------------------------------------


def test_beta_workloads_with_selector_only_change_version() -> None:
    snap = loaded("workloads-good.yaml")
    assert [(w["apiVersion"], w["kind"]) for w in snap.workloads] == [
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "Deployment"),
    ]
    assert all(c.notes == () for c in snap.conversions)
    assert all(c.removed_in == "v1.16" for c in snap.conversions)
    findings = legacy_findings(snap, "infra")
    assert [str(f.subject) for f in findings] == [
        "DaemonSet infra/log-shipper",
        "Deployment infra/inventory",
    ]
    assert all(f.id == "removed-api-version" for f in findings)


def test_missing_selector_defaults_to_template_labels() -> None:
    snap = loaded("workloads-no-selector.yaml")
    storefront = the(snap.workloads, "storefront")
    assert storefront["apiVersion"] == "apps/v1"
    assert storefront["spec"]["selector"] == {
        "matchLabels": {"app": "storefront", "track": "stable"}
    }
    assert "rollbackTo" not in storefront["spec"]
    notes = conversion_of(snap, "Deployment", "storefront").notes
    assert any("extensions/v1beta1 defaulted it to the pod template labels" in n for n in notes)
    assert any("rollbackTo" in n for n in notes)

    queue = the(snap.workloads, "queue")
    assert queue["spec"]["selector"] == {"matchLabels": {"app": "queue"}}
    assert queue["spec"]["serviceName"] == "queue"


def test_apps_v1beta2_never_defaulted_the_selector() -> None:
    snap = loaded("workloads-no-selector.yaml")
    thumbnails = the(snap.workloads, "thumbnails")
    assert thumbnails["spec"]["selector"] == {"matchLabels": {"app": "thumbnails"}}
    [note] = conversion_of(snap, "ReplicaSet", "thumbnails").notes
    assert "apps/v1beta2 already required it" in note


def test_no_selector_and_no_labels_is_explained() -> None:
    snap = loaded("workloads-no-selector.yaml")
    unlabelled = the(snap.workloads, "unlabelled")
    assert "selector" not in unlabelled["spec"]
    assert "templateGeneration" not in unlabelled["spec"]
    notes = conversion_of(snap, "DaemonSet", "unlabelled").notes
    assert any("no selector" in n for n in notes)
    [removed] = legacy_findings_for(snap, "DaemonSet", "infra", "unlabelled")
    assert "selector" not in hint_manifest(removed)["spec"]


def test_kind_a_beta_group_never_served_is_left_out_with_a_reason() -> None:
    result = load([path_of("never-served.yaml")], "default")
    assert result.snapshot.workloads == ()
    assert result.snapshot.conversions == ()
    [ignored] = result.ignored
    assert ignored.kind == "DaemonSet"
    assert "apps/v1" in ignored.reason


def test_duplicate_between_old_and_new_version_is_reported(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: greeter-ingress\n"
    )
    old = path_of("article-style.yaml")
    with pytest.raises(InputError) as caught:
        load_files([old, str(new)], "default")
    assert caught.value.message.startswith(f"{new}:1: ")
    assert f"{old}:{line_of(old, 'apiVersion: extensions/v1beta1')}" in caught.value.message


# --- legacy annotations ---------------------------------------------------------------------


def annotation_findings(name: str) -> dict[tuple[str, str], Finding]:
    snap = loaded("annotations.yaml")
    found = legacy_findings(snap, "edge")
    assert by_id(found, "removed-api-version") == []
    return {
        (str(f.subject), dict(f.evidence)["annotation"]): f
        for f in found
        if f.subject.name.startswith(name)
    }


def test_removed_nginx_annotations_name_their_replacement() -> None:
    found = annotation_findings("grpc-api")
    grpc = found[("Ingress edge/grpc-api", "nginx.ingress.kubernetes.io/grpc-backend")]
    assert '"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"' in grpc.hint
    assert "0.21" in grpc.message
    base = found[("Ingress edge/grpc-api", "nginx.ingress.kubernetes.io/add-base-url")]
    assert "delete it" in base.hint
    old_prefix = found[("Ingress edge/grpc-api", "ingress.kubernetes.io/secure-backends")]
    assert '"nginx.ingress.kubernetes.io/backend-protocol": "HTTPS"' in old_prefix.hint
    # A current annotation is not flagged.
    assert ("Ingress edge/grpc-api", "nginx.ingress.kubernetes.io/ssl-redirect") not in found
    assert all(f.severity is Severity.WARN for f in found.values())


def test_old_prefix_is_not_flagged_for_other_controllers() -> None:
    assert annotation_findings("haproxy-app") == {}
    assert annotation_findings("gke-app") == {}


def test_disabled_removed_annotation_just_needs_deleting() -> None:
    found = annotation_findings("plain")
    [finding] = found.values()
    assert "delete" in finding.hint


def test_tolerate_unready_endpoints() -> None:
    found = annotation_findings("peers")
    plain = found[("Service edge/peers", analysis.TOLERATE_UNREADY)]
    assert plain.severity is Severity.WARN
    assert "spec.publishNotReadyAddresses: true" in plain.hint
    done = found[("Service edge/peers-done", analysis.TOLERATE_UNREADY)]
    assert done.severity is Severity.INFO


def test_findings_are_scoped_to_the_namespace_asked_for() -> None:
    snap = loaded("annotations.yaml")
    assert legacy_findings(snap, "elsewhere") == ()
    assert len(legacy_findings(snap, None)) == len(legacy_findings(snap, "edge"))


def test_findings_for_one_object_only() -> None:
    snap = load_files([path_of("annotations.yaml"), path_of("article-style.yaml")], "edge")
    found = legacy_findings_for(snap, "Ingress", "edge", "plain")
    assert [f.subject for f in found] == [ObjectRef("Ingress", "edge", "plain")]
    assert legacy_findings_for(snap, "Ingress", "edge", "no-such-ingress") == ()
    greeter = legacy_findings_for(snap, "Ingress", "edge", "greeter-ingress")
    assert {f.id for f in greeter} == {"removed-api-version", "legacy-annotation"}


def test_hint_drops_server_populated_fields() -> None:
    text = """
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: dumped
  namespace: prod
  uid: 0b6f8d5e-0000-4000-8000-000000000000
  resourceVersion: "4242"
  creationTimestamp: "2019-03-01T10:00:00Z"
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"big": "json"}'
spec:
  backend: {serviceName: web, servicePort: 80}
status:
  loadBalancer:
    ingress: [{ip: 203.0.113.10}]
"""
    snap = load_files(["-"], None, stdin=io.BytesIO(text.encode()))
    # Analysis still sees the status (the Ingress has an address)...
    assert the(snap.ingresses, "dumped")["status"]["loadBalancer"]["ingress"]
    [removed] = legacy_findings(snap, "prod")
    manifest = hint_manifest(removed)
    # ...but the manifest to write back carries none of the server's fields.
    assert "status" not in manifest
    assert set(manifest["metadata"]) == {"name", "namespace"}


# --- robustness: any spec shape converts or is left alone, never crashes ------------------------

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.sampled_from(["", "80", "http", "/"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "backend",
                    "serviceName",
                    "servicePort",
                    "rules",
                    "http",
                    "paths",
                    "path",
                    "pathType",
                    "selector",
                    "template",
                    "metadata",
                    "labels",
                    "resource",
                    "tls",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(conversion.RULES)),
    _VALUES,
)
def test_conversion_of_arbitrary_specs_never_crashes(key: tuple[str, str], spec: object) -> None:
    version, kind = key
    obj = {"apiVersion": version, "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    data = yaml.safe_dump(obj).encode()
    try:
        snap = load_files(["-"], "ns", stdin=io.BytesIO(data))
    except InputError:
        return
    findings = legacy_findings(snap, None)
    assert [f.id for f in findings if f.id == "removed-api-version"] == ["removed-api-version"]


def test_endpointslice_v1beta1_topology_is_split() -> None:
    snap = loaded("endpointslice-v1beta1.yaml")
    [eps] = snap.endpointslices
    assert eps["apiVersion"] == "discovery.k8s.io/v1"
    first, second = eps["endpoints"]
    assert first["zone"] == "eu-west-1a"
    assert first["nodeName"] == "db-host-a"
    assert first["deprecatedTopology"] == {"rack": "r12"}
    assert "topology" not in first
    assert second == {"addresses": ["10.40.0.16"], "conditions": {"ready": True}}
    [removed] = legacy_findings_for(snap, "EndpointSlice", "infra", "warehouse-db-1")
    assert "discovery.k8s.io/v1beta1 EndpointSlice was removed in Kubernetes v1.25" in (
        removed.message
    )
