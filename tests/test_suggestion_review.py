"""Reviewing auto-tag suggestions one tag at a time, and the preview of accepting a scope above a
score: what the widget's suggestion chips and Auto-tag panel ask of the data set."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import Dataset

from imagefiles import write_image


def _tagger(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
    return [[("sure", 0.95), ("maybe", 0.5), ("no", 0.1)] for _ in images]


@pytest.fixture
def ds(tmp_path: Path) -> Dataset:
    root = tmp_path / "imgs"
    for name in ("a", "b"):
        write_image(root / f"{name}.png", color="blue")
    (root / "b.txt").write_text("sky", encoding="utf-8")
    dataset = Dataset(root)
    dataset.autotag(_tagger, general_threshold=0.3, existing="append")
    return dataset


def test_accepting_one_tag_adds_it_as_one_undo_step_and_leaves_the_rest_suggested(
        ds: Dataset) -> None:
    heard = []
    ds.subscribe(lambda change: heard.append((change.kind, change.ids)))

    assert ds.accept_suggested_tag("b.png", "maybe") == ["sky", "maybe"]

    assert [t.tag for t in ds.suggestions.get("b.png").tags] == ["sure"]
    assert ("tags", ("b.png",)) in heard and heard[-1] == ("suggestions", ("b.png",))
    assert ds.history_labels()[0][0] == 'Add "maybe" to b.png'
    ds.undo()
    assert ds[1].tags == ["sky"]
    assert Dataset(ds.root).suggestions.get("b.png").tags[0].tag == "sure"  # stored


def test_the_last_tag_taken_closes_the_suggestion(ds: Dataset) -> None:
    assert ds.reject_suggested_tag("a.png", "sure") == ["maybe"]
    assert ds.accept_suggested_tag("a.png", "maybe") == ["maybe"]
    assert ds.suggestions.get("a.png") is None and ds.suggestions.is_done("a.png")
    assert ds.reject_suggested_tag("b.png", "maybe") == ["sure"]
    assert ds.reject_suggested_tag("b.png", "sure") == []
    assert ds.suggestions.open_ids() == [] and ds[1].tags == ["sky"]


def test_a_tag_not_suggested_is_refused_and_changes_nothing(ds: Dataset) -> None:
    with pytest.raises(KeyError, match=r"'no' is not suggested for a\.png"):
        ds.accept_suggested_tag("a.png", "no")
    ds.reject_suggestions(["b.png"])
    with pytest.raises(KeyError, match="not suggested"):
        ds.reject_suggested_tag("b.png", "sure")
    assert ds[0].tags == [] and ds.unsaved_count == 0
    assert [t.tag for t in ds.suggestions.get("a.png").tags] == ["sure", "maybe"]


def test_the_preview_of_accepting_above_a_score_changes_nothing_and_matches_the_accept(
        ds: Dataset) -> None:
    preview = ds.preview_accept_suggestions(None, min_score=0.9)

    assert [(c.id, c.after) for c in preview.changes] == [("a.png", "sure"),
                                                          ("b.png", "sky, sure")]
    assert preview.tags_added == {"sure": 2}
    assert ds[0].tags == [] and ds.unsaved_count == 0 and len(ds.suggestions.open_ids()) == 2
    applied = ds.accept_suggestions(None, min_score=0.9)
    assert [(c.id, c.after) for c in applied.changes] == [(c.id, c.after)
                                                          for c in preview.changes]


def test_a_locked_caption_is_left_out_of_the_preview(ds: Dataset) -> None:
    (ds.root / "a.txt").write_bytes(b"\xff\xfe bad")
    ds.refresh(0)
    preview = ds.preview_accept_suggestions(["a.png", "b.png"])
    assert preview.skipped_locked == ("a.png",) and [c.id for c in preview.changes] == ["b.png"]



def test_undoing_an_acceptance_opens_the_suggestion_again_and_redo_closes_it(
        tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for name in ("a.png", "b.png", "c.png"):
        write_image(root / name)
    ds = Dataset(root)
    ds.autotag(lambda images: [[("sky", 0.9), ("sea", 0.6)]] * len(images))
    ds.accept_suggestions(["a.png", "b.png"])
    assert ds.suggestions.open_ids() == ["c.png"]
    ds.undo()
    assert ds.suggestions.open_ids() == ["a.png", "b.png", "c.png"]
    assert [t.tag for t in ds.suggestions.get("a.png").tags] == ["sky", "sea"]
    ds.redo()
    assert ds.suggestions.open_ids() == ["c.png"] and ds[0].tags == ["sky", "sea"]

    ds.accept_suggested_tag("c.png", "sea")  # one chip accepted: it goes, "sky" stays
    assert [t.tag for t in ds.suggestions.get("c.png").tags] == ["sky"]
    ds.undo()
    assert [t.tag for t in ds.suggestions.get("c.png").tags] == ["sky", "sea"]
    assert ds[2].tags == []
    assert Dataset(root).suggestions.open_ids() == ["c.png"]  # kept on disk as it is now
