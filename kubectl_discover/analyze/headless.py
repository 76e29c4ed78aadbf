"""Per-pod DNS names ``<hostname>.<service>.<ns>.svc.<zone>``: which will exist and why not.

The rule is the EndpointSlice controller's, not the StatefulSet's: an
endpoint carries a hostname only when the pod has ``spec.hostname`` and its
``spec.subdomain`` equals this Service's name, and CoreDNS answers it only while the
endpoint is ready (or publishNotReadyAddresses is set). StatefulSets merely set
hostname and subdomain (from the immutable ``spec.serviceName``) when they create a
pod, which is why a mismatched serviceName can only be fixed with a new Service.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubectl_discover.analyze.backends import is_candidate, name_pods, pod_group
from kubectl_discover.analyze.index import Index
from kubectl_discover.analyze.model import PodView
from kubectl_discover.analyze.serviceview import ServiceView
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef

PER_POD_NO_IDENTITY = Check(
    "per-pod-no-identity",
    Severity.INFO,
    "Pods have no per-pod DNS name",
    "Per-pod names need both spec.hostname and spec.subdomain (= the Service name) on the pod; "
    "without them the pods are reachable only through the Service name.",
    "Set spec.hostname and spec.subdomain in the pod template, or use a StatefulSet whose "
    "spec.serviceName is this Service.",
    area="dns",
)
PER_POD_HALF_IDENTITY = Check(
    "per-pod-half-identity",
    Severity.WARN,
    "Pod sets only one of hostname and subdomain",
    "A per-pod record needs both spec.hostname and spec.subdomain; one alone gives no record.",
    "Set the missing field in the pod template.",
    area="dns",
)
PER_POD_SUBDOMAIN_MISMATCH = Check(
    "per-pod-subdomain-mismatch",
    Severity.FAIL,
    "Pods name another Service as their subdomain",
    "The pods' spec.subdomain (a StatefulSet's spec.serviceName) is not this Service, so the "
    "controller writes no hostname for them here and <pod>.<this service> is NXDOMAIN.",
    "Create a headless Service named after the subdomain (serviceName is immutable).",
    area="dns",
)
PER_POD_NOT_HEADLESS = Check(
    "per-pod-not-headless",
    Severity.WARN,
    "Per-pod names under a Service with a virtual IP",
    "The DNS specification publishes per-pod names only for headless Services; CoreDNS answers "
    "them anyway, other DNS servers (kube-dns, some managed DNS) do not.",
    "Use a headless Service (clusterIP: None) for per-pod names; recreate it, clusterIP is "
    "immutable.",
    area="dns",
)
PER_POD_NOT_READY = Check(
    "per-pod-not-ready",
    Severity.WARN,
    "Per-pod name missing until the pod is ready",
    "Only ready endpoints are published in DNS; a peer that waits for the others before "
    "becoming ready deadlocks, and the NXDOMAIN is cached.",
    "Set publishNotReadyAddresses: true on the headless Service used for peer discovery.",
    area="dns",
)
PER_POD_DUPLICATE_HOSTNAME = Check(
    "per-pod-duplicate-hostname",
    Severity.WARN,
    "Several pods share one hostname",
    "Pods with the same hostname and subdomain publish under one name, so it returns the IPs of "
    "all of them: it does not identify one pod.",
    "Use a StatefulSet (one hostname per ordinal) instead of a fixed hostname in a template.",
    area="dns",
)
PER_POD_NAMES = Check(
    "per-pod-names",
    Severity.OK,
    "Per-pod names",
    "The pods behind the Service get per-pod DNS names.",
    "Nothing to do.",
    area="dns",
)
STATEFULSET_SERVICE_MISSING = Check(
    "statefulset-service-missing",
    Severity.FAIL,
    "StatefulSet's serviceName names no Service",
    "A StatefulSet's pods get subdomain = spec.serviceName; without a headless Service of that "
    "name in the same namespace none of its per-pod names exist.",
    "Create a headless Service named after spec.serviceName in the StatefulSet's namespace.",
    area="dns",
)
STATEFULSET_SERVICE_NOT_HEADLESS = Check(
    "statefulset-service-not-headless",
    Severity.WARN,
    "StatefulSet's governing Service is not headless",
    "The Service named by spec.serviceName has a virtual IP: its name returns one VIP and "
    "per-pod names work only on CoreDNS.",
    "Recreate the Service with clusterIP: None (clusterIP cannot be changed in place).",
    area="dns",
)

CHECKS = (
    PER_POD_NO_IDENTITY,
    PER_POD_HALF_IDENTITY,
    PER_POD_SUBDOMAIN_MISMATCH,
    PER_POD_NOT_HEADLESS,
    PER_POD_NOT_READY,
    PER_POD_DUPLICATE_HOSTNAME,
    PER_POD_NAMES,
    STATEFULSET_SERVICE_MISSING,
    STATEFULSET_SERVICE_NOT_HEADLESS,
)


_MAX_ANONYMOUS = 3
"""Rows for pods without hostname/subdomain: enough to show the NXDOMAIN, not one per replica."""


@dataclass(frozen=True)
class PerPodName:
    """The per-pod name a pod would have under this Service, and whether it will exist."""

    pod: PodView
    label: str
    """The leftmost label: the pod's hostname, or its name when it has none."""
    fqdn: str
    exists: bool | None
    why: str
    causes: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()


