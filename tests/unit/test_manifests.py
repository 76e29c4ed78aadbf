"""The offline loader: every input form, every error, and never a stray exception."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_discover.errors import InputError
from kubectl_discover.manifests import (
    ENDPOINTS_REASON,
    SECRET_REASON,
    UNUSED_REASON,
    files,
    load,
    load_files,
)
from kubectl_discover.snapshot import Snapshot, SourceRef, name_of, namespace_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "manifests"
ERRORS = FIXTURES / "errors"


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def line_of(path: str | Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line of ``path`` containing ``needle`` (test oracle)."""
    seen = 0
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def names(objs: tuple[object, ...]) -> list[str]:
    return [name_of(o) for o in objs]  # type: ignore[arg-type]


def input_error(paths: list[str], namespace: str | None = "default", **kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        load_files(paths, namespace, **kwargs)  # type: ignore[arg-type]
    message = caught.value.message
    assert "\n" not in message, "InputError messages are one line"
    return message


def stdin_of(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# --- input forms ---------------------------------------------------------------------------


def test_single_yaml_object_gets_the_requested_namespace() -> None:
    path = fixture("single.yaml")
    snap = load_files([path], "shop")
    assert isinstance(snap, Snapshot)
    assert snap.live is False
    assert snap.namespace == "shop"
    [svc] = snap.services
    assert namespace_of(svc) == "shop"
    # The line of the document's first content line, not of the leading comment.
    assert snap.sources[("Service", "shop", "catalog")] == SourceRef(
        path, line_of(path, "apiVersion: v1")
    )


def test_all_namespaces_defaults_missing_namespace_to_default() -> None:
    snap = load_files([fixture("single.yaml")], None)
    assert snap.namespace is None
    assert namespace_of(snap.services[0]) == "default"
    assert ("Service", "default", "catalog") in snap.sources


def test_explicit_namespace_in_the_file_wins_and_all_namespaces_are_kept() -> None:
    snap = load_files([fixture("list.json")], "elsewhere")
    by_name = {name_of(s): namespace_of(s) for s in snap.services}
    assert by_name == {"billing": "payments", "refunds": "elsewhere"}


def test_every_kind_is_sorted_into_its_field() -> None:
    path = fixture("all-kinds.yaml")
    result = load([path], "default")
    snap = result.snapshot
    assert names(snap.services) == ["checkout"]
    assert names(snap.endpointslices) == ["checkout-abc12"]
    assert names(snap.pods) == ["checkout-7d4b9-x2x9q"]
    assert [(w["kind"], name_of(w)) for w in snap.workloads] == [
        ("Deployment", "checkout"),
        ("StatefulSet", "ledger"),
        ("DaemonSet", "node-agent"),
        ("ReplicaSet", "checkout-7d4b9"),
        ("Job", "migrate"),
        ("CronJob", "nightly-report"),
    ]
    assert names(snap.nodes) == ["worker-1"]
    assert names(snap.ingresses) == ["checkout"]
    assert names(snap.ingressclasses) == ["nginx"]
    assert names(snap.events) == ["checkout.17a2b3c4d5e6f"]
    assert snap.conversions == ()


def test_only_secrets_an_ingress_references_are_kept() -> None:
    result = load([fixture("all-kinds.yaml")], "default")
    assert names(result.snapshot.secrets) == ["checkout-tls"]
    dropped = [i for i in result.ignored if i.kind == "Secret"]
    assert [(i.name, i.reason) for i in dropped] == [("db-password", SECRET_REASON)]
    assert ("Secret", "orders", "db-password") not in result.snapshot.sources


def test_cluster_scoped_objects_get_no_namespace() -> None:
    snap = load_files([fixture("all-kinds.yaml")], "orders")
    for obj in (*snap.nodes, *snap.ingressclasses):
        assert "namespace" not in obj["metadata"]
    assert ("Node", "", "worker-1") in snap.sources
    assert ("IngressClass", "", "nginx") in snap.sources


def test_namespaces_known_when_files_define_some() -> None:
    snap = load_files([fixture("all-kinds.yaml")], "orders")
    assert "orders" in snap.namespaces
    assert "default" in snap.namespaces
    assert "kube-system" in snap.namespaces


def test_namespaces_unknown_when_files_define_none() -> None:
    assert load_files([fixture("single.yaml")], "shop").namespaces == ()


def test_ignored_kinds_are_recorded_with_reasons() -> None:
    path = fixture("all-kinds.yaml")
    ignored = {(i.api_version, i.kind, i.name): i for i in load([path], None).ignored}
    endpoints = ignored[("v1", "Endpoints", "checkout")]
    assert endpoints.reason == ENDPOINTS_REASON
    assert endpoints.source.line == line_of(path, "kind: Endpoints") - 1
    assert ignored[("v1", "ConfigMap", "checkout-config")].reason == UNUSED_REASON
    # A CRD that happens to be called Service is not a Service.
    knative = ignored[("serving.knative.dev/v1", "Service", "hello-fn")]
    assert knative.reason == UNUSED_REASON
    assert "orders/hello-fn" in knative.describe()


def test_yaml_list_items_keep_their_own_lines() -> None:
    path = fixture("list.yaml")
    snap = load_files([path], "default")
    assert names(snap.services) == ["search"]
    assert names(snap.workloads) == ["search"]
    assert snap.sources[("Service", "catalog", "search")].line == line_of(path, "- apiVersion: v1")
    assert snap.sources[("Deployment", "catalog", "search")].line == line_of(
        path, "- apiVersion: apps/v1"
    )


def test_json_list_of_kind_star_list() -> None:
    path = fixture("list.json")
    snap = load_files([path], "payments")
    assert names(snap.services) == ["billing", "refunds"]
    assert namespace_of(snap.services[1]) == "payments"
    billing = snap.sources[("Service", "payments", "billing")]
    refunds = snap.sources[("Service", "payments", "refunds")]
    assert billing.line == line_of(path, '"apiVersion": "v1"', occurrence=2) - 1
    assert refunds.line == line_of(path, '"apiVersion": "v1"', occurrence=3) - 1


def test_single_json_object_line_skips_leading_blank_lines() -> None:
    path = fixture("single.json")
    snap = load_files([path], "default")
    assert snap.sources[("Service", "finance", "ledger-api")].line == line_of(path, "{")


def test_concatenated_json_objects() -> None:
    path = fixture("stream.json")
    snap = load_files([path], "default")
    assert names(snap.services) == ["first", "second"]
    assert names(snap.pods) == ["third"]
    assert snap.sources[("Pod", "default", "third")].line == line_of(path, '"third"')


def test_directory_is_read_recursively_in_lexical_order() -> None:
    tree = str(FIXTURES / "tree")
    result = load([tree], "default")
    assert names(result.snapshot.services) == ["tree-a", "tree-b", "tree-c"]
    assert result.files == tuple(
        str(Path(tree) / rel) for rel in ("a.yml", "b-service.yaml", "sub/c.json")
    )
    # Non-manifest files in a directory are not read at all.
    assert not any(f.endswith((".txt", ".md")) for f in result.files)


def test_explicit_file_is_read_whatever_its_extension(tmp_path: Path) -> None:
    path = tmp_path / "service.txt"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: odd-extension\n")
    assert names(load_files([str(path)], "default").services) == ["odd-extension"]


def test_several_paths_and_the_same_file_twice_are_read_once() -> None:
    single = fixture("single.yaml")
    snap = load_files([single, str(FIXTURES / "tree"), single], "default")
    assert names(snap.services) == ["catalog", "tree-a", "tree-b", "tree-c"]


def test_stdin_is_read_when_named() -> None:
    data = Path(fixture("single.yaml")).read_bytes()
    snap = load_files(["-"], "web", stdin=stdin_of(data))
    assert names(snap.services) == ["catalog"]
    assert snap.sources[("Service", "web", "catalog")].path == files.STDIN_NAME


def test_stdin_named_twice_is_read_once() -> None:
    data = Path(fixture("single.yaml")).read_bytes()
    snap = load_files(["-", "-"], "web", stdin=stdin_of(data))
    assert names(snap.services) == ["catalog"]


def test_cluster_domain_is_carried() -> None:
    snap = load_files([fixture("single.yaml")], "x", cluster_domain="corp.internal")
    assert snap.cluster_domain == "corp.internal"


def test_utf8_bom_and_utf16_are_accepted() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: bom\n"
    with_bom = b"\xef\xbb\xbf" + text.encode()
    assert names(load_files(["-"], "d", stdin=stdin_of(with_bom)).services) == ["bom"]
    utf16 = text.encode("utf-16")  # with BOM, as PowerShell's `>` writes
    assert names(load_files(["-"], "d", stdin=stdin_of(utf16)).services) == ["bom"]


def test_yaml_only_values_become_json_shaped() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: odd\n  annotations:\n"
        "    created: 2024-05-01\n    blob: !!binary aGk=\n  labels:\n    1: one\n"
        "    true: yes-key\n"
    )
    [svc] = load_files(["-"], "d", stdin=stdin_of(text.encode())).services
    annotations = svc["metadata"]["annotations"]
    assert annotations == {"created": "2024-05-01", "blob": "aGk="}
    assert svc["metadata"]["labels"] == {"1": "one", "true": "yes-key"}
    json.dumps(svc)  # everything is JSON-serialisable


def test_shared_yaml_aliases_are_accepted() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: aliased\n"
        "  labels: &labels {app: web}\nspec:\n  selector: *labels\n"
    )
    [svc] = load_files(["-"], "d", stdin=stdin_of(text.encode())).services
    assert svc["spec"]["selector"] == {"app": "web"}


