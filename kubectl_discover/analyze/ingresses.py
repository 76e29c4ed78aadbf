"""An Ingress followed link by link: class -> rule -> Service port -> EndpointSlice -> pods.

``kubectl discover ingress NAME`` answers "why does this URL give 404/503/the fake
certificate" by checking the whole chain together (the Ingress API and the controllers'
documented behaviour): the spec as the API server validates it, the class and the
controller that claims it, each backend Service and the port it really resolves to, the ready
endpoints behind it, the TLS Secrets (:mod:`.tls`), the status address, and the
ingress-nginx behaviours that silently change matching (rewrite-target, regex mode,
several Ingresses on one host).

Every rule path and the default backend become one :class:`RouteExpectation` with
a verdict and a one-line why, plus a :class:`ChainLink` tree for ``-o tree``.
Pure: an :class:`Index` in, frozen values out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingressbackends import follow_backend
from kubectl_discover.analyze.ingressclasses import ClassResolution, resolve_class
from kubectl_discover.analyze.ingresspaths import (
    DUPLICATE_PATH,
    HOST_INVALID,
    NGINX_STRICT_PATH,
    PATH_INVALID,
    PATH_TYPE_MISSING,
    REGEX_MODE,
    REWRITE_NO_CAPTURE,
    HostTable,
    IngressPath,
    duplicates,
    host_problem,
    host_table,
    ingress_paths,
    likely_nginx,
    nginx_path,
    nginx_peers,
    path_syntax,
    regex_hosts_of,
    status_addresses,
)
from kubectl_discover.analyze.model import ChainLink, Diagnosis, RouteExpectation
from kubectl_discover.analyze.tls import TlsReport, check_tls
from kubectl_discover.errors import NotFoundError
from kubectl_discover.findings import Finding, Severity, Verdict, area_checks
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of

# ---------------------------------------------------------------- catalogue


_check = area_checks("ingress")


NO_RULES = _check(
    "ingress-no-rules",
    Severity.FAIL,
    "Ingress has neither rules nor defaultBackend",
    "The API server requires spec.rules or spec.defaultBackend (or both).",
    "Add spec.rules with a host and paths, or a spec.defaultBackend.",
)
NO_ADDRESS = _check(
    "ingress-no-address",
    Severity.WARN,
    "Ingress has no address in status.loadBalancer",
    "The controller writes status.loadBalancer.ingress once it claims the Ingress and its own "
    "address is known. Empty means no controller claimed it, or the controller's own "
    "LoadBalancer Service is still pending.",
    "Check the class resolution, the controller's logs, and its LoadBalancer Service "
    "(kubectl get svc -n ingress-nginx).",
)
STATUS_UNKNOWN = _check(
    "ingress-status-unknown",
    Severity.INFO,
    "Ingress status unknown offline",
    "Manifests carry no status, so which address the Ingress will get cannot be told.",
    "Run against the cluster to see the address.",
)

CHECKS = (
    NO_RULES,
    NO_ADDRESS,
    STATUS_UNKNOWN,
)

# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class RouteAnalysis:
    """One path of one Ingress: its row, the findings about it, its chain."""

    path: IngressPath
    route: RouteExpectation
    findings: tuple[Finding, ...]
    chain: ChainLink
    service: str
    """The backend Service name ("" for a resource backend)."""


@dataclass(frozen=True)
class IngressAnalysis:
    """Everything :func:`analyze_ingress` found about one Ingress."""

    ingress: Obj
    namespace: str
    name: str
    resolution: ClassResolution
    tls: TlsReport
    routes: tuple[RouteAnalysis, ...]
    ingress_findings: tuple[Finding, ...]
    """Findings about the Ingress as a whole (class, status, spec, TLS pairing)."""
    addresses: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return _dedupe((*self.ingress_findings, *(f for r in self.routes for f in r.findings)))


def _dedupe(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    seen: set[tuple[str, object, str]] = set()
    out: list[Finding] = []
    for finding in findings:
        key = (finding.id, finding.subject, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return tuple(out)


# ---------------------------------------------------------------- analysis


def analyze_ingress(
    index: Index, ingress: Obj, *, now: datetime | None = None, hosts: HostTable | None = None
) -> IngressAnalysis:
    """Check one Ingress end to end.

    ``now`` (timezone-aware) judges certificate validity; when omitted the clock is read
    once here, the only impure default. ``hosts`` is :func:`host_table` of the same
    index, passed in when analysing many Ingresses.
    """
    now = now or datetime.now(timezone.utc)
    namespace = namespace_of(ingress, index.snapshot.default_namespace)
    name = name_of(ingress)
    subject = ObjectRef("Ingress", namespace, name)
    resolution = resolve_class(index, ingress)
    nginx = likely_nginx(resolution, ingress)
    tls_report = check_tls(index, ingress, now=now)
    addresses = status_addresses(ingress)
    spec = ingress.get("spec") or {}

    ingress_findings: list[Finding] = [*resolution.findings]
    if not spec.get("rules") and not spec.get("defaultBackend"):
        ingress_findings.append(
            NO_RULES(
                subject,
                f"{subject} has neither spec.rules nor spec.defaultBackend, so the API server "
                "rejects it and nothing is routed.",
                f"Add spec.rules (host, paths, backend) or spec.defaultBackend to {subject}.",
            )
        )
    ingress_findings.extend(_status(index, subject, resolution, addresses))
    ingress_findings.extend(_tls_host_syntax(subject, spec))
    ingress_findings.extend(_pairing_findings(tls_report))
    peers = nginx_peers(ingress, resolution, hosts or host_table(index)) if nginx else ()
    regex_hosts = regex_hosts_of(ingress, peers) if nginx else {}

    # Findings about the whole Ingress (class, status, spec) weigh on every route; the
    # TLS pairing ones concern hosts, and are already in the routes of those hosts.
    pairing = {id(f) for f in _pairing_findings(tls_report)}
    blocking = [f for f in ingress_findings if f.severity >= Severity.WARN and id(f) not in pairing]
    routes = tuple(
        _analyze_path(
            index,
            ingress,
            namespace,
            subject,
            path,
            resolution,
            nginx,
            tls_report,
            addresses,
            peers,
            regex_hosts,
            blocking,
        )
        for path in ingress_paths(ingress)
    )
    facts = (
        ("class", resolution.describe()),
        ("controller", resolution.controller or "unknown"),
        ("address", ", ".join(addresses) or ("none" if index.snapshot.live else "unknown (files)")),
        ("routes", str(len(routes))),
    )
    return IngressAnalysis(
        ingress=ingress,
        namespace=namespace,
        name=name,
        resolution=resolution,
        tls=tls_report,
        routes=routes,
        ingress_findings=tuple(ingress_findings),
        addresses=addresses,
        facts=facts,
    )


def _pairing_findings(report: TlsReport) -> Iterator[Finding]:
    """TLS findings not tied to one served host: hosts without rules, rule hosts without TLS."""
    per_entry = {id(f) for e in report.entries for f in e.findings}
    return (f for f in report.findings if id(f) not in per_entry)


def _status(
    index: Index, subject: ObjectRef, resolution: ClassResolution, addresses: tuple[str, ...]
) -> Iterator[Finding]:
    if not index.snapshot.live and not addresses:
        yield STATUS_UNKNOWN(
            subject,
            f"{subject} comes from files, which carry no status; its address is known only "
            "once a controller claims it.",
            "Run against the cluster to see status.loadBalancer.",
        )
        return
    if addresses or not index.snapshot.live:
        return
    if not resolution.name:
        why = "no controller claimed it (it has no class)"
    elif resolution.ingress_class is None and resolution.source == "spec":
        why = f"no controller claimed it (IngressClass {resolution.name!r} does not exist)"
    else:
        who = resolution.controller or f"the controller of class {resolution.name!r}"
        why = (
            f"{who} has not written it: the controller is not running or not watching this "
            "class, or its own LoadBalancer Service is still pending"
        )
    yield NO_ADDRESS(
        subject,
        f"{subject} has an empty status.loadBalancer: {why}.",
        "Check the controller pods and their LoadBalancer Service (EXTERNAL-IP <pending> means "
        "no load-balancer implementation), and the controller logs for this Ingress.",
        evidence=[("class", resolution.describe())],
    )


def _tls_host_syntax(subject: ObjectRef, spec: Mapping[str, Any]) -> Iterator[Finding]:
    for i, entry in enumerate(spec.get("tls") or ()):
        for host in entry.get("hosts") or ():
            problem = host_problem(str(host))
            if problem:
                yield HOST_INVALID(
                    subject,
                    f"TLS host {host!r} in spec.tls[{i}].hosts of {subject} {problem}, so the "
                    "Ingress cannot be created.",
                    f"Fix spec.tls[{i}].hosts: use a DNS name like shop.example.com.",
                    evidence=[("host", str(host))],
                )


# ---------------------------------------------------------------- per path


def _analyze_path(
    index: Index,
    ingress: Obj,
    namespace: str,
    subject: ObjectRef,
    path: IngressPath,
    resolution: ClassResolution,
    nginx: bool,
    tls_report: TlsReport,
    addresses: tuple[str, ...],
    peers: tuple[Obj, ...],
    regex_hosts: Mapping[str, tuple[str, ...]],
    blocking: Sequence[Finding],
) -> RouteAnalysis:
    findings: list[Finding] = []
    findings.extend(path_syntax(subject, path, nginx))
    if nginx and not path.is_default:
        findings.extend(nginx_path(ingress, subject, path, regex_hosts))
        findings.extend(duplicates(ingress, subject, path, peers))
    backend = follow_backend(index, ingress, namespace, subject, path, resolution, nginx)
    findings.extend(backend.findings)
    findings.extend(tls_report.findings_for(path.host))
    tls_status = tls_report.status_for(path.host)

    verdict = Verdict.of(f.severity for f in (*findings, *blocking))
    worst = max((*findings, *blocking), key=lambda f: f.severity, default=None)
    if worst is not None and worst.severity >= Severity.WARN:
        why = worst.message
    else:
        why = backend.summary
    route = RouteExpectation(
        ingress=f"{namespace}/{name_of(ingress)}",
        host=path.host,
        path=path.path,
        path_type=path.path_type,
        service=backend.service,
        service_port=backend.service_port,
        target_port=backend.target_port,
        ready_endpoints=backend.ready,
        tls=tls_status,
        verdict=verdict,
        why=why,
        addresses=addresses,
    )
    rule_ok = None if verdict is Verdict.WARN else verdict is Verdict.OK
    chain = ChainLink(
        label=f"Ingress {namespace}/{name_of(ingress)} {path.describe()}",
        ok=rule_ok,
        why=_link_why(findings, blocking, tls_status),
        children=backend.chain,
    )
    return RouteAnalysis(path, route, tuple(findings), chain, backend.service)


def _link_why(findings: Sequence[Finding], blocking: Sequence[Finding], tls_status: str) -> str:
    rule_ids = {PATH_INVALID.id, PATH_TYPE_MISSING.id, HOST_INVALID.id, NGINX_STRICT_PATH.id}
    rule_ids |= {REGEX_MODE.id, REWRITE_NO_CAPTURE.id, DUPLICATE_PATH.id}
    own = [f for f in (*blocking, *findings) if f.id in rule_ids or f in blocking]
    if own:
        return own[0].message
    return f"TLS {tls_status}" if tls_status != "none" else "rule valid"


# ---------------------------------------------------------------- entry points


def _find(index: Index, namespace: str, name: str) -> Obj:
    ingress = index.snapshot.find(index.snapshot.ingresses, namespace, name)
    if ingress is None:
        raise NotFoundError(f'Ingress "{name}" not found in namespace "{namespace}"')
    return ingress


def to_diagnosis(analysis: IngressAnalysis) -> Diagnosis:
    return Diagnosis(
        subject_kind="Ingress",
        namespace=analysis.namespace,
        name=analysis.name,
        kind="Ingress",
        findings=analysis.findings,
        routes=tuple(r.route for r in analysis.routes),
        chain=tuple(r.chain for r in analysis.routes),
        facts=analysis.facts,
    )


def diagnose_ingress(
    index: Index, namespace: str, name: str, *, now: datetime | None = None
) -> Diagnosis:
    """``kubectl discover ingress NAME``: every route of the Ingress with its verdict."""
    return to_diagnosis(analyze_ingress(index, _find(index, namespace, name), now=now))


def routes_for_service(
    index: Index, namespace: str, service: str, *, now: datetime | None = None
) -> tuple[tuple[RouteExpectation, ...], tuple[Finding, ...], tuple[ChainLink, ...]]:
    """Every Ingress route in ``namespace`` whose backend is ``service``, for ``svc NAME``.

    Findings are those of the matching routes plus their Ingress's own (class, status).
    """
    rows: list[RouteExpectation] = []
    findings: list[Finding] = []
    chains: list[ChainLink] = []
    table: HostTable | None = None
    for ingress in index.ingresses_by_namespace.get(namespace, ()):
        if not any(
            str(((p.backend.get("service") or {}).get("name")) or "") == service
            for p in ingress_paths(ingress)
        ):
            continue
        table = table or host_table(index)
        analysis = analyze_ingress(index, ingress, now=now, hosts=table)
        matching = [r for r in analysis.routes if r.service == service]
        findings.extend(analysis.ingress_findings)
        for route in matching:
            rows.append(route.route)
            findings.extend(route.findings)
            chains.append(route.chain)
    return tuple(rows), _dedupe(findings), tuple(chains)


def summarize_ingresses(
    index: Index, namespace: str | None, *, now: datetime | None = None
) -> tuple[Diagnosis, ...]:
    """``scan``: one Diagnosis per Ingress in ``namespace`` (all namespaces when None)."""
    default_ns = index.snapshot.default_namespace
    chosen = (
        index.snapshot.ingresses
        if namespace is None
        else index.ingresses_by_namespace.get(namespace, ())
    )
    ordered = sorted(chosen, key=lambda i: (namespace_of(i, default_ns), name_of(i)))
    table = host_table(index)
    return tuple(to_diagnosis(analyze_ingress(index, i, now=now, hosts=table)) for i in ordered)
