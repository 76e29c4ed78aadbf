"""The CLI end to end on manifests: exit codes, the JSON contract, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_discover.cli import run

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "examples" / "shop.yaml")
LEGACY = str(ROOT / "examples" / "legacy-ingress.yaml")

HEALTHY = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _healthy(tmp_path: Path) -> str:
    path = tmp_path / "healthy.yaml"
    path.write_text(HEALTHY)
    return str(path)


def test_healthy_service_exits_zero_with_the_json_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(
        capsys, "svc", "web", "-n", "shop", "-f", _healthy(tmp_path), "--no-probe", "-o", "json"
    )
    doc: dict[str, Any] = json.loads(out)
    assert code == 0, err
    assert doc["kind"] == "ClusterIP"
    assert doc["verdict"] == "ok"
    assert [(f["id"], f["severity"]) for f in doc["findings"]] == [
        ("backends-ready", "info"),
        ("short-name-cross-namespace", "info"),
        ("corefile-assumed", "info"),
        ("ports-resolve", "ok"),
    ]
    assert all({"id", "severity", "message", "hint"} <= set(f) for f in doc["findings"])
    assert all(f["severity"] in ("ok", "info", "warn", "fail") for f in doc["findings"])
    names = {d["query"] for d in doc["dnsNames"]}
    assert "web.shop.svc.cluster.local." in names
    assert {e["kind"] for e in doc["endpoints"]} == {"cluster-ip"}


def test_mismatched_statefulset_fails_with_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "svc", "db", "-n", "shop", "-f", SHOP, "--no-probe", "-o", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["kind"] == "Headless" and doc["verdict"] == "fail"
    failing = {d["query"] for d in doc["dnsNames"] if d["expectedExists"] is False}
    assert "db-0.db.shop.svc.cluster.local." in failing
    assert "per-pod-subdomain-mismatch" in {f["id"] for f in doc["findings"]}


@pytest.mark.parametrize(
    ("name", "kind", "finding"),
    [
        ("legacy-db", "ExternalName", "externalname-ip"),
        ("api", "ClusterIP", "selector-no-match"),
        ("cache", "ClusterIP", "target-port-unresolved"),
    ],
)
def test_example_mistakes_are_named(
    capsys: pytest.CaptureFixture[str], name: str, kind: str, finding: str
) -> None:
    code, out, _ = _run(capsys, "svc", name, "-n", "shop", "-f", SHOP, "--no-probe", "-o", "json")
    doc = json.loads(out)
    assert doc["kind"] == kind
    assert finding in {f["id"] for f in doc["findings"]}
    assert doc["verdict"] == "fail" and code == 1


def test_yaml_and_tree_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "svc", "db", "-n", "shop", "-f", SHOP, "--no-probe", "-o", "yaml")
    assert yaml.safe_load(out)["subject"] == {"kind": "Service", "namespace": "shop", "name": "db"}
    _, tree, _ = _run(capsys, "svc", "db", "-n", "shop", "-f", SHOP, "--no-probe", "-o", "tree")
    assert "Service" in tree and ("└──" in tree or "├──" in tree)


def test_not_found_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "svc", "wbe", "-n", "shop", "-f", SHOP, "--no-probe")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "did you mean" in err and "web" in err


def test_not_found_names_the_other_namespace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "svc", "web", "-n", "default", "-f", _healthy(tmp_path))
    assert code == 2 and "namespace shop" in err


def test_malformed_manifest_names_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n")
    code, _, err = _run(capsys, "svc", "web", "-f", str(bad), "--no-probe")
    assert code == 2
    assert err.startswith("error: ") and f"{bad}:" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["svc", "web", "-o", "xml", "-f", SHOP], "error: --output must be one of"),
        (["svc", "Not_A_Name", "-f", SHOP], "error: 'Not_A_Name' is not a valid Service name"),
        (["svc", "web", "-n", "UPPER", "-f", SHOP], "error: --namespace 'UPPER' is not a valid"),
        (["svc", "web", "--bogus-flag"], "Error: No such option: --bogus-flag"),
        (["svc"], "Error: Missing argument 'NAME'."),
        (
            ["svc", "web", "--from", "node/x", "-f", SHOP],
            "error: --from must be pod/NAME, deploy/NAME, sts/NAME or ds/NAME, not 'node/x'",
        ),
    ],
)
def test_bad_input_is_exit_two_with_one_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1].startswith(message)


def test_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys)
    assert code == 0 and "svc" in out and "scan" in out


def test_unreachable_cluster_is_exit_three(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "dead",
                "clusters": [{"name": "dead", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "x"}}],
                "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "u"}}],
            }
        )
    )
    code, out, err = _run(capsys, "svc", "web", "--kubeconfig", str(kubeconfig), "--no-probe")
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "127.0.0.1:9" in err


def test_unknown_context_is_exit_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "a",
                "clusters": [{"name": "a", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "x"}}],
                "contexts": [{"name": "a", "context": {"cluster": "a", "user": "u"}}],
            }
        )
    )
    code, _, err = _run(capsys, "svc", "web", "--kubeconfig", str(kubeconfig), "--context", "b")
    assert code == 2 and "b" in err


def test_ingress_and_route_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "ingress", "storefront", "-n", "shop", "-f", SHOP, "--no-probe", "-o", "json"
    )
    doc = json.loads(out)
    assert doc["kind"] == "Ingress" and doc["routes"]
    assert code == (1 if doc["verdict"] == "fail" else 0)
    code, out, _ = _run(
        capsys,
        "route",
        "https://shop.example.com/api/cart",
        "-n",
        "shop",
        "-f",
        SHOP,
        "--no-probe",
        "-o",
        "json",
    )
    doc = json.loads(out)
    assert doc["kind"] == "Route"
    assert any(r["service"] == "api" for r in doc["routes"])


def test_route_with_a_bad_url_is_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "route", "not a url", "-n", "shop", "-f", SHOP)
    assert code == 2
    assert err == "error: invalid URL 'not a url': it must be one word like https://host/path\n"


def test_route_rejects_a_bad_url_before_reading_the_cluster(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A kubeconfig that cannot work would be exit 3 if anything were read first."""
    code, _, err = _run(capsys, "route", "ftp://x/", "--kubeconfig", str(tmp_path / "missing"))
    assert code == 2
    assert err == "error: invalid URL 'ftp://x/': scheme must be http or https, not 'ftp'\n"


