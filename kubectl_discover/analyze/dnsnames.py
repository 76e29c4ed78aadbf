"""The DNS names a client may use for a Service, and what cluster DNS should answer.

Every row is a :class:`DnsExpectation`: the FQDN per address family, the short
forms as clients type them (completed through the client's search path with
:mod:`resolv`, so a name that another object answers first is caught), SRV per
named port, and per-pod names for headless Services. The in-cluster answer of any
candidate name is predicted from the Index with CoreDNS's name grammar
(CoreDNS's kubernetes plugin grammar), which is what makes search-path hijacks visible.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.headless import PerPodName
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import DnsExpectation, NameForm, ServiceKind
from kubectl_discover.analyze.resolv import candidates, pod_resolv_conf
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.slices import (
    observed_slices,
    readiness_known,
    ready_endpoints,
)
from kubectl_discover.analyze.sliceview import SliceEndpoint, SliceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import is_ip

SRV_UNNAMED_PORTS = Check(
    "srv-unnamed-ports",
    Severity.INFO,
    "No SRV records: ports are unnamed",
    "SRV records _<port>._<proto>.<svc>.<ns>.svc.<zone> exist only for named Service ports.",
    "Name the Service ports (spec.ports[].name) if clients discover ports through SRV.",
    area="dns",
)
SHORT_NAME_CROSS_NAMESPACE = Check(
    "short-name-cross-namespace",
    Severity.WARN,  # info when the short name simply gets NXDOMAIN there
    "Short name used from another namespace",
    "A bare '<svc>' is completed with the client's own namespace first, so from another "
    "namespace it gets NXDOMAIN or a different Service of the same name.",
    "Use '<svc>.<ns>' or the FQDN from other namespaces.",
    area="dns",
)
SHORT_NAME_HIJACKED = Check(
    "short-name-hijacked",
    Severity.WARN,
    "A short form is answered by another name first",
    "The client's search path tries '<name>.<client ns>.svc.<zone>' before the intended name; "
    "when that candidate exists, the walk stops there and the client gets the wrong answer.",
    "Use the FQDN with a trailing dot, or rename the object that answers first.",
    area="dns",
)

CHECKS = (SRV_UNNAMED_PORTS, SHORT_NAME_CROSS_NAMESPACE, SHORT_NAME_HIJACKED)

_OUTSIDE = "outside the cluster zone"
_FAMILY_QTYPE = {"IPv4": "A", "IPv6": "AAAA"}
_EXPLAINS_EMPTY = (
    "selector-no-match",
    "backends-none-ready",
    "selectorless-no-slices",
    "slices-missing",
    "slice-family-mismatch",
    "slice-ports-stale",
    "target-port-unresolved",
    "slices-unreadable",
)


@dataclass(frozen=True)
class Answer:
    """A predicted answer for one absolute in-cluster name (None: cannot tell)."""

    exists: bool | None
    answers: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class DnsAnalysis:
    expectations: tuple[DnsExpectation, ...]
    findings: tuple[Finding, ...]


# ---------------------------------------------------------------- predicting one name


@dataclass(frozen=True)
class _Target:
    """The Service being diagnosed, whose slices are already known."""

    namespace: str
    name: str
    slices: tuple[SliceView, ...]


def _service_slices(
    index: Index, target: _Target, namespace: str, name: str
) -> tuple[SliceView, ...]:
    if (namespace, name) == (target.namespace, target.name):
        return target.slices
    return observed_slices(index, namespace, name)


def _other_has_endpoints(index: Index, service: ServiceView, namespace: str) -> bool | None:
    if not index.snapshot.live:
        return bool(index.pods_selected(namespace, service.selector)) or None
    return bool(ready_endpoints(observed_slices(index, namespace, service.name)))


def predict(index: Index, target: _Target, absolute: str) -> Answer:
    """What cluster DNS answers for ``absolute`` (CoreDNS's kubernetes plugin grammar),
    after the Corefile's ``rewrite`` rules."""
    rewritten = index.cluster_dns.rewritten(absolute)
    if rewritten is not None:
        name, line = rewritten
        answer = _predict_name(index, target, name)
        why = f"rewrite {line}: the query becomes {name.rstrip('.')}; {answer.what}"
        return Answer(answer.exists, answer.answers, why)
    return _predict_name(index, target, absolute)


def _predict_name(index: Index, target: _Target, absolute: str) -> Answer:
    zone = index.snapshot.cluster_domain.lower()
    name = absolute.rstrip(".").lower()
    if not name.endswith("." + zone):
        return Answer(None, (), _OUTSIDE)
    labels = name[: -len(zone) - 1].split(".")
    if labels[-1:] != ["svc"]:
        return Answer(False, (), "not a Service name (rightmost label is not svc)")
    if len(labels) == 3:
        return _service_answer(index, target, labels[1], labels[0])
    if len(labels) == 4:
        return _endpoint_answer(index, target, labels[2], labels[1], labels[0])
    if len(labels) == 5 and labels[0].startswith("_"):
        return Answer(None, (), "SRV name")
    if len(labels) < 3:
        return Answer(False, (), "zone or namespace apex (NODATA)")
    return Answer(False, (), "too many labels for a Service name")


def _unread(index: Index, namespace: str) -> bool:
    """A namespace known to exist whose Services were not read: its names are unknown.

    Namespaces neither read nor known to exist are taken as absent (NXDOMAIN), which is
    what CoreDNS answers for them; otherwise every walk would stop at "unknown".
    """
    if not index.snapshot.live:
        return False  # files hold everything there is to read
    if index.snapshot.namespace is None or index.snapshot.namespace == namespace:
        return False
    return namespace in index.namespaces


def _service_answer(index: Index, target: _Target, namespace: str, name: str) -> Answer:
    service = index.service(namespace, name)
    if service is None:
        if _unread(index, namespace):
            return Answer(None, (), f"namespace {namespace} was not read")
        return Answer(False, (), f"no Service {namespace}/{name}")
    kind = service.kind
    if kind is ServiceKind.EXTERNAL_NAME:
        return Answer(True, (service.external_name + ".",), f"ExternalName {namespace}/{name}")
    if kind is not ServiceKind.HEADLESS:
        return Answer(True, service.cluster_ips, f"Service {namespace}/{name}")
    if (namespace, name) == (target.namespace, target.name) or index.snapshot.live:
        slices = _service_slices(index, target, namespace, name)
        ready = ready_endpoints(slices)
        if ready:
            return Answer(True, _addresses(ready), f"headless {namespace}/{name}")
        if slices and not readiness_known(slices):
            return Answer(True, (), f"headless {namespace}/{name} (once pods are ready)")
        return Answer(False, (), f"headless {namespace}/{name} has no ready endpoints")
    has = _other_has_endpoints(index, service, namespace)
    return Answer(has, (), f"headless {namespace}/{name}")


def _addresses(endpoints: Iterable[object]) -> tuple[str, ...]:
    found: list[str] = []
    for endpoint in endpoints:
        for address in getattr(endpoint, "addresses", ()):
            if address not in found:
                found.append(address)
    return tuple(found)


def _endpoint_answer(
    index: Index, target: _Target, namespace: str, name: str, label: str
) -> Answer:
    service = index.service(namespace, name)
    if service is None:
        if _unread(index, namespace):
            return Answer(None, (), f"namespace {namespace} was not read")
        return Answer(False, (), f"no Service {namespace}/{name}")
    if service.type == "ExternalName":
        return Answer(False, (), f"names under ExternalName {namespace}/{name} are NXDOMAIN")
    if (namespace, name) != (target.namespace, target.name) and not index.snapshot.live:
        pods = index.pods_selected(namespace, service.selector)
        by_pod = index.cluster_dns.endpoint_pod_names and service.headless
        named = any(p.hostname == label and p.subdomain == name for p in pods)
        by_name = by_pod and any(
            p.name == label and not (p.hostname and p.subdomain == name) for p in pods
        )
        what = f"endpoint {label} of {namespace}/{name}"
        if by_name and not named:
            what += _pod_named(index)
        return Answer(named or by_name, (), what)
    slices = _service_slices(index, target, namespace, name)
    by_pod = index.cluster_dns.endpoint_pod_names  # Corefile: unnamed endpoints -> pod name
    matching = [
        e
        for view in slices
        for e in view.endpoints
        if (
            e.hostname == label
            or (by_pod and not e.hostname and e.pod == label)
            or _dashed(e.addresses) == label
        )
        and e.ready is not False
    ]
    if matching:
        what = f"endpoint {label} of {namespace}/{name}"
        if all(not e.hostname and e.pod == label for e in matching):
            what += _pod_named(index)
        return Answer(True, _addresses(matching), what)
    return Answer(False, (), f"no endpoint {label} in {namespace}/{name}")


def _pod_named(index: Index) -> str:
    cited = index.cluster_dns.cite("endpoint_pod_names")
    return f" (endpoint_pod_names {cited}: named after its pod)"


def _target_label(endpoint: SliceEndpoint, pod_names: bool) -> str:
    """An endpoint's first label: its hostname, else (Corefile ``endpoint_pod_names``) its
    pod's name when it fits a label, else its dashed IP."""
    if endpoint.hostname:
        return endpoint.hostname
    if pod_names and endpoint.pod and len(endpoint.pod) <= 63:
        return endpoint.pod
    return _dashed(endpoint.addresses)


def _dashed(addresses: Sequence[str]) -> str:
    if not addresses:
        return ""
    dashed = addresses[0].replace(".", "-").replace(":", "-")
    return dashed + "0" if dashed.endswith("-") else dashed


@dataclass(frozen=True)
class Walk:
    """The search walk of one typed name from one client namespace."""

    tried: tuple[str, ...]
    answered_by: str
    answer: Answer


def walk(index: Index, target: _Target, query: str, client_namespace: str) -> Walk:
    """Resolve ``query`` as a ClusterFirst pod in ``client_namespace`` would (glibc walk)."""
    resolv = pod_resolv_conf(client_namespace, index.snapshot.cluster_domain)
    tried: list[str] = []
    for candidate in candidates(query, resolv):
        tried.append(candidate)
        answer = predict(index, target, candidate)
        if answer.exists is None and answer.what == _OUTSIDE:
            continue  # not ours to predict; glibc only gets here after the zone failed
        if answer.exists or answer.exists is None:
            return Walk(tuple(tried), candidate.rstrip("."), answer)
    return Walk(tuple(tried), "", Answer(False, (), "every candidate is NXDOMAIN"))


# ---------------------------------------------------------------- expectations


def dns_analysis(
    index: Index,
    service: ServiceView,
    namespace: str,
    slices: Sequence[SliceView],
    per_pod: Sequence[PerPodName],
    findings: Sequence[Finding],
    client_namespaces: Sequence[str] = (),
) -> DnsAnalysis:
    """All DNS expectations for the Service plus the findings the walks produced."""
    target = _Target(namespace, service.name, tuple(slices))
    zone = index.snapshot.cluster_domain
    svc = service.name
    fqdn = f"{svc}.{namespace}.svc.{zone}"
    raised = {f.id for f in findings if f.severity >= Severity.WARN}
    causes = tuple(i for i in _EXPLAINS_EMPTY if i in raised)
    if "externalname-ip" in raised:
        causes = ("externalname-ip", *causes)
    rows: list[DnsExpectation] = []
    found: list[Finding] = []
    main = _fqdn_rows(index, target, service, fqdn, causes)
    rows.extend(main)
    qtype = main[0].qtype
    for client in _clients(namespace, client_namespaces):
        short_rows, short_findings = _short_rows(
            index, target, service, namespace, client, fqdn, qtype, main[0]
        )
        rows.extend(short_rows)
        found.extend(short_findings)
    srv_rows, srv_findings = _srv_rows(
        service, namespace, fqdn, slices, causes, pod_names=index.cluster_dns.endpoint_pod_names
    )
    rows.extend(srv_rows)
    found.extend(srv_findings)
    rows.extend(_per_pod_rows(per_pod, qtype))
    return DnsAnalysis(tuple(rows), _dedupe(found))


def _dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.id, finding.message), finding)
    return tuple(seen.values())


