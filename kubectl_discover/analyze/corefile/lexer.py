"""Split Corefile text into tokens the way CoreDNS's Caddyfile lexer does.

The rules (docs/corefile.md, "Syntax"): tokens are separated by white space; a
token that *starts* with ``"`` runs to the closing quote (``\\"`` is a quote, any
other backslash stays) and may span lines; ``#`` outside quotes ends the line,
even in the middle of a word; ``{`` and ``}`` are tokens only when white space
surrounds them; a carriage return is dropped without ending a word; a leading byte
order mark is ignored; an unclosed quote takes the rest of the file. Bounded: text
longer than :data:`MAX_CHARS` or with more than :data:`MAX_TOKENS` tokens is refused
with a :class:`ParseError`.
"""

from __future__ import annotations

from kubectl_discover.analyze.corefile.model import ParseError, Token, Where

MAX_CHARS = 1_000_000
MAX_TOKENS = 50_000

_LATIN1_SPACE = frozenset("\t\n\v\f\r \x85\xa0")


def _is_space(ch: str) -> bool:
    """Go's unicode.IsSpace: the Latin-1 set above, White_Space beyond it."""
    if ord(ch) < 0x100:
        return ch in _LATIN1_SPACE
    return ch.isspace()


def tokenize(text: str, source: str = "Corefile") -> tuple[Token, ...] | ParseError:
    """The tokens of ``text``, or why they cannot be read (too large, unclosed quote)."""
    if len(text) > MAX_CHARS:
        return ParseError(f"{source} is {len(text)} characters, over the {MAX_CHARS} read", None)
    if text.startswith("\ufeff"):
        text = text[1:]
    tokens: list[Token] = []
    word: list[str] = []
    line = 1
    start = 1
    quoted = escaped = comment = False

    def emit() -> ParseError | None:
        if len(tokens) >= MAX_TOKENS:
            return ParseError(f"{source} has more than {MAX_TOKENS} tokens", Where(source, line))
        value = "".join(word)
        tokens.append(Token(value, Where(source, start), value.count("\n")))
        word.clear()
        return None

    for ch in text:
        if quoted:
            if not escaped and ch == "\\":
                escaped = True
                continue
            if not escaped and ch == '"':
                quoted = False
                if (err := emit()) is not None:
                    return err
                continue
            if ch == "\n":
                line += 1
            if escaped and ch != '"':
                word.append("\\")
            word.append(ch)
            escaped = False
            continue
        if _is_space(ch):
            if ch == "\r":
                continue
            if ch == "\n":
                line += 1
                comment = False
            if word and (err := emit()) is not None:
                return err
            continue
        if ch == "#":
            comment = True
        if comment:
            continue
        if not word:
            start = line
            if ch == '"':
                quoted = True
                continue
        word.append(ch)
    # Like CoreDNS's lexer, an unclosed quote ends the file with what it gathered.
    if word and (err := emit()) is not None:
        return err
    return tuple(tokens)
