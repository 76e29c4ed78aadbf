"""Which pods stand behind a Service, whether they are ready, and whether every Service
port reaches a container port on each of them.

The port walk follows the EndpointSlice controller (the EndpointSlice controller): a
numeric targetPort is copied as-is; a named one is looked up per pod by name AND
protocol. A pod whose lookup fails stays in the EndpointSlices but loses that one
port, which is why "the pod is excluded" is the wrong explanation and this module
says what really happens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import PodView
from kubectl_discover.analyze.serviceview import ServicePort, ServiceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef

SELECTOR_NO_MATCH = Check(
    "selector-no-match",
    Severity.FAIL,
    "Selector matches no pod",
    "No pod (or workload template) in the Service's namespace carries every label of "
    "spec.selector, so the EndpointSlice controller writes no endpoints: connections to the "
    "Service fail and a headless name gets NXDOMAIN.",
    "Make spec.selector equal to the pod template labels of the workload that should serve it.",
)
BACKENDS_NONE_READY = Check(
    "backends-none-ready",
    Severity.FAIL,
    "No selected pod is ready",
    "Pods match the selector but none is Ready, so every endpoint has ready=false: kube-proxy "
    "has nothing to send to and headless names get NXDOMAIN.",
    "Find why the pods are not Ready (readiness probe, crash loop, pending scheduling).",
)
BACKENDS_SOME_READY = Check(
    "backends-some-ready",
    Severity.WARN,
    "Some selected pods are not ready",
    "Only ready endpoints receive traffic; the others are left out until their readiness "
    "probe passes.",
    "Check the readiness of the pods listed in the finding.",
)
BACKENDS_READY = Check(
    "backends-ready",
    Severity.OK,
    "Selected pods",
    "How many pods the selector matches and how many of them are ready.",
    "Nothing to do.",
)
SELECTORLESS_NO_SLICES = Check(
    "selectorless-no-slices",
    Severity.FAIL,
    "Selectorless Service without EndpointSlices",
    "A Service without spec.selector gets endpoints only from EndpointSlices you create "
    "(labelled kubernetes.io/service-name) or a mirrored Endpoints object; there are none.",
    "Create an EndpointSlice labelled kubernetes.io/service-name=<service>, or add a selector.",
)
SELECTORLESS_SLICES = Check(
    "selectorless-slices",
    Severity.INFO,
    "Selectorless Service fed by manual EndpointSlices",
    "The Service has no selector; its endpoints come from EndpointSlices managed outside the "
    "controller.",
    "Nothing to do; keep the manual EndpointSlices up to date.",
)
EXTERNALNAME_FIELDS_IGNORED = Check(
    "externalname-fields-ignored",
    Severity.INFO,
    "Selector or ports ignored on an ExternalName Service",
    "ExternalName Services are a DNS CNAME only: the endpoint controllers skip them and "
    "kube-proxy programs nothing, so spec.selector and the port mapping have no effect.",
    "Remove spec.selector (and targetPort) or turn the Service into a ClusterIP Service.",
)
TARGET_PORT_UNRESOLVED = Check(
    "target-port-unresolved",
    Severity.FAIL,
    "Named targetPort not found on the pods",
    "A named targetPort is resolved per pod against containers[].ports by name AND protocol. "
    "A pod without a match stays in the EndpointSlices but gets no endpoint for that port, so "
    "kube-proxy sends it no traffic there and it is missing from that port's SRV records.",
    "Name the containerPort like the targetPort (with the same protocol) or use a number.",
)
TARGET_PORT_UNDECLARED = Check(
    "target-port-undeclared",
    Severity.WARN,
    "Numeric targetPort not declared by any container",
    "The pods declare container ports but not this targetPort; the controller does not check "
    "numbers, so if nothing listens there connections are refused.",
    "Set targetPort to the port the application listens on.",
)
HEADLESS_PORT_MISMATCH = Check(
    "headless-port-mismatch",
    Severity.WARN,
    "Headless Service port differs from targetPort",
    "Clients of a headless Service dial pod IPs directly, with no port translation: "
    "<service>:<port> reaches the pod on <port>, not on targetPort.",
    "Make spec.ports[].port equal to the targetPort, or have clients dial the container port.",
)
PNRA_NOT_HEADLESS = Check(
    "pnra-not-headless",
    Severity.WARN,
    "publishNotReadyAddresses on a Service with a virtual IP",
    "publishNotReadyAddresses marks every endpoint ready, so kube-proxy load-balances to pods "
    "that are starting up or shutting down.",
    "Unset spec.publishNotReadyAddresses and use a separate headless Service for peer discovery.",
)
PORTS_RESOLVE = Check(
    "ports-resolve",
    Severity.OK,
    "Every port reaches a container port",
    "Each Service port resolves to a container port on every selected pod.",
    "Nothing to do.",
)

CHECKS = (
    SELECTOR_NO_MATCH,
    BACKENDS_NONE_READY,
    BACKENDS_SOME_READY,
    BACKENDS_READY,
    SELECTORLESS_NO_SLICES,
    SELECTORLESS_SLICES,
    EXTERNALNAME_FIELDS_IGNORED,
    TARGET_PORT_UNRESOLVED,
    TARGET_PORT_UNDECLARED,
    HEADLESS_PORT_MISMATCH,
    PNRA_NOT_HEADLESS,
    PORTS_RESOLVE,
)

_MAX_NAMED = 5
_MAX_NEAR_MISSES = 3


# ---------------------------------------------------------------- pods


def selected_pods(index: Index, service: ServiceView, namespace: str) -> tuple[PodView, ...]:
    """The pods (or template views) the Service's selector matches; none for ExternalName."""
    if service.type == "ExternalName":
        return ()
    return index.pods_selected(namespace, service.selector)


