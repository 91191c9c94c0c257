// What the panels below the editor share (All tags, Checks, Export, Plots; Batch edit for its
// keys): the toggle that opens and closes a panel, its open or closed look, Escape and the plain
// keys inside an open panel, and the data a panel asks Python for only while it is open.

import "./panel.css";
import { h, attr } from "../lib/dom.js";
import { createRefresher } from "../lib/latest.js";

export const FETCH_DELAY_MS = 300;

/** The button that opens and closes a panel (class "ltw-panel-toggle" and the panel's own). */
export function panelToggle(className, bodyId, text) {
  return h("button", {
    type: "button", class: `ltw-btn ltw-panel-toggle ${className}`, "aria-expanded": "false", "aria-controls": bodyId, text,
  });
}

/** Show a panel open or closed: the toggle's aria-expanded and arrow, and the body. */
export function showOpen(toggle, body, open) {
  attr(toggle, "aria-expanded", open ? "true" : "false");
  toggle.classList.toggle("is-open", open);
  body.hidden = !open;
}

/**
 * A panel's open(): `setOpen(true)`, then the keyboard focus on its toggle, scrolled into view when
 * `scroll` (Escape then closes the panel and the focus stays there).
 * @param {(open: boolean) => void} setOpen
 * @param {HTMLElement} toggle
 */
export function openPanel(setOpen, toggle, { scroll = false } = {}) {
  setOpen(true);
  toggle.focus({ preventScroll: true });
  if (scroll && typeof toggle.scrollIntoView === "function") toggle.scrollIntoView({ block: "nearest" });
}

/**
 * Keys on an open panel `el`: Escape (no modifiers) calls close(), then focuses `refocus` when
 * given; the plain keys inside `body` (typing, buttons, arrows in radio groups, Space on
 * checkboxes) are the panel's, not the widget's shortcuts nor the notebook's. Ctrl/Cmd
 * combinations (Ctrl+S, Ctrl+Z) go on to the widget.
 */
export function panelKeys(el, { body = el, isOpen, close, refocus = null }) {
  el.addEventListener("keydown", (e) => {
    if (!isOpen()) return; // the toggle alone: the widget's keys work on it
    if (e.key === "Escape" && !e.isComposing && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
      e.preventDefault();
      e.stopPropagation();
      close();
      if (refocus) refocus.focus({ preventScroll: true });
      return;
    }
    if (body.contains(e.target) && !e.ctrlKey && !e.metaKey) e.stopPropagation();
  });
}

/**
 * createPanelData({ fetch, onResult, onError, delayMs, timers }): a createRefresher for data a panel
 * shows only while it is open. It is stale until fetched, again after a failure (not a disposed
 * rpc's), and when a change or a refresh comes while the panel is closed.
 *   show(): the panel opened; ask now when stale or never loaded.
 *   hide(): the panel closed; drop what is pending (stale when an answer was still due).
 *   refresh(open) / changed(open): ask now / soon while open, else on the next show().
 *   now(), busy(), dispose() as the refresher's; loaded(): has a result come.
 * @param {{ fetch: () => any, onResult: (data: any) => void, onError: (err: any) => void,
 *   delayMs?: number, timers?: { setTimeout: Function, clearTimeout: Function } }} options
 */
export function createPanelData({ fetch, onResult, onError, delayMs, timers }) {
  let stale = true;
  let loaded = false;
  const fetcher = createRefresher({
    delayMs: delayMs ?? FETCH_DELAY_MS,
    timers,
    fetch: () => {
      stale = false;
      return fetch();
    },
    onResult: (value) => {
      loaded = true;
      onResult(value);
    },
    onError: (err) => {
      if (!(err && err.disposed)) stale = true;
      onError(err);
    },
  });
  return {
    show() {
      if (stale || !loaded) fetcher.now();
    },
    hide() {
      if (fetcher.busy()) stale = true;
      fetcher.cancel();
    },
    refresh(open) {
      if (open) fetcher.now();
      else stale = true;
    },
    changed(open) {
      if (open) fetcher.soon();
      else stale = true;
    },
    now: fetcher.now,
    busy: fetcher.busy,
    dispose: fetcher.dispose,
    loaded: () => loaded,
  };
}
