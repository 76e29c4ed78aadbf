"""The probe runners :mod:`kubectl_discover.pipeline` is given.

:class:`ClusterProbeRunner` creates the probe pod and runs the program in it (through
:mod:`kubectl_discover.api.probes`); :class:`RecordedProbeRunner` replays what a probe
printed earlier (``--record FILE`` writes it, ``--replay FILE`` reads it), so a probed
report can be rebuilt, tested and compared with no cluster. Both return the same
:class:`~kubectl_discover.pipeline.ProbeRun`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.analyze.resolv import cluster_dns_address
from kubectl_discover.errors import DiscoverError, InputError
from kubectl_discover.pipeline import NodeRun, ProbeRun, ProbeRunner
from kubectl_discover.probe.dnspath import (
    NODELOCAL_ADDRESS,
    DnsPathTargets,
    node_local_binds,
    replicas_from_slices,
)
from kubectl_discover.probe.errors import ProbeForbiddenError
from kubectl_discover.probe.nodes import NodeFanOut, select_nodes
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.plan import ProbePlan
from kubectl_discover.probe.runner import (
    EPHEMERAL_NOTICE,
    ProbeSettings,
    as_client_note,
    ephemeral_document,
    ephemeral_for,
    failed_probe_document,
    path_plan_for,
    plan_for,
    pod_for,
    pods_for_nodes,
    probe_document,
)
from kubectl_discover.snapshot import Obj, Snapshot

RECORD_FORMAT = "kubectl-discover/probe-record/v1"
MAX_RECORD_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ClusterProbeRunner:
    """One probe pod per run: created, watched, exec'd, always deleted (unless ``keep``)."""

    session: Any
    settings: ProbeSettings
    progress: Callable[[str], None]
    notice: Callable[[str], None] | None = None
    """Said once and kept on screen (``--as-client``'s labels, ``--ephemeral``'s warning);
    ``progress`` when None."""

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        if plan_for(diagnoses, self.settings.timeout).empty:
            return None  # nothing to probe: no pod at all
        with reused_pod(
            self.session,
            self.settings,
            self.progress,
            snapshot,
            diagnoses,
            lifetime=0.0,
            notice=self.notice,
        ) as run:
            return run(snapshot, diagnoses)


@contextlib.contextmanager
def reused_pod(
    session: Any,
    settings: ProbeSettings,
    progress: Callable[[str], None],
    snapshot: Snapshot,
    diagnoses: Sequence[Diagnosis],
    *,
    lifetime: float,
    notice: Callable[[str], None] | None = None,
) -> Iterator[ProbeRunner]:
    """A probe pod for one run (:class:`ClusterProbeRunner`) or many (``--watch``): created
    for ``diagnoses``, deleted when the block ends on every path (Ctrl-C included).
    ``lifetime`` (seconds) bounds the pod's life if the plugin dies without deleting it.
    With ``--ephemeral`` the probe runs in a debug container added to the client pod."""
    from kubectl_discover.api.probes import probe_pod
    from kubectl_discover.probe.payload import BOOTSTRAP, build_payload

    say = notice or progress
    if settings.ephemeral:
        with _ephemeral(session, settings, progress, say, snapshot, diagnoses) as run:
            yield run
        return
    pod = pod_for(snapshot, diagnoses, settings, lifetime=lifetime)
    note = as_client_note(pod)
    if note:
        say(note)
    with probe_pod(
        session, pod, timeout=settings.timeout, keep=settings.keep, progress=progress
    ) as running:

        def run(snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
            plan = _full_plan(session, settings, snapshot, diagnoses)
            if plan is None:
                return None
            result = running.run(build_payload(plan), BOOTSTRAP)
            return ProbeRun(result, probe_document(pod, result, settings.keep))

        yield run


def _full_plan(
    session: Any, settings: ProbeSettings, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]
) -> ProbePlan | None:
    """What one probe run asks: the diagnoses' checks and every hop of the DNS path (its
    targets read from the cluster); None when the diagnoses need no probe at all."""
    if plan_for(diagnoses, settings.timeout).empty:
        return None
    path = path_plan_for(snapshot, diagnoses, settings, dns_path_targets(session, snapshot))
    return plan_for(diagnoses, settings.timeout, dns_path=path)


