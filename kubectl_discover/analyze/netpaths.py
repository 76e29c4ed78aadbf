"""NetworkPolicy path verdicts for the commands (pure): from the Index, a client and the
subject's backends to keyed verdict rows (:class:`PolicyExpectation`) and findings,
through the engine in :mod:`kubectl_discover.analyze.netpol` (docs/networkpolicy.md).

The policies are parsed once per snapshot (:func:`policy_context`). A path is: the
client's DNS server (the CoreDNS pods behind kube-dns on UDP and TCP 53, or a NodeLocal
cache address), every backend of each Service at its resolved targetPort, and for an
Ingress or a Gateway the controller pods to the same backends. What cannot be read is
assumed and said: the CoreDNS pods are the kube-system pods labelled ``k8s-app:
kube-dns`` (the kube-dns Service's selector on kubeadm, EKS, GKE and AKS), an
ingress-nginx controller runs in ``ingress-nginx`` with its chart's labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze import netpol
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import ContainerPort, PodView, PolicyExpectation
from kubectl_discover.analyze.netpol.checks import BACKENDS_UNREACHABLE, NAMESPACE_DNS_BLOCKED
from kubectl_discover.analyze.netpol.endpoints import (
    ServicePortView,
    resolve_target_port,
    service_ports,
)
from kubectl_discover.analyze.netpol.findings import common_labels, path_findings
from kubectl_discover.analyze.netpol.matching import port_match
from kubectl_discover.analyze.netpol.path import controller_hops
from kubectl_discover.analyze.netpol.policy import NetworkPolicyView
from kubectl_discover.analyze.netpol.policyset import ADMIN_GROUP, OtherPolicy
from kubectl_discover.analyze.netpol.tri import Tri
from kubectl_discover.findings import Finding, Verdict
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, Snapshot

DNS_NAMESPACE = "kube-system"
DNS_SERVICE = "kube-dns"
COREDNS_LABELS: Mapping[str, str] = {"k8s-app": "kube-dns"}
"""The kube-dns Service's selector on kubeadm, EKS, GKE and AKS: the CoreDNS pods."""
COREDNS_PORTS = (
    ContainerPort("coredns", 53, "dns", "UDP"),
    ContainerPort("coredns", 53, "dns-tcp", "TCP"),
)
"""kubeadm's CoreDNS container ports (its Service's targetPorts name them)."""
CLUSTER_DNS_NAMESERVER = "kube-dns"
"""Stands for the kube-dns ClusterIP when the kube-dns Service was not read."""
_POLICY_API_KINDS = {
    "adminnetworkpolicies": "AdminNetworkPolicy",
    "baselineadminnetworkpolicies": "BaselineAdminNetworkPolicy",
    "clusternetworkpolicies": "ClusterNetworkPolicy",
}

INGRESS_CONTROLLERS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "k8s.io/ingress-nginx": (
        "ingress-nginx",
        {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
    ),
}
"""IngressClass ``spec.controller`` -> the namespace and pod labels of its default
install, for controller pods that were not read."""
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
"""The label implementations that deploy a proxy per Gateway put on its pods (GEP-1762:
Istio, Envoy Gateway, kgateway, NGINX Gateway Fabric)."""
MAX_LISTED = 3


@dataclass(frozen=True)
class PolicyContext:
    """The policies of a snapshot, parsed once, and the namespace labels selectors see."""

    policies: netpol.PolicySet
    namespace_labels: Mapping[str, Mapping[str, str]] | None


