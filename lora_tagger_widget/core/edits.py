"""Batch edits, paste, per-scope tag counts and undo/redo of a data set.

`BatchEditing` is mixed into `Dataset`: it plans and applies batch operations (`_batch.plan`) over
a scope of images, and replays the entries of the undo history (`_history.History`). Every caption
it changes goes through the data set's one edit path, `Dataset._editing` / `Dataset._hold`, which
keeps tags, vocabulary and unsaved tracking current, records one history entry per action and
tells the listeners once.

Decisions:

* A scope is None (every image) or positions and/or ids; it is taken in data set order, each
  image once. Images whose captions are locked (`Item.locked_reason`) are left out of the plan
  and listed in `BatchReport.skipped_locked`; so are captions too large to edit as tags
  (`tag_edit_refusal`), listed in `BatchReport.skipped_large`.
* An operation given as a dict without a "trigger" key gets the data set's `trigger` (so the
  trigger word stays first); an `Operation` is used as it is.
* Frequency sorting counts tags over the whole data set (`Dataset.vocabulary`).
* An undo (redo) refuses, with `UndoConflictError` and changing nothing, when any caption of the
  entry is not as the entry left (found) it: edited since, changed on disk (a conflict), locked,
  or its image is gone. After one, the auto-tagging suggestions of its images follow their tags
  (undoing an acceptance opens the suggestion again).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from .batch import BatchPreview, Caption, Operation, plan, plan_edits, quoted_tags
from .captions import counts_as_tags, edit_caption, split_tags, tag_edit_refusal, validate_tags
from .gc import gc_paused
from .history import CaptionEdit, Entry, History

if TYPE_CHECKING:
    from .dataset import Item, ItemRef
    from .vocabulary import Vocabulary

    Scope = Iterable[ItemRef | Item] | ItemRef | None

PASTE_MODES = ("add", "replace")

# Control characters a caption may not hold: C0 and C1 except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class UndoConflictError(Exception):
    """An undo or redo refused because captions it would change are no longer as the history
    left them; nothing was changed. `problems` pairs each image id with what is wrong."""

    def __init__(self, action: str, label: str, problems: list[tuple[str, str]]) -> None:
        self.action = action  # "undo" or "redo"
        self.label = label
        self.problems = problems
        self.ids = [item_id for item_id, _ in problems]
        shown = "; ".join(f"{item_id} {why}" for item_id, why in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(
            f"Cannot {action} {label!r}: {shown}{more}. Nothing was changed."
        )


@dataclass(frozen=True)
class BatchReport(BatchPreview):
    """A `BatchPreview` of a batch edit on a data set, with what the data set adds to it.

    operation: the operation (None for a paste that replaces the tags: no `Operation` kind does
    that). `scope_size` counts the captions looked at, locked and too large ones not included.
    skipped_locked: ids of the images in the scope left out because their captions are locked.
    skipped_large: ids of the images left out because their captions are too large to edit as
    tags (`tag_edit_refusal`).
    label: the history label of the edit, e.g. 'Remove "x" (3 images)'.
    """

    operation: Operation | None  # type: ignore[assignment]
    skipped_locked: tuple[str, ...] = ()
    label: str = ""
    skipped_large: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line, e.g. '12 of 40 images change: +ohwx (12); 2 locked images left out'."""
        text = super().summary()
        locked, large = len(self.skipped_locked), len(self.skipped_large)
        if locked:
            text += f"; {locked} locked image{'' if locked == 1 else 's'} left out"
        if large:
            text += (f"; {large} image{'' if large == 1 else 's'} left out: caption too large "
                     "to edit as tags")
        return text

    @property
    def skipped(self) -> tuple[str, ...]:
        """Every image of the scope left out: locked, then too large."""
        return self.skipped_locked + self.skipped_large


def check_caption_text(text: object) -> str:
    """`text` when it can be a caption's text; `ValueError` for control characters other than
    tab and line breaks (NUL included), `TypeError` when it is not a string."""
    if not isinstance(text, str):
        raise TypeError(f"A caption must be text, not {type(text).__name__}.")
    bad = _CONTROL.search(text)
    if bad is not None:
        raise ValueError(
            f"A caption cannot contain the control character U+{ord(bad.group()):04X} (at "
            f"character {bad.start() + 1}); only tabs and line breaks are allowed."
        )
    lone = _SURROGATE.search(text)
    if lone is not None:
        raise ValueError(
            f"A caption cannot contain the lone surrogate U+{ord(lone.group()):04X} (at "
            f"character {lone.start() + 1}): it is not valid Unicode, so no file can hold it."
        )
    return text