def _clients(namespace: str, client_namespaces: Sequence[str]) -> tuple[str, ...]:
    ordered = [namespace]
    ordered += [c for c in client_namespaces if c and c not in ordered]
    return tuple(ordered)


def _fqdn_rows(
    index: Index, target: _Target, service: ServiceView, fqdn: str, causes: tuple[str, ...]
) -> tuple[DnsExpectation, ...]:
    answer = predict(index, target, fqdn + ".")
    if service.kind is ServiceKind.EXTERNAL_NAME:
        bad = is_ip(service.external_name)
        return (
            DnsExpectation(
                query=fqdn + ".",
                qtype="CNAME",
                form=NameForm.FQDN,
                fqdn=fqdn,
                exists=not bad,
                answers=() if bad else answer.answers,
                why=(
                    "CoreDNS cannot CNAME to an IP address: NXDOMAIN"
                    if bad
                    else f"CNAME to {service.external_name}"
                ),
                causes=causes if bad else (),
            ),
        )
    rows = []
    for family in service.ip_families:
        qtype = _FAMILY_QTYPE.get(family, "A")
        answers = tuple(a for a in answer.answers if (":" in a) == (family == "IPv6"))
        exists = answer.exists
        why = _fqdn_why(service, answer, family)
        rows.append(
            DnsExpectation(
                query=fqdn + ".",
                qtype=qtype,
                form=NameForm.FQDN,
                fqdn=fqdn,
                exists=exists,
                answers=answers,
                why=why,
                causes=causes if exists is False else (),
            )
        )
    return tuple(rows)


