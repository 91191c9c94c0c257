"""Renaming a tag across 100,000 captions with `Dataset.rename_tag`, in memory, against a plain
loop measured in the same run (str.replace on each caption text that contains the tag: the least
any tool must do, though it would also rename substrings), then `Dataset.save` against writing the
same number of files plainly (no fsync) and safely (temporary file, fsync, rename), and a check
that only the changed caption files were written (their mtimes). A common tag (in about 43% of
the captions) and a rare one. Times are medians of --repeat runs; the rename alternates between
the two names, so every run changes the same captions. The saves are timed once each.
Run: python benchmarks/bench_rename.py [--quick]"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from lora_tagger_widget import Dataset, TaggerWidget

from _bench import Row, add_common_args, median, ms, print_table, timings, write_summary
from _datasets import caption_files, make_captioned_set

COMMON = ("red hair", "crimson hair")
WELL_UNDER_A_SECOND = 0.75  # how we read the "well under a second"
RARE = ("tag2999", "rare renamed")  # tags go up to tag2999: no other tag contains this one


def caption_mtimes(root: Path) -> dict[str, int]:
    """mtime_ns of every caption file below `root` (not the state folder)."""
    return {entry.path: entry.stat().st_mtime_ns for entry in caption_files(root)}


def plain_rename(texts: list[str], old: str, new: str) -> list[str]:
    return [text.replace(old, new) if old in text else text for text in texts]


def write_plain(folder: Path, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        with open(folder / f"c{n}.txt", "w", encoding="utf-8") as handle:
            handle.write(text)


def write_safe(folder: Path, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        target = folder / f"c{n}.txt"
        temporary = folder / f".c{n}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)


def navigation_during_autosave(dataset: Dataset, rename: tuple[str, str]) -> list[Row]:
    """A widget over the data set renames a tag again; while its autosave writes those captions
    on a thread, "Next" (as the front end asks for it) is timed every 50 ms, against "Next" with
    nothing being saved."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        widget = TaggerWidget(dataset, autosave=True, autosave_delay=0.1, workers=0)
    widget.send = lambda *args, **kwargs: None  # no front end here

    def next_image() -> float:
        start = time.perf_counter()
        if widget.index < len(dataset) - 1:
            widget.next()
        else:
            widget.goto(0)
        return time.perf_counter() - start

    idle = [next_image() for _ in range(100)]
    count = dataset.rename_tag(*rename)
    busy, started = [], time.perf_counter()
    while not widget.status.get("saving") and time.perf_counter() - started < 10:
        time.sleep(0.01)
    while (widget.status.get("saving") or widget.status.get("unsaved")) and len(busy) < 2_000:
        busy.append(next_image())
        time.sleep(0.05)
    saved = time.perf_counter() - started
    widget.close()

    def p(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(len(values) * q))]

    return [
        Row(f"Next while autosave writes {count:,} captions ({saved:.0f} s, a thread): p50",
            ms(median(busy)), f"idle {ms(median(idle))}", f"{median(busy) / median(idle):.1f}x",
            "-"),
        Row(f"  p95 / max ({len(busy)} presses)", f"{ms(p(busy, 0.95))} / {ms(max(busy))}",
            f"idle {ms(p(idle, 0.95))} / {ms(max(idle))}", "-", "-"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--count", type=int, default=None, help="captions (100,000; quick 10,000)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median)")
    args = parser.parse_args()
    count = args.count or (10_000 if args.quick else 100_000)
    repeat = args.repeat or 3
    workdir = Path(tempfile.mkdtemp(prefix="ltw-rename-"))
    rows: list[Row] = []
    notes: list[str] = []
    try:
        root = make_captioned_set(workdir / "set", count)
        dataset = Dataset(root)
        texts = [item.caption for item in dataset]
        renamed: dict[str, int] = {}
        for label, (old, new) in (("common", COMMON), ("rare", RARE)):
            names = [(old, new), (new, old)]
            step = itertools.count()
            changed: list[int] = []

            def rename(names=names, step=step, changed=changed) -> None:
                first, second = names[next(step) % 2]
                changed.append(dataset.rename_tag(first, second))

            def rename_and_journal(rename=rename) -> None:
                rename()
                dataset.history.flush()

            ours = median(timings(repeat, rename, setup=dataset.history.flush))
            journaled = median(timings(repeat, rename_and_journal))
            rename()  # an odd number of renames in all: the captions stay renamed, for the save
            dataset.history.flush()
            plain = median(timings(repeat, lambda old=old, new=new: plain_rename(texts, old, new)))
            renamed[label] = changed[-1]
            met = "met" if ours < WELL_UNDER_A_SECOND else "MISSED"
            rows.append(Row(f"rename_tag, {label} tag: {changed[-1]:,} of {count:,} captions",
                            ms(ours), f"plain loop {ms(plain)}", f"{ours / plain:.1f}x plain",
                            f"well under 1 s (< {WELL_UNDER_A_SECOND} s)", met))
            rows.append(Row("  and its undo step written to the journal (a thread)",
                            ms(journaled), "-", "-", "-"))

        before = caption_mtimes(root)
        start = time.perf_counter()
        report = dataset.save()
        save_seconds = time.perf_counter() - start
        after = caption_mtimes(root)
        touched = sum(1 for path, mtime in after.items() if before.get(path) != mtime)
        written = len(report.written)
        expected = renamed["common"] + renamed["rare"]  # minus captions with both tags
        should_change = {str(dataset[i].caption_path) for i in report.written}
        stray = sum(1 for path, mtime in after.items()
                    if before.get(path) != mtime and path not in should_change)
        new_texts = [dataset[i].caption for i in report.written]
        scratch = workdir / "scratch"
        scratch.mkdir()
        plain_seconds = timings(1, lambda: write_plain(scratch, new_texts))[0]
        shutil.rmtree(scratch)
        scratch.mkdir()
        safe_seconds = timings(1, lambda: write_safe(scratch, new_texts))[0]
        rows.append(Row(f"save after both renames: {written:,} files written",
                        f"{save_seconds:.2f} s", f"safe writes {safe_seconds:.2f} s",
                        f"{save_seconds / safe_seconds:.1f}x safe", "-"))
        rows.append(Row("", "", f"plain writes {plain_seconds:.2f} s",
                        f"{save_seconds / plain_seconds:.1f}x plain", "-"))
        ok = touched == written and stray == 0
        rows.append(Row("caption files whose mtime changed", f"{touched:,}",
                        f"files written {written:,}",
                        f"{stray} others touched", "only changed files", "met" if ok else "MISSED"))
        rows += navigation_during_autosave(dataset, COMMON[::-1])
        notes.append(f"captions renamed: common {renamed['common']:,}, rare {renamed['rare']:,}"
                     f" (up to {expected:,}; a caption with both counts once)")
        notes.append("rename_tag returns before the undo journal holds its step: a thread writes"
                     " it, and the next edit, undo or save waits for it")
        notes.append(f"rename: median of {repeat} runs (alternating names); save and the write"
                     " baselines: one run each, the same texts and file count")
        notes.append("safe writes = temporary file + fsync + os.replace per file (what a"
                     " crash-safe save must do); plain = open(w).write, no fsync")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(f"bench_rename: rename a tag across {count:,} captions", rows, notes)
    write_summary(args.summary, "bench_rename", rows)


if __name__ == "__main__":
    main()
