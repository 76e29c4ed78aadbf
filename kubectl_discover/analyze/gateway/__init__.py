"""Gateway API analysis (gateway.networking.k8s.io/v1, standard channel v1.6).

Pure: raw objects in, one :class:`~.graph.GatewayGraph` built once, then values out.

- :func:`~.graph.build_graph`: typed views, listener merging and conflicts, Route
  attachment per parentRef and listener, backendRef resolution;
- :func:`~.matching.parse_request` / :func:`~.matching.match_request`: which
  listener, rule and backends answer a URL, which rules lose and why;
- :mod:`.findings`: the findings of a Gateway, a Route, a request, or everything;
- :mod:`.chain`: ``-o tree`` chains, :func:`~.chain.routes_for_service`,
  :func:`~.chain.tls_targets` for the certificate checks.

The semantics followed, each with the part of the specification it comes from, are in
docs/gateway.md. The checks are declared in :mod:`.checks`; ``CHECKS`` here is what
the catalogue gathers.
"""

from __future__ import annotations

from kubectl_discover.analyze.gateway.chain import (
    ServiceRoute,
    TlsTarget,
    gateway_chain,
    match_chain,
    route_chain,
    routes_for_service,
    tls_targets,
)
from kubectl_discover.analyze.gateway.checks import CHECKS
from kubectl_discover.analyze.gateway.findings import all_findings, request_findings
from kubectl_discover.analyze.gateway.gateway_findings import (
    gateway_findings,
    listenerset_findings,
)
from kubectl_discover.analyze.gateway.graph import GatewayGraph, build_graph
from kubectl_discover.analyze.gateway.matching import GatewayMatch, Outcome, match_request
from kubectl_discover.analyze.gateway.request import Request, parse_request
from kubectl_discover.analyze.gateway.route_findings import route_findings

__all__ = [
    "CHECKS",
    "GatewayGraph",
    "GatewayMatch",
    "Outcome",
    "Request",
    "ServiceRoute",
    "TlsTarget",
    "all_findings",
    "build_graph",
    "gateway_chain",
    "gateway_findings",
    "listenerset_findings",
    "match_chain",
    "match_request",
    "parse_request",
    "request_findings",
    "route_chain",
    "route_findings",
    "routes_for_service",
    "tls_targets",
]
