"""The tagger in Notebook 7 (`/notebooks/<path>`, the `notebook` package), not only in JupyterLab:
the widget renders there, its preview loads, keys move, a typed tag reaches the caption file on
disk, and the widget's keys do not reach Notebook 7's own shortcuts (no cell is deleted)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from labharness import press_on, wait_shown, wait_until
from nb7harness import NOTEBOOK_APP_NAME, Notebook7, Notebook7Server

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]
CELL = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell"
# Three small JPEGs of different colours and shapes, sorted by name.
IMAGES = {
    "a_red.jpg": ((48, 32), (200, 40, 40)),
    "b_green.jpg": ((32, 48), (40, 180, 60)),
    "c_blue.jpg": ((40, 40), (40, 60, 200)),
}


def write_images(folder: Path) -> list[str]:
    folder.mkdir(parents=True)
    for name, (size, colour) in IMAGES.items():
        buf = io.BytesIO()
        Image.new("RGB", size, colour).save(buf, "JPEG", quality=85)
        (folder / name).write_bytes(buf.getvalue())
    return sorted(IMAGES)


@pytest.fixture(scope="module")
def nb7_server(tmp_path_factory):
    """A jupyter server whose Notebook 7 pages expose `window.jupyterapp` (see nb7harness)."""
    server = Notebook7Server(tmp_path_factory.mktemp("jupyter-nb7"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nb7(page, nb7_server, request):
    notebook = Notebook7(page, nb7_server, nb7_server.root_dir / "nb7")
    yield notebook
    if getattr(getattr(request.node, "rep_call", None), "failed", False) or os.environ.get(
        "LTW_TIMINGS"
    ):
        print(f"\nnotebook 7 steps (s): {notebook.timings}")


def test_the_tagger_works_in_notebook_7(nb7, tmp_path: Path) -> None:
    root_dir = nb7.workdir / "imgs"
    names = write_images(root_dir)
    nb7.open_and_run("tagger", CELLS)
    page = nb7.page

    # This is Notebook 7's notebook page, not JupyterLab's.
    assert "/notebooks/" in page.url and "/lab" not in page.url
    assert page.evaluate("() => window.jupyterapp.name") == NOTEBOOK_APP_NAME
    assert page.locator(".jp-LabShell").count() == 0

    # The widget renders and its preview loads; the header names the first image.
    widget = nb7.output(".ltw-root").first
    wait_shown(nb7, names[0])
    img = widget.locator("img.ltw-img").first
    assert img.get_attribute("alt") == names[0]
    assert img.evaluate("(i) => i.complete && i.naturalWidth > 0")
    assert widget.locator(".ltw-name").first.inner_text() == names[0]
    nb7.screenshot(widget, tmp_path, "notebook7-tagger")

    # ArrowRight in the focused widget moves to the second image.
    press_on(widget, "ArrowRight")
    wait_shown(nb7, names[1])

    # A typed tag is autosaved to the caption file (about 1 s; a margin for a loaded machine).
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("nb7 tag")
    add.press("Enter")
    widget.get_by_role("button", name="Remove tag nb7 tag").wait_for()
    caption = (root_dir / names[1]).with_suffix(".txt")
    wait_until(
        lambda: caption.exists() and caption.read_text(encoding="utf-8") == "nb7 tag",
        timeout=3,
        what="autosave of the typed tag to disk",
    )

    # Delete and d, d inside the widget do not delete notebook cells...
    assert page.locator(CELL).count() == len(CELLS)
    widget.focus()
    for key in ("Delete", "d", "d"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.locator(CELL).count() == len(CELLS)
    wait_shown(nb7, names[1])
    # ...while the same keys do, once Escape has handed the focus back to the notebook: the
    # shortcut is live on this page, so the check above could fail.
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.activeElement.closest('.ltw-root')")
    page.keyboard.press("d")
    page.keyboard.press("d")
    wait_until(
        lambda: page.locator(CELL).count() == len(CELLS) - 1,
        timeout=5,
        what="d, d in the notebook's command mode deleting a cell",
    )
