"""The palette in a real JupyterLab, kept from the rows that change (issue 11), beside a caption
too large to edit as tags: its tags stay out of the palette, and tagging it says why not."""

from __future__ import annotations

import re

import pytest

from lora_tagger_widget.core.captions import MAX_EDIT_TAGS

from labharness import wait_shown, wait_until
from test_grid import write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]
HUGE_TAGS = MAX_EDIT_TAGS + 1  # one over: text, not tags


def palette_text(widget) -> list[str]:
    return [" ".join(t.split()) for t in widget.locator(".ltw-pal-tag").all_inner_texts()]


def test_the_palette_follows_edits_and_a_huge_caption_refuses_tags(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # img00000 and img00003: "red, square"
    (root / "img00001.txt").write_text(", ".join(f"t{n}" for n in range(HUGE_TAGS)),
                                       encoding="utf-8")
    lab.open_and_run("palette", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    wait_until(lambda: palette_text(widget) == ["red 2 ·1", "square 2 ·2"],
               what="the palette without the huge caption's tags")

    status = widget.locator(".ltw-status")
    widget.get_by_role("button", name="Next image", exact=True).click()
    wait_shown(lab, "img00001.jpg")
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("ohwx")
    add.press("Enter")
    wait_until(lambda: "too large to edit as tags" in (status.text_content() or ""),
               what="the refusal in the status line")
    assert (root / "img00001.txt").read_text(encoding="utf-8").endswith(f"t{HUGE_TAGS - 1}")

    widget.get_by_role("button", name="Next image", exact=True).click()
    wait_shown(lab, "img00002.jpg")
    widget.locator(".ltw-pal-list").get_by_role("button", name=re.compile("^square")).click()
    wait_until(lambda: palette_text(widget) == ["square 3 ·1", "red 2 ·2"],
               what="the palette reordered by the click's count")
    lab.run_cell("w.dataset.pin_tag('ohwx'); w.dataset.remove_tag('img00000.jpg', 'red')")
    wait_until(lambda: palette_text(widget) == ["square 3 ·1", "red 1 ·2", "ohwx 0 ·3"],
               what="a pin and an edit from Python")
    widget.get_by_role("button", name=re.compile(r"All tags")).click()
    panel = widget.get_by_role("region", name="All tags")
    wait_until(lambda: panel.get_by_role("button", name=re.compile(r"square\W*: 3 images"))
               .is_visible(), what="the all-tags panel")
    assert "All tags (2)" in widget.inner_text()
    lab.screenshot(".ltw-root", tmp_path, "palette")
