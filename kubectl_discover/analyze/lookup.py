"""``kubectl discover dns NAME``: read one DNS name against the cluster DNS schema (pure).

The name is completed exactly as the client's resolver would (its search path
and ndots, via :mod:`resolv`), each candidate is read with CoreDNS's grammar
(service ``<svc>.<ns>.svc.<zone>``, per-pod ``<host>.<svc>.<ns>.svc.<zone>``,
SRV ``_<port>._<proto>.<svc>.<ns>.svc.<zone>``, pod ``a-b-c-d.<ns>.pod.<zone>``)
and mapped to the objects that would answer it. When nothing answers, the
findings say which part of the name is wrong and what the right name is.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.dnsnames import Answer, _Target, predict
from kubectl_discover.analyze.index import Index, build_index
from kubectl_discover.analyze.model import Diagnosis, DnsExpectation, NameForm, ServiceKind
from kubectl_discover.analyze.resolv import ResolvConf, candidates, pod_resolv_conf
from kubectl_discover.analyze.slices import observed_slices, ready_endpoints
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, Snapshot, name_of, namespace_of

DNS_NAME_UNKNOWN_SERVICE = Check(
    "dns-name-unknown-service",
    Severity.FAIL,
    "No Service has this name",
    "The name completes to <svc>.<ns>.svc.<zone>, but no Service <ns>/<svc> exists, so cluster "
    "DNS answers NXDOMAIN.",
    "Use the name of an existing Service (see the suggestions), or create the Service.",
    area="dns",
)
DNS_NAME_WRONG_NAMESPACE = Check(
    "dns-name-wrong-namespace",
    Severity.FAIL,
    "Short name used for a Service in another namespace",
    "A bare '<svc>' is completed with the client's own namespace first; the Service exists only "
    "in another namespace, so the name is NXDOMAIN from this client.",
    "Use '<svc>.<ns>' or the FQDN '<svc>.<ns>.svc.<zone>'.",
    area="dns",
)
DNS_NAME_POD_FORM = Check(
    "dns-name-pod-form",
    Severity.FAIL,
    "'<pod-name>.<ns>.pod' is not a DNS name",
    "Pod records are '<dashed-ip>.<ns>.pod.<zone>' (a-b-c-d, from the pod IP), never the pod "
    "name; stable per-pod names come from hostname+subdomain and a headless Service.",
    "Use '<hostname>.<headless-svc>.<ns>.svc.<zone>' (StatefulSet pods: '<pod>.<serviceName>') "
    "or the dashed pod IP.",
    area="dns",
)
DNS_NAME_CLUSTER_DOMAIN = Check(
    "dns-name-cluster-domain",
    Severity.FAIL,
    "The name hard-codes another cluster domain",
    "The name ends in '.svc.<domain>' with a domain that is not this cluster's, so every "
    "candidate is NXDOMAIN (or leaves the cluster).",
    "Use the real cluster domain, or better the short form '<svc>.<ns>' which works everywhere.",
    area="dns",
)
DNS_NAME_UNKNOWN_ENDPOINT = Check(
    "dns-name-unknown-endpoint",
    Severity.FAIL,
    "No endpoint of the Service has this hostname",
    "Per-pod names exist only for endpoints whose hostname (pod spec.hostname with "
    "spec.subdomain = the Service name) is set and that are ready.",
    "Use one of the hostnames the EndpointSlices publish, or set hostname/subdomain on the pods.",
    area="dns",
)
DNS_NAME_UNKNOWN_NAMESPACE = Check(
    "dns-name-unknown-namespace",
    Severity.FAIL,
    "The namespace in the name does not exist",
    "CoreDNS answers NXDOMAIN for any name in a namespace that does not exist.",
    "Correct the namespace part of the name.",
    area="dns",
)
DNS_NAME_SRV_PORT = Check(
    "dns-name-srv-port",
    Severity.FAIL,
    "No Service port matches this SRV name",
    "SRV records exist only for named Service ports: '_<port-name>._<protocol>.<svc>...'.",
    "Use one of the named ports (see evidence), or name the Service port.",
    area="dns",
)
DNS_NAME_OUTSIDE = Check(
    "dns-name-outside",
    Severity.INFO,
    "Name outside the cluster zone",
    "Cluster DNS forwards names outside its zone; the answer cannot be predicted from objects.",
    "Probe it live (--probe) to see what the client's resolver answers.",
    area="dns",
)

CHECKS = (
    DNS_NAME_UNKNOWN_SERVICE,
    DNS_NAME_WRONG_NAMESPACE,
    DNS_NAME_POD_FORM,
    DNS_NAME_CLUSTER_DOMAIN,
    DNS_NAME_UNKNOWN_ENDPOINT,
    DNS_NAME_UNKNOWN_NAMESPACE,
    DNS_NAME_SRV_PORT,
    DNS_NAME_OUTSIDE,
)

_NOBODY = _Target(namespace="", name="", slices=())


@dataclass(frozen=True)
class ParsedName:
    """An absolute name read with CoreDNS's grammar."""

    fqdn: str
    kind: str
    """service, per-pod, srv, pod-ip, pod-name, outside, other."""
    namespace: str = ""
    service: str = ""
    label: str = ""
    """per-pod hostname, or the first label of a pod record."""
    port: str = ""
    protocol: str = ""


