"""What to ask along the DNS path (pure): every hop a query can take, and the names.

A pod's query goes to its nameserver (the kube-dns ClusterIP, or a node-local cache),
kube-proxy sends it on to one CoreDNS replica. The probe asks each of those hops
directly, over UDP and TCP, so a replica that answers differently, slowly or not at
all is seen instead of averaged away. The replicas are the endpoints of the kube-dns
EndpointSlices (read only when probing, :mod:`kubectl_discover.probing`); they are
parsed here, once, into :class:`DnsHop` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubectl_discover.analyze.model import Diagnosis

NODELOCAL_ADDRESS = "169.254.20.10"
"""The link-local address NodeLocal DNSCache listens on (its documented default)."""
NODELOCAL_CONFIGMAP = "node-local-dns"
"""kube-system/node-local-dns: NodeLocal DNSCache's Corefile (its ``bind`` line)."""
LOCAL_PILLAR = "__PILLAR__LOCAL__DNS__"
SERVER_PILLAR = "__PILLAR__DNS__SERVER__"
KUBE_DNS = ("kube-system", "kube-dns")
KUBE_DNS_SELECTOR = "kubernetes.io/service-name=kube-dns"
MAX_REPEAT = 200
MAX_NAMES = 2


class Role:
    """What a hop is; plain strings so the plan stays JSON."""

    RESOLVER = "resolver"
    """The probe pod's own nameserver (resolv.conf), when it is none of the others."""
    SERVICE = "service"
    """The kube-dns ClusterIP (kube-proxy picks a replica per query)."""
    REPLICA = "replica"
    """One CoreDNS endpoint, asked directly."""
    NODE_LOCAL = "node-local"
    """A node-local cache (NodeLocal DNSCache)."""


