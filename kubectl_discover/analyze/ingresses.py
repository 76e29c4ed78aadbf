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

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubectl_discover.analyze.backends import (
    is_candidate,
    name_pods,
    pod_count,
    resolve_target_port,
    selected_pods,
)
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingressclasses import ClassResolution, resolve_class
from kubectl_discover.analyze.model import ChainLink, Diagnosis, RouteExpectation
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.tls import TlsReport, check_tls
from kubectl_discover.analyze.validation import iana_name_problem
from kubectl_discover.errors import NotFoundError
from kubectl_discover.findings import Check, Finding, Severity, Verdict
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, annotations_of, name_of, namespace_of
from kubectl_discover.syntax import is_dns1123_subdomain

REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
USE_REGEX = "nginx.ingress.kubernetes.io/use-regex"
NGINX_PREFIX = "nginx.ingress.kubernetes.io/"
NEG_ANNOTATION = "cloud.google.com/neg"
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
DEFAULT_BACKEND = "defaultBackend"
"""``RouteExpectation.path_type`` of the row for ``spec.defaultBackend``."""

_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES = ("/..", "/.")
_NGINX_STRICT_PATH = re.compile(r"^/[A-Za-z0-9_/-]*$")
"""ingress-nginx's strict-validate-path-type: alphanumerics, '/', '_' and '-' only."""

# ---------------------------------------------------------------- catalogue


def _check(id_: str, severity: Severity, title: str, meaning: str, fix: str) -> Check:
    return Check(id_, severity, title, meaning, fix, area="ingress")


