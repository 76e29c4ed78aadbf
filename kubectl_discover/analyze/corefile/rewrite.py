"""The *rewrite* plugin's rules, and the name a query really becomes.

Only ``name`` rules change the question; they are simulated exactly as CoreDNS
v1.14 plugin/rewrite applies them: names are lower-cased and fully qualified;
``exact``, ``prefix``, ``suffix`` and ``substring`` patterns are normalized the
same way (so ``prefix foo`` means ``foo.``); ``regex`` searches the name and fills
``{0}``..``{n}`` in the (normalized) replacement; rules apply top to bottom, each
on the name the previous one produced, and a matching ``stop`` rule (the default)
ends the list. A rewritten name that is not a valid domain name gets SERVFAIL.

``type``, ``class``, ``edns0``, ``ttl``, ``cname`` and ``rcode`` rules are read and
listed but not simulated: they never change the name, but when one comes before a
matching name rule the prediction says it may have stopped the list first. A
regex Python cannot run with CoreDNS's meaning (RE2 syntax Python lacks, or nested
repetition that would backtrack without bound) is likewise listed as not simulated.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem
from kubectl_discover.analyze.corefile.zones import fqdn, is_domain_name

MAX_REGEX = 10000
OTHER_FIELDS = ("type", "class", "edns0", "ttl", "cname", "rcode")


class MatchType(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    SUBSTRING = "substring"
    REGEX = "regex"


@dataclass(frozen=True)
class NameRule:
    """``rewrite [stop|continue] name [TYPE] FROM TO [answer ...]``, normalized."""

    directive: Directive
    stop: bool
    match: MatchType
    pattern: str
    replacement: str
    answer_auto: bool
    answer_rules: tuple[str, ...]
    regex: re.Pattern[str] | None
    not_simulated: str = ""

    def apply(self, name: str) -> str | None:
        """The rewritten name, or None when the rule does not match (or cannot be run)."""
        if self.not_simulated:
            return None
        if self.match is MatchType.EXACT:
            return self.replacement if name == self.pattern else None
        if self.match is MatchType.PREFIX:
            return (
                self.replacement + name[len(self.pattern) :]
                if name.startswith(self.pattern)
                else None
            )
        if self.match is MatchType.SUFFIX:
            return (
                name[: -len(self.pattern)] + self.replacement
                if name.endswith(self.pattern)
                else None
            )
        if self.match is MatchType.SUBSTRING:
            return name.replace(self.pattern, self.replacement) if self.pattern in name else None
        assert self.regex is not None
        found = self.regex.search(name)
        if found is None:
            return None
        result = self.replacement
        for index, group in enumerate((found.group(0), *found.groups())):
            result = result.replace("{" + str(index) + "}", group or "")
        return result


@dataclass(frozen=True)
class OtherRule:
    """A rule on another field (``ttl``, ``edns0``, ...): recognised, not simulated."""

    directive: Directive
    stop: bool
    field: str


Rule = NameRule | OtherRule


@dataclass(frozen=True)
class RewriteStep:
    rule: NameRule
    before: str
    after: str


@dataclass(frozen=True)
class RewriteResult:
    """What the rules do to one name: the final name and every rule that fired.

    ``servfail`` when a rewritten name is not a valid domain name; ``uncertain``
    lists rules that were not simulated yet could have changed the outcome.
    """

    name: str
    steps: tuple[RewriteStep, ...]
    servfail: bool
    uncertain: tuple[Rule, ...]

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def rewrite_rules(directives: Sequence[Directive]) -> tuple[tuple[Rule, ...], tuple[Problem, ...]]:
    """Every rule of a block's ``rewrite`` lines, in order, and the lines CoreDNS rejects."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    for directive in directives:
        args = list(directive.args)
        if len(args) < 2:
            args += [word for line in directive.block for word in _words(line)]
        rule = _rule(directive, args)
        if isinstance(rule, str):
            problems.append(Problem(directive, rule))
        else:
            rules.append(rule)
    return tuple(rules), tuple(problems)


def _words(line: Directive) -> list[str]:
    words = [line.name, *line.args]
    for inner in line.block:
        words += _words(inner)
    return words


def _rule(directive: Directive, args: list[str]) -> Rule | str:
    if not args:
        return "no rule type specified for rewrite"
    stop = True
    first = args[0].lower()
    if first in ("stop", "continue"):
        if len(args) < 2:
            return f"{first} rule must begin with a rule type"
        stop, args = first == "stop", args[1:]
    field = args[0].lower()
    if field == "answer":
        return "response rewrites must begin with a name rule"
    if field in OTHER_FIELDS:
        return OtherRule(directive, stop, field)
    if field != "name":
        return f"invalid rule type {args[0]!r}"
    return _name_rule(directive, stop, args[1:])


