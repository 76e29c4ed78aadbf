"""The typer application: one command factory for every subject command, scan, cleanup
and version. Options are resolved, validated, then run (cli/running.py).
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_discover import __version__
from kubectl_discover.cli.flags import (
    AllNamespaces,
    AllNodes,
    AsClient,
    ClusterDomain,
    Context,
    DryRun,
    Ephemeral,
    Filenames,
    From,
    GatewayFlag,
    Header,
    Image,
    Interval,
    Keep,
    Kubeconfig,
    Kustomize,
    Method,
    Namespace,
    NoColor,
    Node,
    Nodes,
    NoGateway,
    NoHeader,
    NoMethod,
    NoProbe,
    Output,
    PerZone,
    ProbeNamespace,
    ProbeTimeout,
    Record,
    Repeat,
    Replay,
    Watch,
)
from kubectl_discover.cli.options import ProbeOptions, resolve, validate, validate_name
from kubectl_discover.cli.running import run_scan, run_subject
from kubectl_discover.commands import (
    DNS,
    GATEWAY,
    GRPCROUTE,
    HTTPROUTE,
    INGRESS,
    ROUTE,
    SVC,
    Needs,
    Scope,
)
from kubectl_discover.errors import (
    InputError,
)
from kubectl_discover.syntax import is_dns1123_label, is_dns1123_subdomain

if TYPE_CHECKING:
    from kubectl_discover.probe.nodes import NodeFanOut


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
        all_nodes: AllNodes = False,
        nodes: Nodes = None,
        per_zone: PerZone = False,
        client: From = None,
        as_client: AsClient = False,
        ephemeral: Ephemeral = False,
        keep: Keep = False,
        probe_namespace: ProbeNamespace = None,
        probe_timeout: ProbeTimeout = 60.0,
        dry_run: DryRun = False,
        record: Record = None,
        replay: Replay = None,
        watch: Watch = False,
        interval: Interval = 5.0,
        repeat: Repeat = 1,
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
    all_nodes: bool,
    nodes: str | None,
    per_zone: bool,
    client: str | None,
    keep: bool,
    as_client: bool,
    ephemeral: bool,
    probe_namespace: str | None,
    probe_timeout: float,
    dry_run: bool,
    record: str | None,
    replay: str | None,
    watch: bool,
    interval: float,
    repeat: int = 1,
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
            fan_out=_fan_out(all_nodes, nodes, per_zone),
            as_client=as_client,
            ephemeral=ephemeral,
            repeat=repeat,
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
            probe_namespace=probe_namespace,
            probe_is_client=client is None or as_client or ephemeral,
        ),
    )


def _fan_out(all_nodes: bool, nodes: str | None, per_zone: bool) -> NodeFanOut:
    """The fan-out flags as one value; ``--nodes`` with no name is refused here."""
    from kubectl_discover.probe.nodes import NodeFanOut, parse_node_list

    names = parse_node_list(nodes) if nodes is not None else ()
    if nodes is not None and not names:
        raise InputError("--nodes needs at least one node name (--nodes NODE,NODE)")
    return NodeFanOut(all_nodes=all_nodes, names=names, per_zone=per_zone)


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


@dataclass(frozen=True)
class SubjectCommand:
    """One subject command as the CLI shows it: its name, hidden aliases, argument, help."""

    needs: Needs
    name: str
    aliases: tuple[str, ...]
    metavar: str
    argument_help: str
    doc: str
    check: Callable[[str], None]


SUBJECT_COMMANDS = (
    SubjectCommand(
        SVC,
        "svc",
        ("service",),
        "NAME",
        "Service name.",
        "Explain a Service: its kind, endpoints, DNS names, Ingress routes, and why each fails.",
        _check_service_name,
    ),
    SubjectCommand(
        INGRESS,
        "ingress",
        ("ing",),
        "NAME",
        "Ingress name.",
        "Explain an Ingress: class, rules, backends, TLS, status, and the chain to the pods.",
        _check_ingress_name,
    ),
    SubjectCommand(
        GATEWAY,
        "gateway",
        ("gtw",),
        "NAME",
        "Gateway name (gateway.networking.k8s.io).",
        "Explain a Gateway: class, listeners, attached routes, backends, down to the pods.",
        _check_object_name("Gateway"),
    ),
    SubjectCommand(
        HTTPROUTE,
        "httproute",
        ("hr",),
        "NAME",
        "HTTPRoute name.",
        "Explain an HTTPRoute: parents, attachment per listener, rules, backendRefs, pods.",
        _check_object_name("HTTPRoute"),
    ),
    SubjectCommand(
        GRPCROUTE,
        "grpcroute",
        ("gr",),
        "NAME",
        "GRPCRoute name.",
        "Explain a GRPCRoute: parents, attachment per listener, rules, backendRefs, pods.",
        _check_object_name("GRPCRoute"),
    ),
    SubjectCommand(
        ROUTE,
        "route",
        (),
        "URL",
        "URL a client requests, e.g. https://host/path.",
        "Simulate which Ingress rule or Gateway route wins for a URL, down to the pods.",
        _check_url,
    ),
    SubjectCommand(
        DNS,
        "dns",
        (),
        "NAME",
        "A DNS name as a client types it.",
        "Explain a DNS name: which object it should come from, and whether it resolves.",
        _check_dns_name,
    ),
)
"""Every subject command, in the order ``--help`` lists them."""

for _spec in SUBJECT_COMMANDS:
    _command = subject_command(
        needs=_spec.needs,
        metavar=_spec.metavar,
        argument_help=_spec.argument_help,
        doc=_spec.doc,
        check=_spec.check,
    )
    app.command(_spec.name)(_command)
    for _alias in _spec.aliases:
        app.command(_alias, hidden=True)(_command)


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


def root_app() -> typer.Typer:
    """The same application with every visible command as a parameterless stub: for
    ``kubectl discover --help`` alone, whose text lists only names and first doc lines.
    Building every command's ~30 options costs ~20 ms that the root help never shows
    (tests/unit/test_cli.py checks both texts are the same)."""
    light = typer.Typer(
        name=app.info.name,
        help=app.info.help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for info in app.registered_commands:
        if info.hidden or info.callback is None:
            continue

        def stub() -> None:
            """Never run: the root help only reads the docstring."""

        stub.__doc__ = inspect.getdoc(info.callback)
        light.command(info.name)(stub)
    return light


def _evaluated_annotations(func: Callable[..., None]) -> None:
    """Replace a command's string annotations (``from __future__ import annotations``) by the
    objects they name. typer before Python 3.10 reads them unevaluated and would see no option
    (and ``typing.get_type_hints`` there wraps a ``None`` default's ``Annotated`` in Optional)."""
    func.__annotations__ = {
        name: eval(value, func.__globals__) if isinstance(value, str) else value
        for name, value in func.__annotations__.items()
    }


for _info in app.registered_commands:
    if _info.callback is not None:
        _evaluated_annotations(_info.callback)
