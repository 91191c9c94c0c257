"""Auto-tagging throughput: images per second of `Dataset.autotag` with a WD-format ViT (random
weights, built here: ViT-B/16 at 448 like wd-vit-tagger-v3, or a 2-block ViT with --quick) at
batch 1 / 8 / 32, in process and on a local Ray, next to its two stages alone, measured in the
same run (the model alone and the pipeline interleaved, medians): decode + preprocess (reading
the JPEGs and preparing the model input, on the same threads the pipeline uses) and the model
alone (on prepared input). The pipeline overlaps them, so the target is the pipeline within
1.25x of its slower stage.
Run: python benchmarks/bench_autotag.py [--quick] [--no-ray] [--repeat N]"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from lora_tagger_widget import Dataset, WdTagger
from lora_tagger_widget.core.images import load_upright
from lora_tagger_widget.core.rayengine import RayOptions

from _bench import Row, add_common_args, median, print_table, verdict, write_summary
from _datasets import make_photo
from wdvit import VIT_B, VIT_TINY, build

TARGET = 1.25


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:.1f} img/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--images", type=int, default=None)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray runs")
    parser.add_argument("--repeat", type=int, default=2,
                        help="interleaved runs of the model alone and the pipeline (median)")
    args = parser.parse_args()
    config = VIT_TINY if args.quick else VIT_B
    count = args.images or (24 if args.quick else 64)
    model = build(args.folder / ("vit-tiny" if args.quick else "vit-b"), config)
    tagger = WdTagger(model)
    photos = [make_photo(args.folder / "autotag" / f"p{n:03}.jpg", 1.0, noisy=n % 2 == 1,
                         seed=n) for n in range(count)]
    root = Path(tempfile.mkdtemp(prefix="ltw-autotag-"))
    try:
        for photo in photos:
            (root / photo.name).hardlink_to(photo)
        rows = run(tagger, root, photos, args.no_ray, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    notes = ["Ray: a local cluster started before the timed runs (each run starts its actors "
             "and loads the model in them)",
             f"{count} JPEGs of 1 MP; model {'ViT-B/16' if config is VIT_B else 'ViT 2-block'}"
             f" at {config['side']}, {config['tags']} tags, random weights, onnxruntime CPU",
             "pipeline/slower stage: the target is <= 1.25 (the stages overlap)"]
    print_table("auto-tagging throughput", rows, notes)
    write_summary(args.summary, "bench_autotag", rows)


def run(tagger: WdTagger, root: Path, photos: list[Path], no_ray: bool,
        repeat: int) -> list[Row]:
    side = tagger.side
    rows: list[Row] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        prepared = list(pool.map(lambda p: tagger.prepare_image(load_upright(p, side, side)[0]),
                                 photos))
    decode = time.perf_counter() - start
    rows.append(Row("decode + preprocess alone", rate(len(photos), decode)))
    if not no_ray:
        import ray.data  # started before the timed runs: a cluster is running already

        ray.init(include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
    for batch in (1, 8, 32):
        dataset = Dataset(root)
        dataset.suggestions.forget()
        alone_runs, piped_runs = [], []
        for _ in range(repeat):  # interleaved, so a busy moment of the machine hits both
            start = time.perf_counter()
            for k in range(0, len(prepared), batch):
                tagger.scores(np.stack(prepared[k:k + batch]))
            alone_runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            dataset.autotag(tagger, batch_size=batch, rerun=True)
            piped_runs.append(time.perf_counter() - start)
        alone, piped = median(alone_runs), median(piped_runs)
        slower = max(alone, decode)
        ratio = piped / slower
        rows.append(Row(f"batch {batch}: model alone", rate(len(photos), alone)))
        rows.append(Row(f"batch {batch}: autotag in process", rate(len(photos), piped),
                        f"slower stage {rate(len(photos), slower)}", f"{ratio:.2f}",
                        f"<= {TARGET}", verdict(ratio <= TARGET)))
        if not no_ray:
            start = time.perf_counter()
            dataset.autotag(tagger, batch_size=batch, rerun=True, engine="ray",
                            ray=RayOptions(workers=1))
            on_ray = time.perf_counter() - start
            rows.append(Row(f"batch {batch}: autotag on local Ray", rate(len(photos), on_ray),
                            f"slower stage {rate(len(photos), slower)}",
                            f"{on_ray / slower:.2f}", "-"))
    return rows


if __name__ == "__main__":
    main()
