"""The images a view shows, in order: all of a data set's, or those a filter query matches.

Positions in the view ("the 3rd of 40 matches") map to positions in the data set. After an
edit, only the edited items are matched again. The item on screen stays in the view even when
an edit makes it stop matching, so it does not vanish while the person works on it; it leaves
when they move away.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..core.query import Query, parse_query

if TYPE_CHECKING:
    from ..core.dataset import Dataset


class FilteredView:
    """A data set seen through a filter query (blank: every image)."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._query: Query = parse_query("")
        self._positions: list[int] | None = None  # None: every position
        self._kept: int | None = None  # a non-matching position kept while it is on screen

    @property
    def query(self) -> str:
        """The filter query's text ("" when unfiltered)."""
        return self._query.text

    @property
    def filtered(self) -> bool:
        """Whether a filter is set."""
        return self._positions is not None

    def set_query(self, text: str, keep: int | None = None) -> None:
        """Filter by `text` (raises `QueryError` and keeps the old filter when it is invalid);
        `keep`: a position to keep in the view while it is on screen."""
        query = parse_query(text)
        self._query = query
        self._kept = None
        if not query.text.strip():
            self._positions = None
            return
        self._positions = self._dataset.matching(query)
        self.keep(keep)

    def keep(self, position: int | None) -> None:
        """Keep `position` (the one on screen) in the view; the one kept before leaves unless
        it matches."""
        if self._positions is None:
            return
        if self._kept is not None and self._kept != position:
            self._drop_unless_matching(self._kept)
        self._kept = position
        if position is not None and position not in self:
            insort(self._positions, position)

    def update(self, positions: Iterable[int]) -> None:
        """Match the items at `positions` again (they were edited)."""
        if self._positions is None:
            return
        changed = sorted(set(positions))
        matches = set(self._dataset.matching(self._query, changed))
        for position in changed:
            if position in matches or position == self._kept:
                if position not in self:
                    insort(self._positions, position)
            elif position in self:
                del self._positions[bisect_left(self._positions, position)]

    def __len__(self) -> int:
        return len(self._dataset) if self._positions is None else len(self._positions)

    def __contains__(self, position: object) -> bool:
        if self._positions is None:
            return isinstance(position, int) and 0 <= position < len(self._dataset)
        at = bisect_left(self._positions, position)
        return at < len(self._positions) and self._positions[at] == position

    def position_at(self, place: int) -> int:
        """The data set position of the view's `place`-th image (raises `IndexError`)."""
        if not 0 <= place < len(self):
            raise IndexError(f"No image at place {place} of {len(self)}.")
        return place if self._positions is None else self._positions[place]

    def place_of(self, position: int) -> int | None:
        """Where data set position `position` is in the view, or None when it is not."""
        if position not in self:
            return None
        return position if self._positions is None else bisect_left(self._positions, position)

    def positions(self, start: int = 0, count: int | None = None) -> list[int]:
        """The data set positions of the view's places `start...` (`count` of them or all)."""
        stop = len(self) if count is None else min(len(self), max(start, 0) + max(count, 0))
        if self._positions is None:
            return list(range(max(start, 0), stop))
        return self._positions[max(start, 0) : stop]

    def after(self, position: int) -> int | None:
        """The view's next data set position after `position` (which need not be in it)."""
        if self._positions is None:
            return position + 1 if position + 1 < len(self._dataset) else None
        at = bisect_right(self._positions, position)
        return self._positions[at] if at < len(self._positions) else None

    def before(self, position: int) -> int | None:
        """The view's data set position before `position` (which need not be in it)."""
        if self._positions is None:
            return position - 1 if position > 0 else None
        at = bisect_left(self._positions, position)
        return self._positions[at - 1] if at > 0 else None

    def _drop_unless_matching(self, position: int) -> None:
        if position in self and not self._dataset.matching(self._query, [position]):
            del self._positions[bisect_left(self._positions, position)]
