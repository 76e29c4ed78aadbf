"""Which Gateway, listener, Route rule and backends answer one request.

Given a request (scheme, host, port, path, query, method, headers) and the graph:

1. **Listener** (GatewaySpec.Listeners, "Listener Isolation"): among the Gateway's
   accepted listeners on the request's port whose protocol fits the scheme (http:
   HTTP, https: HTTPS) and whose hostname matches the host, the most specific wins:
   an exact hostname, then the wildcard with most labels, then no hostname. Only the
   Routes attached to that listener are consulted. No listener for the host: 404.
2. **Rule** (HTTPRouteRule.Matches): every match of every rule of every Route attached
   to the listener is tried; among those that match, precedence is
   the route hostname (characters of a matching precise hostname, then of any matching
   hostname), an Exact path, the longest PathPrefix, a method match, most header
   matches, most query matches, then the oldest Route, then ``namespace/name``, then
   rule order within the Route (and match order within the rule). RegularExpression
   matches are implementation-specific: a result that depends on one is never
   certain. GRPCRoute: hostname, longest service, longest method, most headers, then
   the same tie-breakers.
3. **Outcome**: no rule matches: 404 (gRPC UNIMPLEMENTED). A RequestRedirect filter:
   the redirect status. Otherwise the rule's backendRefs in proportion to their
   weights; an invalid backendRef's share gets 500 (gRPC UNAVAILABLE); a rule without
   backendRefs, or whose weights are all 0, sends nothing to any backend: 500.

Every rule that lost says which criterion it lost on (:class:`Loss`), every rule that
did not match says which part of it failed (:class:`Miss`). Pure.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.gateways import GatewayNode
from kubectl_discover.analyze.gateway.graph import GatewayGraph
from kubectl_discover.analyze.gateway.listeners import ListenerKey, ListenerNode
from kubectl_discover.analyze.gateway.model import (
    EXACT,
    GRPCROUTE,
    HTTP,
    HTTPROUTE,
    HTTPS,
    PATH_PREFIX,
    REGULAR_EXPRESSION,
    TERMINATE,
    GRPCMatch,
    HTTPMatch,
    Rule,
    ValueMatch,
)
from kubectl_discover.analyze.gateway.routes import BackendResolution, RouteNode
from kubectl_discover.errors import InputError
from kubectl_discover.findings import Verdict
from kubectl_discover.refs import ObjectRef

# ---------------------------------------------------------------- the request


@dataclass(frozen=True)
class Request:
    scheme: str
    host: str
    """Lower case, without port or trailing dot."""
    port: int
    """The port connected to (the scheme's default when the URL has none)."""
    path: str
    query: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    """(lower-case name, value), in order."""
    url: str = ""

    @property
    def grpc(self) -> bool:
        """A gRPC request: its content-type is application/grpc (or +proto, ...)."""
        value = self.header("content-type") or ""
        return value.lower().startswith("application/grpc")

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)

    def query_value(self, name: str) -> str | None:
        """The first value of a repeated parameter (the spec's recommendation)."""
        return next((v for n, v in self.query if n == name), None)

    def describe(self) -> str:
        return self.url or f"{self.scheme}://{self.host}:{self.port}{self.path}"


def parse_request(url: str, *, method: str = "GET", headers: Sequence[str] = ()) -> Request:
    """A request from a URL plus curl-style ``-H 'Name: value'`` headers and a method.

    ``-H 'Host: name[:port]'`` replaces the URL's host (and port, when given) as curl
    does. InputError with one line when something is unusable.
    """
    text = url.strip()
    if not text or any(c.isspace() for c in text):
        raise InputError(f"invalid URL {url!r}: it must be one word like https://host/path")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"invalid URL {url!r}: scheme must be http or https, not {scheme!r}")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"invalid URL {url!r}: the port is not a number 1-65535") from None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise InputError(f"invalid URL {url!r}: it has no host")
    parsed: list[tuple[str, str]] = []
    for raw in headers:
        name, colon, value = raw.partition(":")
        name = name.strip()
        if not colon or not name or any(c.isspace() for c in name):
            raise InputError(f"invalid header {raw!r}: write it as 'Name: value'")
        parsed.append((name.lower(), value.strip()))
    for name, value in parsed:
        if name == "host":
            override = urlsplit(f"//{value}")
            try:
                override_port = override.port
            except ValueError:
                raise InputError(f"invalid Host header {value!r}: bad port") from None
            host = (override.hostname or "").rstrip(".").lower() or host
            if override_port is not None:
                port = override_port
    method = method.strip().upper() or "GET"
    return Request(
        scheme=scheme,
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        path=parts.path or "/",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        method=method,
        headers=tuple(parsed),
        url=url.strip(),
    )


