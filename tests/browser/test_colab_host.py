"""A host that delivers only answers, as Colab does (colabtools issue 3373), emulated in JupyterLab:
the kernel's WebSocket is routed through a filter that passes a kernel message only while it
answers a message the browser sent (its parent is one, and the kernel has not yet said `idle`
for it), and strips every buffer from `comm_open`. Trait updates, notices and worker-made replies
sent at any other time are dropped; the widget must still work through its `sync` request.

What this cannot cover: Colab's own widget manager and its iframe per output, which run only in
Colab."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from imagefiles import write_image
from kernelws import KERNEL_CHANNELS, Tap, parse, serialize
from labharness import press_on, wait_shown, wait_until
from test_checks_export_ui import export_for_ai_toolkit
from test_grid import py

pytestmark = pytest.mark.browser

BIG = 60_000  # images of the data set whose scan shows its progress


class AnswersOnly(Tap):
    """The filter between the page and the kernel, and what it saw."""

    def __init__(self) -> None:
        self.asked: set[str] = set()  # ids of the messages the browser sent
        self.answered: set[str] = set()  # those the kernel said `idle` for
        self.passed = 0
        self.dropped: Counter[str] = Counter()  # by kind: msg_type, with a comm's method
        self.dropped_keys: Counter[str] = Counter()  # the traits of dropped updates
        self.open_buffers = 0
        self.syncs = 0

    def up(self, frame: str | bytes, server: Any) -> None:
        _channel, parts = parse(frame)
        header, content = json.loads(parts[0]), json.loads(parts[3])
        self.asked.add(header["msg_id"])
        if content.get("data", {}).get("content", {}).get("type") == "sync":
            self.syncs += 1
        server.send(frame)

    def down(self, frame: str | bytes, ws: Any) -> None:
        channel, parts = parse(frame)
        header, parent, content = (json.loads(parts[i]) for i in (0, 1, 3))
        parent_id = parent.get("msg_id")
        kind = header["msg_type"]
        answers = parent_id in self.asked and (channel != "iopub" or parent_id not in self.answered)
        if not answers:
            data = content.get("data", {})
            method = data.get("method")
            self.dropped[f"{kind}:{method}" if method else kind] += 1
            self.dropped_keys.update(data.get("state", {}).keys())
            return
        if channel == "iopub" and kind == "status" and content["execution_state"] == "idle":
            self.answered.add(parent_id)
        if kind == "comm_open" and len(parts) > 4:
            self.open_buffers += len(parts) - 4
            frame = serialize(channel, parts[:4])
        self.passed += 1
        ws.send(frame)


def write_big(folder: Path, n: int) -> None:
    """`n` images (hard links of a few files: a file takes 65,000 links at most)."""
    folder.mkdir(parents=True)
    for i in range(n):
        path = folder / f"big{i:06d}.jpg"
        if i % 50_000 == 0:
            source = write_image(path, size=(16, 16))
        else:
            os.link(source, path)


LOADING_SEEN = """(root) => {
  const texts = [];
  const bar = root.querySelector('.ltw-loading');
  const note = () => { if (!bar.hidden) texts.push(bar.textContent); };
  note();
  new MutationObserver(note).observe(bar, {attributes: true, childList: true, subtree: true,
    characterData: true});
  window.__ltwLoading = texts;
}"""

TAGGER = """
def colour(images):
    return [[("square", 0.9)] for _ in images]

