"""Corefile tokens: the Caddyfile lexer's rules for words, quotes, comments and lines."""

from __future__ import annotations

from kubectl_discover.analyze.corefile.lexer import MAX_CHARS, MAX_TOKENS, tokenize
from kubectl_discover.analyze.corefile.model import ParseError, Token


def words(text: str) -> list[str]:
    tokens = tokenize(text)
    assert not isinstance(tokens, ParseError), tokens
    return [t.text for t in tokens]


def lines(text: str) -> list[int]:
    tokens = tokenize(text)
    assert not isinstance(tokens, ParseError), tokens
    return [t.where.line for t in tokens]


def test_words_are_split_on_any_white_space_and_lines_are_counted() -> None:
    assert words(".:53 {\n\terrors\n    cache   30\n}\n") == [
        ".:53",
        "{",
        "errors",
        "cache",
        "30",
        "}",
    ]
    assert lines(".:53 {\n\terrors\n    cache   30\n}\n") == [1, 1, 2, 3, 3, 4]


def test_braces_are_tokens_only_when_surrounded_by_white_space() -> None:
    assert words(".:53{\nerrors}") == [".:53{", "errors}"]


def test_quoted_token_keeps_spaces_and_unescapes_only_quotes() -> None:
    assert words(r'answer "{{ .Name }} 60 IN A 1.2.3.4" "a\"b\c"') == [
        "answer",
        "{{ .Name }} 60 IN A 1.2.3.4",
        'a"b\\c',
    ]


def test_a_quote_opens_a_token_only_at_its_start() -> None:
    assert words('a"b c" d') == ['a"b', 'c"', "d"]


def test_empty_quoted_token_is_a_token() -> None:
    assert words('forward "" x') == ["forward", "", "x"]


def test_quoted_token_spanning_lines_records_its_line_breaks() -> None:
    tokens = tokenize('hosts "one\ntwo" next\nlast')
    assert not isinstance(tokens, ParseError)
    assert tokens[1] == Token("one\ntwo", tokens[1].where, 1)
    assert tokens[1].where.line == 1 and tokens[1].last_line == 2
    assert [t.where.line for t in tokens] == [1, 1, 2, 3]


def test_hash_starts_a_comment_even_inside_a_word_but_not_inside_quotes() -> None:
    assert words("cache 30#seconds\nlog # all\n") == ["cache", "30", "log"]
    assert words('match "a#b"') == ["match", "a#b"]


def test_carriage_return_is_dropped_without_ending_the_word() -> None:
    assert words("ab\rcd\r\nnext") == ["abcd", "next"]


def test_leading_byte_order_mark_is_ignored() -> None:
    assert words("\ufeff.:53 {\n}") == [".:53", "{", "}"]


def test_unclosed_quote_takes_the_rest_of_the_file() -> None:
    assert words('log "open\nrest') == ["log", "open\nrest"]


def test_non_breaking_space_separates_but_a_control_character_does_not() -> None:
    assert words("a\xa0b c\x1cd") == ["a", "b", "c\x1cd"]


def test_too_long_text_is_refused_with_a_value() -> None:
    result = tokenize("x" * (MAX_CHARS + 1))
    assert isinstance(result, ParseError)
    assert result.message == f"Corefile is {MAX_CHARS + 1} characters, over the {MAX_CHARS} read"


def test_too_many_tokens_are_refused_with_a_value() -> None:
    result = tokenize("a " * (MAX_TOKENS + 1))
    assert isinstance(result, ParseError)
    assert result.message == f"Corefile has more than {MAX_TOKENS} tokens"
