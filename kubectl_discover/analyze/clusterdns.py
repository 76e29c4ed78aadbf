"""The cluster's DNS configuration as the predictions use it: the real Corefile when one was
read, else kubeadm's, stated as an assumption.

Built once per command from the ConfigMaps the loader read (``Snapshot.dns_configmaps``)
by :func:`read_cluster_dns`; pure, like all of :mod:`kubectl_discover.analyze`. The
analyses ask it which cluster domain, pod-IP mode, endpoint naming and TTLs apply, and
each answer carries the Corefile line it follows (docs/corefile.md, "Wired").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kubectl_discover.analyze.corefile import (
    ClusterDnsSettings,
    CorefileConfig,
    DnsConfig,
    Handler,
    PodMode,
    Prediction,
    assumed_corefile,
    cluster_dns_settings,
    cluster_domains,
    corefile_findings,
    predict,
    read_dns_configmap,
)
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, Snapshot, name_of

COREDNS = "coredns"
COREDNS_CUSTOM = "coredns-custom"
DNS_NAMESPACE = "kube-system"
COREDNS_REF = ObjectRef("ConfigMap", DNS_NAMESPACE, COREDNS)

COREFILE_ASSUMED = Check(
    id="corefile-assumed",
    severity=Severity.INFO,
    title="The Corefile could not be read: kubeadm's is assumed",
    meaning=(
        "DNS predictions (cluster domain, pod-IP names, per-pod names, TTLs) follow the"
        " CoreDNS configuration. When kube-system/coredns cannot be read (RBAC), does not"
        " exist, or is not among the files, kubeadm's Corefile is assumed and said so."
    ),
    fix=(
        "Grant 'get' on configmaps coredns and coredns-custom in kube-system (deploy/rbac.yaml),"
        " or pass the coredns ConfigMap with -f."
    ),
    area="corefile",
)
COREFILE_SETTINGS = Check(
    id="corefile-settings",
    severity=Severity.INFO,
    title="The Corefile settings the DNS predictions follow",
    meaning=(
        "The cluster domain, pod-IP mode, per-endpoint naming and TTLs read from the"
        " Corefile, each with the line it comes from."
    ),
    fix="Nothing to do.",
    area="corefile",
)
COREFILE_ROUTED = Check(
    id="corefile-routed",
    severity=Severity.WARN,
    title="The Corefile sends a cluster name elsewhere (rewrite, hosts, forward, template)",
    meaning=(
        "A rewrite rule changes the name before the kubernetes plugin sees it, or another"
        " plugin (hosts, template, forward) answers it: the records may not be the Service's."
    ),
    fix="Check the Corefile line cited; remove or narrow the rule if the Service's own"
    " records are wanted.",
    area="corefile",
)
NEGATIVE_CACHE = Check(
    id="dns-negative-cache",
    severity=Severity.INFO,
    title="Created less than the denial-cache TTL ago: a cached NXDOMAIN may persist",
    meaning=(
        "A client that asked for the name before the object existed may keep getting the"
        " NXDOMAIN CoreDNS cached, until the negative TTL from the Corefile's cache expires."
    ),
    fix="Wait for the TTL to pass, or restart the client's resolver cache; lower the cache's"
    " denial TTL if new Services must resolve at once.",
    area="dns",
)

COREFILE_UPSTREAM = Check(
    id="corefile-upstream",
    severity=Severity.INFO,
    title="Who answers a name outside the cluster domain",
    meaning=(
        "A name outside the cluster domain is answered by the Corefile's forward (a stub"
        " domain or the default upstream), hosts or template lines, or by nobody (REFUSED or"
        " SERVFAIL): this says which line takes it."
    ),
    fix="Nothing to do; if the wrong upstream answers, change the cited Corefile line.",
    area="corefile",
)

ABOUT_OTHER_NAMES = frozenset(
    {"corefile-no-upstream", "corefile-forward-shadowed", "corefile-autopath-inactive"}
)
"""Engine checks about names outside the cluster domain (or search-path shortcuts): reported
as info when only cluster names are asked about (``svc``, ``dns`` of a cluster name), so a
Corefile without an upstream does not turn every Service's verdict into a warning."""

