"""Join static expectations with live observations into report rows (pure).

Each row says what the analysis expected, what the probe observed, a verdict
and a *causal* why: when the observation confirms a predicted failure the why
names the static cause ("NXDOMAIN because ..."), when the two disagree the row
says so instead of silently trusting either side. Without a probe result every
row is "not probed" and carries the static prediction.

Rows are joined to observations by the keys :mod:`kubectl_discover.probe.plan`
builds from the same expectations, so the join never depends on check order.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.model import (
    Diagnosis,
    DnsExpectation,
    EndpointExpectation,
    NameForm,
    PolicyExpectation,
    RouteExpectation,
)
from kubectl_discover.findings import Severity, Verdict
from kubectl_discover.probe.observations import (
    CertInfo,
    ConnectObservation,
    DnsObservation,
    ProbeResult,
)
from kubectl_discover.probe.plan import (
    ConnectCheck,
    SkippedCheck,
    absolute,
    dns_key,
    endpoint_checks,
    hostport,
    route_checks,
    service_fqdn,
    walk_namespace,
)

NOT_PROBED = "not probed"
PROBE_ROW = ""
"""The key of rows about the probe itself (resolver, budget): they observe no expectation."""
NODELOCAL_DNS = "169.254.20.10"
"""The link-local address NodeLocal DNSCache listens on."""
_SHORT_FORMS = (NameForm.SAME_NAMESPACE, NameForm.OTHER_NAMESPACE, NameForm.SVC_SUFFIX)


class RowVerdict(enum.Enum):
    """The verdict of one report row; ``unknown`` when nothing could be judged."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> Severity | None:
        """The severity this row weighs as in the report verdict (None: unknown)."""
        return None if self is RowVerdict.UNKNOWN else Severity[self.name]

    @classmethod
    def of_prediction(cls, ok: bool | None) -> RowVerdict:
        """A static prediction: True ok, False fail, None unknown."""
        return cls.OK if ok is True else cls.FAIL if ok is False else cls.UNKNOWN


@dataclass(frozen=True)
class NodeCell:
    """What one node's probe pod observed for a row (a fan-out: kubectl_discover/pernode.py)."""

    node: str
    observed: str
    verdict: RowVerdict
    why: str
    observation: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Row:
    """One line of the report: expectation, observation, verdict and why.

    ``key`` is the key of the expectation the row observes (``DnsExpectation.key``,
    ``EndpointExpectation.key``, ``RouteExpectation.key``): the report joins rows to
    expectations by it, never by position. An expectation may have several rows (one
    per Ingress address, an extra SNI row); rows about the probe itself (resolver,
    budget) have the key ``PROBE_ROW``.
    """

    section: str
    """"endpoints" | "dns" | "routes"."""
    subject: str
    expected: str
    observed: str
    """"not probed" when there is no observation."""
    verdict: RowVerdict
    why: str
    evidence: tuple[tuple[str, str], ...] = ()
    observation: Mapping[str, Any] | None = None
    """The raw observation, for JSON output."""
    key: str = PROBE_ROW
    nodes: tuple[NodeCell, ...] = ()
    """Per node, with a fan-out probe (one pod per node): the row as each node saw it."""
    nodes_differ: bool = False
    """The nodes did not all observe the same: a node-scoped fault (the why names them)."""


def explain(
    diagnosis: Diagnosis,
    result: ProbeResult | None,
    *,
    cluster_domain: str | None = None,
    dns_service_ip: str | None = None,
    policies_apply_to_probe: bool = True,
) -> tuple[Row, ...]:
    """Rows for ``diagnosis``: resolver facts, DNS names, endpoints, Ingress routes.

    ``cluster_domain`` is the domain the analysis assumed and ``dns_service_ip``
    the ClusterIP of kube-system/kube-dns; when given, the probe pod's
    resolv.conf is checked against them. ``policies_apply_to_probe`` False: the
    NetworkPolicy verdicts are about a ``--from`` client the probe does not impersonate,
    so they explain no probe row.
    """
    rows: list[Row] = []
    if result is not None:
        rows.extend(resolver_rows(result, cluster_domain, dns_service_ip))
    # Probe outcomes are explained by the NetworkPolicy verdicts only when the probe is the
    # client they are about (policies select by labels: a plain --from probe is another pod).
    policies = diagnosis.policies if policies_apply_to_probe else ()
    joined = diagnosis if policies_apply_to_probe else dataclasses.replace(diagnosis, policies=())
    rows.extend(dns_row(joined, e, result) for e in diagnosis.dns)
    fqdn = service_fqdn(diagnosis)
    for endpoint in diagnosis.endpoints:
        rows.extend(endpoint_rows(endpoint, result, fqdn, policies))
    for route in diagnosis.routes:
        rows.extend(route_rows(route, result, policies))
    rows.extend(policy_row(p) for p in diagnosis.policies)
    return tuple(rows)


