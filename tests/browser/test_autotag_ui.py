"""Auto-tagging in a real JupyterLab: a run from the Auto-tag panel with the tiny WD model (built
by tests/wdmodel.py, run by onnxruntime in the kernel), suggestion chips with their scores beside
the tags, A accepting them, Ctrl+Z taking them back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imagefiles import write_image
from labharness import press_on, wait_shown, wait_until
from test_grid import TILES, py, write_images
from wdmodel import write_model

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]


def test_a_run_from_the_panel_shows_scored_chips_that_a_accepts_and_undo_takes_back(
        lab, tmp_path: Path) -> None:
    root = lab.workdir / "imgs"
    for name, colour in (("a", "blue"), ("b", "red"), ("c", "green")):
        write_image(root / f"{name}.png", size=(64, 48), color=colour)
    model = write_model(lab.workdir / "wd-tiny")
    lab.open_and_run("autotag", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "a.png")

    panel = widget.get_by_role("region", name="Auto-tag")
    panel.get_by_role("button", name="Auto-tag").click()
    panel.get_by_label("Tagger").select_option("wd")
    panel.get_by_label("Model folder").fill(str(model))
    panel.get_by_role("radio", name=re.compile("All images")).check()
    panel.get_by_role("button", name="Run", exact=True).click()

    chip = widget.get_by_role("button", name=re.compile(
        r"^Accept suggested tag blue theme \(score (0\.9\d|1\.00)\)$"))
    wait_until(lambda: chip.count() == 1 and chip.is_visible(), what="the suggestion chip",
               timeout=60)
    wait_until(lambda: "3 images got suggestions" in panel.inner_text(), what="the run's summary",
               timeout=60)
    assert py(lab, "[t.tag for t in w.dataset.suggestions.get('b.png').tags]") == ["red theme"]
    assert py(lab, "w.dataset[0].tags") == []  # nothing accepted yet
    badge = chip.locator(".ltw-sugg-score")
    assert re.fullmatch(r"0\.9\d|1\.00", badge.inner_text())
    lab.screenshot(None, tmp_path, "autotag-panel")
    lab.screenshot(widget.locator(".ltw-main"), tmp_path, "autotag-suggested")

    press_on(widget, "KeyA")
    tags = widget.get_by_role("list", name="Current tags")
    wait_until(lambda: tags.inner_text().startswith("blue theme") and chip.count() == 0,
               what="the accepted tag among the tags")
    assert py(lab, "w.dataset[0].tags") == ["blue theme"]
    assert py(lab, "w.dataset.suggestions.open_ids()") == ["b.png", "c.png"]
    lab.screenshot(widget.locator(".ltw-main"), tmp_path, "autotag-accepted")

    press_on(widget, "Control+z")
    wait_until(lambda: py(lab, "w.dataset[0].tags") == [], what="the undo")
    wait_until(lambda: widget.get_by_role("list", name="Current tags").is_hidden(),
               what="the tags gone from the view")
    wait_until(lambda: chip.count() == 1, what="the undo bringing the chip back")
    widget.focus()
    lab.page.keyboard.press("Shift+KeyA")  # reject a.png's suggestion: its chip goes for good
    wait_until(lambda: chip.count() == 0, what="the chips rejected")
    assert py(lab, "w.dataset[0].tags") == []

    press_on(widget, "ArrowRight")
    wait_shown(lab, "b.png")
    red = widget.get_by_role("button", name=re.compile(r"^Accept suggested tag red theme"))
    wait_until(lambda: red.count() == 1, what="b.png's chip")
    widget.get_by_role("button", name="Reject suggested tag red theme").click()
    wait_until(lambda: py(lab, "w.dataset.suggestions.open_ids()") == ["c.png"],
               what="the rejection")
    assert py(lab, "w.dataset[1].tags") == []

    # Accept all scoring at least 0.9 in every image: the batch preview first, then the edit.
    panel.get_by_label("Accept tags scoring at least").fill("0.9")
    panel.get_by_role("button", name="Preview").click()
    wait_until(lambda: "+green theme (1)" in panel.inner_text(), what="the batch preview")
    assert py(lab, "w.dataset[2].tags") == []
    lab.screenshot(None, tmp_path, "autotag-preview")
    panel.get_by_role("button", name="Accept", exact=True).click()
    wait_until(lambda: py(lab, "w.dataset[2].tags") == ["green theme", "hatsune miku"],
               what="the accept")
    wait_until(lambda: "Ctrl+Z undoes it" in panel.inner_text(), what="the done line")
    assert py(lab, "w.dataset.suggestions.open_ids()") == []

    # In the grid, A and Shift+A act on the selected images: undo the acceptance (c.png's
    # suggestions open again), select c.png, A accepts them.
    press_on(widget, "Control+z")
    wait_until(lambda: py(lab, "w.dataset.suggestions.open_ids()") == ["c.png"],
               what="the acceptance undone")
    panel.get_by_role("button", name="Auto-tag", exact=True).click()  # closes the panel
    press_on(widget, "g")
    c_tile = widget.locator(f'{TILES}:has(img[alt="c.png"])')
    c_tile.wait_for()
    c_tile.focus()
    assert py(lab, "w.selection") == []
    press_on(c_tile, "KeyA")  # (a Python cell takes the focus) no selection: A says to select first
    widget.get_by_text("Select images first").first.wait_for()
    c_tile.click(modifiers=["Control"])
    wait_until(lambda: c_tile.get_attribute("aria-selected") == "true", what="c.png selected")
    lab.page.keyboard.press("KeyA")
    wait_until(lambda: py(lab, "w.dataset[2].tags") == ["green theme", "hatsune miku"],
               what="A in the grid")
    said = re.compile("Accepted the selection's suggestions: 1 of 1 image")
    widget.get_by_text(said).first.wait_for()
    assert py(lab, "w.dataset[0].tags") == [] and py(lab, "w.dataset[1].tags") == []
    lab.screenshot(widget, tmp_path, "autotag-grid-accepted")


SLOW_TAGGER = """
import threading
gate = threading.Event()
calls = []

