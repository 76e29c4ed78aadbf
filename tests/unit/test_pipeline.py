"""The probed path with no cluster: the CLI given a recorded probe (``--replay``) runs the
same load -> diagnose -> probe -> explain -> report code as a live run, with the
recorded runner in place of the probe pod (as httpx's MockTransport stands in for HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover import loading, pipeline
from kubectl_discover.cli import run
from kubectl_discover.commands import SVC
from kubectl_discover.probing import RECORD_FORMAT, RecordedProbeRunner

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "examples" / "shop.yaml")
RECORDED = json.loads((ROOT / "tests" / "fixtures" / "probe" / "recorded-shop.json").read_text())


def record(tmp_path: Path, result: dict[str, Any] | None = None) -> str:
    path = tmp_path / "probe.json"
    data = {
        "format": RECORD_FORMAT,
        "probe": {"pod": "kubectl-discover-probe-x1y2z", "namespace": "shop"},
        "result": result if result is not None else RECORDED,
    }
    path.write_text(json.dumps(data))
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_replayed_probe_goes_through_the_whole_cli_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(
        capsys, "svc", "web", "-n", "shop", "-f", SHOP, "--replay", record(tmp_path), "-o", "json"
    )
    doc = json.loads(out)
    assert err == ""
    assert code == 1  # Ingress shop/storefront sends /static to a port web does not have
    assert doc["probe"] == {
        "pod": "kubectl-discover-probe-x1y2z",
        "namespace": "shop",
        "replayed": True,
    }
    assert doc["skipped"] == []
    rows = {(d["query"], d["clientNamespace"]): d for d in doc["dnsNames"]}
    fqdn = rows[("web.shop.svc.cluster.local.", None)]
    assert (fqdn["observed"], fqdn["verdict"]) == ("A 10.96.0.12 (TTL 30s)", "ok")
    short = rows[("web", "shop")]
    assert short["observed"] == "A 10.96.0.12 (TTL 30s) via web.shop.svc.cluster.local."
    assert short["verdict"] == "ok"
    other = rows[("web", "default")]
    assert other["verdict"] == "info"
    assert "run the probe with --from a pod in default" in other["why"]
    assert rows[("web.shop", "shop")]["observed"] == "not probed"
    assert doc["observations"] == []


def test_without_a_probe_the_same_rows_are_not_probed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "-o", "json")
    doc = json.loads(out)
    assert code == 1 and err == ""
    assert doc["probe"] is None
    assert doc["skipped"] == ["live probes need a cluster; analysed the files statically"]
    assert {d["observed"] for d in doc["dnsNames"]} == {"not probed"}
    # the same mark as when probed: a short name from another namespace is expected to fail
    other = next(
        d for d in doc["dnsNames"] if (d["query"], d["clientNamespace"]) == ("web", "default")
    )
    assert other["verdict"] == "info"


def test_pipeline_takes_the_runner_it_is_given(tmp_path: Path) -> None:
    loaded = loading.load(
        loading.LoadRequest(SVC, loading.Source(filenames=(SHOP,)), namespace="shop")
    )
    runner = RecordedProbeRunner.from_file(record(tmp_path))
    document = pipeline.subject_report(
        pipeline.Subject(SVC, "web"), loaded, runner=runner, now=datetime.now(UTC)
    )
    assert document["subject"] == {"kind": "Service", "namespace": "shop", "name": "web"}
    assert document["probe"]["replayed"] is True
    assert document["dnsNames"][0]["observed"] == "A 10.96.0.12 (TTL 30s)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"format": "other", "result": {}}', "not a probe record"),
        ("[]", "not a probe record"),
    ],
)
def test_unusable_record_is_one_line_exit_two(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = _run(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "--replay", str(path))
    assert code == 2 and out == ""
    assert err == f"error: --replay {path}: {message}" + (
        f" ({RECORD_FORMAT})\n" if message == "not a probe record" else "\n"
    )


def test_replay_with_no_probe_is_refused_before_reading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(
        capsys, "svc", "web", "-f", "/nonexistent.yaml", "--replay", "x.json", "--no-probe"
    )
    assert code == 2
    assert err == "error: --replay and --no-probe contradict each other\n"


def test_an_internal_error_has_its_own_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug is not a failing finding (exit 1): it is exit 70 with one line."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("spec")

    monkeypatch.setattr(pipeline, "subject_report", broken)
    monkeypatch.delenv("KUBECTL_DISCOVER_DEBUG", raising=False)
    code, out, err = _run(capsys, "svc", "web", "-n", "shop", "-f", SHOP, "--no-probe")
    assert code == 70 and out == ""
    assert err.startswith("error: internal error: KeyError: 'spec' (a bug: please report it;")
    assert err.count("\n") == 1