# ---------------------------------------------------------------- NetworkPolicy


def policy_row(p: PolicyExpectation) -> Row:
    """A NetworkPolicy verdict: static (policies are not observed; a probe's timeout on
    the same hop names it instead, see :func:`policy_cause`)."""
    subject = f"{p.hop} {p.direction} {p.protocol}/{p.port}"
    fixed = f" (the fix: finding {', '.join(p.causes)})" if p.causes and p.fix else ""
    why = f"{p.why}{fixed}"
    return Row(
        "policies",
        subject,
        p.outcome,
        NOT_PROBED,
        RowVerdict(p.verdict.value),
        why,
        tuple(("finding", c) for c in p.causes),
        key=p.key,
    )


def policy_clear(
    policies: Sequence[PolicyExpectation],
    hop: str,
    *,
    service_port: int | None = None,
    protocol: str = "",
) -> str:
    """When every NetworkPolicy verdict of ``hop`` is allowed: say that policies are not
    what drops it ("" when there is no verdict, or one is not allowed)."""
    mine = [
        p
        for p in policies
        if p.hop == hop
        and (service_port is None or p.service_port == service_port)
        and (not protocol or p.protocol == protocol)
    ]
    if not mine or any(p.outcome != "allowed" for p in mine):
        return ""
    return (
        "NetworkPolicies allow this connection ("
        + "; ".join(dict.fromkeys(f"{p.direction}: {p.decided_by}" for p in mine))
        + "), so they do not drop it: internalTrafficPolicy/externalTrafficPolicy Local "
        "without a local endpoint, a firewall, or a backend that does not answer"
    )


def policy_cause(
    policies: Sequence[PolicyExpectation],
    hop: str,
    *,
    service_port: int | None = None,
    protocol: str = "",
) -> str:
    """The denied NetworkPolicy verdict that explains a timeout on ``hop`` ("" if none)."""
    denied = [
        p
        for p in policies
        if p.hop == hop
        and p.outcome == "denied"
        and (service_port is None or p.service_port == service_port)
        and (not protocol or p.protocol == protocol)
    ]
    if not denied:
        return ""
    p = denied[0]
    return (
        f"dropped by NetworkPolicy: {p.direction} {p.protocol} {p.port} from {p.source} to "
        f"{p.destination} is denied ({p.decided_by})"
    )


def _raw(obj: Any) -> Mapping[str, Any]:
    data: Mapping[str, Any] = dataclasses.asdict(obj)
    return data


# ---------------------------------------------------------------- resolver


