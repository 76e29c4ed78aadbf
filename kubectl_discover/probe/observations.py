"""Frozen views of the probe program's JSON, so a recorded run replays offline.

:meth:`ProbeResult.from_json` accepts exactly what :mod:`.program` prints (and
tolerates missing keys, so older recordings still load). The only work done
here beyond copying is decoding the server certificate, which the program
ships as base64 DER because the pod has no X.509 parser.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_discover.probe.dnspath_result import DnsPathResult

FAKE_CERT_MARKERS = (
    "kubernetes ingress controller fake certificate",
    "traefik default cert",
    "ingress.local",
)
"""Subjects or SANs that controllers use for their built-in fallback certificate."""


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    rtype: str
    ttl: int
    data: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsAnswer:
        return cls(
            name=str(data.get("name", "")),
            rtype=str(data.get("type", "")),
            ttl=int(data.get("ttl", 0)),
            data=str(data.get("data", "")),
        )


@dataclass(frozen=True)
class DnsStep:
    """One question of the search walk: the candidate name, its rcode and answers."""

    name: str
    qtype: str
    rcode: str | None
    answers: tuple[DnsAnswer, ...]
    time_ms: float
    error: str | None = None
    negative_ttl: int | None = None
    server: str = ""

    @property
    def positive(self) -> bool:
        return self.rcode == "NOERROR" and any(a.rtype == self.qtype for a in self.answers)

    @property
    def outcome(self) -> str:
        """NOERROR with data, NODATA, NXDOMAIN, SERVFAIL... or the transport error."""
        if self.error:
            return self.error
        if self.rcode == "NOERROR" and not self.positive:
            return "NODATA"
        return self.rcode or "no answer"

    def values(self) -> tuple[str, ...]:
        return tuple(a.data for a in self.answers if a.rtype == self.qtype)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsStep:
        ttl = data.get("negative_ttl")
        return cls(
            name=str(data.get("name", "")),
            qtype=str(data.get("qtype", "")),
            rcode=None if data.get("rcode") is None else str(data["rcode"]),
            answers=tuple(DnsAnswer.from_json(a) for a in data.get("answers") or ()),
            time_ms=float(data.get("time_ms") or 0.0),
            error=data.get("error") or None,
            negative_ttl=None if ttl is None else int(ttl),
            server=str(data.get("server", "")),
        )


@dataclass(frozen=True)
class LibcAnswer:
    """What ``getaddrinfo`` returned in the pod."""

    addresses: tuple[str, ...]
    error: str | None
    time_ms: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LibcAnswer:
        return cls(
            addresses=tuple(str(a) for a in data.get("addresses") or ()),
            error=data.get("error") or None,
            time_ms=float(data.get("time_ms") or 0.0),
        )


@dataclass(frozen=True)
class DnsObservation:
    """One DNS check: every step of the search walk, the CNAME chase, and libc."""

    key: str
    name: str
    qtypes: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    steps: tuple[DnsStep, ...] = ()
    answered_by: str | None = None
    chain: tuple[DnsStep, ...] = ()
    libc: LibcAnswer | None = None
    error: str | None = None
    incomplete: bool = False
    as_namespace: str = ""
    """Non-empty when the walk used the search path of a pod in that namespace."""

    @property
    def queries(self) -> int:
        return len(self.steps)

    @property
    def negative_queries(self) -> int:
        return sum(1 for s in self.steps if not s.positive)

    def final_steps(self) -> tuple[DnsStep, ...]:
        """The steps for the candidate that answered (or the last one tried)."""
        if not self.steps:
            return ()
        name = self.answered_by or self.steps[-1].name
        return tuple(s for s in self.steps if s.name == name)

    def values(self, qtype: str) -> tuple[str, ...]:
        """Answer data of ``qtype`` from the answering candidate, then from the chase."""
        found: list[str] = []
        for step in (*self.final_steps(), *self.chain):
            for answer in step.answers:
                if answer.rtype == qtype and answer.data not in found:
                    found.append(answer.data)
        return tuple(found)

    def musl_stop(self) -> str | None:
        """The candidate where musl would stop: the first answer that is not NXDOMAIN.

        glibc searches on past NODATA and SERVFAIL; musl does not (commonly hit with Alpine
        images).
        """
        names = dict.fromkeys(s.name for s in self.steps)
        for name in names:
            steps = [s for s in self.steps if s.name == name]
            if any(s.rcode != "NXDOMAIN" for s in steps):
                return name
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsObservation:
        libc = data.get("libc")
        return cls(
            key=str(data.get("key", "")),
            name=str(data.get("name", "")),
            qtypes=tuple(str(q) for q in data.get("qtypes") or ()),
            candidates=tuple(str(c) for c in data.get("candidates") or ()),
            steps=tuple(DnsStep.from_json(s) for s in data.get("steps") or ()),
            answered_by=data.get("answered_by") or None,
            chain=tuple(DnsStep.from_json(s) for s in data.get("chain") or ()),
            libc=None if not libc else LibcAnswer.from_json(libc),
            error=data.get("error") or None,
            incomplete=bool(data.get("incomplete", False)),
            as_namespace=str(data.get("as_namespace") or ""),
        )


@dataclass(frozen=True)
class CertInfo:
    """The server certificate presented in a handshake, decoded on the plugin side."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_after: str
    """ISO 8601, UTC."""
    fingerprint_sha256: str
    fake: bool
    """It looks like a controller's built-in fallback certificate."""
    expired: bool = False
    error: str | None = None

    def covers(self, host: str) -> bool:
        """Whether a SAN matches ``host`` (one-label wildcards, case-insensitive)."""
        host = host.lower().rstrip(".")
        for san in self.sans:
            san = san.lower()
            if san == host:
                return True
            if san.startswith("*.") and "." in host and host.split(".", 1)[1] == san[2:]:
                return True
        return False


