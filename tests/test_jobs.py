"""Background jobs: progress and outcome are reported, errors too, and a newer job silences
the one it replaced."""

from __future__ import annotations

import threading
from typing import Any

from lora_tagger_widget.app.jobs import BackgroundJob, running_progress


class Heard:
    def __init__(self) -> None:
        self.progress: list[tuple[int, int]] = []
        self.done: list[Any] = []
        self.errors: list[BaseException] = []

    def job(self) -> BackgroundJob:
        return BackgroundJob("test", lambda d, t: self.progress.append((d, t)),
                             self.done.append, self.errors.append)


def test_a_job_reports_progress_then_its_result() -> None:
    heard = Heard()
    job = heard.job()

    def work(progress, cancel) -> str:
        for i in range(3):
            progress(i + 1, 3)
        return "ok"

    job.start(work)
    assert job.wait(5)
    assert heard.progress == [(1, 3), (2, 3), (3, 3)] and heard.done == ["ok"]


def test_a_failing_job_reports_its_error() -> None:
    heard = Heard()
    job = heard.job()
    job.start(lambda progress, cancel: 1 / 0)
    assert job.wait(5)
    assert isinstance(heard.errors[0], ZeroDivisionError) and heard.done == []


def test_a_newer_job_cancels_the_running_one_which_then_reports_nothing() -> None:
    heard = Heard()
    job = heard.job()
    started = threading.Event()

    def slow(progress, cancel) -> str:
        started.set()
        cancel.wait(5)
        progress(1, 1)
        return "old"

    job.start(slow)
    started.wait(5)
    job.start(lambda progress, cancel: "new")
    assert job.wait(5)
    old_thread_done = threading.Event()
    threading.Timer(0.2, old_thread_done.set).start()
    old_thread_done.wait(1)
    assert heard.done == ["new"] and heard.progress == []


def test_a_job_that_must_finish_runs_on_a_thread_the_interpreter_waits_for() -> None:
    threads: list[threading.Thread] = []

    def work(progress, cancel) -> None:
        threads.append(threading.current_thread())

    heard = Heard()
    must_finish = BackgroundJob("save", heard.progress.append, heard.done.append,
                                heard.errors.append, daemon=False)
    may_stop = heard.job()
    for job in (must_finish, may_stop):
        job.start(work)
        assert job.wait(5)
    assert {thread.name: thread.daemon for thread in threads} == {"ltw-save": False,
                                                                  "ltw-test": True}


def test_running_progress_gives_the_rate_and_the_time_left_once_known() -> None:
    assert running_progress(30, 120, 10.0) == {
        "phase": "running", "done": 30, "total": 120, "rate": 3.0, "eta": 30.0}
    assert running_progress(0, 120, 0.0)["rate"] is None
    started = running_progress(0, 120, 5.0)
    assert (started["rate"], started["eta"]) == (0.0, None)  # no pace yet: no time left
    assert running_progress(120, 120, 60.0)["eta"] == 0.0
