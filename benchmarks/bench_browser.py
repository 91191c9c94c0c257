"""In a real JupyterLab with headless Chromium: from a "Next" key press (ArrowRight, the widget
focused) to the next image painted, over --presses presses on noisy 24 MP JPEGs, at a person's
pace (a press every 0.4 s) and held down (a key repeat every 33 ms), prefetch on and off, against
a plain viewer measured in the same page (an inline anywidget that does what
`ipywidgets.Image(value=<file bytes>)` does: the whole file as a Bytes trait, shown as a Blob URL).
Then the browser's JS heap with a 100,000-item data set open in the grid view, scrolled through.

Measured in the page: a capture-phase keydown listener on the document records performance.now()
of each press; an image counts as painted when the view's <img> has the new image's name as its
alt and is complete with naturalWidth > 0, one requestAnimationFrame later. p50 and p95 (nearest
rank) over the presses. Held down: a press's latency is until an image at least as far as that
press is painted (skipping is fine, going back is stale). Run: python benchmarks/bench_browser.py
[--quick]. Needs Debian's chromium (/usr/lib/chromium/chromium) and the Playwright package (it
never downloads a browser of its own); reuses tests/browser/labharness.py."""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _bench import Row, add_common_args, mb, percentile, print_table, write_summary
from _datasets import make_captioned_set, make_photo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from labharness import (  # noqa: E402
    JupyterServer,
    Lab,
    chromium_available,
    launch_browser,
)

PERSON = 0.4  # seconds between presses at a person's pace
HELD = 0.033  # seconds between key repeats
NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)")

SETUP_CELL = r'''
import pathlib

import anywidget
import traitlets

from lora_tagger_widget import TaggerWidget


class PlainViewer(anywidget.AnyWidget):
    """What notebook labelers do: the whole file in a Bytes trait, shown as a Blob URL."""

    _esm = """
    function render({ model, el }) {
      const root = document.createElement("div");
      root.className = "plain-root";
      root.tabIndex = 0;
      root.setAttribute("data-lm-suppress-shortcuts", "true");
      const img = document.createElement("img");
      img.className = "plain-img";
      img.style.cssText = "display:block;width:640px;height:480px;object-fit:contain";
      const button = document.createElement("button");
      button.textContent = "Next";
      let url = null;
      function show() {
        const next = URL.createObjectURL(new Blob([model.get("value")], { type: "image/jpeg" }));
        img.alt = model.get("name");
        img.src = next;
        if (url) URL.revokeObjectURL(url);
        url = next;
      }
      model.on("change:value", show);
      show();
      const next = () => model.send({ type: "next" });
      button.addEventListener("click", next);
      root.addEventListener("keydown", (e) => {
        if (e.code === "ArrowRight") { e.preventDefault(); e.stopPropagation(); next(); }
      });
      root.append(img, button);
      el.append(root);
      return () => { if (url) URL.revokeObjectURL(url); };
    }
    export default { render };
    """
    value = traitlets.Bytes(b"").tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)

    def __init__(self, folder):
        super().__init__()
        self._files = sorted(pathlib.Path(folder).glob("*.jpg"))
        self._index = 0
        self._show()
        self.on_msg(self._on_msg)

    def _show(self):
        path = self._files[self._index]
        with self.hold_sync():
            self.value = path.read_bytes()
            self.name = path.name

    def _on_msg(self, _widget, content, _buffers):
        if content.get("type") == "next" and self._index < len(self._files) - 1:
            self._index += 1
            self._show()
'''