def resolver_rows(
    result: ProbeResult, cluster_domain: str | None, dns_service_ip: str | None
) -> list[Row]:
    """Rows only for what differs from the assumptions (domain, nameserver) or went wrong."""
    resolver = result.resolver
    rows: list[Row] = []
    evidence = (
        ("nameservers", " ".join(resolver.nameservers) or "-"),
        ("search", " ".join(resolver.search) or "-"),
        ("ndots", str(resolver.ndots)),
    )
    if resolver.error:
        rows.append(
            Row(
                "dns",
                "resolv.conf",
                "readable",
                resolver.error,
                RowVerdict.FAIL,
                f"the probe pod could not read {resolver.path}: no DNS check is meaningful",
                evidence,
            )
        )
    detected = resolver.cluster_domain
    if cluster_domain and detected and detected != cluster_domain.strip(".").lower():
        rows.append(
            Row(
                "dns",
                "cluster domain",
                cluster_domain,
                detected,
                RowVerdict.WARN,
                f"the pod's search path says the cluster domain is {detected}, but names were "
                f"built with {cluster_domain}: names hard-coding {cluster_domain} get NXDOMAIN; "
                f"use <svc>.<ns>.svc.{detected} or the short forms",
                evidence,
            )
        )
    elif cluster_domain and not detected and not resolver.error:
        rows.append(
            Row(
                "dns",
                "cluster domain",
                cluster_domain,
                "no <ns>.svc.<domain> search entry",
                RowVerdict.WARN,
                "the probe pod's search path has no cluster entries (dnsPolicy Default, or "
                "hostNetwork with ClusterFirst): short Service names cannot resolve from such a "
                "client",
                evidence,
            )
        )
    server = resolver.nameservers[0] if resolver.nameservers else ""
    if dns_service_ip and server and server != dns_service_ip:
        local = server == NODELOCAL_DNS
        rows.append(
            Row(
                "dns",
                "nameserver",
                dns_service_ip,
                server,
                RowVerdict.INFO if local else RowVerdict.WARN,
                "NodeLocal DNSCache answers on the node and forwards to kube-dns"
                if local
                else f"the pod asks {server}, not the kube-dns Service {dns_service_ip}: "
                "kubelet clusterDNS differs from the kube-dns ClusterIP, or the pod uses "
                "dnsPolicy Default/None; cluster names may not resolve",
                evidence,
            )
        )
    if result.budget_exhausted:
        rows.append(
            Row(
                "dns",
                "probe budget",
                "all checks finish",
                "budget exhausted",
                RowVerdict.WARN,
                "some checks did not finish within the probe budget; they show as not finished "
                "(a slow or unreachable DNS server is the usual cause)",
            )
        )
    return rows


# ---------------------------------------------------------------- DNS


def _expected_dns(e: DnsExpectation) -> str:
    if e.exists is None:
        return f"{e.qtype} (cannot predict)"
    if e.exists is False:
        return f"no {e.qtype} (NXDOMAIN/NODATA)"
    return f"{e.qtype} {', '.join(e.answers)}" if e.answers else f"{e.qtype} record(s)"


def _normal(value: str, qtype: str) -> str:
    value = value.strip().lower()
    return absolute(value) if qtype == "CNAME" else value


def _observed_dns(obs: DnsObservation, qtype: str) -> tuple[bool, str]:
    """(positive, text) for ``qtype`` from the walk."""
    if obs.incomplete:
        return False, f"not finished: {obs.error or 'budget exhausted'}"
    values = obs.values(qtype)
    if values:
        ttl = next((a.ttl for s in obs.final_steps() for a in s.answers if a.rtype == qtype), None)
        via = (
            f" via {obs.answered_by}"
            if obs.answered_by and obs.answered_by != absolute(obs.name)
            else ""
        )
        return True, f"{qtype} {', '.join(values)}" + (
            f" (TTL {ttl}s)" if ttl is not None else ""
        ) + via
    if obs.error:
        return False, obs.error
    return False, _negative_summary(obs, qtype)


def _negative_summary(obs: DnsObservation, qtype: str) -> str:
    """The outcome per candidate, compressed: "NXDOMAIN at all 4 candidates" or a mix."""
    per_candidate: dict[str, str] = {}
    for step in obs.steps:
        if step.qtype == qtype or step.name not in per_candidate:
            per_candidate[step.name] = step.outcome
    outcomes = list(per_candidate.values())
    if not outcomes:
        return "no answer"
    if len(set(outcomes)) == 1:
        return outcomes[0] + (f" at all {len(outcomes)} candidates" if len(outcomes) > 1 else "")
    return ", ".join(f"{name} {outcome}" for name, outcome in per_candidate.items())