def policy_context(snapshot: Snapshot) -> PolicyContext | None:
    """None when NetworkPolicies were not read (or refused: that is an access finding), or
    when no policy of any engine exists: then nothing isolates any pod."""
    gap = snapshot.unavailable_for("networkpolicies")
    if gap is not None:
        return None
    objects = (*snapshot.networkpolicies, *snapshot.admin_policies, *snapshot.other_policies)
    policies = netpol.build_policy_set(
        objects,
        present_groups=snapshot.served_groups or (),
        default_namespace=snapshot.default_namespace,
    )
    refused = tuple(
        OtherPolicy(kind, ADMIN_GROUP)
        for resource, kind in _POLICY_API_KINDS.items()
        if (found := snapshot.unavailable_for(resource)) is not None
        and (found.refused or found.superseded)
    )
    if refused:
        policies = dataclasses.replace(policies, others=(*policies.others, *refused))
    if not (
        policies.network_policies
        or policies.admin_policies
        or policies.baseline_policies
        or policies.others
    ):
        return None
    namespaces = snapshot.unavailable_for("namespaces")
    labels = (
        snapshot.namespace_labels
        if namespaces is None and (snapshot.live or snapshot.namespace_labels)
        else None
    )
    return PolicyContext(policies, labels)


# ------------------------------------------------------------------ endpoints


def client_endpoint(context: PolicyContext, pod_like: Obj) -> netpol.Endpoint:
    """The client as policies see it: a Pod object, or a pod built from a template."""
    return netpol.pod_endpoint(pod_like, context.namespace_labels)


def pod_endpoints(context: PolicyContext, views: Iterable[PodView]) -> list[netpol.Endpoint]:
    return [netpol.pod_view_endpoint(v, context.namespace_labels) for v in views]


def _assumed_pod(
    context: PolicyContext,
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    ports: tuple[ContainerPort, ...] = (),
) -> netpol.Endpoint:
    labels_of_ns = context.namespace_labels
    return netpol.Endpoint(
        kind=netpol.EndpointKind.POD,
        ips=(),
        ref=ObjectRef("Pod", namespace, name),
        namespace=namespace,
        namespace_labels=None if labels_of_ns is None else labels_of_ns.get(namespace),
        labels=dict(labels),
        ports=ports,
        ports_known=bool(ports),
    )


def service_target(
    context: PolicyContext, index: Index, namespace: str, name: str
) -> netpol.ServiceTarget | None:
    """A Service and its backends (pods, or templates offline) at each resolved targetPort;
    None when the Service was not read or selects nothing (no pod to judge)."""
    view = index.service(namespace, name)
    if view is None or not view.selector:
        return None
    raw = view.raw
    backends = pod_endpoints(context, index.pods_selected(namespace, view.selector))
    if not backends:
        return None
    return netpol.service_target(raw, backends, default_namespace=namespace)


def external_target(
    index: Index, namespace: str, name: str, resolved: Sequence[str] = ()
) -> netpol.ExternalTarget | None:
    """Where the client really connects for a Service policies cannot see as pods: an
    ExternalName's target at the addresses a probe resolved (``resolved``) on the Service's
    ports, or a Service without selector at the addresses of its (hand-made) EndpointSlices,
    reached through its ClusterIP. None otherwise (an ExternalName nobody resolved yet)."""
    view = index.service(namespace, name)
    if view is None:
        return None
    if view.external_name:
        declared = tuple(dict.fromkeys((p.port, p.protocol) for p in view.ports if p.port))
        if not resolved or not declared:
            return None
        return netpol.ExternalTarget(tuple(dict.fromkeys(resolved)), declared, view.ref)
    if view.selector:
        return None
    addresses: dict[str, None] = {}
    ports: dict[tuple[int, str], None] = {}
    for slice_ in index.slice_views_for(namespace, name):
        for port in slice_.ports:
            if port.port is not None:
                ports[(port.port, port.protocol or "TCP")] = None
        for endpoint in slice_.endpoints:
            if endpoint.ready is not False:
                addresses.update(dict.fromkeys(endpoint.addresses))
    if not addresses or not ports:
        return None
    return netpol.ExternalTarget(tuple(addresses), tuple(ports), view.ref, via_cluster_ip=True)


