"""The tagging pass's feedback in a real JupyterLab (issue 14, items 4, 6, 7 and 9): Enter takes
the highlighted suggestion and Shift+Enter the typed text; a half-typed tag stays with its image;
the palette's delete is apart from the tag and names its count before anything goes; a batch's
"Done" line goes at Ctrl+Z; a result leaves the status line at the next action."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]

HIGHLIGHT_JS = """(root) => {
  const input = root.querySelector('.ltw-add-input');
  const list = root.querySelector('.ltw-suggest');
  const active = input.getAttribute('aria-activedescendant');
  const chosen = [...list.querySelectorAll('[role=option][aria-selected=true]')];
  const other = list.querySelector('[role=option][aria-selected=false]');
  const bg = (el) => el ? getComputedStyle(el).backgroundColor : null;
  return { open: !list.hidden, role: list.getAttribute('role'), active,
           chosen: chosen.map((o) => [o.id, o.querySelector('.ltw-option-tag').textContent]),
           chosenBg: bg(chosen[0]), otherBg: bg(other) };
}"""


def caption(root: Path, name: str) -> str | None:
    path = (root / name).with_suffix(".txt")
    return path.read_text(encoding="utf-8") if path.exists() else None


def chips(widget) -> list[str]:
    return widget.locator(".ltw-chips .ltw-chip-x").evaluate_all(
        "(xs) => xs.map((x) => x.getAttribute('aria-label').replace(/^Remove tag /, ''))")


def show_suggestions(widget, add, text: str, first: str | None = None) -> dict:
    """Type `text` into "Add tag" and wait for the list with one suggestion highlighted
    (`first`, when given)."""
    add.fill("")
    add.press_sequentially(text)

    def shown() -> bool:
        seen = widget.evaluate(HIGHLIGHT_JS)
        return seen["open"] and len(seen["chosen"]) == 1 and first in (None, seen["chosen"][0][1])

    wait_until(shown, what=f"a suggestion for {text!r} highlighted")
    return widget.evaluate(HIGHLIGHT_JS)


def test_enter_takes_the_highlight_and_feedback_goes_when_it_no_longer_holds(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # img00000 and img00003: "red, square"
    (root / "img00001.txt").write_text("blue, black", encoding="utf-8")
    (root / "img00002.txt").write_text("blue", encoding="utf-8")
    lab.open_and_run("pass", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    add = widget.get_by_role("textbox", name="Add tag")

    # "bl": "blue" (2 images) comes first and is highlighted, visibly and for a screen reader.
    seen = show_suggestions(widget, add, "bl", "blue")
    assert seen["open"] and seen["role"] == "listbox"
    assert seen["active"] == seen["chosen"][0][0]
    assert len(seen["chosen"]) == 1
    assert seen["chosenBg"] != seen["otherBg"]
    assert add.get_attribute("aria-expanded") == "true"
    lab.screenshot(widget, tmp_path, "suggestion-highlight-light")
    add.press("Enter")
    wait_until(lambda: caption(root, "img00000.jpg") == "red, square, blue",
               what="Enter added the highlighted 'blue'")
    assert add.input_value() == ""

    # Shift+Enter adds the text as typed, the list shown or not.
    show_suggestions(widget, add, "bl")
    add.press("Shift+Enter")
    wait_until(lambda: caption(root, "img00000.jpg") == "red, square, blue, bl",
               what="Shift+Enter added 'bl' as typed")
    # Esc closes the list; Enter then adds the typed text too.
    show_suggestions(widget, add, "bla")
    add.press("Escape")
    wait_until(lambda: not widget.evaluate(HIGHLIGHT_JS)["open"], what="the list closed")
    add.press("Enter")
    wait_until(lambda: caption(root, "img00000.jpg") == "red, square, blue, bl, bla",
               what="Esc then Enter added 'bla' as typed")
    assert chips(widget) == ["red", "square", "blue", "bl", "bla"]

    # A half-typed tag does not follow to the next image.
    add.fill("half typed")
    widget.get_by_role("button", name="Next image", exact=True).click()
    wait_shown(lab, "img00001.jpg")
    assert add.input_value() == ""

    # The palette's delete: a bin apart from the tag (not a chip's cross), named, reachable by
    # keyboard, its tooltip and dialog naming the count; nothing goes until its button is pressed.
    delete = widget.get_by_role("button", name="Delete tag blue from all images", exact=True)
    assert (delete.text_content() or "").strip() == ""
    assert delete.get_attribute("title") == "Delete “\u2068blue\u2069” from all 3 images…"
    gap = widget.evaluate(
        "(root) => { const d = [...root.querySelectorAll('.ltw-pal-del')]"
        ".find((b) => b.getAttribute('aria-label') === 'Delete tag blue from all images');"
        " const tag = d.previousElementSibling.getBoundingClientRect();"
        " return d.getBoundingClientRect().left - tag.right; }")
    assert gap >= 1, "the delete is set apart from the tag's button"
    press_on(delete, "Enter")
    dialog = widget.get_by_role("alertdialog")
    dialog.wait_for()
    assert 'from 3 images?' in (dialog.text_content() or "")
    confirm = dialog.get_by_role("button", name="Delete from 3 images", exact=True)
    assert confirm.is_visible()
    lab.screenshot(widget, tmp_path, "palette-delete-dialog-light")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")
    assert caption(root, "img00002.jpg") == "blue"

    # A batch edit's "Done" line goes when Ctrl+Z undoes the batch.
    press_on(widget, "KeyB")
    panel = widget.get_by_role("region", name="Batch edit")
    wait_until(panel.is_visible, what="the batch panel")
    panel.get_by_label(re.compile("^Tags to add")).fill("green")
    panel.get_by_role("radio", name=re.compile("All images")).check()
    panel.get_by_role("button", name="Preview").click()
    wait_until(lambda: "6 of 6 images change" in panel.inner_text(), what="the preview")
    panel.get_by_role("button", name=re.compile("^Apply")).click()
    wait_until(lambda: "Done:" in panel.inner_text(), what="the Done line")
    lab.screenshot(widget, tmp_path, "batch-done-light")
    press_on(widget, "Control+z")
    wait_until(lambda: caption(root, "img00005.jpg") is None, what="the undo saved")
    wait_until(lambda: "Done:" not in panel.inner_text(), what="the Done line gone after Ctrl+Z")
    lab.screenshot(widget, tmp_path, "batch-undone-light")
    panel.get_by_role("button", name="Close batch edit").click()
    wait_until(lambda: not panel.is_visible(), what="the batch panel closed")

    # A result on the status line goes at the next action.
    status = widget.locator(".ltw-status")
    new_tag = widget.get_by_role("textbox", name="New palette tag")
    new_tag.fill("zzz")
    new_tag.press("Enter")
    wait_until(lambda: "to the palette" in (status.text_content() or ""), what="the result shown")
    widget.locator(".ltw-name").click()
    wait_until(lambda: (status.text_content() or "") == "",
               what="the result gone at the next action")

    # Dark: the highlight and the bin stay visible.
    lab.set_theme("dark")
    try:
        seen = show_suggestions(widget, add, "bl")
        assert seen["chosenBg"] != seen["otherBg"]
        lab.screenshot(widget, tmp_path, "suggestion-highlight-dark")
        add.press("Escape")
        add.fill("")
        lab.screenshot(widget.locator(".ltw-palette"), tmp_path, "palette-dark")
    finally:
        lab.set_theme("light")
    lab.screenshot(widget.locator(".ltw-palette"), tmp_path, "palette-light")