def dns_row(diagnosis: Diagnosis, e: DnsExpectation, result: ProbeResult | None) -> Row:
    """One expected name: predicted vs observed, with the cause and the query cost."""
    expected = _expected_dns(e)
    causes = tuple(("finding", c) for c in e.causes)
    # Not probed: a name predicted absent weighs as its cause, exactly as when probed.
    static = (
        _cause_verdict(diagnosis, e) if e.exists is False else RowVerdict.of_prediction(e.exists)
    )
    if result is None:
        return Row("dns", e.query, expected, NOT_PROBED, static, e.why, causes, key=e.key)
    obs = result.dns_for(dns_key(e.query, e.qtype, walk_namespace(e))) or result.dns_for(
        dns_key(e.query, e.qtype)
    )
    if obs is None:
        return Row("dns", e.query, expected, NOT_PROBED, static, e.why, causes, key=e.key)
    positive, observed = _observed_dns(obs, e.qtype)
    evidence = list(causes) + _walk_evidence(obs, e.qtype)
    verdict, why = _judge_dns(diagnosis, e, obs, positive, observed, result)
    if not positive and "timeout" in observed:
        cause = policy_cause(diagnosis.policies, "dns", protocol="UDP") or policy_cause(
            diagnosis.policies, "dns"
        )
        if cause:
            why = f"no answer from the DNS server: {cause}; {why}"
    split = _replicas_disagree(e, result)
    extras = _cost_note(obs, e, result) + _musl_note(obs) + split
    if not split:
        extras += _libc_note(obs, e.qtype, positive)
    if any(level == RowVerdict.WARN for level, _ in extras) and verdict == RowVerdict.OK:
        verdict = RowVerdict.WARN
    why = "; ".join([why, *(text for _, text in extras)])
    return Row(
        "dns", e.query, expected, observed, verdict, why, tuple(evidence), _raw(obs), key=e.key
    )


def _replicas_disagree(e: DnsExpectation, result: ProbeResult) -> list[tuple[RowVerdict, str]]:
    """The hops of the DNS path answer this name differently: what this row saw (and libc
    saw) depends on the replica kube-proxy picked for each query."""
    path = result.dns_path
    if path is None or not e.fqdn or not path.disagrees(e.fqdn):
        return []
    return [
        (
            RowVerdict.WARN,
            "the CoreDNS replicas answer this name differently (see the DNS path rows): each "
            "query gets the answer of the replica kube-proxy picks for it",
        )
    ]


def _cause_verdict(diagnosis: Diagnosis, e: DnsExpectation) -> RowVerdict:
    """A name that is absent as predicted is as bad as the findings that explain it: a
    broken per-pod name fails, a short name typed from another namespace is only info."""
    severities = [f.severity for f in diagnosis.findings if f.id in e.causes]
    if not severities:
        return RowVerdict.FAIL
    worst = max(severities)
    return (
        RowVerdict.FAIL
        if worst >= Severity.FAIL
        else RowVerdict.WARN
        if worst >= Severity.WARN
        else RowVerdict.INFO
    )


def _judge_dns(
    diagnosis: Diagnosis,
    e: DnsExpectation,
    obs: DnsObservation,
    positive: bool,
    observed: str,
    result: ProbeResult,
) -> tuple[RowVerdict, str]:
    probe_ns = result.resolver.namespace
    if (
        e.form in _SHORT_FORMS
        and e.client_namespace
        and probe_ns
        and probe_ns != e.client_namespace
        and obs.as_namespace != e.client_namespace
    ):
        return RowVerdict.INFO, (
            f"the probe pod searches namespace {probe_ns} first, but this row is about clients in "
            f"{e.client_namespace}: run the probe with --from a pod in {e.client_namespace}"
        )
    if obs.incomplete:
        return RowVerdict.UNKNOWN, f"the check did not finish; static prediction: {e.why}"
    if e.exists is True and positive:
        want = {_normal(a, e.qtype) for a in e.answers}
        got = {_normal(v, e.qtype) for v in obs.values(e.qtype)}
        if want and got != want:
            return RowVerdict.WARN, (
                f"resolves, but to {', '.join(sorted(got))} where the API objects say "
                f"{', '.join(sorted(want))}: a cached or stale answer, or objects changed since "
                "the snapshot"
            )
        return RowVerdict.OK, f"resolves as predicted: {e.why}"
    if e.exists is True:
        return RowVerdict.FAIL, _unexpected_negative(e, obs, observed, result) + "".join(
            f"; {note}" for note in _negative_cache_notes(diagnosis, e)
        )
    if e.exists is False and not positive:
        return _cause_verdict(diagnosis, e), f"{_first_outcome(observed)} because {e.why}"
    if e.exists is False:
        if e.form is NameForm.PER_POD and diagnosis.kind != "Headless":
            return RowVerdict.WARN, (
                "CoreDNS answers per-pod names for non-headless Services too (an extension; the "
                f"DNS spec and other servers do not), so do not rely on it; analysis: {e.why}"
            )
        return RowVerdict.WARN, f"answers although the analysis predicted no record ({e.why})"
    return (
        (RowVerdict.OK, "resolves")
        if positive
        else (RowVerdict.FAIL, f"does not resolve: {observed}")
    )


