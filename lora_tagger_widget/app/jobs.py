"""Long work (data set checks, exports) on a thread of its own: one at a time per kind, with
progress, cancellation when a newer one starts, and its outcome reported back; and a running
job's progress as the view shows it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Progress = Callable[[int, int], None]


class BackgroundJob:
    """Runs `work(progress, cancel)` on a thread; a new `start` cancels the one running.

    `on_progress(done, total)`, `on_done(result)` and `on_error(error)` are called from the
    job's thread (the caller moves them where they belong, e.g. the kernel's loop). A job that
    was cancelled reports nothing more."""

    def __init__(self, name: str, on_progress: Progress,
                 on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
                 *, daemon: bool = True) -> None:
        """`daemon=False`: the interpreter waits for a running job before it exits."""
        self._name = name
        self._daemon = daemon
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_error = on_error
        self._lock = threading.Lock()
        self._cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, work: Callable[[Progress, threading.Event], Any]) -> None:
        """Cancel the job running (if any) and start `work`."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()
            cancel = threading.Event()
            self._cancel = cancel
            self._thread = threading.Thread(
                target=self._run, args=(work, cancel), name=f"ltw-{self._name}",
                daemon=self._daemon)
            self._thread.start()

    def cancel(self) -> None:
        """Stop the job running, if any (it reports nothing more)."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()

    @property
    def running(self) -> bool:
        """Whether a job is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job running to end; False when `timeout` passed first."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self, work: Callable[[Progress, threading.Event], Any],
             cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            if not cancel.is_set():
                self._on_progress(done, total)

        try:
            result = work(progress, cancel)
        except Exception as error:  # reported to the person; the kernel goes on
            if not cancel.is_set():
                self._on_error(error)
            return
        if not cancel.is_set():
            self._on_done(result)


def running_progress(done: int, total: int, seconds: float) -> dict[str, Any]:
    """A job's progress while it runs, `{"phase": "running", "done", "total", "rate", "eta"}`,
    after `seconds` of running: `rate` items a second (None before any time passed) and `eta`
    seconds left (None until an item is done)."""
    rate = done / seconds if seconds > 0 else None
    eta = (total - done) / rate if rate else None
    return {"phase": "running", "done": done, "total": total, "rate": rate, "eta": eta}