def external_name_note(index: Index, namespace: str, name: str) -> str:
    """Why an ExternalName Service's egress is not judged: its addresses are whatever its
    target resolves to when the client connects, which only ipBlock rules can match."""
    view = index.service(namespace, name)
    if view is None or not view.external_name:
        return ""
    return (
        f"Service {namespace}/{name} is an ExternalName ({view.external_name}): the client "
        "connects to whatever that name resolves to, which only ipBlock rules can match; "
        "egress to it is computed once a probe resolved it (and the Service declares a port)"
    )


def dns_server(
    context: PolicyContext, index: Index, nameserver: str | None
) -> tuple[netpol.DnsServer, str]:
    """The client's resolver and the assumption made about it (empty when none).

    ``nameserver`` is the probe's resolv.conf nameserver; None means the kube-dns ClusterIP
    (a pod with ``dnsPolicy: ClusterFirst``)."""
    snapshot = index.snapshot
    raw = snapshot.find(snapshot.services, DNS_NAMESPACE, DNS_SERVICE)
    pods = pod_endpoints(context, index.pods_selected(DNS_NAMESPACE, COREDNS_LABELS))
    notes = []
    if not pods:
        pods = [_assumed_pod(context, DNS_NAMESPACE, "coredns", COREDNS_LABELS, COREDNS_PORTS)]
        notes.append(
            f"the CoreDNS pods were not read: assumed pods labelled k8s-app=kube-dns in "
            f"{DNS_NAMESPACE} listening on UDP and TCP 53"
        )
    service = raw or {
        "metadata": {"name": DNS_SERVICE, "namespace": DNS_NAMESPACE},
        "spec": {
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            ]
        },
    }
    target = netpol.service_target(service, pods, default_namespace=DNS_NAMESPACE)
    address = nameserver
    if raw is None or not target.cluster_ips:
        if nameserver is None or netpol.DnsServer(nameserver).resolver is netpol.Resolver.EXTERNAL:
            address = nameserver or CLUSTER_DNS_NAMESERVER
            target = dataclasses.replace(target, cluster_ips=(address,))
            if nameserver is not None:
                notes.append(
                    f"the kube-dns Service was not read: its ClusterIP assumed to be the "
                    f"client's nameserver {nameserver}"
                )
    elif nameserver is None:
        address = target.cluster_ips[0]
    assert address is not None
    server = netpol.DnsServer(address, target)
    if server.resolver is netpol.Resolver.NODE_LOCAL:
        notes.append(
            f"the client resolves through {address}, a NodeLocal DNS cache on its node "
            "(host network): only an ipBlock can match it"
        )
    return server, "; ".join(notes)


def ingress_controllers(
    context: PolicyContext, index: Index, controller: str
) -> tuple[list[netpol.Endpoint], str]:
    """The pods of an IngressClass ``spec.controller``, and the assumption made."""
    known = INGRESS_CONTROLLERS.get(controller)
    if known is None:
        return [], (
            f"the pods of Ingress controller {controller or '(no IngressClass)'} are not "
            "identifiable: controller -> backend verdicts not computed"
        )
    namespace, labels = known
    views = index.pods_selected(namespace, labels)
    if views:
        return pod_endpoints(context, views), ""
    assumed = _assumed_pod(context, namespace, f"{namespace}-controller", labels)
    shown = ",".join(f"{k}={v}" for k, v in labels.items())
    return [assumed], (
        f"the {controller} controller pods were not read: assumed pods labelled {shown} in "
        f"namespace {namespace}"
    )


def gateway_controllers(
    context: PolicyContext, index: Index, namespace: str, gateway: str
) -> tuple[list[netpol.Endpoint], str]:
    """The proxy pods of a Gateway (labelled with its name, in its namespace)."""
    views = index.pods_selected(namespace, {GATEWAY_NAME_LABEL: gateway})
    if views:
        return pod_endpoints(context, views), ""
    return [], (
        f"the proxy pods of Gateway {namespace}/{gateway} are not identifiable (no pod "
        f"labelled {GATEWAY_NAME_LABEL}={gateway} in {namespace}): controller -> backend "
        "verdict unknown"
    )


