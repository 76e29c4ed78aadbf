"""Entry points of the single-file archive (copied into it as ``kubectl_discover_launcher``).

The archive is a shiv zipapp whose entry point is :func:`main`. The completion executable
``kubectl_complete-discover`` runs the same archive with ``SHIV_ENTRY_POINT`` set to
:func:`complete`, so one copy of the dependencies serves both commands.

This file must stay importable by any Python 3: it runs before the version check passes.
"""

import sys

MINIMUM = (3, 9)


def _check_python() -> None:
    if sys.version_info < MINIMUM:
        found = ".".join(str(part) for part in sys.version_info[:3])
        sys.stderr.write(
            f"error: kubectl-discover needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer as python3 "
            f"(found {found} at {sys.executable})\n"
        )
        sys.exit(2)


def main() -> None:
    """``kubectl discover ...``."""
    _check_python()
    from kubectl_discover.cli import main as cli_main

    cli_main()


def complete() -> None:
    """``kubectl_complete-discover WORD... CURRENT``: never fails, never writes to stderr."""
    if sys.version_info < MINIMUM:
        sys.stdout.write(":4\n")
        sys.exit(0)
    from kubectl_discover.completion import main as completion_main

    completion_main()
