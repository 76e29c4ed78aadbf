"""kubectl's flags and the probe flags, as typer options: declared once, used by
every command (cli/app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    pass


Namespace = Annotated[
    Optional[str],
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
    Optional[str], typer.Option("--context", metavar="CONTEXT", help="Kubeconfig context to use.")
]
Kubeconfig = Annotated[
    Optional[str], typer.Option("--kubeconfig", metavar="PATH", help="Path to a kubeconfig.")
]
Output = Annotated[
    str, typer.Option("--output", "-o", metavar="FORMAT", help="table, wide, json, yaml or tree.")
]
Filenames = Annotated[
    Optional[list[str]],
    typer.Option(
        "--filename",
        "-f",
        metavar="PATH",
        help="Analyse manifests instead of a cluster: file, directory or - for stdin. Repeatable.",
    ),
]
Kustomize = Annotated[
    Optional[str],
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
    Optional[str],
    typer.Option(
        "--cluster-domain", help="Cluster DNS domain (default: detected, else cluster.local)."
    ),
]
NoColor = Annotated[bool, typer.Option("--no-color", help="Never colour the output.")]
Image = Annotated[
    Optional[str],
    typer.Option("--image", metavar="IMAGE", help="Probe pod image (must have python3)."),
]
Node = Annotated[
    Optional[str], typer.Option("--node", metavar="NODE", help="Run the probe pod on this node.")
]
From = Annotated[
    Optional[str],
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
    Optional[str],
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
Repeat = Annotated[
    int,
    typer.Option(
        "--repeat",
        metavar="N",
        help="Ask each DNS hop N times (A and AAAA together, as glibc does) and report the "
        "latency distribution and lost answers (1-200).",
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
    Optional[str],
    typer.Option("--record", metavar="FILE", help="Also write what the probe observed to FILE."),
]
Replay = Annotated[
    Optional[str],
    typer.Option(
        "--replay",
        metavar="FILE",
        help="Start no probe pod: replay what --record wrote (with -f or a cluster).",
    ),
]
GatewayFlag = Annotated[
    Optional[str],
    typer.Option(
        "--gateway",
        metavar="NAMESPACE/NAME",
        help="Ask this Gateway alone (default: every Ingress and Gateway that could receive it).",
    ),
]
Header = Annotated[
    Optional[list[str]],
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
NoGateway = Annotated[Optional[str], typer.Option("--gateway", hidden=True)]
NoHeader = Annotated[Optional[list[str]], typer.Option("--header", "-H", hidden=True)]
NoMethod = Annotated[str, typer.Option("--method", hidden=True)]
