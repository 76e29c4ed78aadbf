"""The *autopath* plugin line, and the search path it walks on the server side.

``autopath [ZONE...] RESOLV-CONF`` (CoreDNS v1.14 plugin/autopath). With
``@kubernetes`` the search path comes from the *kubernetes* plugin, and only when
``pods verified`` lets it find the client pod by source IP: then a query for
``NAME.<client-ns>.svc.<zone>`` (the first candidate of a pod's search walk) is
answered with the first candidate in ``<ns>.svc.<zone>``, ``svc.<zone>``, ``<zone>``,
then the CoreDNS pod's own search domains, then ``NAME.`` that is not NXDOMAIN,
as a CNAME from the asked name. Without ``pods verified`` it does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem, ServerBlock
from kubectl_discover.analyze.corefile.zones import normalize_zones


@dataclass(frozen=True)
class AutopathView:
    directive: Directive
    zones: tuple[str, ...]
    source: str  # "@kubernetes", another "@plugin", or a resolv.conf path
    problems: tuple[Problem, ...]

    @property
    def from_plugin(self) -> str:
        """The plugin that supplies the search path (``kubernetes``), or ``""`` for a file."""
        return self.source[1:] if self.source.startswith("@") else ""


def autopath_view(directive: Directive, block: ServerBlock) -> AutopathView:
    args = directive.args
    if not args:
        problem = Problem(directive, "no resolv-conf specified")
        return AutopathView(directive, (), "", (problem,))
    zones = normalize_zones(args[:-1]) if len(args) > 1 else tuple(a.zone for a in block.addresses)
    return AutopathView(directive, zones, args[-1], ())
