"""Nothing outside the data set, ever: the tool's own state (`.lora-tagger/`) is reached through
descriptors that refuse links at every level, checked when used, not when the data set was
opened; and replacing a caption keeps its owner, group and mode, or refuses clearly.

The outside folder holds files with a marker and an old mtime, so a read, a write or a touch
that went outside shows in what a call returned or in the outside folder afterwards.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, OutsideRootError
from lora_tagger_widget.core.files import (
    TEMP_PREFIX,
    NotRegularFileError,
    StateFolder,
    atomic_write,
)

MARKER = b"OUTSIDE-MARKER-7d41"
OLD_NS = 1_000_000_000 * 10**9  # 2001: an outside file's mtime that a touch would change
FILES_MODULE = Path(__file__).parent.parent / "lora_tagger_widget" / "core" / "files.py"
NOBODY = 65534


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below `folder` with its bytes and mtime."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def outside_folder(tmp_path: Path, names: list[str]) -> Path:
    """A folder outside every data set, holding marker files named `names` with an old mtime."""
    outside = tmp_path / "outside"
    for name in names:
        path = outside / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(MARKER + name.encode())
        os.utime(path, ns=(OLD_NS, OLD_NS))
    return outside


def swap_for_link(path: Path, target: Path) -> None:
    """Move the folder `path` aside (inside the data set) and put a link to `target` there."""
    path.rename(path.with_name(path.name + "-moved"))
    path.symlink_to(target, target_is_directory=True)


# StateFolder on its own

def test_state_files_are_written_read_appended_listed_renamed_touched_and_removed(
    tmp_path: Path,
) -> None:
    state = StateFolder(tmp_path)
    assert state.path == tmp_path / ".lora-tagger"
    assert state.read("session.json", max_bytes=100) is None
    assert state.stat("history/journal.jsonl") is None and state.entries("history") == []
    state.write("history/deep/a.json", b"{}")
    assert state.read("history/deep/a.json", max_bytes=100) == b"{}"
    assert state.append("history/journal.jsonl", b"one\n") == 4
    assert state.append("history/journal.jsonl", b"two\n") == 8
    assert (tmp_path / ".lora-tagger/history/journal.jsonl").read_bytes() == b"one\ntwo\n"
    state.replace("history/journal.jsonl", "history/old.jsonl")
    (tmp_path / ".lora-tagger/history/link").symlink_to("old.jsonl")
    assert [name for name, _ in state.entries("history")] == ["old.jsonl"]
    assert [name for name, _ in state.entries("")] == []
    os.utime(tmp_path / ".lora-tagger/history/old.jsonl", ns=(OLD_NS, OLD_NS))
    state.touch("history/old.jsonl")
    status = state.stat("history/old.jsonl")
    assert status is not None and status.st_mtime_ns > OLD_NS and status.st_size == 8
    state.unlink("history/old.jsonl")
    state.unlink("history/old.jsonl")  # already gone: fine
    assert state.stat("history/old.jsonl") is None
    assert not [p for p in (tmp_path / ".lora-tagger").rglob("*") if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "a/../b", "a//b", "./a", "", "a/"])
def test_paths_that_could_lead_out_of_the_state_folder_are_refused(
    tmp_path: Path, relative: str,
) -> None:
    state = StateFolder(tmp_path)
    with pytest.raises(ValueError):
        state.read(relative, max_bytes=10)
    with pytest.raises(ValueError):
        state.write(relative, b"x")
    assert not state.path.exists()


def test_read_refuses_past_its_cap_and_anything_but_a_regular_file(
    tmp_path: Path, watchdog: None,
) -> None:
    state = StateFolder(tmp_path)
    state.write("big.json", b"x" * 11)
    with pytest.raises(OSError, match="too large"):
        state.read("big.json", max_bytes=10)
    os.mkfifo(state.path / "fifo.json")
    with pytest.raises(NotRegularFileError, match="a FIFO"):
        state.read("fifo.json", max_bytes=10)
    with pytest.raises(NotRegularFileError, match="a FIFO"):
        state.append("fifo.json", b"x")
    os.mknod(state.path / "zero.json", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    with pytest.raises(NotRegularFileError, match="a character device"):
        state.read("zero.json", max_bytes=10)
    with pytest.raises(NotRegularFileError, match="a character device"):
        state.append("zero.json", b"x")
    (state.path / "folder.json").mkdir()
    with pytest.raises(OSError):
        state.read("folder.json", max_bytes=10)


@pytest.mark.parametrize("swapped", ["", ".lora-tagger", ".lora-tagger/history",
                                     ".lora-tagger/history/deep"])
def test_a_folder_on_the_way_swapped_for_a_link_is_refused_by_every_call(
    tmp_path: Path, swapped: str,
) -> None:
    root = tmp_path / "set"
    root.mkdir()
    state = StateFolder(root)
    state.write("history/deep/a.json", b"ours")
    # the outside mirrors what lies below the swapped folder
    rest = [".lora-tagger", "history", "deep"][len(Path(swapped).parts):]
    outside = outside_folder(tmp_path, ["/".join([*rest, "a.json"])])
    swap_for_link(root / swapped, outside)
    before = snapshot(outside)
    calls: list[Callable[[], object]] = [
        lambda: state.read("history/deep/a.json", max_bytes=100),
        lambda: state.write("history/deep/a.json", b"written"),
        lambda: state.write("history/deep/new.json", b"written"),
        lambda: state.append("history/deep/a.json", b"appended"),
        lambda: state.stat("history/deep/a.json"),
        lambda: state.entries("history/deep"),
        lambda: state.touch("history/deep/a.json"),
        lambda: state.unlink("history/deep/a.json"),
        lambda: state.replace("history/deep/a.json", "moved.json"),
        lambda: state.replace("moved.json", "history/deep/a.json"),
    ]
    for call in calls:
        with pytest.raises(OutsideRootError):
            call()
    assert snapshot(outside) == before


def test_a_file_swapped_for_a_link_is_neither_read_nor_appended_to_nor_touched(
    tmp_path: Path,
) -> None:
    root = tmp_path / "set"
    root.mkdir()
    state = StateFolder(root)
    state.write("cache/a.jpg", b"ours")
    outside = outside_folder(tmp_path, ["a.jpg"])
    (state.path / "cache/a.jpg").unlink()
    (state.path / "cache/a.jpg").symlink_to(outside / "a.jpg")
    before = snapshot(outside)
    with pytest.raises(OutsideRootError):
        state.read("cache/a.jpg", max_bytes=100)
    with pytest.raises(OutsideRootError):
        state.append("cache/a.jpg", b"x")
    state.touch("cache/a.jpg")  # the link's own times
    assert state.entries("cache") == []
    link = state.stat("cache/a.jpg")
    assert link is not None and stat.S_ISLNK(link.st_mode)
    state.write("cache/a.jpg", b"new")  # replaces the link, not what it leads to
    assert state.read("cache/a.jpg", max_bytes=100) == b"new"
    assert snapshot(outside) == before


# The preview cache of an open data set

@pytest.mark.parametrize("swapped", [".lora-tagger", ".lora-tagger/cache"])
def test_a_cache_swapped_for_a_link_while_open_sends_and_writes_nothing_outside(
    make_set: Callable[..., Path], tmp_path: Path, swapped: str,
) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None})
    made = Dataset(root).preview(0, 200, 200)  # now cached on disk
    cached = [path.name for path in (root / ".lora-tagger/cache").iterdir()]
    prefix = "cache/" if swapped == ".lora-tagger" else ""
    outside = outside_folder(tmp_path, [prefix + name for name in cached])
    opened_before = Dataset(root)
    listed_before = Dataset(root)
    assert listed_before.previews.disk_bytes == len(made.data)  # the real entries are listed
    swap_for_link(root / swapped, outside)
    before = snapshot(outside)
    for dataset in (opened_before, listed_before, Dataset(root)):
        for box in ((200, 200), (120, 120)):
            preview = dataset.preview(0, *box)
            assert MARKER not in preview.data
            assert preview.width <= box[0] and preview.height <= box[1]
        assert dataset.preview(0, 200, 200).data == made.data  # made again from the image
        dataset.preview(1, 200, 200)
    assert snapshot(outside) == before


def test_the_cache_still_works_when_the_link_is_taken_away(
    make_set: Callable[..., Path], tmp_path: Path,
) -> None:
    root = make_set({"a.jpg": None})
    outside = outside_folder(tmp_path, ["x"])
    (root / ".lora-tagger").mkdir()
    (root / ".lora-tagger/cache").symlink_to(outside, target_is_directory=True)
    dataset = Dataset(root)
    made = dataset.preview(0, 200, 200)
    (root / ".lora-tagger/cache").unlink()
    assert Dataset(root).preview(0, 200, 200).data == made.data
    assert len(list((root / ".lora-tagger/cache").iterdir())) == 1
    assert sorted(os.listdir(outside)) == ["x"]


# Replacing a caption keeps its owner

def test_atomic_write_keeps_the_owner_group_and_mode_of_the_replaced_file(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    caption = tmp_path / "a.txt"
    caption.write_bytes(b"old")
    os.chown(caption, 4321, 4322)
    caption.chmod(0o640)
    atomic_write(caption, b"new")
    status = caption.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (4321, 4322, 0o640)
    assert caption.read_bytes() == b"new"
    fresh = tmp_path / "b.txt"
    atomic_write(fresh, b"new")
    assert (fresh.stat().st_uid, fresh.stat().st_gid) == (os.geteuid(), os.getegid())


def test_a_user_who_may_not_keep_the_owner_gets_a_clear_error_and_the_file_is_unchanged() -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping to another user needs root")
    folder = Path(tempfile.mkdtemp(prefix="ltw-owner-"))  # below /tmp: reachable by any user
    try:
        folder.chmod(0o777)
        caption = folder / "a.txt"
        caption.write_bytes(b"root's caption")
        caption.chmod(0o644)
        before = caption.stat()
        code = textwrap.dedent("""
            import importlib.util, sys
            from pathlib import Path
            spec = importlib.util.spec_from_file_location("files", sys.argv[1])
            files = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(files)
            try:
                files.atomic_write(Path(sys.argv[2]), b"nobody's caption")
            except PermissionError as error:
                print(error.strerror)
            else:
                print("written")
        """)
        result = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             sys.executable, "-c", code, str(FILES_MODULE), str(caption)],
            capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert "belongs to user 0 and group 0" in result.stdout
        assert "left as it was" in result.stdout
        after = caption.stat()
        assert caption.read_bytes() == b"root's caption"
        assert (after.st_ino, after.st_uid, after.st_gid, after.st_mode) == (
            before.st_ino, before.st_uid, before.st_gid, before.st_mode)
        assert sorted(os.listdir(folder)) == ["a.txt"]  # no temporary file left
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
