"""Shell completion through kubectl: the ``kubectl_complete-discover`` executable.

kubectl (1.26 and newer) completes ``kubectl discover ...`` by running an executable named
``kubectl_complete-discover`` found on PATH, with the words typed after ``discover`` and,
last, the word being completed ("" when the cursor is after a space)::

    kubectl discover svc -n shop w<TAB>  ->  kubectl_complete-discover svc -n shop w

It reads one candidate per line (``candidate<TAB>description`` shows the description in
zsh and fish) and, if the last line is ``:<number>``, a cobra ShellCompDirective. A failing
executable gives no candidates, so :func:`main` always exits 0 and never writes to stderr.
This works for bash, zsh, fish and PowerShell alike: kubectl's own completion script calls
``kubectl __complete``, which calls us.

:func:`complete` is pure: words in, :class:`Completion` out, with the cluster behind the
callables of :class:`Sources`. :func:`cluster_sources` supplies them: one LIST (``limit=500``,
names only) through :mod:`kubectl_discover.api.session`, and kubeconfig contexts read from
the files. When the cluster cannot be reached, the list is empty.

The flag table below mirrors ``cli.py`` (reading it from the typer app would cost an import
of typer on every TAB); tests/unit/test_completion.py checks that the two agree.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# cobra's ShellCompDirective bits
DIRECTIVE_DEFAULT = 0
DIRECTIVE_ERROR = 1
DIRECTIVE_NO_SPACE = 2
DIRECTIVE_NO_FILE_COMP = 4
DIRECTIVE_FILTER_FILE_EXT = 8
DIRECTIVE_FILTER_DIRS = 16
DIRECTIVE_KEEP_ORDER = 32

LIST_LIMIT = 500
"""The one LIST asks for at most this many names; completion is for humans, not inventories."""

COMMANDS: Mapping[str, str] = {
    "svc": "Explain a Service: endpoints, DNS names, Ingress routes",
    "ingress": "Explain an Ingress: class, rules, backends, TLS, status",
    "gateway": "Explain a Gateway: class, listeners, attached routes",
    "httproute": "Explain an HTTPRoute: parents, attachment, rules, backends",
    "grpcroute": "Explain a GRPCRoute: parents, attachment, rules, backends",
    "route": "Which Ingress rule wins for a URL, down to the pods",
    "dns": "Explain a DNS name: its source object, whether it resolves",
    "scan": "One summary row per Service, Ingress, Gateway and Route, worst first",
    "cleanup": "Delete leftover probe pods past their deadline",
    "version": "Print the plugin version",
}
ALIASES: Mapping[str, str] = {
    "service": "svc",
    "ing": "ingress",
    "gtw": "gateway",
    "hr": "httproute",
    "gr": "grpcroute",
}
"""Hidden command names accepted by the CLI: completed like the command, never offered."""


@dataclass(frozen=True)
class Flag:
    names: tuple[str, ...]
    """Long name first, then the short one if any: ("--namespace", "-n")."""
    help: str
    value: str | None = None
    """What the flag's value is: namespace, context, file, output, from, ... None for a switch."""
    repeatable: bool = False


