"""backendRef resolution: the Service and Service port a reference leads to, or why it is
invalid (kind, ReferenceGrant, missing Service or port); BackendTLSPolicies that apply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kubectl_discover.analyze.gateway.grants import Permission, Reference, decide
from kubectl_discover.analyze.gateway.model import (
    CORE_GROUP,
    GATEWAY_GROUP,
    BackendTLSPolicy,
    GroupKind,
    ReferenceGrant,
)
from kubectl_discover.analyze.gateway.routemodel import (
    BackendRef,
    Route,
)
from kubectl_discover.analyze.gateway.routes import (
    BackendResolution,
)
from kubectl_discover.analyze.serviceview import ServiceView

# ---------------------------------------------------------------- backends


def resolve_backend(
    route: Route,
    ref: BackendRef,
    grants: Sequence[ReferenceGrant] | None,
    services: Mapping[tuple[str, str], ServiceView],
    policies: Sequence[BackendTLSPolicy],
    live: bool,
) -> BackendResolution:
    target = ref.describe()
    if not ref.is_service:
        if ref.group == "multicluster.x-k8s.io" and ref.kind == "ServiceImport":
            return BackendResolution(
                ref,
                None,
                "Unchecked",
                f"backendRef {target} is a ServiceImport (multi-cluster, Extended support); "
                "whether it resolves cannot be checked here",
            )
        return BackendResolution(
            ref,
            False,
            "InvalidKind",
            f"backendRef {target} is of kind {GroupKind(ref.group, ref.kind)}, which only an "
            "implementation that documents it supports; others set ResolvedRefs=False "
            "(InvalidKind) and answer 500 for its share of requests",
            'Point the backendRef at a Service (group: "", kind: Service) with a port.',
        )
    reference = Reference(
        GATEWAY_GROUP, route.kind, route.namespace, CORE_GROUP, "Service", ref.namespace, ref.name
    )
    decision = decide(grants, reference)
    if decision.permission is Permission.DENIED:
        return BackendResolution(
            ref,
            False,
            "RefNotPermitted",
            f"backendRef {target} is in another namespace, and no ReferenceGrant in "
            f"{ref.namespace} allows {route.kind}s from {route.namespace} to reach it, so "
            "controllers set ResolvedRefs=False (RefNotPermitted) and answer 500 for its share",
            f"Create a ReferenceGrant in namespace {ref.namespace} allowing {route.kind} from "
            f"{route.namespace} to Service {ref.name}.",
            reference=reference,
            decision=decision,
        )
    if ref.port is None:
        return BackendResolution(
            ref,
            False,
            "PortMissing",
            f"backendRef {target} has no port; the API server rejects a Service backendRef "
            "without one",
            f"Set the backendRef's port to a port of Service {ref.namespace}/{ref.name}.",
            reference=reference,
            decision=decision,
        )
    service = services.get((ref.namespace, ref.name))
    if service is None:
        sure = live or any(ns == ref.namespace for ns, _ in services)
        return BackendResolution(
            ref,
            False if sure else None,
            "BackendNotFound",
            f"backendRef {target} names Service {ref.namespace}/{ref.name}, "
            + (
                "which does not exist, so controllers set ResolvedRefs=False (BackendNotFound) "
                "and answer 500 for its share"
                if live
                else "which is not among the files read; it must exist when applied"
            ),
            f"Create Service {ref.namespace}/{ref.name}, or fix the backendRef's name.",
            reference=reference,
            decision=decision,
        )
    ports = service.ports
    port = next((p for p in ports if p.port == ref.port), None)
    matching = tuple(
        p
        for p in policies
        if p.namespace == ref.namespace
        and any(
            t.group == CORE_GROUP
            and t.kind == "Service"
            and t.name == ref.name
            and (not t.section_name or (port is not None and t.section_name == port.name))
            for t in p.targets
        )
    )
    if port is None:
        by_target = next((p for p in ports if str(p.target) == str(ref.port)), None)
        listing = ", ".join(p.label for p in ports) or "none"
        hint = (
            f"Set the backendRef's port to {by_target.port} (port {ref.port} is the targetPort "
            f"of Service port {by_target.label}; backendRefs name the Service port)."
            if by_target is not None and by_target.port is not None
            else f"Set the backendRef's port to one of Service {ref.namespace}/{ref.name}'s "
            f"ports: {', '.join(str(p.port) for p in ports) or 'none'}."
        )
        return BackendResolution(
            ref,
            False,
            "PortUnknown",
            f"backendRef {target} asks for port {ref.port}, but Service {ref.namespace}/"
            f"{ref.name} has ports {listing}, so there is no upstream (controllers report "
            "ResolvedRefs=False and answer 500 for its share)",
            hint,
            service=service,
            reference=reference,
            decision=decision,
            policies=matching,
        )
    external = ""
    if service.type == "ExternalName":
        external = service.external_name
    return BackendResolution(
        ref,
        None if decision.permission is Permission.UNKNOWN else True,
        "Unknown" if decision.permission is Permission.UNKNOWN else "ResolvedRefs",
        (
            f"backendRef {target} is in another namespace; ReferenceGrants could not be read, "
            "so whether it is permitted is unknown"
            if decision.permission is Permission.UNKNOWN
            else f"backendRef {target} resolves to Service port {port.label}"
            + (f" (granted by {decision.grant.ref})" if decision.grant else "")
        ),
        service=service,
        service_port=port,
        reference=reference,
        decision=decision,
        policies=matching,
        external_name=external,
    )
