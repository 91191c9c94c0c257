r"""The filter language of the data set's filter box: taggui's, read as taggui reads it.

taggui (jhc13/taggui: `FilterLineEdit` in ``widgets/image_list.py`` parses with pyparsing,
`ProxyImageListModel.does_image_match_filter` matches with `fnmatch.fnmatchcase`) is the
reference: a query taggui accepts finds here what it finds there, except for the deliberate
differences listed at the end. A blank query matches every image.

Terms
-----
``tag:x``
    The image has a tag that ``x`` matches as a whole: ``tag:smil*`` matches the tags
    ``smile`` and ``smiling``; ``tag:smil`` matches neither.
``caption:x``
    The caption text contains ``x``.
``name:x`` / ``path:x``
    The file name (``img 01.jpg``) / the path relative to the data set, ``/``-separated
    (``sub/img 01.jpg``), contains ``x``; wildcards do not change that (``name:*.png`` is a
    name containing ``.png``).
``x`` (a bare term)
    The caption or the relative path contains ``x``.
``size:WxH``
    The image is exactly W by H pixels (``size:1024x768``; ``:`` may stand for ``x``).
``tags:`` / ``chars:`` / ``tokens:`` / ``width:`` / ``height:`` / ``area:`` with a number
    The number of tags / the caption's length in characters / its CLIP-L token count without
    the start and end tokens (the figure shown under the caption) / the image's width / height /
    width times height in pixels, compared with one of ``=`` (also ``==``), ``!=``, ``<``,
    ``>``, ``<=``, ``>=``: ``tags:>5``, ``width:>=1024``. An image whose size is unknown matches
    no ``size:``, ``width:``, ``height:`` or ``area:`` term.
``untagged`` / ``reviewed`` / ``flagged``
    The image has no tags / is marked reviewed / is flagged.
``suggested`` / ``suggested:x``
    An auto-tagging run's suggestion for the image is open (not yet accepted or rejected) /
    and it suggests a tag that ``x`` matches as a whole, as for ``tag:``.
``score:`` with a number from 0 to 1, after an optional tag pattern
    A suggested tag scores so: ``score:<0.5`` (some suggested tag under 0.5),
    ``score:1girl<0.5`` (``1girl`` is suggested with a score under 0.5); the operators are those
    of the number fields.

A field name is followed by ``:``; white space may stand on either side of the ``:``
(``tag: red``). The operators ``NOT``, ``AND``, ``OR`` bind in that order (``NOT`` tightest);
parentheses group. Operator words and field names are read in any case.

Values, quotes and wildcards
----------------------------
A value is a run of characters up to white space or a parenthesis, or a quoted string: one
that starts with ``"`` or ``'`` and has its closing quote later in the query (a quote with no
closing one, or one inside a word as in ``rock'n'roll``, is an ordinary character). Inside
quotes a backslash takes the next character as it is (``\"``, ``\'``, ``\\``), except ``\t``,
``\n``, ``\f``, ``\r``, which are those white space characters.

The value is then a wildcard pattern: ``*`` matches any run of characters, ``?`` one
character, ``[abc]`` one of those characters, ``[a-z]`` one in that range, ``[!abc]`` one
that is not among them (a ``[`` without its ``]`` is itself). ``\*`` and ``\?`` are a literal
``*`` and ``?`` (in quotes, where a backslash is taken away first, write ``\\*``); ``[*]``,
``[?]`` and ``[[]`` are literal anywhere. Any other backslash is an ordinary character.
Matching takes time linear in the text, whatever the pattern (RE2).

Deliberate differences from taggui
----------------------------------
Each one keeps the meaning of a query that taggui refuses, or is named here:

* Matching ignores case; in ``tag:`` terms ``_`` and space are the same character
  (``tag:long_hair`` finds ``Long Hair``). taggui compares case and underscores exactly.
* ``caption:`` and bare terms read the caption file's text; taggui reads the tags joined with
  its separator (the same text for a caption written as ``tag, tag``).
* ``path:`` and bare terms read the path relative to the data set, with ``/``; taggui reads the
  absolute path in the system's own spelling.
* ``untagged``, ``reviewed``, ``flagged`` are keywords (quote them to search for the word);
  to taggui they are text.
* A number field without an operator means ``=`` (``tags:3``); taggui reads ``tags:3`` as
  text to search for.
* An unknown field (``stars:9``) is an error that says to quote it; taggui searches for the
  text. taggui's ``marking:``, ``crops:``, ``visible:``, ``target:`` and ``stars:`` are refused
  the same way: this data set has no markings, target sizes or ratings.
* Queries taggui refuses are read here: terms side by side are joined by ``AND``; a value may
  go on after its closing quote (``tag:"red h"*``); characters outside ASCII may be typed
  without quotes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .regex import RegexError, compile_regex

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
        """The caption's CLIP-L token count, without the start and end tokens. May be slow."""
        ...

    @property
    def suggested(self) -> Sequence[tuple[str, float]] | None:
        """The tags and scores of the image's open auto-tagging suggestion, or None."""
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
            self._tags = _tag_lines(self.subject.tags)
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
    """The fields the query uses: "tag", "caption", "name", "path", "size", "tags", "chars",
    "tokens", "width", "height", "area", "untagged", "reviewed", "flagged", "suggested",
    "score" (a bare term uses caption and path)."""
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

