"""The tagging pass fits the notebook (issue 14, items 1, 8 and 9's checkerboard): at 1366x768 and
1920x1080, JupyterLab's file browser open and closed, light and dark, and in a cell 800 px wide,
the image, its tags, the add box and Prev/Next are all on screen without scrolling the notebook,
the image takes a stated share of the cell, panels open beside the image instead of pushing the
page down, and only images with transparency get a checkerboard. Checked by geometry on real
photos (Debian's MATE wallpapers when installed). Screenshots of every state go to the test's
tmp folder."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from labharness import press_on, wait_shown, wait_until

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]
PHOTOS = Path("/usr/share/backgrounds/mate/nature")
# (file, size to draw when the photo is not installed)
LANDSCAPES = [("Garden.jpg", (2560, 1600)), ("LadyBird.jpg", (2560, 1600)),
              ("Storm.jpg", (1920, 1280))]
# The displayed image is at least this share of the widget's width on every layout tried
# (a 16:10 photo; the height the notebook shows is what limits it on wide cells).
MIN_WIDTH_SHARE = 0.45
# ... and at least this share of the widget's height: the image is most of what is seen.
MIN_HEIGHT_SHARE = 0.55

GEOMETRY = """(root) => {
  const box = (el) => {
    if (!el || el.hidden || !el.checkVisibility()) return null;
    const b = el.getBoundingClientRect();
    return { left: b.left, top: b.top, right: b.right, bottom: b.bottom,
             width: b.width, height: b.height };
  };
  const q = (sel) => box(root.querySelector(sel));
  const page = root.closest('.jp-WindowedPanel-outer');
  return {
    root: box(root), page: box(page), view: { width: innerWidth, height: innerHeight },
    img: q('img.ltw-img'), chips: q('.ltw-chips'), add: q('.ltw-add-input'),
    prev: q('[aria-label="Previous image"]'), next: q('[aria-label="Next image"]'),
    editbar: q('.ltw-editbar'), button: q('.ltw-editbar .ltw-btn'),
    imgBg: getComputedStyle(root.querySelector('img.ltw-img')).backgroundImage,
    alpha: root.querySelector('.ltw-preview').classList.contains('has-alpha'),
  };
}"""


def write_photos(folder: Path) -> None:
    """Three landscape photos (the wallpapers, else drawn ones), a caption, and a white logo on
    a transparent background."""
    folder.mkdir(parents=True)
    for name, size in LANDSCAPES:
        if (PHOTOS / name).is_file():
            shutil.copy(PHOTOS / name, folder / name)
        else:
            image = Image.linear_gradient("L").resize(size).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
            (folder / name).write_bytes(buffer.getvalue())
    tags = "flowers, garden, outdoors, green, sunlight, macro, red petals, bokeh, close-up, yellow"
    (folder / "Garden.txt").write_text(tags, encoding="utf-8")
    logo = Image.new("RGBA", (800, 500), (0, 0, 0, 0))
    logo.paste((255, 255, 255, 255), (200, 150, 600, 350))
    logo.save(folder / "white-logo.png")


def inside(inner: dict, outer: dict, what: str, where: str) -> None:
    assert inner is not None, f"{what} is not shown ({where})"
    assert (inner["left"] >= outer["left"] - 1 and inner["right"] <= outer["right"] + 1
            and inner["top"] >= outer["top"] - 1 and inner["bottom"] <= outer["bottom"] + 1), (
        f"{what} {inner} is not inside {outer} ({where})")


def set_file_browser(lab, shown: bool) -> None:
    lab.page.evaluate("(o) => o ? window.jupyterapp.shell.activateById('filebrowser')"
                      " : window.jupyterapp.shell.collapseLeft()", shown)


def settle(lab, widget) -> dict:
    """The geometry once the layout and the preview for it have stopped changing."""
    last: list[dict] = []

    def steady() -> bool:
        seen = widget.evaluate(GEOMETRY)
        same = bool(last) and seen == last[-1] and seen["img"] is not None
        last.append(seen)
        lab.page.wait_for_timeout(250)
        return same

    wait_until(steady, what="the layout to settle")
    return last[-1]


def check_fits(geo: dict, where: str) -> None:
    view = {"left": 0, "top": 0, "right": geo["view"]["width"], "bottom": geo["view"]["height"]}
    for what in ("img", "chips", "add", "prev", "next"):
        inside(geo[what], view, what, where)
        inside(geo[what], geo["page"], what, where)
    inside(geo["root"], geo["page"], "the widget", where)
    width_share = geo["img"]["width"] / geo["root"]["width"]
    height_share = geo["img"]["height"] / geo["root"]["height"]
    print(f"{where}: widget {geo['root']['width']:.0f}x{geo['root']['height']:.0f}, image"
          f" {geo['img']['width']:.0f}x{geo['img']['height']:.0f} ({width_share:.0%} of the width,"
          f" {height_share:.0%} of the height)")
    assert width_share >= MIN_WIDTH_SHARE, where
    assert height_share >= MIN_HEIGHT_SHARE, where
    # The editing toolbar stays one row of buttons (it wrapped into four at 800 px).
    assert geo["editbar"]["height"] < 2 * geo["button"]["height"], where


def test_the_tagging_pass_fits_the_notebook_at_every_size(lab, tmp_path) -> None:
    write_photos(lab.workdir / "imgs")
    page = lab.page
    page.set_viewport_size({"width": 1366, "height": 768})
    lab.open_and_run("layout", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "Garden.jpg")
    states = [(1366, 768, True), (1366, 768, False), (1920, 1080, True), (1920, 1080, False)]
    for theme in ("light", "dark"):
        lab.set_theme(theme)
        for width, height, browser in states:
            page.set_viewport_size({"width": width, "height": height})
            set_file_browser(lab, browser)
            geo = settle(lab, widget)
            where = f"{width}x{height}, file browser {'open' if browser else 'closed'}, {theme}"
            check_fits(geo, where)
            assert not geo["alpha"] and geo["imgBg"] == "none", "no checkerboard behind a JPEG"
            lab.screenshot(None, tmp_path, re.sub(r"\W+", "-", where))
    # A cell 800 px wide: the file browser open in a window that leaves the cell 800 px.
    set_file_browser(lab, True)
    page.set_viewport_size({"width": 1366, "height": 768})
    geo = settle(lab, widget)
    page.set_viewport_size({"width": round(1366 - (geo["root"]["width"] - 800)), "height": 768})
    geo = settle(lab, widget)
    assert abs(geo["root"]["width"] - 800) <= 2
    check_fits(geo, "a cell 800 px wide")
    lab.screenshot(None, tmp_path, "cell-800-dark")


def test_panels_open_beside_the_image_and_only_alpha_gets_a_checkerboard(lab, tmp_path) -> None:
    write_photos(lab.workdir / "imgs")
    page = lab.page
    page.set_viewport_size({"width": 1366, "height": 768})
    lab.open_and_run("panels", CELLS)
    set_file_browser(lab, True)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "Garden.jpg")
    before = settle(lab, widget)

    # Checks opens over the tags, beside the image; the page is not pushed down.
    panel = widget.get_by_role("region", name="Checks")
    panel.get_by_role("button", name=re.compile("^Checks")).click()
    body = widget.locator(".ltw-ck-body")
    body.wait_for(state="visible")
    after = settle(lab, widget)
    panel_box = body.bounding_box()
    assert after["root"]["height"] == pytest.approx(before["root"]["height"], abs=1)
    assert panel_box["x"] >= after["img"]["right"] - 1, "the panel covers the image"
    inside(after["img"], {"left": 0, "top": 0, "right": 1366, "bottom": 768}, "img", "checks open")
    assert panel_box["y"] >= after["root"]["top"] and panel_box["y"] + panel_box["height"] <= 768
    lab.screenshot(None, tmp_path, "checks-open")
    panel.get_by_role("button", name="Run checks").click()
    show = panel.get_by_role("button", name=re.compile("Show image.*LadyBird"))
    wait_until(lambda: show.count() > 0, what="a finding for LadyBird.jpg", timeout=90)
    show.first.click()
    wait_shown(lab, "LadyBird.jpg")
    geo = settle(lab, widget)
    inside(geo["img"], {"left": 0, "top": 0, "right": 1366, "bottom": 768}, "img", "Show image")
    lab.screenshot(None, tmp_path, "checks-show-image")
    panel.get_by_role("button", name=re.compile("^Checks")).click()

    # A white logo on transparency: on a mid-grey checker, so it does not vanish.
    widget.get_by_label("Go to image number").fill("4")
    widget.get_by_label("Go to image number").press("Enter")
    wait_shown(lab, "white-logo.png")
    geo = settle(lab, widget)
    assert geo["alpha"] and "gradient" in geo["imgBg"]
    lab.screenshot(None, tmp_path, "alpha-checker")

    # In the grid, Ctrl-click shows the multi-select editor at once, beside the thumbnails.
    widget.get_by_role("button", name="Grid view").click()
    tiles = widget.locator(".ltw-tile")
    tiles.nth(2).wait_for(state="visible")
    tiles.nth(1).click(modifiers=["Control"])
    tiles.nth(2).click(modifiers=["Control"])
    editor = widget.locator(".ltw-ms")
    editor.wait_for(state="visible")
    box = editor.bounding_box()
    assert box["y"] >= 0 and box["y"] + 40 <= 768 and box["x"] + box["width"] <= 1366
    lab.screenshot(None, tmp_path, "grid-multiselect")


ZOOM_JS = """(root) => {
  const pane = root.querySelector('.ltw-preview');
  const img = root.querySelector('img.ltw-img');
  const region = root.querySelector('img.ltw-zoom-region');
  const rect = (el) => { const b = el.getBoundingClientRect();
    return { left: b.left, top: b.top, right: b.right, bottom: b.bottom,
             width: b.width, height: b.height }; };
  const shown = !!region && !region.hidden && region.complete && region.naturalWidth > 0;
  return { zoomed: pane.classList.contains('is-zoomed'), pane: rect(pane), img: rect(img),
           region: shown ? { ...rect(region), naturalWidth: region.naturalWidth,
                             naturalHeight: region.naturalHeight } : null,
           dpr: devicePixelRatio, full: document.fullscreenElement === root
             || root.classList.contains('is-fullscreen') };
}"""


def region_x(seen: dict, original_width: int) -> float:
    """Where the shown region starts in the original's pixels."""
    return (seen["region"]["left"] - seen["img"]["left"]) * original_width / seen["img"]["width"]


