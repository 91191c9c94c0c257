"""The all-tags panel (search, sort, keys, click modes, counting again) and the Checks panel's
settings error and severity groups, as a person uses them."""

from __future__ import annotations

import re

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import py, write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]


def names(panel) -> list[str]:
    return panel.locator(".ltw-at-tag .ltw-at-name").all_inner_texts()


def fkey(lab) -> str:
    return lab.page.evaluate(
        "() => document.activeElement && document.activeElement.getAttribute('data-fkey')")


def test_the_all_tags_panel_searches_sorts_filters_and_adds(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)
    (root / "img00001.txt").write_text("blue", encoding="utf-8")
    (root / "img00002.txt").write_text("blue, green_tree", encoding="utf-8")
    lab.open_and_run("alltags", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    widget.get_by_role("button", name=re.compile(r"All tags")).click()
    panel = widget.get_by_role("region", name="All tags")
    wait_until(lambda: names(panel) == ["blue", "red", "square", "green_tree"], what="count order")
    assert "All tags (4)" in widget.inner_text()
    assert panel.locator(".ltw-at-hint").inner_text().startswith("A click shows only")
    sort = panel.get_by_role("combobox", name="Sort tags")
    sort.select_option("name")
    wait_until(lambda: names(panel) == ["blue", "green_tree", "red", "square"], what="name order")
    sort.select_option("length")
    wait_until(lambda: names(panel) == ["red", "blue", "square", "green_tree"], what="length order")
    sort.select_option("count")
    search = panel.get_by_role("searchbox", name="Search all tags")
    search.fill("green tree")
    wait_until(lambda: names(panel) == ["green_tree"], what="search")
    search.press("Escape")
    wait_until(lambda: len(names(panel)) == 4 and search.input_value() == "", what="escape clears")
    search.fill("xyz")
    wait_until(lambda: "No tag matches" in panel.inner_text(), what="no match")
    search.fill("sq")
    search.press("Enter")
    wait_until(lambda: py(lab, "w.filter") == 'tag:"square"', what="enter filters")
    head = panel.locator(".ltw-at-head")
    wait_until(lambda: "Filtered (2)" in head.inner_text(), what="filtered column")
    assert "ltw-at-c2" in (head.get_attribute("class") or "")
    search.fill("")
    red = panel.get_by_role("button", name=re.compile(r"^\W*red\W*: 2 images, 2 filtered"))
    red.click(modifiers=["Shift"])
    wait_until(lambda: py(lab, "w.filter") == 'tag:"square" AND tag:"red"',
               what="shift-click narrows")
    lab.run_cell("w.filter = ''")
    wait_until(lambda: "Filtered" not in head.inner_text(), what="the filtered column goes")
    first = panel.locator(".ltw-at-tag").first
    press_on(first, "ArrowDown")
    assert fkey(lab) == "at:red"
    lab.page.keyboard.press("End")
    assert fkey(lab) == "at:green_tree"
    lab.page.keyboard.press("ArrowDown")
    assert fkey(lab) == "at:green_tree"
    lab.page.keyboard.press("Home")
    assert fkey(lab) == "at:blue"
    lab.page.keyboard.press("Enter")
    wait_until(lambda: py(lab, "w.filter") == 'tag:"blue"', what="enter on a row filters")
    lab.run_cell("w.filter = ''")
    adds = panel.get_by_role("button", name="A click on a tag adds it")
    adds.click()
    wait_until(lambda: py(lab, "w.tag_click") == "add", what="add mode")
    assert adds.get_attribute("aria-pressed") == "true"
    assert panel.locator(".ltw-at-hint").inner_text().startswith("A click adds")
    panel.get_by_role("button", name=re.compile(r"^\W*green_tree\W*: 1 image$")).click()
    twice = panel.get_by_role("button", name=re.compile(r"^\W*green_tree\W*: 2 images"))
    wait_until(lambda: twice.count() == 1, what="the added tag counted again")
    panel.get_by_role("button", name="Count the tags again").click()
    wait_until(lambda: len(names(panel)) == 4, what="refresh")
    panel.get_by_role("button", name=re.compile(r"^All tags")).click()
    assert panel.locator(".ltw-at-body").is_hidden()


def test_checks_settings_errors_and_groups_open_and_close(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)
    lab.open_and_run("checks", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Checks")
    panel.get_by_role("button", name=re.compile("^Checks")).click()
    assert "have not run yet" in panel.inner_text()
    panel.get_by_label("Near-duplicate distance").fill("70")
    panel.get_by_role("button", name="Run checks").click()
    wait_until(lambda: "0 to 64" in panel.get_by_role("alert").inner_text(), what="settings error")
    panel.get_by_label("Near-duplicate distance").fill("6")
    wait_until(lambda: panel.get_by_role("alert").is_hidden(), what="error cleared on input")
    panel.get_by_role("button", name="Run checks").click()
    group = panel.locator(".ltw-ck-group-toggle").first
    wait_until(lambda: group.count() == 1 and group.is_visible()
               and "Blocking (" in group.inner_text(), what="groups", timeout=60)
    assert group.get_attribute("aria-expanded") == "true"
    info = panel.locator(".ltw-ck-group-toggle[data-fkey='ck-group:info']")
    assert info.get_attribute("aria-expanded") == "false"
    group.click()
    assert group.get_attribute("aria-expanded") == "false"
    assert panel.locator(".ltw-ck-group.is-blocking .ltw-ck-group-body").is_hidden()
    group.click()
    assert group.get_attribute("aria-expanded") == "true"
