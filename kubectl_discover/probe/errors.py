"""Why a probe could not run: one :class:`~kubectl_discover.errors.ProbeError` subclass each.

All of them exit with code 4 (``EXIT_PROBE``, "probe could not run"): the static
report is still valid, and scripts only need to know that the live part is
missing. The class, its ``reason`` (a stable kebab-case id for JSON output)
and the message tell the user which of these it was and what to change.

Kept free of ``kubernetes`` imports so the CLI can catch them cheaply.
"""

from __future__ import annotations

from kubectl_discover.errors import ProbeError


class ProbeImageError(ProbeError):
    """The image cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName)."""

    reason = "image-pull"


class ProbeStartError(ProbeError):
    """The container was created but did not start or stopped (no python3, bad config)."""

    reason = "start"


class ProbeUnschedulableError(ProbeError):
    """No node accepts the pod (taints, selectors, resources), or ``--node`` does not exist."""

    reason = "unschedulable"


class ProbeRejectedError(ProbeError):
    """An admission controller refused the pod (Pod Security, ResourceQuota, a webhook)."""

    reason = "admission"


class ProbeForbiddenError(ProbeError):
    """RBAC does not let this user create/exec/delete pods in the namespace."""

    reason = "forbidden"


class ProbeTimeoutError(ProbeError):
    """The pod did not become Running, or the program did not finish, within the timeout."""

    reason = "timeout"


class ProbeExecError(ProbeError):
    """The exec stream failed or the program did not print a JSON document."""

    reason = "exec"
