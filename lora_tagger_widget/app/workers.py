"""A small pool of worker threads for image work, most urgent first, that drops superseded jobs.

Pillow releases the GIL while it decodes and encodes, so a few threads use several cores. A job
belongs to a lane ("preview", "thumbs") and a group number; when a lane's group moves on, its
queued jobs of older groups are not run but told they were superseded, so a burst of requests
(a key held down, a fast scroll) never queues stale work.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Job:
    priority: int
    sequence: int
    lane: str = field(compare=False)
    group: int = field(compare=False)
    run: Callable[[], None] = field(compare=False)
    superseded: Callable[[], None] = field(compare=False)


class WorkPool:
    """Runs submitted jobs on `workers` daemon threads (inline, at once, when `workers` is 0)."""

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._queue: list[_Job] = []
        self._latest: dict[str, int] = {}
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def advance(self, lane: str, group: int) -> None:
        """Make `group` the lane's newest: queued jobs of older groups will be superseded."""
        with self._wake:
            if group > self._latest.get(lane, group - 1):
                self._latest[lane] = group

    def latest(self, lane: str) -> int:
        """The lane's newest group (0 before any)."""
        with self._wake:
            return self._latest.get(lane, 0)

    def submit(
        self,
        run: Callable[[], None],
        *,
        lane: str,
        group: int,
        priority: int,
        superseded: Callable[[], None],
    ) -> None:
        """Queue `run` (lower `priority` first); `superseded` is called instead when the lane
        has moved past `group` by the time a worker takes the job."""
        job = _Job(priority, next(self._sequence), lane, group, run, superseded)
        if self._workers == 0:
            self._execute(job)
            return
        with self._wake:
            if self._closed:
                raise RuntimeError("The work pool is closed.")
            heapq.heappush(self._queue, job)
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, name="ltw-worker", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Stop taking jobs; queued ones are superseded, running ones finish."""
        with self._wake:
            self._closed = True
            dropped, self._queue = self._queue, []
            self._wake.notify_all()
        for job in dropped:
            job.superseded()

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job = heapq.heappop(self._queue)
            self._execute(job)

    def _execute(self, job: _Job) -> None:
        with self._wake:
            stale = job.group < self._latest.get(job.lane, job.group)
        try:
            (job.superseded if stale else job.run)()
        except Exception:  # a job must not take its worker thread down with it
            log.exception("A background job failed.")
