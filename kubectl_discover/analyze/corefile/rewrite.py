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
regex Python cannot run with CoreDNS's meaning in bounded time (RE2 syntax Python
lacks, or backtracking without bound: see :func:`compile_pattern`) is likewise
listed as not simulated.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Union

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


Rule = Union[NameRule, OtherRule]


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
    regexes = 0
    for directive in directives:
        args = list(directive.args)
        if len(args) < 2:
            args += [word for line in directive.block for word in _words(line)]
        rule = _rule(directive, args)
        if isinstance(rule, str):
            problems.append(Problem(directive, rule))
            continue
        if isinstance(rule, NameRule) and rule.match is MatchType.REGEX:
            regexes += 1
            if regexes > MAX_REGEX_RULES and not rule.not_simulated:
                why = f"more than {MAX_REGEX_RULES} regex rules in the block"
                rule = replace(rule, regex=None, not_simulated=why)
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


MAX_REPEATS = 2
"""Unbounded repetitions a simulated regex may hold: Python backtracks where RE2 does
not, and three ``.*`` against a 253-character name already take seconds."""
MAX_REGEX_RULES = 64
"""Regex rules simulated per server block; later ones are listed as not simulated."""
_BRACE = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")


def compile_pattern(pattern: str) -> tuple[re.Pattern[str] | None, str]:
    """The pattern compiled for Python, or None and why it is not simulated.

    Only patterns whose backtracking is bounded are run: no repeated group holding a
    repetition or an alternation, and at most :data:`MAX_REPEATS` unbounded
    repetitions. Patterns RE2 reads and Python does not are not run either.
    """
    risk = _backtracking_risk(pattern)
    if risk:
        return None, f"{risk}: RE2 runs it in linear time, Python may not"
    try:
        return re.compile(pattern), ""
    except (re.error, OverflowError, RecursionError) as error:
        return None, f"RE2 syntax Python does not read ({error})"


def _quantifier(pattern: str, i: int) -> tuple[int, int]:
    """The width of a quantifier at ``i`` (with its lazy/possessive suffix) and how it
    repeats: 0 at most once, 1 a fixed count, 2 unbounded or a range."""
    if i >= len(pattern):
        return 0, 0
    if pattern[i] in "*+":
        width, kind = 1, 2
    elif pattern[i] == "?":
        width, kind = 1, 0
    else:
        brace = _BRACE.match(pattern, i)
        if brace is None:
            return 0, 0
        width = brace.end() - i
        low, comma, high = brace.group(1), brace.group(2), brace.group(3)
        if comma is None:
            kind = 1 if int(low) > 1 else 0
        else:
            kind = 2 if not high or int(high) > int(low) else (1 if int(low) > 1 else 0)
    if pattern.startswith(("?", "+"), i + width):
        width += 1
    return width, kind


def _backtracking_risk(pattern: str) -> str:
    """Why Python's backtracking could take unbounded time on this pattern (``""``: safe)."""
    stack: list[bool] = []  # per open group: holds a repetition or an alternation
    repeats, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            i += 1
            continue
        if ch == "[":
            i += 1
            i += 1 if pattern.startswith("^", i) else 0
            i += 1 if pattern.startswith("]", i) else 0
            in_class = True
            continue
        if ch == "(":
            stack.append(False)
            i = _skip_group_flags(pattern, i + 1)
            continue
        if ch == "|" and stack:
            stack[-1] = True
        if ch == ")":
            inner = stack.pop() if stack else False
            width, kind = _quantifier(pattern, i + 1)
            if inner and kind:
                return "a repeated group holds a repetition or an alternation"
            repeats += kind == 2
            if stack and (inner or kind):
                stack[-1] = True
            i += 1 + width
            continue
        width, kind = _quantifier(pattern, i)
        if width:
            repeats += kind == 2
            if stack and kind:
                stack[-1] = True
            i += width
            continue
        i += 1
    if repeats > MAX_REPEATS:
        return f"{repeats} unbounded repetitions (at most {MAX_REPEATS} are run)"
    return ""


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
