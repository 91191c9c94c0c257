"""Pausing Python's cyclic garbage collector while a bulk step builds objects that it keeps.

Building 100,000 items (or 40,000 caption changes) sets off several full collections, each
walking every object made so far: a third of the time of opening a big data set. What these steps
build holds no reference cycles, so nothing is lost by collecting once they are done. The pause is
for the whole process (reference counting still frees almost everything meanwhile) and lasts as
long as the step: about two seconds for 100,000 images.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # steps running with the collector paused, in any thread
_was_enabled = False  # whether the collector was on when the first of them began


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (as it was, once the last such block ends)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
