"""The frozen values the analysis returns.

Every expected DNS name, endpoint and Ingress route carries a static prediction
(``exists``/``ready`` plus ``why``). Observations from the probe pod are joined to
them later by :mod:`kubectl_discover.explain`; until then a row is "not probed".
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubectl_discover.findings import Finding, Verdict

if TYPE_CHECKING:
    from kubectl_discover.analyze.migration import Migration


class ServiceKind(enum.Enum):
    """What kind of endpoint a Service gives its clients."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"
    EXTERNAL_NAME = "ExternalName"
    HEADLESS = "Headless"


class NameForm(enum.Enum):
    """How a client writes a DNS name; decides how the search path completes it."""

    FQDN = "fqdn"
    SAME_NAMESPACE = "short"  # "web" from a pod in the Service's namespace
    OTHER_NAMESPACE = "namespaced"  # "web.shop" from any namespace
    SVC_SUFFIX = "svc"  # "web.shop.svc"
    SRV = "srv"
    PER_POD = "per-pod"
    POD_IP = "pod-ip"


@dataclass(frozen=True)
class ContainerPort:
    container: str
    number: int
    name: str
    protocol: str


@dataclass(frozen=True)
class PodView:
    """A pod behind a Service: a real pod, or one a workload template stands in for.

    ``ready``/``ip`` are None when unknown (offline, from a template).
    """

    name: str
    namespace: str
    labels: Mapping[str, str]
    hostname: str
    subdomain: str
    ports: tuple[ContainerPort, ...]
    owner_kind: str = ""
    owner_name: str = ""
    ip: str | None = None
    ips: tuple[str, ...] = ()
    phase: str | None = None
    ready: bool | None = None
    terminating: bool = False
    node: str | None = None
    from_template: bool = False
    replicas: int = 1
    """How many identical pods a template view stands for (1 for a real pod)."""

    @property
    def ref(self) -> str:
        return f"pod/{self.name}"


@dataclass(frozen=True)
class EndpointExpectation:
    """One address:port through which clients should reach the Service."""

    kind: str
    """cluster-ip, node-port, load-balancer, external-ip, external-name, pod."""
    address: str
    port: int | None
    protocol: str
    target: str
    """What answers behind it: "pods web-0, web-1 :8080", "CNAME api.example.com"."""
    ready: bool | None
    """Predicted to answer: True, False, or None when it cannot be predicted."""
    why: str
    port_name: str = ""

    @property
    def key(self) -> str:
        """What report rows about this endpoint are joined by (unique within a Diagnosis)."""
        return f"endpoint {self.kind} {self.address}:{self.port}/{self.protocol} {self.port_name}"


@dataclass(frozen=True)
class DnsExpectation:
    """One DNS name a client may use and what the cluster DNS should answer."""

    query: str
    """The name as the client types it (may be short)."""
    qtype: str
    """A, AAAA, SRV or CNAME."""
    form: NameForm
    fqdn: str
    """The fully qualified name the search path should complete ``query`` to."""
    exists: bool | None
    """Predicted positive answer: True, False (NXDOMAIN/NODATA), None unknown."""
    answers: tuple[str, ...]
    """Predicted RDATA: IPs, a CNAME target, or SRV "priority weight port target"."""
    why: str
    client_namespace: str = ""
    """For short forms: the namespace of the client whose search path is assumed."""
    causes: tuple[str, ...] = ()
    """Ids of the findings that explain a failure."""

    @property
    def key(self) -> str:
        """What report rows about this name are joined by (unique within a Diagnosis)."""
        return f"dns {self.qtype} {self.query} from {self.client_namespace}"


