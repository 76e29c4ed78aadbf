"""How a pod's resolver turns a name into queries: kubelet's resolv.conf and the
glibc search/ndots walk (glibc's res_search, as resolv.conf(5) documents it). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_discover.snapshot import Snapshot

DEFAULT_NDOTS = 5
"""kubelet writes ``options ndots:5`` for ClusterFirst pods."""

MAX_SEARCH_DOMAINS = 32


@dataclass(frozen=True)
class ResolvConf:
    """The parts of resolv.conf that decide which names get queried."""

    nameservers: tuple[str, ...]
    search: tuple[str, ...]
    ndots: int = 1

    def render(self) -> str:
        lines = [f"nameserver {ns}" for ns in self.nameservers]
        if self.search:
            lines.append("search " + " ".join(self.search))
        lines.append(f"options ndots:{self.ndots}")
        return "\n".join(lines) + "\n"


def parse_resolv_conf(text: str) -> ResolvConf:
    """Parse resolv.conf text the way glibc does: the last ``search``/``domain`` wins."""
    nameservers: list[str] = []
    search: tuple[str, ...] = ()
    ndots = 1
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        key, *values = line.split()
        if key == "nameserver" and values:
            nameservers.append(values[0])
        elif key in ("search", "domain"):
            search = tuple(v.rstrip(".") for v in values)
        elif key == "options":
            for option in values:
                if option.startswith("ndots:"):
                    try:
                        ndots = min(int(option.split(":", 1)[1]), 15)
                    except ValueError:
                        continue
    return ResolvConf(tuple(nameservers), search, ndots)


def cluster_dns_address(snapshot: Snapshot) -> str | None:
    """The ClusterIP of kube-system/kube-dns (what kubelet's clusterDNS usually is), or None
    when the snapshot holds no such Service (not read, or named otherwise)."""
    kube_dns = snapshot.find(snapshot.services, "kube-system", "kube-dns")
    ip = str(((kube_dns or {}).get("spec") or {}).get("clusterIP") or "")
    return ip if ip and ip != "None" else None


def cluster_search(namespace: str, cluster_domain: str) -> tuple[str, ...]:
    """The three search domains kubelet puts first for a ClusterFirst pod."""
    return (f"{namespace}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain)


def pod_resolv_conf(
    namespace: str,
    cluster_domain: str,
    *,
    cluster_dns: Sequence[str] = ("10.96.0.10",),
    dns_policy: str = "ClusterFirst",
    host_network: bool = False,
    dns_config: Mapping[str, Any] | None = None,
    host: ResolvConf | None = None,
) -> ResolvConf:
    """The resolv.conf kubelet writes for a pod (pkg/kubelet/network/dns/dns.go).

    ClusterFirst with hostNetwork silently behaves as Default; ``None`` starts empty
    and takes everything from ``dnsConfig``.
    """
    host = host or ResolvConf(nameservers=(), search=(), ndots=1)
    policy = dns_policy or "ClusterFirst"
    if policy == "ClusterFirst" and host_network:
        policy = "Default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        base = ResolvConf(
            nameservers=tuple(cluster_dns),
            search=_dedupe(cluster_search(namespace, cluster_domain) + host.search),
            ndots=DEFAULT_NDOTS,
        )
    elif policy == "Default":
        base = host
    else:  # "None"
        base = ResolvConf(nameservers=(), search=(), ndots=1)
    return _apply_dns_config(base, dns_config)


def _apply_dns_config(base: ResolvConf, dns_config: Mapping[str, Any] | None) -> ResolvConf:
    if not dns_config:
        return base
    nameservers = _dedupe(base.nameservers + tuple(dns_config.get("nameservers") or ()))
    search = _dedupe(base.search + tuple(dns_config.get("searches") or ()))
    ndots = base.ndots
    for option in dns_config.get("options") or ():
        if option.get("name") == "ndots" and option.get("value") is not None:
            try:
                ndots = int(option["value"])
            except (TypeError, ValueError):
                continue
    return ResolvConf(nameservers[:3], search[:MAX_SEARCH_DOMAINS], ndots)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return tuple(seen)


def candidates(name: str, resolv: ResolvConf) -> tuple[str, ...]:
    """The absolute names glibc tries for ``name``, in order, each ending with a dot.

    A trailing dot means the name alone. With at least ``ndots`` dots the name is tried
    as-is first, then with each search suffix; with fewer, the suffixes come first.
    """
    if name.endswith("."):
        return (name,)
    suffixed = tuple(f"{name}.{domain}." for domain in resolv.search)
    if name.count(".") >= resolv.ndots:
        return (f"{name}.", *suffixed)
    return (*suffixed, f"{name}.")


def query_cost(name: str, resolv: ResolvConf, answered_by: str | None, *, families: int = 2) -> int:
    """How many queries resolving ``name`` costs until ``answered_by`` answers.

    ``families`` is 2 for getaddrinfo with AF_UNSPEC (A and AAAA per candidate).
    When nothing answers (``answered_by`` None) every candidate is tried.
    """
    tried = 0
    for candidate in candidates(name, resolv):
        tried += 1
        if answered_by is not None and candidate.rstrip(".") == answered_by.rstrip("."):
            break
    return tried * families
