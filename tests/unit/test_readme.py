"""The README tells the truth: its RBAC section is deploy/rbac.yaml, and its two
fresh-machine commands exist in the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_rbac_section_is_deploy_rbac_yaml_verbatim() -> None:
    section = README.split("## RBAC", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    assert block.group(1) == (ROOT / "deploy" / "rbac.yaml").read_text()


def test_fresh_machine_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_offline_examples_are_real_runs_of_the_current_code() -> None:
    """``python -m tools.readme_examples`` regenerates them; a stale one fails here."""
    from tools.readme_examples import README, render

    text = README.read_text()
    assert "$ kubectl discover svc db -n shop -f examples/shop.yaml" in text
    assert render(text) == text, "README examples are stale: run python -m tools.readme_examples"