CHECKS = (
    COREFILE_ASSUMED,
    COREFILE_SETTINGS,
    COREFILE_ROUTED,
    COREFILE_UPSTREAM,
    NEGATIVE_CACHE,
)


@dataclass(frozen=True)
class ClusterDns:
    """The DNS configuration predictions follow.

    ``dns`` is the ConfigMap read (None when the Corefile is assumed); ``assumed`` is the
    sentence stating the assumption ("" when the Corefile was read); ``domain`` the
    cluster domain in use (``--cluster-domain``, else the Corefile's, else cluster.local).
    """

    config: CorefileConfig
    dns: DnsConfig | None
    settings: ClusterDnsSettings
    domain: str
    assumed: str
    domain_source: str
    """Where the domain comes from: the Corefile line, --cluster-domain, or the assumption."""
    hint: str = ""
    """What would let the Corefile be read, when it is assumed."""

    @property
    def ref(self) -> ObjectRef:
        return self.dns.ref if self.dns is not None else COREDNS_REF

    def cite(self, what: str) -> str:
        """The Corefile line ``what`` (an option of the kubernetes line) follows, or the
        assumption: ``(kube-system/coredns/Corefile line 7)``."""
        view = self.settings.kubernetes
        line = None
        if view is not None:
            line = {
                "pods": view.pods_option,
                "endpoint_pod_names": view.endpoint_pod_names,
                "ttl": view.ttl_option,
                "kubernetes": view.directive,
            }.get(what)
        if line is None and view is not None:
            return f"(default; {view.directive.where})"
        if line is None:
            return "(no kubernetes line)"
        return f"({line.where})"

    def route_of(self, name: str) -> str:
        """Who answers ``name`` (outside the cluster domain) and the line that says so."""
        p = self.predict(name)
        line = p.plugin.cite() if p.plugin is not None else "the Corefile"
        if p.handler is Handler.FORWARD:
            to = ", ".join(str(u) for u in p.upstreams) or "its upstreams"
            return f"forwarded to {to} by {line}"
        if p.handler is Handler.NONE:
            why = "; ".join(n.text for n in p.notes if n.text)
            return f"{p.rcode or 'no answer'} from CoreDNS" + (f": {why}" if why else "")
        answers = f" with {', '.join(p.answers)}" if p.answers else ""
        return f"answered by {p.handler.value} {line}{answers}"

    def predict(self, name: str, qtype: str = "A") -> Prediction:
        return predict(self.config, name, qtype=qtype)

    @property
    def rewrites(self) -> bool:
        """Whether any server block rewrites names (else no name changes on the way)."""
        return any(server.rewrites for server in self.config.servers)

    def rewritten(self, name: str) -> tuple[str, str] | None:
        """(the name ``name`` really becomes, the rewrite line) or None when unchanged."""
        if not self.rewrites:
            return None
        prediction = self.predict(name)
        if not prediction.rewritten:
            return None
        line = next((n.follows for n in prediction.notes if n.follows.startswith("'rewrite")), "")
        return prediction.name, line

    @property
    def pods(self) -> PodMode:
        return self.settings.pods

    @property
    def endpoint_pod_names(self) -> bool:
        return self.settings.endpoint_pod_names


