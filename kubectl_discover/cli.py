"""The command line: typer only. Options are resolved, then validated, then run.

This is the only module that writes to stdout/stderr and the only place where
exceptions become exit codes (:func:`main`). Everything heavy is imported inside the
commands, so ``--help`` and ``version`` never load the Kubernetes client.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_discover import __version__
from kubectl_discover.commands import (
    DNS,
    GATEWAY,
    GRPCROUTE,
    HTTPROUTE,
    INGRESS,
    ROUTE,
    SCAN,
    SVC,
    Needs,
    Scope,
)
from kubectl_discover.errors import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DiscoverError,
    InputError,
)
from kubectl_discover.refs import CLIENT_USAGE, parse_client
from kubectl_discover.syntax import is_dns1123_label, is_dns1123_subdomain

if TYPE_CHECKING:
    from kubectl_discover.analyze.model import Diagnosis
    from kubectl_discover.loading import Loaded, LoadRequest
    from kubectl_discover.pipeline import ProbeRunner, Subject

PROG = "kubectl discover"
OUTPUTS = ("table", "wide", "json", "yaml", "tree")

app = typer.Typer(
    name="kubectl-discover",
    help=(
        "Follow a Service from its spec to live DNS answers and say why it can't be found.\n\n"
        "Examples:\n\n"
        "  kubectl discover svc web -n shop\n\n"
        "  kubectl discover svc web -f examples/shop.yaml --no-probe\n\n"
        "  kubectl discover ingress storefront -n shop -o tree\n\n"
        "  kubectl discover route https://shop.example.com/api/cart -n shop\n\n"
        "  kubectl discover scan -A"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Flags shared by every command, spelled as kubectl spells them.
Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NAMESPACE",
        help="Namespace (default: the kubeconfig context's).",
    ),
]
AllNamespaces = Annotated[
    bool, typer.Option("--all-namespaces", "-A", help="Look in every namespace.")
]
Context = Annotated[
    str | None, typer.Option("--context", metavar="CONTEXT", help="Kubeconfig context to use.")
]
Kubeconfig = Annotated[
    str | None, typer.Option("--kubeconfig", metavar="PATH", help="Path to a kubeconfig.")
]
Output = Annotated[
    str, typer.Option("--output", "-o", metavar="FORMAT", help="table, wide, json, yaml or tree.")
]
Filenames = Annotated[
    list[str] | None,
    typer.Option(
        "--filename",
        "-f",
        metavar="PATH",
        help="Analyse manifests instead of a cluster: file, directory or - for stdin. Repeatable.",
    ),
]
Kustomize = Annotated[
    str | None,
    typer.Option(
        "--kustomize",
        "-k",
        metavar="DIR",
        help="Analyse a kustomization directory, rendered with kubectl kustomize.",
    ),
]
NoProbe = Annotated[
    bool, typer.Option("--no-probe", help="Static analysis only; start no probe pod.")
]
ClusterDomain = Annotated[
    str | None,
    typer.Option(
        "--cluster-domain", help="Cluster DNS domain (default: detected, else cluster.local)."
    ),
]
NoColor = Annotated[bool, typer.Option("--no-color", help="Never colour the output.")]
Image = Annotated[
    str | None,
    typer.Option("--image", metavar="IMAGE", help="Probe pod image (must have python3)."),
]
Node = Annotated[
    str | None, typer.Option("--node", metavar="NODE", help="Run the probe pod on this node.")
]
From = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="KIND/NAME",
        help="Probe as this client sees it: pod/NAME, deploy/NAME, sts/NAME or ds/NAME.",
    ),
]
Keep = Annotated[bool, typer.Option("--keep", help="Leave the probe pod for inspection.")]
ProbeNamespace = Annotated[
    str | None,
    typer.Option(
        "--probe-namespace",
        metavar="NAMESPACE",
        help="Namespace for the probe pod (default: the target's).",
    ),
]
ProbeTimeout = Annotated[
    float,
    typer.Option(
        "--probe-timeout",
        metavar="SECONDS",
        help="Seconds to wait for the probe pod and its checks.",
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the probe pod and plan; create nothing.")
]
Watch = Annotated[
    bool,
    typer.Option(
        "--watch",
        "-w",
        help="Re-read and re-probe every --interval seconds (one probe pod) and show what "
        "changed, until Ctrl-C.",
    ),
]
Interval = Annotated[
    float, typer.Option("--interval", metavar="SECONDS", help="Seconds between --watch runs.")
]
Record = Annotated[
    str | None,
    typer.Option("--record", metavar="FILE", help="Also write what the probe observed to FILE."),
]
Replay = Annotated[
    str | None,
    typer.Option(
        "--replay",
        metavar="FILE",
        help="Start no probe pod: replay what --record wrote (with -f or a cluster).",
    ),
]
GatewayFlag = Annotated[
    str | None,
    typer.Option(
        "--gateway",
        metavar="NAMESPACE/NAME",
        help="Ask this Gateway alone (default: every Ingress and Gateway that could receive it).",
    ),
]
Header = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        "-H",
        metavar="'NAME: VALUE'",
        help="A request header, as curl takes it; 'Host: name[:port]' overrides the URL's host.",
    ),
]
Method = Annotated[
    str, typer.Option("--method", metavar="METHOD", help="The request method (default GET).")
]
# The same three for the other subject commands: hidden, and refused when given.
NoGateway = Annotated[str | None, typer.Option("--gateway", hidden=True)]
NoHeader = Annotated[list[str] | None, typer.Option("--header", "-H", hidden=True)]
NoMethod = Annotated[str, typer.Option("--method", hidden=True)]


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
    if probe.timeout <= 0:
        raise InputError("--probe-timeout must be positive")
    if probe.replay is not None and (probe.record is not None or probe.dry_run):
        raise InputError("--replay starts no probe pod: it cannot go with --record or --dry-run")
    if probe.replay is not None and not probe.enabled:
        raise InputError("--replay and --no-probe contradict each other")
    if probe.watch and (probe.dry_run or probe.record is not None or probe.keep):
        raise InputError("--watch cannot go with --dry-run, --record or --keep")
    if probe.watch and not 1.0 <= probe.interval <= WATCH_LIFETIME:
        raise InputError(f"--interval must be between 1 and {WATCH_LIFETIME:g} seconds")


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
    )


# --- output ---------------------------------------------------------------------------------


def render(document: dict[str, Any], options: Options) -> str:
    from kubectl_discover import render as renderers
    from kubectl_discover.render.style import Style

    style = Style(color=options.color)
    if options.output == "json":
        return renderers.format_json(document)
    if options.output == "yaml":
        return renderers.format_yaml(document)
    if options.output == "tree":
        return renderers.format_tree(document, style=style)
    return renderers.format_table(
        document, style=style, width=options.width, wide=options.output == "wide"
    )


def emit(document: dict[str, Any], options: Options) -> int:
    """Write the report; the exit code follows its verdict."""
    sys.stdout.write(render(document, options))
    return EXIT_FAIL if document.get("verdict") == "fail" else EXIT_OK


def progress(message: str) -> None:
    """Probe progress on stderr as plain lines (the report goes to stdout)."""
    sys.stderr.write(f"discover: {message}\n")
    sys.stderr.flush()


class Spinner:
    """Probe progress on a terminal: one line, redrawn with a spinner and the current
    phase until :meth:`close`, which clears it. Off a terminal, use :func:`progress`."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self) -> None:
        import threading

        self._message = "starting"
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def __call__(self, message: str) -> None:
        self._message = message

    def _spin(self) -> None:
        frame = 0
        while not self._done.wait(0.1):
            text = f"{self.FRAMES[frame % len(self.FRAMES)]} discover: {self._message}"
            width = shutil.get_terminal_size((80, 24)).columns - 1
            sys.stderr.write("\r" + text[:width] + "\033[K")
            sys.stderr.flush()
            frame += 1

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


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
    runner: ProbeRunner = probing.ClusterProbeRunner(loaded.session, probe, progress)
    if probe.record is not None:
        runner = probing.RecordingProbeRunner(runner, probe.record)
    return runner


