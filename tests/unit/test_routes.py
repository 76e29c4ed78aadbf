"""Route simulation: the API's host and path matching rules, ingress-nginx deviations,
and the chain behind the winning rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import test_ingresses
import test_tls
from certs import NOW, fixture, index_of, leaf, tls_secret
from hypothesis import given
from hypothesis import strategies as st

from kubectl_discover.analyze import ingressclasses, ingresses, routes, tls
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.routes import (
    Rule,
    choose,
    choose_regex,
    diagnose_route,
    host_matches,
    match_exact,
    match_prefix,
    parse_url,
)
from kubectl_discover.errors import InputError
from kubectl_discover.findings import Finding, Severity, Verdict

Doc = dict[str, Any]


def path_entry(path: str, path_type: str, service: str = "web") -> Doc:
    return {
        "path": path,
        "pathType": path_type,
        "backend": {"service": {"name": service, "port": {"number": 80}}},
    }


def make_ingress(
    name: str,
    rules: list[tuple[str, list[Doc]]],
    *,
    created: str = "2025-01-01T00:00:00Z",
    annotations: dict[str, str] | None = None,
    default_backend: str = "",
    class_name: str = "nginx",
) -> Doc:
    doc: Doc = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": created},
        "spec": {
            "ingressClassName": class_name,
            "rules": [{"host": h, "http": {"paths": p}} for h, p in rules],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
    }
    if not rules:
        del doc["spec"]["rules"]
    if annotations:
        doc["metadata"]["annotations"] = annotations
    if default_backend:
        doc["spec"]["defaultBackend"] = {
            "service": {"name": default_backend, "port": {"number": 80}}
        }
    return doc


def base(*extra: Doc, with_shop_ingress: bool = True) -> Index:
    docs = [d for d in fixture("shop") if with_shop_ingress or d["kind"] != "Ingress"]
    return index_of(*docs, tls_secret("web-tls", "shop", leaf("shop.example.com")), *extra)


def ids(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    return {f.id: f for f in findings}


# ---------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    ("rule", "request_path", "expected"),
    [
        ("/", "/", True),
        ("/", "/anything/at/all", True),
        ("/foo", "/foo", True),
        ("/foo", "/foo/", True),
        ("/foo/", "/foo", True),
        ("/foo", "/foo/bar", True),
        ("/foo", "/foobar", False),
        ("/aaa/bb", "/aaa/bbb", False),
        ("/aaa/bbb/", "/aaa/bbb", True),
        ("/aaa/bbb", "/aaa/bbb/ccc", True),
        ("/aaa/bbb", "/aaa/bbbxyz", False),
        ("/aaa", "/ccc", False),
        ("/Foo", "/foo", False),
    ],
)
def test_prefix_matches_whole_elements(rule: str, request_path: str, expected: bool) -> None:
    assert match_prefix(rule, request_path) is expected


@pytest.mark.parametrize(
    ("rule", "request_path", "expected"),
    [
        ("/foo", "/foo", True),
        ("/foo", "/bar", False),
        ("/foo", "/foo/", False),
        ("/foo/", "/foo", False),
        ("/foo", "/FOO", False),
    ],
)
def test_exact_is_case_sensitive_equality(rule: str, request_path: str, expected: bool) -> None:
    assert match_exact(rule, request_path) is expected


@pytest.mark.parametrize(
    ("rule_host", "host", "expected"),
    [
        ("", "anything.example.com", True),
        ("foo.bar.com", "foo.bar.com", True),
        ("foo.bar.com", "FOO.bar.com", True),
        ("foo.bar.com", "bar.com", False),
        ("*.foo.com", "bar.foo.com", True),
        ("*.foo.com", "baz.bar.foo.com", False),
        ("*.foo.com", "foo.com", False),
        ("*.foo.com", ".foo.com", False),
    ],
)
def test_host_matching(rule_host: str, host: str, expected: bool) -> None:
    assert host_matches(rule_host, host) is expected


def _rules(*specs: tuple[str, str, str]) -> list[Rule]:
    return [Rule(h, p, t, ingress="shop/x", position=i) for i, (h, p, t) in enumerate(specs)]


@pytest.mark.parametrize(
    ("paths", "request_path", "winner"),
    [
        ([("/", "Prefix"), ("/aaa", "Prefix")], "/aaa/ccc", "/aaa"),
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/aaa/bbb", "/aaa/bbb"),
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/ccc", "/"),
        ([("/aaa", "Prefix")], "/ccc", None),
        ([("/foo", "Exact"), ("/foo", "Prefix")], "/foo", "/foo Exact"),
        ([("/foo", "Prefix"), ("/foo", "Exact")], "/foo", "/foo Exact"),
        ([("/foo", "Exact"), ("/foo", "Prefix")], "/foo/", "/foo Prefix"),
    ],
)
def test_choose_longest_path_then_exact(
    paths: list[tuple[str, str]], request_path: str, winner: str | None
) -> None:
    choice = choose(
        _rules(*(("h.example.com", p, t) for p, t in paths)), "h.example.com", request_path
    )
    if winner is None:
        assert choice is None
        return
    assert choice is not None
    expected_path, _, expected_type = winner.partition(" ")
    assert choice.rule.path == expected_path
    if expected_type:
        assert choice.rule.path_type == expected_type


def test_precise_host_beats_wildcard_beats_empty() -> None:
    rules = _rules(("", "/", "Prefix"), ("*.foo.com", "/", "Prefix"), ("a.foo.com", "/", "Prefix"))
    assert choose(rules, "a.foo.com", "/").host_match == "precise"  # type: ignore[union-attr]
    assert choose(rules, "b.foo.com", "/").host_match == "wildcard"  # type: ignore[union-attr]
    assert choose(rules, "x.b.foo.com", "/").host_match == "any"  # type: ignore[union-attr]


def test_precise_host_without_matching_path_does_not_fall_back_to_wildcard_paths() -> None:
    rules = _rules(("a.foo.com", "/api", "Exact"), ("*.foo.com", "/", "Prefix"))
    assert choose(rules, "a.foo.com", "/other") is None


def test_same_path_in_two_ingresses_oldest_wins() -> None:
    old = Rule("h", "/x", "Prefix", ingress="shop/old", age=("2024", "shop", "old"))
    new = Rule("h", "/x", "Prefix", ingress="shop/new", age=("2025", "shop", "new"))
    choice = choose([new, old], "h", "/x/y")
    assert choice is not None and choice.rule is old and choice.shadowed == (new,)


def test_regex_mode_is_case_insensitive_prefix_longest_first() -> None:
    rules = _rules(("h", "/about", "Exact"), ("h", "/a", "Prefix"))
    assert choose(rules, "h", "/ABOUT/us") is None
    regex = choose_regex(rules, "h", "/ABOUT/us")
    assert regex is not None and regex.rule.path == "/about"
    # a regex prefix is not element-wise: /a now catches /abc
    assert choose(rules, "h", "/abc") is None
    assert choose_regex(rules, "h", "/abc").rule.path == "/a"  # type: ignore[union-attr]


# ---------------------------------------------------------------- property: an independent oracle


def _elements(path: str) -> list[str]:
    """A path as its list of '/'-separated elements, trailing slashes dropped."""
    while path.endswith("/"):
        path = path[:-1]
    return path.split("/")


def oracle_prefix(rule: str, request: str) -> bool:
    rule_elements = _elements(rule)
    request_elements = _elements(request)
    if len(rule_elements) > len(request_elements):
        return False
    return all(a == b for a, b in zip(rule_elements, request_elements, strict=False))


def oracle_exact(rule: str, request: str) -> bool:
    return len(rule) == len(request) and all(a == b for a, b in zip(rule, request, strict=True))


paths = st.lists(st.sampled_from(["a", "b", "ab", "A", ".", ""]), min_size=0, max_size=5).map(
    lambda parts: "/" + "/".join(parts)
) | st.text(alphabet="/aAb.", min_size=1, max_size=8).map(lambda s: "/" + s)


@given(paths, paths)
def test_prefix_and_exact_agree_with_an_element_list_oracle(rule: str, request: str) -> None:
    assert match_prefix(rule, request) is oracle_prefix(rule, request)
    assert match_exact(rule, request) is oracle_exact(rule, request)
    if match_exact(rule, request):
        assert match_prefix(rule, request)


@given(
    st.lists(st.tuples(paths, st.sampled_from(["Exact", "Prefix"])), min_size=1, max_size=6), paths
)
def test_choose_picks_a_longest_matching_rule(specs: list[tuple[str, str]], request: str) -> None:
    rules = _rules(*(("h", p, t) for p, t in specs))
    choice = choose(rules, "h", request)
    matching = [
        r
        for r in rules
        if (oracle_exact if r.path_type == "Exact" else oracle_prefix)(r.path, request)
    ]
    if not matching:
        assert choice is None
        return
    assert choice is not None and choice.rule in matching
    assert len(choice.rule.path) == max(len(r.path) for r in matching)
    if any(r.path_type == "Exact" and len(r.path) == len(choice.rule.path) for r in matching):
        assert choice.rule.path_type == "Exact"


# ---------------------------------------------------------------- URL parsing


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        ("https://Shop.Example.com/api?x=1", "shop.example.com", "/api"),
        ("shop.example.com", "shop.example.com", "/"),
        ("http://shop.example.com.:8080/a/", "shop.example.com", "/a/"),
        ("http://[2001:db8::1]/x", "2001:db8::1", "/x"),
    ],
)
def test_parse_url(url: str, host: str, path: str) -> None:
    request = parse_url(url)
    assert (request.host, request.path) == (host, path)


@pytest.mark.parametrize("url", ["", "ftp://h/", "http://", "http://h:99999/", "http://a b/"])
def test_invalid_url_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError) as error:
        diagnose_route(base(), url, "shop", now=NOW)
    assert "\n" not in error.value.message and "URL" in error.value.message


# ---------------------------------------------------------------- diagnose_route


def test_exact_api_and_prefix_root_on_the_healthy_shop() -> None:
    diagnosis = diagnose_route(base(), "https://shop.example.com/api", "shop", now=NOW)
    assert (diagnosis.subject_kind, diagnosis.kind) == ("Route", "Route")
    (row,) = diagnosis.routes
    assert (row.ingress, row.path, row.path_type) == ("shop/web", "/api", "Exact")
    assert row.verdict is Verdict.OK and row.ready_endpoints == 2 and row.tls == "ok"
    assert diagnosis.verdict is Verdict.OK
    # the chain goes request -> rule -> Service port -> slice -> pods
    link = diagnosis.chain[0]
    assert link.children[0].children[0].children[0].label == "EndpointSlice web-abc12"
    slash = diagnose_route(base(), "https://shop.example.com/api/", "shop", now=NOW)
    assert slash.routes[0].path == "/" and slash.routes[0].path_type == "Prefix"


def test_curl_by_ip_matches_no_host_rule() -> None:
    diagnosis = diagnose_route(base(), "http://203.0.113.10/", "shop", now=NOW)
    finding = ids(diagnosis.findings)["route-no-host-match"]
    assert finding.severity is Severity.FAIL
    assert "is an IP" in finding.message and "shop.example.com" in finding.hint
    assert diagnosis.routes == () and diagnosis.verdict is Verdict.FAIL


def test_wildcard_covers_one_label_only() -> None:
    wild = make_ingress("wild", [("*.example.org", [path_entry("/", "Prefix")])])
    index = base(wild)
    one = diagnose_route(index, "http://a.example.org/", "shop", now=NOW)
    assert one.routes[0].ingress == "shop/wild"
    two = diagnose_route(index, "http://a.b.example.org/", "shop", now=NOW)
    assert "route-no-host-match" in ids(two.findings)
    apex = diagnose_route(index, "http://example.org/", "shop", now=NOW)
    assert "route-no-host-match" in ids(apex.findings)


def test_no_path_match_names_the_near_misses() -> None:
    strict = make_ingress(
        "strict",
        [("api.example.org", [path_entry("/v1", "Exact"), path_entry("/docs", "Prefix")])],
    )
    index = base(strict)
    exact = diagnose_route(index, "http://api.example.org/v1/", "shop", now=NOW)
    finding = ids(exact.findings)["route-no-path-match"]
    assert finding.severity is Severity.FAIL and "Exact /v1 is not /v1/" in finding.message
    prefix = diagnose_route(index, "http://api.example.org/docsearch", "shop", now=NOW)
    assert "whole '/'-separated elements" in ids(prefix.findings)["route-no-path-match"].message


def test_host_default_backend_answers_unmatched_paths() -> None:
    own = make_ingress(
        "own", [("api.example.org", [path_entry("/v1", "Prefix")])], default_backend="web"
    )
    diagnosis = diagnose_route(base(own), "http://api.example.org/other", "shop", now=NOW)
    assert ids(diagnosis.findings)["route-default-backend"].severity is Severity.INFO
    (row,) = diagnosis.routes
    assert row.path_type == "defaultBackend" and row.service == "web"


def test_catch_all_ingress_answers_unknown_hosts() -> None:
    catch_all = make_ingress("catch-all", [], default_backend="web")
    diagnosis = diagnose_route(base(catch_all), "http://unknown.example/", "shop", now=NOW)
    assert diagnosis.routes[0].ingress == "shop/catch-all"
    assert "route-default-backend" in ids(diagnosis.findings)


def test_rules_without_host_fall_back_to_the_catch_all_not_their_own_default() -> None:
    anyhost = make_ingress("anyhost", [("", [path_entry("/v1", "Exact")])], default_backend="empty")
    catch_all = make_ingress("catch-all", [], default_backend="web", created="2025-06-01T00:00:00Z")
    diagnosis = diagnose_route(base(anyhost, catch_all), "http://u.example/other", "shop", now=NOW)
    assert diagnosis.routes[0].ingress == "shop/catch-all"
    assert diagnose_route(base(anyhost), "http://u.example/other", "shop", now=NOW).routes == ()


def test_implementation_specific_winner_is_flagged_as_controller_dependent() -> None:
    impl = make_ingress("impl", [("i.example.org", [path_entry("/x", "ImplementationSpecific")])])
    diagnosis = diagnose_route(base(impl), "http://i.example.org/x/y", "shop", now=NOW)
    assert "route-implementation-specific" in ids(diagnosis.findings)
    assert diagnosis.routes[0].path == "/x"


def test_regex_mode_changes_the_winner_on_ingress_nginx() -> None:
    blog = make_ingress("blog", [("b.example.org", [path_entry("/about", "Exact")])])
    rewrite = make_ingress(
        "rewrite",
        [("b.example.org", [path_entry("/app", "Prefix")])],
        created="2025-06-01T00:00:00Z",
        annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/"},
    )
    diagnosis = diagnose_route(
        base(blog, rewrite), "http://b.example.org/About/team", "shop", now=NOW
    )
    finding = ids(diagnosis.findings)["route-nginx-regex"]
    assert "shop/rewrite" in finding.message and "no path" in finding.message
    assert diagnosis.routes[0].path == "/about"
    # without the rewrite Ingress the API rules apply: nothing matches
    plain = diagnose_route(base(blog), "http://b.example.org/About/team", "shop", now=NOW)
    assert "route-no-path-match" in ids(plain.findings)


def test_duplicate_path_oldest_ingress_answers() -> None:
    old = make_ingress(
        "old", [("d.example.org", [path_entry("/", "Prefix")])], created="2024-01-01T00:00:00Z"
    )
    new = make_ingress(
        "new",
        [("d.example.org", [path_entry("/", "Prefix", "empty")])],
        created="2025-01-01T00:00:00Z",
    )
    diagnosis = diagnose_route(base(new, old), "http://d.example.org/", "shop", now=NOW)
    assert diagnosis.routes[0].ingress == "shop/old"
    assert "shop/new" in ids(diagnosis.findings)["route-conflict"].message


def test_several_classes_matching_are_reported() -> None:
    other = make_ingress(
        "other", [("shop.example.com", [path_entry("/", "Prefix")])], class_name="traefik"
    )
    klass = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "traefik"},
        "spec": {"controller": "traefik.io/ingress-controller"},
    }
    diagnosis = diagnose_route(base(other, klass), "https://shop.example.com/", "shop", now=NOW)
    assert "route-several-controllers" in ids(diagnosis.findings)
    assert {r.ingress for r in diagnosis.routes} == {"shop/web", "shop/other"}


def test_winning_route_carries_its_backend_findings() -> None:
    broken = make_ingress("broken", [("x.example.org", [path_entry("/", "Prefix", "missing")])])
    diagnosis = diagnose_route(base(broken), "http://x.example.org/", "shop", now=NOW)
    assert "ingress-backend-service-missing" in ids(diagnosis.findings)
    assert diagnosis.routes[0].verdict is Verdict.FAIL


def test_namespace_none_considers_all_namespaces() -> None:
    elsewhere = make_ingress("far", [("far.example.org", [path_entry("/", "Prefix")])])
    elsewhere["metadata"]["namespace"] = "other"
    index = base(elsewhere)
    assert "route-no-host-match" in ids(
        diagnose_route(index, "http://far.example.org/", "shop", now=NOW).findings
    )
    assert (
        diagnose_route(index, "http://far.example.org/", None, now=NOW).routes[0].ingress
        == "other/far"
    )


def test_no_ingress_at_all() -> None:
    diagnosis = diagnose_route(base(with_shop_ingress=False), "http://a.example/", "shop", now=NOW)
    assert "route-no-host-match" in ids(diagnosis.findings)


# ---------------------------------------------------------------- every check raised


def _route_ids(index: Index, url: str) -> set[str]:
    return {f.id for f in diagnose_route(index, url, "shop", now=NOW).findings}


ROUTE_SCENARIOS: dict[str, Callable[[], set[str]]] = {
    "route-no-host-match": lambda: _route_ids(base(), "http://203.0.113.10/"),
    "route-no-path-match": lambda: _route_ids(
        base(make_ingress("s", [("s.example", [path_entry("/v1", "Exact")])])),
        "http://s.example/v2",
    ),
    "route-default-backend": lambda: _route_ids(
        base(make_ingress("c", [], default_backend="web")), "http://u.example/"
    ),
    "route-implementation-specific": lambda: _route_ids(
        base(make_ingress("i", [("i.example", [path_entry("/", "ImplementationSpecific")])])),
        "http://i.example/",
    ),
    "route-nginx-regex": lambda: _route_ids(
        base(
            make_ingress("e", [("r.example", [path_entry("/a", "Exact")])]),
            make_ingress(
                "r",
                [("r.example", [path_entry("/b", "Prefix")])],
                annotations={"nginx.ingress.kubernetes.io/use-regex": "true"},
            ),
        ),
        "http://r.example/A/x",
    ),
    "route-conflict": lambda: _route_ids(
        base(
            make_ingress(
                "o", [("d.example", [path_entry("/", "Prefix")])], created="2024-01-01T00:00:00Z"
            ),
            make_ingress("n", [("d.example", [path_entry("/", "Prefix")])]),
        ),
        "http://d.example/",
    ),
    "route-several-controllers": lambda: _route_ids(
        base(
            make_ingress(
                "t", [("shop.example.com", [path_entry("/", "Prefix")])], class_name="other"
            )
        ),
        "http://shop.example.com/",
    ),
}


@pytest.mark.parametrize("check_id", sorted(ROUTE_SCENARIOS))
def test_route_scenario_raises_its_check(check_id: str) -> None:
    assert check_id in ROUTE_SCENARIOS[check_id]()


def test_every_check_of_the_ingress_modules_is_raised_by_a_scenario() -> None:
    declared = {c.id for module in (ingresses, ingressclasses, tls, routes) for c in module.CHECKS}
    covered = set(ROUTE_SCENARIOS) | set(test_ingresses.SCENARIOS) | set(test_tls.SCENARIOS)
    assert declared <= covered, sorted(declared - covered)
    assert all(
        c.area == "ingress" for m in (ingresses, ingressclasses, tls, routes) for c in m.CHECKS
    )


@pytest.mark.parametrize("check_id", sorted(ROUTE_SCENARIOS))
def test_healthy_route_raises_none_of_them(check_id: str) -> None:
    assert check_id not in _route_ids(base(), "https://shop.example.com/api")
