"""The *kubernetes* plugin line as a typed value (CoreDNS v1.14 plugin/kubernetes).

``kubernetes [ZONES...] { ... }``: the zones it is authoritative for (the server
block's zones when none are given), how pod-IP names ``1-2-3-4.ns.pod.<zone>`` are
answered (``pods``: ``disabled`` by default, ``insecure``, ``verified``), whether
headless per-endpoint names use pod names (``endpoint_pod_names``), which NXDOMAIN
answers fall through to the next plugin, the answer TTL (default 5, 0-3600) and the
namespace filter. Options CoreDNS rejects become :class:`~.model.Problem` values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kubectl_discover.analyze.corefile.model import Directive, Problem, ServerBlock
from kubectl_discover.analyze.corefile.options import atoi, duration, fallthrough_zones
from kubectl_discover.analyze.corefile.zones import is_reverse, normalize_zones

DEFAULT_TTL = 5
MAX_TTL = 3600
_NO_ARGS = ("endpoint_pod_names", "noendpoints", "zonal")
_ANY_ARGS = ("endpoint", "tls", "kubeconfig", "labels", "namespace_labels", "startup_timeout")
_ONE_NUMBER = ("apiserver_qps", "apiserver_burst", "apiserver_max_inflight")


class PodMode(enum.Enum):
    """How ``<dashed-ip>.<ns>.pod.<zone>`` is answered."""

    DISABLED = "disabled"  # NXDOMAIN, the default
    INSECURE = "insecure"  # the IP in the name, if the namespace exists, without checking
    VERIFIED = "verified"  # only if a pod with that IP runs in that namespace


@dataclass(frozen=True)
class KubernetesView:
    """One ``kubernetes`` line. ``*_option`` are the lines a prediction cites (None: default)."""

    directive: Directive
    zones: tuple[str, ...]
    pods: PodMode
    pods_option: Directive | None
    endpoint_pod_names: Directive | None
    fallthrough: tuple[str, ...] | None
    fallthrough_option: Directive | None
    ttl: int
    ttl_option: Directive | None
    namespaces: tuple[str, ...]
    ignore_empty_service: bool
    noendpoints: bool
    multicluster: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def primary_zone(self) -> str:
        """The first forward (non-reverse) zone: the cluster domain it serves."""
        return next((z for z in self.zones if not is_reverse(z)), "")

    @property
    def cluster_domains(self) -> tuple[str, ...]:
        """Every non-reverse zone, without the trailing dot (``cluster.local``)."""
        return tuple(z.rstrip(".") for z in self.zones if not is_reverse(z) and z != ".")

    def exposes(self, namespace: str) -> bool:
        """Whether the ``namespaces`` filter lets names in ``namespace`` answer."""
        return not self.namespaces or namespace in self.namespaces


def kubernetes_view(directive: Directive, block: ServerBlock) -> KubernetesView:
    """Read one ``kubernetes`` line the way its setup does, collecting what it rejects."""
    problems: list[Problem] = []
    if directive.args:
        zones = normalize_zones(directive.args)
    else:
        zones = tuple(a.zone for a in block.addresses)
    if not any(not is_reverse(z) for z in zones):
        problems.append(Problem(directive, "non-reverse zone name must be used"))
    pods, pods_option = PodMode.DISABLED, None
    endpoint_pod_names = fall_option = ttl_option = None
    ttl = DEFAULT_TTL
    namespaces: list[str] = []
    ignore_empty = noendpoints = zonal = False
    multicluster: tuple[str, ...] = ()
    for option in directive.block:
        name, args = option.name, option.args
        if name in _NO_ARGS:
            if args:
                problems.append(Problem(option, f"{name} takes no arguments"))
            endpoint_pod_names = option if name == "endpoint_pod_names" else endpoint_pod_names
            noendpoints = noendpoints or name == "noendpoints"
            zonal = zonal or name == "zonal"
        elif name == "pods":
            mode = _pod_mode(args)
            if mode is None:
                problems.append(
                    Problem(
                        option,
                        f"wrong value for pods: {' '.join(args) or '(none)'}, must be one of: "
                        "disabled, verified, insecure",
                    )
                )
            else:
                pods, pods_option = mode, option
        elif name == "namespaces":
            if not args:
                problems.append(Problem(option, "namespaces needs at least one namespace"))
            namespaces.extend(a for a in args if a not in namespaces)
        elif name == "fallthrough":
            fall_option = option
        elif name == "ttl":
            value = atoi(args[0]) if args else None
            if value is None or not 0 <= value <= MAX_TTL:
                problems.append(Problem(option, f"ttl must be in range [0, {MAX_TTL}]"))
            else:
                ttl, ttl_option = value, option
        elif name == "ignore":
            if args and args[0] == "empty_service":
                ignore_empty = True
            elif args:
                problems.append(Problem(option, f"unable to parse ignore value: '{args[0]}'"))
        elif name == "multicluster":
            multicluster = normalize_zones(args)
        elif name in _ANY_ARGS or name in _ONE_NUMBER:
            problems.extend(_check_other(option))
        else:
            problems.append(Problem(option, f"unknown property '{name}'"))
    if zonal and noendpoints:
        problems.append(Problem(directive, "zonal requires the endpoint cache; remove noendpoints"))
    for zone in multicluster:
        if zone not in zones:
            problems.append(
                Problem(directive, f"is not authoritative for the multicluster zone {zone}")
            )
    return KubernetesView(
        directive=directive,
        zones=zones,
        pods=pods,
        pods_option=pods_option,
        endpoint_pod_names=endpoint_pod_names,
        fallthrough=fallthrough_zones(fall_option),
        fallthrough_option=fall_option,
        ttl=ttl,
        ttl_option=ttl_option,
        namespaces=tuple(namespaces),
        ignore_empty_service=ignore_empty,
        noendpoints=noendpoints,
        multicluster=multicluster,
        problems=tuple(problems),
    )


def _pod_mode(args: tuple[str, ...]) -> PodMode | None:
    if len(args) != 1:
        return None
    try:
        return PodMode(args[0])
    except ValueError:
        return None


def _check_other(option: Directive) -> list[Problem]:
    name, args = option.name, option.args
    if name == "tls" and len(args) != 3:
        return [Problem(option, "tls needs CERT KEY CACERT")]
    if name == "kubeconfig" and len(args) not in (1, 2):
        return [Problem(option, "kubeconfig needs KUBECONFIG [CONTEXT]")]
    if name == "startup_timeout" and (not args or duration(args[0]) is None):
        return [Problem(option, "startup_timeout needs a duration such as 5s")]
    if name in _ONE_NUMBER and len(args) != 1:
        return [Problem(option, f"{name} takes one number")]
    if not args and name != "tls":
        return [Problem(option, f"{name} needs an argument")]
    return []
