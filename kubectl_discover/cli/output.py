"""Writing: the report in the chosen format, progress lines and the spinner on stderr.
The only place, with the entry point (cli/__init__.py), that writes to the terminal.
"""

from __future__ import annotations

import shutil
import sys
from typing import TYPE_CHECKING, Any

from kubectl_discover.cli.options import Options
from kubectl_discover.errors import (
    EXIT_FAIL,
    EXIT_OK,
)

if TYPE_CHECKING:
    pass


# --- output ---------------------------------------------------------------------------------


def render(document: dict[str, Any], options: Options) -> str:
    from kubectl_discover import render as renderers
    from kubectl_discover.render.style import Style

    style = Style(color=options.color)
    if options.output == "json":
        return renderers.format_json(document)
    if options.output == "yaml":
        return renderers.format_yaml(document)
    if options.output == "tree":
        return renderers.format_tree(document, style=style)
    return renderers.format_table(
        document, style=style, width=options.width, wide=options.output == "wide"
    )


def exit_code(document: dict[str, Any]) -> int:
    """The exit code a report's verdict gives: 1 when it fails, else 0."""
    return EXIT_FAIL if document.get("verdict") == "fail" else EXIT_OK


def emit(document: dict[str, Any], options: Options) -> int:
    """Write the report; the exit code follows its verdict."""
    sys.stdout.write(render(document, options))
    return exit_code(document)


def progress(message: str) -> None:
    """Probe progress on stderr as plain lines (the report goes to stdout)."""
    sys.stderr.write(f"discover: {message}\n")
    sys.stderr.flush()


def notice(message: str) -> None:
    """A line that stays: on a terminal it first clears the spinner's line."""
    clear = "\r\033[K" if sys.stderr.isatty() else ""
    sys.stderr.write(f"{clear}discover: {message}\n")
    sys.stderr.flush()


class Spinner:
    """Probe progress on a terminal: one line, redrawn with a spinner and the current
    phase until :meth:`close`, which clears it. Off a terminal, use :func:`progress`."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self) -> None:
        import threading

        self._message = "starting"
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def __call__(self, message: str) -> None:
        self._message = message

    def _spin(self) -> None:
        frame = 0
        while not self._done.wait(0.1):
            text = f"{self.FRAMES[frame % len(self.FRAMES)]} discover: {self._message}"
            width = shutil.get_terminal_size((80, 24)).columns - 1
            sys.stderr.write("\r" + text[:width] + "\033[K")
            sys.stderr.flush()
            frame += 1

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
