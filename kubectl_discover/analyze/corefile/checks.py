"""Findings about the DNS configuration itself (area ``corefile``).

:func:`corefile_findings` takes a :class:`~.source.DnsConfig` and what the caller
knows about the cluster (its domain, the pod-IP names its workloads use, the
kube-dns Service IPs) and returns the findings; the wording is what the report
prints. Each check is declared here and gathered by the catalogue through the
package's ``CHECKS``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from kubectl_discover.analyze.corefile.config import CorefileConfig
from kubectl_discover.analyze.corefile.forward import UpstreamKind
from kubectl_discover.analyze.corefile.kubernetes import PodMode
from kubectl_discover.analyze.corefile.predict import predict
from kubectl_discover.analyze.corefile.prediction import Handler
from kubectl_discover.analyze.corefile.queries import cluster_domains
from kubectl_discover.analyze.corefile.rewrite import MatchType, NameRule
from kubectl_discover.analyze.corefile.source import ConfigKind, DnsConfig
from kubectl_discover.analyze.corefile.zones import fqdn, is_subdomain
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.syntax import is_ip

AREA = "corefile"
LONG_DENIAL = 30
"""Seconds of negative caching for cluster names above which new objects visibly lag
(kubeadm's Corefile keeps 30)."""

COREFILE_REFUSED = Check(
    "corefile-refused",
    Severity.FAIL,
    "CoreDNS refuses this Corefile",
    "The Corefile has a syntax error or an option a stock CoreDNS v1.14 rejects. A running "
    "server keeps its previous configuration (reload) and a restarted one does not start.",
    "Fix the line named in the message, then watch the CoreDNS logs for 'Reloading complete'.",
    area=AREA,
)
COREFILE_UNKNOWN_PLUGIN = Check(
    "corefile-unknown-plugin",
    Severity.WARN,
    "A directive is not a CoreDNS plugin",
    "A stock CoreDNS v1.14 does not know this directive and refuses the whole Corefile; only a "
    "custom build would run it. What it does is not predicted.",
    "Remove the directive, or confirm the CoreDNS image is a build that includes this plugin.",
    area=AREA,
)
COREFILE_UNRESOLVED_IMPORT = Check(
    "corefile-unresolved-import",
    Severity.WARN,
    "An import could not be resolved",
    "An 'import' names a file or snippet whose content was not available, so whatever it adds "
    "(server blocks on AKS, plugin lines) is missing from the predictions.",
    "Make the imported ConfigMap (e.g. kube-system/coredns-custom) readable, or pass it with -f.",
    area=AREA,
)
COREFILE_NO_CLUSTER_DOMAIN = Check(
    "corefile-no-cluster-domain",
    Severity.FAIL,
    "The cluster domain is not served by the kubernetes plugin",
    "No kubernetes plugin answers names under the cluster domain on port 53, so every Service "
    "and pod name the kubelet puts in search paths goes elsewhere (forwarded, or SERVFAIL).",
    "List the cluster domain on the kubernetes line (kubernetes cluster.local in-addr.arpa "
    "ip6.arpa) or make the kubelet's clusterDomain match the Corefile.",
    area=AREA,
)
COREFILE_PODS_DISABLED = Check(
    "corefile-pods-disabled",
    Severity.WARN,
    "Pod-IP names are used but disabled",
    "Names like 1-2-3-4.ns.pod.cluster.local answer only with 'pods insecure' or 'pods "
    "verified'; the default (disabled) makes them NXDOMAIN.",
    "Add 'pods insecure' (or 'pods verified') inside the kubernetes block, or stop using "
    "pod-IP names.",
    area=AREA,
)
COREFILE_FORWARD_LOOP = Check(
    "corefile-forward-loop",
    Severity.FAIL,
    "CoreDNS forwards to itself",
    "A forward upstream is this server (a loopback address on a port it listens on, or the "
    "kube-dns Service in front of it): queries loop until they time out, and the loop plugin "
    "stops CoreDNS when it detects it.",
    "Forward to the real upstream resolvers (e.g. /etc/resolv.conf of a node whose resolver is "
    "not the cluster DNS).",
    area=AREA,
)
COREFILE_FORWARD_SHADOWED = Check(
    "corefile-forward-shadowed",
    Severity.WARN,
    "A forward line is never used",
    "Several forward lines in one server block are tried in the order written; an earlier line "
    "whose FROM covers a later line's FROM takes all of its names, so the later upstreams never "
    "see a query.",
    "Move the narrower forward line (the stub domain) above the broader one, or give the stub "
    "domain its own server block.",
    area=AREA,
)
COREFILE_NO_UPSTREAM = Check(
    "corefile-no-upstream",
    Severity.WARN,
    "Names outside the cluster are not resolved",
    "No server block forwards names outside the cluster zones on port 53, so external names "
    "get SERVFAIL or REFUSED.",
    "Add 'forward . /etc/resolv.conf' (or your resolvers) to the '.:53' server block.",
    area=AREA,
)
COREFILE_LONG_DENIAL_TTL = Check(
    "corefile-long-denial-ttl",
    Severity.WARN,
    "NXDOMAIN for cluster names is cached long",
    "CoreDNS caches a negative answer for a cluster name this long; a Service or pod created "
    "after a client asked for it stays NXDOMAIN for that client until the entry expires.",
    "Lower the kubernetes 'ttl', the cache 'denial' TTL or MINTTL, or add 'disable denial "
    "<cluster domain>' to the cache block.",
    area=AREA,
)
COREFILE_REWRITES_CLUSTER_NAMES = Check(
    "corefile-rewrites-cluster-names",
    Severity.WARN,
    "A rewrite rule changes cluster names",
    "A rewrite name rule matches names under the cluster domain, so Service or pod names are "
    "answered for a different name than the one asked.",
    "Narrow the rule's pattern so that it cannot match names under the cluster domain.",
    area=AREA,
)
COREFILE_CLUSTER_FALLTHROUGH = Check(
    "corefile-cluster-fallthrough",
    Severity.WARN,
    "Unknown cluster names are forwarded upstream",
    "The kubernetes plugin falls through for the cluster domain and the next plugin is forward: "
    "every name that does not exist there (most search-path candidates) leaves the cluster, "
    "which is slower and shows internal names to the upstream resolvers.",
    "Limit fallthrough to the reverse zones (fallthrough in-addr.arpa ip6.arpa).",
    area=AREA,
)
COREFILE_AUTOPATH_INACTIVE = Check(
    "corefile-autopath-inactive",
    Severity.WARN,
    "autopath does nothing",
    "'autopath @kubernetes' needs 'pods verified' in the kubernetes block to find the client "
    "pod; without it the server-side search walk never happens.",
    "Set 'pods verified' in the kubernetes block, or remove the autopath line.",
    area=AREA,
)
COREFILE_KUBE_DNS = Check(
    "corefile-kube-dns",
    Severity.INFO,
    "The cluster DNS is kube-dns, not CoreDNS",
    "The DNS ConfigMap configures kube-dns (stubDomains, upstreamNameservers), which has no "
    "Corefile; the Corefile-based predictions do not apply to it.",
    "Nothing to fix; for Corefile-based predictions, migrate to CoreDNS.",
    area=AREA,
)
COREFILE_PLACEHOLDER = Check(
    "corefile-placeholder",
    Severity.INFO,
    "The Corefile holds unfilled placeholders",
    "node-local-dns Corefiles carry __PILLAR__ placeholders and Corefiles may use {$ENV} "
    "variables; they are filled in when the server starts, so the values here are not known.",
    "Nothing to fix if the server starts; pass the values to see concrete upstreams.",
    area=AREA,
)

CHECKS = (
    COREFILE_REFUSED,
    COREFILE_UNKNOWN_PLUGIN,
    COREFILE_UNRESOLVED_IMPORT,
    COREFILE_NO_CLUSTER_DOMAIN,
    COREFILE_PODS_DISABLED,
    COREFILE_FORWARD_LOOP,
    COREFILE_FORWARD_SHADOWED,
    COREFILE_NO_UPSTREAM,
    COREFILE_LONG_DENIAL_TTL,
    COREFILE_REWRITES_CLUSTER_NAMES,
    COREFILE_CLUSTER_FALLTHROUGH,
    COREFILE_AUTOPATH_INACTIVE,
    COREFILE_KUBE_DNS,
    COREFILE_PLACEHOLDER,
)

_EXTERNAL_PROBE = "example.com"


def corefile_findings(
    dns: DnsConfig,
    *,
    cluster_domain: str = "cluster.local",
    pod_ip_names: Iterable[str] = (),
    dns_service_ips: Sequence[str] = (),
) -> tuple[Finding, ...]:
    """Every finding about one DNS ConfigMap.

    ``pod_ip_names`` are the pod-IP names the workloads use (absolute);
    ``dns_service_ips`` the kube-dns Service's cluster IPs (a CoreDNS forwarding there
    forwards to itself).
    """
    if dns.kind is ConfigKind.KUBE_DNS and dns.kube_dns is not None:
        stubs = ", ".join(f"{z} -> {' '.join(s)}" for z, s in dns.kube_dns.stub_domains)
        return (
            COREFILE_KUBE_DNS(
                dns.ref,
                f"{dns.ref} configures kube-dns, not CoreDNS: there is no Corefile to read"
                + (f"; stub domains: {stubs}" if stubs else "")
                + ".",
                evidence=tuple(("problem", p) for p in dns.kube_dns.problems),
            ),
        )
    config = dns.corefile
    if config is None:
        return ()
    ref = dns.ref
    found: list[Finding] = []
    found += _refused(ref, config)
    found += _unknown(ref, config)
    found += _imports(ref, config)
    found += _placeholders(ref, config)
    if config.corefile.error is not None:
        return tuple(found)  # the blocks are incomplete: what follows would mislead
    if dns.kind is ConfigKind.COREDNS:
        found += _cluster_domain(ref, config, cluster_domain)
        found += _long_denial(ref, config, cluster_domain)
        found += _cluster_fallthrough(ref, config, cluster_domain)
        found += _autopath(ref, config)
        found += _pods_disabled(ref, config, pod_ip_names)
    found += _rewrites(ref, config, cluster_domain)
    found += _loops(ref, config, dns_service_ips if dns.kind is ConfigKind.COREDNS else ())
    found += _shadowed(ref, config)
    found += _no_upstream(ref, config)
    return tuple(found)


def _refused(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    found = []
    error = config.corefile.error
    if error is not None:
        found.append(
            COREFILE_REFUSED(
                ref,
                f"{ref}: {error}: CoreDNS will not load this Corefile.",
                f"fix {error.where or 'the Corefile'} in {ref}",
            )
        )
    for problem in config.problems:
        found.append(
            COREFILE_REFUSED(
                ref,
                f"{ref}: {problem.directive.cite()}: {problem.message}: CoreDNS will not load "
                "this Corefile.",
                f"fix {problem.directive.where} in {ref}",
            )
        )
    return found


def _unknown(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    found = []
    for plugin in config.unknown:
        note = f" ({plugin.note})" if plugin.note else ""
        found.append(
            COREFILE_UNKNOWN_PLUGIN(
                ref,
                f"'{plugin.directive.name}' at {plugin.directive.where} in {ref} is not a plugin "
                f"of CoreDNS v1.14{note}: a stock build refuses this Corefile, and its effect "
                "is not predicted.",
                "use forward instead"
                if plugin.directive.name == "proxy"
                else f"remove '{plugin.directive.name}' or run a CoreDNS build that has it",
                evidence=(("block", plugin.block.describe()),),
            )
        )
    return found


def _imports(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    return [
        COREFILE_UNRESOLVED_IMPORT(
            ref,
            f"'import {use.pattern}' at {use.where} in {ref} was not resolved ({use.reason}): "
            "what it adds is not predicted.",
            severity=Severity.INFO if use.reason.endswith("not read") else None,
        )
        for use in config.corefile.unresolved_imports
    ]


def _placeholders(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    names = sorted({r.name for r in config.corefile.references if not r.replaced})
    if not names:
        return []
    return [
        COREFILE_PLACEHOLDER(
            ref,
            f"{ref} holds {', '.join(names)}, filled in when the server starts: the values they "
            "stand for are not known here.",
        )
    ]


def _cluster_domain(ref: ObjectRef, config: CorefileConfig, domain: str) -> list[Finding]:
    probe = f"kubernetes.default.svc.{fqdn(domain)}"
    prediction = predict(config, probe)
    if prediction.handler is Handler.KUBERNETES:
        return []
    served = cluster_domains(config)
    where = f"it serves {', '.join(served)}" if served else "it has no kubernetes plugin on port 53"
    outcome = prediction.rcode or f"{prediction.handler.value} answers them"
    return [
        COREFILE_NO_CLUSTER_DOMAIN(
            ref,
            f"no kubernetes plugin in {ref} serves the cluster domain {domain} ({where}): "
            f"{probe.rstrip('.')} is not a cluster name there ({outcome}).",
            f"add {domain} to the kubernetes line in {ref}"
            if served
            else f"add 'kubernetes {domain} in-addr.arpa ip6.arpa' to the '.:53' block of {ref}",
        )
    ]


def _long_denial(ref: ObjectRef, config: CorefileConfig, domain: str) -> list[Finding]:
    prediction = predict(config, f"kubernetes.default.svc.{fqdn(domain)}")
    ttl = prediction.denial_ttl
    if prediction.handler is not Handler.KUBERNETES or not prediction.denial_cached or ttl is None:
        return []
    if ttl <= LONG_DENIAL:
        return []
    return [
        COREFILE_LONG_DENIAL_TTL(
            ref,
            f"{ref} caches NXDOMAIN for names in {domain} for {ttl} s: a Service or pod created "
            f"less than {ttl} s after a client asked for it may still be NXDOMAIN.",
            evidence=tuple(("follows", n.follows) for n in prediction.notes if n.follows),
        )
    ]


def _cluster_fallthrough(ref: ObjectRef, config: CorefileConfig, domain: str) -> list[Finding]:
    prediction = predict(config, f"kubernetes.default.svc.{fqdn(domain)}")
    after = prediction.fallthrough
    if prediction.handler is not Handler.KUBERNETES or after is None:
        return []
    if after.handler is not Handler.FORWARD:
        return []
    upstreams = ", ".join(str(u) for u in after.upstreams)
    line = prediction.plugin.cite() if prediction.plugin is not None else "kubernetes"
    return [
        COREFILE_CLUSTER_FALLTHROUGH(
            ref,
            f"{line} in {ref} falls through for {domain}: names there that do not exist are "
            f"forwarded to {upstreams} instead of answered NXDOMAIN.",
        )
    ]


def _autopath(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    found = []
    for server in config.servers:
        view, kube = server.autopath, server.kubernetes
        if view is None or view.from_plugin != "kubernetes":
            continue
        if kube is not None and kube.pods is PodMode.VERIFIED:
            continue
        mode = kube.pods.value if kube is not None else "no kubernetes plugin"
        found.append(
            COREFILE_AUTOPATH_INACTIVE(
                ref,
                f"{view.directive.cite()} in {ref} does nothing: the kubernetes plugin of "
                f"{server.block.describe()} has pods {mode}, not verified.",
            )
        )
    return found


def _pods_disabled(ref: ObjectRef, config: CorefileConfig, names: Iterable[str]) -> list[Finding]:
    broken = []
    for name in names:
        prediction = predict(config, name)
        if prediction.handler is Handler.KUBERNETES and prediction.rcode == "NXDOMAIN":
            view = config.server_for(prediction.query)
            kube = view[0].kubernetes if view else None
            if kube is not None and kube.pods is PodMode.DISABLED:
                broken.append(prediction.query)
    if not broken:
        return []
    return [
        COREFILE_PODS_DISABLED(
            ref,
            f"{len(broken)} pod-IP name(s) in use are NXDOMAIN: pod-IP names are disabled in "
            f"{ref} (e.g. {broken[0].rstrip('.')}).",
            evidence=tuple(("name", n) for n in broken[:10]),
        )
    ]


def _rewrites(ref: ObjectRef, config: CorefileConfig, domain: str) -> list[Finding]:
    zone = fqdn(domain)
    samples = (f"kubernetes.default.svc.{zone}", f"web.shop.svc.{zone}", f"1-2-3-4.shop.pod.{zone}")
    found = []
    for server in config.servers:
        for rule in server.rewrites:
            if not isinstance(rule, NameRule):
                continue
            hit = None
            if rule.match is not MatchType.EXACT:
                hit = next(((s, a) for s in samples if (a := rule.apply(s)) not in (None, s)), None)
            if hit is not None:
                found.append(
                    COREFILE_REWRITES_CLUSTER_NAMES(
                        ref,
                        f"{rule.directive.cite()} in {ref} rewrites cluster names: "
                        f"{hit[0].rstrip('.')} becomes {hit[1].rstrip('.')}.",
                    )
                )
            elif rule.match is MatchType.EXACT and is_subdomain(zone, rule.pattern):
                found.append(
                    COREFILE_REWRITES_CLUSTER_NAMES(
                        ref,
                        f"{rule.directive.cite()} in {ref} answers "
                        f"{rule.pattern.rstrip('.')} for {rule.replacement.rstrip('.')}.",
                        severity=Severity.INFO,
                    )
                )
    return found


def _loops(ref: ObjectRef, config: CorefileConfig, service_ips: Sequence[str]) -> list[Finding]:
    ports = {a.port for s in config.servers for a in s.block.addresses}
    selves = {str(ipaddress.ip_address(ip)) for ip in service_ips if is_ip(ip)}
    found = []
    for server in config.servers:
        for view in server.forwards:
            for upstream in view.upstreams:
                if upstream.kind is not UpstreamKind.IP:
                    continue
                if (
                    upstream.is_loopback
                    and upstream.port in ports
                    and not server.block.named("bind")
                ):
                    why = f"{upstream} is this server (loopback, port {upstream.port})"
                elif upstream.address in selves:
                    why = f"{upstream} is the kube-dns Service in front of this CoreDNS"
                else:
                    continue
                found.append(
                    COREFILE_FORWARD_LOOP(
                        ref,
                        f"{view.directive.cite()} in {ref} forwards to itself: {why}.",
                    )
                )
    return found


def _shadowed(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    found = []
    for server in config.servers:
        for later_index, later in enumerate(server.forwards):
            earlier = next(
                (f for f in server.forwards[:later_index] if f.matches(later.from_zone)), None
            )
            if earlier is None:
                continue
            found.append(
                COREFILE_FORWARD_SHADOWED(
                    ref,
                    f"{later.directive.cite()} in {ref} is never used: "
                    f"{earlier.directive.cite()} comes first and takes "
                    f"{_names_under(later.from_zone)}.",
                    f"move {later.directive.text()} above {earlier.directive.text()} in {ref}",
                )
            )
    return found


def _names_under(zone: str) -> str:
    return "every name" if zone == "." else f"{zone.rstrip('.')} and every name below it"


def _no_upstream(ref: ObjectRef, config: CorefileConfig) -> list[Finding]:
    prediction = predict(config, _EXTERNAL_PROBE)
    if prediction.handler is not Handler.NONE:
        return []
    return [
        COREFILE_NO_UPSTREAM(
            ref,
            f"names outside the cluster (e.g. {_EXTERNAL_PROBE}) get {prediction.rcode} from "
            f"{ref}: no server block on port 53 forwards them.",
        )
    ]