def per_pod_fqdn(label: str, service: str, namespace: str, zone: str) -> str:
    return f"{label}.{service}.{namespace}.svc.{zone}"


def wants_per_pod_names(service: ServiceView, pods: Sequence[PodView]) -> bool:
    """Whether per-pod names are worth listing: headless, or some pod points at it."""
    if service.type == "ExternalName":
        return False
    return service.headless or any(p.subdomain == service.name for p in pods)


def per_pod_names(
    index: Index, service: ServiceView, namespace: str, pods: Sequence[PodView]
) -> tuple[PerPodName, ...]:
    """One entry per pod behind the Service (templates count once) with exists and why."""
    if not wants_per_pod_names(service, pods):
        return ()
    zone = index.snapshot.cluster_domain
    svc = service.name
    hostnames = _hostname_counts(pods, svc)
    names = []
    anonymous = 0
    for pod in pods:
        if not is_candidate(pod):
            continue
        if not pod.hostname and not pod.subdomain:
            anonymous += 1
            if anonymous > _MAX_ANONYMOUS:
                continue  # one finding covers them; a few rows show what users try
        label = pod.hostname or pod.name
        exists, why, causes = _judge(service, pod, hostnames)
        by_pod_name = _endpoint_pod_name(index, service, namespace, zone, pod, causes)
        if by_pod_name is not None:
            label, (exists, why, causes) = pod.name, by_pod_name
        answers = pod.ips if exists and pod.ips else ()
        names.append(
            PerPodName(
                pod, label, per_pod_fqdn(label, svc, namespace, zone), exists, why, causes, answers
            )
        )
    return tuple(names)


_NO_ENDPOINT_HOSTNAME = (
    PER_POD_NO_IDENTITY.id,
    PER_POD_HALF_IDENTITY.id,
    PER_POD_SUBDOMAIN_MISMATCH.id,
)
"""Causes that leave the pod's endpoint without a hostname: ``endpoint_pod_names`` then
names it after the pod."""


