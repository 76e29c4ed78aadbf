"""The fan-out probe without a cluster: which nodes are chosen (probe/nodes.py), how the
flags are refused before any I/O (cli/options.py), how per-node rows merge (pernode.py),
the report's per-node fields and the table's column per node. The live side (pods on
real nodes, a node-scoped fault, Ctrl-C, partial creation) is tests/e2e/test_fanout_live.py.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover import loading, pipeline
from kubectl_discover.cli import run
from kubectl_discover.commands import SVC
from kubectl_discover.errors import InputError
from kubectl_discover.explain import Row, RowVerdict
from kubectl_discover.pernode import NODE_SCOPED, NodeRows, merge
from kubectl_discover.probe.nodes import NodeFanOut, parse_node_list, select_nodes
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.render import format_table
from kubectl_discover.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "examples" / "shop.yaml")
RECORDED = json.loads((ROOT / "tests" / "fixtures" / "probe" / "recorded-shop.json").read_text())


def node(
    name: str,
    *,
    zone: str | None = None,
    ready: str | None = "True",
    taints: list[dict[str, str]] | None = None,
    cordoned: bool = False,
) -> dict[str, Any]:
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    conditions = [{"type": "Ready", "status": ready}] if ready is not None else []
    spec: dict[str, Any] = {"taints": taints or []}
    if cordoned:
        spec["unschedulable"] = True
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {"conditions": conditions},
    }


NODES = [
    node("b-2", zone="b"),
    node("a-1", zone="a", taints=[{"key": "dedicated", "effect": "NoSchedule"}]),
    node("a-2", zone="a"),
    node("c-1", zone="c", ready="False"),
    node("c-2", zone="c", taints=[{"key": "evict", "effect": "NoExecute"}]),
    node("d-1", zone="d", cordoned=True),
    node("plain"),
    node("nostatus", ready=None),
]


# --- which nodes ------------------------------------------------------------------------


def test_all_nodes_takes_ready_uncordoned_nodes_without_noexecute_by_name() -> None:
    chosen = select_nodes(NODES, NodeFanOut(all_nodes=True))
    assert chosen.nodes == ("a-1", "a-2", "b-2", "plain")
    assert chosen.notes() == (
        "node c-1 not probed: not Ready (Ready=False)",
        "node c-2 not probed: tainted evict:NoExecute (the kubelet refuses a pod that does "
        "not tolerate it)",
        "node d-1 not probed: cordoned (spec.unschedulable)",
        "node nostatus not probed: not Ready (Ready=unknown)",
    )


def test_per_zone_takes_the_first_eligible_node_of_each_zone() -> None:
    chosen = select_nodes(NODES, NodeFanOut(per_zone=True))
    assert chosen.nodes == ("a-1", "b-2", "plain")
    assert chosen.zones == {"a-1": "a", "b-2": "b", "plain": "(no zone)"}
    assert "node a-2 not probed: zone a is probed from a-1" in chosen.notes()


def test_named_nodes_are_probed_whatever_their_state_in_the_order_given() -> None:
    chosen = select_nodes(NODES, NodeFanOut(names=("c-2", "a-1")))
    assert chosen.nodes == ("c-2", "a-1")
    assert chosen.notes() == ()


def test_a_named_node_that_does_not_exist_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        select_nodes(NODES[:2], NodeFanOut(names=("a-1", "zz", "yy")))
    assert caught.value.message == "--nodes: no node named zz, yy (nodes: a-1, b-2)"


def test_no_eligible_node_and_too_many_nodes_are_refused() -> None:
    with pytest.raises(InputError, match=r"^--all-nodes: no node to probe from; c-1: not Ready"):
        select_nodes([NODES[3]], NodeFanOut(all_nodes=True))
    many = [node(f"n-{i:02}") for i in range(51)]
    with pytest.raises(InputError, match="would start 51 probe pods"):
        select_nodes(many, NodeFanOut(all_nodes=True))


def test_node_list_parsing() -> None:
    assert parse_node_list("a, b,,a ,c") == ("a", "b", "c")
    assert parse_node_list(" , ") == ()


# --- the flags, refused before anything is read -------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all-nodes", "--per-zone"], "--all-nodes and --per-zone contradict each other"),
        (["--nodes", "a", "--all-nodes"], "--all-nodes and --nodes contradict each other"),
        (["--nodes", ","], "--nodes needs at least one node name (--nodes NODE,NODE)"),
        (["--nodes", "a,B_x"], "--nodes: 'B_x' is not a node name"),
        (["--all-nodes", "--node", "a"], "--all-nodes runs one probe pod per node: it cannot go "),
        (["--per-zone", "--watch"], "--per-zone runs one probe pod per node: it cannot go with"),
        (["--nodes", "a", "--no-probe"], "--nodes runs one probe pod per node: it cannot go with"),
        (["--all-nodes", "--record", "x"], "it cannot go with --record"),
    ],
)
def test_fan_out_flags_are_checked_before_any_read(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    # no kubeconfig exists: anything that got past validation would fail differently
    code = run(["svc", "web", "-n", "shop", "--kubeconfig", "/nonexistent", *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


def test_dry_run_prints_one_pod_per_node_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    nodes = tmp_path / "nodes.json"
    nodes.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {"apiVersion": "v1", "kind": "Node", **node("n-1", zone="a")},
                    {"apiVersion": "v1", "kind": "Node", **node("n-2", zone="a")},
                    {"apiVersion": "v1", "kind": "Node", **node("n-3", zone="b", cordoned=True)},
                ],
            }
        )
    )
    code = run(
        ["svc", "web", "-n", "shop", "-f", SHOP, "-f", str(nodes), "--all-nodes", "--dry-run",
         "-o", "json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["nodes"] == ["n-1", "n-2"]
    assert [p["spec"]["nodeName"] for p in doc["pods"]] == ["n-1", "n-2"]
    assert len({p["metadata"]["name"] for p in doc["pods"]}) == 2
    assert doc["leftOut"] == ["node n-3 not probed: cordoned (spec.unschedulable)"]
    assert doc["restrictedViolations"] == []
    assert doc["plan"]["dns"], doc["plan"]


# --- merging rows -----------------------------------------------------------------------


def row(observed: str, verdict: RowVerdict, why: str = "", key: str = "k") -> Row:
    return Row(
        "endpoints", "10.96.0.5:80/TCP", "answers", observed, verdict, why, key=key,
        observation={"seen": observed},
    )  # fmt: skip


def test_rows_that_agree_keep_their_verdict_and_carry_every_node() -> None:
    merged = merge(
        [
            NodeRows("n1", (row("connected in 1.20 ms", RowVerdict.OK, "answers"),)),
            NodeRows("n2", (row("connected in 51.3 ms", RowVerdict.OK, "answers"),)),
        ]
    )
    assert len(merged) == 1
    assert (merged[0].verdict, merged[0].why, merged[0].nodes_differ) == (
        RowVerdict.OK,
        "answers",
        False,
    )
    assert [(c.node, c.observed) for c in merged[0].nodes] == [
        ("n1", "connected in 1.20 ms"),
        ("n2", "connected in 51.3 ms"),
    ]


def test_a_row_failing_on_one_node_is_node_scoped_and_names_it() -> None:
    merged = merge(
        [
            NodeRows("n1", (row("connected", RowVerdict.OK, "answers"),)),
            NodeRows("n2", (row("timed out", RowVerdict.FAIL, "no answer in 3 s"),)),
            NodeRows("n3", (row("connected", RowVerdict.OK, "answers"),)),
        ]
    )[0]
    assert merged.verdict is RowVerdict.FAIL
    assert merged.nodes_differ is True
    assert merged.observed == "timed out"
    assert merged.observation == {"seen": "timed out"}
    assert merged.why == (
        f"fails only on n2 (1 of 3 nodes): {NODE_SCOPED}; there: no answer in 3 s; "
        "elsewhere: connected on n1; connected on n3"
    )
    assert ("nodes", "n2") in merged.evidence


def test_same_verdict_different_answers_differ_without_changing_the_verdict() -> None:
    merged = merge(
        [
            NodeRows("n1", (row("A 10.0.0.1", RowVerdict.OK, "as predicted"),)),
            NodeRows("n2", (row("A 10.0.0.2", RowVerdict.OK, "as predicted"),)),
        ]
    )[0]
    assert merged.verdict is RowVerdict.OK
    assert merged.nodes_differ is True
    assert merged.why == "as predicted; differs by node: A 10.0.0.1 on n1; A 10.0.0.2 on n2"


def test_a_node_whose_pod_did_not_run_is_unknown_and_does_not_disagree() -> None:
    merged = merge(
        [
            NodeRows("n1", (row("connected", RowVerdict.OK, "answers"),)),
            NodeRows("n2", None, "probe pod x was not running after 60s"),
        ]
    )[0]
    assert merged.verdict is RowVerdict.OK
    assert merged.nodes_differ is False
    assert [(c.node, c.observed, c.verdict) for c in merged.nodes] == [
        ("n1", "connected", RowVerdict.OK),
        ("n2", "probe did not run", RowVerdict.UNKNOWN),
    ]
    assert merged.nodes[1].why == "probe pod x was not running after 60s"


def test_a_probe_fact_seen_on_one_node_only_is_as_expected_elsewhere() -> None:
    fact = Row("dns", "nameserver", "10.96.0.10", "169.254.20.10", RowVerdict.INFO, "a cache")
    merged = merge([NodeRows("n1", ()), NodeRows("n2", (fact,))])[0]
    assert [(c.observed, c.verdict) for c in merged.nodes] == [
        ("as expected", RowVerdict.OK),
        ("169.254.20.10", RowVerdict.INFO),
    ]
    assert merged.verdict is RowVerdict.INFO
    assert merged.why.startswith(f"differs only on n2 (1 of 2 nodes): {NODE_SCOPED}")


# --- through the pipeline, the report and the table -------------------------------------


def _broken(result: dict[str, Any]) -> dict[str, Any]:
    """The recorded result as a node whose DNS answers NXDOMAIN for web's FQDN."""
    broken = copy.deepcopy(result)
    for check in broken["dns"]:
        if check["key"] == "dns:addr:web.shop.svc.cluster.local.":
            for step in check["steps"]:
                step.update(answers=[], positive=False, rcode="NXDOMAIN", negative_ttl=5)
            check["answered_by"] = None
    return broken