def parse_name(absolute: str, zone: str) -> ParsedName:
    """Read ``absolute`` (with or without the trailing dot) against ``zone``."""
    name = absolute.rstrip(".").lower()
    zone = zone.strip(".").lower()
    if not name.endswith("." + zone):
        return ParsedName(name, "outside")
    labels = name[: -len(zone) - 1].split(".")
    if labels[-1] == "pod" and len(labels) == 3:
        kind = "pod-ip" if _dashed_ip(labels[0]) else "pod-name"
        return ParsedName(name, kind, namespace=labels[1], label=labels[0])
    if labels[-1] != "svc":
        return ParsedName(name, "other")
    if len(labels) == 3:
        return ParsedName(name, "service", namespace=labels[1], service=labels[0])
    if len(labels) == 4:
        return ParsedName(name, "per-pod", namespace=labels[2], service=labels[1], label=labels[0])
    if len(labels) == 5 and labels[0].startswith("_") and labels[1].startswith("_"):
        return ParsedName(
            name,
            "srv",
            namespace=labels[3],
            service=labels[2],
            port=labels[0][1:],
            protocol=labels[1][1:],
        )
    return ParsedName(name, "other")


def _dashed_ip(label: str) -> str:
    """The IP a ``a-b-c-d`` (or dashed IPv6) label stands for, or ""."""
    for text in (label.replace("-", "."), label.replace("-", ":")):
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            continue
    return ""


def client_resolv(
    client: Obj | None, namespace: str, zone: str, cluster_dns: str | None
) -> ResolvConf:
    """The resolv.conf kubelet would write for the client (or a plain ClusterFirst pod)."""
    spec: Mapping[str, Any] = {}
    if client is not None:
        spec = client.get("spec") or {}
        if client.get("kind", "Pod") != "Pod":
            spec = (spec.get("template") or {}).get("spec") or {}
    return pod_resolv_conf(
        namespace,
        zone,
        cluster_dns=(cluster_dns,) if cluster_dns else (),
        dns_policy=str(spec.get("dnsPolicy") or "ClusterFirst"),
        host_network=bool(spec.get("hostNetwork")),
        dns_config=spec.get("dnsConfig"),
    )


def _predict(index: Index, parsed: ParsedName, candidate: str) -> Answer:
    """CoreDNS's answer for one candidate, including SRV and pod records."""
    if parsed.kind == "srv":
        return _srv_answer(index, parsed)
    if parsed.kind == "pod-ip":
        if parsed.namespace not in _namespaces(index):
            return Answer(False, (), f"namespace {parsed.namespace} does not exist")
        return _pod_ip_answer(index, parsed)
    if parsed.kind == "pod-name":
        return Answer(False, (), "not an IP: pod records are <dashed-ip>.<ns>.pod")
    return predict(index, _NOBODY, candidate)