# ---------------------------------------------------------------- listener choice


def _protocol_fits(node: ListenerNode, request: Request) -> bool:
    listener = node.listener
    if request.scheme == "http":
        return listener.protocol == HTTP
    return listener.protocol == HTTPS and (listener.tls is None or listener.tls.mode == TERMINATE)


@dataclass(frozen=True)
class ListenerChoice:
    listener: ListenerNode | None
    why: str
    passed_over: tuple[tuple[ListenerKey, str], ...] = ()
    """Other listeners on the port and why they do not take the request."""
    status: int | None = None
    """404 when the port is served but no listener takes the host."""


def choose_listener(gateway: GatewayNode, request: Request) -> ListenerChoice:
    """The listener of ``gateway`` that receives ``request`` (Listener Isolation)."""
    on_port = [n for n in gateway.listeners if n.listener.port == request.port]
    fitting = [n for n in on_port if _protocol_fits(n, request)]
    passed: list[tuple[ListenerKey, str]] = [
        (n.key, f"{n.label()} does not take {request.scheme} requests")
        for n in on_port
        if n not in fitting
    ]
    if not fitting:
        ports = sorted(
            {
                f"{n.listener.port}/{n.listener.protocol}"
                for n in gateway.listeners
                if n.listener.port is not None
            }
        )
        return ListenerChoice(
            None,
            f"{gateway.ref} has no {'HTTP' if request.scheme == 'http' else 'HTTPS'} listener on "
            f"port {request.port} (listeners: {', '.join(ports) or 'none'}), so the connection "
            "is refused or reaches something else",
            tuple(passed),
        )
    matching = [n for n in fitting if hostnames.matches(n.listener.hostname, request.host)]
    for n in fitting:
        if n not in matching:
            passed.append((n.key, f"{n.label()} does not match host {request.host}"))
    accepted = [n for n in matching if n.accepted]
    for n in matching:
        if not n.accepted:
            passed.append((n.key, f"{n.label()} is not accepted: {n.blocking_why()}"))
    if not accepted:
        if matching:
            why = (
                f"the only listener(s) of {gateway.ref} for {request.host} on port "
                f"{request.port} are not accepted: "
                + "; ".join(f"{n.label()}: {n.blocking_why()}" for n in matching)
            )
        else:
            hosts = ", ".join(sorted({n.listener.hostname or "any host" for n in fitting}))
            why = (
                f"no listener of {gateway.ref} on port {request.port} matches host "
                f"{request.host} (listener hostnames: {hosts}), so the Gateway answers 404"
            )
        return ListenerChoice(None, why, tuple(passed), 404)
    best = max(accepted, key=lambda n: (hostnames.specificity(n.listener.hostname), -n.order))
    for n in accepted:
        if n is not best:
            passed.append(
                (
                    n.key,
                    f"{n.label()} also matches, but {best.listener.hostname or 'any host'} is more "
                    "specific, and routes of a less specific listener never see the request "
                    "(listener isolation)",
                )
            )
    how = (
        "exact hostname"
        if best.listener.hostname and not hostnames.is_wildcard(best.listener.hostname)
        else "wildcard hostname"
        if best.listener.hostname
        else "no hostname (any host)"
    )
    return ListenerChoice(
        best, f"{best.label()} takes {request.host}:{request.port} ({how})", tuple(passed)
    )


# ---------------------------------------------------------------- precedence


