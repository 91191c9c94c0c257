"""Autocomplete from a tag list CSV (the Danbooru list of the a1111-sd-webui-tagcomplete format,
140,782 rows): `TagList.load`, its memory, `TagList.search` for 1-, 2-, 3- and 5-character
queries, and `complete_tags` with a data set's vocabulary, against a plain baseline measured in
the same run: the rows read with csv into a list of `ListedTag`, and searched with
`[row for row in rows if q in row.name]` + a sort by count (no casefolding, no `_`/space
equivalence, no aliases: less than a search must do).
Queries: a few common ones plus substrings of random list names (seeded), and some that match
nothing. Search times are p50/p95 over every query of a length, each run --repeat times.
Run: python benchmarks/bench_autocomplete.py [path/to/danbooru-tags.csv] [--quick]"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from lora_tagger_widget.core.taglist import ListedTag, TagList, complete_tags

from _bench import Row, add_common_args, mb, ms, percentile, print_table, verdict, write_summary

DEFAULT_LIST = Path(__file__).resolve().parents[2] / "shared/data/danbooru-tags.csv"
LIMIT = 20
COMMON = {
    1: ["a", "e", "h", "s", "1", "x", "z", "_"],
    2: ["lo", "ha", "bl", "sk", "ey", "sm", "qu", "zz"],
    3: ["hai", "blu", "ski", "sho", "ope", "mik", "xyz", "q_q"],
    5: ["long ", "skirt", "shirt", "hatsu", "ponyt", "qqqqq", "zzzzz", "^_^ ("],
}
LOAD_TARGET_S = 1.0
SEARCH_TARGET_S = 0.020


def baseline_load(path: Path) -> list[ListedTag]:
    """The plain reading: csv rows into ListedTag objects (no checks, no index)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [
            ListedTag(row[0], int(row[1]), int(row[2]), tuple(row[3].split(",")))
            for row in csv.reader(handle)
        ]


def baseline_search(rows: list[ListedTag], query: str) -> list[ListedTag]:
    hits = [row for row in rows if query in row.name]
    hits.sort(key=lambda row: -row.count)
    return hits[:LIMIT]


def queries(rows: list[ListedTag], per_length: int, seed: int = 7) -> dict[int, list[str]]:
    """COMMON queries plus substrings of random names, per query length."""
    rng = random.Random(seed)
    out: dict[int, list[str]] = {}
    for length, common in COMMON.items():
        picked = list(common)
        while len(picked) < per_length:
            name = rng.choice(rows).name
            if len(name) >= length:
                start = rng.randrange(len(name) - length + 1)
                picked.append(name[start : start + length])
        out[length] = picked
    return out


def time_each(repeat: int, items: list[str], action: Callable[[str], object]) -> list[float]:
    """Seconds of each call, every item `repeat` times (interleaved)."""
    out = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            action(item)
            out.append(time.perf_counter() - start)
    return out