def _fqdn_why(service: ServiceView, answer: Answer, family: str) -> str:
    if answer.what.startswith("rewrite "):
        return answer.what  # the Corefile sends the name elsewhere: say where, not the VIP
    if not service.headless:
        if answer.answers:
            return f"the {family} cluster IP (answered even without endpoints)"
        return "the cluster IP allocated on create (answered even without endpoints)"
    if answer.exists is False:
        return "headless with no ready endpoints: NXDOMAIN"
    if not answer.answers:
        return "headless: the IPs of the ready pods, once they run"
    return f"headless: the {len(answer.answers)} ready endpoint address(es)"


def _short_rows(
    index: Index,
    target: _Target,
    service: ServiceView,
    namespace: str,
    client: str,
    fqdn: str,
    qtype: str,
    main: DnsExpectation,
) -> tuple[list[DnsExpectation], list[Finding]]:
    svc = service.name
    subject = service.subject
    forms = [
        (svc, NameForm.SAME_NAMESPACE),
        (f"{svc}.{namespace}", NameForm.OTHER_NAMESPACE),
        (f"{svc}.{namespace}.svc", NameForm.SVC_SUFFIX),
    ]
    rows: list[DnsExpectation] = []
    findings: list[Finding] = []
    for query, form in forms:
        result = walk(index, target, query, client)
        if form is NameForm.SAME_NAMESPACE and client != namespace:
            finding = _cross_namespace(subject, svc, namespace, client, fqdn, result)
        elif result.answered_by == fqdn or (not result.answered_by and main.exists is False):
            rows.append(_same_as_main(main, query, form, client, result))
            continue
        elif result.answer.exists is None:
            # An earlier candidate lives in a namespace that was not read: the walk may
            # stop there, but nothing says it does. A row, not a warning.
            rows.append(_unknown_walk(main, query, form, client, result))
            continue
        else:
            finding = _hijacked(subject, query, client, fqdn, result)
        findings.append(finding)
        rows.append(
            DnsExpectation(
                query=query,
                qtype=qtype,
                form=form,
                fqdn=result.answered_by or fqdn,
                exists=result.answer.exists if result.answered_by else False,
                answers=result.answer.answers,
                why=finding.message,
                client_namespace=client,
                causes=(finding.id,),
            )
        )
    return rows, findings


