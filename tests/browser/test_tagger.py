"""The tagger in a real JupyterLab: the quickstart runs, a person tags with mouse and keyboard, the
captions land on disk, Python edits show in the view, and the session resumes after a reopen."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, make_sample_dataset, split_tags

from labharness import press_on, wait_shown, wait_until

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
TAGGER_CELLS = [
    "from lora_tagger_widget import TaggerWidget",
    "w = TaggerWidget('imgs')\nw",
]


def caption(root: Path, image_name: str) -> str | None:
    path = (root / image_name).with_suffix(".txt")
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_quickstart_tags_through_the_ui_and_saves_to_disk(lab, tmp_path: Path) -> None:
    shutil.copy(REPO / "notebooks" / "quickstart.ipynb", lab.workdir / "quickstart.ipynb")
    lab.open("quickstart")
    lab.run_all()
    root_dir = lab.workdir / "sample_data"
    names = [item.name for item in Dataset(root_dir)]
    widget = lab.output(".ltw-root").first
    page = lab.page

    # The quickstart tagged image 1 and moved on to image 2.
    wait_shown(lab, names[1])
    assert "outdoors" in (caption(root_dir, names[0]) or "")
    expected_position = re.compile(r"2 / 30 · \d+ tagged")
    assert expected_position.search(widget.locator(".ltw-position").inner_text())
    lab.screenshot(widget, tmp_path, "tagger-light")

    # A palette click, a typed tag, a chip removed.
    widget.get_by_role("button", name=re.compile(r"^red hair")).first.click()
    widget.get_by_role("button", name="Remove tag red hair").wait_for()
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("my new tag")
    add.press("Enter")
    widget.get_by_role("button", name="Remove tag my new tag").wait_for()
    widget.get_by_role("button", name="Remove tag red hair").click()
    widget.get_by_role("button", name="Remove tag red hair").wait_for(state="detached")
    wait_until(lambda: caption(root_dir, names[1]) == "my new tag", what="autosave to disk")
    widget.get_by_text("All changes saved").wait_for()

    # Buttons move.
    widget.get_by_role("button", name="Next image").click()
    wait_shown(lab, names[2])
    widget.get_by_role("button", name="Previous image").click()
    wait_shown(lab, names[1])

    # Keys move and tag; the notebook does not act on them.
    cells_before = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").count()
    widget.locator(".ltw-img").click()
    press_on(widget, "ArrowRight")
    wait_shown(lab, names[2])
    top_tag = Dataset(root_dir).vocabulary.most_common(1)[0][0]
    page.keyboard.press("Digit1")
    widget.get_by_role("button", name=f"Remove tag {top_tag}").wait_for()
    page.keyboard.press("Delete")
    page.keyboard.press("d")
    page.keyboard.press("d")
    page.keyboard.press("Control+s")
    wait_until(lambda: top_tag in (caption(root_dir, names[2]) or ""), what="Ctrl+S save")
    assert page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").count() == cells_before
    page.keyboard.press("ArrowLeft")
    wait_shown(lab, names[1])
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.activeElement.closest('.ltw-root')")

    # Python edits show in the open view at once; view edits are in Python at once.
    lab.run_cell("w.dataset.add_tag(w.index, 'from python')")
    widget.get_by_role("button", name="Remove tag from python").wait_for()
    assert lab.run_cell("print(w.current.tags)").strip() == "['my new tag', 'from python']"
    lab.run_cell("w.goto(5)")
    wait_shown(lab, names[5])

    lab.set_theme("dark")
    lab.screenshot(widget, tmp_path, "tagger-dark")
    lab.set_theme("light")


def test_the_session_resumes_after_the_notebook_is_opened_again(lab, tmp_path: Path) -> None:
    root_dir = make_sample_dataset(lab.workdir / "imgs")
    names = [item.name for item in Dataset(root_dir)]
    lab.open_and_run("resume", TAGGER_CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, names[0])
    for position in (1, 2, 3):
        widget.get_by_role("button", name="Next image").click()
        wait_shown(lab, names[position])
    widget.get_by_role("button", name="Mark reviewed").click()
    session_file = root_dir / ".lora-tagger" / "session.json"

    def session_saved() -> bool:
        try:
            data = json.loads(session_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return data["position"] == names[3] and names[3] in data["reviewed"]

    wait_until(session_saved, what="session.json with position and reviewed mark")

    lab.reopen(save=False)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, names[3])
    assert widget.get_by_role("button", name="Mark reviewed").get_attribute("aria-pressed") == (
        "true"
    )
    lab.screenshot(widget, tmp_path, "resumed")


def test_a_conflict_shows_both_versions_and_keeps_the_file_on_disk(lab) -> None:
    root_dir = lab.workdir / "imgs"
    make_sample_dataset(root_dir)
    names = [item.name for item in Dataset(root_dir)]
    lab.open_and_run("conflict", ["from lora_tagger_widget import TaggerWidget",
                                  "w = TaggerWidget('imgs', autosave=False)\nw"])
    widget = lab.output(".ltw-root").first
    wait_shown(lab, names[0])
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("mine")
    add.press("Enter")
    widget.get_by_role("button", name="Remove tag mine").wait_for()
    caption_path = (root_dir / names[0]).with_suffix(".txt")
    caption_path.write_text("changed elsewhere", encoding="utf-8")
    widget.get_by_role("button", name="Save").click()
    widget.get_by_text("changed elsewhere").first.wait_for()
    assert caption_path.read_text(encoding="utf-8") == "changed elsewhere"
    widget.get_by_role("button", name="Use the file on disk").click()
    widget.get_by_role("button", name="Remove tag changed elsewhere").wait_for()
    widget.get_by_role("button", name="Remove tag mine").wait_for(state="detached")


def test_deleting_a_palette_tag_asks_first_then_removes_it_everywhere(lab) -> None:
    root_dir = lab.workdir / "imgs"
    make_sample_dataset(root_dir)
    before = Dataset(root_dir)
    users = [item.name for item in before if "smiling" in item.tags]
    lab.open_and_run("delete", TAGGER_CELLS)
    widget = lab.output(".ltw-root").first
    widget.get_by_role("button", name="Delete tag smiling from all images").click()
    dialog = widget.get_by_role("alertdialog")
    dialog.get_by_text(
        re.compile(f'Remove "\u2068?smiling\u2069?" from {len(users)} images\\?')
    ).wait_for()
    dialog.get_by_role("button", name="Delete").click()
    wait_until(
        lambda: all("smiling" not in split_tags(caption(root_dir, n) or "") for n in users),
        what="the tag removed from every caption",
    )
    palette_entry = widget.get_by_role("button", name=re.compile(r"^smiling"))
    wait_until(lambda: palette_entry.count() == 0, what="the palette without the tag")


def test_neighbours_are_prefetched_only_when_prefetch_is_on(lab) -> None:
    for folder in ("on", "off"):
        make_sample_dataset(lab.workdir / folder)
    lab.open_and_run("prefetch", [
        "from lora_tagger_widget import TaggerWidget",
        "on = TaggerWidget('on')\non",
        "off = TaggerWidget('off', prefetch=False)\noff",
    ])
    names = [item.name for item in Dataset(lab.workdir / "on")]
    lab.page.wait_for_function(
        "(n) => [...document.querySelectorAll('.ltw-root img.ltw-img')]"
        ".filter(i => i.alt === n && i.complete && i.naturalWidth > 0).length === 2",
        arg=names[0], timeout=30_000,
    )
    wait_until(lambda: lab.run_cell("print(len(on.dataset.previews))").strip() == "3",
               what="the shown image and its two neighbours made on the prefetching widget")
    assert lab.run_cell("print(len(off.dataset.previews))").strip() == "1"


def test_next_shows_a_prefetched_image_while_the_kernel_is_busy(lab) -> None:
    make_sample_dataset(lab.workdir / "imgs")
    lab.open_and_run("anticipate", TAGGER_CELLS)
    names = [item.name for item in Dataset(lab.workdir / "imgs")]
    wait_shown(lab, names[0])
    wait_until(lambda: lab.run_cell("print(len(w.dataset.previews))").strip() == "3",
               what="the two neighbours prefetched")
    # Python takes 4 s to answer "Next" (a busy kernel).
    lab.run_cell("import time\nw.next = lambda: (time.sleep(4), TaggerWidget.next(w))")
    press_on(lab.output(".ltw-root").first, "ArrowRight")
    wait_shown(lab, names[1], timeout=3, confirmed=False)
    # Python has not answered yet: its position is still the first image.
    assert lab.output(".ltw-goto").first.input_value() == "1"
    wait_until(lambda: lab.output(".ltw-goto").first.input_value() == "2",
               what="Python's answer confirming the second image")
    assert lab.run_cell("print(w.index)", timeout=30).strip() == "1"
    wait_shown(lab, names[1])