# ------------------------------------------------------------------ the path


@dataclass(frozen=True)
class PathResult:
    """What a command adds: the verdict rows, the findings and the assumptions."""

    rows: tuple[PolicyExpectation, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()


def path_result(
    context: PolicyContext,
    client: netpol.Endpoint,
    *,
    dns: netpol.DnsServer | None,
    services: Sequence[netpol.ServiceTarget],
    external: Sequence[netpol.ExternalTarget] = (),
    controllers: Sequence[netpol.Endpoint] = (),
    notes: Sequence[str] = (),
) -> PathResult:
    path = netpol.path_verdict(
        context.policies,
        client,
        dns=dns,
        services=services,
        external=external,
        controllers=controllers,
    )
    rows = _rows(context.policies, path)
    rows = tuple(dataclasses.replace(r, causes=row_causes(r, path.findings)) for r in rows)
    return PathResult(rows, path.findings, tuple(n for n in notes if n))


def controller_result(
    context: PolicyContext,
    controllers: Sequence[netpol.Endpoint],
    services: Sequence[netpol.ServiceTarget],
    *,
    notes: Sequence[str] = (),
) -> PathResult:
    """Only the controller -> backend connections (``ingress``, ``route``): the client of
    an Ingress or a Gateway is outside the cluster; the proxy is the one policies see."""
    hops: list[netpol.Hop] = []
    for target in services:
        hops += controller_hops(context.policies, controllers, target)
    findings = path_findings(context.policies, hops)
    path = netpol.PathVerdict(controllers[0] if controllers else _NOBODY, tuple(hops), findings)
    rows = _rows(context.policies, path)
    rows = tuple(dataclasses.replace(r, causes=row_causes(r, findings)) for r in rows)
    return PathResult(rows, findings, tuple(dict.fromkeys(n for n in notes if n)))


_NOBODY = netpol.Endpoint(netpol.EndpointKind.EXTERNAL, ())


def _listing(endpoints: Iterable[netpol.Endpoint]) -> str:
    names = list(dict.fromkeys(_short(e) for e in endpoints))
    shown = ", ".join(names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += f" and {len(names) - MAX_LISTED} more"
    return shown


def _short(endpoint: netpol.Endpoint) -> str:
    if endpoint.ref is not None and endpoint.is_pod:
        return f"pod {endpoint.ref.namespace}/{endpoint.ref.name}"
    return endpoint.describe()


def _side(hop: netpol.Hop, direction: netpol.Direction) -> netpol.DirectionVerdict:
    return hop.verdict.egress if direction is netpol.Direction.EGRESS else hop.verdict.ingress


def decided_by(side: netpol.DirectionVerdict) -> str:
    """The policy and rule that decide, or what the absence of one means."""
    if side.outcome is netpol.Outcome.UNKNOWN:
        return "unknown: " + ("; ".join(side.reasons) or side.why)
    if side.rule is not None:
        action = "" if side.tier is netpol.Tier.NETWORK_POLICY else f" ({side.rule.action})"
        return f"{side.rule}{action}"
    if side.tier is netpol.Tier.NETWORK_POLICY:
        return "no policy allows it"
    if side.tier is netpol.Tier.EXEMPT:
        return "exempt"
    return "no policy isolates it"


def _rows(policies: netpol.PolicySet, path: netpol.PathVerdict) -> tuple[PolicyExpectation, ...]:
    groups: dict[tuple[object, ...], tuple[netpol.Direction, str, list[netpol.Hop]]] = {}
    for hop in path.hops:
        for direction in netpol.Direction:
            side = _side(hop, direction)
            key = (
                hop.kind,
                direction,
                hop.service,
                hop.service_port,
                hop.verdict.protocol,
                hop.verdict.port,
                side.outcome,
                decided_by(side),
            )
            groups.setdefault(key, (direction, decided_by(side), []))[2].append(hop)
    udp_dns_allowed = any(
        h.kind is netpol.HopKind.DNS
        and h.verdict.protocol == "UDP"
        and h.verdict.outcome is netpol.Outcome.ALLOWED
        for h in path.hops
    )
    order = {kind: i for i, kind in enumerate(netpol.HopKind)}
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            order[g[2][0].kind],
            g[2][0].service_port or 0,
            g[2][0].verdict.protocol != "UDP",
            g[0] is not netpol.Direction.EGRESS,
        ),
    )
    rows = []
    for direction, decided, hops in ordered:
        side = _side(hops[0], direction)
        first = hops[0]
        kind = first.kind
        outcome = side.outcome
        tcp_only = kind is netpol.HopKind.DNS and first.verdict.protocol == "TCP"
        if outcome is netpol.Outcome.ALLOWED:
            verdict = Verdict.OK
        elif outcome is netpol.Outcome.UNKNOWN or (tcp_only and udp_dns_allowed):
            verdict = Verdict.WARN
        else:
            verdict = Verdict.FAIL
        rows.append(
            PolicyExpectation(
                hop=kind.value,
                direction=direction.value.lower(),
                source=_listing(h.verdict.src for h in hops),
                destination=_listing(h.verdict.dst for h in hops),
                port=first.verdict.port,
                protocol=first.verdict.protocol,
                outcome=outcome.value,
                decided_by=decided,
                why=_why(side, direction),
                verdict=verdict,
                service=f"{first.service.namespace}/{first.service.name}" if first.service else "",
                service_port=first.service_port,
                fix=_fix(policies, direction, hops, kind)
                if outcome is netpol.Outcome.DENIED
                else "",
            )
        )
    return tuple(rows)