def _first_outcome(observed: str) -> str:
    """ "NXDOMAIN at all 4 candidates" -> "NXDOMAIN"; a mixed summary is kept whole."""
    return observed.split(" at all")[0]


def _unexpected_negative(
    e: DnsExpectation, obs: DnsObservation, observed: str, result: ProbeResult
) -> str:
    """Predicted to resolve but did not: point at a timeout that ended the walk, else at the
    search path when the FQDN works."""
    stalled = next((s for s in obs.steps if s.error), None)
    if stalled is not None:
        return (
            f"the lookup stopped at {stalled.name} ({stalled.qtype} {stalled.error}): glibc "
            "gives up on a timeout instead of searching on; a DNS server on the way did not "
            "answer (the DNS path rows name it)"
        )
    if not e.query.endswith(".") and e.fqdn:
        full = result.dns_for(dns_key(absolute(e.fqdn), e.qtype))
        if full is not None and full.values(e.qtype):
            tried = ", ".join(dict.fromkeys(s.name for s in obs.steps))
            return (
                f"{e.fqdn}. resolves, but the probe pod's search path never completes "
                f"{e.query!r} to it (tried {tried})"
            )
    return f"predicted to resolve ({e.why}) but the DNS server answered {observed}"


def _negative_cache_notes(diagnosis: Diagnosis, e: DnsExpectation) -> list[str]:
    """The object behind the name is younger than the Corefile's NXDOMAIN cache TTL
    (finding ``dns-negative-cache``): the NXDOMAIN seen may be one cached before it existed."""
    fqdn = absolute(e.fqdn) if e.fqdn else ""
    return [
        f"possibly a cached NXDOMAIN: {f.message}"
        for f in diagnosis.findings
        if f.id == "dns-negative-cache" and dict(f.evidence).get("name") == fqdn
    ]


def _walk_evidence(obs: DnsObservation, qtype: str) -> list[tuple[str, str]]:
    evidence: list[tuple[str, str]] = []
    for step in obs.steps:
        evidence.append((f"{step.qtype} {step.name}", f"{step.outcome} {step.time_ms:g} ms"))
    for step in obs.chain:
        values = ", ".join(step.values()) or step.outcome
        evidence.append((f"chase {step.qtype} {step.name}", values))
    negative = next((s.negative_ttl for s in obs.steps if s.negative_ttl is not None), None)
    if negative is not None and not obs.values(qtype):
        evidence.append(("negative TTL", f"{negative}s (the NXDOMAIN/NODATA is cached that long)"))
    return evidence


def _cost_note(
    obs: DnsObservation, e: DnsExpectation, result: ProbeResult
) -> list[tuple[RowVerdict, str]]:
    if obs.name.endswith(".") or obs.queries <= 2:
        return []
    cheaper = absolute(obs.answered_by or e.fqdn or obs.name)
    return [
        (
            RowVerdict.INFO,
            f"cost {obs.queries} queries ({obs.negative_queries} negative) through the "
            f"search path with ndots:{result.resolver.ndots}; {cheaper!r} costs 2",
        )
    ]


def _musl_note(obs: DnsObservation) -> list[tuple[RowVerdict, str]]:
    stop = obs.musl_stop()
    last = obs.steps[-1].name if obs.steps else None
    if stop is None or stop == obs.answered_by or (obs.answered_by is None and stop == last):
        return []
    outcome = next((s.outcome for s in obs.steps if s.name == stop and s.rcode != "NXDOMAIN"), "")
    return [
        (
            RowVerdict.WARN,
            f"a musl (Alpine) client stops at {stop} ({outcome}) instead of searching on "
            f"to {obs.answered_by or 'the end'} as glibc does",
        )
    ]


def _libc_note(obs: DnsObservation, qtype: str, positive: bool) -> list[tuple[RowVerdict, str]]:
    libc = obs.libc
    if libc is None or qtype not in ("A", "AAAA"):
        return []
    if libc.error and positive:
        return [
            (
                RowVerdict.WARN,
                f"but getaddrinfo failed ({libc.error}): nsswitch, /etc/hosts or the "
                "libc resolver sees something else than a plain DNS client",
            )
        ]
    if libc.addresses and not positive:
        return [
            (
                RowVerdict.WARN,
                f"yet getaddrinfo answered {', '.join(libc.addresses)} (/etc/hosts or "
                "another NSS source)",
            )
        ]
    return []