class TwoNodes:
    """A fan-out runner's answer, as FanOutProbeRunner returns it after a live run."""

    def __call__(self, snapshot: Snapshot, diagnoses: Any) -> pipeline.ProbeRun:
        good = ProbeResult.from_json(RECORDED, pod="shop/p1")
        bad = ProbeResult.from_json(_broken(RECORDED), pod="shop/p2")
        nodes = (
            pipeline.NodeRun("node-a", good, {"pod": "p1", "node": "node-a"}),
            pipeline.NodeRun("node-b", bad, {"pod": "p2", "node": "node-b"}),
            pipeline.NodeRun(
                "node-c", None, {"pod": "p3", "node": "node-c", "error": "image"}, "image"
            ),
        )
        return pipeline.ProbeRun(
            good, nodes[0].document, nodes=nodes, notes=("node node-d not probed: cordoned",)
        )


@pytest.fixture
def fanned() -> dict[str, Any]:
    loaded = loading.load(
        loading.LoadRequest(SVC, loading.Source(filenames=(SHOP,)), namespace="shop")
    )
    return pipeline.subject_report(
        pipeline.Subject(SVC, "web"), loaded, runner=TwoNodes(), now=datetime.now(UTC)
    )


def test_the_report_has_every_nodes_probe_and_cells(fanned: dict[str, Any]) -> None:
    assert fanned["probeNodes"] == ["node-a", "node-b", "node-c"]
    assert [p["node"] for p in fanned["probes"]] == ["node-a", "node-b", "node-c"]
    assert fanned["probe"] == {"pod": "p1", "node": "node-a"}
    assert "node node-d not probed: cordoned" in fanned["skipped"]
    fqdn = next(d for d in fanned["dnsNames"] if d["query"] == "web.shop.svc.cluster.local.")
    assert [(c["node"], c["verdict"]) for c in fqdn["nodes"]] == [
        ("node-a", "ok"),
        ("node-b", "fail"),
        ("node-c", "unknown"),
    ]
    assert fqdn["nodes"][2]["observed"] == "probe did not run"
    assert fqdn["verdict"] == "fail"
    assert fqdn["nodesDiffer"] is True
    assert fqdn["why"].startswith(f"fails only on node-b (1 of 2 nodes): {NODE_SCOPED}; there: ")
    assert fanned["verdict"] == "fail"