def _why(side: netpol.DirectionVerdict, direction: netpol.Direction) -> str:
    where = "at the source" if direction is netpol.Direction.EGRESS else "at the destination"
    return f"{direction.value.lower()} {where}: {side.why}"


def row_causes(row: PolicyExpectation, findings: Sequence[Finding]) -> tuple[str, ...]:
    """The ids of the netpol findings about the connections of ``row``: those whose
    direction and port evidence match it (the engine words each finding's evidence)."""
    if row.outcome == netpol.Outcome.ALLOWED.value:
        return ()
    wanted = row.direction.capitalize()
    found = []
    for finding in findings:
        if not finding.id.startswith("netpol-"):
            continue
        evidence = dict(finding.evidence)
        if evidence.get("direction") != wanted:
            continue
        tokens = evidence.get("port", "").replace(",", " ").split()
        if row.protocol in tokens and str(row.port) in tokens:
            found.append(finding.id)
    return tuple(dict.fromkeys(found))


def _representative(endpoints: Sequence[netpol.Endpoint]) -> netpol.Endpoint:
    return dataclasses.replace(endpoints[0], labels=common_labels(endpoints))


def _fix(
    policies: netpol.PolicySet,
    direction: netpol.Direction,
    hops: list[netpol.Hop],
    kind: netpol.HopKind,
) -> str:
    side = _side(hops[0], direction)
    if side.tier is netpol.Tier.ADMIN:
        return ""
    if direction is netpol.Direction.EGRESS:
        subjects = [h.verdict.src for h in hops]
        others = [h.verdict.dst for h in hops]
    else:
        subjects = [h.verdict.dst for h in hops]
        others = [h.verdict.src for h in hops]
    if kind is netpol.HopKind.DNS:
        ports = [netpol.PortSpec("UDP", 53), netpol.PortSpec("TCP", 53)]
        purpose = "allow-dns"
    else:
        ports = sorted(
            {netpol.PortSpec(h.verdict.protocol, h.verdict.port) for h in hops},
            key=lambda p: (p.port, p.protocol),
        )
        purpose = ""
    isolating = policies.views(side.isolating) if side.tier is netpol.Tier.NETWORK_POLICY else []
    fix = netpol.fix_for(
        direction,
        _representative(subjects),
        _representative(others),
        ports,
        isolating,
        purpose=purpose,
    )
    return fix.describe() if fix is not None else ""


