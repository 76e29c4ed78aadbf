"""rewrite: rule parsing and the name a query really becomes (plugin/rewrite semantics)."""

from __future__ import annotations

from test_corefile_support import config

from kubectl_discover.analyze.corefile import load_corefile
from kubectl_discover.analyze.corefile.rewrite import (
    MatchType,
    NameRule,
    OtherRule,
    RewriteResult,
    apply_rules,
)


def rules_of(*lines: str) -> tuple[NameRule | OtherRule, ...]:
    loaded = load_corefile(".:53 {\n" + "\n".join(lines) + "\n}\n")
    assert not loaded.problems, [str(p) for p in loaded.problems]
    return loaded.servers[0].rewrites


def run(name: str, *lines: str) -> RewriteResult:
    return apply_rules(rules_of(*lines), name)


def test_exact_rules_are_normalized_and_always_map_answers_back() -> None:
    (rule,) = rules_of("rewrite name DB.Example.com postgres.data.svc.cluster.local")
    assert isinstance(rule, NameRule)
    assert (rule.match, rule.pattern, rule.replacement) == (
        MatchType.EXACT,
        "db.example.com.",
        "postgres.data.svc.cluster.local.",
    )
    assert rule.stop and rule.answer_auto
    assert run("db.example.com", "rewrite name db.example.com x.y").name == "x.y."
    assert not run("a.db.example.com", "rewrite name db.example.com x.y").changed


def test_prefix_and_substring_patterns_get_a_trailing_dot_like_coredns() -> None:
    # "prefix foo bar" is normalized to "foo." -> "bar.", so it only matches a first label.
    assert run("foo.example.com", "rewrite name prefix foo bar").name == "bar.example.com."
    assert not run("foobar.example.com", "rewrite name prefix foo bar").changed
    assert not run("legacy-web.example.com", "rewrite name prefix legacy- api-").changed
    assert run("a.old.example", "rewrite name substring old.example new.example").name == (
        "a.new.example."
    )


def test_suffix_rule_replaces_the_end_of_the_name() -> None:
    result = run("web.apps.example.com", "rewrite name suffix .apps.example.com .shop.svc.k8s")
    assert result.name == "web.shop.svc.k8s."
    assert not run("apps.example.com", "rewrite name suffix .apps.example.com .x").changed


def test_regex_rule_fills_groups_into_the_normalized_replacement() -> None:
    line = r"rewrite name regex (.*)-(us-west-1)\.example\.org {1}.service.{2}.Consul"
    assert run("ftp-us-west-1.example.org", line).name == "ftp.service.us-west-1.consul."
    assert not run("ftp.example.org", line).changed


def test_regex_groups_beyond_the_pattern_stay_literal_as_in_coredns() -> None:
    # The plugin counts distinct {n} used, not the highest n: {2} alone passes with one group.
    assert run("a.b", r"rewrite name regex (a)\.b {2}.c").name == "{2}.c."


def test_block_form_flattens_the_block_into_one_rule() -> None:
    (rule,) = config("rewrite.yaml").servers[0].rewrites[2:3]
    assert isinstance(rule, NameRule)
    assert rule.match is MatchType.REGEX and rule.stop and rule.answer_auto
    assert rule.pattern == r"(.*)\.team-(.*)\.internal"
    assert rule.replacement == "{1}.{2}.svc.cluster.local."


def test_continue_applies_the_next_rule_to_the_rewritten_name_and_stop_ends() -> None:
    result = run(
        "a.one",
        "rewrite continue name suffix .one .two",
        "rewrite name suffix .two .three",
        "rewrite name suffix .three .four",
    )
    assert result.name == "a.three."
    assert [(s.before, s.after) for s in result.steps] == [
        ("a.one.", "a.two."),
        ("a.two.", "a.three."),
    ]


def test_a_rewritten_name_that_is_not_a_domain_name_is_servfail() -> None:
    result = run("a.example", "rewrite name regex (.*)\\.example {1}..bad")
    assert result.servfail and result.name == "a.example."


