"""The live API layer: the only package that imports ``kubernetes`` (always lazily).

- :func:`connect` -> :class:`Session`: kubeconfig/context resolution, counted requests,
  retries and the one mapping of failures to :mod:`kubectl_discover.errors`.
- :func:`load_snapshot`: one paginated LIST per kind into a live Snapshot.
"""

from kubectl_discover.api.listing import ALL_KINDS, KINDS, KindSpec, load_snapshot
from kubectl_discover.api.session import ApiNotFound, Forbidden, Session, connect

__all__ = [
    "ALL_KINDS",
    "KINDS",
    "ApiNotFound",
    "Forbidden",
    "KindSpec",
    "Session",
    "connect",
    "load_snapshot",
]
