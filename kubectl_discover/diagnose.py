"""Which analyses make up each command, and the checks about the subject itself.

This is the only place that knows that ``svc NAME`` means the Service analysis plus
the Ingress routes pointing at it plus removed-API notes; the analysis modules stay
independent of each other. Pure: an :class:`Index` in, :class:`Diagnosis` values out.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from kubectl_discover.analyze import (
    clusterdns,
    gatewayapi,
    ingressclasses,
    ingresses,
    legacy,
    lookup,
    migration,
    netpaths,
    routes,
    services,
)
from kubectl_discover.analyze.gateway import parse_request
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import Diagnosis, RouteExpectation
from kubectl_discover.analyze.resolv import cluster_dns_address
from kubectl_discover.errors import ClusterAccessError, InputError, NotFoundError
from kubectl_discover.findings import Check, Finding, Severity, worst_first
from kubectl_discover.probe.pod import LABELS as PROBE_LABELS
from kubectl_discover.probe.pod import NAME_PREFIX as PROBE_PREFIX
from kubectl_discover.probe.runner import find_client
from kubectl_discover.refs import ObjectRef, ingress_ref, service_ref, url_ref
from kubectl_discover.snapshot import Obj, name_of, namespace_of

ACCESS_SKIPPED = Check(
    id="access-skipped",
    severity=Severity.WARN,
    title="A kind could not be read; the checks that need it were skipped",
    meaning=(
        "The credentials in use may not list (or get) one of the kinds the analysis reads."
        " The plugin still answers with what it could read, and says which checks are"
        " missing so a green verdict is never mistaken for a complete one."
    ),
    fix=(
        "Bind the kubectl-discover-read ClusterRole (deploy/rbac.yaml) to the user, or run"
        " with credentials that may list the kind named in the message."
    ),
    area="access",
)

CHECKS = (ACCESS_SKIPPED,)

_RESOURCES = {"Service": "services", "Ingress": "ingresses"}

_NEEDED_BY = {
    "services": "every check",
    "endpointslices": "endpoint readiness, headless answers and per-pod names",
    "pods": "selector, port and readiness checks",
    "nodes": "node addresses for NodePort and externalTrafficPolicy checks",
    "ingresses": "Ingress routes",
    "ingressclasses": "IngressClass resolution",
    "secrets": "TLS certificate checks",
    "events": "recent events",
    "statefulsets": "StatefulSet serviceName checks",
    "deployments": "workload ownership",
    "replicasets": "workload ownership",
    "gatewayclasses": "GatewayClass acceptance",
    "gateways": "Gateway listeners and route attachment",
    "listenersets": "ListenerSet listeners",
    "httproutes": "HTTPRoute routes",
    "grpcroutes": "GRPCRoute routes",
    "referencegrants": "cross-namespace references (ReferenceGrant)",
    "backendtlspolicies": "BackendTLSPolicy checks",
    "networkpolicies": "NetworkPolicy path verdicts",
    "namespaces": "namespaceSelector matching (only kubernetes.io/metadata.name is known)",
    "adminnetworkpolicies": "AdminNetworkPolicy precedence (verdicts are unknown)",
    "baselineadminnetworkpolicies": "BaselineAdminNetworkPolicy precedence (verdicts are unknown)",
    "clusternetworkpolicies": "ClusterNetworkPolicy precedence (verdicts are unknown)",
}


def access_findings(index: Index, subject: ObjectRef) -> tuple[Finding, ...]:
    """One warning per kind the loader could not read."""
    return tuple(
        ACCESS_SKIPPED(
            subject,
            f"{gap.describe()}; skipped: {_NEEDED_BY.get(gap.resource, gap.resource)}.",
            f"grant '{gap.verb}' on {gap.resource} (ClusterRole kubectl-discover-read in"
            " deploy/rbac.yaml), or run with other credentials",
            evidence=(("resource", gap.resource), ("verb", gap.verb)),
        )
        for gap in index.snapshot.unavailable
        if gap.refused and gap.resource not in _STATED_ELSEWHERE
    )


_STATED_ELSEWHERE = frozenset({"configmaps"})
"""Refusals a check of their own reports: an unreadable Corefile is ``corefile-assumed``
(the predictions go on with kubeadm's, and say so)."""


def dns_config_findings(
    index: Index, diagnosis: Diagnosis, subject: ObjectRef, now: datetime | None
) -> tuple[Finding, ...]:
    """The Corefile the DNS rows follow (or the one assumed), its checks, where it sends the
    subject's cluster names, and young objects a cached NXDOMAIN may still hide."""
    cluster = index.cluster_dns
    zone = "." + cluster.domain.strip(".").lower()
    names = sorted(
        {
            e.fqdn.rstrip(".") + "."
            for e in diagnosis.dns
            if e.fqdn.rstrip(".").lower().endswith(zone) and e.form.value != "srv"
        }
    )
    pod_ips = tuple(e.fqdn.rstrip(".") + "." for e in diagnosis.dns if ".pod." + zone[1:] in e.fqdn)
    dns_ips = _dns_service_ips(index)
    broken = [
        e.fqdn.rstrip(".") + "."
        for e in diagnosis.dns
        if e.exists is False and e.form.value == "fqdn"
    ]
    outside = sorted(
        {
            e.fqdn.rstrip(".") + "."
            for e in diagnosis.dns
            if diagnosis.subject_kind == "DnsName"
            and e.exists is None
            and "." in e.fqdn.strip(".")
            and not e.fqdn.rstrip(".").lower().endswith(zone)
        }
    )
    found = clusterdns.dns_config_findings(
        cluster,
        names=names[:4],
        pod_ip_names=pod_ips,
        dns_service_ips=dns_ips,
        broken=broken,
        outside=outside[:4],
    )
    young = [
        (ObjectRef("Service", diagnosis.namespace, diagnosis.name), name, created)
        for name, created in _service_created(index, diagnosis)
    ] + _pods_created(index, diagnosis)
    return (*found, *clusterdns.negative_cache_findings(cluster, subject, young, now))


def _dns_service_ips(index: Index) -> tuple[str, ...]:
    view = index.service("kube-system", "kube-dns")
    return tuple(view.cluster_ips) if view is not None else ()


def _service_created(index: Index, diagnosis: Diagnosis) -> list[tuple[str, str | None]]:
    if diagnosis.subject_kind != "Service":
        return []
    raw = index.snapshot.find(index.snapshot.services, diagnosis.namespace, diagnosis.name)
    if raw is None:
        return []
    created = (raw.get("metadata") or {}).get("creationTimestamp")
    zone = index.cluster_dns.domain
    fqdn = f"{diagnosis.name}.{diagnosis.namespace}.svc.{zone}."
    return [(fqdn, str(created) if created else None)]


def _pods_created(index: Index, diagnosis: Diagnosis) -> list[tuple[ObjectRef, str, str | None]]:
    """The pods behind predicted per-pod names: (pod, its per-pod name, creationTimestamp)."""
    found = []
    for row in diagnosis.dns:
        if row.form.value != "per-pod" or row.exists is not True:
            continue
        label = row.fqdn.split(".", 1)[0]
        for pod in diagnosis.pods:
            if pod.from_template or label not in (pod.hostname, pod.name):
                continue
            raw = index.snapshot.find(index.snapshot.pods, diagnosis.namespace, pod.name)
            created = ((raw or {}).get("metadata") or {}).get("creationTimestamp")
            ref = ObjectRef("Pod", diagnosis.namespace, pod.name)
            found.append((ref, row.fqdn.rstrip(".") + ".", str(created) if created else None))
            break
    return found


def _with(diagnosis: Diagnosis, **changes: object) -> Diagnosis:
    return dataclasses.replace(diagnosis, **changes)  # type: ignore[arg-type]


def suggest(wanted: str, candidates: Iterable[str]) -> list[str]:
    """Close matches for "did you mean" (difflib, like kubectl's own suggestions)."""
    return difflib.get_close_matches(wanted, sorted(set(candidates)), n=3, cutoff=0.6)


def require(index: Index, kind: str, objs: Sequence[Obj], namespace: str, name: str) -> Obj:
    """The object, or a NotFoundError naming close matches here and namesakes elsewhere.

    When the list of that kind was refused, "not found" would be a lie: that is a
    cluster-access error naming the missing right.
    """
    gap = index.snapshot.unavailable_for(_RESOURCES.get(kind, kind.lower() + "s"))
    if gap is not None and gap.refused:
        raise ClusterAccessError(gap.describe())
    default_ns = index.snapshot.default_namespace
    for obj in objs:
        if name_of(obj) == name and namespace_of(obj, default_ns) == namespace:
            return obj
    here = [name_of(o) for o in objs if namespace_of(o, default_ns) == namespace]
    elsewhere = sorted(namespace_of(o, default_ns) for o in objs if name_of(o) == name)
    message = f'{kind} "{name}" not found in namespace "{namespace}"'
    hints = [f"did you mean {', '.join(suggest(name, here))}?"] if suggest(name, here) else []
    if elsewhere:
        hints.append(f"it exists in namespace {', '.join(elsewhere)} (use -n)")
    if not index.snapshot.live and not objs:
        hints.append(f"the files hold no {kind}")
    raise NotFoundError(message + ("; " + "; ".join(hints) if hints else ""))


# ------------------------------------------------------------------ NetworkPolicy paths


@dataclasses.dataclass(frozen=True)
class PolicyClient:
    """Whose path the NetworkPolicy verdicts are about: ``--from`` (a pod, or a workload's
    template), else the probe pod in ``--probe-namespace`` (default: the subject's);
    ``nameserver`` the probe's resolv.conf nameserver once it ran (None: the kube-dns
    ClusterIP, as for any ``dnsPolicy: ClusterFirst`` pod)."""

    ref: str | None = None
    namespace: str | None = None
    nameserver: str | None = None
    resolved: tuple[str, ...] = ()
    """What the probe's ``getaddrinfo`` returned for an ExternalName Service's names: the
    addresses its target has from inside the cluster, which the client connects to."""


PROBE_CLIENT_NAME = PROBE_PREFIX.rstrip("-")
"""The probe pod stands for the client when no ``--from`` is given."""


def _client_pod(index: Index, client: PolicyClient, namespace: str) -> tuple[Obj, str]:
    """The client as a Pod-shaped object, and how the report names it."""
    where = client.namespace or namespace
    if client.ref is None:
        pod = {"metadata": {"name": PROBE_CLIENT_NAME, "namespace": where, "labels": PROBE_LABELS}}
        shown = ",".join(f"{k}={v}" for k, v in PROBE_LABELS.items())
        return pod, (
            f"the probe pod in {where} (labels {shown}); --from pod/NAME or deploy/NAME "
            "gives your client's verdicts and fixes"
        )
    found = find_client(index.snapshot, client.ref, where)
    if found.get("kind") == "Pod":
        return found, f"--from Pod {namespace_of(found, where)}/{name_of(found)}"
    template = (found.get("spec") or {}).get("template") or {}
    metadata = template.get("metadata") or {}
    pod = {
        "metadata": {
            "name": name_of(found),
            "namespace": namespace_of(found, where),
            "labels": metadata.get("labels") or {},
        },
        "spec": template.get("spec") or {},
    }
    return (
        pod,
        f"--from {found.get('kind')} {namespace_of(found, where)}/{name_of(found)} (its template)",
    )


def _policy_facts(client: str, result: netpaths.PathResult) -> tuple[tuple[str, str], ...]:
    facts = [("networkPolicyClient", client)] if client else []
    if result.notes:
        facts.append(("networkPolicyAssumed", "; ".join(result.notes)))
    return tuple(facts)


def service_policy_path(
    index: Index, namespace: str, name: str, client: PolicyClient
) -> tuple[netpaths.PathResult, str] | None:
    """``svc``: the client's DNS lookups and its connections to every backend."""
    context = netpaths.policy_context(index.snapshot)
    if context is None:
        return None
    pod, shown = _client_pod(index, client, namespace)
    endpoint = netpaths.client_endpoint(context, pod)
    dns, note = netpaths.dns_server(context, index, client.nameserver)
    target = netpaths.service_target(context, index, namespace, name)
    outside = netpaths.external_target(index, namespace, name, client.resolved)
    result = netpaths.path_result(
        context,
        endpoint,
        dns=dns,
        services=[target] if target else [],
        external=[outside] if outside else [],
        notes=[note, "" if outside else netpaths.external_name_note(index, namespace, name)],
    )
    return result, shown


def controller_policy_path(
    index: Index, routes_: Sequence[RouteExpectation]
) -> netpaths.PathResult | None:
    """``ingress`` / ``route``: each route's controller pods (IngressClass controller, or
    the Gateway's proxy pods) to the backends of the Service it leads to."""
    context = netpaths.policy_context(index.snapshot)
    if context is None:
        return None
    snapshot = index.snapshot
    groups: dict[tuple[str, str, str], tuple[list[Any], str]] = {}
    for route in routes_:
        if not route.service:
            continue
        service_ns = route.service_namespace or route.ingress.partition("/")[0]
        if route.kind == "Ingress":
            ingress_ns, _, ingress_name = route.ingress.partition("/")
            obj = snapshot.find(snapshot.ingresses, ingress_ns, ingress_name)
            controller = ingressclasses.resolve_class(index, obj).controller if obj else ""
            found = netpaths.ingress_controllers(context, index, controller)
        else:
            parent = route.gateway.split(" ", 1)[0]
            gateway_ns, _, gateway_name = parent.partition("/")
            found = netpaths.gateway_controllers(context, index, gateway_ns, gateway_name)
        groups.setdefault((service_ns, route.service, found[1]), (list(found[0]), found[1]))
    controllers: list[Any] = []
    targets = []
    notes = []
    for (service_ns, service, _), (endpoints, note) in groups.items():
        target = netpaths.service_target(context, index, service_ns, service)
        notes.append(note)
        if target is None or not endpoints:
            continue
        targets.append(target)
        controllers += [e for e in endpoints if e not in controllers]
    return netpaths.controller_result(context, controllers, targets, notes=notes)


def _with_policies(
    diagnosis: Diagnosis, result: netpaths.PathResult | None, client: str = ""
) -> Diagnosis:
    if result is None:
        return diagnosis
    return _with(
        diagnosis,
        findings=worst_first((*diagnosis.findings, *result.findings)),
        policies=result.rows,
        facts=(*diagnosis.facts, *_policy_facts(client, result)),
    )


def diagnose_service(
    index: Index,
    namespace: str,
    name: str,
    *,
    client_namespaces: Sequence[str] = (),
    now: datetime | None = None,
    client: PolicyClient | None = None,
) -> Diagnosis:
    """``kubectl discover svc NAME``: the Service, the Ingress routes to it, old API notes,
    and the NetworkPolicy verdicts of the client's path."""
    require(index, "Service", index.snapshot.services, namespace, name)
    diagnosis = services.diagnose_service(
        index, namespace, name, client_namespaces=client_namespaces
    )
    route_rows, route_findings, route_chain = ingresses.routes_for_service(index, namespace, name)
    gateway_rows = gatewayapi.service_routes(index, namespace, name)
    gateway_chain = gatewayapi.service_route_chain(index, namespace, name)
    subject = service_ref(namespace, name)
    findings = (
        *diagnosis.findings,
        *route_findings,
        *legacy.legacy_findings(index.snapshot, namespace),
        *access_findings(index, subject),
        *dns_config_findings(index, diagnosis, subject, now),
    )
    diagnosis = _with(
        diagnosis,
        findings=worst_first(findings),
        routes=(*diagnosis.routes, *route_rows, *gateway_rows),
        chain=(*route_chain, *gateway_chain, *diagnosis.chain),
    )
    found = service_policy_path(index, namespace, name, client or PolicyClient())
    return _with_policies(diagnosis, *found) if found is not None else diagnosis


def diagnose_ingress(index: Index, namespace: str, name: str) -> Diagnosis:
    """``kubectl discover ingress NAME``."""
    require(index, "Ingress", index.snapshot.ingresses, namespace, name)
    diagnosis = ingresses.diagnose_ingress(index, namespace, name)
    findings = (
        *diagnosis.findings,
        *legacy.legacy_findings(index.snapshot, namespace),
        *access_findings(index, ingress_ref(namespace, name)),
    )
    diagnosis = _with(diagnosis, findings=worst_first(findings))
    return _with_policies(diagnosis, controller_policy_path(index, diagnosis.routes))


def _require_gateway_api(index: Index, kind: str, namespace: str, name: str) -> None:
    """Exit 2 with one line when the cluster has no Gateway API; else the object or
    "not found" with "did you mean" (a refused LIST is a cluster-access error)."""
    if not gatewayapi.installed(index):
        raise InputError(gatewayapi.NOT_INSTALLED)
    objs = {
        "Gateway": index.snapshot.gateways,
        "HTTPRoute": index.snapshot.httproutes,
        "GRPCRoute": index.snapshot.grpcroutes,
    }[kind]
    require(index, kind, objs, namespace, name)


def diagnose_gateway(index: Index, namespace: str, name: str, *, now: datetime) -> Diagnosis:
    """``kubectl discover gateway NAME``."""
    _require_gateway_api(index, "Gateway", namespace, name)
    diagnosis = gatewayapi.diagnose_gateway(index, namespace, name, now=now)
    findings = (*diagnosis.findings, *access_findings(index, ObjectRef("Gateway", namespace, name)))
    return _with(diagnosis, findings=worst_first(findings))


def diagnose_gateway_route(
    index: Index, kind: str, namespace: str, name: str, *, now: datetime
) -> Diagnosis:
    """``kubectl discover httproute NAME`` / ``grpcroute NAME``."""
    _require_gateway_api(index, kind, namespace, name)
    diagnosis = gatewayapi.diagnose_route(index, kind, namespace, name, now=now)
    findings = (*diagnosis.findings, *access_findings(index, ObjectRef(kind, namespace, name)))
    return _with(diagnosis, findings=worst_first(findings))


def diagnose_route(
    index: Index,
    url: str,
    namespace: str | None,
    *,
    now: datetime,
    method: str = "GET",
    headers: Sequence[str] = (),
    gateway: tuple[str, str] | None = None,
) -> Diagnosis:
    """``kubectl discover route URL``: the Ingresses and the Gateways that could receive
    the request (``gateway`` given: that Gateway alone, no Ingress)."""
    request = parse_request(url, method=method, headers=headers)
    if gateway is not None and not gatewayapi.installed(index):
        raise InputError(gatewayapi.NOT_INSTALLED)
    if gateway is not None:
        require(index, "Gateway", index.snapshot.gateways, *gateway)
    # The Ingress side routes on the host the request carries (-H 'Host: ...' included).
    port = "" if request.port == (443 if request.scheme == "https" else 80) else f":{request.port}"
    ingress_url = f"{request.scheme}://{request.host}{port}{_path_and_query(url)}"
    diagnosis = routes.diagnose_route(index, ingress_url, namespace, now=now)
    if gatewayapi.installed(index):
        answer = gatewayapi.analyze_request(index, request, gateway, now=now)
        if answer.answered or gateway is not None:
            ingress_matched = bool(diagnosis.routes)
            kept = (
                diagnosis.findings
                if ingress_matched and gateway is None
                else tuple(f for f in diagnosis.findings if f.id != routes.NO_HOST_MATCH.id)
            )
            compared = (
                migration.compare(
                    index,
                    index.gateway_graph,
                    diagnosis.routes,
                    answer.matches,
                    request.host,
                    request.path,
                )
                if gateway is None
                else ()
            )
            diagnosis = _with(
                diagnosis,
                migration=compared,
                findings=(
                    *(() if gateway is not None else kept),
                    *answer.findings,
                    *migration.findings(url_ref(url), compared),
                ),
                routes=(*(() if gateway is not None else diagnosis.routes), *answer.routes),
                chain=(*(() if gateway is not None else diagnosis.chain), *answer.chain),
                facts=(*diagnosis.facts, *answer.facts),
            )
    findings = (*diagnosis.findings, *access_findings(index, url_ref(url)))
    diagnosis = _with(diagnosis, name=url, findings=worst_first(findings))
    return _with_policies(diagnosis, controller_policy_path(index, diagnosis.routes))


def _path_and_query(url: str) -> str:
    """The path and query of ``url`` as typed (the Ingress side parses them itself)."""
    text = url.strip()
    rest = text.split("://", 1)[1] if "://" in text else text
    slash = rest.find("/")
    query = rest.find("?")
    start = min(i for i in (slash, query, len(rest)) if i >= 0)
    tail = rest[start:]
    return tail if tail.startswith("/") else "/" + tail


def diagnose_name(
    index: Index,
    name: str,
    client_namespace: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> Diagnosis:
    """``kubectl discover dns NAME [--from KIND/NAME]``: the name read as that client types
    it. A refused LIST of Services is a cluster-access error, never "no such Service"."""
    snapshot = index.snapshot
    gap = snapshot.unavailable_for("services")
    if gap is not None and gap.refused:
        raise ClusterAccessError(gap.describe())
    client_obj = find_client(snapshot, client, client_namespace) if client else None
    diagnosis = lookup.diagnose_name(
        snapshot,
        name,
        client_namespace=client_namespace,
        client=client_obj,
        cluster_dns=cluster_dns_address(snapshot),
    )
    subject = ObjectRef("DNS name", "", name)
    findings = (
        *diagnosis.findings,
        *access_findings(index, subject),
        *dns_config_findings(index, diagnosis, subject, now),
    )
    return _with(diagnosis, findings=worst_first(findings), facts=_sourced(index, diagnosis))


def _sourced(index: Index, diagnosis: Diagnosis) -> tuple[tuple[str, str], ...]:
    """``dns NAME``'s facts with where the cluster domain and the DNS address come from:
    the Corefile line (or --cluster-domain, or the assumption), the kube-dns ClusterIP."""
    cluster = index.cluster_dns
    kube_dns = cluster_dns_address(index.snapshot)
    source = cluster.domain_source
    domain = (
        f"{cluster.domain} (assumed: no Corefile read)"
        if source == "assumed"
        else f"{cluster.domain} ({source})"
        if source == "--cluster-domain"
        else f"{cluster.domain} (from {source})"
    )
    facts = []
    for key, value in diagnosis.facts:
        if key == "cluster domain":
            value = domain
        elif key == "nameserver" and kube_dns and value == kube_dns:
            value = f"{kube_dns} (the ClusterIP of kube-system/kube-dns)"
        facts.append((key, value))
    return tuple(facts)


def scan(index: Index, namespace: str | None) -> tuple[Diagnosis, ...]:
    """``kubectl discover scan``: every Service, Ingress, Gateway and Route, worst first."""
    results = (
        *_with_unreachable(index, services.summarize(index, namespace)),
        *ingresses.summarize_ingresses(index, namespace),
        *gatewayapi.summarize(index, namespace),
        *_namespace_dns(index, namespace),
    )
    return tuple(sorted(results, key=lambda d: (-_rank(d), d.namespace, d.subject_kind, d.name)))


def _with_unreachable(index: Index, diagnoses: Sequence[Diagnosis]) -> list[Diagnosis]:
    """Services whose backends no NetworkPolicy rule lets any client reach."""
    context = netpaths.policy_context(index.snapshot)
    if context is None:
        return list(diagnoses)
    unreachable = netpaths.unreachable_services(
        context, index, [(d.namespace, d.name) for d in diagnoses]
    )
    found = []
    for diagnosis in diagnoses:
        finding = unreachable.get((diagnosis.namespace, diagnosis.name))
        if finding is not None:
            diagnosis = _with(diagnosis, findings=worst_first((*diagnosis.findings, finding)))
        found.append(diagnosis)
    return found


def _namespace_dns(index: Index, namespace: str | None) -> list[Diagnosis]:
    """One item per namespace whose egress policies block DNS for some of its pods."""
    context = netpaths.policy_context(index.snapshot)
    if context is None:
        return []
    scope = [namespace] if namespace is not None else sorted(index.pods_by_namespace)
    return [
        Diagnosis("Namespace", f.evidence[0][1], f.evidence[0][1], "NetworkPolicy", (f,))
        for f in netpaths.namespace_dns_findings(context, index, scope)
    ]


def _rank(diagnosis: Diagnosis) -> int:
    return max((int(f.severity) for f in diagnosis.findings), default=0)
