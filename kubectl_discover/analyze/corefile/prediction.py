"""The value a prediction returns: which plugin answers a name, how, and why.

:class:`Prediction` is what :func:`~.predict.predict` returns for one query name;
each :class:`Note` is one step of the reasoning with the Corefile line it follows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kubectl_discover.analyze.corefile.forward import Upstream
from kubectl_discover.analyze.corefile.model import Directive, ServerBlock, Where


class Handler(enum.Enum):
    """The plugin that writes the answer."""

    KUBERNETES = "kubernetes"
    FORWARD = "forward"
    HOSTS = "hosts"
    TEMPLATE = "template"
    OTHER = "other"  # a known answering plugin this analysis does not simulate
    NONE = "none"  # nobody: REFUSED (no server block) or SERVFAIL (no plugin)


@dataclass(frozen=True)
class Note:
    """One step of the prediction and the Corefile line it follows.

    ``follows`` is the line as people read it (``'pods insecure' (Corefile line 8)``)
    and ``where`` its position; both are empty when a default applies.
    """

    text: str
    follows: str = ""
    where: Where | None = None

    @classmethod
    def at(cls, text: str, source: Directive | ServerBlock | None = None) -> Note:
        """A note following a directive or a server block (None: a default)."""
        if isinstance(source, Directive):
            return cls(text, source.cite(), source.where)
        if isinstance(source, ServerBlock):
            return cls(text, source.describe(), source.where)
        return cls(text)

    def __str__(self) -> str:
        return f"{self.text} [{self.follows}]" if self.follows else self.text


@dataclass(frozen=True)
class Prediction:
    """What happens to ``query`` (as asked) on ``port``.

    ``name`` is the name after ``rewrite``; ``zone`` the server block zone that took
    the query; ``plugin_zone`` the zone of the answering plugin. ``rcode`` is set
    only when the configuration alone decides it (REFUSED, SERVFAIL, NXDOMAIN for a
    disabled pod name); ``answers`` only when the configuration holds them (inline
    hosts, an ``insecure`` pod IP). ``ttl`` is the TTL clients see (None: the
    upstream's, at most ``ttl_max``); ``denial_ttl`` the negative TTL of an NXDOMAIN
    and ``denial_cached`` whether this server caches it; ``fallthrough`` is what
    happens to a name the handler does not know.
    """

    query: str
    name: str
    qtype: str
    port: int
    handler: Handler
    zone: str = ""
    server: ServerBlock | None = None
    plugin: Directive | None = None
    plugin_zone: str = ""
    upstreams: tuple[Upstream, ...] = ()
    rcode: str | None = None
    answers: tuple[str, ...] = ()
    ttl: int | None = None
    ttl_max: int | None = None
    denial_ttl: int | None = None
    denial_max: int | None = None
    denial_cached: bool = False
    fallthrough: Prediction | None = None
    notes: tuple[Note, ...] = field(default=())

    @property
    def rewritten(self) -> bool:
        return self.name != self.query