# Records presses and paints of the last <img> matching the selector into window.__bench.
INSTALL_JS = r"""
(sel) => {
  const all = document.querySelectorAll(sel);
  const img = all[all.length - 1];
  if (!img) throw new Error('no ' + sel);
  if (window.__benchStop) window.__benchStop();
  const b = window.__bench = { presses: [], paints: [], alts: [] };
  if (!window.__benchKeys) {
    window.__benchKeys = true;
    document.addEventListener('keydown', (e) => {
      if (e.code === 'ArrowRight' && window.__bench) window.__bench.presses.push(performance.now());
    }, true);
  }
  let last = img.complete && img.naturalWidth > 0 ? img.alt + '\u0000' + img.src : null;
  let lastAlt = img.alt;
  const check = () => {
    if (img.alt !== lastAlt) {  // the view took the new image (its name): the round trip is done
      lastAlt = img.alt;
      b.alts.push({ name: img.alt, t: performance.now() });
    }
    if (img.hidden || !img.complete || !(img.naturalWidth > 0)) return;
    const key = img.alt + '\u0000' + img.src;
    if (key === last) return;
    last = key;
    const name = img.alt;
    requestAnimationFrame(() => b.paints.push({ name, t: performance.now() }));
  };
  const observer = new MutationObserver(check);
  observer.observe(img, { attributes: true, attributeFilter: ['alt', 'src', 'hidden'] });
  img.addEventListener('load', check);
  window.__benchStop = () => { observer.disconnect(); img.removeEventListener('load', check); };
  const r = img.parentElement.getBoundingClientRect();
  return { width: r.width, height: r.height, dpr: devicePixelRatio };
}
"""

SHOWN_JS = """
([sel, name]) => [...document.querySelectorAll(sel)].some(
  (i) => i.alt === name && !i.hidden && i.complete && i.naturalWidth > 0)
"""

SCROLL_JS = r"""
async (steps) => {
  const roots = document.querySelectorAll('.ltw-root');
  const root = roots[roots.length - 1];
  const scroller = root.querySelector('.ltw-grid-scroll');
  const max = scroller.scrollHeight - scroller.clientHeight;
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 25)));
  let most = 0;
  for (let i = 1; i <= steps; i += 1) {
    scroller.scrollTop = Math.round((max * i) / steps);
    await frame();
    most = Math.max(most, root.querySelectorAll('.ltw-tile').length);
  }
  return { max, most, tiles: root.querySelectorAll('.ltw-tile').length };
}
"""


@dataclass
class Result:
    """One scenario's figures."""

    label: str
    latencies: list[float] = field(default_factory=list)  # ms
    presses: int = 0
    recorded: int = 0  # presses the page saw
    missing: int = 0  # presses whose image was never painted (at a person's pace)
    skipped: int = 0  # images never painted while held down
    stale: int = 0  # paints of an image before one already painted
    landed: bool = False
    land_after: float = float("nan")  # ms from the last press to the last image painted
    python_index: int = -1
    previews_before: int = -1  # previews made before the first press (prefetch check)
    named: list[float] = field(default_factory=list)  # ms from a press to its image's name shown

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) if self.latencies else float("nan")


def analyse(result: Result, names: list[str], presses: list[float], paints: list[dict],
            alts: list[dict], held: bool) -> None:
    position = {name: i for i, name in enumerate(names)}
    result.recorded = len(presses)
    for k, pressed in enumerate(presses):
        times = [a["t"] for a in alts if a["t"] >= pressed and a["name"] == names[k + 1]]
        if times and not held:
            result.named.append(min(times) - pressed)
    for k, pressed in enumerate(presses):
        target = k + 1
        times = [p["t"] for p in paints if p["t"] >= pressed and (
            position.get(p["name"], -1) >= target if held
            else position.get(p["name"], -1) == target)]
        if times:
            result.latencies.append(min(times) - pressed)
        else:
            result.missing += 1
    painted = [position.get(p["name"], -1) for p in paints]
    furthest = 0
    for index in painted:
        if index < furthest:
            result.stale += 1
        furthest = max(furthest, index)
    result.skipped = len(set(range(1, len(presses) + 1)) - set(painted))
    final = names[min(len(presses), len(names) - 1)]
    result.landed = bool(paints) and paints[-1]["name"] == final
    hits = [p["t"] for p in paints if p["name"] == final]
    if hits and presses:
        result.land_after = hits[0] - presses[-1]


def fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:.0f} ms"


