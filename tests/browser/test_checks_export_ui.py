"""The Checks and Export panels in a real JupyterLab: checks run in the background and each
finding is a click away from its image; an export for ai-toolkit writes its folder and shows the
YAML to paste."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labharness import wait_shown, wait_until
from test_grid import py, write_images

pytestmark = pytest.mark.browser

CELLS = ["from lora_tagger_widget import TaggerWidget", "w = TaggerWidget('imgs')\nw"]



def export_for_ai_toolkit(widget, dest: Path):
    """Open the Export panel, export to `dest` for ai-toolkit, and wait for its configuration
    (the textbox returned)."""
    panel = widget.get_by_role("region", name="Export")
    panel.get_by_role("button", name=re.compile("^Export$")).first.click()
    panel.get_by_role("radio", name=re.compile("ai-toolkit")).check()
    panel.get_by_label("Destination").fill(str(dest))
    panel.get_by_role("button", name="Export", exact=True).last.click()
    config = panel.get_by_role("textbox", name="Configuration")
    wait_until(lambda: config.count() > 0 and config.is_visible(), what="the YAML", timeout=60)
    return config

def test_checks_show_findings_that_open_their_image(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # 16x16 JPEGs: all too small; every third has a caption
    (root / "img00001.txt").write_text("", encoding="utf-8")
    lab.open_and_run("checks", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Checks")
    panel.get_by_role("button", name=re.compile("^Checks")).click()
    panel.get_by_role("button", name="Run checks").click()
    wait_until(lambda: "blocking" in panel.inner_text().lower() and
               panel.get_by_role("button", name=re.compile("Show image.*img00004")).count() > 0,
               what="the findings", timeout=60)
    assert "img00004.jpg is only 16x16 px" in panel.inner_text()
    panel.get_by_role("button", name=re.compile("Show image.*img00004")).first.click()
    wait_shown(lab, "img00004.jpg")


def test_an_ai_toolkit_export_writes_its_folder_and_shows_the_yaml(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)
    dest = lab.workdir / "exported"
    lab.open_and_run("export", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    lab.run_cell("w.trigger = 'ohwx'")
    config = export_for_ai_toolkit(widget, dest)
    assert "caption_ext" in config.input_value() and "ohwx" in config.input_value()
    assert sorted(p.name for p in dest.glob("*.txt")) == [
        "img00000.txt", "img00003.txt"]  # untagged images are left out
    assert (root / "img00000.txt").read_text(encoding="utf-8") == "red, square"


def test_findings_come_by_kind_with_counts_and_a_hidden_kind_stays_hidden(lab) -> None:
    root = lab.workdir / "imgs"
    write_images(root, n=6)  # six copies of one 16x16 JPEG: too small, and identical files
    lab.open_and_run("checks-kinds", CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img00000.jpg")
    panel = widget.get_by_role("region", name="Checks")
    panel.get_by_role("button", name=re.compile("^Checks")).click()
    values = [panel.get_by_label(label).input_value()
              for label in ("Max aspect ratio", "Near-duplicate distance", "Blur threshold")]
    assert values == ["2.5", "6", "50"]  # the values a run uses, not "default"
    panel.get_by_role("button", name="Run checks").click()
    kind = panel.get_by_role("button", name=re.compile(r"^Too small \(6"))
    wait_until(lambda: kind.count() == 1, what="the kind heading", timeout=60)
    assert panel.get_by_role("button", name="Identical files (1)").count() == 1
    assert panel.get_by_text("is only 16x16 px").count() == 6
    lab.screenshot(panel, lab.workdir / "shots", "checks-by-kind")
    kind.click()
    assert kind.inner_text() == "Too small (6, hidden)"
    assert kind.get_attribute("aria-expanded") == "false"
    wait_until(lambda: not panel.get_by_text("is only 16x16 px").first.is_visible(),
               what="the hidden kind's rows to go")
    lab.screenshot(panel, lab.workdir / "shots", "checks-kind-hidden")
    lab.run_cell("first = w.check_report")
    panel.get_by_role("button", name="Run checks").click()  # a new run keeps the kind hidden
    wait_until(lambda: py(lab, "w.check_report is not first"), what="the second run", timeout=60)
    wait_until(lambda: panel.get_by_role("button", name="Run checks").count() == 1
               and kind.count() == 1 and "hidden" in kind.inner_text(),
               what="the second run's findings", timeout=60)
    assert not panel.get_by_text("is only 16x16 px").first.is_visible()
    assert panel.get_by_role("button", name="Identical files (1)").is_visible()
