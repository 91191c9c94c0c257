"""Open time of a data set at 1k / 10k / 100k captioned images, against the floor: an os.scandir
walk plus reading every caption. Run: python benchmarks/bench_open.py [--sizes 1000 10000 100000]"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from lora_tagger_widget import Dataset

from _datasets import caption_files, make_captioned_set


def floor(root: Path) -> int:
    """Walk the folder and read every caption: what any tool must do at least."""
    total = 0
    for entry in caption_files(root):
        with open(entry.path, "rb") as handle:
            total += len(handle.read())
    return total


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'images':>8} {'floor s':>9} {'open s':>9} {'ratio':>6} {'+gc s':>9} {'ratio':>6}"
          f" {'python MB':>10}")
    for size in args.sizes:
        root = make_captioned_set(args.folder / f"set{size}", size)
        floor_best, _ = best_of(args.repeat, lambda root=root: floor(root))
        open_best, _ = best_of(args.repeat, lambda root=root: Dataset(root))
        collect_alone, _ = best_of(args.repeat, gc.collect)
        settled_best = best_of(args.repeat, lambda root=root: open_and_collect(root))[0]
        settled_best -= collect_alone  # what a full collection costs without the data set
        tracemalloc.start()
        kept = Dataset(root)
        peak = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        del kept
        print(f"{size:>8} {floor_best:>9.3f} {open_best:>9.3f} {open_best / floor_best:>6.2f}"
              f" {settled_best:>9.3f} {settled_best / floor_best:>6.2f} {peak:>10.1f}")
    print("+gc: the open plus what a full garbage collection after it costs more than one without"
          " the data set: the collector's work on what the open built, deferred while it scans")


def open_and_collect(root: Path) -> Dataset:
    dataset = Dataset(root)
    gc.collect()
    return dataset


if __name__ == "__main__":
    main()
