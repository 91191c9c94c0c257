"""The widget as a view of the data set: its traits, the front end's requests, and autosave."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.app import autosave
from lora_tagger_widget.core import dataset as dataset_module
from lora_tagger_widget.core.dataset import ProgressCallback, SaveReport

from watchdogs import WATCHDOG_SECONDS


class Recorder:
    """Captures what the widget sends to the front end."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.sent: list[tuple[dict[str, Any], list[bytes] | None]] = []
        widget.send = lambda content, buffers=None: self.sent.append((content, buffers))  # type: ignore[method-assign]


def ask(widget: TaggerWidget, **message: Any) -> dict[str, Any]:
    """Send one request the way the front end does and return the reply's content."""
    recorder = Recorder(widget)
    widget._on_request(widget, {"rid": 7, **message}, [])
    assert len(recorder.sent) == 1
    content, _ = recorder.sent[0]
    assert content["type"] == "reply" and content["rid"] == 7
    return content


@pytest.fixture
def widget(make_set: Callable[..., Path]) -> TaggerWidget:
    root = make_set({"img1.jpg": "red hair, smiling", "img2.jpg": None, "img10.jpg": "red hair"})
    return TaggerWidget(Dataset(root), autosave=False, workers=0)


def test_the_widget_opens_on_the_first_image_with_its_tags_and_palette(
    widget: TaggerWidget,
) -> None:
    assert (widget.index, widget.count) == (0, 3)
    assert widget._current["name"] == "img1.jpg"
    assert widget._current["tags"] == ["red hair", "smiling"]
    assert (widget._current["width"], widget._current["height"]) == (64, 48)
    assert widget.palette == [["red hair", 2, False], ["smiling", 1, False]]
    assert widget.progress == {"total": 3, "tagged": 2, "reviewed": 0, "all": 3, "filtered": False}
    assert widget.current is not None and widget.current.id == "img1.jpg"


def test_navigation_from_python_moves_the_view(widget: TaggerWidget) -> None:
    widget.next()
    assert widget._current["name"] == "img2.jpg"
    widget.goto(2)
    widget.next()
    assert widget.index == 2
    widget.prev()
    assert widget.index == 1
    widget.goto(0)
    widget.next_untagged()
    assert widget.index == 1
    with pytest.raises(IndexError):
        widget.goto(3)


def test_an_edit_from_python_shows_in_the_view_at_once(widget: TaggerWidget) -> None:
    widget.dataset.add_tag(widget.index, "outdoors")
    assert widget._current["tags"] == ["red hair", "smiling", "outdoors"]
    assert ["outdoors", 1, False] in widget.palette
    assert widget.status["unsaved"] == 1


def test_an_edit_from_the_view_is_in_the_data_set_at_once(widget: TaggerWidget) -> None:
    reply = ask(widget, type="toggle_tag", id="img2.jpg", tag="smiling")
    assert reply["ok"] and reply["tags"] == ["smiling"] and reply["added"]
    assert widget.dataset["img2.jpg"].tags == ["smiling"]
    assert widget.progress["tagged"] == 3


def test_two_widgets_on_one_folder_share_one_data_set(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    first, second = TaggerWidget(root, autosave=False), TaggerWidget(root, autosave=False)
    first.dataset.add_tag(0, "shared")
    assert second._current["tags"] == ["shared"]


def test_preview_replies_carry_the_image_as_a_binary_buffer(widget: TaggerWidget) -> None:
    recorder = Recorder(widget)
    widget._on_request(widget, {"type": "preview", "rid": 3, "id": "img1.jpg", "width": 32,
                                "height": 32}, [])
    content, buffers = recorder.sent[0]
    assert content["ok"] and content["mime"] == "image/jpeg"
    assert (content["width"], content["height"]) == (64, 48)
    assert buffers is not None and buffers[0][:2] == b"\xff\xd8"
    state = {k: v for k, v in widget.get_state().items() if k not in ("_esm", "_css")}
    assert all(not isinstance(value, bytes) for value in state.values())
    assert str(widget.dataset.root) not in repr(state)
    assert len(repr(state)) < 5000


def test_a_broken_image_gets_a_reason_and_the_session_goes_on(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None})
    (root / "a.jpg").write_bytes(b"not an image")
    w = TaggerWidget(root, autosave=False, workers=0)
    reply = ask(w, type="preview", id="a.jpg", width=100, height=100)
    assert not reply["ok"] and "not an image" in reply["error"]
    assert "unreadable_image" in [f["code"] for f in w._current["flags"]]
    assert ask(w, type="next")["index"] == 1


