"""What each command reads, in one place: the kinds it lists, whether it reads the TLS
Secrets Ingresses reference, the Events of its subject, and what ``-A`` means for it.

The loader (:mod:`kubectl_discover.loading`) lists exactly ``kinds``; every kind it can
list but does not is marked "not read by this command" in the snapshot, so the checks
that need it say "skipped" instead of reading an empty list as "none exist". The
request budget of ``svc --no-probe`` (bench/README.md) is the length of its ``kinds``, plus
one GET for ``dns_config``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

GATEWAY_KINDS = frozenset(
    {
        "gatewayclasses",
        "gateways",
        "listenersets",
        "httproutes",
        "grpcroutes",
        "referencegrants",
        "backendtlspolicies",
    }
)
"""The Gateway API kinds (CRDs; a cluster without them answers 404 -> "not installed");
their Snapshot fields have the same names."""

POLICY_API_KINDS = frozenset(
    {"adminnetworkpolicies", "baselineadminnetworkpolicies", "clusternetworkpolicies"}
)
"""The network-policy-api kinds (policy.networking.k8s.io CRDs, cluster-scoped; optional: a
404 means "not installed", a 403 a stated skip)."""

POLICY_KINDS = frozenset({"networkpolicies", "namespaces", *POLICY_API_KINDS})
"""What a NetworkPolicy path verdict reads: the policies (NetworkPolicies of every
namespace), the Namespaces' labels (``namespaceSelector``) and the admin policies."""

_SERVICE_KINDS = frozenset(
    {"services", "endpointslices", "pods", "replicasets", "deployments", "statefulsets"}
)
"""What following a Service to its pods reads: the Service, its slices, the pods, and the
workloads that own them (ReplicaSets map pods to their Deployment)."""

EVERY_KIND = frozenset(
    {
        "services",
        "endpointslices",
        "pods",
        "deployments",
        "statefulsets",
        "daemonsets",
        "replicasets",
        "jobs",
        "cronjobs",
        "nodes",
        "ingresses",
        "ingressclasses",
        "namespaces",
        *GATEWAY_KINDS,
        *POLICY_KINDS,
    }
)
"""Every kind a command may list (``events`` is read per subject, see :attr:`Needs.events`)."""


class Scope(enum.Enum):
    """What ``-A`` means for a command."""

    ONE = "one"
    """A named object lives in one namespace: ``-A`` is refused."""
    FLAG = "flag"
    """``-A`` widens the search to every namespace."""
    ALL = "all"
    """Every namespace is always read (``dns NAME`` reads a name against all of them)."""


@dataclass(frozen=True)
class Needs:
    """What one command reads."""

    name: str
    kinds: frozenset[str]
    scope: Scope
    tls_secrets: bool = False
    """GET the TLS Secrets that Ingresses reference (one GET each: never for scan)."""
    events: bool = False
    """Read the subject's Events (one LIST with a field selector)."""
    probes: bool = True
    """The command can start a probe pod."""
    dns_config: bool = False
    """GET the cluster DNS ConfigMap kube-system/coredns (one request; AKS's
    ``coredns-custom`` too when the Corefile imports it): commands that predict DNS names."""

    @property
    def not_read(self) -> frozenset[str]:
        return EVERY_KIND - self.kinds


SVC = Needs(
    "svc",
    (_SERVICE_KINDS - {"replicasets", "statefulsets"})
    | {"nodes", "ingresses", "httproutes", "grpcroutes"}
    | POLICY_KINDS,
    Scope.ONE,
    dns_config=True,
)
"""One LIST per kind, one GET of the Corefile (:attr:`Needs.dns_config`) and one discovery
GET when a CRD kind is listed (bench/README.md counts them). Deployments give the templates
behind "selector matches no pod"; nodes give NodePort addresses; Ingresses the routes to the
Service. ReplicaSets and StatefulSets are not read: a pod names its ReplicaSet, whose
Deployment is ``<name>-<pod-template-hash>`` (analyze/pods.py), and a StatefulSet's pods
carry its ``serviceName`` as their subdomain (a StatefulSet with no pod at all is then not
seen). DaemonSets, Jobs and CronJobs are left out: their pods name them directly in
ownerReferences. IngressClasses belong to ``ingress``.
HTTPRoutes and GRPCRoutes (the Service's namespace) give the Gateway routes to the Service;
their attachment is read from each Route's own ``status.parents`` (no Gateway, GatewayClass,
ListenerSet, ReferenceGrant or BackendTLSPolicy is read: ``httproute NAME`` follows the
Gateway), which keeps ``svc`` within its budget.
NetworkPolicies (every namespace), Namespaces (labels) and the network-policy-api kinds
give the NetworkPolicy path verdict (docs/networkpolicy.md); like the Gateway API kinds, the
network-policy-api kinds are listed only when discovery says they are served. Without CRDs:
8 LISTs, discovery and the Corefile = 10 of the budget of 14; with the Gateway API, 12; with
the network-policy-api as well, 13 (v1alpha2) or 14 (v1alpha1 only; when both versions are
served, v1alpha1's kinds are left out as replaced: bench/README.md)."""

INGRESS = Needs("ingress", EVERY_KIND - GATEWAY_KINDS, Scope.ONE, tls_secrets=True, events=True)
_GATEWAY_NEEDS = frozenset(
    {
        *_SERVICE_KINDS,
        "namespaces",
        *GATEWAY_KINDS,
    }
)
"""A Gateway or a Route: every Gateway API kind, and the Services, slices and pods its
backends lead to (the chain ends at the pods, as for ``ingress``)."""
GATEWAY = Needs("gateway", _GATEWAY_NEEDS, Scope.ONE, tls_secrets=True)
HTTPROUTE = Needs("httproute", _GATEWAY_NEEDS, Scope.ONE, tls_secrets=True)
GRPCROUTE = Needs("grpcroute", _GATEWAY_NEEDS, Scope.ONE, tls_secrets=True)
ROUTE = Needs("route", EVERY_KIND, Scope.FLAG, tls_secrets=True)
DNS = Needs(
    "dns",
    frozenset(
        {
            "services",
            "endpointslices",
            "pods",
            "namespaces",
            "deployments",
            "statefulsets",
            "daemonsets",
            "replicasets",
        }
    ),
    Scope.ALL,
    dns_config=True,
)
"""A name is read against the cluster DNS schema: Services, their slices and pods, the
namespaces that exist, and the workloads ``--from`` may name."""
SCAN = Needs("scan", EVERY_KIND, Scope.FLAG, probes=False)
"""No Corefile: ``scan`` lists what is wrong with Services and Ingresses, not DNS names."""

COMMANDS: dict[str, Needs] = {
    n.name: n for n in (SVC, INGRESS, GATEWAY, HTTPROUTE, GRPCROUTE, ROUTE, DNS, SCAN)
}
