"""Corefile parsing: server blocks, keys, directives, snippets, imports, env, errors, bounds."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from test_corefile_support import config

from kubectl_discover.analyze.corefile import load_corefile, parse_corefile
from kubectl_discover.analyze.corefile.model import Corefile, Where
from kubectl_discover.analyze.corefile.parser import MAX_DEPTH, MAX_EXPANSIONS


def ok(text: str, **kwargs: object) -> Corefile:
    parsed = parse_corefile(text, **kwargs)  # type: ignore[arg-type]
    assert parsed.error is None, parsed.error
    return parsed


def test_kubeadm_corefile_has_one_block_with_its_directives_in_source_order() -> None:
    loaded = config("kubeadm.yaml").corefile
    (block,) = loaded.blocks
    assert block.keys == (".:53",)
    assert [str(a) for a in block.addresses] == ["dns://.:53"]
    assert [d.name for d in block.directives] == [
        "errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop",
        "reload", "loadbalance",
    ]  # fmt: skip
    (kube,) = block.named("kubernetes")
    assert kube.args == ("cluster.local", "in-addr.arpa", "ip6.arpa")
    assert [(o.name, o.args) for o in kube.block] == [
        ("pods", ("insecure",)),
        ("fallthrough", ("in-addr.arpa", "ip6.arpa")),
        ("ttl", ("30",)),
    ]
    assert kube.where == Where("kube-system/coredns/Corefile", 7)
    assert kube.cite() == (
        "'kubernetes cluster.local in-addr.arpa ip6.arpa {...}' "
        "(kube-system/coredns/Corefile line 7)"
    )


def test_keys_take_transports_ports_and_default_ports() -> None:
    parsed = ok("tls://example.com dns://Example.ORG:5353 grpc://a.b https3://c.d .:053 {\n}\n")
    assert [str(a) for a in parsed.blocks[0].addresses] == [
        "tls://example.com.:853",
        "dns://example.org.:5353",
        "grpc://a.b.:443",
        "https3://c.d.:443",
        "dns://.:53",
    ]


def test_keys_continue_on_the_next_line_after_a_trailing_comma() -> None:
    parsed = ok("a.example,\n  b.example c.example {\n  whoami\n}\n")
    assert parsed.blocks[0].keys == ("a.example", "b.example", "c.example")


def test_cidr_keys_become_the_reverse_zones_on_label_boundaries() -> None:
    parsed = ok("10.0.0.0/24 10.1.0.0/23 fd00::/12 {\n}\n")
    assert [a.zone for a in parsed.blocks[0].addresses] == [
        "0.0.10.in-addr.arpa.",
        "0.1.10.in-addr.arpa.",
        "1.1.10.in-addr.arpa.",
        "0.d.f.ip6.arpa.",
    ]


def test_a_single_block_may_omit_its_braces() -> None:
    parsed = ok("example.org\nwhoami\nlog\n")
    (block,) = parsed.blocks
    assert block.keys == ("example.org",)
    assert [d.name for d in block.directives] == ["whoami", "log"]


def test_a_block_must_open_on_the_directives_line() -> None:
    assert error_of(".:53 {\n  forward . 1.1.1.1\n  {\n  force_tcp\n  }\n}\n") == (
        "the block of 'forward' must open on its line",
        Where("Corefile", 3),
    )
    assert error_of(".:53 {\n  health {\n  } extra\n}\n")[0] == (
        "unexpected 'extra' after the block of 'health'"
    )


def test_snippets_are_spliced_where_imported() -> None:
    parsed = ok("(common) {\n  errors\n  cache 30\n}\n.:53 {\n  import common\n  whoami\n}\n")
    (block,) = parsed.blocks
    assert [d.text() for d in block.directives] == ["errors", "cache 30", "whoami"]
    assert parsed.snippets == ("common",)
    (use,) = parsed.imports
    assert (use.pattern, use.snippet, use.resolved, use.unresolved) == (
        "common",
        True,
        ("common",),
        False,
    )


def test_a_snippet_used_before_its_definition_is_a_file_import() -> None:
    parsed = ok(".:53 {\n  import common\n}\n(common) {\n  errors\n}\n", imports={})
    (use,) = parsed.unresolved_imports
    assert (use.pattern, use.reason) == ("common", "no such file among those read")


def test_file_imports_match_globs_in_sorted_order_with_their_own_line_numbers() -> None:
    parsed = ok(
        ".:53 {\n  whoami\n  import custom/*.override\n}\nimport /etc/coredns/custom/*.server\n",
        imports={
            "custom/b.override": "log\n",
            "custom/a.override": "\n\nerrors\n",
            "custom/x.server": "example.com {\n  forward . 10.0.0.1\n}\n",
            "custom/skip.txt": "bogus {\n}\n",
        },
    )
    first, second = parsed.blocks
    assert [(d.name, d.where) for d in first.directives] == [
        ("whoami", Where("Corefile", 2)),
        ("errors", Where("custom/a.override", 3)),
        ("log", Where("custom/b.override", 1)),
    ]
    assert second.keys == ("example.com",)
    assert second.where == Where("custom/x.server", 1)
    assert [u.resolved for u in parsed.imports] == [
        ("custom/a.override", "custom/b.override"),
        ("custom/x.server",),
    ]


def test_file_imports_without_the_files_are_unresolved_not_guessed() -> None:
    parsed = ok(".:53 {\n  import custom/*.override\n}\n")
    (use,) = parsed.unresolved_imports
    assert (use.pattern, use.where, use.reason) == (
        "custom/*.override",
        Where("Corefile", 2),
        "the imported files were not read",
    )


def test_a_glob_matching_nothing_is_fine_but_a_missing_file_is_unresolved() -> None:
    parsed = ok(".:53 {\n  import custom/*.override\n  import extra.conf\n}\n", imports={})
    assert [(u.pattern, u.unresolved) for u in parsed.imports] == [
        ("custom/*.override", False),
        ("extra.conf", True),
    ]


def test_env_references_are_replaced_from_the_mapping_and_unset_ones_are_empty() -> None:
    parsed = ok(
        "{$ZONE}:53 {\n  forward . {$UPSTREAM} {%OTHER%}x\n}\n",
        env={"ZONE": "corp.example", "UPSTREAM": "10.0.0.1"},
    )
    (block,) = parsed.blocks
    assert block.keys == ("corp.example:53",)
    assert block.directives[0].args == (".", "10.0.0.1", "x")
    assert {(r.name, r.replaced) for r in parsed.references} == {
        ("{$ZONE}", True),
        ("{$UPSTREAM}", True),
        ("{%OTHER%}", True),
    }


def test_env_references_without_an_environment_are_kept_and_reported() -> None:
    parsed = ok(".:53 {\n  forward . {$UPSTREAM}\n}\n")
    assert parsed.blocks[0].directives[0].args == (".", "{$UPSTREAM}")
    assert [(r.name, r.where, r.replaced) for r in parsed.references] == [
        ("{$UPSTREAM}", Where("Corefile", 2), False)
    ]


def test_node_local_dns_placeholders_are_reported() -> None:
    parsed = ok("__PILLAR__DNS__DOMAIN__:53 {\n  bind __PILLAR__LOCAL__DNS__\n}\n")
    assert [r.name for r in parsed.references] == [
        "__PILLAR__DNS__DOMAIN__",
        "__PILLAR__LOCAL__DNS__",
    ]


def error_of(text: str, **kwargs: object) -> tuple[str, Where | None]:
    parsed = parse_corefile(text, **kwargs)  # type: ignore[arg-type]
    assert parsed.error is not None
    return parsed.error.message, parsed.error.where


def test_a_closing_brace_on_a_directive_line_is_an_error_with_its_line() -> None:
    assert error_of(".:53 {\n  cache 30 }\n") == (
        "unexpected '}' because no matching opening brace",
        Where("Corefile", 2),
    )


def test_an_unclosed_plugin_block_is_an_error() -> None:
    assert error_of(".:53 {\n  forward . 1.1.1.1 {\n    force_tcp\n") == (
        "'forward' opens a block that is never closed",
        Where("Corefile", 2),
    )


def test_an_unclosed_server_block_is_an_error() -> None:
    message, where = error_of(".:53 {\n  whoami\n")
    assert message == "expected '}' to close .:53"
    assert where == Where("Corefile", 2)


def test_an_invalid_zone_is_an_error() -> None:
    assert error_of("a..b {\n}\n")[0] == "zone is not a valid domain name: a..b"
    assert error_of("example.com: {\n}\n")[0] == "expecting data after last colon: 'example.com:'"


def test_two_blocks_for_the_same_zone_and_port_are_refused_unless_bound_apart() -> None:
    assert error_of(".:53 {\n}\n. {\n}\n")[0] == "cannot serve dns://.:53 - it is already defined"
    ok(".:53 {\n  bind 10.0.0.1\n}\n.:53 {\n  bind 10.0.0.2\n}\n")
    assert error_of(".:53 {\n  bind 10.0.0.1\n}\n.:53 {\n}\n")[0].startswith("cannot serve")


def test_snippet_errors_are_reported() -> None:
    assert error_of("(a) {\n}\n(a) {\n}\n")[0] == "redeclaration of previously declared snippet a"
    assert error_of("(a) {\n  import a\n}\n")[0] == "snippet (a) imports itself"


def test_an_import_cycle_stops_at_the_expansion_bound() -> None:
    message, _ = error_of("(a) {\n  import b\n}\n(b) {\n  import a\n}\n.:53 {\n  import a\n}\n")
    assert message == f"more than {MAX_EXPANSIONS} imports expanded (a cycle?)"


def test_import_syntax_errors() -> None:
    assert (
        error_of(".:53 {\n  import\n}\n")[0]
        == "import needs one argument (a snippet, file or glob)"
    )
    assert error_of(".:53 {\n  import a b\n}\n")[0] == (
        "import takes only one argument (glob pattern or file)"
    )
    assert error_of(".:53 {\n  import c/*/*.server\n}\n", imports={})[0] == (
        "glob pattern may only contain one wildcard (*): c/*/*.server"
    )


def test_blocks_nested_too_deep_are_refused() -> None:
    text = ".:53 {\n  x " + "{ " * (MAX_DEPTH + 1) + "\n" + "}\n" * (MAX_DEPTH + 2)
    assert error_of(text)[0] == f"blocks nested more than {MAX_DEPTH} deep"


def test_blocks_read_before_an_error_are_kept() -> None:
    parsed = parse_corefile("a.example {\n  whoami\n}\nb.example {\n  log }\n")
    assert parsed.error is not None
    assert [b.keys for b in parsed.blocks] == [("a.example",)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{}"#\\ \n\t.:,()$%ab1/*[]')), max_size=200))
def test_any_text_parses_to_a_value_without_raising(text: str) -> None:
    parsed = load_corefile(text, imports={"a": text[:50], "b/x": "{"}, env={"a": "{$a}"})
    assert parsed.corefile.source == "Corefile"


def test_a_large_random_corefile_is_read_in_bounded_time() -> None:
    rng = random.Random(16)
    lines = [".:53 {"]
    for i in range(5000):
        lines.append(f"  rewrite name exact a{i}.example b{i}.example # {rng.random()}")
    lines.append("}")
    parsed = parse_corefile("\n".join(lines))
    assert parsed.error is None
    assert len(parsed.blocks[0].directives) == 5000