def _unknown_walk(
    main: DnsExpectation, query: str, form: NameForm, client: str, result: Walk
) -> DnsExpectation:
    return DnsExpectation(
        query=query,
        qtype=main.qtype,
        form=form,
        fqdn=main.fqdn,
        exists=None,
        answers=main.answers,
        why=(
            f"from namespace {client}: {result.answered_by} is tried first "
            f"({result.answer.what}); if it does not exist the walk reaches {main.fqdn}"
        ),
        client_namespace=client,
    )


def _same_as_main(
    main: DnsExpectation, query: str, form: NameForm, client: str, result: Walk
) -> DnsExpectation:
    position = result.tried.index(main.fqdn + ".") + 1 if main.fqdn + "." in result.tried else 0
    via = f"search candidate {position} completes it to {main.fqdn}" if position else main.why
    return DnsExpectation(
        query=query,
        qtype=main.qtype,
        form=form,
        fqdn=main.fqdn,
        exists=main.exists,
        answers=main.answers,
        why=f"from namespace {client}: {via}",
        client_namespace=client,
        causes=main.causes,
    )


def _cross_namespace(
    subject: ObjectRef, svc: str, namespace: str, client: str, fqdn: str, result: Walk
) -> Finding:
    if result.answered_by:
        message = (
            f"from namespace {client}, {svc!r} resolves to {result.answered_by} "
            f"({result.answer.what}), not to {subject}: short names complete with the client's "
            "own namespace first."
        )
    else:
        message = (
            f"from namespace {client}, {svc!r} is NXDOMAIN: the search path completes it to "
            f"{svc}.{client}.svc..., never to namespace {namespace}."
        )
    return SHORT_NAME_CROSS_NAMESPACE(
        subject,
        message,
        f"from namespace {client} use {svc}.{namespace} or {fqdn}",
        severity=Severity.INFO if result.answer.exists is not True else Severity.WARN,
        evidence=tuple(("tried", t) for t in result.tried[:3]),
    )


