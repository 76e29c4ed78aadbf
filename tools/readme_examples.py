"""Regenerate (or check) the README's offline examples from real runs.

Every fenced block whose first line is ``$ kubectl discover ... -f examples/...`` is the
output of that command on the example manifests, at 120 columns, without colour; an
``$ echo $?`` line after it holds the exit code. ``python -m tools.readme_examples``
rewrites them; tests/unit/test_readme.py checks that they are current. Examples of live
runs (no ``-f``) come from the test cluster and are left as they are.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
WIDTH = "120"
_BLOCK = re.compile(r"```\n(\$ kubectl discover [^\n]*-f examples/[^\n]*)\n(.*?)```", re.S)


def run_example(command: str) -> tuple[str, int]:
    """The output and exit code of one ``$ kubectl discover ...`` line, run in-process."""
    from kubectl_discover.cli import run

    argv = shlex.split(command.removeprefix("$ kubectl discover "))
    out = io.StringIO()
    old = os.environ.get("COLUMNS"), os.getcwd()
    os.environ["COLUMNS"] = WIDTH
    os.environ["NO_COLOR"] = "1"
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(argv)
    finally:
        if old[0] is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old[0]
        os.chdir(old[1])
    return out.getvalue(), code


def render(text: str) -> str:
    """``text`` with every offline example block regenerated."""

    def block(match: re.Match[str]) -> str:
        command, body = match.group(1), match.group(2)
        output, code = run_example(command)
        echo = f"$ echo $?\n{code}\n" if "$ echo $?" in body else ""
        return f"```\n{command}\n{output}{echo}```"

    return _BLOCK.sub(block, text)


def main() -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in sys.argv[1:]:
        return 0 if fresh == current else 1
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
