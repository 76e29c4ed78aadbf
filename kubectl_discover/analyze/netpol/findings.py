"""The findings of a client's path (see path.py), raised with the checks of checks.py.

Each denied connection becomes one finding naming the policy and carrying the fix as
YAML (fixes.py); connections that fail the same way (same check, direction, policies,
port) are reported once, listing the endpoints. The common mistakes have their own
ids: DNS egress missing (UDP and/or TCP 53), a rule on the Service port instead of
the targetPort, a DNS rule for the CoreDNS pods while the client uses a NodeLocal
cache, backends that admit the app but not the Ingress controller, and (a likely
mistake, not a certain one) namespaceSelector and podSelector as two items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from kubectl_discover.analyze.netpol.checks import (
    ADMIN_DENIED,
    CONTROLLER_NOT_ADMITTED,
    DNS_EGRESS_DENIED,
    DNS_INGRESS_DENIED,
    DNS_NODE_LOCAL,
    DNS_TCP_DENIED,
    EGRESS_DENIED,
    INGRESS_DENIED,
    PATH_ALLOWED,
    SERVICE_PORT,
    UNKNOWN,
)
from kubectl_discover.analyze.netpol.evaluate import evaluate_side
from kubectl_discover.analyze.netpol.fixes import Fix, PortSpec, fix_for, stable_labels
from kubectl_discover.analyze.netpol.lints import malformed_findings, peer_lints
from kubectl_discover.analyze.netpol.model import (
    ConnectionVerdict,
    Direction,
    DirectionVerdict,
    Endpoint,
    Outcome,
    RuleRef,
    Tier,
)
from kubectl_discover.analyze.netpol.path import DnsServer, Hop, HopKind, Resolver
from kubectl_discover.analyze.netpol.policyset import PolicySet
from kubectl_discover.findings import Check, Finding
from kubectl_discover.refs import ObjectRef

MAX_LISTED = 5


def _listing(endpoints: Iterable[Endpoint]) -> str:
    names = list(dict.fromkeys(e.describe() for e in endpoints))
    shown = ", ".join(names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += f" and {len(names) - MAX_LISTED} more"
    return shown


def _names(refs: Iterable[ObjectRef]) -> str:
    return ", ".join(str(r) for r in refs)


def common_labels(endpoints: Sequence[Endpoint]) -> dict[str, str]:
    """The stable labels every endpoint carries (what a peer selector should use)."""
    if not endpoints:
        return {}
    shared = stable_labels(endpoints[0].labels)
    for endpoint in endpoints[1:]:
        shared = {k: v for k, v in shared.items() if endpoint.labels.get(k) == v}
    return shared


def _representative(endpoints: Sequence[Endpoint]) -> Endpoint:
    """One endpoint standing for a group in a fix: the first, with the shared labels."""
    return replace(endpoints[0], labels=common_labels(endpoints))


def _endpoint_ref(endpoint: Endpoint) -> ObjectRef:
    """The pod an endpoint is, or the address it stands for (not an object)."""
    return endpoint.ref or ObjectRef("address", "", endpoint.describe())


def _subject(verdict: DirectionVerdict) -> ObjectRef:
    if verdict.rule is not None and verdict.tier in (Tier.ADMIN, Tier.BASELINE):
        return verdict.rule.policy
    if verdict.isolating:
        return verdict.isolating[0]
    return _endpoint_ref(verdict.subject)


@dataclass
class _Group:
    """Connections failing the same way; reported as one finding."""

    check: Check
    direction: Direction
    hops: list[Hop] = field(default_factory=list)

    def verdicts(self) -> list[DirectionVerdict]:
        return [_side(h.verdict, self.direction) for h in self.hops]

    def others(self) -> list[Endpoint]:
        if self.direction is Direction.EGRESS:
            return [h.verdict.dst for h in self.hops]
        return [h.verdict.src for h in self.hops]

    def subjects(self) -> list[Endpoint]:
        return [_side(h.verdict, self.direction).subject for h in self.hops]

    def ports(self) -> list[PortSpec]:
        found = {PortSpec(h.verdict.protocol, h.verdict.port) for h in self.hops}
        return sorted(found, key=lambda p: (p.port, p.protocol != "UDP", p.protocol))


def _side(verdict: ConnectionVerdict, direction: Direction) -> DirectionVerdict:
    return verdict.egress if direction is Direction.EGRESS else verdict.ingress


def _ports_text(ports: Sequence[PortSpec]) -> str:
    protocols = " and ".join(dict.fromkeys(p.protocol for p in ports))
    numbers = ", ".join(str(n) for n in dict.fromkeys(p.port for p in ports))
    return f"{protocols} {numbers}"


def _fix(policies: PolicySet, group: _Group, purpose: str = "") -> Fix | None:
    verdict = group.verdicts()[0]
    if verdict.tier is Tier.ADMIN:
        return None
    other = _representative(group.others())
    subject = _representative(group.subjects())
    isolating = policies.views(verdict.isolating)
    return fix_for(group.direction, subject, other, group.ports(), isolating, purpose=purpose)


def _hint(fix: Fix | None, lead: str = "") -> str:
    text = fix.describe() if fix is not None else ""
    return f"{lead}\n{text}".strip() if lead else text


def _evidence(group: _Group) -> list[tuple[str, str]]:
    verdict = group.verdicts()[0]
    evidence = [("direction", group.direction.value), ("port", _ports_text(group.ports()))]
    if verdict.isolating:
        evidence.append(("isolated by", _names(verdict.isolating)))
    if verdict.rule is not None:
        evidence.append(("rule", str(verdict.rule)))
    return evidence


# ------------------------------------------------------------------ grouping


def _key(hop: Hop, direction: Direction, check: Check) -> tuple[object, ...]:
    verdict = _side(hop.verdict, direction)
    base: tuple[object, ...] = (check.id, direction, verdict.isolating, verdict.rule)
    if check in (DNS_EGRESS_DENIED, DNS_TCP_DENIED, DNS_NODE_LOCAL, DNS_INGRESS_DENIED):
        return base
    if check is UNKNOWN:  # one finding per reason, whatever the port or protocol
        return (*base, hop.kind, hop.service, verdict.reasons)
    return (*base, hop.kind, hop.service, hop.service_port, hop.verdict.protocol)


def path_findings(
    policies: PolicySet, hops: Sequence[Hop], dns: DnsServer | None = None
) -> tuple[Finding, ...]:
    """The findings of a path: one per way of failing, then the policy lints."""
    groups: dict[tuple[object, ...], _Group] = {}

    def add(check: Check, hop: Hop, direction: Direction) -> None:
        groups.setdefault(_key(hop, direction, check), _Group(check, direction)).hops.append(hop)

    dns_hops = [h for h in hops if h.kind is HopKind.DNS]
    _classify_dns(policies, dns_hops, dns, add)
    for hop in hops:
        if hop.kind is HopKind.DNS:
            continue
        for direction in Direction:
            side = _side(hop.verdict, direction)
            if side.outcome is Outcome.UNKNOWN:
                add(UNKNOWN, hop, direction)
            elif side.outcome is Outcome.DENIED:
                add(_denied_check(policies, hop, direction), hop, direction)
    findings = [_finding(policies, g, dns) for g in groups.values()]
    findings += peer_lints(policies, hops)
    findings += malformed_findings(policies)
    if hops and all(h.verdict.outcome is Outcome.ALLOWED for h in hops) and not groups:
        client = hops[0].verdict.src
        findings.append(
            PATH_ALLOWED(
                _endpoint_ref(client),
                f"NetworkPolicies allow all {len(hops)} connections of the path of "
                f"{client.describe()}",
            )
        )
    return tuple(findings)


def _denied_check(policies: PolicySet, hop: Hop, direction: Direction) -> Check:
    side = _side(hop.verdict, direction)
    if side.tier in (Tier.ADMIN, Tier.BASELINE):
        return ADMIN_DENIED
    if _service_port_rule(policies, hop, direction) is not None:
        return SERVICE_PORT
    if hop.kind is HopKind.CONTROLLER and direction is Direction.INGRESS:
        return CONTROLLER_NOT_ADMITTED
    return EGRESS_DENIED if direction is Direction.EGRESS else INGRESS_DENIED


def _service_port_rule(
    policies: PolicySet, hop: Hop, direction: Direction
) -> DirectionVerdict | None:
    """The verdict at the Service port when a rule that names exactly that port number
    allows it there (the classic bug: the rule was written against the Service)."""
    verdict = hop.verdict
    if hop.service_port is None or hop.service_port == verdict.port:
        return None
    side = evaluate_side(
        policies, direction, verdict.src, verdict.dst, hop.service_port, verdict.protocol
    )
    if side.outcome is not Outcome.ALLOWED or side.rule is None:
        return None
    for view in policies.views((side.rule.policy,)):
        rule = view.rules(direction)[side.rule.index]
        if any(
            p.port == hop.service_port and p.protocol == verdict.protocol and not p.problem
            for p in rule.ports or ()
        ):
            return side
    return None


def _classify_dns(
    policies: PolicySet,
    hops: Sequence[Hop],
    dns: DnsServer | None,
    add: Callable[[Check, Hop, Direction], None],
) -> None:
    udp = [h for h in hops if h.verdict.protocol == "UDP"]
    tcp = [h for h in hops if h.verdict.protocol == "TCP"]
    for direction in Direction:
        denied_udp = [h for h in udp if _side(h.verdict, direction).outcome is Outcome.DENIED]
        denied_tcp = [h for h in tcp if _side(h.verdict, direction).outcome is Outcome.DENIED]
        for hop in denied_udp + denied_tcp:
            side = _side(hop.verdict, direction)
            if side.tier in (Tier.ADMIN, Tier.BASELINE):
                add(ADMIN_DENIED, hop, direction)
            elif direction is Direction.INGRESS:
                add(DNS_INGRESS_DENIED, hop, direction)
            elif hop.resolver is Resolver.NODE_LOCAL and _coredns_rule(policies, hop, dns):
                add(DNS_NODE_LOCAL, hop, direction)
            elif denied_udp:
                add(DNS_EGRESS_DENIED, hop, direction)
            else:
                add(DNS_TCP_DENIED, hop, direction)
        for hop in hops:
            if _side(hop.verdict, direction).outcome is Outcome.UNKNOWN:
                add(UNKNOWN, hop, direction)


def _coredns_rule(policies: PolicySet, hop: Hop, dns: DnsServer | None) -> RuleRef | None:
    """The egress rule that would let the client reach a CoreDNS pod on this protocol, if
    any (then its DNS rule targets the pods, not the NodeLocal cache it actually uses)."""
    if dns is None or dns.kube_dns is None:
        return None
    for port, backends in dns.kube_dns.ports:
        if port.protocol != hop.verdict.protocol:
            continue
        for backend in backends:
            if backend.port is None:
                continue
            egress = evaluate_side(
                policies,
                Direction.EGRESS,
                hop.verdict.src,
                backend.endpoint,
                backend.port,
                port.protocol,
            )
            if egress.outcome is Outcome.ALLOWED and egress.rule is not None:
                return egress.rule
    return None


# ------------------------------------------------------------------ messages


def _server(group: _Group, dns: DnsServer | None) -> str:
    hop = group.hops[0]
    if hop.resolver is Resolver.CLUSTER_DNS:
        return f"the DNS pods of {hop.service} ({_listing(group.others())})"
    address = dns.nameserver if dns is not None else _listing(group.others())
    if hop.resolver is Resolver.NODE_LOCAL:
        return f"the NodeLocal DNS cache {address} on its node"
    return f"the DNS server {address}"


def _dns_ports(group: _Group, protocols: Sequence[str] = ("UDP", "TCP")) -> list[PortSpec]:
    numbers = dict.fromkeys(p.port for p in group.ports())
    return [PortSpec(protocol, n) for n in numbers for protocol in protocols]


def _finding(policies: PolicySet, group: _Group, dns: DnsServer | None) -> Finding:
    check = group.check
    verdict = group.verdicts()[0]
    hop = group.hops[0]
    ports = group.ports()
    subject = _subject(verdict)
    evidence = _evidence(group)
    src = hop.verdict.src
    if check is DNS_EGRESS_DENIED:
        fix = _fix_ports(policies, group, _dns_ports(group), "allow-dns")
        message = (
            f"{src.describe()} cannot resolve names: egress {_ports_text(ports)} to "
            f"{_server(group, dns)} is denied ({verdict.why})"
        )
        return check(subject, message, _hint(fix), evidence=evidence)
    if check is DNS_TCP_DENIED:
        fix = _fix_ports(policies, group, _dns_ports(group, ("TCP",)), "allow-dns")
        message = (
            f"{src.describe()} may resolve over UDP, but egress {_ports_text(ports)} to "
            f"{_server(group, dns)} is denied ({verdict.why}): answers too large for UDP "
            "are retried over TCP and fail"
        )
        return check(subject, message, _hint(fix), evidence=evidence)
    if check is DNS_NODE_LOCAL:
        fix = _fix_ports(policies, group, _dns_ports(group), "allow-node-local-dns")
        coredns = _coredns_rule(policies, hop, dns)
        message = (
            f"{src.describe()} resolves through {_server(group, dns)} (host network), but "
            f"its DNS egress rule {coredns} selects the CoreDNS pods, and pod selectors never "
            f"match the cache's host-network address: egress {_ports_text(ports)} to it is "
            f"denied ({verdict.why})"
        )
        return check(subject, message, _hint(fix), evidence=evidence)
    if check is DNS_INGRESS_DENIED:
        fix = _fix_ports(policies, group, _dns_ports(group), "allow-dns-clients")
        message = (
            f"{_listing(group.subjects())} (DNS) do not admit {src.describe()} on "
            f"{_ports_text(ports)} ({verdict.why})"
        )
        return check(subject, message, _hint(fix), evidence=evidence)
    if check is SERVICE_PORT:
        return _service_port_finding(policies, group)
    if check is ADMIN_DENIED:
        return _admin_finding(policies, group)
    if check is UNKNOWN:
        reasons = "; ".join(dict.fromkeys(r for v in group.verdicts() for r in v.reasons))
        message = (
            f"{group.direction.value} verdict {_connection(group)} is unknown: "
            f"{reasons or verdict.why}"
        )
        subject_ref = _endpoint_ref(verdict.subject)
        return check(subject_ref, message, evidence=evidence)
    general = _fix(policies, group)
    if check is CONTROLLER_NOT_ADMITTED:
        isolating = policies.views(verdict.isolating)
        rules = sum(len(p.ingress) for p in isolating)
        admits = (
            f"admit other sources through {rules} ingress rule(s)"
            if rules
            else "are isolated for ingress with no rule"
        )
        message = (
            f"{_listing(group.subjects())} {admits} but not the controller "
            f"{_listing(group.others())} on {_ports_text(ports)} ({verdict.why})"
        )
        return check(subject, message, _hint(general), evidence=evidence)
    if check is EGRESS_DENIED:
        message = f"Egress {_connection(group)} is denied ({verdict.why})"
        return check(subject, message, _hint(general), evidence=evidence)
    message = (
        f"{_listing(group.subjects())} do not admit {_listing(group.others())} on "
        f"{_ports_text(ports)}{_via(hop)} ({verdict.why})"
    )
    return check(subject, message, _hint(general), evidence=evidence)


def _via(hop: Hop) -> str:
    if hop.service is None:
        return ""
    return f" (targetPort of {hop.service} port {hop.service_port})"


def _connection(group: _Group) -> str:
    hop = group.hops[0]
    srcs = _listing(h.verdict.src for h in group.hops)
    dsts = _listing(h.verdict.dst for h in group.hops)
    return f"from {srcs} to {dsts} on {_ports_text(group.ports())}{_via(hop)}"


def _fix_ports(
    policies: PolicySet, group: _Group, ports: Sequence[PortSpec], purpose: str
) -> Fix | None:
    verdict = group.verdicts()[0]
    other = _representative(group.others())
    subject = _representative(group.subjects())
    isolating = policies.views(verdict.isolating)
    return fix_for(group.direction, subject, other, ports, isolating, purpose=purpose)


def _service_port_finding(policies: PolicySet, group: _Group) -> Finding:
    hop = group.hops[0]
    verdict = group.verdicts()[0]
    at_service_port = _service_port_rule(policies, hop, group.direction)
    rule = at_service_port.rule if at_service_port is not None else None
    target = hop.verdict.port
    named = str(rule) if rule is not None else "a rule"
    message = (
        f"{named} allows {hop.verdict.protocol} {hop.service_port}, the port of {hop.service}, "
        f"but policies see the pod's targetPort {target}: {group.direction.value.lower()} "
        f"{_connection(group)} is denied ({verdict.why})"
    )
    lead = ""
    fix = None
    if rule is not None:
        lead = (
            f"In {rule.path}.ports of {rule.policy}, write port {target} (the targetPort) "
            f"instead of {hop.service_port}, or add:"
        )
        views = policies.views((rule.policy,))
        other = _representative(group.others())
        subject = _representative(group.subjects())
        fix = fix_for(group.direction, subject, other, group.ports(), views)
    evidence = [*_evidence(group), ("service port", str(hop.service_port))]
    return SERVICE_PORT(
        rule.policy if rule else _subject(verdict), message, _hint(fix, lead), evidence=evidence
    )


def _admin_finding(policies: PolicySet, group: _Group) -> Finding:
    verdict = group.verdicts()[0]
    rule = verdict.rule
    named = str(rule) if rule is not None else "an admin policy rule"
    message = f"{named} denies {group.direction.value.lower()} {_connection(group)}"
    if verdict.tier is Tier.ADMIN:
        message += ": an AdminNetworkPolicy Deny outranks every NetworkPolicy"
        hint = f"Only a cluster administrator can change this: edit or remove {named}."
        return ADMIN_DENIED(_subject(verdict), message, hint, evidence=_evidence(group))
    message += ": the BaselineAdminNetworkPolicy applies because no NetworkPolicy isolates the pod"
    other = _representative(group.others())
    subject = _representative(group.subjects())
    fix = fix_for(group.direction, subject, other, group.ports(), (), purpose="allow")
    lead = (
        f"A NetworkPolicy allowing it takes precedence over {named}; note that it isolates "
        f"the pod for {group.direction.value.lower()}, so allow everything else it needs too:"
    )
    return ADMIN_DENIED(_subject(verdict), message, _hint(fix, lead), evidence=_evidence(group))
