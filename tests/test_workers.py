"""The work pool: urgent jobs first, superseded jobs dropped before they start."""

from __future__ import annotations

import threading

from lora_tagger_widget.app.workers import WorkPool


def test_jobs_run_by_priority_and_superseded_ones_are_dropped() -> None:
    pool = WorkPool(workers=1)
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    log: list[str] = []

    def blocker() -> None:
        started.set()
        release.wait(5)

    pool.submit(blocker, lane="preview", group=1, priority=0, superseded=lambda: None)
    started.wait(5)
    jobs = [("thumb", "thumbs", 1, 2), ("old show", "preview", 1, 0),
            ("prefetch", "preview", 2, 1), ("new show", "preview", 2, 0)]
    for name, lane, group, priority in jobs:
        pool.submit(lambda name=name: log.append(name), lane=lane, group=group, priority=priority,
                    superseded=lambda name=name: log.append(f"dropped {name}"))
    pool.advance("preview", 2)
    pool.submit(done.set, lane="thumbs", group=1, priority=3, superseded=lambda: None)
    release.set()
    assert done.wait(5)
    assert log == ["dropped old show", "new show", "prefetch", "thumb"]
    pool.close()


def test_a_failing_job_does_not_stop_the_pool() -> None:
    pool = WorkPool(workers=1)
    done = threading.Event()

    def fail() -> None:
        raise RuntimeError("boom")

    pool.submit(fail, lane="x", group=0, priority=0, superseded=lambda: None)
    pool.submit(done.set, lane="x", group=0, priority=1, superseded=lambda: None)
    assert done.wait(5)
    pool.close()


def test_with_no_workers_jobs_run_at_once() -> None:
    ran: list[int] = []
    WorkPool(workers=0).submit(lambda: ran.append(1), lane="x", group=0, priority=0,
                               superseded=lambda: None)
    assert ran == [1]
