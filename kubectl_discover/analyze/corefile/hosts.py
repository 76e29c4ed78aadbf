"""The *hosts* plugin line as a typed value: inline entries, the file, fallthrough.

``hosts [FILE [ZONES...]] { [INLINE] ttl SECONDS; no_reverse; reload DURATION;
fallthrough [ZONES...]; fallthrough_unsupported }`` (CoreDNS v1.14 plugin/hosts).
Lines in the block before ``fallthrough`` that are not options are inline hosts
entries (``IP NAME...``). FILE defaults to /etc/hosts of the CoreDNS container,
which the kubelet writes (localhost names and the pod's own name: taken as
:data:`KUBELET_HOSTS`); another file is known only when the caller passes it (a
ConfigMap key mounted next to the Corefile, such as k3s's ``NodeHosts``). A name
in the plugin's zones that no entry lists falls through only with ``fallthrough``;
otherwise CoreDNS answers SERVFAIL (the plugin has no SOA to build an NXDOMAIN from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem, ServerBlock
from kubectl_discover.analyze.corefile.options import atoi, duration, fallthrough_zones
from kubectl_discover.analyze.corefile.parser import COREFILE_DIR
from kubectl_discover.analyze.corefile.zones import fqdn, longest_match, normalize_zones
from kubectl_discover.syntax import is_ip

DEFAULT_FILE = "/etc/hosts"
DEFAULT_TTL = 3600
KUBELET_HOSTS = """
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
fe00::0 ip6-localnet
fe00::0 ip6-mcastprefix
fe00::1 ip6-allnodes
fe00::2 ip6-allrouters
"""
"""The kubelet-managed /etc/hosts of a pod without hostAliases, less its own name."""


@dataclass(frozen=True)
class HostEntry:
    address: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class HostsView:
    """One ``hosts`` line. ``file_entries`` is None when the file's content is unknown;
    ``file_assumed`` when it is the kubelet-managed /etc/hosts taken as :data:`KUBELET_HOSTS`."""

    directive: Directive
    file: str
    zones: tuple[str, ...]
    inline: tuple[HostEntry, ...]
    file_entries: tuple[HostEntry, ...] | None
    file_assumed: bool
    ttl: int
    fallthrough: tuple[str, ...] | None
    problems: tuple[Problem, ...]

    def covers(self, name: str) -> bool:
        return bool(longest_match(self.zones, name))

    def addresses(self, name: str) -> tuple[str, ...] | None:
        """The addresses listed for ``name`` (inline first), or None when the file is unknown
        and the inline entries do not list it."""
        found = [e.address for e in self.inline if name in e.names]
        if found or self.file_entries is None:
            return tuple(found) if found else None
        return tuple(e.address for e in self.file_entries if name in e.names)


def parse_hosts_text(text: str) -> tuple[HostEntry, ...]:
    """Entries of hosts-file text (``IP NAME...``, ``#`` comments), invalid lines skipped."""
    entries = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and is_ip(words[0].split("%", 1)[0]):
            entries.append(HostEntry(words[0], tuple(fqdn(w) for w in words[1:])))
    return tuple(entries)


def hosts_view(
    directive: Directive, block: ServerBlock, files: Mapping[str, str] | None
) -> HostsView:
    """Read one ``hosts`` line; ``files`` maps paths (relative to the Corefile) to text."""
    problems: list[Problem] = []
    path = directive.args[0] if directive.args else DEFAULT_FILE
    args = directive.args[1:]
    zones = normalize_zones(args) if args else tuple(a.zone for a in block.addresses)
    inline: list[str] = []
    ttl = DEFAULT_TTL
    fall_option: Directive | None = None
    for option in directive.block:
        if option.name == "fallthrough":
            fall_option = option
        elif option.name == "ttl":
            value = atoi(option.args[0]) if option.args else None
            if value is None or not 0 < value <= 65535:
                problems.append(Problem(option, "ttl provided is invalid"))
            else:
                ttl = value
        elif option.name == "reload":
            if len(option.args) != 1 or (duration(option.args[0]) or 0) < 0:
                problems.append(
                    Problem(option, "reload needs a duration (zero seconds to disable)")
                )
        elif option.name in ("no_reverse", "fallthrough_unsupported"):
            continue
        elif fall_option is None:
            inline.append(" ".join((option.name, *option.args)))
        else:
            problems.append(Problem(option, f"unknown property '{option.name}'"))
    return HostsView(
        directive=directive,
        file=path,
        zones=zones,
        inline=parse_hosts_text("\n".join(inline)),
        file_entries=_file_entries(path, files),
        file_assumed=path == DEFAULT_FILE and DEFAULT_FILE not in (files or {}),
        ttl=ttl,
        fallthrough=fallthrough_zones(fall_option),
        problems=tuple(problems),
    )


def _file_entries(path: str, files: Mapping[str, str] | None) -> tuple[HostEntry, ...] | None:
    relative = path[len(COREFILE_DIR) + 1 :] if path.startswith(COREFILE_DIR + "/") else path
    text = (files or {}).get(relative)
    if text is None and path == DEFAULT_FILE:
        text = KUBELET_HOSTS
    return parse_hosts_text(text) if text is not None else None
