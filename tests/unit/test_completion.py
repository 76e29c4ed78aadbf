"""kubectl plugin completion: the pure word -> candidates function and its executable."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_discover import completion
from kubectl_discover.completion import (
    DIRECTIVE_FILTER_FILE_EXT,
    DIRECTIVE_NO_FILE_COMP,
    DIRECTIVE_NO_SPACE,
    Completion,
    Sources,
    complete,
)


class Recorder:
    """Sources that answer from fixed tables and remember what they were asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def sources(self) -> Sources:
        services = {None: ["web", "api", "worker"], "shop": ["cart", "checkout", "web"]}
        ingresses = {None: ["public"], "shop": ["storefront", "shop-admin"]}

        def svc(namespace: str | None) -> Sequence[str]:
            self.calls.append(("services", namespace))
            return services.get(namespace, [])

        def ing(namespace: str | None) -> Sequence[str]:
            self.calls.append(("ingresses", namespace))
            return ingresses.get(namespace, [])

        def gateway_api(resource: str, namespace: str | None) -> Sequence[str]:
            self.calls.append((resource, namespace))
            table = {"gateways": ["edge"], "httproutes": ["store", "stats"], "grpcroutes": []}
            return table[resource] if namespace == "shop" else []

        def namespaces() -> Sequence[str]:
            self.calls.append(("namespaces", None))
            return ["shop", "default", "kube-system"]

        return Sources(
            namespaces=namespaces,
            services=svc,
            ingresses=ing,
            gateway_api=gateway_api,
            contexts=lambda: ["prod", "kind-dev"],
        )


def values(result: Completion) -> list[str]:
    return [line.split("\t", 1)[0] for line in result.candidates]


def run(*words: str) -> tuple[Completion, Recorder]:
    recorder = Recorder()
    return complete(list(words), recorder.sources()), recorder


def test_subcommands_with_descriptions_and_no_files() -> None:
    result, _ = run("")
    assert values(result) == [
        "svc",
        "ingress",
        "gateway",
        "httproute",
        "grpcroute",
        "route",
        "dns",
        "scan",
        "cleanup",
        "version",
    ]
    assert all("\t" in line for line in result.candidates)
    assert result.directive == DIRECTIVE_NO_FILE_COMP


def test_subcommand_prefix_and_hidden_aliases_not_offered() -> None:
    assert values(run("sv")[0]) == ["svc"]
    assert values(run("s")[0]) == ["svc", "scan"]
    assert values(run("c")[0]) == ["cleanup"]
    assert values(run("ing")[0]) == ["ingress"]
    assert values(run("x")[0]) == []


def test_no_words_at_all_is_the_empty_word() -> None:
    assert values(complete([], Sources())) == values(run("")[0])


def test_service_names_from_the_context_namespace() -> None:
    result, recorder = run("svc", "w")
    assert values(result) == ["web", "worker"]
    assert recorder.calls == [("services", None)]
    assert result.directive == DIRECTIVE_NO_FILE_COMP


@pytest.mark.parametrize(
    "words",
    [
        ("svc", "-n", "shop", "c"),
        ("svc", "--namespace", "shop", "c"),
        ("svc", "--namespace=shop", "c"),
        ("service", "-n", "shop", "c"),
    ],
)
def test_service_names_from_the_namespace_given(words: tuple[str, ...]) -> None:
    result, recorder = run(*words)
    assert values(result) == ["cart", "checkout"]
    assert recorder.calls == [("services", "shop")]


def test_ingress_names_including_the_hidden_alias() -> None:
    assert values(run("ingress", "-n", "shop", "")[0]) == ["shop-admin", "storefront"]
    assert values(run("ing", "")[0]) == ["public"]


@pytest.mark.parametrize(
    ("words", "resource", "expected"),
    [
        (("httproute", "-n", "shop", "st"), "httproutes", ["stats", "store"]),
        (("hr", "-n", "shop", "sto"), "httproutes", ["store"]),
        (("gateway", "-n", "shop", ""), "gateways", ["edge"]),
        (("gr", "-n", "shop", ""), "grpcroutes", []),
    ],
)
def test_gateway_api_names_including_the_hidden_aliases(
    words: tuple[str, ...], resource: str, expected: list[str]
) -> None:
    result, recorder = run(*words)
    assert values(result) == expected
    assert recorder.calls == [(resource, "shop")]


def test_nothing_after_the_one_positional() -> None:
    result, recorder = run("svc", "web", "")
    assert result.candidates == ()
    assert recorder.calls == []


