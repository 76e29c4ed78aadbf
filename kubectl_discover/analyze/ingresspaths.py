"""An Ingress's paths as the API and ingress-nginx read them: syntax the API server
rejects, the matching a controller really does (ingress-nginx's strict path validation,
rewrite-target without capture groups, regex mode spreading to every Ingress of a host),
and host+path pairs claimed twice. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingressclasses import ClassResolution, resolve_class
from kubectl_discover.findings import Finding, Severity, area_checks
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, annotations_of, name_of, namespace_of
from kubectl_discover.syntax import is_dns1123_subdomain, is_ip

_check = area_checks("ingress")


REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
USE_REGEX = "nginx.ingress.kubernetes.io/use-regex"
NGINX_PREFIX = "nginx.ingress.kubernetes.io/"
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
DEFAULT_BACKEND = "defaultBackend"
"""``RouteExpectation.path_type`` of the row for ``spec.defaultBackend``."""

_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES = ("/..", "/.")
_NGINX_STRICT_PATH = re.compile(r"^/[A-Za-z0-9_/-]*$")
"""ingress-nginx's strict-validate-path-type: alphanumerics, '/', '_' and '-' only."""

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
    PATH_TYPE_MISSING,
    PATH_INVALID,
    HOST_INVALID,
    NGINX_STRICT_PATH,
    REWRITE_NO_CAPTURE,
    REGEX_MODE,
    DUPLICATE_PATH,
)

# ---------------------------------------------------------------- syntax (pure)


def host_problem(host: str) -> str:
    """Why the API rejects ``host`` as a rule/TLS host ("is an IP address; ..."), or ""."""
    if is_ip(host):
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


def path_syntax(subject: ObjectRef, path: IngressPath, nginx: bool) -> Iterator[Finding]:
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


def nginx_path(
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


def nginx_peers(ingress: Obj, resolution: ClassResolution, table: HostTable) -> tuple[Obj, ...]:
    """Other Ingresses of the same class sharing a host with this one (ingress-nginx merges
    hosts across namespaces)."""
    peers: dict[int, Obj] = {}
    for host in {p.host for p in ingress_paths(ingress) if not p.is_default}:
        for other in table.by_host.get((resolution.name, host), ()):
            if other is not ingress:
                peers.setdefault(id(other), other)
    return tuple(peers.values())


def regex_hosts_of(ingress: Obj, peers: Sequence[Obj]) -> dict[str, tuple[str, ...]]:
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


def duplicates(
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