def _hijacked(subject: ObjectRef, query: str, client: str, fqdn: str, result: Walk) -> Finding:
    if result.answered_by:
        message = (
            f"from namespace {client}, {query!r} is answered by {result.answered_by} "
            f"({result.answer.what}) before the search path reaches {fqdn}."
        )
    else:
        message = f"from namespace {client}, {query!r} never reaches {fqdn}."
    return SHORT_NAME_HIJACKED(
        subject,
        message,
        f"use {fqdn}. (with the trailing dot) from namespace {client}",
        evidence=tuple(("tried", t) for t in result.tried),
    )


def _srv_rows(
    service: ServiceView,
    namespace: str,
    fqdn: str,
    slices: Sequence[SliceView],
    causes: tuple[str, ...],
    *,
    pod_names: bool = False,
) -> tuple[list[DnsExpectation], list[Finding]]:
    kind = service.kind
    ports = service.ports
    if kind is ServiceKind.EXTERNAL_NAME or not ports:
        return [], []
    named = [p for p in ports if p.name]
    findings: list[Finding] = []
    if not named:
        subject = service.subject
        findings.append(
            SRV_UNNAMED_PORTS(
                subject,
                f"no port of {subject} has a name, so no SRV record "
                f"_<port>._<proto>.{fqdn} exists (SRV names are built from port names).",
                f"set spec.ports[0].name of {subject} (e.g. 'http') if clients use SRV",
            )
        )
    rows = [_srv_row(kind, port, fqdn, slices, causes, pod_names=pod_names) for port in named]
    return rows, findings


def _srv_row(
    kind: ServiceKind,
    port: ServicePort,
    fqdn: str,
    slices: Sequence[SliceView],
    causes: tuple[str, ...],
    *,
    pod_names: bool = False,
) -> DnsExpectation:
    name = f"_{port.name}._{port.protocol.lower()}.{fqdn}"
    if kind is not ServiceKind.HEADLESS:
        return DnsExpectation(
            query=name + ".",
            qtype="SRV",
            form=NameForm.SRV,
            fqdn=name,
            exists=True,
            answers=(f"0 100 {port.port} {fqdn}.",),
            why=f"service port {port.port} on the Service name",
        )
    endpoints = [
        (e, p)
        for view in slices
        if (p := view.port_named(port.name, port.protocol)) is not None
        for e in view.endpoints
        if e.ready is not False
    ]
    if not endpoints:
        return DnsExpectation(
            query=name + ".",
            qtype="SRV",
            form=NameForm.SRV,
            fqdn=name,
            exists=False,
            answers=(),
            why=f"no ready endpoint carries port {port.label}: NXDOMAIN",
            causes=causes,
        )
    weight = 100 // len(endpoints)
    answers = tuple(
        f"0 {weight} {p.port} {_target_label(e, pod_names)}.{fqdn}."
        for e, p in endpoints
        if e.hostname or e.addresses
    )
    return DnsExpectation(
        query=name + ".",
        qtype="SRV",
        form=NameForm.SRV,
        fqdn=name,
        exists=True,
        answers=answers,
        why=f"one record per ready endpoint, at the container port ({len(endpoints)})",
    )


def _per_pod_rows(per_pod: Sequence[PerPodName], qtype: str) -> Iterator[DnsExpectation]:
    for entry in per_pod:
        yield DnsExpectation(
            query=entry.fqdn + ".",
            qtype=qtype,
            form=NameForm.PER_POD,
            fqdn=entry.fqdn,
            exists=entry.exists,
            answers=entry.answers,
            why=entry.why,
            causes=entry.causes,
        )
