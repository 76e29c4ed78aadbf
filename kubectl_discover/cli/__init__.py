"""The command line: typer only. Options are resolved, then validated, then run.

The package is the only place that writes to stdout/stderr, and :func:`run` the only place
where exceptions become exit codes. Everything heavy is imported inside the commands, so
``--help`` and ``version`` never load the Kubernetes client.

- cli/flags.py: the flags as typer options; cli/options.py: resolve and validate;
- cli/app.py: the commands; cli/running.py: load, pipeline, runner, watch;
- cli/output.py: rendering, progress, spinner.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from kubectl_discover.cli.app import app, root_app, version
from kubectl_discover.cli.output import Spinner
from kubectl_discover.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DiscoverError,
)

__all__ = ["PROG", "Spinner", "app", "main", "run"]

PROG = "kubectl discover"

# --- entry point: the one place exceptions become exit codes --------------------------------


def _fail(message: str, code: int) -> int:
    """One line on stderr; a name from the command line or a file is shown escaped."""
    from kubectl_discover.render.escape import escape_terminal

    sys.stderr.write(f"error: {escape_terminal(message).replace(chr(10), ' ')}\n")
    return code


def run(argv: Sequence[str] | None = None, *, prog_name: str = PROG) -> int:
    """Run the CLI and return the exit code, mapping every exception to one line."""
    # typer ships its own copy of click: its usage errors derive from that copy's
    # ClickException, which typer does not export, so take it from BadParameter's bases.
    click_exception: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
    )
    click_exit = typer.Exit
    click_abort = typer.Abort

    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["version"], ["version", "-o", "text"], ["version", "-o", "json"]):
        # Answered before typer builds the commands: typer routes every non-bool option
        # through pydantic, which costs more than the rest of start-up (bench/README.md).
        version(args[-1] if len(args) == 3 else "text")
        return EXIT_OK
    if not args:
        args = ["--help"]
    # The root help lists names and first doc lines only: built from stubs (cli/app.py).
    command = typer.main.get_command(root_app() if args in (["--help"], ["-h"]) else app)
    try:
        code = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click_exit as exit_:
        if exit_.exit_code == EXIT_INTERRUPTED:  # typer's own answer to Ctrl-C
            return _fail("interrupted", EXIT_INTERRUPTED)
        return int(exit_.exit_code)
    except click_exception as error:
        error.show()  # type: ignore[attr-defined]
        exit_code = int(error.exit_code)  # type: ignore[attr-defined]
        return EXIT_INPUT if exit_code == 2 else exit_code
    except click_abort:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except DiscoverError as error:
        return _fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:
        if os.environ.get("KUBECTL_DISCOVER_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(error).__name__}: {error} "
            "(a bug: please report it; set KUBECTL_DISCOVER_DEBUG=1 for a traceback)",
            EXIT_INTERNAL,
        )
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130
        return _fail("interrupted", EXIT_INTERRUPTED)
    return int(code) if isinstance(code, int) else EXIT_OK


def main() -> None:
    """Console-script entry point (``kubectl-discover``, found by kubectl on PATH)."""
    code = run()
    sys.stdout.flush()
    sys.exit(code)
