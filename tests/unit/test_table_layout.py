"""Tables for people: the answer first, and no name, IP or port ever split across lines.

Every example subject is rendered at 80 and at 200 columns, as ``table`` and ``wide``; every
name-like token of its JSON document (DNS names, endpoints, targets, hosts, finding ids)
must appear whole in the text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_discover.cli import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
_NAMEISH = re.compile(r"[A-Za-z0-9_-]+(?:[.:/][A-Za-z0-9_-]+)+\.?")


def _subjects() -> list[tuple[str, str, str, str]]:
    found = []
    for path in EXAMPLES:
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict) or doc.get("kind") not in ("Service", "Ingress"):
                continue
            meta = doc.get("metadata") or {}
            command = "svc" if doc["kind"] == "Service" else "ingress"
            found.append((str(path), command, meta.get("namespace", "default"), meta["name"]))
    return found


SUBJECTS = _subjects()


def _tokens(document: dict[str, Any]) -> set[str]:
    fields = ("query", "endpoint", "fqdn", "target", "host", "id", "observed", "expected")
    values: list[str] = []
    for section in ("endpoints", "dnsNames", "routes", "findings", "observations"):
        for item in document.get(section) or []:
            values += [str(item[f]) for f in fields if item.get(f)]
    return {t for v in values for t in _NAMEISH.findall(v)}


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, columns: int
) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    run(list(args))
    out, _ = capsys.readouterr()
    return out


def test_the_examples_have_subjects() -> None:
    assert len(SUBJECTS) >= 8


@pytest.mark.parametrize(("path", "command", "namespace", "name"), SUBJECTS)
@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("output", ["table", "wide"])
def test_no_token_is_split(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    command: str,
    namespace: str,
    name: str,
    columns: int,
    output: str,
) -> None:
    base = (command, name, "-n", namespace, "-f", path, "--no-probe")
    document = json.loads(_run(capsys, monkeypatch, *base, "-o", "json", columns=columns))
    text = _run(capsys, monkeypatch, *base, "-o", output, columns=columns)
    tokens = _tokens(document)
    assert tokens, "the document has names to look for"
    assert sorted(t for t in tokens if t not in text) == []


def test_the_answer_comes_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = str(ROOT / "examples" / "shop.yaml")
    text = _run(
        capsys, monkeypatch, "svc", "db", "-n", "shop", "-f", shop, "--no-probe", columns=100
    )
    lines = text.splitlines()
    assert lines[0] == "Service shop/db  Headless  verdict: FAIL"
    assert lines[1].startswith("  2 problems. First: StatefulSet shop/db has spec.serviceName")
    fix = next(i for i, line in enumerate(lines) if line.startswith("  Fix: "))
    assert fix < lines.index("ENDPOINTS")
    assert lines[fix].startswith("  Fix: create a headless Service named 'db-headless'")


def test_rows_that_are_not_ok_get_numbered_notes_and_wide_keeps_the_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = str(ROOT / "examples" / "shop.yaml")
    args = ("svc", "db", "-n", "shop", "-f", shop, "--no-probe")
    text = _run(capsys, monkeypatch, *args, columns=120)
    row = next(line for line in text.splitlines() if line.startswith("✖   db-0.db.shop"))
    assert row.endswith("[2]")
    assert (
        "  [2] db-0 has subdomain 'db-headless', not 'db': its name lives under Service "
        "db-headless" in text
    )
    wide = _run(capsys, monkeypatch, *args, "-o", "wide", columns=200)
    assert "[2]" not in wide and "WHY" in wide


def test_a_healthy_subject_says_so_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifest = tmp_path / "ok.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
        "spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx, ports: [{name: http, "
        "containerPort: 8080}]}]}\n"
    )
    text = _run(
        capsys,
        monkeypatch,
        "svc",
        "web",
        "-n",
        "shop",
        "-f",
        str(manifest),
        "--no-probe",
        columns=100,
    )
    assert text.splitlines()[1] == "  no problems found"