_FIELD = re.compile(r"([A-Za-z]+)(\s*):\s*")
_NUMBER = re.compile(r"(==|!=|<=|>=|=|<|>)?\s*([0-9]+)(?![^\s()])")
_SIZE = re.compile(r"([0-9]+)[xX:]([0-9]+)")
_TEXT_FIELDS = frozenset({"tag", "caption", "name", "path", "size", "suggested", "score"})
_SCORE = re.compile(r"(.*?)(==|!=|<=|>=|=|<|>)\s*([01](?:\.[0-9]+)?|\.[0-9]+)", re.DOTALL)
_NUMBER_FIELDS = frozenset({"tags", "chars", "tokens", "width", "height", "area"})
_TAGGUI_ONLY = {"marking": "image markings", "crops": "image markings",
                "visible": "image markings", "target": "target sizes", "stars": "star ratings"}
_FLAGS = frozenset({"untagged", "reviewed", "flagged", "suggested"})
_OPERATORS = frozenset({"and", "or", "not"})
_QUOTES = "\"'"
_WHITE_ESCAPES = {"t": "\t", "n": "\n", "f": "\f", "r": "\r"}


@dataclass
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "flag" or "term"
    position: int
    raw: str
    field: str | None = None
    value: str = ""  # the wildcard pattern, quotes taken away
    value_position: int = 0
    number: tuple[str, int] | None = None  # a number field's comparison, when it has one


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
    field_name = prefix.group(1).casefold() if prefix else None
    if prefix and field_name not in _TEXT_FIELDS | _NUMBER_FIELDS:
        if prefix.group(2):  # "word :" is not a field: two terms
            field_name, prefix = None, None
        elif field_name in _TAGGUI_ONLY:
            raise QueryError(
                f'"{prefix.group(1)}:" at {start} is taggui\'s, for {_TAGGUI_ONLY[field_name]}, '
                f"which this data set does not have (quote the term to search for it as text)",
                start,
            )
        else:
            raise QueryError(
                f'Unknown field "{prefix.group(1)}:" at {start} (known fields: tag, caption, '
                f"name, path, size, tags, chars, tokens, width, height, area, suggested, "
                f"score; quote the term to search for it as text)",
                start,
            )
    value_start = prefix.end() if prefix else start
    if field_name in _NUMBER_FIELDS and (number := _NUMBER.match(text, value_start)):
        comparison = (number.group(1) or "=", int(number.group(2)))
        return _Token("term", start, text[start : number.end()], field_name,
                      value_position=value_start, number=comparison)
    value, quoted, end = _value(text, value_start)
    token = _Token("term", start, text[start:end], field_name, value, value_start)
    word = token.raw.casefold()
    if field_name is None and not quoted and word in _OPERATORS:
        token.kind = word
    elif field_name is None and not quoted and word in _FLAGS:
        token.kind = "flag"
    elif not quoted and not value and field_name in _TEXT_FIELDS:
        raise QueryError(
            f'"{field_name}:" needs a value at {value_start}, e.g. {field_name}:x', value_start
        )
    return token


