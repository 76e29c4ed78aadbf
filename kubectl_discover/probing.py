"""The probe runners :mod:`kubectl_discover.pipeline` is given.

:class:`ClusterProbeRunner` creates the probe pod and runs the program in it (through
:mod:`kubectl_discover.api.probes`); :class:`RecordedProbeRunner` replays what a probe
printed earlier (``--record FILE`` writes it, ``--replay FILE`` reads it), so a probed
report can be rebuilt, tested and compared with no cluster. Both return the same
:class:`~kubectl_discover.pipeline.ProbeRun`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.errors import DiscoverError, InputError
from kubectl_discover.pipeline import NodeRun, ProbeRun, ProbeRunner
from kubectl_discover.probe.errors import ProbeForbiddenError
from kubectl_discover.probe.nodes import NodeFanOut, select_nodes
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.runner import (
    ProbeSettings,
    failed_probe_document,
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

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        if plan_for(diagnoses, self.settings.timeout).empty:
            return None  # nothing to probe: no pod at all
        with reused_pod(
            self.session, self.settings, self.progress, snapshot, diagnoses, lifetime=0.0
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
) -> Iterator[ProbeRunner]:
    """A probe pod for one run (:class:`ClusterProbeRunner`) or many (``--watch``): created
    for ``diagnoses``, deleted when the block ends on every path (Ctrl-C included).
    ``lifetime`` (seconds) bounds the pod's life if the plugin dies without deleting it."""
    from kubectl_discover.api.probes import probe_pod
    from kubectl_discover.probe.payload import BOOTSTRAP, build_payload

    pod = pod_for(snapshot, diagnoses, settings, lifetime=lifetime)
    with probe_pod(
        session, pod, timeout=settings.timeout, keep=settings.keep, progress=progress
    ) as running:

        def run(snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
            plan = plan_for(diagnoses, settings.timeout)
            if plan.empty:
                return None
            result = running.run(build_payload(plan), BOOTSTRAP)
            return ProbeRun(result, probe_document(pod, result, settings.keep))

        yield run


@dataclass(frozen=True)
class FanOutProbeRunner:
    """One probe pod per node (``--all-nodes``, ``--nodes``, ``--per-zone``), created, watched,
    exec'd and deleted together (:mod:`kubectl_discover.api.fanout`); every node's result."""

    session: Any
    settings: ProbeSettings
    fan_out: NodeFanOut
    progress: Callable[[str], None]

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None:
        from kubectl_discover.api.fanout import probe_pods
        from kubectl_discover.probe.payload import BOOTSTRAP, build_payload

        plan = plan_for(diagnoses, self.settings.timeout)
        if plan.empty:
            return None
        selection = select_nodes(fan_out_nodes(snapshot, self.fan_out), self.fan_out)
        pods = pods_for_nodes(snapshot, diagnoses, self.settings, selection.nodes)
        keep = self.settings.keep
        with probe_pods(
            self.session, pods, timeout=self.settings.timeout, keep=keep, progress=self.progress
        ) as running:
            results = running.run(build_payload(plan), BOOTSTRAP)
        nodes = []
        for (node, pod), result in zip(pods, results, strict=True):
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
