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
from operator import ne

MAX_TAG_LENGTH = 500
DEFAULT_SEPARATOR = ", "
# A caption over either limit is text, not a tag list a person edits tag by tag (real captions
# have a few hundred tags and a few thousand characters at most; up to these limits an edit still
# takes milliseconds): tag edits refuse it, batch edits leave it out, and the vocabulary does not
# count its tags. Raw text editing still works.
MAX_EDIT_TAGS = 100_000
MAX_EDIT_CHARS = 4_000_000

# A tag: from the first to the last character of a piece between commas and line breaks that is
# not white space (so the match is the piece, trimmed; a blank piece does not match).
_TAG = re.compile(r"[^,\r\n\s](?:[^,\r\n]*[^,\r\n\s])?")


def split_tags(text: str) -> list[str]:
    """The tags in `text`: split on commas and line breaks, trimmed, empty pieces dropped (the
    matches of `_TAG`, found with string methods: a third faster)."""
    pieces = text.replace("\r", ",").replace("\n", ",").split(",")
    return list(filter(None, map(str.strip, pieces)))


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
    if any(unicodedata.category(ch) == "Cs" for ch in cleaned):
        raise ValueError(f"A tag cannot contain a lone surrogate (text that is not valid "
                         f"Unicode, so no file can hold it): {_shorten(cleaned)!r}.")
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


class CaptionTooLargeError(ValueError):
    """A tag edit refused because the caption is too large to be edited as tags."""


def counts_as_tags(tags: Sequence[str]) -> bool:
    """Whether a caption with these tags is a tag list (at most `MAX_EDIT_TAGS` tags of at most
    `MAX_EDIT_CHARS` characters in all); only such captions count in the vocabulary."""
    return len(tags) <= MAX_EDIT_TAGS and sum(map(len, tags)) <= MAX_EDIT_CHARS


def tag_edit_refusal(text: str, tags: Sequence[str], *, edited: bool = False) -> str | None:
    """Why the caption `text` (whose tags are `tags`) cannot be edited tag by tag, or None;
    `edited`: the caption is what an edit would make (which is then refused)."""
    if len(text) <= MAX_EDIT_CHARS and len(tags) <= MAX_EDIT_TAGS:
        return None
    return (
        f"This caption {'would be' if edited else 'is'} too large to edit as tags ({len(text):,} "
        f"characters, {len(tags):,} tags; tag editing stops at {MAX_EDIT_CHARS:,} characters or "
        f"{MAX_EDIT_TAGS:,} tags). Edit it as text (text mode, or Dataset.set_caption)."
    )


def edit_caption(text: str, new_tags: Sequence[str], tags: Sequence[str] | None = None) -> str:
    """`text` changed so that its tags are `new_tags`, keeping everything else as it was
    (`tags`: `split_tags(text)`, when known).

    Tags kept from `text` keep their exact spelling and the separator before them; a removed tag
    takes the separator after it with it (unless that would join two lines); a replaced tag
    takes its place; new tags are joined with the file's separator.
    """
    if tags is not None and is_plain_list(text, tags):
        return DEFAULT_SEPARATOR.join(new_tags)  # every rule below gives this for such a text
    spans = [match.span() for match in _TAG.finditer(text)]
    old = [text[a:b] for a, b in spans]
    new = list(new_tags)
    if old == new:
        return text
    if not spans:
        return DEFAULT_SEPARATOR.join(new) + text[len(text.rstrip("\r\n")) :]
    n, m = len(old), len(new)
    shorter = min(n, m)
    i = 0
    while i < shorter and old[i] == new[i]:
        i += 1
    j = 0
    while j < shorter - i and old[n - 1 - j] == new[m - 1 - j]:
        j += 1
    removed, added = n - j - i, new[i : m - j]
    if removed == 1 and len(added) == 1:
        start, end = spans[i]
        return text[:start] + added[0] + text[end:]
    if not added:
        return _without(text, spans, i, n - j)
    separator = _default_separator(text, spans)
    if not removed:
        if i > 0:
            at = spans[i - 1][1]
            return text[:at] + separator + separator.join(added) + text[at:]
        at = spans[0][0]
        return text[:at] + separator.join(added) + separator + text[at:]
    return _rebuilt(text, spans, new, separator)


def is_plain_list(text: str, tags: Sequence[str]) -> bool:
    """Whether `text`, whose tags are `tags`, is just those tags joined by ", " (then any edit
    of it is the new tags joined by ", ")."""
    return text == DEFAULT_SEPARATOR.join(tags)


def replaced_at(before: Sequence[str], after: Sequence[str]) -> int | None:
    """The position of the one tag that differs between two tag lists of the same length (a tag
    replaced in place, as a rename does), or None when they differ otherwise or not at all."""
    if len(before) != len(after):
        return None
    changed = list(map(ne, before, after))
    return changed.index(True) if changed.count(True) == 1 else None


def _default_separator(text: str, spans: list[tuple[int, int]]) -> str:
    """The separator a new tag gets: the file's own when it uses a bare comma throughout."""
    between = [text[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1)]
    return "," if between and all(sep == "," for sep in between) else DEFAULT_SEPARATOR


def _without(text: str, spans: list[tuple[int, int]], first: int, stop: int) -> str:
    """`text` without the tags `first` to `stop - 1`."""
    if first == 0:
        kept_from = spans[stop][0] if stop < len(spans) else spans[-1][1]
        return text[: spans[0][0]] + text[kept_from:]
    if stop == len(spans):
        return text[: spans[first - 1][1]] + text[spans[-1][1] :]
    before = text[spans[first - 1][1] : spans[first][0]]
    after = text[spans[stop - 1][1] : spans[stop][0]]
    return text[: spans[first - 1][1]] + _keep_line_break(before, after) + text[spans[stop][0] :]


_BEFORE_FIRST = object()


def _rebuilt(text: str, spans: list[tuple[int, int]], new_tags: list[str], default: str) -> str:
    """The general edit (reordering, several changes at once), tag by tag."""
    tags = [text[a:b] for a, b in spans]

    def separator_before(k: int) -> object:
        return _BEFORE_FIRST if k == 0 else text[spans[k - 1][1] : spans[k][0]]

    out: list[tuple[str, object]] = []
    pending: object | None = None
    matcher = difflib.SequenceMatcher(a=tags, b=new_tags, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace") and pending is None:
            pending = separator_before(a1)
        if op == "equal":
            for k in range(a1, a2):
                own = separator_before(k)
                out.append((tags[k], own if pending is None else _keep_line_break(pending, own)))
                pending = None
        if op == "replace" and a2 - a1 == b2 - b1:
            # Tags replaced one for one keep their own separators.
            for k, tag in enumerate(new_tags[b1:b2]):
                out.append((tag, pending if k == 0 else separator_before(a1 + k)))
            pending = None
        elif op in ("insert", "replace"):
            for tag in new_tags[b1:b2]:
                out.append((tag, default if pending is None else pending))
                pending = None

    parts = [text[: spans[0][0]]]
    for position, (tag, sep) in enumerate(out):
        if position > 0:
            parts.append(default if sep is _BEFORE_FIRST else str(sep))
        parts.append(tag)
    parts.append(text[spans[-1][1] :])
    return "".join(parts)


def _keep_line_break(pending: object, own: object) -> object:
    """The separator for a kept tag after removed ones: the removed run's (`pending`), unless
    that would join two lines."""
    if isinstance(own, str) and "\n" in own and not (isinstance(pending, str) and "\n" in pending):
        return own
    return pending


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
