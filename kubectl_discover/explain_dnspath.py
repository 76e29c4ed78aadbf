"""Judge every hop of the DNS path (pure): one keyed row per hop, naming a bad one.

The probe asked each hop (the pod's nameserver, a node-local cache, the kube-dns
ClusterIP, each CoreDNS replica) the same names over UDP and TCP
(:mod:`kubectl_discover.probe.dnspath`). A hop that answers differently from the
others (or from the API objects), clearly slower, over one transport only, or not at
all gets a row saying which pod, address and node it is, why that matters and what to
do. ``--repeat`` adds the latency distribution and the pattern of lost answers.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.explain import Row, RowVerdict
from kubectl_discover.probe.dnspath import Role
from kubectl_discover.probe.dnspath_result import DnsPathResult, HopObservation, Latency

SLOW_FACTOR = 5.0
SLOW_FLOOR_MS = 100.0
RACE_REMEDIES = (
    "add dnsConfig options single-request-reopen (glibc: A and AAAA from two sockets) or "
    "use-vc (TCP), run NodeLocal DNSCache, ask FQDNs with a trailing dot, or lower ndots"
)
SKIPPED_KEY = "dnspath:replicas"

Answer = tuple[str, tuple[str, ...]]
"""(rcode, sorted A records) of one name at one hop."""


def expected_answers(diagnosis: Diagnosis) -> dict[str, frozenset[str]]:
    """What the API objects say each absolute name's A records are (names the analysis
    predicted with answers only)."""
    found: dict[str, frozenset[str]] = {}
    for e in diagnosis.dns:
        if e.exists is True and e.qtype == "A" and e.answers and e.fqdn:
            found[e.fqdn.rstrip(".").lower() + "."] = frozenset(e.answers)
    return found


def dns_path_rows(
    path: DnsPathResult, expected: Mapping[str, frozenset[str]] | None = None
) -> list[Row]:
    """One row per hop (in the order asked), plus a row when the replicas were not read."""
    expected = expected or {}
    rows: list[Row] = []
    if path.skipped:
        rows.append(
            Row(
                "dns",
                "CoreDNS replicas",
                "each replica asked directly",
                "not asked",
                RowVerdict.INFO,
                f"{path.skipped}; only the pod's nameserver and the kube-dns ClusterIP were "
                "asked (grant list on endpointslices in kube-system, deploy/rbac.yaml)",
                observation={"skipped": path.skipped},
                key=SKIPPED_KEY,
            )
        )
    if path.error:
        rows.append(
            Row(
                "dns",
                "DNS path",
                "every hop asked",
                path.error,
                RowVerdict.UNKNOWN,
                "the DNS path checks did not finish within the probe budget",
                key="dnspath:error",
            )
        )
    references = {name: _reference(path, name, expected) for name in path.names}
    medians = {h.key: h.latency().p50_ms for h in path.hops}
    replicas = sum(1 for h in path.hops if h.role == Role.REPLICA)
    for hop in path.hops:
        rows.append(_hop_row(hop, path, references, medians, replicas))
    return rows


def _answer(hop: HopObservation, name: str) -> Answer | None:
    pair = hop.first_pair(name)
    if pair is not None and "A" in pair.answers:
        a = pair.answers["A"]
        return a.rcode, a.data
    tcp = hop.first_tcp(name)
    if tcp is not None and tcp.answered:
        return tcp.rcode or "", tcp.data
    return None


def _reference(
    path: DnsPathResult, name: str, expected: Mapping[str, frozenset[str]]
) -> tuple[Answer | None, str]:
    """The answer a hop should give for ``name`` and where that comes from: the API
    objects when the analysis knows the records, else what most hops answer."""
    if name.lower() in expected:
        return ("NOERROR", tuple(sorted(expected[name.lower()]))), "the API objects"
    answers = [a for h in path.hops if (a := _answer(h, name)) is not None]
    if not answers:
        return None, ""
    (top, count), *rest = Counter(answers).most_common()
    if rest and rest[0][1] == count:
        return None, ""  # a tie: no majority to compare against
    return top, f"{count} of {len(answers)} hops"


def _text(answer: Answer) -> str:
    rcode, data = answer
    if rcode == "NOERROR" and data:
        return ", ".join(data)
    return "NODATA" if rcode == "NOERROR" else rcode


def _observed(hop: HopObservation, latency: Latency) -> str:
    parts = []
    if hop.udp_answers:
        first = next(p for p in hop.pairs if p.answered)
        a = first.answers.get("A") or next(iter(first.answers.values()))
        parts.append(f"UDP {_text((a.rcode, a.data))} in {a.time_ms:g} ms")
    else:
        error = next((p.error for p in hop.udp if p.error), None)
        parts.append(f"UDP {error or 'no answer'}")
    tcp = next((t for t in hop.tcp if t.answered), None)
    if tcp is not None:
        parts.append(f"TCP ok in {tcp.time_ms:g} ms")
    else:
        error = next((t.error for t in hop.tcp if t.error), None)
        parts.append(f"TCP {error or 'no answer'}")
    if latency.pairs > 1:
        parts.append(_distribution(latency))
    return "; ".join(parts)


def _distribution(latency: Latency) -> str:
    text = f"{latency.pairs} pairs: " + (
        f"p50 {latency.p50_ms:g} ms, p90 {latency.p90_ms:g} ms, max {latency.max_ms:g} ms"
        if latency.p50_ms is not None and latency.p90_ms is not None and latency.max_ms is not None
        else "none answered"
    )
    lost = latency.lost_one + latency.lost_both
    return text + (f", {lost} lost" if lost else "")


def _hop_row(
    hop: HopObservation,
    path: DnsPathResult,
    references: Mapping[str, tuple[Answer | None, str]],
    medians: Mapping[str, float | None],
    replicas: int,
) -> Row:
    latency = hop.latency()
    problems = _problems(hop, path, references, medians, latency, replicas)
    silent = [h for h in path.hops if h.role == Role.REPLICA and not h.udp_answers]
    if problems and hop.role == Role.SERVICE and silent:
        names = ", ".join(h.pod.split("/")[-1] or h.address for h in silent)
        pointer = (
            RowVerdict.WARN,  # the replica's row carries the failure
            f"kube-proxy sends part of these queries to {names}, which does not answer "
            "(see its row)",
        )
        answered = hop.udp_answers or hop.tcp_answers
        problems = [pointer, *problems] if answered else [pointer]
    verdict = max(
        (level for level, _ in problems),
        key=lambda v: v.severity or 0,
        default=RowVerdict.OK,
    )
    if problems:
        why = "; ".join(text for _, text in problems)
    elif hop.role == Role.NODE_LOCAL:
        verdict, why = (
            RowVerdict.INFO,
            "a node-local cache answers this pod's queries on its node (NodeLocal DNSCache): "
            "it answers like kube-dns over UDP and TCP",
        )
    else:
        why = "answers like the other hops, over UDP and TCP"
    if hop.note:
        why += f"; {hop.note}"
    return Row(
        "dns",
        _subject(hop),
        "answers like the other hops over UDP and TCP",
        _observed(hop, latency),
        verdict,
        why,
        evidence=_evidence(hop),
        observation=_observation(hop, latency),
        key=hop.key,
    )


def _subject(hop: HopObservation) -> str:
    where = {
        Role.RESOLVER: "nameserver",
        Role.NODE_LOCAL: "node-local cache",
        Role.SERVICE: "kube-dns ClusterIP",
        Role.REPLICA: "CoreDNS replica",
    }.get(hop.role, hop.role)
    name = f" {hop.pod}" if hop.pod and hop.role == Role.REPLICA else ""
    node = f" on {hop.node}" if hop.node else ""
    mark = " (resolv.conf)" if hop.resolver and hop.role != Role.RESOLVER else ""
    return f"{where}{name} {hop.address}{node}{mark}"


def _problems(
    hop: HopObservation,
    path: DnsPathResult,
    references: Mapping[str, tuple[Answer | None, str]],
    medians: Mapping[str, float | None],
    latency: Latency,
    replicas: int,
) -> list[tuple[RowVerdict, str]]:
    who = _subject(hop)
    if not hop.udp_answers and not hop.tcp_answers:
        return [(RowVerdict.FAIL, _silent(hop, who, replicas))]
    problems: list[tuple[RowVerdict, str]] = []
    if hop.udp_answers and not hop.tcp_answers:
        error = next((t.error for t in hop.tcp if t.error), "no answer")
        problems.append(
            (
                RowVerdict.WARN,
                f"answers over UDP but not over TCP ({error}): answers too large for UDP "
                "(truncated: big headless Services, SRV) and clients with use-vc fail there; "
                "allow TCP port 53 to CoreDNS (NetworkPolicy, firewall, the Service's dns-tcp "
                "port)",
            )
        )
    if hop.tcp_answers and not hop.udp_answers:
        problems.append(
            (
                RowVerdict.FAIL,
                "answers over TCP only: UDP port 53 is dropped on the way (NetworkPolicy, "
                "firewall, conntrack table full); most clients ask over UDP and time out",
            )
        )
    for name in path.names:
        reference, source = references.get(name, (None, ""))
        got = _answer(hop, name)
        if reference is None or got is None or got == reference:
            continue
        said = f"answers {_text(got)} for {name} where {source} say {_text(reference)}"
        if hop.role == Role.SERVICE and any(h.role == Role.REPLICA for h in path.hops):
            problems.append(
                (
                    RowVerdict.WARN,  # the cause is the replica's row
                    f"{said}: kube-proxy sent this query to a replica that answers differently "
                    "(see the replica rows); clients get either answer, query by query",
                )
            )
            continue
        namespace, _, pod = hop.pod.partition("/")
        fix = (
            f"restart it (kubectl -n {namespace} delete pod {pod})"
            if hop.role == Role.REPLICA and pod
            else "find the server behind it and compare its zone data and Corefile"
        )
        problems.append(
            (
                RowVerdict.FAIL,
                f"{said}: a stale or differently configured server (a stuck API watch, an old "
                f"Corefile); clients it serves get the wrong answer; {fix}",
            )
        )
    problems.extend(_slow(hop, medians, latency))
    problems.extend(_losses(latency))
    return problems


def _silent(hop: HopObservation, who: str, replicas: int) -> str:
    if hop.role == Role.REPLICA:
        share = f" (about 1 query in {replicas})" if replicas > 1 else ""
        pod = hop.pod.split("/")[-1] if hop.pod else "the pod"
        return (
            f"no answer over UDP or TCP: kube-proxy still sends queries to it while its "
            f"EndpointSlice says ready, and those clients time out{share}; check "
            f"kubectl -n kube-system logs {pod}, then delete the pod"
        )
    if hop.role == Role.NODE_LOCAL:
        return (
            f"the node-local cache does not answer: every pod on {hop.node or 'this node'} "
            "whose resolv.conf names it fails to resolve; check the node-local-dns pod on "
            "that node (its logs, its iptables NOTRACK rules)"
        )
    if hop.role == Role.SERVICE:
        return (
            "the kube-dns ClusterIP does not answer: no ready CoreDNS endpoint, or "
            "kube-proxy has no rule for it on this node"
        )
    return f"{who} does not answer: every lookup of a client using it fails"


def _slow(
    hop: HopObservation, medians: Mapping[str, float | None], latency: Latency
) -> list[tuple[RowVerdict, str]]:
    """A replica is compared with the other replicas (the ClusterIP mixes them all, a slow one
    included); any other hop with every other hop."""
    mine = latency.p50_ms
    peers = [
        m
        for key, m in medians.items()
        if key != hop.key and m is not None and key.startswith(f"dnspath:{Role.REPLICA}:")
    ]
    if hop.role != Role.REPLICA or not peers:
        peers = [m for key, m in medians.items() if key != hop.key and m is not None]
    if mine is None or not peers:
        return []
    typical = statistics.median(peers)
    if mine > SLOW_FLOOR_MS and mine > SLOW_FACTOR * typical:
        which = "the other replicas" if hop.role == Role.REPLICA else "the other hops"
        return [
            (
                RowVerdict.WARN,
                f"slow: median {mine:g} ms where {which} take {typical:g} ms; an overloaded "
                "replica or node (CPU limits, upstream timeouts)",
            )
        ]
    return []


def _losses(latency: Latency) -> list[tuple[RowVerdict, str]]:
    found: list[tuple[RowVerdict, str]] = []
    if latency.lost_one or latency.after_resend:
        count = max(latency.lost_one, latency.after_resend)
        found.append(
            (
                RowVerdict.WARN,
                f"{count} of {latency.pairs} A/AAAA pairs got one answer only, or only after "
                "the resend: the conntrack race of two UDP packets from one socket; a glibc "
                f"client stalls 5 s (options timeout) each time; {RACE_REMEDIES}",
            )
        )
    if latency.lost_both and latency.answered:
        found.append(
            (
                RowVerdict.WARN,
                f"{latency.lost_both} of {latency.pairs} pairs got no answer at all: lost UDP "
                "answers (packet loss, a full conntrack table, an overloaded server); clients "
                "retry after their timeout",
            )
        )
    return found


def _evidence(hop: HopObservation) -> tuple[tuple[str, str], ...]:
    evidence: list[tuple[str, str]] = []
    for pair in hop.udp:
        for qtype in ("A", "AAAA"):
            answer = pair.answers.get(qtype)
            text = (
                f"{_text((answer.rcode, answer.data))} {answer.time_ms:g} ms"
                if answer is not None
                else pair.error or "lost"
            )
            evidence.append((f"udp {qtype} {pair.name}", text))
    for tcp in hop.tcp:
        text = (
            f"{_text((tcp.rcode or '', tcp.data))} {tcp.time_ms:g} ms"
            if tcp.answered
            else tcp.error or "no answer"
        )
        evidence.append((f"tcp {tcp.qtype} {tcp.name}", text))
    return tuple(evidence)


def _observation(hop: HopObservation, latency: Latency) -> dict[str, Any]:
    """What JSON/YAML carry for a hop (docs/output.md, "DNS path")."""
    return {
        "hop": {
            "role": hop.role,
            "address": hop.address,
            "pod": hop.pod or None,
            "node": hop.node or None,
            "resolvConf": hop.resolver,
        },
        "udp": latency.to_json(),
        "tcp": {
            "asked": len(hop.tcp),
            "answered": sum(1 for t in hop.tcp if t.answered),
            "errors": sorted({t.error for t in hop.tcp if t.error}),
        },
        "unfinished": hop.unfinished,
    }


def rows_for(
    diagnoses: Sequence[Diagnosis], path: DnsPathResult | None, *, probe_node: str = ""
) -> list[Row]:
    """The DNS path rows of a probe run (none when the path was not asked). A node-local
    cache (or another nameserver of the pod's own) is on ``probe_node``, the probe pod's."""
    if path is None:
        return []
    expected: dict[str, frozenset[str]] = {}
    for diagnosis in diagnoses:
        expected.update(expected_answers(diagnosis))
    if probe_node:
        local = (Role.NODE_LOCAL, Role.RESOLVER)
        placed = tuple(
            dataclasses.replace(h, node=probe_node) if h.role in local and not h.node else h
            for h in path.hops
        )
        path = dataclasses.replace(path, hops=placed)
    return dns_path_rows(path, expected)
