"""Run every benchmark in sequence and print one summary table at the end.
Run: python benchmarks/run_all.py [--quick] [--only bench_preview bench_thumbs ...]

Each script runs in its own process (so memory figures are not mixed up), prints its own table
as it finishes, and appends its rows to a summary file that is printed here at the end."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import print_header

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_open", "bench_preview", "bench_thumbs", "bench_rename", "bench_memory",
           "bench_autocomplete", "bench_checks", "bench_browser", "bench_upload",
           "bench_upload_zip", "bench_originals", "bench_sync", "bench_cli"]


def add_open_rows(output: str, summary: Path) -> None:
    """bench_open prints `images floor_s open_s ratio python_MB` lines: add them as rows."""
    with open(summary, "a", encoding="utf-8") as handle:
        for line in output.splitlines():
            parts = line.split()
            if len(parts) != 5 or not parts[0].isdigit():
                continue
            images, floor, opened, ratio, megabytes = parts
            handle.write(json.dumps({
                "script": "bench_open", "what": f"open {int(images):,} captioned images",
                "figure": f"{opened} s", "baseline": f"scandir+read {floor} s",
                "ratio": f"{ratio}x floor ({megabytes} MB)", "target": "-", "verdict": ""}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small, fast run of each script")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, default=SCRIPTS)
    args = parser.parse_args()
    summary = Path(tempfile.mkdtemp(prefix="ltw-bench-summary-")) / "rows.jsonl"
    summary.touch()
    outcomes = []
    for name in args.only:
        command = [sys.executable, str(HERE / f"{name}.py")]
        if name == "bench_open":  # it has no --quick/--summary; its own table is printed
            if args.quick:
                command += ["--sizes", "1000", "10000", "--repeat", "2"]
        else:
            command += ["--summary", str(summary)] + (["--quick"] if args.quick else [])
        print(f"\n##### {name}: {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        if name == "bench_open":
            done = subprocess.run(command, cwd=HERE, stdout=subprocess.PIPE, text=True)
            print(done.stdout, end="", flush=True)
            add_open_rows(done.stdout, summary)
            code = done.returncode
        else:
            code = subprocess.run(command, cwd=HERE).returncode
        outcomes.append((name, code, time.perf_counter() - start))

    rows = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines()]
    shutil.rmtree(summary.parent, ignore_errors=True)
    headers = ("script", "what", "figure", "baseline", "ratio", "target", "")
    cells = [(r["script"].removeprefix("bench_"), r["what"], r["figure"], r["baseline"],
              r["ratio"], r["target"], r["verdict"]) for r in rows]
    line = print_header(f"\n===== summary{' (--quick)' if args.quick else ''}", headers, cells)
    previous = None
    for cell in cells:
        shown = cell if cell[0] != previous else ("", *cell[1:])
        previous = cell[0]
        print(line.format(*shown).rstrip())
    print()
    for name, code, seconds in outcomes:
        state = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"{name:<14} {seconds:6.0f} s  {state}")
    missed = sum(1 for r in rows if r["verdict"] == "MISSED")
    print(f"targets: {sum(1 for r in rows if r['verdict'] == 'met')} met, {missed} missed")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
