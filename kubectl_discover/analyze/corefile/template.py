"""The *template* plugin line as a typed value, and whether it answers a name.

``template CLASS TYPE [ZONE...] { match REGEX...; answer RR; rcode CODE;
fallthrough [ZONE...] ... }`` (CoreDNS v1.14 plugin/template). A query in the
template's zones, of its class and type (``ANY`` matches all), whose name matches a
``match`` regex (none given: everything) is answered by the template. A name in the
zones that matches no regex gets SERVFAIL unless ``fallthrough`` covers it. The
answer records are Go templates and are shown as written, not executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem, ServerBlock
from kubectl_discover.analyze.corefile.options import fallthrough_zones
from kubectl_discover.analyze.corefile.rewrite import MAX_REGEX, MAX_REGEX_RULES, compile_pattern
from kubectl_discover.analyze.corefile.zones import longest_match, normalize_zones

CLASSES = ("IN", "CH", "CHAOS", "HS", "HESIOD", "NONE", "ANY")


@dataclass(frozen=True)
class TemplateView:
    directive: Directive
    qclass: str
    qtype: str
    zones: tuple[str, ...]
    patterns: tuple[str, ...]
    regexes: tuple[re.Pattern[str], ...]
    not_simulated: str
    answers: tuple[str, ...]
    rcode: str
    fallthrough: tuple[str, ...] | None
    problems: tuple[Problem, ...]

    def covers(self, name: str) -> bool:
        return bool(longest_match(self.zones, name))

    def matches(self, name: str, qtype: str) -> bool | None:
        """True when this template answers; None when a regex could not be simulated."""
        if not self.covers(name) or self.qtype not in ("ANY", qtype.upper()):
            return False
        if not self.patterns:
            return True
        if self.not_simulated:
            return None
        return any(r.search(name) for r in self.regexes)


def template_view(directive: Directive, block: ServerBlock) -> TemplateView:
    problems: list[Problem] = []
    args = directive.args
    if len(args) < 2:
        problems.append(Problem(directive, "template needs CLASS and TYPE"))
    qclass = args[0].upper() if args else "IN"
    if args and qclass not in CLASSES:
        problems.append(Problem(directive, f"invalid query class {args[0]}"))
    qtype = args[1].upper() if len(args) > 1 else "ANY"
    zones = normalize_zones(args[2:]) if len(args) > 2 else tuple(a.zone for a in block.addresses)
    patterns: list[str] = []
    regexes: list[re.Pattern[str]] = []
    why = ""
    answers: list[str] = []
    rcode = "NOERROR"
    fall_option: Directive | None = None
    for option in directive.block:
        if option.name == "match":
            for pattern in option.args:
                if len(pattern) > MAX_REGEX:
                    problems.append(Problem(option, "regex pattern too long"))
                    continue
                compiled, reason = compile_pattern(pattern)
                if len(patterns) >= MAX_REGEX_RULES:
                    compiled, reason = None, f"more than {MAX_REGEX_RULES} match patterns"
                patterns.append(pattern)
                if compiled is None:
                    why = why or reason
                else:
                    regexes.append(compiled)
        elif option.name in ("answer", "additional", "authority"):
            answers.extend(option.args if option.name == "answer" else ())
        elif option.name == "rcode":
            rcode = option.args[0].upper() if option.args else rcode
        elif option.name == "fallthrough":
            fall_option = option
    return TemplateView(
        directive=directive,
        qclass=qclass,
        qtype=qtype,
        zones=zones,
        patterns=tuple(patterns),
        regexes=tuple(regexes),
        not_simulated=why,
        answers=tuple(answers),
        rcode=rcode,
        fallthrough=fallthrough_zones(fall_option),
        problems=tuple(problems),
    )
