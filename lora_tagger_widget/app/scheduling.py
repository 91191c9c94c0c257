"""When and on which thread things run: debounced actions, and calls moved to the kernel loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable


class Debouncer:
    """Calls `action` once, `delay` seconds after the last `poke`.

    Inside a Jupyter kernel the call runs on the kernel's own event loop (the thread that handles
    the front end's messages); elsewhere it runs on a timer thread.
    """

    def __init__(self, action: Callable[[], None], delay: float) -> None:
        self._action = action
        self._delay = delay
        self._lock = threading.Lock()
        self._pending: asyncio.TimerHandle | threading.Timer | None = None
        self._loop = kernel_loop()

    def poke(self) -> None:
        """Ask for the action; it runs `delay` seconds after the last request."""
        if self._loop is not None and not self._loop.is_closed():
            if _running_loop() is self._loop:
                self._schedule_on_loop()
            else:
                self._loop.call_soon_threadsafe(self._schedule_on_loop)
            return
        with self._lock:
            self._cancel_pending()
            timer = threading.Timer(self._delay, self._run)
            timer.daemon = True
            self._pending = timer
            timer.start()

    def cancel(self) -> None:
        """Forget a pending request."""
        with self._lock:
            self._cancel_pending()

    @property
    def pending(self) -> bool:
        """Whether a request is waiting to run."""
        return self._pending is not None

    def _schedule_on_loop(self) -> None:
        assert self._loop is not None
        with self._lock:
            self._cancel_pending()
            self._pending = self._loop.call_later(self._delay, self._run)

    def _run(self) -> None:
        with self._lock:
            self._pending = None
        self._action()

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _in_kernel() -> bool:
    """Whether this runs inside an IPython kernel (another library's loop would never fire)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running kernel's event loop (where the widget's messages are handled), if any."""
    return _running_loop() if _in_kernel() else None


def call_on_loop(loop: asyncio.AbstractEventLoop | None, action: Callable[[], None]) -> None:
    """Run `action` on `loop`'s thread: now when already there (or with no loop), else soon."""
    if loop is None or loop.is_closed() or _running_loop() is loop:
        action()
    else:
        loop.call_soon_threadsafe(action)
