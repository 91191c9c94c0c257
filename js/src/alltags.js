// The all-tags panel: every tag in use with how many images have it in the data set, among the
// images the filter lets through and in the selection; search, sort, and a click that either
// filters by the tag or adds it (the person's choice, the `tag_click` trait).

import "./alltags.css";
import { h, attr, isolate, keepFocus, setText, uniqueId } from "./dom.js";
import { createPanelData, panelToggle, showOpen } from "./panel.js";

export const ROW_LIMIT = 300;
export const REFRESH_DELAY_MS = 300;
export const OPEN_KEY = "ltw-alltags-open";
export const SORT_KEYS = ["count", "name", "length"];

const count = (v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

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

const numbers = new Intl.NumberFormat();
export const formatCount = (n) => numbers.format(count(n));

/** A row's accessible name: "red hair: 120 images, 12 filtered, 3 selected" (the filtered and
 *  selected parts only when those columns show). */
export function countsLabel(row, { filtered = false, selected = false } = {}) {
  const all = count(row && row.all);
  let text = `${isolate(row && typeof row.tag === "string" ? row.tag : "")}: ${formatCount(all)} image${all === 1 ? "" : "s"}`;
  if (filtered) text += `, ${formatCount(row.filtered)} filtered`;
  if (selected) text += `, ${formatCount(row.selected)} selected`;
  return text;
}

function readOpen() {
  try {
    return globalThis.localStorage?.getItem(OPEN_KEY) === "1";
  } catch {
    return false;
  }
}

function writeOpen(open) {
  try {
    globalThis.localStorage?.setItem(OPEN_KEY, open ? "1" : "0");
  } catch {
    // storage unavailable (sandboxed frame, privacy mode): the panel just forgets
  }
}

const sameList = (a, b) => a === b || (a.length === b.length && a.every((v, i) => v === b[i]));
const modeOf = (v) => (v === "add" ? "add" : "filter");

/**
 * createAllTags({ request, status, setFilter, setTagClick, addTag }) -> { el, update(state), refresh(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc)
 *   status.show(message, level)
 *   setFilter(query)       sets the `filter` trait
 *   setTagClick(mode)      sets the `tag_click` trait ("filter" | "add")
 *   addTag(tag)            adds the tag to the selection (grid view) or the current image
 * state: items_version, filter, _shown_selection, progress.filtered, tag_click, paletteInUse (the
 *   palette's tags in use, or null while unknown).
 */
export function createAllTags({ request, status, setFilter, setTagClick, addTag }) {
  const bodyId = uniqueId("ltw-at");
  const toggle = panelToggle("ltw-at-toggle", bodyId);
  const search = h("input", {
    type: "search", class: "ltw-input ltw-at-search", "aria-label": "Search all tags", placeholder: "Search tags…",
    autocomplete: "off", spellcheck: "false",
  });
  const sort = h("select", { class: "ltw-input ltw-at-sort", "aria-label": "Sort tags" },
    h("option", { value: "count", text: "Count" }),
    h("option", { value: "name", text: "Name" }),
    h("option", { value: "length", text: "Length" }));
  const filterBtn = h("button", {
    type: "button", class: "ltw-btn", "aria-pressed": "true", "aria-label": "A click on a tag filters by it",
    text: "Filter", onclick: () => chooseMode("filter"),
  });
  const addBtn = h("button", {
    type: "button", class: "ltw-btn", "aria-pressed": "false", "aria-label": "A click on a tag adds it",
    text: "Add", onclick: () => chooseMode("add"),
  });
  const refreshBtn = h("button", {
    type: "button", class: "ltw-btn ltw-at-refresh", "aria-label": "Count the tags again", title: "Count the tags again",
    text: "↻", onclick: () => refresh(),
  });
  const hint = h("p", { class: "ltw-muted ltw-at-hint" });
  const headAll = h("span", { class: "ltw-at-n", text: "All" });
  const headFiltered = h("span", { class: "ltw-at-n" });
  const headSelected = h("span", { class: "ltw-at-n" });
  const head = h("div", { class: "ltw-at-row ltw-at-head", "aria-hidden": "true" },
    h("span", { class: "ltw-at-name", text: "Tag" }), headAll, headFiltered, headSelected);
  const list = h("ul", { class: "ltw-at-list", "aria-label": "Tags" });
  const more = h("p", { class: "ltw-muted ltw-at-more", hidden: true });
  const empty = h("p", { class: "ltw-empty ltw-at-empty", hidden: true });
  const body = h("div", { class: "ltw-at-body", id: bodyId, hidden: true },
    h("div", { class: "ltw-at-tools" },
      search, sort,
      h("div", { class: "ltw-at-mode", role: "group", "aria-label": "What a click on a tag does" },
        h("span", { class: "ltw-at-mode-label", "aria-hidden": "true", text: "Click:" }), filterBtn, addBtn),
      refreshBtn),
    hint, head, list, more, empty);
  const el = h("section", { class: "ltw-panel ltw-at", "aria-label": "All tags" }, toggle, body);

  let open = readOpen();
  let rows = [];
  let sorted = [];
  let failed = false;
  let sortKey = "count";
  let query = "";
  let mode = "filter";
  let showFiltered = false;
  let showSelected = false;
  let totals = { filtered: null, selected: null };
  let paletteInUse = null;
  let seen = null; // [items_version, filter, _shown_selection] last seen
  let filterText = "";
  let disposed = false;

  const loader = createPanelData({
    delayMs: REFRESH_DELAY_MS,
    fetch: () => {
      render();
      return request("tag_counts", {});
    },
    onResult: (res) => {
      const reply = (res && res.reply) || {};
      rows = normalizeRows(reply.rows);
      sorted = sortRows(rows, sortKey);
      totals = {
        filtered: Number.isFinite(reply.filtered) ? reply.filtered : null,
        selected: Number.isFinite(reply.selected) ? reply.selected : null,
      };
      failed = false;
      render();
    },
    onError: (err) => {
      if (err && err.disposed) return;
      failed = true;
      render();
      status.show(err && err.message ? err.message : String(err), "error");
    },
  });

  function toggleText() {
    const n = loader.loaded() ? rows.length : paletteInUse;
    return n === null ? "All tags" : `All tags (${formatCount(n)})`;
  }

  function row(r) {
    const cells = [h("span", { class: "ltw-at-name", text: r.tag }), cell(r.all)];
    if (showFiltered) cells.push(cell(r.filtered));
    if (showSelected) cells.push(cell(r.selected));
    const btn = h("button", {
      type: "button", class: "ltw-at-row ltw-at-tag", "data-fkey": `at:${r.tag}`,
      "aria-label": countsLabel(r, { filtered: showFiltered, selected: showSelected }),
      onclick: (e) => activate(r.tag, e.shiftKey),
    }, cells);
    return h("li", { class: "ltw-at-item" }, btn);
  }

  function cell(n) {
    return h("span", { class: "ltw-at-n" + (n ? "" : " is-zero"), text: formatCount(n) });
  }

  function render() {
    if (disposed) return;
    setText(toggle, toggleText());
    showOpen(toggle, body, open);
    for (const [btn, m] of [[filterBtn, "filter"], [addBtn, "add"]]) attr(btn, "aria-pressed", mode === m ? "true" : "false");
    setText(hint, mode === "filter"
      ? "A click shows only the images with that tag; Shift+click adds it to the filter."
      : "A click adds the tag to the selected images, or to the current image.");
    if (!open) return;
    const cols = 1 + (showFiltered ? 1 : 0) + (showSelected ? 1 : 0);
    for (const node of [head, list]) {
      node.classList.remove("ltw-at-c1", "ltw-at-c2", "ltw-at-c3");
      node.classList.add(`ltw-at-c${cols}`);
    }
    headFiltered.hidden = !showFiltered;
    headSelected.hidden = !showSelected;
    setText(headFiltered, totals.filtered === null ? "Filtered" : `Filtered (${formatCount(totals.filtered)})`);
    setText(headSelected, totals.selected === null ? "Selected" : `Selected (${formatCount(totals.selected)})`);
    attr(list, "aria-busy", loader.busy() ? "true" : null);
    const matches = searchRows(sorted, query);
    const shown = matches.slice(0, ROW_LIMIT);
    keepFocus(el, () => list.replaceChildren(...shown.map(row)));
    head.hidden = shown.length === 0;
    more.hidden = matches.length <= shown.length;
    setText(more, `${formatCount(matches.length - shown.length)} more — search to narrow`);
    let none = "";
    if (!loader.loaded()) none = failed ? "Could not count the tags." : "Counting tags…";
    else if (!rows.length) none = "No tags yet";
    else if (!matches.length) none = "No tag matches";
    empty.hidden = !none;
    setText(empty, none);
  }

  function activate(tag, shift) {
    if (mode === "add") addTag(tag);
    else setFilter(shift ? addToQuery(filterText, tag) : queryFor(tag));
  }

  function chooseMode(m) {
    if (m === mode) return;
    mode = m;
    render();
    setTagClick(m);
  }

  function setOpen(next) {
    if (next === open) return;
    open = next;
    writeOpen(open);
    if (open) {
      render();
      loader.show();
    } else {
      loader.hide();
      render();
    }
  }

  function refresh() {
    if (disposed) return;
    loader.refresh(open);
  }

  toggle.addEventListener("click", () => setOpen(!open));
  search.addEventListener("input", () => {
    query = search.value;
    render();
  });
  search.addEventListener("keydown", (e) => {
    if (e.isComposing) return;
    if (e.key === "Escape" && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = "";
      query = "";
      render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      const first = searchRows(sorted, query)[0];
      if (first) activate(first.tag, e.shiftKey);
    }
  });
  sort.addEventListener("change", () => {
    sortKey = SORT_KEYS.includes(sort.value) ? sort.value : "count";
    sorted = sortRows(rows, sortKey);
    render();
  });
  list.addEventListener("keydown", (e) => {
    const btn = e.target && e.target.closest ? e.target.closest(".ltw-at-tag") : null;
    if (!btn || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "Enter") {
      // Handled here so Shift+Enter is a Shift+click in every browser.
      e.preventDefault();
      e.stopPropagation();
      const tag = (btn.getAttribute("data-fkey") || "").slice(3);
      if (tag) activate(tag, e.shiftKey);
      return;
    }
    const buttons = [...list.querySelectorAll(".ltw-at-tag")];
    const at = buttons.indexOf(btn);
    let to = null;
    if (e.key === "ArrowDown") to = Math.min(buttons.length - 1, at + 1);
    else if (e.key === "ArrowUp") to = Math.max(0, at - 1);
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = buttons.length - 1;
    if (to === null || e.shiftKey) return;
    e.preventDefault();
    e.stopPropagation();
    buttons[to].focus();
  });

  function update(state) {
    if (disposed || !state) return;
    mode = modeOf(state.tag_click);
    filterText = typeof state.filter === "string" ? state.filter : "";
    const selection = Array.isArray(state._shown_selection) ? state._shown_selection : [];
    const progress = state.progress && typeof state.progress === "object" ? state.progress : {};
    paletteInUse = Number.isInteger(state.paletteInUse) ? state.paletteInUse : null;
    showFiltered = !!progress.filtered;
    showSelected = selection.length > 0;
    const now = [state.items_version ?? null, filterText, selection];
    const changed = seen !== null && (seen[0] !== now[0] || seen[1] !== now[1] || !sameList(seen[2], now[2]));
    seen = now;
    if (changed) loader.changed(open);
    if (open && !loader.loaded() && !loader.busy() && !failed) loader.now();
    render();
  }

  function dispose() {
    disposed = true;
    loader.dispose();
  }

  render();
  return { el, update, refresh, dispose };
}