def _endpoint_pod_name(
    index: Index,
    service: ServiceView,
    namespace: str,
    zone: str,
    pod: PodView,
    causes: tuple[str, ...],
) -> tuple[bool | None, str, tuple[str, ...]] | None:
    """With the Corefile's ``endpoint_pod_names``, an endpoint without a hostname is named
    after its pod (CoreDNS, when the name fits a label): that name exists instead."""
    cluster = index.cluster_dns
    if not service.headless or not cluster.endpoint_pod_names or pod.from_template:
        return None
    if not set(causes) & set(_NO_ENDPOINT_HOSTNAME) or len(pod.name) > 63:
        return None
    fqdn = per_pod_fqdn(pod.name, service.name, namespace, zone)
    because = (
        f"endpoint_pod_names {cluster.cite('endpoint_pod_names')}: the per-pod name is "
        f"{fqdn} (its endpoint has no hostname, so CoreDNS names it after the pod)"
    )
    if pod.ready is None:
        return True, f"{because}, once {pod.name} is running and ready", ()
    if (pod.ready and not pod.terminating) or (service.publish_not_ready and pod.ip):
        return True, because, ()
    state = "terminating" if pod.terminating else "not ready"
    return False, f"{because}; {pod.name} is {state}", (PER_POD_NOT_READY.id,)


