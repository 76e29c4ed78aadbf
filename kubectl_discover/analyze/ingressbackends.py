"""An Ingress backend followed to its endpoints: the Service it names, the port that
really resolves (number, name, the GKE and ExternalName cases), and the ready endpoints
behind that port, read from the EndpointSlices through analyze/slices.py (live) or
predicted from the pods the selector picks (offline). Pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.backends import (
    is_candidate,
    name_pods,
    pod_count,
    resolve_target_port,
    selected_pods,
)
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.ingressclasses import ClassResolution
from kubectl_discover.analyze.ingresspaths import IngressPath
from kubectl_discover.analyze.model import ChainLink
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.analyze.slices import observed_slices
from kubectl_discover.analyze.sliceview import SliceEndpoint
from kubectl_discover.analyze.validation import iana_name_problem
from kubectl_discover.findings import Finding, Severity, area_checks
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, annotations_of

NEG_ANNOTATION = "cloud.google.com/neg"
"""GKE's container-native load balancing (NEGs): Services then need no NodePort."""


_check = area_checks("ingress")


BACKEND_INVALID = _check(
    "ingress-backend-invalid",
    Severity.FAIL,
    "Ingress backend rejected by the API",
    "A backend sets exactly one of service and resource; service.port sets exactly one of "
    "number (1-65535) and name (an IANA service name, at most 15 characters).",
    "Set backend.service.name and exactly one of backend.service.port.number or .name.",
)

BACKEND_RESOURCE = _check(
    "ingress-backend-resource",
    Severity.INFO,
    "Ingress backend is a resource, not a Service",
    "A resource backend (e.g. a storage bucket) is interpreted by the controller alone; "
    "ingress-nginx ignores it. Its reachability cannot be checked from the objects.",
    "Nothing to do if the controller supports it; otherwise use a Service backend.",
)

SERVICE_MISSING = _check(
    "ingress-backend-service-missing",
    Severity.FAIL,
    "Ingress backend Service does not exist in the Ingress namespace",
    "Backends name a Service in the Ingress's own namespace; without it the controller has no "
    "upstream and answers 503 (ingress-nginx) or rejects the Ingress. A Service of that name "
    "in another namespace is not used.",
    "Create the Service in the Ingress namespace, fix backend.service.name, or (for a Service "
    "in another namespace) create an ExternalName Service pointing at its cluster DNS name.",
)

PORT_NUMBER_UNKNOWN = _check(
    "ingress-backend-port-number-unknown",
    Severity.FAIL,
    "Ingress backend port number is not a port of the Service",
    "backend.service.port.number refers to the Service's spec.ports[].port, not to the "
    "targetPort or containerPort. ingress-nginx also accepts a targetPort, other controllers "
    "(GCE, AWS, Traefik, ...) do not.",
    "Set backend.service.port.number to one of the Service's spec.ports[].port values.",
)

PORT_NAME_UNKNOWN = _check(
    "ingress-backend-port-name-unknown",
    Severity.FAIL,
    "Ingress backend port name matches no Service port name",
    "backend.service.port.name refers to the Service's spec.ports[].name, not to a "
    "container port name. ingress-nginx also accepts a named targetPort, other controllers "
    "do not.",
    "Set backend.service.port.name to one of the Service's spec.ports[].name values.",
)

NO_ENDPOINTS = _check(
    "ingress-backend-no-endpoints",
    Severity.FAIL,
    "Ingress backend Service has no ready endpoints",
    "The controller proxies to the ready endpoints of the Service port (ingress-nginx uses "
    "the EndpointSlice addresses, not the ClusterIP); with none, requests get 503.",
    "Make the Service's selector match ready pods that declare the targetPort (kubectl "
    "discover svc NAME shows why they are missing).",
)

ENDPOINTS_SKIPPED = _check(
    "ingress-backend-endpoints-skipped",
    Severity.INFO,
    "Ingress backend endpoints not checked",
    "EndpointSlices could not be read (RBAC), so the ready endpoints behind the backend "
    "are unknown.",
    "Grant 'list' on endpointslices.discovery.k8s.io.",
)

