"""Autocomplete from an optional tag list CSV (the Danbooru / a1111-sd-webui-tagcomplete format)
together with the data set's own tags.

A tag list has one tag a row: `name,category,count,aliases`, the aliases quoted and
comma-separated (`long_hair,0,4350743,"/lh,longhair"`). Rows may stop after `name`, `category`
or `count`; a header row, blank lines, a UTF-8 BOM and CRLF line ends are accepted. A row that
cannot be read is skipped and counted in `TagList.skipped_rows`.

Matching is a substring match on the casefolded name (or an alias) in which `_` and a space are
the same character, so `long h`, `Long_H` and `ong ha` all find `long_hair`.

Speed: the normalised names and aliases of the whole list are one string, in ranking order, and
a search is `str.find` over it from the front, stopping as soon as no later row can rank higher.
"""

from __future__ import annotations

import csv
import gc
import os
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add, itemgetter, lshift, sub
from pathlib import Path
from typing import TypeVar

from .captions import MAX_TAG_LENGTH

__all__ = ["ListedTag", "Suggestion", "TagList", "complete_tags"]

T = TypeVar("T")

# First-row names that mark a header (a header with a numeric-looking category is otherwise a tag).
_HEADER_NAMES = frozenset({"name", "tag", "tags", "tag name", "tag_name", "tagname", "keyword"})
# Characters no tag may contain (line breaks are already gone: the text is split into lines).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not \r, \n
# Aliases (joined by "\n") that need trimming or have empty ones, for the fast path.
_UNTIDY_ALIASES = re.compile(r"^[^\S\n]|[^\S\n]$|[^\S\n],|,[^\S\n]|^,|,$|,,", re.MULTILINE)
_MAX_COUNT = 2**40  # a larger count is not a real one (and would not fit the ranking key)
_LENGTH_BITS = 16  # a row's rank is its name's length minus its count shifted by this
# Two letters or digits with no underscore between them: a word, not an emoticon's eye or mouth.
_WORDY = re.compile(r"[^\W_][^_]*[^\W_]")


