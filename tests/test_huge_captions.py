"""Captions too large to edit as tags (issue 11): refused by every tag edit in one place, left out
of batch edits (reported as skipped), not counted in the vocabulary, still editable as text, and
shown by the widget with a clear refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.core.captions import (
    MAX_EDIT_CHARS,
    MAX_EDIT_TAGS,
    CaptionTooLargeError,
    counts_as_tags,
    tag_edit_refusal,
)
from lora_tagger_widget.core.tokens import MAX_COUNTED_CHARS, clip_tokens, t5_tokens

MANY_TAGS = ", ".join(f"t{n}" for n in range(MAX_EDIT_TAGS + 1))  # one tag over the limit
AT_LIMIT = ", ".join(f"t{n}" for n in range(MAX_EDIT_TAGS))
LONG_TEXT = "a photo of " + "x" * MAX_EDIT_CHARS  # one tag, one character over the limit


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set({"big.jpg": MANY_TAGS, "long.jpg": LONG_TEXT, "limit.jpg": AT_LIMIT,
                     "small.jpg": "red hair, smiling"})


def _unchanged(dataset: Dataset, root: Path, item_id: str, text: str) -> None:
    item = dataset[item_id]
    assert item.caption == text and not item.dirty
    assert not dataset.can_undo
    assert (root / item_id).with_suffix(".txt").read_text(encoding="utf-8") == text


def test_the_limit_is_max_edit_tags_or_max_edit_chars() -> None:
    assert tag_edit_refusal(AT_LIMIT, AT_LIMIT.split(", ")) is None
    refusal = tag_edit_refusal(MANY_TAGS, MANY_TAGS.split(", "))
    assert refusal is not None and f"{MAX_EDIT_TAGS + 1:,} tags" in refusal and "text" in refusal
    assert tag_edit_refusal(LONG_TEXT, [LONG_TEXT]) is not None
    assert counts_as_tags(AT_LIMIT.split(", ")) and not counts_as_tags(MANY_TAGS.split(", "))
    assert not counts_as_tags([LONG_TEXT])


@pytest.mark.parametrize("item_id", ["big.jpg", "long.jpg"])
@pytest.mark.parametrize("edit", [
    lambda ds, i: ds.add_tag(i, "new"),
    lambda ds, i: ds.remove_tag(i, "t3"),
    lambda ds, i: ds.toggle_tag(i, "t3"),
    lambda ds, i: ds.set_tags(i, ["only"]),
])
def test_every_tag_edit_refuses_a_caption_too_large_and_changes_nothing(
    root: Path, item_id: str, edit: Callable[[Dataset, str], object],
) -> None:
    dataset = Dataset(root)
    text = dataset[item_id].caption
    with pytest.raises(CaptionTooLargeError, match="too large to edit as tags") as refused:
        edit(dataset, item_id)
    assert item_id in str(refused.value) and "set_caption" in str(refused.value)
    _unchanged(dataset, root, item_id, text)
    assert dataset.save().written == ()


def test_a_caption_at_the_limit_is_edited_as_tags_but_not_made_too_large(root: Path) -> None:
    dataset = Dataset(root)
    with pytest.raises(CaptionTooLargeError, match="would be too large to edit as tags"):
        dataset.add_tag("limit.jpg", "new")
    _unchanged(dataset, root, "limit.jpg", AT_LIMIT)
    assert "t0" not in dataset.remove_tag("limit.jpg", "t0")
    assert dataset.add_tag("limit.jpg", "new")[-1] == "new"
    assert dataset.vocabulary["new"] == 1 and dataset.vocabulary["t1"] == 1


def test_the_text_editor_still_edits_a_caption_too_large_and_it_becomes_tags_again(
    root: Path,
) -> None:
    dataset = Dataset(root)
    assert dataset.vocabulary[f"t{MAX_EDIT_TAGS}"] == 0  # only the too-large caption has it
    dataset.set_caption("big.jpg", MANY_TAGS + ", end")
    assert dataset["big.jpg"].tags[-1] == "end" and "end" not in dataset.vocabulary
    dataset.set_caption("big.jpg", "t1, short")
    assert dataset.vocabulary["short"] == 1 and dataset.vocabulary["t1"] == 2
    assert dataset.add_tag("big.jpg", "now tags") == ["t1", "short", "now tags"]
    dataset.save()
    assert (root / "big.txt").read_text(encoding="utf-8") == "t1, short, now tags"
    dataset.undo()
    dataset.undo()
    dataset.undo()
    assert dataset["big.jpg"].caption == MANY_TAGS and dataset.vocabulary["short"] == 0


def test_its_tags_are_not_counted_in_the_vocabulary_palette_or_scoped_counts(root: Path) -> None:
    dataset = Dataset(root)
    assert dataset.vocabulary[f"t{MAX_EDIT_TAGS}"] == 0  # only the too-large caption has it
    assert dataset.vocabulary["t0"] == 1  # limit.jpg's
    assert LONG_TEXT not in dataset.vocabulary
    assert len(dataset.palette) == MAX_EDIT_TAGS + 2
    assert dataset.tag_counts(["big.jpg", "small.jpg"]) == {"red hair": 1, "smiling": 1}
    assert dataset.filter(f"tag:t{MAX_EDIT_TAGS}") == [dataset["big.jpg"]]  # the filter sees them


def test_batch_edits_leave_it_out_and_report_it_as_skipped(root: Path) -> None:
    dataset = Dataset(root)
    preview = dataset.preview_batch({"kind": "add", "tags": ["ohwx"], "where": "start"})
    assert preview.skipped_large == ("big.jpg", "limit.jpg", "long.jpg")
    assert preview.skipped_locked == () and preview.scope_size == 1
    assert preview.skipped == ("big.jpg", "limit.jpg", "long.jpg")
    assert "3 images left out: caption too large to edit as tags" in preview.summary()
    assert len(dataset.preview_batch({"kind": "remove", "tags": ["t0"]}).changes) == 1
    report = dataset.apply_batch({"kind": "add", "tags": ["ohwx"], "where": "start"})
    assert [c.id for c in report.changes] == ["small.jpg"]  # limit.jpg would be too large
    assert report.skipped_large == ("big.jpg", "limit.jpg", "long.jpg")
    assert dataset["limit.jpg"].caption == AT_LIMIT
    assert dataset.paste_tags(None, "pasted").skipped_large == ("big.jpg", "limit.jpg", "long.jpg")
    assert dataset.delete_tag("t5") == 1 and "t5" in dataset["big.jpg"].tags
    assert dataset.rename_tag("t6", "six") == 1 and "t6" in dataset["big.jpg"].tags
    dataset.save()
    assert (root / "big.txt").read_text(encoding="utf-8") == MANY_TAGS
    assert (root / "long.txt").read_text(encoding="utf-8") == LONG_TEXT


def test_token_counts_of_a_huge_text_count_its_start_and_say_so() -> None:
    text = "word " * (MAX_COUNTED_CHARS // 5 * 3)
    for count in (clip_tokens(text), t5_tokens(text)):
        assert count.partial and count.over
        assert count.count == (clip_tokens if count.model == "CLIP-L" else t5_tokens)(
            text[:MAX_COUNTED_CHARS]).count
        assert count.label().startswith(f"{count.model} >") and "too long to count" in count.label()
    assert not clip_tokens("red hair").partial


def _ask(widget: TaggerWidget, **message: Any) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._on_request(widget, {"rid": 5, **message}, [])
    assert [content["rid"] for content in sent] == [5]
    return sent[0]


def test_the_widget_shows_it_and_answers_a_tag_edit_with_the_refusal(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    widget.goto(widget.dataset.index_of("big.jpg"))
    current = widget._current
    assert len(current["tags"]) == 1_000 and "long_caption" in {f["code"] for f in current["flags"]}
    assert not any(row[0] == f"t{MAX_EDIT_TAGS}" for row in widget.palette)
    for kind in ("add_tag", "toggle_tag", "remove_tag"):
        reply = _ask(widget, type=kind, id="big.jpg", tag="t1")
        assert reply["ok"] is False and "too large to edit as tags" in reply["error"]
    batch = _ask(widget, type="batch_apply", scope="all",
                 operation={"kind": "add", "tags": ["ohwx"], "where": "end"})
    assert batch["ok"] and batch["skipped"] == 3 and "too large" in batch["summary"]
    reply = _ask(widget, type="set_caption", id="big.jpg", text="t1, short")
    assert reply["ok"] and reply["tags"] == ["t1", "short"]
    assert widget._current["tags"] == ["t1", "short"]
    assert ["short", 1, False] in widget.palette


def test_the_widget_counts_tokens_of_a_text_over_the_counted_length(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    widget.goto(widget.dataset.index_of("long.jpg"))
    tokens = widget._current["tokens"]
    assert tokens["clip"]["over"] and "too long to count" in tokens["clip"]["label"]
    assert len(widget._current["caption"]) == 20_000
