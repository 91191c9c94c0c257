// The one progress bar every long job shows (scan, export, checks, auto-tag, upload): a line of
// text over a track, determinate when the total is known, else a sliding indeterminate bar.
// Its looks are the `.ltw-progressbar` rules of widget.css.

import { h, attr, setText } from "./dom.js";

/**
 * Where a bar at `done` of `total` stands: the ARIA values and the filled width, or null when the
 * total is unknown (zero, negative or not a number) and the bar is indeterminate.
 * @param {number} done
 * @param {number} total
 * @returns {{ now: number, max: number, width: string } | null}
 */
export function progressValues(done, total) {
  if (!(Number.isFinite(total) && total > 0)) return null;
  const now = Math.min(Math.max(Number.isFinite(done) ? done : 0, 0), total);
  return { now, max: total, width: `${((100 * now) / total).toFixed(1)}%` };
}

/**
 * A progressbar named `label` (its accessible name), hidden until shown.
 *   el: the element (role "progressbar"); its `hidden` is the caller's to set;
 *   show({ done, total, text }): at `done` of `total` (indeterminate without a total, as a scan
 *     that does not know how many it will find), `text` shown and its aria-valuetext;
 *   say(text): new text, the bar where it was.
 * @param {string} label
 * @param {string} [className]  the owner's class, for its layout
 */
export function createProgressBar(label, className = "") {
  const text = h("span", { class: "ltw-progressbar-text" });
  const fill = h("div", { class: "ltw-progressbar-fill" });
  const el = h("div", {
    class: `ltw-progressbar ${className}`.trim(), role: "progressbar", "aria-label": label, "aria-valuemin": "0",
    hidden: true,
  }, text, h("div", { class: "ltw-progressbar-track", "aria-hidden": "true" }, fill));

  function say(line) {
    setText(text, line);
    attr(el, "aria-valuetext", line || null);
  }

  /** @param {{ done?: number, total?: number, text: string }} at */
  function show({ done, total, text: line }) {
    say(line);
    const at = progressValues(done, total);
    attr(el, "aria-valuemax", at && String(at.max));
    attr(el, "aria-valuenow", at && String(at.now));
    fill.style.width = at ? at.width : "";
    el.classList.toggle("is-indeterminate", !at);
  }

  return { el, show, say };
}
