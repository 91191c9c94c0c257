// The thumbnail grid: a virtualised listbox of every image. Only the rows on screen (plus a few)
// exist in the DOM; item states come in `items` pages, thumbnails in `thumbs` batches for the
// visible tiles only, each batch tagged with a `group` that grows when the visible range changes.

import { h, setText } from "../lib/dom.js";
import {
  TILE_MIN, TILE_MAX, TILE_DEFAULT, clampTile, gridLayout, tilePosition, visibleRange, sameRange,
  revealScrollTop, rowsPerPage, thumbBox,
} from "../lib/virtual.js";
import { ItemPages } from "./items.js";
import { makeTile, paintTile, tileImage } from "./tiles.js";
import { ThumbStore, ThumbRequests } from "./thumbs.js";
import { createGridLoader } from "./loader.js";
import {
  normalizeSelection, isSelected, clickSelect, keySelect, sameSelection, selectionText,
} from "./selection.js";
import { resolveGridKey } from "../shell/keys.js";
import { isScanning } from "../shell/loading.js";


/**
 * createGrid({ request, status, setSelection, onOpen })
 *   request(type, fields, opts) -> Promise<{ reply, buffers }>   (the rpc; errors are handled here)
 *   status.show(message, level)                                  (the status line)
 *   setSelection(list)   the person changed the selection (sorted unique positions)
 *   onOpen(place)        open the image at this place (among the shown ones) in the single view
 * Returns { el, update(state), setOpen(on), focusCurrent(), handleKey(event, { onTile }), dispose() }.
 */
