// The line under the current image's tags that says its caption differs from the original (what
// the caption file held before this tool first changed it), with a button that restores it
// (Shift+R). Restoring many images is the batch panel's "Restore original captions".

import "./original.css";
import { h } from "../lib/dom.js";
import { obj } from "../lib/format.js";

/**
 * How the line shows for the image shown (`_current`), or the grid: { hidden, disabled, title }.
 * It shows only on one image whose caption (saved or not) differs from its original; the button
 * is off while the caption cannot be edited.
 */
export function originalLine(current, grid) {
  const cur = obj(current);
  const hidden = !!grid || !cur.id || !cur.original_differs;
  const locked = cur.editable === false;
  return {
    hidden,
    disabled: hidden || locked,
    title: locked ? "This caption cannot be edited now"
      : "Give this image the caption it had before this tool changed it (Shift+R); Ctrl+Z undoes it",
  };
}

/**
 * createOriginal({ onRestore }) -> { el, button, update(current, grid), dispose() }
 *   onRestore(): restore the current image's original caption.
 */
export function createOriginal({ onRestore }) {
  const button = h("button", {
    type: "button", class: "ltw-btn ltw-original-restore", text: "Restore original",
    "aria-label": "Restore original caption", "aria-keyshortcuts": "Shift+R", onclick: () => onRestore(),
  });
  const el = h("p", { class: "ltw-original", hidden: true },
    h("span", { class: "ltw-original-note", text: "Changed from the original caption" }), button);

  function update(current, grid) {
    const look = originalLine(current, grid);
    el.hidden = look.hidden;
    button.disabled = look.disabled;
    button.title = look.title;
  }

  return { el, button, update, dispose: () => el.remove() };
}
