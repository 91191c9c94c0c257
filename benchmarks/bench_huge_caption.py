"""What one action costs the kernel (issue 11): adding a tag and "Next", as the front end asks for
them (a request handled by the widget, its trait updates and its reply encoded as JSON, as the
kernel would send them), in three data sets: 100,000 distinct tags over 2,000 captions; one
caption of 100,000 tags (about 1 MB) among 20 small ones; one 50 MB caption (5 million tags)
among 20 small ones. Also: opening each set (the data set, the widget and the view's first
palette), showing the huge caption, a tag edit on it (refused now), and the bytes sent per
action. The baseline, measured in the same run, is the least an action must do: one plain dict
update and one small message encoded as JSON. Times are medians of --repeat runs (an action
whose first run takes over --budget seconds is run once).
Run: python benchmarks/bench_huge_caption.py [--quick] [--repeat N]
It runs against whatever `lora_tagger_widget` is imported: PYTHONPATH=<checkout> for before and
after figures (figures the older code cannot give read "n/a")."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lora_tagger_widget import Dataset, TaggerWidget

from _bench import Row, add_common_args, mb, median, ms, print_table, rss_bytes, write_summary
from _datasets import tiny_jpeg

SMALL = 20  # small captions beside a huge one
BENCH_TAG = "bench tag"


def make_sets(workdir: Path, quick: bool) -> dict[str, tuple[Path, str | None]]:
    """The three data sets: name -> (folder, id of its huge caption or None)."""
    image = tiny_jpeg()
    sets: dict[str, tuple[Path, str | None]] = {}

    def folder(name: str) -> Path:
        path = workdir / name
        path.mkdir()
        for n in range(SMALL):
            (path / f"img{n:05}.jpg").write_bytes(image)
            (path / f"img{n:05}.txt").write_text("red hair, smiling, outdoors", encoding="utf-8")
        return path

    spread = folder("spread")
    images, per_image = (200, 50) if quick else (2_000, 50)
    for n in range(images):
        (spread / f"many{n:05}.jpg").write_bytes(image)
        tags = ", ".join(f"tag{n * per_image + k}" for k in range(per_image))
        (spread / f"many{n:05}.txt").write_text(tags, encoding="utf-8")
    sets[f"{images * per_image:,} distinct tags over {images:,} captions"] = (spread, None)

    for name, tags in (("one_100k", 10_000 if quick else 100_000),
                       ("one_50mb", 500_000 if quick else 5_000_000)):
        path = folder(name)
        (path / "huge.jpg").write_bytes(image)
        text = ", ".join(f"t{n}" for n in range(tags))
        (path / "huge.txt").write_text(text, encoding="utf-8")
        sets[f"one caption of {tags:,} tags ({len(text) / 1e6:.1f} MB)"] = (path, "huge.jpg")
    return sets


class Wire:
    """Stands for the kernel's side of the comm: every message the widget sends (trait updates
    and custom messages) is encoded as JSON, as the kernel's session does, and counted."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.bytes = 0
        self.replies: list[dict[str, Any]] = []
        widget.comm.publish_msg = self._publish  # type: ignore[method-assign]

    def _publish(self, msg_type: str, data: Any = None, metadata: Any = None,
                 buffers: Any = None, **keys: Any) -> None:
        self.bytes += len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        content = (data or {}).get("content") if isinstance(data, dict) else None
        if isinstance(content, dict) and content.get("type") == "reply":
            self.replies.append(content)


def request(widget: TaggerWidget, wire: Wire, **message: Any) -> dict[str, Any]:
    """Handle one request as the front end sends it; its reply."""
    wire.replies.clear()
    widget._on_request(widget, {"rid": 1, **message}, [])
    return wire.replies[-1] if wire.replies else {"ok": False, "error": "no reply"}


def timed(repeat: int, budget: float, action: Callable[[], object],
          setup: Callable[[], object] | None = None) -> float:
    """Median seconds of `action` (each run after `setup`, untimed); once when slow."""
    runs: list[float] = []
    while len(runs) < repeat:
        if setup is not None:
            setup()
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
        if runs[0] > budget:
            break
    return median(runs)