# ---------------------------------------------------------------- endpoints


def _connect_text(obs: ConnectObservation) -> str:
    if obs.incomplete:
        return f"not finished: {obs.error}"
    if not obs.connected:
        return connect_failure(obs)[0]
    parts = [f"connected in {obs.connect_ms:g} ms"]
    if obs.http is not None:
        parts.append(obs.http.status_line or f"HTTP {obs.http.status}")
    elif obs.error:
        parts.append(f"{obs.error_stage or 'then'}: {_once(obs.error)}")
    return "; ".join(parts)


def _once(error: str) -> str:
    """``[Errno 101] Network is unreachable`` once, however often the probe's text repeats
    it ("X: X"), without the exception class."""
    parts = [p.strip() for p in error.split(": ") if p.strip()]
    unique = list(dict.fromkeys(p for p in parts if p not in ("OSError", "TimeoutError")))
    return ": ".join(unique) or error


def connect_failure(obs: ConnectObservation) -> tuple[str, str]:
    """(what happened, what it means from the probe pod) for a connection that failed, in
    plain words: the observed cell and the why of a row."""
    target = hostport(obs.host, obs.port)
    error = obs.error or ""
    lowered = error.lower()
    if "refused" in lowered:
        return "connection refused", (
            f"{target} refused the connection: nothing listens there (no ready endpoint, or a "
            "wrong targetPort)"
        )
    if "timeout" in lowered or "timed out" in lowered:
        return "timed out", (
            f"no answer from {target} before the timeout: packets are dropped (a NetworkPolicy, "
            "internalTrafficPolicy/externalTrafficPolicy Local without a local endpoint, or a "
            "firewall)"
        )
    if "network is unreachable" in lowered:
        return f"no route to {obs.host}", (
            f"no route from the probe pod to {obs.host}: the pod's network has no route to that "
            "address (an address outside every routed range, or no default route on the node)"
        )
    if "no route to host" in lowered:
        return f"no route to host {obs.host}", (
            f"{obs.host} is unreachable from the probe pod: the host is down or something on the "
            "way rejects the packets (a firewall or NetworkPolicy that rejects)"
        )
    if "reset" in lowered:
        return "connection reset", f"{target} accepted, then reset the connection"
    if lowered.startswith("name resolution failed"):
        return "does not resolve", (
            f"{obs.host} does not resolve from the probe pod ({_once(error.split(': ', 1)[-1])})"
        )
    text = _once(error) or "no connection"
    return text, f"{target}: {text}"


def endpoint_rows(
    e: EndpointExpectation,
    result: ProbeResult | None,
    fqdn: str,
    policies: Sequence[PolicyExpectation] = (),
) -> list[Row]:
    subject = f"{hostport(e.address, e.port or 0)}/{e.protocol}"
    expected = f"answers ({e.target})" if e.ready is not False else f"no answer ({e.target})"
    if result is None or not e.address:
        why = e.why if e.address else f"no address yet; {e.why}"
        return [
            Row(
                "endpoints",
                subject,
                expected,
                NOT_PROBED,
                RowVerdict.of_prediction(e.ready),
                why,
                key=e.key,
            )
        ]
    checks = endpoint_checks(e, service_fqdn=fqdn)
    skipped = [c for c in checks if isinstance(c, SkippedCheck)]
    if skipped:
        return [
            Row(
                "endpoints",
                subject,
                expected,
                "not checkable",
                RowVerdict.INFO,
                skipped[0].reason,
                key=e.key,
            )
        ]
    connects = [c for c in checks if isinstance(c, ConnectCheck)]
    observed = [(c, result.connect_for(c.key)) for c in connects]
    tcp = observed[0][1]
    if tcp is None:
        return [
            Row(
                "endpoints",
                subject,
                expected,
                NOT_PROBED,
                RowVerdict.of_prediction(e.ready),
                e.why,
                key=e.key,
            )
        ]
    http = next((o for c, o in observed[1:2] if o is not None), None)
    text = _connect_text(tcp)
    if http is not None and http.http is not None:
        text += f"; GET {http.http.path}: {http.http.status_line}"
    verdict, why = _judge_endpoint(e, tcp, http)
    if not tcp.connected and _timed_out(tcp):
        cause = policy_cause(policies, "service", service_port=e.port, protocol=e.protocol)
        cause = cause or policy_clear(policies, "service", service_port=e.port, protocol=e.protocol)
        if cause:
            why = f"{connect_failure(tcp)[0]}: {cause}; analysis: {e.why}"
    evidence = _cert_evidence(http)
    rows = [Row("endpoints", subject, expected, text, verdict, why, evidence, _raw(tcp), key=e.key)]
    for check, obs in observed[2:]:
        if obs is not None:
            rows.append(_in_cluster_sni_row(check, obs, e.key))
    return rows


