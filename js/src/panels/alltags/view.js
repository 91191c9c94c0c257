// The all-tags panel: every tag in use with how many images have it in the data set, among the
// images the filter lets through and in the selection; search, sort, and a click that either
// filters by the tag or adds it (the person's choice, the `tag_click` trait).

import "./alltags.css";
import { h, attr, keepFocus, setText, uniqueId } from "../../lib/dom.js";
import { createPanelData, panelToggle, showOpen } from "../panel.js";
import {
  ROW_LIMIT, REFRESH_DELAY_MS, SORT_KEYS, normalizeRows, searchRows, sortRows, queryFor, addToQuery, formatCount, countsLabel, readOpen, writeOpen, sameList, modeOf,
} from "./logic.js";
import { errorText } from "../../lib/format.js";

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
      status.show(errorText(err), "error");
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