NO_RULES = _check(
    "ingress-no-rules",
    Severity.FAIL,
    "Ingress has neither rules nor defaultBackend",
    "The API server requires spec.rules or spec.defaultBackend (or both).",
    "Add spec.rules with a host and paths, or a spec.defaultBackend.",
)
PATH_TYPE_MISSING = _check(
    "ingress-path-type-missing",
    Severity.FAIL,
    "Ingress path without pathType",
    "networking.k8s.io/v1 requires pathType on every path (Exact, Prefix or "
    "ImplementationSpecific); the API server rejects the Ingress without it.",
    "Set pathType: Prefix (or Exact) on the path.",
)
PATH_INVALID = _check(
    "ingress-path-invalid",
    Severity.FAIL,
    "Ingress path rejected by the API",
    "Exact and Prefix paths must start with '/', must not contain '//', '/./', '/../' or "
    "'%2f', and must not end with '/..' or '/.'; an ImplementationSpecific path, if set, "
    "must start with '/'. An unknown pathType is rejected too.",
    "Write the path as an absolute, normalised path such as /api, or use "
    "pathType: ImplementationSpecific for controller-specific syntax.",
)
HOST_INVALID = _check(
    "ingress-host-invalid",
    Severity.FAIL,
    "Ingress host rejected by the API",
    "A rule or TLS host must be a lowercase DNS-1123 subdomain or '*.' followed by one; IP "
    "addresses, a bare '*' and ports are rejected (the Host header is matched without port).",
    "Use a DNS name such as shop.example.com; to serve an IP, leave host empty.",
)
BACKEND_INVALID = _check(
    "ingress-backend-invalid",
    Severity.FAIL,
    "Ingress backend rejected by the API",
    "A backend sets exactly one of service and resource; service.port sets exactly one of "
    "number (1-65535) and name (an IANA service name, at most 15 characters).",
    "Set backend.service.name and exactly one of backend.service.port.number or .name.",
)
BACKEND_RESOURCE = _check(
    "ingress-backend-resource",
    Severity.INFO,
    "Ingress backend is a resource, not a Service",
    "A resource backend (e.g. a storage bucket) is interpreted by the controller alone; "
    "ingress-nginx ignores it. Its reachability cannot be checked from the objects.",
    "Nothing to do if the controller supports it; otherwise use a Service backend.",
)
SERVICE_MISSING = _check(
    "ingress-backend-service-missing",
    Severity.FAIL,
    "Ingress backend Service does not exist in the Ingress namespace",
    "Backends name a Service in the Ingress's own namespace; without it the controller has no "
    "upstream and answers 503 (ingress-nginx) or rejects the Ingress. A Service of that name "
    "in another namespace is not used.",
    "Create the Service in the Ingress namespace, fix backend.service.name, or (for a Service "
    "in another namespace) create an ExternalName Service pointing at its cluster DNS name.",
)
PORT_NUMBER_UNKNOWN = _check(
    "ingress-backend-port-number-unknown",
    Severity.FAIL,
    "Ingress backend port number is not a port of the Service",
    "backend.service.port.number refers to the Service's spec.ports[].port, not to the "
    "targetPort or containerPort. ingress-nginx also accepts a targetPort, other controllers "
    "(GCE, AWS, Traefik, ...) do not.",
    "Set backend.service.port.number to one of the Service's spec.ports[].port values.",
)
PORT_NAME_UNKNOWN = _check(
    "ingress-backend-port-name-unknown",
    Severity.FAIL,
    "Ingress backend port name matches no Service port name",
    "backend.service.port.name refers to the Service's spec.ports[].name, not to a "
    "container port name. ingress-nginx also accepts a named targetPort, other controllers "
    "do not.",
    "Set backend.service.port.name to one of the Service's spec.ports[].name values.",
)
NO_ENDPOINTS = _check(
    "ingress-backend-no-endpoints",
    Severity.FAIL,
    "Ingress backend Service has no ready endpoints",
    "The controller proxies to the ready endpoints of the Service port (ingress-nginx uses "
    "the EndpointSlice addresses, not the ClusterIP); with none, requests get 503.",
    "Make the Service's selector match ready pods that declare the targetPort (kubectl "
    "discover svc NAME shows why they are missing).",
)
ENDPOINTS_SKIPPED = _check(
    "ingress-backend-endpoints-skipped",
    Severity.INFO,
    "Ingress backend endpoints not checked",
    "EndpointSlices could not be read (RBAC), so the ready endpoints behind the backend "
    "are unknown.",
    "Grant 'list' on endpointslices.discovery.k8s.io.",
)
EXTERNAL_NAME = _check(
    "ingress-backend-external-name",
    Severity.WARN,
    "Ingress backend is an ExternalName Service",
    "The controller proxies to the external name (ingress-nginx resolves it itself; "
    "targetPort is ignored and the backend port number is used as is). The request keeps "
    "the Ingress Host header, so a virtual-hosted or HTTPS upstream usually answers 404 or "
    "fails the TLS name check.",
    "On ingress-nginx set nginx.ingress.kubernetes.io/upstream-vhost to the external host and, "
    "for HTTPS, backend-protocol: HTTPS (plus proxy-ssl-name/proxy-ssl-server-name: on).",
)
GCE_CLUSTER_IP = _check(
    "ingress-gce-clusterip-backend",
    Severity.FAIL,
    "GKE Ingress backend is a ClusterIP Service without NEG",
    "GKE's ingress-gce controller sends traffic to node ports or to network endpoint groups; "
    "a ClusterIP Service without the cloud.google.com/neg annotation fails translation "
    "('service is type ClusterIP, expected NodePort or LoadBalancer').",
    "Annotate the Service with cloud.google.com/neg: '{\"ingress\": true}' (container-native "
    "load balancing), or make it type NodePort.",
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
NGINX_STRICT_PATH = _check(
    "ingress-nginx-strict-path",
    Severity.WARN,
    "Path rejected by ingress-nginx strict path validation",
    "With strict-validate-path-type (default on in recent releases) ingress-nginx's admission "
    "webhook rejects Exact and Prefix paths with characters other than letters, digits, '/', "
    "'_' and '-' (regular expressions need ImplementationSpecific).",
    "Use pathType: ImplementationSpecific for regex paths, or drop the other characters.",
)
REWRITE_NO_CAPTURE = _check(
    "ingress-nginx-rewrite-no-capture",
    Severity.WARN,
    "rewrite-target without capture groups replaces the whole path",
    "ingress-nginx rewrites the whole URI to the target, so with path /app and target / a "
    "request for /app/x reaches the backend as /. Capture groups keep the rest.",
    "Use path: /app(/|$)(.*) with pathType: ImplementationSpecific and rewrite-target: /$2.",
)
REGEX_MODE = _check(
    "ingress-nginx-regex-mode",
    Severity.WARN,
    "ingress-nginx matches every path on this host as a regex",
    "If any Ingress for a host uses rewrite-target or use-regex, ingress-nginx renders every "
    "path of that host, in every Ingress, as a case-insensitive regex prefix (~* ^path): "
    "Exact and element-wise Prefix semantics are lost and the longest path that matches wins.",
    "Move the regex/rewrite paths to their own host, or write every path on the host so that "
    "it still works as a case-insensitive regex prefix.",
)
DUPLICATE_PATH = _check(
    "ingress-duplicate-path",
    Severity.WARN,
    "The same host and path are defined in more than one Ingress",
    "Controllers merge Ingresses per host; for the same host, path and pathType only one "
    "backend can win (ingress-nginx: the oldest Ingress by creationTimestamp).",
    "Keep each host+path in exactly one Ingress of the class.",
)

CHECKS = (
    NO_RULES,
    PATH_TYPE_MISSING,
    PATH_INVALID,
    HOST_INVALID,
    BACKEND_INVALID,
    BACKEND_RESOURCE,
    SERVICE_MISSING,
    PORT_NUMBER_UNKNOWN,
    PORT_NAME_UNKNOWN,
    NO_ENDPOINTS,
    ENDPOINTS_SKIPPED,
    EXTERNAL_NAME,
    GCE_CLUSTER_IP,
    NO_ADDRESS,
    STATUS_UNKNOWN,
    NGINX_STRICT_PATH,
    REWRITE_NO_CAPTURE,
    REGEX_MODE,
    DUPLICATE_PATH,
)

# ---------------------------------------------------------------- syntax (pure)


def host_problem(host: str) -> str:
    """Why the API rejects ``host`` as a rule/TLS host ("is an IP address; ..."), or ""."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return "is an IP address, but the API requires a DNS name"
    if ":" in host:
        return "contains a port, which the API rejects (Host is matched without port)"
    if host == "*":
        return "is a bare '*', which the API rejects (write '*.' followed by a domain)"
    name = host[2:] if host.startswith("*.") else host
    if "*" in name:
        return "has '*' outside the whole leftmost label, which the API rejects"
    if not is_dns1123_subdomain(name):
        return "is not a lowercase DNS-1123 subdomain (letters, digits, '-', '.')"
    return ""


def path_problem(path: str, path_type: str) -> str:
    """Why the API rejects ``path`` for ``path_type``, or "" (pathType present)."""
    if path_type in ("Exact", "Prefix"):
        if not path.startswith("/"):
            return "must be an absolute path (start with '/')"
        for sequence in _INVALID_SEQUENCES:
            if sequence in path:
                return f"must not contain {sequence!r}"
        for suffix in _INVALID_SUFFIXES:
            if path.endswith(suffix):
                return f"must not end with {suffix!r}"
        return ""
    if path_type == "ImplementationSpecific":
        return "" if not path or path.startswith("/") else "must be empty or start with '/'"
    return f"pathType {path_type!r} is not one of Exact, Prefix, ImplementationSpecific"


def nginx_strict_path_ok(path: str) -> bool:
    """Whether ingress-nginx's strict path validation accepts an Exact/Prefix path."""
    return bool(_NGINX_STRICT_PATH.match(path))


def status_addresses(ingress: Obj) -> tuple[str, ...]:
    """IPs and hostnames in status.loadBalancer.ingress[]."""
    entries = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    return tuple(
        str(e.get("ip") or e.get("hostname")) for e in entries if e.get("ip") or e.get("hostname")
    )


def created(ingress: Obj) -> str:
    return str(ingress.get("metadata", {}).get("creationTimestamp") or "")


def age_key(ingress: Obj) -> tuple[str, str, str]:
    """Oldest first, as ingress-nginx processes Ingresses; missing timestamps last."""
    return (created(ingress) or "~", namespace_of(ingress), name_of(ingress))


# ---------------------------------------------------------------- paths


@dataclass(frozen=True)
class IngressPath:
    """One rule path (or the default backend) exactly as written."""

    field: str
    """``spec.rules[0].http.paths[1]`` or ``spec.defaultBackend``."""
    host: str
    path: str
    path_type: str
    """"" when missing; :data:`DEFAULT_BACKEND` for the default backend row."""
    backend: Mapping[str, Any]

    @property
    def is_default(self) -> bool:
        return self.path_type == DEFAULT_BACKEND

    def describe(self) -> str:
        if self.is_default:
            return "defaultBackend"
        return f"{self.host or '*'}{self.path or '/'} ({self.path_type or 'no pathType'})"


def ingress_paths(ingress: Obj) -> tuple[IngressPath, ...]:
    """Every rule path in order, then the default backend if set."""
    spec = ingress.get("spec") or {}
    found: list[IngressPath] = []
    for r, rule in enumerate(spec.get("rules") or ()):
        host = str(rule.get("host") or "")
        for p, raw in enumerate((rule.get("http") or {}).get("paths") or ()):
            found.append(
                IngressPath(
                    field=f"spec.rules[{r}].http.paths[{p}]",
                    host=host,
                    path=str(raw.get("path") or ""),
                    path_type=str(raw.get("pathType") or ""),
                    backend=raw.get("backend") or {},
                )
            )
    default = spec.get("defaultBackend")
    if default:
        found.append(IngressPath("spec.defaultBackend", "", "", DEFAULT_BACKEND, default))
    return tuple(found)


def uses_regex(ingress: Obj) -> bool:
    """Whether this Ingress switches ingress-nginx's regex mode on for its hosts."""
    annotations = annotations_of(ingress)
    return bool(annotations.get(REWRITE_TARGET)) or annotations.get(USE_REGEX) == "true"


def likely_nginx(resolution: ClassResolution, ingress: Obj) -> bool:
    """ingress-nginx claims it, or (controller unknown) its class or annotations say nginx."""
    if resolution.controller:
        return resolution.is_nginx
    return resolution.name == "nginx" or any(
        k.startswith(NGINX_PREFIX) for k in annotations_of(ingress)
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
    def subject(self) -> str:
        return f"Ingress {self.namespace}/{self.name}"

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
    now = now or datetime.now(UTC)
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
    peers = _peers(ingress, resolution, hosts or host_table(index)) if nginx else ()
    regex_hosts = _regex_hosts(ingress, peers) if nginx else {}

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
    findings.extend(_path_syntax(subject, path, nginx))
    if nginx and not path.is_default:
        findings.extend(_nginx_path(ingress, subject, path, regex_hosts))
        findings.extend(_duplicates(ingress, subject, path, peers))
    backend = _backend(index, ingress, namespace, subject, path, resolution, nginx)
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


def _path_syntax(subject: ObjectRef, path: IngressPath, nginx: bool) -> Iterator[Finding]:
    if path.is_default:
        return
    where = f"{path.field} of {subject}"
    if path.host:
        problem = host_problem(path.host)
        if problem:
            yield HOST_INVALID(
                subject,
                f"Rule host {path.host!r} of {subject} {problem}, so the Ingress cannot be "
                "created.",
                f"Set the host of {path.field.split('.http')[0]} to a DNS name, or leave it "
                "empty to match any Host.",
                evidence=[("host", path.host)],
            )
    if not path.path_type:
        yield PATH_TYPE_MISSING(
            subject,
            f"{where} ({path.path or '/'}) has no pathType, which networking.k8s.io/v1 "
            "requires, so the API server rejects the Ingress.",
            f"Set {path.field}.pathType: Prefix (matches {path.path or '/'} and everything "
            "below it) or Exact.",
            evidence=[("path", path.path)],
        )
        return
    problem = path_problem(path.path, path.path_type)
    if problem:
        yield PATH_INVALID(
            subject,
            f"{where}: path {path.path!r} ({path.path_type}) {problem}, so the API server "
            "rejects the Ingress.",
            f"Fix {path.field}.path, or use pathType: ImplementationSpecific for "
            "controller-specific syntax.",
            evidence=[("path", path.path), ("pathType", path.path_type)],
        )
        return
    if nginx and path.path_type in ("Exact", "Prefix") and not nginx_strict_path_ok(path.path):
        yield NGINX_STRICT_PATH(
            subject,
            f"{where}: {path.path_type} path {path.path!r} has characters other than letters, "
            "digits, '/', '_' and '-', which ingress-nginx's admission webhook rejects when "
            "strict-validate-path-type is on (the default in recent releases).",
            f"Set {path.field}.pathType: ImplementationSpecific if {path.path!r} is a regex, "
            "or remove those characters.",
            evidence=[("path", path.path)],
        )


def _nginx_path(
    ingress: Obj, subject: ObjectRef, path: IngressPath, regex_hosts: Mapping[str, tuple[str, ...]]
) -> Iterator[Finding]:
    target = annotations_of(ingress).get(REWRITE_TARGET, "")
    if target and target != path.path and "(" not in path.path:
        example = (path.path.rstrip("/") or "") + "/x"
        yield REWRITE_NO_CAPTURE(
            subject,
            f"{subject} sets rewrite-target {target!r} and path {path.path!r} has no capture "
            f"group, so ingress-nginx replaces the whole URI: {example} reaches the backend "
            f"as {target}.",
            f"Use path: {path.path.rstrip('/')}(/|$)(.*) with pathType: ImplementationSpecific "
            f"and {REWRITE_TARGET}: /$2 on {subject}.",
            evidence=[("path", path.path), ("rewrite-target", target)],
        )
    causes = regex_hosts.get(path.host)
    if causes is None:
        return
    own = f"{namespace_of(ingress)}/{name_of(ingress)}"
    foreign = [c for c in causes if c != own]
    if not foreign and path.path_type == "ImplementationSpecific":
        return  # this Ingress asked for regex paths; nothing changes behind its back
    yield REGEX_MODE(
        subject,
        f"On host {path.host or '*'}, Ingress {', '.join(causes)} uses rewrite-target or "
        f"use-regex, so ingress-nginx matches {path.path_type} path {path.path!r} of {subject} "
        f"as the case-insensitive regex prefix ~* ^{path.path} instead.",
        f"Move the rewrite/regex paths of {', '.join(causes)} to another host, or make "
        f"{path.field}.path behave as a regex prefix.",
        evidence=[("host", path.host), ("causes", ", ".join(causes))],
    )


@dataclass(frozen=True)
class HostTable:
    """Ingresses per (class name, rule host), oldest first: what a controller merges.

    Built once per snapshot (:func:`host_table`) so that regex-mode and duplicate-path
    checks look only at Ingresses sharing a host, keeping ``scan -A`` linear.
    """

    by_host: Mapping[tuple[str, str], tuple[Obj, ...]]


def host_table(index: Index) -> HostTable:
    groups: dict[tuple[str, str], list[Obj]] = {}
    for ingress in sorted(index.snapshot.ingresses, key=age_key):
        class_name = resolve_class(index, ingress).name
        for host in dict.fromkeys(p.host for p in ingress_paths(ingress) if not p.is_default):
            groups.setdefault((class_name, host), []).append(ingress)
    return HostTable({key: tuple(items) for key, items in groups.items()})


def _peers(ingress: Obj, resolution: ClassResolution, table: HostTable) -> tuple[Obj, ...]:
    """Other Ingresses of the same class sharing a host with this one (ingress-nginx merges
    hosts across namespaces)."""
    peers: dict[int, Obj] = {}
    for host in {p.host for p in ingress_paths(ingress) if not p.is_default}:
        for other in table.by_host.get((resolution.name, host), ()):
            if other is not ingress:
                peers.setdefault(id(other), other)
    return tuple(peers.values())


def _regex_hosts(ingress: Obj, peers: Sequence[Obj]) -> dict[str, tuple[str, ...]]:
    """Host -> the Ingresses (ns/name) that put it into regex mode."""
    causes: dict[str, list[str]] = {}
    for obj in (ingress, *peers):
        if not uses_regex(obj):
            continue
        for path in ingress_paths(obj):
            if not path.is_default:
                ref = f"{namespace_of(obj)}/{name_of(obj)}"
                bucket = causes.setdefault(path.host, [])
                if ref not in bucket:
                    bucket.append(ref)
    mine = {p.host for p in ingress_paths(ingress) if not p.is_default}
    return {host: tuple(refs) for host, refs in causes.items() if host in mine}


def _duplicates(
    ingress: Obj, subject: ObjectRef, path: IngressPath, peers: Sequence[Obj]
) -> Iterator[Finding]:
    same = [
        other
        for other in peers
        if any(
            (p.host, p.path, p.path_type) == (path.host, path.path, path.path_type)
            for p in ingress_paths(other)
        )
    ]
    if not same:
        return
    everyone = sorted((ingress, *same), key=age_key)
    winner = everyone[0]
    winner_ref = f"{namespace_of(winner)}/{name_of(winner)}"
    others = ", ".join(f"{namespace_of(o)}/{name_of(o)}" for o in same)
    outcome = (
        "this Ingress is the oldest and wins on ingress-nginx"
        if winner is ingress
        else f"the oldest, {winner_ref}, wins on ingress-nginx and this path is never used"
    )
    yield DUPLICATE_PATH(
        subject,
        f"{path.describe()} of {subject} is also defined in Ingress {others}; {outcome}.",
        f"Remove {path.host or '*'}{path.path} from all but one of {subject}, {others}.",
        evidence=[("others", others), ("winner", winner_ref)],
    )


# ---------------------------------------------------------------- backends


@dataclass(frozen=True)
class _Backend:
    service: str
    service_port: str
    target_port: str
    ready: int | None
    findings: tuple[Finding, ...]
    chain: tuple[ChainLink, ...]
    summary: str


def _backend(
    index: Index,
    ingress: Obj,
    namespace: str,
    subject: ObjectRef,
    path: IngressPath,
    resolution: ClassResolution,
    nginx: bool,
) -> _Backend:
    raw = path.backend
    service_ref = raw.get("service") or {}
    resource = raw.get("resource") or {}
    where = f"{path.field}.backend"
    problem = _backend_problem(raw)
    if problem:
        finding = BACKEND_INVALID(
            subject,
            f"{where} of {subject} {problem}, so the API server rejects the Ingress.",
            f"Set {where}.service.name and exactly one of {where}.service.port.number or "
            f"{where}.service.port.name.",
            evidence=[("field", where)],
        )
        return _Backend(
            str(service_ref.get("name") or ""), "", "", None, (finding,), (), finding.message
        )
    if resource:
        ref = f"{resource.get('apiGroup') or 'core'}/{resource.get('kind')}/{resource.get('name')}"
        finding = BACKEND_RESOURCE(
            subject,
            f"{where} of {subject} is resource {ref}, which only some controllers understand "
            "(ingress-nginx ignores it); its reachability is not checked.",
            "Nothing to do if the controller supports resource backends; otherwise use a "
            "Service backend.",
            evidence=[("resource", ref)],
        )
        link = ChainLink(f"resource {ref}", None, "controller-specific")
        return _Backend("", "", "", None, (finding,), (link,), f"resource backend {ref}")

    name = str(service_ref.get("name") or "")
    port_ref = service_ref.get("port") or {}
    number = port_ref.get("number")
    port_name = str(port_ref.get("name") or "")
    written = str(number) if number is not None else port_name
    service = index.service(namespace, name)
    if service is None:
        finding = _service_missing(index, namespace, subject, where, name)
        link = ChainLink(f"Service {namespace}/{name}", False, "does not exist")
        return _Backend(name, written, "", None, (finding,), (link,), finding.message)

    findings: list[Finding] = []
    if resolution.is_gce:
        findings.extend(_gce(index, service, namespace, subject, name))
    if service.type == "ExternalName":
        findings.append(_external_name(service, namespace, subject, name, written))
        target = service.external_name
        link = ChainLink(
            f"Service {namespace}/{name} (ExternalName)",
            None,
            f"proxied to {target}:{written}; no endpoints, targetPort ignored",
        )
        return _Backend(
            name, written, "", None, tuple(findings), (link,), f"ExternalName {target}:{written}"
        )

    port, port_findings = _resolve_port(
        service, namespace, subject, where, name, number, port_name, nginx
    )
    findings.extend(port_findings)
    if port is None:
        link = ChainLink(
            f"Service {namespace}/{name} port {written}",
            False,
            port_findings[0].message if port_findings else "no such port",
        )
        return _Backend(name, written, "", None, tuple(findings), (link,), findings[-1].message)

    ready, endpoint_findings, children = _endpoints(index, service, namespace, subject, name, port)
    findings.extend(endpoint_findings)
    target_text = "" if port.target is None else str(port.target)
    service_port = f"{port.name} ({port.port})" if port.name else str(port.port)
    ready_text = "unknown" if ready is None else str(ready)
    link = ChainLink(
        f"Service {namespace}/{name} port {service_port} -> targetPort {target_text}",
        None if ready is None else ready > 0,
        f"{ready_text} ready endpoints",
        children,
    )
    summary = f"{name}:{service_port} -> targetPort {target_text}, {ready_text} ready endpoints"
    return _Backend(name, service_port, target_text, ready, tuple(findings), (link,), summary)


def _backend_problem(raw: Mapping[str, Any]) -> str:
    service: Mapping[str, Any] = raw.get("service") or {}
    resource = raw.get("resource")
    if service and resource:
        return "sets both service and resource"
    if not service and not resource:
        return "sets neither service nor resource"
    if resource:
        return ""
    if not service.get("name"):
        return "has no service.name"
    port = service.get("port") or {}
    has_number = port.get("number") is not None
    has_name = bool(port.get("name"))
    if has_number and has_name:
        return "sets both port.number and port.name"
    if not has_number and not has_name:
        return "sets neither port.number nor port.name"
    if has_number:
        number = port.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
            return f"has port.number {number!r}, not an integer 1-65535"
        return ""
    problem = iana_name_problem(str(port.get("name")))
    return f"has port.name {port.get('name')!r}, which {problem}" if problem else ""


def _service_missing(
    index: Index, namespace: str, subject: ObjectRef, where: str, name: str
) -> Finding:
    elsewhere = sorted(ns for (ns, n) in index.services if n == name and ns != namespace)
    domain = index.snapshot.cluster_domain
    if elsewhere:
        other = elsewhere[0]
        also = (
            f"; found {other}/{name}, but an Ingress backend must be in the Ingress's own namespace"
        )
        hint = (
            f"Create in namespace {namespace} a Service {name} of type ExternalName with "
            f"externalName: {name}.{other}.svc.{domain} (or move {subject} to {other})."
        )
    else:
        also = ""
        hint = (
            f"Create Service {namespace}/{name}, or set {where}.service.name to an existing "
            f"Service in {namespace}."
        )
    live = index.snapshot.live
    # Offline, a Service absent from files that hold none of the namespace's Services may
    # simply be applied from elsewhere; files that do hold them make a typo likely.
    sure = live or bool(index.services_in(namespace))
    tail = (
        "which does not exist, so the controller answers 503"
        if live
        else f"which is not among the files read; it must exist in {namespace} when the "
        "Ingress is applied"
    )
    return SERVICE_MISSING(
        subject,
        f"{where} of {subject} names Service {namespace}/{name}, {tail}{also}.",
        hint,
        severity=Severity.FAIL if sure else Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("foundIn", ", ".join(elsewhere))],
    )


def _resolve_port(
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    where: str,
    name: str,
    number: Any,
    port_name: str,
    nginx: bool,
) -> tuple[ServicePort | None, list[Finding]]:
    ports = service.ports
    listing = ", ".join(p.label for p in ports) or "none"
    if number is not None:
        match = next((p for p in ports if p.port == number), None)
        if match is not None:
            return match, []
        by_target = next((p for p in ports if str(p.target) == str(number)), None)
        check, field, value = PORT_NUMBER_UNKNOWN, "port.number", str(number)
    else:
        match = next((p for p in ports if p.name == port_name), None)
        if match is not None:
            return match, []
        by_target = next((p for p in ports if str(p.target) == port_name), None)
        check, field, value = PORT_NAME_UNKNOWN, "port.name", port_name
    if by_target is not None:
        fix_value = str(by_target.port) if number is not None else by_target.name or by_target.port
        tolerance = (
            "ingress-nginx tolerates this (it also matches targetPort), other controllers "
            "(GCE, AWS, Traefik, ...) reject it"
            if nginx
            else "this controller needs the Service port (only ingress-nginx also matches "
            "targetPort)"
        )
        message = (
            f"{where} of {subject} uses {field} {value}, which is the targetPort of Service "
            f"port {by_target.label}, not a Service port; {tolerance}."
        )
        hint_field = "number" if number is not None else ("name" if by_target.name else "number")
        finding = check(
            subject,
            message,
            f"Set {where}.service.port.{hint_field}: {fix_value} on {subject}.",
            severity=Severity.WARN if nginx else Severity.FAIL,
            evidence=[(field, value), ("servicePorts", listing)],
        )
        return (by_target if nginx else None), [finding]
    finding = check(
        subject,
        f"{where} of {subject} uses {field} {value}, but Service {namespace}/{name} has ports "
        f"{listing}, so the controller has no upstream (503).",
        f"Set {where}.service.port.{'number' if number is not None else 'name'} to one of: "
        + (
            ", ".join(str(p.port) for p in ports)
            if number is not None
            else ", ".join(p.name for p in ports if p.name) or "(the Service ports are unnamed)"
        )
        + ".",
        evidence=[(field, value), ("servicePorts", listing)],
    )
    return None, [finding]


def _gce(
    index: Index, service: ServiceView, namespace: str, subject: ObjectRef, name: str
) -> Iterator[Finding]:
    if service.type != "ClusterIP":
        return
    raw = annotations_of(service.raw).get(NEG_ANNOTATION, "")
    try:
        neg = json.loads(raw) if raw else {}
    except ValueError:
        neg = {}
    if isinstance(neg, dict) and neg.get("ingress") is True:
        return
    live = index.snapshot.live
    yield GCE_CLUSTER_IP(
        subject,
        f"{subject} is served by GKE's ingress-gce, and backend Service {namespace}/{name} is "
        f"ClusterIP without {NEG_ANNOTATION} '{{\"ingress\": true}}', so translation fails "
        "(expected NodePort or LoadBalancer)"
        + ("" if live else "; GKE adds the annotation itself on VPC-native clusters, check there")
        + ".",
        f"Annotate Service {namespace}/{name} with {NEG_ANNOTATION}: '{{\"ingress\": true}}', "
        "or set its spec.type: NodePort.",
        severity=Severity.FAIL if live else Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("type", "ClusterIP")],
    )