def run_subject(options: Options, subject: Subject) -> int:
    """load -> (dry run | diagnose -> probe -> explain -> report) -> write."""
    from datetime import UTC, datetime

    from kubectl_discover import loading, pipeline

    if options.probe.watch:
        return watch_subject(options, subject)

    events_for = ("Ingress", subject.name) if subject.needs is INGRESS else None
    loaded = loading.load(load_request(subject.needs, options, events_for))
    now = datetime.now(UTC)
    if options.probe.dry_run:
        return _dry_run(options, loaded, pipeline.diagnose_subject(subject, loaded, now=now))
    notes = []
    if options.probe.enabled and options.offline and options.probe.replay is None:
        notes.append("live probes need a cluster; analysed the files statically")
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
    from datetime import UTC, datetime

    from kubectl_discover import loading, pipeline, probing
    from kubectl_discover.render.changes import format_changes
    from kubectl_discover.render.style import Style

    request = load_request(subject.needs, options)
    loaded = loading.load(request)
    probe = options.probe
    first = pipeline.diagnose_subject(subject, loaded, now=datetime.now(UTC))
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
                now = datetime.now(UTC)
                document = pipeline.subject_report(subject, loaded, runner=runner, now=now)
                code = EXIT_FAIL if document.get("verdict") == "fail" else EXIT_OK
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