def _pod_ip_answer(index: Index, parsed: ParsedName) -> Answer:
    """A pod-IP name follows the Corefile's ``pods`` option (kubeadm's: insecure)."""
    cluster = index.cluster_dns
    line = cluster.cite("pods")
    mode = cluster.pods.value
    ip = _dashed_ip(parsed.label)
    if mode == "disabled":
        return Answer(False, (), f"pods disabled {line}: pod-IP names are NXDOMAIN")
    if mode == "verified":
        running = any(ip in p.ips for p in index.pods_in(parsed.namespace))
        if not running:
            return Answer(
                False,
                (),
                f"pods verified {line}: no pod with IP {ip} in {parsed.namespace}",
            )
        return Answer(True, (ip,), f"pod record (pods verified {line}: a pod has {ip})")
    return Answer(True, (ip,), f"pod record (pods insecure {line})")


def _srv_answer(index: Index, parsed: ParsedName) -> Answer:
    service = index.service(parsed.namespace, parsed.service)
    if service is None:
        return Answer(False, (), f"no Service {parsed.namespace}/{parsed.service}")
    ports = [
        p
        for p in service.ports
        if p.name.lower() == parsed.port and p.protocol.lower() == parsed.protocol
    ]
    if not ports or service.kind is ServiceKind.EXTERNAL_NAME:
        return Answer(False, (), f"no named port {parsed.port}/{parsed.protocol}")
    target = f"{parsed.service}.{parsed.namespace}.svc"
    if service.kind is not ServiceKind.HEADLESS:
        return Answer(True, tuple(f"0 100 {p.port} {target}" for p in ports), "SRV on the VIP")
    ready = ready_endpoints(observed_slices(index, parsed.namespace, parsed.service))
    return Answer(bool(ready) if index.snapshot.live else None, (), "SRV per ready endpoint")


def _namespaces(index: Index) -> frozenset[str]:
    known = set(index.namespaces) | {namespace_of(s) for s in index.snapshot.services}
    return frozenset(known)


@dataclass(frozen=True)
class _Walk:
    tried: tuple[tuple[str, ParsedName, Answer], ...]
    answered: tuple[str, ParsedName, Answer] | None


def _walk(index: Index, name: str, resolv: ResolvConf) -> _Walk:
    zone = index.snapshot.cluster_domain
    tried: list[tuple[str, ParsedName, Answer]] = []
    for candidate in candidates(name, resolv):
        parsed = parse_name(candidate, zone)
        answer = _predict(index, parsed, candidate)
        tried.append((candidate, parsed, answer))
        if parsed.kind == "outside":
            continue
        if answer.exists is not False:
            return _Walk(tuple(tried), (candidate, parsed, answer))
    return _Walk(tuple(tried), None)


def cluster_intended(index: Index, name: str) -> bool:
    """Whether ``name`` is meant for cluster DNS rather than for the outside world.

    A single label, a name with a ``svc``/``pod`` label or ending in the zone, one whose last
    label is a namespace, or ``<svc>.<x>`` for an existing Service name is taken as in-cluster;
    anything else (``api.example.com``) is forwarded upstream and cannot be predicted.
    """
    labels = name.rstrip(".").lower().split(".")
    zone = index.snapshot.cluster_domain.strip(".").lower()
    if len(labels) == 1 or "svc" in labels or "pod" in labels:
        return True
    if ".".join(labels).endswith(zone) or labels[-1] in _namespaces(index):
        return True
    return len(labels) == 2 and any(
        name_of(s).lower() == labels[0] for s in index.snapshot.services
    )


