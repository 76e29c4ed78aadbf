"""Why a probe could not run: one :class:`~kubectl_discover.errors.ProbeError` subclass each.

Each cause has its own exit code (4 is the generic "probe could not run"; see
``EXIT_CODES`` and the README), so a script can tell a missing image from a refused
pod. The class, its ``reason`` (a stable kebab-case id for JSON output) and the message
tell the user which of these it was and what to change.

Kept free of ``kubernetes`` imports so the CLI can catch them cheaply.
"""

from __future__ import annotations

from kubectl_discover.errors import (
    EXIT_PROBE,
    EXIT_PROBE_IMAGE,
    EXIT_PROBE_REFUSED,
    EXIT_PROBE_TIMEOUT,
    EXIT_PROBE_UNSCHEDULABLE,
    ProbeError,
)


class ProbeImageError(ProbeError):
    """The image cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName)."""

    reason = "image-pull"
    exit_code = EXIT_PROBE_IMAGE


class ProbeStartError(ProbeError):
    """The container was created but did not start or stopped (no python3, bad config)."""

    reason = "start"


class ProbeUnschedulableError(ProbeError):
    """No node accepts the pod (taints, selectors, resources), or ``--node`` does not exist."""

    reason = "unschedulable"
    exit_code = EXIT_PROBE_UNSCHEDULABLE


class ProbeRejectedError(ProbeError):
    """An admission controller refused the pod (Pod Security, ResourceQuota, a webhook)."""

    reason = "admission"
    exit_code = EXIT_PROBE_REFUSED


class ProbeForbiddenError(ProbeError):
    """RBAC does not let this user create/exec/delete pods in the namespace."""

    reason = "forbidden"
    exit_code = EXIT_PROBE_REFUSED


class ProbeTimeoutError(ProbeError):
    """The pod did not become Running, or the program did not finish, within the timeout."""

    reason = "timeout"
    exit_code = EXIT_PROBE_TIMEOUT


class ProbeExecError(ProbeError):
    """The exec stream failed or the program did not print a JSON document."""

    reason = "exec"


EXIT_CODES = {
    EXIT_PROBE: "the probe could not run (it did not start, or its exec failed)",
    EXIT_PROBE_IMAGE: "the probe image cannot be pulled (use --image)",
    EXIT_PROBE_UNSCHEDULABLE: "no node accepts the probe pod (taints, selectors, --node)",
    EXIT_PROBE_REFUSED: "the cluster refused the probe pod (RBAC, Pod Security, quota)",
    EXIT_PROBE_TIMEOUT: "the probe pod or its checks did not finish in --probe-timeout",
}
"""What each probe exit code means (README "Exit codes")."""
