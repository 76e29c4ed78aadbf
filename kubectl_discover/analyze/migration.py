"""Ingress -> HTTPRoute migration check (``route URL``, issue 17 part 5).

When an Ingress rule and an HTTPRoute both answer the URL, this says whether both send it
to the same backend (Service and port, the Ingress port name resolved through the
Service) and names every difference between the two routes:

- path semantics: Ingress ``Prefix`` and HTTPRoute ``PathPrefix`` both match whole
  '/'-separated elements and ignore a trailing '/', ``Exact`` is equality on both sides;
  a different type or value matches other URLs; ``ImplementationSpecific`` is the
  controller's (ingress-nginx: a prefix, or a regex in regex mode); HTTPRoute
  ``RegularExpression`` is implementation-specific too;
- ingress-nginx regex mode on the host (``use-regex: "true"`` or ``rewrite-target`` on
  any Ingress of the host): the Ingress path is a case-insensitive regex prefix;
- conditions only the HTTPRoute match has (method, headers, query parameters);
- the ingress-nginx annotations of the Ingress: the ones with an HTTPRoute equivalent
  (a filter of the rule, or a field), and whether the rule has that filter, and the ones
  with none in the standard channel.

Pure: rows and the graph in, :class:`Migration` values and findings out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.gateway.candidates import MissPart
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.matching import GatewayMatch
from kubectl_discover.analyze.gateway.routemodel import HTTPMatch, Rule
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingresspaths import NGINX_PREFIX, uses_regex
from kubectl_discover.analyze.model import RouteExpectation
from kubectl_discover.findings import Check, Finding, Severity, Verdict
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import annotations_of, name_of, namespace_of

MIGRATION_SAME = Check(
    "gateway-migration-same",
    Severity.INFO,
    "The Ingress and the HTTPRoute send the URL to the same backend",
    "An Ingress rule and an HTTPRoute both claim the URL's host and both send this URL to "
    "the same Service and port, with the same path semantics.",
    "Nothing to do: the Gateway can take over the host for this URL.",
    area="gateway",
)
MIGRATION_DIFFERS = Check(
    "gateway-migration-differs",
    Severity.WARN,
    "The Ingress and the HTTPRoute treat the URL differently",
    "An Ingress rule and an HTTPRoute both claim the URL's host, but they send it to "
    "different backends, or match it differently (path type or value, ingress-nginx regex "
    "mode, ImplementationSpecific, conditions only the HTTPRoute has), or the Ingress's "
    "annotations change the request in a way the HTTPRoute rule does not.",
    "Make the HTTPRoute rule match and forward as the Ingress does (the message names each "
    "difference), or accept the difference before switching DNS to the Gateway.",
    area="gateway",
)
MIGRATION_UNMAPPED = Check(
    "gateway-migration-annotation-unmapped",
    Severity.WARN,
    "An ingress-nginx annotation has no HTTPRoute equivalent",
    "The Ingress that answers the URL uses ingress-nginx annotations that no filter or field "
    "of a standard-channel HTTPRoute expresses: behind the Gateway that behaviour is gone "
    "(or needs an implementation-specific policy or ExtensionRef filter).",
    "Find the Gateway implementation's policy for it, or drop the behaviour knowingly.",
    area="gateway",
)

CHECKS = (MIGRATION_SAME, MIGRATION_DIFFERS, MIGRATION_UNMAPPED)


@dataclass(frozen=True)
class Equivalent:
    """What an ingress-nginx annotation becomes on an HTTPRoute."""

    text: str
    filter: str = ""
    """The HTTPRoute filter type that expresses it ("" when it is a field or nothing)."""


EQUIVALENTS: Mapping[str, Equivalent] = {
    "rewrite-target": Equivalent("URLRewrite filter (path)", "URLRewrite"),
    "upstream-vhost": Equivalent("URLRewrite filter (hostname)", "URLRewrite"),
    "ssl-redirect": Equivalent("RequestRedirect filter (scheme https)", "RequestRedirect"),
    "force-ssl-redirect": Equivalent("RequestRedirect filter (scheme https)", "RequestRedirect"),
    "permanent-redirect": Equivalent("RequestRedirect filter (statusCode 301)", "RequestRedirect"),
    "temporal-redirect": Equivalent("RequestRedirect filter (statusCode 302)", "RequestRedirect"),
    "app-root": Equivalent("RequestRedirect filter (path)", "RequestRedirect"),
    "x-forwarded-prefix": Equivalent("RequestHeaderModifier filter", "RequestHeaderModifier"),
    "custom-headers": Equivalent("ResponseHeaderModifier filter", "ResponseHeaderModifier"),
    "mirror-target": Equivalent("RequestMirror filter", "RequestMirror"),
    "mirror-uri": Equivalent("RequestMirror filter", "RequestMirror"),
    "enable-cors": Equivalent("CORS filter", "CORS"),
    "canary": Equivalent("backendRefs weights"),
    "canary-weight": Equivalent("backendRefs weights"),
    "canary-by-header": Equivalent("a header match on a rule"),
    "canary-by-header-value": Equivalent("a header match on a rule"),
    "proxy-read-timeout": Equivalent("rule timeouts.backendRequest"),
    "proxy-send-timeout": Equivalent("rule timeouts.backendRequest"),
    "use-regex": Equivalent("path type RegularExpression (implementation-specific)"),
    "backend-protocol": Equivalent("the Service port's appProtocol, a BackendTLSPolicy"),
}
"""ingress-nginx annotation (without the prefix) -> its equivalent in a standard-channel
HTTPRoute (gateway-api v1.6: filters RequestHeaderModifier, ResponseHeaderModifier,
RequestMirror, RequestRedirect, URLRewrite, CORS; rule timeouts; backendRef weights).
Every other ``nginx.ingress.kubernetes.io/`` annotation has none."""


@dataclass(frozen=True)
class Backend:
    """A Service port as a route names it."""

    namespace: str
    service: str
    port: str
    """As written: a port name or number."""
    number: int | None
    """The Service port number it resolves to (None: the Service or port is unknown)."""
    weight: int | None = None

    def describe(self) -> str:
        shown = (
            self.port
            if self.number is None or self.port == str(self.number)
            else (f"{self.port} ({self.number})")
        )
        return f"{self.namespace}/{self.service}:{shown}"

    @property
    def target(self) -> tuple[str, str, str]:
        port = str(self.number) if self.number is not None else self.port
        return self.namespace, self.service, port


@dataclass(frozen=True)
class Annotation:
    name: str
    value: str
    equivalent: str
    """"" when the standard channel has none."""
    filter: str
    present: bool | None
    """Whether the HTTPRoute rule has that filter (None: no filter is the equivalent)."""


@dataclass(frozen=True)
class Migration:
    """One Ingress rule and one Gateway's winning HTTPRoute rule for the same URL."""

    host: str
    path: str
    ingress: str
    """"Ingress ns/name"."""
    ingress_path: str
    """"Prefix /api" ("defaultBackend" when no rule path)."""
    ingress_backend: Backend
    route: str
    """The winning match: "HTTPRoute ns/name rule R match M"."""
    gateway: str
    route_path: str
    route_backends: tuple[Backend, ...]
    same_backend: bool | None
    differences: tuple[str, ...]
    annotations: tuple[Annotation, ...]

    @property
    def key(self) -> str:
        return f"migration {self.host}{self.path}: {self.ingress} / {self.route}"

    @property
    def verdict(self) -> str:
        """ "ok" (same backend, no difference), "warn", or "unknown" (a Service or port
        could not be resolved and the names differ)."""
        if self.differences or self.same_backend is False:
            return Verdict.WARN.value
        return Verdict.OK.value if self.same_backend else "unknown"


