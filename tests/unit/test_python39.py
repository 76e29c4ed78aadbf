"""The package runs on Python 3.9: constructs that 3.9 parses but fails on at run time.

Byte-compiling under a real 3.9 (tests/packaging/test_python_versions.py) catches 3.10+
syntax, and importing every module there catches what runs at import. Neither sees what
runs only inside a function (``isinstance(x, A | B)``, ``zip(strict=)``, ``datetime.UTC``),
so this reads the source for those, on the interpreter the suite runs on.

Not checked: annotations, which ``from __future__ import annotations`` keeps as strings
(every module has it; a module without it has its signatures checked too), and code under
``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kubectl_discover"

TYPE_NAMES = {"str", "int", "float", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset"}
TYPE_NAMES |= {"object", "type", "complex", "bytearray"}

NEWER_NAMES = {
    "datetime": {"UTC"},
    "typing": {
        "Self",
        "TypeAlias",
        "ParamSpec",
        "Concatenate",
        "TypeGuard",
        "LiteralString",
        "Never",
        "NotRequired",
        "Required",
        "Unpack",
        "TypeVarTuple",
        "assert_never",
        "assert_type",
        "reveal_type",
        "dataclass_transform",
        "override",
        "is_typeddict",
    },
    "enum": {"StrEnum", "ReprEnum", "verify", "EnumCheck", "global_enum"},
    "itertools": {"pairwise", "batched"},
    "asyncio": {"TaskGroup", "timeout", "Runner"},
    "contextlib": {"chdir", "aclosing"},
}
"""Names a 3.10+ standard library module has and 3.9's has not."""

NEWER_MODULES = {"tomllib", "wsgiref.types"}
NEWER_BUILTINS = {"ExceptionGroup", "BaseExceptionGroup", "aiter", "anext", "EncodingWarning"}
NEWER_KEYWORDS = {"zip": {"strict"}, "dataclass": {"slots", "kw_only"}}


def _type_like(node: ast.expr) -> bool:
    """Looks like a type: a builtin type, None, a CamelCase name (not a CONSTANT), X[...]."""
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Name):
        return node.id in TYPE_NAMES or (node.id[:1].isupper() and not node.id.isupper())
    if isinstance(node, ast.Attribute):
        return node.attr[:1].isupper() and not node.attr.isupper()
    if isinstance(node, ast.Subscript):
        return _type_like(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _type_like(node.left) and _type_like(node.right)
    return False


class Finder(ast.NodeVisitor):
    def __init__(self, lazy_annotations: bool) -> None:
        self.lazy = lazy_annotations
        self.in_function = False
        self.problems: list[tuple[int, str]] = []

    def flag(self, node: ast.AST, what: str) -> None:
        self.problems.append((getattr(node, "lineno", 0), what))

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _annotation(self, node: ast.expr | None) -> None:
        if node is not None and not self.lazy:
            self.visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self._annotation(node.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for child in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if child is not None:
                self.visit(child)
        for argument in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            self.visit_arg(argument)
        for argument in (node.args.vararg, node.args.kwarg):
            if argument is not None:
                self.visit_arg(argument)
        self._annotation(node.returns)
        outer, self.in_function = self.in_function, True
        for statement in node.body:
            self.visit(statement)
        self.in_function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not self.in_function:  # a local variable's annotation is never evaluated
            self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.BitOr) and _type_like(node):
            self.flag(node, f"X | Y evaluated at run time: {ast.unparse(node)} (use Union/tuple)")
            return
        self.generic_visit(node)

    def visit_Match(self, node: ast.AST) -> None:
        self.flag(node, "match statement (3.10)")

    def visit_TryStar(self, node: ast.AST) -> None:
        self.flag(node, "except* (3.11)")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        for keyword in node.keywords:
            if keyword.arg in NEWER_KEYWORDS.get(str(name), set()):
                self.flag(node, f"{name}({keyword.arg}=...) (3.10)")
        if isinstance(func, ast.Attribute) and func.attr == "bit_count":
            self.flag(node, "int.bit_count() (3.10)")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in NEWER_BUILTINS:
            self.flag(node, f"builtin {node.id} (3.10+)")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if isinstance(value, ast.Name) and node.attr in NEWER_NAMES.get(value.id, set()):
            self.flag(node, f"{value.id}.{node.attr} (3.10+)")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name in NEWER_NAMES.get(module, set()):
                self.flag(node, f"from {module} import {alias.name} (3.10+)")
        if module in NEWER_MODULES:
            self.flag(node, f"module {module} (3.11)")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in NEWER_MODULES:
                self.flag(node, f"module {alias.name} (3.11)")


def problems_in(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    lazy = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    finder = Finder(lazy)
    finder.visit(tree)
    return finder.problems


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_has_nothing_python_39_cannot_run(path: Path) -> None:
    problems = problems_in(path.read_text(encoding="utf-8"))
    assert problems == [], "\n".join(f"{path.name}:{line}: {what}" for line, what in problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Alias = int | None\n", "X | Y evaluated at run time: int | None (use Union/tuple)"),
        ("def f(x):\n    return isinstance(x, list | tuple)\n", "X | Y evaluated at run time"),
        ("Net = ipaddress.IPv4Network | ipaddress.IPv6Network\n", "X | Y evaluated at run time"),
        ("A = Annotated[str | None, 1]\n", "X | Y evaluated at run time"),
        ("for a, b in zip(x, y, strict=True):\n    pass\n", "zip(strict=...) (3.10)"),
        ("@dataclass(frozen=True, slots=True)\nclass C:\n    pass\n", "dataclass(slots=...)"),
        ("now = datetime.datetime.now(datetime.UTC)\n", "datetime.UTC (3.10+)"),
        ("from datetime import UTC\n", "from datetime import UTC (3.10+)"),
        ("from typing import Self\n", "from typing import Self (3.10+)"),
        ("import tomllib\n", "module tomllib (3.11)"),
        ("match x:\n    case 1:\n        pass\n", "match statement (3.10)"),
        ("n = x.bit_count()\n", "int.bit_count() (3.10)"),
        ("def f(a: int | None) -> None: ...\n", "X | Y evaluated at run time"),
        ("class C:\n    x: int | None = None\n", "X | Y evaluated at run time"),
    ],
)
def test_each_construct_is_caught(source: str, expected: str) -> None:
    assert any(what.startswith(expected) for _, what in problems_in(source)), problems_in(source)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\ndef f(a: int | None) -> str | None: ...\n",
        "from __future__ import annotations\nx: dict[str, int | None] = {}\n",
        "FLAGS = re.IGNORECASE | re.MULTILINE\n",
        "KEEP = DIRECTIVE_NO_SPACE | DIRECTIVE_NO_FILE_COMP\n",
        "both = names | other_names\n",
        "if TYPE_CHECKING:\n    Json = dict[str, int] | None\n",
        "def f():\n    x: int | None = None\n",
        "isinstance(x, (list, tuple))\n",
        "zip(a, b)\n",
    ],
)
def test_what_39_runs_is_not_flagged(source: str) -> None:
    assert problems_in(source) == []
