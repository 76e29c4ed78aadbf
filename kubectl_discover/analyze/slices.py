"""EndpointSlices of a Service: read from the cluster, or predicted from pod views.

Live, the slices the controller wrote are the truth kube-proxy and CoreDNS act on,
so they are parsed as they are and compared with what the pods say they should be
(controller lag, stale ports, address families). Offline, the controller's rules
(the EndpointSlice controller) are replayed over the pod views, so that headless DNS
answers and per-pod names can be predicted before anything is applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from kubectl_discover.analyze.backends import is_candidate, name_pods, resolve_target_port
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import PodView
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.sliceview import (
    SliceEndpoint,
    SlicePort,
    SliceView,
)
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef

SLICES_MISSING = Check(
    "slices-missing",
    Severity.WARN,
    "Pods match but no EndpointSlice exists",
    "The selector matches pods with IPs, yet the controller has written no EndpointSlice: the "
    "controller is lagging, not running, or cannot write (quota, RBAC).",
    "Check kube-controller-manager (endpointslice controller) logs and the Service's events.",
)
SLICE_PORTS_STALE = Check(
    "slice-ports-stale",
    Severity.WARN,
    "EndpointSlice ports do not match the Service ports",
    "The slices carry port names the Service no longer has (or lack ones it has): they are "
    "stale, hand-written with the wrong names, or the pods lack the named targetPort.",
    "Make EndpointSlice ports[].name equal to the Service's spec.ports[].name.",
)
SLICE_FAMILY_MISMATCH = Check(
    "slice-family-mismatch",
    Severity.WARN,
    "EndpointSlice address family differs from the Service's ipFamilies",
    "Slices carry one addressType each; consumers only use the families the Service has. "
    "Pods without an address of the Service's family get no endpoint at all.",
    "Align spec.ipFamilies with the pods' addresses (status.podIPs), or fix the slice addressType.",
)
SLICE_ENDPOINTS = Check(
    "slice-endpoints",
    Severity.INFO,
    "Endpoints per port",
    "What the EndpointSlices publish for each Service port: ready, serving-but-not-ready and "
    "terminating endpoints.",
    "Nothing to do.",
)
SLICES_UNREADABLE = Check(
    "slices-unreadable",
    Severity.INFO,
    "EndpointSlices could not be read",
    "The loader could not list EndpointSlices, so endpoint checks were skipped.",
    "Grant list on discovery.k8s.io/endpointslices (see deploy/rbac.yaml).",
)

CHECKS = (
    SLICES_MISSING,
    SLICE_PORTS_STALE,
    SLICE_FAMILY_MISMATCH,
    SLICE_ENDPOINTS,
    SLICES_UNREADABLE,
)


def observed_slices(index: Index, namespace: str, name: str) -> tuple[SliceView, ...]:
    """The slices the controller wrote for Service ``namespace/name``, parsed once by the index."""
    return index.slice_views_for(namespace, name)


# ---------------------------------------------------------------- predicting


def _family(address: str) -> str:
    return "IPv6" if ":" in address else "IPv4"


def _node_missing(index: Index, pod: PodView) -> bool:
    if not index.snapshot.nodes or index.snapshot.unavailable_for("nodes"):
        return False
    return bool(pod.node) and pod.node not in index.nodes


def included(index: Index, service: ServiceView, pod: PodView) -> bool:
    """Whether the controller would write an endpoint for ``pod`` at all."""
    if not is_candidate(pod):
        return False
    if pod.from_template or pod.ready is None:
        return True  # a pod to be: assume it will get an IP and a node
    if not pod.ip:
        return False
    return service.publish_not_ready or not _node_missing(index, pod)


def endpoint_for(service: ServiceView, pod: PodView, family: str) -> SliceEndpoint:
    """The endpoint the EndpointSlice controller writes for ``pod``, with its conditions."""
    pnra = service.publish_not_ready
    known = not pod.from_template and pod.ready is not None
    serving = bool(pod.ready) if known else None
    if pnra:
        ready: bool | None = True
    elif known:
        ready = bool(pod.ready) and not pod.terminating
    else:
        ready = None
    hostname = pod.hostname if pod.hostname and pod.subdomain == service.name else ""
    return SliceEndpoint(
        addresses=tuple(
            ip for ip in pod.ips or ((pod.ip,) if pod.ip else ()) if _family(ip) == family
        ),
        ready=ready,
        serving=serving,
        terminating=pod.terminating,
        hostname=hostname,
        node=pod.node or "",
        pod=pod.name,
    )


def predicted_slices(
    index: Index, service: ServiceView, pods: Sequence[PodView]
) -> tuple[SliceView, ...]:
    """The slices the controller would write: one per (family, resolved port set)."""
    ports = service.ports
    groups: dict[tuple[str, tuple[SlicePort, ...]], list[SliceEndpoint]] = defaultdict(list)
    for family in service.ip_families:
        for pod in pods:
            if not included(index, service, pod):
                continue
            endpoint = endpoint_for(service, pod, family)
            known_ip = not pod.from_template and pod.ready is not None
            if known_ip and not endpoint.addresses:
                continue  # no address of this family
            resolved = tuple(
                SlicePort(p.name, number, p.protocol)
                for p in ports
                if (number := resolve_target_port(p, pod)) is not None
            )
            groups[(family, resolved)].append(endpoint)
    return tuple(
        SliceView(
            name=f"{service.name}-predicted-{i}",
            address_type=family,
            ports=port_set,
            endpoints=tuple(endpoints),
            predicted=True,
        )
        for i, ((family, port_set), endpoints) in enumerate(groups.items())
    )


def service_slices(
    index: Index, service: ServiceView, namespace: str, pods: Sequence[PodView]
) -> tuple[SliceView, ...]:
    """The slices the analysis should reason with.

    Selectorless Services: whatever slices exist (hand-written, in files too).
    Live: the controller's slices. Offline with a selector: the predicted ones.
    """
    if service.type == "ExternalName":
        return ()
    if not service.selector or index.snapshot.live:
        return observed_slices(index, namespace, service.name)
    return predicted_slices(index, service, pods)


# ---------------------------------------------------------------- queries


def endpoints_for_port(
    slices: Iterable[SliceView], port: ServicePort
) -> tuple[tuple[SliceEndpoint, SlicePort], ...]:
    """Every endpoint that has ``port`` (matched by Service port name and protocol)."""
    found: list[tuple[SliceEndpoint, SlicePort]] = []
    for view in slices:
        slice_port = view.port_named(port.name, port.protocol)
        if slice_port is None:
            continue
        found.extend((endpoint, slice_port) for endpoint in view.endpoints)
    return tuple(found)


def ready_endpoints(slices: Iterable[SliceView]) -> tuple[SliceEndpoint, ...]:
    """Ready endpoints of all slices, deduplicated by pod/addresses (DNS A answers)."""
    seen: dict[tuple[str, tuple[str, ...]], SliceEndpoint] = {}
    for view in slices:
        for endpoint in view.endpoints:
            if endpoint.ready:
                seen.setdefault((endpoint.pod, endpoint.addresses), endpoint)
    return tuple(seen.values())


def readiness_known(slices: Iterable[SliceView]) -> bool:
    return all(e.ready is not None for view in slices for e in view.endpoints)


# ---------------------------------------------------------------- findings


def slice_findings(
    index: Index,
    service: ServiceView,
    namespace: str,
    pods: Sequence[PodView],
    slices: Sequence[SliceView],
) -> tuple[Finding, ...]:
    subject = service.subject
    if service.type == "ExternalName":
        return ()
    gap = index.snapshot.unavailable_for("endpointslices")
    if gap is not None:
        return (
            SLICES_UNREADABLE(
                subject,
                f"EndpointSlice checks for {subject} were skipped: {gap.describe()}.",
                evidence=(("missing", f"{gap.verb} {gap.resource}"),),
            ),
        )
    findings: list[Finding] = []
    if index.snapshot.live and service.selector:
        findings.extend(_missing(index, service, subject, pods, slices))
    findings.extend(_stale_ports(service, subject, slices))
    findings.extend(_families(service, subject, pods, slices))
    findings.extend(_summary(service, subject, slices))
    return tuple(findings)


def _missing(
    index: Index,
    service: ServiceView,
    subject: ObjectRef,
    pods: Sequence[PodView],
    slices: Sequence[SliceView],
) -> Iterator[Finding]:
    if slices:
        return
    expected = [p for p in pods if included(index, service, p)]
    if not expected:
        return
    yield SLICES_MISSING(
        subject,
        f"{len(expected)} pod(s) with IPs match {subject} ({name_pods(expected)}) but no "
        f"EndpointSlice labelled kubernetes.io/service-name={service.name} exists: the "
        "endpointslice controller has not (yet) written one.",
        "check `kubectl get events -n "
        f"{expected[0].namespace} --field-selector involvedObject.name={service.name}` and "
        "the kube-controller-manager logs for the endpointslice controller",
        evidence=(("matching pods", str(len(expected))), ("slices", "0")),
    )


def _stale_ports(
    service: ServiceView, subject: ObjectRef, slices: Sequence[SliceView]
) -> Iterator[Finding]:
    if not slices:
        return
    wanted = {(p.name, p.protocol) for p in service.ports}
    seen = {(p.name, p.protocol) for view in slices for p in view.ports}
    extra = sorted(seen - wanted)
    if not extra:
        return
    names = ", ".join(f"{n or '<unnamed>'}/{proto}" for n, proto in extra)
    have = ", ".join(f"{n or '<unnamed>'}/{proto}" for n, proto in sorted(wanted)) or "none"
    offenders = sorted(
        view.name for view in slices if {(p.name, p.protocol) for p in view.ports} - wanted
    )
    yield SLICE_PORTS_STALE(
        subject,
        f"EndpointSlice(s) {', '.join(offenders)} of {subject} carry port(s) {names} that the "
        f"Service does not have (it has {have}); consumers match slice ports to Service ports by "
        "name, so those endpoints are ignored for traffic.",
        f"set ports[].name of EndpointSlice {offenders[0]} to the Service's port names ({have})",
        evidence=(("slice ports", names), ("service ports", have)),
    )


def _families(
    service: ServiceView, subject: ObjectRef, pods: Sequence[PodView], slices: Sequence[SliceView]
) -> Iterator[Finding]:
    families = service.ip_families
    wrong = sorted({v.address_type for v in slices if v.address_type not in families} - {"FQDN"})
    if wrong:
        yield SLICE_FAMILY_MISMATCH(
            subject,
            f"EndpointSlice(s) of {subject} have addressType {', '.join(wrong)} but the Service's "
            f"ipFamilies are {', '.join(families)}, so kube-proxy and DNS ignore those addresses.",
            f"create the EndpointSlice with addressType {families[0]} (or add {wrong[0]} to "
            f"spec.ipFamilies of {subject} with ipFamilyPolicy PreferDualStack)",
            evidence=(("addressType", ", ".join(wrong)), ("ipFamilies", ", ".join(families))),
        )
    live = [p for p in pods if is_candidate(p) and p.ips]
    lacking = [p for p in live if not any(_family(ip) in families for ip in p.ips)]
    if lacking:
        have = sorted({_family(ip) for p in lacking for ip in p.ips})
        yield SLICE_FAMILY_MISMATCH(
            subject,
            f"pods {name_pods(lacking)} have only {', '.join(have)} addresses but {subject} "
            f"has ipFamilies {', '.join(families)}, so they get no endpoint at all.",
            f"set spec.ipFamilies of {subject} to [{have[0]}] (recreate the Service: families of "
            "a single-stack Service cannot be swapped in place)",
            evidence=(("pod families", ", ".join(have)), ("ipFamilies", ", ".join(families))),
        )


def _summary(
    service: ServiceView, subject: ObjectRef, slices: Sequence[SliceView]
) -> Iterator[Finding]:
    if not slices or not readiness_known(slices):
        return
    parts = []
    for port in service.ports or ():
        endpoints = endpoints_for_port(slices, port)
        ready = sum(1 for e, _ in endpoints if e.ready)
        serving = sum(1 for e, _ in endpoints if not e.ready and e.serving)
        terminating = sum(1 for e, _ in endpoints if e.terminating)
        parts.append(
            f"{port.label}: {ready} ready, {serving} serving but not ready, "
            f"{terminating} terminating"
        )
    if not service.ports:
        count = len(ready_endpoints(slices))
        parts.append(f"no ports: {count} ready address(es)")
    yield SLICE_ENDPOINTS(
        subject,
        f"EndpointSlices of {subject}: " + "; ".join(parts) + ".",
        evidence=tuple(("slice", f"{v.name} ({v.address_type})") for v in slices),
    )
