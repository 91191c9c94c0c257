"""Undo and redo on a data set: one entry per action, captions restored byte for byte on save,
refusal when a caption changed since, removal of a caption file an edit created, persistence."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import (
    CaptionConflictError,
    Change,
    Dataset,
    UndoConflictError,
)
from lora_tagger_widget.core import dataset as dataset_module
from lora_tagger_widget.core import history as _history
from lora_tagger_widget.core import journal as _journal
from lora_tagger_widget.core.history import CaptionEdit


def _captions(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.txt"))}


def test_undo_and_redo_of_a_single_edit(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red hair,  smiling\n"})
    original = (root / "a.txt").read_bytes()
    ds = Dataset(root)
    assert not ds.can_undo and ds.undo() is None and ds.redo() is None
    ds.add_tag(0, "sky")
    assert ds.history_labels() == (['Add "sky" to a.jpg'], [])
    entry = ds.undo()
    assert entry is not None and entry.label == 'Add "sky" to a.jpg'
    assert ds[0].caption == "red hair,  smiling\n" and ds.can_redo and not ds.can_undo
    assert ds.history_labels() == ([], ['Add "sky" to a.jpg'])
    ds.save()
    assert (root / "a.txt").read_bytes() == original
    assert ds.redo() == entry
    assert ds[0].tags == ["red hair", "smiling", "sky"] and ds.vocabulary["sky"] == 1


def test_each_single_edit_is_one_entry_with_a_label_a_person_understands(
    make_set: Callable[..., Path],
) -> None:
    ds = Dataset(make_set({"a.jpg": "x", "sub/b.jpg": "y"}))
    ds.add_tag(0, "y, z")
    ds.remove_tag(0, "x")
    ds.toggle_tag("sub/b.jpg", "y")
    ds.toggle_tag("sub/b.jpg", "y")
    ds.set_tags(0, ["z", "y"])
    ds.set_caption(0, "a photo")
    ds.add_tag(0, "a photo")  # changes nothing: not recorded
    assert ds.history_labels()[0] == [
        "Edit the caption of a.jpg", "Set the tags of a.jpg", 'Add "y" to sub/b.jpg',
        'Remove "y" from sub/b.jpg', 'Remove "x" from a.jpg', 'Add "y" and "z" to a.jpg']


def test_undo_and_redo_of_a_batch_restore_every_file_on_save(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "b_tag, a_tag", "b.jpg": "z,y\n", "c.jpg": "ok"})
    original = _captions(root)
    ds = Dataset(root)
    ds.apply_batch({"kind": "sort"})
    ds.save()
    sorted_files = _captions(root)
    assert sorted_files["a.txt"] == b"a_tag, b_tag"
    heard: list[Change] = []
    ds.subscribe(heard.append)
    ds.undo()
    assert heard == [Change("tags", ("a.jpg", "b.jpg"))]
    ds.save()
    assert _captions(root) == original
    ds.redo()
    ds.save()
    assert _captions(root) == sorted_files


@pytest.mark.parametrize("action", ["rename", "delete"])
def test_undo_of_rename_and_delete_tag_restores_the_captions(
    make_set: Callable[..., Path], action: str,
) -> None:
    root = make_set({"a.jpg": "x, red_hair, y", "b.jpg": "red_hair", "c.jpg": "z"})
    original = _captions(root)
    ds = Dataset(root)
    if action == "rename":
        assert ds.rename_tag("red_hair", "red hair") == 2
    else:
        assert ds.delete_tag("red_hair") == 2
    ds.save()
    assert _captions(root) != original
    ds.undo()
    assert ds.vocabulary["red_hair"] == 2 and "red hair" not in ds.vocabulary
    ds.save()
    assert _captions(root) == original


def test_undo_of_set_caption_restores_the_text_byte_for_byte(
    make_set: Callable[..., Path],
) -> None:
    data = b"\xef\xbb\xbfRed Hair,smiling \r\n"
    root = make_set({"a.jpg": data})
    ds = Dataset(root)
    ds.set_caption(0, "A woman smiling in the sun.")
    ds.save()
    assert (root / "a.txt").read_bytes() == b"\xef\xbb\xbfA woman smiling in the sun."
    ds.undo()
    assert ds[0].tags == ["Red Hair", "smiling"]
    ds.save()
    assert (root / "a.txt").read_bytes() == data
    ds.redo()
    assert ds[0].caption == "A woman smiling in the sun."


def test_undo_is_refused_when_a_caption_changed_on_disk_since(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["new"]})
    ds.save()
    (root / "b.txt").write_bytes(b"y, new, from another program")
    assert ds.refresh("b.jpg")
    with pytest.raises(UndoConflictError, match=r"b\.jpg") as caught:
        ds.undo()
    assert caught.value.ids == ["b.jpg"]
    assert ds[0].caption == "x, new" and not ds.unsaved
    assert ds.history_labels() == (['Add "new" at the end (2 images)'], [])
    ds.save()
    assert _captions(root) == {"a.txt": b"x, new", "b.txt": b"y, new, from another program"}


def test_undo_is_refused_when_a_caption_was_edited_again_or_its_image_is_gone(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["new"]})
    ds.undo()
    ds.set_caption("a.jpg", "something else")  # drops the redo entry
    assert not ds.can_redo
    ds.apply_batch({"kind": "add", "tags": ["more"]})
    ds.save()
    (root / "b.jpg").unlink()
    (root / "b.txt").unlink()
    again = Dataset(root)
    with pytest.raises(UndoConflictError, match="no longer in the data set"):
        again.undo()
    assert again[0].caption == "something else, more"


def test_undo_of_a_first_edit_removes_the_caption_file_it_created(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None})
    ds = Dataset(root)
    ds.add_tag("a.jpg", "x")
    ds.save()
    assert (root / "a.txt").read_bytes() == b"x"
    ds.add_tag("b.jpg", "y")  # never saved
    heard: list[Change] = []
    ds.subscribe(heard.append)
    ds.undo()
    ds.undo()
    report = ds.save()
    assert report.written == ("a.jpg",) and heard[-1] == Change("saved", ("a.jpg",))
    assert _captions(root) == {}
    assert not ds[0].has_caption_file and not ds.unsaved
    assert "no_caption" in [flag.code for flag in ds[0].flags]
    ds.redo()
    ds.save()
    assert _captions(root) == {"a.txt": b"x"}


def test_a_caption_file_to_remove_that_changed_on_disk_is_a_conflict(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None})
    ds = Dataset(root)
    ds.add_tag(0, "x")
    ds.save()
    ds.undo()
    (root / "a.txt").write_bytes(b"x, theirs")
    with pytest.raises(CaptionConflictError):
        ds.save()
    assert (root / "a.txt").read_bytes() == b"x, theirs"
    assert ds[0].conflict is not None and ds[0].conflict.theirs == "x, theirs"


def test_history_survives_a_new_data_set_on_the_same_folder(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": None})
    original = _captions(root)
    ds = Dataset(root)
    ds.rename_tag("x", "y")
    ds.add_tag("b.jpg", "z")
    ds.save()
    del ds
    again = Dataset(root)
    assert again.history_labels() == (['Add "z" to b.jpg', 'Rename "x" to "y" (1 image)'], [])
    again.undo()
    again.undo()
    again.save()
    assert _captions(root) == original
    third = Dataset(root)
    assert third.history_labels() == ([], ['Rename "x" to "y" (1 image)', 'Add "z" to b.jpg'])
    assert third.redo() is not None and third[0].caption == "y"


def test_recording_does_not_fail_an_edit_when_the_history_cannot_be_saved(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x"})
    (root / ".lora-tagger").mkdir()
    (root / ".lora-tagger" / "history").write_text("not a folder")
    ds = Dataset(root)
    assert ds.add_tag(0, "y") == ["x", "y"]
    assert ds.history.warning and ds.can_undo
    ds.undo()
    assert ds[0].caption == "x"


def test_save_writes_a_big_edit_to_the_journal_before_the_captions(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_history, "BACKGROUND_OVER_EDITS", 2)
    real_encode = _journal.encode_edits
    encoded: list[int] = []  # the patch is where the history looks the encoder up

    def slow_encode(edits: tuple[CaptionEdit, ...]) -> tuple[bytes, bool]:
        time.sleep(0.3)  # the save starts while the journal is still being written
        encoded.append(len(edits))
        return real_encode(edits)

    monkeypatch.setattr(_journal, "encode_edits", slow_encode)
    root = make_set({f"{n}.jpg": "cat, dog" for n in range(5)})
    journal = root / ".lora-tagger" / "history" / "journal.jsonl"
    monkeypatch.setattr(dataset_module, "SAVE_CHUNK", 1)
    seen: list[bool] = []

    def progress(done: int, total: int) -> None:  # as each caption is written
        seen.append(b'"Rename' in journal.read_bytes())

    ds = Dataset(root)
    assert ds.rename_tag("cat", "feline") == 5
    ds.save(progress=progress)
    assert seen == [True] * 5 and _captions(root)["0.txt"] == b"feline, dog"
    assert encoded == [5] and Dataset(root).undo() is not None
