"""Running one command: load, then the pipeline with the right probe runner (or the dry
run, or --watch), then the written report and its exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from kubectl_discover.cli.options import WATCH_LIFETIME, Options, load_request
from kubectl_discover.cli.output import Spinner, emit, exit_code, notice, progress, render
from kubectl_discover.commands import (
    INGRESS,
    SCAN,
)
from kubectl_discover.errors import (
    EXIT_OK,
)

if TYPE_CHECKING:
    from kubectl_discover.analyze.model import Diagnosis
    from kubectl_discover.loading import Loaded, LoadRequest
    from kubectl_discover.pipeline import ProbeRunner, Subject


def _probe_runner(
    options: Options, loaded: Loaded, progress: Callable[[str], None]
) -> ProbeRunner | None:
    """The runner for this run: a replay, the cluster's (live only), or none."""
    from kubectl_discover import probing

    probe = options.probe
    if probe.replay is not None:
        return probing.RecordedProbeRunner.from_file(probe.replay)
    if not probe.enabled or loaded.session is None:
        return None
    runner: ProbeRunner = probing.ClusterProbeRunner(loaded.session, probe, progress, notice)
    if probe.record is not None:
        runner = probing.RecordingProbeRunner(runner, probe.record)
    return runner


def _request(options: Options, subject: Subject) -> LoadRequest:
    """What to load for ``subject`` (an Ingress's own Events too)."""
    events_for = ("Ingress", subject.name) if subject.needs is INGRESS else None
    return load_request(subject.needs, options, events_for)


def _notes(options: Options) -> list[str]:
    if options.probe.enabled and options.offline and options.probe.replay is None:
        return ["live probes need a cluster; analysed the files statically"]
    return []


def run_subject(options: Options, subject: Subject) -> int:
    """load -> (dry run | diagnose -> probe -> explain -> report) -> write."""
    from datetime import datetime, timezone

    from kubectl_discover import loading, pipeline

    if options.probe.watch:
        return watch_subject(options, subject)

    loaded = loading.load(_request(options, subject))
    now = datetime.now(timezone.utc)
    if options.probe.dry_run:
        return _dry_run(options, loaded, pipeline.diagnose_subject(subject, loaded, now=now))
    notes = _notes(options)
    live_probe = options.probe.enabled and options.probe.replay is None and loaded.session
    spinner = Spinner() if live_probe and sys.stderr.isatty() else None
    try:
        runner = _probe_runner(options, loaded, spinner or progress)
        document = pipeline.subject_report(subject, loaded, runner=runner, now=now, notes=notes)
    finally:
        if spinner is not None:
            spinner.close()
    return emit(document, options)


def watch_subject(options: Options, subject: Subject) -> int:
    """``--watch``: the report, then every ``--interval`` seconds the objects read again,
    probed again in the same probe pod, and what changed; Ctrl-C ends it (the pod is deleted
    on every path) with the exit code of the last report."""
    import contextlib
    import time
    from datetime import datetime, timezone

    from kubectl_discover import loading, pipeline, probing
    from kubectl_discover.render.changes import format_changes
    from kubectl_discover.render.style import Style

    request = _request(options, subject)
    loaded = loading.load(request)
    notes = _notes(options)
    probe = options.probe
    first = pipeline.diagnose_subject(subject, loaded, now=datetime.now(timezone.utc))
    runners: contextlib.AbstractContextManager[ProbeRunner | None]
    if probe.replay is not None:
        runners = contextlib.nullcontext(probing.RecordedProbeRunner.from_file(probe.replay))
    elif probe.enabled and loaded.session is not None:
        runners = probing.reused_pod(
            loaded.session, probe, progress, loaded.snapshot, [first], lifetime=WATCH_LIFETIME
        )
    else:
        runners = contextlib.nullcontext(None)
    code, previous = EXIT_OK, None
    ends = time.monotonic() + WATCH_LIFETIME
    try:
        with runners as runner:
            while True:
                now = datetime.now(timezone.utc)
                document = pipeline.subject_report(
                    subject, loaded, runner=runner, now=now, notes=notes
                )
                code = exit_code(document)
                if previous is None or options.output in ("json", "yaml"):
                    text = render(document, options)
                    sys.stdout.write(
                        ("---\n" if previous and options.output == "yaml" else "") + text
                    )
                else:
                    when = now.astimezone().strftime("%H:%M:%S")
                    sys.stdout.write(
                        format_changes(previous, document, when, style=Style(options.color))
                    )
                sys.stdout.flush()
                previous = document
                if time.monotonic() + probe.interval > ends:
                    progress(f"--watch ends after {WATCH_LIFETIME:g} s (the probe pod's deadline)")
                    return code
                time.sleep(probe.interval)
                loaded = loading.load(request)
    except KeyboardInterrupt:
        return code


def run_scan(options: Options) -> int:
    from kubectl_discover import loading, pipeline

    loaded = loading.load(load_request(SCAN, options))
    return emit(pipeline.scan_report(loaded), options)


def _dry_run(options: Options, loaded: Loaded, diagnosis: Diagnosis) -> int:
    """Print the probe pod manifest and the probe plan; create nothing."""
    from kubectl_discover import render as renderers
    from kubectl_discover.probe.runner import dry_run_document

    document = dry_run_document(loaded.snapshot, [diagnosis], options.probe)

    if options.output == "json":
        sys.stdout.write(renderers.format_json(document))
    else:
        sys.stdout.write(renderers.format_yaml(document))
    return EXIT_OK
