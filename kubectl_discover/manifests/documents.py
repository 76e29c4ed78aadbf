"""Turn the bytes of one manifest file into documents, each with its starting line.

Why a module of its own: every way a file can be wrong (binary, not UTF-8, bad YAML,
bad JSON, recursive aliases) must end as one :class:`~kubectl_discover.errors.InputError`
line ``"<path>:<line>: <what is wrong>"``, and no parser exception may escape. Keeping
the parsers here keeps that promise in one place.

YAML is read with libyaml (``CSafeLoader``) when PyYAML was built with it, else with the
pure-Python ``SafeLoader``; both build nodes first so each document keeps the line it
starts on. JSON (a file whose first character is ``{``) is read with :mod:`json`,
which reports the exact line and column of a syntax error, and may hold several
concatenated objects like ``kubectl apply`` accepts.
"""

from __future__ import annotations

import base64
import codecs
import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kubectl_discover.errors import InputError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters YAML 1.1 allows in a stream (tab, newlines and printable Unicode); JSON
# allows a subset of these. Anything else is reported with its line before parsing,
# because the parsers only give an offset (libyaml's in bytes, not characters).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Document:
    """One top-level value of a file, as plain JSON-shaped Python data."""

    data: Any
    line: int
    """1-based line where the document's content starts."""
    item_lines: tuple[int, ...] = ()
    """For a ``kind: List`` document: the line of each ``items[]`` entry, when known."""


def parse(path: str, raw: bytes) -> tuple[Document, ...]:
    """All non-empty documents of one file; raises InputError naming path and line."""
    text = decode(path, raw)
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, column = _position(text, bad.start())
        code = ord(bad.group())
        raise InputError(
            f"{path}:{line}: control character U+{code:04X} at column {column} is not "
            "allowed in a YAML or JSON manifest"
        )
    try:
        if text.lstrip().startswith("{"):
            docs = _json_or_yaml(path, text)
        else:
            docs = _yaml_documents(path, text)
        return tuple(
            Document(plain(doc.data, path, doc.line), doc.line, doc.item_lines) for doc in docs
        )
    except RecursionError:
        raise InputError(f"{path}:1: the document is nested too deeply to read") from None


def decode(path: str, raw: bytes) -> str:
    """UTF-8 text (a UTF-8 BOM is dropped; UTF-16 with a BOM is accepted too).

    UTF-16 is what PowerShell's ``>`` writes, a common way to end up with a manifest
    ``kubectl`` cannot read; accepting it costs nothing. Anything else that is not
    UTF-8 is reported with the line of the first bad byte.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{path}:1: not valid UTF-16 text despite its byte-order mark"
            ) from None
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        line = raw.count(b"\n", 0, at) + 1
        raise InputError(f"{path}:{line}: binary data (a NUL byte), not a YAML or JSON manifest")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {column}); "
            "save the file as UTF-8"
        ) from None


# --- YAML ------------------------------------------------------------------------------


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, but a key written twice in one mapping is an error.

    PyYAML silently keeps the last value; the API server's YAML reader rejects the
    manifest. A second ``selector:`` quietly replacing the first is exactly the kind
    of mistake this tool exists to surface.
    """

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        """Keys become strings as they are built, like the API server's JSON sees them.

        Doing it here rather than afterwards matters: in a Python dict ``1`` and
        ``true`` are the same key, so a mapping with both would silently lose one.
        """
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]
        _reject_duplicate_keys(node)
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict, set)):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "a mapping key must be a string, not a list or mapping",
                    key_node.start_mark,
                )
            mapping[_key(key)] = self.construct_object(value_node, deep=deep)
        return mapping


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one mapping (reported without "malformed")."""


def _reject_duplicate_keys(node: MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
            continue
        ident = key.value  # `1` and `"1"` are the same key once the manifest is JSON
        line = key.start_mark.line + 1
        if ident in seen:
            raise _DuplicateKey(
                None,
                None,
                f"key {key.value!r} appears twice in one mapping (first at line {seen[ident]}); "
                "kubectl rejects duplicate keys, and YAML readers that accept them keep only "
                "the last value",
                key.start_mark,
            )
        seen[ident] = line


MAX_EXPANDED_NODES = 100_000
"""Above this many nodes once every alias is expanded, aliasing may multiply a document
by at most :data:`MAX_ALIAS_GROWTH`. The API server's YAML reader bounds alias expansion
the same way; without a bound a 700-byte "billion laughs" file (nine levels of nine
aliases) costs the analysis a minute and gigabytes."""
MAX_ALIAS_GROWTH = 10


def _expanded_size(root: Node) -> tuple[int, int]:
    """(nodes as written, nodes once every alias is expanded), without expanding.

    Iterative and memoised on node identity: the composer gives an aliased node as the
    same object wherever the alias stands. A node that contains itself counts once.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        ident = id(node)
        if ident in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        if not children_done:
            if ident in active:
                continue
            active.add(ident)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        active.discard(ident)
        sizes[ident] = 1 + sum(sizes.get(id(c), 1) for c in children)
    return len(sizes), sizes.get(id(root), 1)


