"""The preview cache: made once per version of a file and box, kept on disk, least recently used
evicted past its cap, and never trusted over the file it was made from."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, Preview
from lora_tagger_widget.core import dataset as dataset_module
from lora_tagger_widget.core.files import StateFolder
from lora_tagger_widget.core.previews import PreviewCache, preview_key

from imagefiles import write_image


@pytest.fixture
def counted_decodes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every image decoded into a preview, in order."""
    calls: list[Path] = []
    real = dataset_module.make_preview

    def counting(path: Path, width: int, height: int) -> Preview:
        calls.append(path)
        return real(path, width, height)

    monkeypatch.setattr(dataset_module, "make_preview", counting)
    return calls


def test_a_preview_is_decoded_once_then_served_from_the_cache(
    make_set: Callable[..., Path], counted_decodes: list[Path],
) -> None:
    ds = Dataset(make_set({"a.jpg": None}))
    first = ds.preview(0, 200, 200)
    assert ds.preview(0, 200, 200).data == first.data
    assert ds.preview(0, 210, 195).data == first.data  # nearby boxes share the entry
    assert len(counted_decodes) == 1


def test_the_disk_cache_survives_a_restart(
    make_set: Callable[..., Path], counted_decodes: list[Path],
) -> None:
    root = make_set({"a.jpg": None})
    made = Dataset(root).preview(0, 200, 200)
    assert list((root / ".lora-tagger" / "cache").iterdir())
    again = Dataset(root).preview(0, 200, 200)
    assert (again.data, again.width, again.height, again.mime) == (
        made.data, made.width, made.height, made.mime)
    assert len(counted_decodes) == 1


def test_a_changed_image_is_decoded_again(
    make_set: Callable[..., Path], counted_decodes: list[Path],
) -> None:
    root = make_set({"a.jpg": None})
    ds = Dataset(root)
    ds.preview(0, 200, 200)
    write_image(root / "a.jpg", size=(90, 30), color="red")
    os.utime(root / "a.jpg", ns=(1, 10**18))
    assert ds.preview(0, 200, 200).width == 90
    assert len(counted_decodes) == 2


def test_the_least_recently_used_previews_leave_first_past_the_cap(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    cache = PreviewCache(state, "cache", max_disk_bytes=2500, max_memory_bytes=2500)
    for name in "abc":
        cache.put(name, Preview(bytes(1000), "image/jpeg", 10, 10))
        if name == "b":
            cache.get("a")  # a is used again: b is now the oldest
    assert cache.disk_bytes <= 2500 and cache.memory_bytes <= 2500
    assert sorted(p.name.split("-")[0] for p in state.path.joinpath("cache").iterdir()) == [
        "a", "c"]
    fresh = PreviewCache(state, "cache")
    assert fresh.get("b") is None and fresh.get("a") is not None


def test_a_damaged_cache_entry_is_ignored(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    state.write("cache/k-10xZ.jpg", b"x")
    assert PreviewCache(state, "cache").get("k") is None


def test_keys_differ_by_file_version_and_box() -> None:
    keys = {
        preview_key("a.jpg", 10, 1, (64, 64)),
        preview_key("a.jpg", 11, 1, (64, 64)),
        preview_key("a.jpg", 10, 2, (64, 64)),
        preview_key("a.jpg", 10, 1, (64, 96)),
        preview_key("b.jpg", 10, 1, (64, 64)),
    }
    assert len(keys) == 5


def test_a_preview_asked_twice_at_once_is_made_once(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ds = Dataset(make_set({"a.jpg": None}))
    entered, gate = threading.Event(), threading.Event()
    made: list[Path] = []
    real = dataset_module.make_preview

    def slow(path: Path, width: int, height: int) -> Preview:
        made.append(path)
        entered.set()
        gate.wait(5)
        return real(path, width, height)

    monkeypatch.setattr(dataset_module, "make_preview", slow)
    results: list[Preview] = []
    first = threading.Thread(target=lambda: results.append(ds.preview(0, 100, 100)))
    first.start()
    assert entered.wait(5)
    second = threading.Thread(target=lambda: results.append(ds.preview(0, 100, 100)))
    second.start()
    gate.set()
    first.join(5)
    second.join(5)
    assert len(made) == 1 and len(results) == 2 and results[0].data == results[1].data