def test_dns_starts_from_service_names() -> None:
    result, recorder = run("dns", "-n", "shop", "")
    assert values(result) == ["cart", "checkout", "web"]
    assert recorder.calls == [("services", "shop")]


def test_route_scan_cleanup_and_version_take_no_names() -> None:
    for words in (("route", ""), ("scan", ""), ("cleanup", ""), ("version", "")):
        result, recorder = run(*words)
        assert result.candidates == () and recorder.calls == [], words


def test_namespace_values() -> None:
    result, _ = run("svc", "-n", "")
    assert values(result) == ["default", "kube-system", "shop"]
    assert values(run("scan", "--namespace", "k")[0]) == ["kube-system"]
    assert values(run("svc", "--probe-namespace", "s")[0]) == ["shop"]


def test_flag_equals_value_keeps_the_flag() -> None:
    assert values(run("svc", "--namespace=s")[0]) == ["--namespace=shop"]
    assert values(run("svc", "--output=j")[0]) == ["--output=json"]


def test_output_values_per_command() -> None:
    svc, _ = run("svc", "web", "-o", "")
    assert values(svc) == ["table", "wide", "json", "yaml", "tree"]
    version, _ = run("version", "-o", "")
    assert values(version) == ["text", "json"]


def test_context_values_from_the_kubeconfig() -> None:
    assert values(run("svc", "--context", "")[0]) == ["kind-dev", "prod"]


def test_filename_lets_the_shell_list_manifests() -> None:
    result, _ = run("svc", "web", "-f", "")
    assert result.directive == DIRECTIVE_FILTER_FILE_EXT
    assert result.candidates == ("yaml", "yml", "json")
    assert run("svc", "--filename=ex")[0] == Completion(())


def test_from_offers_prefixes_without_a_space() -> None:
    result, _ = run("svc", "web", "--from", "")
    assert values(result) == ["pod/", "deploy/"]
    assert result.directive & DIRECTIVE_NO_SPACE


def test_flags_of_the_command_and_given_ones_left_out() -> None:
    result, _ = run("svc", "-")
    offered = values(result)
    assert {"--namespace", "-n", "--no-probe", "--dry-run", "-o", "--help"} <= set(offered)
    assert "-A" in offered  # accepted by every subject command (svc refuses it with a message)
    again = values(run("svc", "-n", "shop", "--no-probe", "-f", "a.yaml", "--")[0])
    assert "--namespace" not in again and "--no-probe" not in again
    assert "--filename" in again  # repeatable
    assert values(run("scan", "--a")[0]) == ["--all-namespaces"]
    assert values(run("-")[0]) == ["--help", "-h"]


def test_a_value_that_looks_like_a_command_is_not_one() -> None:
    # "-n ingress" names a namespace called ingress; the command stays svc.
    result, recorder = run("svc", "-n", "ingress", "")
    assert recorder.calls == [("services", "ingress")]
    assert values(result) == []


def test_flags_before_the_command_are_not_the_clis() -> None:
    # The CLI has no root-level -n (click would refuse it), so nothing is offered after it.
    result, recorder = run("-n", "shop", "svc", "")
    assert result.candidates == () and recorder.calls == []


def test_render_is_what_kubectl_reads() -> None:
    text = Completion(("svc\tExplain", "scan"), DIRECTIVE_NO_FILE_COMP).render()
    assert text == "svc\tExplain\nscan\n:4\n"
    assert Completion(()).render() == ":4\n"


WORDS = st.lists(
    st.sampled_from(["svc", "ingress", "scan", "-n", "shop", "-o", "--output=", "-f", "web", ""])
    | st.text(alphabet="-=abcnos", max_size=6),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(words=WORDS)
def test_never_raises_and_candidates_match_what_is_typed(words: list[str]) -> None:
    result = complete(words, Recorder().sources())
    assert isinstance(result.directive, int) and result.directive >= 0
    current = words[-1] if words else ""
    if result.directive & DIRECTIVE_FILTER_FILE_EXT:
        return  # the candidates are extensions, not words
    for candidate in values(result):
        assert candidate.startswith(current) or candidate.startswith(current.split("=")[-1])


def test_sources_that_fail_give_no_candidates() -> None:
    def broken(*_args: Any) -> Sequence[str]:
        raise OSError("connection refused")

    names = completion._quiet(lambda: broken())
    assert list(names) == []


# --- the cluster side, against a fake session ----------------------------------------------


class FakeSession:
    namespace = "team-a"

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any, Any]] = []

    def send_json(
        self, method: str, path: str, params: Any = None, body: Any = None, *, headers: Any = None
    ) -> dict[str, Any]:
        self.requests.append((method, path, params, headers))
        return {"items": [{"metadata": {"name": "web"}}, {"metadata": {"name": "db"}}]}


