r"""Regular expressions a user types, matched in time linear in the text (RE2).

Python's `re` backtracks: ``(a+)+$`` against ``aaaa…ab`` takes time exponential in the length
of the text, so a pattern typed into the batch edit could hang the kernel. RE2 never
backtracks. Every pattern that comes from a user is compiled by `compile_regex`.

The accepted syntax is RE2's (https://github.com/google/re2/wiki/Syntax), which is Python's
without lookaround (``(?=``, ``(?!``, ``(?<=``, ``(?<!``), backreferences (``\1``, ``(?P=name)``),
conditionals, atomic groups and possessive repeats, ``(?x)`` and ``(?#...)``. Where the two read
the same text differently, the pattern is rewritten to mean what it means to Python:

* ``\w``, ``\d``, ``\s`` and their capitals are Unicode classes, as in Python (RE2's are ASCII).
* ``\Z`` is the end of the text; ``{,n}`` is ``{0,n}``; ``\uXXXX``, ``\UXXXXXXXX``,
  ``\N{name}``, ``\0`` and three-digit octal escapes are characters.
* A backslash before a character that is not an ASCII letter or digit makes it literal.

Four differences remain: ``\b`` and ``\B`` take only ASCII letters, digits and ``_`` as word
characters; ``$`` without ``(?m)`` matches only at the very end of the text (Python's also
matches before a final line break); after an empty match the next one is looked for from the
next character on, where Python first looks for a longer one at the same place, which only a
pattern preferring empty text to some (``a*?``, ``(|b)``) finds; and a repeated group that can
match empty text (``(a*)*``) keeps what it took in its last non-empty round. Ignoring case uses
Unicode's simple case folding, which differs from Python's only for the Turkish dotless i
(U+0131).

Replacement strings are Python's: ``\1`` and ``\g<1>`` (group by number), ``\g<name>``,
``\n``, ``\t`` and the other escapes `re` knows, octal ``\0``/``\123``; a group that did not
take part in the match gives empty text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import re2
from re2 import _re2  # the binding: re2's Python wrapper costs 15 us a call, this 2 us

__all__ = ["MAX_PATTERN_LENGTH", "Regex", "RegexError", "compile_regex"]

MAX_PATTERN_LENGTH = 1000
"""The longest pattern `compile_regex` takes, in characters."""

SYNTAX_NOTE = (
    "Patterns use RE2 syntax: Python's, without lookaround ((?=...), (?!...), (?<=...), "
    "(?<!...)) and backreferences (\\1, (?P=name))."
)


class RegexError(ValueError):
    """A pattern or replacement that cannot be used; the message says why."""


_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
_NO_MATCH = (-1, -1)

_WORD = r"\p{L}\p{N}_"  # Python's \w: str.isalnum() or "_"
_DIGIT = r"\p{Nd}"  # Python's \d: str.isdecimal()
_SPACE = "".join(f"\\x{{{c:x}}}" for c in range(0x3001) if chr(c).isspace())  # Python's \s
_OUTSIDE = {"w": f"[{_WORD}]", "W": f"[^{_WORD}]", "d": _DIGIT, "D": r"\P{Nd}",
            "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z"}
_INSIDE = {"w": _WORD, "d": _DIGIT, "D": r"\P{Nd}", "s": _SPACE, "b": r"\x08"}
_OCTAL = "01234567"
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_ASSERTIONS = "AbBzZ"  # after a backslash, outside a class
_TEMPLATE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                     "v": "\v", "\\": "\\"}


class Regex:
    """A compiled pattern: `search`, `fullmatch` and `substituter`, each linear in the text."""

    __slots__ = ("_loose", "_names", "_program", "groups", "pattern")

    def __init__(self, pattern: str, program: _re2.RE2, loose: _re2.RE2) -> None:
        self.pattern = pattern
        self._program = program
        self._loose = loose
        self.groups: int = program.NumberOfCapturingGroups()
        self._names = {name.decode(): index for name, index in program.NamedCapturingGroups()}

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in `text`."""
        data = _encoded(text)
        return self._program.Match(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH

    def fullmatch(self, text: str) -> bool:
        """Whether the pattern matches all of `text`."""
        data = _encoded(text)
        return self._program.Match(_BOTH, data, 0, len(data))[0] != _NO_MATCH

    def may_match_within(self, text: str) -> bool:
        """False only when no piece of `text` has a match: a quick test before searching many
        pieces of one text (each tag of a caption) one by one."""
        data = _encoded(text)
        return self._loose.Match(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH

    def substituter(self, replacement: str) -> Callable[[str], str]:
        """A function giving its text with every match replaced by `replacement` (Python's
        replacement syntax); `RegexError` for a bad escape or a group the pattern lacks."""
        pieces = _template(replacement, self.groups, self._names)
        match = self._program.Match

        def substitute(text: str) -> str:
            data = _encoded(text)
            end = len(data)
            spans = match(_UNANCHORED, data, 0, end)
            if spans[0] == _NO_MATCH:
                return text
            out: list[bytes] = []
            done = 0  # the text before this offset is in `out`
            while True:
                start, stop = spans[0]
                out.append(data[done:start])
                for piece in pieces:
                    if type(piece) is bytes:
                        out.append(piece)
                    elif spans[piece] != _NO_MATCH:
                        out.append(data[spans[piece][0] : spans[piece][1]])
                done = stop
                if start == stop:  # an empty match: the next one starts a character later
                    if stop == end:
                        break
                    stop += _char_length(data[stop])
                spans = match(_UNANCHORED, data, stop, end)
                if spans[0] == _NO_MATCH:
                    break
            out.append(data[done:])
            return b"".join(out).decode("utf-8", "surrogatepass")

        return substitute

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"


def compile_regex(pattern: str, *, ignore_case: bool = False, dot_all: bool = False) -> Regex:
    """`pattern` compiled with RE2, read as Python reads it (see the module's notes).

    `ignore_case` is `re.IGNORECASE`, `dot_all` is `re.DOTALL`. `RegexError` (a `ValueError`)
    for a pattern longer than `MAX_PATTERN_LENGTH` or with syntax RE2 does not accept, saying
    which syntax is.
    """
    if not isinstance(pattern, str):
        raise RegexError(f"A pattern must be text, not {type(pattern).__name__}.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexError(
            f"The pattern is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH} are "
            "allowed."
        )
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.dot_nl = dot_all
    exact, loose = _translated(pattern)
    program = _re2.RE2(_encoded(exact), options)
    if not program.ok():
        message = program.error().decode(errors="replace")
        raise RegexError(f"{message[:1].upper()}{message[1:]}. {SYNTAX_NOTE}")
    loose_program = _re2.RE2(_encoded(loose), options)
    return Regex(pattern, program, loose_program if loose_program.ok() else program)


def _encoded(text: str) -> bytes:
    # RE2 reads a lone surrogate's three bytes as one character, so offsets stay whole.
    return text.encode("utf-8", "surrogatepass")


def _char_length(lead: int) -> int:
    """The length in bytes of the UTF-8 character whose first byte is `lead`."""
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _literal(char: str) -> str:
    return f"\\x{{{ord(char):x}}}"


def _translated(pattern: str) -> tuple[str, str]:
    """`pattern` (Python's syntax) rewritten in RE2's syntax to match the same text; and a
    looser version without its assertions (``^``, ``$``, ``\\b``...), which matches wherever
    the pattern does, and in any text that contains such a place."""
    out: list[str] = []
    loose: list[str] = []  # differs from `out` only where `out` has an assertion
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\":
            text, end = _escape(pattern, i, in_class)
            out.append(text)
            assertion = not in_class and pattern[i + 1] in _ASSERTIONS
            loose.append("(?:)" if assertion else text)
            i = end
            continue
        text, end = char, i + 1
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            end = i + 1 + (pattern[i + 1 : i + 2] == "^")
            if pattern[end : end + 1] == "]":  # a "]" first in a class is literal
                end += 1
            text = pattern[i:end].replace("]", r"\]")
        elif char == "{" and pattern[i + 1 : i + 2] == ",":
            close = pattern.find("}", i)
            if close > 0 and all(d in _DIGITS for d in pattern[i + 2 : close]):
                text, end = "{0," + pattern[i + 2 : close] + "}", close + 1
        out.append(text)
        loose.append("(?:)" if not in_class and char in "^$" else text)
        i = end
    return "".join(out), "".join(loose)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The RE2 text for the escape at `pattern[i]` (a backslash), and the offset after it."""
    if i + 1 == len(pattern):
        raise RegexError("The pattern ends with a lone backslash.")
    char = pattern[i + 1]
    table = _INSIDE if in_class else _OUTSIDE
    if char in table:
        return table[char], i + 2
    if char in "WS":  # inside a class: Python allows it, RE2 cannot say it
        raise RegexError(f"\\{char} inside [...] is not supported; use [^...] instead.")
    if char == "Q":  # RE2's quoting, copied as it is up to \E
        end = pattern.find("\\E", i)
        end = len(pattern) if end < 0 else end + 2
        return pattern[i:end], end
    if char in _DIGITS:
        return _number_escape(pattern, i, in_class)
    if char in "uU":
        width = 4 if char == "u" else 8
        digits = pattern[i + 2 : i + 2 + width]
        if len(digits) != width or any(d not in _HEX for d in digits):
            raise RegexError(f"\\{char} needs {width} hexadecimal digits.")
        if int(digits, 16) > 0x10FFFF:
            raise RegexError(f"\\{char}{digits} is not a Unicode character.")
        return f"\\x{{{digits}}}", i + 2 + width
    if char == "N":
        close = pattern.find("}", i)
        if pattern[i + 2 : i + 3] != "{" or close < 0:
            raise RegexError("\\N needs a character name in braces, e.g. \\N{EM DASH}.")
        try:
            return _literal(unicodedata.lookup(pattern[i + 3 : close])), close + 1
        except KeyError:
            raise RegexError(f"Unknown character name {pattern[i + 3 : close]!r}.") from None
    if char == "C":
        raise RegexError("\\C (any byte) is not supported.")
    if char.isascii() and char.isalpha():
        return pattern[i : i + 2], i + 2  # RE2 knows it, or says it does not
    return _literal(char), i + 2


def _number_escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """An escape of digits, read as Python reads it: an octal character or a backreference."""
    first, digits = pattern[i + 1], pattern[i + 1 : i + 4]
    if first == "0" or (in_class and first in _OCTAL) or (
        len(digits) == 3 and all(d in _OCTAL for d in digits)
    ):
        char, end = _octal(pattern, i + 1)
        return _literal(char), end
    if in_class:
        raise RegexError(f"Bad escape \\{first}.")
    raise RegexError(f"Backreferences such as \\{first} are not supported. {SYNTAX_NOTE}")


def _octal(text: str, start: int) -> tuple[str, int]:
    """The character of the (up to three) octal digits at `text[start]`, and the offset after
    them."""
    end = start + 1
    while end < min(start + 3, len(text)) and text[end] in _OCTAL:
        end += 1
    value = int(text[start:end], 8)
    if value > 0o377:
        raise RegexError(f"The octal escape \\{text[start:end]} is above \\377.")
    return chr(value), end


def _template(replacement: str, groups: int, names: dict[str, int]) -> list[bytes | int]:
    """`replacement` as literal pieces (bytes) and group numbers, by Python's rules."""
    if not isinstance(replacement, str):
        raise RegexError(f"A replacement must be text, not {type(replacement).__name__}.")
    pieces: list[bytes | int] = []
    literal: list[str] = []

    def group(number: int) -> None:
        if number > groups:
            raise RegexError(f"There is no group {number} in the pattern.")
        pieces.append("".join(literal).encode("utf-8", "surrogatepass"))
        literal.clear()
        pieces.append(number)

    i, n = 0, len(replacement)
    while i < n:
        char = replacement[i]
        if char != "\\":
            literal.append(char)
            i += 1
            continue
        if i + 1 == n:
            raise RegexError("The replacement ends with a lone backslash.")
        char = replacement[i + 1]
        i += 2
        if char == "g":
            close = replacement.find(">", i)
            if replacement[i : i + 1] != "<" or close < 0:
                raise RegexError("\\g needs a group in angle brackets: \\g<1> or \\g<name>.")
            name = replacement[i + 1 : close]
            i = close + 1
            if name.isdecimal() and name.isascii():
                group(int(name))
            elif name in names:
                group(names[name])
            else:
                raise RegexError(f"There is no group named {name!r} in the pattern.")
        elif char == "0" or (char in _OCTAL and len(replacement[i : i + 2]) == 2
                             and all(d in _OCTAL for d in replacement[i : i + 2])):
            value, i = _octal(replacement, i - 1)
            literal.append(value)
        elif char in _DIGITS:
            if replacement[i : i + 1] and replacement[i] in _DIGITS:
                group(int(char + replacement[i]))
                i += 1
            else:
                group(int(char))
        elif char in _TEMPLATE_ESCAPES:
            literal.append(_TEMPLATE_ESCAPES[char])
        elif char.isascii() and char.isalpha():
            raise RegexError(f"Bad escape \\{char} in the replacement.")
        else:
            literal.append("\\" + char)
    pieces.append("".join(literal).encode("utf-8", "surrogatepass"))
    return [piece for piece in pieces if piece != b""]
