"""How long `upload_finish` of a zip takes (unpacking every member, decoding each image with
Pillow to check it, linking it into place), per MB of the zip sent: the figure the front end's
finish timeout is chosen by (`finishTimeoutMs` in js/src/panels/upload/logic.js).

Two kinds of zip: photos as JPEG (quality 92), and photos as PNG, stored without compression (a
zip of PNGs barely shrinks, so their bytes are the zip's). Noise-free gradients with some noise,
so that the images decode like photos, not like flat colour.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from PIL import Image

from lora_tagger_widget.core.uploads import UploadLimits, Uploads

from _bench import Row, add_common_args, median, print_table, write_summary


def photo(side: int, seed: int) -> Image.Image:
    """A photo-like RGB image: a gradient with noise."""
    gradient = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    return Image.blend(gradient, noise, 0.15 + (seed % 5) / 100)


def make_zip(path: Path, count: int, side: int, kind: str) -> int:
    """A zip of `count` images of `side` pixels as `kind` ("jpeg" or "png"); returns its size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            out = io.BytesIO()
            if kind == "jpeg":
                photo(side, n).save(out, "JPEG", quality=92)
            else:
                photo(side, n).save(out, "PNG", compress_level=1)
            archive.writestr(f"set/{n:05}.{'jpg' if kind == 'jpeg' else 'png'}", out.getvalue())
    return path.stat().st_size


def finish_seconds(root: Path, data: bytes) -> float:
    """Seconds of `Uploads.finish` of the zip `data`, sent in 8 MB chunks first (untimed)."""
    uploads = Uploads(root, root / ".lora-tagger", UploadLimits(max_file=2**40,
                                                                max_batch=2**40))
    upload = uploads.begin("set.zip", len(data))
    step = 8 * 1024 * 1024
    for offset in range(0, len(data), step):
        uploads.write(upload, offset, data[offset: offset + step])
    start = time.perf_counter()
    result = uploads.finish(upload)
    seconds = time.perf_counter() - start
    assert not result.refused, result.refused[:3]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--count", type=int, default=None, help="images in each zip")
    parser.add_argument("--side", type=int, default=1024, help="pixels along an image's side")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median)")
    args = parser.parse_args()
    count = args.count or (40 if args.quick else 200)
    repeat = args.repeat or (1 if args.quick else 3)
    workdir = Path(tempfile.mkdtemp(prefix="ltw-upzip-"))
    rows = []
    try:
        for kind in ("jpeg", "png"):
            source = workdir / f"{kind}.zip"
            size = make_zip(source, count, args.side, kind)
            data = source.read_bytes()
            runs = []
            for n in range(repeat):
                root = workdir / f"{kind}{n}"
                root.mkdir()
                runs.append(finish_seconds(root.resolve(), data))
                shutil.rmtree(root)
            seconds = median(runs)
            megabytes = size / 2**20
            rows.append(Row(f"finish a {megabytes:,.0f} MB zip of {count} {args.side}px {kind}s",
                            f"{seconds:,.2f} s = {seconds / megabytes * 1000:,.0f} ms per MB",
                            f"{count / seconds:,.0f} images/s"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(f"Zip finish, median of {repeat} (python {sys.version.split()[0]})", rows,
                ["One thread; the machine's other work shares its cores."])
    write_summary(args.summary, "bench_upload_zip", rows)


if __name__ == "__main__":
    main()