def _value(text: str, i: int) -> tuple[str, bool, int]:
    """The wildcard pattern of the value at `i`, whether it starts with a quoted string, and
    the offset just after the value."""
    pattern = ""
    close = _closing_quote(text, i)
    if close is not None:
        pattern = _escaped_wildcards(_unquoted(text[i + 1 : close]))
        i = close + 1
    end = i
    while end < len(text) and not text[end].isspace() and text[end] not in "()":
        end += 1
    return pattern + _escaped_wildcards(text[i:end]), close is not None, end


def _closing_quote(text: str, start: int) -> int | None:
    """The offset of the quote closing the one at `start`; None if `start` is no quote or
    nothing closes it on its line."""
    if start >= len(text) or text[start] not in _QUOTES:
        return None
    i = start + 1
    while i < len(text) and text[i] not in "\r\n":
        if text[i] == text[start]:
            return i
        if text[i] == "\\":
            if text[i + 1 : i + 2] in ("", "\r", "\n"):
                return None
            i += 1
        i += 1
    return None


def _unquoted(inside: str) -> str:
    """The text between two quotes with its backslash escapes taken away."""
    if "\\" not in inside:
        return inside
    out: list[str] = []
    i = 0
    while i < len(inside):
        if inside[i] == "\\":
            out.append(_WHITE_ESCAPES.get(inside[i + 1], inside[i + 1]))
            i += 2
        else:
            out.append(inside[i])
            i += 1
    return "".join(out)


def _escaped_wildcards(text: str) -> str:
    """`text` with ``\\*`` and ``\\?`` written as the classes ``[*]`` and ``[?]``."""
    return text.replace("\\*", "[*]").replace("\\?", "[?]")


# --- Wildcard patterns ----------------------------------------------------------------------


class _Wild:
    """``*`` or ``?`` in a pattern."""

    def __init__(self, regex: str) -> None:
        self.regex = regex


_STAR, _ONE = _Wild(".*"), _Wild(".")


@dataclass(frozen=True)
class _Class:
    """``[...]`` in a pattern: single characters and (first, last) ranges."""

    negated: bool
    chars: str
    ranges: tuple[tuple[str, str], ...]


_Piece = str | _Wild | _Class


def _pieces(pattern: str) -> list[_Piece]:
    """`pattern` as literal text, wildcards and classes, "**" read as "*"."""
    pieces: list[_Piece] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        piece: _Piece | None = None
        if char == "*":
            piece, i = _STAR, i + 1
        elif char == "?":
            piece, i = _ONE, i + 1
        elif char == "[":
            piece, i = _class(pattern, i)
        else:
            i += 1
        if piece is None:
            literal.append(char)
            continue
        if literal:
            pieces.append("".join(literal))
            literal.clear()
        if not (piece is _STAR and pieces and pieces[-1] is _STAR):
            pieces.append(piece)
    if literal:
        pieces.append("".join(literal))
    return pieces


def _class(pattern: str, start: int) -> tuple[_Class | _Wild | None, int]:
    """The class at `start` (a "[") and the offset after it; None if it has no "]"."""
    first = start + 1 + (pattern[start + 1 : start + 2] == "!")
    close = pattern.find("]", first + (pattern[first : first + 1] == "]"))
    if close < 0:
        return None, start + 1
    negated = first > start + 1
    body = pattern[first:close]
    chars: list[str] = []
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            if body[i] <= body[i + 2]:  # a range running backwards holds nothing
                ranges.append((body[i], body[i + 2]))
            i += 3
        else:
            chars.append(body[i])
            i += 1
    if negated and not chars and not ranges:
        return _ONE, close + 1
    return _Class(negated, "".join(chars), tuple(ranges)), close + 1


