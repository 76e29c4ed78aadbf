"""Turn diagnoses into a probe plan: plain, JSON-serialisable data (pure).

The plan says *what* to ask from inside the cluster, never how to judge the
answer; that is :mod:`kubectl_discover.explain`'s job. Every check carries a
stable ``key`` built by the functions below, and explain rebuilds the same keys
from the same expectations to join observations back to them. Keys therefore
depend only on the expectation, never on the order of checks or on the run.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.model import (
    Diagnosis,
    DnsExpectation,
    EndpointExpectation,
    NameForm,
    RouteExpectation,
)
from kubectl_discover.probe.dnspath import DnsPathPlan
from kubectl_discover.syntax import is_ip

PLAN_VERSION = 1

SHORT_FORMS = (NameForm.SAME_NAMESPACE, NameForm.OTHER_NAMESPACE, NameForm.SVC_SUFFIX)
"""Names a client types without the trailing dot: completed by its search path."""

ADDRESS_TYPES = ("A", "AAAA")

_HTTPS_PORTS = frozenset({443, 6443, 8443, 9443})
_HTTP_PORTS = frozenset({80, 3000, 5000, 8000, 8080, 8081, 8888, 9090})
_REGEX_META = re.compile(r"[()\[\]{}*+?|^$\\]")


@dataclass(frozen=True)
class DnsCheck:
    """Resolve ``name`` as a client in the probe pod would.

    A name without a trailing dot is walked through the pod's own search path
    (the program reads its resolv.conf), a trailing dot asks only the absolute
    name. ``libc`` also asks ``getaddrinfo`` (addresses only), ``follow_cname``
    resolves a CNAME target that the answer did not already carry.
    """

    key: str
    name: str
    qtypes: tuple[str, ...]
    libc: bool = False
    follow_cname: bool = True
    as_namespace: str = ""
    """Walk the search path of a pod in this namespace instead of the probe pod's own
    (its ``<ns>.svc.<zone>`` entry swapped): short names as *that* client types them."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "qtypes": list(self.qtypes),
            "libc": self.libc,
            "follow_cname": self.follow_cname,
        }
        if self.as_namespace:
            data["as_namespace"] = self.as_namespace
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsCheck:
        return cls(
            key=str(data["key"]),
            name=str(data["name"]),
            qtypes=tuple(str(q) for q in data.get("qtypes", ())),
            libc=bool(data.get("libc", False)),
            follow_cname=bool(data.get("follow_cname", True)),
            as_namespace=str(data.get("as_namespace") or ""),
        )


@dataclass(frozen=True)
class ConnectCheck:
    """Open a TCP connection and, for http/https, send one GET.

    ``host`` is what the pod dials (an IP, or a name resolved by libc in the
    pod). ``host_header`` and ``sni`` are sent as given; an empty ``sni`` on an
    https check means "send no SNI", which shows the certificate a client
    without SNI (or one dialling an IP) gets.
    """

    key: str
    host: str
    port: int
    scheme: str
    """tcp, http or https."""
    path: str = "/"
    host_header: str = ""
    sni: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "host": self.host,
            "port": self.port,
            "scheme": self.scheme,
            "path": self.path,
            "host_header": self.host_header,
            "sni": self.sni,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConnectCheck:
        return cls(
            key=str(data["key"]),
            host=str(data["host"]),
            port=int(data["port"]),
            scheme=str(data.get("scheme", "tcp")),
            path=str(data.get("path", "/")),
            host_header=str(data.get("host_header", "")),
            sni=str(data.get("sni", "")),
        )


@dataclass(frozen=True)
class SkippedCheck:
    """Something the plan could have probed but will not, and why (e.g. UDP)."""

    key: str
    subject: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "subject": self.subject, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SkippedCheck:
        return cls(key=str(data["key"]), subject=str(data["subject"]), reason=str(data["reason"]))


