"""Live changes in a real JupyterLab: another process saves the caption of the image on screen,
and the page shows the new tags without a click; an edit made in the page and not yet saved
becomes a conflict that shows both versions, also without a click; an image copied into the
folder by hand shows in the grid."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

from labharness import press_on, wait_shown, wait_until
from test_grid import TILES, write_images

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CELLS = [
    # The server gives its kernels no PYTHONPATH: import the package of this checkout.
    f"import sys\nsys.path.insert(0, {str(REPO)!r})",
    "from lora_tagger_widget import TaggerWidget",
    "w = TaggerWidget('imgs', watch='auto')\nw",
]


def elsewhere(root: Path, code: str) -> None:
    """Run `code` in another Python process with its own `ds = Dataset(root)`."""
    script = f"from lora_tagger_widget import Dataset\nds = Dataset({str(root)!r})\n"
    result = subprocess.run([sys.executable, "-c", script + textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_a_caption_saved_by_another_process_shows_in_the_page_without_a_click(
    lab, tmp_path: Path,
) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # img00000 and img00003: "red, square"
    lab.open_and_run("live", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    assert lab.run_cell("from lora_tagger_widget.core.watch import watcher_of\n"
                        "print(watcher_of(w.dataset).wait_started(10))").strip() == "True"

    elsewhere(root, "ds.set_tags('img00000.jpg', 'red, round, from elsewhere'); ds.save()")
    expect(widget.get_by_role("button", name="Remove tag from elsewhere")).to_be_visible(
        timeout=15_000)
    expect(widget.get_by_role("button", name="Remove tag round")).to_be_visible()
    expect(widget.get_by_role("button", name="Remove tag square")).to_have_count(0)
    palette = widget.locator(".ltw-pal-list")
    expect(palette.get_by_role("button", name=re.compile("^from elsewhere"))).to_be_visible()
    lab.screenshot(widget, tmp_path, "live-change")
    assert lab.run_cell("print(w.current.tags)").strip() == "['red', 'round', 'from elsewhere']"

    lab.run_cell("w.autosave = False")
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("mine")
    add.press("Enter")
    widget.get_by_role("button", name="Remove tag mine").wait_for()
    wait_until(lambda: lab.run_cell("print(w.dataset.unsaved_count)").strip() == "1",
               what="the edit held in Python, unsaved")
    elsewhere(root, "ds.set_tags('img00000.jpg', 'changed elsewhere again'); ds.save()")
    conflict = widget.get_by_role("group", name="Caption conflict")
    expect(conflict).to_be_visible(timeout=15_000)
    expect(conflict.locator(".ltw-side").filter(has_text="On disk")).to_contain_text(
        "changed elsewhere again")
    expect(conflict.locator(".ltw-side").filter(has_text="Yours")).to_contain_text(
        "red, round, from elsewhere, mine")
    lab.screenshot(widget, tmp_path, "live-conflict")
    assert (root / "img00000.txt").read_text(encoding="utf-8") == "changed elsewhere again"
    conflict.get_by_role("button", name="Use the file on disk").click()
    expect(widget.get_by_role("button", name="Remove tag changed elsewhere again")).to_be_visible()
    expect(conflict).to_have_count(0)


def test_an_image_copied_into_the_folder_shows_in_the_page(lab, tmp_path: Path) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)
    lab.open_and_run("live-images", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    assert lab.run_cell("from lora_tagger_widget.core.watch import watcher_of\n"
                        "print(watcher_of(w.dataset).wait_started(10))").strip() == "True"

    (root / "copied.txt").write_text("copied in, by hand", encoding="utf-8")
    shutil.copy(root / "img00001.jpg", root / "copied.jpg")
    wait_until(lambda: lab.run_cell("print(w.count)").strip() == "7", what="the count in Python",
               timeout=30)
    press_on(widget, "g")
    tile = widget.locator(f'{TILES}:has(img[alt="copied.jpg"])')
    tile.wait_for(timeout=15_000)
    lab.screenshot(widget, tmp_path, "live-image-in-grid")
    tile.click()  # opens it in the single view
    wait_shown(lab, "copied.jpg")
    expect(widget.get_by_role("button", name="Remove tag by hand")).to_be_visible()