def is_candidate(pod: PodView) -> bool:
    """Whether the EndpointSlice controller considers the pod at all (not finished)."""
    return pod.phase not in ("Succeeded", "Failed")


def pod_group(pod: PodView) -> str:
    """How pods are named in messages: their workload if known, else the pod."""
    if pod.owner_kind and pod.owner_name:
        return f"{pod.owner_kind} {pod.owner_name}"
    return f"Pod {pod.name}"


def name_pods(pods: Sequence[PodView]) -> str:
    """``web-0, web-1 and 3 more``."""
    names = [p.name for p in pods[:_MAX_NAMED]]
    more = len(pods) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def pod_count(pods: Iterable[PodView]) -> int:
    return sum(p.replicas for p in pods)


# ---------------------------------------------------------------- ports


def resolve_target_port(port: ServicePort, pod: PodView) -> int | None:
    """The container port the controller would write for this pod, or None (dropped)."""
    if isinstance(port.target, int):
        return port.target
    if port.target is None:
        return None
    for declared in pod.ports:
        if declared.name == port.target and declared.protocol == port.protocol:
            return declared.number
    return None


def _lookup_problem(port: ServicePort, pod: PodView) -> str:
    """Why the named lookup failed for ``pod``, naming what the pod does declare."""
    same_name = [p for p in pod.ports if p.name == port.target]
    if same_name:
        found = same_name[0]
        return (
            f"its containerPort {port.target!r} is {found.number}/{found.protocol} but the "
            f"Service port is {port.protocol}"
            + (" (containerPort protocol defaults to TCP)" if found.protocol == "TCP" else "")
        )
    names = sorted({p.name for p in pod.ports if p.name})
    if names:
        return f"it declares only the port names {', '.join(names)}"
    return "it declares no named container ports"


# ---------------------------------------------------------------- findings