@dataclass(frozen=True)
class ListedTag:
    """One row of a tag list."""

    name: str  # as the list writes it, e.g. "long_hair"
    category: int  # 0 general, 1 artist, 3 copyright, 4 character, 5 meta; -1 unknown
    count: int  # posts in the list's source (e.g. Danbooru); 0 unknown
    aliases: tuple[str, ...]  # other names for the same tag, as the list writes them


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete suggestion from `complete_tags`."""

    tag: str  # the text to insert (see `complete_tags` for how it is spelled)
    in_dataset: int  # how many images of the data set have it
    in_list: int  # its count in the tag list (0 if not listed)
    alias_of: str | None  # when it matched only through an alias: that alias, as the list has it


def normalise(text: str) -> str:
    """`text` as matching sees it: casefolded, `_` the same as a space."""
    return text.casefold().replace("_", " ")


def keeps_underscores(tag: str) -> bool:
    """Whether `tag`'s underscores are part of it rather than word separators: no piece between
    underscores has two letters or digits (`^_^`, `>_<`, `o_o`, `t_t`, `<o>_<o>`, `0_0`).
    Initials like the artist `m_k` count too; keeping their underscores is harmless."""
    return "_" in tag and _WORDY.search(tag) is None


def _needle(query: str) -> str:
    """The normalised query; separators of the search string cannot be part of it."""
    needle = normalise(query.strip())
    if "\t" in needle or "\n" in needle:
        needle = needle.replace("\t", " ").replace("\n", " ")
    return needle


def _split_row(line: str) -> list[str] | None:
    """The fields of one CSV line, or None when its quoting is broken."""
    if '"' not in line:
        return line.split(",")
    q = line.find('"')
    if line.count('"') == 2 and line[-1] == '"' and (q == 0 or line[q - 1] == ","):
        # The common case: only the last field (the aliases) is quoted.
        head = line[: q - 1].split(",") if q else []
        head.append(line[q + 1 : -1])
        return head
    try:
        return next(csv.reader((line,), strict=True))
    except (csv.Error, StopIteration):
        return None


def _decode(data: bytes, path: Path) -> tuple[list[str], int, bool]:
    """The lines of a tag list file, how many could not be decoded, and whether it has control
    characters (other than line ends) anywhere."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a CSV tag list: broken UTF-16 text.") from None
        return text.splitlines(), 0, _CONTROL_IN_TEXT.search(text) is not None
    if b"\x00" in data:
        raise ValueError(f"{path} is not a CSV tag list: it is a binary file (it has NUL bytes).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text.splitlines(), 0, _CONTROL_IN_TEXT.search(text) is not None
    # Mostly UTF-8 with some broken lines: those lines are bad rows.
    lines: list[str] = []
    broken = 0
    for raw in data.removeprefix(b"\xef\xbb\xbf").splitlines():
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            broken += 1
    if broken * 2 > broken + len(lines):
        raise ValueError(
            f"{path} is not a CSV tag list: {broken} of {broken + len(lines)} lines are not UTF-8 "
            "text."
        )
    return lines, broken, True


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reading a list makes a list per row (no cycles),
    and the collections those allocations set off would take about as long as the reading."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _picker(order: list[int]) -> Callable[[list[T]], list[T]]:
    """A function that takes the items at `order` from a list, in that order."""
    if len(order) < 2:
        return lambda items: [items[i] for i in order]
    get = itemgetter(*order)
    return lambda items: list(get(items))


def _is_header(fields: list[str]) -> bool:
    """Whether the first row is a header: a known column name first, or a category that is not a
    number (`name,category,count,aliases`, `tag,type,post_count,aliases`)."""
    if fields[0].strip().casefold() in _HEADER_NAMES:
        return True
    category = fields[1].strip() if len(fields) > 1 else ""
    if not category:
        return False
    try:
        int(category)
    except ValueError:
        return True
    return False


_Columns = tuple[list[str], list[int], list[int], list[str]]


def _parse_simple(lines: list[str]) -> _Columns | None:
    """The columns of a tidy list (every row the same width, numbers where numbers go, no empty
    names or aliases, no commas in names, no control characters), parsed with C-level loops;
    None when any row needs a closer look (`_parse_rows`)."""
    try:
        table = list(csv.reader(lines, strict=True))
    except csv.Error:
        return None
    if len(table) != len(lines):
        return None  # a quoted field ran over a line end
    if table and table[0] and _is_header(table[0]):
        del table[0]
    if not table:
        return None
    width = len(table[0])
    if not 1 <= width <= 4 or set(map(len, table)) != {width}:
        return None  # blank lines, or rows of several widths
    names = list(map(str.strip, map(itemgetter(0), table)))
    if (
        min(map(len, names)) == 0
        or max(map(len, names)) > MAX_TAG_LENGTH
        or "," in "\n".join(names)
    ):
        return None
    try:
        categories = list(map(int, map(itemgetter(1), table))) if width > 1 else []
        counts = list(map(int, map(itemgetter(2), table))) if width > 2 else []
    except ValueError:
        return None
    if counts and not 0 <= min(counts) <= max(counts) <= _MAX_COUNT:
        return None
    aliases = list(map(str.strip, map(itemgetter(3), table))) if width > 3 else []
    del table
    if aliases:
        joined = "\n".join(aliases)
        if (
            any(sign in joined for sign in (",,", ",\n", "\n,", ", ", " ,"))
            or joined.startswith(",")
            or joined.endswith(",")
            or (not joined.isascii() and _UNTIDY_ALIASES.search(joined))
        ):
            return None
    n = len(names)
    return names, categories or [-1] * n, counts or [0] * n, aliases or [""] * n


def _parse_rows(lines: list[str], check_control: bool) -> tuple[_Columns, int]:
    """The columns of any list, row by row, and how many rows were skipped as unreadable."""
    names: list[str] = []
    categories: list[int] = []
    counts: list[int] = []
    aliases: list[str] = []
    skipped = 0
    first = True
    for line in lines:
        line = line.strip()
        if not line:
            continue
        fields = _split_row(line)
        if fields is None:
            skipped += 1
            first = False
            continue
        if first:
            first = False
            if _is_header(fields):
                continue
        n = len(fields)
        name = fields[0].strip()
        category_text = fields[1].strip() if n > 1 else ""
        count_text = fields[2].strip() if n > 2 else ""
        try:
            category = int(category_text) if category_text else -1
            count = int(count_text) if count_text else 0
        except ValueError:
            skipped += 1
            continue
        if (
            not 0 <= count <= _MAX_COUNT
            or not name
            or "," in name
            or len(name) > MAX_TAG_LENGTH
            or (check_control and _CONTROL.search(name))
        ):
            skipped += 1
            continue
        names.append(name)
        categories.append(category)
        counts.append(count)
        if n > 3:
            parts = ",".join(fields[3:]).split(",")
            aliases.append(
                ",".join(
                    alias
                    for alias in map(str.strip, parts)
                    if alias and not (check_control and _CONTROL.search(alias))
                )
            )
        else:
            aliases.append("")
    return (names, categories, counts, aliases), skipped


class TagList:
    """A tag list loaded from a CSV file, searchable by substring. Make one with `TagList.load`.

    A name that appears twice (up to case and `_`/space) keeps its highest-count row; the other
    rows are counted in `duplicate_rows`.
    """

    path: Path
    skipped_rows: int  # rows left out because they could not be read: broken quoting, a
    # category or count that is not a whole number, a name that cannot be a tag, bad bytes
    duplicate_rows: int  # rows naming a tag that a row with a higher count already has

    def __init__(
        self,
        path: Path,
        names: list[str],
        categories: list[int],
        counts: list[int],
        aliases: list[str],
        skipped_rows: int = 0,
    ) -> None:
        """Index the columns of a list (aliases joined by ","); `load` reads them from a file."""
        self.path = path
        self.skipped_rows = skipped_rows
        keys = "\n".join(names).casefold().replace("_", " ").split("\n") if names else []
        alias_keys = (
            "\n".join(aliases).casefold().replace("_", " ").replace(",", "\t").split("\n")
            if names
            else []
        )
        # Ranking order: count (desc), then shorter name; within those, the list's order. One
        # int per row holds both (names are far shorter than 2**16), so one C-level sort does it.
        ranks = list(map(sub, map(len, keys), map(lshift, counts, repeat(_LENGTH_BITS))))
        order = sorted(range(len(names)), key=ranks.__getitem__)
        if len(set(keys)) != len(keys):
            seen: set[str] = set()
            order = [i for i in order if not (keys[i] in seen or seen.add(keys[i]))]
        self.duplicate_rows = len(names) - len(order)
        pick = _picker(order)
        self._names = pick(names)
        self._keys = pick(keys)
        self._aliases = pick(aliases)
        self._categories = array("q", pick(categories))
        self._counts = array("q", pick(counts))
        self._ranks = array("q", pick(ranks))
        self._by_key = dict(zip(self._keys, range(len(order)), strict=True))
        # Row r is _haystack[_starts[r]:_starts[r + 1]]: "\n" name "\t" aliases, normalised
        # (aliases separated by "\t").
        segments = list(
            map(add, map("\n".__add__, self._keys), map("\t".__add__, pick(alias_keys)))
        )
        self._starts = array("q", [0, *accumulate(map(len, segments))])
        self._haystack = "".join(segments)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TagList:
        """Read a tag list CSV.

        Raises `ValueError` with a clear message when the file is not a tag list (binary, not
        text, no readable rows, or more unreadable rows than readable ones); `OSError` (no such
        file, a folder, no permission) passes through.
        """
        source = Path(path)
        lines, skipped, check_control = _decode(source.read_bytes(), source)
        with _gc_paused():
            columns = None if check_control else _parse_simple(lines)
            if columns is None:
                columns, bad = _parse_rows(lines, check_control)
                skipped += bad
        del lines
        read = len(columns[0])
        if not read:
            detail = f"none of its {skipped} rows could be read" if skipped else "it has no rows"
            raise ValueError(f"{source} is not a CSV tag list: {detail}.")
        if skipped > read:
            raise ValueError(
                f"{source} is not a CSV tag list: {skipped} of its {skipped + read} rows could "
                "not be read (expected `name,category,count,aliases` rows)."
            )
        return cls(source, *columns, skipped_rows=skipped)

    def __len__(self) -> int:
        """How many tags the list has (duplicates left out)."""
        return len(self._names)

    def __repr__(self) -> str:
        return (
            f"TagList({str(self.path)!r}, {len(self)} tags, skipped_rows={self.skipped_rows}, "
            f"duplicate_rows={self.duplicate_rows})"
        )

    def _tag(self, row: int) -> ListedTag:
        aliases = self._aliases[row]
        return ListedTag(
            self._names[row],
            self._categories[row],
            self._counts[row],
            tuple(aliases.split(",")) if aliases else (),
        )

    def get(self, name: str) -> ListedTag | None:
        """The listed tag called `name` (case, `_` or space do not matter), or None."""
        row = self._by_key.get(normalise(name.strip()))
        return None if row is None else self._tag(row)

    def count(self, name: str) -> int:
        """The list count of the tag called `name` (as in `get`); 0 if it is not listed."""
        row = self._by_key.get(normalise(name.strip()))
        return 0 if row is None else self._counts[row]

    def search(self, query: str, limit: int = 20) -> list[ListedTag]:
        """At most `limit` listed tags whose name or an alias contains `query` (casefolded, `_`
        the same as a space, surrounding whitespace ignored). An empty query gives [].

        Ranked by list count (desc); among equal counts, prefix matches first (the name, or for
        a match through an alias only, that alias, starts with the query), then shorter names,
        then by name (casefolded, `_` as a space).
        """
        return [self._tag(row) for row, _, _ in self._matches(_needle(query), limit)]

    def _matches(self, needle: str, limit: int) -> list[tuple[int, str | None, bool]]:
        """The best `limit` rows containing `needle` (normalised already), ranked as in `search`,
        as `(row, the alias that matched or None when the name did, prefix match)`."""
        if not needle or limit <= 0 or not self._names:
            return []
        haystack, starts, ranks = self._haystack, self._starts, self._ranks
        found: list[int] = []
        pos = haystack.find(needle)
        while pos != -1:
            row = bisect_right(starts, pos) - 1
            found.append(row)
            if len(found) == limit:
                found += self._contenders(needle, row)
                break
            pos = haystack.find(needle, starts[row + 1])
        matches = [self._match(row, needle) for row in found]
        keys = self._keys
        matches.sort(
            key=lambda m: (ranks[m[0]] >> _LENGTH_BITS, not m[2], len(keys[m[0]]), keys[m[0]])
        )
        return matches[:limit]

    def _contenders(self, needle: str, row: int) -> list[int]:
        """Rows after `row` (the limit-th match) that can still outrank a match found so far:
        rows come by count (desc) and then length, so only matches with the same count and
        length (they may sort first by name) and prefix matches with the same count can."""
        haystack, starts, ranks = self._haystack, self._starts, self._ranks
        rank = ranks[row]
        same_length_end = starts[bisect_right(ranks, rank)]
        same_count_end = starts[bisect_left(ranks, ((rank >> _LENGTH_BITS) + 1) << _LENGTH_BITS)]
        rows: set[int] = set()
        for sought, end in (
            (needle, same_length_end),
            ("\n" + needle, same_count_end),
            ("\t" + needle, same_count_end),
        ):
            at = haystack.find(sought, starts[row + 1], end)
            while at != -1:
                hit = bisect_right(starts, at) - 1
                rows.add(hit)
                at = haystack.find(sought, starts[hit + 1], end)
        return sorted(rows)

    def _match(self, row: int, needle: str) -> tuple[int, str | None, bool]:
        """How `row` matches `needle`: through its name if it can, else through an alias (one
        that starts with the needle if there is one)."""
        key = self._keys[row]
        if needle in key:
            return row, None, key.startswith(needle)
        start = self._starts[row] + len(key) + 2  # past "\n", the name and "\t"
        alias_keys = self._haystack[start : self._starts[row + 1]].split("\t")
        contained = [i for i, alias in enumerate(alias_keys) if needle in alias]
        prefixed = [i for i in contained if alias_keys[i].startswith(needle)]
        best = (prefixed or contained)[0]
        return row, self._aliases[row].split(",")[best], bool(prefixed)


def complete_tags(
    query: str,
    dataset_counts: Mapping[str, int],
    tag_list: TagList | None,
    limit: int = 10,
) -> list[Suggestion]:
    """Autocomplete `query` from the data set's tags (`dataset_counts`: tag -> images) and,
    when given, a tag list: at most `limit` suggestions.

    Matching: the casefolded tag (or, for listed tags, an alias) contains the stripped query,
    `_` and space being the same. An empty query gives [].

    Ranking: count in the data set (desc), then count in the list (desc), then prefix matches
    (the tag, or the alias that matched, starts with the query), then shorter, then by name
    (casefolded, `_` as a space). A tag in both the data set and the list appears once, with
    both counts; a data-set tag that is only an alias in the list (`longhair`) is a tag of its
    own, with `in_list` 0. Two data-set spellings of one tag (`long_hair` and `long hair`) are
    both suggested, as they are both in the captions.

    Spelling of `Suggestion.tag`: a tag the data set already has (in `_` or space form, any case)
    is written as the data set writes it. A listed tag the data set lacks is written in the data
    set's style: if most of its tags with a `_` or a space (ignoring ones with both, and
    emoticons) use spaces, the list's `_` become spaces (`long_hair` -> `long hair`); otherwise,
    on a tie, or with no such tags, the list's form is kept. Emoticon-like tags (`^_^`, `>_<`,
    `o_o`; see `keeps_underscores`) always keep their underscores.
    """
    needle = _needle(query)
    if not needle or limit <= 0:
        return []
    spaced = underscored = 0
    found: list[tuple[str, str, int]] = []  # (tag, key, in_dataset)
    for tag, images in dataset_counts.items():
        key = tag.casefold().replace("_", " ")
        if needle in key:
            found.append((tag, key, images))
        if " " in tag:
            if "_" not in tag:
                spaced += 1
        elif "_" in tag and not keeps_underscores(tag):
            underscored += 1

    ranked: list[tuple[tuple[int, int, bool, int, str, str], Suggestion]] = []
    for tag, key, images in found:
        listed = tag_list.count(key) if tag_list is not None else 0
        rank = (-images, -listed, not key.startswith(needle), len(key), key, tag)
        ranked.append((rank, Suggestion(tag, images, listed, None)))

    if tag_list is not None and sum(1 for _, _, images in found if images > 0) < limit:
        known = {key for _, key, _ in found}
        use_spaces = spaced > underscored
        for row, alias, prefix in tag_list._matches(needle, limit + len(known)):
            key = tag_list._keys[row]
            if key in known:
                continue
            name = tag_list._names[row]
            if use_spaces and not keeps_underscores(name):
                name = name.replace("_", " ")
            listed = tag_list._counts[row]
            rank = (0, -listed, not prefix, len(key), key, name)
            ranked.append((rank, Suggestion(name, 0, listed, alias)))

    ranked.sort(key=lambda pair: pair[0])
    return [suggestion for _, suggestion in ranked[:limit]]