# --- commands -------------------------------------------------------------------------------


def subject_command(
    *,
    needs: Needs,
    metavar: str,
    argument_help: str,
    doc: str,
    check: Callable[[str], None],
) -> Callable[..., None]:
    """One typer command over a subject (a Service, an Ingress, a URL, a DNS name).

    They all take kubectl's flags and the probe flags; ``needs.scope`` says what ``-A``
    means (:class:`kubectl_discover.commands.Scope`). Every argument is resolved and
    validated before anything is read.
    """

    def command(
        subject: str,
        namespace: Namespace = None,
        all_namespaces: AllNamespaces = False,
        context: Context = None,
        kubeconfig: Kubeconfig = None,
        output: Output = "table",
        filename: Filenames = None,
        kustomize: Kustomize = None,
        no_probe: NoProbe = False,
        cluster_domain: ClusterDomain = None,
        no_color: NoColor = False,
        image: Image = None,
        node: Node = None,
        client: From = None,
        keep: Keep = False,
        probe_namespace: ProbeNamespace = None,
        probe_timeout: ProbeTimeout = 60.0,
        dry_run: DryRun = False,
        record: Record = None,
        replay: Replay = None,
        watch: Watch = False,
        interval: Interval = 5.0,
        gateway: GatewayFlag = None,
        header: Header = None,
        method: Method = "GET",
    ) -> None:
        flags = dict(locals())
        for closed_over in ("subject", "needs", "check", "header"):  # locals() has free vars
            flags.pop(closed_over, None)
        flags["headers"] = tuple(header or ())
        raise typer.Exit(_invoke(needs, check, subject, **flags))

    command.__doc__ = doc
    # Set as objects, not string annotations: they close over this command's metavar, and
    # the request flags (--gateway, -H, --method) exist for route alone.
    command.__annotations__["subject"] = Annotated[
        str, typer.Argument(metavar=metavar, help=argument_help)
    ]
    if needs is not ROUTE:
        command.__annotations__.update(gateway=NoGateway, header=NoHeader, method=NoMethod)
    return command


def _invoke(
    needs: Needs,
    check: Callable[[str], None],
    subject: str,
    *,
    namespace: str | None,
    all_namespaces: bool,
    context: str | None,
    kubeconfig: str | None,
    output: str,
    filename: list[str] | None,
    kustomize: str | None,
    no_probe: bool,
    cluster_domain: str | None,
    no_color: bool,
    image: str | None,
    node: str | None,
    client: str | None,
    keep: bool,
    probe_namespace: str | None,
    probe_timeout: float,
    dry_run: bool,
    record: str | None,
    replay: str | None,
    watch: bool,
    interval: float,
    method: str = "GET",
    headers: Sequence[str] = (),
    gateway: str | None = None,
) -> int:
    """Resolve and validate every flag, then run the subject command."""
    from kubectl_discover.pipeline import Subject

    if all_namespaces and needs.scope is Scope.ONE:
        raise InputError(
            "a name is looked up in one namespace: use -n NAMESPACE, not -A "
            "(kubectl discover scan -A looks at every namespace)"
        )
    options = resolve(
        namespace=namespace,
        all_namespaces=all_namespaces,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        filenames=filename,
        kustomize=kustomize,
        cluster_domain=cluster_domain,
        no_color=no_color,
        probe=ProbeOptions(
            enabled=not no_probe,
            image=image,
            node=node,
            client=client,
            keep=keep,
            namespace=probe_namespace,
            timeout=probe_timeout,
            dry_run=dry_run,
            record=record,
            replay=replay,
            watch=watch,
            interval=interval,
        ),
    )
    validate(options)
    check(subject)
    if needs is not ROUTE and (gateway is not None or headers or method != "GET"):
        raise InputError("--gateway, --header and --method describe a request: use them with route")
    request = _check_request(subject, method, headers, gateway) if needs is ROUTE else None
    return run_subject(
        options,
        Subject(
            needs,
            subject,
            client,
            method=request[0] if request else "GET",
            headers=tuple(headers),
            gateway=request[1] if request else None,
        ),
    )


