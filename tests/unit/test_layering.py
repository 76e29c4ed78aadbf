"""The layering in docs/architecture.md, enforced on the import graph of the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kubectl_discover"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p): _imports(p) for p in SOURCES}


def _in_cli(module: str) -> bool:
    """The command line is the cli package: cli/__init__.py and the modules beside it."""
    return module == "kubectl_discover.cli" or module.startswith("kubectl_discover.cli.")


def _uses(imports: set[str], prefix: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for name in imports)


def test_the_tree_is_found() -> None:
    assert "kubectl_discover.cli" in MODULES
    assert any(m.startswith("kubectl_discover.analyze.") for m in MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_api_package_imports_kubernetes(module: str) -> None:
    if module.startswith("kubectl_discover.api"):
        return
    assert not _uses(MODULES[module], "kubernetes"), f"{module} imports the kubernetes client"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_cli_imports_typer(module: str) -> None:
    if _in_cli(module):
        return
    assert not _uses(MODULES[module], "typer"), f"{module} imports typer"
    assert not _uses(MODULES[module], "click"), f"{module} imports click"


PURE = (
    "kubectl_discover.analyze",
    "kubectl_discover.render",
    "kubectl_discover.report",
    "kubectl_discover.explain",
    "kubectl_discover.diagnose",
    "kubectl_discover.findings",
    "kubectl_discover.probe.plan",
    "kubectl_discover.probe.pod",
)
IMPURE = (
    "kubectl_discover.api",
    "kubectl_discover.manifests",
    "kubectl_discover.cli",
    "kubectl_discover.probing",
    "subprocess",
    "socket",
    "urllib.request",
    "requests",
    "http.client",
)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(PURE)))
def test_pure_layers_do_no_io(module: str) -> None:
    for forbidden in IMPURE:
        assert not _uses(MODULES[module], forbidden), f"{module} imports {forbidden}"


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.startswith("kubectl_discover.analyze"))
)
def test_analysis_never_reaches_up(module: str) -> None:
    for layer in ("render", "report", "explain", "probe", "diagnose", "cli"):
        assert not _uses(MODULES[module], f"kubectl_discover.{layer}"), (
            f"{module} imports kubectl_discover.{layer}"
        )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_but_the_cli_prints(module: str) -> None:
    if (
        _in_cli(module)
        or module == "kubectl_discover.catalogue"
        or module.startswith("kubectl_discover.probe.program")
    ):
        return  # the CLI writes; catalogue's __main__ writes docs; the in-pod program writes JSON
    path = next(p for p in SOURCES if _module_name(p) == module)
    tree = ast.parse(path.read_text())
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not calls, f"{module} calls print()"


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.startswith("kubectl_discover.probe"))
)
def test_probe_never_imports_the_api(module: str) -> None:
    """api/probes.py runs what probe/ builds; the other way round would be a cycle."""
    assert not _uses(MODULES[module], "kubectl_discover.api"), f"{module} imports the api"


def _terminal_writes(module: str) -> list[str]:
    path = next(p for p in SOURCES if _module_name(p) == module)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("stdout", "stderr")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append(f"sys.{node.attr} (line {node.lineno})")
    return found


TERMINAL_WRITERS = (
    "kubectl_discover.cli",  # the plugin (the whole cli package, see _in_cli)
    "kubectl_discover.completion",  # kubectl_complete-discover, kubectl's completion helper
    "kubectl_discover.catalogue",  # python -m kubectl_discover.catalogue > docs/checks.md
)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_but_the_cli_touches_the_terminal(module: str) -> None:
    if module in TERMINAL_WRITERS or _in_cli(module):
        return
    if module.startswith("kubectl_discover.probe.program"):
        return
    assert not _terminal_writes(module), f"{module} uses {_terminal_writes(module)}"


def test_the_terminal_check_sees_a_write() -> None:
    assert _terminal_writes("kubectl_discover.cli")
    assert all(_terminal_writes(m) for m in TERMINAL_WRITERS)
