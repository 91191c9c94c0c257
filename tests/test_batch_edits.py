"""Batch edits on a data set: scope, locked captions, one change per batch, preview equal to the
result, paste, tag counts per scope, the trigger word, raw caption text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import (
    BatchPreview,
    BatchReport,
    CaptionLockedError,
    Change,
    Dataset,
    Operation,
)

CAPTIONS: dict[str, str | bytes | None] = {
    "a.jpg": "red_hair, smiling",
    "b.jpg": "smiling,outdoors\n",
    "c.jpg": "red_hair, red_hair, sky",
    "d.jpg": None,
    "e.jpg": "café, red_hair".encode("cp1252"),  # locked: not UTF-8
}


def _files(root: Path) -> dict[str, bytes]:
    """Every file of the folder but the tool's own state, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".lora-tagger" not in p.parts
    }


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set(CAPTIONS)


def test_a_batch_edit_changes_only_the_files_it_should_on_save(root: Path) -> None:
    before = _files(root)
    ds = Dataset(root)
    report = ds.apply_batch({"kind": "rename", "mapping": {"red_hair": "red hair"}})
    assert _files(root) == before  # nothing written before the save
    ds.save()
    after = _files(root)
    assert _changed(before, after) == {"a.txt", "c.txt"}
    assert after["a.txt"] == b"red hair, smiling"
    assert after["c.txt"] == b"red hair, sky"  # a repeat the rename made goes
    assert [change.id for change in report.changes] == ["a.jpg", "c.jpg"]


def test_scope_by_positions_and_by_ids_edits_only_those_images(root: Path) -> None:
    ds = Dataset(root)
    op = Operation("add", tags=("ohwx",), where="start")
    by_positions = ds.apply_batch(op, [2, 0, 0])
    assert [change.id for change in by_positions.changes] == ["a.jpg", "c.jpg"]
    by_ids = ds.apply_batch(op, ["b.jpg", "d.jpg", "a.jpg"])
    assert [change.id for change in by_ids.changes] == ["b.jpg", "d.jpg"]  # a.jpg has it
    before = _files(root)
    ds.save()
    assert _changed(before, _files(root)) == {"a.txt", "b.txt", "c.txt", "d.txt"}
    assert (root / "b.txt").read_bytes() == b"ohwx,smiling,outdoors\n"
    assert (root / "d.txt").read_bytes() == b"ohwx"


def test_an_unknown_image_in_the_scope_is_refused_and_nothing_changes(root: Path) -> None:
    ds = Dataset(root)
    with pytest.raises(KeyError):
        ds.apply_batch({"kind": "remove", "tags": ["smiling"]}, ["a.jpg", "nope.jpg"])
    with pytest.raises(IndexError):
        ds.apply_batch({"kind": "remove", "tags": ["smiling"]}, [0, 99])
    assert not ds.unsaved and not ds.can_undo


def test_locked_captions_are_skipped_and_counted(root: Path) -> None:
    before = _files(root)
    ds = Dataset(root)
    preview = ds.preview_batch({"kind": "remove", "tags": ["red_hair"]})
    report = ds.apply_batch({"kind": "remove", "tags": ["red_hair"]})
    for result in (preview, report):
        assert result.skipped_locked == ("e.jpg",)
        assert result.scope_size == 4
        assert "1 locked image left out" in result.summary()
    ds.save()
    after = _files(root)
    assert after["e.txt"] == before["e.txt"]
    assert _changed(before, after) == {"a.txt", "c.txt"}


def test_a_batch_tells_the_listeners_once_with_every_changed_id(root: Path) -> None:
    ds = Dataset(root)
    heard: list[Change] = []
    ds.subscribe(heard.append)
    ds.apply_batch({"kind": "add", "tags": ["x"]})
    assert heard == [Change("tags", ("a.jpg", "b.jpg", "c.jpg", "d.jpg"))]
    heard.clear()
    ds.apply_batch({"kind": "remove", "tags": ["not there"]})
    assert heard == []


def test_the_preview_is_exactly_what_apply_does(root: Path) -> None:
    ds = Dataset(root)
    ds.set_tags("b.jpg", ["outdoors", "sky", "smiling"])
    ds.set_tags("a.jpg", ["smiling", "red_hair"])
    op = {"kind": "sort", "order": "frequency"}
    preview = ds.preview_batch(op)
    assert len(ds.history_labels()[0]) == 2
    report = ds.apply_batch(op)
    assert isinstance(report, BatchReport) and isinstance(report, BatchPreview)
    assert report == preview
    assert report.label == "Sort tags by frequency, most common first (2 images)"
    for change in report.changes:
        assert ds[change.id].caption == change.after
    # red_hair (3 images) before smiling and sky (2 each, kept in order) before outdoors (1)
    assert ds["a.jpg"].tags == ["red_hair", "smiling"]
    assert ds["b.jpg"].tags == ["sky", "smiling", "outdoors"]


def test_apply_plans_again_so_it_matches_the_captions_at_apply_time(root: Path) -> None:
    ds = Dataset(root)
    op = {"kind": "remove", "tags": ["smiling"]}
    preview = ds.preview_batch(op)
    ds.remove_tag("b.jpg", "smiling")
    report = ds.apply_batch(op)
    assert [c.id for c in preview.changes] == ["a.jpg", "b.jpg"]
    assert [c.id for c in report.changes] == ["a.jpg"]