def read_cluster_dns(snapshot: Snapshot, cluster_domain: str | None = None) -> ClusterDns:
    """The DNS configuration from the ConfigMaps in ``snapshot``, or kubeadm's, assumed.

    ``cluster_domain`` is ``--cluster-domain`` (None: the Corefile's first cluster
    domain, else cluster.local).
    """
    coredns = _configmap(snapshot.dns_configmaps, COREDNS)
    custom = _configmap(snapshot.dns_configmaps, COREDNS_CUSTOM)
    if coredns is not None:
        refused = snapshot.unavailable_for("configmaps")
        dns = read_dns_configmap(
            coredns, custom=custom, custom_readable=refused is None or not refused.refused
        )
        config = dns.corefile
        if config is not None and not config.corefile.error:
            domains = cluster_domains(config)
            detected = domains[0].rstrip(".") if domains and domains[0] != "." else ""
            domain = cluster_domain or detected or "cluster.local"
            source = (
                "--cluster-domain"
                if cluster_domain
                else f"{_kubernetes_line(config, domain)}"
                if detected
                else "no kubernetes zone in the Corefile: cluster.local"
            )
            settings = cluster_dns_settings(config, domain)
            return ClusterDns(config, dns, settings, domain, "", source)
        reason = (
            f"{dns.ref} holds no Corefile ({dns.kind.value})"
            if config is None
            else f"{dns.ref} Corefile has a syntax error"
        )
    else:
        reason = _missing_reason(snapshot)
    domain = cluster_domain or "cluster.local"
    config = assumed_corefile(domain)
    settings = cluster_dns_settings(config, domain)
    assumed = (
        f"{reason}; assumed kubeadm's Corefile: pods insecure, no endpoint_pod_names, "
        f"{domain}, ttl 30"
    )
    source = "--cluster-domain" if cluster_domain else "assumed"
    hint = (
        "pass the coredns ConfigMap with -f (kubectl get configmap -n kube-system coredns -o yaml)"
        if not snapshot.live
        else "grant 'get' on configmaps coredns, coredns-custom in kube-system (deploy/rbac.yaml)"
        if snapshot.unavailable_for("configmaps") is not None
        else "if CoreDNS reads its Corefile from another ConfigMap, save that as "
        "kube-system/coredns and run with -f to follow it"
    )
    return ClusterDns(config, None, settings, domain, assumed, source, hint)


def _kubernetes_line(config: CorefileConfig, domain: str) -> str:
    for server in config.servers:
        view = server.kubernetes
        if view is not None and domain + "." in view.zones:
            return view.directive.cite()
    return "the Corefile"


def _missing_reason(snapshot: Snapshot) -> str:
    gap = snapshot.unavailable_for("configmaps")
    if gap is not None and gap.refused:
        return f"Corefile not readable: {gap.describe()}"
    if not snapshot.live:
        return "no coredns ConfigMap (kube-system/coredns) among the files"
    if snapshot.dns_configmaps_read:
        return "no coredns ConfigMap (not CoreDNS, or named differently)"
    return "Corefile not read by this command"


def _configmap(configmaps: Sequence[Obj], name: str) -> Obj | None:
    for configmap in configmaps:
        if name_of(configmap) == name:
            return configmap
    return None


# ---------------------------------------------------------------- findings


def dns_config_findings(
    cluster: ClusterDns,
    *,
    names: Sequence[str] = (),
    pod_ip_names: Sequence[str] = (),
    dns_service_ips: Sequence[str] = (),
    broken: Sequence[str] = (),
    outside: Sequence[str] = (),
) -> tuple[Finding, ...]:
    """The assumption or the settings followed, the engine's checks on the ConfigMap, and
    where the Corefile sends ``names`` (absolute cluster names) when not to kubernetes; a
    name in ``broken`` is predicted to have no answer there (the finding fails); ``outside``
    names (``dns NAME`` beyond the cluster domain) are said who answers them."""
    if cluster.dns is None:
        return (
            COREFILE_ASSUMED(
                cluster.ref,
                cluster.assumed + ".",
                cluster.hint,
                evidence=(("assumed", "kubeadm Corefile"),),
            ),
        )
    found: list[Finding] = [_settings_finding(cluster)]
    for finding in corefile_findings(
        cluster.dns,
        cluster_domain=cluster.domain,
        pod_ip_names=tuple(pod_ip_names),
        dns_service_ips=tuple(dns_service_ips),
    ):
        if not outside and finding.id in ABOUT_OTHER_NAMES and finding.severity > Severity.INFO:
            finding = dataclasses.replace(
                finding,
                severity=Severity.INFO,
                message=f"{finding.message.rstrip('.')} (not about the names asked here).",
            )
        found.append(finding)
    for name in names:
        routed = _routed(cluster, name, broken=name in broken)
        if routed is not None:
            found.append(routed)
    for name in outside:
        prediction = cluster.predict(name)
        found.append(
            COREFILE_UPSTREAM(
                cluster.ref,
                f"{name} is {cluster.route_of(name)}."
                if prediction.handler is not Handler.NONE
                else f"{name} gets {cluster.route_of(name)}.",
                severity=Severity.WARN if prediction.handler is Handler.NONE else None,
                evidence=tuple(("upstream", str(u)) for u in prediction.upstreams),
            )
        )
    return tuple(found)