class Criterion(enum.Enum):
    """The precedence criteria, in the order the spec applies them."""

    PRECISE_HOSTNAME = "characters in a matching precise hostname"
    HOSTNAME = "characters in a matching hostname"
    EXACT_PATH = "an Exact path match"
    PREFIX_LENGTH = "a longer PathPrefix"
    METHOD = "a method match"
    HEADERS = "more header matches"
    QUERY = "more query parameter matches"
    GRPC_SERVICE = "a longer service match"
    GRPC_METHOD = "a longer method match"
    OLDER_ROUTE = "an older Route (creationTimestamp)"
    ROUTE_NAME = "namespace/name order"
    RULE_ORDER = "rule order within the Route"
    MATCH_ORDER = "match order within the rule"


@dataclass(frozen=True)
class Precedence:
    precise_host: int
    host: int
    exact: bool
    prefix: int
    regex: bool
    method: bool
    headers: int
    query: int
    grpc_service: int
    grpc_method: int
    age: tuple[int, str, str, str]
    route: str
    rule: int
    match: int

    def sort_key(self) -> tuple[object, ...]:
        """Ascending order = winner first. Regex paths sort after every other path."""
        return (
            -self.precise_host,
            -self.host,
            not self.exact,
            self.regex,
            -self.prefix,
            not self.method,
            -self.headers,
            -self.query,
            -self.grpc_service,
            -self.grpc_method,
            self.age,
            self.route,
            self.rule,
            self.match,
        )

    def values(self) -> tuple[tuple[Criterion, object, str], ...]:
        """(criterion, comparable value (greater wins), shown value)."""
        created = self.age[1] or "no creationTimestamp"
        return (
            (Criterion.PRECISE_HOSTNAME, self.precise_host, f"{self.precise_host} characters"),
            (Criterion.HOSTNAME, self.host, f"{self.host} characters"),
            (Criterion.EXACT_PATH, self.exact, "Exact" if self.exact else "not Exact"),
            (
                Criterion.PREFIX_LENGTH,
                (not self.regex, self.prefix),
                "RegularExpression" if self.regex else f"{self.prefix} characters",
            ),
            (Criterion.METHOD, self.method, "method" if self.method else "any method"),
            (Criterion.HEADERS, self.headers, f"{self.headers} header matches"),
            (Criterion.QUERY, self.query, f"{self.query} query matches"),
            (Criterion.GRPC_SERVICE, self.grpc_service, f"{self.grpc_service} characters"),
            (Criterion.GRPC_METHOD, self.grpc_method, f"{self.grpc_method} characters"),
            (Criterion.OLDER_ROUTE, _negate_age(self.age), created),
            (Criterion.ROUTE_NAME, _Reverse(self.route), self.route),
            (Criterion.RULE_ORDER, -self.rule, f"rule {self.rule}"),
            (Criterion.MATCH_ORDER, -self.match, f"match {self.match}"),
        )