def backend_findings(
    index: Index, service: ServiceView, namespace: str, pods: Sequence[PodView], has_slices: bool
) -> tuple[Finding, ...]:
    """Selector, readiness and port findings for one Service."""
    subject = service.subject
    selector = service.selector
    kind = service.type
    if kind == "ExternalName":
        return tuple(_externalname_ignored(service, subject, selector))
    findings: list[Finding] = []
    if not selector:
        findings.extend(_selectorless(index, service, subject, has_slices))
    elif not pods:
        findings.append(_no_match(index, service, namespace, subject, selector))
    else:
        findings.extend(_readiness(service, subject, pods))
        findings.extend(port_findings(service, subject, pods))
    findings.extend(_pnra(service, subject))
    return tuple(findings)


def _externalname_ignored(
    service: ServiceView, subject: ObjectRef, selector: Mapping[str, str]
) -> Iterator[Finding]:
    ignored = []
    if selector:
        ignored.append("spec.selector " + _selector_text(selector))
    translated = [p for p in service.ports if p.target is not None and p.target != p.port]
    if translated:
        ignored.append("targetPort " + ", ".join(f"{p.target} (port {p.port})" for p in translated))
    if ignored:
        yield EXTERNALNAME_FIELDS_IGNORED(
            subject,
            f"{subject} is ExternalName, so {' and '.join(ignored)} "
            "has no effect: clients get only a CNAME and dial the target host on the port they "
            "chose.",
            f"remove the ignored fields from {subject}, or make it a selectorless ClusterIP "
            "Service with an EndpointSlice if port translation is needed",
        )


