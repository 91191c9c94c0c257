"""Live changes: what another process does to the captions of an open folder shows in the widget
without a refresh; an edited caption becomes a conflict with both versions; our own saves,
temporary files and the state folder change nothing; one watching thread per data set, gone
when the widget closes or the data set is dropped."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Change, Dataset, TaggerWidget
from lora_tagger_widget.core.watch import FolderWatcher, watch_dataset, watcher_of

from test_widget import ask

FILES = {"a.jpg": "cat, sitting", "b.jpg": "dog", "sub/c.png": None}


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll `check` until it is true; fail naming `what` after a generous `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def elsewhere(root: Path, code: str) -> None:
    """Run `code` in another Python process with its own `ds = Dataset(root)`."""
    script = f"from lora_tagger_widget import Dataset\nds = Dataset({str(root)!r})\n"
    result = subprocess.run([sys.executable, "-c", script + textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def watching_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ltw-watch")]


def started(dataset: Dataset) -> FolderWatcher:
    watcher = watcher_of(dataset)
    assert watcher is not None and watcher.wait_started(10), "the folder is not watched"
    return watcher


def aged(root: Path) -> None:
    """Date the captions a minute back. Polling compares modification times in whole seconds:
    a caption changed within the second it was written before watching began goes unseen."""
    a_minute_ago = time.time() - 60
    for caption in root.rglob("*.txt"):
        os.utime(caption, (a_minute_ago, a_minute_ago))


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set(FILES)


def test_a_caption_saved_by_another_process_shows_in_the_open_widget(
    root: Path, kernel_loop: asyncio.AbstractEventLoop,
) -> None:
    w = TaggerWidget(root, autosave=False, workers=0, background=False, watch="auto")
    assert started(w.dataset).mode == "native"
    shown_on: list[str] = []
    w.observe(lambda _: shown_on.append(threading.current_thread().name), "_current")
    elsewhere(root, "ds.set_tags('a.jpg', 'cat, standing, outdoors'); ds.save()")
    wait_for(lambda: w._current.get("tags") == ["cat", "standing", "outdoors"],
             "the new caption in the view")
    wait_for(lambda: ["outdoors", 1, False] in w.palette, "the new tag in the palette")
    assert ["sitting", 1, False] not in w.palette
    assert not w.dataset.unsaved and w.status["unsaved"] == 0
    assert set(shown_on) == {"kernel-loop"}  # traits change on the kernel's thread only
    w.close()


def test_a_caption_in_a_subfolder_is_brought_in_too(root: Path) -> None:
    w = TaggerWidget(root, autosave=False, workers=0, watch="auto")
    started(w.dataset)
    elsewhere(root, "ds.add_tag('sub/c.png', 'new'); ds.save()")
    wait_for(lambda: w.dataset["sub/c.png"].tags == ["new"], "the subfolder's new caption")
    assert w.progress["tagged"] == 3
    w.close()


def test_a_caption_edited_here_and_changed_elsewhere_is_a_conflict_with_both_versions(
    root: Path, kernel_loop: asyncio.AbstractEventLoop,
) -> None:
    w = TaggerWidget(root, autosave=False, workers=0, background=False, watch="auto")
    started(w.dataset)
    assert ask(w, type="add_tag", id="a.jpg", tag="mine")["ok"]
    elsewhere(root, "ds.set_tags('a.jpg', 'theirs'); ds.save()")
    wait_for(lambda: w._current.get("conflict") is not None, "the conflict in the view")
    assert w._current["conflict"] == {"ours": "cat, sitting, mine", "theirs": "theirs"}
    assert w.status["conflicts"] == 1
    assert "conflict" in [flag["code"] for flag in w._current["flags"]]
    assert (root / "a.txt").read_text() == "theirs"  # nothing overwritten
    assert ask(w, type="resolve_conflict", id="a.jpg", keep="mine")["ok"]
    w.save()
    assert (root / "a.txt").read_text() == "cat, sitting, mine"
    w.close()


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_polling_brings_in_outside_changes_too(
    root: Path, how: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LORA_TAGGER_WATCH", "polling")
    aged(root)
    w = TaggerWidget(root, autosave=False, workers=0,
                     watch="polling" if how == "argument" else None)
    assert started(w.dataset).mode == "polling"
    elsewhere(root, "ds.set_tags('b.jpg', 'dog, running'); ds.save()")
    wait_for(lambda: w.dataset["b.jpg"].tags == ["dog", "running"], "the polled caption")
    w.goto(1)
    assert w._current["tags"] == ["dog", "running"]
    w.close()


def test_polling_sees_a_second_change_of_the_same_size_within_the_same_second(
    root: Path,
) -> None:
    aged(root)
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "polling")
    started(dataset)
    (root / "b.txt").write_text("dog, one")
    wait_for(lambda: dataset["b.jpg"].caption == "dog, one", "the first change")
    (root / "b.txt").write_text("dog, two")  # polling compares modification times in seconds
    wait_for(lambda: dataset["b.jpg"].caption == "dog, two", "the second change")
    unwatch()


def test_an_editor_writing_the_file_in_place_is_seen_too(root: Path) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    with open(root / "b.txt", "w", encoding="utf-8") as handle:  # no temporary file, no rename
        handle.write("dog, edited by hand")
    wait_for(lambda: dataset["b.jpg"].tags == ["dog", "edited by hand"], "the edited caption")
    unwatch()


def marker_seen(root: Path, dataset: Dataset, text: str) -> None:
    """Change b.txt from outside and wait until the data set has it: every change made to the
    folder before it has been dealt with by then."""
    (root / "b.txt").write_text(text, encoding="utf-8")
    wait_for(lambda: dataset["b.jpg"].caption == text, "the marker change")


def test_our_own_saves_come_back_as_nothing_changed(make_set: Callable[..., Path]) -> None:
    root = make_set({f"{n:03}.jpg": "cat" for n in range(60)} | {"b.jpg": "dog"})
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    for n in range(60):
        dataset.add_tag(n, "saved here")
    heard: list[Change] = []
    dataset.subscribe(heard.append)
    dataset.save()
    dataset.add_tag(0, "edited after the save")  # unsaved when its own write comes back
    marker_seen(root, dataset, "marker")
    assert [(change.kind, change.ids) for change in heard if change.kind != "saved"] == [
        ("tags", ("000.jpg",)), ("tags", ("b.jpg",))]  # the edit, the marker: nothing else
    assert [change.kind for change in heard].count("saved") == 1
    assert dataset.conflict_count == 0
    assert [item.id for item in dataset.unsaved] == ["000.jpg"]
    assert dataset[0].tags == ["cat", "saved here", "edited after the save"]
    unwatch()


def test_temporary_files_hidden_files_stray_captions_and_the_state_folder_change_nothing(
    root: Path,
) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    heard: list[Change] = []
    dataset.subscribe(heard.append)
    (root / ".ltw-tmp-abc.tmp").write_text("half a caption")
    (root / ".ltw-tmp-abc.tmp").rename(root / ".ltw-tmp-def.tmp")
    (root / ".a.txt.swp").write_text("an editor's swap file")
    (root / "stray.txt").write_text("no image has this caption")
    (root / "a.jpg.txt").write_text("not a's caption either")
    (root / ".lora-tagger" / "cache").mkdir(parents=True)
    (root / ".lora-tagger" / "cache" / "a.txt").write_text("ours, hidden")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "a.txt").write_text("hidden folder")
    marker_seen(root, dataset, "marker")
    assert [(change.kind, change.ids) for change in heard] == [("tags", ("b.jpg",))]
    assert dataset["a.jpg"].caption == "cat, sitting"
    assert started(dataset).running
    unwatch()


class Syncing(Dataset):
    """A data set that counts the merges of another writer's session and journal."""

    synced = 0

    def sync_state(self) -> None:
        self.synced += 1
        super().sync_state()