class _Reverse:
    """Orders strings backwards, so that the alphabetically first compares greatest."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.text == other.text

    def __gt__(self, other: _Reverse) -> bool:
        return self.text < other.text

    def __hash__(self) -> int:
        return hash(self.text)


def _negate_age(age: tuple[int, str, str, str]) -> tuple[int, _Reverse]:
    # Present timestamps (0) beat missing ones (1); earlier beats later.
    return (-age[0], _Reverse(age[1]))


@dataclass(frozen=True)
class Loss:
    """Why a matching rule did not win: the first criterion on which the winner is ahead."""

    criterion: Criterion
    winner: str
    loser: str

    def describe(self) -> str:
        return f"lost on {self.criterion.value}: {self.winner} beats {self.loser}"


def compare(winner: Precedence, loser: Precedence) -> Loss:
    for (criterion, a, shown_a), (_, b, shown_b) in zip(
        winner.values(), loser.values(), strict=True
    ):
        if a != b:
            return Loss(criterion, shown_a, shown_b)
    return Loss(Criterion.MATCH_ORDER, f"match {winner.match}", f"match {loser.match}")


# ---------------------------------------------------------------- candidates


class MissPart(enum.Enum):
    HOSTNAME = "hostname"
    PATH = "path"
    METHOD = "method"
    HEADER = "header"
    QUERY = "query parameter"
    GRPC = "gRPC service/method"
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class Candidate:
    """One match of one rule of one Route, as the request meets it."""

    route: ObjectRef
    rule: int
    rule_name: str
    match: int
    description: str
    hostname: str
    """The route hostname (intersected with the listener's) that matched the host."""
    key: Precedence
    uncertain: str = ""
    """Non-empty when the match depends on an implementation-specific regex."""

    def source(self) -> str:
        """``HTTPRoute shop/web rule 2 match 1`` (as the JSON contract names it)."""
        return f"{self.route.kind} {self.route.path} rule {self.rule} match {self.match}"


@dataclass(frozen=True)
class Miss:
    """A rule match that does not match the request, and the first part that fails."""

    route: ObjectRef
    rule: int
    match: int
    part: MissPart
    why: str
    description: str = ""


def _regex(pattern: str, text: str) -> bool | None:
    """Full match with Python's re (close to RE2 for common patterns); None if it does
    not compile. The dialect is implementation-specific, hence never certain."""
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return None


def path_matches(match_type: str, value: str, path: str) -> bool | None:
    """Exact: case-sensitive equality. PathPrefix: element-wise on '/', a trailing '/'
    of the value ignored (``/foo`` matches ``/foo``, ``/foo/``, ``/foo/bar``, not
    ``/foobar``). RegularExpression: None when uncertain or not compilable."""
    if match_type == EXACT:
        return path == value
    if match_type == PATH_PREFIX:
        prefix = value.rstrip("/")
        return prefix == "" or path == prefix or path.startswith(prefix + "/")
    if match_type == REGULAR_EXPRESSION:
        return _regex(value, path)
    return False


def _first_by_name(items: Iterable[ValueMatch], fold: bool) -> list[ValueMatch]:
    """Only the first entry of equivalent names counts (headers case-insensitively)."""
    seen: set[str] = set()
    kept: list[ValueMatch] = []
    for item in items:
        name = item.name.lower() if fold else item.name
        if name in seen:
            continue
        seen.add(name)
        kept.append(item)
    return kept


def _value_match(item: ValueMatch, actual: str | None) -> tuple[bool, str]:
    """(matched, uncertainty note)."""
    if actual is None:
        return False, ""
    if item.type == REGULAR_EXPRESSION:
        result = _regex(item.value, actual)
        note = f"{item.name} is matched by a regular expression (implementation-specific dialect)"
        return bool(result), note
    return actual == item.value, ""


def _http_candidate(
    route: RouteNode,
    rule: Rule,
    match: HTTPMatch,
    request: Request,
    host: tuple[int, int],
    hostname: str,
) -> Candidate | Miss:
    base = (route.ref, rule.index, match.index)
    notes: list[str] = []
    path = match.path
    ok = path_matches(path.type, path.value, request.path)
    if path.type == REGULAR_EXPRESSION:
        notes.append(
            f"path {path.value!r} is a RegularExpression (dialect and precedence are "
            "implementation-specific)"
        )
    if not ok:
        why = f"path {request.path} does not match {path.type} {path.value}"
        if path.type == PATH_PREFIX and request.path.startswith(path.value.rstrip("/")):
            why += " (PathPrefix matches whole '/'-separated elements)"
        elif path.type == EXACT and request.path.rstrip("/") == path.value.rstrip("/"):
            why += " (Exact compares the whole path, trailing '/' included)"
        elif ok is None:
            why = f"path regex {path.value!r} does not compile here (implementation-specific)"
        return Miss(*base, MissPart.PATH, why, match.describe())
    if match.method and match.method != request.method:
        return Miss(
            *base,
            MissPart.METHOD,
            f"method {request.method} is not {match.method}",
            match.describe(),
        )
    headers = _first_by_name(match.headers, fold=True)
    for item in headers:
        actual = request.header(item.name)
        matched, note = _value_match(item, actual)
        if note:
            notes.append(note)
        if not matched:
            shown = "absent" if actual is None else repr(actual)
            return Miss(
                *base,
                MissPart.HEADER,
                f"header {item.name} is {shown}, not {item.value!r}"
                + (" (regex)" if item.type == REGULAR_EXPRESSION else ""),
                match.describe(),
            )
    query = _first_by_name(match.query, fold=False)
    for item in query:
        actual = request.query_value(item.name)
        matched, note = _value_match(item, actual)
        if note:
            notes.append(note)
        if not matched:
            shown = "absent" if actual is None else repr(actual)
            return Miss(
                *base,
                MissPart.QUERY,
                f"query parameter {item.name} is {shown}, not {item.value!r}",
                match.describe(),
            )
    key = Precedence(
        precise_host=host[0],
        host=host[1],
        exact=path.type == EXACT,
        prefix=len(path.value) if path.type == PATH_PREFIX else 0,
        regex=path.type == REGULAR_EXPRESSION,
        method=bool(match.method),
        headers=len(headers),
        query=len(query),
        grpc_service=0,
        grpc_method=0,
        age=route.route.age,
        route=route.ref.path,
        rule=rule.index,
        match=match.index,
    )
    return Candidate(
        route.ref,
        rule.index,
        rule.name,
        match.index,
        match.describe(),
        hostname,
        key,
        "; ".join(notes),
    )


def _grpc_candidate(
    route: RouteNode,
    rule: Rule,
    match: GRPCMatch | None,
    request: Request,
    host: tuple[int, int],
    hostname: str,
) -> Candidate | Miss:
    index = match.index if match is not None else 0
    base = (route.ref, rule.index, index)
    description = match.describe() if match is not None else "any service and method"
    parts = request.path.strip("/").split("/")
    service, method = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
    notes: list[str] = []
    if match is not None and (match.service or match.method):
        if not service:
            return Miss(
                *base,
                MissPart.GRPC,
                f"path {request.path} is not /package.Service/Method",
                description,
            )
        if match.type == REGULAR_EXPRESSION:
            notes.append("service/method matched by a regular expression (implementation-specific)")
            ok = (not match.service or bool(_regex(match.service, service))) and (
                not match.method or bool(_regex(match.method, method))
            )
        else:
            ok = (not match.service or match.service == service) and (
                not match.method or match.method == method
            )
        if not ok:
            return Miss(
                *base,
                MissPart.GRPC,
                f"{service}/{method} is not {match.service or '*'}/{match.method or '*'}",
                description,
            )
    headers = _first_by_name(match.headers if match is not None else (), fold=True)
    for item in headers:
        actual = request.header(item.name)
        matched, note = _value_match(item, actual)
        if note:
            notes.append(note)
        if not matched:
            shown = "absent" if actual is None else repr(actual)
            return Miss(
                *base,
                MissPart.HEADER,
                f"header {item.name} is {shown}, not {item.value!r}",
                description,
            )
    key = Precedence(
        precise_host=host[0],
        host=host[1],
        exact=False,
        prefix=0,
        regex=False,
        method=False,
        headers=len(headers),
        query=0,
        grpc_service=len(match.service) if match is not None else 0,
        grpc_method=len(match.method) if match is not None else 0,
        age=route.route.age,
        route=route.ref.path,
        rule=rule.index,
        match=index,
    )
    return Candidate(
        route.ref, rule.index, rule.name, index, description, hostname, key, "; ".join(notes)
    )


def evaluate(
    routes: Sequence[tuple[RouteNode, tuple[str, ...]]], request: Request
) -> tuple[list[Candidate], list[Miss]]:
    """Every match of every rule of ``routes`` (each with its intersected hostnames on
    the listener) against ``request``: the candidates that match, sorted winner first,
    and the misses."""
    candidates: list[Candidate] = []
    misses: list[Miss] = []
    for node, served in routes:
        rank = hostnames.match_rank(served, request.host)
        if rank is None:
            shown = ", ".join(h or "any host" for h in served)
            for rule in node.route.rules:
                misses.append(
                    Miss(
                        node.ref,
                        rule.index,
                        0,
                        MissPart.HOSTNAME,
                        f"host {request.host} is not among the route's hostnames on this "
                        f"listener ({shown})",
                        rule.describe_matches(),
                    )
                )
            continue
        hostname = hostnames.best_match(served, request.host) or ""
        for rule in node.route.rules:
            if node.route.kind == GRPCROUTE:
                matches: Sequence[GRPCMatch | HTTPMatch | None] = rule.matches or (None,)
            else:
                matches = rule.matches
            for match in matches:
                if isinstance(match, HTTPMatch):
                    found = _http_candidate(node, rule, match, request, rank, hostname)
                else:
                    found = _grpc_candidate(node, rule, match, request, rank, hostname)
                if isinstance(found, Candidate):
                    candidates.append(found)
                else:
                    misses.append(found)
    candidates.sort(key=lambda c: c.key.sort_key())
    return candidates, misses


# ---------------------------------------------------------------- outcome


class Outcome(enum.Enum):
    FORWARDED = "forwarded"
    NOT_FOUND = "not found"
    SERVER_ERROR = "server error"
    REDIRECT = "redirect"
    NO_LISTENER = "no listener"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class BackendShare:
    resolution: BackendResolution
    weight: int
    share: float
    """The fraction of the rule's requests aimed at this backendRef."""
    status: int | None
    """None: forwarded to the Service; 500: the reference is invalid."""
    why: str


@dataclass(frozen=True)
class GatewayMatch:
    """The answer of one Gateway to the request."""

    gateway: ObjectRef
    listener: ListenerKey | None
    listener_why: str
    outcome: Outcome
    status: int | None
    """404, 500, a redirect status, or None when forwarded to backends."""
    reason: str
    winner: Candidate | None = None
    losers: tuple[tuple[Candidate, Loss], ...] = ()
    misses: tuple[Miss, ...] = ()
    backends: tuple[BackendShare, ...] = ()
    error_share: float = 0.0
    """Fraction of requests answered 500 because their backendRef is invalid."""
    certain: bool = True
    notes: tuple[str, ...] = ()
    passed_over: tuple[tuple[ListenerKey, str], ...] = ()
    grpc: bool = False
    served: bool | None = True
    """False when no controller programs the Gateway (class missing or not accepted)."""

    @property
    def verdict(self) -> Verdict:
        if self.served is False:
            return Verdict.FAIL
        if self.outcome in (Outcome.NOT_FOUND, Outcome.NO_LISTENER, Outcome.SERVER_ERROR):
            return Verdict.FAIL
        if self.outcome is Outcome.UNKNOWN or not self.certain:
            return Verdict.WARN
        if self.error_share > 0:
            return Verdict.WARN
        return Verdict.OK

    def status_text(self) -> str:
        """How the client sees the outcome: "404", "500", "302", "forwarded", gRPC names."""
        if self.status is None:
            return "forwarded" if self.outcome is Outcome.FORWARDED else self.outcome.value
        if self.grpc and self.status == 404:
            return "gRPC UNIMPLEMENTED"
        if self.grpc and self.status == 500:
            return "gRPC UNAVAILABLE"
        return str(self.status)


def _attached_unknown(graph: GatewayGraph, key: ListenerKey) -> list[str]:
    notes: list[str] = []
    for node in graph.routes.values():
        for parent in node.parents:
            for verdict in parent.listeners:
                if verdict.listener == key and verdict.attached is None:
                    notes.append(f"{node.ref} may also attach here: {verdict.why}")
    return notes


def _rule_of(graph: GatewayGraph, candidate: Candidate) -> tuple[RouteNode, Rule]:
    node = graph.routes[(candidate.route.kind, candidate.route.namespace, candidate.route.name)]
    return node, node.route.rules[candidate.rule]


def _forward(
    node: RouteNode, rule: Rule
) -> tuple[Outcome, int | None, str, tuple[BackendShare, ...], float, list[str]]:
    """What the winning rule does with the request."""
    notes: list[str] = []
    where = f"{rule.label()} of {node.ref}"
    redirect = next((f for f in rule.filters if f.type == "RequestRedirect"), None)
    if redirect is not None:
        target = redirect.raw.get("requestRedirect") or {}
        shown = ", ".join(f"{k} {v}" for k, v in target.items() if k != "statusCode")
        return (
            Outcome.REDIRECT,
            redirect.redirect_status,
            f"{where} redirects with {redirect.redirect_status}" + (f" ({shown})" if shown else ""),
            (),
            0.0,
            notes,
        )
    custom = [f for f in rule.filters if f.type == "ExtensionRef"]
    if custom:
        notes.append(
            f"{where} has an ExtensionRef filter (implementation-specific); if it cannot be "
            "resolved the request gets an error"
        )
    rewrite = next((f for f in rule.filters if f.type == "URLRewrite"), None)
    if rewrite is not None:
        notes.append(
            f"{where} rewrites the request before forwarding (URLRewrite "
            f"{dict(rewrite.raw.get('urlRewrite') or {})})"
        )
    if not rule.backend_refs:
        also = " and no redirect" if not rule.filters else ", only filters that do not answer"
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches but has no backendRefs{also}, so the Gateway answers 500",
            (),
            1.0,
            notes,
        )
    resolutions = node.backends[rule.index]
    total = sum(max(r.ref.weight, 0) for r in resolutions)
    if total == 0:
        shares = tuple(
            BackendShare(r, r.ref.weight, 0.0, None, "weight 0: no traffic") for r in resolutions
        )
        notes.append(
            "every backendRef has weight 0, so no backend may receive traffic; the "
            "specification names no status for this case: 500 is predicted as for a rule "
            "without usable backends, and some implementations answer 503"
        )
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches, but every backendRef has weight 0, so no backend gets the "
            "request (500)",
            shares,
            1.0,
            notes,
        )
    shares_list: list[BackendShare] = []
    error = 0.0
    unknown = False
    for resolution in resolutions:
        share = max(resolution.ref.weight, 0) / total
        if resolution.ref.weight == 0:
            shares_list.append(BackendShare(resolution, 0, 0.0, None, "weight 0: no traffic"))
            continue
        if resolution.valid is False:
            error += share
            shares_list.append(
                BackendShare(resolution, resolution.ref.weight, share, 500, resolution.message)
            )
            continue
        if resolution.valid is None:
            unknown = True
        if resolution.external_name:
            notes.append(
                f"{resolution.service_ref} is ExternalName {resolution.external_name}: support "
                "is implementation-specific (implementations SHOULD NOT support it)"
            )
        shares_list.append(
            BackendShare(resolution, resolution.ref.weight, share, None, resolution.message)
        )
    shares = tuple(shares_list)
    if error >= 1.0 - 1e-9:
        return (
            Outcome.SERVER_ERROR,
            500,
            f"{where} matches, but every backendRef with weight is invalid, so the Gateway "
            "answers 500: " + "; ".join(s.why for s in shares if s.status == 500),
            shares,
            1.0,
            notes,
        )
    valid = [s for s in shares if s.status is None and s.share > 0]
    reason = f"{where} forwards to " + ", ".join(
        f"{s.resolution.ref.describe()} ({s.share:.0%})" for s in valid
    )
    if error > 0:
        reason += f"; {error:.0%} of requests get 500 (invalid backendRef)"
    return (
        Outcome.UNKNOWN if unknown and not valid else Outcome.FORWARDED,
        None,
        reason,
        shares,
        error,
        notes,
    )


