"""Nothing hangs, nothing eats memory: a FIFO, device or socket where a caption, an image or a
cached preview was expected is flagged or left out, never waited on and never read; a caption
that is a link to another one is flagged as shared.

Every test that a regression could hang runs under a watchdog: `signal.alarm` for the ones that
could block (a signal interrupts a blocked `open`), or a child process with a timeout and an
address-space limit for the ones that could read a device until memory runs out.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import CaptionLockedError, CaptionWriteError, Dataset, TaggerWidget
from lora_tagger_widget.core.files import (
    CAPTION_MAX_BYTES,
    FileTooLargeError,
    NotRegularFileError,
    read_bytes,
    read_regular,
)

from watchdogs import WATCHDOG_SECONDS

CHILD_MEMORY_BYTES = 3 * 1024**3
ZERO = os.makedev(1, 5)  # /dev/zero: endless bytes when read




def run_guarded(code: str, *args: str) -> object:
    """Run `code` in a child Python with a timeout and a memory cap; what it printed, as JSON."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))

    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
        timeout=WATCHDOG_SECONDS * 4, preexec_fn=cap_memory, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def flag_messages(dataset: Dataset, name: str) -> dict[str, str]:
    return {flag.code: flag.message for flag in dataset[name].flags}


def make_fifo(path: Path) -> Path:
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    return path


def make_zero_device(path: Path) -> Path:
    path.unlink(missing_ok=True)
    os.mknod(path, stat.S_IFCHR | 0o644, ZERO)
    return path


def test_a_fifo_caption_is_flagged_at_open_and_never_written_over(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"x.png": None, "y.png": "red, blue"})
    make_fifo(root / "x.txt")
    dataset = Dataset(root)
    flags = flag_messages(dataset, "x.png")
    assert "not a regular file (a FIFO)" in flags["caption_unreadable"]
    assert dataset["y.png"].tags == ["red", "blue"]
    with pytest.raises(CaptionLockedError, match="a FIFO"):
        dataset.add_tag("x.png", "green")
    dataset.add_tag("y.png", "green")
    dataset.save()
    assert stat.S_ISFIFO((root / "x.txt").lstat().st_mode)
    assert (root / "y.txt").read_text() == "red, blue, green"


def test_a_fifo_made_after_opening_is_flagged_by_refresh_and_by_moving_to_it(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"a.png": "one", "b.png": "two", "c.png": "three"})
    dataset = Dataset(root)
    widget = TaggerWidget(dataset, autosave=False, workers=0)
    make_fifo(root / "b.txt")
    make_fifo(root / "c.txt")
    assert dataset.refresh("b.png") is True
    assert "a FIFO" in flag_messages(dataset, "b.png")["caption_unreadable"]
    widget.goto(dataset.index_of("c.png"))  # a move looks at the caption on disk again
    assert "a FIFO" in flag_messages(dataset, "c.png")["caption_unreadable"]
    assert stat.S_ISFIFO((root / "b.txt").lstat().st_mode)


def test_an_edited_caption_replaced_by_a_fifo_is_not_written_over_by_the_save(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"a.png": "one"})
    dataset = Dataset(root)
    dataset.add_tag("a.png", "two")
    make_fifo(root / "a.txt")
    with pytest.raises(CaptionWriteError, match="a FIFO"):
        dataset.save()
    assert stat.S_ISFIFO((root / "a.txt").lstat().st_mode)
    assert dataset["a.png"].tags == ["one", "two"]  # the edit is kept in memory


def test_a_device_caption_is_flagged_at_open_and_by_refresh_without_being_read(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"x.png": None, "y.png": "red"})
    make_zero_device(root / "x.txt")
    outcome = run_guarded("""
        import json, os, stat, sys
        from lora_tagger_widget import Dataset
        root = sys.argv[1]
        dataset = Dataset(root)
        opened = dataset["x.png"]._read_error
        os.unlink(os.path.join(root, "y.txt"))
        os.mknod(os.path.join(root, "y.txt"), stat.S_IFCHR | 0o644, os.makedev(1, 5))
        changed = dataset.refresh("y.png")
        later = dataset["y.png"]._read_error
        print(json.dumps([opened, changed, later]))
    """, str(root))
    assert outcome == ["not a regular file (a character device)", True,
                       "not a regular file (a character device)"]
    assert stat.S_ISCHR((root / "y.txt").lstat().st_mode)


def test_a_caption_linked_to_a_device_is_flagged_without_being_read(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"x.png": None})
    make_zero_device(root / "zero")
    (root / "x.txt").symlink_to("zero")
    outcome = run_guarded("""
        import json, sys
        from lora_tagger_widget import Dataset
        print(json.dumps(Dataset(sys.argv[1])["x.png"]._read_error))
    """, str(root))
    assert outcome == "not a regular file (a character device)"


def test_read_bytes_refuses_a_device_and_a_fifo_without_reading_or_waiting(
    tmp_path: Path, watchdog: None,
) -> None:
    with pytest.raises(NotRegularFileError, match="a FIFO"):
        read_bytes(make_fifo(tmp_path / "fifo"))
    outcome = run_guarded("""
        import json, sys
        from lora_tagger_widget.core.files import NotRegularFileError, read_bytes
        try:
            read_bytes(sys.argv[1])
        except NotRegularFileError as error:
            print(json.dumps(error.strerror))
    """, str(make_zero_device(tmp_path / "zero")))
    assert outcome == "not a regular file (a character device)"