def _timed_out(obs: ConnectObservation) -> bool:
    lowered = (obs.error or "").lower()
    return "timeout" in lowered or "timed out" in lowered


def _judge_endpoint(
    e: EndpointExpectation, tcp: ConnectObservation, http: ConnectObservation | None
) -> tuple[RowVerdict, str]:
    if tcp.incomplete:
        return RowVerdict.UNKNOWN, f"the check did not finish; static prediction: {e.why}"
    if not tcp.connected:
        if e.ready is False:
            return RowVerdict.FAIL, f"{connect_failure(tcp)[0]}, as predicted: {e.why}"
        return RowVerdict.FAIL, f"{connect_failure(tcp)[1]}; analysis: {e.why}"
    if e.ready is False:
        return (
            RowVerdict.WARN,
            f"accepts connections although the analysis predicted none ({e.why})",
        )
    if http is not None and http.http is not None and (http.http.status or 0) >= 500:
        return RowVerdict.WARN, f"TCP works but HTTP answered {http.http.status_line}"
    if http is not None and (not http.connected or http.error):
        return RowVerdict.WARN, f"TCP works but {http.scheme.upper()} failed: {http.error}"
    return RowVerdict.OK, f"answers as predicted: {e.why}"


def _cert_evidence(obs: ConnectObservation | None) -> tuple[tuple[str, str], ...]:
    cert = obs.tls.cert if obs is not None and obs.tls is not None else None
    if cert is None:
        return ()
    return (
        ("certificate", cert.subject),
        ("SANs", ", ".join(cert.sans) or "-"),
        ("notAfter", cert.not_after),
    )


def _in_cluster_sni_row(check: ConnectCheck, obs: ConnectObservation, key: str) -> Row:
    """ExternalName over HTTPS: what a client calling https://<svc> really gets (a second
    row of the endpoint ``key``)."""
    subject = f"https://{check.sni}"
    expected = f"a certificate for {check.sni}"
    cert = obs.tls.cert if obs.tls is not None else None
    if cert is None:
        return Row(
            "endpoints",
            subject,
            expected,
            obs.error or "no certificate",
            RowVerdict.WARN,
            "no TLS handshake with the in-cluster name as SNI",
            (),
            _raw(obs),
            key,
        )
    observed = f"certificate {cert.subject} (SANs {', '.join(cert.sans) or '-'})"
    if cert.covers(check.sni):
        return Row(
            "endpoints",
            subject,
            expected,
            observed,
            RowVerdict.OK,
            "the remote certificate covers the in-cluster name",
            (),
            _raw(obs),
            key,
        )
    return Row(
        "endpoints",
        subject,
        expected,
        observed,
        RowVerdict.WARN,
        f"a client calling https://{check.sni} gets a certificate for "
        f"{', '.join(cert.sans) or cert.subject}: ExternalName only adds a CNAME, SNI and Host "
        "stay the in-cluster name; call the external host name instead",
        _cert_evidence(obs),
        _raw(obs),
        key,
    )


# ---------------------------------------------------------------- routes


