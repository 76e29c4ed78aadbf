"""Every rule match of every attached Route met with the request: the ones that match
(:class:`Candidate`) and, for the rest, the first part that fails (:class:`Miss`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.model import (
    EXACT,
    GRPCROUTE,
    PATH_PREFIX,
    REGULAR_EXPRESSION,
)
from kubectl_discover.analyze.gateway.precedence import (
    Precedence,
)
from kubectl_discover.analyze.gateway.request import (
    Request,
)
from kubectl_discover.analyze.gateway.routemodel import (
    GRPCMatch,
    HTTPMatch,
    Rule,
    ValueMatch,
)
from kubectl_discover.analyze.gateway.routes import RouteNode
from kubectl_discover.refs import ObjectRef

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
    query = _first_by_name(match.query, fold=False)
    for items, part, what, value_of in (
        (headers, MissPart.HEADER, "header", request.header),
        (query, MissPart.QUERY, "query parameter", request.query_value),
    ):
        for item in items:
            actual = value_of(item.name)
            matched, note = _value_match(item, actual)
            if note:
                notes.append(note)
            if not matched:
                shown = "absent" if actual is None else repr(actual)
                regex = " (regex)" if item.type == REGULAR_EXPRESSION else ""
                return Miss(
                    *base,
                    part,
                    f"{what} {item.name} is {shown}, not {item.value!r}{regex}",
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
