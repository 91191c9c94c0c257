"""Live changes at 1k / 10k / 100k captioned images: what starting the folder watcher costs next
to opening the data set (its own work, and the longest the kernel's thread waits meanwhile), how
soon another writer's caption shows (native events and polling), what our own saves cost when
they come back as events (each a read that finds nothing changed), polling's idle CPU, and how
soon an image copied into the folder joins the data set.
Run: python benchmarks/bench_watch.py [--quick] [--sizes 1000 10000 100000]"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

from watchfiles._rust_notify import RustNotify

from lora_tagger_widget import Change, Dataset
from lora_tagger_widget.core import watch as watch_module
from lora_tagger_widget.core.watch import FolderWatcher, _Targets, watch_dataset, watcher_of

from _bench import Row, add_common_args, median, ms, print_table, write_summary
from _datasets import make_captioned_set


class Stalls:
    """The longest time a thread that wakes every millisecond waited (for the GIL), like the
    kernel's thread handling messages."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Stalls:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _tick(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_rows(size: int, dataset: Dataset, open_seconds: float) -> list[Row]:
    """The watcher's start, in its parts, and the kernel thread's longest wait meanwhile."""
    targets_seconds = min(_timed(lambda: _Targets(dataset)) for _ in range(3))
    folders = _Targets(dataset).folders()
    native = min(_timed(lambda: RustNotify(folders, False, False, 300, False, True).close())
                 for _ in range(3))
    polling = _timed(lambda: RustNotify([str(dataset.root)], False, True, 300, True, True).close())
    rows = [
        Row(f"{size:,}: list what to watch ({len(folders)} folders)", ms(targets_seconds),
            f"open {open_seconds:.2f} s", f"{targets_seconds / open_seconds:.1%}"),
        Row(f"{size:,}: start native watching", ms(native), f"open {open_seconds:.2f} s",
            f"{native / open_seconds:.1%}"),
        Row(f"{size:,}: start polling (its first walk)", ms(polling), f"open {open_seconds:.2f} s",
            f"{polling / open_seconds:.1%}"),
    ]
    for mode in ("auto", "polling"):
        with Stalls() as stalls:
            stop = watch_dataset(dataset, mode)
            assert watcher_of(dataset).wait_started(60)
        stop()
        rows.append(Row(f"{size:,}: kernel thread's longest wait, {mode} start",
                        ms(stalls.longest), "a 1 ms tick"))
    return rows


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def latency_rows(size: int, dataset: Dataset, repeat: int) -> list[Row]:
    """From a caption replaced by another writer (atomically) to the data set holding it."""
    rows = []
    item = dataset[size // 2]
    original = item.caption_path.read_bytes()
    for mode in ("auto", "polling"):
        a_minute_ago = time.time() - 60  # polling misses a change within the second before it
        os.utime(item.caption_path, (a_minute_ago, a_minute_ago))  # started (see core/watch.py)
        stop = watch_dataset(dataset, mode)
        assert watcher_of(dataset).wait_started(60)
        times = []
        for n in range(repeat):
            text = "changed elsewhere" + "!" * n  # a new size: polling's quick path
            temporary = item.caption_path.with_name(".elsewhere.tmp")
            temporary.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            os.replace(temporary, item.caption_path)
            while dataset[item.id].caption != text and time.perf_counter() - start < 10:
                time.sleep(0.001)
            times.append(time.perf_counter() - start if dataset[item.id].caption == text
                         else float("nan"))
        stop()
        rows.append(Row(f"{size:,}: another writer's caption in the data set, {mode}",
                        f"p50 {ms(median(times))}, max {ms(max(times))}", "-", "-", "~1 s"))
    item.caption_path.write_bytes(original)
    dataset.refresh(item.id)
    return rows


def photo() -> Path:
    """The largest wallpaper photo on the machine, else a generated 16 MP JPEG."""
    found = sorted(Path("/usr/share/backgrounds").rglob("*.jpg"), key=lambda p: p.stat().st_size)
    if found:
        return found[-1]
    from PIL import Image

    made = Path(tempfile.mkdtemp(prefix="ltw-bench-photo-")) / "photo.jpg"
    Image.effect_noise((4608, 3456), 64).convert("RGB").save(made, quality=90)
    return made


def new_image_rows(size: int, dataset: Dataset, repeat: int) -> list[Row]:
    """From an image copied into the folder (the copy done) to the data set holding it; the
    copy's own time is the baseline. A new image waits until its file has stopped changing for
    SETTLE_SECONDS, so the figure is about that."""
    source = photo()
    rows = []
    for mode in ("auto", "polling"):
        stop = watch_dataset(dataset, mode)
        assert watcher_of(dataset).wait_started(60)
        copies, times = [], []
        for n in range(repeat):
            target = dataset.root / f"zz-new-{mode}-{n}{source.suffix}"
            copies.append(_timed(lambda target=target: target.write_bytes(source.read_bytes())))
            start = time.perf_counter()
            while len(dataset) == size + n + (repeat if mode == "polling" else 0):
                if time.perf_counter() - start > 15:
                    break
                time.sleep(0.001)
            held = target.name in {item.id for item in dataset}
            times.append(time.perf_counter() - start if held else float("nan"))
        stop()
        rows.append(Row(f"{size:,}: an image copied in ({source.stat().st_size / 1e6:.1f} MB), "
                        f"in the data set, {mode}", f"p50 {ms(median(times))}, max "
                        f"{ms(max(times))}", f"copy {ms(median(copies))}", "-",
                        f"~{watch_module.SETTLE_SECONDS:g} s"))
    return rows


def own_save_rows(size: int, dataset: Dataset) -> list[Row]:
    """Our own save of many captions comes back as events: the watcher's time on them, and the
    changes it told (none expected)."""
    busy = [0.0]
    real = FolderWatcher._bring_in

    def timed_bring_in(self: FolderWatcher, captions: list[str], *, state: bool) -> list[str]:
        start = time.perf_counter()
        changed = real(self, captions, state=state)
        busy[0] += time.perf_counter() - start
        return changed

    watch_module.FolderWatcher._bring_in = timed_bring_in  # type: ignore[method-assign]
    heard: list[Change] = []

    def hear(change: Change) -> None:
        if change.kind != "saved":  # the save's own notice
            heard.append(change)

    unsubscribe = dataset.subscribe(hear)
    stop = watch_dataset(dataset, "auto")
    assert watcher_of(dataset).wait_started(60)
    count = min(size, 10_000)
    try:
        for add in (True, False):  # the set is left as it was
            for n in range(count):
                (dataset.add_tag if add else dataset.remove_tag)(n, "saved here")
            heard.clear()
            start = time.perf_counter()
            dataset.save()
            saved = time.perf_counter() - start
            time.sleep(1.0)  # the last events come within DEBOUNCE_MS
    finally:
        stop()
        unsubscribe()
        watch_module.FolderWatcher._bring_in = real  # type: ignore[method-assign]
    per = busy[0] / (2 * count)
    return [Row(f"{size:,}: our own save of {count:,} captions, seen back (x2)",
                f"{ms(busy[0] / 2)} each, {per * 1e6:.0f} us a caption, {len(heard)} changes told",
                f"the save {ms(saved)}", f"{busy[0] / 2 / saved:.2f}x")]


def polling_idle_row(size: int, dataset: Dataset, seconds: float) -> Row:
    stop = watch_dataset(dataset, "polling")
    assert watcher_of(dataset).wait_started(60)
    before, start = cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    share = (cpu_seconds() - before) / (time.perf_counter() - start)
    stop()
    return Row(f"{size:,}: polling, nothing changing", f"{share:.0%} of a core",
               "native: 0%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    args = parser.parse_args()
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    rows: list[Row] = []
    for size in sizes:
        root = make_captioned_set(args.folder / f"set{size}", size)
        open_seconds = min(_timed(lambda root=root: Dataset(root)) for _ in range(2))
        dataset = Dataset(root)
        rows += start_rows(size, dataset, open_seconds)
        rows += latency_rows(size, dataset, 5 if args.quick else 10)
        rows += own_save_rows(size, dataset)
        rows.append(polling_idle_row(size, dataset, 2 if args.quick else 4))
        rows += new_image_rows(size, dataset, 3 if args.quick else 5)
        for copied in root.glob("zz-new-*"):
            copied.unlink()
        del dataset
    print_table("live changes: the folder watcher", rows, notes=[
        "native watching puts one watch on each folder that holds images (no walk of the files);",
        "polling walks every file of the tree, once to start and then every 300 ms",
        "latency: from os.replace of the caption to the data set holding the new text (n/a:",
        "missed for 10 s); polling sees a second change within the same second only when it",
        "reads a changed caption again, 1.1 s later"])
    write_summary(args.summary, "bench_watch", rows)


if __name__ == "__main__":
    main()