def test_empty_list_counts_as_objects_found_nothing() -> None:
    data = b"apiVersion: v1\nkind: List\nitems: []\n"
    message = input_error(["-"], stdin=stdin_of(data))
    assert "no Kubernetes objects found" in message


def test_only_ignored_kinds_is_not_an_error() -> None:
    data = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only\n"
    result = load(["-"], "d", stdin=stdin_of(data))
    assert result.snapshot.services == ()
    assert [i.name for i in result.ignored] == ["only"]


# --- errors ------------------------------------------------------------------------------


def test_missing_file() -> None:
    missing = str(FIXTURES / "does-not-exist.yaml")
    assert input_error([missing]) == f"{missing}: No such file or directory"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("apiVersion: v1\n")
    real_open = open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refusing_open)
    assert input_error([str(path)]) == f"{path}: Permission denied"


@pytest.mark.parametrize(
    ("name", "needle", "expected"),
    [
        ("malformed.yaml", "ports:", r"malformed YAML at column \d+: did not find expected"),
        ("malformed.json", '"spec"', r"malformed JSON at column 3: Expecting .,. delimiter"),
        ("tabs.yaml", "\tname", r"indent with spaces, not tabs"),
        ("missing-apiversion.yaml", "kind: Service", r"the object has no apiVersion"),
        ("missing-kind.yaml", "apiVersion", r"the object has no kind"),
        ("missing-name.yaml", "apiVersion", r"Service has no metadata.name"),
        ("missing-metadata.yaml", "apiVersion", r"Service has no metadata"),
        ("list-items-not-list.yaml", "apiVersion", r"items must be a list"),
        ("list-item-bad.yaml", "- apiVersion", r"items\[1\]: Service has no metadata.name"),
        ("duplicate-key.yaml", "selector:", r"key 'selector' appears twice"),
        ("recursive-alias.yaml", "apiVersion", r"refers to itself"),
    ],
)
def test_bad_file_names_file_and_line(name: str, needle: str, expected: str) -> None:
    path = str(ERRORS / name)
    occurrence = 2 if name in ("list-item-bad.yaml", "duplicate-key.yaml") else 1
    line = line_of(path, needle, occurrence)
    message = input_error([path])
    assert message.startswith(f"{path}:{line}: "), message
    assert re.search(expected, message), message


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("scalar.yaml", "not a Kubernetes object (a string ('just some words'), not a mapping)"),
        (
            "generate-name.yaml",
            "Job with generateName 'migrate-': it has no name until the API server creates it",
        ),
    ],
)
def test_a_file_of_documents_that_are_not_objects_alone_is_no_input(name: str, why: str) -> None:
    path = str(ERRORS / name)
    message = input_error([path])
    assert message.startswith(f"{path}: no Kubernetes objects found"), message
    assert f"skipped: {path}:1: skipped: {why}" in message