EXTERNAL_NAME = _check(
    "ingress-backend-external-name",
    Severity.WARN,
    "Ingress backend is an ExternalName Service",
    "The controller proxies to the external name (ingress-nginx resolves it itself; "
    "targetPort is ignored and the backend port number is used as is). The request keeps "
    "the Ingress Host header, so a virtual-hosted or HTTPS upstream usually answers 404 or "
    "fails the TLS name check.",
    "On ingress-nginx set nginx.ingress.kubernetes.io/upstream-vhost to the external host and, "
    "for HTTPS, backend-protocol: HTTPS (plus proxy-ssl-name/proxy-ssl-server-name: on).",
)

GCE_CLUSTER_IP = _check(
    "ingress-gce-clusterip-backend",
    Severity.FAIL,
    "GKE Ingress backend is a ClusterIP Service without NEG",
    "GKE's ingress-gce controller sends traffic to node ports or to network endpoint groups; "
    "a ClusterIP Service without the cloud.google.com/neg annotation fails translation "
    "('service is type ClusterIP, expected NodePort or LoadBalancer').",
    "Annotate the Service with cloud.google.com/neg: '{\"ingress\": true}' (container-native "
    "load balancing), or make it type NodePort.",
)

CHECKS = (
    BACKEND_INVALID,
    BACKEND_RESOURCE,
    SERVICE_MISSING,
    PORT_NUMBER_UNKNOWN,
    PORT_NAME_UNKNOWN,
    NO_ENDPOINTS,
    ENDPOINTS_SKIPPED,
    EXTERNAL_NAME,
    GCE_CLUSTER_IP,
)

# ---------------------------------------------------------------- backends


@dataclass(frozen=True)
class _Backend:
    service: str
    service_port: str
    target_port: str
    ready: int | None
    findings: tuple[Finding, ...]
    chain: tuple[ChainLink, ...]
    summary: str


def follow_backend(
    index: Index,
    ingress: Obj,
    namespace: str,
    subject: ObjectRef,
    path: IngressPath,
    resolution: ClassResolution,
    nginx: bool,
) -> _Backend:
    raw = path.backend
    service_ref = raw.get("service") or {}
    resource = raw.get("resource") or {}
    where = f"{path.field}.backend"
    problem = _backend_problem(raw)
    if problem:
        finding = BACKEND_INVALID(
            subject,
            f"{where} of {subject} {problem}, so the API server rejects the Ingress.",
            f"Set {where}.service.name and exactly one of {where}.service.port.number or "
            f"{where}.service.port.name.",
            evidence=[("field", where)],
        )
        return _Backend(
            str(service_ref.get("name") or ""), "", "", None, (finding,), (), finding.message
        )
    if resource:
        ref = f"{resource.get('apiGroup') or 'core'}/{resource.get('kind')}/{resource.get('name')}"
        finding = BACKEND_RESOURCE(
            subject,
            f"{where} of {subject} is resource {ref}, which only some controllers understand "
            "(ingress-nginx ignores it); its reachability is not checked.",
            "Nothing to do if the controller supports resource backends; otherwise use a "
            "Service backend.",
            evidence=[("resource", ref)],
        )
        link = ChainLink(f"resource {ref}", None, "controller-specific")
        return _Backend("", "", "", None, (finding,), (link,), f"resource backend {ref}")

    name = str(service_ref.get("name") or "")
    port_ref = service_ref.get("port") or {}
    number = port_ref.get("number")
    port_name = str(port_ref.get("name") or "")
    written = str(number) if number is not None else port_name
    service = index.service(namespace, name)
    if service is None:
        finding = _service_missing(index, namespace, subject, where, name)
        link = ChainLink(f"Service {namespace}/{name}", False, "does not exist")
        return _Backend(name, written, "", None, (finding,), (link,), finding.message)

    findings: list[Finding] = []
    if resolution.is_gce:
        findings.extend(_gce(index, service, namespace, subject, name))
    if service.type == "ExternalName":
        findings.append(_external_name(service, namespace, subject, name, written))
        target = service.external_name
        link = ChainLink(
            f"Service {namespace}/{name} (ExternalName)",
            None,
            f"proxied to {target}:{written}; no endpoints, targetPort ignored",
        )
        return _Backend(
            name, written, "", None, tuple(findings), (link,), f"ExternalName {target}:{written}"
        )

    port, port_findings = _resolve_port(
        service, namespace, subject, where, name, number, port_name, nginx
    )
    findings.extend(port_findings)
    if port is None:
        link = ChainLink(
            f"Service {namespace}/{name} port {written}",
            False,
            port_findings[0].message if port_findings else "no such port",
        )
        return _Backend(name, written, "", None, tuple(findings), (link,), findings[-1].message)

    endpoints = _live_endpoints if index.snapshot.live else _predicted_endpoints
    ready, endpoint_findings, children = endpoints(index, service, namespace, subject, name, port)
    findings.extend(endpoint_findings)
    target_text = "" if port.target is None else str(port.target)
    service_port = f"{port.name} ({port.port})" if port.name else str(port.port)
    ready_text = "unknown" if ready is None else str(ready)
    link = ChainLink(
        f"Service {namespace}/{name} port {service_port} -> targetPort {target_text}",
        None if ready is None else ready > 0,
        f"{ready_text} ready endpoints",
        children,
    )
    summary = f"{name}:{service_port} -> targetPort {target_text}, {ready_text} ready endpoints"
    return _Backend(name, service_port, target_text, ready, tuple(findings), (link,), summary)