# ------------------------------------------------------------------ scan


def _simple(policies: netpol.PolicySet) -> bool:
    """Only NetworkPolicies: then which of them select a pod decides its verdicts (for a
    fixed peer and port), and pods that the same policies select share them."""
    return not (policies.admin_policies or policies.baseline_policies or policies.others)


def _signature(
    policies: Sequence[NetworkPolicyView], labels: Mapping[str, str]
) -> tuple[object, ...]:
    return tuple(p.pod_selector.match(labels).value for p in policies)


def namespace_dns_findings(
    context: PolicyContext, index: Index, namespaces: Iterable[str]
) -> tuple[Finding, ...]:
    """``scan``: one finding per namespace whose pods' egress policies block DNS (UDP or TCP
    53 to the kube-dns pods). Only namespaces with a NetworkPolicy are looked at; pods are
    evaluated once per set of egress policies selecting them (per label set when admin
    policies or other engines exist), never one by one."""
    dns, _ = dns_server(context, index, None)
    assert dns.kube_dns is not None
    coredns = [b.endpoint for _, backends in dns.kube_dns.ports for b in backends][:1]
    simple = _simple(context.policies)
    findings = []
    for namespace in sorted(set(namespaces)):
        in_namespace = context.policies.in_namespace(namespace)
        egress_policies = [p for p in in_namespace if netpol.Direction.EGRESS in p.policy_types]
        if not egress_policies or not coredns:
            continue
        groups: dict[object, tuple[PodView, set[str]]] = {}
        for view in index.pods_in(namespace):
            key = (
                _signature(egress_policies, view.labels)
                if simple
                else frozenset(view.labels.items())
            )
            groups.setdefault(key, (view, set()))[1].add(_workload(view))
        blocked: dict[str, set[str]] = {}
        example: tuple[netpol.Endpoint, netpol.DirectionVerdict] | None = None
        for view, workloads in groups.values():
            client = pod_endpoints(context, [view])[0]
            for protocol in ("UDP", "TCP"):
                egress = netpol.evaluate(context.policies, client, coredns[0], 53, protocol).egress
                if egress.outcome is netpol.Outcome.DENIED:
                    blocked.setdefault(protocol, set()).update(workloads)
                    example = example or (client, egress)
        if example is not None:
            findings.append(_dns_blocked(context, namespace, blocked, example, coredns[0]))
    return tuple(findings)


def _dns_blocked(
    context: PolicyContext,
    namespace: str,
    blocked: Mapping[str, set[str]],
    example: tuple[netpol.Endpoint, netpol.DirectionVerdict],
    coredns: netpol.Endpoint,
) -> Finding:
    client, egress = example
    workloads = sorted({w for names in blocked.values() for w in names})
    shown = ", ".join(workloads[:MAX_LISTED]) + (
        f" and {len(workloads) - MAX_LISTED} more" if len(workloads) > MAX_LISTED else ""
    )
    protocols = " and ".join(p for p in ("UDP", "TCP") if p in blocked)
    everyone = dataclasses.replace(
        client, labels={}, ref=ObjectRef("Pod", namespace, namespace)
    )  # the fix selects every pod of the namespace; its name says which
    fix = netpol.fix_for(
        netpol.Direction.EGRESS,
        everyone,
        coredns,
        [netpol.PortSpec("UDP", 53), netpol.PortSpec("TCP", 53)],
        context.policies.views(egress.isolating),
        purpose="allow-dns",
    )
    subject = egress.isolating[0] if egress.isolating else ObjectRef("Namespace", "", namespace)
    return NAMESPACE_DNS_BLOCKED(
        subject,
        f"in namespace {namespace}, egress {protocols} 53 to the DNS pods is denied for "
        f"{shown} ({egress.why})",
        fix.describe() if fix is not None else "",
        evidence=(
            ("namespace", namespace),
            ("protocols", protocols),
            ("isolated by", ", ".join(str(r) for r in egress.isolating)),
        ),
    )