def baseline(repeat: int) -> float:
    counts: dict[str, int] = {f"tag{n}": 1 for n in range(100_000)}
    message = {"version": 7, "since": 6, "rows": [[BENCH_TAG, 1, False]]}

    def least() -> None:
        counts[BENCH_TAG] = counts.get(BENCH_TAG, 0) + 1
        json.dumps(message).encode("utf-8")

    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(1_000):
            least()
        runs.append((time.perf_counter() - start) / 1_000)
    return median(runs)


def measure(name: str, root: Path, huge: str | None, repeat: int, budget: float,
            least: float) -> list[Row]:
    rows: list[Row] = []

    def row(what: str, seconds: float, sent: int | None = None) -> None:
        figure = ms(seconds) + (f", {_size(sent)} sent" if sent is not None else "")
        rows.append(Row(f"  {what}", figure, f"dict+json {least * 1e6:.1f} us",
                        f"{seconds / least:,.0f}x"))

    rss = rss_bytes()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    wire = Wire(widget)
    first = request(widget, wire, type="palette")
    opened = time.perf_counter() - start
    palette_rows = len(first["rows"]) if first.get("ok") else len(widget.palette)
    rows.append(Row(name, "", "", ""))
    row(f"open: data set, widget and the view's palette ({palette_rows:,} rows; "
        f"+{mb(rss_bytes() - rss)} memory)", opened)

    dataset = widget.dataset
    small = dataset.index_of("img00001.jpg")
    widget.goto(small)
    wire.bytes = 0

    def add() -> None:
        request(widget, wire, type="add_tag", id="img00001.jpg", tag=BENCH_TAG)

    def undo_add() -> None:
        dataset.remove_tag(small, BENCH_TAG)
        wire.bytes = 0

    seconds = timed(repeat, budget, add, undo_add)
    row("add a tag to a small caption", seconds, wire.bytes)

    def go_back() -> None:
        widget.goto(small)
        wire.bytes = 0

    seconds = timed(repeat, budget, lambda: request(widget, wire, type="next"), go_back)
    row("Next", seconds, wire.bytes)

    if huge is not None:
        def show() -> None:
            request(widget, wire, type="goto", id=huge)

        seconds = timed(repeat, budget, show, go_back)
        row("show the huge caption (goto)", seconds, wire.bytes)
        replies: list[dict[str, Any]] = []

        def tag_it() -> None:
            replies.append(request(widget, wire, type="add_tag", id=huge, tag=BENCH_TAG))

        def undo_tag() -> None:
            dataset.set_caption(huge, dataset[huge].caption.removesuffix(f", {BENCH_TAG}"))
            wire.bytes = 0

        seconds = timed(repeat, budget, tag_it, undo_tag)
        refused = not replies[-1].get("ok")
        row(f"add a tag to the huge caption ({'refused' if refused else 'done'})", seconds,
            wire.bytes)
        undo_tag()
    widget.close()
    return rows


def _size(n_bytes: int) -> str:
    return f"{n_bytes:,} B" if n_bytes < 10_000 else mb(n_bytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median)")
    parser.add_argument("--budget", type=float, default=5.0,
                        help="seconds past which an action is run only once")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    workdir = Path(tempfile.mkdtemp(prefix="ltw-huge-"))
    rows: list[Row] = []
    try:
        least = baseline(repeat)
        for name, (root, huge) in make_sets(workdir, args.quick).items():
            rows += measure(name, root, huge, repeat, args.budget, least)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table("One action in the kernel, with many tags or a huge caption", rows, [
        "Sent: the JSON of every message the widget sent for the action (trait updates and "
        "reply), as the kernel encodes it.",
        "Baseline: one plain dict update and one one-row message encoded as JSON.",
    ])
    write_summary(args.summary, "bench_huge_caption", rows)


if __name__ == "__main__":
    main()
