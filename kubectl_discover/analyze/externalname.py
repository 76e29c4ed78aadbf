"""ExternalName Services: a CNAME and nothing else.

What breaks them is not the API (it accepts an IPv4 literal, because it looks like
a host name) but DNS and TLS: CoreDNS answers an IP "target" with NXDOMAIN, and a
client dialling ``https://<svc>`` sends the in-cluster name as SNI and Host header,
which the remote server does not know (commonly reported ExternalName mistakes).
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.serviceview import ServiceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import is_dns1123_subdomain, is_ip

EXTERNALNAME_IP = Check(
    "externalname-ip",
    Severity.FAIL,
    "ExternalName points at an IP address",
    "spec.externalName must be a host name. An IPv4 literal passes validation (it looks like a "
    "DNS name) but CoreDNS cannot CNAME to an address and answers NXDOMAIN.",
    "Use a selectorless Service plus an EndpointSlice holding that IP.",
    area="dns",
)
EXTERNALNAME_HTTPS = Check(
    "externalname-https",
    Severity.INFO,
    "HTTPS through an ExternalName sends the in-cluster name",
    "DNS only adds a CNAME: a client calling https://<svc> puts <svc> (or its FQDN) in SNI and "
    "the Host header, so the remote certificate and virtual host usually do not match.",
    "Have clients use the external host name in URLs, or put a proxy in between that rewrites "
    "SNI and Host.",
    area="dns",
)
EXTERNALNAME_SHADOWS_NAMESPACE = Check(
    "externalname-shadows-namespace",
    Severity.WARN,
    "ExternalName named like a namespace",
    "From pods of its namespace, '<svc>.<that namespace>' is first tried as "
    "'<svc>.<that namespace>.<own namespace>.svc.<zone>', a name under this ExternalName; "
    "CoreDNS releases that answer names under an ExternalName with its CNAME stop the search "
    "there (kubernetes#120922).",
    "Rename the ExternalName Service so that it does not equal a namespace name.",
    area="dns",
)
EXTERNALNAME_TARGET_MISSING = Check(
    "externalname-target-missing",
    Severity.WARN,
    "ExternalName points at an in-cluster name that does not exist",
    "The CNAME target is a cluster Service name, but no such Service exists (or the cluster "
    "domain in it is wrong), so the CNAME leads to NXDOMAIN.",
    "Point spec.externalName at <svc>.<ns>.svc.<cluster domain> of an existing Service.",
    area="dns",
)
EXTERNALNAME_CNAME = Check(
    "externalname-cname",
    Severity.OK,
    "ExternalName CNAME",
    "The Service name answers with a CNAME to spec.externalName; kube-proxy programs nothing.",
    "Nothing to do.",
    area="dns",
)

CHECKS = (
    EXTERNALNAME_IP,
    EXTERNALNAME_HTTPS,
    EXTERNALNAME_SHADOWS_NAMESPACE,
    EXTERNALNAME_TARGET_MISSING,
    EXTERNALNAME_CNAME,
)


def externalname_findings(
    index: Index, service: ServiceView, namespace: str
) -> tuple[Finding, ...]:
    if service.type != "ExternalName":
        return ()
    subject = service.subject
    target = service.external_name
    if not target or not is_dns1123_subdomain(target):
        return ()  # validation reports the missing or malformed field
    findings: list[Finding] = []
    if is_ip(target):
        findings.append(_ip_target(service, subject, target))
    else:
        findings.extend(_in_cluster_target(index, subject, target))
        findings.extend(_https(service, subject, target, namespace, index))
        if not findings:
            findings.append(
                EXTERNALNAME_CNAME(
                    subject,
                    f"{service.name}.{namespace}.svc.{index.snapshot.cluster_domain} answers "
                    f"CNAME {target}.; addresses come from resolving {target}.",
                    evidence=(("spec.externalName", target),),
                )
            )
    findings.extend(_shadows_namespace(index, service, subject, namespace))
    return tuple(findings)


def _ip_target(service: ServiceView, subject: ObjectRef, target: str) -> Finding:
    ports = service.ports
    port_text = ", ".join(
        f"{{name: {p.name or 'port'}, port: {p.port}, protocol: {p.protocol}}}" for p in ports
    )
    return EXTERNALNAME_IP(
        subject,
        f"spec.externalName of {subject} is the IP address {target}; the API accepts it as a "
        "host name, but CoreDNS cannot CNAME to an address and answers NXDOMAIN.",
        f"change {subject} to type ClusterIP without spec.selector or spec.externalName, and "
        f"create an EndpointSlice labelled kubernetes.io/service-name: {service.name} with "
        f"addressType IPv4, endpoints [{{addresses: [{target}]}}]"
        + (f" and ports [{port_text}]" if port_text else ""),
        evidence=(("spec.externalName", target),),
    )


def _in_cluster_target(index: Index, subject: ObjectRef, target: str) -> Iterator[Finding]:
    zone = index.snapshot.cluster_domain
    labels = target.lower().split(".")
    if "svc" not in labels:
        return
    at = labels.index("svc")
    if at != 2:
        return
    service, namespace = labels[0], labels[1]
    written_zone = ".".join(labels[3:])
    if written_zone and written_zone != zone:
        yield EXTERNALNAME_TARGET_MISSING(
            subject,
            f"spec.externalName {target} of {subject} names the cluster domain {written_zone}, "
            f"but this cluster's domain is {zone}, so the CNAME leads to NXDOMAIN.",
            f"set spec.externalName to {service}.{namespace}.svc.{zone}",
            evidence=(("spec.externalName", target), ("cluster domain", zone)),
        )
        return
    if index.service(namespace, service) is None and (
        not index.snapshot.namespace or index.snapshot.namespace == namespace
    ):
        yield EXTERNALNAME_TARGET_MISSING(
            subject,
            f"spec.externalName {target} of {subject} points at Service {namespace}/{service}, "
            "which does not exist, so the CNAME leads to NXDOMAIN.",
            f"create Service {namespace}/{service}, or correct spec.externalName",
            evidence=(("spec.externalName", target),),
        )


def _https(
    service: ServiceView, subject: ObjectRef, target: str, namespace: str, index: Index
) -> Iterator[Finding]:
    ports = [
        p
        for p in service.ports
        if p.port == 443 or p.name.startswith("https") or p.app_protocol == "https"
    ]
    if not ports:
        return
    svc = service.name
    fqdn = f"{svc}.{namespace}.svc.{index.snapshot.cluster_domain}"
    yield EXTERNALNAME_HTTPS(
        subject,
        f"{subject} exposes {ports[0].label}: clients calling https://{svc} send SNI and Host "
        f"{svc} (or {fqdn}), not {target}, so the certificate of {target} will not match and "
        "its virtual host may answer 404/421.",
        f"have clients call https://{target} directly, or route through a proxy that sets "
        f"SNI and Host to {target}",
        evidence=(("port", ports[0].label), ("target", target)),
    )


def _example_service(index: Index, namespace: str) -> str:
    """A real Service of ``namespace`` to show the hijack with (ExternalNames last)."""
    candidates = sorted(
        (obj.type == "ExternalName", obj.name)
        for obj in index.services_in(namespace)
        if obj.name != namespace
    )
    return candidates[0][1] if candidates else "<svc>"


def _shadows_namespace(
    index: Index, service: ServiceView, subject: ObjectRef, namespace: str
) -> Iterator[Finding]:
    svc = service.name
    if svc not in index.namespaces:
        return
    zone = index.snapshot.cluster_domain
    example = _example_service(index, svc)
    yield EXTERNALNAME_SHADOWS_NAMESPACE(
        subject,
        f"ExternalName {subject} is named like namespace {svc}: from pods in {namespace}, "
        f"{example}.{svc} is first tried as {example}.{svc}.{namespace}.svc.{zone}, a name under "
        "this ExternalName; CoreDNS releases that answer it with the CNAME stop the search "
        f"there, so {example}.{svc} silently resolves to {service.external_name}.",
        f"rename Service {subject.path} (e.g. {svc}-external), or have clients "
        f"use the FQDN {example}.{svc}.svc.{zone}",
        evidence=(
            ("namespace", svc),
            ("first candidate", f"{example}.{svc}.{namespace}.svc.{zone}"),
        ),
    )