@dataclass(frozen=True)
class DnsHop:
    """One server on the DNS path."""

    role: str
    address: str
    pod: str = ""
    """namespace/name of the replica's pod (from the EndpointSlice's targetRef)."""
    node: str = ""
    ready: bool | None = None
    note: str = ""
    """Something known about the hop beyond its role (a node-local cache binding it)."""

    @property
    def key(self) -> str:
        return f"dnspath:{self.role}:{self.address}"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "role": self.role,
            "address": self.address,
            "pod": self.pod,
            "node": self.node,
            "ready": self.ready,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsHop:
        ready = data.get("ready")
        return cls(
            role=str(data.get("role", "")),
            address=str(data.get("address", "")),
            pod=str(data.get("pod") or ""),
            node=str(data.get("node") or ""),
            ready=None if ready is None else bool(ready),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class DnsPathPlan:
    """The hops and names the probe asks along the DNS path, and how often.

    ``repeat`` is ``--repeat N``: each name is asked N times per hop, A and AAAA in
    parallel over one UDP socket as glibc does. ``skipped`` says why the replicas are
    missing (EndpointSlices not readable) when they are.
    """

    names: tuple[str, ...]
    hops: tuple[DnsHop, ...]
    repeat: int = 1
    node_local: tuple[str, ...] = (NODELOCAL_ADDRESS,)
    skipped: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "hops": [h.to_json() for h in self.hops],
            "repeat": self.repeat,
            "node_local": list(self.node_local),
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DnsPathPlan:
        return cls(
            names=tuple(str(n) for n in data.get("names") or ()),
            hops=tuple(DnsHop.from_json(h) for h in data.get("hops") or ()),
            repeat=int(data.get("repeat") or 1),
            node_local=tuple(str(a) for a in data.get("node_local") or ()),
            skipped=str(data.get("skipped") or ""),
        )


@dataclass(frozen=True)
class DnsPathTargets:
    """What the cluster says about the DNS path: the kube-dns ClusterIP and its replicas
    (None: the EndpointSlices were not read, ``skipped`` says why)."""

    service_ip: str | None
    replicas: tuple[DnsHop, ...] | None
    skipped: str = ""
    node_local: tuple[str, ...] = (NODELOCAL_ADDRESS,)
    node_local_line: str = ""
    """The ``bind`` line of kube-system/node-local-dns, when that ConfigMap was read."""


def node_local_binds(corefile: str, service_ip: str | None) -> tuple[tuple[str, ...], str]:
    """The addresses NodeLocal DNSCache's Corefile binds on every node, and the line that says
    so: ``bind 169.254.20.10 10.96.0.10`` (also with its placeholders, which node-cache fills
    in with the link-local address and the kube-dns ClusterIP)."""
    from kubectl_discover.analyze.corefile import parse_corefile
    from kubectl_discover.syntax import is_ip

    parsed = parse_corefile(corefile, source=f"{KUBE_DNS[0]}/{NODELOCAL_CONFIGMAP}/Corefile")
    found: dict[str, None] = {}
    line = ""
    for block in parsed.blocks:
        for directive in block.named("bind"):
            line = line or f"'bind {' '.join(directive.args)}' ({directive.where})"
            for word in directive.args:
                address = (
                    NODELOCAL_ADDRESS
                    if word == LOCAL_PILLAR
                    else (service_ip or "")
                    if word == SERVER_PILLAR
                    else word
                )
                if address and is_ip(address):
                    found.setdefault(address, None)
    return tuple(found), line


def replicas_from_slices(slices: Iterable[Mapping[str, Any]]) -> tuple[DnsHop, ...]:
    """The CoreDNS endpoints of the kube-dns EndpointSlices, one hop per address (IPv4
    and IPv6 slices both), in address order; terminating endpoints are left out."""
    found: dict[str, DnsHop] = {}
    for item in slices:
        for endpoint in item.get("endpoints") or ():
            conditions = endpoint.get("conditions") or {}
            if conditions.get("terminating") is True:
                continue
            ready = conditions.get("ready")
            target = endpoint.get("targetRef") or {}
            pod = (
                f"{target.get('namespace') or KUBE_DNS[0]}/{target.get('name')}"
                if target.get("kind") == "Pod" and target.get("name")
                else ""
            )
            for address in endpoint.get("addresses") or ():
                found.setdefault(
                    str(address),
                    DnsHop(
                        Role.REPLICA,
                        str(address),
                        pod=pod,
                        node=str(endpoint.get("nodeName") or ""),
                        ready=None if ready is None else ready is not False,
                    ),
                )
    return tuple(found[a] for a in sorted(found))


def path_names(diagnoses: Sequence[Diagnosis], cluster_domain: str) -> tuple[str, ...]:
    """The absolute names to ask every hop: the subjects' names predicted to resolve (the
    Service FQDN first), else the API server's, which every cluster DNS serves."""
    names: list[str] = []
    for diagnosis in diagnoses:
        for expectation in diagnosis.dns:
            if expectation.exists is not True or expectation.qtype not in ("A", "AAAA"):
                continue
            name = expectation.fqdn.rstrip(".").lower() + "."
            if expectation.fqdn and name not in names:
                names.append(name)
    if not names:
        names.append(f"kubernetes.default.svc.{cluster_domain.strip('.')}.")
    return tuple(names[:MAX_NAMES])


def build_path_plan(
    diagnoses: Sequence[Diagnosis], targets: DnsPathTargets, *, cluster_domain: str, repeat: int
) -> DnsPathPlan:
    """The hops (the kube-dns ClusterIP, each replica) and names; the program adds the
    pod's own nameserver."""
    if not 1 <= repeat <= MAX_REPEAT:
        raise ValueError(f"repeat must be between 1 and {MAX_REPEAT}")
    hops: list[DnsHop] = []
    if targets.service_ip:
        note = (
            f"NodeLocal DNSCache binds this address on the nodes it runs on "
            f"({targets.node_local_line}): there the node's cache answers it, not kube-proxy"
            if targets.service_ip in targets.node_local and targets.node_local_line
            else ""
        )
        hops.append(DnsHop(Role.SERVICE, targets.service_ip, pod="/".join(KUBE_DNS), note=note))
    hops.extend(targets.replicas or ())
    return DnsPathPlan(
        names=path_names(diagnoses, cluster_domain),
        hops=tuple(hops),
        repeat=repeat,
        node_local=targets.node_local,
        skipped=targets.skipped,
    )
