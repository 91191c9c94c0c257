// The thumbnail grid: a virtualised listbox of every image. Only the rows on screen (plus a few)
// exist in the DOM; item states come in `items` pages, thumbnails in `thumbs` batches for the
// visible tiles only, each batch tagged with a `group` that grows when the visible range changes.

import { h, setText, activeElement } from "../lib/dom.js";
import {
  TILE_MIN, TILE_MAX, TILE_DEFAULT, clampTile, gridLayout, tilePosition, visibleRange, sameRange,
  revealScrollTop, rowsPerPage, thumbBox,
} from "../lib/virtual.js";
import { ItemPages } from "./items.js";
import { makeTile, paintTile, tileImage } from "./tiles.js";
import { ThumbStore, ThumbRequests } from "./thumbs.js";
import { createGridLoader } from "./loader.js";
import {
  normalizeSelection, isSelected, clickSelect, keySelect, sameSelection, selectionText, tabStop, homeTile,
} from "./selection.js";
import { resolveGridKey } from "../shell/keys.js";
import { isScanning } from "../shell/loading.js";

/** The grid's elements: the bar (size slider, summary, "Clear selection") over the scrolled listbox. */
function gridElements() {
  const size = h("input", {
    type: "range", class: "ltw-grid-size", min: String(TILE_MIN), max: String(TILE_MAX), step: "16",
    value: String(TILE_DEFAULT), "aria-label": "Thumbnail size",
  });
  const summary = h("span", { class: "ltw-grid-summary", role: "status", "aria-live": "polite" });
  const clear = h("button", {
    type: "button", class: "ltw-btn", text: "Clear selection", hidden: true, "data-fkey": "grid-clear",
  });
  const bar = h("div", { class: "ltw-grid-bar" },
    h("label", { class: "ltw-grid-size-label" }, h("span", { class: "ltw-muted", text: "Size" }), size),
    summary, clear);
  const canvas = h("div", {
    class: "ltw-grid", role: "listbox", "aria-multiselectable": "true", "aria-label": "Images",
  });
  const empty = h("p", { class: "ltw-grid-empty", text: "No images to show", hidden: true });
  const scroller = h("div", { class: "ltw-grid-scroll" }, canvas, empty);
  const el = h("section", { class: "ltw-grid-view", "aria-label": "Thumbnail grid", hidden: true }, bar, scroller);
  return { el, size, summary, clear, canvas, empty, scroller };
}

/** What the grid knows now, shared by its parts. */
function gridState() {
  return {
    open: false,
    disposed: false,
    scanning: false, // the folder's first scan is running: its progress line says so
    tile: TILE_DEFAULT,
    count: 0,
    currentPlace: -1, // `_place`: the current image among the shown ones
    selection: /** @type {number[]} */ ([]),
    selectionSource: /** @type {number[] | null} */ (null), // the trait value `selection` was read from
    focusIndex: -1,
    anchor: -1,
    layout: gridLayout({ width: 0, tile: TILE_DEFAULT, count: 0 }),
    range: /** @type {ReturnType<typeof visibleRange> | null} */ (null),
    /** @type {{ index: number, center: boolean } | null} */
    pendingReveal: null, // to apply at the next layout with a size
  };
}

/**
 * The tiles in the DOM: those of the visible range (plus the focused one), painted from the grid's
 * state; tiles that scroll away go to a pool for reuse.
 * @param {ReturnType<typeof gridElements>} ui
 * @param {ReturnType<typeof gridState>} s
 * @param {{ pages: ItemPages, store: ThumbStore }} data
 */