w.add_tagger("colour", colour)
"""


def test_the_widget_works_when_the_host_delivers_only_answers(lab, tmp_path: Path) -> None:
    filt = AnswersOnly()
    lab.page.route_web_socket(KERNEL_CHANNELS, filt.route)
    write_big(lab.workdir / "big", BIG)
    root = lab.workdir / "imgs"
    for i, colour in enumerate(("steelblue", "tomato", "seagreen", "gold", "orchid", "gray")):
        write_image(root / f"img{i}.jpg", size=(320, 240), color=colour)
    (root / "img0.txt").write_text("red, square", encoding="utf-8")

    # The scan of a big folder: the view shows its progress, then the first image.
    lab.open_and_run("colab", ["from lora_tagger_widget import TaggerWidget",
                               "big = TaggerWidget('big')\nbig"])
    big = lab.output(".ltw-root").first
    big.evaluate(LOADING_SEEN)
    wait_shown(lab, "big000000.jpg", timeout=60)
    shown = lab.page.evaluate("() => window.__ltwLoading")
    print(f"scan progress shown: {shown}")
    assert any(text.startswith("Scanning…") for text in shown)
    assert big.get_by_role("progressbar", name="Scanning the folder").is_hidden()
    assert filt.dropped_keys["loading"] > 0  # the end of the scan came by sync
    lab.screenshot(big, tmp_path, "colab-scanned")
    lab.run_cell("big.close()")

    # Images, moves and tags.
    lab.run_cell("w = TaggerWidget('imgs')\nw")
    widget = lab.output(".ltw-root").first
    wait_shown(lab, "img0.jpg")
    widget.get_by_role("button", name="Next image").click()
    wait_shown(lab, "img1.jpg")
    press_on(widget, "ArrowRight")
    wait_shown(lab, "img2.jpg")
    lab.page.keyboard.press("ArrowLeft")
    wait_shown(lab, "img1.jpg")
    add = widget.get_by_role("textbox", name="Add tag")
    add.fill("blue sky")
    add.press("Enter")
    widget.get_by_role("button", name="Remove tag blue sky").wait_for()
    wait_until(lambda: (root / "img1.txt").is_file() and
               (root / "img1.txt").read_text(encoding="utf-8") == "blue sky",
               what="the caption on disk")
    widget.get_by_text("All changes saved").wait_for()  # the autosave's status, by sync
    lab.screenshot(widget, tmp_path, "colab-tagged")

    # The grid's thumbnails.
    widget.get_by_role("button", name="Grid view").click()
    lab.page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('.ltw-grid [role=option] img')];"
        " return imgs.length === 6 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
        timeout=30_000)
    lab.screenshot(widget, tmp_path, "colab-grid")
    widget.get_by_role("button", name="Single view").click()
    wait_shown(lab, "img1.jpg")

    # Checks and an export, to the end.
    panel = widget.get_by_role("region", name="Checks")
    panel.get_by_role("button", name=re.compile("^Checks")).click()
    panel.get_by_role("button", name="Run checks").click()
    done = panel.get_by_role("button", name=re.compile(r"^Checks: (\d+|no problems)"))
    wait_until(lambda: done.count() == 1, what="the checks' outcome", timeout=60)
    assert py(lab, "w.check_report.checked") == 6
    lab.screenshot(widget, tmp_path, "colab-checks")
    dest = lab.workdir / "exported"
    export_for_ai_toolkit(widget, dest)
    assert sorted(p.name for p in dest.glob("*.txt")) == ["img0.txt", "img1.txt"]
    lab.screenshot(widget, tmp_path, "colab-export")
    widget.get_by_role("region", name="Export").get_by_role(
        "button", name=re.compile("^Export$")).first.click()  # closes the panel

    # An auto-tag run with a Python tagger, to the end.
    lab.run_cell(TAGGER)
    panel = widget.get_by_role("region", name="Auto-tag")
    panel.get_by_role("button", name="Auto-tag").click()
    panel.get_by_label("Tagger").select_option(label="colour")
    panel.get_by_label("Existing tags").select_option("append")
    panel.get_by_role("radio", name=re.compile("All images")).check()
    panel.get_by_role("button", name="Run", exact=True).click()
    wait_until(lambda: "6 images got suggestions" in panel.inner_text(), what="the run's end",
               timeout=60)
    widget.get_by_role("button", name=re.compile(r"^Accept suggested tag square")).wait_for()
    assert py(lab, "len(w.dataset.suggestions.open_ids())") == 6
    lab.screenshot(widget, tmp_path, "colab-autotag")

    # Images added with "Add images": every chunk is an answered request.
    picked = lab.workdir / "picked"
    write_image(picked / "added.png", size=(640, 480), color="navy")
    panel = widget.get_by_role("region", name="Add images")
    panel.get_by_role("button", name="Add images").click()
    panel.locator("input[type=file]").set_input_files([str(picked / "added.png")])
    summary = panel.get_by_role("status")
    wait_until(lambda: "Added" in summary.inner_text(), what="the upload's summary", timeout=60)
    assert (root / "added.png").read_bytes() == (picked / "added.png").read_bytes()
    assert py(lab, "w.count") == 7
    panel.get_by_role("button", name="Show the first new image").click()
    wait_shown(lab, "added.png")
    lab.screenshot(widget, tmp_path, "colab-added")

    print(f"passed {filt.passed}, dropped {sum(filt.dropped.values())}: {dict(filt.dropped)};"
          f" traits of dropped updates: {dict(filt.dropped_keys)}; sync requests {filt.syncs}")
    assert filt.open_buffers == 0
    assert filt.dropped["comm_msg:custom"] > 0  # replies from workers, notices
    assert filt.dropped["comm_msg:update"] > 0  # trait updates off a request
    assert filt.syncs > 0
