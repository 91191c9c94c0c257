"""Previews and thumbnails made on the worker pool: which request supersedes which, and where
the finished reply goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .workers import WorkPool

if TYPE_CHECKING:
    from .messages import Reply


class ImageJobs:
    """Image replies made on a `WorkPool` of `workers` threads and handed to `deliver` when done.

    A new preview to show supersedes every earlier one, and a new region (zoom) every earlier
    one; a thumbnails request of a higher group supersedes the queued ones of lower groups."""

    def __init__(self, workers: int, deliver: Callable[[Reply], None]) -> None:
        self._pool = WorkPool(workers)
        self._deliver = deliver
        self._preview_group = 0
        self._region_group = 0

    def run(self, lane: str, group: int, priority: int,
            make: Callable[[], Reply], superseded: Callable[[], Reply]) -> None:
        """Make a reply on the pool and deliver it (or `superseded()` when a newer request
        took its place first); see `WorkPool.submit`."""
        self._pool.submit(lambda: self._deliver(make()), lane=lane, group=group,
                          priority=priority, superseded=lambda: self._deliver(superseded()))

    def preview_group(self, purpose: str) -> int:
        """The group of a preview request: a new "show" supersedes all earlier ones."""
        if purpose == "show":
            self._preview_group += 1
            self._pool.advance("preview", self._preview_group)
        return self._preview_group

    def region_group(self) -> int:
        """The group of a region request: a new one supersedes all earlier ones."""
        self._region_group += 1
        self._pool.advance("region", self._region_group)
        return self._region_group

    def thumbs_group(self, group: int) -> int:
        """The group of a thumbnails request: a higher one supersedes queued lower ones."""
        self._pool.advance("thumbs", group)
        return group

    def thumbs_superseded(self, group: int) -> bool:
        """Whether a newer thumbnails request came since `group`'s (stop making these)."""
        return group < self._pool.latest("thumbs")

    def close(self) -> None:
        """Stop taking jobs; queued ones get their superseded reply, running ones finish."""
        self._pool.close()