def test_zoom_shows_device_pixels_of_the_visible_region_and_pans(lab, tmp_path) -> None:
    write_photos(lab.workdir / "imgs")
    original_width = Image.open(lab.workdir / "imgs" / "Garden.jpg").width
    page = lab.page
    page.set_viewport_size({"width": 1366, "height": 768})
    lab.open_and_run("zoom", CELLS)
    set_file_browser(lab, True)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "Garden.jpg")
    fitted = settle(lab, widget)
    press_on(widget, "z")
    wait_until(lambda: widget.evaluate(ZOOM_JS)["region"] is not None, what="the zoomed region")
    seen = widget.evaluate(ZOOM_JS)
    assert seen["zoomed"]
    # 100 %: the image is drawn at one original pixel per device pixel ...
    assert seen["img"]["width"] * seen["dpr"] == pytest.approx(original_width, rel=0.01)
    # ... and the region over it is at device-pixel resolution and covers the pane.
    region, pane = seen["region"], seen["pane"]
    assert region["naturalWidth"] / region["width"] == pytest.approx(seen["dpr"], rel=0.02)
    assert region["naturalHeight"] / region["height"] == pytest.approx(seen["dpr"], rel=0.02)
    inside(pane, {k: region[k] for k in ("left", "top", "right", "bottom")}, "the pane",
           "the region covers it")
    lab.screenshot(None, tmp_path, "zoom-100")

    # Arrows pan; a new region comes for the new place.
    before = region_x(seen, original_width)
    page.keyboard.press("ArrowRight")
    wait_until(lambda: (s := widget.evaluate(ZOOM_JS))["region"] is not None
               and region_x(s, original_width) > before + 0.15 * pane["width"],
               what="a region further right after ArrowRight")
    moved = widget.evaluate(ZOOM_JS)
    assert moved["img"]["left"] < seen["img"]["left"] - 0.15 * pane["width"]
    assert widget.locator(".ltw-name").text_content() == "Garden.jpg"  # not "Next"
    # Dragging pans too.
    cx, cy = pane["left"] + pane["width"] / 2, pane["top"] + pane["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 120, cy + 60, steps=5)
    page.mouse.up()
    dragged = widget.evaluate(ZOOM_JS)
    assert dragged["img"]["left"] == pytest.approx(moved["img"]["left"] + 120, abs=2)
    assert dragged["img"]["top"] == pytest.approx(moved["img"]["top"] + 60, abs=2)
    lab.screenshot(None, tmp_path, "zoom-panned")
    # The wheel and +/- zoom.
    page.mouse.wheel(0, -200)
    wait_until(lambda: widget.evaluate(ZOOM_JS)["img"]["width"] > dragged["img"]["width"] * 1.2,
               what="the wheel zooms in")
    page.keyboard.press("Minus")
    page.keyboard.press("Minus")
    assert widget.evaluate(ZOOM_JS)["img"]["width"] < dragged["img"]["width"]
    # Escape zooms out to the fitted image; the next Escape would leave the widget.
    page.keyboard.press("Escape")
    out = widget.evaluate(ZOOM_JS)
    assert not out["zoomed"] and out["region"] is None
    assert out["img"]["width"] == pytest.approx(fitted["img"]["width"], abs=2)
    # A double click zooms in at the point clicked (the photo's left edge stays in view).
    img = fitted["img"]
    page.mouse.dblclick(img["left"] + 20, img["top"] + img["height"] / 2)
    wait_until(lambda: widget.evaluate(ZOOM_JS)["region"] is not None, what="double-click zoom")
    near_edge = widget.evaluate(ZOOM_JS)
    assert region_x(near_edge, original_width) < 50
    page.keyboard.press("Escape")
    assert not widget.evaluate(ZOOM_JS)["zoomed"]

    # Full screen with the same keys; Escape leaves it.
    press_on(widget, "f")
    wait_until(lambda: widget.evaluate(ZOOM_JS)["full"], what="full screen")
    geo = settle(lab, widget)
    assert geo["root"]["width"] >= 1366 - 2 and geo["root"]["height"] >= 768 - 2
    assert geo["img"]["height"] > fitted["img"]["height"] * 1.2
    lab.screenshot(None, tmp_path, "fullscreen")
    page.keyboard.press("z")
    wait_until(lambda: widget.evaluate(ZOOM_JS)["region"] is not None, what="zoom in full screen")
    lab.screenshot(None, tmp_path, "fullscreen-zoom")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    wait_until(lambda: not widget.evaluate(ZOOM_JS)["full"], what="full screen left")