_RESOLVED = re.compile(r"^(?P<name>\S+) \((?P<number>\d+)\)$")
"""An Ingress row's servicePort once resolved through the Service: "http (8080)"."""


def _backend(index: Index, namespace: str, service: str, port: str, weight: int | None) -> Backend:
    resolved = _RESOLVED.match(port)
    if resolved is not None:
        port = resolved.group("name")
    view = index.service(namespace, service)
    number = None
    if view is not None:
        found = next((p for p in view.ports if port in (p.name, str(p.port))), None)
        number = found.port if found is not None else None
    return Backend(namespace, service, port, number, weight)


def _regex_mode(index: Index, host: str) -> tuple[str, ...]:
    """The Ingresses (ns/name) that put ``host`` into ingress-nginx regex mode."""
    default = index.snapshot.default_namespace
    found = []
    for ingress in index.snapshot.ingresses:
        rules = (ingress.get("spec") or {}).get("rules") or []
        hosts = {str(r.get("host") or "") for r in rules if isinstance(r, Mapping)}
        if host in hosts and uses_regex(ingress):
            found.append(f"{namespace_of(ingress, default)}/{name_of(ingress)}")
    return tuple(sorted(found))


def _ingress_object(index: Index, ref: str) -> Mapping[str, object] | None:
    default = index.snapshot.default_namespace
    for ingress in index.snapshot.ingresses:
        if f"{namespace_of(ingress, default)}/{name_of(ingress)}" == ref:
            return ingress
    return None


