"""The TLS half of an Ingress: Secrets, certificates, hosts (Ingress spec.tls and the
controllers' certificate selection).

When anything here is wrong, ingress-nginx does not fail loudly: it serves its
"Kubernetes Ingress Controller Fake Certificate" for the host and logs a warning, so
users see a browser error with no hint of the cause. Each ``spec.tls[]`` entry is
followed to its Secret (same namespace only), the certificate is parsed (the first
PEM block, the leaf), checked against every host of the entry by SAN, checked for its
validity window against ``now``, and its public key compared with ``tls.key``'s.

The private key is decoded only to compare public keys and never leaves
:func:`key_matches`: no finding, evidence or return value carries key material.
Pure: the reference time comes in as a parameter.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from kubectl_discover.analyze.index import Index
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of, namespace_of

TLS_SECRET_TYPE = "kubernetes.io/tls"
EXPIRY_WARNING = timedelta(days=14)

# ---------------------------------------------------------------- catalogue

TLS_SKIPPED = Check(
    "ingress-tls-skipped",
    Severity.INFO,
    "TLS Secret checks skipped",
    "The Secrets an Ingress references could not be read (RBAC), so the certificate, its "
    "hosts and its expiry are unchecked.",
    "Grant 'get' on the referenced Secrets (or 'list' on secrets in the namespace).",
    area="ingress",
)
TLS_SECRET_MISSING = Check(
    "ingress-tls-secret-missing",
    Severity.FAIL,
    "TLS Secret not found in the Ingress namespace",
    "spec.tls[].secretName is looked up in the Ingress's own namespace only; when it is "
    "missing, ingress-nginx serves its self-signed 'Fake Certificate' for the hosts.",
    "Create a kubernetes.io/tls Secret with that name in the Ingress's namespace "
    "(kubectl create secret tls NAME --cert=... --key=... -n NAMESPACE).",
    area="ingress",
)
TLS_SECRET_INVALID = Check(
    "ingress-tls-secret-invalid",
    Severity.FAIL,
    "TLS Secret has the wrong type or lacks tls.crt/tls.key",
    "A TLS Secret must be of type kubernetes.io/tls with base64 tls.crt and tls.key in "
    "data; controllers cannot use it otherwise and fall back to a default certificate.",
    "Recreate it with kubectl create secret tls NAME --cert=cert.pem --key=key.pem.",
    area="ingress",
)
TLS_CERT_INVALID = Check(
    "ingress-tls-cert-invalid",
    Severity.FAIL,
    "tls.crt is not a readable PEM certificate",
    "The controller cannot parse the certificate and serves its default one instead.",
    "Put the PEM certificate chain (leaf first) in tls.crt.",
    area="ingress",
)
TLS_KEY_MISMATCH = Check(
    "ingress-tls-key-mismatch",
    Severity.FAIL,
    "tls.key does not belong to the certificate",
    "The TLS handshake needs the private key of the certificate's public key; a key from "
    "another certificate (or an unreadable or encrypted key) makes the controller reject "
    "the pair and serve its default certificate.",
    "Put the unencrypted PEM private key that matches tls.crt in tls.key.",
    area="ingress",
)
TLS_HOST_NOT_COVERED = Check(
    "ingress-tls-host-not-covered",
    Severity.FAIL,
    "Certificate does not cover a TLS host",
    "Clients check the host against the certificate's subjectAltName DNS names (a wildcard "
    "covers exactly one label; the CN is ignored when SANs are present, and by modern "
    "clients and ingress-nginx's Go check altogether); ingress-nginx serves its default "
    "certificate for a host the certificate does not cover.",
    "Issue a certificate whose SANs include the host, or remove the host from spec.tls[].hosts.",
    area="ingress",
)
TLS_EXPIRED = Check(
    "ingress-tls-expired",
    Severity.FAIL,
    "Certificate has expired",
    "Clients reject a certificate after its notAfter time.",
    "Renew the certificate and update the Secret (check cert-manager if it manages it).",
    area="ingress",
)
TLS_NOT_YET_VALID = Check(
    "ingress-tls-not-yet-valid",
    Severity.FAIL,
    "Certificate is not valid yet",
    "Clients reject a certificate before its notBefore time (often a clock or issuing error).",
    "Check the issuer's and the nodes' clocks, or reissue the certificate.",
    area="ingress",
)
TLS_EXPIRING = Check(
    "ingress-tls-expiring",
    Severity.WARN,
    "Certificate expires within 14 days",
    "The certificate is still valid but will soon be rejected by clients.",
    "Renew the certificate now (check cert-manager's Certificate status if it manages it).",
    area="ingress",
)
TLS_HOST_WITHOUT_RULE = Check(
    "ingress-tls-host-without-rule",
    Severity.WARN,
    "TLS host with no matching rule host",
    "A certificate is served per rule host (by SNI); a spec.tls[].hosts entry that no "
    "spec.rules[].host matches gets no server of its own, so clients of that name receive "
    "the catch-all server and its default certificate.",
    "Add a rule for the host, or correct the spelling in spec.tls[].hosts.",
    area="ingress",
)
TLS_RULE_WITHOUT_TLS = Check(
    "ingress-tls-rule-without-tls",
    Severity.INFO,
    "Rule host not listed in any TLS entry",
    "The Ingress terminates TLS for some hosts but not this one; HTTPS clients of this host "
    "get the controller's default certificate unless one of the Ingress's certificates "
    "happens to cover it (ingress-nginx then uses it).",
    "Add the host to spec.tls[].hosts with a Secret whose certificate covers it.",
    area="ingress",
)
TLS_DEFAULT_CERTIFICATE = Check(
    "ingress-tls-default-certificate",
    Severity.INFO,
    "TLS entry without secretName uses the controller's default certificate",
    "An empty secretName asks the controller for its default certificate: ingress-nginx's "
    "self-signed Fake Certificate unless it runs with --default-ssl-certificate.",
    "Set spec.tls[].secretName, or configure the controller's default certificate.",
    area="ingress",
)

CHECKS = (
    TLS_SKIPPED,
    TLS_SECRET_MISSING,
    TLS_SECRET_INVALID,
    TLS_CERT_INVALID,
    TLS_KEY_MISMATCH,
    TLS_HOST_NOT_COVERED,
    TLS_EXPIRED,
    TLS_NOT_YET_VALID,
    TLS_EXPIRING,
    TLS_HOST_WITHOUT_RULE,
    TLS_RULE_WITHOUT_TLS,
    TLS_DEFAULT_CERTIFICATE,
)


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateInfo:
    """The public facts of a leaf certificate (never anything secret)."""

    subject: str
    common_name: str
    dns_names: tuple[str, ...]
    issuer: str
    not_before: datetime
    not_after: datetime
    chain_length: int = 1


def parse_certificate(pem: bytes) -> CertificateInfo:
    """Parse the first certificate of a PEM chain; ValueError when there is none."""
    try:
        chain = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise ValueError(f"no PEM certificate could be read ({error})") from None
    leaf = chain[0]
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        dns_names = tuple(str(n) for n in san.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    cns = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return CertificateInfo(
        subject=leaf.subject.rfc4514_string(),
        common_name=str(cns[0].value) if cns else "",
        dns_names=dns_names,
        issuer=leaf.issuer.rfc4514_string(),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        chain_length=len(chain),
    )


def key_matches(cert_pem: bytes, key_pem: bytes) -> bool:
    """Whether the private key belongs to the first certificate of the chain.

    Compares the DER SubjectPublicKeyInfo of both. Raises ValueError when the key is
    not an unencrypted PEM private key. Nothing about the key is returned.
    """
    leaf = x509.load_pem_x509_certificates(cert_pem)[0]
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise ValueError("tls.key is not an unencrypted PEM private key") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return bool(
        private.public_key().public_bytes(der, spki) == leaf.public_key().public_bytes(der, spki)
    )


def name_covers(pattern: str, host: str) -> bool:
    """Whether a certificate name (or a TLS/rule host pattern) covers ``host``.

    Case-insensitive. ``*.foo.com`` covers exactly one extra leftmost label
    (``a.foo.com``, not ``foo.com`` nor ``a.b.foo.com``). A wildcard host is covered
    only by the same wildcard.
    """
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if pattern == host:
        return True
    if not pattern.startswith("*.") or host.startswith("*."):
        return False
    label, dot, rest = host.partition(".")
    return bool(label) and bool(dot) and rest == pattern[2:]


def certificate_covers(cert: CertificateInfo, host: str) -> bool:
    """Whether clients accept ``cert`` for ``host``: by SAN DNS names only.

    RFC 6125 let a certificate without SANs name its host in the CN, but Go's
    ``VerifyHostname`` (which ingress-nginx uses to pick a certificate) and browsers
    no longer honour that, so the CN never counts here; the caller says so.
    """
    return any(name_covers(name, host) for name in cert.dns_names)


# ---------------------------------------------------------------- secrets


def _secret_bytes(secret: Obj, key: str) -> bytes | None:
    """A data value decoded from base64 (or a stringData value, as written in files)."""
    data = secret.get("data") or {}
    if key in data:
        try:
            return base64.b64decode(str(data[key]), validate=True)
        except (binascii.Error, ValueError):
            return None
    string_data = secret.get("stringData") or {}
    if key in string_data:
        return str(string_data[key]).encode()
    return None


def _has_key(secret: Obj, key: str) -> bool:
    return key in (secret.get("data") or {}) or key in (secret.get("stringData") or {})


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class TlsEntry:
    """One ``spec.tls[]`` entry and what became of it.

    ``status`` is "ok", or a short problem ("secret missing", "expired", "skipped",
    "default cert", ...); ``host_status`` overrides it for single hosts
    ("SAN mismatch").
    """

    index: int
    secret_name: str
    hosts: tuple[str, ...]
    status: str
    certificate: CertificateInfo | None = None
    host_status: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    """The findings about this entry (Secret, certificate, key, validity, hosts)."""

    def status_for(self, host: str) -> str:
        return self.host_status.get(host.lower(), self.status)

    def findings_for(self, host: str) -> tuple[Finding, ...]:
        """This entry's findings that concern ``host``: all but other hosts' SAN misses."""
        return tuple(
            f for f in self.findings if dict(f.evidence).get("host", host).lower() == host.lower()
        )


@dataclass(frozen=True)
class TlsReport:
    """Every TLS entry of one Ingress, the findings, and per-host TLS status."""

    entries: tuple[TlsEntry, ...]
    findings: tuple[Finding, ...]

    def entry_for(self, host: str) -> TlsEntry | None:
        """The entry whose certificate serves a rule host, as ingress-nginx picks it.

        First the entry listing the host; otherwise (ingress-nginx's fallback) an
        entry whose certificate covers it; otherwise None (plain HTTP; HTTPS gets
        the controller's default certificate).
        """
        if not host:
            return None
        for entry in self.entries:
            if host.lower() in (h.lower() for h in entry.hosts):
                return entry
        for entry in self.entries:
            if any(name_covers(h, host) for h in entry.hosts):
                return entry
        for entry in self.entries:
            if entry.certificate is not None and certificate_covers(entry.certificate, host):
                return entry
        return None

    def status_for(self, host: str) -> str:
        """ "ok", "none", or the short problem of the entry serving ``host``."""
        entry = self.entry_for(host)
        return "none" if entry is None else entry.status_for(host)

    def findings_for(self, host: str) -> tuple[Finding, ...]:
        entry = self.entry_for(host)
        return () if entry is None else entry.findings_for(host)


def check_tls(index: Index, ingress: Obj, *, now: datetime) -> TlsReport:
    """Check every ``spec.tls[]`` entry of ``ingress`` at time ``now`` (naive means UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    default_ns = index.snapshot.default_namespace
    namespace = namespace_of(ingress, default_ns)
    subject = ObjectRef("Ingress", namespace, name_of(ingress))
    spec = ingress.get("spec") or {}
    rule_hosts = tuple(
        str(rule.get("host") or "") for rule in spec.get("rules") or () if rule.get("host")
    )
    entries: list[TlsEntry] = []
    findings: list[Finding] = []
    for i, raw in enumerate(spec.get("tls") or ()):
        entry, entry_findings = _check_entry(
            index, namespace, subject, i, raw, now, f"spec.tls[{i}]"
        )
        entries.append(dataclasses.replace(entry, findings=tuple(entry_findings)))
        findings.extend(entry_findings)
    findings.extend(_host_pairing(subject, entries, rule_hosts))
    return TlsReport(tuple(entries), tuple(findings))


def check_certificate(
    index: Index,
    subject: ObjectRef,
    where: str,
    namespace: str,
    secret_name: str,
    hosts: Sequence[str],
    *,
    now: datetime,
) -> tuple[str, tuple[Finding, ...]]:
    """The certificate checks of one TLS Secret outside an Ingress (a Gateway listener's
    certificateRef, named by ``where``): type, certificate, key, validity, every host
    covered. Returns the short status ("ok", "expired", "SAN mismatch", ...) and findings."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    raw = {"secretName": secret_name, "hosts": list(hosts)}
    entry, found = _check_entry(index, namespace, subject, 0, raw, now, where)
    status = entry.status
    if status == "ok" and entry.host_status:
        status = next(iter(entry.host_status.values()))
    return status, tuple(found)


def _check_entry(
    index: Index,
    namespace: str,
    subject: ObjectRef,
    i: int,
    raw: Obj,
    now: datetime,
    where: str,
) -> tuple[TlsEntry, list[Finding]]:
    secret_name = str(raw.get("secretName") or "")
    hosts = tuple(str(h) for h in raw.get("hosts") or ())
    ev = [("secretName", secret_name), ("hosts", ", ".join(hosts))]

    def entry(
        status: str,
        certificate: CertificateInfo | None = None,
        host_status: Mapping[str, str] | None = None,
    ) -> TlsEntry:
        return TlsEntry(i, secret_name, hosts, status, certificate, dict(host_status or {}))

    if not secret_name:
        return entry("default cert"), [
            TLS_DEFAULT_CERTIFICATE(
                subject,
                f"{where} of {subject} has no secretName, so hosts {', '.join(hosts) or '(all)'} "
                "get the controller's default certificate (ingress-nginx: its self-signed Fake "
                "Certificate unless --default-ssl-certificate is set).",
                f"Set {where}.secretName on {subject} to a kubernetes.io/tls Secret in "
                f"namespace {namespace}.",
                evidence=ev,
            )
        ]
    gap = index.snapshot.unavailable_for("secrets")
    if gap is not None:
        return entry("skipped"), [
            TLS_SKIPPED(
                subject,
                f"TLS checks for Secret {namespace}/{secret_name} skipped: {gap.describe()}.",
                f"Grant '{gap.verb}' on secrets in namespace {namespace} (only the Secrets "
                "Ingresses reference are read).",
                evidence=[*ev, ("verb", gap.verb), ("resource", gap.resource)],
            )
        ]
    secret = index.secrets.get((namespace, secret_name))
    if secret is None:
        return entry("secret missing"), [_missing(index, namespace, subject, where, secret_name)]

    problems = _secret_problems(secret)
    if problems:
        keys_ok = _has_key(secret, "tls.crt") and _has_key(secret, "tls.key")
        only_type = keys_ok and problems == ["type"]
        secret_type = str(secret.get("type") or "Opaque")
        finding = TLS_SECRET_INVALID(
            subject,
            f"Secret {namespace}/{secret_name} is of type {secret_type}"
            + (
                " with tls.crt and tls.key: ingress-nginx reads it anyway, but other "
                "controllers and tooling expect type kubernetes.io/tls."
                if only_type
                else f" and {_describe_problems(problems)}, so the controller cannot use it "
                "and serves its default certificate."
            ),
            f"Recreate Secret {namespace}/{secret_name}: kubectl create secret tls "
            f"{secret_name} --cert=cert.pem --key=key.pem -n {namespace}.",
            severity=Severity.WARN if only_type else Severity.FAIL,
            evidence=[*ev, ("type", secret_type)],
        )
        if not only_type:
            return entry("secret invalid"), [finding]
        entry_findings: list[Finding] = [finding]
    else:
        entry_findings = []

    cert_pem = _secret_bytes(secret, "tls.crt") or b""
    try:
        cert = parse_certificate(cert_pem)
    except ValueError as error:
        return entry("bad certificate"), [
            *entry_findings,
            TLS_CERT_INVALID(
                subject,
                f"tls.crt of Secret {namespace}/{secret_name} cannot be parsed ({error}), so "
                f"the controller serves its default certificate for {', '.join(hosts) or 'it'}.",
                f"Put the PEM certificate chain, leaf first, in data['tls.crt'] of Secret "
                f"{namespace}/{secret_name}.",
                evidence=ev,
            ),
        ]
    ev += [
        ("subject", cert.subject),
        ("dnsNames", ", ".join(cert.dns_names)),
        ("issuer", cert.issuer),
        ("notBefore", cert.not_before.isoformat()),
        ("notAfter", cert.not_after.isoformat()),
    ]
    status = "ok"
    key_finding = _key_finding(secret, cert_pem, namespace, secret_name, subject, ev)
    if key_finding is not None:
        entry_findings.append(key_finding)
        status = "key mismatch"
    time_finding, time_status = _validity(cert, now, namespace, secret_name, subject, ev)
    if time_finding is not None:
        entry_findings.append(time_finding)
        status = status if status != "ok" else time_status
    host_status: dict[str, str] = {}
    for host in hosts:
        if certificate_covers(cert, host):
            continue
        host_status[host.lower()] = "SAN mismatch"
        entry_findings.append(_not_covered(cert, host, namespace, secret_name, subject, ev))
    return entry(status, certificate=cert, host_status=host_status), entry_findings


def _secret_problems(secret: Obj) -> list[str]:
    problems = []
    if str(secret.get("type") or "Opaque") != TLS_SECRET_TYPE:
        problems.append("type")
    for key in ("tls.crt", "tls.key"):
        if not _has_key(secret, key):
            problems.append(f"no {key}")
        elif _secret_bytes(secret, key) is None:
            problems.append(f"{key} is not valid base64")
    return problems


def _describe_problems(problems: list[str]) -> str:
    return ", ".join(p for p in problems if p != "type") or "is unusable"


def _missing(index: Index, namespace: str, subject: ObjectRef, where: str, name: str) -> Finding:
    elsewhere = sorted(ns for (ns, n) in index.secrets if n == name and ns != namespace)
    also = (
        f"; a Secret of that name exists in {', '.join(elsewhere)}, but Ingresses read "
        "Secrets only from their own namespace"
        if elsewhere
        else ""
    )
    live = index.snapshot.live
    if live:
        message = (
            f"{where} of {subject} names Secret {namespace}/{name}, which does not exist, so "
            f"ingress-nginx serves its Fake Certificate{also}."
        )
    else:
        message = (
            f"{where} of {subject} names Secret {namespace}/{name}, which is not among the "
            f"files read; it must exist in namespace {namespace} when applied{also}."
        )
    return TLS_SECRET_MISSING(
        subject,
        message,
        f"Create Secret {name} of type kubernetes.io/tls in namespace {namespace} "
        f"(kubectl create secret tls {name} --cert=cert.pem --key=key.pem -n {namespace}).",
        severity=Severity.FAIL if live else Severity.WARN,
        evidence=[("secret", f"{namespace}/{name}"), ("foundIn", ", ".join(elsewhere))],
    )


def _key_finding(
    secret: Obj,
    cert_pem: bytes,
    namespace: str,
    secret_name: str,
    subject: ObjectRef,
    ev: list[tuple[str, str]],
) -> Finding | None:
    key_pem = _secret_bytes(secret, "tls.key")
    if key_pem is None:
        return None
    try:
        if key_matches(cert_pem, key_pem):
            return None
        why = "belongs to a different certificate"
    except ValueError:
        why = "is not an unencrypted PEM private key"
    return TLS_KEY_MISMATCH(
        subject,
        f"tls.key of Secret {namespace}/{secret_name} {why}, so the controller rejects the "
        "pair and serves its default certificate.",
        f"Put the private key matching tls.crt (subject {_evidence_value(ev, 'subject')}) in "
        f"data['tls.key'] of Secret {namespace}/{secret_name}.",
        evidence=ev,
    )


def _evidence_value(evidence: list[tuple[str, str]], key: str) -> str:
    return next((v for k, v in evidence if k == key), "")


def _validity(
    cert: CertificateInfo,
    now: datetime,
    namespace: str,
    secret_name: str,
    subject: ObjectRef,
    ev: list[tuple[str, str]],
) -> tuple[Finding | None, str]:
    where = f"The certificate in Secret {namespace}/{secret_name}"
    renew = f"Renew the certificate in Secret {namespace}/{secret_name}"
    if now >= cert.not_after:
        return TLS_EXPIRED(
            subject,
            f"{where} expired at {cert.not_after.isoformat()}, so clients reject it.",
            f"{renew} (notAfter {cert.not_after.isoformat()}).",
            evidence=ev,
        ), "expired"
    if now < cert.not_before:
        return TLS_NOT_YET_VALID(
            subject,
            f"{where} is valid only from {cert.not_before.isoformat()}, so clients reject it "
            "until then.",
            f"Reissue it with a notBefore in the past, or check the issuer's clock "
            f"(Secret {namespace}/{secret_name}).",
            evidence=ev,
        ), "not yet valid"
    left = cert.not_after - now
    if left <= EXPIRY_WARNING:
        return TLS_EXPIRING(
            subject,
            f"{where} expires in {left.days} days ({cert.not_after.isoformat()}).",
            f"{renew} before {cert.not_after.date().isoformat()}.",
            evidence=ev,
        ), "expires soon"
    return None, "ok"


def _not_covered(
    cert: CertificateInfo,
    host: str,
    namespace: str,
    secret_name: str,
    subject: ObjectRef,
    ev: list[tuple[str, str]],
) -> Finding:
    if not cert.dns_names and cert.common_name and name_covers(cert.common_name, host):
        why = (
            f"has no subjectAltName and names {host} only in its CN, which modern clients "
            "and ingress-nginx's Go hostname check ignore"
        )
    else:
        names = ", ".join(cert.dns_names) or "none"
        why = f"has SANs {names}, none of which covers {host}"
        if cert.dns_names and cert.common_name and name_covers(cert.common_name, host):
            why += " (the CN does, but the CN is ignored when SANs are present)"
    return TLS_HOST_NOT_COVERED(
        subject,
        f"The certificate in Secret {namespace}/{secret_name} {why}, so {host} gets the "
        "controller's default certificate or a name-mismatch error.",
        f"Reissue the certificate with DNS SAN {host}, or remove {host} from spec.tls[].hosts "
        f"of {subject}.",
        evidence=[*ev, ("host", host)],
    )


def _host_pairing(
    subject: ObjectRef, entries: list[TlsEntry], rule_hosts: tuple[str, ...]
) -> list[Finding]:
    findings: list[Finding] = []
    listed: set[str] = set()
    for entry in entries:
        for host in entry.hosts:
            listed.add(host.lower())
            # A wildcard TLS host serves the rule hosts it covers.
            if not any(name_covers(host, rule) for rule in rule_hosts):
                findings.append(
                    TLS_HOST_WITHOUT_RULE(
                        subject,
                        f"spec.tls[{entry.index}] of {subject} lists {host}, but no rule has "
                        f"host {host}, so that certificate is never selected for it"
                        f" (rule hosts: {', '.join(rule_hosts) or 'none'}).",
                        f"Add a spec.rules[] entry with host: {host}, or fix the host in "
                        f"spec.tls[{entry.index}].hosts.",
                        evidence=[("host", host), ("ruleHosts", ", ".join(rule_hosts))],
                    )
                )
    if not entries:
        return findings
    for host in dict.fromkeys(rule_hosts):
        if any(name_covers(t, host) for t in listed):
            continue
        covering = [
            e.secret_name
            for e in entries
            if e.certificate is not None and certificate_covers(e.certificate, host)
        ]
        also = (
            f"; ingress-nginx still uses {covering[0]} because its certificate covers it"
            if covering
            else ", so HTTPS clients get the controller's default certificate"
        )
        findings.append(
            TLS_RULE_WITHOUT_TLS(
                subject,
                f"Rule host {host} of {subject} is in no spec.tls[].hosts{also}.",
                f"Add {host} to spec.tls[].hosts of {subject} with a Secret covering it.",
                evidence=[("host", host)],
            )
        )
    return findings
