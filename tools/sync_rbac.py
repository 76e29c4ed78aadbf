"""Copy deploy/rbac.yaml into the README's RBAC section (checked by tests/unit/test_readme.py).

Run after editing deploy/rbac.yaml: ``python tools/sync_rbac.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, section = text.split("## RBAC", 1)
    rbac = (ROOT / "deploy" / "rbac.yaml").read_text()
    section = re.sub(
        r"```yaml\n.*?```", lambda _m: f"```yaml\n{rbac}```", section, count=1, flags=re.S
    )
    readme.write_text(head + "## RBAC" + section)


if __name__ == "__main__":
    main()
