"""Caption text: parsing it into tags, and editing it so that only what the person changed changes.

A caption is plain text; its tags are the comma- or line-separated pieces, trimmed, with empty
pieces dropped. An edit keeps every byte of the text that the edit did not touch: the other tags'
spelling, case and order, the separators between them, line breaks, leading and trailing text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TAG_LENGTH = 500
DEFAULT_SEPARATOR = ", "

_PIECE = re.compile(r"[^,\r\n]+")


def split_tags(text: str) -> list[str]:
    """The tags in `text`: split on commas and line breaks, trimmed, empty pieces dropped."""
    return [piece.strip() for piece in _PIECE.findall(text) if piece.strip()]


def validate_tag(tag: object) -> str:
    """Return `tag` trimmed, or raise `ValueError` saying why it cannot be a tag."""
    cleaned = existing_tag(tag)
    if not cleaned:
        raise ValueError("A tag cannot be empty.")
    if "," in cleaned:
        raise ValueError(f"A tag cannot contain a comma: {_shorten(cleaned)!r}.")
    if any(ch in cleaned for ch in "\r\n\u2028\u2029\x85"):
        raise ValueError(f"A tag cannot contain a line break: {_shorten(cleaned)!r}.")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise ValueError(f"A tag cannot contain control characters: {_shorten(cleaned)!r}.")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise ValueError(
            f"A tag can be at most {MAX_TAG_LENGTH} characters long; this one has {len(cleaned)}."
        )
    return cleaned


def existing_tag(tag: object) -> str:
    """`tag` trimmed, for finding a tag a caption has (any text: it need not be valid to add)."""
    if not isinstance(tag, str):
        raise ValueError(f"A tag must be text, not {type(tag).__name__}.")
    return tag.strip()


def parse_tag_input(text: object) -> list[str]:
    """The tags a person typed: comma-separated, each validated (raises `ValueError`)."""
    if not isinstance(text, str):
        raise ValueError(f"Tags must be text, not {type(text).__name__}.")
    if any(ch in text for ch in "\r\n"):
        raise ValueError("A tag cannot contain a line break.")
    tags = [validate_tag(piece) for piece in text.split(",") if piece.strip()]
    if not tags:
        raise ValueError("A tag cannot be empty.")
    return tags


def validate_tags(tags: Iterable[object]) -> list[str]:
    """Each of `tags` validated (raises `ValueError` naming the first bad one)."""
    if isinstance(tags, str):
        raise ValueError("Tags must be a list of strings, not one string.")
    return [validate_tag(tag) for tag in tags]


@dataclass(frozen=True)
class _Layout:
    """A caption text cut into tags and the text around and between them."""

    prefix: str
    tags: tuple[str, ...]
    separators: tuple[str, ...]  # separators[k] stands between tags[k] and tags[k + 1]
    suffix: str

    @classmethod
    def of(cls, text: str) -> _Layout:
        spans = []
        for match in _PIECE.finditer(text):
            piece = match.group()
            stripped = piece.strip()
            if stripped:
                start = match.start() + (len(piece) - len(piece.lstrip()))
                spans.append((start, start + len(stripped)))
        if not spans:
            return cls(text, (), (), "")
        tags = tuple(text[a:b] for a, b in spans)
        separators = tuple(text[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1))
        return cls(text[: spans[0][0]], tags, separators, text[spans[-1][1] :])

    def default_separator(self) -> str:
        """The separator a new tag gets: the file's own when it uses a bare comma throughout."""
        if self.separators and all(sep == "," for sep in self.separators):
            return ","
        return DEFAULT_SEPARATOR


_BEFORE_FIRST = object()


def edit_caption(text: str, new_tags: Sequence[str]) -> str:
    """`text` changed so that its tags are `new_tags`, keeping everything else as it was.

    Tags kept from `text` keep their exact spelling and the separator before them; a removed tag
    takes the separator after it with it; new tags are joined with the file's separator.
    """
    layout = _Layout.of(text)
    if list(layout.tags) == list(new_tags):
        return text
    if not layout.tags:
        return DEFAULT_SEPARATOR.join(new_tags) + text[len(text.rstrip("\r\n")) :]

    default = layout.default_separator()

    def separator_before(k: int) -> object:
        return _BEFORE_FIRST if k == 0 else layout.separators[k - 1]

    out: list[tuple[str, object]] = []
    pending: object | None = None
    matcher = difflib.SequenceMatcher(a=layout.tags, b=list(new_tags), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace") and pending is None:
            pending = separator_before(a1)
        if op == "equal":
            for k in range(a1, a2):
                out.append((layout.tags[k], _keep_line_break(pending, separator_before(k))))
                pending = None
        if op in ("insert", "replace"):
            for tag in new_tags[b1:b2]:
                out.append((tag, default if pending is None else pending))
                pending = None

    parts = [layout.prefix]
    for position, (tag, sep) in enumerate(out):
        if position > 0:
            parts.append(default if sep is _BEFORE_FIRST else str(sep))
        parts.append(tag)
    parts.append(layout.suffix)
    return "".join(parts)


def _keep_line_break(pending: object | None, own: object) -> object:
    """The separator for a kept tag after removed ones: the removed run's, unless that would
    join two lines."""
    if pending is None:
        return own
    if isinstance(own, str) and "\n" in own and not (isinstance(pending, str) and "\n" in pending):
        return own
    return pending


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
