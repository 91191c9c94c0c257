"""The palette in a real JupyterLab, kept from the rows that change (issue 11), beside a caption
too large to edit as tags: its tags stay out of the palette, and tagging it says why not. Digit
keys keep their tag while an image is open, whatever the edits do to the counts (issue 14)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lora_tagger_widget.core.captions import MAX_EDIT_TAGS

from labharness import press_on, wait_shown, wait_until
from test_grid import name, py, python_sees, write_images

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
    wait_until(lambda: palette_text(widget) == ["red 2 ·1", "square 3 ·2"],
               what="the click's count, the keys kept while the image is open")
    lab.run_cell("w.dataset.pin_tag('ohwx'); w.dataset.remove_tag('img00000.jpg', 'red')")
    wait_until(lambda: palette_text(widget) == ["red 1 ·1", "square 3 ·2", "ohwx 0"],
               what="a pin and an edit from Python (key 3 fills when the next image opens)")
    widget.get_by_role("button", name=re.compile(r"All tags")).click()
    panel = widget.get_by_role("region", name="All tags")
    wait_until(lambda: panel.get_by_role("button", name=re.compile(r"square\W*: 3 images"))
               .is_visible(), what="the all-tags panel")
    assert "All tags (2)" in widget.inner_text()
    lab.screenshot(".ltw-root", tmp_path, "palette")


def tags_of(root: Path, i: int) -> list[str]:
    path = (root / name(i)).with_suffix(".txt")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [t for t in text.split(", ") if t]


def test_digit_keys_keep_their_tag_across_edits_and_pinned_keys_stay(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=4)
    for i, caption in enumerate(["gradient, illustration, water", "gradient, illustration",
                                 "gradient", None]):
        path = (root / name(i)).with_suffix(".txt")
        if caption is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(caption, encoding="utf-8")
    lab.open_and_run("slots", CELLS)
    widget = lab.output(".ltw-root").first
    page = lab.page
    wait_shown(lab, name(0))
    keyed = ["gradient 3 ·1", "illustration 2 ·2", "water 1 ·3"]
    wait_until(lambda: palette_text(widget) == keyed, what="the keys of the most used tags")

    widget.focus()
    for i in (1, 2, 3):
        page.keyboard.press("ArrowRight")
        wait_shown(lab, name(i))
    page.keyboard.press("Digit3")  # water, on the untagged image
    python_sees(lab, "w.current.tags", ["water"], what="key 3 added water")
    # Edits elsewhere make water the most used tag: the keys stay with the tags they showed.
    lab.run_cell("for i in (1, 2): w.dataset.add_tag(i, 'water')")
    wait_until(lambda: palette_text(widget) == ["gradient 3 ·1", "illustration 2 ·2", "water 4 ·3"],
               what="new counts, the same keys")
    lab.screenshot(widget.locator(".ltw-palette"), tmp_path, "slots-while-editing")
    press_on(widget, "Digit1")
    page.keyboard.press("Digit3")  # takes water off again: the key did not move to another tag
    python_sees(lab, "w.current.tags", ["gradient"], what="key 1 added, key 3 removed")

    # Alt+5 on a palette entry pins its tag to key 5; key 2 stays empty until the next image.
    entry = widget.locator(".ltw-pal-list").get_by_role("button", name=re.compile("^illustration"))
    press_on(entry, "Alt+Digit5")
    python_sees(lab, "w.slots", {5: "illustration"}, what="the pin in Python")
    wait_until(lambda: palette_text(widget) == ["gradient 4 ·1", "water 3 ·3", "illustration 2 ·5"],
               what="the pinned key shown")
    assert widget.locator(".ltw-key.is-slot-pinned").all_inner_texts() == ["·5"]
    press_on(widget, "Digit5")
    python_sees(lab, "w.current.tags", ["gradient", "illustration"], what="key 5 toggled it")
    widget.focus()  # running a cell took the focus
    page.keyboard.press("Digit2")  # an empty key does nothing
    page.keyboard.press("ArrowLeft")
    wait_shown(lab, name(2))
    wait_until(lambda: palette_text(widget) == ["gradient 4 ·1", "water 3 ·2", "illustration 3 ·5"],
               what="the free keys filled again for the next image; the pinned one kept")
    lab.screenshot(widget.locator(".ltw-palette"), tmp_path, "slots-pinned")
    wait_until(lambda: tags_of(root, 3) == ["gradient", "illustration"], what="autosave to disk")

    # Alt+5 on the key's own tag frees it; the pin was kept in the session file.
    lab.run_cell("w.save()")
    session = json.loads((root / ".lora-tagger" / "session.json").read_text(encoding="utf-8"))
    assert session["slots"] == {"5": "illustration"}
    press_on(widget, "Alt+Digit5")
    python_sees(lab, "w.slots", {}, what="the key freed")
    assert py(lab, "w.current.tags") == ["gradient", "water"]

    # The mouse way: an entry's key menu (right-click) pins it to the key clicked.
    entry = widget.locator(".ltw-pal-list").get_by_role("button", name=re.compile("^water"))
    entry.click(button="right")
    menu = widget.get_by_role("menu", name="Pin water to a key")
    menu.get_by_role("menuitemradio", name="Key 7").wait_for()
    lab.screenshot(widget.locator(".ltw-palette"), tmp_path, "slots-key-menu")
    menu.get_by_role("menuitemradio", name="Key 7").click()
    python_sees(lab, "w.slots", {7: "water"}, what="the key picked in the menu")
    assert menu.count() == 0