def _hostname_counts(pods: Sequence[PodView], service: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for pod in pods:
        if pod.hostname and pod.subdomain == service and is_candidate(pod):
            counts[pod.hostname] += pod.replicas
    return counts


def _judge(
    service: ServiceView, pod: PodView, hostnames: Counter[str]
) -> tuple[bool | None, str, tuple[str, ...]]:
    svc = service.name
    if not pod.hostname and not pod.subdomain:
        return (
            False,
            f"{pod.name} has no spec.hostname and no spec.subdomain",
            (PER_POD_NO_IDENTITY.id,),
        )
    if not pod.hostname:
        return (
            False,
            f"{pod.name} has subdomain {pod.subdomain} but no spec.hostname",
            (PER_POD_HALF_IDENTITY.id,),
        )
    if not pod.subdomain:
        return (
            False,
            f"{pod.name} has hostname {pod.hostname} but no spec.subdomain",
            (PER_POD_HALF_IDENTITY.id,),
        )
    if pod.subdomain != svc:
        return (
            False,
            f"{pod.name} has subdomain {pod.subdomain!r}, not {svc!r}: its name lives under "
            f"Service {pod.subdomain}",
            (PER_POD_SUBDOMAIN_MISMATCH.id,),
        )
    notes = []
    if hostnames[pod.hostname] > 1:
        notes.append(f"shared by {hostnames[pod.hostname]} pods")
    if not service.headless:
        notes.append("answered by CoreDNS only (Service is not headless)")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    if pod.from_template or pod.ready is None:
        return True, f"once {pod.name} is running and ready{suffix}", ()
    if pod.ready and not pod.terminating:
        return True, f"{pod.name} is ready{suffix}", ()
    if service.publish_not_ready and pod.ip:
        return True, f"{pod.name} is not ready but publishNotReadyAddresses is set{suffix}", ()
    state = "terminating" if pod.terminating else "not ready"
    return (
        False,
        f"{pod.name} is {state} and publishNotReadyAddresses is false",
        (PER_POD_NOT_READY.id,),
    )


def headless_findings(
    index: Index,
    service: ServiceView,
    namespace: str,
    pods: Sequence[PodView],
    names: Sequence[PerPodName],
) -> tuple[Finding, ...]:
    """Per-pod name findings, plus the StatefulSet-side check for every selected StatefulSet."""
    subject = service.subject
    findings: list[Finding] = []
    findings.extend(_statefulset_side(index, service, namespace, subject, pods))
    if names:
        findings.extend(_name_findings(service, namespace, subject, names))
    return tuple(findings)


def _by_cause(names: Sequence[PerPodName]) -> dict[str, list[PerPodName]]:
    groups: dict[str, list[PerPodName]] = defaultdict(list)
    for entry in names:
        for cause in entry.causes:
            groups[cause].append(entry)
    return groups


def _name_findings(
    service: ServiceView, namespace: str, subject: ObjectRef, names: Sequence[PerPodName]
) -> Iterator[Finding]:
    svc = service.name
    groups = _by_cause(names)
    pods_of = {cause: [n.pod for n in entries] for cause, entries in groups.items()}
    if PER_POD_NO_IDENTITY.id in groups and service.headless:
        pods = pods_of[PER_POD_NO_IDENTITY.id]
        owner = pod_group(pods[0])
        yield PER_POD_NO_IDENTITY(
            subject,
            f"pods {name_pods(pods)} of headless {subject} set neither spec.hostname nor "
            f"spec.subdomain, so they have no <pod>.{svc} name; only {svc} itself (all ready "
            "pod IPs) resolves.",
            f"set spec.hostname and spec.subdomain: {svc} in the pod template of {owner}, or "
            f"run it as a StatefulSet with spec.serviceName: {svc}",
        )
    if PER_POD_HALF_IDENTITY.id in groups:
        entry = groups[PER_POD_HALF_IDENTITY.id][0]
        missing = "spec.hostname" if not entry.pod.hostname else f"spec.subdomain: {svc}"
        yield PER_POD_HALF_IDENTITY(
            subject,
            f"{entry.why}, so no per-pod record {entry.label}.{svc} is created.",
            f"set {missing} in the pod template of {pod_group(entry.pod)}",
        )
    if PER_POD_SUBDOMAIN_MISMATCH.id in groups:
        yield _subdomain_mismatch(
            service, namespace, subject, pods_of[PER_POD_SUBDOMAIN_MISMATCH.id]
        )
    if PER_POD_NOT_READY.id in groups:
        pods = pods_of[PER_POD_NOT_READY.id]
        yield PER_POD_NOT_READY(
            subject,
            f"per-pod names of {name_pods(pods)} under {subject} are NXDOMAIN until the pods "
            "are ready, because publishNotReadyAddresses is false; peers that must find each "
            "other before becoming ready deadlock.",
            f"set spec.publishNotReadyAddresses: true on {subject} if peers look each other up "
            "during startup",
            evidence=(("publishNotReadyAddresses", "false"),),
        )
    existing = [n for n in names if n.exists is not False]
    duplicates = sorted({n.label for n in existing if "shared by" in n.why})
    if duplicates:
        sample = next(n for n in existing if n.label == duplicates[0])
        yield PER_POD_DUPLICATE_HOSTNAME(
            subject,
            f"hostname {duplicates[0]!r} is shared by several pods of {pod_group(sample.pod)}, "
            f"so {duplicates[0]}.{svc} returns the IPs of all of them instead of naming one pod.",
            f"remove spec.hostname from the pod template of {pod_group(sample.pod)} and run it "
            f"as a StatefulSet with spec.serviceName: {svc} (one hostname per ordinal)",
            evidence=(("hostname", duplicates[0]),),
        )
    if existing and not service.headless:
        yield PER_POD_NOT_HEADLESS(
            subject,
            f"pods {name_pods([n.pod for n in existing])} use {subject} as their subdomain, but "
            "it has a virtual IP: CoreDNS answers their per-pod names, the DNS specification "
            "(and kube-dns) does not, and the bare name returns one VIP.",
            f"recreate {subject} with spec.clusterIP: None (clusterIP is immutable), or add a "
            "separate headless Service and point the pods' subdomain at it",
        )
    good = [n for n in existing if not n.causes]
    if good and not groups:
        yield PER_POD_NAMES(
            subject,
            f"{len(good)} per-pod name(s) under {subject}: "
            + ", ".join(n.label for n in good[:5])
            + (" ..." if len(good) > 5 else "")
            + ".",
        )


def _subdomain_mismatch(
    service: ServiceView, namespace: str, subject: ObjectRef, pods: Sequence[PodView]
) -> Finding:
    svc = service.name
    pod = pods[0]
    other = pod.subdomain
    if pod.owner_kind == "StatefulSet":
        message = (
            f"StatefulSet {namespace}/{pod.owner_name} has spec.serviceName {other!r} but is "
            f"selected by Service {svc!r}, so its pods ({name_pods(pods)}) get subdomain "
            f"{other} and <pod>.{svc} names are NXDOMAIN."
        )
        hint = (
            f"create a headless Service named {other!r} in namespace {namespace} selecting the "
            f"same pods (spec.serviceName of StatefulSet {pod.owner_name} is immutable), or "
            f"recreate the StatefulSet with spec.serviceName: {svc}"
        )
    else:
        message = (
            f"pods {name_pods(pods)} set spec.subdomain {other!r}, not {svc!r}, so their "
            f"per-pod names live under {other} and <pod>.{svc} is NXDOMAIN."
        )
        hint = f"set spec.subdomain: {svc} in the pod template of {pod_group(pod)}"
    return PER_POD_SUBDOMAIN_MISMATCH(
        subject,
        message,
        hint,
        evidence=(("service", svc), ("pod subdomain", other)),
    )


def _statefulset_side(
    index: Index, service: ServiceView, namespace: str, subject: ObjectRef, pods: Sequence[PodView]
) -> Iterator[Finding]:
    """The reverse view: StatefulSets behind this Service whose own governing Service is
    missing or not headless, whichever Service the user happened to ask about."""
    seen: set[str] = set()
    for pod in pods:
        if pod.owner_kind != "StatefulSet" or pod.owner_name in seen:
            continue
        seen.add(pod.owner_name)
        workload = index.workload("StatefulSet", namespace, pod.owner_name)
        if workload is not None:
            governing = str((workload.get("spec") or {}).get("serviceName") or "")
        else:
            governing = pod.subdomain
        if governing != service.name:  # this Service's own case is judged per pod
            yield from _governing(index, namespace, subject, pod.owner_name, governing)


def _governing(
    index: Index, namespace: str, subject: ObjectRef, statefulset: str, governing: str
) -> Iterator[Finding]:
    sts = f"StatefulSet {namespace}/{statefulset}"
    if not governing:
        yield STATEFULSET_SERVICE_MISSING(
            subject,
            f"{sts} has an empty spec.serviceName, so its pods get no subdomain and no per-pod "
            "DNS names at all.",
            f"recreate {sts} with spec.serviceName set to a headless Service name "
            "(serviceName is immutable)",
            severity=Severity.WARN,
            evidence=(("spec.serviceName", ""),),
        )
        return
    target = index.service(namespace, governing)
    if target is None:
        elsewhere = sorted(
            ns for ns, name in index.services if name == governing and ns != namespace
        )
        where = (
            f"; a Service {governing} exists only in namespace {', '.join(elsewhere)}, and "
            "subdomains never cross namespaces"
            if elsewhere
            else ""
        )
        yield STATEFULSET_SERVICE_MISSING(
            subject,
            f"{sts} has spec.serviceName {governing!r} but there is no Service {governing} in "
            f"namespace {namespace}{where}, so none of its per-pod names "
            f"(<pod>.{governing}.{namespace}.svc) exist.",
            f"create a headless Service named {governing!r} (spec.clusterIP: None) in namespace "
            f"{namespace} selecting the pods of {sts}",
            evidence=(("spec.serviceName", governing),),
        )
        return
    if target.type != "ExternalName" and not target.headless:
        yield STATEFULSET_SERVICE_NOT_HEADLESS(
            subject,
            f"{sts} is governed by Service {namespace}/{governing}, which has a virtual IP: "
            f"{governing} returns one VIP instead of the pod IPs and per-pod names work only on "
            "CoreDNS.",
            f"recreate Service {namespace}/{governing} with spec.clusterIP: None (it cannot be "
            "changed in place), or add a headless Service for the StatefulSet",
            evidence=(("spec.serviceName", governing),),
        )
