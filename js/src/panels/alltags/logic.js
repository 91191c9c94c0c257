// The all-tags panel: every tag in use with how many images have it in the data set, among the
// images the filter lets through and in the selection; search, sort, and a click that either
// filters by the tag or adds it (the person's choice, the `tag_click` trait).

import { isolate } from "../../lib/dom.js";
import { count, fmt, obj } from "../../lib/format.js";

export const ROW_LIMIT = 300;
export const REFRESH_DELAY_MS = 300;
export const OPEN_KEY = "ltw-alltags-open";
export const SORT_KEYS = ["count", "name", "length"];


/** Reply rows `[[tag, all, filtered, selected], ...]` as objects; junk rows are dropped, junk
 *  counts read as 0, a repeated tag keeps its first row. */
export function normalizeRows(rows) {
  if (!Array.isArray(rows)) return [];
  const out = [];
  const seen = new Set();
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== "string" || row[0] === "" || seen.has(row[0])) continue;
    seen.add(row[0]);
    out.push({ tag: row[0], all: count(row[1]), filtered: count(row[2]), selected: count(row[3]) });
  }
  return out;
}

/** A tag or a search as compared: lower case, `_` read as a space. */
export function searchKey(text) {
  return String(text ?? "").toLowerCase().replace(/_/g, " ");
}

/** Rows whose tag contains the query (case-insensitive, `_` and space alike); all for a blank one. */
export function searchRows(rows, query) {
  const list = Array.isArray(rows) ? rows : [];
  const q = searchKey(query).trim();
  if (!q) return list;
  return list.filter((r) => searchKey(r.tag).includes(q));
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
const byName = (a, b) => collator.compare(a.tag, b.tag) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
const length = (tag) => [...tag].length;
const COMPARE = {
  count: (a, b) => b.all - a.all || byName(a, b),
  name: byName,
  length: (a, b) => length(a.tag) - length(b.tag) || byName(a, b),
};

/** A sorted copy: "count" (data-set count, most first, then name), "name" (case-insensitive
 *  A→Z) or "length" (shortest first, then name); an unknown key sorts by count. */
export function sortRows(rows, key) {
  const list = Array.isArray(rows) ? rows.slice() : [];
  return list.sort(COMPARE[key] || COMPARE.count);
}

/** The filter query for exactly this tag: `tag:"<tag>"`. The tag's `*` `?` `[` are written as
 *  the classes `[*]` `[?]` `[[]` (the filter reads them as wildcards, quoted or not), then `\` and
 *  `"` are escaped for the quotes. */
export function queryFor(tag) {
  const pattern = String(tag ?? "").replace(/[*?[]/g, "[$&]");
  return `tag:"${pattern.replace(/[\\"]/g, "\\$&")}"`;
}

const FIELD = /^([A-Za-z]+)(\s*):\s*/;
const FIELDS = new Set(["tag", "caption", "name", "path", "size", "tags", "chars", "tokens", "width", "height", "area"]);

/** The offset just after the quoted string that starts at `i`, or -1 when none does there (a
 *  quote that nothing closes on its line is an ordinary character, as in the filter language). */
function afterQuote(query, i) {
  const quote = query[i];
  if (quote !== '"' && quote !== "'") return -1;
  for (let j = i + 1; j < query.length && query[j] !== "\n" && query[j] !== "\r"; j += 1) {
    if (query[j] === quote) return j + 1;
    if (query[j] === "\\") {
      if (j + 1 >= query.length || query[j + 1] === "\n" || query[j + 1] === "\r") return -1;
      j += 1;
    }
  }
  return -1;
}

/** The offset just after the term that starts at `i`: a field name and its `:` (white space may
 *  stand around it), a quoted string if one starts there, then up to white space or a parenthesis. */
function termEnd(query, i) {
  const field = FIELD.exec(query.slice(i));
  let j = i;
  if (field && (!field[2] || FIELDS.has(field[1].toLowerCase()))) j += field[0].length;
  const quoted = afterQuote(query, j);
  if (quoted >= 0) j = quoted;
  while (j < query.length && !/\s/.test(query[j]) && query[j] !== "(" && query[j] !== ")") j += 1;
  return j;
}

/** The terms at the top level of a query (outside parentheses) and whether an OR is among them. */
function topLevel(query) {
  const terms = []; // top-level terms not negated by a NOT right before them
  let prev = "";
  let depth = 0;
  let hasOr = false;
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === "(" || c === ")") {
      depth = Math.max(0, depth + (c === "(" ? 1 : -1));
      prev = c;
      i += 1;
      continue;
    }
    const end = termEnd(query, i);
    const raw = query.slice(i, end);
    i = end;
    if (depth === 0) {
      if (prev.toLowerCase() !== "not") terms.push(raw);
      if (raw.toLowerCase() === "or") hasOr = true;
    }
    prev = raw;
  }
  return { terms, hasOr };
}

/** The query narrowed to images that also have `tag`: `<query> AND tag:"<tag>"` (the query in
 *  parentheses when it has a top-level OR); the tag's own term when the query is blank; the query
 *  unchanged when it already has that term at its top level without an OR. */
