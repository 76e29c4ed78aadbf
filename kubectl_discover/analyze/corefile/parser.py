"""Parse Corefile text into :class:`~.model.Corefile`, as CoreDNS's Caddyfile parser does.

The control flow follows the parser CoreDNS embeds (docs/corefile.md, "Syntax"):

- a server block is its keys (on one line, or continued with a trailing comma) and a
  ``{ ... }`` body; a file with a single block may omit the braces;
- a key ``(name)`` defines a snippet; ``import NAME`` splices a snippet defined
  *earlier*, otherwise a file or glob relative to the Corefile's directory. Here the
  files are the ``imports`` mapping (ConfigMap keys as paths, e.g.
  ``custom/extra.server``); with ``imports=None`` their contents are unknown and every
  file import is reported unresolved rather than guessed;
- a directive runs to the end of its line, or to the brace closing a block opened
  on that line; ``import`` lines inside blocks splice too;
- ``{$VAR}`` and ``{%VAR%}`` are replaced from ``env`` (an unset variable becomes
  empty, as in CoreDNS); with ``env=None`` they are kept and reported.

Unknown directives are kept (CoreDNS refuses them at parse time; the caller lists
them, see :mod:`.plugins`). Bounded: see :mod:`.lexer`, plus at most
:data:`MAX_EXPANSIONS` imports expanded and :data:`MAX_DEPTH` nested blocks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kubectl_discover.analyze.corefile.lexer import MAX_TOKENS, tokenize
from kubectl_discover.analyze.corefile.model import (
    Address,
    Corefile,
    Directive,
    EnvReference,
    ImportUse,
    ParseError,
    ServerBlock,
    Token,
    Where,
)
from kubectl_discover.analyze.corefile.zones import (
    DEFAULT_PORTS,
    fqdn,
    split_host_port,
    split_transport,
)

MAX_EXPANSIONS = 1000
MAX_DEPTH = 16
COREFILE_DIR = "/etc/coredns"
_PILLAR = re.compile(r"__PILLAR__(?:[A-Z0-9]+__)+")
_ENV_FORMS = (("{%", "%}"), ("{$", "}"))


class _Refused(Exception):
    """Internal: the parse stops here (converted to a ParseError value, never raised out)."""

    def __init__(self, message: str, where: Where | None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


@dataclass
class _RawBlock:
    keys: list[str]
    where: Where
    directives: list[list[Token]] = field(default_factory=list)


def parse_corefile(
    text: str,
    *,
    imports: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    source: str = "Corefile",
) -> Corefile:
    """Parse ``text``; never raises. ``Corefile.error`` says why CoreDNS would refuse it."""
    tokens = tokenize(text, source)
    if isinstance(tokens, ParseError):
        return Corefile(source, (), (), (), (), tokens)
    parser = _Parser(list(tokens), imports, env)
    error: ParseError | None = None
    try:
        parser.parse_all()
    except _Refused as refused:
        error = ParseError(refused.message, refused.where)
    blocks: list[ServerBlock] = []
    for raw in parser.blocks:
        try:
            blocks.append(_server_block(raw))
        except _Refused as refused:
            error = error or ParseError(refused.message, refused.where)
    if error is None:
        error = _overlap(blocks)
    references = parser.references + _pillars(blocks)
    return Corefile(
        source=source,
        blocks=tuple(blocks),
        snippets=tuple(parser.snippets),
        imports=tuple(parser.uses),
        references=tuple(dict.fromkeys(references)),
        error=error,
    )


# ---------------------------------------------------------------- the token walk


class _Parser:
    """A cursor over the token list, which imports rewrite in place."""

    def __init__(
        self, tokens: list[Token], imports: Mapping[str, str] | None, env: Mapping[str, str] | None
    ) -> None:
        self.tokens = tokens
        self.cursor = -1
        self.imports = imports
        self.env = env
        self.snippets: dict[str, list[Token]] = {}
        self.blocks: list[_RawBlock] = []
        self.uses: list[ImportUse] = []
        self.references: list[EnvReference] = []
        self.expansions = 0
        self.eof = False

    # -- cursor moves (the Caddyfile dispenser's)

    def next(self) -> bool:
        if self.cursor < len(self.tokens) - 1:
            self.cursor += 1
            return True
        return False

    def next_arg(self) -> bool:
        if self.cursor < 0:
            self.cursor += 1
            return True
        if self.cursor >= len(self.tokens) - 1:
            return False
        if _same_line(self.tokens[self.cursor], self.tokens[self.cursor + 1]):
            self.cursor += 1
            return True
        return False

    def val(self) -> str:
        if 0 <= self.cursor < len(self.tokens):
            return self.tokens[self.cursor].text
        return ""

    def where(self) -> Where | None:
        if 0 <= self.cursor < len(self.tokens):
            return self.tokens[self.cursor].where
        return self.tokens[-1].where if self.tokens else None

    def is_new_line(self) -> bool:
        if self.cursor < 1:
            return True
        if self.cursor > len(self.tokens) - 1:
            return False
        return not _same_line(self.tokens[self.cursor - 1], self.tokens[self.cursor])

    # -- the grammar

    def parse_all(self) -> None:
        while self.next():
            self.parse_one()

    def parse_one(self) -> None:
        if not self.tokens:
            return
        where = self.where() or Where("Corefile", 1)
        block = _RawBlock([], where)
        self.addresses(block)
        if self.eof:
            if block.keys:
                self.blocks.append(block)
            return
        if len(block.keys) == 1 and block.keys[0].startswith("(") and block.keys[0].endswith(")"):
            self.define_snippet(block.keys[0][1:-1], where)
            return
        self.block_contents(block)
        if block.keys:
            self.blocks.append(block)

    def addresses(self, block: _RawBlock) -> None:
        expecting = False
        while True:
            text = self.replace_env(self.val(), self.where())
            if text == "import" and self.is_new_line():
                self.do_import()
                continue
            if text == "{":
                if expecting:
                    raise _Refused(
                        "expected another address but had '{' - check for extra comma",
                        self.where(),
                    )
                break
            if text:
                expecting = text.endswith(",")
                if not block.keys:
                    block.where = self.where() or block.where
                block.keys.append(text[:-1] if expecting else text)
            has_next = self.next()
            if expecting and not has_next:
                raise _Refused("unexpected end of file after a trailing comma", self.where())
            if not has_next:
                self.eof = True
                break
            if not expecting and self.is_new_line():
                break

    def define_snippet(self, name: str, where: Where) -> None:
        if name in self.snippets:
            raise _Refused(f"redeclaration of previously declared snippet {name}", where)
        if self.val() != "{":
            raise _Refused(f"snippet ({name}) needs a '{{' block", self.where())
        depth = 1
        body: list[Token] = []
        while self.next():
            if self.val() == "}":
                depth -= 1
                if depth == 0:
                    break
            if self.val() == "{":
                depth += 1
            body.append(self.tokens[self.cursor])
        if depth != 0:
            raise _Refused(f"snippet ({name}) is never closed with '}}'", where)
        for i, token in enumerate(body[:-1]):
            at_start = i == 0 or not _same_line(body[i - 1], token)
            if token.text == "import" and at_start and self.replace_env(body[i + 1].text) == name:
                raise _Refused(f"snippet ({name}) imports itself", token.where)
        self.snippets[name] = body

    def block_contents(self, block: _RawBlock) -> None:
        braced = self.val() == "{"
        if not braced:
            self.cursor -= 1  # a single block without braces runs to the end
        self.directives(block)
        if braced and self.val() != "}":
            raise _Refused(f"expected '}}' to close {' '.join(block.keys)}", self.where())

    def directives(self, block: _RawBlock) -> None:
        while self.next():
            if self.val() == "}":
                break
            if self.val() == "import":
                self.do_import()
                self.cursor -= 1
                continue
            block.directives.append(self.directive())

    def directive(self) -> list[Token]:
        first = self.tokens[self.cursor]
        collected = [Token(self.replace_env(first.text, first.where), first.where, first.breaks)]
        nesting = 0
        while self.next():
            token = self.tokens[self.cursor]
            if token.text == "{":
                nesting += 1
                if nesting > MAX_DEPTH:
                    raise _Refused(f"blocks nested more than {MAX_DEPTH} deep", token.where)
            elif self.is_new_line() and nesting == 0:
                self.cursor -= 1
                break
            elif token.text == "}" and nesting > 0:
                nesting -= 1
            elif token.text == "}":
                raise _Refused("unexpected '}' because no matching opening brace", token.where)
            elif token.text == "import" and self.is_new_line():
                self.do_import()
                self.cursor -= 1
                continue
            text = self.replace_env(token.text, token.where)
            collected.append(Token(text, token.where, token.breaks))
        if nesting > 0:
            raise _Refused(f"'{first.text}' opens a block that is never closed", first.where)
        return collected

    # -- imports

    def do_import(self) -> None:
        where = self.where()
        if not self.next_arg():
            raise _Refused("import needs one argument (a snippet, file or glob)", where)
        pattern = self.replace_env(self.val(), self.where())
        if not pattern:
            raise _Refused("import requires a non-empty filepath", where)
        if self.next_arg():
            raise _Refused("import takes only one argument (glob pattern or file)", where)
        self.expansions += 1
        if self.expansions > MAX_EXPANSIONS:
            raise _Refused(f"more than {MAX_EXPANSIONS} imports expanded (a cycle?)", where)
        before = self.tokens[: self.cursor - 1]
        after = self.tokens[self.cursor + 1 :]
        if pattern in self.snippets:
            imported = self.snippets[pattern]
            self.uses.append(ImportUse(pattern, _at(where), True, (pattern,), False))
        else:
            imported = self.import_files(pattern, _at(where))
        if len(before) + len(imported) + len(after) > MAX_TOKENS:
            raise _Refused(f"more than {MAX_TOKENS} tokens after imports", where)
        self.tokens = before + imported + after
        self.cursor -= 1

    def import_files(self, pattern: str, where: Where) -> list[Token]:
        if pattern.count("*") > 1 or pattern.count("?") > 1 or ("[" in pattern and "]" in pattern):
            raise _Refused(f"glob pattern may only contain one wildcard (*): {pattern}", where)
        wildcard = "*" in pattern or "?" in pattern
        if self.imports is None:
            self.uses.append(
                ImportUse(pattern, where, False, (), True, "the imported files were not read")
            )
            return []
        names = sorted(n for n in self.imports if _glob_match(pattern, n))
        if not names:
            reason = "" if wildcard else "no such file among those read"
            self.uses.append(ImportUse(pattern, where, False, (), not wildcard, reason))
            return []
        imported: list[Token] = []
        for name in names:
            tokens = tokenize(self.imports[name], name)
            if isinstance(tokens, ParseError):
                raise _Refused(f"could not import {name}: {tokens.message}", where)
            imported.extend(tokens)
        self.uses.append(ImportUse(pattern, where, False, tuple(names), False))
        return imported

    # -- environment

    def replace_env(self, text: str, where: Where | None = None) -> str:
        for start, end in _ENV_FORMS:
            text = self._replace_form(text, start, end, where)
        return text

    def _replace_form(self, text: str, start: str, end: str, where: Where | None) -> str:
        index = text.find(start)
        for _ in range(64):  # bounded: CoreDNS loops until no reference is left
            if index == -1:
                break
            close = text.find(end, index)
            if close == -1 or close <= index + len(start):
                break
            ref = text[index : close + len(end)]
            name = ref[len(start) : -len(end)]
            if self.env is None:
                if where is not None:
                    self.references.append(EnvReference(ref, where, False))
                index = text.find(start, close + len(end))
                continue
            if where is not None:
                self.references.append(EnvReference(ref, where, True))
            text = text.replace(ref, self.env.get(name, ""))
            index = text.find(start)
        return text


def _same_line(previous: Token, current: Token) -> bool:
    return (
        previous.where.source == current.where.source and previous.last_line == current.where.line
    )


def _at(where: Where | None) -> Where:
    return where or Where("Corefile", 0)


def _relative(path: str) -> str:
    if path.startswith(COREFILE_DIR + "/"):
        return path[len(COREFILE_DIR) + 1 :]
    return path


def _glob_match(pattern: str, name: str) -> bool:
    """Go's filepath.Match for one ``*`` or ``?`` (neither crosses a ``/``)."""
    pattern, name = _relative(pattern), _relative(name)
    regex = "".join(
        "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.fullmatch(regex, name) is not None


# ---------------------------------------------------------------- building the values


def _server_block(raw: _RawBlock) -> ServerBlock:
    addresses: list[Address] = []
    for key in raw.keys:
        transport, rest = split_transport(key)
        parsed = split_host_port(rest)
        if isinstance(parsed, str):
            raise _Refused(parsed, raw.where)
        hosts, port = parsed
        if port is None:
            port = DEFAULT_PORTS.get(transport, 0)
        addresses.extend(Address(key, fqdn(host), port, transport) for host in hosts)
    directives = tuple(_directive(tokens, 0) for tokens in raw.directives if tokens)
    return ServerBlock(tuple(raw.keys), tuple(addresses), directives, raw.where)


def _directive(tokens: Sequence[Token], depth: int) -> Directive:
    """One directive from its tokens: arguments on its line, then an optional block.

    Tokens left over (a ``{`` on the next line, words after the closing ``}``) make
    the plugin's setup fail in CoreDNS, so they refuse the Corefile here too.
    """
    built, end = _line(tokens, 0, depth)
    if end < len(tokens):
        extra = tokens[end]
        if extra.text == "{":
            message = f"the block of '{built.name}' must open on its line"
        else:
            message = f"unexpected '{extra.text}' after the block of '{built.name}'"
        raise _Refused(message, extra.where)
    return built


def _line(tokens: Sequence[Token], i: int, depth: int) -> tuple[Directive, int]:
    head = tokens[i]
    args: list[str] = []
    i += 1
    while i < len(tokens) and _same_line(tokens[i - 1], tokens[i]) and tokens[i].text != "{":
        args.append(tokens[i].text)
        i += 1
    if i < len(tokens) and tokens[i].text == "{" and _same_line(tokens[i - 1], tokens[i]):
        block, i = _block(tokens, i + 1, depth + 1)
        return Directive(head.text, tuple(args), block, head.where, True), i
    return Directive(head.text, tuple(args), (), head.where), i


def _block(tokens: Sequence[Token], i: int, depth: int) -> tuple[tuple[Directive, ...], int]:
    lines: list[Directive] = []
    while i < len(tokens):
        if tokens[i].text == "}":
            return tuple(lines), i + 1
        if depth > MAX_DEPTH:
            raise _Refused(f"blocks nested more than {MAX_DEPTH} deep", tokens[i].where)
        line, i = _line(tokens, i, depth)
        lines.append(line)
    return tuple(lines), i


def _binds(block: ServerBlock) -> frozenset[str]:
    return frozenset(a for d in block.named("bind") for a in d.args)


def _overlap(blocks: Sequence[ServerBlock]) -> ParseError | None:
    """Two blocks serving the same zone, port and transport on a shared listener."""
    seen: dict[tuple[str, int, str], list[frozenset[str]]] = {}
    for block in blocks:
        if block.named("view"):
            continue  # views may share a zone: their filters pick the block
        binds = _binds(block)
        for address in block.addresses:
            key = (address.zone, address.port, address.transport)
            for other in seen.get(key, []):
                if not binds or not other or binds & other:
                    return ParseError(
                        f"cannot serve {address} - it is already defined", block.where
                    )
            seen.setdefault(key, []).append(binds)
    return None


def _pillars(blocks: Sequence[ServerBlock]) -> list[EnvReference]:
    found: list[EnvReference] = []

    def visit(directive: Directive) -> None:
        for word in (directive.name, *directive.args):
            found.extend(EnvReference(m, directive.where, False) for m in _PILLAR.findall(word))
        for inner in directive.block:
            visit(inner)

    for block in blocks:
        for key in block.keys:
            found.extend(EnvReference(m, block.where, False) for m in _PILLAR.findall(key))
        for directive in block.directives:
            visit(directive)
    return found
