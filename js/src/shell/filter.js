// The filter box: a query in the filter language (docs/protocol.md), applied as the person types
// (after a short pause) or at once with Enter; an invalid query says what is wrong and shows the
// query with the place marked.

import { h, attr, setText, activeElement } from "../lib/dom.js";

export const FILTER_DELAY_MS = 300;

/** "12 of 400 images match", "All 400 images", or "" while nothing is known. */
export function matchText(progress, query) {
  const shown = Number.isFinite(progress && progress.total) ? progress.total : null;
  const all = Number.isFinite(progress && progress.all) ? progress.all : shown;
  if (shown === null) return "";
  if (!query || !(progress && progress.filtered)) return `All ${all} images`;
  return `${shown} of ${all} images match`;
}

/** The query split at `position` (Python's: code points): [before, at, after], `at` the one
 *  character there ("" at the end); null when the position is not in the query. */
export function markQuery(query, position) {
  const chars = Array.from(typeof query === "string" ? query : "");
  if (!Number.isInteger(position) || position < 0 || position > chars.length) return null;
  return [chars.slice(0, position).join(""), chars[position] ?? "", chars.slice(position + 1).join("")];
}

/** createFilterBar({ setQuery }) -> { el, input, update(state), focus() }
 *  setQuery(text) sends the query to Python (the `filter` trait). */
export function createFilterBar({ setQuery, delayMs = FILTER_DELAY_MS }) {
  const input = h("input", {
    type: "search", class: "ltw-input ltw-filter-input", spellcheck: "false", autocomplete: "off",
    "aria-label": "Filter images", "aria-keyshortcuts": "/", "aria-describedby": "",
    placeholder: 'Filter: tag:"red hair" AND NOT reviewed   ( / )',
    title: "Filter (/), taggui's language: tag:, caption:, name:, path:, size:1024x768, tags:>5, chars:, "
      + "tokens:>75 (CLIP-L, start and end not counted), width:>=1024, height:, area:, untagged, reviewed, "
      + "flagged, NOT, AND, OR, ( ); \"quotes\" or 'quotes'; wildcards * ? [abc] [!abc], \\* for a literal *",
  });
  const count = h("span", { class: "ltw-filter-count", "aria-live": "polite" });
  const errorText = h("span");
  const where = h("code", { class: "ltw-filter-where" });
  const error = h("span", { class: "ltw-filter-error", role: "alert", hidden: true }, errorText, where);
  const el = h("div", { class: "ltw-filterbar", role: "search", "aria-label": "Filter" }, input, count, error);
  let timer = null;
  let sent = null; // the query last sent, so a trait echo does not overwrite typing

  function send() {
    clearTimeout(timer);
    timer = null;
    if (input.value === sent) return;
    sent = input.value;
    setQuery(input.value);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(send, delayMs);
  });
  input.addEventListener("keydown", (e) => {
    if (e.code === "Enter" || e.code === "NumpadEnter") {
      e.preventDefault();
      send();
    } else if (e.code === "Escape" && input.value) {
      e.preventDefault();
      e.stopPropagation();
      input.value = "";
      send();
    }
  });

  function update({ filter, filter_error: problem, progress }) {
    const query = typeof filter === "string" ? filter : "";
    if (timer === null && activeElement() !== input) input.value = query;
    if (timer === null) sent = query;
    const message = problem && typeof problem.message === "string" ? problem.message : "";
    setText(errorText, message ? `${message} — showing every image` : "");
    const marked = message ? markQuery(query, problem.position) : null;
    where.hidden = !marked;
    if (marked) {
      const [before, at, after] = marked;
      where.replaceChildren(before, h("mark", { class: at ? "" : "is-end", text: at || " " }), after);
    }
    error.hidden = !message;
    attr(input, "aria-invalid", message ? "true" : "false");
    setText(count, message ? "" : matchText(progress, query));
  }

  /** Focus the box with its text selected (the "/" key). */
  function focus() {
    input.focus({ preventScroll: true });
    input.select();
  }

  return { el, input, update, focus, dispose: () => clearTimeout(timer) };
}
