"""A parsed Corefile turned into typed server configurations, and which one answers a name.

:func:`load_corefile` is the boundary: text (plus the files ``import`` may read)
in, a frozen :class:`CorefileConfig` out, with every plugin that matters read into
its view (:mod:`.kubernetes`, :mod:`.cache`, :mod:`.rewrite`, :mod:`.forward`,
:mod:`.hosts`, :mod:`.template`, :mod:`.autopath`), every line CoreDNS would reject
as a :class:`~.model.Problem`, and every directive outside the stock build listed.

A query goes to the server block listening on its port whose zone is the longest
suffix of the name (the root zone ``.`` last); no such block means REFUSED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.autopath import AutopathView, autopath_view
from kubectl_discover.analyze.corefile.cache import CacheView, cache_view
from kubectl_discover.analyze.corefile.forward import ForwardView, forward_view
from kubectl_discover.analyze.corefile.hosts import HostsView, hosts_view
from kubectl_discover.analyze.corefile.kubernetes import KubernetesView, kubernetes_view
from kubectl_discover.analyze.corefile.model import (
    Corefile,
    Directive,
    Problem,
    ServerBlock,
)
from kubectl_discover.analyze.corefile.parser import parse_corefile
from kubectl_discover.analyze.corefile.plugins import (
    ANSWERING,
    SIMULATED,
    UnknownPlugin,
    chain,
    unknown_plugins,
)
from kubectl_discover.analyze.corefile.rewrite import Rule, rewrite_rules
from kubectl_discover.analyze.corefile.template import TemplateView, template_view
from kubectl_discover.analyze.corefile.zones import fqdn, longest_match

_ONCE = ("kubernetes", "cache", "hosts")


@dataclass(frozen=True)
class Server:
    """One server block with its plugins read. ``others``: answering plugins not simulated."""

    block: ServerBlock
    kubernetes: KubernetesView | None
    cache: CacheView | None
    rewrites: tuple[Rule, ...]
    forwards: tuple[ForwardView, ...]
    hosts: HostsView | None
    templates: tuple[TemplateView, ...]
    autopath: AutopathView | None
    others: tuple[Directive, ...]
    problems: tuple[Problem, ...]

    def listens_on(self, port: int, transport: str = "dns") -> tuple[str, ...]:
        """The zones this block serves on ``port`` over ``transport``."""
        return tuple(
            a.zone for a in self.block.addresses if a.port == port and a.transport == transport
        )


@dataclass(frozen=True)
class CorefileConfig:
    """A Corefile and its servers. ``refused`` is True when CoreDNS would not load it."""

    corefile: Corefile
    servers: tuple[Server, ...]
    unknown: tuple[UnknownPlugin, ...]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for s in self.servers for p in s.problems)

    @property
    def refused(self) -> bool:
        """A stock CoreDNS v1.14 refuses this Corefile (syntax, unknown plugin, bad option)."""
        return self.corefile.error is not None or bool(self.unknown) or bool(self.problems)

    def server_for(
        self, name: str, port: int = 53, transport: str = "dns"
    ) -> tuple[Server, str] | None:
        """The server block answering ``name`` on ``port``, and the zone it matched."""
        name = fqdn(name)
        best: tuple[Server, str] | None = None
        for server in self.servers:
            zone = longest_match(server.listens_on(port, transport), name)
            if zone and (best is None or len(zone) > len(best[1])):
                best = (server, zone)
        return best


def load_corefile(
    text: str,
    *,
    imports: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    source: str = "Corefile",
) -> CorefileConfig:
    """Parse and read a Corefile; never raises.

    ``imports`` maps file paths relative to the Corefile's directory (e.g.
    ``custom/extra.server``, or ``NodeHosts``) to their text: ``import`` lines and
    ``hosts`` files read them. ``None`` means those files are unknown.
    """
    corefile = parse_corefile(text, imports=imports, env=env, source=source)
    servers = tuple(_server(block, imports) for block in corefile.blocks)
    return CorefileConfig(corefile, servers, unknown_plugins(corefile.blocks))


def _server(block: ServerBlock, files: Mapping[str, str] | None) -> Server:
    problems: list[Problem] = []
    for name in _ONCE:
        problems.extend(
            Problem(d, f"{name} can only be used once per server block")
            for d in block.named(name)[1:]
        )
    kube = _first(block, "kubernetes")
    cache = _first(block, "cache")
    hosts = _first(block, "hosts")
    auto = block.named("autopath")
    kubernetes = kubernetes_view(kube, block) if kube else None
    cache_v = cache_view(cache, block) if cache else None
    hosts_v = hosts_view(hosts, block, files) if hosts else None
    autopath = autopath_view(auto[-1], block) if auto else None
    rules, rule_problems = rewrite_rules(block.named("rewrite"))
    forwards = tuple(forward_view(d) for d in block.named("forward"))
    templates = tuple(template_view(d, block) for d in block.named("template"))
    for view in (kubernetes, cache_v, hosts_v, autopath, *forwards, *templates):
        if view is not None:
            problems.extend(view.problems)
    problems.extend(rule_problems)
    others = tuple(d for d in chain(block) if d.name in ANSWERING and d.name not in SIMULATED)
    return Server(
        block=block,
        kubernetes=kubernetes,
        cache=cache_v,
        rewrites=rules,
        forwards=forwards,
        hosts=hosts_v,
        templates=templates,
        autopath=autopath,
        others=others,
        problems=tuple(problems),
    )


def _first(block: ServerBlock, name: str) -> Directive | None:
    found = block.named(name)
    return found[0] if found else None
