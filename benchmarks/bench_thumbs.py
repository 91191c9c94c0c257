"""Thumbnails per second for 1,000 12 MP JPEGs through `Dataset.preview(i, 256, 256)` on a
`WorkPool` (2 workers, and 1 for comparison): cold (empty cache), from the disk cache (a new
Dataset on the same folder) and from the memory cache, against plain sequential Pillow (full
decode + thumbnail + JPEG q85) timed on the first 100 files and extrapolated to all, measured in
the same run. One noisy 12 MP JPEG (a worst case, about 7 MB) is copied to every name, so the
decode work is the same for every file. Each figure is one timed pass over all the files (best of
--repeat passes for the cached ones). Run: python benchmarks/bench_thumbs.py [--quick]"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from lora_tagger_widget import Dataset
from lora_tagger_widget.app.workers import WorkPool

from _bench import Row, add_common_args, print_table, write_summary
from _datasets import make_photo

SIZE = 256


def make_copies(root: Path, source: Path, count: int) -> Path:
    """`count` copies of `source`'s bytes as img0.jpg, img1.jpg, ... in `root`."""
    data = source.read_bytes()
    root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (root / f"img{n}.jpg").write_bytes(data)
    return root


def through_pool(dataset: Dataset, workers: int) -> tuple[float, float]:
    """Seconds to make (or fetch) every item's thumbnail on a WorkPool of `workers` threads, and
    the CPU seconds this process used meanwhile (CPU / wall shows the parallelism obtained)."""
    pool = WorkPool(workers)
    count = len(dataset)
    remaining = [count]
    lock = threading.Lock()
    done = threading.Event()
    failures: list[BaseException] = []

    def job(index: int) -> None:
        try:
            dataset.preview(index, SIZE, SIZE)
        except Exception as error:  # counted and reported, not raised in the worker
            failures.append(error)
        with lock:
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    cpu = os.times()
    start = time.perf_counter()
    for index in range(count):
        pool.submit(lambda i=index: job(i), lane="thumbs", group=1, priority=2,
                    superseded=lambda: None)
    done.wait()
    elapsed = time.perf_counter() - start
    after = os.times()
    pool.close()
    if failures:
        raise RuntimeError(f"{len(failures)} thumbnails failed: {failures[0]}")
    return elapsed, (after.user - cpu.user) + (after.system - cpu.system)


def pillow_full(path: Path) -> bytes:
    with Image.open(path) as image:
        image.load()
        image.thumbnail((SIZE, SIZE))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--count", type=int, default=None, help="files (default 1000, quick 100)")
    parser.add_argument("--baseline-files", type=int, default=None,
                        help="files the Pillow baseline is timed on (default 100, quick 20)")
    parser.add_argument("--repeat", type=int, default=3, help="passes for the cached figures")
    parser.add_argument("--keep", action="store_true", help="keep the copies for a next run")
    args = parser.parse_args()
    count = args.count or (100 if args.quick else 1_000)
    sample = min(count, args.baseline_files or (20 if args.quick else 100))
    source = make_photo(args.folder / "photos" / "12mp-noisy.jpg", 12, noisy=True)
    root = args.folder / f"thumbs{count}"
    if not (root / ".made").exists():
        shutil.rmtree(root, ignore_errors=True)
        make_copies(root, source, count)
        (root / ".made").touch()
    cache_dir = root / ".lora-tagger" / "cache"
    try:
        results: dict[tuple[int, str], tuple[float, float]] = {}
        for workers in (2, 1):
            shutil.rmtree(cache_dir, ignore_errors=True)
            dataset = Dataset(root)
            results[(workers, "cold")] = through_pool(dataset, workers)
            results[(workers, "memory")] = min(through_pool(dataset, workers)
                                               for _ in range(args.repeat))
            results[(workers, "disk")] = min(through_pool(Dataset(root), workers)
                                             for _ in range(args.repeat))
        files = sorted(root.glob("img*.jpg"), key=lambda p: int(p.stem[3:]))[:sample]
        pillow_full(files[0])  # warm-up
        start = time.perf_counter()
        for path in files:
            pillow_full(path)
        baseline_per_file = (time.perf_counter() - start) / len(files)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    baseline_rate = 1 / baseline_per_file
    rows = [Row(f"baseline: sequential Pillow full decode + thumbnail, {count:,} files",
                f"{baseline_rate:.1f}/s",
                f"{count * baseline_per_file:.1f} s (extrapolated from {len(files)} files)",
                "-", "-")]
    for workers in (2, 1):
        for state, label in (("cold", "cold (empty cache)"), ("disk", "from the disk cache"),
                             ("memory", "from the memory cache")):
            seconds, _ = results[(workers, state)]
            rate = count / seconds
            rows.append(Row(f"Dataset.preview {SIZE}px, {workers} worker{'s' * (workers > 1)},"
                            f" {label}", f"{rate:,.0f}/s", f"{baseline_rate:.1f}/s",
                            f"{rate / baseline_rate:,.1f}x baseline", "-"))
    (two, two_cpu), (one, one_cpu) = results[(2, "cold")], results[(1, "cold")]
    notes = [
        f"{count:,} copies of one noisy 12 MP JPEG ({source.stat().st_size / 1e6:.1f} MB each);"
        f" cold, 2 workers vs 1: {one / two:.2f}x faster; CPU used per wall second: 2 workers"
        f" {two_cpu / two:.2f}, 1 worker {one_cpu / one:.2f} (below 2 and 1: the cores were"
        " shared with other work on this machine)",
        f"cold: one pass; cached: best of {args.repeat} passes; the baseline is timed on"
        f" {len(files)} files and extrapolated (labelled)",
    ]
    print_table(f"bench_thumbs: {count:,} thumbnails of 12 MP JPEGs", rows, notes)
    write_summary(args.summary, "bench_thumbs", rows)


if __name__ == "__main__":
    main()