def diagnose_name(
    snapshot: Snapshot,
    name: str,
    *,
    client_namespace: str | None = None,
    client: Obj | None = None,
    resolv: ResolvConf | None = None,
    cluster_dns: str | None = None,
) -> Diagnosis:
    """Diagnose ``name`` as the client (``--from``, or a pod in ``client_namespace``) types it.

    ``resolv`` overrides the predicted resolv.conf (e.g. one read live from the
    client). ``cluster_dns`` is the ClusterIP of kube-system/kube-dns (None when the
    snapshot has no such Service: the predicted resolv.conf then names no server). The
    Diagnosis has subject_kind "DnsName" and one DnsExpectation per record type to probe.
    """
    index = build_index(snapshot)
    zone = snapshot.cluster_domain
    namespace = client_namespace or (
        namespace_of(client) if client is not None else snapshot.default_namespace
    )
    resolv = resolv or client_resolv(client, namespace, zone, cluster_dns)
    result = _walk(index, name, resolv)
    subject = ObjectRef("DNS name", "", name)
    findings = [*_static_findings(index, name, subject, namespace)]
    if result.answered is None:
        if cluster_intended(index, name) or findings:
            findings.extend(_why_nxdomain(index, name, subject, namespace, result))
        else:
            findings.append(
                DNS_NAME_OUTSIDE(subject, f"{name!r} is outside {zone}; cluster DNS forwards it.")
            )
            outside = next(t for t in result.tried if t[1].kind == "outside")
            result = _Walk(result.tried, outside)
    expectation = _expectation(name, namespace, zone, result, findings)
    facts = (
        ("client namespace", namespace),
        ("search", " ".join(resolv.search) or "-"),
        ("ndots", str(resolv.ndots)),
        ("nameserver", " ".join(resolv.nameservers) or "unknown (no kube-system/kube-dns Service)"),
        ("cluster domain", zone),
    )
    return Diagnosis(
        subject_kind="DnsName",
        namespace=namespace,
        name=name,
        kind="DnsName",
        findings=tuple(_dedupe(findings)),
        dns=(expectation,),
        facts=facts,
    )


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.id, finding.message), finding)
    return list(seen.values())


def _form(name: str, parsed: ParsedName | None, zone: str) -> NameForm:
    if parsed is not None and parsed.kind == "srv":
        return NameForm.SRV
    if parsed is not None and parsed.kind == "per-pod":
        return NameForm.PER_POD
    if parsed is not None and parsed.kind == "pod-ip":
        return NameForm.POD_IP
    bare = name.rstrip(".").lower()
    if name.endswith(".") or bare.endswith("." + zone.lower()):
        return NameForm.FQDN
    dots = bare.count(".")
    if dots == 0:
        return NameForm.SAME_NAMESPACE
    return NameForm.SVC_SUFFIX if bare.endswith(".svc") else NameForm.OTHER_NAMESPACE


def _expectation(
    name: str, namespace: str, zone: str, result: _Walk, findings: list[Finding]
) -> DnsExpectation:
    answered = result.answered
    parsed = answered[1] if answered else _best_parse(result)
    qtype = "SRV" if parsed is not None and parsed.kind == "srv" else "A"
    if answered is not None:
        candidate, parsed_answer, answer = answered
        position = [t[0] for t in result.tried].index(candidate) + 1
        why = f"{answer.what}; search candidate {position} of {len(result.tried)}"
        if parsed_answer.kind != "outside" and answer.answers and answer.answers[0].endswith("."):
            qtype = "CNAME" if qtype == "A" and service_kind_is_cname(answer) else qtype
        return DnsExpectation(
            query=name,
            qtype=qtype,
            form=_form(name, parsed, zone),
            fqdn=candidate.rstrip("."),
            exists=answer.exists,
            answers=answer.answers,
            why=why,
            client_namespace=namespace,
        )
    fails = [f for f in findings if f.severity >= Severity.WARN]
    why = fails[0].message if fails else "every search candidate is NXDOMAIN"
    pod_ip = next((t[2] for t in result.tried if t[1].kind == "pod-ip"), None)
    if pod_ip is not None and pod_ip.what.startswith("pods "):
        why = pod_ip.what  # the Corefile's pods option decides (and says which line)
    fqdn = parsed.fqdn if parsed is not None else name.rstrip(".")
    return DnsExpectation(
        query=name,
        qtype=qtype,
        form=_form(name, parsed, zone),
        fqdn=fqdn,
        exists=False,
        answers=(),
        why=why,
        client_namespace=namespace,
        causes=tuple(f.id for f in fails),
    )