export function createGrid({ request, status, setSelection, onOpen }) {
  const pages = new ItemPages();
  const store = new ThumbStore();
  const reqs = new ThumbRequests();
  const loader = createGridLoader({
    request, status, pages, store, reqs,
    shown: () => (open && !disposed && range ? { range, box: thumbBox(tile, globalThis.devicePixelRatio || 1) } : null),
    onChange: () => scheduleRender(),
  });

  // ---- elements ------------------------------------------------------------------------------
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

  // ---- state ---------------------------------------------------------------------------------
  let open = false;
  let disposed = false;
  let scanning = false; // the folder's first scan is running: its progress line says so
  let tile = TILE_DEFAULT;
  let count = 0;
  let currentPlace = -1; // `_place`: the current image among the shown ones
  let selection = [];
  let selectionSource = null; // the trait value `selection` was read from
  let focusIndex = -1;
  let anchor = -1;
  let layout = gridLayout({ width: 0, tile, count: 0 });
  let range = null;
  let raf = 0;
  let pendingReveal = null; // { index, center } to apply at the next layout with a size
  const tiles = new Map(); // position -> element
  const pool = [];

  // ---- tiles ---------------------------------------------------------------------------------
  function fill(t, i, tabStop, box) {
    const item = pages.get(i);
    paintTile(t, {
      position: i, count, item, at: tilePosition(layout, i), selected: isSelected(selection, i),
      current: i === currentPlace, tabStop: i === tabStop, thumb: item ? store.get(item.id, box) : undefined,
    });
  }

  function tabStopFor(r) {
    if (focusIndex >= 0 && focusIndex < count && tiles.has(focusIndex)) return focusIndex;
    if (focusIndex >= 0 && focusIndex < count && focusIndex >= r.start && focusIndex < r.end) return focusIndex;
    return r.visibleStart < r.visibleEnd ? r.visibleStart : -1;
  }

  function render() {
    if (raf) {
      cancelAnimationFrame(raf);
      raf = 0;
    }
    if (!open || disposed) return;
    const width = scroller.clientWidth;
    const viewport = scroller.clientHeight;
    if (!(width > 0 && viewport > 0) && count > 0) return; // not laid out (hidden for a moment)
    layout = gridLayout({ width, tile, count });
    canvas.style.height = `${layout.totalHeight}px`;
    canvas.style.setProperty("--ltw-tile", `${layout.tileWidth}px`);
    empty.hidden = count > 0 || scanning;
    if (pendingReveal && width > 0 && viewport > 0) {
      const top = revealScrollTop(layout, pendingReveal.index, scroller.scrollTop, viewport,
        { center: pendingReveal.center });
      pendingReveal = null;
      if (top !== null) scroller.scrollTop = top;
    }
    const r = visibleRange(layout, scroller.scrollTop, viewport);
    const moved = !sameRange(r, range);
    range = r;
    const active = document.activeElement;
    for (const [i, t] of tiles) {
      const keep = i < count && active && t.contains(active); // never pull the focus out from under it
      if ((i < r.start || i >= r.end) && !keep) {
        t.remove();
        tiles.delete(i);
        pool.push(t);
      }
    }
    const box = thumbBox(tile, globalThis.devicePixelRatio || 1);
    const tabStop = tabStopFor(r);
    for (let i = r.start; i < r.end; i += 1) {
      let t = tiles.get(i);
      if (!t) {
        t = pool.pop() || makeTile();
        tiles.set(i, t);
        canvas.append(t);
      }
      fill(t, i, tabStop, box);
    }
    for (const [i, t] of tiles) if (i < r.start || i >= r.end) fill(t, i, tabStop, box);
    if (pool.length > 200) pool.length = 200;
    loader.askPages(r.start, r.end);
    if (moved) {
      reqs.nextGroup();
      loader.scheduleThumbs();
    }
  }

  function scheduleRender() {
    if (raf || !open || disposed) return;
    raf = requestAnimationFrame(() => {
      raf = 0;
      render();
    });
  }

  // ---- selection, focus, opening ---------------------------------------------------------------
  function commitSelection(next) {
    if (sameSelection(next, selection)) return;
    selection = next;
    selectionSource = next;
    setSelection(next);
    showSummary();
    render();
  }

  function showSummary() {
    const text = selectionText(selection.length);
    setText(summary, text || `${count.toLocaleString("en-US")} image${count === 1 ? "" : "s"}`);
    clear.hidden = selection.length === 0;
  }

  function focusTile(i, { center = false } = {}) {
    if (!(i >= 0 && i < count)) return;
    focusIndex = i;
    const viewport = scroller.clientHeight;
    const top = revealScrollTop(layout, i, scroller.scrollTop, viewport, { center });
    if (top !== null) scroller.scrollTop = top;
    render();
    const t = tiles.get(i);
    if (t) t.focus({ preventScroll: true });
  }

  function tileOf(target) {
    const t = target && target.closest ? target.closest(".ltw-tile") : null;
    if (!t || !canvas.contains(t)) return null;
    const i = Number(t.dataset.index);
    return Number.isInteger(i) && i >= 0 && i < count ? i : null;
  }

  function handleKey(e, { onTile = false } = {}) {
    if (!open) return false;
    const a = resolveGridKey(e, { hasSelection: selection.length > 0, onTile });
    if (!a) return false;
    if (count === 0) return a.action !== "clear";
    const tileFocused = tileOf(document.activeElement) !== null;
    if (a.action === "move" && !tileFocused) {
      // Into the grid: the first arrow puts the focus on the remembered tile (or the current image's).
      focusTile(focusIndex >= 0 && focusIndex < count ? focusIndex : Math.max(0, currentPlace));
      return true;
    }
    const page = rowsPerPage(layout, scroller.clientHeight) * layout.columns;
    const r = keySelect({ selection, anchor, focus: focusIndex }, a, { columns: layout.columns, count, page });
    anchor = r.anchor;
    const moved = r.focus !== focusIndex;
    focusIndex = r.focus;
    commitSelection(r.selection);
    if (r.open) openImage(r.focus);
    else if (moved || a.action === "move") focusTile(focusIndex);
    else render();
    return true;
  }

  function openImage(i) {
    focusIndex = i;
    onOpen(i);
  }

  canvas.addEventListener("click", (e) => {
    const i = tileOf(e.target);
    if (i === null) return;
    const r = clickSelect({ selection, anchor, index: i, shift: e.shiftKey, mod: e.ctrlKey || e.metaKey });
    focusIndex = i;
    anchor = r.anchor;
    if (r.open) openImage(i);
    else commitSelection(r.selection);
  });
  canvas.addEventListener("mousedown", (e) => {
    if (e.shiftKey) e.preventDefault(); // no text selection on Shift-click; focus is set below
    const i = tileOf(e.target);
    if (i !== null && e.shiftKey) tiles.get(i)?.focus({ preventScroll: true });
  });
  canvas.addEventListener("focusin", (e) => {
    const i = tileOf(e.target);
    if (i === null || i === focusIndex) return;
    focusIndex = i;
    scheduleRender();
  });
  scroller.addEventListener("scroll", scheduleRender, { passive: true });
  clear.addEventListener("click", () => commitSelection([]));
  size.addEventListener("input", () => {
    const keep = range ? range.visibleStart : 0;
    tile = clampTile(Number(size.value));
    layout = gridLayout({ width: scroller.clientWidth, tile, count });
    const { y } = tilePosition(layout, keep);
    render();
    scroller.scrollTop = Math.max(0, y - layout.gap);
    render();
  });
  const ro = typeof ResizeObserver === "function" ? new ResizeObserver(() => scheduleRender()) : null;
  if (ro) ro.observe(scroller);

  // ---- model -> view -------------------------------------------------------------------------
  /** @param {import("../lib/model.js").ViewState} state */
  function update(state) {
    const n = Number.isInteger(state._shown_count) && state._shown_count > 0 ? state._shown_count : 0;
    if (n !== count) {
      count = n;
      pages.reset(count);
      selectionSource = null;
      if (focusIndex >= count) focusIndex = count - 1;
      if (anchor >= count) anchor = -1;
    }
    pages.setVersion(state.items_version);
    scanning = isScanning(state.loading);
    currentPlace = Number.isInteger(state._place) ? state._place : -1;
    if (state._shown_selection !== selectionSource) {
      selectionSource = state._shown_selection;
      selection = normalizeSelection(state._shown_selection, count);
    }
    showSummary();
    render();
  }

  /** Show or hide the grid; on opening, the current image's tile is scrolled into view. */
  function setOpen(on) {
    if (on === open) return;
    open = on;
    el.hidden = !on;
    if (!on) {
      if (raf) cancelAnimationFrame(raf);
      raf = 0;
      return;
    }
    range = null;
    if (currentPlace >= 0 && currentPlace < count) {
      focusIndex = currentPlace;
      anchor = anchor >= 0 ? anchor : currentPlace;
      pendingReveal = { index: currentPlace, center: true };
    }
    render();
  }

  /** Put the keyboard focus on the current image's tile (or the remembered one). */
  function focusCurrent() {
    const i = focusIndex >= 0 && focusIndex < count ? focusIndex : Math.max(0, currentPlace);
    if (count > 0) focusTile(i);
  }

  function dispose() {
    disposed = true;
    if (raf) cancelAnimationFrame(raf);
    loader.dispose();
    if (ro) ro.disconnect();
    for (const t of tiles.values()) tileImage(t).removeAttribute("src");
    store.clear();
    reqs.clear();
  }

  return { el, update, setOpen, focusCurrent, handleKey, dispose, store };
}
