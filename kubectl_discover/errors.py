"""The exceptions the CLI maps to exit codes, in one place.

Every layer raises one of these; only :mod:`kubectl_discover.cli` turns them into
a single line on stderr and an exit code. Nothing else ever prints a traceback.
"""

from __future__ import annotations

# Exit codes, kubectl-style: 0 healthy, 1 something fails, 2 bad input, 3 cluster access.
EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INPUT = 2
EXIT_CLUSTER = 3
EXIT_PROBE = 4
EXIT_PROBE_IMAGE = 5
EXIT_PROBE_UNSCHEDULABLE = 6
EXIT_PROBE_REFUSED = 7
EXIT_PROBE_TIMEOUT = 8
EXIT_INTERNAL = 70
"""A bug in the plugin (EX_SOFTWARE): never the verdict of a finding."""
EXIT_INTERRUPTED = 130


class DiscoverError(Exception):
    """Base class: a message for the user and the exit code that goes with it."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(DiscoverError):
    """Bad flags, unreadable or malformed manifests (message names file and line)."""

    exit_code = EXIT_INPUT


class NotFoundError(InputError):
    """The named object does not exist; the message carries "did you mean" suggestions."""


class ClusterAccessError(DiscoverError):
    """The API server is unreachable, refuses the credentials, or times out."""

    exit_code = EXIT_CLUSTER


class ProbeError(DiscoverError):
    """The probe pod could not be run (image pull, unschedulable, admission, timeout)."""

    exit_code = EXIT_PROBE
