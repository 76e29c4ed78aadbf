"""The DNS path: which hops are asked (plan), how the program asks them (real UDP and TCP
sockets against the loopback DNS server of test_probe_program), and how each hop is judged.

The judging tests feed fixed program output (the JSON the in-pod program prints) and
check the exact row verdicts and the words that name the bad hop.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.rdatatype
import pytest
from test_probe_program import DnsServer, Servers, Zone, _python, run_program

from kubectl_discover.analyze.model import Diagnosis, DnsExpectation, NameForm
from kubectl_discover.cli import run
from kubectl_discover.explain import RowVerdict
from kubectl_discover.explain_dnspath import rows_for
from kubectl_discover.probe import program
from kubectl_discover.probe.dnspath import (
    DnsHop,
    DnsPathPlan,
    DnsPathTargets,
    Role,
    build_path_plan,
    node_local_binds,
    path_names,
    replicas_from_slices,
)
from kubectl_discover.probe.dnspath_result import DnsPathResult, percentile
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.plan import ProbePlan, build_plan
from kubectl_discover.report import build_report

NAME = "web.shop.svc.cluster.local."
VIP = "10.96.7.7"


def slice_(*endpoints: dict[str, Any]) -> dict[str, Any]:
    return {"addressType": "IPv4", "endpoints": list(endpoints)}


def endpoint(ip: str, pod: str, node: str, **conditions: bool) -> dict[str, Any]:
    return {
        "addresses": [ip],
        "conditions": {"ready": True, **conditions},
        "nodeName": node,
        "targetRef": {"kind": "Pod", "namespace": "kube-system", "name": pod},
    }


def diagnosis(answers: tuple[str, ...] = (VIP,)) -> Diagnosis:
    expectation = DnsExpectation(
        query=NAME,
        qtype="A",
        form=NameForm.FQDN,
        fqdn=NAME,
        exists=True,
        answers=answers,
        why="the ClusterIP",
    )
    return Diagnosis("Service", "shop", "web", "ClusterIP", (), dns=(expectation,))


# ---------------------------------------------------------------- plan


def test_replicas_come_from_every_slice_in_address_order_without_terminating_ones() -> None:
    slices = [
        slice_(endpoint("10.244.2.1", "coredns-b", "node-2")),
        slice_(
            endpoint("10.244.1.1", "coredns-a", "node-1", ready=False),
            endpoint("10.244.3.1", "coredns-old", "node-3", terminating=True),
        ),
    ]
    assert replicas_from_slices(slices) == (
        DnsHop(Role.REPLICA, "10.244.1.1", "kube-system/coredns-a", "node-1", ready=False),
        DnsHop(Role.REPLICA, "10.244.2.1", "kube-system/coredns-b", "node-2", ready=True),
    )


def test_path_names_are_the_absolute_names_predicted_to_resolve() -> None:
    assert path_names([diagnosis()], "cluster.local") == (NAME,)
    nothing = Diagnosis("Service", "shop", "web", "ClusterIP", ())
    assert path_names([nothing], "corp.example") == ("kubernetes.default.svc.corp.example.",)


def test_the_path_plan_asks_the_cluster_ip_then_each_replica_and_survives_json() -> None:
    replicas = replicas_from_slices([slice_(endpoint("10.244.1.1", "coredns", "node-1"))])
    targets = DnsPathTargets("10.96.0.10", replicas)
    path = build_path_plan([diagnosis()], targets, cluster_domain="cluster.local", repeat=7)
    assert [(h.key, h.pod) for h in path.hops] == [
        ("dnspath:service:10.96.0.10", "kube-system/kube-dns"),
        ("dnspath:replica:10.244.1.1", "kube-system/coredns"),
    ]
    plan = build_plan([diagnosis()], dns_path=path)
    assert ProbePlan.from_json(plan.to_json()) == plan
    assert "dns_path" not in build_plan([diagnosis()]).to_json()
    with pytest.raises(ValueError, match="between 1 and 200"):
        build_path_plan([diagnosis()], targets, cluster_domain="cluster.local", repeat=201)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeat", "0"], "error: --repeat must be between 1 and 200, not 0"),
        (["--repeat", "201"], "error: --repeat must be between 1 and 200, not 201"),
        (
            ["--repeat", "5", "--no-probe"],
            "error: --repeat asks the DNS path from a probe pod: not with --no-probe",
        ),
    ],
)
def test_a_bad_repeat_is_exit_two_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = run(["dns", "web.shop", "-f", "examples/shop.yaml", *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [message]


# ---------------------------------------------------------------- the program, on real sockets


class DroppingServer(DnsServer):
    """The loopback DNS server, dropping the first ``drop`` UDP questions of ``qtype``
    (the conntrack race loses one of two packets sent from one socket)."""

    def __init__(self, zone: Zone, qtype: str, drop: int) -> None:
        self.qtype, self.drop, self.lock = qtype, drop, threading.Lock()
        super().__init__(zone)

    def _udp_reply(self, data: bytes, peer: Any) -> None:
        question = dns.message.from_wire(data).question[0]
        with self.lock:
            dropped = dns.rdatatype.to_text(question.rdtype) == self.qtype and self.drop > 0
            self.drop -= 1 if dropped else 0
        if not dropped:
            super()._udp_reply(data, peer)


def zone() -> Zone:
    records = Zone()
    records.add(NAME, "A", VIP)
    return records


def test_a_pair_is_a_and_aaaa_over_one_socket_and_tcp_answers_too() -> None:
    server = DnsServer(zone())
    try:
        pair = program.ask_pair(NAME, "127.0.0.1", server.port, 2.0)
        tcp = program.ask_tcp(NAME, "A", "127.0.0.1", server.port, 2.0)
    finally:
        server.close()
    assert (pair["lost"], pair["resent"], pair["error"]) == ([], False, None)
    assert {q: (a["rcode"], a["data"]) for q, a in pair["answers"].items()} == {
        "A": ("NOERROR", [VIP]),
        "AAAA": ("NOERROR", []),
    }
    assert (tcp["rcode"], tcp["data"], tcp["error"]) == ("NOERROR", [VIP], None)


def test_an_aaaa_lost_once_is_answered_after_the_resend() -> None:
    server = DroppingServer(zone(), "AAAA", drop=1)
    try:
        pair = program.ask_pair(NAME, "127.0.0.1", server.port, 1.0)
    finally:
        server.close()
    assert (pair["lost"], pair["resent"]) == ([], True)
    assert pair["answers"]["A"]["after_resend"] is False
    assert pair["answers"]["AAAA"]["after_resend"] is True
    assert pair["answers"]["AAAA"]["time_ms"] >= 500.0  # half the timeout passed first


def test_an_aaaa_always_lost_is_reported_lost_and_a_dead_port_answers_nothing() -> None:
    server = DroppingServer(zone(), "AAAA", drop=10)
    try:
        pair = program.ask_pair(NAME, "127.0.0.1", server.port, 0.6)
    finally:
        server.close()
    assert (pair["lost"], sorted(pair["answers"])) == (["AAAA"], ["A"])
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    silent = program.ask_pair(NAME, "127.0.0.1", dead, 0.4)
    refused = program.ask_tcp(NAME, "A", "127.0.0.1", dead, 0.4)
    assert (silent["lost"], silent["answers"]) == (["A", "AAAA"], {})
    assert refused["error"] == "connection refused"


def test_the_program_adds_the_pods_nameserver_and_repeats_only_hops_that_answer() -> None:
    server = DnsServer(zone())
    path = {
        "names": [NAME],
        "hops": [
            {"key": "dnspath:replica:127.0.0.1", "role": "replica", "address": "127.0.0.1"},
            {"key": "dnspath:replica:127.0.0.2", "role": "replica", "address": "127.0.0.2"},
        ],
        "repeat": 5,
        "node_local": ["127.0.0.3"],
    }
    resolver = {"nameservers": ["127.0.0.3", "127.0.0.1"]}
    try:
        started = time.monotonic()
        result = program.run_dns_path(path, resolver, server.port, 0.5, started + 10.0)
    finally:
        server.close()
    got = [(h["key"], h["resolver"], len(h["udp"]), len(h["repeat"])) for h in result["hops"]]
    assert got == [
        ("dnspath:node-local:127.0.0.3", True, 1, 0),
        ("dnspath:replica:127.0.0.1", True, 1, 4),
        ("dnspath:replica:127.0.0.2", False, 1, 0),
    ]


# ---------------------------------------------------------------- judging


def pair(ms: float, a: tuple[str, ...] = (VIP,), *, lost: tuple[str, ...] = (), late: bool = False):
    answers = {
        q: {
            "rcode": "NOERROR",
            "data": list(a) if q == "A" else [],
            "time_ms": ms,
            "after_resend": late,
        }
        for q in ("A", "AAAA")
        if q not in lost
    }
    return {"name": NAME, "answers": answers, "lost": list(lost), "time_ms": ms, "error": None}


def tcp(ms: float = 1.0, a: tuple[str, ...] = (VIP,), error: str | None = None) -> dict[str, Any]:
    if error:
        return {
            "name": NAME,
            "qtype": "A",
            "rcode": None,
            "data": [],
            "time_ms": ms,
            "error": error,
        }
    return {"name": NAME, "qtype": "A", "rcode": "NOERROR", "data": list(a), "time_ms": ms}


def hop(role: str, address: str, pod: str = "", node: str = "", **parts: Any) -> dict[str, Any]:
    data = {"key": f"dnspath:{role}:{address}", "role": role, "address": address}
    data.update({"pod": pod, "node": node, "resolver": parts.pop("resolver", False)})
    data.update({"udp": [pair(1.0)], "tcp": [tcp()], "repeat": []})
    data.update(parts)
    return data


SERVICE = hop("service", "10.96.0.10", "kube-system/kube-dns", resolver=True)
A1 = hop("replica", "10.244.1.1", "kube-system/coredns-a", "node-1")


def judge(*hops: dict[str, Any], skipped: str = "", probe_node: str = "", answers=(VIP,)):
    path = DnsPathResult.from_json(
        {"hops": list(hops), "names": [NAME], "repeat": 1, "skipped": skipped}
    )
    return {r.key: r for r in rows_for([diagnosis(answers)], path, probe_node=probe_node)}


def test_a_healthy_path_is_one_ok_row_per_hop_naming_pod_and_node() -> None:
    rows = judge(SERVICE, A1, hop("replica", "10.244.2.1", "kube-system/coredns-b", "node-2"))
    assert [(r.subject, r.verdict) for r in rows.values()] == [
        ("kube-dns ClusterIP 10.96.0.10 (resolv.conf)", RowVerdict.OK),
        ("CoreDNS replica kube-system/coredns-a 10.244.1.1 on node-1", RowVerdict.OK),
        ("CoreDNS replica kube-system/coredns-b 10.244.2.1 on node-2", RowVerdict.OK),
    ]
    assert rows["dnspath:replica:10.244.1.1"].observed == "UDP 10.96.7.7 in 1 ms; TCP ok in 1 ms"


def test_a_silent_replica_fails_and_is_named() -> None:
    dead = hop(
        "replica",
        "10.244.2.1",
        "kube-system/coredns-b",
        "node-2",
        udp=[pair(1000.0, lost=("A", "AAAA"))],
        tcp=[tcp(error="timeout")],
    )
    row = judge(SERVICE, A1, dead)["dnspath:replica:10.244.2.1"]
    assert (row.verdict, row.observed) == (RowVerdict.FAIL, "UDP no answer; TCP timeout")
    assert row.why == (
        "no answer over UDP or TCP: kube-proxy still sends queries to it while its "
        "EndpointSlice says ready, and those clients time out (about 1 query in 2); check "
        "kubectl -n kube-system logs coredns-b, then delete the pod"
    )


def test_tcp_only_failing_warns_and_udp_only_failing_fails() -> None:
    no_tcp = hop("replica", "10.244.2.1", tcp=[tcp(error="connection refused")])
    no_udp = hop("replica", "10.244.3.1", udp=[pair(1000.0, lost=("A", "AAAA"))])
    rows = judge(SERVICE, A1, no_tcp, no_udp)
    assert rows["dnspath:replica:10.244.2.1"].verdict is RowVerdict.WARN
    assert rows["dnspath:replica:10.244.2.1"].why.startswith(
        "answers over UDP but not over TCP (connection refused)"
    )
    assert rows["dnspath:replica:10.244.3.1"].verdict is RowVerdict.FAIL
    assert rows["dnspath:replica:10.244.3.1"].why.startswith("answers over TCP only: UDP port 53")


def test_a_replica_answering_differently_from_the_api_objects_fails_with_the_fix() -> None:
    stale = hop(
        "replica",
        "10.244.2.1",
        "kube-system/coredns-b",
        "node-2",
        udp=[pair(1.0, a=("10.96.9.9",))],
        tcp=[tcp(a=("10.96.9.9",))],
    )
    row = judge(SERVICE, A1, stale)["dnspath:replica:10.244.2.1"]
    assert row.verdict is RowVerdict.FAIL
    assert row.why == (
        f"answers 10.96.9.9 for {NAME} where the API objects say {VIP}: a stale or differently "
        "configured server (a stuck API watch, an old Corefile); clients it serves get the "
        "wrong answer; restart it (kubectl -n kube-system delete pod coredns-b)"
    )


def test_without_known_answers_the_majority_decides_and_a_tie_accuses_nobody() -> None:
    odd = hop(
        "replica", "10.244.2.1", udp=[pair(1.0, a=("10.96.9.9",))], tcp=[tcp(a=("10.96.9.9",))]
    )
    rows = judge(SERVICE, A1, odd, answers=())
    assert rows["dnspath:replica:10.244.2.1"].why.startswith(
        f"answers 10.96.9.9 for {NAME} where 2 of 3 hops say {VIP}"
    )
    tie = judge(A1, odd, answers=())
    assert {r.verdict for r in tie.values()} == {RowVerdict.OK}


def test_a_clearly_slower_replica_warns() -> None:
    slow = hop("replica", "10.244.2.1", udp=[pair(600.0)])
    # The ClusterIP reached the slow replica too: replicas are compared with replicas.
    mixed = hop("service", "10.96.0.10", resolver=True, udp=[pair(300.0)])
    rows = judge(mixed, A1, slow)
    assert rows["dnspath:replica:10.244.2.1"].verdict is RowVerdict.WARN
    assert rows["dnspath:replica:10.244.2.1"].why.startswith(
        "slow: median 600 ms where the other replicas take 1 ms"
    )
    # 300 ms against the median of 1 and 600 ms: not 5 times slower.
    assert rows["dnspath:service:10.96.0.10"].verdict is RowVerdict.OK
    not_slow = hop("replica", "10.244.2.1", udp=[pair(90.0)])  # under the 100 ms floor
    assert judge(SERVICE, A1, not_slow)["dnspath:replica:10.244.2.1"].verdict is RowVerdict.OK


def test_repeat_gives_the_distribution_and_names_the_race_pattern() -> None:
    pairs = [pair(float(ms)) for ms in range(1, 9)]
    pairs += [pair(5001.0, late=True), pair(3000.0, lost=("AAAA",))]
    racy = hop("service", "10.96.0.10", resolver=True, udp=pairs[:1], repeat=pairs[1:])
    row = judge(racy, A1)["dnspath:service:10.96.0.10"]
    assert row.verdict is RowVerdict.WARN
    assert row.observation is not None
    assert row.observation["udp"] == {
        "pairs": 10,
        "answered": 9,
        "p50Ms": 5.0,
        "p90Ms": 5001.0,  # nearest rank: ceil(0.9 * 9) = the 9th of 9
        "maxMs": 5001.0,
        "lostOne": 1,
        "lostBoth": 0,
        "answeredAfterResend": 1,
    }
    assert row.observed.endswith("; 10 pairs: p50 5 ms, p90 5001 ms, max 5001 ms, 1 lost")
    assert "1 of 10 A/AAAA pairs got one answer only, or only after the resend" in row.why
    assert "single-request-reopen" in row.why and "use-vc" in row.why and "ndots" in row.why


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(10, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.9), percentile([], 0.5)) == (
        5.0,
        9.0,
        None,
    )


def test_a_node_local_cache_is_its_own_hop_on_the_probe_pods_node() -> None:
    local = hop("node-local", "169.254.20.10", resolver=True)
    rows = judge(local, hop("service", "10.96.0.10"), A1, probe_node="kd-real-1")
    row = rows["dnspath:node-local:169.254.20.10"]
    assert (row.subject, row.verdict) == (
        "node-local cache 169.254.20.10 on kd-real-1 (resolv.conf)",
        RowVerdict.INFO,
    )
    down = hop("node-local", "169.254.20.10", resolver=True, udp=[pair(1.0, lost=("A", "AAAA"))])
    down["tcp"] = [tcp(error="timeout")]
    row = judge(down, hop("service", "10.96.0.10"), A1, probe_node="kd-real-1")[
        "dnspath:node-local:169.254.20.10"
    ]
    assert row.verdict is RowVerdict.FAIL
    assert row.why.startswith("the node-local cache does not answer: every pod on kd-real-1")


def test_unreadable_endpointslices_are_a_stated_skip() -> None:
    reason = "cannot list endpointslices in kube-system: forbidden"
    row = judge(SERVICE, skipped=reason)["dnspath:replicas"]
    assert (row.subject, row.observed, row.verdict) == (
        "CoreDNS replicas",
        "not asked",
        RowVerdict.INFO,
    )
    assert row.why.startswith(reason + "; only the pod's nameserver and the kube-dns ClusterIP")


def test_the_report_lists_hop_rows_by_key_and_a_failing_hop_fails_the_verdict() -> None:
    dead = hop("replica", "10.244.2.1", udp=[pair(1.0, lost=("A", "AAAA"))], tcp=[tcp(error="x")])
    rows = list(judge(SERVICE, A1, dead).values())
    document = build_report(diagnosis(), rows, source="test")
    assert [(o["key"], o["verdict"], "for" in o) for o in document["observations"]] == [
        ("dnspath:service:10.96.0.10", "ok", False),
        ("dnspath:replica:10.244.1.1", "ok", False),
        ("dnspath:replica:10.244.2.1", "fail", False),
    ]
    assert document["verdict"] == "fail"


# ---------------------------------------------------------------- dns NAME: domain and server


WIRED = Path(__file__).resolve().parents[1] / "fixtures" / "corefile" / "wired"
KUBE_DNS = """apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  clusterIP: 10.0.0.10
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP}]
"""


def test_dns_name_says_where_its_domain_and_nameserver_come_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kube_dns = tmp_path / "kube-dns.yaml"
    kube_dns.write_text(KUBE_DNS)
    files = ["-f", str(WIRED / "shop.yaml"), "-f", str(WIRED / "custom-domain.yaml")]
    code = run(["dns", "web.shop", "-n", "shop", *files, "-f", str(kube_dns), "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (doc["facts"]["nameserver"], doc["facts"]["cluster domain"]) == (
        "10.0.0.10 (the ClusterIP of kube-system/kube-dns)",
        "corp.internal (from 'kubernetes corp.internal in-addr.arpa ip6.arpa {...}' "
        "(kube-system/coredns/Corefile line 3))",
    )
    assert doc["dnsNames"][0]["fqdn"] == "web.shop.svc.corp.internal"

    code = run(["dns", "web.shop", "-n", "shop", "-f", str(WIRED / "shop.yaml"), "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert (doc["facts"]["nameserver"], doc["facts"]["cluster domain"]) == (
        "unknown (no kube-system/kube-dns Service)",
        "cluster.local (assumed: no Corefile read)",
    )
    code = run(
        ["dns", "web.shop", "-n", "shop", *files, "--cluster-domain", "corp.internal", "-o", "json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["facts"]["cluster domain"] == "corp.internal (--cluster-domain)"


def test_a_cluster_ip_reaching_a_stale_replica_points_at_it() -> None:
    stale = dict(udp=[pair(1.0, a=())], tcp=[tcp(a=())])
    rows = judge(hop("service", "10.96.0.10", **stale), A1, hop("replica", "10.244.2.1", **stale))
    service = rows["dnspath:service:10.96.0.10"]
    assert service.verdict is RowVerdict.WARN
    assert service.why.endswith(
        "kube-proxy sent this query to a replica that answers differently (see the replica "
        "rows); clients get either answer, query by query"
    )
    assert rows["dnspath:replica:10.244.2.1"].verdict is RowVerdict.FAIL
    alone = judge(hop("service", "10.96.0.10", **stale), skipped="not read")
    assert alone["dnspath:service:10.96.0.10"].verdict is RowVerdict.FAIL


def test_a_name_row_says_the_replicas_disagree_instead_of_blaming_nss() -> None:
    from kubectl_discover.explain import explain
    from kubectl_discover.probe.observations import ProbeResult
    from kubectl_discover.probe.plan import dns_key

    step = {"name": NAME, "qtype": "A", "rcode": "NXDOMAIN", "answers": [], "time_ms": 1.0}
    stale = dict(udp=[pair(1.0, a=())], tcp=[tcp(a=())])
    document = {
        "resolver": {"nameservers": ["10.96.0.10"], "search": [], "ndots": 5},
        "dns": [
            {
                "key": dns_key(NAME, "A"),
                "name": NAME,
                "qtypes": ["A", "AAAA"],
                "candidates": [NAME],
                "steps": [step, {**step, "qtype": "AAAA"}],
                "libc": {"addresses": [VIP], "error": None, "time_ms": 1.0},
            }
        ],
        "dns_path": {"hops": [A1, hop("replica", "10.244.2.1", **stale)], "names": [NAME]},
    }
    result = ProbeResult.from_json(document)
    (row,) = [r for r in explain(diagnosis(), result) if r.key == diagnosis().dns[0].key]
    assert row.verdict is RowVerdict.FAIL
    assert row.why.endswith(
        "the CoreDNS replicas answer this name differently (see the DNS path rows): each query "
        "gets the answer of the replica kube-proxy picks for it"
    )
    assert "/etc/hosts" not in row.why
    healthy = ProbeResult.from_json({**document, "dns_path": {"hops": [A1], "names": [NAME]}})
    (row,) = [r for r in explain(diagnosis(), healthy) if r.key == diagnosis().dns[0].key]
    assert "yet getaddrinfo answered 10.96.7.7 (/etc/hosts or another NSS source)" in row.why


NODELOCAL_COREFILE = """cluster.local:53 {
    errors
    cache {
        success 9984 30
        denial 9984 5
    }
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__CLUSTER__DNS__ {
        force_tcp
    }
}
.:53 {
    bind 169.254.20.10 10.96.0.10
    forward . __PILLAR__UPSTREAM__SERVERS__
}
"""


def test_node_local_binds_fill_in_node_caches_placeholders() -> None:
    assert node_local_binds(NODELOCAL_COREFILE, "10.96.0.10") == (
        ("169.254.20.10", "10.96.0.10"),
        "'bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__' "
        "(kube-system/node-local-dns/Corefile line 7)",
    )
    ipvs = "cluster.local:53 {\n    bind 169.254.20.10\n}\n"
    assert node_local_binds(ipvs, "10.96.0.10")[0] == ("169.254.20.10",)


def test_a_cluster_ip_the_node_cache_binds_says_so() -> None:
    binds, line = node_local_binds(NODELOCAL_COREFILE, "10.96.0.10")
    targets = DnsPathTargets("10.96.0.10", (), node_local=binds, node_local_line=line)
    path = build_path_plan([diagnosis()], targets, cluster_domain="cluster.local", repeat=1)
    (service,) = path.hops
    assert service.note == (
        "NodeLocal DNSCache binds this address on the nodes it runs on ('bind "
        "__PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__' (kube-system/node-local-dns/Corefile "
        "line 7)): there the node's cache answers it, not kube-proxy"
    )
    row = judge({**SERVICE, "note": service.note}, A1)["dnspath:service:10.96.0.10"]
    assert row.verdict is RowVerdict.OK
    assert row.why == "answers like the other hops, over UDP and TCP; " + service.note


def test_a_walk_ended_by_a_timeout_says_so_instead_of_blaming_the_search_path() -> None:
    from kubectl_discover.explain import explain
    from kubectl_discover.probe.observations import ProbeResult
    from kubectl_discover.probe.plan import dns_key

    short = DnsExpectation(
        query="web.shop",
        qtype="A",
        form=NameForm.OTHER_NAMESPACE,
        fqdn=NAME,
        exists=True,
        answers=(VIP,),
        why="the ClusterIP",
    )
    nx = {"qtype": "A", "rcode": "NXDOMAIN", "answers": [], "time_ms": 1.0}
    first = "web.shop.shop.svc.cluster.local."
    walk = {
        "key": dns_key("web.shop", "A"),
        "name": "web.shop",
        "candidates": [first, "web.shop.svc.cluster.local."],
        "steps": [
            {**nx, "name": first},
            {**nx, "name": first, "qtype": "AAAA", "rcode": None, "error": "timeout"},
        ],
    }
    full = {
        "key": dns_key(NAME, "A"),
        "name": NAME,
        "steps": [{"name": NAME, "qtype": "A", "rcode": "NOERROR", "time_ms": 1.0,
                   "answers": [{"name": NAME, "type": "A", "ttl": 30, "data": VIP}]}],
    }  # fmt: skip
    result = ProbeResult.from_json(
        {"resolver": {"nameservers": ["10.96.0.10"], "search": []}, "dns": [walk, full]}
    )
    subject = Diagnosis("Service", "shop", "web", "ClusterIP", (), dns=(short,))
    (row,) = [r for r in explain(subject, result) if r.key == short.key]
    assert row.verdict is RowVerdict.FAIL
    assert row.why.startswith(
        f"the lookup stopped at {first} (AAAA timeout): glibc gives up on a timeout instead of "
        "searching on; a DNS server on the way did not answer (the DNS path rows name it)"
    )
    assert "never completes" not in row.why


@pytest.fixture
def loopback(tmp_path: Path) -> Iterator[Servers]:
    """test_probe_program's loopback servers, with the one name asked here."""
    found = Servers(tmp_path)
    found.zone.add("web.shop.svc.cluster.local.", "A", "10.96.0.12")
    yield found
    found.close()