function createTileLayer({ canvas }, s, { pages, store }) {
  const tiles = new Map(); // position -> element
  const pool = [];
  function fill(t, i, stop, box) {
    const item = pages.get(i);
    paintTile(t, {
      position: i, count: s.count, item, at: tilePosition(s.layout, i), selected: isSelected(s.selection, i),
      current: i === s.currentPlace, tabStop: i === stop, thumb: item ? store.get(item.id, box) : undefined,
    });
  }
  /** Show the tiles of range `r`, drop the others but the one holding the focus, paint them all. */
  function show(r) {
    const active = activeElement();
    for (const [i, t] of tiles) {
      const keep = i < s.count && active && t.contains(active); // never pull the focus out from under it
      if ((i < r.start || i >= r.end) && !keep) {
        t.remove();
        tiles.delete(i);
        pool.push(t);
      }
    }
    const box = thumbBox(s.tile, globalThis.devicePixelRatio || 1);
    const stop = tabStop({ focus: s.focusIndex, count: s.count, range: r, shown: tiles.has(s.focusIndex) });
    for (let i = r.start; i < r.end; i += 1) {
      let t = tiles.get(i);
      if (!t) {
        t = pool.pop() || makeTile();
        tiles.set(i, t);
        canvas.append(t);
      }
      fill(t, i, stop, box);
    }
    for (const [i, t] of tiles) if (i < r.start || i >= r.end) fill(t, i, stop, box);
    if (pool.length > 200) pool.length = 200;
  }
  return { show, get: (i) => tiles.get(i), all: () => tiles.values() };
}

/**
 * Lay the grid out and draw its tiles now (render) or at the next frame (schedule); ask for the
 * pages and thumbnails it shows.
 * @param {ReturnType<typeof gridElements>} ui
 * @param {ReturnType<typeof gridState>} s
 * @param {{ tiles: ReturnType<typeof createTileLayer>, loader: ReturnType<typeof createGridLoader>,
 *   reqs: ThumbRequests }} parts
 */
function createPainter(ui, s, { tiles, loader, reqs }) {
  const { canvas, empty, scroller } = ui;
  let raf = 0;
  function cancel() {
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
  }
  function render() {
    cancel();
    if (!s.open || s.disposed) return;
    const width = scroller.clientWidth;
    const viewport = scroller.clientHeight;
    if (!(width > 0 && viewport > 0) && s.count > 0) return; // not laid out (hidden for a moment)
    s.layout = gridLayout({ width, tile: s.tile, count: s.count });
    canvas.style.height = `${s.layout.totalHeight}px`;
    canvas.style.setProperty("--ltw-tile", `${s.layout.tileWidth}px`);
    empty.hidden = s.count > 0 || s.scanning;
    if (s.pendingReveal && width > 0 && viewport > 0) {
      const top = revealScrollTop(s.layout, s.pendingReveal.index, scroller.scrollTop, viewport,
        { center: s.pendingReveal.center });
      s.pendingReveal = null;
      if (top !== null) scroller.scrollTop = top;
    }
    const r = visibleRange(s.layout, scroller.scrollTop, viewport);
    const moved = !sameRange(r, s.range);
    s.range = r;
    tiles.show(r);
    loader.askPages(r.start, r.end);
    if (moved) {
      reqs.nextGroup();
      loader.scheduleThumbs();
    }
  }
  function schedule() {
    if (raf || !s.open || s.disposed) return;
    raf = requestAnimationFrame(() => {
      raf = 0;
      render();
    });
  }
  return { render, schedule, cancel };
}

/**
 * The selection, the keyboard focus among the tiles, and opening an image.
 * @param {ReturnType<typeof gridElements>} ui
 * @param {ReturnType<typeof gridState>} s
 * @param {{ tiles: ReturnType<typeof createTileLayer>, painter: ReturnType<typeof createPainter>,
 *   setSelection: (list: number[]) => void, onOpen: (place: number) => void }} parts
 */