@dataclass(frozen=True)
class RouteExpectation:
    """One Ingress rule path (or default backend) and where it should lead."""

    ingress: str
    """namespace/name"""
    host: str
    path: str
    path_type: str
    service: str
    service_port: str
    target_port: str
    ready_endpoints: int | None
    tls: str
    """"ok", "none", or a short problem ("secret missing", "SAN mismatch")."""
    verdict: Verdict
    why: str
    addresses: tuple[str, ...] = ()
    """Ingress status addresses (controller load balancer)."""
    kind: str = "Ingress"
    """"Ingress", "HTTPRoute" or "GRPCRoute"."""
    source: str = ""
    """For Gateway routes: "HTTPRoute shop/web rule 2" (``ingress`` is then empty)."""
    gateway: str = ""
    """For Gateway routes: the listeners it is attached to, "infra/edge listener https"."""
    service_namespace: str = ""
    weight: int | None = None
    """For Gateway routes: the backendRef weight (0 = no traffic)."""
    port: int | None = None
    """The port a probe connects to (a Gateway listener's); None: 80, or 443 with TLS."""
    request_path: str = ""
    """The path a probe requests (``route URL``: the URL's); "": derived from ``path``."""

    @property
    def key(self) -> str:
        """What report rows about this route are joined by (one row per address)."""
        if self.kind != "Ingress":
            target = f"{self.service_namespace}/{self.service}:{self.service_port}"
            return f"route {self.source} -> {target}"
        return (
            f"route {self.ingress} {self.host} {self.path} {self.path_type} "
            f"-> {self.service}:{self.service_port}"
        )


@dataclass(frozen=True)
class PolicyExpectation:
    """One NetworkPolicy verdict row: the connections of one hop of the client's path, in
    one direction, that the same rule (or the same absence of one) decides.

    ``hop`` is dns, service, controller or external; ``direction`` egress (at the source)
    or ingress (at the destination); ``port``/``protocol`` what policies see (the
    resolved targetPort), ``service_port`` the port the client addresses.
    """

    hop: str
    direction: str
    source: str
    destination: str
    port: int
    protocol: str
    outcome: str
    """allowed, denied or unknown."""
    decided_by: str
    """The deciding policy and rule ("NetworkPolicy shop/allow-dns spec.egress[0]"), or
    "no policy allows it" / "no policy isolates ..." / the reason it is unknown."""
    why: str
    verdict: Verdict
    """What the row weighs: ok (allowed), fail (denied; warn for TCP 53 when UDP 53 is
    allowed), warn (unknown)."""
    service: str = ""
    service_port: int | None = None
    fix: str = ""
    """The change that allows it (YAML, fixes.py); "" when allowed or only an
    administrator can change it."""
    causes: tuple[str, ...] = ()
    """Ids of the findings about these connections."""

    @property
    def key(self) -> str:
        """What report rows about these connections are joined by."""
        via = f" {self.service}:{self.service_port}" if self.service else ""
        return (
            f"netpol {self.hop} {self.direction}{via} {self.protocol}/{self.port} "
            f"{self.source} -> {self.destination}"
        )


@dataclass(frozen=True)
class ChainLink:
    """One link of a chain view: Ingress rule -> Service port -> slice -> pods."""

    label: str
    ok: bool | None
    why: str
    children: tuple[ChainLink, ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    """Everything the static analysis says about one subject (Service, Ingress or URL)."""

    subject_kind: str
    """Service, Ingress or Route."""
    namespace: str
    name: str
    kind: str
    """ServiceKind value for Services; "Ingress" or "Route" otherwise."""
    findings: tuple[Finding, ...]
    endpoints: tuple[EndpointExpectation, ...] = ()
    dns: tuple[DnsExpectation, ...] = ()
    routes: tuple[RouteExpectation, ...] = ()
    pods: tuple[PodView, ...] = ()
    chain: tuple[ChainLink, ...] = ()
    facts: tuple[tuple[str, str], ...] = field(default=())
    """Header facts: ("type", "ClusterIP"), ("clusterIP", "10.96.0.12"), ..."""
    migration: tuple[Migration, ...] = ()
    """``route URL``: each Ingress rule and HTTPRoute that both answer the URL, compared."""
    policies: tuple[PolicyExpectation, ...] = ()
    """NetworkPolicy verdicts of the client's path (docs/networkpolicy.md); empty when no
    policy of any engine exists or NetworkPolicies were not read."""

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(f.severity for f in self.findings)