@pytest.mark.parametrize("version", ["3.8", "current"])
def test_the_program_prints_the_dns_path_on_old_and_new_pythons(
    tmp_path: Path, loopback: Servers, version: str
) -> None:
    """The whole program (subprocess, the resolv.conf names 127.0.0.1) with a DNS path plan:
    the pod's nameserver is the one hop, asked 3 times; Python 3.8 too (the probe image's
    python may be that old)."""
    python = sys.executable if version == "current" else _python(version)
    if python is None:
        pytest.skip(f"python{version} is not installed here")
    name = "web.shop.svc.cluster.local."
    path = DnsPathPlan(names=(name,), hops=(), repeat=3)
    plan = ProbePlan(dns=(), connects=(), budget_seconds=10.0, check_timeout=1.0, dns_path=path)
    doc = run_program(tmp_path, loopback, plan, python=python)
    result = ProbeResult.from_json(doc)
    assert result.dns_path is not None
    (own,) = result.dns_path.hops
    assert (own.key, own.resolver, len(own.pairs), len(own.tcp)) == (
        "dnspath:resolver:127.0.0.1",
        True,
        3,
        1,
    )
    assert {p.answers["A"].data for p in own.pairs} == {("10.96.0.12",)}
    assert own.tcp[0].data == ("10.96.0.12",)


