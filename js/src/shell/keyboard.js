// The widget's keydown, from the key to what it does: the grid's own keys first while the grid
// shows, then the widget's map (keys.js); what the widget handles, and what is typed in it, is
// kept from the notebook. Escape gives the focus back to the notebook.

import { isTextEntry, activeElement } from "../lib/dom.js";
import { resolveKey, keepFromNotebook } from "./keys.js";

/** Controls that use arrows and Space themselves (the size slider, inputs). */
function inControl(target) {
  return !!(target && target.closest && target.closest("input, select, textarea, [contenteditable]"));
}

/** @param {any} node  an element that may be able to lose the focus (HTML or SVG) */
function blur(node) {
  if (node && typeof node.blur === "function") node.blur();
}

/** Give the keyboard back to the notebook (its cell or the notebook itself), out of `root`. */
export function releaseFocus(root) {
  // marimo renders the widget in a shadow root: its cell is found from the shadow root's host.
  const outer = /** @type {ShadowRoot} */ (root.getRootNode()).host || root;
  const target = outer.closest(".jp-Notebook") || outer.closest(".jp-Cell") || outer.closest(".marimo-cell");
  const active = activeElement();
  if (target && typeof target.focus === "function") target.focus({ preventScroll: true });
  const inRoot = () => root.contains(activeElement());
  if (inRoot()) {
    blur(active);
    if (inRoot()) blur(activeElement());
  }
}

/**
 * Handle a keydown inside the widget's `root`.
 *   gridShown: the grid is the view; grid.handleKey(e, { onTile }) -> handled?
 *   dialog: { isOpen() }; listOpen: a suggestion list is open; zoomed, fullscreen: the image
 *   is zoomed in, the widget fills the screen;
 *   actions: { [action]: (resolved, chip) => void } for the actions of resolveKey (chip: the tag
 *   chip with the focus; for pin-slot a palette entry too).
 */
export function handleWidgetKey(e, { root, gridShown, grid, dialog, listOpen, zoomed = false, fullscreen = false, actions }) {
  const target = e.target;
  const inText = isTextEntry(target);
  if (gridShown && !e.isComposing && !dialog.isOpen() && !inControl(target)) {
    const onTile = target === root || !!(target.closest && target.closest(".ltw-tile"));
    if (grid.handleKey(e, { onTile })) {
      e.stopPropagation();
      e.preventDefault();
      return;
    }
  }
  const chip = !inText && target && target.closest ? target.closest(".ltw-chip") : null;
  const entry = !inText && target && target.closest ? target.closest(".ltw-pal-tag") : null;
  const selected = typeof getSelection === "function" ? String(getSelection() || "") : "";
  const r = e.isComposing ? null : resolveKey(e, {
    inText, onChip: !!chip, listOpen, dialogOpen: dialog.isOpen(), grid: gridShown, textSelected: selected.length > 0,
    zoomed, fullscreen,
  });
  if (keepFromNotebook(e, r, inText)) e.stopPropagation();
  if (!r) return;
  if (r.prevent) e.preventDefault();
  const run = Object.prototype.hasOwnProperty.call(actions, r.action) ? actions[r.action] : null;
  if (run) run(r, r.action === "pin-slot" ? chip || entry : chip);
}