export function addToQuery(query, tag) {
  const term = queryFor(tag);
  const q = String(query ?? "").trim();
  if (!q) return term;
  const { terms, hasOr } = topLevel(q);
  if (hasOr) return `(${q}) AND ${term}`;
  if (terms.includes(term)) return q;
  return `${q} AND ${term}`;
}

export const formatCount = (n) => fmt(count(n));

/** A row's accessible name: "red hair: 120 images, 12 filtered, 3 selected" (the filtered and
 *  selected parts only when those columns show). */
export function countsLabel(row, { filtered = false, selected = false } = {}) {
  const all = count(row && row.all);
  let text = `${isolate(row && typeof row.tag === "string" ? row.tag : "")}: ${formatCount(all)} image${all === 1 ? "" : "s"}`;
  if (filtered) text += `, ${formatCount(row.filtered)} filtered`;
  if (selected) text += `, ${formatCount(row.selected)} selected`;
  return text;
}

export function readOpen() {
  try {
    return globalThis.localStorage?.getItem(OPEN_KEY) === "1";
  } catch {
    return false;
  }
}

export function writeOpen(open) {
  try {
    globalThis.localStorage?.setItem(OPEN_KEY, open ? "1" : "0");
  } catch {
    // storage unavailable (sandboxed frame, privacy mode): the panel just forgets
  }
}

export const sameList = (a, b) => a === b || (a.length === b.length && a.every((v, i) => v === b[i]));
export const modeOf = (v) => (v === "add" ? "add" : "filter");

/** The panel's toggle: "All tags (12)", or "All tags" while the number is not known (null). */
export function toggleText(n) {
  return n === null ? "All tags" : `All tags (${formatCount(n)})`;
}

/** What a click on a tag does, in words, for the mode ("filter" or "add"). */
export function modeHint(mode) {
  return mode === "filter"
    ? "A click shows only the images with that tag; Shift+click adds it to the filter."
    : "A click adds the tag to the selected images, or to the current image.";
}

/** A count column's heading: "Filtered (12)", or "Filtered" while the total is not known (null). */
export function columnHeading(label, total) {
  return total === null ? label : `${label} (${formatCount(total)})`;
}

/** The class that lays out the rows for the columns shown: "ltw-at-c1" (All) to "ltw-at-c3". */
export function columnsClass({ filtered, selected }) {
  return `ltw-at-c${1 + (filtered ? 1 : 0) + (selected ? 1 : 0)}`;
}
export const COLUMNS_CLASSES = ["ltw-at-c1", "ltw-at-c2", "ltw-at-c3"];

/** The line under the list when it is cut at ROW_LIMIT. */
export function moreText(n) {
  return `${formatCount(n)} more — search to narrow`;
}

/** What the list says in place of rows ("" when it has rows): `loaded` once counts came,
 *  `failed` when the last ask failed, `total` tags in use and `matched` by the search. */
export function emptyText({ loaded, failed, total, matched }) {
  if (!loaded) return failed ? "Could not count the tags." : "Counting tags…";
  if (!total) return "No tags yet";
  if (!matched) return "No tag matches";
  return "";
}

/** A `tag_counts` answer ({ reply }) as { rows, totals: { filtered, selected } } (a total is null
 *  when the reply has none). */
export function readCounts(res) {
  const reply = obj(res && res.reply);
  return {
    rows: normalizeRows(reply.rows),
    totals: {
      filtered: Number.isFinite(reply.filtered) ? reply.filtered : null,
      selected: Number.isFinite(reply.selected) ? reply.selected : null,
    },
  };
}

/** What the panel reads of the widget's state: the click mode, the filter, the palette's tags in
 *  use, which count columns show, and `seen` ([items_version, filter, _shown_selection]: a change
 *  in any asks for the counts again, see countsChanged). */
export function readTraits(state) {
  const filterText = typeof state.filter === "string" ? state.filter : "";
  const selection = Array.isArray(state._shown_selection) ? state._shown_selection : [];
  const progress = state.progress && typeof state.progress === "object" ? state.progress : {};
  return {
    mode: modeOf(state.tag_click),
    filterText,
    paletteInUse: Number.isInteger(state.paletteInUse) ? state.paletteInUse : null,
    columns: { filtered: !!progress.filtered, selected: selection.length > 0 },
    seen: [state.items_version ?? null, filterText, selection],
  };
}

/** Do the counts need asking again, `seen` going from `before` (null at first) to `now`? */
export function countsChanged(before, now) {
  return before !== null && (before[0] !== now[0] || before[1] !== now[1] || !sameList(before[2], now[2]));
}

/** Where a key moves the focus in a list of `length` buttons from `at`: an index, or null when
 *  the key is not one that moves. */
export function stepTo(key, at, length) {
  if (key === "ArrowDown") return Math.min(length - 1, at + 1);
  if (key === "ArrowUp") return Math.max(0, at - 1);
  if (key === "Home") return 0;
  if (key === "End") return length - 1;
  return null;
}