function createFocus(ui, s, { tiles, painter, setSelection, onOpen }) {
  const { summary, clear, canvas, scroller } = ui;
  function showSummary() {
    const text = selectionText(s.selection.length);
    setText(summary, text || `${s.count.toLocaleString("en-US")} image${s.count === 1 ? "" : "s"}`);
    clear.hidden = s.selection.length === 0;
  }
  function commitSelection(next) {
    if (sameSelection(next, s.selection)) return;
    s.selection = next;
    s.selectionSource = next;
    setSelection(next);
    showSummary();
    painter.render();
  }
  function focusTile(i, { center = false } = {}) {
    if (!(i >= 0 && i < s.count)) return;
    s.focusIndex = i;
    const top = revealScrollTop(s.layout, i, scroller.scrollTop, scroller.clientHeight, { center });
    if (top !== null) scroller.scrollTop = top;
    painter.render();
    const t = tiles.get(i);
    if (t) t.focus({ preventScroll: true });
  }
  function tileOf(target) {
    const t = target && target.closest ? target.closest(".ltw-tile") : null;
    if (!t || !canvas.contains(t)) return null;
    const i = Number(t.dataset.index);
    return Number.isInteger(i) && i >= 0 && i < s.count ? i : null;
  }
  function openImage(i) {
    s.focusIndex = i;
    onOpen(i);
  }
  function handleKey(e, { onTile = false } = {}) {
    if (!s.open) return false;
    const a = resolveGridKey(e, { hasSelection: s.selection.length > 0, onTile });
    if (!a) return false;
    if (s.count === 0) return a.action !== "clear";
    if (a.action === "move" && tileOf(activeElement()) === null) {
      // Into the grid: the first arrow puts the focus on the remembered tile (or the current image's).
      focusTile(homeTile(s.focusIndex, s.currentPlace, s.count));
      return true;
    }
    const page = rowsPerPage(s.layout, scroller.clientHeight) * s.layout.columns;
    const r = keySelect({ selection: s.selection, anchor: s.anchor, focus: s.focusIndex }, a,
      { columns: s.layout.columns, count: s.count, page });
    s.anchor = r.anchor;
    const moved = r.focus !== s.focusIndex;
    s.focusIndex = r.focus;
    commitSelection(r.selection);
    if (r.open) openImage(r.focus);
    else if (moved || a.action === "move") focusTile(s.focusIndex);
    else painter.render();
    return true;
  }
  return { showSummary, commitSelection, focusTile, tileOf, openImage, handleKey };
}

/**
 * The mouse, scrolling, the size slider and resizing; returns the resize observer's disconnect.
 * @param {ReturnType<typeof gridElements>} ui
 * @param {ReturnType<typeof gridState>} s
 * @param {{ tiles: ReturnType<typeof createTileLayer>, painter: ReturnType<typeof createPainter>,
 *   focus: ReturnType<typeof createFocus> }} parts
 */
function wireGridEvents(ui, s, { tiles, painter, focus }) {
  const { canvas, scroller, clear, size } = ui;
  canvas.addEventListener("click", (e) => {
    const i = focus.tileOf(e.target);
    if (i === null) return;
    const r = clickSelect({ selection: s.selection, anchor: s.anchor, index: i, shift: e.shiftKey, mod: e.ctrlKey || e.metaKey });
    s.focusIndex = i;
    s.anchor = r.anchor;
    if (r.open) focus.openImage(i);
    else focus.commitSelection(r.selection);
  });
  canvas.addEventListener("mousedown", (e) => {
    if (e.shiftKey) e.preventDefault(); // no text selection on Shift-click; focus is set below
    const i = focus.tileOf(e.target);
    if (i !== null && e.shiftKey) tiles.get(i)?.focus({ preventScroll: true });
  });
  canvas.addEventListener("focusin", (e) => {
    const i = focus.tileOf(e.target);
    if (i === null || i === s.focusIndex) return;
    s.focusIndex = i;
    painter.schedule();
  });
  scroller.addEventListener("scroll", painter.schedule, { passive: true });
  clear.addEventListener("click", () => focus.commitSelection([]));
  size.addEventListener("input", () => {
    const keep = s.range ? s.range.visibleStart : 0;
    s.tile = clampTile(Number(size.value));
    s.layout = gridLayout({ width: scroller.clientWidth, tile: s.tile, count: s.count });
    const { y } = tilePosition(s.layout, keep);
    painter.render();
    scroller.scrollTop = Math.max(0, y - s.layout.gap);
    painter.render();
  });
  const ro = typeof ResizeObserver === "function" ? new ResizeObserver(() => painter.schedule()) : null;
  if (ro) ro.observe(scroller);
  return () => ro?.disconnect();
}