@pytest.mark.parametrize(
    "message",
    [
        {"type": "preview", "id": "../../etc/passwd", "width": 100, "height": 100},
        {"type": "preview", "id": "/etc/passwd", "width": 100, "height": 100},
        {"type": "preview", "id": 0, "width": 100, "height": 100},
        {"type": "preview", "id": "img1.jpg", "width": 10**9, "height": 100},
        {"type": "add_tag", "id": "img1.jpg", "tag": "a\nb"},
        {"type": "add_tag", "id": "img1.jpg", "tag": ["x"]},
        {"type": "set_tags", "id": "img1.jpg", "tags": "x"},
        {"type": "set_tags", "id": "img1.jpg", "tags": [1, 2]},
        {"type": "goto", "index": -1},
        {"type": "goto", "index": 10**20},
        {"type": "goto", "index": True},
        {"type": "goto", "index": "2"},
        {"type": "resolve_conflict", "id": "img1.jpg", "keep": "both"},
        {"type": "no_such_thing"},
        {"type": None},
    ],
)
def test_malformed_requests_get_an_error_reply_and_change_nothing(
    widget: TaggerWidget, message: dict[str, Any],
) -> None:
    before = widget.get_state()
    reply = ask(widget, **message)
    assert reply["ok"] is False and reply["error"]
    assert widget.get_state() == before
    assert not widget.dataset.unsaved


USER_API = {
    "add_tagger", "autotag_report", "cancel_autotag", "start_autotag",
    "autosave", "caption_mode", "check_report", "close_after_saving", "closed", "count", "current",
    "dataset", "export_report", "filter", "filter_error", "goto", "goto_place", "index",
    "items_version", "loading", "next", "next_untagged", "palette", "prefetch", "prev",
    "progress", "ready", "redo", "run_checks", "save", "selection", "set_slot", "slots",
    "start_export", "status",
    "tag_click", "trigger", "undo", "view",
}


def test_tab_completion_on_the_widget_offers_the_user_api_and_no_plumbing(
    widget: TaggerWidget,
) -> None:
    offered = {name for name in dir(widget) if not name.startswith("_")}
    assert offered - set(dir(anywidget.AnyWidget)) == USER_API


@pytest.mark.parametrize("content", [None, [], "text", {"type": "next"}, {"type": "next",
                                                                          "rid": -1}])
def test_requests_without_a_valid_id_still_get_an_error_reply(
    widget: TaggerWidget, content: object,
) -> None:
    recorder = Recorder(widget)
    widget._on_request(widget, content, [])
    [(reply, _)] = recorder.sent
    assert reply["ok"] is False and reply["rid"] is None


def test_deleting_a_palette_tag_reports_how_many_images_change(widget: TaggerWidget) -> None:
    assert ask(widget, type="palette_usage", tag="red hair")["count"] == 2
    assert ask(widget, type="palette_delete", tag="red hair")["changed"] == 2
    assert [row[0] for row in widget.palette] == ["smiling"]


def test_palette_tags_can_be_created_imported_and_exported(widget: TaggerWidget) -> None:
    assert ask(widget, type="palette_add", tag="ohwx")["ok"]
    assert ["ohwx", 0, True] in widget.palette
    assert ask(widget, type="palette_import", text="new\nsmiling\n")["added"] == 1
    assert ask(widget, type="palette_export")["text"] == "red hair\nsmiling\nnew\nohwx\n"


def test_complete_suggests_palette_tags_most_used_first(widget: TaggerWidget) -> None:
    assert ask(widget, type="complete", query="i", limit=5)["items"] == [["red hair", 2, 0],
                                                                        ["smiling", 1, 0]]


def test_save_writes_and_the_status_says_all_saved(widget: TaggerWidget) -> None:
    ask(widget, type="add_tag", id="img2.jpg", tag="new")
    assert widget.status["unsaved"] == 1
    assert ask(widget, type="save")["saved"] == 1
    assert widget.status["unsaved"] == 0
    assert (widget.dataset.root / "img2.txt").read_text() == "new"


def test_a_conflict_is_shown_with_both_versions_and_can_be_resolved(
    widget: TaggerWidget,
) -> None:
    ask(widget, type="add_tag", id="img1.jpg", tag="mine")
    (widget.dataset.root / "img1.txt").write_text("theirs")
    reply = ask(widget, type="save")
    assert not reply["ok"] and "img1.txt" in reply["error"]
    assert widget._current["conflict"] == {"ours": "red hair, smiling, mine", "theirs": "theirs"}
    assert widget.status["conflicts"] == 1
    assert ask(widget, type="resolve_conflict", id="img1.jpg", keep="theirs")["ok"]
    assert widget._current["tags"] == ["theirs"] and widget._current["conflict"] is None


def test_autosave_writes_each_edit_within_a_second(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    w = TaggerWidget(Dataset(root), autosave_delay=0.2)
    assert w.autosave
    w.dataset.add_tag(0, "auto")
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and not (root / "a.txt").exists():
        time.sleep(0.02)
    assert (root / "a.txt").read_text() == "auto"


def test_turning_autosave_off_drops_a_save_asked_for_before(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None})
    w = TaggerWidget(Dataset(root), autosave_delay=0.3)
    w.dataset.set_reviewed(0)  # asks for a save
    w.autosave = False
    w.dataset.add_tag(0, "kept in memory")
    time.sleep(0.8)
    assert not (root / "a.txt").exists() and w.dataset.unsaved_count == 1


