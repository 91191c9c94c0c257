"""The collector pause nests, spans threads, and leaves the collector as it found it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from lora_tagger_widget.core.gc import gc_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after_the_last_pause_ends(
    collector_on: None,
) -> None:
    started, release = threading.Event(), threading.Event()

    def other_step() -> None:
        with gc_paused():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=other_step)
    thread.start()
    started.wait(10)
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's step still runs
    release.set()
    thread.join()
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_that_was_off_off(collector_on: None) -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_an_error_inside_still_ends_the_pause(collector_on: None) -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
