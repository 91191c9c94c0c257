// The all-tags panel's elements and its rows: DOM only, no state; the view wires the actions.

import { h, uniqueId } from "../../lib/dom.js";
import { panelToggle } from "../panel.js";
import { countsLabel, formatCount } from "./logic.js";

/** The panel's elements, as the view wires them (buttons without their actions). */
export function allTagsElements() {
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
    type: "button", class: "ltw-btn", "aria-pressed": "true", "aria-label": "A click on a tag filters by it", text: "Filter",
  });
  const addBtn = h("button", {
    type: "button", class: "ltw-btn", "aria-pressed": "false", "aria-label": "A click on a tag adds it", text: "Add",
  });
  const refreshBtn = h("button", {
    type: "button", class: "ltw-btn ltw-at-refresh", "aria-label": "Count the tags again", title: "Count the tags again",
    text: "↻",
  });
  const hint = h("p", { class: "ltw-muted ltw-at-hint" });
  const headFiltered = h("span", { class: "ltw-at-n" });
  const headSelected = h("span", { class: "ltw-at-n" });
  const head = h("div", { class: "ltw-at-row ltw-at-head", "aria-hidden": "true" },
    h("span", { class: "ltw-at-name", text: "Tag" }), h("span", { class: "ltw-at-n", text: "All" }), headFiltered, headSelected);
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
  return {
    el, toggle, body, search, sort, filterBtn, addBtn, refreshBtn, hint, head, headFiltered, headSelected, list, more, empty,
  };
}

/** A count cell, muted when it is 0. */
function countCell(n) {
  return h("span", { class: "ltw-at-n" + (n ? "" : " is-zero"), text: formatCount(n) });
}

/**
 * A tag's row: a button with its name and counts (the filtered and selected ones when those
 * columns show) that calls onActivate(tag, shift) on a click.
 * @param {{ tag: string, all: number, filtered: number, selected: number }} r
 * @param {{ filtered: boolean, selected: boolean }} columns
 * @param {(tag: string, shift: boolean) => void} onActivate
 */
export function tagRow(r, columns, onActivate) {
  const cells = [h("span", { class: "ltw-at-name", text: r.tag }), countCell(r.all)];
  if (columns.filtered) cells.push(countCell(r.filtered));
  if (columns.selected) cells.push(countCell(r.selected));
  const btn = h("button", {
    type: "button", class: "ltw-at-row ltw-at-tag", "data-fkey": `at:${r.tag}`,
    "aria-label": countsLabel(r, columns),
    onclick: (e) => onActivate(r.tag, e.shiftKey),
  }, cells);
  return h("li", { class: "ltw-at-item" }, btn);
}