def _regex(pieces: Sequence[_Piece], fold: Callable[[str], str], within_line: bool) -> str:
    """The RE2 pattern of `pieces` matching folded text; `within_line`: no piece matches a
    line break (the tags are matched one per line)."""
    parts: list[str] = []
    for piece in pieces:
        if isinstance(piece, _Wild):
            parts.append(piece.regex)
        elif isinstance(piece, _Class):
            parts.append(_class_regex(piece, fold, within_line))
        else:
            parts.append(re.escape(fold(piece)))
    return "".join(parts)


_NOTHING = r"[^\x00-\x{10ffff}]"


def _class_regex(piece: _Class, fold: Callable[[str], str], within_line: bool) -> str:
    chars = {_fold_char(char, fold) for char in piece.chars}
    ranges = list(piece.ranges)
    if within_line:
        if piece.negated:
            chars.add("\n")
        else:  # the line break out of the class, ranges included
            chars.discard("\n")
            ranges = [part for first, last in ranges for part in (
                ((first, "\t"), ("\x0b", last)) if first <= "\n" <= last else ((first, last),)
            ) if part[0] <= part[1]]
    if not chars and not ranges:
        return _NOTHING
    members = "".join(re.escape(char) for char in sorted(chars)) + "".join(
        f"{re.escape(first)}-{re.escape(last)}" for first, last in ranges
    )
    return f"[{'^' if piece.negated else ''}{members}]"


def _fold_char(char: str, fold: Callable[[str], str]) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char


