"""Every flag resolved into one value (:class:`Options`), validated before anything is read,
and turned into the loader's request.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubectl_discover.commands import (
    Needs,
)
from kubectl_discover.errors import (
    InputError,
)
from kubectl_discover.refs import CLIENT_USAGE, parse_client
from kubectl_discover.syntax import is_dns1123_label, is_dns1123_subdomain

if TYPE_CHECKING:
    from kubectl_discover.loading import LoadRequest
    from kubectl_discover.probe.nodes import NodeFanOut


OUTPUTS = ("table", "wide", "json", "yaml", "tree")


@dataclass(frozen=True)
class ProbeOptions:
    enabled: bool
    image: str | None = None
    node: str | None = None
    client: str | None = None
    keep: bool = False
    namespace: str | None = None
    timeout: float = 60.0
    dry_run: bool = False
    record: str | None = None
    replay: str | None = None
    watch: bool = False
    interval: float = 5.0
    fan_out: NodeFanOut = field(default_factory=lambda: _no_fan_out())
    """``--all-nodes``, ``--nodes A,B``, ``--per-zone``: one probe pod per node."""
    as_client: bool = False
    ephemeral: bool = False
    repeat: int = 1
    """``--repeat N``: how often each hop of the DNS path is asked."""


WATCH_LIFETIME = 3600.0
"""How long ``--watch`` runs at most: the probe pod's deadline is set past it, so a plugin
that dies never leaves the pod for longer."""


@dataclass(frozen=True)
class Options:
    """Every flag, resolved. Built by :func:`resolve`, checked by :func:`validate`."""

    namespace: str | None
    all_namespaces: bool
    context: str | None
    kubeconfig: str | None
    output: str
    filenames: tuple[str, ...]
    cluster_domain: str | None
    color: bool
    width: int
    probe: ProbeOptions = field(default_factory=lambda: ProbeOptions(enabled=False))
    kustomize: str | None = None

    @property
    def offline(self) -> bool:
        return bool(self.filenames) or self.kustomize is not None


def resolve(
    *,
    namespace: str | None,
    all_namespaces: bool,
    context: str | None,
    kubeconfig: str | None,
    output: str,
    filenames: Sequence[str] | None,
    cluster_domain: str | None,
    no_color: bool,
    probe: ProbeOptions | None = None,
    kustomize: str | None = None,
) -> Options:
    """Flags plus environment (terminal, NO_COLOR) into one value."""
    tty = sys.stdout.isatty()
    color = tty and not no_color and "NO_COLOR" not in os.environ and output != "json"
    # COLUMNS first (as kubectl's printers), then the terminal; 120 when neither says.
    width = shutil.get_terminal_size((120, 24)).columns
    return Options(
        namespace=namespace,
        all_namespaces=all_namespaces,
        context=context,
        kubeconfig=kubeconfig,
        output=output.lower(),
        filenames=tuple(filenames or ()),
        cluster_domain=cluster_domain,
        color=color,
        width=width,
        probe=probe or ProbeOptions(enabled=False),
        kustomize=kustomize,
    )


def validate(options: Options) -> None:
    """Reject what cannot work before touching files or the cluster."""
    if options.output not in OUTPUTS:
        raise InputError(f"--output must be one of {', '.join(OUTPUTS)}, not {options.output!r}")
    if options.namespace is not None and not is_dns1123_label(options.namespace):
        raise InputError(f"--namespace {options.namespace!r} is not a valid namespace name")
    if options.cluster_domain is not None and not is_dns1123_subdomain(
        options.cluster_domain.rstrip(".")
    ):
        raise InputError(f"--cluster-domain {options.cluster_domain!r} is not a DNS name")
    if options.filenames.count("-") > 1:
        raise InputError("-f - (stdin) may be given only once")
    if options.kustomize is not None and not options.kustomize:
        raise InputError("-k: an empty directory name was given")
    probe = options.probe
    if probe.client is not None and parse_client(probe.client, "") is None:
        raise InputError(f"--from must be {CLIENT_USAGE}, not {probe.client!r}")
    if probe.as_client and probe.client is None:
        raise InputError("--as-client needs --from: the client whose labels the probe carries")
    if probe.ephemeral:
        _validate_ephemeral(probe)
    if probe.timeout <= 0:
        raise InputError("--probe-timeout must be positive")
    from kubectl_discover.probe.dnspath import MAX_REPEAT

    if not 1 <= probe.repeat <= MAX_REPEAT:
        raise InputError(f"--repeat must be between 1 and {MAX_REPEAT}, not {probe.repeat}")
    if probe.repeat > 1 and not probe.enabled:
        raise InputError("--repeat asks the DNS path from a probe pod: not with --no-probe")
    if probe.replay is not None and (probe.record is not None or probe.dry_run):
        raise InputError("--replay starts no probe pod: it cannot go with --record or --dry-run")
    if probe.replay is not None and not probe.enabled:
        raise InputError("--replay and --no-probe contradict each other")
    if probe.watch and (probe.dry_run or probe.record is not None or probe.keep):
        raise InputError("--watch cannot go with --dry-run, --record or --keep")
    if probe.watch and not 1.0 <= probe.interval <= WATCH_LIFETIME:
        raise InputError(f"--interval must be between 1 and {WATCH_LIFETIME:g} seconds")
    _validate_fan_out(probe)


def _validate_fan_out(probe: ProbeOptions) -> None:
    """``--all-nodes`` / ``--nodes`` / ``--per-zone``: one of them, well-formed names, and
    none of the flags that mean one pod. Whether the nodes exist is checked against the
    Node LIST, still before any pod is created."""
    fan_out = probe.fan_out
    given = [flag for flag, on in _fan_out_flags(fan_out) if on]
    if len(given) > 1:
        raise InputError(f"{' and '.join(given)} contradict each other: give one")
    if not given:
        return
    for name in fan_out.names:
        if not is_dns1123_subdomain(name):
            raise InputError(f"--nodes: {name!r} is not a node name")
    others = [
        flag
        for flag, on in (
            ("--no-probe", not probe.enabled),
            ("--node", probe.node is not None),
            ("--watch", probe.watch),
            ("--record", probe.record is not None),
            ("--replay", probe.replay is not None),
            ("--ephemeral", probe.ephemeral),
        )
        if on
    ]
    if others:
        raise InputError(f"{given[0]} runs one probe pod per node: it cannot go with {others[0]}")


def _fan_out_flags(fan_out: NodeFanOut) -> tuple[tuple[str, bool], ...]:
    return (
        ("--all-nodes", fan_out.all_nodes),
        ("--nodes", bool(fan_out.names)),
        ("--per-zone", fan_out.per_zone),
    )


def _validate_ephemeral(probe: ProbeOptions) -> None:
    """``--ephemeral`` runs in the ``--from`` pod itself and cannot be removed afterwards."""
    client = parse_client(probe.client, "") if probe.client is not None else None
    if client is None or client.kind != "Pod":
        raise InputError(
            "--ephemeral needs --from pod/NAME: the pod the debug container is added to"
        )
    if probe.as_client:
        raise InputError("--ephemeral already probes from inside the client: drop --as-client")
    clashing = [
        flag
        for flag, given in (
            ("--node", probe.node is not None),
            ("--probe-namespace", probe.namespace is not None),
            ("--keep", probe.keep),
            ("--watch", probe.watch),
            ("--no-probe", not probe.enabled),
            ("--replay", probe.replay is not None),
        )
        if given
    ]
    if clashing:
        raise InputError(
            f"--ephemeral runs once in the --from pod: it cannot go with {', '.join(clashing)}"
        )


def validate_name(kind: str, name: str) -> None:
    if not is_dns1123_label(name):
        raise InputError(
            f"{name!r} is not a valid {kind} name (lowercase letters, digits and '-', "
            "at most 63 characters, starting and ending with a letter or digit)"
        )


# --- loading --------------------------------------------------------------------------------


def load_request(
    needs: Needs, options: Options, events_for: tuple[str, str] | None = None
) -> LoadRequest:
    """What to load for ``needs`` under these options."""
    from kubectl_discover.loading import LoadRequest, Source

    return LoadRequest(
        needs=needs,
        source=Source(
            filenames=options.filenames,
            kustomize=options.kustomize,
            kubeconfig=options.kubeconfig,
            context=options.context,
            stdin=sys.stdin.buffer,
        ),
        namespace=options.namespace,
        all_namespaces=options.all_namespaces,
        cluster_domain=(options.cluster_domain or "cluster.local").rstrip("."),
        events_for=events_for,
        detect_cluster_domain=options.cluster_domain is None,
        extra_kinds=frozenset({"nodes"}) if options.probe.fan_out.wanted else frozenset(),
    )


def _no_fan_out() -> NodeFanOut:
    """One probe pod (no ``--all-nodes``/``--nodes``/``--per-zone``); imported when first
    needed so that ``version`` and ``--help`` stay fast."""
    from kubectl_discover.probe.nodes import NodeFanOut

    return NodeFanOut()
