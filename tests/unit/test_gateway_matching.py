"""Request matching: listener choice and isolation, rule precedence across Routes
(checked against an independent implementation), the 404/500/redirect outcomes."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from gwhelp import exact, fixture, graph_of, http_route, prefix, rule, shop
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_discover.analyze.gateway.candidates import MissPart, path_matches
from kubectl_discover.analyze.gateway.matching import Outcome, match_request
from kubectl_discover.analyze.gateway.precedence import Criterion
from kubectl_discover.analyze.gateway.request import parse_request
from kubectl_discover.errors import InputError
from kubectl_discover.findings import Verdict

Doc = dict[str, Any]


def answer(graph, url: str, *headers: str, method: str = "GET", gateway=("infra", "gw")):  # type: ignore[no-untyped-def]
    return match_request(graph, parse_request(url, method=method, headers=headers), gateway)[0]


# ---------------------------------------------------------------- the request


def test_parse_request_defaults_and_host_override() -> None:
    request = parse_request("https://Shop.Example.com/api/x?b=2&a=1", headers=["X-Canary: true"])
    assert (request.scheme, request.host, request.port, request.path) == (
        "https",
        "shop.example.com",
        443,
        "/api/x",
    )
    assert request.query == (("b", "2"), ("a", "1")) and request.header("x-canary") == "true"
    request = parse_request("http://203.0.113.7/", headers=["Host: shop.example.com:8080"])
    assert (request.host, request.port) == ("shop.example.com", 8080)
    assert parse_request("shop.example.com").scheme == "http"
    for bad in ("ftp://x/", "http:///x", "http://x:99999/", "two words"):
        with pytest.raises(InputError):
            parse_request(bad)
    with pytest.raises(InputError):
        parse_request("http://x/", headers=["no-colon"])


@pytest.mark.parametrize(
    ("match_type", "value", "path", "expected"),
    [
        ("PathPrefix", "/foo", "/foo", True),
        ("PathPrefix", "/foo", "/foo/", True),
        ("PathPrefix", "/foo", "/foo/bar", True),
        ("PathPrefix", "/foo", "/foobar", False),
        ("PathPrefix", "/foo/", "/foo", True),  # a trailing '/' of the value is ignored
        ("PathPrefix", "/", "/anything", True),
        ("Exact", "/abc", "/abc", True),
        ("Exact", "/abc", "/abc/", False),
        ("Exact", "/abc", "/Abc", False),
        ("RegularExpression", "/v[0-9]+/.*", "/v2/x", True),
        ("RegularExpression", "(", "/x", None),
    ],
)
def test_path_semantics(match_type: str, value: str, path: str, expected: bool | None) -> None:
    assert path_matches(match_type, value, path) is expected


# ---------------------------------------------------------------- listeners


ISOLATION = [
    ("bar.com", {"/empty-hostname": "to-empty"}),
    ("bar.example.com", {"/wildcard-example-com": "to-wildcard-example-com"}),
    ("bar.foo.example.com", {"/wildcard-foo-example-com": "to-wildcard-foo-example-com"}),
    ("abc.foo.example.com", {"/abc-foo-example-com": "to-abc-foo-example-com"}),
]
PATHS = [
    "/empty-hostname",
    "/wildcard-example-com",
    "/wildcard-foo-example-com",
    "/abc-foo-example-com",
]


@pytest.mark.parametrize(("host", "served"), ISOLATION)
@pytest.mark.parametrize("path", PATHS)
def test_listener_isolation_as_the_conformance_test_expects(
    host: str, served: dict[str, str], path: str
) -> None:
    graph = graph_of(*fixture("isolation"), fixture("shop")[0])
    result = answer(graph, f"http://{host}{path}", gateway=("infra", "isolation"))
    if path in served:
        assert result.outcome is Outcome.FORWARDED
        assert result.winner is not None and result.winner.route.name == served[path]
    else:
        assert result.status == 404 and result.outcome is Outcome.NOT_FOUND


def test_a_more_specific_listener_hides_the_less_specific_ones() -> None:
    graph = graph_of(*fixture("isolation"), fixture("shop")[0])
    result = answer(graph, "http://abc.foo.example.com/x", gateway=("infra", "isolation"))
    assert result.listener is not None and result.listener[1] == "abc-foo-example-com"
    hidden = [why for key, why in result.passed_over if "listener isolation" in why]
    assert len(hidden) == 3


def test_no_listener_for_the_host_is_404_and_no_gateway_on_the_port_is_empty() -> None:
    graph = shop()
    result = answer(graph, "https://shop.example.org/")
    assert result.outcome is Outcome.NO_LISTENER and result.status == 404
    assert "*.example.com" in result.reason
    assert match_request(graph, parse_request("http://shop.example.com:8080/")) == ()


def test_conflicted_listeners_take_nothing() -> None:
    graph = shop(broken=True)
    result = answer(graph, "http://x.example.com:9000/", gateway=("infra", "edge"))
    assert result.outcome is Outcome.NO_LISTENER
    assert "not accepted" in result.reason and "ProtocolConflict" not in result.reason


# ---------------------------------------------------------------- precedence


def test_shop_precedence() -> None:
    graph = shop()
    result = answer(graph, "https://shop.example.com/api/orders")
    assert (
        result.winner is not None
        and result.winner.source() == "HTTPRoute shop/store rule 1 match 0"
    )
    assert [(s.resolution.ref.name, round(s.share, 2)) for s in result.backends] == [
        ("api", 0.9),
        ("api-v2", 0.1),
    ]
    ((loser, loss),) = result.losers
    assert loser.rule == 0 and loss.criterion is Criterion.PREFIX_LENGTH
    canary = answer(graph, "https://shop.example.com/api/orders", "x-canary: true")
    assert canary.winner is not None and canary.winner.rule == 2
    assert canary.losers[0][1].criterion is Criterion.HEADERS
    health = answer(graph, "http://shop.example.com/healthz")
    assert health.winner is not None and health.winner.rule == 3
    assert health.losers[0][1].criterion is Criterion.EXACT_PATH
    assert health.verdict is Verdict.OK


def test_element_wise_prefix_falls_back_to_the_root_rule() -> None:
    result = answer(shop(), "http://shop.example.com/apis")
    assert result.winner is not None and result.winner.rule == 0


def _routes(*docs: Doc) -> Any:
    return graph_of(fixture("shop")[0], fixture("shop")[1], *fixture("shop")[3:6], *docs)


@pytest.mark.parametrize(
    ("a", "b", "criterion"),
    [
        (rule(exact("/a/b")), rule(prefix("/a/b")), Criterion.EXACT_PATH),
        (rule(prefix("/a/b")), rule(prefix("/a")), Criterion.PREFIX_LENGTH),
        (rule(prefix("/a", method="GET")), rule(prefix("/a")), Criterion.METHOD),
        (
            rule(prefix("/a", method="GET")),
            rule(prefix("/a", headers=[{"name": "x", "value": "1"}])),
            Criterion.METHOD,
        ),
        (
            rule(prefix("/a", queryParams=[{"name": "q", "value": "1"}])),
            rule(prefix("/a")),
            Criterion.QUERY,
        ),
    ],
)
def test_each_criterion(a: Doc, b: Doc, criterion: Criterion) -> None:
    graph = _routes(
        http_route("r2", [b], created="2025-01-01T00:00:00Z"),
        http_route("r1", [a], created="2025-06-01T00:00:00Z"),
    )
    result = answer(graph, "http://x.example.com/a/b?q=1", "x: 1")
    assert result.winner is not None and result.winner.route.name == "r1"
    assert result.losers[0][1].criterion is criterion


def test_ties_go_to_the_oldest_route_then_the_name_then_rule_order() -> None:
    graph = _routes(
        http_route("young", [rule(prefix("/a"))], created="2025-06-01T00:00:00Z"),
        http_route("old", [rule(prefix("/a"))], created="2025-01-01T00:00:00Z"),
    )
    result = answer(graph, "http://x/a")
    assert result.winner is not None and result.winner.route.name == "old"
    assert result.losers[0][1].criterion is Criterion.OLDER_ROUTE
    graph = _routes(
        http_route("b", [rule(prefix("/a"))]),
        http_route("a", [rule(prefix("/a")), rule(prefix("/a"))]),
    )
    result = answer(graph, "http://x/a")
    assert result.winner is not None and (result.winner.route.name, result.winner.rule) == ("a", 0)
    assert [loss.criterion for _, loss in result.losers] == [
        Criterion.RULE_ORDER,
        Criterion.ROUTE_NAME,
    ]


def test_a_precise_route_hostname_beats_a_wildcard_one() -> None:
    graph = _routes(
        http_route("wild", [rule(prefix("/a/b/c"))], hostnames=["*.example.com"]),
        http_route("precise", [rule(prefix("/"))], hostnames=["shop.example.com"]),
    )
    result = answer(graph, "http://shop.example.com/a/b/c")
    assert result.winner is not None and result.winner.route.name == "precise"
    assert result.losers[0][1].criterion is Criterion.PRECISE_HOSTNAME


def test_regular_expressions_are_never_certain() -> None:
    graph = _routes(
        http_route("re", [rule({"path": {"type": "RegularExpression", "value": "/a/.*"}})]),
        http_route("pre", [rule(prefix("/a"))]),
    )
    result = answer(graph, "http://x/a/b")
    assert result.winner is not None and result.winner.route.name == "pre"
    assert not result.certain and result.verdict is Verdict.WARN
    assert any("implementation-specific" in n for n in result.notes)


# ---------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    ("path", "outcome", "status", "share"),
    [
        ("/missing", Outcome.SERVER_ERROR, 500, 1.0),
        ("/cross", Outcome.SERVER_ERROR, 500, 1.0),
        ("/kind", Outcome.SERVER_ERROR, 500, 1.0),
        ("/target-port", Outcome.SERVER_ERROR, 500, 1.0),
        ("/nothing", Outcome.SERVER_ERROR, 500, 1.0),
        ("/drained", Outcome.SERVER_ERROR, 500, 1.0),
        ("/half", Outcome.FORWARDED, None, 0.5),
        ("/elsewhere", Outcome.NOT_FOUND, 404, 0.0),
    ],
)
def test_404_versus_500(path: str, outcome: Outcome, status: int | None, share: float) -> None:
    result = answer(shop(broken=True), f"http://bad.example.com{path}")
    assert (result.outcome, result.status, result.error_share) == (outcome, status, share)
    assert result.verdict is (Verdict.WARN if 0 < share < 1 else Verdict.FAIL)


def test_a_404_names_the_closest_rules() -> None:
    result = answer(shop(), "http://shop.example.com/healthz/", method="GET")
    assert result.winner is not None  # PathPrefix / still takes it
    graph = _routes(http_route("only", [rule(exact("/healthz", method="POST"))]))
    result = answer(graph, "http://x/healthz")
    assert result.status == 404
    assert [m.part for m in result.misses] == [MissPart.METHOD]


def test_redirect() -> None:
    redirect = {
        "matches": [{"path": {"value": "/"}}],
        "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}
        ],
    }
    graph = _routes(http_route("r", [redirect]))
    result = answer(graph, "http://x/")
    assert (result.outcome, result.status, result.verdict) == (Outcome.REDIRECT, 301, Verdict.OK)


def test_grpc_routes_answer_grpc_requests() -> None:
    grpc = http_route(
        "rpc",
        [
            {
                "matches": [{"method": {"service": "shop.Cart", "method": "Add"}}],
                "backendRefs": [{"name": "api", "port": 8080}],
            },
            {
                "matches": [{"method": {"service": "shop.Cart"}}],
                "backendRefs": [{"name": "web", "port": 80}],
            },
        ],
        hostnames=["rpc.example.com"],
        kind="GRPCRoute",
    )
    graph = _routes(grpc)
    ct = "content-type: application/grpc"
    add = answer(graph, "http://rpc.example.com/shop.Cart/Add", ct, method="POST")
    assert add.grpc and add.winner is not None and add.winner.rule == 0
    assert add.losers[0][1].criterion is Criterion.GRPC_METHOD
    other = answer(graph, "http://rpc.example.com/shop.Orders/Get", ct, method="POST")
    assert other.status == 404 and other.status_text() == "gRPC UNIMPLEMENTED"
    plain = answer(graph, "http://rpc.example.com/shop.Cart/Add")
    assert plain.status == 404 and any("GRPCRoute" in n for n in plain.notes)


def test_class_missing_makes_the_answer_fail() -> None:
    docs = [d for d in fixture("shop") if d["kind"] != "GatewayClass"]
    result = answer(graph_of(*docs), "http://shop.example.com/")
    assert result.served is False and result.verdict is Verdict.FAIL
    assert result.winner is not None  # the rule is still named


# ---------------------------------------------------------------- property: precedence


VALUES = ["/", "/a", "/a/", "/a/b", "/ab", "/a/b/c"]


@st.composite
def matches_(draw: st.DrawFn) -> Doc:
    match: Doc = {
        "path": {
            "type": draw(st.sampled_from(["Exact", "PathPrefix"])),
            "value": draw(st.sampled_from(VALUES)),
        }
    }
    if draw(st.booleans()):
        match["method"] = draw(st.sampled_from(["GET", "POST"]))
    headers = draw(st.lists(st.sampled_from(["h1", "h2", "h3"]), unique=True, max_size=3))
    if headers:
        match["headers"] = [{"name": h, "value": "1"} for h in headers]
    query = draw(st.lists(st.sampled_from(["q1", "q2"]), unique=True, max_size=2))
    if query:
        match["queryParams"] = [{"name": q, "value": "1"} for q in query]
    return match


@st.composite
def routes_(draw: st.DrawFn) -> list[Doc]:
    names = draw(
        st.lists(st.sampled_from(["r1", "r2", "r3", "r4"]), unique=True, min_size=1, max_size=4)
    )
    routes = []
    for name in names:
        day = draw(st.integers(1, 3))
        rules = draw(st.lists(st.lists(matches_(), min_size=1, max_size=2), min_size=1, max_size=3))
        routes.append(
            http_route(
                name,
                [{"matches": m, "backendRefs": [{"name": "web", "port": 80}]} for m in rules],
                created=f"2025-01-0{day}T00:00:00Z",
            )
        )
    return routes


def _reference_winner(
    routes: list[Doc], path: str, method: str, headers: set[str], query: set[str]
):  # type: ignore[no-untyped-def]
    """An independent reading of HTTPRouteRule.Matches precedence."""

    def segments(p: str) -> list[str]:
        return [s for s in p.split("/") if s]

    def hit(m: Doc) -> bool:
        value, kind = m["path"]["value"], m["path"]["type"]
        if kind == "Exact" and value != path:
            return False
        if kind == "PathPrefix" and segments(path)[: len(segments(value))] != segments(value):
            return False
        if m.get("method", method) != method:
            return False
        if any(h["name"] not in headers for h in m.get("headers", [])):
            return False
        return all(q["name"] in query for q in m.get("queryParams", []))

    found = []
    for route in routes:
        for r, rule_ in enumerate(route["spec"]["rules"]):
            for i, m in enumerate(rule_["matches"]):
                if hit(m):
                    found.append((route["metadata"], r, i, m))

    def better(x: Any, y: Any) -> int:
        (mx, rx, ix, a), (my, ry, iy, b) = x, y
        steps = [
            (a["path"]["type"] == "Exact", b["path"]["type"] == "Exact", True),
            (
                len(a["path"]["value"]) if a["path"]["type"] == "PathPrefix" else 0,
                len(b["path"]["value"]) if b["path"]["type"] == "PathPrefix" else 0,
                True,
            ),
            ("method" in a, "method" in b, True),
            (len(a.get("headers", [])), len(b.get("headers", [])), True),
            (len(a.get("queryParams", [])), len(b.get("queryParams", [])), True),
            (mx["creationTimestamp"], my["creationTimestamp"], False),
            (mx["name"], my["name"], False),
            (rx, ry, False),
            (ix, iy, False),
        ]
        for left, right, more_wins in steps:
            if left != right:
                return (-1 if left > right else 1) if more_wins else (-1 if left < right else 1)
        return 0

    found.sort(key=functools.cmp_to_key(better))
    return (found[0][0]["name"], found[0][1]) if found else None


@settings(max_examples=150, deadline=None)
@given(
    routes_(),
    st.sampled_from(["/", "/a", "/a/", "/a/b", "/ab", "/a/b/c", "/a/bc"]),
    st.sampled_from(["GET", "POST"]),
    st.sets(st.sampled_from(["h1", "h2", "h3"])),
    st.sets(st.sampled_from(["q1", "q2"])),
)
def test_precedence_agrees_with_an_independent_implementation(
    routes: list[Doc], path: str, method: str, headers: set[str], query: set[str]
) -> None:
    graph = _routes(*routes)
    url = f"http://x{path}" + ("?" + "&".join(f"{q}=1" for q in sorted(query)) if query else "")
    result = answer(graph, url, *(f"{h}: 1" for h in sorted(headers)), method=method)
    expected = _reference_winner(routes, path, method, headers, query)
    got = (result.winner.route.name, result.winner.rule) if result.winner else None
    assert got == expected
