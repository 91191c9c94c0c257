"""Original captions in a real JupyterLab: a caption edited in the widget is restored byte for
byte with the "Restore original" button under its tags, Ctrl+Z undoes the restore; the batch
panel restores every image with its preview."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]
ORIGINAL = b"\xef\xbb\xbfred, square\r\n"  # a BOM and a CRLF: both come back


def caption_bytes(root: Path, name: str) -> bytes | None:
    path = (root / name).with_suffix(".txt")
    return path.read_bytes() if path.exists() else None


def test_an_edited_caption_is_restored_byte_for_byte_and_ctrl_z_undoes_it(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=4)
    (root / "img00000.txt").write_bytes(ORIGINAL)
    lab.open_and_run("originals", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    restore = widget.get_by_role("button", name="Restore original caption")
    assert restore.is_hidden()  # nothing to restore yet

    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("ohwx")
    add.press("Enter")
    wait_until(lambda: caption_bytes(root, "img00000.jpg") == b"\xef\xbb\xbfred, square, ohwx\r\n",
               what="the edit saved")
    wait_until(restore.is_visible, what="the caption differs from its original")
    assert "Changed from the original caption" in widget.locator(".ltw-original").inner_text()
    lab.screenshot(widget, tmp_path, "differs")

    restore.click()
    wait_until(lambda: caption_bytes(root, "img00000.jpg") == ORIGINAL, what="the restore saved")
    widget.get_by_role("button", name="Remove tag ohwx").wait_for(state="detached")
    wait_until(restore.is_hidden, what="the line follows the caption")
    assert "Restored the original caption" in widget.locator(".ltw-status").inner_text()
    lab.screenshot(widget, tmp_path, "restored")

    press_on(widget, "Control+z")
    wait_until(lambda: caption_bytes(root, "img00000.jpg") == b"\xef\xbb\xbfred, square, ohwx\r\n",
               what="the undo saved")
    widget.get_by_role("button", name="Remove tag ohwx").wait_for()
    wait_until(restore.is_visible, what="differs again after the undo")

    widget.focus()
    lab.page.keyboard.press("Shift+R")  # the shortcut restores too
    wait_until(lambda: caption_bytes(root, "img00000.jpg") == ORIGINAL, what="Shift+R saved")


def test_the_batch_panel_restores_every_image_after_a_preview(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # img00000 and img00003: "red, square"; the others: no caption
    lab.open_and_run("batch-originals", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    lab.run_cell("w.dataset.apply_batch({'kind': 'add', 'tags': ['ohwx']}, [0, 1, 3])\nw.save()")
    assert caption_bytes(root, "img00001.jpg") == b"ohwx"

    press_on(widget, "KeyB")
    panel = widget.get_by_role("region", name="Batch edit")
    wait_until(panel.is_visible, what="the batch panel")
    panel.get_by_label("Operation").select_option("restore")
    panel.get_by_role("radio", name=re.compile("All images")).check()
    panel.get_by_role("button", name="Preview").click()
    wait_until(lambda: "3 of 6 images change: -ohwx (3)" in panel.inner_text(),
               what="the preview")
    assert caption_bytes(root, "img00001.jpg") == b"ohwx"  # a preview changes nothing
    lab.screenshot(panel, tmp_path, "batch-preview")

    panel.get_by_role("button", name=re.compile("^Apply")).click()
    wait_until(lambda: caption_bytes(root, "img00001.jpg") is None
               and caption_bytes(root, "img00003.jpg") == b"red, square"
               and caption_bytes(root, "img00000.jpg") == b"red, square",
               what="the originals saved (the file the tool made removed)")
    press_on(widget, "Control+z")
    wait_until(lambda: caption_bytes(root, "img00001.jpg") == b"ohwx", what="the undo saved")