def test_the_session_resumes_position_and_reviewed_marks(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None, "c.jpg": None})
    first = TaggerWidget(Dataset(root), autosave=False, workers=0)
    first.goto(2)
    ask(first, type="toggle_reviewed", id="c.jpg")
    first.save()
    again = TaggerWidget(Dataset(root))
    assert again.index == 2 and again._current["reviewed"]
    assert again.progress["reviewed"] == 1
    assert again.autosave is False


def test_close_saves_and_closes(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    w = TaggerWidget(Dataset(root), autosave=False, workers=0)
    ask(w, type="add_tag", id="a.jpg", tag="kept")
    w._on_request(w, {"type": "close", "rid": 1}, [])
    assert w.closed
    assert (root / "a.txt").read_text() == "kept"


def test_unknown_options_are_an_error(make_set: Callable[..., Path]) -> None:
    with pytest.raises(TypeError):
        TaggerWidget(make_set({"a.jpg": None}), autosav=True)  # type: ignore[call-arg]


def test_an_empty_folder_opens_with_nothing_to_show(tmp_path: Path) -> None:
    w = TaggerWidget(tmp_path, autosave=False, workers=0)
    assert (w.index, w.count, w._current, w.current) == (-1, 0, {}, None)
    assert ask(w, type="next")["ok"]
    assert not ask(w, type="goto", index=0)["ok"]


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="No folder"):
        TaggerWidget(tmp_path / "nope")


def test_a_failing_autosave_shows_the_error_and_clears_it_once_saving_works(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_set({"a.jpg": None})
    w = TaggerWidget(Dataset(root), autosave_delay=0.05)
    recorder = Recorder(w)
    real_replace = os.replace

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    w.dataset.add_tag(0, "kept")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not recorder.sent:
        time.sleep(0.02)
    notice = recorder.sent[0][0]
    assert notice["type"] == "notice" and "No space left" in notice["message"]
    assert "No space left" in w.status["error"] and w.status["unsaved"] == 1
    assert w.dataset[0].tags == ["kept"] and not (root / "a.txt").exists()
    monkeypatch.setattr(os, "replace", real_replace)
    w.save()
    assert w.status["error"] is None and w.status["unsaved"] == 0
    assert (root / "a.txt").read_text() == "kept"


class PausedSaves(Dataset):
    """A data set whose first save stops once its first chunk of captions is written (before
    they count as saved): `paused` is set then, and it goes on when `resume` is set."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.paused = threading.Event()
        self.resume = threading.Event()

    def save(self, *, progress: ProgressCallback | None = None) -> SaveReport:
        """`Dataset.save`, pausing after the first chunk the first time."""

        def pause(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if not self.paused.is_set():
                self.paused.set()
                self.resume.wait(WATCHDOG_SECONDS)

        return super().save(progress=pause)


def _big_saves_on_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Autosaves of more than 3 captions run on a thread, 2 captions a chunk."""
    monkeypatch.setattr(autosave, "BACKGROUND_SAVE_OVER", 3)
    monkeypatch.setattr(dataset_module, "SAVE_CHUNK", 2)


def test_a_big_autosave_runs_on_a_thread_shows_its_progress_and_save_waits_for_it(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_set({f"{n}.jpg": "cat" for n in range(6)})
    _big_saves_on_a_thread(monkeypatch)
    dataset = PausedSaves(root)
    w = TaggerWidget(dataset, autosave=False, workers=0)
    seen: list[object] = []
    w.observe(lambda change: seen.append(change["new"]["saving"]), "status")
    for n in range(6):
        w.dataset.add_tag(n, "dog")
    w._autosaver.save_now()  # returns at once: the captions are written on a thread
    assert dataset.paused.wait(WATCHDOG_SECONDS) and w._autosaver.running
    w.dataset.add_tag(0, "bird")  # an edit while it saves: saved too, by the next save
    dataset.resume.set()
    w.save()  # waits for the running save, then writes what is left
    assert not w._autosaver.running and not w.dataset.unsaved
    assert [2, 6] in seen and [6, 6] in seen and w.status["saving"] is None
    assert (root / "0.txt").read_text() == "cat, dog, bird"
    assert all((root / f"{n}.txt").read_text() == "cat, dog" for n in range(1, 6))


def test_an_edit_made_while_a_big_autosave_runs_is_autosaved_after_it(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_set({f"{n}.jpg": "cat" for n in range(6)})
    _big_saves_on_a_thread(monkeypatch)
    dataset = PausedSaves(root)
    w = TaggerWidget(dataset, autosave_delay=0.1, workers=0)
    w.dataset.apply_batch({"kind": "add", "tags": ["dog"]})
    assert dataset.paused.wait(WATCHDOG_SECONDS)
    w.dataset.add_tag(0, "bird")  # after its caption was written
    time.sleep(0.5)  # the autosave this edit asks for comes while the save runs: it does nothing
    dataset.resume.set()
    deadline = time.monotonic() + WATCHDOG_SECONDS
    while time.monotonic() < deadline and (w.status["unsaved"] or w.status["saving"]
                                           or w._autosaver.running):
        time.sleep(0.02)
    assert not w.dataset.unsaved and (root / "0.txt").read_text() == "cat, dog, bird"
    assert w.status["saving"] is None and w.status["unsaved"] == 0