def _backend_problem(raw: Mapping[str, Any]) -> str:
    service: Mapping[str, Any] = raw.get("service") or {}
    resource = raw.get("resource")
    if service and resource:
        return "sets both service and resource"
    if not service and not resource:
        return "sets neither service nor resource"
    if resource:
        return ""
    if not service.get("name"):
        return "has no service.name"
    port = service.get("port") or {}
    has_number = port.get("number") is not None
    has_name = bool(port.get("name"))
    if has_number and has_name:
        return "sets both port.number and port.name"
    if not has_number and not has_name:
        return "sets neither port.number nor port.name"
    if has_number:
        number = port.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
            return f"has port.number {number!r}, not an integer 1-65535"
        return ""
    problem = iana_name_problem(str(port.get("name")))
    return f"has port.name {port.get('name')!r}, which {problem}" if problem else ""


def _service_missing(
    index: Index, namespace: str, subject: ObjectRef, where: str, name: str
) -> Finding:
    elsewhere = [ns for ns in index.service_namespaces.get(name, ()) if ns != namespace]
    domain = index.snapshot.cluster_domain
    if elsewhere:
        other = elsewhere[0]
        also = (
            f"; found {other}/{name}, but an Ingress backend must be in the Ingress's own namespace"
        )
        hint = (
            f"Create in namespace {namespace} a Service {name} of type ExternalName with "
            f"externalName: {name}.{other}.svc.{domain} (or move {subject} to {other})."
        )
    else:
        also = ""
        hint = (
            f"Create Service {namespace}/{name}, or set {where}.service.name to an existing "
            f"Service in {namespace}."
        )
    live = index.snapshot.live
    # Offline, a Service absent from files that hold none of the namespace's Services may
    # simply be applied from elsewhere; files that do hold them make a typo likely.
    sure = live or bool(index.services_in(namespace))
    tail = (
        "which does not exist, so the controller answers 503"
        if live
        else f"which is not among the files read; it must exist in {namespace} when the "
        "Ingress is applied"
    )
    return SERVICE_MISSING(
        subject,
        f"{where} of {subject} names Service {namespace}/{name}, {tail}{also}.",
        hint,
        severity=Severity.FAIL if sure else Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("foundIn", ", ".join(elsewhere))],
    )


