"""Shared fixtures: small real data sets in temporary folders."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from lora_tagger_widget import widget as widget_module

from imagefiles import write_image
from watchdogs import WATCHDOG_SECONDS, Hung

# Tests that watch folders for live changes say so (`watch="auto"`): widgets are never collected,
# so a watcher started by every other test would outlive it, a thread and an inotify instance each.
os.environ.setdefault("LORA_TAGGER_WATCH", "off")


@pytest.fixture
def make_set(tmp_path: Path) -> Callable[..., Path]:
    """Make a data set folder: `make_set({"a.jpg": "tag1, tag2", "b.png": None})`.

    A caption of None means no caption file; bytes are written as they are.
    """

    def make(files: dict[str, str | bytes | None], folder: str = "imgs") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, caption in files.items():
            image = write_image(root / name)
            if isinstance(caption, bytes):
                image.with_suffix(".txt").write_bytes(caption)
            elif caption is not None:
                image.with_suffix(".txt").write_bytes(caption.encode("utf-8"))
        return root

    return make


@pytest.fixture
def run_unprivileged() -> Callable[[str], str]:
    """Run Python code in a child process that file permissions apply to, and return its output.

    As root the child keeps uid 0 but loses the capabilities that bypass permission checks, so a
    `chmod 000` file or a read-only folder refuses it as it would refuse any user.
    """

    def run(code: str) -> str:
        command = [sys.executable, "-c", code]
        if os.geteuid() == 0:
            drop = "-dac_override,-dac_read_search"
            command = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder every user can reach (pytest's own is its owner's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="ltw-perm-"))
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def watchdog() -> Iterator[None]:
    """Fail the test instead of hanging the suite when it blocks for `WATCHDOG_SECONDS`."""

    def fire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"blocked for {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def kernel_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop on its own thread that widgets made now take for the kernel's."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="kernel-loop", daemon=True)
    thread.start()
    monkeypatch.setattr(widget_module, "kernel_loop", lambda: loop)
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()