def peak_bytes(action: Callable[[], object]) -> tuple[int, int]:
    """tracemalloc peak while running `action`, and the bytes still held by its result."""
    tracemalloc.start()
    try:
        result = action()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak, current


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_LIST, help="the tag list")
    add_common_args(parser)
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (5; quick 2)")
    args = parser.parse_args()
    if not args.path.is_file():
        sys.exit(f"no tag list at {args.path} (give its path as the argument)")
    repeat = args.repeat or (2 if args.quick else 5)
    per_length = 24 if args.quick else 60

    rows: list[Row] = []
    load_ours: list[float] = []
    load_plain: list[float] = []
    cpu_ours: list[float] = []
    tag_list: TagList | None = None
    plain_rows: list[ListedTag] | None = None
    for _ in range(repeat):  # interleaved
        start, cpu = time.perf_counter(), time.process_time()
        tag_list = TagList.load(args.path)
        load_ours.append(time.perf_counter() - start)
        cpu_ours.append(time.process_time() - cpu)
        start = time.perf_counter()
        plain_rows = baseline_load(args.path)
        load_plain.append(time.perf_counter() - start)
    assert tag_list is not None and plain_rows is not None
    ours_s, plain_s = statistics.median(load_ours), statistics.median(load_plain)
    rows.append(
        Row(
            f"TagList.load, {len(tag_list):,} tags ({tag_list.skipped_rows} rows skipped)",
            f"{ms(ours_s)} (cpu {ms(statistics.median(cpu_ours))})",
            f"csv -> ListedTag {ms(plain_s)}",
            f"{ours_s / plain_s:.1f}x plain",
            f"< {LOAD_TARGET_S:.0f} s",
            verdict(ours_s < LOAD_TARGET_S),
        )
    )
    peak_ours, held_ours = peak_bytes(lambda: TagList.load(args.path))
    peak_plain, held_plain = peak_bytes(lambda: baseline_load(args.path))
    rows.append(
        Row(
            "  memory: tracemalloc peak while loading",
            mb(peak_ours),
            f"plain {mb(peak_plain)}",
            f"{peak_ours / peak_plain:.1f}x plain",
        )
    )
    rows.append(
        Row(
            "  memory: held after loading",
            mb(held_ours),
            f"plain {mb(held_plain)}",
            f"{held_ours / held_plain:.1f}x plain",
        )
    )

    chosen = queries(plain_rows, per_length)
    worst_p95 = 0.0
    for length, items in chosen.items():
        ours_t = time_each(repeat, items, lambda q: tag_list.search(q, LIMIT))
        plain_t = time_each(repeat, items, lambda q: baseline_search(plain_rows, q))
        p50, p95 = percentile(ours_t, 50), percentile(ours_t, 95)
        b50, b95 = percentile(plain_t, 50), percentile(plain_t, 95)
        worst_p95 = max(worst_p95, p95)
        rows.append(
            Row(
                f"search, {length}-char queries ({len(items)}), p50",
                ms(p50),
                f"naive scan {ms(b50)}",
                f"{b50 / p50:.0f}x faster",
            )
        )
        rows.append(
            Row(
                f"search, {length}-char queries, p95",
                ms(p95),
                f"naive scan {ms(b95)}",
                f"{b95 / p95:.0f}x faster",
                f"< {SEARCH_TARGET_S * 1000:.0f} ms",
                verdict(p95 < SEARCH_TARGET_S),
            )
        )

    # A data set's vocabulary: 3,000 listed tags written with spaces, counts 1-500.
    rng = random.Random(3)
    vocabulary = {
        row.name.replace("_", " "): rng.randint(1, 500) for row in plain_rows[:20_000:7][:3000]
    }
    every = [q for items in chosen.values() for q in items]
    complete_t = time_each(repeat, every, lambda q: complete_tags(q, vocabulary, tag_list))
    p50, p95 = percentile(complete_t, 50), percentile(complete_t, 95)
    rows.append(
        Row(
            f"complete_tags, {len(vocabulary):,}-tag data set + list, p50",
            ms(p50),
        )
    )
    rows.append(
        Row(
            "complete_tags, all queries, p95",
            ms(p95),
            target=f"< {SEARCH_TARGET_S * 1000:.0f} ms",
            verdict=verdict(p95 < SEARCH_TARGET_S),
        )
    )
    notes = [
        f"list: {args.path}",
        f"load: median of {repeat} interleaved runs; memory: one tracemalloc run each",
        f"search: limit {LIMIT}, every query {repeat} times; naive scan = `q in row.name` over "
        "the rows + sort by count (case-sensitive, no `_`/space, no aliases)",
        f"worst search p95 {ms(worst_p95)}; load average at the end "
        + " ".join(f"{n:.1f}" for n in os.getloadavg())
        + f" on {os.cpu_count()} CPUs",
    ]
    print_table(f"bench_autocomplete: tag list of {len(tag_list):,} tags", rows, notes)
    write_summary(args.summary, "bench_autocomplete", rows)


if __name__ == "__main__":
    main()
