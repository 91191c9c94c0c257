"""The filter box in a real JupyterLab: typing a query narrows position, Next and the grid to the
matching images; an invalid query says where it is wrong and filters nothing; a filter set from
Python shows in the box."""

from __future__ import annotations

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import TILES, write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]


def test_a_typed_filter_narrows_position_next_and_the_grid(lab) -> None:
    write_images(lab.workdir / "imgs", n=30)  # every third image is tagged "red, square"
    lab.open_and_run("filter", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    box = widget.get_by_role("searchbox", name="Filter images")
    press_on(widget, "Slash")
    assert lab.page.evaluate("() => document.activeElement.getAttribute('aria-label')") == \
        "Filter images"
    box.fill("untagged")
    box.press("Enter")
    wait_until(lambda: "20 of 30 images match" in widget.inner_text(), what="the match count")
    wait_shown(lab, "img00001.jpg")
    assert "1 / 20" in widget.locator(".ltw-position").inner_text()
    press_on(widget, "ArrowRight")
    wait_shown(lab, "img00002.jpg")
    lab.page.keyboard.press("ArrowRight")
    wait_shown(lab, "img00004.jpg")  # img00003 is tagged: skipped
    assert lab.run_cell("print(w.index, w.filter)").strip() == "4 untagged"

    press_on(widget, "KeyG")
    wait_until(lambda: widget.locator(TILES).count() == 20, what="20 tiles in the grid")
    def labels() -> str:
        return " ".join(widget.locator(TILES).evaluate_all(
            "ts => ts.map(t => t.getAttribute('aria-label'))"))

    wait_until(lambda: "img00029.jpg" in labels(), what="the tiles named")
    assert "img00003.jpg" not in labels()


def test_an_invalid_filter_says_where_and_a_python_filter_shows_in_the_box(lab, tmp_path) -> None:
    write_images(lab.workdir / "imgs", n=9)
    lab.open_and_run("filter-error", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    box = widget.get_by_role("searchbox", name="Filter images")
    box.fill('tag:(red)')
    box.press("Enter")
    alert = widget.locator(".ltw-filter-error")
    wait_until(lambda: alert.is_visible() and "at 4" in alert.inner_text(),
               what="the error naming its position")
    assert alert.locator(".ltw-filter-where").inner_text() == "tag:(red)"
    assert alert.locator("mark").inner_text() == "("  # the place pointed at in the query
    lab.screenshot(widget.locator(".ltw-filterbar"), tmp_path, "filter-error")
    assert box.get_attribute("aria-invalid") == "true"
    assert "9 images" in widget.locator(".ltw-position").inner_text() or \
        "/ 9" in widget.locator(".ltw-position").inner_text()

    lab.run_cell("w.filter = 'tag:square'")
    wait_until(lambda: box.input_value() == "tag:square", what="Python's filter in the box")
    wait_until(lambda: "3 of 9 images match" in widget.inner_text(), what="the new count")
    assert box.get_attribute("aria-invalid") == "false"