def _is_literal(pieces: Sequence[_Piece]) -> bool:
    return all(type(piece) is str for piece in pieces)


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
            before = self.tokens[-1] if self.tokens else None
            hint = _quote_hint(before.raw) if before and before.kind in _OPERATORS else ""
            raise QueryError(f"Expected a term at {end}, but the query ends there{hint}", end)
        self.index += 1
        if token.kind == "(":
            return self._group(token, depth + 1)
        if token.kind == "flag":
            return self._flag(token.raw.casefold())
        if token.kind == "term":
            return self._term(token)
        hint = _quote_hint(token.raw) if token.kind in _OPERATORS else ""
        raise QueryError(
            f'Expected a term at {token.position}, found "{token.raw}"{hint}', token.position
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
        if name == "suggested":
            return lambda view: view.subject.suggested is not None
        return lambda view: bool(view.subject.flagged)

    def _term(self, token: _Token) -> _Test:
        if token.field in _NUMBER_FIELDS:
            return self._number(token)
        self.fields.update(("caption", "path") if token.field is None else (token.field,))
        if token.field == "size":
            return _size_test(token)
        try:
            if token.field == "score":
                return _score_test(token)
            return _text_test(_pieces(token.value), token.field)
        except RegexError as error:  # a term too long to search for with wildcards
            raise QueryError(f"Cannot search for the term at {token.position}: {error}",
                             token.position) from None

    def _number(self, token: _Token) -> _Test:
        name = token.field
        assert name is not None
        if token.number is None:
            raise QueryError(
                f'"{name}:" needs a number at {token.value_position}, e.g. {name}:>5',
                token.value_position,
            )
        self.fields.add(name)
        operator_text, number = token.number
        return _NUMBER_TESTS[name](_COMPARE[operator_text], number)


def _quote_hint(word: str) -> str:
    return f' (an operator; quote it, "{word}", to search for the word)'


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


def _text_test(pieces: list[_Piece], field_name: str | None) -> _Test:
    """The test of the term `field_name:pattern` (a bare term when `field_name` is None)."""
    if field_name == "tag":
        return _tag_test(pieces)
    if field_name == "suggested":
        return _suggested_test(pieces)
    found = _finder(pieces)
    if field_name is None:
        return lambda view: found(view.caption()) or found(view.path())
    if field_name == "caption":
        return lambda view: found(view.caption())
    if field_name == "path":
        return lambda view: found(view.path())
    return lambda view: found(view.subject.name.casefold())


def _tag_test(pieces: list[_Piece]) -> _Test:
    """Some tag matches all of `pieces`."""
    found = _tag_finder(pieces)
    return lambda view: found(view.tags())


def _tag_finder(pieces: list[_Piece]) -> Callable[[str], bool]:
    """Whether some line of a text of folded tags, each on its own line, matches `pieces`."""
    if _is_literal(pieces):
        tag = _fold_tag("".join(pieces))  # type: ignore[arg-type]
        if "\n" in tag:  # no tag holds a line break
            return lambda lines: False
        needle = f"\n{tag}\n"
        return lambda lines: needle in lines
    if any(type(piece) is str and "\n" in piece for piece in pieces):
        return lambda lines: False
    pattern = "\n" + _regex(pieces, _fold_tag, within_line=True) + "\n"
    search = compile_regex(pattern, ignore_case=True).search
    return lambda lines: bool(search(lines))


def _suggested_test(pieces: list[_Piece]) -> _Test:
    found = _tag_finder(pieces)

    def test(view: _View) -> bool:
        suggested = view.subject.suggested
        return bool(suggested) and found(_tag_lines(tag for tag, _ in suggested))

    return test


def _score_test(token: _Token) -> _Test:
    match = _SCORE.fullmatch(token.value)
    if match is None:
        raise QueryError(
            f'"score:" needs a comparison with a number from 0 to 1 at {token.value_position}, '
            "e.g. score:<0.5 or score:1girl<0.5", token.value_position)
    pattern, compare, number = match.group(1), _COMPARE[match.group(2)], float(match.group(3))
    found = _tag_finder(_pieces(pattern)) if pattern else None

    def test(view: _View) -> bool:
        for tag, score in view.subject.suggested or ():
            if compare(score, number) and (found is None or found(_tag_lines([tag]))):
                return True
        return False

    return test


def _tag_lines(tags: Iterable[str]) -> str:
    joined = "\n".join(tags)
    return f"\n{_fold_tag(joined)}\n" if joined else ""


def _finder(pieces: list[_Piece]) -> Callable[[str], bool]:
    """Whether a case-folded text contains a match of `pieces`."""
    if pieces and pieces[0] is _STAR:
        pieces = pieces[1:]
    if pieces and pieces[-1] is _STAR:
        pieces = pieces[:-1]
    if _is_literal(pieces):
        needle = "".join(pieces).casefold()  # type: ignore[arg-type]
        return lambda text: needle in text
    return compile_regex(_regex(pieces, str.casefold, within_line=False), ignore_case=True,
                         dot_all=True).search


def _never(view: _View) -> bool:
    return False


def _fold_tag(text: str) -> str:
    return text.casefold().replace("_", " ")


def _size_test(token: _Token) -> _Test:
    match = _SIZE.fullmatch(token.value)
    if match is None:
        raise QueryError(
            f'"size:" needs a width and a height at {token.value_position}, e.g. size:1024x768',
            token.value_position,
        )
    wanted = match.groups()  # compared as text, as taggui does: "0768" is no height

    def test(view: _View) -> bool:
        size = view.size()
        return size is not None and (str(size[0]), str(size[1])) == wanted

    return test


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _pixels_test(
    measure: Callable[[tuple[int, int]], int],
) -> Callable[[Callable[[int, int], bool], int], _Test]:
    def make(compare: Callable[[int, int], bool], number: int) -> _Test:
        def test(view: _View) -> bool:
            size = view.size()
            return size is not None and compare(measure(size), number)

        return test

    return make


_NUMBER_TESTS: dict[str, Callable[[Callable[[int, int], bool], int], _Test]] = {
    "tags": lambda compare, n: lambda view: compare(len(view.subject.tags), n),
    "chars": lambda compare, n: lambda view: compare(len(view.subject.caption), n),
    "tokens": lambda compare, n: lambda view: compare(view.token_count(), n),
    "width": _pixels_test(lambda size: size[0]),
    "height": _pixels_test(lambda size: size[1]),
    "area": _pixels_test(lambda size: size[0] * size[1]),
}
