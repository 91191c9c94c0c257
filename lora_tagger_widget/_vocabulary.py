"""The tag vocabulary of a data set: how many images have each tag, kept current edit by edit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator


class Vocabulary:
    """Tag -> number of images that have it (a tag counts once per image)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, tags: Iterable[str]) -> None:
        """Count one more image with `tags`."""
        self._counts.update(set(tags))

    def remove(self, tags: Iterable[str]) -> None:
        """Count one image with `tags` less."""
        for tag in set(tags):
            left = self._counts[tag] - 1
            if left > 0:
                self._counts[tag] = left
            else:
                del self._counts[tag]

    def replace(self, old: Iterable[str], new: Iterable[str]) -> None:
        """One image's tags changed from `old` to `new`."""
        old_set, new_set = set(old), set(new)
        self.remove(old_set - new_set)
        self.add(new_set - old_set)

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """Tags with their counts, most used first, then by name."""
        ranked = sorted(self._counts.items(), key=lambda pair: (-pair[1], pair[0].casefold()))
        return ranked if n is None else ranked[:n]

    def complete(
        self, query: str, limit: int = 10, extra: Iterable[str] = ()
    ) -> list[tuple[str, int]]:
        """Tags containing `query` (case-insensitive), most used first, then those starting with
        it, then by name. `extra` tags (pinned ones no image has yet) count as used 0 times."""
        needle = query.strip().casefold()
        if not needle:
            return []
        hits = [(tag, n) for tag, n in self._counts.items() if needle in tag.casefold()]
        hits += [
            (tag, 0) for tag in extra if tag not in self._counts and needle in tag.casefold()
        ]
        hits.sort(key=lambda pair: (-pair[1], not pair[0].casefold().startswith(needle), pair[0]))
        return hits[:limit]

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