def _path_differences(
    row: RouteExpectation, match: HTTPMatch, regex_by: tuple[str, ...], request_path: str
) -> Iterator[str]:
    ingress_type, ingress_path = row.path_type, row.path or "/"
    route_type, route_path = match.path.type, match.path.value
    if not ingress_type:
        yield (
            f"the Ingress answers {request_path} with its defaultBackend (no rule path "
            f"matches), the HTTPRoute with {route_type} {route_path}"
        )
    elif regex_by:
        yield (
            f"ingress-nginx regex mode is on for host {row.host} (use-regex or rewrite-target "
            f"on Ingress {', '.join(regex_by)}): the Ingress path {ingress_path} is a "
            f"case-insensitive regex prefix, the HTTPRoute's {route_type} {route_path} is "
            + (
                "implementation-specific"
                if route_type == "RegularExpression"
                else "case-sensitive and element-wise"
            )
        )
    elif ingress_type == "ImplementationSpecific":
        yield (
            f"the Ingress path {ingress_path} is ImplementationSpecific (ingress-nginx: a "
            f"prefix, not element-wise), the HTTPRoute's {route_type} {route_path} is not"
        )
    else:
        portable = {"Prefix": "PathPrefix", "Exact": "Exact"}[ingress_type]
        if route_type == "RegularExpression":
            yield (
                f"the Ingress matches {ingress_type} {ingress_path}, the HTTPRoute "
                f"RegularExpression {route_path} (implementation-specific)"
            )
        elif route_type != portable:
            yield (
                f"the Ingress matches {ingress_type} {ingress_path}, the HTTPRoute "
                f"{route_type} {route_path}: {portable} is the same semantics"
            )
        elif ingress_path.rstrip("/") != route_path.rstrip("/"):
            yield (
                f"the Ingress matches it with {ingress_type} {ingress_path}, the HTTPRoute with "
                f"{route_type} {route_path}: other URLs are routed differently"
            )
    if match.method:
        yield f"the HTTPRoute match also requires method {match.method}"
    for header in match.headers:
        yield f"the HTTPRoute match also requires header {header.name} ({header.type})"
    for query in match.query:
        yield f"the HTTPRoute match also requires query parameter {query.name} ({query.type})"


def _near_rules(
    row: RouteExpectation, match: GatewayMatch, graph: GatewayGraph, path: str
) -> list[str]:
    """HTTPRoute matches on the Ingress path's value that miss the URL because of their
    type: the usual migration slip (Ingress Prefix written as HTTPRoute Exact)."""
    if row.path_type not in ("Prefix", "Exact"):
        return []
    notes: list[str] = []
    for miss in match.misses:
        if miss.part is not MissPart.PATH:
            continue
        node = graph.route(miss.route.kind, miss.route.namespace, miss.route.name)
        if node is None:
            continue
        candidate = node.route.rules[miss.rule].matches[miss.match]
        if not isinstance(candidate, HTTPMatch):
            continue
        if candidate.path.value.rstrip("/") != (row.path or "/").rstrip("/"):
            continue
        portable = {"Prefix": "PathPrefix", "Exact": "Exact"}[row.path_type]
        if candidate.path.type == portable:
            continue
        notes.append(
            f"{miss.route.kind} {miss.route.path} rule {miss.rule} has "
            f"{candidate.path.type} {candidate.path.value}, which does not match {path}; the "
            f"Ingress's {row.path_type} {row.path} does ({portable} is its equivalent)"
        )
    return notes


_SWITCHES = frozenset({"ssl-redirect", "force-ssl-redirect", "use-regex", "enable-cors", "canary"})
"""Annotations whose "false" is ingress-nginx's default behaviour (or none at all)."""


def _annotations(ingress: Mapping[str, object] | None, rule: Rule) -> tuple[Annotation, ...]:
    if ingress is None:
        return ()
    filters = {f.type for f in rule.filters} | {
        f.type for ref in rule.backend_refs for f in ref.filters
    }
    found: list[Annotation] = []
    for key, value in sorted(annotations_of(ingress).items()):
        if not key.startswith(NGINX_PREFIX):
            continue
        short = key.removeprefix(NGINX_PREFIX)
        if value == "false" and short in _SWITCHES:
            continue  # switched off: nothing to carry over
        eq = EQUIVALENTS.get(short)
        found.append(
            Annotation(
                name=key,
                value=value,
                equivalent=eq.text if eq else "",
                filter=eq.filter if eq else "",
                present=(eq.filter in filters) if eq and eq.filter else None,
            )
        )
    return tuple(found)


