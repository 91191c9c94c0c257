"""Small things of the tagging pass (issue 14, item 9) in a real JupyterLab: grid tiles whose names
start alike show their different ends, the untagged mark is a crossed ring (a dashed one read as
a loading spinner), the header names the grid's selection rather than one image, and the batch
panel does not take a selection left over in the grid."""

from __future__ import annotations

import pytest

from labharness import press_on, wait_shown, wait_until
from test_grid import CELLS, TILES, python_sees, write_images

pytestmark = pytest.mark.browser

NAMES = [f"holiday_photo_2024_summer_{n:04d}.jpg" for n in (1, 2, 3)]

TILE_VIEW_JS = """
(sel) => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) ' + sel)].map(t => {
  const name = t.querySelector('.ltw-tile-name');
  const head = t.querySelector('.ltw-tile-name-head');
  const tail = t.querySelector('.ltw-tile-name-tail');
  const tb = tail.getBoundingClientRect(), nb = name.getBoundingClientRect();
  const dot = getComputedStyle(t.querySelector('.ltw-tile-dot'));
  return {
    title: t.title, head: head.textContent, tail: tail.textContent,
    cut: head.scrollWidth > head.clientWidth,
    tailShown: tb.width > 0 && tb.right <= nb.right + 0.5,
    untagged: t.classList.contains('is-untagged'),
    dotStyle: dot.borderTopStyle, dotImage: dot.backgroundImage,
  };
})
"""


def test_tiles_headers_and_scopes_say_what_they_mean(lab, tmp_path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=4)
    for i, long_name in enumerate(NAMES):
        (root / f"img{i:05d}.jpg").rename(root / long_name)
    (root / "img00000.txt").rename(root / f"{NAMES[0][:-4]}.txt")  # the first one tagged
    lab.open_and_run("smalls", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, NAMES[0])
    widget.get_by_role("button", name="Grid view").click()
    widget.get_by_role("listbox", name="Images").wait_for()
    def tiles_now() -> dict[str, dict]:
        return {t["title"].split("\n")[0]: t for t in lab.page.evaluate(TILE_VIEW_JS, TILES)}

    wait_until(lambda: set(NAMES) <= set(tiles_now()), what="the tiles named")
    tiles = tiles_now()
    lab.screenshot(widget.locator(".ltw-grid"), tmp_path, "grid-names-and-marks")

    tails = [tiles[n]["tail"] for n in NAMES]
    assert tails == ["r_0001.jpg", "r_0002.jpg", "r_0003.jpg"]  # the ends that differ
    for n in NAMES:
        assert tiles[n]["head"] + tiles[n]["tail"] == n  # the whole name, in the title too
        assert tiles[n]["cut"] and tiles[n]["tailShown"], tiles[n]  # cut in the middle
    untagged = tiles[NAMES[1]]
    assert untagged["untagged"] and not tiles[NAMES[0]]["untagged"]
    assert untagged["dotStyle"] == "solid" and "gradient" in untagged["dotImage"]

    # Two selected in the grid: the header says so instead of naming the current image.
    lab.run_cell("w.selection = [1, 2]")
    header = widget.locator(".ltw-header .ltw-name")
    wait_until(lambda: header.inner_text() == "2 images selected", what="the selection named")
    lab.screenshot(widget.locator(".ltw-header"), tmp_path, "grid-header-selection")

    # Back in the single view with that selection left over: the batch panel opens on All.
    widget.get_by_role("button", name="Single view").click()
    wait_until(lambda: header.inner_text() == NAMES[0], what="the current image named again")
    python_sees(lab, "w.selection", [1, 2], what="the selection kept")
    press_on(widget, "KeyB")
    panel = widget.get_by_role("region", name="Batch edit")
    wait_until(panel.is_visible, what="the batch panel")
    assert panel.get_by_role("radio", name="All images").is_checked()
    assert not panel.get_by_role("radio", name="Selected images").is_checked()
    # The person picks Selected: the next opening keeps that choice.
    panel.get_by_role("radio", name="Selected images").check()
    panel.get_by_role("button", name="Close").click()
    press_on(widget, "KeyB")
    wait_until(panel.is_visible, what="the batch panel again")
    assert panel.get_by_role("radio", name="Selected images").is_checked()
    lab.screenshot(panel, tmp_path, "batch-scope-chosen")
