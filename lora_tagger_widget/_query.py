r"""The filter language of the data set's filter box, modelled on taggui's.

A query is a list of terms combined with boolean operators. Matching is case-insensitive
throughout (both sides are compared case-folded). A blank query matches every image.

Terms
-----
``tag:x``
    The image has a tag equal to ``x`` (the whole tag). ``_`` and space are the same character
    here, so ``tag:long_hair`` matches the tags ``long hair`` and ``Long_Hair``. With wildcards
    the pattern must match a whole tag: ``tag:smil*`` matches ``smile`` and ``smiling``.
``caption:x``
    The caption text, exactly as written in the ``.txt`` file, contains ``x``. Wildcards may
    be used inside: ``caption:red*eyes``. ``_`` and space are different characters here.
``name:x`` / ``path:x``
    The file name (``img 01.jpg``) / the path relative to the data set, ``/``-separated
    (``sub/img 01.jpg``). Without wildcards ``x`` may be any part of it (``name:01``); with
    wildcards the pattern must match all of it (``name:*.png``, ``path:sub/*``).
``x`` (a bare term)
    As in taggui: the caption contains ``x`` or the relative path contains ``x`` (wildcards
    may be used inside, as with ``caption:``).
``tags:`` / ``chars:`` / ``tokens:`` / ``width:`` / ``height:`` with a number
    The number of tags / the length of the caption text in characters / the caption's CLIP
    token count / the image's width / height in pixels, compared with one of ``=`` (also
    ``==``), ``!=``, ``<``, ``>``, ``<=``, ``>=``; no operator means ``=``: ``tags:>5``,
    ``width:>=1024``, ``chars:!=0``. An image whose size cannot be read matches no
    ``width:`` or ``height:`` term.
``untagged`` / ``reviewed`` / ``flagged``
    The image has no tags / is marked reviewed / is flagged. These are keywords in any case
    (``Reviewed``); in quotes (``"reviewed"``) the word is a plain bare term.

Wildcards, quotes, escapes
--------------------------
``*`` matches any run of characters (none included) and ``?`` exactly one; in ``tag:`` terms
neither reaches past the end of a tag. There is no other pattern syntax. Matching takes time
linear in the text, whatever the pattern (RE2). A term ends at white
space or a parenthesis; double quotes keep both as part of the term (``tag:"red hair"``,
``"long hair"``, ``name:"(1).png"``) and may be used for part of a term (``tag:"red h"*``).
Inside quotes ``\"`` is a ``"``, ``\\`` a ``\``, and ``\*`` / ``\?`` a literal ``*`` / ``?``;
any other backslash is kept as it is (outside quotes a backslash is an ordinary character).

A field is a word of letters followed by ``:`` at the start of a term, in any case
(``TAG:x``); an unknown one is an error, so quote text that looks like one (``"score:9"``).

Operators
---------
``NOT``, ``AND``, ``OR`` and parentheses, binding in that order (``NOT`` tightest, ``OR``
loosest); terms written side by side are joined by ``AND``. As in taggui the operator words
are keywords in any case (``and``, ``Or``); quote them to search for the word: ``"and"``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._regex import RegexError, compile_regex

__all__ = ["Query", "QueryError", "Subject", "parse_query"]


class QueryError(ValueError):
    """A query that cannot be parsed; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class Subject(Protocol):
    """What a query is evaluated against: one image of the data set with its caption."""

    @property
    def tags(self) -> Sequence[str]: ...

    @property
    def caption(self) -> str: ...

    @property
    def name(self) -> str:
        """The file name, e.g. ``img 01.jpg``."""
        ...

    @property
    def path(self) -> str:
        """The path relative to the data set, ``/``-separated, e.g. ``sub/img 01.jpg``."""
        ...

    @property
    def reviewed(self) -> bool: ...

    @property
    def flagged(self) -> bool: ...

    def size(self) -> tuple[int, int] | None:
        """The pixel size (width, height), or None if unknown. May be slow."""
        ...

    def token_count(self) -> int:
        """The caption's CLIP token count. May be slow."""
        ...


