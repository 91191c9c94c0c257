// The all-tags panel: every tag in use with how many images have it in the data set, among the
// images the filter lets through and in the selection; search, sort, and a click that either
// filters by the tag or adds it (the person's choice, the `tag_click` trait).

import "./alltags.css";
import { attr, keepFocus, setText } from "../../lib/dom.js";
import { createPanelData, showOpen } from "../panel.js";
import { allTagsElements, tagRow } from "./elements.js";
import {
  ROW_LIMIT, REFRESH_DELAY_MS, SORT_KEYS, COLUMNS_CLASSES, searchRows, sortRows, queryFor, addToQuery, readOpen, writeOpen,
  toggleText, modeHint, columnHeading, columnsClass, moreText, emptyText, readCounts, readTraits, countsChanged, stepTo,
} from "./logic.js";
import { errorText } from "../../lib/format.js";

/** @typedef {ReturnType<typeof allTagsElements>} Ui */

/** What the panel knows now, shared by its parts. */
function allTagsState() {
  return {
    open: readOpen(),
    rows: [],
    sorted: [], // rows in the order chosen
    failed: false,
    sortKey: "count",
    query: "",
    mode: "filter",
    columns: { filtered: false, selected: false }, // the count columns beside "All"
    totals: { filtered: null, selected: null },
    paletteInUse: /** @type {number | null} */ (null),
    seen: /** @type {any[] | null} */ (null), // [items_version, filter, _shown_selection] last seen
    filterText: "",
    disposed: false,
  };
}

/**
 * The panel's look, drawn again on every change: the toggle, the mode, and while open the
 * columns and the rows that match the search.
 * @param {Ui} ui
 * @param {ReturnType<typeof allTagsState>} s
 * @param {{ loaded: () => boolean, busy: () => boolean, activate: (tag: string, shift: boolean) => void }} parts
 */
function createAllTagsLook(ui, s, { loaded, busy, activate }) {
  const { el, toggle, body, hint, head, list, more, empty, headFiltered, headSelected } = ui;

  function showColumns() {
    for (const node of [head, list]) {
      node.classList.remove(...COLUMNS_CLASSES);
      node.classList.add(columnsClass(s.columns));
    }
    headFiltered.hidden = !s.columns.filtered;
    headSelected.hidden = !s.columns.selected;
    setText(headFiltered, columnHeading("Filtered", s.totals.filtered));
    setText(headSelected, columnHeading("Selected", s.totals.selected));
  }

  function showRows() {
    attr(list, "aria-busy", busy() ? "true" : null);
    const matches = searchRows(s.sorted, s.query);
    const shown = matches.slice(0, ROW_LIMIT);
    keepFocus(el, () => list.replaceChildren(...shown.map((r) => tagRow(r, s.columns, activate))));
    head.hidden = shown.length === 0;
    more.hidden = matches.length <= shown.length;
    setText(more, moreText(matches.length - shown.length));
    const none = emptyText({ loaded: loaded(), failed: s.failed, total: s.rows.length, matched: matches.length });
    empty.hidden = !none;
    setText(empty, none);
  }

  function render() {
    if (s.disposed) return;
    setText(toggle, toggleText(loaded() ? s.rows.length : s.paletteInUse));
    showOpen(toggle, body, s.open);
    for (const [btn, m] of [[ui.filterBtn, "filter"], [ui.addBtn, "add"]]) attr(btn, "aria-pressed", s.mode === m ? "true" : "false");
    setText(hint, modeHint(s.mode));
    if (!s.open) return;
    showColumns();
    showRows();
  }

  return { render };
}

/**
 * Keys on the list of tags: Enter (Shift+Enter) on a tag as a click (Shift+click); the arrows,
 * Home and End move among the tags.
 * @param {HTMLElement} list
 * @param {(tag: string, shift: boolean) => void} activate
 */
function wireListKeys(list, activate) {
  list.addEventListener("keydown", (e) => {
    const target = /** @type {Element | null} */ (e.target);
    const btn = target && target.closest ? target.closest(".ltw-at-tag") : null;
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
    const to = stepTo(e.key, buttons.indexOf(btn), buttons.length);
    if (to === null || e.shiftKey) return;
    e.preventDefault();
    e.stopPropagation();
    /** @type {HTMLElement} */ (buttons[to]).focus();
  });
}

/**
 * The search (Escape clears it, Enter activates the first match) and the sort.
 * @param {Ui} ui
 * @param {ReturnType<typeof allTagsState>} s
 * @param {{ render: () => void, activate: (tag: string, shift: boolean) => void }} parts
 */
function wireSearch({ search, sort }, s, { render, activate }) {
  search.addEventListener("input", () => {
    s.query = search.value;
    render();
  });
  search.addEventListener("keydown", (e) => {
    if (e.isComposing) return;
    if (e.key === "Escape" && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = "";
      s.query = "";
      render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      const first = searchRows(s.sorted, s.query)[0];
      if (first) activate(first.tag, e.shiftKey);
    }
  });
  sort.addEventListener("change", () => {
    s.sortKey = SORT_KEYS.includes(sort.value) ? sort.value : "count";
    s.sorted = sortRows(s.rows, s.sortKey);
    render();
  });
}

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
  const ui = allTagsElements();
  const s = allTagsState();

  function activate(tag, shift) {
    if (s.mode === "add") addTag(tag);
    else setFilter(shift ? addToQuery(s.filterText, tag) : queryFor(tag));
  }

  const look = createAllTagsLook(ui, s, { loaded: () => loader.loaded(), busy: () => loader.busy(), activate });
  const loader = createPanelData({
    delayMs: REFRESH_DELAY_MS,
    fetch: () => {
      look.render();
      return request("tag_counts", {});
    },
    onResult: (res) => {
      const { rows, totals } = readCounts(res);
      s.rows = rows;
      s.sorted = sortRows(rows, s.sortKey);
      s.totals = totals;
      s.failed = false;
      look.render();
    },
    onError: (err) => {
      if (err && err.disposed) return;
      s.failed = true;
      look.render();
      status.show(errorText(err), "error");
    },
  });

  function chooseMode(m) {
    if (m === s.mode) return;
    s.mode = m;
    look.render();
    setTagClick(m);
  }

  function setOpen(next) {
    if (next === s.open) return;
    s.open = next;
    writeOpen(s.open);
    if (s.open) {
      look.render();
      loader.show();
    } else {
      loader.hide();
      look.render();
    }
  }

  function refresh() {
    if (s.disposed) return;
    loader.refresh(s.open);
  }

  ui.toggle.addEventListener("click", () => setOpen(!s.open));
  ui.filterBtn.addEventListener("click", () => chooseMode("filter"));
  ui.addBtn.addEventListener("click", () => chooseMode("add"));
  ui.refreshBtn.addEventListener("click", () => refresh());
  wireSearch(ui, s, { render: look.render, activate });
  wireListKeys(ui.list, activate);

  function update(state) {
    if (s.disposed || !state) return;
    const traits = readTraits(state);
    s.mode = traits.mode;
    s.filterText = traits.filterText;
    s.paletteInUse = traits.paletteInUse;
    s.columns = traits.columns;
    const changed = countsChanged(s.seen, traits.seen);
    s.seen = traits.seen;
    if (changed) loader.changed(s.open);
    if (s.open && !loader.loaded() && !loader.busy() && !s.failed) loader.now();
    look.render();
  }

  function dispose() {
    s.disposed = true;
    loader.dispose();
  }

  look.render();
  return { el: ui.el, update, refresh, dispose };
}
