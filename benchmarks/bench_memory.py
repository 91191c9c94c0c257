"""Python memory for opening 100,000 captioned images (`Dataset`), against the floor: holding
every caption's text in a list; then after browsing the previews of 200 large images of the same
data set (1280x960 device px, on a WorkPool of 2 like the widget): the memory cache must stay
bounded. Each figure comes from a fresh child process: the RSS delta (VmRSS of /proc/self/status,
after gc) in one, the tracemalloc peak and current in another (tracemalloc's own bookkeeping
would inflate the RSS). One run each: memory is not noisy the way time is.
Run: python benchmarks/bench_memory.py [--quick]"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path

from lora_tagger_widget import Dataset
from lora_tagger_widget.app.workers import WorkPool
from lora_tagger_widget.core.previews import DEFAULT_MEMORY_BYTES

from _bench import Row, add_common_args, mb, print_table, rss_bytes, write_summary
from _datasets import add_photo_copies, caption_files, make_captioned_set, make_photo

BOX = (1280, 960)


def read_all_captions(root: Path) -> list[str]:
    """The floor: every caption's text, held in a list."""
    texts = []
    for entry in caption_files(root):
        with open(entry.path, encoding="utf-8") as handle:
            texts.append(handle.read())
    return texts


def browse(dataset: Dataset, indices: list[int]) -> int:
    """Make the previews of `indices` on a pool of 2 workers; returns the bytes made."""
    pool = WorkPool(2)
    made = [0]
    remaining = [len(indices)]
    lock = threading.Lock()
    done = threading.Event()

    def job(index: int) -> None:
        size = len(dataset.preview(index, *BOX).data)
        with lock:
            made[0] += size
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    for index in indices:
        pool.submit(lambda i=index: job(i), lane="preview", group=1, priority=0,
                    superseded=lambda: None)
    done.wait()
    pool.close()
    return made[0]


def child(mode: str, measure: str, root: Path, browse_count: int) -> dict[str, float]:
    """Runs in a fresh process; returns the figures as a dict (printed as JSON)."""

    def reading() -> int:
        gc.collect()
        return rss_bytes() if measure == "rss" else tracemalloc.get_traced_memory()[0]

    if measure == "trace":
        tracemalloc.start()
    start = reading()
    out: dict[str, float] = {}
    if mode == "floor":
        texts = read_all_captions(root)
        out["held"] = reading() - start
        out["items"] = len(texts)
    else:
        dataset = Dataset(root)
        out["held"] = reading() - start
        out["items"] = len(dataset)
        if measure == "trace":
            out["peak"] = tracemalloc.get_traced_memory()[1] - start
        photos = [i for i, item in enumerate(dataset) if item.id.startswith("photos/")]
        out["made"] = browse(dataset, photos[:browse_count])
        out["browsed"] = len(photos[:browse_count])
        out["after_browse"] = reading() - start
        out["cache"] = dataset.previews.memory_bytes
        if measure == "rss":  # how much of the RSS is freed memory that malloc kept
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            out["after_trim"] = reading() - start
        del dataset
    if measure == "trace" and "peak" not in out:
        out["peak"] = tracemalloc.get_traced_memory()[1] - start
    return out


def run_child(mode: str, measure: str, root: Path, browse_count: int) -> dict[str, float]:
    if mode != "floor":
        shutil.rmtree(root / ".lora-tagger" / "cache", ignore_errors=True)  # previews made anew
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, measure, str(root), str(browse_count)],
        check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, measure, root, count = sys.argv[2:6]
        print(json.dumps(child(mode, measure, Path(root), int(count))))
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--count", type=int, default=None, help="images (100,000; quick 10,000)")
    parser.add_argument("--browse", type=int, default=None, help="previews (200; quick 50)")
    args = parser.parse_args()
    count = args.count or (10_000 if args.quick else 100_000)
    browse_count = args.browse or (50 if args.quick else 200)
    photo = make_photo(args.folder / "photos" / "12mp-noisy.jpg", 12, noisy=True)
    root = args.folder / f"mem{count}"
    make_captioned_set(root, count - browse_count)
    add_photo_copies(root, photo, browse_count)

    floor_rss = run_child("floor", "rss", root, 0)
    floor_trace = run_child("floor", "trace", root, 0)
    open_rss = run_child("open", "rss", root, browse_count)
    open_trace = run_child("open", "trace", root, browse_count)
    items = int(open_rss["items"])
    per_item = open_trace["held"] / items
    rows = [
        Row(f"open {items:,} captioned images: RSS delta", mb(open_rss["held"]),
            f"captions in a list {mb(floor_rss['held'])}",
            f"{open_rss['held'] / floor_rss['held']:.1f}x floor", "-"),
        Row("  tracemalloc, held after opening", mb(open_trace["held"]),
            f"captions in a list {mb(floor_trace['held'])}",
            f"{open_trace['held'] / floor_trace['held']:.1f}x floor",
            "-"),
        Row("  tracemalloc, peak while opening", mb(open_trace["peak"]),
            f"floor peak {mb(floor_trace['peak'])}",
            f"{open_trace['peak'] / floor_trace['peak']:.1f}x floor", "-"),
        Row(f"after browsing {int(open_rss['browsed'])} previews: RSS delta",
            mb(open_rss["after_browse"]), f"after opening {mb(open_rss['held'])}",
            f"+{mb(open_rss['after_browse'] - open_rss['held'])}",
            f"+ <= cache cap {mb(DEFAULT_MEMORY_BYTES)} + slack"),
        Row("  RSS delta after malloc_trim(0)", mb(open_rss["after_trim"]),
            f"before trim {mb(open_rss['after_browse'])}",
            f"-{mb(open_rss['after_browse'] - open_rss['after_trim'])}", "-"),
        Row("  tracemalloc, held after browsing", mb(open_trace["after_browse"]),
            f"after opening {mb(open_trace['held'])}",
            f"+{mb(open_trace['after_browse'] - open_trace['held'])}",
            f"+ <= cache cap {mb(DEFAULT_MEMORY_BYTES)}",
            "met" if open_trace["after_browse"] - open_trace["held"]
            <= DEFAULT_MEMORY_BYTES * 1.1 else "MISSED"),
        Row("  preview memory cache holds", mb(open_trace["cache"]),
            f"previews made {mb(open_trace['made'])}", "-",
            f"<= {mb(DEFAULT_MEMORY_BYTES)}",
            "met" if open_trace["cache"] <= DEFAULT_MEMORY_BYTES else "MISSED"),
    ]
    notes = [
        f"{per_item:,.0f} B of Python objects per image held (tracemalloc)",
        f"browsed: {int(open_rss['browsed'])} copies of a noisy 12 MP JPEG in the same data set,"
        f" previews {BOX[0]}x{BOX[1]} made anew (disk cache cleared); one child process per"
        " figure",
    ]
    if open_trace["made"] <= DEFAULT_MEMORY_BYTES:
        notes.append("the previews made fit in the cache cap, so its eviction was not exercised")
    print_table(f"bench_memory: Python memory, {items:,} images", rows, notes)
    write_summary(args.summary, "bench_memory", rows)


if __name__ == "__main__":
    main()
