"""The command line: typer only. Options are resolved, then validated, then run.

This is the only module that writes to stdout/stderr and the only place where
exceptions become exit codes (:func:`main`). Everything heavy is imported inside the
commands, so ``--help`` and ``version`` never load the Kubernetes client.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_discover import __version__
from kubectl_discover.errors import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DiscoverError,
    InputError,
)

if TYPE_CHECKING:
    from kubectl_discover.analyze.index import Index
    from kubectl_discover.analyze.model import Diagnosis
    from kubectl_discover.snapshot import Snapshot

PROG = "kubectl discover"
OUTPUTS = ("table", "wide", "json", "yaml", "tree")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")

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
        "--from", metavar="KIND/NAME", help="Probe as this client sees it: pod/NAME or deploy/NAME."
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

    @property
    def offline(self) -> bool:
        return bool(self.filenames)


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
) -> Options:
    """Flags plus environment (terminal, NO_COLOR) into one value."""
    tty = sys.stdout.isatty()
    color = tty and not no_color and "NO_COLOR" not in os.environ and output != "json"
    width = shutil.get_terminal_size((160, 24)).columns if tty else 160
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
    )


def validate(options: Options) -> None:
    """Reject what cannot work before touching files or the cluster."""
    if options.output not in OUTPUTS:
        raise InputError(f"--output must be one of {', '.join(OUTPUTS)}, not {options.output!r}")
    if options.namespace is not None and not DNS_LABEL.match(options.namespace):
        raise InputError(f"--namespace {options.namespace!r} is not a valid namespace name")
    if options.cluster_domain is not None and not DNS_SUBDOMAIN.match(
        options.cluster_domain.rstrip(".")
    ):
        raise InputError(f"--cluster-domain {options.cluster_domain!r} is not a DNS name")
    if options.filenames.count("-") > 1:
        raise InputError("-f - (stdin) may be given only once")
    client = options.probe.client
    if client is not None and not re.match(r"^(pod|po|deploy|deployment)/[a-z0-9.-]+$", client):
        raise InputError(f"--from must be pod/NAME or deploy/NAME, not {client!r}")
    if options.probe.timeout <= 0:
        raise InputError("--probe-timeout must be positive")


def validate_name(kind: str, name: str) -> None:
    if not DNS_LABEL.match(name):
        raise InputError(
            f"{name!r} is not a valid {kind} name (lowercase letters, digits and '-', "
            "at most 63 characters, starting and ending with a letter or digit)"
        )


# --- loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    snapshot: Snapshot
    index: Index
    namespace: str
    """The effective namespace (the target's)."""
    source: str
    session: Any = None
    """api.session.Session when live; None offline."""


def load(
    options: Options,
    *,
    kinds: frozenset[str] | None = None,
    events_for: tuple[str, str] | None = None,
    read_tls_secrets: bool = True,
) -> Loaded:
    """Fill the snapshot from files or from the cluster, then index it."""
    with _no_cyclic_gc():
        return _load(options, kinds=kinds, events_for=events_for, read_tls_secrets=read_tls_secrets)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Decoding a large LIST allocates millions of dicts that are never garbage: pause
    the cyclic collector while loading and freeze what was loaded, so the analysis does
    not pay for scanning it again (bench/README.md: scan -A loading 8.3 s -> 1.3 s)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(
    options: Options,
    *,
    kinds: frozenset[str] | None,
    events_for: tuple[str, str] | None,
    read_tls_secrets: bool,
) -> Loaded:
    from kubectl_discover.analyze.index import build_index

    domain = (options.cluster_domain or "cluster.local").rstrip(".")
    if options.offline:
        from kubectl_discover import manifests

        namespace = None if options.all_namespaces else (options.namespace or "default")
        snapshot = manifests.load_files(
            list(options.filenames), namespace, stdin=sys.stdin.buffer, cluster_domain=domain
        )
        source = "files: " + ", ".join(options.filenames)
        return Loaded(snapshot, build_index(snapshot), namespace or "default", source)

    from kubectl_discover.api import listing
    from kubectl_discover.api import session as api_session

    session = api_session.connect(options.kubeconfig, options.context)
    namespace = options.namespace or session.namespace
    scope = None if options.all_namespaces else namespace
    wanted = kinds if kinds is not None else listing.ALL_KINDS
    snapshot = listing.load_snapshot(
        session,
        scope,
        page_size=5000 if scope is not None else 500,
        kinds=wanted,
        tls_secret_names=_tls_secret_names if read_tls_secrets else None,
        events_for=events_for,
        cluster_domain=domain,
    )
    snapshot = _mark_not_read(snapshot, wanted, read_tls_secrets, scope or "")
    source = f"cluster {session.server} (context {session.context})"
    return Loaded(snapshot, build_index(snapshot), namespace, source, session)


def _mark_not_read(
    snapshot: Snapshot, kinds: frozenset[str], read_tls_secrets: bool, namespace: str
) -> Snapshot:
    """Say which kinds were left out on purpose, so checks needing them report "skipped"
    instead of mistaking an empty list for "none exist"."""
    import dataclasses

    from kubectl_discover.snapshot import NOT_READ, Unavailable

    skipped = [
        Unavailable(resource, "list", namespace, NOT_READ)
        for resource in ("ingressclasses", "nodes", "events")
        if resource not in kinds and snapshot.unavailable_for(resource) is None
    ]
    if not read_tls_secrets and snapshot.unavailable_for("secrets") is None:
        skipped.append(Unavailable("secrets", "get", namespace, NOT_READ))
    if not skipped:
        return snapshot
    return dataclasses.replace(snapshot, unavailable=(*snapshot.unavailable, *skipped))


def _tls_secret_names(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(namespace, name) of every TLS Secret an Ingress references: the only Secrets read."""
    from kubectl_discover.snapshot import namespace_of

    wanted: list[tuple[str, str]] = []
    for ingress in snapshot.ingresses:
        namespace = namespace_of(ingress, snapshot.default_namespace)
        for tls in ingress.get("spec", {}).get("tls") or ():
            if tls.get("secretName"):
                wanted.append((namespace, str(tls["secretName"])))
    return sorted(set(wanted))


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


def skipped_notes(loaded: Loaded, probed: bool, options: Options) -> list[str]:
    notes = [gap.describe() for gap in loaded.snapshot.unavailable if gap.refused]
    if not probed and options.probe.enabled and options.offline:
        notes.append("live probes need a cluster; analysed the files statically")
    return notes


def finish(options: Options, loaded: Loaded, diagnosis: Diagnosis) -> int:
    """The end of every subject command: print the probe plan (--dry-run), or probe,
    explain and print the report."""
    if options.probe.dry_run:
        return _dry_run(options, loaded, [diagnosis])
    return emit(diagnose_and_report(options, loaded, [diagnosis]), options)


def diagnose_and_report(
    options: Options, loaded: Loaded, diagnoses: Sequence[Diagnosis]
) -> dict[str, Any]:
    """Probe if asked (live only), explain, and build the report for one subject."""
    from kubectl_discover import report
    from kubectl_discover.explain import explain
    from kubectl_discover.probe.runner import explain_context, run_probe_for

    diagnosis = diagnoses[0]
    result = None
    probe_doc = None
    if options.probe.enabled and loaded.session is not None:
        spinner = Spinner() if sys.stderr.isatty() else None
        try:
            result, probe_doc = run_probe_for(
                loaded.session, loaded.snapshot, diagnoses, options.probe, spinner or progress
            )
        finally:
            if spinner is not None:
                spinner.close()
    rows = explain(diagnosis, result, **explain_context(loaded.snapshot))
    return report.build_report(
        diagnosis,
        rows,
        source=loaded.source,
        probe=probe_doc,
        skipped=skipped_notes(loaded, result is not None, options),
    )


# --- commands -------------------------------------------------------------------------------


SubjectRunner = Callable[[Options, str], int]


def subject_command(
    *,
    metavar: str,
    argument_help: str,
    doc: str,
    check: Callable[[str], None],
    runner: SubjectRunner,
    scope: str,
) -> Callable[..., None]:
    """One typer command over a subject (a Service, an Ingress, a URL, a DNS name).

    They all take kubectl's flags and the probe flags; ``scope`` says what ``-A`` means:
    "one" (a named object lives in one namespace: -A is refused), "flag" (-A widens the
    search), "all" (every namespace is always read).
    """

    def command(
        subject: str,
        namespace: Namespace = None,
        all_namespaces: AllNamespaces = False,
        context: Context = None,
        kubeconfig: Kubeconfig = None,
        output: Output = "table",
        filename: Filenames = None,
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
    ) -> None:
        if all_namespaces and scope == "one":
            raise InputError(
                "a name is looked up in one namespace: use -n NAMESPACE, not -A "
                "(kubectl discover scan -A looks at every namespace)"
            )
        options = resolve(
            namespace=namespace,
            all_namespaces=all_namespaces or scope == "all",
            context=context,
            kubeconfig=kubeconfig,
            output=output,
            filenames=filename,
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
            ),
        )
        validate(options)
        check(subject)
        raise typer.Exit(runner(options, subject))

    command.__doc__ = doc
    # Set as an object, not a string annotation: it closes over this command's metavar.
    command.__annotations__["subject"] = Annotated[
        str, typer.Argument(metavar=metavar, help=argument_help)
    ]
    return command


def _check_service_name(name: str) -> None:
    validate_name("Service", name)


def _check_ingress_name(name: str) -> None:
    if not DNS_SUBDOMAIN.match(name):
        raise InputError(f"{name!r} is not a valid Ingress name")


def _check_url(url: str) -> None:
    """Parsed and judged by the route analysis, which knows what it accepts."""


def _check_dns_name(name: str) -> None:
    if not DNS_SUBDOMAIN.match(name.lower().rstrip(".")) and not name.startswith("_"):
        raise InputError(f"{name!r} is not a DNS name")


def run_service(options: Options, name: str) -> int:
    from kubectl_discover import diagnose
    from kubectl_discover.api.listing import SVC_KINDS

    kinds = None if options.offline else SVC_KINDS
    loaded = load(options, kinds=kinds, read_tls_secrets=False)
    clients = _client_namespaces(loaded)
    diagnosis = diagnose.diagnose_service(
        loaded.index, loaded.namespace, name, client_namespaces=clients
    )
    return finish(options, loaded, diagnosis)


def _client_namespaces(loaded: Loaded) -> tuple[str, ...]:
    """One other namespace to show the cross-namespace short-name trap from."""
    others = sorted(ns for ns in loaded.index.namespaces if ns != loaded.namespace)
    return (others[0],) if others else ("other",)


def run_ingress(options: Options, name: str) -> int:
    from kubectl_discover import diagnose

    loaded = load(options, events_for=("Ingress", name))
    diagnosis = diagnose.diagnose_ingress(loaded.index, loaded.namespace, name)
    return finish(options, loaded, diagnosis)


def run_route(options: Options, url: str) -> int:
    from datetime import UTC, datetime

    from kubectl_discover import diagnose

    loaded = load(options)
    scope = None if options.all_namespaces else loaded.namespace
    diagnosis = diagnose.diagnose_route(loaded.index, url, scope, now=datetime.now(UTC))
    return finish(options, loaded, diagnosis)


def run_dns(options: Options, name: str) -> int:
    """The name is parsed against the cluster schema, so every namespace is read (-A)."""
    from kubectl_discover.analyze.names import diagnose_name
    from kubectl_discover.probe.runner import find_client

    loaded = load(options)
    client_namespace = options.namespace or loaded.namespace
    client = (
        find_client(loaded.snapshot, options.probe.client, client_namespace)
        if options.probe.client
        else None
    )
    diagnosis = diagnose_name(
        loaded.snapshot, name, client_namespace=client_namespace, client=client
    )
    return finish(options, loaded, diagnosis)


svc = subject_command(
    metavar="NAME",
    argument_help="Service name.",
    doc="Explain a Service: its kind, endpoints, DNS names, Ingress routes, and why each fails.",
    check=_check_service_name,
    runner=run_service,
    scope="one",
)
app.command("svc")(svc)
app.command("service", hidden=True)(svc)
ingress = subject_command(
    metavar="NAME",
    argument_help="Ingress name.",
    doc="Explain an Ingress: class, rules, backends, TLS, status, and the chain to the pods.",
    check=_check_ingress_name,
    runner=run_ingress,
    scope="one",
)
app.command("ingress")(ingress)
app.command("ing", hidden=True)(ingress)
route = subject_command(
    metavar="URL",
    argument_help="URL a client requests, e.g. https://host/path.",
    doc="Simulate which Ingress rule wins for a URL and follow it down to the pods.",
    check=_check_url,
    runner=run_route,
    scope="flag",
)
app.command("route")(route)
dns = subject_command(
    metavar="NAME",
    argument_help="A DNS name as a client types it.",
    doc="Explain a DNS name: which object it should come from, and whether it resolves.",
    check=_check_dns_name,
    runner=run_dns,
    scope="all",
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
    no_probe: NoProbe = False,
    cluster_domain: ClusterDomain = None,
    no_color: NoColor = False,
) -> None:
    """Every Service and Ingress in the namespace (or -A): one summary row each, worst first."""
    del no_probe  # scan is static; the flag is accepted everywhere for muscle memory
    options = resolve(
        namespace=namespace,
        all_namespaces=all_namespaces,
        context=context,
        kubeconfig=kubeconfig,
        output=output,
        filenames=filename,
        cluster_domain=cluster_domain,
        no_color=no_color,
    )
    validate(options)
    raise typer.Exit(run_scan(options))


def run_scan(options: Options) -> int:
    from kubectl_discover import diagnose, report

    loaded = load(options, read_tls_secrets=False)  # one GET per Secret would not scale
    scope = None if options.all_namespaces else loaded.namespace
    diagnoses = diagnose.scan(loaded.index, scope)
    document = report.build_scan_report(
        diagnoses,
        namespace=scope,
        source=loaded.source,
        skipped=skipped_notes(loaded, False, options),
    )
    return emit(document, options)


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


def _dry_run(options: Options, loaded: Loaded, diagnoses: Sequence[Diagnosis]) -> int:
    """Print the probe pod manifest and the probe plan; create nothing."""
    from kubectl_discover import render as renderers
    from kubectl_discover.probe.runner import dry_run_document

    document = dry_run_document(loaded.snapshot, diagnoses, options.probe)

    if options.output == "json":
        sys.stdout.write(renderers.format_json(document))
    else:
        sys.stdout.write(renderers.format_yaml(document))
    return EXIT_OK


# --- entry point: the one place exceptions become exit codes --------------------------------


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
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
            "(set KUBECTL_DISCOVER_DEBUG=1 for a traceback)",
            EXIT_FAIL,
        )
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130
        return _fail("interrupted", EXIT_INTERRUPTED)
    return int(code) if isinstance(code, int) else EXIT_OK


def main() -> None:
    """Console-script entry point (``kubectl-discover``, found by kubectl on PATH)."""
    code = run()
    sys.stdout.flush()
    sys.exit(code)
