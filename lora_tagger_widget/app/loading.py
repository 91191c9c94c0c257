"""Reading a folder on a thread while the view shows the progress."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from ..core.dataset import Dataset


class BackgroundScan:
    """Opens the data set at `folder` on a thread of its own.

    `progress(done, total)` is called from that thread while it reads; then `failed(error)`
    when the folder could not be read, and `finished()` in any case."""

    def __init__(self, folder: Path, *, progress: Callable[[int, int], None],
                 failed: Callable[[BaseException], None], finished: Callable[[], None]) -> None:
        self._progress = progress
        self._failed = failed
        self._finished = finished
        self._scanned = threading.Event()
        self._loaded: Dataset | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._load, args=(folder,), name="ltw-scan", daemon=True).start()

    def wait(self) -> Dataset:
        """The data set, once read (raises `RuntimeError` when the folder could not be)."""
        self._scanned.wait()
        if self._loaded is None:
            raise RuntimeError(f"The folder could not be read: {self._error}")
        return self._loaded

    @property
    def loaded(self) -> Dataset | None:
        """The data set when it has been read, else None."""
        return self._loaded

    def _load(self, folder: Path) -> None:
        try:
            self._loaded = Dataset.open(folder, progress=self._progress)
        except Exception as error:  # shown in the view; `wait` re-raises it in Python
            self._error = error
            self._failed(error)
        finally:
            self._scanned.set()
        self._finished()
