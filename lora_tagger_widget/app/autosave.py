"""When edits are saved on their own: soon after the last one, and a big save on a thread of its
own so that the kernel stays free meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.dataset import CaptionConflictError, CaptionWriteError, SaveReport
from .jobs import BackgroundJob
from .scheduling import Debouncer

if TYPE_CHECKING:
    from ..core.dataset import Dataset

BACKGROUND_SAVE_OVER = 1_000  # an autosave of more captions runs on a thread: the kernel stays free


class Autosave:
    """Saves `dataset()` `delay` seconds after the last `poke`.

    A save of up to `BACKGROUND_SAVE_OVER` captions runs through `save` (the caller's own save,
    which reports its outcome) and a failure goes to `notice`; a bigger one runs on a thread,
    reporting `progress(done, total)`, then `saved(report)` or `failed(error)` from there."""

    def __init__(self, delay: float, dataset: Callable[[], Dataset], save: Callable[[], object],
                 *, progress: Callable[[int, int], None], saved: Callable[[SaveReport], None],
                 failed: Callable[[BaseException], None], notice: Callable[[str], None]) -> None:
        self._dataset = dataset
        self._save = save
        self._notice = notice
        self._debouncer = Debouncer(self.save_now, delay)
        self._job = BackgroundJob("save", progress, saved, failed, daemon=False)

    def poke(self) -> None:
        """Ask for a save; it runs `delay` seconds after the last request."""
        self._debouncer.poke()

    def cancel(self) -> None:
        """Forget a pending save (one already running on its thread goes on)."""
        self._debouncer.cancel()

    def settle(self) -> None:
        """Forget a pending save and wait for one running on its thread."""
        self._debouncer.cancel()
        self._job.wait()

    @property
    def running(self) -> bool:
        """Whether a save runs on its thread now."""
        return self._job.running

    def save_now(self) -> None:
        """Save now, as a pending save would (on a thread when big; nothing while one runs)."""
        if self._job.running:
            return  # what it leaves unsaved is saved when it is done (the caller pokes again)
        dataset = self._dataset()
        if dataset.unsaved_count > BACKGROUND_SAVE_OVER:
            self._job.start(lambda progress, cancel: dataset.save(progress=progress))
            return
        try:
            self._save()
        except (CaptionWriteError, CaptionConflictError) as error:
            self._notice(str(error))
