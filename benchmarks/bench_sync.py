"""What the `sync` request (the view asking for what a host that delivers only answers may have
dropped, see docs/protocol.md) costs in a plain JupyterLab, which delivers everything: sync
requests a minute and the bytes of their answers, with the widget idle and while an auto-tag run
goes (a Python tagger that takes --job-seconds in all), beside all the bytes the kernel sent the
page meanwhile; and the round trip of one sync request.

Measured on the wire: the kernel's WebSocket is routed through Playwright (passing everything),
and every frame is read (tests/browser/kernelws.py). Run: python benchmarks/bench_sync.py
[--quick]. Needs Debian's chromium and the Playwright package; reuses tests/browser/labharness.py.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import Row, add_common_args, percentile, print_table, write_summary
from _datasets import make_captioned_set

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from kernelws import KERNEL_CHANNELS, Tap, parse  # noqa: E402
from labharness import JupyterServer, Lab, chromium_available, launch_browser  # noqa: E402

NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)")
IMAGES = 48

TAGGER = """
import time

def slow(images):
    time.sleep({per_image} * len(images))
    return [[("square", 0.9)] for _ in images]

w.add_tagger("slow", slow)
"""


class Wire(Tap):
    """Counts what crosses the kernel's WebSocket: sync requests, their answers, all bytes."""

    def __init__(self) -> None:
        self.sync_rids: dict[int, float] = {}  # rid -> when the page sent it
        self.requests = 0
        self.answer_bytes = 0
        self.all_bytes = 0
        self.round_trips: list[float] = []

    def up(self, frame: str | bytes, server: Any) -> None:
        _channel, parts = parse(frame)
        data = json.loads(parts[3]).get("data", {}).get("content", {})
        if data.get("type") == "sync":
            self.requests += 1
            self.sync_rids[data["rid"]] = time.perf_counter()
        server.send(frame)

    def down(self, frame: str | bytes, ws: Any) -> None:
        _channel, parts = parse(frame)
        self.all_bytes += len(frame)
        data = json.loads(parts[3]).get("data", {}).get("content", {})
        if data.get("type") == "reply" and data.get("rid") in self.sync_rids:
            self.answer_bytes += len(frame)
            self.round_trips.append(time.perf_counter() - self.sync_rids.pop(data["rid"]))
        ws.send(frame)

    def mark(self) -> tuple[int, int, int]:
        return self.requests, self.answer_bytes, self.all_bytes


def rows_for(label: str, wire: Wire, before: tuple[int, int, int], seconds: float) -> list[Row]:
    requests, answers, total = (now - then for now, then in zip(wire.mark(), before, strict=True))
    per_minute = requests * 60 / seconds
    return [Row(f"{label}: sync requests a minute", f"{per_minute:.0f}", "-", "-",
                "idle <= 15" if label == "idle" else "-",
                "" if label != "idle" else ("met" if per_minute <= 15 else "MISSED")),
            Row(f"{label}: bytes of sync answers", f"{answers:,}",
                f"all kernel->page {total:,}",
                f"{answers / total:.0%}" if total else "-")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--idle-seconds", type=float, default=None, help="(60; quick 15)")
    parser.add_argument("--job-seconds", type=float, default=None, help="(30; quick 8)")
    args = parser.parse_args()
    if not chromium_available():
        print("bench_sync: no Chromium at /usr/lib/chromium/chromium; skipped")
        write_summary(args.summary, "bench_sync", [Row("sync traffic", "skipped")])
        return
    from playwright.sync_api import sync_playwright

    idle = args.idle_seconds or (15 if args.quick else 60)
    job = args.job_seconds or (8 if args.quick else 30)
    base = Path(tempfile.mkdtemp(prefix="ltw-sync-bench-"))
    server = JupyterServer(base / "jupyter")
    wire = Wire()
    rows: list[Row] = []
    try:
        server.start()
        workdir = server.root_dir / "bench"
        make_captioned_set(workdir / "imgs", IMAGES)
        with sync_playwright() as playwright:
            browser = launch_browser(playwright, base / "chromium-home")
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          service_workers="block")
            context.route(NOT_LOCAL, lambda route: route.abort())
            page = context.new_page()
            page.route_web_socket(KERNEL_CHANNELS, wire.route)
            lab = Lab(page, server, workdir, timeout=180)
            lab.open_and_run("bench", ["from lora_tagger_widget import TaggerWidget",
                                       "w = TaggerWidget('imgs')\nw"])
            widget = lab.output(".ltw-root").first
            widget.locator("img.ltw-img").first.wait_for()
            lab.run_cell(TAGGER.format(per_image=job / IMAGES))
            page.wait_for_timeout(2000)

            before, start = wire.mark(), time.perf_counter()
            page.wait_for_timeout(idle * 1000)  # keeps Playwright's dispatcher running
            rows += rows_for("idle", wire, before, time.perf_counter() - start)

            panel = widget.get_by_role("region", name="Auto-tag")
            panel.get_by_role("button", name="Auto-tag").click()
            panel.get_by_label("Tagger").select_option(label="slow")
            panel.get_by_label("Existing tags").select_option("append")
            panel.get_by_role("radio", name=re.compile("All images")).check()
            before, start = wire.mark(), time.perf_counter()
            panel.get_by_role("button", name="Run", exact=True).click()
            panel.get_by_text(f"{IMAGES} images got suggestions").wait_for(
                timeout=(job + 60) * 1000)
            rows += rows_for("auto-tag run", wire, before, time.perf_counter() - start)
            trips = sorted(wire.round_trips)
            rows.append(Row("sync round trip, p50 / p95",
                            f"{percentile(trips, 50) * 1000:.1f} / "
                            f"{percentile(trips, 95) * 1000:.1f} ms"))
            context.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    print_table("sync request in plain JupyterLab", rows)
    write_summary(args.summary, "bench_sync", rows)


if __name__ == "__main__":
    main()
