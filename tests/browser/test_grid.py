"""The thumbnail grid in a real JupyterLab: a few thousand images, only the visible tiles in the
DOM, thumbnails loading for what is on screen, states that match the captions, clicks and keys
that select (and sync with `w.selection` both ways), a click that opens the single view, the G
key switching views, the scanning progress line, and held-down arrows that end on the right
image."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from labharness import press_on, wait_shown, wait_until

pytestmark = pytest.mark.browser

N = 3_000
CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]

TILES = ".ltw-grid [role=option]"

# Tiles whose box meets the scroller's box (what a person sees), as [name, label, loaded].
VISIBLE_TILES_JS = """
(sel) => {
  const sc = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .ltw-grid-scroll');
  const r = sc.getBoundingClientRect();
  return [...sc.querySelectorAll(sel)].filter(t => {
    const b = t.getBoundingClientRect();
    return b.bottom > r.top + 1 && b.top < r.bottom - 1;
  }).map(t => {
    const img = t.querySelector('img');
    return [img.alt, t.getAttribute('aria-label'),
            !img.hidden && img.complete && img.naturalWidth > 0];
  });
}
"""


def name(i: int) -> str:
    return f"img{i:05d}.jpg"


def tagged(i: int) -> bool:
    return i % 3 == 0


def write_images(folder: Path, n: int = N, size: tuple[int, int] = (16, 16)) -> None:
    """n copies of one small JPEG; every third image has a caption."""
    folder.mkdir(parents=True)
    buf = io.BytesIO()
    Image.new("RGB", size, (190, 70, 40)).save(buf, "JPEG", quality=80)
    data = buf.getvalue()
    for i in range(n):
        (folder / name(i)).write_bytes(data)
        if tagged(i):
            (folder / name(i)).with_suffix(".txt").write_text("red, square", encoding="utf-8")


def py(lab, expr: str):
    """The value of a Python expression in the kernel (its repr, parsed)."""
    return ast.literal_eval(lab.run_cell(f"print(repr({expr}))").strip())


def python_sees(lab, expr: str, value, what: str) -> None:
    """Wait until `expr` in the kernel equals `value` (ipywidgets may hold a state update back
    until the kernel has finished the previous one, so Python sees a change a moment later)."""
    wait_until(lambda: py(lab, expr) == value, what=what)


def visible_tiles(lab) -> list:
    return lab.page.evaluate(VISIBLE_TILES_JS, TILES)


def selected_tiles(lab) -> list[int]:
    """Positions of the tiles in the DOM shown as selected (aria-selected)."""
    return lab.page.evaluate(
        "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .ltw-grid"
        " [role=option][aria-selected=true]')].map(t => +t.getAttribute('aria-posinset') - 1)"
        ".sort((a, b) => a - b)"
    )


def focused_position(lab) -> int:
    return lab.page.evaluate("() => +document.activeElement.getAttribute('aria-posinset') - 1")


def tile(widget, i: int):
    return widget.locator(f'{TILES}:has(img[alt="{name(i)}"])')


def open_grid(lab, folder: str = "grid"):
    write_images(lab.workdir / "imgs")
    lab.open_and_run(folder, CELLS)
    widget = lab.output(".ltw-root").first
    widget.get_by_role("button", name="Grid view").click()
    widget.get_by_role("listbox", name="Images").wait_for()
    return widget


def test_the_grid_holds_only_visible_tiles_and_loads_their_thumbnails(lab, tmp_path: Path) -> None:
    widget = open_grid(lab)
    page = lab.page
    assert widget.get_by_role("button", name="Grid view").get_attribute("aria-pressed") == "true"
    assert widget.locator(".ltw-preview").is_hidden()

    # Thumbnails arrive for every tile on screen, and the states match the captions.
    wait_until(
        lambda: (v := visible_tiles(lab)) and all(t[2] for t in v),
        timeout=30,
        what="every visible thumbnail loaded",
    )
    shown = visible_tiles(lab)
    assert len(shown) >= 12
    for alt, label, _ in shown:
        i = int(alt[3:8])
        assert label.startswith(f"{alt}, {'tagged' if tagged(i) else 'untagged'}"), label
    assert tile(widget, 0).get_attribute("aria-label") == f"{name(0)}, tagged, current image"
    assert tile(widget, 0).get_attribute("aria-current") == "true"
    in_dom = widget.locator(TILES).count()
    assert in_dom < 300, in_dom
    lab.screenshot(widget, tmp_path, "grid-light")

    # Scrolling to the bottom: the last tile is there, the first is gone, still few in the DOM.
    page.evaluate(
        "() => { const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)"
        " .ltw-grid-scroll'); s.scrollTop = s.scrollHeight; }"
    )
    tile(widget, N - 1).wait_for()
    assert tile(widget, 0).count() == 0
    assert widget.locator(TILES).count() < 300
    assert widget.get_by_role("option", name=re.compile(f"^{name(N - 1)}, untagged")).count() == 1
    wait_until(
        lambda: (v := visible_tiles(lab)) and all(t[2] for t in v),
        timeout=30,
        what="the thumbnails at the bottom loaded",
    )

    # Scrolling back up by keyboard: Home on a tile goes to the first image.
    press_on(tile(widget, N - 1), "Home")
    tile(widget, 0).wait_for()
    assert page.evaluate("() => document.activeElement.querySelector('img').alt") == name(0)
    assert tile(widget, N - 1).count() == 0

    lab.set_theme("dark")
    page.locator("#jupyterlab-splash").wait_for(state="detached")
    wait_until(
        lambda: len(v := visible_tiles(lab)) >= 12 and all(t[2] for t in v),
        timeout=30,
        what="the grid shown again in the dark theme",
    )
    lab.screenshot(widget, tmp_path, "grid-dark")
    lab.set_theme("light")


def test_clicks_and_keys_select_tiles_and_the_selection_is_shared_with_python(lab) -> None:
    widget = open_grid(lab, "select")
    page = lab.page
    tile(widget, 8).wait_for()

    # Ctrl-click toggles; Shift-click selects from the anchor (the last Ctrl-clicked tile).
    tile(widget, 3).click(modifiers=["Control"])
    tile(widget, 5).click(modifiers=["Control"])
    python_sees(lab, "w.selection", [3, 5], "Ctrl-clicks in w.selection")
    tile(widget, 8).click(modifiers=["Shift"])
    python_sees(lab, "w.selection", [5, 6, 7, 8], "the Shift-click range in w.selection")
    assert widget.locator(f'{TILES}[aria-selected="true"]').count() == 4
    widget.get_by_text("4 selected").wait_for()

    # Python sets the selection: the grid shows it at once.
    lab.run_cell("w.selection = [5, 7]")
    wait_until(
        lambda: widget.locator(f'{TILES}[aria-selected="true"]').count() == 2,
        what="Python's selection shown",
    )
    for i, selected in ((5, "true"), (6, "false"), (7, "true")):
        assert tile(widget, i).get_attribute("aria-selected") == selected

    # Keys: Escape clears, arrows move, Shift+arrows extend, Space toggles, Ctrl+A selects all.
    # (A Python cell takes the focus, so the keys run first and Python is asked after.)
    press_on(tile(widget, 7), "Escape")
    wait_until(lambda: selected_tiles(lab) == [], what="Escape cleared the selection")
    assert page.evaluate("() => !!document.activeElement.closest('.ltw-root')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    wait_until(lambda: selected_tiles(lab) == [8, 9, 10], what="Shift+arrows")
    page.keyboard.press("Space")
    wait_until(lambda: selected_tiles(lab) == [8, 9], what="Space toggled")
    page.keyboard.press("ArrowDown")
    columns = focused_position(lab) - 10
    assert columns >= 2
    python_sees(lab, "w.selection", [8, 9], "the keyboard selection in Python")
    press_on(tile(widget, 10 + columns), "Control+a")
    widget.get_by_text(f"{N:,} selected").wait_for()
    page.keyboard.press("Escape")
    wait_until(lambda: selected_tiles(lab) == [], what="Escape cleared all")
    page.keyboard.press("Escape")  # nothing selected: the focus goes back to the notebook
    assert page.evaluate("() => !document.activeElement.closest('.ltw-root')")
    press_on(tile(widget, 10), "Control+a")
    python_sees(lab, "len(w.selection)", N, "Ctrl+A selected all, in Python")
    lab.run_cell("w.selection = []")
    wait_until(lambda: selected_tiles(lab) == [], what="Python cleared the selection")

    # G toggles the views.
    press_on(widget, "g")
    widget.locator(".ltw-preview").wait_for()
    assert widget.get_by_role("listbox", name="Images").is_hidden()
    assert widget.get_by_role("button", name="Single view").get_attribute("aria-pressed") == "true"
    python_sees(lab, "w.view", "single", "the single view in Python")
    press_on(widget, "g")
    widget.get_by_role("listbox", name="Images").wait_for()
    python_sees(lab, "w.view", "grid", "the grid view in Python")

    # A plain click opens that image in the single view.
    tile(widget, 12).click()
    preview = widget.locator("img.ltw-img")
    wait_shown(lab, name(12))
    assert preview.get_attribute("alt") == name(12)
    assert py(lab, "w.index") == 12
    python_sees(lab, "w.view", "single", "the opened image's view in Python")
    assert py(lab, "w.selection") == []

    # Back in the grid, the current image's tile is marked, in view and focused.
    press_on(widget, "g")
    tile(widget, 12).wait_for()
    assert tile(widget, 12).get_attribute("aria-current") == "true"
    assert page.evaluate("() => document.activeElement.querySelector('img').alt") == name(12)


def test_scanning_shows_a_progress_line_until_ready(lab) -> None:
    write_images(lab.workdir / "imgs", n=5)
    lab.open_and_run("scanning", CELLS)
    widget = lab.output(".ltw-root").first
    lab.run_cell("w.loading = {'phase': 'scanning', 'done': 1234}")
    bar = widget.get_by_role("progressbar", name="Scanning the folder")
    bar.wait_for()
    assert bar.inner_text().startswith("Scanning… 1,234 images found")
    lab.run_cell("w.loading = {'phase': 'ready', 'done': 5}")
    bar.wait_for(state="hidden")


def test_holding_the_right_arrow_ends_on_the_current_image(lab) -> None:
    write_images(lab.workdir / "imgs", n=80, size=(2400, 1800))
    lab.open_and_run("repeat", CELLS)
    widget = lab.output(".ltw-root").first
    page = lab.page
    widget.locator(".ltw-img").wait_for()
    widget.focus()
    rounds = [["ArrowRight"] * 25] * 3 + [["ArrowLeft", "ArrowRight"] * 12]  # and back and forth
    expected = 0
    for keys in rounds:
        for key in keys:  # key repeat: keydown after keydown, then one keyup
            page.keyboard.down(key)
            page.wait_for_timeout(15)
        page.keyboard.up(keys[-1])
        expected += keys.count("ArrowRight") - keys.count("ArrowLeft")
        python_sees(lab, "w.index", expected, f"every key press moved (to {expected})")
        wait_shown(lab, name(expected))
        page.wait_for_timeout(600)  # late replies must not replace it
        img = widget.locator("img.ltw-img")
        assert img.get_attribute("alt") == name(expected)
        assert img.is_visible()
        assert not widget.locator(".ltw-status.is-error").count()
        assert widget.locator(".ltw-header .ltw-name").inner_text() == name(expected)
        widget.focus()