def _resolve_port(
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    where: str,
    name: str,
    number: Any,
    port_name: str,
    nginx: bool,
) -> tuple[ServicePort | None, list[Finding]]:
    ports = service.ports
    listing = ", ".join(p.label for p in ports) or "none"
    if number is not None:
        match = next((p for p in ports if p.port == number), None)
        if match is not None:
            return match, []
        by_target = next((p for p in ports if str(p.target) == str(number)), None)
        check, field, value = PORT_NUMBER_UNKNOWN, "port.number", str(number)
    else:
        match = next((p for p in ports if p.name == port_name), None)
        if match is not None:
            return match, []
        by_target = next((p for p in ports if str(p.target) == port_name), None)
        check, field, value = PORT_NAME_UNKNOWN, "port.name", port_name
    if by_target is not None:
        fix_value = str(by_target.port) if number is not None else by_target.name or by_target.port
        tolerance = (
            "ingress-nginx tolerates this (it also matches targetPort), other controllers "
            "(GCE, AWS, Traefik, ...) reject it"
            if nginx
            else "this controller needs the Service port (only ingress-nginx also matches "
            "targetPort)"
        )
        message = (
            f"{where} of {subject} uses {field} {value}, which is the targetPort of Service "
            f"port {by_target.label}, not a Service port; {tolerance}."
        )
        hint_field = "number" if number is not None else ("name" if by_target.name else "number")
        finding = check(
            subject,
            message,
            f"Set {where}.service.port.{hint_field}: {fix_value} on {subject}.",
            severity=Severity.WARN if nginx else Severity.FAIL,
            evidence=[(field, value), ("servicePorts", listing)],
        )
        return (by_target if nginx else None), [finding]
    finding = check(
        subject,
        f"{where} of {subject} uses {field} {value}, but Service {namespace}/{name} has ports "
        f"{listing}, so the controller has no upstream (503).",
        f"Set {where}.service.port.{'number' if number is not None else 'name'} to one of: "
        + (
            ", ".join(str(p.port) for p in ports)
            if number is not None
            else ", ".join(p.name for p in ports if p.name) or "(the Service ports are unnamed)"
        )
        + ".",
        evidence=[(field, value), ("servicePorts", listing)],
    )
    return None, [finding]


def _gce(
    index: Index, service: ServiceView, namespace: str, subject: ObjectRef, name: str
) -> Iterator[Finding]:
    if service.type != "ClusterIP":
        return
    raw = annotations_of(service.raw).get(NEG_ANNOTATION, "")
    try:
        neg = json.loads(raw) if raw else {}
    except ValueError:
        neg = {}
    if isinstance(neg, dict) and neg.get("ingress") is True:
        return
    live = index.snapshot.live
    yield GCE_CLUSTER_IP(
        subject,
        f"{subject} is served by GKE's ingress-gce, and backend Service {namespace}/{name} is "
        f"ClusterIP without {NEG_ANNOTATION} '{{\"ingress\": true}}', so translation fails "
        "(expected NodePort or LoadBalancer)"
        + ("" if live else "; GKE adds the annotation itself on VPC-native clusters, check there")
        + ".",
        f"Annotate Service {namespace}/{name} with {NEG_ANNOTATION}: '{{\"ingress\": true}}', "
        "or set its spec.type: NodePort.",
        severity=Severity.FAIL if live else Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("type", "ClusterIP")],
    )


def _external_name(
    service: ServiceView, namespace: str, subject: ObjectRef, name: str, port: str
) -> Finding:
    target = service.external_name
    return EXTERNAL_NAME(
        subject,
        f"Backend Service {namespace}/{name} is ExternalName {target}: the controller proxies to "
        f"{target}:{port} with the Ingress's Host header (targetPort is ignored), so a "
        "virtual-hosted or HTTPS upstream will likely answer 404 or fail TLS.",
        f"On {subject} set nginx.ingress.kubernetes.io/upstream-vhost: {target} and, if the "
        "upstream is HTTPS, nginx.ingress.kubernetes.io/backend-protocol: HTTPS.",
        evidence=[("externalName", target), ("port", port)],
    )


# ---------------------------------------------------------------- endpoints