class _View:
    """One subject, with what several terms may need computed once, when first needed."""

    __slots__ = ("_caption", "_path", "_size", "_tags", "_tokens", "subject")

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        self._tags: str | None = None
        self._caption: str | None = None
        self._path: str | None = None
        self._size: tuple[tuple[int, int] | None] | None = None  # boxed: None is a size too
        self._tokens: int | None = None

    def tags(self) -> str:
        """The tags folded for matching, each between line breaks ("" when there are none)."""
        if self._tags is None:
            joined = "\n".join(self.subject.tags)
            self._tags = f"\n{_fold_tag(joined)}\n" if joined else ""
        return self._tags

    def caption(self) -> str:
        if self._caption is None:
            self._caption = self.subject.caption.casefold()
        return self._caption

    def path(self) -> str:
        if self._path is None:
            self._path = self.subject.path.casefold()
        return self._path

    def size(self) -> tuple[int, int] | None:
        if self._size is None:
            self._size = (self.subject.size(),)
        return self._size[0]

    def token_count(self) -> int:
        if self._tokens is None:
            self._tokens = self.subject.token_count()
        return self._tokens


_Test = Callable[[_View], bool]


@dataclass(frozen=True)
class Query:
    """A parsed query. Call it, or its `matches`, with a `Subject` to test it."""

    text: str
    fields: frozenset[str]
    """The fields the query uses: "tag", "caption", "name", "path", "tags", "chars", "tokens",
    "width", "height", "untagged", "reviewed", "flagged" (a bare term uses caption and path)."""
    _test: _Test = field(repr=False, compare=False)

    def matches(self, subject: Subject) -> bool:
        """Whether `subject` matches the query."""
        return self._test(_View(subject))

    def __call__(self, subject: Subject) -> bool:
        return self._test(_View(subject))


def parse_query(text: str) -> Query:
    """The query `text` says; raises `QueryError` if it is not a valid query."""
    parser = _Parser(text)
    return Query(text, frozenset(parser.fields), parser.test)


# --- Lexing ---------------------------------------------------------------------------------


class _Wild(str):
    """A wildcard in a term's value (a plain `str` piece is literal text)."""


_STAR, _ONE = _Wild("*"), _Wild("?")
_ESCAPES = {'"': '"', "\\": "\\", "*": "*", "?": "?"}
_FIELD = re.compile(r"([A-Za-z]+):")
_TEXT_FIELDS = frozenset({"tag", "caption", "name", "path"})
_NUMBER_FIELDS = frozenset({"tags", "chars", "tokens", "width", "height"})
_FLAGS = frozenset({"untagged", "reviewed", "flagged"})
_OPERATORS = frozenset({"and", "or", "not"})


@dataclass
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "flag" or "term"
    position: int
    raw: str
    field: str | None = None
    value: tuple[str, ...] = ()  # literal `str` pieces and `_Wild` pieces
    value_position: int = 0


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] in "()":
            tokens.append(_Token(text[i], i, text[i]))
            i += 1
        else:
            token = _term(text, i)
            tokens.append(token)
            i = token.position + len(token.raw)
    return tokens


def _term(text: str, start: int) -> _Token:
    prefix = _FIELD.match(text, start)
    field_name = None
    value_start = start
    if prefix:
        field_name = prefix.group(1).casefold()
        if field_name not in _TEXT_FIELDS | _NUMBER_FIELDS:
            raise QueryError(
                f'Unknown field "{prefix.group(0)}" at {start} (known fields: tag, caption, '
                f"name, path, tags, chars, tokens, width, height; quote the term to search "
                f"for it as text)",
                start,
            )
        value_start = prefix.end()
    value, end = _value(text, value_start)
    raw = text[start:end]
    token = _Token("term", start, raw, field_name, value, value_start)
    if field_name is None and raw.casefold() in _OPERATORS:
        token.kind = raw.casefold()
    elif field_name is None and raw.casefold() in _FLAGS:
        token.kind = "flag"
    return token


def _value(text: str, i: int) -> tuple[tuple[str, ...], int]:
    """The pieces of the value starting at `i`, and the offset just after it."""
    pieces: list[str] = []
    literal: list[str] = []
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        if text[i] == '"':
            i = _quoted(text, i, pieces, literal)
            continue
        if text[i] in "*?":
            _add_wildcard(pieces, literal, text[i])
        else:
            literal.append(text[i])
        i += 1
    _flush(pieces, literal)
    return tuple(pieces), i