def _check_request(
    url: str, method: str, headers: Sequence[str], gateway: str | None
) -> tuple[str, tuple[str, str] | None]:
    """``route``'s request flags, validated before anything is read: the method, the
    headers (parsed as the request will be), and ``--gateway NAMESPACE/NAME``."""
    from kubectl_discover.analyze.gateway import parse_request
    from kubectl_discover.analyze.gateway.model import HTTP_METHODS

    verb = method.strip().upper()
    if verb not in HTTP_METHODS:
        raise InputError(f"--method must be one of {', '.join(HTTP_METHODS)}, not {method!r}")
    parse_request(url, method=verb, headers=headers)
    if gateway is None:
        return verb, None
    namespace, slash, name = gateway.partition("/")
    if not slash or not is_dns1123_label(namespace) or not is_dns1123_subdomain(name):
        raise InputError(f"--gateway must be NAMESPACE/NAME, not {gateway!r}")
    return verb, (namespace, name)


def _check_service_name(name: str) -> None:
    validate_name("Service", name)


def _check_ingress_name(name: str) -> None:
    if not is_dns1123_subdomain(name):
        raise InputError(f"{name!r} is not a valid Ingress name")


def _check_object_name(kind: str) -> Callable[[str], None]:
    def check(name: str) -> None:
        if not is_dns1123_subdomain(name):
            raise InputError(f"{name!r} is not a valid {kind} name")

    return check


def _check_url(url: str) -> None:
    """Parsed by the route analysis's own parser, before anything is read."""
    from kubectl_discover.analyze.routes import parse_url

    parse_url(url)


def _check_dns_name(name: str) -> None:
    if not is_dns1123_subdomain(name.lower().rstrip(".")) and not name.startswith("_"):
        raise InputError(f"{name!r} is not a DNS name")


svc = subject_command(
    needs=SVC,
    metavar="NAME",
    argument_help="Service name.",
    doc="Explain a Service: its kind, endpoints, DNS names, Ingress routes, and why each fails.",
    check=_check_service_name,
)
app.command("svc")(svc)
app.command("service", hidden=True)(svc)
ingress = subject_command(
    needs=INGRESS,
    metavar="NAME",
    argument_help="Ingress name.",
    doc="Explain an Ingress: class, rules, backends, TLS, status, and the chain to the pods.",
    check=_check_ingress_name,
)
app.command("ingress")(ingress)
app.command("ing", hidden=True)(ingress)
gateway = subject_command(
    needs=GATEWAY,
    metavar="NAME",
    argument_help="Gateway name (gateway.networking.k8s.io).",
    doc="Explain a Gateway: class, listeners, attached routes, backends, down to the pods.",
    check=_check_object_name("Gateway"),
)
app.command("gateway")(gateway)
app.command("gtw", hidden=True)(gateway)
httproute = subject_command(
    needs=HTTPROUTE,
    metavar="NAME",
    argument_help="HTTPRoute name.",
    doc="Explain an HTTPRoute: parents, attachment per listener, rules, backendRefs, pods.",
    check=_check_object_name("HTTPRoute"),
)
app.command("httproute")(httproute)
app.command("hr", hidden=True)(httproute)
grpcroute = subject_command(
    needs=GRPCROUTE,
    metavar="NAME",
    argument_help="GRPCRoute name.",
    doc="Explain a GRPCRoute: parents, attachment per listener, rules, backendRefs, pods.",
    check=_check_object_name("GRPCRoute"),
)
app.command("grpcroute")(grpcroute)
app.command("gr", hidden=True)(grpcroute)


route = subject_command(
    needs=ROUTE,
    metavar="URL",
    argument_help="URL a client requests, e.g. https://host/path.",
    doc="Simulate which Ingress rule or Gateway route wins for a URL, down to the pods.",
    check=_check_url,
)
app.command("route")(route)
dns = subject_command(
    needs=DNS,
    metavar="NAME",
    argument_help="A DNS name as a client types it.",
    doc="Explain a DNS name: which object it should come from, and whether it resolves.",
    check=_check_dns_name,
)
app.command("dns")(dns)