NAMESPACE = Flag(("--namespace", "-n"), "Namespace", "namespace")
ALL_NAMESPACES = Flag(("--all-namespaces", "-A"), "Every namespace")
CONTEXT = Flag(("--context",), "Kubeconfig context", "context")
KUBECONFIG = Flag(("--kubeconfig",), "Path to a kubeconfig", "path")
OUTPUT = Flag(("--output", "-o"), "table, wide, json, yaml or tree", "output")
FILENAME = Flag(("--filename", "-f"), "Manifests instead of a cluster", "manifest", True)
KUSTOMIZE = Flag(("--kustomize", "-k"), "A kustomization directory instead of a cluster", "path")
NO_PROBE = Flag(("--no-probe",), "Static analysis only")
CLUSTER_DOMAIN = Flag(("--cluster-domain",), "Cluster DNS domain", "text")
NO_COLOR = Flag(("--no-color",), "Never colour the output")
IMAGE = Flag(("--image",), "Probe pod image", "text")
NODE = Flag(("--node",), "Run the probe pod on this node", "text")
FROM = Flag(("--from",), "Probe as pod/, deploy/, sts/ or ds/NAME sees it", "from")
AS_CLIENT = Flag(("--as-client",), "With --from: the probe carries the client's labels")
EPHEMERAL = Flag(("--ephemeral",), "With --from pod/NAME: probe from a debug container in it")
KEEP = Flag(("--keep",), "Leave the probe pod for inspection")
PROBE_NAMESPACE = Flag(("--probe-namespace",), "Namespace for the probe pod", "namespace")
PROBE_TIMEOUT = Flag(("--probe-timeout",), "Seconds to wait for the probe", "text")
DRY_RUN = Flag(("--dry-run",), "Print the probe pod and plan")
RECORD = Flag(("--record",), "Write what the probe observed to a file", "path")
WATCH = Flag(("--watch", "-w"), "Re-probe on an interval and show what changed")
INTERVAL = Flag(("--interval",), "Seconds between --watch runs", "text")
REPEAT = Flag(("--repeat",), "Ask each DNS hop N times (latency, lost answers)", "text")
REPLAY = Flag(("--replay",), "Replay a recorded probe instead of probing", "path")
GATEWAY = Flag(("--gateway",), "Ask this Gateway alone (NAMESPACE/NAME)", "text")
HEADER = Flag(("--header", "-H"), "A request header 'Name: value'", "text", True)
METHOD = Flag(("--method",), "The request method", "text")
HELP = Flag(("--help", "-h"), "Show help")
VERSION_OUTPUT = Flag(("--output", "-o"), "text or json", "version-output")

_PROBE_FLAGS = (
    IMAGE,
    NODE,
    FROM,
    AS_CLIENT,
    EPHEMERAL,
    KEEP,
    PROBE_NAMESPACE,
    PROBE_TIMEOUT,
    DRY_RUN,
    RECORD,
    REPLAY,
    WATCH,
    INTERVAL,
    REPEAT,
)
_COMMON = (
    NAMESPACE,
    CONTEXT,
    KUBECONFIG,
    OUTPUT,
    FILENAME,
    KUSTOMIZE,
    NO_PROBE,
    CLUSTER_DOMAIN,
    NO_COLOR,
)

_SUBJECT = (NAMESPACE, ALL_NAMESPACES, *_COMMON[1:], *_PROBE_FLAGS, HELP)
"""svc, ingress, route and dns share one command factory, so one flag set (svc and ingress
accept -A only to refuse it with a clear message, as kubectl does for a named object)."""

FLAGS: Mapping[str, tuple[Flag, ...]] = {
    "svc": _SUBJECT,
    "ingress": _SUBJECT,
    "gateway": _SUBJECT,
    "httproute": _SUBJECT,
    "grpcroute": _SUBJECT,
    "route": (*_SUBJECT[:-1], GATEWAY, HEADER, METHOD, HELP),
    "scan": (NAMESPACE, ALL_NAMESPACES, *_COMMON[1:], HELP),
    "dns": _SUBJECT,
    "cleanup": (NAMESPACE, ALL_NAMESPACES, CONTEXT, KUBECONFIG, HELP),
    "version": (VERSION_OUTPUT, HELP),
}
ROOT_FLAGS = (HELP,)

POSITIONAL: Mapping[str, str] = {
    "svc": "service",
    "ingress": "ingress",
    "gateway": "gateway",
    "httproute": "httproute",
    "grpcroute": "grpcroute",
    "route": "url",
    "dns": "service",  # a name as a client types it: the short Service names are the start
}
"""The one positional argument of each command, and what completes it."""

OUTPUT_VALUES: Mapping[str, str] = {
    "table": "One row per expectation (default)",
    "wide": "The table with more columns",
    "json": "The report document as JSON",
    "yaml": "The report document as YAML",
    "tree": "The chain from client to pods",
}
VERSION_OUTPUT_VALUES: Mapping[str, str] = {"text": "One line (default)", "json": "JSON"}
MANIFEST_EXTENSIONS = ("yaml", "yml", "json")
FROM_PREFIXES: Mapping[str, str] = {"pod/": "A pod by name", "deploy/": "A Deployment's pod"}


@dataclass(frozen=True)
class Sources:
    """Where names come from. Each callable returns names, or nothing when it cannot.

    ``namespace`` None means the kubeconfig context's namespace.
    """

    namespaces: Callable[[], Sequence[str]] = lambda: ()
    services: Callable[[str | None], Sequence[str]] = lambda _ns: ()
    ingresses: Callable[[str | None], Sequence[str]] = lambda _ns: ()
    gateway_api: Callable[[str, str | None], Sequence[str]] = lambda _resource, _ns: ()
    """Names of a Gateway API resource ("gateways", "httproutes", "grpcroutes")."""
    contexts: Callable[[], Sequence[str]] = lambda: ()


