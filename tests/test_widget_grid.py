"""What the grid and the previews need from the widget: pages of item states, thumbnails in
batches, a selection Python and the view share, replies from the worker pool, background loading."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.core import dataset as dataset_module

from imagefiles import write_image


class Replies:
    """Collects what the widget sends, from any thread."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []
        self._lock = threading.Lock()

        def record(content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
            with self._lock:
                self.sent.append((content, list(buffers or [])))

        widget.send = record  # type: ignore[method-assign]

    def wait_for(self, rid: int, timeout: float = 10) -> tuple[dict[str, Any], list[bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for content, buffers in self.sent:
                    if content.get("rid") == rid:
                        return content, buffers
            time.sleep(0.01)
        raise AssertionError(f"no reply to request {rid}")


@pytest.fixture
def grid_set(make_set: Callable[..., Path]) -> Path:
    return make_set({"a.jpg": "x", "b.jpg": None, "c.jpg": "y", "d.jpg": "café".encode("cp1252")})


@pytest.fixture
def held_decoder(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Previews wait for `gate` before they are made; `entered` is set when one starts."""
    gate, entered = threading.Event(), threading.Event()
    real = dataset_module.make_preview

    def slow(*args: Any) -> Any:
        entered.set()
        gate.wait(5)
        return real(*args)

    monkeypatch.setattr(dataset_module, "make_preview", slow)
    return gate, entered


def test_items_come_in_pages_with_their_state_bits(grid_set: Path) -> None:
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=0)
    w.dataset.set_reviewed("c.jpg")
    w.dataset.add_tag("b.jpg", "new")
    replies = Replies(w)
    w._on_request(w, {"type": "items", "rid": 1, "start": 1, "count": 10}, [])
    content, _ = replies.wait_for(1)
    assert content["start"] == 1
    assert content["items"] == [["b.jpg", "b.jpg", 1 | 8], ["c.jpg", "c.jpg", 1 | 2],
                                ["d.jpg", "d.jpg", 1 | 4]]


def test_thumbnails_come_in_one_reply_with_a_buffer_per_image(grid_set: Path) -> None:
    (grid_set / "b.jpg").write_bytes(b"broken")
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=2)
    replies = Replies(w)
    w._on_request(w, {"type": "thumbs", "rid": 5, "ids": ["a.jpg", "b.jpg", "c.jpg"],
                      "size": 64, "group": 1}, [])
    content, buffers = replies.wait_for(5)
    assert [(t["id"], t["ok"]) for t in content["thumbs"]] == [
        ("a.jpg", True), ("b.jpg", False), ("c.jpg", True)]
    assert len(buffers) == 2 and all(b[:2] == b"\xff\xd8" for b in buffers)
    assert "not an image" in content["thumbs"][1]["error"]


def test_a_newer_show_request_supersedes_queued_previews(
    grid_set: Path, held_decoder: tuple[threading.Event, threading.Event],
) -> None:
    gate, entered = held_decoder
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=1)
    replies = Replies(w)
    for rid, (item_id, purpose) in enumerate(
        [("a.jpg", "show"), ("b.jpg", "prefetch"), ("c.jpg", "show"), ("d.jpg", "show")], 1
    ):
        w._on_request(w, {"type": "preview", "rid": rid, "id": item_id, "width": 64,
                          "height": 64, "purpose": purpose}, [])
        if rid == 1:
            assert entered.wait(5)  # the first is being made when the others come
    gate.set()
    outcome = {rid: replies.wait_for(rid)[0] for rid in (1, 2, 3, 4)}
    assert outcome[1]["ok"]  # already running when the others came
    assert outcome[2].get("superseded") and outcome[3].get("superseded")
    assert outcome[4]["ok"] and outcome[4]["id"] == "d.jpg"


def test_a_newer_thumbnail_group_supersedes_queued_batches(
    grid_set: Path, held_decoder: tuple[threading.Event, threading.Event],
) -> None:
    gate, entered = held_decoder
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=1)
    replies = Replies(w)
    for rid, group in [(1, 1), (2, 1), (3, 2)]:
        w._on_request(w, {"type": "thumbs", "rid": rid, "ids": ["a.jpg", "c.jpg"], "size": 64,
                          "group": group}, [])
        if rid == 1:
            assert entered.wait(5)
    gate.set()
    first, second, third = (replies.wait_for(rid)[0] for rid in (1, 2, 3))
    assert first.get("superseded") or first["ok"]  # it was running; it may stop half way
    assert second.get("superseded")
    assert third["ok"] and len(third["thumbs"]) == 2


def test_the_selection_is_shared_and_kept_valid(grid_set: Path) -> None:
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=0)
    w.selection = [3, 1, 1, 99, -2]
    assert w.selection == [1, 3]
    w.set_state({"selection": [2, 0]})  # as the front end sets it
    assert w.selection == [0, 2]


def test_every_change_of_an_item_moves_the_items_version(grid_set: Path) -> None:
    w = TaggerWidget(Dataset(grid_set), autosave=False, workers=0)
    before = w.items_version
    w.dataset.add_tag(0, "z")
    w.dataset.set_reviewed(1)
    w.save()
    assert w.items_version >= before + 3


def test_a_folder_read_in_the_background_shows_once_read(tmp_path: Path) -> None:
    jpeg = write_image(tmp_path / "img0.jpg").read_bytes()
    for n in range(1, 5000):
        (tmp_path / f"img{n}.jpg").write_bytes(jpeg)
    w = TaggerWidget(tmp_path, autosave=False, workers=0, background=True)
    assert w.loading["phase"] in ("scanning", "ready")
    assert w.dataset is not None and w.ready
    assert (w.count, w.index, w.loading["phase"]) == (5000, 0, "ready")


def test_reading_a_folder_reports_its_progress(tmp_path: Path) -> None:
    jpeg = write_image(tmp_path / "img0.jpg").read_bytes()
    for n in range(1, 4500):
        (tmp_path / f"img{n}.jpg").write_bytes(jpeg)
    seen: list[tuple[int, int]] = []
    Dataset(tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 4500), (2000, 4500), (4000, 4500), (4500, 4500)]