/**
 * createGrid({ request, status, setSelection, onOpen })
 *   request(type, fields, opts) -> Promise<{ reply, buffers }>   (the rpc; errors are handled here)
 *   status.show(message, level)                                  (the status line)
 *   setSelection(list)   the person changed the selection (sorted unique positions)
 *   onOpen(place)        open the image at this place (among the shown ones) in the single view
 * Returns { el, update(state), setOpen(on), focusCurrent(), handleKey(event, { onTile }), dispose() }.
 */
export function createGrid({ request, status, setSelection, onOpen }) {
  const ui = gridElements();
  const s = gridState();
  const pages = new ItemPages();
  const store = new ThumbStore();
  const reqs = new ThumbRequests();
  const loader = createGridLoader({
    request, status, pages, store, reqs,
    shown: () => (s.open && !s.disposed && s.range ? { range: s.range, box: thumbBox(s.tile, globalThis.devicePixelRatio || 1) } : null),
    onChange: () => painter.schedule(),
  });
  const tiles = createTileLayer(ui, s, { pages, store });
  const painter = createPainter(ui, s, { tiles, loader, reqs });
  const focus = createFocus(ui, s, { tiles, painter, setSelection, onOpen });
  const disconnect = wireGridEvents(ui, s, { tiles, painter, focus });

  /** @param {import("../lib/model.js").ViewState} state */
  function update(state) {
    const n = Number.isInteger(state._shown_count) && state._shown_count > 0 ? state._shown_count : 0;
    if (n !== s.count) {
      s.count = n;
      pages.reset(n);
      s.selectionSource = null;
      if (s.focusIndex >= n) s.focusIndex = n - 1;
      if (s.anchor >= n) s.anchor = -1;
    }
    pages.setVersion(state.items_version);
    s.scanning = isScanning(state.loading);
    s.currentPlace = Number.isInteger(state._place) ? state._place : -1;
    if (state._shown_selection !== s.selectionSource) {
      s.selectionSource = state._shown_selection;
      s.selection = normalizeSelection(state._shown_selection, s.count);
    }
    focus.showSummary();
    painter.render();
  }

  /** Show or hide the grid; on opening, the current image's tile is scrolled into view. */
  function setOpen(on) {
    if (on === s.open) return;
    s.open = on;
    ui.el.hidden = !on;
    if (!on) {
      painter.cancel();
      return;
    }
    s.range = null;
    if (s.currentPlace >= 0 && s.currentPlace < s.count) {
      s.focusIndex = s.currentPlace;
      s.anchor = s.anchor >= 0 ? s.anchor : s.currentPlace;
      s.pendingReveal = { index: s.currentPlace, center: true };
    }
    painter.render();
  }

  /** Put the keyboard focus on the current image's tile (or the remembered one). */
  function focusCurrent() {
    if (s.count > 0) focus.focusTile(homeTile(s.focusIndex, s.currentPlace, s.count));
  }

  function dispose() {
    s.disposed = true;
    painter.cancel();
    loader.dispose();
    disconnect();
    for (const t of tiles.all()) tileImage(t).removeAttribute("src");
    store.clear();
    reqs.clear();
  }

  return { el: ui.el, update, setOpen, focusCurrent, handleKey: focus.handleKey, dispose, store };
}