def route_rows(
    r: RouteExpectation, result: ProbeResult | None, policies: Sequence[PolicyExpectation] = ()
) -> list[Row]:
    subject = f"{r.host or '*'}{r.path or '/'}"
    expected = f"{r.service}:{r.service_port}" + (" over TLS" if r.tls != "none" else "")
    static = RowVerdict(r.verdict.value)
    if result is None or not r.addresses:
        why = (
            r.why
            if r.addresses or r.kind != "Ingress"
            else f"the Ingress has no address to probe; {r.why}"
        )
        return [Row("routes", subject, expected, NOT_PROBED, static, why, key=r.key)]
    checks = [c for c in route_checks(r) if isinstance(c, ConnectCheck)]
    rows: list[Row] = []
    for address in r.addresses:
        mine = [c for c in checks if c.host == address]
        main = next((c for c in mine if c.sni or c.scheme == "http"), mine[0])
        bare = next((c for c in mine if c.scheme == "https" and not c.sni), None)
        obs = result.connect_for(main.key)
        without_sni = (
            result.connect_for(bare.key) if bare is not None and bare is not main else None
        )
        row = _route_row(r, subject, expected, address, obs, without_sni)
        cause = policy_cause(policies, "controller")
        status = obs.http.status if obs is not None and obs.http is not None else None
        if cause and status in (502, 503, 504):
            row = dataclasses.replace(row, why=f"{row.why}; {cause}")
        rows.append(row)
    return rows


def _route_row(
    r: RouteExpectation,
    subject: str,
    expected: str,
    address: str,
    obs: ConnectObservation | None,
    without_sni: ConnectObservation | None,
) -> Row:
    name = subject if len(r.addresses) == 1 else f"{subject} via {address}"
    if obs is None:
        return Row(
            "routes", name, expected, NOT_PROBED, RowVerdict(r.verdict.value), r.why, key=r.key
        )
    evidence = [("address", address), *_cert_evidence(obs)]
    bare = without_sni.tls.cert if without_sni and without_sni.tls else None
    if bare is not None:
        evidence.append(("without SNI", bare.subject))
    observed = _connect_text(obs)
    verdict, why = _judge_route(r, obs)
    if verdict == RowVerdict.OK and bare is not None and bare.fake:
        why += f"; clients that send no SNI (by IP, old clients) get {bare.subject}"
    return Row(
        "routes", name, expected, observed, verdict, why, tuple(evidence), _raw(obs), key=r.key
    )


def _judge_route(r: RouteExpectation, obs: ConnectObservation) -> tuple[RowVerdict, str]:
    host = r.host or "(any host)"
    if obs.incomplete:
        return RowVerdict.UNKNOWN, f"the check did not finish; static: {r.why}"
    if not obs.connected:
        return RowVerdict.FAIL, f"cannot reach the controller: {connect_failure(obs)[1]}"
    cert = obs.tls.cert if obs.tls is not None else None
    if r.tls != "none":
        problem = _cert_problem(cert, r.host)
        if problem:
            cause = f" (static: {r.tls})" if r.tls != "ok" else ""
            return RowVerdict.FAIL, problem + cause
    status = obs.http.status if obs.http is not None else None
    if status is None:
        return (
            RowVerdict.FAIL,
            f"no HTTP answer: {obs.error or 'the controller closed the connection'}",
        )
    if status == 404:
        path = obs.http.path if obs.http is not None else r.path
        return RowVerdict.FAIL, (
            f"404 from the controller: no rule matched Host {host} path {path} "
            f"(default backend); analysis: {r.why}"
        )
    if status == 503:
        return (
            RowVerdict.FAIL,
            f"503: the controller has no ready endpoint for {r.service}; analysis: {r.why}",
        )
    if status in (502, 504):
        return (
            RowVerdict.FAIL,
            f"{status}: the controller cannot reach {r.service}'s pods; analysis: {r.why}",
        )
    if status >= 400:
        return RowVerdict.WARN, f"HTTP {status} from the backend or controller; analysis: {r.why}"
    if r.verdict is Verdict.FAIL:
        return (
            RowVerdict.WARN,
            f"answers HTTP {status} although the analysis predicted failure ({r.why})",
        )
    return RowVerdict.OK, f"HTTP {status}, as predicted: {r.why}"


def _cert_problem(cert: CertInfo | None, host: str) -> str:
    if cert is None:
        return "no certificate was presented"
    if cert.error:
        return cert.error
    if cert.fake:
        return f"the controller served its fallback certificate ({cert.subject}), not the Secret's"
    if host and not cert.covers(host.replace("*.", "kubectl-discover-probe.", 1)):
        return f"the certificate covers {', '.join(cert.sans) or cert.subject}, not {host}"
    if cert.expired:
        return f"the certificate expired on {cert.not_after}"
    return ""