@dataclass(frozen=True)
class ProbePlan:
    """Everything the in-pod program does, deduplicated by key."""

    dns: tuple[DnsCheck, ...]
    connects: tuple[ConnectCheck, ...]
    skipped: tuple[SkippedCheck, ...] = ()
    budget_seconds: float = 20.0
    check_timeout: float = 3.0
    version: int = PLAN_VERSION
    dns_path: DnsPathPlan | None = None
    """Every hop of the DNS path asked directly (None: not asked, e.g. an old record)."""

    @property
    def empty(self) -> bool:
        return not self.dns and not self.connects

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (what the program reads)."""
        data: dict[str, Any] = {
            "version": self.version,
            "budget_seconds": self.budget_seconds,
            "check_timeout": self.check_timeout,
            "dns": [c.to_json() for c in self.dns],
            "connects": [c.to_json() for c in self.connects],
            "skipped": [s.to_json() for s in self.skipped],
        }
        if self.dns_path is not None:
            data["dns_path"] = self.dns_path.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProbePlan:
        return cls(
            dns=tuple(DnsCheck.from_json(c) for c in data.get("dns", ())),
            connects=tuple(ConnectCheck.from_json(c) for c in data.get("connects", ())),
            skipped=tuple(SkippedCheck.from_json(s) for s in data.get("skipped", ())),
            budget_seconds=float(data.get("budget_seconds", 20.0)),
            check_timeout=float(data.get("check_timeout", 3.0)),
            version=int(data.get("version", PLAN_VERSION)),
            dns_path=DnsPathPlan.from_json(data["dns_path"]) if data.get("dns_path") else None,
        )


# ---------------------------------------------------------------- keys


def dns_key(name: str, qtype: str, as_namespace: str = "") -> str:
    """Key of the DNS check for ``name``; A and AAAA share one check (one walk).
    A walk as a client of another namespace is a check of its own."""
    kind = "addr" if qtype.upper() in ADDRESS_TYPES else qtype.upper()
    suffix = f"@{as_namespace}" if as_namespace else ""
    return f"dns:{kind}:{name.lower()}{suffix}"


def walk_namespace(expectation: DnsExpectation) -> str:
    """The client namespace whose search path a short name is walked with ("" = the pod's)."""
    if expectation.query.endswith(".") or expectation.form not in SHORT_FORMS:
        return ""
    return expectation.client_namespace


def absolute(name: str) -> str:
    """``name`` with exactly one trailing dot: the form that skips the search path."""
    return name.rstrip(".") + "."


def hostport(host: str, port: int) -> str:
    """``host:port``, bracketing IPv6 literals."""
    try:
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
            return f"[{host}]:{port}"
    except ValueError:
        pass
    return f"{host}:{port}"


def connect_key(
    scheme: str, host: str, port: int, *, path: str = "", header: str = "", sni: str = ""
) -> str:
    """Stable key of one connection check; includes everything that changes the answer."""
    key = f"{scheme}:{hostport(host, port)}"
    if scheme != "tcp":
        key += path or "/"
    if header and header != host:
        key += f" host={header.lower()}"
    if scheme == "https":
        key += f" sni={sni.lower() or '-'}"
    return key


# ---------------------------------------------------------------- DNS


def dns_checks_for(expectation: DnsExpectation) -> tuple[DnsCheck, ...]:
    """The name as the client types it (through the search path) and its absolute FQDN.

    The first check is the one the expectation's row is judged by; the second
    shows whether the name itself exists when the search path is out of the way.
    """
    qtype = expectation.qtype.upper()
    checks = [_dns_check(expectation.query, qtype, walk_namespace(expectation))]
    if expectation.fqdn and absolute(expectation.fqdn) != expectation.query.lower():
        checks.append(_dns_check(absolute(expectation.fqdn), qtype, ""))
    return tuple(check for check in checks if check.name)


def _dns_check(name: str, qtype: str, as_namespace: str) -> DnsCheck:
    key = dns_key(name, qtype, as_namespace)
    if qtype in ADDRESS_TYPES:
        return DnsCheck(key, name, ADDRESS_TYPES, libc=True, as_namespace=as_namespace)
    return DnsCheck(key, name, (qtype,), as_namespace=as_namespace)


# ---------------------------------------------------------------- endpoints


def http_scheme(port: int, port_name: str = "") -> str | None:
    """Guess whether a port speaks HTTP(S) from its number or name; None means TCP only."""
    name = port_name.lower()
    if name.startswith(("https", "tls")) or port in _HTTPS_PORTS:
        return "https"
    if name.startswith(("http", "web")) or port in _HTTP_PORTS:
        return "http"
    return None


def endpoint_checks(
    endpoint: EndpointExpectation, *, service_fqdn: str = ""
) -> tuple[ConnectCheck | SkippedCheck, ...]:
    """The checks for one endpoint: a TCP connect, plus a GET when the port looks like HTTP.

    UDP and SCTP have no handshake a probe can observe without speaking the
    application protocol, so they are reported as skipped rather than guessed.
    For an ExternalName over HTTPS a second handshake sends the in-cluster
    name as SNI, which is what a client calling ``https://<svc>`` really sends.
    """
    subject = f"{hostport(endpoint.address, endpoint.port or 0)}/{endpoint.protocol}"
    if endpoint.port is None:
        reason = "no port to connect to"
        return (
            SkippedCheck(
                key=f"skip:{endpoint.kind}:{endpoint.address}", subject=subject, reason=reason
            ),
        )
    if endpoint.protocol.upper() != "TCP":
        return (
            SkippedCheck(
                key=f"skip:{endpoint.protocol.lower()}:{hostport(endpoint.address, endpoint.port)}",
                subject=subject,
                reason=(
                    f"{endpoint.protocol.upper()} is not checkable: there is no handshake to "
                    "observe without speaking the application's protocol"
                ),
            ),
        )
    host, port = endpoint.address, endpoint.port
    checks: list[ConnectCheck | SkippedCheck] = [
        ConnectCheck(key=connect_key("tcp", host, port), host=host, port=port, scheme="tcp")
    ]
    scheme = http_scheme(port, endpoint.port_name)
    if scheme is None:
        return tuple(checks)
    header = host if is_ip(host) else host.rstrip(".")
    sni = "" if is_ip(host) else header
    checks.append(_get(scheme, host, port, "/", header, sni))
    if scheme == "https" and endpoint.kind == "external-name" and service_fqdn:
        name = service_fqdn.rstrip(".")
        checks.append(_get(scheme, host, port, "/", name, name))
    return tuple(checks)


def _get(scheme: str, host: str, port: int, path: str, header: str, sni: str) -> ConnectCheck:
    return ConnectCheck(
        key=connect_key(
            scheme, host, port, path=path, header=header, sni=sni if scheme == "https" else ""
        ),
        host=host,
        port=port,
        scheme=scheme,
        path=path,
        host_header=header,
        sni=sni if scheme == "https" else "",
    )


# ---------------------------------------------------------------- routes


def probe_path(path: str) -> str:
    """A concrete request path for an Ingress path: regex paths cut at the first metachar."""
    if not path:
        return "/"
    match = _REGEX_META.search(path)
    literal = path[: match.start()] if match else path
    return literal if literal.startswith("/") else "/" + literal


def probe_host(host: str) -> str:
    """A concrete Host for a rule host; a wildcard gets one made-up leftmost label."""
    return "kubectl-discover-probe" + host[1:] if host.startswith("*.") else host


def route_checks(route: RouteExpectation) -> tuple[ConnectCheck | SkippedCheck, ...]:
    """Per controller address, a GET with Host and SNI set to the rule host.

    TLS routes also get a handshake without SNI on the same address, so the
    report can show the certificate a client dialling the IP would see.
    """
    subject = f"{route.host or '*'}{route.path or '/'}"
    if not route.addresses:
        return (
            SkippedCheck(
                key=f"skip:route:{route.ingress}:{subject}",
                subject=subject,
                reason=f"the {route.kind} has no status address to send the request to",
            ),
        )
    tls = route.tls != "none"
    scheme, port = ("https", 443) if tls else ("http", 80)
    port = route.port or port
    path = route.request_path or probe_path(route.path)
    checks: list[ConnectCheck | SkippedCheck] = []
    for address in route.addresses:
        header = probe_host(route.host) if route.host else address
        sni = probe_host(route.host) if tls and route.host else ""
        checks.append(_get(scheme, address, port, path, header, sni))
        if tls and sni:
            checks.append(_get(scheme, address, port, path, header, ""))
    return tuple(checks)


# ---------------------------------------------------------------- plan


def service_fqdn(diagnosis: Diagnosis) -> str:
    """The Service's own FQDN as the analysis predicted it, or "" when unknown."""
    prefix = f"{diagnosis.name}.{diagnosis.namespace}.svc.".lower()
    for expectation in diagnosis.dns:
        fqdn = expectation.fqdn.lower().rstrip(".")
        if fqdn.startswith(prefix):
            return fqdn
    return ""


def _all_checks(diagnosis: Diagnosis) -> Iterable[DnsCheck | ConnectCheck | SkippedCheck]:
    for expectation in diagnosis.dns:
        yield from dns_checks_for(expectation)
    fqdn = service_fqdn(diagnosis)
    for endpoint in diagnosis.endpoints:
        if not endpoint.address:
            continue  # offline prediction: the VIP is allocated on create, nothing to dial
        if endpoint.kind == "external-name" and endpoint.address and not is_ip(endpoint.address):
            yield _dns_check(absolute(endpoint.address), "A", "")
        yield from endpoint_checks(endpoint, service_fqdn=fqdn)
    for route in diagnosis.routes:
        yield from route_checks(route)


def build_plan(
    diagnoses: Sequence[Diagnosis],
    *,
    budget_seconds: float = 20.0,
    check_timeout: float = 3.0,
    dns_path: DnsPathPlan | None = None,
) -> ProbePlan:
    """All checks for ``diagnoses``, deduplicated by key in first-seen order."""
    if budget_seconds <= 0 or check_timeout <= 0:
        raise ValueError("budget_seconds and check_timeout must be positive")
    dns: dict[str, DnsCheck] = {}
    connects: dict[str, ConnectCheck] = {}
    skipped: dict[str, SkippedCheck] = {}
    for diagnosis in diagnoses:
        for check in _all_checks(diagnosis):
            if isinstance(check, DnsCheck):
                dns.setdefault(check.key, check)
            elif isinstance(check, ConnectCheck):
                connects.setdefault(check.key, check)
            else:
                skipped.setdefault(check.key, check)
    return ProbePlan(
        dns=tuple(dns.values()),
        connects=tuple(connects.values()),
        skipped=tuple(skipped.values()),
        budget_seconds=budget_seconds,
        check_timeout=min(check_timeout, budget_seconds),
        dns_path=dns_path,
    )