def _live_endpoints(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    name: str,
    port: ServicePort,
) -> tuple[int | None, list[Finding], tuple[ChainLink, ...]]:
    gap = index.snapshot.unavailable_for("endpointslices")
    if gap is not None:
        finding = ENDPOINTS_SKIPPED(
            subject,
            f"Ready endpoints of Service {namespace}/{name} not checked: {gap.describe()}.",
            f"Grant '{gap.verb}' on endpointslices.discovery.k8s.io in {namespace}.",
            evidence=[("verb", gap.verb), ("resource", gap.resource)],
        )
        return None, [finding], (ChainLink("EndpointSlices", None, gap.describe()),)
    ready_keys: set[tuple[str, ...]] = set()
    all_keys: set[tuple[str, ...]] = set()
    links: list[ChainLink] = []
    for view in observed_slices(index, namespace, name):
        if view.port_named(port.name, port.protocol) is None:
            continue
        endpoints = view.endpoints
        slice_ready = sum(1 for e in endpoints if e.ready)
        # A dual-stack pod appears in one slice per family: count it once.
        all_keys.update(_endpoint_key(e) for e in endpoints)
        ready_keys.update(_endpoint_key(e) for e in endpoints if e.ready)
        pods = tuple(
            ChainLink(_endpoint_label(e), e.ready, "ready" if e.ready else "not ready")
            for e in endpoints
        )
        links.append(
            ChainLink(
                f"EndpointSlice {view.name}",
                slice_ready > 0,
                f"{slice_ready}/{len(endpoints)} ready for port {port.name or port.port}",
                pods,
            )
        )
    ready, total = len(ready_keys), len(all_keys)
    if ready:
        return ready, [], tuple(links)
    if total:
        why = f"all {total} endpoints for port {port.label} are not ready"
    else:
        selected = selected_pods(index, service, namespace)
        selector = service.selector
        if not selector:
            why = "it has no selector and no EndpointSlice carries the port"
        elif not selected:
            shown = ", ".join(f"{k}={v}" for k, v in selector.items())
            why = f"its selector {shown} matches no pod"
        else:
            why = f"no EndpointSlice carries port {port.label} for its {len(selected)} pods"
    finding = NO_ENDPOINTS(
        subject,
        f"Backend Service {namespace}/{name} has no ready endpoint for port {port.label}: "
        f"{why}, so requests get 503.",
        f"Run kubectl discover svc {name} -n {namespace} to see why its pods are missing or "
        "not ready.",
        evidence=[
            ("service", f"{namespace}/{name}"),
            ("port", port.label),
            ("endpoints", str(total)),
        ],
    )
    return 0, [finding], tuple(links) or (ChainLink("EndpointSlices", False, why),)


def _endpoint_key(endpoint: SliceEndpoint) -> tuple[str, ...]:
    """One key per pod (a dual-stack pod is in one slice per family), else per address."""
    return ("pod", endpoint.pod) if endpoint.pod else ("addresses", *endpoint.addresses)


def _endpoint_label(endpoint: SliceEndpoint) -> str:
    addresses = ", ".join(endpoint.addresses)
    if endpoint.pod:
        return f"pod/{endpoint.pod} {addresses}".rstrip()
    return addresses or "endpoint"


def _predicted_endpoints(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    name: str,
    port: ServicePort,
) -> tuple[int | None, list[Finding], tuple[ChainLink, ...]]:
    selector = service.selector
    if not selector:
        return None, [], (ChainLink("EndpointSlices", None, "selectorless Service (manual)"),)
    pods = [p for p in selected_pods(index, service, namespace) if is_candidate(p)]
    serving = [p for p in pods if resolve_target_port(port, p) is not None]
    links = tuple(
        ChainLink(
            f"{p.owner_kind} {p.owner_name}" if p.from_template else p.ref,
            None,
            f"{p.replicas} pod(s) predicted, container port {resolve_target_port(port, p)}"
            if p in serving
            else f"does not declare port {port.target!r} ({port.protocol})",
        )
        for p in pods
    )
    if serving:
        return pod_count(serving), [], links
    shown = ", ".join(f"{k}={v}" for k, v in selector.items())
    why = (
        f"its selector {shown} matches no workload or pod in the files"
        if not pods
        else f"{name_pods(pods)} declare no container port {port.target!r}/{port.protocol}"
    )
    finding = NO_ENDPOINTS(
        subject,
        f"Backend Service {namespace}/{name} would have no endpoint for port {port.label}: "
        f"{why}, so requests would get 503.",
        f"Run kubectl discover svc {name} -n {namespace} on the same files to see the "
        "selector and port walk.",
        severity=Severity.WARN,
        evidence=[("service", f"{namespace}/{name}"), ("port", port.label)],
    )
    return 0, [finding], links or (ChainLink("pods", False, why),)