def _quoted(text: str, start: int, pieces: list[str], literal: list[str]) -> int:
    """Read the quoted part at `start` into `pieces`/`literal`; the offset after its end."""
    i = start + 1
    while i < len(text) and text[i] != '"':
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in _ESCAPES:
            literal.append(text[i + 1])
            i += 2
            continue
        if char in "*?":
            _add_wildcard(pieces, literal, char)
        else:
            literal.append(char)
        i += 1
    if i == len(text):
        raise QueryError(f"Unclosed quote at {start}", start)
    return i + 1


def _add_wildcard(pieces: list[str], literal: list[str], char: str) -> None:
    _flush(pieces, literal)
    if not (char == "*" and pieces and pieces[-1] is _STAR):  # "**" is the same as "*"
        pieces.append(_STAR if char == "*" else _ONE)


def _flush(pieces: list[str], literal: list[str]) -> None:
    if literal:
        pieces.append("".join(literal))
        literal.clear()


# --- Parsing --------------------------------------------------------------------------------

_MAX_DEPTH = 100


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not (AND? not)*; not := NOT* primary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.fields: set[str] = set()
        self.test: _Test = _always
        if self.tokens:
            self.test = self._or(0)
            if self.index < len(self.tokens):
                extra = self.tokens[self.index]
                raise QueryError(f'Unmatched ")" at {extra.position}', extra.position)

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _or(self, depth: int) -> _Test:
        tests = [self._and(depth)]
        while (token := self._peek()) and token.kind == "or":
            self.index += 1
            tests.append(self._and(depth))
        return _any_of(tests)

    def _and(self, depth: int) -> _Test:
        tests = [self._not(depth)]
        while (token := self._peek()) and token.kind in ("and", "not", "(", "term", "flag"):
            self.index += token.kind == "and"
            tests.append(self._not(depth))
        return _all_of(tests)

    def _not(self, depth: int) -> _Test:
        negate = False
        while (token := self._peek()) and token.kind == "not":
            self.index += 1
            negate = not negate
        test = self._primary(depth)
        return _negated(test) if negate else test

    def _primary(self, depth: int) -> _Test:
        token = self._peek()
        if token is None:
            end = len(self.text.rstrip())
            raise QueryError(f"Expected a term at {end}, but the query ends there", end)
        self.index += 1
        if token.kind == "(":
            return self._group(token, depth + 1)
        if token.kind == "flag":
            return self._flag(token.raw.casefold())
        if token.kind == "term":
            return self._term(token)
        raise QueryError(
            f'Expected a term at {token.position}, found "{token.raw}"', token.position
        )

    def _group(self, opening: _Token, depth: int) -> _Test:
        if depth > _MAX_DEPTH:
            raise QueryError(f"Too many nested parentheses at {opening.position}", opening.position)
        test = self._or(depth)
        closing = self._peek()
        if closing is None or closing.kind != ")":
            end = len(self.text)
            raise QueryError(f'Expected ")" at {end} to close the "(" at {opening.position}', end)
        self.index += 1
        return test

    def _flag(self, name: str) -> _Test:
        self.fields.add(name)
        if name == "untagged":
            return lambda view: not view.subject.tags
        if name == "reviewed":
            return lambda view: bool(view.subject.reviewed)
        return lambda view: bool(view.subject.flagged)

    def _term(self, token: _Token) -> _Test:
        if token.field in _NUMBER_FIELDS:
            return self._number(token)
        if not token.value:
            where = token.value_position
            if token.field is None:
                raise QueryError(f"Empty quotes at {where}", where)
            raise QueryError(
                f'"{token.field}:" needs a value at {where}, e.g. {token.field}:x', where
            )
        self.fields.update(("caption", "path") if token.field is None else (token.field,))
        try:
            if token.field is None:
                return _bare_test(token.value)
            return _text_test(token.value, token.field)
        except RegexError as error:  # a term too long to search for with wildcards
            raise QueryError(f"Cannot search for the term at {token.position}: {error}",
                             token.position) from None

    def _number(self, token: _Token) -> _Test:
        match = _COMPARISON.fullmatch("".join(token.value))
        if not match:
            name = token.field
            raise QueryError(
                f'"{name}:" needs a number at {token.value_position}, e.g. {name}:>5',
                token.value_position,
            )
        assert token.field is not None
        self.fields.add(token.field)
        compare = _COMPARE[match.group(1) or "="]
        return _NUMBER_TESTS[token.field](compare, int(match.group(2)))