def test_a_cluster_ip_partly_unanswered_points_at_the_silent_replica() -> None:
    halves = [pair(1.0), pair(1500.0, lost=("A", "AAAA"))]
    service = hop(
        "service", "10.96.0.10", udp=halves[:1], repeat=halves[1:], tcp=[tcp(error="timeout")]
    )
    dead = hop(
        "replica",
        "10.244.2.1",
        "kube-system/coredns-b",
        udp=[pair(1500.0, lost=("A", "AAAA"))],
        tcp=[tcp(error="timeout")],
    )
    row = judge(service, A1, dead)["dnspath:service:10.96.0.10"]
    assert row.verdict is RowVerdict.WARN
    assert row.why.startswith(
        "kube-proxy sends part of these queries to coredns-b, which does not answer (see its "
        "row); answers over UDP but not over TCP (timeout)"
    )
    assert "1 of 2 pairs got no answer at all" in row.why


def test_a_cluster_ip_whose_one_query_reached_the_silent_replica_only_points_at_it() -> None:
    lost = dict(udp=[pair(1500.0, lost=("A", "AAAA"))], tcp=[tcp(error="timeout")])
    rows = judge(hop("service", "10.96.0.10", **lost), A1, hop("replica", "10.244.2.1", **lost))
    service = rows["dnspath:service:10.96.0.10"]
    assert (service.verdict, service.why) == (
        RowVerdict.WARN,
        "kube-proxy sends part of these queries to 10.244.2.1, which does not answer (see its row)",
    )
    assert rows["dnspath:replica:10.244.2.1"].verdict is RowVerdict.FAIL