def _reject_alias_bombs(path: str, node: Node) -> None:
    written, expanded = _expanded_size(node)
    if expanded > MAX_EXPANDED_NODES and expanded > MAX_ALIAS_GROWTH * written:
        raise InputError(
            f"{path}:{node.start_mark.line + 1}: this document uses YAML aliases to grow from "
            f"{written:,} to {expanded:,} values; refused (excessive aliasing, as the API "
            "server's YAML reader refuses it)"
        )


def _yaml_documents(path: str, text: str) -> list[Document]:
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _reject_alias_bombs(path, node)
            try:
                data = loader.construct_document(node)
            except ValueError as exc:  # ints over 4300 digits, impossible dates
                raise InputError(
                    f"{path}:{node.start_mark.line + 1}: a value in this document cannot be "
                    f"read: {_first_line(exc)}"
                ) from None
            if data is not None:
                docs.append(Document(data, node.start_mark.line + 1, _item_lines(node)))
    except _DuplicateKey as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise InputError(f"{path}:{line}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        raise InputError(_yaml_message(path, text, exc)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}:1: malformed YAML: {exc}".splitlines()[0]) from None
    finally:
        loader.dispose()
    return docs


def _yaml_message(path: str, text: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    where = f" at column {mark.column + 1}" if mark else ""
    problem = " ".join(str(exc.problem or "").split()) or "cannot be parsed"
    context = ""
    if exc.context and exc.context_mark and exc.context_mark.line != (mark.line if mark else -1):
        context = f" ({' '.join(exc.context.split())} started at line {exc.context_mark.line + 1})"
    advice = "; indent with spaces, not tabs" if mark and _tab_indented(text, mark.line) else ""
    return f"{path}:{line}: malformed YAML{where}: {problem}{context}{advice}"


def _tab_indented(text: str, line_index: int) -> bool:
    lines = text.splitlines()
    if line_index >= len(lines):
        return False
    line = lines[line_index]
    return "\t" in line[: len(line) - len(line.lstrip())]


def _item_lines(node: Node) -> tuple[int, ...]:
    """Lines of the entries of a top-level ``items:`` sequence, for List documents."""
    if not isinstance(node, MappingNode):
        return ()
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "items" and isinstance(value, SequenceNode):
            return tuple(item.start_mark.line + 1 for item in value.value)
    return ()


# --- JSON ------------------------------------------------------------------------------


def _json_or_yaml(path: str, text: str) -> list[Document]:
    """A file that starts with ``{``: JSON, unless it is a YAML flow mapping.

    ``{apiVersion: v1, kind: Service, ...}`` is valid YAML that kubectl accepts, so
    when JSON fails and YAML succeeds, YAML wins; when both fail, the JSON error is
    the precise one.
    """
    try:
        return _json_documents(path, text)
    except InputError as json_error:
        try:
            return _yaml_documents(path, text)
        except InputError:
            raise json_error from None


def _json_documents(path: str, text: str) -> list[Document]:
    decoder = json.JSONDecoder()
    docs: list[Document] = []
    pos = _skip_space(text, 0)
    while pos < len(text):
        try:
            data, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{exc.lineno}: malformed JSON at column {exc.colno}: {exc.msg}"
            ) from None
        except ValueError as exc:  # integers over 4300 digits
            line = text.count("\n", 0, pos) + 1
            raise InputError(
                f"{path}:{line}: a value in this document cannot be read: {_first_line(exc)}"
            ) from None
        line = text.count("\n", 0, pos) + 1
        items: tuple[int, ...] = ()
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            items = _json_item_lines(text, pos, line)
        docs.append(Document(data, line, items))
        pos = _skip_space(text, end)
    return docs


