"""Live changes, images: an image put in the open folder by another program (a copy, a move, a
new folder of them) joins the data set at its end once its file stops changing, with its caption,
and shows in the open widget; hidden files, other files and our own uploads' partial files do
not; an image added here already (an upload) is not added twice."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Change, Dataset, TaggerWidget
from lora_tagger_widget.core import watch as watch_module
from lora_tagger_widget.core.watch import watch_dataset

from imagefiles import write_image
from test_watch import aged, elsewhere, started, wait_for

FILES = {"a.jpg": "cat, sitting", "b.jpg": "dog", "sub/c.png": None}


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set(FILES)


def ids(dataset: Dataset) -> list[str]:
    return [item.id for item in dataset]


@pytest.mark.parametrize("mode", ["auto", "polling"])
def test_an_image_copied_in_by_another_process_joins_at_the_end_with_its_caption(
    root: Path, tmp_path: Path, mode: str,
) -> None:
    aged(root)
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, mode)
    started(dataset)
    heard: list[Change] = []
    dataset.subscribe(heard.append)
    outside = tmp_path / "outside"
    write_image(outside / "0new.png")
    (outside / "0new.txt").write_text("bird, flying", encoding="utf-8")
    write_image(outside / "sub" / "d.webp")
    elsewhere(root, f"""
        import shutil
        shutil.copy({str(outside / '0new.txt')!r}, {str(root / '0new.txt')!r})
        shutil.copy({str(outside / '0new.png')!r}, {str(root / '0new.png')!r})
        shutil.copy({str(outside / 'sub' / 'd.webp')!r}, {str(root / 'sub' / 'd.webp')!r})
    """)
    wait_for(lambda: len(dataset) == 5, "the new images in the data set")
    assert ids(dataset)[:3] == ["a.jpg", "b.jpg", "sub/c.png"]  # no position moved
    assert sorted(ids(dataset)[3:]) == ["0new.png", "sub/d.webp"]
    assert dataset["0new.png"].tags == ["bird", "flying"]
    assert dataset.vocabulary["bird"] == 1
    assert [change.kind for change in heard if change.kind == "added"]
    # Their captions are watched from now on, a new extension (.webp) too.
    (root / "sub" / "d.txt").write_text("fish", encoding="utf-8")
    wait_for(lambda: dataset["sub/d.webp"].tags == ["fish"], "the new image's new caption")
    unwatch()


def test_a_folder_of_images_moved_in_joins_and_is_watched_from_then_on(
    root: Path, tmp_path: Path,
) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    assert started(dataset).mode == "native"
    batch = tmp_path / "10_new"
    for name in ("x.jpg", "y.jpg", "deeper/z.png"):
        write_image(batch / name)
    (batch / "x.txt").write_text("x caption", encoding="utf-8")
    shutil.move(batch, root / "10_new")
    wait_for(lambda: len(dataset) == 6, "the moved folder's images")
    assert sorted(ids(dataset)[3:]) == ["10_new/deeper/z.png", "10_new/x.jpg", "10_new/y.jpg"]
    assert dataset["10_new/x.jpg"].tags == ["x caption"]
    write_image(root / "10_new" / "deeper" / "later.jpg")
    wait_for(lambda: "10_new/deeper/later.jpg" in ids(dataset),
             "an image put later in the new folder's folder")
    (root / "10_new" / "y.txt").write_text("y caption", encoding="utf-8")
    wait_for(lambda: dataset["10_new/y.jpg"].tags == ["y caption"], "a caption in the new folder")
    unwatch()


def test_an_image_still_being_written_waits_until_it_stops_changing(
    root: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watch_module, "SETTLE_SECONDS", 3.0)
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    whole = (root / "a.jpg").read_bytes()
    target = root / "slow.jpg"
    with open(target, "wb") as out:
        for start in range(0, len(whole), max(1, len(whole) // 10)):
            out.write(whole[start:start + max(1, len(whole) // 10)])
            out.flush()
            time.sleep(0.1)
            assert "slow.jpg" not in ids(dataset), "taken in while still being written"
    wait_for(lambda: "slow.jpg" in ids(dataset), "the image once written")
    assert dataset["slow.jpg"].image_error is None
    assert dataset["slow.jpg"].image_info == dataset["a.jpg"].image_info
    unwatch()


def test_hidden_files_other_files_and_upload_partials_are_not_taken_in(root: Path) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    write_image(root / ".hidden.png")
    write_image(root / ".hidden" / "h.png")
    write_image(root / ".lora-tagger" / "uploads" / "part.png")
    (root / "notes.md").write_text("not an image")
    (root / "fake.png").mkdir()  # a folder named like an image
    write_image(root / "sub" / "marker.png")
    wait_for(lambda: "sub/marker.png" in ids(dataset), "the marker image")
    time.sleep(watch_module.SETTLE_SECONDS + 0.5)  # what came before the marker has settled too
    assert ids(dataset) == ["a.jpg", "b.jpg", "sub/c.png", "sub/marker.png"]
    unwatch()


def test_an_image_the_data_set_took_in_already_is_not_added_twice(root: Path) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    heard: list[Change] = []
    dataset.subscribe(heard.append)
    write_image(root / "mine.png")
    assert dataset.add_images(["mine.png"]) == [3]
    write_image(root / "sub" / "marker.png")
    wait_for(lambda: "sub/marker.png" in ids(dataset), "the marker image")
    assert ids(dataset) == ["a.jpg", "b.jpg", "sub/c.png", "mine.png", "sub/marker.png"]
    assert [change.ids for change in heard if change.kind == "added"] == [
        ("mine.png",), ("sub/marker.png",)]
    unwatch()


def test_the_open_widget_shows_an_image_copied_in(
    root: Path, kernel_loop: asyncio.AbstractEventLoop,
) -> None:
    w = TaggerWidget(root, autosave=False, workers=0, background=False, watch="auto")
    started(w.dataset)
    counted_on: list[str] = []
    w.observe(lambda _: counted_on.append(threading.current_thread().name), "count")
    write_image(root / "new.png")
    wait_for(lambda: w.count == 4, "the widget's count")
    wait_for(lambda: w.progress["all"] == 4, "the progress")
    assert set(counted_on) == {"kernel-loop"}
    w.goto(3)
    assert w._current["id"] == "new.png"
    w.close()


def test_a_link_to_a_folder_of_the_set_adds_nothing_twice(root: Path) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    (root / "mirror").symlink_to(root, target_is_directory=True)
    (root / "sub-again").symlink_to(root / "sub", target_is_directory=True)
    write_image(root / "marker.png")
    wait_for(lambda: "marker.png" in ids(dataset), "the marker image")
    time.sleep(watch_module.SETTLE_SECONDS + 0.5)
    assert ids(dataset) == ["a.jpg", "b.jpg", "sub/c.png", "marker.png"]
    unwatch()


def test_an_image_put_in_a_watched_folder_while_a_new_folder_appears_is_taken_in_too(
    root: Path, tmp_path: Path,
) -> None:
    dataset = Dataset(root)
    unwatch = watch_dataset(dataset, "auto")
    started(dataset)
    for n in range(5):
        batch = tmp_path / f"batch{n}"
        write_image(batch / "in-new.png")
        batch.rename(root / f"new{n}")
        write_image(root / "sub" / f"beside{n}.png")
    wanted = {*(f"new{n}/in-new.png" for n in range(5)),
              *(f"sub/beside{n}.png" for n in range(5))}
    wait_for(lambda: wanted <= set(ids(dataset)), "every new image")
    assert len(dataset) == 3 + len(wanted)
    unwatch()