def test_rules_on_other_fields_matter_only_before_a_matching_name_rule() -> None:
    before = run("a.example", "rewrite edns0 local set 0xffee abcd", "rewrite name a.example b.c")
    assert before.name == "b.c." and [type(r) for r in before.uncertain] == [OtherRule]
    after = run("z.example", "rewrite edns0 local set 0xffee abcd", "rewrite name a.example b.c")
    assert not after.changed and after.uncertain == ()


def test_regexes_python_cannot_run_faithfully_are_not_simulated() -> None:
    (nested,) = rules_of("rewrite name regex (a+)+\\.example x.example")
    assert isinstance(nested, NameRule)
    assert nested.not_simulated == (
        "a repeated group holds a repetition or an alternation: RE2 runs it in linear time, "
        "Python may not"
    )
    (slow,) = rules_of(r"rewrite name regex (.*)-(.*)-(.*)\.example x.example")
    assert isinstance(slow, NameRule)
    assert slow.not_simulated.startswith("3 unbounded repetitions (at most 2 are run)")
    (fine,) = rules_of(r"rewrite name regex (.*)-(.*)\.example {1}.{2}.example")
    assert isinstance(fine, NameRule) and fine.not_simulated == ""
    (re2,) = rules_of(r"rewrite name regex \pL+\.example x.example")
    assert isinstance(re2, NameRule) and re2.not_simulated.startswith("RE2 syntax")
    result = apply_rules((nested,), "aaaa.example")
    assert not result.changed and result.uncertain == (nested,)


def test_explicit_answer_rules_are_kept_without_auto() -> None:
    (rule,) = rules_of(
        r"rewrite stop name regex (.*)\.a\.example {1}.b.example "
        r"answer name (.*)\.b\.example {1}.a.example"
    )
    assert isinstance(rule, NameRule) and not rule.answer_auto
    assert rule.answer_rules == ("answer", "name", r"(.*)\.b\.example", "{1}.a.example")


def test_rules_coredns_rejects_are_problems() -> None:
    loaded = load_corefile(
        ".:53 {\n rewrite name only\n rewrite name fuzzy a b\n rewrite answer auto\n"
        " rewrite colour a b\n rewrite name exact a b extra\n rewrite name suffix a b x y\n"
        " rewrite name suffix a b answer\n rewrite name regex (a)\\.b {1}{2}.c\n rewrite stop\n}\n"
    )
    assert [p.message for p in loaded.problems] == [
        "too few arguments for a name rule",
        "name rule supports only exact, prefix, suffix, substring, and regex name matching, "
        "received: fuzzy",
        "response rewrites must begin with a name rule",
        "invalid rule type 'colour'",
        "invalid arguments for exact rule",
        "exceeded the number of arguments for a non-answer rule argument for suffix rule",
        "invalid arguments for suffix rule",
        "the rewrite regex pattern ({1}{2}.c) uses more subexpressions than its corresponding "
        "matching regex pattern ((a)\\.b)",
        "stop rule must begin with a rule type",
    ]


def test_only_the_first_regex_rules_of_a_block_are_run() -> None:
    lines = [f"rewrite continue name regex a{i}\\.(.*) b{i}.{{1}}" for i in range(66)]
    rules = rules_of(*lines)
    assert [r.not_simulated for r in rules if isinstance(r, NameRule)][63:] == [
        "",
        "more than 64 regex rules in the block",
        "more than 64 regex rules in the block",
    ]


def test_every_simulated_regex_runs_fast_on_the_longest_name() -> None:
    import time

    name = ("a-" * 60 + "b." * 60)[:250] + "."
    patterns = [r"(.*)(.*)z", r"(.+)\.(.+)\.q", r"[a-z.]*[a-z.-]*z", r"(.*)-(.*)\.x"]
    for pattern in patterns:
        (rule,) = rules_of(f"rewrite name regex {pattern} y.example")
        assert isinstance(rule, NameRule) and rule.not_simulated == ""
        started = time.perf_counter()
        assert rule.apply(name) is None
        assert time.perf_counter() - started < 0.5, pattern
