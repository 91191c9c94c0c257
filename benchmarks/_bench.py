"""Shared by the benchmark scripts: timing over repeats, percentiles, memory readings, the printed
table (what, figure, baseline, ratio, target) and the summary file that run_all.py collects."""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    """One line of a benchmark's table."""

    what: str
    figure: str
    baseline: str = "-"
    ratio: str = "-"
    target: str = "-"
    verdict: str = ""  # "met", "MISSED", or "" when there is no target


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a small, fast run (about 30 s)")
    parser.add_argument("--summary", type=Path, default=None,
                        help="append this script's rows as JSON lines to this file (run_all.py)")


def timings(repeat: int, action: Callable[[], object],
            setup: Callable[[], object] | None = None) -> list[float]:
    """Seconds of `repeat` runs of `action` (each after `setup`, untimed, and a gc)."""
    out = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        gc.collect()
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), nearest rank: a value that was measured."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "n/a"
    value = seconds * 1000
    if value < 10:
        return f"{value:.2f} ms"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.0f} kB"


def rss_bytes() -> int:
    """This process's resident set size (VmRSS of /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def print_header(title: str, headers: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """Print a title and column headers sized to `cells`; returns the row format."""
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(title)
    print(line.format(*headers).rstrip())
    print("  ".join("-" * w for w in widths))
    return line


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    headers = ("what", "figure", "baseline", "ratio", "target", "")
    cells = [(r.what, r.figure, r.baseline, r.ratio, r.target, r.verdict) for r in rows]
    line = print_header(f"\n== {title}", headers, cells)
    for c in cells:
        print(line.format(*c).rstrip())
    for note in notes:
        print(f"   {note}")


def write_summary(path: Path | None, script: str, rows: Sequence[Row]) -> None:
    if path is None:
        return
    with open(path, "a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({"script": script, **asdict(row)}) + "\n")
