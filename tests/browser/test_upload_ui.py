"""Adding images in a real JupyterLab: files picked with "Add images" and files dropped on the
widget go to the data set folder through the kernel, in chunks, under safe names that never
overwrite; a zip brings its captions; a broken image is refused with its reason; the new images
show at once."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget.core.images import IMAGE_EXTENSIONS

from labharness import press_on, wait_shown, wait_until
from test_grid import py, write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]

DROP_JS = """([root, files, target]) => {
  const dt = new DataTransfer();
  for (const [name, b64] of files) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name));
  }
  const el = document.querySelector(root);
  const fire = (type) => el.querySelector(target).dispatchEvent(
    new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  fire("dragenter");
  fire("dragover");
  window.__ltwDrop = () => fire("drop");
  return el.classList.contains("is-dropping");
}"""


def png(color: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_files_picked_land_with_safe_unique_names_and_show_at_once(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=3)
    before = (root / "img00000.jpg").read_bytes()
    picked = lab.workdir / "picked"
    picked.mkdir()
    (picked / "new.png").write_bytes(png("green"))
    (picked / "img00000.jpg").write_bytes(png("yellow"))  # named like an image already there
    (picked / "broken.png").write_bytes(png("red")[:60])
    with zipfile.ZipFile(picked / "pack.zip", "w") as archive:
        archive.writestr("z/one.png", png("blue"))
        archive.writestr("z/one.txt", "from the zip, blue")
        archive.writestr("__MACOSX/z/._one.png", "junk")
    lab.open_and_run("upload-pick", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Add images")
    panel.get_by_role("button", name="Add images").click()
    assert panel.get_by_role("button", name="Choose files…").is_visible()
    accept = ",".join([*sorted(IMAGE_EXTENSIONS), ".txt", ".zip"])  # as Python names them
    picker = panel.locator("input[type=file]")
    wait_until(lambda: picker.get_attribute("accept") == accept, what="Python's extensions")
    panel.locator("input[type=file]").set_input_files(
        [str(picked / n) for n in ("new.png", "img00000.jpg", "broken.png", "pack.zip")])
    summary = panel.get_by_role("status")
    wait_until(lambda: "Added" in summary.inner_text(), what="the summary", timeout=60)
    text = summary.inner_text()
    lab.screenshot(panel, lab.workdir / "shots", "upload-summary")
    assert "Added 3 images and 1 caption." in text
    assert "Renamed: img00000.jpg → img00000-2.jpg" in text
    assert re.search(r"Refused: broken\.png: The image is damaged or truncated", text)
    assert (root / "new.png").read_bytes() == png("green")
    assert (root / "img00000.jpg").read_bytes() == before
    assert (root / "img00000-2.jpg").is_file() and not (root / "broken.png").exists()
    assert (root / "z" / "one.txt").read_text() == "from the zip, blue"
    assert not (root / "__MACOSX").exists()
    assert list((root / ".lora-tagger" / "uploads").iterdir()) == []
    assert py(lab, "w.count") == 6
    assert py(lab, "w.dataset['z/one.png'].tags") == ["from the zip", "blue"]
    panel.get_by_role("button", name="Show the first new image").click()
    wait_shown(lab, "new.png")
    lab.screenshot(widget, lab.workdir / "shots", "upload-first-new-image")


def test_files_dropped_on_the_widget_go_to_the_folder_chosen(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=2)
    lab.open_and_run("upload-drop", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Add images")
    panel.get_by_role("button", name="Add images").click()
    panel.get_by_label("Into folder").fill("dropped/10_ohwx")
    # the caption first, the image with no MIME type: Python's extensions put the image first
    files = [["drop.txt", base64.b64encode(b"ohwx, purple").decode()],
             ["drop.png", base64.b64encode(png("purple")).decode()]]
    selector = ".jp-NotebookPanel:not(.lm-mod-hidden) .ltw-root"
    assert lab.page.evaluate(DROP_JS, [selector, files, ".ltw-view"])
    hint = widget.locator(".ltw-up-drop")
    assert hint.is_visible() and "dropped/10_ohwx" in hint.inner_text()
    lab.screenshot(widget, lab.workdir / "shots", "upload-drop-target")
    lab.page.evaluate("() => window.__ltwDrop()")
    summary = panel.get_by_role("status")
    wait_until(lambda: "Added" in summary.inner_text(), what="the summary", timeout=60)
    assert not hint.is_visible()
    assert "Added 1 image and 1 caption to dropped/10_ohwx." in summary.inner_text()
    landed = root / "dropped" / "10_ohwx"
    assert (landed / "drop.png").read_bytes() == png("purple")
    assert (landed / "drop.txt").read_text() == "ohwx, purple"
    assert py(lab, "w.count") == 3
    widget.get_by_role("button", name=re.compile("Show the first new image")).click()
    wait_shown(lab, "dropped/10_ohwx/drop.png")
    lab.screenshot(widget, lab.workdir / "shots", "upload-dropped-shown")


def test_the_u_key_opens_the_picker_and_a_refused_folder_says_why(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=1)
    picked = lab.workdir / "picked"
    picked.mkdir()
    (picked / "x.png").write_bytes(png("white"))
    # Playwright asks the browser to catch file pickers without waiting for it to agree: a
    # listener made now has the browser catching them well before U is pressed.
    lab.page.on("filechooser", lambda _: None)
    lab.open_and_run("upload-refused", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Add images")
    panel.get_by_role("button", name="Add images").click()
    panel.get_by_label("Into folder").fill(".lora-tagger")
    with lab.page.expect_file_chooser(timeout=15000) as picker:
        press_on(widget, "u")  # the keys go to the widget, not the folder field
    chooser = picker.value
    assert chooser.is_multiple()
    chooser.set_files([str(picked / "x.png")])
    summary = panel.get_by_role("status")
    wait_until(lambda: "hidden" in summary.inner_text(), what="the refusal", timeout=60)
    assert sorted(p.name for p in Path(root).iterdir() if p.is_file()) == [
        "img00000.jpg", "img00000.txt"]