@contextlib.contextmanager
def _ephemeral(
    session: Any,
    settings: ProbeSettings,
    progress: Callable[[str], None],
    notice: Callable[[str], None],
    snapshot: Snapshot,
    diagnoses: Sequence[Diagnosis],
) -> Iterator[ProbeRunner]:
    from kubectl_discover.api.probes import ephemeral_probe
    from kubectl_discover.probe.payload import BOOTSTRAP, build_payload

    client, container = ephemeral_for(snapshot, diagnoses, settings)
    meta = client.get("metadata") or {}
    namespace, name = str(meta.get("namespace")), str(meta.get("name"))
    notice(EPHEMERAL_NOTICE.format(container=container["name"], pod=f"{namespace}/{name}"))
    with ephemeral_probe(
        session, namespace, name, container, timeout=settings.timeout, progress=progress
    ) as running:

        def run(snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
            plan = _full_plan(session, settings, snapshot, diagnoses)
            if plan is None:
                return None
            result = running.run(build_payload(plan), BOOTSTRAP)
            return ProbeRun(result, ephemeral_document(client, container, result))

        yield run


def dns_path_targets(session: Any, snapshot: Snapshot) -> DnsPathTargets:
    """The kube-dns ClusterIP (from the snapshot, else one GET) and its replicas (one LIST of
    its EndpointSlices); a refused LIST is a stated skip, never a failure."""
    from kubectl_discover.api.dnspath import (
        kube_dns_cluster_ip,
        kube_dns_slices,
        node_local_corefile,
    )
    from kubectl_discover.api.session import ApiNotFound, Forbidden

    service_ip = cluster_dns_address(snapshot) or kube_dns_cluster_ip(session)
    corefile = node_local_corefile(session)
    binds, line = node_local_binds(corefile, service_ip) if corefile else ((), "")
    targets = DnsPathTargets(
        service_ip,
        None,
        node_local=tuple(dict.fromkeys((NODELOCAL_ADDRESS, *binds))),
        node_local_line=line,
    )
    try:
        slices = kube_dns_slices(session)
    except Forbidden as refusal:
        return dataclasses.replace(targets, skipped=refusal.unavailable().describe())
    except ApiNotFound:
        return dataclasses.replace(targets, skipped="discovery.k8s.io/v1 not served")
    return dataclasses.replace(targets, replicas=replicas_from_slices(slices))


@dataclass(frozen=True)
class FanOutProbeRunner:
    """One probe pod per node (``--all-nodes``, ``--nodes``, ``--per-zone``), created, watched,
    exec'd and deleted together (:mod:`kubectl_discover.api.fanout`); every node's result."""

    session: Any
    settings: ProbeSettings
    fan_out: NodeFanOut
    progress: Callable[[str], None]
    notice: Callable[[str], None] | None = None

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        from kubectl_discover.api.fanout import probe_pods
        from kubectl_discover.probe.payload import BOOTSTRAP, build_payload

        if plan_for(diagnoses, self.settings.timeout).empty:
            return None
        selection = select_nodes(fan_out_nodes(snapshot, self.fan_out), self.fan_out)
        pods = pods_for_nodes(snapshot, diagnoses, self.settings, selection.nodes)
        note = as_client_note(pods[0][1])
        if note:
            (self.notice or self.progress)(note)
        # the DNS path (kube-dns, its replicas, a node-local cache) is read once for all nodes
        targets = dns_path_targets(self.session, snapshot)
        path = path_plan_for(snapshot, diagnoses, self.settings, targets)
        plan = plan_for(diagnoses, self.settings.timeout, dns_path=path)
        keep = self.settings.keep
        with probe_pods(
            self.session, pods, timeout=self.settings.timeout, keep=keep, progress=self.progress
        ) as running:
            results = running.run(build_payload(plan), BOOTSTRAP)
        nodes = []
        for (node, pod), result in zip(pods, results):
            if isinstance(result, ProbeResult):
                nodes.append(NodeRun(node, result, probe_document(pod, result, keep)))
            else:
                error = result.message
                nodes.append(
                    NodeRun(node, None, failed_probe_document(pod, node, error, keep), error)
                )
        first = next((n for n in nodes if n.result is not None), None)
        if first is None or first.result is None:
            error_result = results[0]
            assert isinstance(error_result, DiscoverError)
            raise error_result
        return ProbeRun(first.result, first.document, nodes=tuple(nodes), notes=selection.notes())


def fan_out_nodes(snapshot: Snapshot, fan_out: NodeFanOut) -> Sequence[Obj]:
    """The Node LIST the loader read; without it only ``--nodes`` can go on (unchecked)."""
    gap = snapshot.unavailable_for("nodes")
    if gap is None:
        return snapshot.nodes
    if fan_out.names:
        return [{"metadata": {"name": name}} for name in fan_out.names]
    raise ProbeForbiddenError(
        f"{fan_out.describe()} needs the nodes ({gap.describe()}): grant list on nodes, or "
        "name them with --nodes A,B"
    )


@dataclass(frozen=True)
class RecordedProbeRunner:
    """Replays one recorded probe run, whatever the diagnoses (they were recorded for)."""

    record: Mapping[str, Any]

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        result = ProbeResult.from_json(self.record["result"])
        document = {**(self.record.get("probe") or {}), "replayed": True}
        return ProbeRun(result, document)

    @classmethod
    def from_file(cls, path: str) -> RecordedProbeRunner:
        """Read a record written by :class:`RecordingProbeRunner`; InputError when unusable."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_RECORD_BYTES + 1)
        except OSError as error:
            raise InputError(f"--replay {path}: {error.strerror or error}") from None
        if len(data) > MAX_RECORD_BYTES:
            raise InputError(f"--replay {path}: larger than {MAX_RECORD_BYTES // 2**20} MiB")
        try:
            record = json.loads(data)
        except (ValueError, RecursionError):
            raise InputError(f"--replay {path}: not JSON") from None
        if (
            not isinstance(record, dict)
            or record.get("format") != RECORD_FORMAT
            or not isinstance(record.get("result"), dict)
        ):
            raise InputError(f"--replay {path}: not a probe record ({RECORD_FORMAT})")
        return cls(record)


@dataclass(frozen=True)
class RecordingProbeRunner:
    """Runs ``inner`` and writes what it observed to ``path`` for ``--replay``."""

    inner: ProbeRunner
    path: str

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        run = self.inner(snapshot, diagnoses)
        if run is not None:
            record = {
                "format": RECORD_FORMAT,
                "probe": dict(run.document),
                "result": dict(run.result.raw),
            }
            Path(self.path).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        return run