class Bench:
    def __init__(self, lab: Lab, page, presses: int, settle: float) -> None:
        self.lab = lab
        self.page = page
        self.presses = presses
        self.settle = settle

    def scenario(self, label: str, make: str, folder: Path, names: list[str], img_sel: str,
                 focus_sel: str, interval: float, held: bool) -> Result:
        result = Result(label, presses=self.presses)
        self.lab.run_cell(f"w = {make}\nw")
        self.page.wait_for_function(SHOWN_JS, arg=[img_sel, names[0]], timeout=120_000)
        time.sleep(self.settle)  # the neighbours' prefetch finishes, as after a first look
        cache = folder / ".lora-tagger" / "cache"
        result.previews_before = len(list(cache.glob("*"))) if cache.exists() else 0
        self.box = self.page.evaluate(INSTALL_JS, img_sel)
        self.page.locator(focus_sel).last.focus()
        keyboard = self.page.keyboard
        start = time.perf_counter()
        for k in range(self.presses):
            delay = start + k * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if held:
                keyboard.down("ArrowRight")  # repeated downs are sent as key repeats
            else:
                keyboard.press("ArrowRight")
        if held:
            keyboard.up("ArrowRight")
        final = names[self.presses]
        with contextlib.suppress(Exception):  # reported as not landed
            self.page.wait_for_function(
                "(n) => window.__bench.paints.some((p) => p.name === n)", arg=final,
                timeout=120_000)
        time.sleep(1.5)  # would a stale image come after the right one?
        data = self.page.evaluate("() => window.__bench")
        analyse(result, names, data["presses"], data["paints"], data["alts"], held)
        out = self.lab.run_cell("print(getattr(w, 'index', getattr(w, '_index', -1)))")
        result.python_index = int(out.strip().splitlines()[-1])
        self.lab.run_cell("w.close()")
        return result