def test_the_table_shows_a_column_per_node(fanned: dict[str, Any]) -> None:
    text = format_table(fanned, width=200)
    lines = text.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("NAME"))
    assert header.split()[-3:] == ["NODE-A", "NODE-B", "NODE-C"]
    assert "OBSERVED" not in header
    fqdn = next(line for line in lines if line.lstrip("✔✖?·! ").startswith("web.shop.svc."))
    assert "≠ ✔ A 10.96.0.12 (TTL" in fqdn  # the cell wraps at 24 columns (72 // 3)
    assert "≠ ✖ NXDOMAIN" in fqdn
    assert "≠ ? probe did not run" in fqdn
    assert "fails only on node-b (1 of 2 nodes)" in text


def test_without_a_fan_out_the_document_and_table_are_unchanged(tmp_path: Path) -> None:
    loaded = loading.load(
        loading.LoadRequest(SVC, loading.Source(filenames=(SHOP,)), namespace="shop")
    )
    document = pipeline.subject_report(
        pipeline.Subject(SVC, "web"), loaded, runner=None, now=datetime.now(UTC)
    )
    assert "probeNodes" not in document and "probes" not in document
    assert all("nodes" not in d for d in document["dnsNames"])
    header = next(
        line for line in format_table(document).splitlines() if line.lstrip().startswith("NAME")
    )
    assert header.split()[-1] == "OBSERVED"


