"""Preview time for 12 / 24 / 48 MP JPEGs (smooth and noisy) in a 1280x960 device-px box (a
640x480 CSS pane at devicePixelRatio 2), against two baselines measured in the same run:
  full  - what peers do: Pillow full decode + thumbnail + JPEG q85 save
  floor - Pillow draft decode alone (the least any JPEG preview can cost)
then a cached preview (Dataset.preview: memory cache, disk cache) and the bytes sent per
navigation against the file's size. Times are medians of --repeat interleaved runs after one
warm-up run.
Run: python benchmarks/bench_preview.py [--quick]"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.images import make_preview

from _bench import (
    Row,
    add_common_args,
    mb,
    median,
    ms,
    print_table,
    timings,
    verdict,
    write_summary,
)
from _datasets import make_photo

BOX = (1280, 960)
TARGET_BYTES_FRACTION = 1 / 20


def ours(path: Path) -> bytes:
    return make_preview(path, *BOX).data


def full_thumbnail(path: Path) -> bytes:
    """What peers do: decode every pixel, then shrink."""
    with Image.open(path) as image:
        image.load()
        image.thumbnail(BOX)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=85)
        return buffer.getvalue()


def draft_floor(path: Path) -> None:
    """The floor: the JPEG decoded at the smallest scale that still covers the box, no more."""
    with Image.open(path) as image:
        image.draft("RGB", BOX)
        image.load()


def navigation_overhead(root: Path, index: int) -> int:
    """Rough bytes of the Jupyter messages of one "Next" besides the preview's pixels: the
    `next` request and its reply, the trait updates (`index`, `_place`, `_current`: one message,
    as the widget sends them), the `preview` request and its reply's JSON, each with a Jupyter
    message header (as JSON)."""
    import warnings

    from jupyter_client.session import Session

    from lora_tagger_widget import TaggerWidget

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        widget = TaggerWidget(root, workers=0, autosave=False, background=False)
    widget.goto(index)
    session = Session(key=b"benchmark")
    comm_id = "c" * 32
    request = session.msg("comm_msg", content={"comm_id": comm_id, "data": {}})
    item = widget._current

    def size(data: dict) -> int:
        msg = session.msg("comm_msg", content={"comm_id": comm_id, "data": data},
                          parent=request)
        return sum(len(session.pack(msg[part])) for part in
                   ("header", "parent_header", "metadata", "content"))

    total = size({"method": "custom", "content": {"type": "next", "rid": 7}})
    total += size({"method": "custom", "content": {"type": "reply", "rid": 7, "ok": True,
                                                   "index": index}})
    total += size({"method": "update", "state": {"index": index, "_place": widget._place,
                                                 "_current": item}, "buffer_paths": []})
    total += size({"method": "custom", "content": {
        "type": "preview", "rid": 8, "id": item["id"], "width": BOX[0], "height": BOX[1],
        "purpose": "show"}})
    total += size({"method": "custom", "content": {
        "type": "reply", "rid": 8, "ok": True, "id": item["id"], "mime": "image/jpeg",
        "width": item["width"], "height": item["height"]}})
    widget.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    sizes = (12, 24, 48)
    photos_dir = args.folder / "photos"
    photos = {}
    for mp in sizes:
        for noisy in (False, True):
            name = f"{mp}mp-{'noisy' if noisy else 'smooth'}.jpg"
            photos[(mp, noisy)] = make_photo(photos_dir / name, mp, noisy=noisy)

    rows: list[Row] = []
    bytes_rows: list[Row] = []
    for (mp, noisy), path in photos.items():
        label = f"{mp} MP {'noisy' if noisy else 'smooth'} ({mb(path.stat().st_size)})"
        for action in (ours, full_thumbnail, draft_floor):  # warm-up: page cache, plugins
            action(path)
        runs: dict[object, list[float]] = {ours: [], full_thumbnail: [], draft_floor: []}
        for _ in range(repeat):  # interleaved, so a busy moment of the machine hits all three
            for action, seconds in runs.items():
                seconds += timings(1, lambda a=action, p=path: a(p))
        t_ours, t_full, t_floor = (median(seconds) for seconds in runs.values())
        rows.append(Row(f"preview {label}", ms(t_ours), f"floor {ms(t_floor)}",
                        f"ours/floor {t_ours / t_floor:.2f}", "-"))
        rows.append(Row("", "", f"full {ms(t_full)}", f"full/ours {t_full / t_ours:.1f}", "-"))
        data = ours(path)
        bytes_rows.append((label, path, len(data)))

    # Cached previews: a data set of these photos (links to the files above, or copies).
    root = Path(tempfile.mkdtemp(prefix="ltw-preview-set-"))
    try:
        for path in photos.values():
            target = root / path.name
            try:
                target.hardlink_to(path)
            except OSError:
                shutil.copy2(path, target)
        probe = "24mp-noisy.jpg"
        cache_dir = root / ".lora-tagger" / "cache"
        cold = []
        for _ in range(repeat):
            shutil.rmtree(cache_dir, ignore_errors=True)
            dataset = Dataset(root)
            index = dataset.index_of(probe)
            cold += timings(1, lambda d=dataset, i=index: d.preview(i, *BOX))
        memory = timings(max(20, repeat), lambda d=dataset, i=index: d.preview(i, *BOX))
        disk = []
        for _ in range(repeat):
            fresh = Dataset(root)  # memory cache empty, disk cache full
            disk += timings(1, lambda d=fresh, i=index: d.preview(i, *BOX))
        rows.append(Row("Dataset.preview 24 MP noisy, first (made+cached)", ms(median(cold)),
                        f"ours uncached {rows[6].figure}", "-", "-"))
        rows.append(Row("  again, from the memory cache", ms(median(memory)),
                        f"first {ms(median(cold))}", f"{median(cold) / median(memory):.0f}x faster",
                        "< 5 ms", verdict(median(memory) < 0.005)))
        rows.append(Row("  again, from the disk cache (new Dataset)", ms(median(disk)),
                        f"first {ms(median(cold))}", f"{median(cold) / median(disk):.0f}x faster",
                        "< 5 ms", verdict(median(disk) < 0.005)))
        overhead = navigation_overhead(root, index)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    for label, path, size in bytes_rows:
        sent = size + overhead
        fraction = sent / path.stat().st_size
        rows.append(Row(f"bytes per Next, {label}", mb(sent),
                        f"file {mb(path.stat().st_size)}", f"1/{1 / fraction:.0f} of the file",
                        "<= 1/20", verdict(fraction <= TARGET_BYTES_FRACTION)))
    notes = [
        f"times: median of {repeat} interleaved runs after a warm-up; box {BOX[0]}x{BOX[1]}"
        " device px; ours = lora_tagger_widget.core.images.make_preview",
        "full = Image.open + load + thumbnail + save JPEG q85; floor = draft('RGB', box) + load",
        f"bytes per Next = encoded preview + {overhead} B of JSON messages (next, reply, one trait"
        " update, preview request, reply header); with prefetch one preview still moves per Next",
        "smooth files are synthetic gradients that compress unusually well at full size",
    ]
    print_table("bench_preview: preview of one large JPEG", rows, notes)
    write_summary(args.summary, "bench_preview", rows)


if __name__ == "__main__":
    main()