def _always(view: _View) -> bool:
    return True


def _negated(test: _Test) -> _Test:
    return lambda view: not test(view)


def _all_of(tests: list[_Test]) -> _Test:
    if len(tests) == 1:
        return tests[0]

    def test_all(view: _View) -> bool:
        for test in tests:  # noqa: SIM110 - a loop is much faster than all() and a generator
            if not test(view):
                return False
        return True

    return test_all


def _any_of(tests: list[_Test]) -> _Test:
    if len(tests) == 1:
        return tests[0]

    def test_any(view: _View) -> bool:
        for test in tests:  # noqa: SIM110 - a loop is much faster than any() and a generator
            if test(view):
                return True
        return False

    return test_any


# --- Terms ----------------------------------------------------------------------------------


def _text_test(value: tuple[str, ...], field_name: str) -> _Test:
    """The test of the term `field_name:value`, for a text field."""
    if field_name == "tag":
        return _tag_test(value)
    if field_name == "caption":
        found = _finder(value)
        return lambda view: found(view.caption())
    matches = _whole_matcher(value) if _is_wild(value) else _finder(value)
    if field_name == "path":
        return lambda view: matches(view.path())
    return lambda view: matches(view.subject.name.casefold())


def _bare_test(value: tuple[str, ...]) -> _Test:
    """The test of a bare term: in the caption or in the path."""
    found = _finder(value)
    return lambda view: found(view.caption()) or found(view.path())


def _tag_test(value: tuple[str, ...]) -> _Test:
    if not _is_wild(value):
        needle = "\n" + _fold_tag("".join(value)) + "\n"
        return lambda view: needle in view.tags()
    search = compile_regex("\n" + _regex(value, _fold_tag) + "\n").search  # "." is not "\n"
    return lambda view: search(view.tags())


def _finder(value: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a case-folded text contains `value`."""
    if value and value[0] is _STAR:
        value = value[1:]
    if value and value[-1] is _STAR:
        value = value[:-1]
    if not _is_wild(value):
        needle = "".join(value).casefold()
        return lambda text: needle in text
    return compile_regex(_regex(value, str.casefold), dot_all=True).search


def _whole_matcher(value: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether all of a case-folded text matches `value`."""
    return compile_regex(_regex(value, str.casefold), dot_all=True).fullmatch


def _is_wild(value: tuple[str, ...]) -> bool:
    return any(type(piece) is _Wild for piece in value)


def _fold_tag(text: str) -> str:
    return text.casefold().replace("_", " ")


def _regex(value: tuple[str, ...], fold: Callable[[str], str]) -> str:
    parts = (
        ".*" if piece is _STAR else "." if piece is _ONE else re.escape(fold(piece))
        for piece in value
    )
    return "".join(parts)


_COMPARISON = re.compile(r"(==|!=|<=|>=|=|<|>)?([0-9]+)")
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _size_test(axis: int) -> Callable[[Callable[[int, int], bool], int], _Test]:
    def make(compare: Callable[[int, int], bool], number: int) -> _Test:
        def test(view: _View) -> bool:
            size = view.size()
            return size is not None and compare(size[axis], number)

        return test

    return make


_NUMBER_TESTS: dict[str, Callable[[Callable[[int, int], bool], int], _Test]] = {
    "tags": lambda compare, n: lambda view: compare(len(view.subject.tags), n),
    "chars": lambda compare, n: lambda view: compare(len(view.subject.caption), n),
    "tokens": lambda compare, n: lambda view: compare(view.token_count(), n),
    "width": _size_test(0),
    "height": _size_test(1),
}