def test_a_socket_caption_is_flagged(make_set: Callable[..., Path], watchdog: None) -> None:
    root = make_set({"x.png": None})
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(root / "x.txt"))
        assert "a socket" in flag_messages(Dataset(root), "x.png")["caption_unreadable"]
        with pytest.raises(NotRegularFileError, match="a socket"):
            read_bytes(root / "x.txt")


def test_fifos_and_devices_named_like_images_are_left_out_of_the_scan(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"real.png": "red"})
    make_fifo(root / "pipe.png")
    make_zero_device(root / "zero.jpg")
    (root / "linked.png").symlink_to("pipe.png")
    (root / "real2.png").symlink_to("real.png")
    dataset = Dataset(root)
    assert [item.id for item in dataset] == ["real.png", "real2.png"]


def test_a_50_mb_caption_opens_and_one_past_the_cap_is_flagged_unread(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"big.png": None, "huge.png": None})
    text = ("tag, " * (50 * 1024 * 1024 // 5)).rstrip(", ")
    (root / "big.txt").write_text(text)
    with open(root / "huge.txt", "wb") as handle:
        handle.truncate(CAPTION_MAX_BYTES + 1)  # sparse: its size says it all
    dataset = Dataset(root)
    assert dataset["big.png"].caption == text
    assert "too large" in flag_messages(dataset, "huge.png")["caption_unreadable"]
    with pytest.raises(CaptionLockedError):
        dataset.add_tag("huge.png", "green")
    assert (root / "huge.txt").stat().st_size == CAPTION_MAX_BYTES + 1


def test_read_regular_reads_up_to_its_cap_and_refuses_a_byte_more(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    data, status = read_regular(path, max_bytes=100)
    assert (data, status.st_size) == (b"x" * 100, 100)
    with pytest.raises(FileTooLargeError, match="at most 99"):
        read_regular(path, max_bytes=99)
    (tmp_path / "link").symlink_to("f")
    with pytest.raises(OSError):
        read_regular(tmp_path / "link", max_bytes=100, follow_links=False)
    assert read_regular(tmp_path / "link", max_bytes=100)[0] == data


def test_a_device_in_the_preview_cache_is_never_read(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    outcome = run_guarded("""
        import json, os, stat, sys
        from lora_tagger_widget import Dataset
        root = sys.argv[1]
        made = Dataset(root).preview(0, 200, 200)
        reopened = Dataset(root)
        reopened.previews.disk_bytes  # the disk cache is listed with the real file in it
        cache = os.path.join(root, ".lora-tagger", "cache")
        [name] = os.listdir(cache)
        os.unlink(os.path.join(cache, name))
        os.mknod(os.path.join(cache, name), stat.S_IFCHR | 0o644, os.makedev(1, 5))
        again = reopened.preview(0, 200, 200)
        kind = os.lstat(os.path.join(cache, name)).st_mode
        print(json.dumps([again.data == made.data, stat.S_ISREG(kind)]))
    """, str(root))
    assert outcome == [True, True]  # the same preview, made again, written over the device


def test_fifos_and_devices_in_the_preview_cache_are_skipped(
    make_set: Callable[..., Path], watchdog: None,
) -> None:
    root = make_set({"a.jpg": None})
    made = Dataset(root).preview(0, 200, 200)
    reopened = Dataset(root)
    assert reopened.previews.disk_bytes == len(made.data)
    cache = root / ".lora-tagger" / "cache"
    [entry] = list(cache.iterdir())
    make_fifo(entry)  # after the cache was listed: the read meets it
    make_zero_device(cache / "0123abcd-10x10.jpg")  # a name like an entry, never listed
    make_fifo(cache / "4567abcd-10x10.jpg")
    assert reopened.preview(0, 200, 200).data == made.data
    fresh = Dataset(root)
    assert fresh.preview(0, 200, 200).data == made.data
    assert fresh.previews.disk_bytes == len(made.data)


def test_a_caption_linked_to_another_is_flagged_as_shared_both_ways(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.png": "red", "b.png": None, "sub/c.png": None, "alone.png": "blue"})
    (root / "b.txt").symlink_to("a.txt")
    (root / "sub" / "c.txt").symlink_to("../a.txt")
    dataset = Dataset(root)
    for name in ("a.png", "b.png", "sub/c.png"):
        assert "shared_caption" in flag_messages(dataset, name), name
        assert dataset[name].tags == ["red"]
    assert "shared_caption" not in flag_messages(dataset, "alone.png")


def test_a_hard_linked_caption_is_flagged_as_shared(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.png": "red", "b.png": None, "alone.png": "blue"})
    (root / "b.txt").hardlink_to(root / "a.txt")
    dataset = Dataset(root)
    assert "shared_caption" in flag_messages(dataset, "a.png")
    assert "shared_caption" in flag_messages(dataset, "b.png")
    assert "shared_caption" not in flag_messages(dataset, "alone.png")


def test_a_caption_linked_outside_is_not_called_shared(
    make_set: Callable[..., Path], tmp_path: Path,
) -> None:
    root = make_set({"a.png": None})
    (tmp_path / "outside.txt").write_text("secret")
    (root / "a.txt").symlink_to(tmp_path / "outside.txt")
    flags = flag_messages(Dataset(root), "a.png")
    assert "shared_caption" not in flags and "caption_unreadable" in flags