def test_one_list_with_a_limit_names_only(monkeypatch: pytest.MonkeyPatch) -> None:
    session = FakeSession()
    connected: list[tuple[str | None, str | None]] = []

    def fake_connect(kubeconfig: str | None, context: str | None, **_: Any) -> FakeSession:
        connected.append((kubeconfig, context))
        return session

    monkeypatch.setattr("kubectl_discover.api.session.connect", fake_connect)
    sources = completion.cluster_sources("/k/config", "prod")
    assert list(sources.services(None)) == ["web", "db"]
    assert list(sources.ingresses("shop")) == ["web", "db"]
    assert connected == [("/k/config", "prod")]  # connected once
    (m1, p1, q1, h1), (m2, p2, q2, h2) = session.requests
    assert q2 == {"limit": 500} and h2 == h1
    assert (m1, p1, q1) == ("GET", "/api/v1/namespaces/team-a/services", {"limit": 500})
    assert (m2, p2) == ("GET", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses")
    assert "PartialObjectMetadataList" in h1["Accept"]


def test_unreachable_cluster_means_no_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_discover.errors import ClusterAccessError

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise ClusterAccessError("cannot reach the API server: connection refused")

    monkeypatch.setattr("kubectl_discover.api.session.connect", refuse)
    sources = completion.cluster_sources(None, None)
    assert complete(["svc", ""], sources) == Completion(())


def test_main_passes_context_and_kubeconfig_and_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[str | None, str | None]] = []

    def sources(kubeconfig: str | None, context: str | None) -> Sources:
        seen.append((kubeconfig, context))
        return Sources(services=lambda _ns: ["web"])

    monkeypatch.setattr(completion, "cluster_sources", sources)
    with pytest.raises(SystemExit) as exited:
        completion.main(["svc", "--context", "prod", "--kubeconfig=/k", "w"])
    assert exited.value.code == 0
    assert seen == [("/k", "prod")]
    captured = capsys.readouterr()
    assert captured.out == "web\n:4\n"
    assert captured.err == ""


def test_main_swallows_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(_words: Sequence[str], _sources: Sources) -> Completion:
        raise RuntimeError("bug")

    monkeypatch.setattr(completion, "complete", explode)
    with pytest.raises(SystemExit) as exited:
        completion.main(["svc", ""])
    assert exited.value.code == 0
    assert capsys.readouterr() == (":4\n", "")


# --- the table mirrors the CLI --------------------------------------------------------------


def _cli_options() -> dict[str, set[str]]:
    import typer

    from kubectl_discover.cli import app

    group: Any = typer.main.get_command(app)
    found: dict[str, set[str]] = {}
    for name, command in group.commands.items():
        opts: set[str] = set()
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                opts.update(param.opts)
        found[name] = opts | {"--help", "-h"}
    return found


def test_flag_table_matches_the_cli() -> None:
    cli = _cli_options()
    visible = {name for name in cli if name not in completion.ALIASES}
    assert visible == set(completion.COMMANDS)
    for alias, target in completion.ALIASES.items():
        assert cli[alias] == cli[target], alias
    for command, flags in completion.FLAGS.items():
        ours = {name for flag in flags for name in flag.names}
        assert ours == cli[command], command


def test_value_flags_match_the_cli() -> None:
    import typer

    from kubectl_discover.cli import app

    group: Any = typer.main.get_command(app)
    for command, flags in completion.FLAGS.items():
        takes_value = {
            param.opts[0]
            for param in group.commands[command].params
            if param.param_type_name == "option"
            and not param.is_flag
            and not getattr(param, "hidden", False)
        }
        ours = {flag.names[0] for flag in flags if flag.value is not None}
        assert ours == takes_value, command


def test_completing_words_and_flags_does_not_load_the_client() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kubectl_discover.completion", "svc", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.endswith(":4\n") and "--namespace" in done.stdout
    loaded = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert "kubectl_discover" in loaded, "the import log was not read"
    assert not loaded & {"kubernetes", "typer", "urllib3"}
