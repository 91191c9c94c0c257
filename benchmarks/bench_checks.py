"""Data-set checks: the per-image facts of one 12 MP JPEG (decode, hashes, blur), a cold run of
`check_dataset` over copies of that photo on the checks' thread pool, the same run again with the
facts from `.lora-tagger/checks.json`, and the near-duplicate grouping of 20,000 perceptual hashes
(random, with a few planted look-alikes). Run: python benchmarks/bench_checks.py [--quick]"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from lora_tagger_widget import Dataset
from lora_tagger_widget.core import checks

from _bench import Row, add_common_args, median, ms, print_table, timings, write_summary
from _datasets import add_photo_copies, make_photo

HASHES = 20_000


def grouping_seconds(repeat: int) -> float:
    """Median seconds to find the near duplicates among HASHES random 64-bit hashes."""
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, HASHES, dtype=np.uint64)
    hashes[1::1000] = hashes[::1000] ^ np.uint64(0b101)  # look-alikes: 2 bits apart
    group = getattr(checks, "near_duplicate_groups", None)
    action = (lambda: group(hashes, 6)) if group else (lambda: checks.close_pairs(hashes, 6))
    return median(timings(repeat, action))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    parser.add_argument("--images", type=int, default=None, help="photos in the checked set")
    args = parser.parse_args()
    count = args.images or (16 if args.quick else 60)
    repeat = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="bench-checks-"))
    try:
        photo = make_photo(work / "source" / "photo.jpg", 12, noisy=True)
        facts = median(timings(repeat, lambda: checks.image_facts(photo)))
        root = work / "set"
        add_photo_copies(root, photo, count)
        dataset = Dataset(root)
        state = root / ".lora-tagger" / checks.CHECKS_FILE_NAME
        cold = timings(repeat, lambda: dataset.check(), setup=lambda: state.unlink(missing_ok=True))
        cached = timings(repeat, lambda: dataset.check())
        grouping = grouping_seconds(repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        Row("facts of one 12 MP JPEG (image_facts)", ms(facts)),
        Row(f"check {count} 12 MP JPEGs, cold", ms(median(cold)),
            ratio=f"{ms(median(cold) / count)} per image"),
        Row(f"check {count} 12 MP JPEGs, facts cached", ms(median(cached))),
        Row(f"near-duplicate grouping of {HASHES:,} hashes", ms(grouping)),
    ]
    print_table("checks", rows, [f"median of {repeat} runs; the set is {count} copies of one "
                                 "noisy 12 MP JPEG (hard links)"])
    write_summary(args.summary, "bench_checks", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
