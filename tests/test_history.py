"""The undo/redo journal: cursor moves, bounds, persistence, damage, crashes, refusals, size."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget.core import history as _history
from lora_tagger_widget.core import journal as _journal
from lora_tagger_widget.core.history import CaptionEdit, Entry, History

JOURNAL = Path(".lora-tagger") / "history" / "journal.jsonl"


def _edit(n: int, item: str = "a.png") -> CaptionEdit:
    return CaptionEdit(item, f"tag{n}", f"tag{n + 1}")


def _all_labels(history: History) -> list[str]:
    undo, redo = history.labels()
    return [*reversed(undo), *redo]


def test_undo_and_redo_move_the_cursor_only_when_confirmed(tmp_path: Path) -> None:
    history = History(tmp_path)
    assert not history.can_undo() and not history.can_redo()
    assert history.peek_undo() is None and history.peek_redo() is None
    first = history.record("first", [_edit(0)])
    second = history.record("second", [_edit(1)])
    assert history.labels() == (["second", "first"], [])
    assert history.peek_undo() == second
    assert history.peek_undo() == second  # peeking does not move the cursor
    history.undone()
    assert history.labels() == (["first"], ["second"])
    assert history.peek_undo() == first and history.peek_redo() == second
    history.undone()
    assert not history.can_undo() and history.can_redo()
    with pytest.raises(IndexError):
        history.undone()
    history.redone()
    assert history.labels() == (["first"], ["second"])
    history.redone()
    assert not history.can_redo()
    with pytest.raises(IndexError):
        history.redone()


def test_recording_after_an_undo_drops_the_redo_branch(tmp_path: Path) -> None:
    history = History(tmp_path)
    for n in range(3):
        history.record(f"edit {n}", [_edit(n)])
    history.undone()
    history.undone()
    history.record("new", [_edit(9)])
    assert history.labels() == (["new", "edit 0"], [])
    assert _all_labels(History(tmp_path)) == ["edit 0", "new"]


def test_inverse_swaps_before_and_after_and_keeps_the_label() -> None:
    entry = Entry("Rename", 1.0, (CaptionEdit("a.png", "cat", "feline"),
                                   CaptionEdit("b.png", None, "new")))
    assert entry.inverse() == Entry("Rename", 1.0, (CaptionEdit("a.png", "feline", "cat"),
                                                    CaptionEdit("b.png", "new", None)))
    assert entry.inverse().inverse() == entry


def test_edits_that_change_nothing_are_not_recorded_and_repeats_are_merged(
    tmp_path: Path,
) -> None:
    history = History(tmp_path)
    assert history.record("nothing", []) is None
    assert history.record("no-ops", [CaptionEdit("a.png", "x", "x"),
                                     CaptionEdit("b.png", None, None)]) is None
    assert history.record("there and back", [CaptionEdit("a.png", "x", "y"),
                                             CaptionEdit("a.png", "y", "x")]) is None
    assert not history.can_undo() and not (tmp_path / JOURNAL).exists()
    entry = history.record("mixed", [CaptionEdit("a.png", "x", "x"), CaptionEdit("b.png", "1", "2"),
                                     CaptionEdit("b.png", "2", "3")])
    assert entry is not None and entry.edits == (CaptionEdit("b.png", "1", "3"),)


def test_arguments_of_the_wrong_type_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        CaptionEdit("a.png", b"bytes", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        History(tmp_path).record("x", [("a.png", "a", "b")])  # type: ignore[list-item]


def test_the_oldest_entries_are_dropped_beyond_max_entries(tmp_path: Path) -> None:
    history = History(tmp_path, max_entries=5)
    for n in range(12):
        history.record(f"edit {n}", [_edit(n)])
    assert _all_labels(history) == [f"edit {n}" for n in range(7, 12)]
    assert _all_labels(History(tmp_path, max_entries=5)) == [f"edit {n}" for n in range(7, 12)]
    assert _all_labels(History(tmp_path, max_entries=2)) == ["edit 10", "edit 11"]
    assert _all_labels(History(tmp_path)) == ["edit 10", "edit 11"]


def test_the_oldest_entries_are_dropped_beyond_the_byte_budget_and_the_newest_is_kept(
    tmp_path: Path,
) -> None:
    history = History(tmp_path, max_bytes=2_000)
    for n in range(40):
        history.record(f"edit {n}", [CaptionEdit("a.png", f"{n} " + "x" * 100, f"{n + 1}")])
    kept = _all_labels(history)
    assert 5 < len(kept) < 40 and kept[-1] == "edit 39"
    assert history.stored_bytes <= 2_000
    assert _all_labels(History(tmp_path, max_bytes=2_000)) == kept
    huge = history.record("huge", [CaptionEdit("b.png", None, "y" * 10_000)])
    assert huge is not None and _all_labels(history) == ["huge"] and history.peek_undo() == huge


def test_the_history_and_its_cursor_survive_a_new_history_on_the_same_folder(
    tmp_path: Path,
) -> None:
    history = History(tmp_path)
    history.record("add", [CaptionEdit("a.png", None, "cat, dog")])
    history.record("rename", [CaptionEdit("a.png", "cat, dog", "feline, dog"),
                              CaptionEdit("sub/b.png", "cat", "feline")])
    history.record("remove", [CaptionEdit("a.png", "feline, dog", None)])
    history.undone()
    reopened = History(tmp_path)
    assert reopened.labels() == (["rename", "add"], ["remove"])
    assert reopened.peek_undo() == history.peek_undo()
    assert reopened.peek_redo() == history.peek_redo()
    assert reopened.warning is None
    reopened.undone()
    assert History(tmp_path).labels() == (["add"], ["rename", "remove"])


def test_many_cursor_moves_keep_the_journal_file_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_history, "COMPACT_SLACK_BYTES", 2_000)
    history = History(tmp_path)
    history.record("one", [_edit(0)])
    history.record("two", [_edit(1)])
    for _ in range(100):
        history.undone()
        history.redone()
    assert (tmp_path / JOURNAL).stat().st_size < 2 * history.stored_bytes + 2_100
    assert History(tmp_path).labels() == (["two", "one"], [])


def test_captions_with_any_characters_come_back_exactly(tmp_path: Path) -> None:
    texts = ["", "a\nb\r\nc", "tab\there", 'quote " back \\ slash', "emoji 🐈, 猫",
             "line\u2028sep", "nul\x00byte", "lone \udcff surrogate", "x" * 20_000]
    edits = [CaptionEdit(f"{n}.png", before, after)
             for n, (before, after) in enumerate(zip(texts, [*texts[1:], None], strict=True))]
    edits += [CaptionEdit("p.png", texts[-1], texts[-1] + "y"), CaptionEdit("q.png", None, "")]
    history = History(tmp_path)
    entry = history.record("odd", edits)
    assert entry is not None
    assert History(tmp_path).peek_undo() == entry


def test_a_torn_trailing_record_is_ignored_with_a_warning_and_earlier_entries_kept(
    tmp_path: Path,
) -> None:
    history = History(tmp_path)
    for n in range(3):
        history.record(f"edit {n}", [_edit(n)])
    journal = tmp_path / JOURNAL
    data = journal.read_bytes()
    journal.write_bytes(data[: len(data) - 25])  # the last record cut in the middle
    reopened = History(tmp_path)
    assert _all_labels(reopened) == ["edit 0", "edit 1"]
    assert reopened.warning is not None and "damaged record at the end" in reopened.warning
    reopened.record("after", [_edit(7)])
    again = History(tmp_path)
    assert _all_labels(again) == ["edit 0", "edit 1", "after"] and again.warning is None


@pytest.mark.parametrize("garbage", [b"\x00\xff garbage \x80", b'{"crc":"00000000","rec":{}}\n',
                                     b"\n"])
def test_garbage_after_the_last_record_is_ignored_with_a_warning(
    tmp_path: Path, garbage: bytes,
) -> None:
    history = History(tmp_path)
    history.record("kept", [_edit(0)])
    with (tmp_path / JOURNAL).open("ab") as handle:
        handle.write(garbage)
    reopened = History(tmp_path)
    assert _all_labels(reopened) == ["kept"]
    assert reopened.warning is not None and "ignored" in reopened.warning
    assert History(tmp_path).warning is None  # the journal was rewritten without it


def test_an_empty_journal_file_is_started_anew(tmp_path: Path) -> None:
    (tmp_path / JOURNAL).parent.mkdir(parents=True)
    (tmp_path / JOURNAL).write_bytes(b"")
    history = History(tmp_path)
    assert history.labels() == ([], []) and history.warning is None
    history.record("first", [_edit(0)])
    assert _all_labels(History(tmp_path)) == ["first"]


def test_a_damaged_record_in_the_middle_keeps_the_entries_before_it_and_the_file_aside(
    tmp_path: Path,
) -> None:
    history = History(tmp_path)
    for n in range(4):
        history.record(f"edit {n}", [_edit(n)])
    journal = tmp_path / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"edit 2", b"edit X")  # checksum no longer matches
    journal.write_bytes(b"".join(lines))
    reopened = History(tmp_path)
    assert _all_labels(reopened) == ["edit 0", "edit 1"]
    assert reopened.warning is not None and "broken-" in reopened.warning
    assert [p.name.startswith("journal.jsonl.broken-") for p in journal.parent.iterdir()
            ].count(True) == 1


def test_a_journal_from_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    History(tmp_path).record("x", [_edit(0)])
    journal = tmp_path / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    body = json.dumps({"op": "journal", "version": 99, "base": 0}, separators=(",", ":")).encode()
    lines[0] = b'{"crc":"%08x","rec":%s}\n' % (zlib.crc32(body), body)
    journal.write_bytes(b"".join(lines))
    before = journal.read_bytes()
    history = History(tmp_path)
    assert history.warning is not None and "newer version" in history.warning
    assert history.record("in memory", [_edit(5)]) is not None and history.can_undo()
    assert journal.read_bytes() == before


def test_clear_forgets_every_entry_on_disk_too(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record("x", [_edit(0)])
    history.record("y", [_edit(1)])
    history.clear()
    assert history.labels() == ([], []) and not history.can_undo()
    assert History(tmp_path).labels() == ([], [])
    history.record("z", [_edit(2)])
    assert _all_labels(History(tmp_path)) == ["z"]


def test_records_from_several_threads_are_all_kept(tmp_path: Path) -> None:
    history = History(tmp_path, max_entries=1_000)

    def work(thread: int) -> None:
        for n in range(50):
            history.record(f"{thread}-{n}", [CaptionEdit(f"{thread}.png", str(n), str(n + 1))])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(_all_labels(history)) == sorted(f"{t}-{n}" for t in range(4) for n in range(50))
    assert _all_labels(History(tmp_path, max_entries=1_000)) == _all_labels(history)


_CHILD = """
import sys
import types
from pathlib import Path

