"""Filtering a data set: `Dataset.filter`, the filtered view, and a widget that follows its filter
(position, next/previous, progress, grid rows and selection)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.app.view import FilteredView
from lora_tagger_widget.core.query import QueryError

from test_widget import ask

CAPTIONS = {
    "a1.jpg": "red hair, smiling",
    "a2.jpg": None,
    "a3.jpg": "blue hair",
    "a4.jpg": "red hair, outdoors",
    "a5.jpg": "red_hair",
}


@pytest.fixture
def dataset(make_set: Callable[..., Path]) -> Dataset:
    return Dataset(make_set(CAPTIONS))


def names(items: list) -> list[str]:
    return [item.name for item in items]


def test_dataset_filter_returns_the_matching_items_in_order(dataset: Dataset) -> None:
    assert names(dataset.filter('tag:"red hair"')) == ["a1.jpg", "a4.jpg", "a5.jpg"]
    assert names(dataset.filter("untagged")) == ["a2.jpg"]
    assert names(dataset.filter("tag:red* AND NOT smiling")) == ["a4.jpg", "a5.jpg"]
    assert names(dataset.filter("name:a3* OR tags:2")) == ["a1.jpg", "a3.jpg", "a4.jpg"]
    assert names(dataset.filter("width:>0")) == list(CAPTIONS)
    assert len(dataset.filter("")) == 5


def test_an_invalid_query_says_where_it_is_wrong(dataset: Dataset) -> None:
    with pytest.raises(QueryError) as caught:
        dataset.filter('tag:"red" OR')
    assert caught.value.position == 12


def test_an_edited_item_enters_and_leaves_the_view(dataset: Dataset) -> None:
    view = FilteredView(dataset)
    view.set_query("tag:smiling")
    assert view.positions() == [0]
    dataset.add_tag(2, "smiling")
    view.update([2])
    assert view.positions() == [0, 2]
    dataset.remove_tag(0, "smiling")
    view.update([0])
    assert view.positions() == [2]


def test_the_image_on_screen_stays_in_the_view_until_the_person_moves_away(
    dataset: Dataset,
) -> None:
    view = FilteredView(dataset)
    view.set_query("tag:smiling")
    view.keep(0)
    dataset.remove_tag(0, "smiling")
    view.update([0])
    assert 0 in view
    view.keep(3)
    assert view.positions() == [3]


def test_places_and_neighbours_follow_the_filter(dataset: Dataset) -> None:
    view = FilteredView(dataset)
    view.set_query('tag:"red hair"')
    assert len(view) == 3
    assert [view.position_at(i) for i in range(3)] == [0, 3, 4]
    assert view.place_of(3) == 1 and view.place_of(2) is None
    assert (view.after(0), view.after(2), view.after(4)) == (3, 3, None)
    assert (view.before(4), view.before(0)) == (3, None)
    with pytest.raises(IndexError):
        view.position_at(3)


@pytest.fixture
def widget(dataset: Dataset) -> TaggerWidget:
    return TaggerWidget(dataset, autosave=False, workers=0)


def test_setting_a_filter_moves_to_the_first_match_and_counts_only_matches(
    widget: TaggerWidget,
) -> None:
    widget.goto(1)
    widget.filter = 'tag:"red hair"'
    assert widget.index == 0 and widget._place == 0 and widget._shown_count == 3
    assert widget.progress["total"] == 3 and widget.progress["all"] == 5
    assert widget.progress["filtered"] is True
    widget.next()
    assert widget.index == 3 and widget._current["prev"] == "a1.jpg"
    assert widget._current["next"] == "a5.jpg"
    widget.next()
    widget.next()
    assert widget.index == 4 and widget._current["next"] is None


def test_the_grid_asks_for_rows_of_the_filtered_view(widget: TaggerWidget) -> None:
    widget.filter = "tag:*hair*"
    reply = ask(widget, type="items", start=0, count=10)
    assert [row[0] for row in reply["items"]] == ["a1.jpg", "a3.jpg", "a4.jpg", "a5.jpg"]
    assert ask(widget, type="goto", index=1)["index"] == 2


def test_an_invalid_filter_shows_everything_and_says_why(widget: TaggerWidget) -> None:
    widget.filter = "tag:red AND ("
    assert widget._shown_count == 5
    assert widget.filter_error["position"] == 13
    assert "Expected" in widget.filter_error["message"]
    widget.filter = "untagged"
    assert widget.filter_error == {} and widget._shown_count == 1


def test_the_image_being_tagged_stays_shown_when_an_edit_unmatches_it(
    widget: TaggerWidget,
) -> None:
    widget.filter = "untagged"
    widget.dataset.add_tag(widget.index, "cat")
    assert widget._place == 0 and widget._current["id"] == "a2.jpg"
    assert widget.progress["tagged"] == 1


def test_a_filter_with_no_match_shows_no_image(widget: TaggerWidget) -> None:
    widget.filter = "tag:nothing"
    assert widget._shown_count == 0 and widget._place == -1 and widget._current == {}


def test_the_selection_is_kept_within_the_filter_and_mapped_to_places(
    widget: TaggerWidget,
) -> None:
    widget.selection = [1, 3, 4]
    widget.filter = 'tag:"red hair"'
    assert widget.selection == [3, 4] and widget._shown_selection == [1, 2]
    widget._shown_selection = [0, 2]
    assert widget.selection == [0, 4]


def test_an_edit_from_python_updates_the_filtered_view(widget: TaggerWidget) -> None:
    widget.filter = "tag:outdoors"
    assert widget._shown_count == 1
    widget.dataset.add_tag("a3.jpg", "outdoors")
    assert widget._shown_count == 2 and widget.progress["total"] == 2