def _external_name(
    service: ServiceView, namespace: str, subject: ObjectRef, name: str, port: str
) -> Finding:
    target = service.external_name
    return EXTERNAL_NAME(
        subject,
        f"Backend Service {namespace}/{name} is ExternalName {target}: the controller proxies to "
        f"{target}:{port} with the Ingress's Host header (targetPort is ignored), so a "
        "virtual-hosted or HTTPS upstream will likely answer 404 or fail TLS.",
        f"On {subject} set nginx.ingress.kubernetes.io/upstream-vhost: {target} and, if the "
        "upstream is HTTPS, nginx.ingress.kubernetes.io/backend-protocol: HTTPS.",
        evidence=[("externalName", target), ("port", port)],
    )


# ---------------------------------------------------------------- endpoints


def _endpoints(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    name: str,
    port: ServicePort,
) -> tuple[int | None, list[Finding], tuple[ChainLink, ...]]:
    if index.snapshot.live:
        return _live_endpoints(index, service, namespace, subject, name, port)
    return _predicted_endpoints(index, service, namespace, subject, name, port)


def _endpoint_ready(endpoint: Mapping[str, Any]) -> bool:
    """EndpointSlice semantics: a missing ``ready`` condition means ready."""
    return (endpoint.get("conditions") or {}).get("ready") is not False