package = types.ModuleType("lora_tagger_widget")  # the package without its Jupyter imports,
package.__path__ = [sys.argv[2]]  # to start fast
sys.modules["lora_tagger_widget"] = package
from lora_tagger_widget.core import history as _history
from lora_tagger_widget.core.history import CaptionEdit, History

_history.COMPACT_SLACK_BYTES = 4_096  # rewrite the journal often, to be killed in a rewrite too
history = History(Path(sys.argv[1]), max_entries=30)
print("ready", flush=True)
step = 0
while True:
    count = 400 if step % 10 == 3 else 2  # some entries big enough to be stored compressed
    history.record(f"step {step}", [
        CaptionEdit(f"{k}.png", f"s{step} k{k} " + "tag, " * 20, f"t{step} k{k} " + "tag, " * 20)
        for k in range(count)])
    if step % 5 == 4:
        history.undone()  # the next record drops it again
    print(step, flush=True)
    step += 1
"""


def test_a_kill_at_any_moment_leaves_a_consistent_prefix_of_the_history(tmp_path: Path) -> None:
    delays = [0.05, 0.25, 0.6]
    roots = [tmp_path / f"set{n}" for n in range(len(delays))]
    children = []
    for root in roots:
        root.mkdir()
        command = [sys.executable, "-c", _CHILD, str(root), str(Path(_history.__file__).parents[1])]
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    started = time.monotonic()
    for child, delay in zip(children, delays, strict=True):
        time.sleep(max(0.0, started + delay + random.uniform(0, 0.05) - time.monotonic()))
        os.kill(child.pid, signal.SIGKILL)
    for root, child in zip(roots, children, strict=True):
        output, _ = child.communicate()
        done = [int(line) for line in output.split()]
        history = History(root, max_entries=30)
        assert history.warning is None or "damaged record at the end" in history.warning
        undo, redo = history.labels()
        steps = [int(label.split()[1]) for label in [*reversed(undo), *redo]]
        assert len(steps) <= 30
        for earlier, later in itertools.pairwise(steps):  # only undone-and-replaced steps missing
            assert later - earlier == 1 or (later - earlier == 2 and earlier % 5 == 3)
        assert len(redo) <= 1 and all(step % 5 == 4 for step in steps[len(undo):])
        if done:  # every step that returned is on disk
            assert steps and steps[-1] >= done[-1]
        for entry in (history.peek_undo(), history.peek_redo()):
            if entry is not None:
                step = int(entry.label.split()[1])
                assert len(entry.edits) == (400 if step % 10 == 3 else 2)
                assert entry.edits[-1].after == f"t{step} k{len(entry.edits) - 1} " + "tag, " * 20
        assert History(root, max_entries=30).warning is None


def test_a_read_only_state_folder_keeps_the_history_in_memory_with_a_warning(
    tmp_path: Path, run_unprivileged: Callable[[str], str],
) -> None:
    root, bare = tmp_path / "set", tmp_path / "bare"
    root.mkdir()
    bare.mkdir()
    History(root).record("saved", [_edit(0)])
    folder = root / JOURNAL.parent
    (folder / JOURNAL.name).chmod(0o444)
    folder.chmod(0o555)
    bare.chmod(0o555)
    out = run_unprivileged(
        "import os\n"
        "from pathlib import Path\n"
        "from lora_tagger_widget.core.history import CaptionEdit, History\n"
        f"root, bare, folder = Path({str(root)!r}), Path({str(bare)!r}), Path({str(folder)!r})\n"
        "history = History(root)\n"
        "print(history.warning)\n"
        "print(history.record('unsaved', [CaptionEdit('a.png', 'x', 'y')]) is not None)\n"
        "print('kept in memory' in history.warning)\n"
        "history.undone()\n"
        "print(history.labels())\n"
        "print(History(root).labels())\n"
        "os.chmod(folder, 0o755); os.chmod(folder / 'journal.jsonl', 0o644)\n"
        "history.redone()\n"
        "print(history.warning, History(root).labels())\n"
        "fresh = History(bare)\n"
        "print(fresh.record('x', [CaptionEdit('a.png', 'x', 'y')]) is not None, fresh.warning)\n"
        "print(os.listdir(bare))\n"
    )
    lines = out.splitlines()
    assert lines[:6] == ["None", "True", "True", "(['saved'], ['unsaved'])", "(['saved'], [])",
                         "None (['unsaved', 'saved'], [])"]
    assert lines[6].startswith("True The undo history could not be saved") and "denied" in lines[6]
    assert lines[7] == "[]"


@pytest.mark.parametrize("link", [".lora-tagger", ".lora-tagger/history"])
def test_a_state_folder_linked_outside_the_data_set_is_refused(tmp_path: Path, link: str) -> None:
    outside, other = tmp_path / "outside", tmp_path / "other"
    other.mkdir()
    History(other).record("elsewhere", [_edit(0)])
    outside.mkdir()
    (outside / "history").symlink_to(other / JOURNAL.parent, target_is_directory=True)
    root = tmp_path / "set"
    (root / link).parent.mkdir(parents=True)
    (root / link).symlink_to(outside if link == ".lora-tagger" else other / JOURNAL.parent,
                             target_is_directory=True)
    before = (other / JOURNAL).read_bytes()
    history = History(root)
    assert history.labels() == ([], [])  # the journal out there is not read
    assert history.warning is not None and "outside the data set" in history.warning
    assert history.record("here", [_edit(1)]) is not None and history.can_undo()
    assert (other / JOURNAL).read_bytes() == before
    assert sorted(p.name for p in (other / JOURNAL.parent).iterdir()) == ["journal.jsonl"]


def _rename_batch(count: int) -> tuple[list[CaptionEdit], int]:
    """`count` captions of 20 tags from a vocabulary with a few common tags and many rare ones,
    each with one tag renamed; and the bytes of the texts before and after."""
    rng = random.Random(7)
    words = ["red", "blue", "long", "short", "hair", "eyes", "dress", "smile", "outdoors", "sky",
             "looking", "at", "viewer", "holding", "sword", "cat", "ears", "open", "mouth",
             "standing", "sitting", "white", "black", "background", "simple", "upper", "body"]
    vocabulary = sorted({f"{a} {b}" for a in words for b in words} | set(words))
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    edits, size = [], 0
    for n in range(count):
        tags = ["ohwx person"]
        while len(tags) < 20:
            tag = rng.choices(vocabulary, cum_weights=weights)[0]
            if tag not in tags:
                tags.append(tag)
        before = ", ".join(tags)
        tags[rng.randrange(1, 20)] = "feline"
        after = ", ".join(tags)
        edits.append(CaptionEdit(f"train/{n:05d}.png", before, after))
        size += len(before.encode()) + len(after.encode())
    return edits, size


def test_a_big_rename_is_stored_in_a_fraction_of_the_caption_texts(tmp_path: Path) -> None:
    edits, texts = _rename_batch(10_000)
    history = History(tmp_path)
    entry = history.record('Rename "cat" to "feline"', edits)
    history.flush()
    stored = (tmp_path / JOURNAL).stat().st_size
    assert stored < texts / 5, (stored, texts)
    reopened = History(tmp_path)
    assert reopened.peek_undo() == entry and entry is not None and len(entry.edits) == 10_000


def _write_half_then(failure: BaseException) -> Callable[[int, bytes], int]:
    """An `os.write` that writes half of what it is given, then fails with `failure`."""
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise failure

    return write


def test_a_crash_in_the_middle_of_an_append_leaves_the_history_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = History(tmp_path)
    history.record("kept", [_edit(0)])
    monkeypatch.setattr(os, "write", _write_half_then(KeyboardInterrupt()))  # the process dies
    with pytest.raises(KeyboardInterrupt):
        history.record("torn", [_edit(1)])
    monkeypatch.undo()
    assert b"torn" in (tmp_path / JOURNAL).read_bytes()
    reopened = History(tmp_path)
    assert _all_labels(reopened) == ["kept"]
    assert reopened.warning is not None and "damaged record at the end" in reopened.warning


def test_a_failing_append_is_rolled_back_and_the_entry_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = History(tmp_path)
    history.record("kept", [_edit(0)])
    size = (tmp_path / JOURNAL).stat().st_size
    monkeypatch.setattr(os, "write", _write_half_then(OSError(28, "No space left on device")))
    assert history.record("in memory", [_edit(1)]) is not None
    monkeypatch.undo()
    assert history.warning is not None and "No space left" in history.warning
    assert (tmp_path / JOURNAL).stat().st_size == size
    assert History(tmp_path).warning is None
    history.record("later", [_edit(2)])  # saving works again: the whole history is written
    assert history.warning is None
    assert _all_labels(History(tmp_path)) == ["kept", "in memory", "later"]


def test_a_big_entry_is_written_on_a_thread_and_everything_else_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_history, "BACKGROUND_OVER_EDITS", 10)
    release = threading.Event()
    real_encode = _journal.encode_edits
    encoded: list[int] = []  # the patch is where the history looks the encoder up

    def slow_encode(edits: tuple[CaptionEdit, ...]) -> tuple[bytes, bool]:
        release.wait(10)
        encoded.append(len(edits))
        return real_encode(edits)

    monkeypatch.setattr(_journal, "encode_edits", slow_encode)
    history = History(tmp_path)
    history.record("small", [_edit(0)])
    release.set()
    history.flush()
    release.clear()
    big = [_edit(1, f"{n}.png") for n in range(50)]
    entry = history.record("big", big)  # returns while the record is still being encoded
    assert entry is not None and history.labels() == (["big", "small"], [])
    assert b'"big"' not in (tmp_path / JOURNAL).read_bytes()
    threading.Timer(0.2, release.set).start()
    history.undone()  # waits for the entry, then writes the cursor after it
    assert b'"big"' in (tmp_path / JOURNAL).read_bytes()
    reopened = History(tmp_path)
    assert reopened.labels() == (["small"], ["big"]) and reopened.warning is None
    assert reopened.peek_redo() == entry and encoded == [1, 50]


def test_a_big_entry_is_written_before_the_process_exits(tmp_path: Path) -> None:
    child = (
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "from lora_tagger_widget.core.history import CaptionEdit, History\n"
        "edits = [CaptionEdit(f'{n}.png', 'cat, dog', 'feline, dog') for n in range(5000)]\n"
        "History(sys.argv[1]).record('big', edits)\n"
    )
    package_parent = str(Path(_history.__file__).parents[2])
    subprocess.run([sys.executable, "-c", child, str(tmp_path), package_parent], check=True)
    entry = History(tmp_path).peek_undo()
    assert entry is not None and entry.label == "big" and len(entry.edits) == 5000
    assert entry.edits[0] == CaptionEdit("0.png", "cat, dog", "feline, dog")


def test_a_big_entry_is_written_at_once_when_no_thread_can_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_history, "BACKGROUND_OVER_EDITS", 2)

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    history = History(tmp_path)
    entry = history.record("big", [_edit(0, f"{n}.png") for n in range(5)])
    assert b'"big"' in (tmp_path / JOURNAL).read_bytes()
    assert history.peek_undo() == entry


def test_a_long_label_is_cut(tmp_path: Path) -> None:
    history = History(tmp_path)
    entry = history.record("Add " + "x" * 5_000, [_edit(1)])
    assert entry is not None and len(entry.label) == 200 and entry.label.endswith("…")
    assert History(tmp_path).labels()[0] == [entry.label]


def test_entries_kept_in_memory_go_on_top_of_another_writers_when_saving_works_again(
    tmp_path: Path, run_unprivileged: Callable[[str], str],
) -> None:
    root = tmp_path / "set"
    root.mkdir()
    History(root).record("a1", [_edit(0)])
    folder = root / JOURNAL.parent
    out = run_unprivileged(
        "import os\n"
        "from pathlib import Path\n"
        "from lora_tagger_widget.core.history import CaptionEdit, History\n"
        f"root, folder = Path({str(root)!r}), Path({str(folder)!r})\n"
        "a, b = History(root), History(root)\n"
        "os.chmod(folder / 'journal.jsonl', 0o444); os.chmod(folder, 0o555)\n"
        "a.record('a2', [CaptionEdit('a.png', 'x', 'y')])\n"
        "a.record('a3', [CaptionEdit('a.png', 'y', 'z')])\n"
        "a.undone()\n"
        "print(a.warning is not None, a.labels())\n"
        "os.chmod(folder, 0o755); os.chmod(folder / 'journal.jsonl', 0o644)\n"
        "b.record('b1', [CaptionEdit('b.png', 'x', 'y')])\n"
        "a.sync()\n"
        "print(a.labels())\n"
        "a.record('a4', [CaptionEdit('c.png', 'x', 'y')])\n"
        "b.sync()\n"
        "print(a.warning, History(root).labels(), b.labels())\n"
    )
    assert out.splitlines() == [
        "True (['a2', 'a1'], ['a3'])",
        "(['a2', 'b1', 'a1'], ['a3'])",  # b's entry is kept; a's unsaved ones go on top
        "None (['a4', 'a2', 'b1', 'a1'], []) (['a4', 'a2', 'b1', 'a1'], [])",
    ]