def _match_gateway(graph: GatewayGraph, gateway: GatewayNode, request: Request) -> GatewayMatch:
    choice = choose_listener(gateway, request)
    served = gateway.serves
    notes: list[str] = []
    if served is False:
        notes.append(f"{gateway.ref} is not programmed by any controller: {gateway.cls.why}")
    elif served is None:
        notes.append(f"whether a controller programs {gateway.ref} is unknown: {gateway.cls.why}")
    if choice.listener is None:
        return GatewayMatch(
            gateway.ref,
            None,
            choice.why,
            Outcome.NO_LISTENER,
            choice.status,
            choice.why,
            passed_over=choice.passed_over,
            notes=tuple(notes),
            grpc=request.grpc,
            served=served,
        )
    listener = choice.listener
    attached = graph.routes_on(listener.key)
    notes.extend(_attached_unknown(graph, listener.key))
    grpc_routes = [(n, h) for n, h in attached if n.route.kind == GRPCROUTE]
    http_routes = [(n, h) for n, h in attached if n.route.kind == HTTPROUTE]
    grpc_for_host = [
        (n, h) for n, h in grpc_routes if hostnames.match_rank(h, request.host) is not None
    ]
    use_grpc = request.grpc and bool(grpc_for_host)
    pool = grpc_routes if use_grpc else http_routes
    if not request.grpc and grpc_for_host:
        notes.append(
            "GRPCRoute(s) "
            + ", ".join(str(n.ref) for n, _ in grpc_for_host)
            + " serve this host for gRPC requests (content-type: application/grpc)"
        )
    candidates, misses = evaluate(pool, request)
    if not candidates:
        reason = (
            f"no rule of the {len(pool)} "
            f"{'GRPCRoute' if use_grpc else 'HTTPRoute'}(s) attached to {listener.label()} "
            f"matches {request.method} {request.path}, so the Gateway answers 404"
        )
        if not pool:
            reason = (
                f"no {'GRPCRoute' if use_grpc else 'HTTPRoute'} is attached to "
                f"{listener.label()}, so the Gateway answers 404"
            )
        return GatewayMatch(
            gateway.ref,
            listener.key,
            choice.why,
            Outcome.NOT_FOUND,
            404,
            reason,
            misses=tuple(misses),
            passed_over=choice.passed_over,
            notes=tuple(notes),
            grpc=use_grpc,
            served=served,
        )
    winner = candidates[0]
    losers = tuple((c, compare(winner.key, c.key)) for c in candidates[1:])
    uncertain = [c.uncertain for c in candidates if c.uncertain]
    certain = not uncertain
    if winner.key.regex or any(c.key.regex for c in candidates[1:]):
        notes.append(
            "a RegularExpression path matches: where it ranks against the other matches is "
            "implementation-specific, so another rule may answer"
        )
        certain = False
    notes.extend(dict.fromkeys(uncertain))
    node, rule = _rule_of(graph, winner)
    outcome, status, reason, shares, error, more = _forward(node, rule)
    notes.extend(more)
    if any(f.type == "ExtensionRef" for f in rule.filters):
        certain = False
    return GatewayMatch(
        gateway.ref,
        listener.key,
        choice.why,
        outcome,
        status,
        f"{winner.source()} ({winner.description}) wins; {reason}",
        winner=winner,
        losers=losers,
        misses=tuple(misses),
        backends=shares,
        error_share=error,
        certain=certain,
        notes=tuple(notes),
        passed_over=choice.passed_over,
        grpc=use_grpc,
        served=served,
    )


