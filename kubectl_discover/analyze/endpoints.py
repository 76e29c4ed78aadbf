"""The addresses a Service gives its clients, per kind, and which of them should answer.

ClusterIP: one VIP:port per port. NodePort/LoadBalancer add every node address at the
nodePort and the load balancer's ingress. externalIPs add their own. ExternalName is
a CNAME target; headless hands out pod IPs. Each expectation predicts ``ready`` from
the (observed or predicted) EndpointSlices, so the probe's results can be judged.
Traffic policies ``Local`` narrow that per node, which is where "works from some
nodes only" comes from (commonly reported externalTrafficPolicy/NodePort confusions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import EndpointExpectation, ServiceKind
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.slices import (
    endpoints_for_port,
    readiness_known,
    ready_endpoints,
)
from kubectl_discover.analyze.sliceview import SliceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef

LB_PENDING = Check(
    "lb-pending",
    Severity.WARN,
    "LoadBalancer has no address (pending)",
    "status.loadBalancer.ingress is empty: no cloud controller or LoadBalancer implementation "
    "(e.g. MetalLB) has served the Service, its address pool is exhausted, or "
    "spec.loadBalancerClass names an implementation that is not installed. The nodePort works "
    "meanwhile.",
    "Install or fix the LoadBalancer implementation, or reach the Service through its nodePort.",
)
LB_READY = Check(
    "lb-ready",
    Severity.OK,
    "LoadBalancer address assigned",
    "The load balancer implementation has published an ingress IP or host name.",
    "Nothing to do.",
)
EXTERNAL_TRAFFIC_LOCAL = Check(
    "external-traffic-local",
    Severity.WARN,
    "externalTrafficPolicy Local: some nodes have no local endpoint",
    "With externalTrafficPolicy Local a node forwards node-port and load-balancer traffic only "
    "to ready pods on itself; on other nodes it is dropped (the LB health check port fails "
    "there).",
    "Run a ready pod on every node that receives traffic, or use externalTrafficPolicy Cluster.",
)
INTERNAL_TRAFFIC_LOCAL = Check(
    "internal-traffic-local",
    Severity.WARN,
    "internalTrafficPolicy Local: some nodes have no local endpoint",
    "With internalTrafficPolicy Local, in-cluster clients reach only pods on their own node; "
    "from a node without a ready local pod, connections time out silently.",
    "Run a ready pod on every client node (e.g. a DaemonSet) or use internalTrafficPolicy Cluster.",
)
EXTERNAL_IPS = Check(
    "external-ips",
    Severity.INFO,
    "externalIPs are not in DNS",
    "Traffic to spec.externalIPs on the Service ports is captured by kube-proxy on every node, "
    "but nothing routes those IPs to the nodes for you and DNS never returns them.",
    "Make sure the network routes the externalIPs to a node.",
)

CHECKS = (LB_PENDING, LB_READY, EXTERNAL_TRAFFIC_LOCAL, INTERNAL_TRAFFIC_LOCAL, EXTERNAL_IPS)

ANY_NODE = "any node address"
_MAX_NODES = 5


# ---------------------------------------------------------------- helpers


def node_addresses(index: Index, node: str) -> tuple[str, ...]:
    """InternalIP then ExternalIP addresses of ``node`` as its status reports them."""
    obj = index.nodes.get(node)
    if obj is None:
        return ()
    addresses = obj.get("status", {}).get("addresses") or ()
    ordered = [a for a in addresses if a.get("type") == "InternalIP"]
    ordered += [a for a in addresses if a.get("type") == "ExternalIP"]
    return tuple(str(a.get("address")) for a in ordered if a.get("address"))


def _port_target(slices: Sequence[SliceView], port: ServicePort) -> tuple[str, bool | None, str]:
    """(what answers behind the port, predicted ready, why) from the slices."""
    endpoints = endpoints_for_port(slices, port)
    ready = [e for e, _ in endpoints if e.ready]
    numbers = sorted({p.port for _, p in endpoints if p.port is not None})
    where = f" :{','.join(map(str, numbers))}" if numbers else f" :{port.target}"
    pods = sorted({e.pod or ",".join(e.addresses) for e in ready})
    if not endpoints:
        return "no endpoints", False, f"no EndpointSlice endpoint carries port {port.label}"
    if not readiness_known(slices):
        names = sorted({e.pod for e, _ in endpoints if e.pod})
        return (
            f"pods {', '.join(names[:5])}{where}",
            None,
            "offline: answers once the pods are running and ready",
        )
    if not ready:
        return "no ready endpoints", False, f"{len(endpoints)} endpoint(s), none ready"
    shown = ", ".join(pods[:5]) + (" ..." if len(pods) > 5 else "")
    return f"pods {shown}{where}", True, f"{len(ready)} ready endpoint(s)"


# ---------------------------------------------------------------- expectations


def endpoint_expectations(
    index: Index, service: ServiceView, namespace: str, slices: Sequence[SliceView]
) -> tuple[EndpointExpectation, ...]:
    """Every address:port a client may use for this Service, with a readiness prediction."""
    kind = service.kind
    if kind is ServiceKind.EXTERNAL_NAME:
        return tuple(_external_name(service))
    if kind is ServiceKind.HEADLESS:
        return tuple(_headless(index, service, namespace, slices))
    rows: list[EndpointExpectation] = []
    ports = service.ports
    for port in ports:
        target, ready, why = _port_target(slices, port)
        for ip in service.cluster_ips:
            rows.append(_row("cluster-ip", ip, port, target, ready, why))
        if not service.cluster_ips and not index.snapshot.live:
            rows.append(
                _row("cluster-ip", "", port, target, ready, "offline: VIP allocated on create")
            )
        if kind in (ServiceKind.NODE_PORT, ServiceKind.LOAD_BALANCER):
            rows.extend(_node_ports(index, service, port, slices, target, ready, why))
        if kind is ServiceKind.LOAD_BALANCER:
            rows.extend(_load_balancer(index, service, port, target, ready, why))
        for ip in service.spec.get("externalIPs") or ():
            rows.append(_row("external-ip", str(ip), port, target, ready, why))
    if slices and readiness_known(slices):
        rows.extend(_pod_endpoints(slices, ports))
    return tuple(rows)


def _row(
    kind: str, address: str, port: ServicePort, target: str, ready: bool | None, why: str
) -> EndpointExpectation:
    return EndpointExpectation(
        kind=kind,
        address=address,
        port=port.port,
        protocol=port.protocol,
        target=target,
        ready=ready,
        why=why,
        port_name=port.name,
    )


def _local_nodes(slices: Sequence[SliceView], port: ServicePort) -> frozenset[str]:
    return frozenset(e.node for e, _ in endpoints_for_port(slices, port) if e.ready and e.node)


def _node_ports(
    index: Index,
    service: ServiceView,
    port: ServicePort,
    slices: Sequence[SliceView],
    target: str,
    ready: bool | None,
    why: str,
) -> Iterator[EndpointExpectation]:
    spec = service.spec
    if spec.get("allocateLoadBalancerNodePorts") is False:
        return
    node_port = port.node_port
    nodes = sorted(index.nodes)
    if not nodes or node_port is None:
        number = str(node_port) if node_port else "(allocated on create)"
        yield EndpointExpectation(
            kind="node-port",
            address=ANY_NODE,
            port=None,
            protocol=port.protocol,
            target=target,
            ready=ready,
            why=f"nodePort {number} on {ANY_NODE}; {why}",
            port_name=port.name,
        )
        return
    local = spec.get("externalTrafficPolicy") == "Local"
    with_pods = _local_nodes(slices, port)
    for node in nodes[:_MAX_NODES]:
        for address in node_addresses(index, node)[:1]:
            node_ready, node_why = ready, why
            if local and ready and node not in with_pods:
                node_ready, node_why = False, f"externalTrafficPolicy Local: no ready pod on {node}"
            yield EndpointExpectation(
                kind="node-port",
                address=address,
                port=node_port,
                protocol=port.protocol,
                target=target,
                ready=node_ready,
                why=f"node {node}: {node_why}",
                port_name=port.name,
            )


def _load_balancer(
    index: Index,
    service: ServiceView,
    port: ServicePort,
    target: str,
    ready: bool | None,
    why: str,
) -> Iterator[EndpointExpectation]:
    addresses = service.load_balancer
    if not addresses:
        pending = "pending" if index.snapshot.live else "assigned by the load balancer on create"
        yield EndpointExpectation(
            kind="load-balancer",
            address="<pending>",
            port=None,
            protocol=port.protocol,
            target=target,
            ready=False if index.snapshot.live else None,
            why=f"load balancer address {pending}; port {port.port}",
            port_name=port.name,
        )
        return
    for address in addresses:
        yield _row("load-balancer", address, port, target, ready, why)


def _external_name(service: ServiceView) -> Iterator[EndpointExpectation]:
    target = service.external_name
    ports = service.ports or ()
    if not ports:
        yield EndpointExpectation(
            kind="external-name",
            address=target,
            port=None,
            protocol="TCP",
            target=f"CNAME {target}",
            ready=None,
            why="clients dial the CNAME target on the port they choose",
        )
        return
    for port in ports:
        yield EndpointExpectation(
            kind="external-name",
            address=target,
            port=port.port,
            protocol=port.protocol,
            target=f"CNAME {target}",
            ready=None,
            why="the target host is dialled on the Service port; targetPort is ignored",
            port_name=port.name,
        )


def _headless(
    index: Index, service: ServiceView, namespace: str, slices: Sequence[SliceView]
) -> Iterator[EndpointExpectation]:
    """Pod IPs at the resolved targetPort; offline, the Service FQDN stands in for them."""
    fqdn = f"{service.name}.{namespace}.svc.{index.snapshot.cluster_domain}"
    ports = service.ports
    if not readiness_known(slices) or not slices:
        for port in ports:
            target, ready, why = _port_target(slices, port)
            number = port.target if isinstance(port.target, int) else port.port
            yield EndpointExpectation(
                kind="pod",
                address=fqdn,
                port=number,
                protocol=port.protocol,
                target=target,
                ready=ready,
                why=f"headless: {fqdn} returns the pod IPs; {why}",
                port_name=port.name,
            )
        return
    yield from _pod_endpoints(slices, ports)


def _pod_endpoints(
    slices: Sequence[SliceView], ports: Sequence[ServicePort]
) -> Iterator[EndpointExpectation]:
    """Each EndpointSlice address at its resolved port: what kube-proxy (or a headless
    client) really dials, so the probe can tell a dead VIP from dead pods."""
    for port in ports:
        for endpoint, slice_port in endpoints_for_port(slices, port):
            for address in endpoint.addresses[:1]:
                yield EndpointExpectation(
                    kind="pod",
                    address=address,
                    port=slice_port.port,
                    protocol=port.protocol,
                    target=f"pod {endpoint.pod}" if endpoint.pod else address,
                    ready=bool(endpoint.ready),
                    why="ready endpoint" if endpoint.ready else "endpoint not ready",
                    port_name=port.name,
                )


# ---------------------------------------------------------------- findings


def endpoint_findings(
    index: Index, service: ServiceView, namespace: str, slices: Sequence[SliceView]
) -> tuple[Finding, ...]:
    subject = service.subject
    kind = service.kind
    findings: list[Finding] = []
    if kind is ServiceKind.LOAD_BALANCER:
        findings.extend(_lb_status(index, service, subject))
    if kind in (ServiceKind.NODE_PORT, ServiceKind.LOAD_BALANCER) or (
        service.spec.get("externalIPs")
    ):
        findings.extend(_external_policy(index, service, subject, slices))
    if kind is not ServiceKind.EXTERNAL_NAME:
        findings.extend(_internal_policy(index, service, subject, slices))
    external_ips = [str(ip) for ip in service.spec.get("externalIPs") or ()]
    if external_ips:
        findings.append(
            EXTERNAL_IPS(
                subject,
                f"{subject} captures traffic to {', '.join(external_ips)} on its ports on every "
                "node; those addresses are never returned by DNS and must be routed to a node by "
                "your network.",
                evidence=(("externalIPs", ", ".join(external_ips)),),
            )
        )
    return tuple(findings)


def _lb_status(index: Index, service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    addresses = service.load_balancer
    if addresses:
        yield LB_READY(
            subject,
            f"the load balancer of {subject} is at {', '.join(addresses)}.",
            evidence=(("ingress", ", ".join(addresses)),),
        )
        return
    if not index.snapshot.live:
        return
    spec = service.spec
    lb_class = str(spec.get("loadBalancerClass") or "")
    node_ports = ", ".join(str(p.node_port) for p in service.ports if p.node_port)
    cause = (
        f"no controller serves spec.loadBalancerClass {lb_class!r}"
        if lb_class
        else "no cloud controller or LoadBalancer implementation (e.g. MetalLB) has assigned an "
        "address, or its pool is exhausted"
    )
    yield LB_PENDING(
        subject,
        f"{subject} has no status.loadBalancer.ingress (EXTERNAL-IP <pending>): usually {cause}.",
        (
            f"install the implementation for class {lb_class!r} or remove spec.loadBalancerClass"
            if lb_class
            else "install a LoadBalancer implementation (cloud controller manager, MetalLB, "
            "kube-vip) or check its address pool"
        )
        + (f"; meanwhile use nodePort {node_ports} on any node" if node_ports else ""),
        evidence=(("loadBalancerClass", lb_class or "<none>"), ("nodePorts", node_ports)),
    )


def _nodes_without_local(
    index: Index, slices: Sequence[SliceView]
) -> tuple[tuple[str, ...], frozenset[str]]:
    with_pods = frozenset(e.node for e in ready_endpoints(slices) if e.node)
    lacking = tuple(sorted(n for n in index.nodes if n not in with_pods))
    return lacking, with_pods


def _external_policy(
    index: Index, service: ServiceView, subject: ObjectRef, slices: Sequence[SliceView]
) -> Iterator[Finding]:
    if service.spec.get("externalTrafficPolicy") != "Local":
        return
    health = service.spec.get("healthCheckNodePort")
    if not index.snapshot.live or not index.nodes or not readiness_known(slices):
        yield EXTERNAL_TRAFFIC_LOCAL(
            subject,
            f"{subject} has externalTrafficPolicy Local: its nodePort and load balancer answer "
            "only on nodes that run a ready pod of it; other nodes drop the traffic.",
            "make sure the load balancer health-checks healthCheckNodePort, or spread pods to "
            "every node that receives traffic",
            severity=Severity.INFO,
        )
        return
    lacking, with_pods = _nodes_without_local(index, slices)
    if not lacking:
        return
    yield EXTERNAL_TRAFFIC_LOCAL(
        subject,
        f"{subject} has externalTrafficPolicy Local and no ready pod on {len(lacking)} of "
        f"{len(index.nodes)} nodes ({', '.join(lacking[:_MAX_NODES])}), so its nodePort there "
        "drops the traffic"
        + (f" and healthCheckNodePort {health} reports them unhealthy" if health else "")
        + ".",
        f"dial a node running a pod ({', '.join(sorted(with_pods)) or 'none'}), spread the "
        f"pods to every node, or set spec.externalTrafficPolicy of {subject} to Cluster",
        evidence=(("nodes with local pod", ", ".join(sorted(with_pods)) or "none"),),
    )


def _internal_policy(
    index: Index, service: ServiceView, subject: ObjectRef, slices: Sequence[SliceView]
) -> Iterator[Finding]:
    if service.spec.get("internalTrafficPolicy") != "Local":
        return
    if not index.snapshot.live or not index.nodes or not readiness_known(slices):
        yield INTERNAL_TRAFFIC_LOCAL(
            subject,
            f"{subject} has internalTrafficPolicy Local: clients reach only pods on their own "
            "node, and time out on nodes without one.",
            "run the backend on every client node (DaemonSet) or use internalTrafficPolicy Cluster",
            severity=Severity.INFO,
        )
        return
    lacking, with_pods = _nodes_without_local(index, slices)
    if not lacking:
        return
    yield INTERNAL_TRAFFIC_LOCAL(
        subject,
        f"{subject} has internalTrafficPolicy Local and no ready pod on "
        f"{', '.join(lacking[:_MAX_NODES])}, so clients on those nodes time out (traffic is "
        "dropped, not rejected).",
        f"run the backend on every node (DaemonSet) or set spec.internalTrafficPolicy of "
        f"{subject} to Cluster",
        evidence=(("nodes with local pod", ", ".join(sorted(with_pods)) or "none"),),
    )
