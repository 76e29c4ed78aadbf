"""The *cache* plugin line as a typed value, and the TTL it gives an answer.

``cache [TTL] [ZONES...] { success CAP [TTL [MINTTL]]; denial CAP [TTL [MINTTL]];
prefetch N [DURATION [PCT%]]; serve_stale [DURATION ...]; servfail DURATION;
disable success|denial [ZONES...]; keepttl }`` (CoreDNS v1.14 plugin/cache).

Defaults from that plugin: success TTLs 5..3600 s, denial 5..1800 s; ``cache 30``
caps both at 30 s. The TTL a client sees is the answer's own TTL clamped into
[min, max] (:meth:`CacheView.clamp`); the clamp is applied to every answer in the
cache's zones, even where ``disable`` keeps the answer out of the cache itself.
Capacity: 256 shards of ``max(CAP // 256, 4)`` entries (default 39 each: 9984).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem, ServerBlock
from kubectl_discover.analyze.corefile.options import atoi, duration
from kubectl_discover.analyze.corefile.zones import fqdn, longest_match, normalize_zones

SUCCESS_MAX = 3600
DENIAL_MAX = 1800
MIN_TTL = 5
DEFAULT_CAPACITY = 10000
SHARDS = 256
SERVFAIL_TTL = 5.0
STALE_DEFAULT = 3600.0


def effective_capacity(requested: int) -> int:
    """How many entries a cache of ``requested`` capacity really holds."""
    return SHARDS * max(requested // SHARDS, 4)


@dataclass(frozen=True)
class CacheView:
    """One ``cache`` line with every default filled in."""

    directive: Directive
    zones: tuple[str, ...]
    success_max: int
    success_min: int
    success_capacity: int
    denial_max: int
    denial_min: int
    denial_capacity: int
    prefetch: int
    serve_stale: float | None
    servfail: float
    disable_success: tuple[str, ...]
    disable_denial: tuple[str, ...]
    keepttl: bool
    problems: tuple[Problem, ...]

    def covers(self, name: str) -> bool:
        """Whether the cache handles (and clamps the TTLs of) answers for ``name``."""
        return bool(longest_match(self.zones, name))

    def caches_success(self, name: str) -> bool:
        return self.covers(name) and not longest_match(self.disable_success, name)

    def caches_denial(self, name: str) -> bool:
        return self.covers(name) and not longest_match(self.disable_denial, name)

    def clamp(self, ttl: int, *, denial: bool) -> int:
        """The TTL an answer leaves with: its own, clamped into [min, max]."""
        low, high = (
            (self.denial_min, self.denial_max) if denial else (self.success_min, self.success_max)
        )
        return min(max(ttl, low), high)


def cache_view(directive: Directive, block: ServerBlock) -> CacheView:
    """Read one ``cache`` line the way its setup does, collecting what it rejects."""
    problems: list[Problem] = []
    success_max, denial_max = SUCCESS_MAX, DENIAL_MAX
    args = list(directive.args)
    if args and (ttl := atoi(args[0])) is not None:
        if ttl <= 0:
            problems.append(Problem(directive, f"cache TTL can not be zero or negative: {ttl}"))
        else:
            success_max = denial_max = ttl
        args = args[1:]
    zones = normalize_zones(args) if args else tuple(a.zone for a in block.addresses)
    values = {
        "success": [DEFAULT_CAPACITY, success_max, MIN_TTL],
        "denial": [DEFAULT_CAPACITY, denial_max, MIN_TTL],
    }
    prefetch = 0
    stale: float | None = None
    servfail = SERVFAIL_TTL
    disabled: dict[str, tuple[str, ...]] = {"success": (), "denial": ()}
    keepttl = False
    for option in directive.block:
        name, opts = option.name, option.args
        if name in values:
            problems.extend(_read_kind(option, values[name]))
        elif name == "prefetch":
            amount = atoi(opts[0]) if opts else None
            if amount is None or amount < 0 or len(opts) > 3:
                problems.append(Problem(option, "prefetch needs AMOUNT [DURATION [PERCENTAGE%]]"))
            else:
                prefetch = amount
        elif name == "serve_stale":
            stale = duration(opts[0]) if opts else STALE_DEFAULT
            if stale is None or stale < 0 or len(opts) > 5:
                problems.append(Problem(option, "serve_stale needs a non-negative DURATION"))
                stale = None
        elif name == "servfail":
            value = duration(opts[0]) if len(opts) == 1 else None
            if value is None or not 0 <= value <= 300:
                problems.append(Problem(option, "servfail needs a DURATION of at most 5m"))
            else:
                servfail = value
        elif name == "disable":
            if not opts or opts[0] not in disabled:
                problems.append(
                    Problem(option, 'cache type for disable must be "success" or "denial"')
                )
            else:
                disabled[opts[0]] = tuple(fqdn(z) for z in opts[1:]) or (".",)
        elif name == "keepttl":
            keepttl = True
        elif name != "serve_stale_policy":
            problems.append(Problem(option, f"unknown cache option '{name}'"))
    return CacheView(
        directive=directive,
        zones=zones,
        success_max=values["success"][1],
        success_min=values["success"][2],
        success_capacity=effective_capacity(values["success"][0]),
        denial_max=values["denial"][1],
        denial_min=values["denial"][2],
        denial_capacity=effective_capacity(values["denial"][0]),
        prefetch=prefetch,
        serve_stale=stale,
        servfail=servfail,
        disable_success=disabled["success"],
        disable_denial=disabled["denial"],
        keepttl=keepttl,
        problems=tuple(problems),
    )


def _read_kind(option: Directive, into: list[int]) -> list[Problem]:
    """``success|denial CAPACITY [TTL [MINTTL]]`` into ``[capacity, max, min]``."""
    numbers = [atoi(a) for a in option.args[:3]]
    if not numbers or any(n is None for n in numbers):
        return [Problem(option, f"{option.name} needs CAPACITY [TTL [MINTTL]] as integers")]
    capacity, *ttls = [n for n in numbers if n is not None]
    into[0] = capacity
    if ttls:
        if ttls[0] <= 0:
            return [Problem(option, f"cache TTL can not be zero or negative: {ttls[0]}")]
        into[1] = ttls[0]
    if len(ttls) > 1:
        if ttls[1] < 0:
            return [Problem(option, f"cache min TTL can not be negative: {ttls[1]}")]
        into[2] = ttls[1]
    return []