def _json_item_lines(text: str, start: int, first_line: int) -> tuple[int, ...]:
    """Lines of the ``items[]`` entries of the JSON object at ``start``.

    The object already decoded, so this walks it again member by member with
    ``raw_decode`` (C speed; a 30 MB ``kubectl get -o json`` dump stays quick) only
    to learn where each item begins. Any surprise gives up: items then fall back
    to the line of the List itself.
    """
    try:
        offsets = _json_item_offsets(text, start)
    except (ValueError, IndexError, RecursionError):
        return ()
    lines: list[int] = []
    line, previous = first_line, start
    for offset in offsets:
        line += text.count("\n", previous, offset)
        lines.append(line)
        previous = offset
    return tuple(lines)


def _json_item_offsets(text: str, pos: int) -> list[int]:
    decoder = json.JSONDecoder()
    if text[pos] != "{":
        return []
    pos = _skip_space(text, pos + 1)
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] != ":":
            return []
        pos = _skip_space(text, pos + 1)
        if key == "items" and text[pos] == "[":
            return _json_array_offsets(decoder, text, pos)
        _value, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    return []


def _json_array_offsets(decoder: json.JSONDecoder, text: str, pos: int) -> list[int]:
    offsets: list[int] = []
    pos = _skip_space(text, pos + 1)
    while text[pos] != "]":
        offsets.append(pos)
        _item, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    return offsets


_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


# --- Plain data ------------------------------------------------------------------------


def plain(value: Any, path: str, line: int) -> Any:
    """``value`` as JSON-shaped data: str keys; str, int, float, bool, None, list, dict.

    The API server sees JSON, so YAML-only values are turned into what the API
    server would hold: dates become strings, ``!!binary`` becomes base64, a
    ``!!set`` becomes a mapping to null, non-string keys become strings. YAML
    aliases stay shared (a "billion laughs" file costs no more than it reads), and a
    recursive alias, which no API object can hold, is an error.
    """
    done: dict[int, Any] = {}
    active: set[int] = set()

    def walk(item: Any) -> Any:
        if item is None or isinstance(item, (str, bool, int, float)):
            return item
        if isinstance(item, datetime.date):  # also datetime.datetime
            return item.isoformat()
        if isinstance(item, bytes):
            return base64.b64encode(item).decode("ascii")
        ident = id(item)
        if ident in done:
            return done[ident]
        if ident in active:
            raise InputError(f"{path}:{line}: a YAML alias refers to itself (recursive data)")
        active.add(ident)
        result: Any
        if isinstance(item, dict):
            result = {_key(k): walk(v) for k, v in item.items()}
        elif isinstance(item, (list, tuple)):
            result = [walk(v) for v in item]
        elif isinstance(item, (set, frozenset)):
            result = {_key(k): None for k in item}
        else:
            result = str(item)
        active.discard(ident)
        done[ident] = result
        return result

    return walk(value)


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, datetime.date):
        return key.isoformat()
    return str(key)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    if "integer string conversion" in text:
        return "a number has more digits than any Kubernetes field can hold"
    return text.splitlines()[0] if text else type(exc).__name__


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
