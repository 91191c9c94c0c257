"""The widget's auto-tagging: a run started from the panel in the background with its progress
in a trait, suggestions in the current image's view, accepting and rejecting them by request."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from test_endpoint import Chat, chat  # noqa: F401 (the local chat endpoint fixture)
from test_widget_checks import wait_until

from lora_tagger_widget import Dataset, TaggerWidget

from imagefiles import write_image
from test_widget import ask
from wdmodel import write_model


def _tagger(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
    return [[("sure", 0.95), ("maybe", 0.5)] for _ in images]


@pytest.fixture
def widget(tmp_path: Path) -> TaggerWidget:
    root = tmp_path / "imgs"
    for name, colour in (("a", "blue"), ("b", "red"), ("c", "green")):
        write_image(root / f"{name}.png", color=colour)
    (root / "c.txt").write_text("grass", encoding="utf-8")
    w = TaggerWidget(Dataset(root), autosave=False, workers=0)
    w.add_tagger("mine", _tagger)
    return w


def _finished(widget: TaggerWidget) -> None:
    wait_until(lambda: widget._autotag.get("phase") in ("done", "failed"), what="the run")
    assert widget._autotag["phase"] == "done", widget._autotag


def test_added_taggers_are_offered_by_name(widget: TaggerWidget) -> None:
    widget.add_tagger("other", _tagger)
    assert widget._taggers == ["mine", "other"]
    with pytest.raises(ValueError, match="needs a name"):
        widget.add_tagger(" ", _tagger)
    with pytest.raises(TypeError, match="callable"):
        widget.add_tagger("x", "not a tagger")  # type: ignore[arg-type]


def test_a_run_from_the_panel_shows_its_suggestions_on_the_image(widget: TaggerWidget) -> None:
    reply = ask(widget, type="autotag", tagger={"kind": "registered", "name": "mine"},
                scope="all", options={"general_threshold": 0.3, "max_tags": 5})
    assert reply["ok"], reply
    _finished(widget)
    assert widget.autotag_report.suggested == ("a.png", "b.png")
    assert "2 images got suggestions" in widget._autotag["summary"]
    assert widget._current["id"] == "a.png"
    assert [row[:2] for row in widget._current["suggested"]] == [["sure", 0.95], ["maybe", 0.5]]
    assert widget.dataset[0].tags == []  # nothing accepted yet


def test_the_wd_model_runs_from_a_folder_path(widget: TaggerWidget, tmp_path: Path) -> None:
    folder = write_model(tmp_path / "wd")
    assert ask(widget, type="autotag", tagger={"kind": "wd", "path": str(folder)},
               scope="current", options={})["ok"]
    _finished(widget)
    assert [row[0] for row in widget._current["suggested"]] == ["blue theme"]
    loaded = widget._wd_tagger(folder)
    assert widget._wd_tagger(folder) is loaded  # a second run takes the loaded model
    write_model(folder, stem="other", csv_stem="other")  # the folder changed: load again
    assert widget._wd_tagger(folder) is not loaded


def test_a_chat_endpoint_s_captions_show_on_the_image_and_accept_as_text(
        widget: TaggerWidget, chat: tuple[Chat, str]) -> None:  # noqa: F811
    state, url = chat
    assert ask(widget, type="autotag", scope="all", options={"existing": "append"},
               tagger={"kind": "chat", "url": url, "model": "joycaption",
                       "prompt": "Describe {name}", "reply": "caption", "api_key": "sk-9",
                       "max_tokens": 55, "temperature": 0})["ok"]
    _finished(widget)
    assert state.requests[0]["body"]["model"] == "joycaption"
    assert state.requests[0]["auth"] == "Bearer sk-9"
    assert [state.requests[0]["body"][k] for k in ("max_tokens", "temperature")] == [55, 0.0]
    assert widget._current["suggested_caption"] == "Describe a.png | 64x48 blue"
    assert widget._current["suggested"] == []
    widget.goto(2)
    assert ask(widget, type="accept_suggestions", scope="current")["changes"] == 1
    assert widget.dataset[2].caption == "grass, Describe c.png | 64x48 blue"


def test_suggestions_made_from_python_show_in_the_view_at_once(widget: TaggerWidget) -> None:
    widget.dataset.autotag(_tagger, ["a.png"], general_threshold=0.9)
    assert [row[0] for row in widget._current["suggested"]] == ["sure"]
    widget.dataset.reject_suggestions()
    assert widget._current["suggested"] == []


def test_one_tag_accepted_one_rejected_then_all_of_an_image(widget: TaggerWidget) -> None:
    widget.dataset.autotag(_tagger, general_threshold=0.3)
    version = widget.items_version
    reply = ask(widget, type="suggested_tag", id="a.png", tag="maybe", accept=True)
    assert reply["tags"] == ["maybe"] and widget.items_version > version
    assert [row[0] for row in widget._current["suggested"]] == ["sure"]
    assert ask(widget, type="suggested_tag", id="a.png", tag="sure", accept=False)["ok"]
    assert widget._current["suggested"] == [] and widget.dataset[0].tags == ["maybe"]
    assert not ask(widget, type="suggested_tag", id="a.png", tag="sure", accept=True)["ok"]

    widget.goto(1)
    reply = ask(widget, type="accept_suggestions", scope="current")
    assert reply["changes"] == 1 and widget.dataset[1].tags == ["sure", "maybe"]
    assert ask(widget, type="undo")["label"].startswith("Accept suggested tags")
    assert widget.dataset[1].tags == []


def test_accept_above_a_score_is_previewed_first(widget: TaggerWidget) -> None:
    widget.dataset.autotag(_tagger, general_threshold=0.3)
    preview = ask(widget, type="accept_suggestions", scope="all", min_score=0.9, preview=True)
    assert preview["changes"] == 2 and preview["tags_added"] == [["sure", 2]]
    assert widget.dataset[0].tags == [] and len(widget.dataset.suggestions.open_ids()) == 2
    applied = ask(widget, type="accept_suggestions", scope="all", min_score=0.9)
    assert applied["summary"] == preview["summary"]
    assert widget.dataset[0].tags == ["sure"] and widget.dataset.suggestions.open_ids() == []


def test_shift_a_rejects_the_image_s_suggestions(widget: TaggerWidget) -> None:
    widget.dataset.autotag(_tagger)
    assert ask(widget, type="reject_suggestions", scope="current")["rejected"] == 1
    assert widget._current["suggested"] == [] and widget.dataset.suggestions.open_ids() == [
        "b.png"]


def test_a_run_can_be_cancelled_and_keeps_what_it_suggested(widget: TaggerWidget) -> None:
    gate = threading.Event()

    def slow(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
        gate.wait(30)
        return _tagger(images)

    widget.start_autotag(slow, None, general_threshold=0.3, batch_size=1)
    wait_until(lambda: widget._autotag_job.running, what="the run to start")
    assert ask(widget, type="autotag_cancel")["ok"]
    assert widget._autotag["phase"] == "cancelled"
    gate.set()
    assert widget._autotag_job.wait(30)
    assert widget._autotag["phase"] == "cancelled"
    assert widget.dataset.suggestions.open_ids() == ["a.png"]  # the batch in progress


@pytest.mark.parametrize(("message", "why"), [
    ({"tagger": {"kind": "registered", "name": "nope"}, "scope": "all", "options": {}},
     "No tagger named 'nope'"),
    ({"tagger": {"kind": "magic"}, "scope": "all", "options": {}}, "kind"),
    ({"tagger": {"kind": "registered", "name": "mine"}, "scope": "some", "options": {}}, "scope"),
    ({"tagger": {"kind": "registered", "name": "mine"}, "scope": "all",
      "options": {"general_threshold": 2}}, "general_threshold must be a number from 0 to 1"),
    ({"tagger": {"kind": "registered", "name": "mine"}, "scope": "all",
      "options": {"existing": "merge"}}, "existing"),
    ({"tagger": {"kind": "wd", "path": ""}, "scope": "all", "options": {}}, "folder of a WD"),
    ({"tagger": {"kind": "wd", "path": "/nowhere/at/all"}, "scope": "all", "options": {}},
     "No WD model folder at /nowhere"),
    ({"tagger": {"kind": "chat", "url": "ftp://x", "model": "m", "reply": "caption"},
      "scope": "all", "options": {}}, "http"),
    ({"tagger": {"kind": "chat", "url": "http://x/v1", "model": "m", "reply": "caption",
                 "temperature": 5}, "scope": "all", "options": {}}, "temperature"),
])
def test_bad_runs_are_refused_before_anything_runs(widget: TaggerWidget, message: dict,
                                                   why: str) -> None:
    reply = ask(widget, type="autotag", **message)
    assert not reply["ok"] and why in reply["error"]
    assert widget._autotag == {"phase": "idle"} and widget.dataset.suggestions.open_ids() == []


def test_bad_review_requests_are_refused(widget: TaggerWidget) -> None:
    assert not ask(widget, type="accept_suggestions", scope="all", min_score=1.5)["ok"]
    assert not ask(widget, type="suggested_tag", id="zz.png", tag="x", accept=True)["ok"]
    assert not ask(widget, type="suggested_tag", id="a.png", tag="x", accept="yes")["ok"]


def test_a_broken_wd_folder_fails_the_run_with_the_reason(widget: TaggerWidget,
                                                          tmp_path: Path) -> None:
    folder = write_model(tmp_path / "wd")
    (folder / "selected_tags.csv").unlink()
    assert ask(widget, type="autotag", tagger={"kind": "wd", "path": str(folder)},
               scope="all", options={})["ok"]
    wait_until(lambda: widget._autotag.get("phase") == "failed", what="the failure")
    assert "selected_tags.csv" in widget._autotag["error"]


def test_a_failing_tagger_is_reported(widget: TaggerWidget) -> None:
    def broken(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
        raise RuntimeError("the GPU caught fire")

    widget.start_autotag(broken)
    wait_until(lambda: widget._autotag.get("phase") == "failed", what="the failure")
    assert "caught fire" in widget._autotag["error"]




def test_a_running_run_shows_its_rate_and_time_left(widget: TaggerWidget) -> None:
    gate = threading.Event()
    calls: list[int] = []

    def second_waits(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
        calls.append(len(images))
        if len(calls) > 1:
            gate.wait(30)
        return _tagger(images)

    widget.start_autotag(second_waits, None, general_threshold=0.3, batch_size=1)
    try:
        wait_until(lambda: widget._autotag.get("done") == 1, what="the first image")
        state = widget._autotag
        assert (state["phase"], state["total"]) == ("running", 2)
        assert state["rate"] > 0 and state["eta"] == pytest.approx(1 / state["rate"])
    finally:
        gate.set()
    _finished(widget)