def test_a_document_that_is_not_an_object_is_skipped_with_a_note_and_the_rest_is_read() -> None:
    path = str(ERRORS / "not-mapping.yaml")
    snapshot = load([path], None).snapshot
    assert [s["metadata"]["name"] for s in snapshot.services] == ["fine"]
    line = line_of(path, "- apiVersion")
    assert snapshot.notes == (
        f"{path}:{line}: skipped: not a Kubernetes object (a list, not a mapping)",
    )


def test_duplicate_key_names_the_first_line() -> None:
    path = str(ERRORS / "duplicate-key.yaml")
    assert f"first at line {line_of(path, 'selector:')}" in input_error([path])


def test_duplicate_objects_name_both_locations() -> None:
    first, second = str(ERRORS / "duplicate-a.yaml"), str(ERRORS / "duplicate-b.yaml")
    message = input_error([first, second])
    assert message.startswith(f"{second}:{line_of(second, 'apiVersion')}: ")
    assert f"first at {first}:{line_of(first, 'apiVersion')}" in message
    assert "Service team/shared" in message


def test_same_name_in_different_kinds_is_not_a_duplicate() -> None:
    snap = load_files([fixture("all-kinds.yaml")], "orders")
    assert ("Service", "orders", "checkout") in snap.sources
    assert ("Deployment", "orders", "checkout") in snap.sources