def service_kind_is_cname(answer: Answer) -> bool:
    """An ExternalName answers with a CNAME (predict's answers end with a dot)."""
    return answer.what.startswith("ExternalName")


def _best_parse(result: _Walk) -> ParsedName | None:
    """The candidate the user most likely meant: the first in-zone one with a known shape."""
    shaped = [t[1] for t in result.tried if t[1].kind in ("service", "per-pod", "srv", "pod-ip")]
    return shaped[0] if shaped else None


# ---------------------------------------------------------------- findings


def _static_findings(
    index: Index, name: str, subject: ObjectRef, namespace: str
) -> Iterable[Finding]:
    zone = index.snapshot.cluster_domain.strip(".").lower()
    labels = name.rstrip(".").lower().split(".")
    if "svc" in labels:
        at = len(labels) - 1 - labels[::-1].index("svc")
        domain = ".".join(labels[at + 1 :])
        if domain and domain != zone:
            fixed = ".".join([*labels[: at + 1], zone])
            yield DNS_NAME_CLUSTER_DOMAIN(
                subject,
                f"{name!r} hard-codes the cluster domain {domain}, but this cluster's is {zone}.",
                f"use {fixed} (or the short form {'.'.join(labels[:at])})",
                evidence=(("cluster domain", zone),),
            )
    if "pod" in labels:
        at = len(labels) - 1 - labels[::-1].index("pod")
        if at == 2 and not _dashed_ip(labels[0]):
            yield _pod_form(index, name, subject, labels[0], labels[1], zone)


def _pod_form(index: Index, name: str, subject: ObjectRef, pod: str, ns: str, zone: str) -> Finding:
    views = [p for p in index.pods_in(ns) if p.name == pod]
    hint = "use the pod's hostname under its headless Service, or its dashed IP"
    evidence: list[tuple[str, str]] = []
    if views:
        view = views[0]
        if view.hostname and view.subdomain:
            hint = f"use {view.hostname}.{view.subdomain}.{ns}.svc.{zone}"
        elif view.ip:
            hint = f"use {view.ip.replace('.', '-').replace(':', '-')}.{ns}.pod.{zone} (IP changes)"
        evidence.append(("pod", f"{ns}/{pod}"))
    return DNS_NAME_POD_FORM(
        subject,
        f"{name!r} uses a pod name under '.pod'; pod records are '<dashed-ip>.{ns}.pod.{zone}'.",
        hint,
        evidence=evidence,
    )


