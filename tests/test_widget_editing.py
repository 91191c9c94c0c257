"""The widget's data-set-wide editing: tag counts per scope, batch edits with their preview, paste,
the raw caption text, undo/redo, the trigger word, caption modes, token counts, and autocomplete
from a tag list; each through the front end's requests, as docs/protocol.md says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, TaggerWidget

from test_widget import ask

CAPTIONS = {
    "a1.jpg": "red hair, smiling",
    "a2.jpg": "blue hair",
    "a3.jpg": "red hair, outdoors",
    "a4.jpg": None,
}


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set(CAPTIONS)


@pytest.fixture
def widget(root: Path) -> TaggerWidget:
    return TaggerWidget(Dataset(root), autosave=False, workers=0)


def caption(root: Path, name: str) -> str | None:
    path = (root / name).with_suffix(".txt")
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_tag_counts_give_all_filtered_and_selected_counts(widget: TaggerWidget) -> None:
    widget.filter = "tag:*hair"
    widget.selection = [0, 1]
    reply = ask(widget, type="tag_counts")
    rows = {row[0]: row[1:] for row in reply["rows"]}
    assert rows["red hair"] == [2, 2, 1]
    assert rows["smiling"] == [1, 1, 1]
    assert rows["outdoors"] == [1, 1, 0]
    assert (reply["filtered"], reply["selected"]) == (3, 2)


def test_a_batch_preview_changes_nothing_and_apply_does_what_it_showed(
    widget: TaggerWidget, root: Path
) -> None:
    operation = {"kind": "rename", "mapping": {"red hair": "auburn hair"}}
    preview = ask(widget, type="batch_preview", operation=operation, scope="all")
    assert preview["ok"] and preview["changes"] == 2 and preview["scope_size"] == 4
    assert preview["tags_added"] == [["auburn hair", 2]]
    assert preview["examples"][0] == {"id": "a1.jpg", "before": "red hair, smiling",
                                      "after": "auburn hair, smiling"}
    assert widget.dataset["a1.jpg"].tags == ["red hair", "smiling"]
    applied = ask(widget, type="batch_apply", operation=operation, scope="all")
    assert applied["changes"] == 2
    assert widget.dataset["a1.jpg"].tags == ["auburn hair", "smiling"]
    widget.save()
    assert caption(root, "a3.jpg") == "auburn hair, outdoors"
    assert widget._history["undo"][0].startswith("Rename")


def test_a_batch_edit_is_limited_to_its_scope(widget: TaggerWidget) -> None:
    widget.filter = "tag:smiling OR tag:outdoors"
    reply = ask(widget, type="batch_apply", operation={"kind": "add", "tags": ["ohwx"],
                                                      "where": "start"}, scope="filtered")
    assert reply["changes"] == 2
    assert [item.name for item in widget.dataset.filter("tag:ohwx")] == ["a1.jpg", "a3.jpg"]
    widget.filter = ""
    widget.selection = [1]
    ask(widget, type="batch_apply", operation={"kind": "remove", "tags": ["blue hair"]},
        scope="selected")
    assert widget.dataset["a2.jpg"].tags == []


def test_a_bad_batch_request_is_refused_and_changes_nothing(widget: TaggerWidget) -> None:
    bad_regex = ask(widget, type="batch_apply", scope="all",
                    operation={"kind": "replace", "pattern": "(", "replacement": "x"})
    assert not bad_regex["ok"] and bad_regex["error"]
    no_selection = ask(widget, type="batch_apply", scope="selected",
                       operation={"kind": "remove", "tags": ["red hair"]})
    assert not no_selection["ok"] and "selected" in no_selection["error"]
    junk = ask(widget, type="batch_preview", scope="all", operation={"kind": "explode"})
    assert not junk["ok"]
    assert widget.dataset["a1.jpg"].tags == ["red hair", "smiling"]


def test_undo_and_redo_requests_restore_captions_on_disk(widget: TaggerWidget,
                                                         root: Path) -> None:
    ask(widget, type="add_tag", id="a2.jpg", tag="cat")
    widget.save()
    assert caption(root, "a2.jpg") == "blue hair, cat"
    undone = ask(widget, type="undo")
    assert undone["label"] and widget._history["redo"]
    widget.save()
    assert caption(root, "a2.jpg") == "blue hair"
    assert ask(widget, type="redo")["label"]
    widget.save()
    assert caption(root, "a2.jpg") == "blue hair, cat"


def test_paste_adds_or_replaces_tags_on_the_current_or_selected_images(
    widget: TaggerWidget,
) -> None:
    widget.goto("a2.jpg")
    assert ask(widget, type="paste_tags", tags=["cat", "blue hair"], scope="current",
               mode="add")["changes"] == 1
    assert widget.dataset["a2.jpg"].tags == ["blue hair", "cat"]
    widget.selection = [0, 2]
    ask(widget, type="paste_tags", tags=["x", "y"], scope="selected", mode="replace")
    assert widget.dataset["a1.jpg"].tags == ["x", "y"] == widget.dataset["a3.jpg"].tags
    assert not ask(widget, type="paste_tags", tags=["x"], scope="all", mode="add")["ok"]


def test_the_raw_caption_text_is_set_whole(widget: TaggerWidget, root: Path) -> None:
    reply = ask(widget, type="set_caption", id="a4.jpg",
                text="A photo of ohwx woman, smiling at the camera.")
    assert reply["tags"] == ["A photo of ohwx woman", "smiling at the camera."]
    widget.save()
    assert caption(root, "a4.jpg") == "A photo of ohwx woman, smiling at the camera."
    assert not ask(widget, type="set_caption", id="a4.jpg", text="bad\x00text")["ok"]


def test_trigger_and_caption_mode_are_kept_in_the_session(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0, trigger="ohwx")
    widget.caption_mode = "text"
    widget.tag_click = "add"
    assert widget.dataset.trigger == "ohwx"
    widget.save()
    again = TaggerWidget(Dataset(root), autosave=False, workers=0)
    assert (again.trigger, again.caption_mode, again.tag_click) == ("ohwx", "text", "add")


def test_the_trigger_operation_follows_civitais_rule(widget: TaggerWidget) -> None:
    widget.trigger = "ohwx"
    ask(widget, type="set_caption", id="a2.jpg", text="ohwx woman, blue hair")
    reply = ask(widget, type="batch_apply", operation={"kind": "trigger", "trigger": "ohwx"},
                scope="all")
    assert reply["changes"] == 3
    assert widget.dataset["a1.jpg"].tags[0] == "ohwx"
    assert widget.dataset["a2.jpg"].tags == ["ohwx woman", "blue hair"]
    assert widget._current["trigger"] == {"first": True, "placeholder": False}


def test_the_current_caption_carries_token_counts(widget: TaggerWidget) -> None:
    tokens = widget._current["tokens"]
    assert tokens["clip"]["limit"] == 75 and tokens["t5"]["limit"] == 512
    assert tokens["clip"]["count"] >= 3 and "CLIP-L" in tokens["clip"]["label"]
    assert tokens["clip"]["over"] is False


def test_autocomplete_suggests_tags_from_a_tag_list(root: Path, tmp_path: Path) -> None:
    tag_list = tmp_path / "tags.csv"
    tag_list.write_text('long_hair,0,4350743,"longhair"\nred_hair,0,900000,""\n',
                        encoding="utf-8")
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0, tag_list=tag_list)
    items = ask(widget, type="complete", query="hair", limit=10)["items"]
    assert items[0] == ["red hair", 2, 900000]
    assert ["long hair", 0, 4350743] in items