# --- the pods: deleted on every path (faults a real server cannot time: Ctrl-C) -----------


class Recorder:
    """A session that records every request: POSTs answered (or failed by ``fail``), the
    label-selected LIST of what is left answered empty, DELETEs recorded."""

    server = "https://api.invalid"
    request_timeout = 1.0

    def __init__(self, fail: dict[str, BaseException]) -> None:
        self.fail = fail
        self.sent: list[tuple[str, str]] = []

    def send_json(self, method: str, path: str, params: Any = None, body: Any = None) -> Any:
        self.sent.append((method, path))
        if method == "POST":
            name = body["metadata"]["name"]
            if name in self.fail:
                raise self.fail[name]
            return {**body, "metadata": {**body["metadata"], "resourceVersion": "1"}}
        return {}

    def get_json(self, path: str, params: Any = None) -> Any:
        self.sent.append(("GET", path))
        return {"metadata": {"resourceVersion": "2"}, "items": []}


def _pods(*nodes: str) -> list[tuple[str, dict[str, Any]]]:
    from kubectl_discover.probe.pod import build_pod

    return [
        (n, build_pod(name=f"p-{n}", namespace="ns", deadline_seconds=60, node=n)) for n in nodes
    ]


@pytest.mark.parametrize(
    "fault",
    [KeyboardInterrupt(), InputError("refused")],
    ids=["ctrl-c-during-creation", "one-creation-refused"],
)
def test_every_pod_is_deleted_when_one_creation_fails(fault: BaseException) -> None:
    from kubectl_discover.api.fanout import probe_pods

    session = Recorder({"discover-probe-p-b": fault})
    with (
        pytest.raises(type(fault)),
        probe_pods(
            session,  # type: ignore[arg-type]
            _pods("a", "b", "c"),
            timeout=5,
            keep=True,  # --keep never keeps a partly created fan-out
            progress=lambda _line: None,
        ),
    ):
        pytest.fail("the block must not run")
    posts = sorted(path for method, path in session.sent if method == "POST")
    deletes = sorted(path for method, path in session.sent if method == "DELETE")
    assert posts == ["/api/v1/namespaces/ns/pods"] * 3
    assert deletes == [f"/api/v1/namespaces/ns/pods/discover-probe-p-{n}" for n in ("a", "b", "c")]


def test_ctrl_c_while_the_pods_start_deletes_every_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_discover.api import fanout

    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(fanout, "_wait_all", interrupted)
    session = Recorder({})
    with (
        pytest.raises(KeyboardInterrupt),
        fanout.probe_pods(
            session,  # type: ignore[arg-type]
            _pods("a", "b"),
            timeout=5,
            keep=False,
            progress=lambda _line: None,
        ) as created,
    ):
        created.run(b"", "")
    deletes = sorted(path for method, path in session.sent if method == "DELETE")
    assert deletes == [f"/api/v1/namespaces/ns/pods/discover-probe-p-{n}" for n in ("a", "b")]
