"""How the API server reads a Service spec, and whether it would accept it at all.

The typed view every Service module shares is analyze/serviceview.py;
:func:`validate_service` judges the spec the way ``ValidateService`` does
(kube-apiserver's ValidateService): a manifest the API would reject is a FAIL that says why
in the API's own terms, because nothing else in the diagnosis matters until it
can be created.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence

from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_ip,
)

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PROTOCOLS = ("TCP", "UDP", "SCTP")
TRAFFIC_POLICIES = ("Cluster", "Local")

_IANA_NAME = re.compile(r"^[-a-z0-9]+$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

# ---------------------------------------------------------------- catalogue

SERVICE_NAME_INVALID = Check(
    "service-name-invalid",
    Severity.FAIL,
    "Service name is not a DNS-1035 label",
    "The API server rejects a Service whose name is not a DNS-1035 label (lowercase letters, "
    "digits and '-', starting with a letter, at most 63 characters), because the name becomes "
    "a DNS label.",
    "Rename the Service to a DNS-1035 label, e.g. 'web-api'.",
)
SERVICE_TYPE_INVALID = Check(
    "service-type-invalid",
    Severity.FAIL,
    "Unsupported Service type",
    "spec.type must be ClusterIP, NodePort, LoadBalancer or ExternalName.",
    "Set spec.type to one of ClusterIP, NodePort, LoadBalancer, ExternalName.",
)
SERVICE_CLUSTER_IP_INVALID = Check(
    "service-cluster-ip-invalid",
    Severity.FAIL,
    "clusterIP/clusterIPs rejected by the API",
    "clusterIP must be an IP or 'None'; 'None' (headless) is allowed only for type ClusterIP "
    "and must be the only value; ExternalName Services may not set clusterIP(s), ipFamilies "
    "or ipFamilyPolicy.",
    "Remove spec.clusterIP/clusterIPs or set them to a valid value for the Service type.",
)
SERVICE_PORTS_REQUIRED = Check(
    "service-ports-required",
    Severity.FAIL,
    "Service has no ports",
    "spec.ports is required unless the Service is headless or ExternalName.",
    "Add at least one entry to spec.ports.",
)
SERVICE_PORT_INVALID = Check(
    "service-port-invalid",
    Severity.FAIL,
    "Service port number or protocol rejected by the API",
    "Every spec.ports[].port must be 1-65535 and protocol TCP, UDP or SCTP.",
    "Fix spec.ports[].port and spec.ports[].protocol.",
)
SERVICE_PORT_NAME_INVALID = Check(
    "service-port-name-invalid",
    Severity.FAIL,
    "Service port names missing, invalid or duplicated",
    "With more than one port every port needs a name; names must be unique DNS-1123 labels. "
    "The name also becomes the SRV label _<name>._<proto>.",
    "Give every spec.ports[] entry a unique lowercase name such as 'http'.",
)
SERVICE_PORT_DUPLICATE = Check(
    "service-port-duplicate",
    Severity.FAIL,
    "Duplicate (port, protocol) in a Service",
    "Two entries of spec.ports with the same port and protocol are rejected by the API.",
    "Remove the duplicate entry or change its port or protocol.",
)
SERVICE_TARGET_PORT_INVALID = Check(
    "service-target-port-invalid",
    Severity.FAIL,
    "targetPort rejected by the API",
    "targetPort must be a number 1-65535 or an IANA service name: at most 15 characters, "
    "lowercase letters, digits and '-', with at least one letter. A quoted number such as "
    '"8080" is a string and therefore an invalid name.',
    "Set spec.ports[].targetPort to a number or to the name of a containerPort.",
)
SERVICE_NODE_PORT_FORBIDDEN = Check(
    "service-node-port-forbidden",
    Severity.FAIL,
    "nodePort on a ClusterIP Service",
    "spec.ports[].nodePort may only be set for NodePort and LoadBalancer Services.",
    "Remove spec.ports[].nodePort, or change spec.type to NodePort.",
)
SERVICE_EXTERNAL_NAME_INVALID = Check(
    "service-external-name-invalid",
    Severity.FAIL,
    "externalName missing or not a DNS name",
    "An ExternalName Service needs spec.externalName, a DNS-1123 subdomain (one trailing dot "
    "allowed). IPv6 literals are rejected because ':' is not allowed in DNS names.",
    "Set spec.externalName to a host name such as 'db.example.com'.",
    area="dns",
)
SERVICE_LB_FIELD_FORBIDDEN = Check(
    "service-lb-field-forbidden",
    Severity.FAIL,
    "LoadBalancer-only field on another Service type",
    "loadBalancerSourceRanges, loadBalancerClass and allocateLoadBalancerNodePorts are allowed "
    "only on type LoadBalancer; healthCheckNodePort only on LoadBalancer with "
    "externalTrafficPolicy Local.",
    "Remove the field, or change spec.type to LoadBalancer.",
)
SERVICE_TRAFFIC_POLICY_INVALID = Check(
    "service-traffic-policy-invalid",
    Severity.FAIL,
    "Traffic policy rejected by the API",
    "externalTrafficPolicy may only be set on externally reachable Services (NodePort, "
    "LoadBalancer, or ClusterIP with externalIPs); both traffic policies must be Cluster or "
    "Local.",
    "Remove spec.externalTrafficPolicy, or set it to Cluster or Local on a NodePort/LB Service.",
)
SERVICE_SELECTOR_INVALID = Check(
    "service-selector-invalid",
    Severity.FAIL,
    "Selector is not valid label syntax",
    "Selector keys are an optional DNS subdomain prefix plus a name of at most 63 characters "
    "(alphanumerics, '-', '_', '.'), values at most 63 such characters.",
    "Fix the key or value in spec.selector.",
)
SERVICE_EXTERNAL_IP_INVALID = Check(
    "service-external-ip-invalid",
    Severity.FAIL,
    "externalIPs entry rejected by the API",
    "spec.externalIPs entries must be valid IP addresses that are not unspecified, loopback, "
    "link-local or multicast.",
    "Remove or correct the spec.externalIPs entry.",
)

CHECKS = (
    SERVICE_NAME_INVALID,
    SERVICE_TYPE_INVALID,
    SERVICE_CLUSTER_IP_INVALID,
    SERVICE_PORTS_REQUIRED,
    SERVICE_PORT_INVALID,
    SERVICE_PORT_NAME_INVALID,
    SERVICE_PORT_DUPLICATE,
    SERVICE_TARGET_PORT_INVALID,
    SERVICE_NODE_PORT_FORBIDDEN,
    SERVICE_EXTERNAL_NAME_INVALID,
    SERVICE_LB_FIELD_FORBIDDEN,
    SERVICE_TRAFFIC_POLICY_INVALID,
    SERVICE_SELECTOR_INVALID,
    SERVICE_EXTERNAL_IP_INVALID,
)

# ---------------------------------------------------------------- syntax helpers


def iana_name_problem(name: str) -> str:
    """Why ``name`` is not an IANA service name, or "" when it is one."""
    if len(name) > 15:
        return "is longer than 15 characters"
    if not _IANA_NAME.match(name):
        return "may contain only lowercase letters, digits and '-'"
    if not any(c.isalpha() for c in name):
        return "must contain at least one letter"
    if name.startswith("-") or name.endswith("-") or "--" in name:
        return "may not begin or end with '-' or contain '--'"
    return ""


def label_key_problem(key: str) -> str:
    """Why ``key`` is not a valid label key, or "" when it is one."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and not is_dns1123_subdomain(prefix):
        return f"prefix {prefix!r} is not a DNS-1123 subdomain"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return "name part must be 1-63 alphanumerics, '-', '_' or '.', alphanumeric at both ends"
    return ""


