"""TaggerWidget: the notebook view of a `Dataset`. It holds what the view shows now and translates
the front end's requests into data set calls; it has no tagging logic of its own."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ._dataset import (
    CaptionConflictError,
    CaptionWriteError,
    Change,
    Dataset,
    Item,
    SaveReport,
)
from ._debounce import Debouncer
from ._messages import handle_request

STATIC = Path(__file__).parent / "static"
MAX_VIEW_TAGS = 1_000  # traits stay small even for a pathological caption
MAX_VIEW_CAPTION = 20_000


class TaggerWidget(anywidget.AnyWidget):
    """A tagging studio for the images of a folder, in a notebook cell.

    `TaggerWidget("./imgs")` shows the first image (or where the last session stopped), its tags
    and the data set's tag palette. Edits are saved automatically within a second (`autosave`).
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    # Position
    index = traitlets.Int(-1).tag(sync=True)
    """Position of the current image, 0-based; -1 when the data set is empty."""
    count = traitlets.Int(0).tag(sync=True)
    """Number of images in the data set."""
    _current = traitlets.Dict().tag(sync=True)
    """What the view shows of the current image (see docs/protocol.md)."""

    # Tags
    palette = traitlets.List().tag(sync=True)
    """Every tag in use or pinned: `[tag, images, pinned]`, most used first."""

    # Session
    progress = traitlets.Dict().tag(sync=True)
    """`{"total", "tagged", "reviewed"}` image counts."""
    status = traitlets.Dict().tag(sync=True)
    """`{"unsaved", "conflicts", "error", "message"}`: what is not on disk yet, and why."""
    autosave = traitlets.Bool(True).tag(sync=True)
    """Save each edit within a second (on by default)."""
    closed = traitlets.Bool(False).tag(sync=True)
    """True once the widget was closed with its captions saved."""

    def __init__(
        self,
        source: str | os.PathLike[str] | Dataset,
        *,
        autosave: bool | None = None,
        autosave_delay: float = 0.5,
    ) -> None:
        dataset = source if isinstance(source, Dataset) else Dataset.open(source)
        self._dataset = dataset
        self._error: str | None = None
        self._message = ""
        self._autosaver = Debouncer(self._autosave_now, autosave_delay)
        self._unsubscribe: Callable[[], None] = lambda: None
        saved_autosave = dataset.session.settings.get("autosave", True)
        super().__init__(
            autosave=saved_autosave if autosave is None else bool(autosave),
            count=len(dataset),
        )
        self._unsubscribe = dataset.subscribe(self._on_change)
        self.on_msg(self._on_request)
        self.index = self._resume_position()
        self._sync_all()

    # Python API

    @property
    def dataset(self) -> Dataset:
        """The data set this widget shows; edits through it show in the widget at once."""
        return self._dataset

    @property
    def current(self) -> Item | None:
        """The image shown now, or None when the data set is empty."""
        return self._dataset[self.index] if self.index >= 0 else None

    def goto(self, index: int) -> None:
        """Show the image at position `index` (raises `IndexError` when there is none)."""
        self.index = self._dataset.index_of(index)

    def next(self) -> None:
        """Show the next image (stays on the last one)."""
        if self.index < len(self._dataset) - 1:
            self.index += 1

    def prev(self) -> None:
        """Show the previous image (stays on the first one)."""
        if self.index > 0:
            self.index -= 1

    def next_untagged(self) -> None:
        """Show the next image with no tags, if there is one."""
        found = self._dataset.next_untagged(self.index)
        if found is not None:
            self.index = found

    def save(self) -> SaveReport:
        """Write every changed caption and the session now (see `Dataset.save`)."""
        self._autosaver.cancel()
        try:
            report = self._dataset.save()
        except (CaptionWriteError, CaptionConflictError) as error:
            self._error = str(error)
            self._sync_status()
            raise
        self._error = None
        self._message = f"Saved {len(report.written)} caption(s)." if report.written else "Saved."
        self._sync_status()
        return report

    def close_after_saving(self) -> None:
        """Save everything, then stop: the view says so and no longer edits (stays open when
        saving fails)."""
        self.save()
        self._detach()
        self.closed = True

    def close(self) -> None:
        """Stop listening to the data set and close the widget and its view."""
        if hasattr(self, "_autosaver"):  # ipywidgets also closes widgets whose __init__ failed
            self._detach()
        super().close()

    def _detach(self) -> None:
        self._autosaver.cancel()
        self._unsubscribe()

    # Traits

    @traitlets.observe("index")
    def _index_changed(self, change: dict[str, Any]) -> None:
        if self.index < 0:
            return
        item = self._dataset[self.index]
        self._dataset.refresh(self.index)
        self._dataset.session.position = item.id
        self._dataset.note_session_change()
        self._schedule_autosave()
        self._sync_current()

    @traitlets.validate("index")
    def _valid_index(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        count = len(self._dataset)
        if count == 0:
            return -1
        if not 0 <= value < count:
            raise traitlets.TraitError(f"No image at position {value}; there are {count}.")
        return value

    @traitlets.observe("autosave")
    def _autosave_changed(self, change: dict[str, Any]) -> None:
        self._dataset.session.settings["autosave"] = bool(change["new"])
        self._dataset.note_session_change()
        if change["new"]:
            self._schedule_autosave()

    def _resume_position(self) -> int:
        if not len(self._dataset):
            return -1
        position = self._dataset.session.position
        try:
            return self._dataset.index_of(position) if position else 0
        except KeyError:
            return 0

    def _on_change(self, change: Change) -> None:
        if change.kind in ("tags", "palette", "reviewed"):
            self._schedule_autosave()
        if change.kind == "saved" and self._error and not self._dataset.unsaved:
            self._error = None
        self._sync_all()

    def _sync_all(self) -> None:
        self._sync_current()
        self.palette = [list(row) for row in self._dataset.palette]
        self.progress = {
            "total": len(self._dataset),
            "tagged": self._dataset.tagged_count,
            "reviewed": self._dataset.reviewed_count,
        }
        self._sync_status()

    def _sync_current(self) -> None:
        item = self.current
        if item is None:
            self._current = {}
            return
        info = item.image_info
        neighbors = [self.index - 1, self.index + 1, self.index + 2, self.index - 2]
        flags = [{"code": f.code, "message": f.message} for f in item.flags]
        tags, caption = item.tags, item.caption
        if len(tags) > MAX_VIEW_TAGS or len(caption) > MAX_VIEW_CAPTION:
            flags.append({"code": "long_caption", "message": (
                f"Very long caption ({len(caption):,} characters, {len(tags):,} tags); "
                f"the view shows the first {MAX_VIEW_TAGS:,} tags")})
        self._current = {
            "id": item.id,
            "name": item.name,
            "index": self.index,
            "tags": tags[:MAX_VIEW_TAGS],
            "caption": caption[:MAX_VIEW_CAPTION],
            "flags": flags,
            "width": info.width if info else None,
            "height": info.height if info else None,
            "reviewed": self._dataset.is_reviewed(self.index),
            "dirty": item.dirty,
            "editable": item.locked_reason is None,
            "locked_reason": item.locked_reason,
            "conflict": (
                {"ours": item.conflict.ours, "theirs": item.conflict.theirs}
                if item.conflict
                else None
            ),
            "neighbors": [self._dataset[i].id for i in neighbors if 0 <= i < len(self._dataset)],
        }

    def _sync_status(self) -> None:
        self.status = {
            "unsaved": len(self._dataset.unsaved),
            "conflicts": len(self._dataset.conflicts),
            "error": self._error,
            "message": self._message,
        }

    # Saving

    def _schedule_autosave(self) -> None:
        if self.autosave:
            self._autosaver.poke()

    def _autosave_now(self) -> None:
        try:
            self.save()
        except (CaptionWriteError, CaptionConflictError) as error:
            self.send({"type": "notice", "level": "error", "message": str(error)})

    # Front end

    def _on_request(self, _widget: object, content: object, buffers: list[bytes]) -> None:
        reply = handle_request(self, content)
        self.send(reply.content, reply.buffers or None)
