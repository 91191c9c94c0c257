"""The tag vocabulary of a data set: how many images have each tag, kept current edit by edit.

A caption too large to be a tag list (`counts_as_tags`) is counted as having no tags. The
vocabulary notes which tags' counts change, so that a listener (the widget's palette) can send
only those: `version` grows with each, and `changed_since(version)` names them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from types import MappingProxyType

from .captions import counts_as_tags, replaced_at

CHANGE_LOG = 100_000  # changed tags remembered for `changed_since`; older ones are forgotten


class Vocabulary:
    """Tag -> number of images that have it (a tag counts once per image)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._changed: list[str] = []  # tags whose counts changed, oldest first (repeats kept)
        self._changed_from = 0  # the version before `_changed[0]` changed
        self._log_lock = threading.Lock()

    def add_all(self, tag_lists: Iterable[Sequence[str]]) -> None:
        """Count each of many images with its tags (every tag counts as changed)."""
        self._counts.update(chain.from_iterable(map(set, filter(counts_as_tags, tag_lists))))
        with self._log_lock:
            self._changed_from = self.version + 1
            self._changed.clear()

    def replace(self, old: Sequence[str], new: Sequence[str]) -> None:
        """One image's tags changed from `old` to `new`."""
        counts = self._counts
        gone, came = _presence_change(old if counts_as_tags(old) else (),
                                      new if counts_as_tags(new) else ())
        for tag in gone:
            left = counts[tag] - 1
            if left > 0:
                counts[tag] = left
            else:
                del counts[tag]
        for tag in came:
            counts[tag] = counts.get(tag, 0) + 1
        with self._log_lock:
            changed = self._changed
            changed.extend(gone)
            changed.extend(came)
            if len(changed) > CHANGE_LOG:
                forget = len(changed) - CHANGE_LOG // 2
                del changed[:forget]
                self._changed_from += forget

    @property
    def version(self) -> int:
        """A number that grows whenever a tag's count changes."""
        return self._changed_from + len(self._changed)

    def changed_since(self, version: int) -> set[str] | None:
        """The tags whose counts changed since `version` was read; None when that was too long
        ago to tell (take every tag as changed then)."""
        with self._log_lock:
            if not self._changed_from <= version <= self.version:
                return None
            return set(self._changed[version - self._changed_from :])

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """Tags with their counts, most used first, then by name (`rank`)."""
        ranked = sorted(self._counts.items(), key=lambda pair: rank(*pair))
        return ranked if n is None else ranked[:n]

    @property
    def counts(self) -> Mapping[str, int]:
        """The counts, read-only and live (no copy)."""
        return MappingProxyType(self._counts)

    def __getitem__(self, tag: str) -> int:
        return self._counts.get(tag, 0)

    def __contains__(self, tag: object) -> bool:
        return tag in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def as_dict(self) -> dict[str, int]:
        """A copy of the counts."""
        return dict(self._counts)

    def __repr__(self) -> str:
        top = ", ".join(f"{tag!r}: {n}" for tag, n in self.most_common(5))
        more = f", … ({len(self)} tags)" if len(self) > 5 else ""
        return f"Vocabulary({{{top}{more}}})"


def rank(tag: str, count: int) -> tuple[int, str, str]:
    """Where a tag goes in a list of tags with counts: most used first, then by name ignoring
    case, then as written. Case is folded as upper then lower case, which JavaScript does the
    same way, so the front end's palette (js/src/editor/palettestore.js) orders exactly so too."""
    return -count, tag.upper().lower(), tag


def _presence_change(old: Sequence[str], new: Sequence[str]) -> tuple[Iterable[str], Iterable[str]]:
    """The tags `old` has and `new` lacks, and those `new` has and `old` lacks."""
    at = replaced_at(old, new)
    if at is not None:
        return (() if old[at] in new else (old[at],)), (() if new[at] in old else (new[at],))
    old_set, new_set = set(old), set(new)
    return old_set - new_set, new_set - old_set
