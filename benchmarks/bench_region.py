"""Zoom regions of a noisy 24 MP JPEG (6000x4000): a 1366x768 view at 100 % (the first one decodes
the photo; panning over it reuses the decoded image), and the whole photo at 1/4 (JPEG draft
mode), against a baseline measured in the same run: Pillow full decode + crop + JPEG save, what a
viewer without draft mode or a kept decode does for every pan. Bytes sent against the file's size.
Run: python benchmarks/bench_region.py [--quick]"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image

from lora_tagger_widget.core import regions
from lora_tagger_widget.core.regions import read_region

from _bench import Row, add_common_args, median, ms, print_table, timings, write_summary
from _datasets import make_photo

VIEW = (1366, 768)


def baseline(path: Path, box: tuple[int, int, int, int]) -> bytes:
    x, y, w, h = box
    with Image.open(path) as image:
        part = image.convert("RGB").crop((x, y, x + w, y + h))
    buffer = io.BytesIO()
    part.save(buffer, "JPEG", quality=regions.REGION_JPEG_QUALITY)
    return buffer.getvalue()


def forget() -> None:
    regions._kept.put((), Image.new("RGB", (1, 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    with tempfile.TemporaryDirectory() as folder:
        path = make_photo(Path(folder) / "photo.jpg", 24, noisy=True)
        size = path.stat().st_size
        box = (2000, 1500, *VIEW)
        panned = (2200, 1600, *VIEW)
        whole = (0, 0, *Image.open(path).size)
        base = median(timings(repeat, lambda: baseline(path, box)))
        cold = median(timings(repeat, lambda: read_region(path, box, 1), setup=forget))
        read_region(path, box, 1)
        warm = median(timings(repeat, lambda: read_region(path, panned, 1)))
        quarter = median(timings(repeat, lambda: read_region(path, whole, 0.25), setup=forget))
        sent = len(read_region(path, box, 1).data)
    rows = [
        Row("first 1366x768 region at 100 %", ms(cold), ms(base), f"{cold / base:.2f}x"),
        Row("the next region while panning", ms(warm), ms(base), f"{warm / base:.2f}x"),
        Row("the whole photo at 1/4 (draft)", ms(quarter), ms(base), f"{quarter / base:.2f}x"),
        Row("bytes of one region", f"{sent / 1e6:.2f} MB", f"file {size / 1e6:.1f} MB",
            f"1/{size / sent:.0f}"),
    ]
    print_table("Zoom regions, 24 MP noisy JPEG", rows,
                ["baseline: full decode + crop + JPEG q90 of the same rectangle, every time"])
    write_summary(args.summary, "bench_region", rows)


if __name__ == "__main__":
    main()
