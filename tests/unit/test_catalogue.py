"""The check catalogue: complete, well-formed, and docs/checks.md generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubectl_discover.catalogue import all_checks, format_markdown
from kubectl_discover.findings import Severity

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_catalogue_gathers_checks_from_every_analysis_area() -> None:
    areas = {c.area for c in all_checks()}
    assert {"service", "ingress", "legacy", "access"} <= areas


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.id)
def test_each_check_is_documented(check: object) -> None:
    from kubectl_discover.findings import Check

    assert isinstance(check, Check)
    assert KEBAB.match(check.id), check.id
    assert check.title and check.meaning and check.fix
    assert isinstance(check.severity, Severity)


def test_docs_checks_md_is_generated_from_the_catalogue() -> None:
    expected = format_markdown(all_checks())
    assert DOCS.read_text() == expected, (
        "docs/checks.md is stale: run `python -m kubectl_discover.catalogue > docs/checks.md`"
    )
