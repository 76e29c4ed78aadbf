"""Which Ingress rule answers a URL, and what stands behind it (the Ingress API's path
matching rules).

``kubectl discover route https://shop.example.com/api/x`` replays the matching rules of
networking.k8s.io/v1 over every Ingress in scope:

- host: a precise host wins over a ``*.`` wildcard (which matches exactly one extra
  label), which wins over rules without host (they match every Host);
- path, within the chosen host: the longest matching path; on a tie Exact beats
  Prefix. Exact is case-sensitive equality; Prefix matches element-wise on '/',
  trailing slashes ignored; ImplementationSpecific is treated as Prefix (the
  controller decides);
- no path matches: the defaultBackend of the Ingress that owns the host, else the
  controller's default backend (ingress-nginx: 404).

Then it says where ingress-nginx deviates: regex mode on a host (any Ingress there with
rewrite-target or use-regex makes every path a case-insensitive regex prefix, longest
first) and several Ingresses defining the same path (the oldest wins). The winning
route's chain down to the pods comes from :mod:`.ingresses`. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingresses import IngressAnalysis, RouteAnalysis, analyze_ingress
from kubectl_discover.analyze.ingresspaths import age_key, host_table, likely_nginx, uses_regex
from kubectl_discover.analyze.model import ChainLink, Diagnosis, RouteExpectation
from kubectl_discover.errors import InputError
from kubectl_discover.findings import Check, Finding, Severity, Verdict
from kubectl_discover.refs import ObjectRef, url_ref
from kubectl_discover.snapshot import namespace_of
from kubectl_discover.syntax import is_ip

# ---------------------------------------------------------------- catalogue

NO_HOST_MATCH = Check(
    "route-no-host-match",
    Severity.FAIL,
    "No Ingress rule matches the URL's host",
    "Requests are routed by the Host header first. With no rule for that host, no wildcard "
    "covering it (a wildcard covers exactly one label) and no rule without host, the "
    "controller's default backend answers (ingress-nginx: 404). Requests by IP carry the IP "
    "as Host and match only rules without host.",
    "Use the host name the rules declare (curl -H 'Host: NAME' http://ADDRESS/), or add a "
    "rule for this host.",
    area="ingress",
)
NO_PATH_MATCH = Check(
    "route-no-path-match",
    Severity.FAIL,
    "The host matches but none of its paths does",
    "Exact paths match only the identical, case-sensitive path (/foo is not /foo/); Prefix "
    "paths match whole '/'-separated elements (/foo matches /foo/bar, not /foobar). With no "
    "matching path and no defaultBackend, the controller answers 404.",
    "Add a path that covers the request (pathType: Prefix), or a spec.defaultBackend.",
    area="ingress",
)
DEFAULT_BACKEND_USED = Check(
    "route-default-backend",
    Severity.INFO,
    "The request falls through to an Ingress defaultBackend",
    "No rule path matches, so the defaultBackend of the Ingress that serves the host (or the "
    "catch-all Ingress without rules) answers.",
    "Nothing to do if intended; otherwise add a path for the request.",
    area="ingress",
)
IMPLEMENTATION_SPECIFIC = Check(
    "route-implementation-specific",
    Severity.INFO,
    "The matching path is ImplementationSpecific",
    "ImplementationSpecific paths are interpreted by the controller (ingress-nginx: a prefix, "
    "or a regex in regex mode); the simulation treats them as Prefix.",
    "Use Prefix or Exact where the portable meaning is wanted.",
    area="ingress",
)
REGEX_DEVIATION = Check(
    "route-nginx-regex",
    Severity.WARN,
    "ingress-nginx regex mode changes which path answers",
    "If any Ingress on the host uses rewrite-target or use-regex, ingress-nginx matches every "
    "path there as a case-insensitive regex prefix, longest first, so a different path than "
    "the API rules pick (or one the API would not match) may answer.",
    "Move the regex/rewrite paths to their own host, or make every path on the host safe as "
    "a regex prefix.",
    area="ingress",
)
HOST_CONFLICT = Check(
    "route-conflict",
    Severity.INFO,
    "Several Ingresses define the winning host and path",
    "Controllers merge Ingresses per host; for the same host, path and pathType ingress-nginx "
    "uses the oldest Ingress.",
    "Keep each host+path in exactly one Ingress.",
    area="ingress",
)
SEVERAL_CONTROLLERS = Check(
    "route-several-controllers",
    Severity.INFO,
    "Ingresses of several classes match the URL",
    "Each IngressClass is served by its own controller and address; which one answers depends "
    "on where the host's DNS points.",
    "Check which controller address the host resolves to.",
    area="ingress",
)

CHECKS = (
    NO_HOST_MATCH,
    NO_PATH_MATCH,
    DEFAULT_BACKEND_USED,
    IMPLEMENTATION_SPECIFIC,
    REGEX_DEVIATION,
    HOST_CONFLICT,
    SEVERAL_CONTROLLERS,
)

_TYPE_ORDER = {"Exact": 0, "Prefix": 1, "ImplementationSpecific": 2}

# ---------------------------------------------------------------- pure matching


def match_exact(rule_path: str, request_path: str) -> bool:
    """Exact: case-sensitive string equality (``/foo`` does not match ``/foo/``)."""
    return rule_path == request_path


def match_prefix(rule_path: str, request_path: str) -> bool:
    """Prefix: element-wise on '/', trailing slashes ignored on both sides.

    ``/foo`` matches ``/foo``, ``/foo/`` and ``/foo/bar`` but not ``/foobar``; ``/``
    matches everything.
    """
    rule = rule_path.rstrip("/")
    request = request_path.rstrip("/")
    return rule == "" or request == rule or request.startswith(rule + "/")


def host_matches(rule_host: str, host: str) -> bool:
    """Whether a rule host matches a request host (case-insensitive, no port).

    Empty matches every host; ``*.foo.com`` matches exactly one extra leftmost label.
    """
    return host_rank(rule_host, host) is not None


def host_rank(rule_host: str, host: str) -> int | None:
    """2 for a precise match, 1 for a wildcard match, 0 for a rule without host."""
    rule_host = rule_host.lower()
    host = host.lower().rstrip(".")
    if not rule_host:
        return 0
    if rule_host == host:
        return 2
    if rule_host.startswith("*."):
        label, dot, rest = host.partition(".")
        if label and dot and rest == rule_host[2:]:
            return 1
    return None


def path_matches(path_type: str, rule_path: str, request_path: str) -> bool:
    """Exact by equality; Prefix and ImplementationSpecific (as Prefix) element-wise."""
    if path_type == "Exact":
        return match_exact(rule_path, request_path)
    return match_prefix(rule_path or "/", request_path)


@dataclass(frozen=True)
class Rule:
    """One rule path as the matcher sees it."""

    host: str
    path: str
    path_type: str
    ingress: str = ""
    """namespace/name of the Ingress that declares it."""
    age: tuple[str, str, str] = ("", "", "")
    """Sort key, oldest Ingress first (creationTimestamp, namespace, name)."""
    position: int = 0
    """Order within the Ingress, for stable results."""


@dataclass(frozen=True)
class Choice:
    """The rule that answers, and how the host matched."""

    rule: Rule
    host_match: str
    """"precise", "wildcard" or "any"."""
    shadowed: tuple[Rule, ...] = ()
    """Rules with the same host, path and pathType that lost on age."""


_HOST_MATCH = {2: "precise", 1: "wildcard", 0: "any"}


def host_tier(rules: Iterable[Rule], host: str) -> tuple[int, tuple[Rule, ...]] | None:
    """The most specific host tier that has rules for ``host``, and those rules.

    A controller picks the server by Host alone; paths of a less specific host are not
    consulted once a more specific host has any rule.
    """
    tiers: dict[int, list[Rule]] = {}
    for rule in rules:
        rank = host_rank(rule.host, host)
        if rank is not None:
            tiers.setdefault(rank, []).append(rule)
    if not tiers:
        return None
    best = max(tiers)
    return best, tuple(tiers[best])


def _precedence(rule: Rule) -> tuple[int, int, tuple[str, str, str], int]:
    return (-len(rule.path), _TYPE_ORDER.get(rule.path_type, 3), rule.age, rule.position)


def choose(rules: Sequence[Rule], host: str, path: str) -> Choice | None:
    """The rule the API's matching rules pick for ``host`` and ``path``, or None.

    None means: no rule for the host at all, or no path of the chosen host matches
    (then a defaultBackend or the controller's default answers).
    """
    tier = host_tier(rules, host)
    if tier is None:
        return None
    rank, candidates = tier
    matching = sorted(
        (r for r in candidates if path_matches(r.path_type, r.path, path)), key=_precedence
    )
    if not matching:
        return None
    winner = matching[0]
    shadowed = tuple(
        r
        for r in matching[1:]
        if (r.path, r.path_type) == (winner.path, winner.path_type) and r.ingress != winner.ingress
    )
    return Choice(winner, _HOST_MATCH[rank], shadowed)


def regex_match(rule_path: str, request_path: str) -> bool:
    """ingress-nginx regex mode: ``~* "^<path>"``, a case-insensitive regex prefix.

    A path that is not a valid (Python-compatible) regex is taken literally.
    """
    try:
        return re.match(rule_path, request_path, flags=re.IGNORECASE) is not None
    except re.error:
        return request_path.lower().startswith(rule_path.lower())


def choose_regex(rules: Sequence[Rule], host: str, path: str) -> Choice | None:
    """Like :func:`choose`, but as ingress-nginx does in regex mode for the host:
    locations sorted by path length (longest first, stable), first regex match wins."""
    tier = host_tier(rules, host)
    if tier is None:
        return None
    rank, candidates = tier
    ordered = sorted(candidates, key=lambda r: (-len(r.path), r.age, r.position))
    for rule in ordered:
        if regex_match(rule.path or "/", path):
            return Choice(rule, _HOST_MATCH[rank])
    return None


# ---------------------------------------------------------------- URL


@dataclass(frozen=True)
class Request:
    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def host_is_ip(self) -> bool:
        return is_ip(self.host)


def parse_url(url: str) -> Request:
    """Split a URL into what routing sees; InputError with one line when unusable."""
    text = url.strip()
    if not text or any(c.isspace() for c in text):
        raise InputError(f"invalid URL {url!r}: it must be one word like https://host/path")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InputError(f"invalid URL {url!r}: scheme must be http or https, not {parts.scheme!r}")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"invalid URL {url!r}: the port is not a number 1-65535") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InputError(f"invalid URL {url!r}: it has no host")
    return Request(parts.scheme, host, port, parts.path or "/")


# ---------------------------------------------------------------- diagnosis


@dataclass(frozen=True)
class _Outcome:
    group: str
    analysis: IngressAnalysis | None
    route: RouteAnalysis | None
    findings: tuple[Finding, ...]
    how: str


def _rules(analyses: Sequence[IngressAnalysis]) -> list[Rule]:
    rules: list[Rule] = []
    for analysis in analyses:
        ref = f"{analysis.namespace}/{analysis.name}"
        for i, route in enumerate(analysis.routes):
            if route.path.is_default:
                continue
            rules.append(
                Rule(
                    host=route.path.host,
                    path=route.path.path,
                    path_type=route.path.path_type,
                    ingress=ref,
                    age=age_key(analysis.ingress),
                    position=i,
                )
            )
    return rules


def _route_of(
    analyses: Sequence[IngressAnalysis], rule: Rule
) -> tuple[IngressAnalysis, RouteAnalysis]:
    for analysis in analyses:
        if f"{analysis.namespace}/{analysis.name}" == rule.ingress:
            return analysis, analysis.routes[rule.position]
    raise LookupError(rule.ingress)  # pragma: no cover - rules come from these analyses


def _default_backend(
    analyses: Sequence[IngressAnalysis], tier_hosts: set[str] | None
) -> tuple[IngressAnalysis, RouteAnalysis] | None:
    """ingress-nginx's fallback: the defaultBackend of the oldest Ingress that created the
    host's server; for unknown hosts (and rules without host) the oldest Ingress that has
    a defaultBackend and no rules (the catch-all)."""
    ordered = sorted(analyses, key=lambda a: age_key(a.ingress))
    if tier_hosts:
        for analysis in ordered:
            if any(not r.path.is_default and r.path.host in tier_hosts for r in analysis.routes):
                default = next((r for r in analysis.routes if r.path.is_default), None)
                return (analysis, default) if default else None
        return None
    for analysis in ordered:
        if not (analysis.ingress.get("spec") or {}).get("rules"):
            default = next((r for r in analysis.routes if r.path.is_default), None)
            if default is not None:
                return analysis, default
    return None


def _near_misses(rules: Iterable[Rule], path: str) -> list[str]:
    notes: list[str] = []
    for rule in rules:
        if rule.path_type == "Exact" and rule.path.rstrip("/") == path.rstrip("/"):
            notes.append(f"Exact {rule.path} is not {path} (Exact compares the whole path)")
        elif rule.path.lower() == path.lower() or (
            rule.path_type != "Exact" and match_prefix(rule.path.lower(), path.lower())
        ):
            notes.append(
                f"{rule.path_type} {rule.path} differs only in case (paths are case-sensitive)"
            )
        elif rule.path_type != "Exact" and path.startswith(rule.path.rstrip("/")):
            notes.append(
                f"{rule.path_type} {rule.path} does not match {path}: Prefix compares whole "
                "'/'-separated elements"
            )
    return notes[:3]


def _simulate(
    group: str, analyses: Sequence[IngressAnalysis], request: Request, subject: ObjectRef
) -> _Outcome:
    rules = _rules(analyses)
    host, path = request.host, request.path
    tier = host_tier(rules, host)
    findings: list[Finding] = []
    nginx = any(likely_nginx(a.resolution, a.ingress) for a in analyses)

    if tier is None:
        fallback = _default_backend(analyses, None)
        if fallback is not None:
            return _fallback_outcome(group, fallback, subject, request, "no rule for this host")
        hosts = sorted({r.host for r in rules if r.host})
        by_ip = (
            f"; {host} is an IP, so the Host header is the IP and only rules without host match"
            if request.host_is_ip
            else ""
        )
        findings.append(
            NO_HOST_MATCH(
                subject,
                f"No Ingress rule matches host {host} (hosts: {', '.join(hosts) or 'none'}), so "
                f"the controller's default backend answers 404{by_ip}.",
                f"Send Host: one of {', '.join(hosts)} (curl -H 'Host: {hosts[0]}' ...), or add "
                f"a rule with host: {host}."
                if hosts
                else f"Add an Ingress rule with host: {host}.",
                evidence=[("host", host), ("hosts", ", ".join(hosts))],
            )
        )
        return _Outcome(group, None, None, tuple(findings), "controller default backend (404)")

    _, candidates = tier
    choice = choose(rules, host, path)
    regex_on = _regex_on(analyses, {r.host for r in candidates}) if nginx else ()
    if regex_on:
        nginx_choice = choose_regex(rules, host, path)
        if (nginx_choice and nginx_choice.rule) != (choice and choice.rule):
            findings.append(_regex_deviation(subject, request, choice, nginx_choice, regex_on))
            choice = nginx_choice
    if choice is None:
        # Rules without host live in the controller's catch-all server, whose fallback is
        # the catch-all Ingress, not the defaultBackend of the Ingress holding those rules.
        fallback = _default_backend(analyses, {r.host for r in candidates} - {""} or None)
        if fallback is not None:
            outcome = _fallback_outcome(group, fallback, subject, request, "no path matches")
            return replace(outcome, findings=(*findings, *outcome.findings))
        misses = _near_misses(candidates, path)
        paths = ", ".join(f"{r.path or '/'} ({r.path_type})" for r in candidates)
        findings.append(
            NO_PATH_MATCH(
                subject,
                f"Host {host} matches rules of {', '.join(sorted({r.ingress for r in candidates}))}"
                f" but none of their paths ({paths}) matches {path}"
                + (f": {'; '.join(misses)}" if misses else "")
                + ", so the controller's default backend answers 404.",
                f"Add a path covering {path} (pathType: Prefix) for host "
                f"{candidates[0].host or '*'}, or a spec.defaultBackend.",
                evidence=[("host", host), ("path", path)],
            )
        )
        return _Outcome(group, None, None, tuple(findings), "controller default backend (404)")

    analysis, route = _route_of(analyses, choice.rule)
    if choice.rule.path_type == "ImplementationSpecific":
        findings.append(
            IMPLEMENTATION_SPECIFIC(
                subject,
                f"Path {choice.rule.path or '/'} of Ingress {choice.rule.ingress} is "
                "ImplementationSpecific: simulated as Prefix, the controller may differ"
                + (" (ingress-nginx: a prefix, or a regex in regex mode)." if nginx else "."),
                "Use pathType Prefix or Exact for a portable meaning.",
            )
        )
    if choice.shadowed:
        others = ", ".join(r.ingress for r in choice.shadowed)
        findings.append(
            HOST_CONFLICT(
                subject,
                f"{choice.rule.host or '*'}{choice.rule.path} ({choice.rule.path_type}) is also "
                f"defined by Ingress {others}; the oldest, {choice.rule.ingress}, answers on "
                "ingress-nginx.",
                f"Keep {choice.rule.host or '*'}{choice.rule.path} in one Ingress only.",
                evidence=[("winner", choice.rule.ingress), ("others", others)],
            )
        )
    how = (
        f"{choice.host_match} host {choice.rule.host or '*'}, "
        f"{choice.rule.path_type} {choice.rule.path or '/'}" + (" (regex mode)" if regex_on else "")
    )
    return _Outcome(group, analysis, route, tuple(findings), how)


def _regex_on(analyses: Sequence[IngressAnalysis], hosts: set[str]) -> tuple[str, ...]:
    """The Ingresses (ns/name) that put one of ``hosts`` into ingress-nginx regex mode."""
    return tuple(
        f"{a.namespace}/{a.name}"
        for a in sorted(analyses, key=lambda a: age_key(a.ingress))
        if uses_regex(a.ingress)
        and any(not r.path.is_default and r.path.host in hosts for r in a.routes)
    )


def _regex_deviation(
    subject: ObjectRef,
    request: Request,
    api: Choice | None,
    nginx: Choice | None,
    causes: tuple[str, ...],
) -> Finding:
    def text(choice: Choice | None) -> str:
        if choice is None:
            return "no path (default backend)"
        return f"{choice.rule.path_type} {choice.rule.path or '/'} of {choice.rule.ingress}"

    return REGEX_DEVIATION(
        subject,
        f"Ingress {', '.join(causes)} puts host {request.host} into ingress-nginx regex mode, "
        f"so {request.path} is answered by {text(nginx)} (case-insensitive regex prefix), "
        f"where the API rules pick {text(api)}.",
        f"Move the rewrite-target/use-regex paths of {', '.join(causes)} to their own host.",
        evidence=[("causes", ", ".join(causes))],
    )


def _fallback_outcome(
    group: str,
    fallback: tuple[IngressAnalysis, RouteAnalysis],
    subject: ObjectRef,
    request: Request,
    why: str,
) -> _Outcome:
    analysis, route = fallback
    finding = DEFAULT_BACKEND_USED(
        subject,
        f"For {request.host}{request.path} {why}, so the defaultBackend of Ingress "
        f"{analysis.namespace}/{analysis.name} (Service {route.service or '?'}) answers.",
        "Nothing to do if intended; otherwise add a rule path covering the request.",
        evidence=[("ingress", f"{analysis.namespace}/{analysis.name}")],
    )
    return _Outcome(group, analysis, route, (finding,), f"defaultBackend ({why})")


def diagnose_route(index: Index, url: str, namespace: str | None, *, now: datetime) -> Diagnosis:
    """``kubectl discover route URL``: which rule answers, and the chain behind it.

    ``namespace`` None considers Ingresses of all namespaces (as a controller does).
    """
    request = parse_url(url)
    subject = url_ref(url)
    default_ns = index.snapshot.default_namespace
    scope = [
        i
        for i in index.snapshot.ingresses
        if namespace is None or namespace_of(i, default_ns) == namespace
    ]
    table = host_table(index)
    analyses = [analyze_ingress(index, i, now=now, hosts=table) for i in sorted(scope, key=age_key)]
    groups: dict[str, list[IngressAnalysis]] = {}
    for analysis in analyses:
        groups.setdefault(analysis.resolution.name or "(no class)", []).append(analysis)

    outcomes = [_simulate(g, members, request, subject) for g, members in sorted(groups.items())]
    matched = [o for o in outcomes if o.route is not None]
    if not outcomes:
        finding = NO_HOST_MATCH(
            subject,
            f"No Ingress in {namespace or 'any namespace'} could route {request.host}, so "
            "nothing answers the URL inside the cluster.",
            "Create an Ingress with a rule for the host, or look in another namespace (-A).",
            evidence=[("host", request.host)],
        )
        return _diagnosis(request, url, namespace, (finding,), (), (), ())
    chosen = matched or outcomes
    findings: list[Finding] = []
    if len(matched) > 1:
        findings.append(
            SEVERAL_CONTROLLERS(
                subject,
                f"Ingresses of classes {', '.join(o.group for o in matched)} all match "
                f"{request.host}{request.path}; the one whose address the host resolves to "
                "answers.",
                f"Check where {request.host} points (dig {request.host}).",
                evidence=[("classes", ", ".join(o.group for o in matched))],
            )
        )
    rows: list[RouteExpectation] = []
    chains: list[ChainLink] = []
    for outcome in chosen:
        findings.extend(outcome.findings)
        if outcome.route is None or outcome.analysis is None:
            chains.append(ChainLink(f"{request.host}{request.path}", False, outcome.how))
            continue
        findings.extend(outcome.analysis.ingress_findings)
        findings.extend(outcome.route.findings)
        row = outcome.route.route
        verdict = Verdict.of(
            f.severity
            for f in (
                *outcome.findings,
                *outcome.analysis.ingress_findings,
                *outcome.route.findings,
            )
        )
        rows.append(replace(row, verdict=verdict, why=f"matched {outcome.how}: {row.why}"))
        chains.append(
            ChainLink(
                f"{request.scheme}://{request.host}{request.path}",
                outcome.route.chain.ok,
                f"matched {outcome.how}",
                (outcome.route.chain,),
            )
        )
    facts = [("host", request.host), ("path", request.path)]
    facts += [("matched", f"{o.group}: {o.how}") for o in chosen]
    return _diagnosis(
        request, url, namespace, tuple(findings), tuple(rows), tuple(chains), tuple(facts)
    )


def _diagnosis(
    request: Request,
    url: str,
    namespace: str | None,
    findings: tuple[Finding, ...],
    rows: tuple[RouteExpectation, ...],
    chains: tuple[ChainLink, ...],
    facts: tuple[tuple[str, str], ...],
) -> Diagnosis:
    unique: dict[tuple[str, object, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.id, finding.subject, finding.message), finding)
    return Diagnosis(
        subject_kind="Route",
        namespace=namespace or "",
        name=url,
        kind="Route",
        findings=tuple(unique.values()),
        routes=rows,
        chain=chains,
        facts=facts or (("host", request.host), ("path", request.path)),
    )