def _settings_finding(cluster: ClusterDns) -> Finding:
    s = cluster.settings
    parts = [f"cluster domain {cluster.domain} ({cluster.domain_source})"]
    if s.kubernetes is not None:
        parts.append(f"pods {s.pods.value} {cluster.cite('pods')}")
        parts.append(
            f"endpoint_pod_names {cluster.cite('endpoint_pod_names')}"
            if s.endpoint_pod_names
            else "no endpoint_pod_names"
        )
        parts.append(f"ttl {s.ttl}")
        if s.denial_cached and s.denial_ttl is not None:
            parts.append(f"NXDOMAIN cached {s.denial_ttl}s")
    return COREFILE_SETTINGS(
        cluster.ref,
        f"{cluster.ref} read: " + ", ".join(parts) + ".",
        "",
        evidence=tuple((f"note {i + 1}", str(n)) for i, n in enumerate(s.notes)),
    )


def _routed(cluster: ClusterDns, name: str, *, broken: bool = False) -> Finding | None:
    prediction = cluster.predict(name)
    if prediction.handler is Handler.KUBERNETES and not prediction.rewritten:
        return None
    plugin = "'rewrite" if prediction.rewritten else f"'{prediction.handler.value}"
    lines = [n.follows for n in prediction.notes if n.follows.startswith(plugin)]
    cited = "; ".join(dict.fromkeys(lines))
    cited = cited or "the Corefile"
    if prediction.rewritten and prediction.handler is Handler.KUBERNETES:
        what = f"is rewritten to {prediction.name} before the kubernetes plugin sees it"
    elif prediction.rewritten:
        what = (
            f"is rewritten to {prediction.name}, answered by {prediction.handler.value}, "
            "not the kubernetes plugin"
        )
    else:
        what = f"is answered by {prediction.handler.value}, not the kubernetes plugin"
    return COREFILE_ROUTED(
        cluster.ref,
        f"{name} {what}: {cited}" + (", where it has no answer." if broken else "."),
        "check the cited Corefile line",
        severity=Severity.FAIL if broken else None,
        evidence=(("name", name), ("becomes", prediction.name)),
    )


def age_seconds(created: str | None, now: datetime) -> float | None:
    """Seconds since an RFC 3339 ``metadata.creationTimestamp``; None when unknown."""
    if not created:
        return None
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None or now.tzinfo is None:
        return None
    return (now - when).total_seconds()


def negative_cache_findings(
    cluster: ClusterDns,
    subject: ObjectRef,
    objects: Sequence[tuple[ObjectRef, str, str | None]],
    now: datetime | None,
) -> tuple[Finding, ...]:
    """One note per object (ref, its DNS name, creationTimestamp) younger than the denial
    TTL of the cache that serves its name: a client that asked before may see NXDOMAIN."""
    if now is None:
        return ()
    found = []
    for ref, name, created in objects:
        age = age_seconds(created, now)
        if age is None:
            continue
        prediction = cluster.predict(name)
        ttl = prediction.denial_ttl
        if not prediction.denial_cached or ttl is None or not 0 <= age < ttl:
            continue
        cited = next((n.follows for n in prediction.notes if "cache" in n.follows), "")
        found.append(
            NEGATIVE_CACHE(
                subject,
                f"{ref.kind} {ref.namespace}/{ref.name} was created {int(age)}s ago, less than"
                f" the NXDOMAIN cache TTL of {ttl}s"
                + (f" ({cited})" if cited else "")
                + f": a client that asked for {name} before it existed may get NXDOMAIN"
                f" for up to {int(ttl - age)}s more.",
                "wait for the negative TTL to pass",
                evidence=(
                    ("name", name),
                    ("age_seconds", str(int(age))),
                    ("denial_ttl", str(ttl)),
                ),
            )
        )
    return tuple(found)