def heap_used(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize")


def grid_heap(lab: Lab, page, cdp, set_root: Path, count: int,
              steps: int) -> tuple[list[Row], list[str]]:
    """JS heap with the grid open on `set_root` (`count` images), before and after scrolling
    through it."""
    shutil.rmtree(set_root / ".lora-tagger", ignore_errors=True)  # no thumbnails cached before
    before = heap_used(cdp)
    page.evaluate(
        "(n) => { window.__floor = Array.from({ length: n }, (_, i) => {"
        " const id = `part${(i / 5000) | 0}/img${i}.jpg`; return [id, `${id}`, i & 7]; });"
        " return window.__floor.length; }", count)
    floor = heap_used(cdp) - before
    page.evaluate("() => { window.__floor = null; }")
    before = heap_used(cdp)
    lab.run_cell(f"g = TaggerWidget({str(set_root)!r}, autosave=False)\ng.view = 'grid'\ng")
    try:
        page.wait_for_selector(".ltw-root .ltw-grid-view:not([hidden]) [role=listbox]",
                               timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ltw-root .ltw-tile-name')]"
            ".some((e) => e.textContent.length > 0)", timeout=120_000)
    except Exception:
        return [Row(f"JS heap, {count:,} items in the grid", "not measurable yet",
                    "-", "-", "-")], ["the grid (.ltw-root [role=listbox]) did not appear"]
    opened = heap_used(cdp) - before
    start = time.perf_counter()
    scrolled = page.evaluate(SCROLL_JS, steps)
    scroll_seconds = time.perf_counter() - start
    with contextlib.suppress(Exception):  # the last screen's thumbnails
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ltw-root .ltw-tile img.ltw-thumb-img')]"
            ".filter((i) => i.getBoundingClientRect().bottom > 0).every("
            "(i) => !i.hidden && i.complete)", timeout=30_000)
    after = heap_used(cdp) - before
    nodes = page.evaluate("() => document.getElementsByTagName('*').length")
    lab.run_cell("g.close()")
    shutil.rmtree(set_root / ".lora-tagger", ignore_errors=True)  # leave the set as it was made
    rows = [
        Row(f"JS heap, grid of {count:,} items open", mb(opened),
            f"the list as JS arrays {mb(floor)}", f"{opened / floor:.1f}x", "-"),
        Row(f"  after scrolling through it ({steps} jumps)", mb(after),
            f"the list as JS arrays {mb(floor)}", f"{after / floor:.1f}x", "-"),
    ]
    notes = [f"grid: {scrolled['most']} tiles in the DOM at most while scrolling,"
             f" {scrolled['tiles']} at the end, {nodes:,} elements in the whole page;"
             f" scrolled {scrolled['max']:,} px in {scroll_seconds:.1f} s; heaps after a GC"
             " (CDP), deltas from before the widget"]
    return rows, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "ltw-bench")
    parser.add_argument("--presses", type=int, default=None, help="per scenario (50; quick 8)")
    parser.add_argument("--grid-count", type=int, default=None,
                        help="images in the grid (100,000; quick 10,000)")
    parser.add_argument("--scroll-steps", type=int, default=None, help="(300; quick 30)")
    args = parser.parse_args()
    if not chromium_available():
        print("bench_browser: no Chromium at /usr/lib/chromium/chromium; skipped")
        write_summary(args.summary, "bench_browser", [Row("browser benchmark", "skipped",
                                                          "-", "-", "-")])
        return
    from playwright.sync_api import sync_playwright

    presses = args.presses or (8 if args.quick else 50)
    steps = args.scroll_steps or (30 if args.quick else 300)
    args.grid_count = args.grid_count or (10_000 if args.quick else 100_000)
    photo = make_photo(args.folder / "photos" / "24mp-noisy.jpg", 24, noisy=True)
    set_root = make_captioned_set(args.folder / f"set{args.grid_count}", args.grid_count)
    base = Path(tempfile.mkdtemp(prefix="ltw-browser-bench-"))
    server = JupyterServer(base / "jupyter")
    rows: list[Row] = []
    notes: list[str] = []
    try:
        server.start()
        workdir = server.root_dir / "bench"
        names = [f"img{n:03d}.jpg" for n in range(presses + 10)]

        def folder(name: str, unique: bool = False) -> Path:
            """The photo under every name: hard links (our previews are cached by name), or
            copies made unique by a few bytes after the JPEG's end (a Bytes trait is not synced
            again when its new value equals the old one, so the plain viewer needs them)."""
            target = workdir / name
            target.mkdir(parents=True)
            data = photo.read_bytes()
            for image in names:
                if unique:
                    (target / image).write_bytes(data + f"ltw-bench {image}".encode())
                    continue
                try:
                    (target / image).hardlink_to(photo)
                except OSError:
                    shutil.copy(photo, target / image)
            return target

        with sync_playwright() as playwright:
            browser = launch_browser(playwright, base / "chromium-home")
            context = browser.new_context(viewport={"width": 1532, "height": 920},
                                          device_scale_factor=2, service_workers="block")
            context.route(NOT_LOCAL, lambda route: route.abort())
            page = context.new_page()
            page.on("dialog", lambda d: d.accept())
            lab = Lab(page, server, workdir, timeout=180)
            lab.open_and_run("bench", [SETUP_CELL])
            bench = Bench(lab, page, presses, 1.0 if args.quick else 2.0)
            results: dict[tuple[str, str, bool], Result] = {}
            plain_folder = folder("plain", unique=True)  # no cache: both paces can share it
            for pace, interval, held in (("person", PERSON, False), ("held", HELD, True)):
                for prefetch in (True, False):
                    target = folder(f"{pace}-prefetch-{'on' if prefetch else 'off'}")
                    results[("ours", pace, prefetch)] = bench.scenario(
                        f"ours, prefetch {'on' if prefetch else 'off'}",
                        f"TaggerWidget({str(target)!r}, prefetch={prefetch}, autosave=False)",
                        target, names, ".ltw-root img.ltw-img", ".ltw-root", interval, held)
                    box = bench.box
                results[("plain", pace, False)] = bench.scenario(
                    "plain viewer", f"PlainViewer({str(plain_folder)!r})", plain_folder, names,
                    ".plain-root img.plain-img", ".plain-root", interval, held)
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            grid_rows, grid_notes = grid_heap(lab, page, cdp, set_root, args.grid_count,
                                              steps)
            context.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)

    for pace in ("person", "held"):
        plain = results[("plain", pace, False)]
        for prefetch in (True, False):
            ours = results[("ours", pace, prefetch)]
            if pace == "person" and prefetch:
                target, ok = "p95 < 50 ms", ours.p(95) < 50
            else:
                target, ok = "-", None
            rows.append(Row(f"Next, {pace} pace ({presses} presses), {ours.label}: p50",
                            fmt(ours.p(50)), f"plain {fmt(plain.p(50))}",
                            f"plain/ours {plain.p(50) / ours.p(50):.1f}", "-"))
            rows.append(Row("  p95", fmt(ours.p(95)), f"plain {fmt(plain.p(95))}",
                            f"plain/ours {plain.p(95) / ours.p(95):.1f}",
                            target if pace == "person" else "-",
                            "" if ok is None else ("met" if ok else "MISSED")))
            if pace == "person" and prefetch:
                fast = plain.p(95) / ours.p(95) >= 10 and plain.p(50) / ours.p(50) >= 10
                rows.append(Row("  vs plain viewer (p50 and p95)", "", "", "",
                                ">= 10x faster", "met" if fast else "MISSED"))
            if pace == "held":
                good = ours.landed and ours.stale == 0 and ours.python_index == presses
                rows.append(Row(f"  landed on the last image ({names[presses]})",
                                "yes" if ours.landed else "NO",
                                f"plain {'yes' if plain.landed else 'NO'}",
                                f"{fmt(ours.land_after)} after the last press"
                                f" (plain {fmt(plain.land_after)})",
                                "never stale", "met" if good else "MISSED"))
                rows.append(Row("  stale paints / images skipped", f"{ours.stale} / {ours.skipped}",
                                f"plain {plain.stale} / {plain.skipped}", "-", "0 stale",
                                "met" if ours.stale == 0 else "MISSED"))
    on = results[("ours", "person", True)]
    off = results[("ours", "person", False)]
    honoured = off.previews_before < on.previews_before
    rows.append(Row("previews made before the first press, prefetch on / off",
                    f"{on.previews_before} / {off.previews_before}", "-", "-",
                    "off makes 1", "met" if off.previews_before == 1 else "MISSED"))
    rows.extend(grid_rows)
    notes.append(f"preview pane {box['width']:.0f}x{box['height']:.0f} CSS px at DPR"
                 f" {box['dpr']} (box {box['width'] * box['dpr']:.0f}x"
                 f"{box['height'] * box['dpr']:.0f} device px); {presses} presses per scenario;"
                 " each scenario of ours on fresh names (cold cache)")
    for key, result in results.items():
        if result.recorded != presses or result.missing:
            notes.append(f"{key}: the page saw {result.recorded} of {presses} presses;"
                         f" {result.missing} images never painted")
    for prefetch in (True, False):
        ours = results[("ours", "person", prefetch)]
        if ours.named:
            notes.append(
                f"person pace, prefetch {'on' if prefetch else 'off'}: press -> the view shows"
                f" the new name (kernel round trip, + the fetch if not prefetched): p50"
                f" {fmt(percentile(ours.named, 50))}, p95 {fmt(percentile(ours.named, 95))};"
                " the rest is the browser decoding the preview and the next frame")
    if not honoured:
        notes.append("prefetch=False made no difference: the front end does not read the"
                     " `prefetch` trait yet (it still asks for the neighbours)")
    notes.extend(grid_notes)
    print_table("bench_browser: JupyterLab + headless Chromium", rows, notes)
    write_summary(args.summary, "bench_browser", rows)


if __name__ == "__main__":
    main()
