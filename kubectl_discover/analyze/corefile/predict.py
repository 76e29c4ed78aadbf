"""What CoreDNS does with one query name, following the Corefile line by line.

:func:`predict` picks the server block (longest zone on the port; none: REFUSED),
runs the ``rewrite`` rules (the name the query really becomes), then walks the
answering plugins in CoreDNS's chain order - ``template``, ``hosts``,
``kubernetes``, other answering plugins, ``forward`` - exactly as far as the
configuration decides: which plugin answers, with which TTL, how long an NXDOMAIN
is cached, and where a ``fallthrough`` sends a name the plugin does not know.
What depends on cluster objects (does the Service exist?) is left to the caller,
which knows them; every note cites the Corefile line it follows, or says it is a
default. docs/corefile.md ("Predictions") describes the rules.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from kubectl_discover.analyze.corefile.cache import CacheView
from kubectl_discover.analyze.corefile.config import CorefileConfig, Server
from kubectl_discover.analyze.corefile.forward import Upstream, UpstreamKind
from kubectl_discover.analyze.corefile.kubenames import name_shape
from kubectl_discover.analyze.corefile.kubernetes import KubernetesView, PodMode
from kubectl_discover.analyze.corefile.model import Directive
from kubectl_discover.analyze.corefile.plugins import ANSWERING, chain
from kubectl_discover.analyze.corefile.prediction import Handler, Note, Prediction
from kubectl_discover.analyze.corefile.rewrite import apply_rules
from kubectl_discover.analyze.corefile.zones import fqdn, longest_match

SOA_TTL_CAP = 300


@dataclass(frozen=True)
class _Query:
    server: Server
    query: str
    name: str
    zone: str
    qtype: str
    port: int


def predict(config: CorefileConfig, query: str, *, qtype: str = "A", port: int = 53) -> Prediction:
    """What the Corefile makes of ``query`` (an absolute name) for ``qtype`` on ``port``."""
    asked = fqdn(query)
    qtype = qtype.upper()
    notes: list[Note] = []
    if config.refused:
        notes.append(
            Note.at(
                "a stock CoreDNS v1.14 refuses this Corefile: a running server keeps its "
                "previous configuration and a restarted one does not start; read as written"
            )
        )
    found = config.server_for(asked, port)
    if found is None:
        notes.append(Note.at(f"no server block serves {asked} on port {port}: REFUSED"))
        return Prediction(
            asked, asked, qtype, port, Handler.NONE, rcode="REFUSED", notes=tuple(notes)
        )
    server, zone = found
    if not server.block.directives:
        notes.append(Note.at(f"the block for {zone} has no plugins: REFUSED", server.block))
        return _unanswered(asked, qtype, port, zone, server, "REFUSED", notes)
    notes.append(Note.at(f"served by the block for {zone} on port {port}", server.block))
    rewrite = apply_rules(server.rewrites, asked)
    for step in rewrite.steps:
        if step.rule.answer_auto:
            answer = "answers are mapped back to the asked name"
        elif step.rule.answer_rules:
            answer = "answers are rewritten by its 'answer' rules"
        else:
            answer = "answers keep the rewritten name (no 'answer auto')"
        notes.append(
            Note.at(
                f"rewrite {step.rule.match.value}: {step.before} -> {step.after}; {answer}",
                step.rule.directive,
            )
        )
    for rule in rewrite.uncertain:
        what = (
            getattr(rule, "not_simulated", "")
            or f"a rule on the {getattr(rule, 'field', '')} field"
        )
        notes.append(
            Note.at(f"not simulated ({what}); it may change or end the rewrite", rule.directive)
        )
    if rewrite.servfail:
        notes.append(Note.at("the rewritten name is not a valid domain name: SERVFAIL"))
        return _unanswered(asked, qtype, port, zone, server, "SERVFAIL", notes)
    request = _Query(server, asked, rewrite.name, zone, qtype, port)
    notes.extend(_autopath_notes(server, rewrite.name))
    outcome = _walk(request, 0)
    return _with_notes(outcome, tuple(notes))


def _unanswered(
    asked: str, qtype: str, port: int, zone: str, server: Server, rcode: str, notes: list[Note]
) -> Prediction:
    """The server block decides alone: no plugin answers the name."""
    return Prediction(
        asked, asked, qtype, port, Handler.NONE, zone, server.block, rcode=rcode, notes=tuple(notes)
    )


def _with_notes(prediction: Prediction, before: tuple[Note, ...]) -> Prediction:
    return replace(prediction, notes=before + prediction.notes)


def _answerers(server: Server) -> list[Directive]:
    """Answering directives in chain order; the template lines act as one handler."""
    seen_template = False
    found = []
    for directive in chain(server.block):
        if directive.name not in ANSWERING:
            continue
        if directive.name == "template":
            if seen_template:
                continue
            seen_template = True
        found.append(directive)
    return found


def _walk(request: _Query, start: int) -> Prediction:
    answerers = _answerers(request.server)
    for index in range(start, len(answerers)):
        directive = answerers[index]
        if directive.name == "template":
            outcome = _template(request, index)
        elif directive.name == "hosts":
            outcome = _hosts(request, index)
        elif directive.name == "kubernetes":
            outcome = _kubernetes(request, index)
        elif directive.name == "forward":
            outcome = _forward(request, directive)
        else:
            outcome = _base(
                request,
                Handler.OTHER,
                directive,
                notes=(
                    Note.at(
                        f"{directive.name} may answer or pass it on; not simulated",
                        directive,
                    ),
                ),
            )
        if outcome is not None:
            return outcome
    return _base(
        request,
        Handler.NONE,
        None,
        rcode="SERVFAIL",
        notes=(
            Note.at(
                f"no plugin of this server block answers {request.name}: SERVFAIL",
                request.server.block,
            ),
        ),
    )


def _base(
    request: _Query,
    handler: Handler,
    directive: Directive | None,
    *,
    notes: tuple[Note, ...] = (),
    plugin_zone: str = "",
    upstreams: tuple[Upstream, ...] = (),
    rcode: str | None = None,
    answers: tuple[str, ...] = (),
    ttl: int | None = None,
    ttl_max: int | None = None,
    denial_ttl: int | None = None,
    denial_max: int | None = None,
    denial_cached: bool = False,
    fallthrough: Prediction | None = None,
) -> Prediction:
    return Prediction(
        query=request.query,
        name=request.name,
        qtype=request.qtype,
        port=request.port,
        handler=handler,
        zone=request.zone,
        server=request.server.block,
        plugin=directive,
        plugin_zone=plugin_zone,
        upstreams=upstreams,
        rcode=rcode,
        answers=answers,
        ttl=ttl,
        ttl_max=ttl_max,
        denial_ttl=denial_ttl,
        denial_max=denial_max,
        denial_cached=denial_cached,
        fallthrough=fallthrough,
        notes=notes,
    )


def _cache(request: _Query) -> CacheView | None:
    cache = request.server.cache
    return cache if cache is not None and cache.covers(request.name) else None


# ---------------------------------------------------------------- kubernetes


def _kubernetes(request: _Query, index: int) -> Prediction | None:
    view = request.server.kubernetes
    if view is None:
        return None
    zone = longest_match(view.zones, request.name)
    if not zone:
        return None
    notes = [Note.at(f"kubernetes answers names in {zone}", view.directive)]
    ttl, ttl_note = view.ttl, _ttl_source(view)
    cache = _cache(request)
    soa = min(ttl, SOA_TTL_CAP)
    client_ttl, denial = ttl, soa
    cached = False
    if cache is not None:
        client_ttl, denial = cache.clamp(ttl, denial=False), cache.clamp(soa, denial=True)
        cached = cache.caches_denial(request.name)
        notes.append(
            Note.at(
                f"answers carry TTL {client_ttl} ({ttl_note}, clamped to "
                f"{cache.success_min}..{cache.success_max} by cache)",
                cache.directive,
            )
        )
    else:
        notes.append(Note.at(f"answers carry TTL {ttl} ({ttl_note}; no cache)", view.ttl_option))
    rcode, answers, more = name_shape(view, request.name, zone)
    fallthrough: Prediction | None = None
    denial_ttl: int | None = denial
    if view.fallthrough is not None and longest_match(view.fallthrough, request.name):
        # kubernetes never answers NXDOMAIN here: the next plugin does.
        fallthrough = _walk(request, index + 1)
        denial_ttl, cached = None, False
        more.append(
            Note.at(
                f"an NXDOMAIN here falls through to {fallthrough.handler.value}",
                view.fallthrough_option,
            )
        )
    else:
        notes.append(_denial_note(denial, cached, cache, view))
    notes.extend(more)
    return _base(
        request,
        Handler.KUBERNETES,
        view.directive,
        notes=tuple(notes),
        plugin_zone=zone,
        rcode=rcode,
        answers=answers,
        ttl=client_ttl,
        denial_ttl=denial_ttl,
        denial_cached=cached,
        fallthrough=fallthrough,
    )


def _ttl_source(view: KubernetesView) -> str:
    return f"ttl {view.ttl}" if view.ttl_option else f"kubernetes default ttl {view.ttl}"


def _denial_note(denial: int, cached: bool, cache: CacheView | None, view: KubernetesView) -> Note:
    if cached and cache is not None:
        return Note.at(
            f"an NXDOMAIN is cached {denial} s here: a name created less than {denial} s "
            "after a client asked for it may still be NXDOMAIN",
            cache.directive,
        )
    where = "cache disable denial" if cache is not None else "no cache"
    return Note.at(
        f"an NXDOMAIN is not cached here ({where}); it carries a negative TTL of {denial} s "
        "that downstream caches (node-local-dns) may honour",
        cache.directive if cache is not None else view.ttl_option,
    )


def _forward(request: _Query, directive: Directive) -> Prediction | None:
    view = next(f for f in request.server.forwards if f.directive is directive)
    if not view.matches(request.name):
        return None  # outside FROM, or an except name: the next plugin
    notes = [
        Note.at(
            f"forwarded to {', '.join(str(u) for u in view.upstreams) or 'nothing'} "
            f"({view.policy})",
            view.directive,
        )
    ]
    notes.extend(
        _upstream_note(u, view.directive) for u in view.upstreams if u.kind is not UpstreamKind.IP
    )
    cache = _cache(request)
    if cache is None:
        return _base(
            request,
            Handler.FORWARD,
            view.directive,
            notes=tuple(notes),
            plugin_zone=view.from_zone,
            upstreams=view.upstreams,
        )
    notes.append(
        Note.at(
            f"upstream TTLs are clamped to {cache.success_min}..{cache.success_max} s; "
            f"an upstream NXDOMAIN to {cache.denial_min}..{cache.denial_max} s",
            cache.directive,
        )
    )
    return _base(
        request,
        Handler.FORWARD,
        view.directive,
        notes=tuple(notes),
        plugin_zone=view.from_zone,
        upstreams=view.upstreams,
        ttl_max=cache.success_max,
        denial_max=cache.denial_max,
        denial_cached=cache.caches_denial(request.name),
    )


def _upstream_note(upstream: Upstream, directive: Directive) -> Note:
    if upstream.kind is UpstreamKind.FILE:
        text = (
            f"{upstream.text}: the nameservers listed in that file inside the CoreDNS pod "
            "(the node's resolvers when its dnsPolicy is Default)"
        )
    elif upstream.kind is UpstreamKind.PLACEHOLDER:
        text = f"{upstream.text}: a node-local-dns placeholder, filled in when node-cache starts"
    else:
        text = f"{upstream.text}: a host name CoreDNS resolved when it started"
    return Note.at(text, directive)


def _hosts(request: _Query, index: int) -> Prediction | None:
    view = request.server.hosts
    if view is None or not view.covers(request.name) or request.qtype == "PTR":
        return None  # reverse names of the entries are not simulated
    addresses = view.addresses(request.name)
    cache = _cache(request)
    ttl = cache.clamp(view.ttl, denial=False) if cache is not None else view.ttl
    through = view.fallthrough is not None and longest_match(view.fallthrough, request.name)
    family = {"A": 4, "AAAA": 6}.get(request.qtype, 0)
    if addresses:
        matching = tuple(
            a for a in addresses if ipaddress.ip_address(a.split("%")[0]).version == family
        )
        listed = f"hosts lists {request.name}: {', '.join(addresses)}"
        if view.file_assumed and not any(request.name in e.names for e in view.inline):
            listed += " (the kubelet-managed /etc/hosts of the CoreDNS pod, as written for pods)"
        note = Note.at(listed, view.directive)
        if not matching:  # listed, but not for this type: an authoritative NODATA
            note = replace(note, text=f"{note.text}; none for {request.qtype}: NODATA")
        return _base(
            request,
            Handler.HOSTS,
            view.directive,
            notes=(note,),
            plugin_zone=longest_match(view.zones, request.name),
            rcode=None if matching else "NOERROR",
            answers=matching,
            ttl=ttl,
        )
    if addresses is not None and through:
        return None
    rest = _walk(request, index + 1) if through else None
    if addresses is None:
        text = f"answers if {view.file} lists {request.name} (its content was not read); " + (
            "otherwise falls through" if through else "otherwise SERVFAIL"
        )
        return _base(
            request,
            Handler.HOSTS,
            view.directive,
            notes=(Note.at(text, view.directive),),
            plugin_zone=longest_match(view.zones, request.name),
            ttl=ttl,
            fallthrough=rest,
        )
    note = Note.at(
        f"hosts lists nothing for {request.name} and has no fallthrough for it: SERVFAIL",
        view.directive,
    )
    return _base(request, Handler.HOSTS, view.directive, notes=(note,), rcode="SERVFAIL")


def _template(request: _Query, index: int) -> Prediction | None:
    for view in request.server.templates:
        if view.qclass not in ("IN", "ANY") or not view.covers(request.name):
            continue
        matched = view.matches(request.name, request.qtype)
        zone = longest_match(view.zones, request.name)
        if matched:
            note = Note.at(f"template answers with rcode {view.rcode}", view.directive)
            return _base(
                request,
                Handler.TEMPLATE,
                view.directive,
                notes=(note,),
                plugin_zone=zone,
                rcode=view.rcode,
                answers=view.answers,
            )
        if matched is None:
            note = Note.at(
                f"template may answer: its match is not simulated ({view.not_simulated})",
                view.directive,
            )
            return _base(request, Handler.TEMPLATE, view.directive, notes=(note,), plugin_zone=zone)
        if view.qtype not in ("ANY", request.qtype):
            continue
        if view.fallthrough is not None and longest_match(view.fallthrough, request.name):
            continue
        note = Note.at(
            "template matches none of its regexes and has no fallthrough: SERVFAIL",
            view.directive,
        )
        return _base(
            request,
            Handler.TEMPLATE,
            view.directive,
            notes=(note,),
            plugin_zone=zone,
            rcode="SERVFAIL",
        )
    return None


# ---------------------------------------------------------------- autopath


def _autopath_notes(server: Server, name: str) -> list[Note]:
    view, kube = server.autopath, server.kubernetes
    if view is None or not longest_match(view.zones, name):
        return []
    zone = longest_match(kube.zones, name) if kube is not None else ""
    labels = name[: -len(zone)].rstrip(".").split(".") if zone and name != zone else []
    if len(labels) < 3 or labels[-1] != "svc":
        return []  # not shaped like a pod's first search candidate NAME.<ns>.svc.<zone>
    if view.from_plugin != "kubernetes":
        return [
            Note.at(
                f"autopath {view.source}: search path walked on the server; not simulated",
                view.directive,
            )
        ]
    if kube is None or kube.pods is not PodMode.VERIFIED:
        return [
            Note.at(
                "autopath @kubernetes does nothing: it needs 'pods verified' to find the "
                "client pod",
                view.directive,
            )
        ]
    return [
        Note.at(
            "autopath: a pod's first search candidate (NAME.<its ns>.svc.<zone>) is completed "
            "on the server, which answers the first candidate that exists as a CNAME; only "
            "when CoreDNS sees the pod's own IP (not through node-local-dns)",
            view.directive,
        )
    ]