def compare(
    index: Index,
    graph: GatewayGraph,
    ingress_rows: Sequence[RouteExpectation],
    matches: Sequence[GatewayMatch],
    host: str,
    path: str,
) -> tuple[Migration, ...]:
    """Every (Ingress rule, HTTPRoute winner) pair that answers the same URL."""
    found: list[Migration] = []
    for row in ingress_rows:
        if row.kind != "Ingress" or not row.ingress:
            continue
        ingress_ns = row.ingress.partition("/")[0]
        ingress_backend = _backend(index, ingress_ns, row.service, row.service_port, None)
        regex_by = _regex_mode(index, row.host) if row.path_type else ()
        ingress = _ingress_object(index, row.ingress)
        for match in matches:
            winner = match.winner
            if winner is None or winner.route.kind != "HTTPRoute":
                continue
            node = graph.route(winner.route.kind, winner.route.namespace, winner.route.name)
            if node is None:
                continue
            rule = node.route.rules[winner.rule]
            http = rule.matches[winner.match]
            if not isinstance(http, HTTPMatch):
                continue
            backends = tuple(
                _backend(
                    index,
                    share.resolution.ref.namespace,
                    share.resolution.ref.name,
                    str(share.resolution.ref.port or ""),
                    share.weight,
                )
                for share in match.backends
            )
            differences = list(_path_differences(row, http, regex_by, path))
            differences += _near_rules(row, match, graph, path)
            annotations = _annotations(ingress, rule)
            differences += [
                f"annotation {a.name} ({a.equivalent}) has no {a.filter} filter on "
                f"{winner.route.kind} {winner.route.path} rule {winner.rule}"
                for a in annotations
                if a.present is False
            ]
            same = _same_backend(ingress_backend, backends)
            if same is False:
                differences.insert(0, _backend_difference(ingress_backend, backends, match))
            listener = match.listener[1] if match.listener else ""
            found.append(
                Migration(
                    host=host,
                    path=path,
                    ingress=f"Ingress {row.ingress}",
                    ingress_path=f"{row.path_type} {row.path or '/'}"
                    if row.path_type
                    else "defaultBackend",
                    ingress_backend=ingress_backend,
                    route=winner.source(),
                    gateway=f"{match.gateway.path} listener {listener}"
                    if listener
                    else match.gateway.path,
                    route_path=http.describe(),
                    route_backends=backends,
                    same_backend=same,
                    differences=tuple(differences),
                    annotations=annotations,
                )
            )
    return tuple(found)


def _same_backend(ingress: Backend, backends: Sequence[Backend]) -> bool | None:
    receiving = [b for b in backends if b.weight != 0]
    if not receiving:
        return False
    if ingress.number is None or any(b.number is None for b in receiving):
        if all(b.target == ingress.target for b in receiving):
            return True
        return None
    return all(b.target == ingress.target for b in receiving)


def _backend_difference(ingress: Backend, backends: Sequence[Backend], match: GatewayMatch) -> str:
    receiving = [b for b in backends if b.weight != 0]
    if not receiving:
        return (
            f"the Ingress sends the URL to {ingress.describe()}, the HTTPRoute to no backend "
            f"({match.status_text()})"
        )
    shown = ", ".join(
        b.describe() + (f" weight {b.weight}" if len(receiving) > 1 else "") for b in receiving
    )
    return f"the Ingress sends the URL to {ingress.describe()}, the HTTPRoute to {shown}"


def findings(subject: ObjectRef, migrations: Sequence[Migration]) -> tuple[Finding, ...]:
    """One finding per comparison (same, or every difference), and one per annotation the
    HTTPRoute cannot express."""
    found: list[Finding] = []
    for m in migrations:
        evidence = [("ingress", m.ingress), ("route", m.route)]
        if m.same_backend and not m.differences:
            found.append(
                MIGRATION_SAME(
                    subject,
                    f"{m.ingress} ({m.ingress_path}) and {m.route} ({m.route_path}) both send "
                    f"{m.host}{m.path} to {m.ingress_backend.describe()}.",
                    evidence=evidence,
                )
            )
        elif m.differences or m.same_backend is False:
            found.append(
                MIGRATION_DIFFERS(
                    subject,
                    f"{m.ingress} ({m.ingress_path}) and {m.route} ({m.route_path}) both claim "
                    f"{m.host}{m.path}, but: " + "; ".join(m.differences) + ".",
                    f"Align {m.route} with {m.ingress} before moving {m.host} to the Gateway.",
                    evidence=evidence,
                )
            )
        unmapped = [a for a in m.annotations if not a.equivalent]
        if unmapped:
            found.append(
                MIGRATION_UNMAPPED(
                    subject,
                    f"{m.ingress} uses "
                    + ", ".join(f"{a.name}" for a in unmapped)
                    + ": no filter or field of a standard-channel HTTPRoute expresses "
                    + ("it" if len(unmapped) == 1 else "them")
                    + f", so {m.route} does not do "
                    + ("it." if len(unmapped) == 1 else "them."),
                    "Look for the Gateway implementation's policy for "
                    + ("it" if len(unmapped) == 1 else "them")
                    + ", or drop the behaviour knowingly.",
                    evidence=[*evidence, ("annotations", ", ".join(a.name for a in unmapped))],
                )
            )
    return tuple(found)
