"""kubectl's flags and the probe flags, as typer options: declared once, used by
every command (cli/app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass


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
AsClient = Annotated[
    bool,
    typer.Option(
        "--as-client",
        help="With --from: the probe pod carries the client's labels and service account "
        "name, so NetworkPolicies select it like the client.",
    ),
]
Ephemeral = Annotated[
    bool,
    typer.Option(
        "--ephemeral",
        help="With --from pod/NAME: probe from an ephemeral container added to that pod "
        "(its network, policies and resolv.conf). It cannot be removed afterwards; needs "
        "patch on pods/ephemeralcontainers.",
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