def test_duplicate_inside_stdin() -> None:
    doc = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: again\n"
    message = input_error(["-"], stdin=stdin_of(doc + b"---\n" + doc))
    assert message.startswith("<stdin>:6: ")
    assert "first at <stdin>:1" in message


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # NUL on line 3
    message = input_error([str(path)])
    assert message.startswith(f"{path}:3: ")
    assert "binary data" in message


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n".encode("latin-1")
    )
    message = input_error([str(path)])
    assert message.startswith(f"{path}:4: ")
    assert "not valid UTF-8" in message
    assert "0xe9" in message


def test_control_character(tmp_path: Path) -> None:
    path = tmp_path / "bell.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: Service\x07\n")
    message = input_error([str(path)])
    assert message.startswith(f"{path}:2: ")
    assert "U+0007" in message


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 64)
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 10)
    message = input_error([str(path)])
    assert message.startswith(f"{path}: ")
    assert "limit" in message


def test_stdin_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 64)
    message = input_error(["-"], stdin=stdin_of(b"#" * 65))
    assert message.startswith("<stdin>: ")
    assert "limit" in message


def test_documented_limit_is_32_mib() -> None:
    assert files.MAX_FILE_BYTES == 32 * 1024 * 1024


def test_no_objects_at_all() -> None:
    message = input_error([fixture("comments-only.yaml")])
    assert fixture("comments-only.yaml") in message
    assert "no Kubernetes objects found" in message


def test_empty_directory(tmp_path: Path) -> None:
    assert "no Kubernetes objects found" in input_error([str(tmp_path)])


def test_no_paths() -> None:
    assert "no files given" in input_error([])


