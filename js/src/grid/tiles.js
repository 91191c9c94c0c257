// One tile of the thumbnail grid: made once, then painted again and again as the person scrolls
// (tiles are reused for other places). Painting touches the DOM only where something changed.

import { h, attr, setText } from "../lib/dom.js";
import { stateWords, TAGGED, REVIEWED, FLAGGED, UNSAVED } from "./items.js";

/** The accessible name of a tile: "img12.jpg, tagged, reviewed" (+ ", current image"). */
export function tileLabel(item, position, current) {
  if (!item) return `Image ${position + 1}, loading`;
  const words = [item.name, ...stateWords(item.state)];
  if (current) words.push("current image");
  return words.join(", ");
}

/** The marks a tile shows for state bits: [class, text, title] for reviewed, flagged, unsaved. */
export function tileMarks(state) {
  const want = [];
  if (state & REVIEWED) want.push(["is-reviewed", "✓", "Reviewed"]);
  if (state & FLAGGED) want.push(["is-flagged", "!", "Flagged"]);
  if (state & UNSAVED) want.push(["is-unsaved", "●", "Unsaved"]);
  return want;
}

export const NAME_TAIL = 6; // characters of the name before its extension kept past an ellipsis

/** A file name as [head, tail]: the tail (the last NAME_TAIL characters before the extension,
 *  and the extension) always shows and the head is cut with an ellipsis where the tile is too
 *  narrow, so names that start alike are told apart by their ends. */
export function splitName(name) {
  const chars = Array.from(typeof name === "string" ? name : "");
  const dot = chars.lastIndexOf(".");
  const ext = dot > 0 ? chars.length - dot : 0;
  const cut = Math.max(0, chars.length - ext - NAME_TAIL);
  return cut < 4 ? [chars.join(""), ""] : [chars.slice(0, cut).join(""), chars.slice(cut).join("")];
}

/** A new, empty tile (an option of the grid's listbox). */
export function makeTile() {
  const img = h("img", { class: "ltw-thumb-img", alt: "", draggable: false, decoding: "async", hidden: true });
  const ph = h("span", { class: "ltw-thumb-ph" });
  const head = h("span", { class: "ltw-tile-name-head" });
  const tail = h("span", { class: "ltw-tile-name-tail" });
  const name = h("span", { class: "ltw-tile-name" }, head, tail);
  const dot = h("span", { class: "ltw-tile-dot", "aria-hidden": "true" });
  const marks = h("span", { class: "ltw-tile-marks", "aria-hidden": "true" });
  const check = h("span", { class: "ltw-tile-check", "aria-hidden": "true", text: "✓" });
  const t = h("div", { class: "ltw-tile", role: "option", tabindex: "-1", "aria-selected": "false" },
    h("div", { class: "ltw-thumb" }, img, ph, marks, check),
    h("div", { class: "ltw-tile-label" }, dot, name));
  tileParts.set(t, { img, ph, head, tail, marks, id: null, url: null, label: null, state: null });
  return t;
}

/** What each tile holds besides its element: its parts and what they show now. */
const tileParts = new WeakMap();

/** A tile's <img> (to let go of its thumbnail when the grid goes). */
export function tileImage(t) {
  return tileParts.get(t).img;
}

/**
 * Paint tile `t` for the image at `position`:
 * { position, count, item ({ id, name, state } or undefined while its page is not here), at ({ x, y }),
 *   selected, current, tabStop (the one tile Tab reaches), thumb ({ url } or { error } or undefined) }.
 */
export function paintTile(t, { position, count, item, at, selected, current, tabStop, thumb }) {
  const p = tileParts.get(t);
  const transform = `translate(${at.x}px, ${at.y}px)`;
  if (t.style.transform !== transform) t.style.transform = transform;
  if (t.dataset.index !== String(position)) {
    t.dataset.index = String(position);
    t.setAttribute("aria-posinset", String(position + 1));
  }
  attr(t, "aria-setsize", String(count));
  attr(t, "aria-selected", selected ? "true" : "false");
  t.classList.toggle("is-selected", selected);
  t.classList.toggle("is-current", current);
  attr(t, "aria-current", current ? "true" : null);
  const tabindex = tabStop ? "0" : "-1";
  if (t.getAttribute("tabindex") !== tabindex) t.setAttribute("tabindex", tabindex);
  const label = tileLabel(item, position, current);
  if (p.label !== label) {
    p.label = label;
    t.setAttribute("aria-label", label);
    t.title = item ? `${item.name}\n${stateWords(item.state).join(", ")}` : "";
  }
  const state = item ? item.state : -1;
  if (p.state !== state) {
    p.state = state;
    t.classList.toggle("is-tagged", !!item && (state & TAGGED) !== 0);
    t.classList.toggle("is-untagged", !!item && (state & TAGGED) === 0);
    p.marks.replaceChildren(...tileMarks(Math.max(0, state))
      .map(([cls, text, title]) => h("span", { class: `ltw-mark ${cls}`, text, title })));
  }
  const [head, tail] = splitName(item ? item.name : "");
  setText(p.head, head);
  setText(p.tail, tail);
  const id = item ? item.id : null;
  const url = thumb && thumb.url ? thumb.url : null;
  if (id !== p.id || url !== p.url) {
    p.id = id;
    p.url = url;
    p.img.alt = item ? item.name : "";
    if (url) {
      p.img.src = url;
      p.img.hidden = false;
    } else {
      p.img.removeAttribute("src");
      p.img.hidden = true;
    }
  } else if (item && p.img.alt !== item.name) {
    p.img.alt = item.name;
  }
  const error = thumb && thumb.error ? thumb.error : "";
  p.ph.hidden = !!url;
  p.ph.classList.toggle("is-broken", !!error);
  setText(p.ph, error);
  if (error) p.ph.title = error;
  else p.ph.removeAttribute("title");
}