def _name_rule(directive: Directive, stop: bool, args: list[str]) -> NameRule | str:
    if len(args) < 2:
        return "too few arguments for a name rule"
    if len(args) == 2:
        kind, source, target = "exact", args[0], args[1]
    else:
        kind, source, target = args[0].lower(), args[1], args[2]
    try:
        match = MatchType(kind)
    except ValueError:
        return (
            "name rule supports only exact, prefix, suffix, substring, and regex name "
            f"matching, received: {kind}"
        )
    auto, answers = match is MatchType.EXACT, tuple(args[3:])
    if answers:
        parsed = _answer_auto(match.value, answers)
        if isinstance(parsed, str):
            return parsed
        auto = auto or parsed
    if match is not MatchType.REGEX:
        return NameRule(directive, stop, match, fqdn(source), fqdn(target), auto, answers, None)
    if len(source) > MAX_REGEX:
        return f"regex pattern too long: {len(source)} > {MAX_REGEX}"
    regex, why = compile_pattern(source)
    if regex is not None and _groups_used(target) > regex.groups:
        return (
            f"the rewrite regex pattern ({target}) uses more subexpressions than its "
            f"corresponding matching regex pattern ({source})"
        )
    return NameRule(directive, stop, match, source, fqdn(target), auto, answers, regex, why)


def _groups_used(replacement: str) -> int:
    """How many of ``{0}``..``{100}`` a replacement uses (the plugin's own count)."""
    return sum(1 for i in range(101) if "{" + str(i) + "}" in replacement)


def _answer_auto(kind: str, words: tuple[str, ...]) -> bool | str:
    """Whether ``answer auto`` is among the answer options (their syntax is checked)."""
    if len(words) < 2:
        return f"invalid arguments for {kind} rule"
    if words[0] != "answer":
        return f"exceeded the number of arguments for a non-answer rule argument for {kind} rule"
    auto, i = False, 0
    while i < len(words):
        if words[i] == "answer":
            i += 1
        if i >= len(words):
            return f"type missing for answer rule for {kind} rule"
        option = words[i]
        i += 1
        if option == "auto":
            auto = True
        elif option in ("name", "value"):
            if len(words) - i < 2:
                return f"{option} answer rule for {kind} rule: 2 arguments required"
            i += 2
        else:
            return f"invalid type {option!r} for answer rule for {kind} rule"
    return auto


_QUANTIFIER = frozenset("*+?{")


def compile_pattern(pattern: str) -> tuple[re.Pattern[str] | None, str]:
    """The pattern compiled for Python, or None and why it is not simulated."""
    if _nested_repetition(pattern):
        return None, "nested repetition (RE2 runs it in linear time; Python may not)"
    try:
        return re.compile(pattern), ""
    except re.error as error:
        return None, f"RE2 syntax Python does not read ({error})"


def _nested_repetition(pattern: str) -> bool:
    """A repeated group that itself contains a repetition, e.g. ``(a+)+``."""
    stack: list[bool] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            stack.append(False)
            i = _skip_group_flags(pattern, i + 1)
            continue
        elif ch == ")" and stack:
            inner = stack.pop()
            repeated = i + 1 < len(pattern) and pattern[i + 1] in _QUANTIFIER
            if inner and repeated:
                return True
            if stack and (inner or repeated):
                stack[-1] = True
        elif ch in _QUANTIFIER and stack:
            stack[-1] = True
        i += 1
    return False


def _skip_group_flags(pattern: str, i: int) -> int:
    """The index after ``?:``, ``?P<name>``, ``?i:`` ... at the start of a group."""
    if not pattern.startswith("?", i):
        return i
    close = ">" if pattern.startswith(("?P<", "?<"), i) else ":)"
    while i < len(pattern) and pattern[i] not in close:
        i += 1
    return i + 1 if i < len(pattern) and pattern[i] != ")" else i


def apply_rules(rules: Sequence[Rule], name: str) -> RewriteResult:
    """Run ``rules`` on the (normalized) query ``name`` as the plugin does."""
    current = fqdn(name)
    steps: list[RewriteStep] = []
    uncertain: list[Rule] = []
    pending: list[Rule] = []  # other-field rules: they matter only if a name rule follows
    for rule in rules:
        if isinstance(rule, OtherRule):
            pending.append(rule)
            continue
        if rule.not_simulated:
            uncertain.append(rule)
            continue
        after = rule.apply(current)
        if after is None:
            continue
        uncertain += pending
        pending.clear()
        if not is_domain_name(after):
            return RewriteResult(fqdn(name), tuple(steps), True, tuple(uncertain))
        steps.append(RewriteStep(rule, current, after))
        current = after
        if rule.stop:
            break
    return RewriteResult(current, tuple(steps), False, tuple(uncertain))