def _selector_text(selector: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _selectorless(
    index: Index, service: ServiceView, subject: ObjectRef, has_slices: bool
) -> Iterator[Finding]:
    if has_slices:
        yield SELECTORLESS_SLICES(
            subject,
            f"{subject} has no selector; its endpoints come from EndpointSlices labelled "
            f"kubernetes.io/service-name={service.name} that someone else maintains.",
        )
        return
    gap = index.snapshot.unavailable_for("endpointslices")
    if gap is not None:
        return  # slices.py reports the skipped check
    live = index.snapshot.live
    yield SELECTORLESS_NO_SLICES(
        subject,
        f"{subject} has no spec.selector and "
        + ("there is" if live else "the files hold")
        + f" no EndpointSlice labelled kubernetes.io/service-name={service.name}, so it has "
        "no endpoints and traffic to it goes nowhere"
        + ("." if live else " unless something else creates one."),
        f"create an EndpointSlice with label kubernetes.io/service-name: {service.name} "
        f"listing the backend addresses, or add spec.selector to {subject}",
        severity=None if live else Severity.WARN,
    )


def _no_match(
    index: Index,
    service: ServiceView,
    namespace: str,
    subject: ObjectRef,
    selector: Mapping[str, str],
) -> Finding:
    near = near_misses(index, namespace, selector)
    elsewhere = _matches_in_other_namespaces(index, namespace, selector)
    evidence = [("selector", _selector_text(selector))]
    evidence += [(f"near miss {group}", diff) for group, diff, _hint in near]
    evidence += [("matches in namespace", ns) for ns in elsewhere]
    message = (
        f"spec.selector {_selector_text(selector)} of {subject} matches no pod in namespace "
        f"{namespace}, so the Service has no endpoints"
    )
    idle = _idle_workloads(index, namespace, selector)
    evidence += [("idle workload", w) for w in idle]
    if idle:
        message += f"; {idle[0]} matches but runs no pods"
        hint = (
            f"set spec.replicas of {idle[0].split(' (')[0]} in namespace {namespace} to at least "
            "1 (or resume it), so it creates pods the selector matches"
        )
    elif elsewhere:
        message += f"; matching pods exist only in namespace {', '.join(elsewhere)}"
        hint = (
            f"Services select pods of their own namespace only: create the Service in "
            f"namespace {elsewhere[0]}, or move the workload to {namespace}"
        )
    elif near:
        group, diff, hint = near[0]
        message += f"; closest: {group} ({diff})"
    else:
        hint = (
            f"set spec.selector of {subject} to the labels of the pod template that should serve it"
        )
    return SELECTOR_NO_MATCH(subject, message + ".", hint, evidence=evidence)


def near_misses(
    index: Index, namespace: str, selector: Mapping[str, str]
) -> tuple[tuple[str, str, str], ...]:
    """Pod groups that almost match: (group, label diff, concrete hint), closest first.

    A near miss carries every selector key with some other values, or matches most
    keys, or carries a selector value under another key (``name=x`` vs ``app=x``).
    """
    by_group: dict[str, PodView] = {}
    for pod in index.pods_sharing_labels(namespace, selector):
        by_group.setdefault(pod_group(pod), pod)
    scored: list[tuple[int, str, str, str]] = []
    for group, pod in by_group.items():
        scored_entry = _score(selector, pod, group)
        if scored_entry is not None:
            scored.append(scored_entry)
    scored.sort(key=lambda item: (-item[0], item[1]))
    return tuple(
        (group, diff, hint) for _score_value, group, diff, hint in scored[:_MAX_NEAR_MISSES]
    )


def _score(
    selector: Mapping[str, str], pod: PodView, group: str
) -> tuple[int, str, str, str] | None:
    matching = [k for k, v in selector.items() if pod.labels.get(k) == v]
    present = [k for k in selector if k in pod.labels]
    moved = {
        k: other
        for k, v in selector.items()
        if k not in pod.labels
        for other, value in pod.labels.items()
        if value == v and other not in selector
    }
    qualifies = len(present) == len(selector) or 2 * len(matching) > len(selector) or bool(moved)
    if not qualifies:
        return None
    diffs: list[str] = []
    hints: list[str] = []
    for key, wanted in selector.items():
        have = pod.labels.get(key)
        if have == wanted:
            continue
        if have is not None:
            diffs.append(f"{key}={have}, selector wants {key}={wanted}")
            hints.append(f"spec.selector.{key} to {have!r}")
        elif key in moved:
            other = moved[key]
            diffs.append(f"carries {other}={wanted} instead of {key}={wanted}")
            hints.append(f"spec.selector key {key!r} to {other!r}")
        else:
            diffs.append(f"lacks label {key}")
            hints.append(f"remove spec.selector.{key} (or add label {key}={wanted} to {group})")
    labels = ",".join(f"{k}={v}" for k, v in sorted(pod.labels.items()))
    hint = f"set {'; '.join(hints)} (pods of {group} carry {labels})"
    hint = hint.replace("set remove", "remove")
    return (len(matching) * 2 + len(present) + len(moved), group, "; ".join(diffs), hint)


def _idle_workloads(index: Index, namespace: str, selector: Mapping[str, str]) -> list[str]:
    """Live: workloads whose pod template matches but that run no pods (scaled to 0,
    suspended). Only read when nothing matches, so the scan stays off the hot path."""
    if not index.snapshot.live:
        return []
    idle = []
    for (kind, _ns, name), workload in index.workload_items_in(namespace):
        if kind in ("ReplicaSet", "Job"):
            continue
        spec = workload.get("spec") or {}
        template = spec.get("template") or {}
        if kind == "CronJob":
            template = (spec.get("jobTemplate") or {}).get("spec", {}).get("template") or {}
        labels = {
            str(k): str(v)
            for k, v in ((template.get("metadata") or {}).get("labels") or {}).items()
        }
        if selector and all(labels.get(k) == v for k, v in selector.items()):
            idle.append(f"{kind} {name} (replicas {spec.get('replicas', 'unset')})")
    return sorted(idle)


def _matches_in_other_namespaces(
    index: Index, namespace: str, selector: Mapping[str, str]
) -> tuple[str, ...]:
    return tuple(ns for ns in index.namespaces_selecting(selector) if ns != namespace)


def _readiness(
    service: ServiceView, subject: ObjectRef, pods: Sequence[PodView]
) -> Iterator[Finding]:
    live = [p for p in pods if not p.from_template and p.ready is not None and is_candidate(p)]
    templates = [p for p in pods if p.from_template or p.ready is None]
    if templates and not live:
        groups = sorted({pod_group(p) for p in templates})
        yield BACKENDS_READY(
            subject,
            f"spec.selector of {subject} matches {', '.join(groups)} "
            f"({pod_count(templates)} pod(s)); readiness is known only on a live cluster.",
            severity=Severity.INFO,
            evidence=(("pods", str(pod_count(templates))),),
        )
        return
    finished = [p for p in pods if not is_candidate(p)]
    ready = [p for p in live if p.ready and not p.terminating]
    unready = [p for p in live if not (p.ready and not p.terminating)]
    evidence = (("selected", str(len(live))), ("ready", str(len(ready))))
    pnra = service.publish_not_ready
    if not live:
        yield BACKENDS_NONE_READY(
            subject,
            f"the {len(finished)} pod(s) matching {subject} have finished "
            f"({name_pods(finished)}), and finished pods never get endpoints.",
            "start the workload again, or point the selector at long-running pods",
            evidence=evidence,
        )
        return
    if not ready:
        yield BACKENDS_NONE_READY(
            subject,
            f"none of the {len(live)} pod(s) matching {subject} is ready "
            f"({_unready_text(unready)}), so "
            + (
                "they are published only because publishNotReadyAddresses is set."
                if pnra
                else "no endpoint is ready and traffic has nowhere to go."
            ),
            f"check the readiness probe and events of {name_pods(unready)} "
            f"(kubectl describe pod {unready[0].name} -n {unready[0].namespace})",
            severity=Severity.WARN if pnra else None,
            evidence=evidence,
        )
    elif unready:
        yield BACKENDS_SOME_READY(
            subject,
            f"{len(ready)} of {len(live)} pods behind {subject} are ready; "
            f"{_unready_text(unready)} receive no traffic until ready.",
            f"check the readiness probe and events of {name_pods(unready)}",
            evidence=evidence,
        )
    else:
        yield BACKENDS_READY(
            subject,
            f"{len(ready)} of {len(live)} pods behind {subject} are ready.",
            evidence=evidence,
        )


def _unready_text(pods: Sequence[PodView]) -> str:
    parts = []
    for pod in pods[:_MAX_NAMED]:
        if pod.terminating:
            state = "terminating"
        elif not pod.ip:
            state = f"no IP yet, phase {pod.phase or 'unknown'}"
        else:
            state = "not ready"
        parts.append(f"{pod.name} {state}")
    more = len(pods) - len(parts)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def port_findings(
    service: ServiceView, subject: ObjectRef, pods: Sequence[PodView]
) -> tuple[Finding, ...]:
    """For each Service port: does it reach a container port on every selected pod?"""
    candidates = [p for p in pods if is_candidate(p)]
    if not candidates:
        return ()
    findings: list[Finding] = []
    headless = service.headless
    for port in service.ports:
        findings.extend(_port_reach(port, subject, candidates))
        if headless:
            findings.extend(_headless_mismatch(port, subject, candidates))
    if not findings and service.ports:
        findings.append(
            PORTS_RESOLVE(
                subject,
                f"every port of {subject} resolves to a container port on all "
                f"{pod_count(candidates)} selected pod(s).",
            )
        )
    return tuple(findings)


def _port_reach(
    port: ServicePort, subject: ObjectRef, pods: Sequence[PodView]
) -> Iterator[Finding]:
    if isinstance(port.target, str):
        missing = [p for p in pods if resolve_target_port(port, p) is None]
        if not missing:
            return
        share = "all" if len(missing) == len(pods) else f"{len(missing)} of {len(pods)}"
        groups: dict[str, list[PodView]] = defaultdict(list)
        for pod in missing:
            groups[pod_group(pod)].append(pod)
        first_group, first_pods = next(iter(groups.items()))
        yield TARGET_PORT_UNRESOLVED(
            subject,
            f"{port.field} ({port.label}) of {subject} targets port name {port.target!r}/"
            f"{port.protocol}, which {share} selected pods lack ({name_pods(missing)}: "
            f"{_lookup_problem(port, first_pods[0])}); those pods stay in the EndpointSlices "
            f"but get no endpoint for port {port.port}, so no traffic reaches them on it.",
            _named_hint(port, first_group, first_pods[0]),
            evidence=tuple(
                (
                    f"{p.name} ports",
                    ", ".join(f"{c.name or '-'}={c.number}/{c.protocol}" for c in p.ports)
                    or "none",
                )
                for p in missing[:_MAX_NAMED]
            ),
        )
        return
    if port.target is None:
        return
    declaring = [p for p in pods if p.ports]
    lacking = [
        p
        for p in declaring
        if not any(c.number == port.target and c.protocol == port.protocol for c in p.ports)
    ]
    if lacking:
        declared = sorted({f"{c.number}/{c.protocol}" for c in lacking[0].ports})
        yield TARGET_PORT_UNDECLARED(
            subject,
            f"{port.field} ({port.label}) of {subject} sends traffic to port {port.target}/"
            f"{port.protocol}, but {pod_group(lacking[0])} declares only {', '.join(declared)}; "
            "if nothing listens there, connections are refused.",
            f"set {port.field}.targetPort of {subject} to the port the application listens on "
            f"(declared: {', '.join(declared)})",
            evidence=(("targetPort", str(port.target)), ("declared", ", ".join(declared))),
        )


def _named_hint(port: ServicePort, group: str, pod: PodView) -> str:
    same_name = [c for c in pod.ports if c.name == port.target]
    if same_name:
        container = same_name[0]
        return (
            f"set protocol: {port.protocol} on containerPort {container.number} "
            f"({port.target!r}) of container {container.container} in {group}, or add a "
            f"second containerPort with that protocol"
        )
    numbered = [c for c in pod.ports if c.protocol == port.protocol]
    if len(numbered) == 1:
        c = numbered[0]
        return (
            f"set name: {port.target} on containerPort {c.number} of container {c.container} "
            f"in {group}, or set {port.field}.targetPort to {c.number}"
        )
    return (
        f"add a containerPort named {port.target!r} (protocol {port.protocol}) to {group}, or "
        f"set {port.field}.targetPort to the numeric port"
    )


def _headless_mismatch(
    port: ServicePort, subject: ObjectRef, pods: Sequence[PodView]
) -> Iterator[Finding]:
    resolved = {n for n in (resolve_target_port(port, p) for p in pods) if n is not None}
    different = sorted(n for n in resolved if n != port.port)
    if not different:
        return
    yield HEADLESS_PORT_MISMATCH(
        subject,
        f"{port.field} of headless {subject} is port {port.port} but the pods receive on "
        f"{', '.join(map(str, different))}; clients dial pod IPs directly, so "
        f"{subject.name}:{port.port} is refused unless the pods also listen on "
        f"{port.port}.",
        f"set {port.field}.port of {subject} to {different[0]} (equal to the targetPort), or "
        f"dial port {different[0]}",
        evidence=(("port", str(port.port)), ("targetPort", ", ".join(map(str, different)))),
    )


def _pnra(service: ServiceView, subject: ObjectRef) -> Iterator[Finding]:
    if service.publish_not_ready and not service.headless:
        yield PNRA_NOT_HEADLESS(
            subject,
            f"{subject} sets publishNotReadyAddresses and has a virtual IP, so kube-proxy "
            "sends traffic to pods that are not ready or are shutting down.",
            f"unset spec.publishNotReadyAddresses on {subject}; keep it on a separate headless "
            "Service used only for peer discovery",
        )
