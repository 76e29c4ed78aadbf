"""``--watch``: the report, then what changed on each run, until Ctrl-C; the same pipeline
with files re-read (``-f``) or a recorded probe replayed (the live probe pod is reused and
deleted on every path: tests/e2e)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover import cli
from kubectl_discover.probing import RECORD_FORMAT

ROOT = Path(__file__).resolve().parents[2]
BROKEN = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: wbe}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
"""


def _watch(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    between: list[Any],
) -> tuple[int, str, str]:
    """Run ``args`` with --watch; each sleep runs the next action of ``between`` (the last
    presses Ctrl-C)."""
    actions = iter(between)

    def sleep(seconds: float) -> None:
        assert seconds == 2.0
        action = next(actions)
        if action is KeyboardInterrupt:
            raise KeyboardInterrupt
        action()

    monkeypatch.setattr("time.sleep", sleep)
    code = cli.run([*args, "--watch", "--interval", "2"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fix_shows_as_a_change_and_the_exit_code_is_the_last_verdict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(BROKEN)

    def fix() -> None:
        manifest.write_text(BROKEN.replace("app: wbe", "app: web"))

    code, out, err = _watch(
        monkeypatch,
        capsys,
        ["svc", "web", "-n", "shop", "-f", str(manifest), "--no-probe"],
        [fix, lambda: None, KeyboardInterrupt],
    )
    assert (code, err) == (0, "")
    assert out.startswith("Service shop/web  ClusterIP  verdict: FAIL\n")
    tail = out[out.index("verdict FAIL -> OK") :].splitlines()
    assert tail[0].endswith("verdict FAIL -> OK")
    assert any(line.startswith("  ✔ resolved selector-no-match: ") for line in tail)
    assert tail[-1].endswith("no change (verdict OK)")


def test_json_streams_one_document_per_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(BROKEN)
    code, out, _ = _watch(
        monkeypatch,
        capsys,
        ["svc", "web", "-n", "shop", "-f", str(manifest), "--no-probe", "-o", "json"],
        [lambda: None, KeyboardInterrupt],
    )
    decoder = json.JSONDecoder()
    docs, pos = [], 0
    while pos < len(out.strip()):
        doc, pos = decoder.raw_decode(out, pos)
        docs.append(doc)
        while pos < len(out) and out[pos].isspace():
            pos += 1
    assert [d["verdict"] for d in docs] == ["fail", "fail"] and code == 1


def test_a_replayed_probe_is_watched_with_the_same_rows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = tmp_path / "probe.json"
    result = json.loads((ROOT / "tests" / "fixtures" / "probe" / "recorded-shop.json").read_text())
    record.write_text(json.dumps({"format": RECORD_FORMAT, "probe": {}, "result": result}))
    shop = str(ROOT / "examples" / "shop.yaml")
    code, out, _ = _watch(
        monkeypatch,
        capsys,
        ["svc", "web", "-n", "shop", "-f", shop, "--replay", str(record)],
        [KeyboardInterrupt],
    )
    assert code == 1
    assert "A 10.96.0.12 (TTL 30s)" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--dry-run"], "error: --watch cannot go with --dry-run, --record or --keep\n"),
        (["--keep"], "error: --watch cannot go with --dry-run, --record or --keep\n"),
        (["--interval", "0.1"], "error: --interval must be between 1 and 3600 seconds\n"),
    ],
)
def test_watch_flags_are_validated_before_anything_is_read(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code = cli.run(["svc", "web", "-f", "/nonexistent.yaml", "--watch", *extra])
    _, err = capsys.readouterr()
    assert (code, err) == (2, message)