def _counted(headline: str, images: int) -> str:
    """A history label: `headline` and how many images it changed, e.g. 'Remove "x" (3 images)'."""
    return f"{headline} ({images} image{'' if images == 1 else 's'})"


class BatchEditing:
    """Batch edits, paste, per-scope tag counts and undo/redo (mixed into `Dataset`)."""

    if TYPE_CHECKING:  # provided by Dataset
        history: History
        vocabulary: Vocabulary
        _lock: threading.RLock
        _items: list[Item]
        _by_id: dict[str, int]

        @property
        def trigger(self) -> str | None: ...
        def index_of(self, ref: ItemRef | Item) -> int: ...
        def _editing(self, label: str = "", *, record: bool = True) -> (
            AbstractContextManager[Any]): ...
        def _hold(self, action: Any, item: Item, text: str | None,
                  tags: list[str] | None = None) -> None: ...
        def _suggestions_follow(self, image_ids: list[str]) -> None: ...

    # Batch operations

    def preview_batch(
        self, operation: Operation | Mapping[str, Any], scope: Scope = None
    ) -> BatchReport:
        """What `apply_batch(operation, scope)` would do now, changing nothing.

        `operation`: an `Operation` or its dict (`Operation.from_dict`; without a "trigger" key it
        gets the data set's `trigger`). `scope`: None for every image, else positions and/or ids.
        Locked captions are left out and listed in `skipped_locked`. `ValueError` for an invalid
        operation or a caption it cannot edit; `KeyError`/`IndexError` for an unknown image.
        """
        op = self._operation(operation)
        with self._lock, gc_paused():
            return self._plan(scope, self._planner(op), op.describe(), op)

    def apply_batch(
        self, operation: Operation | Mapping[str, Any], scope: Scope = None
    ) -> BatchReport:
        """Apply `operation` to the captions in `scope` (see `preview_batch`) and return what it
        did: planned again under the lock, so it matches the captions as they are now.

        The captions change in memory (one `Change("tags", ids)`, one history entry) and are
        written by the next `save()`, like any edit. Locked captions are left as they are.
        """
        op = self._operation(operation)
        return self._apply(scope, self._planner(op), op.describe(), op)

    def paste_tags(
        self, scope: Scope, tags: Iterable[str] | str, mode: str = "add"
    ) -> BatchReport:
        """Paste `tags` (a list, or one comma-separated string) onto every image in `scope`
        (None: every image): `mode="add"` adds those a caption lacks at the end, `"replace"`
        makes each caption's tags exactly `tags` (the rest of its text kept as it is). Locked
        captions are left out. One history entry and one `Change` for the whole paste."""
        if mode not in PASTE_MODES:
            raise ValueError(f'mode must be "add" or "replace", not {mode!r}.')
        new = list(dict.fromkeys(validate_tags(split_tags(tags) if isinstance(tags, str)
                                               else tags)))
        if not new:
            raise ValueError("Nothing to paste: no tags were given.")
        if mode == "add":
            op = Operation("add", tags=tuple(new))
            return self._apply(scope, self._planner(op), f"Paste {quoted_tags(new)}", op)
        return self._apply(scope, lambda captions: _plan_exact(new, captions),
                           f"Paste {quoted_tags(new)} replacing the tags", None)

    def tag_counts(self, scope: Scope = None) -> dict[str, int]:
        """How many images have each tag, among `scope` (positions and/or ids) or all images
        (as the vocabulary counts them: a caption too large to be a tag list has none)."""
        if scope is None:
            return self.vocabulary.as_dict()
        counts: Counter[str] = Counter()
        with self._lock:
            for position in self._positions(scope):
                tags = self._items[position]._tags
                if counts_as_tags(tags):
                    counts.update(set(tags))
        return dict(counts)

    def _operation(self, operation: Operation | Mapping[str, Any]) -> Operation:
        if isinstance(operation, Operation):
            return operation
        if isinstance(operation, Mapping) and "trigger" not in operation and self.trigger:
            operation = {**operation, "trigger": self.trigger}
        return Operation.from_dict(operation)

    def _planner(self, op: Operation) -> Callable[[list[Caption]], BatchPreview]:
        """`plan` for `op`; sorting by frequency counts tags over the whole data set, when the
        plan is made (under the lock)."""
        by_frequency = op.kind == "sort" and op.order == "frequency"
        return lambda captions: plan(
            op, captions, self.vocabulary.as_dict() if by_frequency else None)

    def _apply(self, scope: Scope, planner: Callable[[list[Caption]], BatchPreview],
               headline: str, op: Operation | None) -> BatchReport:
        with self._editing() as action:
            report = self._plan(scope, planner, headline, op)
            action.label = report.label
            for change in report.changes:
                self._hold(action, self._items[self._by_id[change.id]], change.after,
                           change.after_tags)
        return report

    def _plan(self, scope: Scope, planner: Callable[[list[Caption]], BatchPreview],
              headline: str, op: Operation | None) -> BatchReport:
        """Plan over the scope's editable captions (call with the lock held). A caption the
        operation would make too large to edit as tags is left out too, and the plan made again
        without it."""
        editable, locked, large = [], [], []
        for position in self._positions(scope):
            item = self._items[position]
            if item.locked_reason:
                locked.append(item)
            elif tag_edit_refusal(item._text, item._tags):
                large.append(item)
            else:
                editable.append(item)
        preview = planner([(item.id, item._text, item._tags) for item in editable])
        grown = {change.id for change in preview.changes if tag_edit_refusal(
            change.after, split_tags(change.after) if change.after_tags is None
            else change.after_tags)}
        if grown:
            large += [item for item in editable if item.id in grown]
            large.sort(key=lambda item: self._by_id[item.id])
            editable = [item for item in editable if item.id not in grown]
            preview = planner([(item.id, item._text, item._tags) for item in editable])
        for change in preview.changes:
            if _CONTROL.search(change.after) and len(_CONTROL.findall(change.after)) > len(
                    _CONTROL.findall(change.before)):
                raise ValueError(f"Caption {change.id!r}: the edit would put a control "
                                 "character in it; only tabs and line breaks are allowed.")
        values = {field.name: getattr(preview, field.name) for field in fields(preview)}
        values["operation"] = op
        return BatchReport(**values, skipped_locked=tuple(item.id for item in locked),
                           label=_counted(headline, len(preview.changes)),
                           skipped_large=tuple(item.id for item in large))

    def _positions(self, scope: Scope) -> Iterable[int]:
        """The positions `scope` names, in data set order, each once."""
        if scope is None:
            return range(len(self._items))
        if isinstance(scope, (str, int)):
            scope = [scope]
        return sorted({self.index_of(ref) for ref in scope})

    # Undo and redo

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return self.history.can_undo()

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return self.history.can_redo()

    def history_labels(self) -> tuple[list[str], list[str]]:
        """The labels of the edits that can be undone (newest first) and redone (next first)."""
        return self.history.labels()

    def undo(self) -> Entry | None:
        """Undo the newest edit: its captions get back the text they had before it (written by
        the next `save()`; a caption that had no file loses the file it got). Returns the entry
        undone, or None when there is nothing to undo. `UndoConflictError` when a caption changed
        since the edit (or its image is gone); then nothing changes."""
        with self._editing(record=False) as action, self.history.transaction():
            entry = self.history.peek_undo()
            if entry is None:
                return None
            self._replay(action, entry.inverse(), "undo")
            self.history.undone()
        self._suggestions_follow([edit.id for edit in entry.edits])
        return entry

    def redo(self) -> Entry | None:
        """Apply again the edit undone last; returns it, or None when there is nothing to redo.
        `UndoConflictError` (nothing changes) when a caption changed since the undo."""
        with self._editing(record=False) as action, self.history.transaction():
            entry = self.history.peek_redo()
            if entry is None:
                return None
            self._replay(action, entry, "redo")
            self.history.redone()
        self._suggestions_follow([edit.id for edit in entry.edits])
        return entry

    def _replay(self, action: Any, entry: Entry, verb: str) -> None:
        """Set each caption of `entry` from its `before` to its `after`, or refuse them all."""
        problems = [(edit.id, why) for edit in entry.edits if (why := self._refusal(edit))]
        if problems:
            raise UndoConflictError(verb, entry.label, problems)
        for edit in entry.edits:
            self._hold(action, self._items[self._by_id[edit.id]], edit.after)

    def _refusal(self, edit: CaptionEdit) -> str | None:
        """Why `edit` cannot be applied now (its caption is not at its `before`), or None."""
        position = self._by_id.get(edit.id)
        if position is None:
            return "is no longer in the data set"
        item = self._items[position]
        if item.conflict is not None:
            return "changed on disk; resolve that conflict first"
        if item.locked_reason:
            return f"cannot be edited now ({item.locked_reason})"
        if not item.has_caption_file and edit.before is not None and item.caption_absent:
            return "lost its caption file (deleted on disk) since"
        if item._text != (edit.before or ""):
            return "was changed since"
        return None


def _plan_exact(tags: list[str], captions: Iterable[Caption]) -> BatchPreview:
    """What making each caption's tags exactly `tags` would change (operation left None)."""
    return plan_edits(lambda text, known: (edit_caption(text, tags, known), known, tags),
                      captions)
