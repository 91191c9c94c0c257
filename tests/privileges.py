"""Running a piece of a test as another user (nobody), for permission tests: a forked child drops
its privileges, as `setpriv` would, and sends back what the function returned or raised.

A fork, not a new interpreter: the Python installation may live where nobody cannot read it
(`/root`), so the child runs on the modules its parent already imported."""

from __future__ import annotations

import codecs
import os
import pickle
import select
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

NOBODY = 65534

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")


def run_as_nobody(func: Callable[..., Any], *args: Any, timeout: float = 60.0) -> Any:
    """`func(*args)` run by a child process as user and group nobody; its result, or the
    exception it raised, raised again here."""
    Image.init()  # the child may not read the installation to import Pillow's plugins later,
    for codec in ("ascii", "latin-1", "cp1252", "utf-8-sig", "utf-16-le", "utf-16-be", "idna"):
        codecs.lookup(codec)  # nor Python's codecs
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome: tuple[bool, Any] = (True, func(*args))
        except BaseException as error:
            outcome = (False, error)
        try:
            data = pickle.dumps(outcome)
        except Exception as error:
            data = pickle.dumps((False, RuntimeError(f"unpicklable outcome: {error!r}")))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], timeout)
        if not ready:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise TimeoutError(f"the child running {func.__name__} did not answer in {timeout} s")
        data = pipe.read()
    os.waitpid(pid, 0)
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value
