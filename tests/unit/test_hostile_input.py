"""Hostile manifests: alias bombs are refused early; object content never reaches the
terminal raw (control characters are shown escaped, as kubectl does since
CVE-2021-25743)."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from kubectl_discover.cli import run


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Nine levels of nine aliases under one annotation: about 600 bytes, 490 million
    values once expanded."""
    lines = [
        "apiVersion: v1",
        "kind: Service",
        "metadata:",
        "  name: web",
        "  namespace: shop",
        "  annotations:",
        "    bomb:",
        '      a0: &a0 "lol"',
    ]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"      a{level}: &a{level} [{refs}]")
    lines += ["spec:", "  selector: {app: web}", "  ports: [{port: 80}]"]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_in_one_line_without_expanding_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    assert path.stat().st_size < 800
    tracemalloc.start()
    try:
        code = run(["svc", "web", "-n", "shop", "-f", str(path), "--no-probe"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        f"error: {path}:1: this document uses YAML aliases to grow from 46 to 490,329,091 "
        "values; refused (excessive aliasing, as the API server's YAML reader refuses it)\n"
    )
    assert peak < 100 * 2**20


def test_the_alias_bomb_is_refused_quickly_in_a_fresh_process(tmp_path: Path) -> None:
    """Bounded: the whole process ends well within the timeout (it took ~55 s before)."""
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    done = subprocess.run(
        [sys.executable, "-m", "kubectl_discover", "svc", "web", "-n", "shop", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 2
    assert "excessive aliasing" in done.stderr


def test_modest_aliasing_is_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Anchors for shared labels, as Helm charts and hand-written files use them."""
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
        "  labels: &labels {app: web, tier: front}\n"
        "spec:\n  selector: *labels\n  ports: [{port: 80}]\n"
    )
    code = run(["svc", "web", "-n", "shop", "-f", str(path), "--no-probe", "-o", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert err == ""
    assert doc["facts"]["selector"] == "app=web,tier=front"
    # read, then judged: no pod carries those labels in this file
    assert [f["id"] for f in doc["findings"] if f["severity"] == "fail"] == ["selector-no-match"]
    assert code == 1


HOSTILE = (
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
    '  annotations: {note: "\\e[8mhidden\\e[0m"}\n'
    'spec:\n  selector: {app: "\\e]0;pwned\\a\\e[2Jx\\r"}\n'
    '  ports: [{port: 80, name: "\\e[31mred"}]\n'
)
RAW_CONTROL = ("\x1b", "\x07", "\r")


@pytest.mark.parametrize("output", ["table", "wide", "tree"])
def test_control_characters_from_objects_are_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    code = run(["svc", "web", "-n", "shop", "-f", str(path), "--no-probe", "-o", output])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert not [c for c in RAW_CONTROL if c in out]
    assert "selector: app=\\x1b]0;pwned\\x07\\x1b[2Jx\\r" in out


def test_json_keeps_the_value_and_escapes_it_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    run(["svc", "web", "-n", "shop", "-f", str(path), "--no-probe", "-o", "json"])
    out, _ = capsys.readouterr()
    assert not [c for c in RAW_CONTROL if c in out]
    assert json.loads(out)["facts"]["selector"] == "app=\x1b]0;pwned\x07\x1b[2Jx\r"


def test_a_file_name_with_control_characters_is_escaped_in_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = str(tmp_path / "x\x1b[2J.yaml")
    code = run(["svc", "web", "-f", name, "--no-probe"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "\x1b" not in err and "x\\x1b[2J.yaml" in err and err.count("\n") == 1
