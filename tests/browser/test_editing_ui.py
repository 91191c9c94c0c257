"""Data-set-wide editing in a real JupyterLab: a scoped batch edit with its preview, then undone
with Ctrl+Z; multi-select editing in the grid; the raw caption text editor; the all-tags panel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]


def caption(root: Path, name: str) -> str | None:
    path = (root / name).with_suffix(".txt")
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_a_filtered_batch_edit_is_previewed_applied_and_undone(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=12)  # every third image: "red, square"
    lab.open_and_run("batch", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    box = widget.get_by_role("searchbox", name="Filter images")
    box.fill("tag:red")
    box.press("Enter")
    wait_until(lambda: "4 of 12 images match" in widget.inner_text(), what="the filter")

    press_on(widget, "KeyB")
    panel = widget.get_by_role("region", name="Batch edit")
    wait_until(panel.is_visible, what="the batch panel")
    panel.get_by_label("Operation").select_option("rename")
    panel.get_by_label("Renames, one a line").fill("square -> round")
    panel.get_by_role("radio", name=re.compile("Filtered images")).check()
    panel.get_by_role("button", name="Preview").click()
    wait_until(lambda: "4 of 4 images change" in panel.inner_text(), what="the preview summary")
    assert "red, round" in panel.inner_text()  # an example, before -> after
    assert caption(root, "img00000.jpg") == "red, square"  # a preview changes nothing

    panel.get_by_role("button", name=re.compile("^Apply")).click()
    wait_until(lambda: all(caption(root, f"img{i:05d}.jpg") == "red, round"
                           for i in range(0, 12, 3)), what="the batch saved")
    assert caption(root, "img00001.jpg") is None  # out of scope: untouched

    press_on(widget, "Control+z")
    wait_until(lambda: all(caption(root, f"img{i:05d}.jpg") == "red, square"
                           for i in range(0, 12, 3)), what="the undo saved")
    # The result shows under the Undo button (and on the status line), where the eye is.
    bubble = widget.locator(".ltw-bubble")
    wait_until(lambda: bubble.is_visible() and "Undone" in bubble.inner_text(), what="a bubble")
    undo = widget.get_by_role("button", name="Undo", exact=True).bounding_box()
    box = bubble.bounding_box()
    assert 0 <= box["y"] - (undo["y"] + undo["height"]) <= 12
    assert box["x"] <= undo["x"] + undo["width"] and box["x"] + box["width"] >= undo["x"]
    assert "Undone" in widget.locator(".ltw-status").inner_text()
    lab.screenshot(None, tmp_path, "undo-bubble")
    lab.page.keyboard.press("Control+Shift+z")
    wait_until(lambda: caption(root, "img00009.jpg") == "red, round", what="the redo saved")
    wait_until(lambda: "Redone" in bubble.inner_text(), what="the redo's bubble")
    widget.get_by_role("button", name="Next image").click()
    wait_until(lambda: bubble.is_hidden(), what="the next action takes the bubble away")


def test_several_selected_images_show_common_tags_and_are_edited_together(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=9)
    (root / "img00000.txt").write_text("red, square, big", encoding="utf-8")
    lab.open_and_run("multi", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    lab.run_cell("w.view = 'grid'\nw.selection = [0, 3, 6]")
    panel = widget.locator(".ltw-ms")
    wait_until(lambda: panel.is_visible() and "3 images selected" in panel.inner_text(),
               what="the multi-select editor")
    wait_until(lambda: "big" in panel.inner_text(), what="the tags on some")
    panel.get_by_role("button", name=re.compile("Remove .*square.* from the 3 selected")).click()
    wait_until(lambda: caption(root, "img00006.jpg") == "red", what="square removed from all")
    assert caption(root, "img00000.jpg") == "red, big"
    panel.get_by_role("button", name=re.compile("Add .*big.* to all 3 selected")).click()
    wait_until(lambda: caption(root, "img00003.jpg") == "red, big", what="big added to all")
    add = panel.get_by_label(re.compile("Add tags to all selected"))
    add.fill("outdoors")
    add.press("Enter")
    wait_until(lambda: caption(root, "img00006.jpg") == "red, big, outdoors",
               what="a typed tag added to all")
    assert caption(root, "img00001.jpg") is None


def test_the_raw_caption_editor_saves_text_and_the_palette_inserts_at_the_cursor(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=4)  # img00003 keeps "red, square": "red" stays in the palette
    lab.open_and_run("text", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    widget.get_by_role("button", name="Edit captions as text").click()
    text = widget.get_by_label("Caption text")
    wait_until(text.is_visible, what="the text editor")
    assert text.input_value() == "red, square"
    text.fill("A photo of a red square on white.")
    text.press("Control+Enter")
    wait_until(lambda: caption(root, "img00000.jpg") == "A photo of a red square on white.",
               what="the text saved")
    text.press("End")
    widget.locator(".ltw-pal-list").get_by_role("button", name=re.compile("^red")).first.click()
    wait_until(lambda: caption(root, "img00000.jpg") ==
               "A photo of a red square on white., red", what="the palette tag inserted")
    assert "CLIP-L" in widget.get_by_role("status", name="Token counts").inner_text()
    assert lab.run_cell("print(w.caption_mode)").strip() == "text"


def test_a_click_in_the_all_tags_panel_filters_by_that_tag(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)
    (root / "img00001.txt").write_text("blue", encoding="utf-8")
    lab.open_and_run("alltags", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    widget.get_by_role("button", name=re.compile(r"All tags")).click()
    panel = widget.get_by_role("region", name="All tags")
    tag = panel.get_by_role("button", name=re.compile(r"blue\W*: 1 image"))
    wait_until(tag.is_visible, what="the tag list")
    tag.click()
    wait_until(lambda: lab.run_cell("print(w.filter)").strip() == 'tag:"blue"',
               what="the filter set from the panel")
    wait_shown(lab, "img00001.jpg")
    assert "1 / 1" in widget.locator(".ltw-position").inner_text()


def test_tags_are_copied_and_pasted_with_keys_right_after_moving(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=4)  # img00000 and img00003: "red, square"
    lab.open_and_run("copy", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    press_on(widget, "Control+c")
    wait_until(lambda: "Copied 2 tags" in widget.inner_text(), what="the copy")
    lab.page.keyboard.press("ArrowRight")
    lab.page.keyboard.press("Control+v")  # pressed before Python answered the move
    wait_until(lambda: caption(root, "img00001.jpg") == "red, square", what="the paste saved")
    assert caption(root, "img00000.jpg") == "red, square"
    widget.get_by_role("button", name="Paste tags (add)").wait_for()
    assert lab.run_cell("print(w.index)").strip() == "1"


PAUSED_SAVES = """
import threading
from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.app import autosave
from lora_tagger_widget.core import dataset as _dataset
autosave.BACKGROUND_SAVE_OVER = 3
_dataset.SAVE_CHUNK = 2
resume = threading.Event()
class PausedSaves(Dataset):
    def save(self, *, progress=None):
        def pause(done, total):
            if progress is not None:
                progress(done, total)
            resume.wait(60)
        return super().save(progress=pause)
"""


def test_a_big_save_runs_on_a_thread_shows_its_progress_and_the_view_stays_usable(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=12)
    lab.open_and_run("bigsave", [PAUSED_SAVES, "w = TaggerWidget(PausedSaves('imgs'))\nw"])
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    lab.run_cell("w.dataset.apply_batch({'kind': 'add', 'tags': ['saved later']})")
    wait_until(lambda: "Saving 2 of 12…" in widget.inner_text(),
               what="the save's progress (it waits after its first 2 captions)")
    widget.focus()
    lab.page.keyboard.press("ArrowRight")  # Python answers while the save is under way
    wait_shown(lab, "img00001.jpg")
    assert "Saving" in widget.inner_text() and caption(root, "img00011.jpg") is None
    lab.run_cell("resume.set()")
    wait_until(lambda: "All changes saved" in widget.inner_text(), timeout=30,
               what="the save's end")
    assert all("saved later" in (caption(root, f"img{i:05d}.jpg") or "") for i in range(12))