def label_value_problem(value: str) -> str:
    if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
        return "must be empty or 1-63 alphanumerics, '-', '_' or '.', alphanumeric at both ends"
    return ""


# ---------------------------------------------------------------- validation


def validate_service(service: ServiceView) -> tuple[Finding, ...]:
    """Everything the API server would reject in this Service, one finding per problem."""
    subject = service.subject
    return tuple(finding for rule in _RULES for finding in rule(service, subject))


def _name(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    name = service.name
    if not is_dns1035_label(name):
        yield SERVICE_NAME_INVALID(
            subject,
            f"metadata.name {name!r} is not a DNS-1035 label (lowercase alphanumerics and '-', "
            "starting with a letter, at most 63 characters), so the API rejects the Service.",
            f"rename the Service: Service names become DNS labels, e.g. {_suggest_label(name)!r}",
            evidence=(("metadata.name", name),),
        )


def _suggest_label(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "svc-" + cleaned
    return cleaned[:63].rstrip("-")


def _type(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    kind = service.type
    if kind not in SERVICE_TYPES:
        yield SERVICE_TYPE_INVALID(
            subject,
            f"spec.type {kind!r} is not a supported value, so the API rejects the Service.",
            "set spec.type to one of " + ", ".join(SERVICE_TYPES),
            evidence=(("spec.type", kind),),
        )


def _cluster_ip(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    spec = service.spec
    kind = service.type
    ips = service.raw_cluster_ips
    if kind == "ExternalName":
        present = [
            f for f in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy") if spec.get(f)
        ]
        if present:
            yield SERVICE_CLUSTER_IP_INVALID(
                subject,
                f"spec.{present[0]} may not be set for ExternalName Services: they get a CNAME, "
                "never a virtual IP.",
                "remove " + ", ".join(f"spec.{f}" for f in present),
                evidence=tuple((f"spec.{f}", str(spec.get(f))) for f in present),
            )
        return
    if "None" in ips:
        if len(ips) > 1:
            yield SERVICE_CLUSTER_IP_INVALID(
                subject,
                f"spec.clusterIPs {list(ips)} mixes 'None' with addresses; 'None' must be the "
                "only value.",
                "set spec.clusterIPs to [\"None\"] for a headless Service, or drop 'None'",
                evidence=(("spec.clusterIPs", ",".join(ips)),),
            )
        elif kind in ("NodePort", "LoadBalancer"):
            yield SERVICE_CLUSTER_IP_INVALID(
                subject,
                f"spec.clusterIP 'None' (headless) is rejected for type {kind}: node ports "
                "and load balancers forward to a virtual IP, which a headless Service lacks.",
                "remove spec.clusterIP, or make it a separate headless Service of type ClusterIP",
                evidence=(("spec.type", kind), ("spec.clusterIP", "None")),
            )
    for ip in ips:
        if ip != "None" and not is_ip(ip):
            yield SERVICE_CLUSTER_IP_INVALID(
                subject,
                f"spec.clusterIP(s) value {ip!r} is neither a valid IP address nor 'None'.",
                "remove spec.clusterIP to let the API allocate one, or write a valid IP",
                evidence=(("spec.clusterIP", ip),),
            )
    single = spec.get("clusterIP")
    listed = [str(v) for v in spec.get("clusterIPs") or ()]
    if single and listed and str(single) != listed[0]:
        yield SERVICE_CLUSTER_IP_INVALID(
            subject,
            f"spec.clusterIP {single!r} differs from spec.clusterIPs[0] {listed[0]!r}; the API "
            "requires them to be equal.",
            f"set spec.clusterIP to {listed[0]!r} or remove it",
            evidence=(("spec.clusterIP", str(single)), ("spec.clusterIPs", ",".join(listed))),
        )


def _ports(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    kind = service.type
    ports = service.ports
    if not ports and kind != "ExternalName" and not service.headless:
        yield SERVICE_PORTS_REQUIRED(
            subject,
            f"spec.ports is empty on a {kind} Service; the API requires at least one port unless "
            "the Service is headless or ExternalName.",
            "add a spec.ports entry such as {port: 80, targetPort: 8080}",
        )
    yield from _port_numbers(ports, subject)
    yield from _port_names(ports, subject)
    yield from _duplicates(ports, subject)
    yield from _target_ports(ports, subject)
    if kind == "ClusterIP":
        for port in ports:
            if port.node_port is not None:
                yield SERVICE_NODE_PORT_FORBIDDEN(
                    subject,
                    f"{port.field}.nodePort {port.node_port} is set on a ClusterIP Service; the "
                    "API allows nodePort only for NodePort and LoadBalancer Services.",
                    f"remove {port.field}.nodePort, or set spec.type to NodePort",
                    evidence=((f"{port.field}.nodePort", str(port.node_port)),),
                )


def _port_numbers(ports: Sequence[ServicePort], subject: ObjectRef) -> Iterator[Finding]:
    for port in ports:
        if port.port is None or not 1 <= port.port <= 65535:
            yield SERVICE_PORT_INVALID(
                subject,
                f"{port.field}.port must be a number between 1 and 65535, got {port.port!r}.",
                f"set {port.field}.port to the port clients dial, e.g. 80",
                evidence=((f"{port.field}.port", str(port.port)),),
            )
        if port.protocol not in PROTOCOLS:
            yield SERVICE_PORT_INVALID(
                subject,
                f"{port.field}.protocol {port.protocol!r} is not TCP, UDP or SCTP (it is "
                "case-sensitive).",
                f"set {port.field}.protocol to {_protocol_fix(port.protocol)!r}",
                evidence=((f"{port.field}.protocol", port.protocol),),
            )


def _protocol_fix(protocol: str) -> str:
    return protocol.upper() if protocol.upper() in PROTOCOLS else "TCP"


def _port_names(ports: Sequence[ServicePort], subject: ObjectRef) -> Iterator[Finding]:
    seen: set[str] = set()
    for port in ports:
        if not port.name:
            if len(ports) > 1:
                yield SERVICE_PORT_NAME_INVALID(
                    subject,
                    f"{port.field} ({port.label}) has no name; with more than one port the API "
                    "requires every port to be named.",
                    f"set {port.field}.name, e.g. {_default_port_name(port)!r}",
                    evidence=((f"{port.field}.name", ""),),
                )
            continue
        if not is_dns1123_label(port.name):
            yield SERVICE_PORT_NAME_INVALID(
                subject,
                f"{port.field}.name {port.name!r} is not a DNS-1123 label (lowercase "
                "alphanumerics and '-', at most 63 characters).",
                f"rename {port.field}.name to {_suggest_label(port.name)!r}",
                evidence=((f"{port.field}.name", port.name),),
            )
        if port.name in seen:
            yield SERVICE_PORT_NAME_INVALID(
                subject,
                f"{port.field}.name {port.name!r} is used by another port; port names must be "
                "unique.",
                f"give {port.field} a different name",
                evidence=((f"{port.field}.name", port.name),),
            )
        seen.add(port.name)


def _default_port_name(port: ServicePort) -> str:
    return {80: "http", 443: "https", 53: "dns"}.get(port.port or 0, f"port-{port.port}")


def _duplicates(ports: Sequence[ServicePort], subject: ObjectRef) -> Iterator[Finding]:
    seen: dict[tuple[int | None, str], ServicePort] = {}
    for port in ports:
        key = (port.port, port.protocol)
        if key in seen:
            yield SERVICE_PORT_DUPLICATE(
                subject,
                f"{port.field} repeats port {port.port}/{port.protocol} of {seen[key].field}; "
                "(port, protocol) pairs must be unique.",
                f"remove {port.field} or change its port or protocol",
                evidence=(("port", f"{port.port}/{port.protocol}"),),
            )
        else:
            seen[key] = port


def _target_ports(ports: Sequence[ServicePort], subject: ObjectRef) -> Iterator[Finding]:
    for port in ports:
        target = port.target
        if isinstance(target, int):
            if not 1 <= target <= 65535:
                yield SERVICE_TARGET_PORT_INVALID(
                    subject,
                    f"{port.field}.targetPort {target} is outside 1-65535.",
                    f"set {port.field}.targetPort to the container's port number",
                    evidence=((f"{port.field}.targetPort", str(target)),),
                )
            continue
        if target is None:
            continue
        problem = iana_name_problem(target)
        if problem:
            quoted = target.isdigit()
            yield SERVICE_TARGET_PORT_INVALID(
                subject,
                f"{port.field}.targetPort {target!r} is not a valid port name: it {problem}"
                + (" (a quoted number is a string, i.e. a name)" if quoted else "")
                + ".",
                f"set {port.field}.targetPort to {int(target)} without quotes"
                if quoted and 1 <= int(target) <= 65535
                else f"set {port.field}.targetPort to a containerPort name of at most 15 "
                "characters, or to its number",
                evidence=((f"{port.field}.targetPort", target),),
            )


def _external_name(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    if service.type != "ExternalName":
        return
    raw = str(service.spec.get("externalName") or "")
    value = service.external_name
    if not raw:
        yield SERVICE_EXTERNAL_NAME_INVALID(
            subject,
            "spec.externalName is required for type ExternalName, and it is empty.",
            "set spec.externalName to the host name the CNAME should point to",
        )
        return
    if not is_dns1123_subdomain(value):
        why = (
            "an IPv6 literal contains ':', which DNS names cannot"
            if ":" in value
            else "it must be lowercase DNS labels joined by dots, at most 253 characters"
        )
        yield SERVICE_EXTERNAL_NAME_INVALID(
            subject,
            f"spec.externalName {raw!r} is not a DNS-1123 subdomain: {why}.",
            "set spec.externalName to a host name; for a fixed IP use a selectorless Service "
            "with an EndpointSlice holding that IP",
            evidence=(("spec.externalName", raw),),
        )


def _load_balancer_fields(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    spec = service.spec
    kind = service.type
    if kind != "LoadBalancer":
        for field_name in ("loadBalancerSourceRanges", "loadBalancerClass"):
            if spec.get(field_name):
                yield SERVICE_LB_FIELD_FORBIDDEN(
                    subject,
                    f"spec.{field_name} may only be used when spec.type is LoadBalancer, and "
                    f"this Service is {kind}.",
                    f"remove spec.{field_name}, or set spec.type to LoadBalancer",
                    evidence=((f"spec.{field_name}", str(spec.get(field_name))),),
                )
        if spec.get("allocateLoadBalancerNodePorts") is not None:
            yield SERVICE_LB_FIELD_FORBIDDEN(
                subject,
                "spec.allocateLoadBalancerNodePorts may only be used when spec.type is "
                f"LoadBalancer, and this Service is {kind}.",
                "remove spec.allocateLoadBalancerNodePorts",
                evidence=(
                    (
                        "spec.allocateLoadBalancerNodePorts",
                        str(spec.get("allocateLoadBalancerNodePorts")),
                    ),
                ),
            )
    health = spec.get("healthCheckNodePort")
    if health and (kind != "LoadBalancer" or spec.get("externalTrafficPolicy") != "Local"):
        yield SERVICE_LB_FIELD_FORBIDDEN(
            subject,
            "spec.healthCheckNodePort may only be set for type LoadBalancer with "
            "externalTrafficPolicy Local.",
            "remove spec.healthCheckNodePort",
            evidence=(("spec.healthCheckNodePort", str(health)),),
        )


def _traffic_policies(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    spec = service.spec
    kind = service.type
    external = spec.get("externalTrafficPolicy")
    internal = spec.get("internalTrafficPolicy")
    reachable = kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if external and not reachable:
        yield SERVICE_TRAFFIC_POLICY_INVALID(
            subject,
            f"spec.externalTrafficPolicy may only be set for externally-accessible Services, and "
            f"this {kind} Service has no node port, load balancer or externalIPs.",
            "remove spec.externalTrafficPolicy (or use internalTrafficPolicy for in-cluster "
            "clients)",
            evidence=(("spec.externalTrafficPolicy", str(external)),),
        )
    for field_name, value in (
        ("externalTrafficPolicy", external),
        ("internalTrafficPolicy", internal),
    ):
        if value and value not in TRAFFIC_POLICIES:
            yield SERVICE_TRAFFIC_POLICY_INVALID(
                subject,
                f"spec.{field_name} {value!r} is not 'Cluster' or 'Local' (case-sensitive).",
                f"set spec.{field_name} to Cluster or Local",
                evidence=((f"spec.{field_name}", str(value)),),
            )


def _selector(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    selector = service.spec.get("selector") or {}
    if not isinstance(selector, Mapping):
        return
    for key, value in selector.items():
        problem = label_key_problem(str(key))
        text = "" if value is None else str(value)
        value_problem = label_value_problem(text)
        if problem or value_problem:
            where = f"key {key!r}: {problem}" if problem else f"value {text!r}: {value_problem}"
            yield SERVICE_SELECTOR_INVALID(
                subject,
                f"spec.selector {where}, so the API rejects the Service.",
                f"fix spec.selector.{key} to valid label syntax",
                evidence=((f"spec.selector.{key}", text),),
            )


def _external_ips(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    for i, raw in enumerate(service.spec.get("externalIPs") or ()):
        text = str(raw)
        problem = _special_ip_problem(text)
        if problem:
            yield SERVICE_EXTERNAL_IP_INVALID(
                subject,
                f"spec.externalIPs[{i}] {text!r} {problem}, so the API rejects the Service.",
                f"remove spec.externalIPs[{i}] or replace it with a routable address of a node "
                "or router",
                evidence=((f"spec.externalIPs[{i}]", text),),
            )


def _special_ip_problem(text: str) -> str:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "is not a valid IP address"
    if ip.is_unspecified:
        return "is the unspecified address"
    if ip.is_loopback:
        return "is a loopback address"
    if ip.is_link_local:
        return "is a link-local address"
    if ip.is_multicast:
        return "is a multicast address"
    return ""


_RULES = (
    _name,
    _type,
    _cluster_ip,
    _ports,
    _external_name,
    _load_balancer_fields,
    _traffic_policies,
    _selector,
    _external_ips,
)