def test_scan_lists_every_service_worst_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "scan", "-n", "shop", "-f", SHOP, "-o", "json")
    doc = json.loads(out)
    assert doc["kind"] == "Scan" and code == 1
    order = {"fail": 2, "warn": 1, "ok": 0}
    ranks = [order[item["verdict"]] for item in doc["items"]]
    assert ranks == sorted(ranks, reverse=True)
    assert {"web", "db", "api", "storefront"} <= {item["name"] for item in doc["items"]}


def test_removed_api_version_in_the_articles_style(capsys: pytest.CaptureFixture[str]) -> None:
    docs = [d for d in yaml.safe_load_all(Path(LEGACY).read_text()) if d]
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    namespace = ingress["metadata"].get("namespace", "default")
    code, out, _ = _run(
        capsys,
        "ingress",
        ingress["metadata"]["name"],
        "-n",
        namespace,
        "-f",
        LEGACY,
        "--no-probe",
        "-o",
        "yaml",
    )
    doc = yaml.safe_load(out)
    assert code == 1
    removed = [
        f
        for f in doc["findings"]
        if f["id"] == "removed-api-version" and f["subject"].startswith("Ingress")
    ]
    assert removed and "networking.k8s.io/v1" in removed[0]["hint"]
    converted = yaml.safe_load(removed[0]["hint"].split("\n", 1)[1])
    assert converted["apiVersion"] == "networking.k8s.io/v1"


def test_stdin_manifests(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io
    import sys

    fake = io.TextIOWrapper(io.BytesIO(HEALTHY.encode()))
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, _ = _run(capsys, "svc", "web", "-n", "shop", "-f", "-", "-o", "json")
    assert code == 0 and json.loads(out)["kind"] == "ClusterIP"


def test_version_never_needs_a_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "version", "-o", "json")
    assert code == 0 and json.loads(out)["version"]


def test_a_named_object_with_all_namespaces_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "svc", "web", "-A", "-f", SHOP)
    assert code == 2 and "-n" in err and err.count("\n") == 1


def test_each_probe_failure_has_a_documented_exit_code() -> None:
    from kubectl_discover.probe import errors as probe_errors

    classes = [
        c
        for c in vars(probe_errors).values()
        if isinstance(c, type) and issubclass(c, probe_errors.ProbeError)
    ]
    codes = {c.exit_code for c in classes}
    assert codes == set(probe_errors.EXIT_CODES)
    assert probe_errors.ProbeImageError.exit_code != probe_errors.ProbeTimeoutError.exit_code
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{code}`" in readme for code in codes)


def test_spinner_redraws_the_current_phase_and_clears_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import sys
    import time

    from kubectl_discover.cli import Spinner

    fake = io.StringIO()
    monkeypatch.setattr(sys, "stderr", fake)
    spinner = Spinner()
    spinner("waiting for probe pod shop/discover-probe-abc: Pending")
    time.sleep(0.35)
    spinner.close()
    text = fake.getvalue()
    assert "waiting for probe pod shop/discover-probe-abc" in text
    assert text.count("\r") >= 2 and text.endswith("\r\x1b[K")
    assert "\n" not in text


def test_request_flags_belong_to_route(capsys: pytest.CaptureFixture[str]) -> None:
    """One flag list for every subject command: route's request flags exist, hidden, on the
    others and are refused there before anything is read."""
    code, _, err = _run(capsys, "svc", "web", "-n", "shop", "-f", "/nonexistent.yaml", "-H", "X: y")
    assert (code, err) == (
        2,
        "error: --gateway, --header and --method describe a request: use them with route\n",
    )


def test_the_quick_root_help_is_the_full_apps_help(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` alone is built from stubs for speed (bench/README.md): the same text."""
    import typer

    from kubectl_discover.cli.app import app

    code, quick, _ = _run(capsys, "--help")
    full_command = typer.main.get_command(app)
    with pytest.raises(SystemExit):
        full_command.main(args=["--help"], prog_name="kubectl discover")
    full, _ = capsys.readouterr()
    assert code == 0 and quick == full
    assert "httproute" in quick and "service" not in quick.split("Commands:")[1]
