"""The widget's checks, exports and plots: run in the background with their progress in a
trait, findings and plot data by request, bad requests refused."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, TaggerWidget

from imagefiles import write_image
from test_widget import ask


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def widget(make_set: Callable[..., Path]) -> TaggerWidget:
    root = make_set({"a.jpg": "red hair, smiling", "b.jpg": "", "c.jpg": "blue hair"})
    for name in ("a.jpg", "b.jpg", "c.jpg"):  # big enough for Civitai (64 px on each side)
        write_image(root / name, size=(96, 80))
    write_image(root / "tiny.png", size=(32, 32))
    (root / "tiny.txt").write_text("tiny", encoding="utf-8")
    return TaggerWidget(Dataset(root), autosave=False, workers=0)


def test_checks_run_in_the_background_and_their_findings_lead_to_images(
    widget: TaggerWidget,
) -> None:
    assert ask(widget, type="run_checks", resolution=512)["ok"]
    wait_until(lambda: widget._checks.get("phase") == "done", what="the checks to end")
    assert widget._checks["counts"]["blocking"] >= 2
    findings = ask(widget, type="checks")["findings"]
    assert findings[0]["severity"] == "blocking"
    codes = {(f["code"], tuple(f["ids"])) for f in findings}
    assert any("b.jpg" in ids for _, ids in codes)  # the empty caption
    assert any("tiny.png" in ids for _, ids in codes)  # under 64 px
    assert ask(widget, type="goto", id="tiny.png")["index"] == widget.dataset.index_of("tiny.png")


def test_bad_check_and_export_requests_are_refused(widget: TaggerWidget) -> None:
    assert not ask(widget, type="checks")["ok"]  # none ran yet
    assert not ask(widget, type="run_checks", resolution=500)["ok"]
    assert not ask(widget, type="run_checks", resolution=512, near_duplicate_distance=99)["ok"]
    assert not ask(widget, type="export", target="midjourney", dest="/tmp/x", replace=False)["ok"]
    assert not ask(widget, type="export", target="civitai", dest="/tmp/x", replace=False,
                   fixes={"explode": True})["ok"]


def test_an_export_runs_in_the_background_and_reports_what_it_did(
    widget: TaggerWidget, tmp_path: Path,
) -> None:
    dest = tmp_path / "out" / "set.zip"
    assert ask(widget, type="export", target="civitai", dest=str(dest), replace=False)["ok"]
    wait_until(lambda: widget._export.get("phase") in ("done", "failed"), what="the export")
    assert widget._export["phase"] == "done", widget._export
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
    assert "000.txt" in names and widget.export_report.exported == len(names) // 2 == 2
    # b.jpg has an empty caption; tiny.png is under Civitai's 64 px: left out, not exported.
    assert sorted(item_id for item_id, _ in widget.export_report.left_out) == ["b.jpg", "tiny.png"]


def test_an_export_into_the_data_set_fails_with_a_reason(widget: TaggerWidget) -> None:
    ask(widget, type="export", target="ai-toolkit", dest=str(widget.dataset.root / "out"),
        replace=False)
    wait_until(lambda: widget._export.get("phase") in ("done", "failed"), what="the export")
    assert widget._export["phase"] == "failed" and widget._export["error"]


def test_plot_data_gives_tags_sizes_and_buckets(widget: TaggerWidget) -> None:
    reply = ask(widget, type="plots", top=2, resolution=512)
    assert [row[0] for row in reply["tags"]] == ["blue hair", "red hair"]
    assert len(reply["sizes"]) == 4
    assert sum(row[2] for row in reply["buckets"]) == 4