def _slice_has_port(slice_: Obj, port: ServicePort) -> bool:
    for entry in slice_.get("ports") or ():
        if (
            str(entry.get("name") or "") == port.name
            and str(entry.get("protocol") or "TCP") == port.protocol
        ):
            return True
    return False


def _live_endpoints(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    name: str,
    port: ServicePort,
) -> tuple[int | None, list[Finding], tuple[ChainLink, ...]]:
    gap = index.snapshot.unavailable_for("endpointslices")
    if gap is not None:
        finding = ENDPOINTS_SKIPPED(
            subject,
            f"Ready endpoints of Service {namespace}/{name} not checked: {gap.describe()}.",
            f"Grant '{gap.verb}' on endpointslices.discovery.k8s.io in {namespace}.",
            evidence=[("verb", gap.verb), ("resource", gap.resource)],
        )
        return None, [finding], (ChainLink("EndpointSlices", None, gap.describe()),)
    ready_keys: set[str] = set()
    all_keys: set[str] = set()
    links: list[ChainLink] = []
    for slice_ in index.slices_for(namespace, name):
        if not _slice_has_port(slice_, port):
            continue
        endpoints = list(slice_.get("endpoints") or ())
        slice_ready = sum(1 for e in endpoints if _endpoint_ready(e))
        # A dual-stack pod appears in one slice per family: count it once.
        all_keys.update(_endpoint_key(e) for e in endpoints)
        ready_keys.update(_endpoint_key(e) for e in endpoints if _endpoint_ready(e))
        pods = tuple(
            ChainLink(
                _endpoint_label(e),
                _endpoint_ready(e),
                "ready" if _endpoint_ready(e) else "not ready",
            )
            for e in endpoints
        )
        links.append(
            ChainLink(
                f"EndpointSlice {name_of(slice_)}",
                slice_ready > 0,
                f"{slice_ready}/{len(endpoints)} ready for port {port.name or port.port}",
                pods,
            )
        )
    ready, total = len(ready_keys), len(all_keys)
    if ready:
        return ready, [], tuple(links)
    if total:
        why = f"all {total} endpoints for port {port.label} are not ready"
    else:
        selected = selected_pods(index, service, namespace)
        selector = service.selector
        if not selector:
            why = "it has no selector and no EndpointSlice carries the port"
        elif not selected:
            shown = ", ".join(f"{k}={v}" for k, v in selector.items())
            why = f"its selector {shown} matches no pod"
        else:
            why = f"no EndpointSlice carries port {port.label} for its {len(selected)} pods"
    finding = NO_ENDPOINTS(
        subject,
        f"Backend Service {namespace}/{name} has no ready endpoint for port {port.label}: "
        f"{why}, so requests get 503.",
        f"Run kubectl discover svc {name} -n {namespace} to see why its pods are missing or "
        "not ready.",
        evidence=[
            ("service", f"{namespace}/{name}"),
            ("port", port.label),
            ("endpoints", str(total)),
        ],
    )
    return 0, [finding], tuple(links) or (ChainLink("EndpointSlices", False, why),)