def test_huge_integer_is_an_input_error() -> None:
    data = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: big\nspec:\n  n: " + b"9" * 5000
    message = input_error(["-"], stdin=stdin_of(data))
    assert message.startswith("<stdin>:1: ")


def test_deep_nesting_is_an_input_error() -> None:
    message = input_error(["-"], stdin=stdin_of(b'{"a":' * 100_000))
    assert message.startswith("<stdin>:")


# --- never anything but a Snapshot or an InputError ------------------------------------------

_YAMLISH = st.lists(
    st.sampled_from(
        [
            "apiVersion: v1\n",
            "apiVersion: extensions/v1beta1\n",
            "apiVersion: apps/v1beta1\n",
            "kind: Service\n",
            "kind: Ingress\n",
            "kind: Deployment\n",
            "kind: List\n",
            "kind: ServiceList\n",
            "items:\n",
            "metadata:\n",
            "  name: x\n",
            "  namespace: y\n",
            "  namespace: [1]\n",
            "spec:\n",
            "  backend: {serviceName: a, servicePort: '80'}\n",
            "  rules: [{http: {paths: [{backend: {servicePort: 1}}]}}]\n",
            "  selector: null\n",
            "  template: {metadata: {labels: {a: b}}}\n",
            "  tls: [{secretName: s}]\n",
            "- ",
            "---\n",
            "&a ",
            "*a",
            "!!binary ",
            "!!set ",
            "? ",
            "{",
            "}",
            "[",
            "]",
            ", ",
            ": ",
            '"',
            "'",
            "#",
            "\t",
            "\n",
            "  ",
            "%YAML 1.1\n",
            "2024-01-01",
        ]
    )
    | st.text(max_size=4),
    max_size=30,
).map("".join)


def _loads_or_input_error(data: bytes) -> None:
    try:
        result = load_files(["-"], "default", stdin=io.BytesIO(data))
    except InputError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert isinstance(result, Snapshot)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_load_or_raise_input_error(data: bytes) -> None:
    _loads_or_input_error(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAMLISH)
def test_arbitrary_yamlish_text_loads_or_raises_input_error(text: str) -> None:
    _loads_or_input_error(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_loads_or_raises_input_error(value: object) -> None:
    wrapped = {"apiVersion": "v1", "kind": "List", "items": [value]}
    _loads_or_input_error(json.dumps(wrapped).encode())
    _loads_or_input_error(json.dumps(value).encode())


# --- the README examples stay loadable ------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


def test_shop_example_loads_with_every_scenario() -> None:
    snap = load_files([str(EXAMPLES / "shop.yaml")], "shop")
    services = {name_of(s): s["spec"].get("type", "ClusterIP") for s in snap.services}
    assert services == {
        "web": "ClusterIP",
        "db": "ClusterIP",
        "api": "ClusterIP",
        "cache": "ClusterIP",
        "web-nodeport": "NodePort",
        "web-public": "LoadBalancer",
        "payments": "ExternalName",
        "legacy-db": "ExternalName",
    }
    db = next(w for w in snap.workloads if w["kind"] == "StatefulSet")
    assert db["spec"]["serviceName"] == "db-headless"
    assert names(snap.ingresses) == ["storefront"]
    assert names(snap.ingressclasses) == ["nginx"]
    assert snap.secrets == ()  # storefront-tls is deliberately absent
    assert snap.conversions == ()


def test_legacy_example_is_converted() -> None:
    snap = load_files([str(EXAMPLES / "legacy-ingress.yaml")], "default")
    assert sorted(c.converted["kind"] for c in snap.conversions) == ["Deployment", "Ingress"]
    assert snap.ingresses[0]["apiVersion"] == "networking.k8s.io/v1"


def test_yaml_flow_mapping_starting_with_a_brace() -> None:
    data = b"{apiVersion: v1, kind: Service, metadata: {name: flow}}\n"
    assert names(load_files(["-"], "d", stdin=stdin_of(data)).services) == ["flow"]
