"""Restoring captions to their originals (mixed into `Dataset`): what each caption was before the
tool first changed it (`originals.py` keeps that), put back through the normal edit path, so a
restore is one undoable step and its captions are written by the next save like any edit.

Decisions:

* The restored caption is the original's text as `decode_caption` reads it. A UTF-8 original,
  with or without a byte-order mark, CRLF and several lines included, is written back byte for
  byte. An original in another encoding (cp1252, UTF-16, ...) was saved as UTF-8 when the user
  allowed its first edit; restoring gives back its exact text, saved as UTF-8: the edit path
  writes UTF-8 only. Its bytes stay in the store (`OriginalStore.data`).
* An image that had no caption file gets "no caption file" back: the next save removes the file.
* A caption that was never changed by the tool has the file on disk as its original (an unsaved
  edit differs from it; a restore drops that edit, as an undoable step).
* A caption whose edits are refused (`Item.locked_reason`) is left out; so is one whose original
  was too large to keep or cannot be read (named in `RestoreReport.not_kept`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .batch import CaptionChange, plan_each
from .edits import BatchReport
from .files import decode_caption
from .originals import Original, OriginalNotKeptError, OriginalStore

if TYPE_CHECKING:
    from .dataset import Item, ItemRef
    from .edits import Scope
    from .query import Query

RESTORE_LABEL = "Restore the original captions"


@dataclass(frozen=True)
class RestoreReport(BatchReport):
    """What restoring the originals of a scope would do, or did (a `BatchReport` with no
    operation). not_kept: ids left out because their original was not kept (too large) or
    cannot be read."""

    not_kept: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line, e.g. '3 of 40 images change: -ohwx (3); 1 locked image left out'."""
        text = super().summary()
        if self.not_kept:
            n = len(self.not_kept)
            text += (f"; {n} image{'' if n == 1 else 's'} left out: original not kept "
                     "(too large) or unreadable")
        return text

    @property
    def skipped(self) -> tuple[str, ...]:
        """Every image of the scope left out."""
        return self.skipped_locked + self.skipped_large + self.not_kept


