"""What makes one listener (partly) unusable: protocol, allowed route kinds, TLS settings
and certificateRefs (kind, ReferenceGrant, Secret)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from kubectl_discover.analyze.gateway import hostnames
from kubectl_discover.analyze.gateway.grants import Permission, Reference, decide
from kubectl_discover.analyze.gateway.listeners import (
    ListenerProblem,
)
from kubectl_discover.analyze.gateway.model import (
    CORE_GROUP,
    CORE_PROTOCOLS,
    FROM_SELECTOR,
    GATEWAY_GROUP,
    GRPCROUTE,
    HTTP,
    HTTPROUTE,
    HTTPS,
    PASSTHROUGH,
    TCP,
    TERMINATE,
    TLS,
    UDP,
    GroupKind,
    Listener,
    ReferenceGrant,
)
from kubectl_discover.snapshot import Obj

_PROTOCOL_KINDS: Mapping[str, tuple[str, ...]] = {
    HTTP: (HTTPROUTE, GRPCROUTE),
    HTTPS: (HTTPROUTE, GRPCROUTE),
    TLS: ("TLSRoute",),
    TCP: ("TCPRoute",),
    UDP: ("UDPRoute",),
}


def listener_kinds(listener: Listener) -> tuple[tuple[GroupKind, ...], tuple[GroupKind, ...]]:
    """(supported, invalid) route kinds of ``listener``."""
    defaults = _PROTOCOL_KINDS.get(listener.protocol)
    if not listener.allowed.kinds:
        if defaults is None:
            return (), ()
        return tuple(GroupKind(GATEWAY_GROUP, k) for k in defaults), ()
    supported: list[GroupKind] = []
    invalid: list[GroupKind] = []
    for kind in listener.allowed.kinds:
        if defaults is None:
            supported.append(kind)  # a custom protocol: its implementation decides
        elif kind.group == GATEWAY_GROUP and kind.kind in defaults:
            supported.append(kind)
        else:
            invalid.append(kind)
    return tuple(supported), tuple(invalid)


def listener_problems(
    listener: Listener,
    invalid_kinds: tuple[GroupKind, ...],
    supported: tuple[GroupKind, ...],
    grants: Sequence[ReferenceGrant] | None,
    secrets: Mapping[tuple[str, str], Obj] | None,
    live: bool,
) -> list[ListenerProblem]:
    problems: list[ListenerProblem] = []
    where = f"{listener.field} ({listener.name}) of {listener.owner}"
    protocol = listener.protocol
    if listener.port is None:
        problems.append(
            ListenerProblem(
                "port-missing",
                "Accepted",
                "Invalid",
                f"{where} has no port (1-65535); the API server rejects it",
                f"Set {listener.field}.port on {listener.owner}.",
                True,
                api_rejects=True,
            )
        )
    if protocol not in CORE_PROTOCOLS:
        custom = "/" in protocol
        problems.append(
            ListenerProblem(
                "protocol-unsupported",
                "Accepted",
                "UnsupportedProtocol",
                f"{where} uses protocol {protocol!r}, "
                + (
                    "an implementation-specific protocol: only its controller knows whether "
                    "it is supported"
                    if custom
                    else "which is not one of HTTP, HTTPS, TLS, TCP, UDP (un-prefixed names are "
                    "reserved for those), so controllers set Accepted=False "
                    "(UnsupportedProtocol) and the listener serves nothing"
                ),
                f"Set {listener.field}.protocol to HTTP or HTTPS (protocols are case-sensitive).",
                not custom,
            )
        )
    if listener.hostname and protocol in (TCP, UDP):
        problems.append(
            ListenerProblem(
                "hostname-forbidden",
                "Accepted",
                "Invalid",
                f"{where} sets hostname on a {protocol} listener; the API server rejects it",
                f"Remove {listener.field}.hostname.",
                True,
                api_rejects=True,
            )
        )
    elif listener.hostname:
        problem = hostnames.hostname_problem(listener.hostname)
        if problem:
            problems.append(
                ListenerProblem(
                    "hostname-invalid",
                    "Accepted",
                    "Invalid",
                    f"{where} hostname {listener.hostname!r} {problem}; the API server rejects it",
                    f"Write {listener.field}.hostname as a lower-case DNS name, optionally "
                    "starting with '*.'.",
                    True,
                    api_rejects=True,
                )
            )
    problems.extend(_tls_problems(listener, where, grants, secrets, live))
    for kind in invalid_kinds:
        problems.append(
            ListenerProblem(
                "route-kinds-invalid",
                "ResolvedRefs",
                "InvalidRouteKinds",
                f"{where} allows route kind {kind}, which a {protocol} listener cannot carry "
                f"(it carries {', '.join(k.kind for k in _default_kinds(protocol)) or 'none'}); "
                "controllers set ResolvedRefs=False (InvalidRouteKinds)"
                + ("" if supported else " and no Route can attach to it"),
                f"Set {listener.field}.allowedRoutes.kinds to kinds the protocol supports, or "
                "remove it to allow them all.",
                not supported,
            )
        )
    policy = listener.allowed.namespaces
    if policy.from_ == FROM_SELECTOR and policy.selector is None:
        problems.append(
            ListenerProblem(
                "selector-missing",
                "Accepted",
                "Invalid",
                f"{where} has allowedRoutes.namespaces.from: Selector without a selector, so "
                "no namespace is selected",
                f"Add {listener.field}.allowedRoutes.namespaces.selector (matchLabels), or use "
                "from: Same or All.",
                False,
            )
        )
    return problems


def _default_kinds(protocol: str) -> tuple[GroupKind, ...]:
    return tuple(GroupKind(GATEWAY_GROUP, k) for k in _PROTOCOL_KINDS.get(protocol, ()))


def _tls_problems(
    listener: Listener,
    where: str,
    grants: Sequence[ReferenceGrant] | None,
    secrets: Mapping[tuple[str, str], Obj] | None,
    live: bool,
) -> Iterable[ListenerProblem]:
    protocol = listener.protocol
    tls = listener.tls
    if tls is not None and protocol in (HTTP, TCP, UDP):
        yield ListenerProblem(
            "tls-forbidden",
            "Accepted",
            "Invalid",
            f"{where} sets tls on a {protocol} listener; the API server rejects it",
            f"Remove {listener.field}.tls, or set protocol: HTTPS.",
            True,
            api_rejects=True,
        )
        return
    if protocol not in (HTTPS, TLS):
        return
    if tls is None:
        yield ListenerProblem(
            "tls-missing",
            "Accepted",
            "Invalid",
            f"{where} is {protocol} without tls"
            + (
                "; the API server rejects a TLS listener without tls.mode"
                if protocol == TLS
                else ", so it has no certificate to terminate TLS with and controllers reject it"
            ),
            f"Add {listener.field}.tls with mode: Terminate and certificateRefs naming a "
            "kubernetes.io/tls Secret.",
            True,
            api_rejects=protocol == TLS,
        )
        return
    if protocol == HTTPS and tls.mode == PASSTHROUGH:
        yield ListenerProblem(
            "tls-mode-invalid",
            "Accepted",
            "Invalid",
            f"{where} is HTTPS with tls.mode Passthrough; the API server rejects it (HTTPS "
            "always terminates; Passthrough needs protocol TLS and a TLSRoute)",
            f"Set {listener.field}.tls.mode: Terminate, or protocol: TLS.",
            True,
            api_rejects=True,
        )
        return
    if tls.mode not in (TERMINATE, PASSTHROUGH):
        yield ListenerProblem(
            "tls-mode-invalid",
            "Accepted",
            "Invalid",
            f"{where} has tls.mode {tls.mode!r} (Terminate or Passthrough); the API server "
            "rejects it",
            f"Set {listener.field}.tls.mode: Terminate.",
            True,
            api_rejects=True,
        )
        return
    if tls.mode != TERMINATE:
        return
    if not tls.certificate_refs:
        if tls.has_options:
            return  # certificates from implementation-specific options
        yield ListenerProblem(
            "tls-no-certificate",
            "Accepted",
            "Invalid",
            f"{where} terminates TLS without certificateRefs; the API server rejects it",
            f"Add {listener.field}.tls.certificateRefs: [{{name: SECRET}}] naming a "
            "kubernetes.io/tls Secret.",
            True,
            api_rejects=True,
        )
        return
    usable = 0
    problems: list[ListenerProblem] = []
    for ref in tls.certificate_refs:
        ref_where = f"{listener.field}.tls.certificateRefs[{ref.index}]"
        if not ref.is_secret:
            problems.append(
                ListenerProblem(
                    "tls-ref-kind",
                    "ResolvedRefs",
                    "InvalidCertificateRef",
                    f"{ref_where} of {listener.owner} names {GroupKind(ref.group, ref.kind)} "
                    f"{ref.name}; only a core Secret is portable (other kinds are "
                    "implementation-specific), so most controllers set ResolvedRefs=False "
                    "(InvalidCertificateRef)",
                    f'Reference a kubernetes.io/tls Secret: set {ref_where}.group: "" and '
                    "kind: Secret.",
                    False,
                )
            )
            continue
        reference = Reference(
            GATEWAY_GROUP,
            listener.owner.kind,
            listener.owner.namespace,
            CORE_GROUP,
            "Secret",
            ref.namespace,
            ref.name,
        )
        decision = decide(grants, reference)
        if decision.permission is Permission.DENIED:
            problems.append(
                ListenerProblem(
                    "tls-ref-not-permitted",
                    "ResolvedRefs",
                    "RefNotPermitted",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name} in "
                    f"another namespace, and no ReferenceGrant in {ref.namespace} allows "
                    f"{listener.owner.kind}s from {listener.owner.namespace} to use it, so "
                    "controllers set ResolvedRefs=False (RefNotPermitted) and do not use the "
                    "certificate",
                    f"Create a ReferenceGrant in namespace {ref.namespace} allowing "
                    f"{listener.owner.kind} from {listener.owner.namespace} to Secret {ref.name}.",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            continue
        if decision.permission is Permission.UNKNOWN:
            problems.append(
                ListenerProblem(
                    "tls-ref-grant-unknown",
                    "ResolvedRefs",
                    "RefNotPermitted",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name} in "
                    "another namespace; ReferenceGrants could not be read, so whether it is "
                    "permitted is unknown",
                    "Grant 'list' on referencegrants.gateway.networking.k8s.io.",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            usable += 1
            continue
        if secrets is not None and (ref.namespace, ref.name) not in secrets:
            problems.append(
                ListenerProblem(
                    "tls-secret-missing",
                    "ResolvedRefs",
                    "InvalidCertificateRef",
                    f"{ref_where} of {listener.owner} names Secret {ref.namespace}/{ref.name}, "
                    + (
                        "which does not exist, so controllers set ResolvedRefs=False "
                        "(InvalidCertificateRef)"
                        if live
                        else "which is not among the files read; it must exist when applied"
                    ),
                    f"Create Secret {ref.name} of type kubernetes.io/tls in namespace "
                    f"{ref.namespace} (kubectl create secret tls {ref.name} --cert=cert.pem "
                    f"--key=key.pem -n {ref.namespace}).",
                    False,
                    reference=reference,
                    decision=decision,
                    secret=(ref.namespace, ref.name),
                )
            )
            continue
        usable += 1
    if problems and usable == 0:
        # Every certificate is unusable: the listener cannot terminate TLS at all.
        problems = [replace(p, blocking=True) for p in problems]
    yield from problems
    if len(tls.certificate_refs) > 1:
        yield ListenerProblem(
            "tls-several-certificates",
            "ResolvedRefs",
            "ResolvedRefs",
            f"{where} lists {len(tls.certificate_refs)} certificateRefs; more than one is "
            "implementation-specific (which certificate is served for which name depends on "
            "the controller)",
            "Keep one certificate per listener, or check the controller's documentation.",
            False,
        )
