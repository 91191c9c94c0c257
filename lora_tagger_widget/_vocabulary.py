"""The tag vocabulary of a data set: how many images have each tag, kept current edit by edit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from types import MappingProxyType

from ._captions import replaced_at


class Vocabulary:
    """Tag -> number of images that have it (a tag counts once per image)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add_all(self, tag_lists: Iterable[Iterable[str]]) -> None:
        """Count each of many images with its tags."""
        self._counts.update(chain.from_iterable(map(set, tag_lists)))

    def replace(self, old: Sequence[str], new: Sequence[str]) -> None:
        """One image's tags changed from `old` to `new`."""
        counts = self._counts
        gone, came = _presence_change(old, new)
        for tag in gone:
            left = counts[tag] - 1
            if left > 0:
                counts[tag] = left
            else:
                del counts[tag]
        for tag in came:
            counts[tag] = counts.get(tag, 0) + 1

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """Tags with their counts, most used first, then by name."""
        ranked = sorted(self._counts.items(), key=lambda pair: (-pair[1], pair[0].casefold()))
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


def _presence_change(old: Sequence[str], new: Sequence[str]) -> tuple[Iterable[str], Iterable[str]]:
    """The tags `old` has and `new` lacks, and those `new` has and `old` lacks."""
    at = replaced_at(old, new)
    if at is not None:
        return (() if old[at] in new else (old[at],)), (() if new[at] in old else (new[at],))
    old_set, new_set = set(old), set(new)
    return old_set - new_set, new_set - old_set
