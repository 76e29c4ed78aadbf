"""The NetworkPolicy path-verdict engine (pure): docs/networkpolicy.md.

Parse the policies once (:func:`build_policy_set`), describe the endpoints
(:func:`pod_endpoint`, :func:`address_endpoint`, :func:`service_target`), then ask
for one connection (:func:`evaluate`) or a client's whole path
(:func:`path_verdict`). Everything here takes values and returns frozen values.
"""

from __future__ import annotations

from kubectl_discover.analyze.netpol.checks import CHECKS
from kubectl_discover.analyze.netpol.endpoints import (
    Backend,
    ServicePortView,
    ServiceTarget,
    address_endpoint,
    namespace_labels,
    pod_endpoint,
    pod_view_endpoint,
    service_target,
)
from kubectl_discover.analyze.netpol.evaluate import evaluate
from kubectl_discover.analyze.netpol.fixes import Fix, PortSpec, fix_for
from kubectl_discover.analyze.netpol.model import (
    ConnectionVerdict,
    Direction,
    DirectionVerdict,
    Endpoint,
    EndpointKind,
    Outcome,
    RuleRef,
    Tier,
)
from kubectl_discover.analyze.netpol.path import DnsServer, Hop, HopKind, Resolver
from kubectl_discover.analyze.netpol.policyset import OtherPolicy, PolicySet, build_policy_set
from kubectl_discover.analyze.netpol.verdict import ExternalTarget, PathVerdict, path_verdict

__all__ = [
    "CHECKS",
    "Backend",
    "ConnectionVerdict",
    "Direction",
    "DirectionVerdict",
    "DnsServer",
    "Endpoint",
    "EndpointKind",
    "ExternalTarget",
    "Fix",
    "Hop",
    "HopKind",
    "OtherPolicy",
    "Outcome",
    "PathVerdict",
    "PolicySet",
    "PortSpec",
    "Resolver",
    "RuleRef",
    "ServicePortView",
    "ServiceTarget",
    "Tier",
    "address_endpoint",
    "build_policy_set",
    "evaluate",
    "fix_for",
    "namespace_labels",
    "path_verdict",
    "pod_endpoint",
    "pod_view_endpoint",
    "service_target",
]
