"""What keeping the original captions costs: the first save of N edited captions (their originals
recorded: per 100 captions, one fsynced append to the pack of their distinct contents and one to
the index) against a second save of the same N captions edited again (originals already kept:
the plain save's cost), for distinct captions and for N identical ones (one record); the
store's size on disk; restoring all N originals (in memory, then their save); and what a
second store spends keeping up with another writer's appends to an index of N lines (it reads
only the lines appended) against reading the whole index after each append. Each save is timed
once.
Run: python benchmarks/bench_originals.py [--quick]"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.files import StateFolder
from lora_tagger_widget.core.originals import OriginalStore

from _bench import Row, add_common_args, mb, ms, print_table, write_summary
from _datasets import make_captioned_set


def store_bytes(root: Path) -> int:
    folder = root / ".lora-tagger" / "originals"
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def measure(root: Path, label: str) -> list[Row]:
    ds = Dataset(root)
    n = len(ds)
    ds.apply_batch({"kind": "add", "tags": ["ohwx"], "where": "start"})
    first = timed(ds.save)
    ds.apply_batch({"kind": "add", "tags": ["again"]})
    second = timed(ds.save)
    restore = timed(ds.restore_originals)
    restore_save = timed(ds.save)
    assert ds.count_changed_from_originals() == 0
    return [
        Row(f"{label}: first save of {n:,} (originals kept)", ms(first), ms(second),
            f"{first / second:.2f}x"),
        Row(f"{label}: store on disk", mb(store_bytes(root))),
        Row(f"{label}: restore_originals() of {n:,}, in memory", ms(restore)),
        Row(f"{label}: then its save", ms(restore_save)),
    ]


def keeping_up(folder: Path, count: int, appends: int = 100) -> list[Row]:
    """Another writer appends 100 lines `appends` times to an index of `count` lines; after
    each, a store that has read the index learns of them, against a store reading it whole."""
    state = StateFolder(folder)
    writer, reader = OriginalStore(state), OriginalStore(state)
    writer.record((f"old{n}.jpg", f"caption {n}".encode()) for n in range(count))
    reader.get("old0.jpg")
    tail = whole = 0.0
    for round_ in range(appends):
        ids = [f"new{round_}-{n}.jpg" for n in range(100)]
        writer.record((image_id, image_id.encode()) for image_id in ids)
        tail += timed(lambda first=ids[0]: reader.get(first))
        whole += timed(lambda first=ids[0]: OriginalStore(state).get(first))
    return [Row(f"keeping up with {appends} appends of 100 lines to a {count:,}-line index",
                ms(tail), ms(whole), f"{tail / whole:.2f}x")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    args = parser.parse_args()
    count = 1_000 if args.quick else 10_000
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="ltw-bench-originals-"))
    try:
        rows += measure(make_captioned_set(work / "distinct", count), "distinct captions")
        same = make_captioned_set(work / "same", count)
        for path in same.rglob("*.txt"):
            path.write_text("1girl, solo, looking at viewer", encoding="utf-8")
        rows += measure(same, "identical captions")
        (work / "index").mkdir()
        rows += keeping_up(work / "index", count)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table("Original captions (baseline: the same save with the originals already kept)",
                rows, ["first save = the save that also keeps every caption's original",
                 "keeping up: baseline = reading the whole index after each append"])
    write_summary(args.summary, "bench_originals", rows)


if __name__ == "__main__":
    main()
