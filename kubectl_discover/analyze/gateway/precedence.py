"""Rule precedence across every Route attached to a listener (HTTPRouteRule.Matches,
GRPCRouteRule.Matches): the ordering key of one match and why a match loses."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# ---------------------------------------------------------------- precedence


class Criterion(enum.Enum):
    """The precedence criteria, in the order the spec applies them."""

    PRECISE_HOSTNAME = "characters in a matching precise hostname"
    HOSTNAME = "characters in a matching hostname"
    EXACT_PATH = "an Exact path match"
    PREFIX_LENGTH = "a longer PathPrefix"
    METHOD = "a method match"
    HEADERS = "more header matches"
    QUERY = "more query parameter matches"
    GRPC_SERVICE = "a longer service match"
    GRPC_METHOD = "a longer method match"
    OLDER_ROUTE = "an older Route (creationTimestamp)"
    ROUTE_NAME = "namespace/name order"
    RULE_ORDER = "rule order within the Route"
    MATCH_ORDER = "match order within the rule"


@dataclass(frozen=True)
class Precedence:
    precise_host: int
    host: int
    exact: bool
    prefix: int
    regex: bool
    method: bool
    headers: int
    query: int
    grpc_service: int
    grpc_method: int
    age: tuple[int, str, str, str]
    route: str
    rule: int
    match: int

    def sort_key(self) -> tuple[object, ...]:
        """Ascending order = winner first. Regex paths sort after every other path."""
        return (
            -self.precise_host,
            -self.host,
            not self.exact,
            self.regex,
            -self.prefix,
            not self.method,
            -self.headers,
            -self.query,
            -self.grpc_service,
            -self.grpc_method,
            self.age,
            self.route,
            self.rule,
            self.match,
        )

    def values(self) -> tuple[tuple[Criterion, object, str], ...]:
        """(criterion, comparable value (greater wins), shown value)."""
        created = self.age[1] or "no creationTimestamp"
        return (
            (Criterion.PRECISE_HOSTNAME, self.precise_host, f"{self.precise_host} characters"),
            (Criterion.HOSTNAME, self.host, f"{self.host} characters"),
            (Criterion.EXACT_PATH, self.exact, "Exact" if self.exact else "not Exact"),
            (
                Criterion.PREFIX_LENGTH,
                (not self.regex, self.prefix),
                "RegularExpression" if self.regex else f"{self.prefix} characters",
            ),
            (Criterion.METHOD, self.method, "method" if self.method else "any method"),
            (Criterion.HEADERS, self.headers, f"{self.headers} header matches"),
            (Criterion.QUERY, self.query, f"{self.query} query matches"),
            (Criterion.GRPC_SERVICE, self.grpc_service, f"{self.grpc_service} characters"),
            (Criterion.GRPC_METHOD, self.grpc_method, f"{self.grpc_method} characters"),
            (Criterion.OLDER_ROUTE, _negate_age(self.age), created),
            (Criterion.ROUTE_NAME, _Reverse(self.route), self.route),
            (Criterion.RULE_ORDER, -self.rule, f"rule {self.rule}"),
            (Criterion.MATCH_ORDER, -self.match, f"match {self.match}"),
        )


class _Reverse:
    """Orders strings backwards, so that the alphabetically first compares greatest."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.text == other.text

    def __gt__(self, other: _Reverse) -> bool:
        return self.text < other.text

    def __hash__(self) -> int:
        return hash(self.text)


def _negate_age(age: tuple[int, str, str, str]) -> tuple[int, _Reverse]:
    # Present timestamps (0) beat missing ones (1); earlier beats later.
    return (-age[0], _Reverse(age[1]))


@dataclass(frozen=True)
class Loss:
    """Why a matching rule did not win: the first criterion on which the winner is ahead."""

    criterion: Criterion
    winner: str
    loser: str

    def describe(self) -> str:
        return f"lost on {self.criterion.value}: {self.winner} beats {self.loser}"


def compare(winner: Precedence, loser: Precedence) -> Loss:
    for (criterion, a, shown_a), (_, b, shown_b) in zip(winner.values(), loser.values()):
        if a != b:
            return Loss(criterion, shown_a, shown_b)
    return Loss(Criterion.MATCH_ORDER, f"match {winner.match}", f"match {loser.match}")