def test_a_batch_updates_vocabulary_tagged_count_and_unsaved(root: Path) -> None:
    ds = Dataset(root)
    ds.apply_batch({"kind": "remove", "tags": ["smiling", "outdoors"]}, ["b.jpg"])
    assert ds.vocabulary["smiling"] == 1 and "outdoors" not in ds.vocabulary
    assert ds.tagged_count == 3
    assert [item.id for item in ds.unsaved] == ["b.jpg"]


def test_the_data_sets_trigger_stays_first_in_a_batch_given_as_a_dict(root: Path) -> None:
    ds = Dataset(root)
    ds.trigger = "ohwx"
    ds.set_tags("b.jpg", ["ohwx", "zebra", "apple"])
    ds.apply_batch({"kind": "sort"}, ["b.jpg"])
    assert ds["b.jpg"].tags == ["ohwx", "apple", "zebra"]
    ds.apply_batch({"kind": "trigger"}, ["a.jpg"])
    assert ds["a.jpg"].tags == ["ohwx", "red_hair", "smiling"]


def test_an_invalid_operation_is_refused_before_anything_changes(root: Path) -> None:
    ds = Dataset(root)
    with pytest.raises(ValueError):
        ds.apply_batch({"kind": "explode"})
    with pytest.raises(ValueError):
        ds.apply_batch({"kind": "replace", "pattern": "_", "replacement": "\x00",
                        "target": "caption"})
    assert ds.unsaved == [] and not ds.can_undo


def test_rename_and_delete_tag_are_single_batch_edits(root: Path) -> None:
    ds = Dataset(root)
    heard: list[Change] = []
    ds.subscribe(heard.append)
    assert ds.rename_tag("red_hair", "red hair") == 2
    assert heard == [Change("tags", ("a.jpg", "c.jpg")), Change("palette")]
    assert ds.delete_tag("smiling") == 2
    assert ds.history_labels() == (
        ['Remove "smiling" (2 images)', 'Rename "red_hair" to "red hair" (2 images)'], [])
    assert ds.delete_tag("") == 0 and ds.rename_tag("a, b", "c") == 0


def test_tag_counts_count_images_in_the_scope(root: Path) -> None:
    ds = Dataset(root)
    assert ds.tag_counts() == ds.vocabulary.as_dict()
    assert ds.tag_counts([0, "c.jpg"]) == {"red_hair": 2, "smiling": 1, "sky": 1}
    assert ds.tag_counts([]) == {}


def test_paste_adds_missing_tags_at_the_end_once(root: Path) -> None:
    ds = Dataset(root)
    heard: list[Change] = []
    ds.subscribe(heard.append)
    report = ds.paste_tags(["a.jpg", "b.jpg", "d.jpg"], "smiling, sky, sky")
    assert ds["a.jpg"].caption == "red_hair, smiling, sky"
    assert ds["b.jpg"].caption == "smiling,outdoors,sky\n"
    assert ds["d.jpg"].caption == "smiling, sky"
    assert len(heard) == 1 and report.label == 'Paste "smiling" and "sky" (3 images)'
    assert ds.history_labels()[0] == [report.label]


def test_paste_replace_makes_the_tags_exactly_those_keeping_the_captions_bytes(root: Path) -> None:
    ds = Dataset(root)
    report = ds.paste_tags([0, 1, 2, 4], ["smiling", "sky"], mode="replace")
    assert report.operation is None and report.skipped_locked == ("e.jpg",)
    assert ds["a.jpg"].caption == "smiling, sky"
    assert ds["b.jpg"].caption == "smiling,sky\n"
    assert ds["c.jpg"].tags == ["smiling", "sky"]
    assert ds.history_labels()[0] == ['Paste "smiling" and "sky" replacing the tags (3 images)']
    ds.undo()
    assert ds["b.jpg"].caption == "smiling,outdoors\n"
    with pytest.raises(ValueError):
        ds.paste_tags(None, [], mode="replace")
    with pytest.raises(ValueError):
        ds.paste_tags(None, ["x"], mode="merge")


def test_set_caption_replaces_the_text_and_splits_tags(root: Path) -> None:
    ds = Dataset(root)
    text = "A photo of ohwx woman, smiling.\nOutdoors\twith sky"
    assert ds.set_caption("a.jpg", text) == text
    assert ds["a.jpg"].tags == ["A photo of ohwx woman", "smiling.", "Outdoors\twith sky"]
    assert ds.vocabulary["red_hair"] == 2
    ds.save()
    assert (root / "a.txt").read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize("bad", ["nul\x00here", "bell\x07", "esc\x1b[0m", "c1\x85"])
def test_set_caption_refuses_control_characters(root: Path, bad: str) -> None:
    ds = Dataset(root)
    with pytest.raises(ValueError, match="control character"):
        ds.set_caption("a.jpg", bad)
    assert not ds["a.jpg"].dirty


def test_set_caption_is_refused_on_a_locked_caption(root: Path) -> None:
    ds = Dataset(root)
    with pytest.raises(CaptionLockedError):
        ds.set_caption("e.jpg", "x")


def test_the_trigger_word_is_kept_in_the_session(root: Path) -> None:
    ds = Dataset(root)
    assert ds.trigger is None
    heard: list[Change] = []
    ds.subscribe(heard.append)
    ds.trigger = " ohwx "
    assert ds.trigger == "ohwx" and heard == [Change("settings")]
    with pytest.raises(ValueError):
        ds.trigger = "a, b"
    ds.save()
    again = Dataset(root)
    assert again.trigger == "ohwx"
    again.trigger = ""
    again.save()
    assert Dataset(root).trigger is None