def slow(images):
    calls.append(len(images))
    if len(calls) > 1:
        gate.wait(60)
    return [[("square", 0.8)] for _ in images]

w.add_tagger("slow", slow)
"""


def test_a_run_shows_progress_rate_and_time_left_leaves_the_kernel_free_and_cancels(
        lab, tmp_path: Path) -> None:
    write_images(lab.workdir / "imgs", n=24)
    lab.open_and_run("autotag-cancel", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    lab.run_cell(SLOW_TAGGER)
    panel = widget.get_by_role("region", name="Auto-tag")
    panel.get_by_role("button", name="Auto-tag").click()
    panel.get_by_label("Tagger").select_option(label="slow")
    panel.get_by_label("Existing tags").select_option("append")
    panel.get_by_role("radio", name=re.compile("All images")).check()
    panel.get_by_role("button", name="Run", exact=True).click()

    bar = panel.get_by_role("progressbar", name="Auto-tag progress")
    wait_until(lambda: bar.is_visible() and "8 of 24 images" in bar.inner_text(),
               what="the first batch's progress", timeout=60)
    assert re.search(r"images/s · \d+ s left", bar.inner_text())
    assert bar.get_attribute("aria-valuenow") == "8"
    # The kernel answers while the run waits in its tagger on the second batch.
    wait_until(lambda: py(lab, "len(calls)") == 2, what="the second batch to start")
    assert py(lab, "w.dataset.suggestions.open_ids()[:1]") == ["img00000.jpg"]
    lab.screenshot(None, tmp_path, "autotag-running")

    panel.get_by_role("button", name="Cancel the auto-tagging run").click()
    wait_until(lambda: "Cancelled" in panel.inner_text(), what="the cancel")
    lab.run_cell("gate.set()")
    wait_until(lambda: py(lab, "len(w.dataset.suggestions.open_ids())") == 16,
               what="the batch in progress to finish")
    assert py(lab, "len(calls)") == 2  # no batch after the cancel
    assert not bar.is_visible()
    assert panel.get_by_role("button", name="Run", exact=True).is_enabled()