def candidate_gateways(graph: GatewayGraph, request: Request) -> tuple[GatewayNode, ...]:
    """Gateways with a listener on the request's port and scheme (any hostname)."""
    return tuple(
        node
        for _, node in sorted(graph.gateways.items())
        if any(
            n.listener.port == request.port and _protocol_fits(n, request) for n in node.listeners
        )
    )


def match_request(
    graph: GatewayGraph,
    request: Request,
    gateway: tuple[str, str] | None = None,
) -> tuple[GatewayMatch, ...]:
    """The answer of every Gateway that could receive ``request`` (or of ``gateway``).

    Without ``gateway``: one result per Gateway whose listeners take the request's
    port, scheme and host; when none takes the host, one result (404, no listener) per
    Gateway listening on the port and scheme. Empty when no Gateway listens there.
    With ``gateway`` (namespace, name): its answer alone, even
    when it has no listener for the request; LookupError when it does not exist.
    """
    if gateway is not None:
        node = graph.gateway(*gateway)
        if node is None:
            raise LookupError(f'Gateway "{gateway[1]}" not found in namespace "{gateway[0]}"')
        return (_match_gateway(graph, node, request),)
    results = [_match_gateway(graph, node, request) for node in candidate_gateways(graph, request)]
    taking = [m for m in results if m.outcome is not Outcome.NO_LISTENER]
    # Gateways whose listeners do not take the host matter only when none does.
    return tuple(sorted(taking or results, key=lambda m: m.gateway))


def host_hint(graph: GatewayGraph) -> Mapping[str, tuple[ObjectRef, ...]]:
    """Hostnames the attached Routes serve, with their Routes (for "did you mean")."""
    found: dict[str, list[ObjectRef]] = {}
    for entries in graph.attachments.values():
        for key, served in entries:
            for host in served:
                if host:
                    found.setdefault(host, []).append(graph.routes[key].ref)
    return {h: tuple(dict.fromkeys(refs)) for h, refs in sorted(found.items())}
