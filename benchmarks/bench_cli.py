"""The standalone page (`lora-tagger ./imgs`), timed from the outside as a person meets it: from
starting the command to its address printed, to the first image shown in headless Chromium, and
from Ctrl+C (SIGINT to the command's process group, one caption pending) to the command's exit
with the caption on disk. Over data sets of a few sizes, --repeat runs each (medians).

Run: python benchmarks/bench_cli.py [--quick]. Needs Voila, Debian's chromium
(/usr/lib/chromium/chromium) and the Playwright package; reuses tests/browser/labharness.py and
the browser test's isolated environment (tests/browser/test_cli_page.py)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lora_tagger_widget import Dataset

from _bench import Row, add_common_args, median, print_table, write_summary
from _datasets import make_captioned_set

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from test_cli_page import URL, isolated_env  # noqa: E402

from labharness import launch_browser, wait_until  # noqa: E402

NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]|data:|blob:|about:)")
SHOWN = ("() => { const img = document.querySelector('.ltw-root img.ltw-img');"
         " return !!img && !img.hidden && img.complete && img.naturalWidth > 0; }")


def one_run(browser, folder: Path, base: Path, tag: str) -> tuple[float, float, float]:
    """Seconds to the address printed, to the first image shown, and from Ctrl+C (`tag` added to
    the first image, not saved yet) to the exit."""
    out = base / "out.txt"
    env = isolated_env(base / "env")
    start = time.perf_counter()
    with out.open("wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lora_tagger_widget", str(folder), "--no-browser",
             "--autosave-delay", "600"], env=env, stdout=stdout, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, start_new_session=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(NOT_LOCAL, lambda route: route.abort())
    try:
        wait_until(lambda: URL.search(out.read_text()) is not None, timeout=120,
                   what="the address")
        printed = time.perf_counter() - start
        page = context.new_page()
        page.goto(URL.search(out.read_text()).group())
        page.wait_for_function(SHOWN, timeout=300_000, polling=20)
        shown = time.perf_counter() - start
        add = page.get_by_role("textbox", name="Add tag")
        add.fill(tag)
        add.press("Enter")
        page.get_by_role("button", name=f"Remove tag {tag}").wait_for()
        stop = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=300)
        stopped = time.perf_counter() - stop
    finally:
        context.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert code == 0, code
    return printed, shown, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser)
    parser.add_argument("--repeat", type=int, default=3, help="runs per data set size")
    args = parser.parse_args()
    sizes = [30, 1_000] if args.quick else [30, 10_000, 50_000]
    repeat = 1 if args.quick else args.repeat
    rows: list[Row] = []
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp, sync_playwright() as pw:
        browser = launch_browser(pw, Path(tmp) / "chromium-home")
        for size in sizes:
            folder = make_captioned_set(Path(tmp) / f"set{size}", size)
            runs = []
            for n in range(repeat):
                tag = f"benchmark tag {n}"
                runs.append(one_run(browser, folder, Path(tmp) / f"run{size}-{n}", tag))
                saved = tag in Dataset(folder)[0].tags
                print(f"{size:,} images, run {n + 1}: address {runs[-1][0]:.2f} s, first image "
                      f"{runs[-1][1]:.2f} s, Ctrl+C to exit {runs[-1][2]:.2f} s "
                      f"({'saved' if saved else 'NOT SAVED'})")
                assert saved, "the tag added before Ctrl+C is not on disk"
            printed, shown, stopped = (median(column) for column in zip(*runs, strict=True))
            rows += [Row(f"{size:,} images: start to the address printed", f"{printed:.2f} s"),
                     Row(f"{size:,} images: start to the first image shown", f"{shown:.2f} s"),
                     Row(f"{size:,} images: Ctrl+C to exit, 1 caption saved", f"{stopped:.2f} s")]
        browser.close()
    print_table(f"lora-tagger ./imgs, medians of {repeat} run(s)", rows,
                ["a cold start each time: a new server, kernel and browser page"])
    write_summary(args.summary, "bench_cli", rows)


if __name__ == "__main__":
    main()
