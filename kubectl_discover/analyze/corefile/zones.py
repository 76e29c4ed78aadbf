"""Zone names as CoreDNS reads them: normalization, server-block keys, reverse CIDRs.

CoreDNS lower-cases every zone and makes it fully qualified (``cluster.local`` ->
``cluster.local.``); a key may carry a transport (``dns://``, ``tls://``, ...) and a
``:port``; a CIDR such as ``10.0.0.0/17`` stands for the reverse zones covering it,
split on octet (IPv4) or nibble (IPv6) boundaries. A name belongs to the *longest*
zone it is a subdomain of. docs/corefile.md ("Zones and ports") has the details.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

TRANSPORTS = ("tls", "dns", "quic", "grpc", "https3", "https", "unix")
DEFAULT_PORTS = {"dns": 53, "tls": 853, "quic": 853, "grpc": 443, "https": 443, "https3": 443}
_ATOI = re.compile(r"[+-]?[0-9]{1,9}")
_BITS = re.compile(r"[0-9]{1,3}")
_MAX_NAME = 255


def fqdn(name: str) -> str:
    """Lower-cased and fully qualified (``Cluster.Local`` -> ``cluster.local.``)."""
    name = name.lower()
    return name if name.endswith(".") else name + "."


def split_transport(text: str) -> tuple[str, str]:
    """``tls://.:853`` -> ``("tls", ".:853")``; no prefix means ``dns``."""
    for transport in TRANSPORTS:
        prefix = transport + "://"
        if text.startswith(prefix):
            return transport, text[len(prefix) :]
    return "dns", text


def is_domain_name(name: str) -> bool:
    """A syntactically valid domain name: labels of 1-63 octets, at most 255 in all."""
    if name in (".", ""):
        return name == "."
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if any(not label or len(label.encode()) > 63 for label in labels):
        return False
    return sum(len(label.encode()) + 1 for label in labels) + 1 <= _MAX_NAME


def split_host_port(text: str) -> tuple[tuple[str, ...], int | None] | str:
    """The zone(s) and port of a key without its transport, or why it is invalid.

    A trailing ``:NUMBER`` is the port; a CIDR yields its reverse zones.
    """
    port: int | None = None
    colon = text.rfind(":")
    if colon == len(text) - 1 and colon != -1:
        return f"expecting data after last colon: {text!r}"
    if colon != -1 and _ATOI.fullmatch(text[colon + 1 :]):
        port = int(text[colon + 1 :])
        text = text[:colon]
    if len(text) > _MAX_NAME:
        return f"specified zone is too long: {len(text)} > {_MAX_NAME}"
    if not is_domain_name(text):
        return f"zone is not a valid domain name: {text}"
    network = _cidr(text)
    if network is None:
        return (text,), port
    if text[0] == ":" or (text[0] == "0" and ":" in text):
        return f"invalid CIDR {text}"
    return reverse_zones(network), port


def _cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    address, slash, bits = text.partition("/")
    if not slash or not _BITS.fullmatch(bits) or not address:
        return None
    try:
        return ipaddress.ip_network(f"{address}/{int(bits)}", strict=False)
    except ValueError:
        return None


def reverse_zones(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[str, ...]:
    """The reverse zones a network is served under, split on label boundaries."""
    size = 8 if network.version == 4 else 4
    prefix = network.prefixlen
    wanted = -(-prefix // size) * size
    subnets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = (
        [network] if prefix % size == 0 else list(network.subnets(new_prefix=wanted))
    )
    zones = []
    for subnet in subnets:
        labels = subnet.network_address.reverse_pointer.split(".")
        skip = (subnet.max_prefixlen - subnet.prefixlen) // size
        zones.append(".".join(labels[skip:]) + ".")
    return tuple(fqdn(z) for z in zones)


def normalize_zones(texts: Iterable[str]) -> tuple[str, ...]:
    """Plugin zone arguments as CoreDNS normalizes them; invalid ones are dropped.

    This is what plugins do with their ZONES arguments (CoreDNS silently ignores
    arguments that are not zones there).
    """
    zones: list[str] = []
    for text in texts:
        _, rest = split_transport(text)
        parsed = split_host_port(rest)
        if isinstance(parsed, str):
            continue
        zones.extend(fqdn(z) for z in parsed[0])
    return tuple(zones)


def is_subdomain(parent: str, child: str) -> bool:
    """``child`` is ``parent`` or below it (both normalized)."""
    return parent == "." or child == parent or child.endswith("." + parent)


def longest_match(zones: Iterable[str], name: str) -> str:
    """The most specific zone that ``name`` falls in, or ``""`` (first wins on ties)."""
    best = ""
    for zone in zones:
        if is_subdomain(zone, name) and len(zone) > len(best):
            best = zone
    return best


def is_reverse(zone: str) -> bool:
    return zone.endswith(("in-addr.arpa.", "ip6.arpa.")) or zone in ("in-addr.arpa.", "ip6.arpa.")
