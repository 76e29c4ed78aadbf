"""Gateway API hostnames: wildcard matching (one or more labels), intersection between
listener and route hostnames, listener specificity (the Hostnames concept page)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_discover.analyze.gateway.hostnames import (
    best_match,
    hostname_problem,
    intersect,
    intersections,
    match_rank,
    matches,
    normalise_host,
    specificity,
)


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*.example.com", "www.example.com", True),
        ("*.example.com", "sub.domain.example.com", True),  # one OR MORE labels
        ("*.example.com", "example.com", False),
        ("*.com", "example.com", True),
        ("www.example.com", "www.example.com", True),
        ("www.example.com", "foo.example.com", False),
        ("", "anything.at.all", True),
        ("www.example.com", "WWW.Example.COM:8443", True),  # case and port ignored
        ("www.example.com", "www.example.com.", True),
        ("*.example.com", "xexample.com", False),
    ],
)
def test_wildcards_match_one_or_more_labels(pattern: str, host: str, expected: bool) -> None:
    assert matches(pattern, host) is expected


@pytest.mark.parametrize(
    ("listener", "route", "expected"),
    [
        # the table of the Hostnames concept page
        ("www.example.com", "www.example.com", "www.example.com"),
        ("*.example.com", "www.example.com", "www.example.com"),
        ("*.example.com", "sub.domain.example.com", "sub.domain.example.com"),
        ("www.example.com", "*.example.com", "www.example.com"),
        ("sub.domain.example.com", "*.example.com", "sub.domain.example.com"),
        ("*.example.com", "*.example.com", "*.example.com"),
        ("*.com", "*.example.com", "*.example.com"),
        ("", "www.example.com", "www.example.com"),
        ("", "", ""),
        # and what does not intersect
        ("*.example.com", "example.com", None),
        ("*.example.com", "test.example.net", None),
        ("very.specific.com", "non.matching.com", None),
        ("*.foo.example.com", "*.bar.example.com", None),
    ],
)
def test_intersection(listener: str, route: str, expected: str | None) -> None:
    assert intersect(listener, route) == expected


def test_a_route_without_hostnames_takes_the_listeners() -> None:
    assert intersections("*.example.com", ()) == ("*.example.com",)
    assert intersections("", ()) == ("",)
    # conformance: *.example.com on a *.foo.example.com listener becomes *.foo.example.com
    assert intersections(
        "*.foo.example.com",
        ("bar.com", "*.example.com", "*.foo.example.com", "abc.foo.example.com"),
    ) == ("*.foo.example.com", "abc.foo.example.com")


def test_listener_specificity_orders_exact_then_longer_wildcards_then_empty() -> None:
    names = ["", "*.example.com", "abc.foo.example.com", "*.foo.example.com"]
    assert sorted(names, key=specificity, reverse=True) == [
        "abc.foo.example.com",
        "*.foo.example.com",
        "*.example.com",
        "",
    ]
    assert best_match(tuple(names), "abc.foo.example.com") == "abc.foo.example.com"
    assert best_match(tuple(names), "x.foo.example.com") == "*.foo.example.com"
    assert best_match(tuple(names), "bar.com") == ""


def test_match_rank_counts_precise_then_any_characters() -> None:
    assert match_rank(("shop.example.com",), "shop.example.com") == (16, 16)
    assert match_rank(("*.example.com",), "shop.example.com") == (0, 13)
    assert match_rank(("",), "shop.example.com") == (0, 0)
    assert match_rank(("other.example.com",), "shop.example.com") is None


@pytest.mark.parametrize(
    ("hostname", "problem"),
    [
        ("shop.example.com", ""),
        ("*.example.com", ""),
        ("*", "bare '*'"),
        ("foo.*.com", "'*' outside"),
        ("Shop.example.com", "upper-case"),
        ("10.0.0.1", "IP address"),
        ("a_b.example.com", "lower-case DNS name"),
    ],
)
def test_hostname_syntax(hostname: str, problem: str) -> None:
    found = hostname_problem(hostname)
    assert (problem in found) if problem else found == ""


def test_request_hosts_are_normalised() -> None:
    assert normalise_host("Shop.Example.com:443") == "shop.example.com"
    assert normalise_host("[::1]:8080") == "[::1]"


LABEL = st.sampled_from(["a", "b", "foo", "example", "com"])
PRECISE = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
PATTERN = st.one_of(st.just(""), PRECISE, PRECISE.map(lambda h: "*." + h))
HOST = st.lists(LABEL, min_size=1, max_size=5).map(".".join)


@given(PATTERN, PATTERN, HOST)
def test_intersection_is_exactly_the_hosts_both_match(a: str, b: str, host: str) -> None:
    common = intersect(a, b)
    assert common == intersect(b, a)
    if common is not None:
        assert matches(common, host) == (matches(a, host) and matches(b, host))
    else:
        assert not (matches(a, host) and matches(b, host))
