"""The plugins a stock CoreDNS v1.14 build knows, in the order it chains them.

CoreDNS runs a server block's plugins in the fixed order of its build's plugin
list, *not* in the order the Corefile writes them: ``rewrite`` always runs before
``cache``, ``hosts`` before ``kubernetes``, ``kubernetes`` before ``forward``. A
directive outside this list makes the stock build refuse the whole Corefile
("Unknown directive"); a custom build may know it, so the analysis lists it and
never guesses what it does. docs/corefile.md ("Plugins") has the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, ServerBlock

CHAIN_ORDER: tuple[str, ...] = (
    "root", "metadata", "geoip", "cancel", "proxyproto", "quic", "grpc_server", "https",
    "https3", "timeouts", "multisocket", "reload", "nsid", "bufsize", "bind", "debug", "trace",
    "ready", "health", "pprof", "shed", "prometheus", "errors", "log", "dnstap", "local",
    "dns64", "any", "chaos", "loadbalance", "tsig", "rewrite", "autopath", "acl", "cache",
    "header", "dnssec", "tls", "minimal", "template", "transfer", "hosts", "route53", "azure",
    "clouddns", "k8s_external", "kubernetes", "file", "auto", "secondary", "etcd", "loop",
    "forward", "grpc", "erratic", "whoami", "on", "sign", "view", "nomad",
)  # fmt: skip
"""plugin.cfg of CoreDNS v1.14, which is also the order queries flow through."""

_RANK = {name: i for i, name in enumerate(CHAIN_ORDER)}

ANSWERING = frozenset(
    {
        "local", "dns64", "any", "chaos", "template", "hosts", "route53", "azure", "clouddns",
        "k8s_external", "kubernetes", "file", "auto", "secondary", "etcd", "forward", "grpc",
        "erratic", "whoami", "sign", "nomad",
    }
)  # fmt: skip
"""Plugins that may write the answer themselves (the others observe or modify)."""

SIMULATED = frozenset(
    {"rewrite", "autopath", "cache", "template", "hosts", "kubernetes", "forward"}
)
"""Plugins whose effect on a query name the prediction follows."""

REMOVED = {
    "proxy": "proxy left the CoreDNS build in 1.5.0; forward replaces it",
    "federation": "federation was removed in CoreDNS 1.7.0",
    "reverse": "reverse was removed in CoreDNS 1.1.4; kubernetes and file answer PTR",
}
"""Plugins old Corefiles still carry, and what replaced them."""


@dataclass(frozen=True)
class UnknownPlugin:
    """A directive a stock CoreDNS v1.14 does not know (``note``: what replaced it)."""

    directive: Directive
    block: ServerBlock
    note: str


def is_known(name: str) -> bool:
    return name in _RANK


def chain(block: ServerBlock) -> tuple[Directive, ...]:
    """The block's known directives in the order CoreDNS runs them.

    Several lines of the same plugin keep their source order (each ``forward`` line
    is its own forwarder; ``rewrite`` rules apply top to bottom).
    """
    known = [(i, d) for i, d in enumerate(block.directives) if d.name in _RANK]
    known.sort(key=lambda pair: (_RANK[pair[1].name], pair[0]))
    return tuple(d for _, d in known)


def unknown_plugins(blocks: tuple[ServerBlock, ...]) -> tuple[UnknownPlugin, ...]:
    """Every directive the stock build would refuse, in source order."""
    return tuple(
        UnknownPlugin(d, block, REMOVED.get(d.name, ""))
        for block in blocks
        for d in block.directives
        if not is_known(d.name)
    )