@dataclass(frozen=True)
class Completion:
    candidates: tuple[str, ...]
    """Each ``value`` or ``value<TAB>description``."""
    directive: int = DIRECTIVE_NO_FILE_COMP

    def render(self) -> str:
        """The text kubectl reads: candidates, then ``:<directive>``."""
        return "".join(f"{line}\n" for line in (*self.candidates, f":{self.directive}"))


@dataclass
class Parsed:
    """What the words before the current one say."""

    command: str | None = None
    positionals: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    """Long names of the flags already given."""
    values: dict[str, str] = field(default_factory=dict)
    """Last value given per long flag name."""
    pending: Flag | None = None
    """A flag that still waits for its value: the current word is that value."""


def _flag_table(command: str | None) -> tuple[Flag, ...]:
    return FLAGS.get(command, ROOT_FLAGS) if command else ROOT_FLAGS


def _find_flag(flags: Sequence[Flag], name: str) -> Flag | None:
    return next((flag for flag in flags if name in flag.names), None)


def parse(words: Sequence[str]) -> Parsed:
    """Walk the completed words like click would, remembering flags and positionals."""
    parsed = Parsed()
    after_dashes = False
    for word in words:
        flags = _flag_table(parsed.command)
        if parsed.pending is not None:
            parsed.values[parsed.pending.names[0]] = word
            parsed.pending = None
            continue
        if word == "--" and not after_dashes:
            after_dashes = True
            continue
        if word.startswith("-") and word != "-" and not after_dashes:
            name, has_value, value = word.partition("=")
            flag = _find_flag(flags, name)
            if flag is None:
                continue
            parsed.seen.add(flag.names[0])
            if flag.value is not None:
                if has_value:
                    parsed.values[flag.names[0]] = value
                else:
                    parsed.pending = flag
            continue
        if parsed.command is None:
            parsed.command = ALIASES.get(word, word)
        else:
            parsed.positionals.append(word)
    return parsed


def _matching(current: str, options: Mapping[str, str] | Sequence[str]) -> list[str]:
    if isinstance(options, Mapping):
        return [
            f"{value}\t{text}" if text else value
            for value, text in options.items()
            if value.startswith(current)
        ]
    return [value for value in options if value.startswith(current)]


def _namespace(parsed: Parsed) -> str | None:
    return parsed.values.get("--namespace")


def _values(flag: Flag, current: str, parsed: Parsed, sources: Sources) -> Completion:
    """Candidates for the value of ``flag``, the word being typed being ``current``."""
    kind = flag.value
    if kind == "namespace":
        return Completion(tuple(_matching(current, sorted(sources.namespaces()))))
    if kind == "context":
        return Completion(tuple(_matching(current, sorted(sources.contexts()))))
    if kind == "output":
        return Completion(
            tuple(_matching(current, OUTPUT_VALUES)), DIRECTIVE_KEEP_ORDER | DIRECTIVE_NO_FILE_COMP
        )
    if kind == "version-output":
        return Completion(tuple(_matching(current, VERSION_OUTPUT_VALUES)))
    if kind == "manifest":
        # The shell lists directories and files with these extensions ("-" is stdin).
        return Completion(MANIFEST_EXTENSIONS, DIRECTIVE_FILTER_FILE_EXT)
    if kind == "path":
        return Completion((), DIRECTIVE_DEFAULT)
    if kind == "from":
        return Completion(
            tuple(_matching(current, FROM_PREFIXES)), DIRECTIVE_NO_SPACE | DIRECTIVE_NO_FILE_COMP
        )
    return Completion(())


def _flags(command: str | None, current: str, parsed: Parsed) -> Completion:
    offered: list[str] = []
    for flag in _flag_table(command):
        if flag.names[0] in parsed.seen and not flag.repeatable:
            continue
        for name in flag.names:
            if name.startswith(current):
                offered.append(f"{name}\t{flag.help}")
    return Completion(tuple(offered))