def _why_nxdomain(
    index: Index, name: str, subject: ObjectRef, namespace: str, result: _Walk
) -> Iterable[Finding]:
    """The first explanation that fits, most specific first."""
    parses = [t[1] for t in result.tried if t[1].kind in ("service", "per-pod", "srv")]
    existing = [p for p in parses if index.service(p.namespace, p.service) is not None]
    if existing:
        parsed = existing[0]
        if parsed.kind == "per-pod":
            yield _unknown_endpoint(index, subject, parsed)
            return
        if parsed.kind == "srv":
            yield _srv_port(index, subject, parsed)
            return
        if parsed.kind == "service":
            return  # the Service exists but has no answer (headless, no ready endpoints)
    namespaces = _namespaces(index)
    for parsed in parses:
        if index.snapshot.namespaces and parsed.namespace not in namespaces:
            continue
        short = name.rstrip(".").split(".")[0].lower()
        elsewhere = sorted(
            namespace_of(s)
            for s in index.snapshot.services
            if name_of(s).lower() == parsed.service and namespace_of(s) != parsed.namespace
        )
        if elsewhere and short == parsed.service:
            other = elsewhere[0]
            yield DNS_NAME_WRONG_NAMESPACE(
                subject,
                f"{name!r} completes to {parsed.service}.{parsed.namespace}.svc... from namespace "
                f"{namespace}, but Service {parsed.service} exists only in {', '.join(elsewhere)}.",
                f"use {parsed.service}.{other} or {parsed.service}.{other}.svc."
                f"{index.snapshot.cluster_domain}",
                evidence=tuple(("tried", t[0]) for t in result.tried[:3]),
            )
            return
        yield _unknown_service(index, subject, parsed, result)
        return
    target = next((p for p in parses), None)
    if target is not None and target.namespace not in namespaces:
        yield DNS_NAME_UNKNOWN_NAMESPACE(
            subject,
            f"namespace {target.namespace} in {name!r} does not exist.",
            _did_you_mean(target.namespace, namespaces, "namespace"),
        )


def _unknown_service(
    index: Index, subject: ObjectRef, parsed: ParsedName, result: _Walk
) -> Finding:
    names = [s.name for s in index.services_in(parsed.namespace)]
    return DNS_NAME_UNKNOWN_SERVICE(
        subject,
        f"no Service {parsed.service} in namespace {parsed.namespace}; every search candidate "
        "is NXDOMAIN.",
        _did_you_mean(parsed.service, names, f"Service in {parsed.namespace}"),
        evidence=tuple(("tried", t[0]) for t in result.tried),
    )


def _unknown_endpoint(index: Index, subject: ObjectRef, parsed: ParsedName) -> Finding:
    slices = observed_slices(index, parsed.namespace, parsed.service)
    hostnames = sorted({e.hostname for v in slices for e in v.endpoints if e.hostname})
    if not index.snapshot.live:
        hostnames = sorted(
            {p.hostname for p in index.pods_in(parsed.namespace) if p.subdomain == parsed.service}
            - {""}
        )
    pods = [p for p in index.pods_in(parsed.namespace) if p.name.lower() == parsed.label]
    why = ""
    if pods and pods[0].subdomain != parsed.service:
        sub = pods[0].subdomain or "(none)"
        why = (
            f" Pod {parsed.label} has subdomain {sub}, so its name lives under Service {sub}, "
            f"not {parsed.service}."
        )
    elif not hostnames:
        why = " No endpoint of the Service has a hostname (pods need hostname and subdomain)."
    return DNS_NAME_UNKNOWN_ENDPOINT(
        subject,
        f"Service {parsed.namespace}/{parsed.service} has no ready endpoint named "
        f"{parsed.label}.{why}",
        _did_you_mean(parsed.label, hostnames, "hostname")
        if hostnames
        else DNS_NAME_UNKNOWN_ENDPOINT.fix,
        evidence=tuple(("hostname", h) for h in hostnames),
    )


def _srv_port(index: Index, subject: ObjectRef, parsed: ParsedName) -> Finding:
    service = index.service(parsed.namespace, parsed.service)
    ports = service.ports if service is not None else ()
    named = [f"_{p.name}._{p.protocol.lower()}" for p in ports if p.name]
    return DNS_NAME_SRV_PORT(
        subject,
        f"Service {parsed.namespace}/{parsed.service} has no port named {parsed.port} with "
        f"protocol {parsed.protocol.upper()}.",
        _did_you_mean(f"_{parsed.port}._{parsed.protocol}", named, "SRV prefix")
        if named
        else "name the Service port (spec.ports[].name)",
        evidence=tuple(("port", n) for n in named),
    )


def _did_you_mean(word: str, options: Iterable[str], what: str) -> str:
    close = difflib.get_close_matches(word, sorted(set(options)), n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(close)}? ({what})"
    return f"no similar {what} exists"
