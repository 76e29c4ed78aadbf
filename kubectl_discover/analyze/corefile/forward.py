"""The *forward* plugin line as a typed value: which names go to which upstreams.

``forward FROM TO... { except NAMES...; policy ...; force_tcp; ... }`` (CoreDNS v1.14
plugin/forward). A name is forwarded when it is FROM or below it and not below an
``except`` name (FROM itself is always forwarded). Each ``forward`` line is its own
forwarder; a name no line matches passes to the next plugin. TO is an IP (port 53,
853 for ``tls://``, 443 for ``https://``), ``IP:port``, a resolv.conf-style file
(``/etc/resolv.conf``: the nameservers of the CoreDNS pod's node when its
dnsPolicy is Default) or a host name resolved at startup; at most 15.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem
from kubectl_discover.analyze.corefile.zones import (
    is_subdomain,
    normalize_zones,
    split_transport,
)
from kubectl_discover.syntax import is_ip

MAX_UPSTREAMS = 15
_PORT = re.compile(r"[0-9]{1,5}")
_PORTS = {"dns": 53, "tls": 853, "https": 443}


class UpstreamKind(enum.Enum):
    IP = "ip"
    FILE = "file"  # resolv.conf-style file: its nameservers
    HOSTNAME = "hostname"  # resolved when CoreDNS starts
    PLACEHOLDER = "placeholder"  # node-local-dns __PILLAR__ value, filled in at start


@dataclass(frozen=True)
class Upstream:
    """One TO of a forward line: ``address`` is ``IP`` or a path/name; ``port`` when known."""

    text: str
    kind: UpstreamKind
    transport: str
    address: str
    port: int | None

    def __str__(self) -> str:
        if self.kind is UpstreamKind.IP and self.port is not None:
            host = f"[{self.address}]" if ":" in self.address else self.address
            prefix = "" if self.transport == "dns" else f"{self.transport}://"
            return f"{prefix}{host}:{self.port}"
        return self.text

    @property
    def is_loopback(self) -> bool:
        return self.kind is UpstreamKind.IP and ipaddress.ip_address(self.address).is_loopback


@dataclass(frozen=True)
class ForwardView:
    directive: Directive
    from_zone: str
    upstreams: tuple[Upstream, ...]
    excepts: tuple[str, ...]
    policy: str
    force_tcp: bool
    prefer_udp: bool
    problems: tuple[Problem, ...]

    def matches(self, name: str) -> bool:
        """Whether this forwarder takes ``name`` (FROM or below, not an ``except`` name)."""
        if not is_subdomain(self.from_zone, name):
            return False
        if name == self.from_zone:
            return True
        return not any(is_subdomain(e, name) for e in self.excepts)


def forward_view(directive: Directive) -> ForwardView:
    """Read one ``forward`` line the way its setup does, collecting what it rejects."""
    problems: list[Problem] = []
    args = directive.args
    zones = normalize_zones(args[:1])
    if args and not zones:
        problems.append(Problem(directive, f"unable to normalize '{args[0]}'"))
    upstreams = tuple(_upstream(text) for text in args[1:])
    if len(args) < 2:
        problems.append(Problem(directive, "forward needs FROM and at least one TO"))
    if len(upstreams) > MAX_UPSTREAMS:
        problems.append(Problem(directive, f"more than {MAX_UPSTREAMS} TOs configured"))
    for upstream in upstreams:
        if upstream.transport not in _PORTS:
            problems.append(
                Problem(directive, f"'{upstream.transport}' is not supported as a destination")
            )
    excepts: list[str] = []
    policy = "random"
    force_tcp = prefer_udp = False
    for option in directive.block:
        if option.name == "except":
            if not option.args:
                problems.append(Problem(option, "except needs at least one name"))
            excepts.extend(normalize_zones(option.args))
        elif option.name == "policy":
            if len(option.args) != 1 or option.args[0] not in (
                "random",
                "round_robin",
                "sequential",
            ):
                problems.append(Problem(option, "policy must be random, round_robin or sequential"))
            else:
                policy = option.args[0]
        force_tcp = force_tcp or option.name == "force_tcp"
        prefer_udp = prefer_udp or option.name == "prefer_udp"
    return ForwardView(
        directive=directive,
        from_zone=zones[0] if zones else ".",
        upstreams=upstreams,
        excepts=tuple(excepts),
        policy=policy,
        force_tcp=force_tcp,
        prefer_udp=prefer_udp,
        problems=tuple(problems),
    )


def _upstream(text: str) -> Upstream:
    transport, rest = split_transport(text)
    if "__PILLAR__" in rest:
        return Upstream(text, UpstreamKind.PLACEHOLDER, transport, rest, None)
    host, port = _host_port(rest)
    bare = host.strip("[]").split("%", 1)[0]
    if is_ip(bare):
        default = _PORTS.get(transport)
        return Upstream(
            text, UpstreamKind.IP, transport, bare, port if port is not None else default
        )
    if rest.startswith(("/", ".")):
        return Upstream(text, UpstreamKind.FILE, transport, rest, None)
    return Upstream(text, UpstreamKind.HOSTNAME, transport, host, port)


def _host_port(text: str) -> tuple[str, int | None]:
    """``1.2.3.4:5353`` / ``[fd00::1]:53`` / ``fd00::1`` into host and port."""
    if text.startswith("["):
        host, _, tail = text[1:].partition("]")
        return host, int(tail[1:]) if tail.startswith(":") and _PORT.fullmatch(tail[1:]) else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port) if _PORT.fullmatch(port) else None
    return text, None