def _endpoint_key(endpoint: Mapping[str, Any]) -> str:
    ref = endpoint.get("targetRef") or {}
    if ref.get("name"):
        return f"{ref.get('kind', 'Pod')}/{ref['name']}"
    return ",".join(str(a) for a in endpoint.get("addresses") or ())


def _endpoint_label(endpoint: Mapping[str, Any]) -> str:
    ref = endpoint.get("targetRef") or {}
    addresses = ", ".join(str(a) for a in endpoint.get("addresses") or ())
    if ref.get("name"):
        return f"pod/{ref['name']} {addresses}".rstrip()
    return addresses or "endpoint"


def _predicted_endpoints(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    name: str,
    port: ServicePort,
) -> tuple[int | None, list[Finding], tuple[ChainLink, ...]]:
    selector = service.selector
    if not selector:
        return None, [], (ChainLink("EndpointSlices", None, "selectorless Service (manual)"),)
    pods = [p for p in selected_pods(index, service, namespace) if is_candidate(p)]
    serving = [p for p in pods if resolve_target_port(port, p) is not None]
    links = tuple(
        ChainLink(
            f"{p.owner_kind} {p.owner_name}" if p.from_template else p.ref,
            None,
            f"{p.replicas} pod(s) predicted, container port {resolve_target_port(port, p)}"
            if p in serving
            else f"does not declare port {port.target!r} ({port.protocol})",
        )
        for p in pods
    )
    if serving:
        return pod_count(serving), [], links
    shown = ", ".join(f"{k}={v}" for k, v in selector.items())
    why = (
        f"its selector {shown} matches no workload or pod in the files"
        if not pods
        else f"{name_pods(pods)} declare no container port {port.target!r}/{port.protocol}"
    )
    finding = NO_ENDPOINTS(
        subject,
        f"Backend Service {namespace}/{name} would have no endpoint for port {port.label}: "
        f"{why}, so requests would get 503.",
        f"Run kubectl discover svc {name} -n {namespace} on the same files to see the "
        "selector and port walk.",
        severity=Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("port", port.label)],
    )
    return 0, [finding], links or (ChainLink("pods", False, why),)


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