def _workload(view: PodView) -> str:
    if view.owner_kind:
        return f"{view.owner_kind} {view.owner_name}"
    return f"pod {view.name}"


def unreachable_services(
    context: PolicyContext, index: Index, services: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Finding]:
    """``scan``: the Services whose backends are isolated for ingress by NetworkPolicies
    none of whose ingress rules names a targetPort of theirs (whatever the peer). Not judged
    when admin policies or other engines exist (they may allow it), nor when a policy may
    only possibly select a backend. Backends are judged once per set of policies selecting
    them and set of container ports."""
    if not _simple(context.policies):
        return {}
    found: dict[tuple[str, str], Finding] = {}
    judged: dict[tuple[object, ...], bool] = {}
    for namespace, name in services:
        ingress_policies = [
            p
            for p in context.policies.in_namespace(namespace)
            if netpol.Direction.INGRESS in p.policy_types and not p.shape_problems
        ]
        view = index.service(namespace, name)
        if not ingress_policies or view is None or not view.selector:
            continue
        ports = service_ports(view.raw)
        backends = index.pods_selected(namespace, view.selector)
        if not backends or not ports:
            continue
        unreachable = True
        for backend in backends:
            signature = _signature(ingress_policies, backend.labels)
            key = (namespace, signature, backend.ports, ports)
            if key not in judged:
                judged[key] = _admits_nobody(context, ingress_policies, signature, backend, ports)
            if not judged[key]:
                unreachable = False
                break
        if unreachable:
            found[(namespace, name)] = _unreachable(view.ref, ingress_policies, backends, ports)
    return found


def _admits_nobody(
    context: PolicyContext,
    policies: Sequence[NetworkPolicyView],
    signature: tuple[object, ...],
    backend: PodView,
    ports: Sequence[ServicePortView],
) -> bool:
    if any(value is Tri.MAYBE for value in signature):
        return False  # not certain: say nothing
    isolating = [p for p, value in zip(policies, signature) if value is Tri.YES]
    if not isolating:
        return False
    endpoint = pod_endpoints(context, [backend])[0]
    for port in ports:
        target = resolve_target_port(port, endpoint)
        if target is None:
            continue
        for policy in isolating:
            for rule in policy.ingress:
                if rule.ports is None or any(
                    not port_match(p, endpoint, target, port.protocol).no for p in rule.ports
                ):
                    return False
    return True


def _unreachable(
    ref: ObjectRef,
    policies: Sequence[NetworkPolicyView],
    backends: Sequence[PodView],
    ports: Sequence[ServicePortView],
) -> Finding:
    first = backends[0]
    refs = ", ".join(
        str(p.ref) for p in policies if p.pod_selector.match(first.labels).value is Tri.YES
    )
    endpoint = netpol.pod_view_endpoint(first)
    targets = [(port.protocol, resolve_target_port(port, endpoint)) for port in ports]
    shown = ", ".join(sorted({f"{protocol} {number}" for protocol, number in targets if number}))
    number = next((n for _, n in targets if n), None)
    return BACKENDS_UNREACHABLE(
        ref,
        f"the backends of {ref} are isolated for ingress by {refs} and no ingress rule of "
        f"them names {shown}: no client can reach the Service",
        "add an ingress rule admitting its clients on the targetPort, e.g. "
        f"ports: [{{port: {number}}}] with the clients' namespaceSelector and podSelector",
        evidence=(("isolated by", refs), ("targetPort", shown)),
    )
