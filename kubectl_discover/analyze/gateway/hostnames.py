"""Hostnames as the Gateway API reads them (apis/v1 Hostname, Listener.Hostname,
HTTPRouteSpec.Hostnames; the "Hostnames" concept page of v1.6).

- A wildcard is a leftmost ``*.`` label that matches **one or more** labels:
  ``*.example.com`` matches ``a.example.com`` and ``a.b.example.com``, not
  ``example.com``. (Certificates are different: there a wildcard covers exactly one
  label, see :func:`kubectl_discover.analyze.tls.name_covers`.)
- An empty hostname (a listener or a route without one) matches every host.
- Intersection of a listener hostname and a route hostname is the more specific of
  the two when one matches the other, else nothing.
- Listener precedence for a request: an exact hostname, then wildcards by the number
  of labels to the right of ``*`` (more first), then the empty hostname.

All comparisons are case-insensitive and ignore a port and a trailing dot on the
request host. Pure.
"""

from __future__ import annotations

import re

ANY = ""
"""The hostname of a listener or route that sets none: matches everything."""

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_HOSTNAME = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")


def normalise_host(host: str) -> str:
    """A request Host header as matching sees it: no port, no trailing dot, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def is_wildcard(hostname: str) -> bool:
    return hostname.startswith("*.")


def hostname_problem(hostname: str) -> str:
    """Why the API rejects ``hostname`` (the Hostname type), or ""."""
    if not hostname:
        return "is empty"
    if len(hostname) > 253:
        return "is longer than 253 characters"
    if hostname == "*":
        return "is a bare '*', which the API rejects (write '*.' followed by a domain)"
    if not _HOSTNAME.match(hostname):
        if "*" in hostname[2:] or (hostname.startswith("*") and not hostname.startswith("*.")):
            return "has '*' outside a whole leftmost '*.' label"
        if any(c.isupper() for c in hostname):
            return "has upper-case letters (hostnames must be lower case)"
        return "is not a lower-case DNS name (letters, digits, '-', '.')"
    labels = hostname.split(".")
    if all(part.isdigit() for part in labels if part != "*") and len(labels) == 4:
        return "is an IP address, which is never a valid hostname"
    return ""


def matches(pattern: str, host: str) -> bool:
    """Whether a listener or route hostname ``pattern`` matches the request ``host``."""
    if pattern == ANY:
        return True
    host = normalise_host(host)
    pattern = pattern.lower()
    if not is_wildcard(pattern):
        return pattern == host
    suffix = pattern[1:]  # ".example.com"
    return host.endswith(suffix) and len(host) > len(suffix)


def _covers(wide: str, narrow: str) -> bool:
    """Whether every host ``narrow`` matches is matched by ``wide`` (both patterns)."""
    if wide == ANY:
        return True
    if narrow == ANY:
        return False
    if not is_wildcard(wide):
        return wide == narrow
    if is_wildcard(narrow):
        return narrow == wide or narrow.endswith(wide[1:])
    return matches(wide, narrow)


def intersect(listener: str, route: str) -> str | None:
    """The intersected hostname of a listener and a route hostname, or None.

    ``("*.example.com", "a.example.com")`` gives ``a.example.com``;
    ``("a.example.com", "*.example.com")`` gives ``a.example.com``;
    ``("*.foo.example.com", "*.example.com")`` gives ``*.foo.example.com``;
    ``("", "x")`` gives ``x``; ``("a.com", "b.com")`` gives None.
    """
    listener = listener.lower()
    route = route.lower()
    if _covers(listener, route):
        return route
    if _covers(route, listener):
        return listener
    return None


def intersections(listener: str, route_hostnames: tuple[str, ...]) -> tuple[str, ...]:
    """The route's hostnames as the listener serves them (empty tuple: none intersect).

    A route without hostnames takes the listener's hostname (``("",)`` for a listener
    without one). Duplicates are dropped, order kept.
    """
    if not route_hostnames:
        return (listener.lower(),)
    found: dict[str, None] = {}
    for hostname in route_hostnames:
        common = intersect(listener, hostname)
        if common is not None:
            found[common] = None
    return tuple(found)


def specificity(hostname: str) -> tuple[int, int]:
    """Sort key, most specific first when sorted descending.

    ``(2, labels)`` for a precise name, ``(1, labels right of '*')`` for a wildcard,
    ``(0, 0)`` for the empty hostname.
    """
    if hostname == ANY:
        return (0, 0)
    if is_wildcard(hostname):
        return (1, hostname.count("."))
    return (2, hostname.count(".") + 1)


def match_rank(hostnames: tuple[str, ...], host: str) -> tuple[int, int] | None:
    """How a route's (intersected) hostnames match ``host``, as HTTPRoute precedence
    counts it: (characters of a matching non-wildcard hostname, characters of the
    best matching hostname). None when no hostname matches.
    """
    host = normalise_host(host)
    best: tuple[int, int] | None = None
    for hostname in hostnames:
        if not matches(hostname, host):
            continue
        rank = (
            (0, len(hostname))
            if is_wildcard(hostname) or hostname == ANY
            else (
                len(hostname),
                len(hostname),
            )
        )
        if best is None or rank > best:
            best = rank
    return best


def best_match(hostnames: tuple[str, ...], host: str) -> str | None:
    """The hostname among ``hostnames`` that ``host`` selects, most specific first."""
    host = normalise_host(host)
    candidates = [h for h in hostnames if matches(h, host)]
    if not candidates:
        return None
    return max(candidates, key=specificity)


def overlap(a: str, b: str) -> bool:
    """Whether two listener hostnames can both match one host (OverlappingTLSConfig)."""
    return intersect(a, b) is not None