@app.command("scan")
def scan(
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
    output: Output = "table",
    filename: Filenames = None,
    kustomize: Kustomize = None,
    no_probe: NoProbe = False,
    cluster_domain: ClusterDomain = None,
    no_color: NoColor = False,
) -> None:
    """Every Service, Ingress, Gateway and Route in the namespace (or -A), worst first."""
    del no_probe  # scan is static; the flag is accepted everywhere for muscle memory
    options = resolve(
        namespace=namespace,
        all_namespaces=all_namespaces,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        filenames=filename,
        kustomize=kustomize,
        cluster_domain=cluster_domain,
        no_color=no_color,
    )
    validate(options)
    raise typer.Exit(run_scan(options))


def run_scan(options: Options) -> int:
    from kubectl_discover import loading, pipeline

    loaded = loading.load(load_request(SCAN, options))
    return emit(pipeline.scan_report(loaded), options)


@app.command("cleanup")
def cleanup(
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    context: Context = None,
    kubeconfig: Kubeconfig = None,
) -> None:
    """Delete leftover probe pods whose deadline has passed."""
    from kubectl_discover.api import probes
    from kubectl_discover.api import session as api_session

    session = api_session.connect(kubeconfig, context)
    scope = None if all_namespaces else (namespace or session.namespace)
    deleted = probes.cleanup(session, scope)
    for ref in deleted:
        sys.stdout.write(f"pod/{ref} deleted\n")
    if not deleted:
        where = "any namespace" if scope is None else f"namespace {scope}"
        sys.stdout.write(f"no expired probe pods in {where}\n")


@app.command("version")
def version(
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FORMAT", help="text or json.")
    ] = "text",
) -> None:
    """Print the plugin version."""
    if output == "json":
        sys.stdout.write(json.dumps({"version": __version__}) + "\n")
    else:
        sys.stdout.write(f"kubectl-discover {__version__}\n")


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


# --- entry point: the one place exceptions become exit codes --------------------------------


def _fail(message: str, code: int) -> int:
    """One line on stderr; a name from the command line or a file is shown escaped."""
    from kubectl_discover.render.escape import escape_terminal

    sys.stderr.write(f"error: {escape_terminal(message).replace(chr(10), ' ')}\n")
    return code


def run(argv: Sequence[str] | None = None, *, prog_name: str = PROG) -> int:
    """Run the CLI and return the exit code, mapping every exception to one line."""
    # typer ships its own copy of click: its usage errors derive from that copy's
    # ClickException, which typer does not export, so take it from BadParameter's bases.
    click_exception: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
    )
    click_exit = typer.Exit
    click_abort = typer.Abort

    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["version"], ["version", "-o", "text"], ["version", "-o", "json"]):
        # Answered before typer builds the commands: typer routes every non-bool option
        # through pydantic, which costs more than the rest of start-up (bench/README.md).
        version(args[-1] if len(args) == 3 else "text")
        return EXIT_OK
    command = typer.main.get_command(app)
    if not args:
        args = ["--help"]
    try:
        code = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click_exit as exit_:
        if exit_.exit_code == EXIT_INTERRUPTED:  # typer's own answer to Ctrl-C
            return _fail("interrupted", EXIT_INTERRUPTED)
        return int(exit_.exit_code)
    except click_exception as error:
        error.show()  # type: ignore[attr-defined]
        exit_code = int(error.exit_code)  # type: ignore[attr-defined]
        return EXIT_INPUT if exit_code == 2 else exit_code
    except click_abort:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except DiscoverError as error:
        return _fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:
        if os.environ.get("KUBECTL_DISCOVER_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(error).__name__}: {error} "
            "(a bug: please report it; set KUBECTL_DISCOVER_DEBUG=1 for a traceback)",
            EXIT_INTERNAL,
        )
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130
        return _fail("interrupted", EXIT_INTERRUPTED)
    return int(code) if isinstance(code, int) else EXIT_OK


def main() -> None:
    """Console-script entry point (``kubectl-discover``, found by kubectl on PATH)."""
    code = run()
    sys.stdout.flush()
    sys.exit(code)
