"""What the front end's requests act on besides the widget's user API: the images the view shows
through its filter, the palette's versions, the jobs that make previews and thumbnails, and the
uploads going.

The widget holds one `ViewHost` and hands it to `messages.handle_request`, so that requests need
nothing of the widget but its public members (`messages.UserApi`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.uploads import UploadLimits, Uploads
from .images import ImageJobs
from .outbox import Outbox
from .viewmodel import PaletteDeltas, item_states, resolve_scope

if TYPE_CHECKING:
    from ..core.dataset import Dataset
    from .messages import Reply, UserApi
    from .view import FilteredView


class ViewHost:
    """The view behind `widget`: `view` (the images its filter lets through, set once the
    folder is read), `palette_deltas`, `images` (replies made on `workers` threads, handed to
    `deliver`) and `outbox` (what was sent outside an answer, for the `sync` request)."""

    def __init__(self, widget: UserApi, workers: int, deliver: Callable[[Reply], None],
                 upload_limits: UploadLimits | None = None) -> None:
        self.widget = widget
        self.view: FilteredView | None = None
        self.palette_deltas = PaletteDeltas()
        self.images = ImageJobs(workers, deliver)
        self.upload_limits = upload_limits or UploadLimits()
        self._uploads: Uploads | None = None
        self.outbox = Outbox()

    @property
    def uploads(self) -> Uploads:
        """The uploads into the data set's folder (made at the first use)."""
        if self._uploads is None:
            dataset = self.dataset
            self._uploads = Uploads(dataset.root, dataset.state_dir, self.upload_limits)
        return self._uploads

    def close_uploads(self) -> None:
        """Cancel the uploads going (their partial files go)."""
        if self._uploads is not None:
            self._uploads.close()

    @property
    def dataset(self) -> Dataset:
        """The widget's data set (waits for a folder still being read)."""
        return self.widget.dataset

    def shown(self) -> FilteredView:
        """The images the filter lets through, once the folder is read (waits for it)."""
        if self.view is None:
            self.widget.dataset  # noqa: B018 (reading the folder ends by setting `view`)
        assert self.view is not None
        return self.view

    @property
    def shown_count(self) -> int:
        """How many images the filter lets through (0 while the folder is read)."""
        return 0 if self.view is None else len(self.view)

    def scope(self, name: str) -> list[int] | None:
        """The data set positions a batch edit's scope names (see `resolve_scope`)."""
        view, index = self.shown(), self.widget.index
        shown = index if index >= 0 and index in view else None
        return resolve_scope(name, view, self.widget.selection, shown)

    def item_states(self, start: int, count: int) -> list[list[object]]:
        """`[id, name, state]` of the images shown at places `start...` (see `item_states`)."""
        return item_states(self.dataset, self.shown(), start, count)

    def full_palette(self) -> dict[str, object]:
        """The whole palette as the `palette` request's reply has it: `rows` and `version`."""
        return {"rows": self.widget.palette, "version": self.palette_deltas.version}