class Restoring:
    """`original_of`, `restore_original`, `restore_originals` (mixed into `Dataset`)."""

    if TYPE_CHECKING:  # provided by Dataset
        originals: OriginalStore
        _lock: threading.RLock
        _items: list[Item]
        _by_id: dict[str, int]

        def __getitem__(self, ref: ItemRef) -> Item: ...
        def _positions(self, scope: Scope) -> Iterable[int]: ...
        def matching(self, query: str | Query, positions: Iterable[int] | None = None
                     ) -> list[int]: ...
        def _editing(self, label: str = "", *, record: bool = True) -> (
            AbstractContextManager[Any]): ...
        def _hold(self, action: Any, item: Item, text: str | None,
                  tags: list[str] | None = None) -> None: ...
        @staticmethod
        def _refuse_locked(item: Item) -> None: ...

    def original_of(self, ref: ItemRef) -> str | None:
        """The caption `ref` had before the tool first changed it: its text, or None when it
        had no caption file. `OriginalNotKeptError` when it was too large to keep or its stored
        copy cannot be read."""
        item = self[ref]
        with self._lock:
            return self._original_text(item, self.originals.get(item.id))

    def differs_from_original(self, ref: ItemRef) -> bool:
        """Whether the caption `ref` holds now (saved or not) differs from its original; False
        when the original is not known (not kept, or unreadable)."""
        item = self[ref]
        with self._lock:
            return self._differs(item, self.originals.get(item.id))

    def count_changed_from_originals(self, scope: Scope = None, *,
                                     query: str | Query | None = None) -> int:
        """How many images of `scope` (and `query`) differ from their originals, locked ones
        included."""
        with self._lock:
            items = [self._items[p] for p in self._restore_positions(scope, query)]
            recorded = self.originals.recorded(item.id for item in items)
            return sum(1 for item in items if self._differs(item, recorded.get(item.id)))

    def preview_restore_originals(self, scope: Scope = None, *,
                                  query: str | Query | None = None) -> RestoreReport:
        """What `restore_originals(scope, query=query)` would do now, changing nothing."""
        with self._lock:
            return self._plan_restore(scope, query, RESTORE_LABEL)[0]

    def restore_originals(self, scope: Scope = None, *,
                          query: str | Query | None = None) -> RestoreReport:
        """Give the captions of `scope` (positions and/or ids; None: every image), narrowed to
        those `query` matches when given, the captions they had before the tool first changed
        them, as one undoable edit (written by the next `save()`, conflicts reported as for any
        edit). Locked captions and originals not kept are left out and listed in the report."""
        return self._restore(scope, query, RESTORE_LABEL)

    def restore_original(self, ref: ItemRef) -> str | None:
        """Give the caption of `ref` its original back (see `restore_originals`); returns the
        caption (None: no caption file). `CaptionLockedError` when its edits are refused,
        `OriginalNotKeptError` when its original was not kept or cannot be read."""
        item = self[ref]

        def check() -> None:
            self._refuse_locked(item)
            self._original_text(item, self.originals.get(item.id))  # raises: not restorable

        self._restore([item.id], None, f"Restore the original caption of {item.id}", check)
        return item._caption_or_none()

    def _restore(self, scope: Scope, query: str | Query | None, headline: str,
                 check: Callable[[], None] | None = None) -> RestoreReport:
        """Restore as one action (`check()` first, under the lock: it raises to refuse)."""
        with self._editing() as action:
            if check is not None:
                check()
            report, originals = self._plan_restore(scope, query, headline)
            action.label = report.label
            for change in report.changes:
                self._hold(action, self._items[self._by_id[change.id]], originals[change.id])
        return report

    def _restore_positions(self, scope: Scope, query: str | Query | None) -> list[int]:
        positions = list(self._positions(scope))
        return positions if query is None else self.matching(query, positions)

    def _plan_restore(self, scope: Scope, query: str | Query | None,
                      headline: str) -> tuple[RestoreReport, dict[str, str | None]]:
        """The report, and the original of each image it changes (the lock held)."""
        locked, not_kept, candidates = [], [], []
        originals: dict[str, str | None] = {}
        items = [self._items[p] for p in self._restore_positions(scope, query)]
        recorded = self.originals.recorded(item.id for item in items)
        for item in items:
            if item.locked_reason:
                locked.append(item.id)
                continue
            try:
                original = self._original_text(item, recorded.get(item.id))
            except OriginalNotKeptError:
                not_kept.append(item.id)
                continue
            candidates.append(item)
            if item._caption_or_none() != original:
                originals[item.id] = original
        preview = plan_each(lambda image_id: _to(
            (originals[image_id] or "") if image_id in originals else None),
                            [(item.id, item._text, item._tags) for item in candidates])
        changes = _with_files_removed(preview.changes, candidates, originals)
        n = len(changes)
        label = headline if headline != RESTORE_LABEL else (
            f"{headline} ({n} image{'' if n == 1 else 's'})")
        report = RestoreReport(
            operation=None, scope_size=preview.scope_size, changes=changes,
            tags_added=preview.tags_added, tags_removed=preview.tags_removed,
            skipped_locked=tuple(locked), label=label, not_kept=tuple(not_kept))
        return report, originals

    def _differs(self, item: Item, original: Original | None) -> bool:
        """`differs_from_original` of `item`, whose recorded original is `original`."""
        try:
            return item._caption_or_none() != self._original_text(item, original)
        except OriginalNotKeptError:
            return False

    def _original_text(self, item: Item, original: Original | None) -> str | None:
        """The original caption of `item` (the lock held; see `original_of`), whose recorded
        original is `original` (None: never changed by the tool, so the file on disk is)."""
        if original is None:
            return item._original
        data = self.originals.data(original)
        return None if data is None else decode_caption(data)[0]


def _to(text: str | None) -> Callable[[str, list[str] | None],
                                      tuple[str, list[str] | None, list[str] | None]]:
    """The edit that makes a caption `text` ("" for no caption file); none when `text` is
    unknown (the caption is kept)."""
    return lambda current, _known: (current if text is None else text, None, None)


def _with_files_removed(changes: tuple[CaptionChange, ...], items: list[Item],
                        originals: dict[str, str | None]) -> tuple[CaptionChange, ...]:
    """`changes`, with the captions whose text stays but whose file comes or goes (an empty
    caption and "no caption file": the plan left them out) in their place."""
    changed = {change.id for change in changes}
    removals = {item.id for item in items if item.id in originals and item.id not in changed}
    if not removals:
        return changes
    by_id = {change.id: change for change in changes}

    def ordered() -> Iterator[CaptionChange]:
        for item in items:
            if item.id in by_id:
                yield by_id[item.id]
            elif item.id in removals:
                yield CaptionChange(item.id, item._text, "", (), (), ())
    return tuple(ordered())