def complete(words: Sequence[str], sources: Sources) -> Completion:
    """Candidates for the last of ``words`` (the word under the cursor, maybe "")."""
    if not words:
        words = [""]
    *before, current = words
    parsed = parse(before)
    flags = _flag_table(parsed.command)
    if parsed.pending is not None:
        return _values(parsed.pending, current, parsed, sources)
    if current.startswith("-"):
        name, has_value, value = current.partition("=")
        if has_value:
            flag = _find_flag(flags, name)
            if flag is None or flag.value is None:
                return Completion(())
            inner = _values(flag, value, parsed, sources)
            if inner.directive & (DIRECTIVE_FILTER_FILE_EXT | DIRECTIVE_FILTER_DIRS) or (
                inner.directive == DIRECTIVE_DEFAULT
            ):
                return Completion((), DIRECTIVE_NO_FILE_COMP)  # no file names after "--flag="
            return Completion(
                tuple(f"{name}={candidate}" for candidate in inner.candidates), inner.directive
            )
        return _flags(parsed.command, current, parsed)
    if parsed.command is None:
        return Completion(tuple(_matching(current, COMMANDS)))
    if parsed.command not in FLAGS:
        return Completion(())
    target = POSITIONAL.get(parsed.command)
    if target is None or parsed.positionals:
        return Completion(())
    if target == "service":
        return Completion(tuple(_matching(current, sorted(sources.services(_namespace(parsed))))))
    if target == "ingress":
        return Completion(tuple(_matching(current, sorted(sources.ingresses(_namespace(parsed))))))
    if target in ("gateway", "httproute", "grpcroute"):
        names = sources.gateway_api(target + "s", _namespace(parsed))
        return Completion(tuple(_matching(current, sorted(names))))
    return Completion(())


# --- the cluster side ----------------------------------------------------------------------


def _quiet(call: Callable[[], Sequence[str]]) -> Sequence[str]:
    """Run ``call``; any failure (no kubeconfig, unreachable, forbidden) means no names."""
    try:
        return call()
    except Exception:
        return ()


class ClusterNames:
    """Names listed from the cluster named by ``--kubeconfig``/``--context`` in the words.

    Connects at most once and sends one LIST per call: ``limit=500``, names only.
    """

    def __init__(self, kubeconfig: str | None, context: str | None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self._session: Any = None

    def _connect(self) -> Any:
        if self._session is None:
            from kubectl_discover.api.session import connect

            self._session = connect(self.kubeconfig, self.context, request_timeout=5.0)
        return self._session

    def names(self, path: str) -> list[str]:
        from kubectl_discover.api.listing import METADATA_ONLY

        session = self._connect()
        page = session.send_json(
            "GET", path, {"limit": LIST_LIMIT}, headers={"Accept": METADATA_ONLY}
        )
        items = page.get("items") or []
        return [str(item["metadata"]["name"]) for item in items if item.get("metadata")]

    def namespaced(self, resource_root: str, resource: str, namespace: str | None) -> list[str]:
        session = self._connect()
        where = namespace or session.namespace
        return self.names(f"{resource_root}/namespaces/{where}/{resource}")

    def contexts(self) -> list[str]:
        import os

        from kubectl_discover.api.session import kubeconfig_paths, merge_kubeconfigs

        choice = kubeconfig_paths(self.kubeconfig, os.environ)
        return sorted(merge_kubeconfigs(choice.paths).contexts)


def cluster_sources(kubeconfig: str | None, context: str | None) -> Sources:
    cluster = ClusterNames(kubeconfig, context)
    return Sources(
        namespaces=lambda: _quiet(lambda: cluster.names("/api/v1/namespaces")),
        services=lambda ns: _quiet(lambda: cluster.namespaced("/api/v1", "services", ns)),
        ingresses=lambda ns: _quiet(
            lambda: cluster.namespaced("/apis/networking.k8s.io/v1", "ingresses", ns)
        ),
        gateway_api=lambda resource, ns: _quiet(
            lambda: cluster.namespaced("/apis/gateway.networking.k8s.io/v1", resource, ns)
        ),
        contexts=lambda: _quiet(cluster.contexts),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``kubectl_complete-discover``: print candidates, exit 0 whatever happens."""
    import warnings

    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["__complete"]:  # tolerate being called cobra-style
        words = words[1:]
    parsed = parse(words[:-1])
    sources = cluster_sources(
        parsed.values.get("--kubeconfig"), parsed.values.get("--context") or None
    )
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            result = complete(words, sources)
    except Exception:
        result = Completion(())
    sys.stdout.write(result.render())
    sys.stdout.flush()
    sys.exit(0)


if __name__ == "__main__":
    main()