def decode_certificate(der_b64: str, *, now: datetime.datetime | None = None) -> CertInfo:
    """Subject, SANs and expiry from base64 DER; an unparsable cert is reported, not raised."""
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    der = base64.b64decode(der_b64)
    digest = hashlib.sha256(der).hexdigest()
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return CertInfo("", "", (), "", digest, False, error=f"unparsable certificate: {exc}")
    sans: list[str] = []
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        names: Any = ext.value
        sans.extend(str(n) for n in names.get_values_for_type(x509.DNSName))
        sans.extend(str(n) for n in names.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    subject = cert.subject.rfc4514_string()
    not_after = cert.not_valid_after_utc
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    text = " ".join([subject.lower(), *(s.lower() for s in sans)])
    return CertInfo(
        subject=subject,
        issuer=cert.issuer.rfc4514_string(),
        sans=tuple(sans),
        not_after=not_after.isoformat(),
        fingerprint_sha256=digest,
        fake=any(marker in text for marker in FAKE_CERT_MARKERS),
        expired=not_after < moment,
    )


@dataclass(frozen=True)
class TlsInfo:
    sni: str | None
    version: str | None
    cert: CertInfo | None
    handshake_ms: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TlsInfo:
        der = data.get("cert_der_b64")
        return cls(
            sni=data.get("sni") or None,
            version=data.get("version"),
            cert=decode_certificate(str(der)) if der else None,
            handshake_ms=float(data.get("handshake_ms") or 0.0),
        )


@dataclass(frozen=True)
class HttpInfo:
    status: int | None
    status_line: str
    host_header: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body_snippet: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HttpInfo:
        status = data.get("status")
        return cls(
            status=None if status is None else int(status),
            status_line=str(data.get("status_line", "")),
            host_header=str(data.get("host_header", "")),
            path=str(data.get("path", "/")),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
            body_snippet=data.get("body_snippet") or None,
        )


@dataclass(frozen=True)
class ConnectObservation:
    """One connection check: TCP connect, then TLS and HTTP when asked."""

    key: str
    host: str = ""
    port: int = 0
    scheme: str = "tcp"
    connect_ms: float | None = None
    error: str | None = None
    error_stage: str | None = None
    tls: TlsInfo | None = None
    http: HttpInfo | None = None
    incomplete: bool = False

    @property
    def connected(self) -> bool:
        return self.connect_ms is not None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConnectObservation:
        tls, http = data.get("tls"), data.get("http")
        connect_ms = data.get("connect_ms")
        return cls(
            key=str(data.get("key", "")),
            host=str(data.get("host", "")),
            port=int(data.get("port") or 0),
            scheme=str(data.get("scheme", "tcp")),
            connect_ms=None if connect_ms is None else float(connect_ms),
            error=data.get("error") or None,
            error_stage=data.get("error_stage") or None,
            tls=TlsInfo.from_json(tls) if tls else None,
            http=HttpInfo.from_json(http) if http else None,
            incomplete=bool(data.get("incomplete", False)),
        )


@dataclass(frozen=True)
class ResolverInfo:
    """The probe pod's /etc/resolv.conf as the program read it."""

    nameservers: tuple[str, ...]
    search: tuple[str, ...]
    ndots: int
    options: Mapping[str, str] = field(default_factory=dict)
    path: str = "/etc/resolv.conf"
    error: str | None = None

    @property
    def cluster_domain(self) -> str | None:
        """The zone kubelet wrote: search is ``<ns>.svc.<d> svc.<d> <d>`` for ClusterFirst."""
        for index, entry in enumerate(self.search):
            domain = entry.strip(".").lower()
            if domain.startswith("svc.") and index > 0:
                return domain[len("svc.") :]
        for entry in self.search:
            labels = entry.strip(".").lower().split(".")
            if len(labels) >= 3 and labels[1] == "svc":
                return ".".join(labels[2:])
        return None

    @property
    def namespace(self) -> str | None:
        """The pod's namespace, from the first ``<ns>.svc.<d>`` search entry."""
        for entry in self.search:
            labels = entry.strip(".").lower().split(".")
            if len(labels) >= 3 and labels[1] == "svc":
                return labels[0]
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResolverInfo:
        return cls(
            nameservers=tuple(str(n) for n in data.get("nameservers") or ()),
            search=tuple(str(s) for s in data.get("search") or ()),
            ndots=int(data.get("ndots", 1)),
            options={str(k): str(v) for k, v in (data.get("options") or {}).items()},
            path=str(data.get("path", "/etc/resolv.conf")),
            error=data.get("error") or None,
        )


@dataclass(frozen=True)
class SkippedObservation:
    key: str
    subject: str
    reason: str


@dataclass(frozen=True)
class ProbeResult:
    """One run of the probe program, as plain frozen values."""

    resolver: ResolverInfo
    dns: tuple[DnsObservation, ...] = ()
    connects: tuple[ConnectObservation, ...] = ()
    skipped: tuple[SkippedObservation, ...] = ()
    python: str = ""
    dns_library: str = ""
    hostname: str = ""
    started: str = ""
    duration_ms: float = 0.0
    budget_exhausted: bool = False
    pod: str = ""
    """namespace/name of the probe pod (filled in by the caller, not the program)."""
    stderr: str = ""
    dns_path: DnsPathResult | None = None
    """Every hop of the DNS path asked directly (None: not asked)."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def dns_for(self, key: str) -> DnsObservation | None:
        return next((d for d in self.dns if d.key == key), None)

    def connect_for(self, key: str) -> ConnectObservation | None:
        return next((c for c in self.connects if c.key == key), None)

    def skipped_for(self, key: str) -> SkippedObservation | None:
        return next((s for s in self.skipped if s.key == key), None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, pod: str = "", stderr: str = "") -> ProbeResult:
        skipped: Sequence[Mapping[str, Any]] = data.get("skipped") or ()
        return cls(
            resolver=ResolverInfo.from_json(data.get("resolver") or {}),
            dns=tuple(DnsObservation.from_json(d) for d in data.get("dns") or ()),
            connects=tuple(ConnectObservation.from_json(c) for c in data.get("connects") or ()),
            skipped=tuple(
                SkippedObservation(str(s.get("key")), str(s.get("subject")), str(s.get("reason")))
                for s in skipped
            ),
            python=str(data.get("python", "")),
            dns_library=str(data.get("dns_library", "")),
            hostname=str(data.get("hostname", "")),
            started=str(data.get("started", "")),
            duration_ms=float(data.get("duration_ms") or 0.0),
            budget_exhausted=bool(data.get("budget_exhausted", False)),
            pod=pod,
            stderr=stderr,
            dns_path=DnsPathResult.from_json(data["dns_path"]) if data.get("dns_path") else None,
            raw=data,
        )
