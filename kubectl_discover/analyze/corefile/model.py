"""The parsed Corefile as frozen values: tokens, directives, server blocks.

The shapes follow the Caddyfile syntax CoreDNS v1.14 reads (docs/corefile.md,
"Syntax"): a file is a list of server blocks ``KEY [KEY...] { directive... }``; a
directive is one line of tokens, optionally followed by a ``{ ... }`` block on the
same line whose lines are themselves directive-shaped. Nothing here knows what a
plugin means; :mod:`.plugins` and the view modules do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Where:
    """Where a token was read: the source (``Corefile`` or an imported key) and its line."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} line {self.line}"


@dataclass(frozen=True)
class Token:
    """One word of the Corefile (quotes removed), where it starts, and its line breaks.

    ``breaks`` counts the newlines inside a quoted token: the next token is on a new
    line only if it starts after ``line + breaks``.
    """

    text: str
    where: Where
    breaks: int = 0

    @property
    def last_line(self) -> int:
        return self.where.line + self.breaks


@dataclass(frozen=True)
class Directive:
    """A line inside a block: its name, its arguments and an optional nested block.

    At server-block level the name is a plugin; inside a plugin block it is an
    option (``pods``, ``fallthrough``, ...).
    """

    name: str
    args: tuple[str, ...]
    block: tuple[Directive, ...]
    where: Where
    has_block: bool = False

    def text(self) -> str:
        """The directive as written (name and arguments, block elided)."""
        words = " ".join((self.name, *self.args))
        return words + " {...}" if self.has_block else words

    def cite(self) -> str:
        """``'kubernetes cluster.local' (Corefile line 6)``: for messages and notes."""
        return f"'{self.text()}' ({self.where})"

    def options(self, name: str) -> tuple[Directive, ...]:
        """The lines of this directive's block named ``name``, in order."""
        return tuple(d for d in self.block if d.name == name)


@dataclass(frozen=True)
class Address:
    """One zone a server block serves: normalized zone, port and transport.

    ``key`` is the key as written (``dns://.:53``); a CIDR key such as
    ``10.0.0.0/17`` yields one Address per reverse zone it covers.
    """

    key: str
    zone: str
    port: int
    transport: str

    def __str__(self) -> str:
        return f"{self.transport}://{self.zone}:{self.port}"


@dataclass(frozen=True)
class ServerBlock:
    """A server block: the zones it serves and its directives in source order."""

    keys: tuple[str, ...]
    addresses: tuple[Address, ...]
    directives: tuple[Directive, ...]
    where: Where

    def named(self, name: str) -> tuple[Directive, ...]:
        """Every directive of plugin ``name`` in this block, in source order."""
        return tuple(d for d in self.directives if d.name == name)

    def describe(self) -> str:
        return f"server block '{' '.join(self.keys)}' ({self.where})"


@dataclass(frozen=True)
class ImportUse:
    """One ``import`` line and what it brought in (``resolved``: the names matched)."""

    pattern: str
    where: Where
    snippet: bool
    resolved: tuple[str, ...]
    unresolved: bool
    reason: str = ""


@dataclass(frozen=True)
class EnvReference:
    """An environment placeholder (``{$VAR}``) or a node-local-dns ``__PILLAR__`` one."""

    name: str
    where: Where
    replaced: bool


@dataclass(frozen=True)
class ParseError:
    """Why CoreDNS refuses this Corefile, and where."""

    message: str
    where: Where | None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Corefile:
    """A parsed Corefile.

    ``error`` is set when CoreDNS would refuse to load it; ``blocks`` then holds the
    blocks read before the error (as CoreDNS's parser returns them). ``imports``
    lists every import line, ``references`` every placeholder met.
    """

    source: str
    blocks: tuple[ServerBlock, ...]
    snippets: tuple[str, ...]
    imports: tuple[ImportUse, ...]
    references: tuple[EnvReference, ...]
    error: ParseError | None = None

    @property
    def unresolved_imports(self) -> tuple[ImportUse, ...]:
        return tuple(i for i in self.imports if i.unresolved)


@dataclass(frozen=True)
class Problem:
    """A plugin line CoreDNS's setup rejects (so it refuses the Corefile), and why."""

    directive: Directive
    message: str

    def __str__(self) -> str:
        return f"{self.directive.cite()}: {self.message}"