def test_a_session_or_journal_saved_elsewhere_is_merged(root: Path) -> None:
    assert not (root / ".lora-tagger").exists()
    dataset = Syncing(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    elsewhere(root, "ds.set_reviewed('b.jpg'); ds.save()")  # makes .lora-tagger/session.json
    wait_for(lambda: dataset.is_reviewed("b.jpg"), "the session merged")
    marker_seen(root, dataset, "marker one")
    before = dataset.synced
    elsewhere(root, "ds.add_tag('a.jpg', 'from the journal'); ds.save()")  # history/journal.jsonl
    wait_for(lambda: any("from the journal" in label for label in dataset.history_labels()[0]),
             "the journal merged")
    wait_for(lambda: "from the journal" in dataset["a.jpg"].tags, "the caption of the same edit")
    marker_seen(root, dataset, "marker two")
    before = dataset.synced
    (root / ".lora-tagger" / "cache").mkdir(exist_ok=True)
    (root / ".lora-tagger" / "cache" / "x.bin").write_bytes(b"preview")
    (root / ".lora-tagger" / "notes.json").write_text("{}")
    marker_seen(root, dataset, "marker three")
    assert dataset.synced == before
    unwatch()


def test_one_watching_thread_per_data_set_however_many_widgets(root: Path) -> None:
    before = set(watching_threads())
    first = TaggerWidget(root, autosave=False, workers=0, watch="auto")
    second = TaggerWidget(root, autosave=False, workers=0, watch="auto")
    assert first.dataset is second.dataset
    watcher = started(first.dataset)
    [thread] = set(watching_threads()) - before
    first.close()
    assert thread.is_alive() and watcher_of(second.dataset) is watcher
    elsewhere(root, "ds.set_tags('a.jpg', 'still live'); ds.save()")
    wait_for(lambda: second._current.get("tags") == ["still live"], "the change in the other")
    second.close()
    assert not thread.is_alive()
    assert watcher_of(second.dataset) is None


def test_separate_data_set_objects_have_a_watcher_each(root: Path) -> None:
    one, two = Dataset(root), Dataset(root)
    stops = [watch_dataset(one, "auto"), watch_dataset(two, "auto")]
    watchers = [started(one), started(two)]
    assert watchers[0] is not watchers[1]
    elsewhere(root, "ds.set_tags('b.jpg', 'both'); ds.save()")
    wait_for(lambda: one["b.jpg"].tags == two["b.jpg"].tags == ["both"], "both data sets")
    for stop in stops:
        stop()
    assert not any(watcher.running for watcher in watchers)


def test_the_watching_thread_ends_when_the_widget_closes(root: Path) -> None:
    w = TaggerWidget(root, autosave=False, workers=0, watch="auto")
    watcher = started(w.dataset)
    w.close()
    assert not watcher.running
    w.close()  # twice: nothing more to stop


def test_the_watching_thread_ends_when_the_data_set_is_dropped(root: Path) -> None:
    dataset = Dataset(root)
    watch_dataset(dataset, "auto")
    watcher = started(dataset)
    del dataset
    gc.collect()
    wait_for(lambda: not watcher.running, "the thread's end")
    assert watcher.mode is None


def test_off_watches_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LORA_TAGGER_WATCH", "off")
    w = TaggerWidget(root, autosave=False, workers=0)
    assert watcher_of(w.dataset) is None
    w.close()


def test_an_unknown_watch_mode_is_a_clear_error(
    root: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match='watch must be "auto", "polling" or "off"'):
        TaggerWidget(root, watch="inotify")
    monkeypatch.setenv("LORA_TAGGER_WATCH", "sometimes")
    with pytest.raises(ValueError, match="LORA_TAGGER_WATCH must be"):
        TaggerWidget(root)


FALLBACK = """
import os, resource, sys, time
from lora_tagger_widget import Dataset
from lora_tagger_widget.core.watch import watch_dataset, watcher_of
root = sys.argv[1]
ds = Dataset(root)
resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
for fd in held[-2:]:  # free too few file descriptors for native watching, enough to poll
    os.close(fd)
watch_dataset(ds, "auto")
watcher = watcher_of(ds)
assert watcher.wait_started(20), watcher.error
for fd in held[:-2]:
    os.close(fd)
print(watcher.mode)
other = Dataset(root)
other.set_tags("a.jpg", "seen by polling")
other.save()
deadline = time.monotonic() + 20
while ds["a.jpg"].tags != ["seen by polling"] and time.monotonic() < deadline:
    time.sleep(0.05)
print(ds["a.jpg"].caption)
"""


def test_when_native_watching_cannot_start_the_folder_is_polled(root: Path) -> None:
    aged(root)
    result = subprocess.run([sys.executable, "-c", FALLBACK, str(root)], capture_output=True,
                            text=True, timeout=120, check=False,
                            env={**os.environ, "LORA_TAGGER_WATCH": "auto"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["polling", "seen by polling"]
