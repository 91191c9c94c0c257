// The multi-select editor's elements and its rows: DOM only, no state.

import { h, isolate, uniqueId } from "../../lib/dom.js";
import { ADD_HINT } from "../../editor/autocomplete.js";
import { fmt } from "../../lib/format.js";
import { images, labels } from "./logic.js";

/** The panel's elements, as the view wires them (buttons without their actions). */
export function multiSelectElements() {
  const headId = uniqueId("ltw-ms-head");
  const commonId = uniqueId("ltw-ms-common");
  const someId = uniqueId("ltw-ms-some");
  const hintId = uniqueId("ltw-ms-hint");
  const listId = uniqueId("ltw-ms-suggest");

  const heading = h("h3", { class: "ltw-ms-title", id: headId });
  const input = h("input", {
    class: "ltw-input ltw-ms-input", type: "text", "aria-label": "Add tags to all selected", autocomplete: "off",
    spellcheck: "false", placeholder: "Add tags to all selected… (commas add several)", "aria-autocomplete": "list",
    "aria-controls": listId, "aria-expanded": "false", "data-fkey": "ms-input", title: ADD_HINT,
  });
  const addButton = h("button", {
    type: "button", class: "ltw-btn ltw-ms-add-btn", text: "Add", "aria-label": "Add the typed tags to all selected images",
  });
  const listbox = h("ul", { class: "ltw-suggest ltw-ms-suggest", role: "listbox", id: listId, "aria-label": "Tag suggestions", hidden: true });
  const commonHead = h("h4", { class: "ltw-h ltw-ms-h", id: commonId });
  const commonList = h("ul", { class: "ltw-ms-chips", "aria-labelledby": commonId });
  const commonEmpty = h("p", { class: "ltw-empty ltw-ms-empty" });
  const someList = h("ul", { class: "ltw-ms-some", "aria-labelledby": someId });
  const someEmpty = h("p", { class: "ltw-empty ltw-ms-empty" });
  const more = h("p", { class: "ltw-ms-more", hidden: true });
  const live = h("p", { class: "ltw-ms-live", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const hint = h("span", { class: "ltw-vh", id: hintId, text: "Delete removes it from all selected images." });
  const el = h("section", { class: "ltw-ms", "aria-labelledby": headId, tabindex: "-1", hidden: true },
    heading,
    h("div", { class: "ltw-ms-add" }, h("div", { class: "ltw-ms-add-row" }, input, addButton), listbox),
    h("div", { class: "ltw-ms-group" }, commonHead, commonList, commonEmpty),
    h("div", { class: "ltw-ms-group" }, h("h4", { class: "ltw-h ltw-ms-h", id: someId, text: "On some" }), someList, someEmpty, more),
    live, hint);
  return {
    el, heading, input, addButton, listbox, listId, hintId, commonHead, commonList, commonEmpty, someList, someEmpty,
    more, live,
  };
}

/**
 * A chip of a tag on all `n` selected images; its × calls onRemove(li).
 * @param {{ tag: string }} row
 * @param {number} n
 * @param {{ hintId: string, onRemove: (li: Element) => void }} options
 */
export function commonChip(row, n, { hintId, onRemove }) {
  const remove = h("button", {
    type: "button", class: "ltw-ms-x", text: "×", "aria-label": labels.removeCommon(row.tag, n),
    title: `Remove “${isolate(row.tag)}” from all ${fmt(n)} selected images`, "data-fkey": `ms-cx:${row.tag}`,
    onclick: (e) => {
      e.stopPropagation();
      onRemove(e.currentTarget.closest("li"));
    },
  });
  return h("li", {
    class: "ltw-ms-chip", tabindex: "0", "data-tag": row.tag, "data-fkey": `ms-c:${row.tag}`,
    "aria-describedby": hintId, "aria-keyshortcuts": "Delete", title: row.tag,
  }, h("span", { class: "ltw-ms-chip-text", text: row.tag }), remove);
}

/**
 * A row of a tag on some of the `n` selected images: "k/n", "Add to all" (onAdd(li)) and × (onRemove(li)).
 * @param {{ tag: string, selected: number }} row
 * @param {number} n
 * @param {{ onAdd: (li: Element) => void, onRemove: (li: Element) => void }} options
 */
export function someRow(row, n, { onAdd, onRemove }) {
  return h("li", { class: "ltw-ms-row", "data-tag": row.tag },
    h("span", { class: "ltw-ms-name", text: row.tag, title: row.tag }),
    h("span", { class: "ltw-ms-frac", "aria-hidden": "true", title: `On ${fmt(row.selected)} of ${fmt(n)} selected images`,
      text: `${fmt(row.selected)}/${fmt(n)}` }),
    h("span", { class: "ltw-vh", text: `on ${fmt(row.selected)} of ${fmt(n)}` }),
    h("button", {
      type: "button", class: "ltw-btn ltw-ms-addall", text: "Add to all", "aria-label": labels.addToAll(row.tag, n),
      "data-fkey": `ms-sa:${row.tag}`,
      onclick: (e) => onAdd(e.currentTarget.closest("li")),
    }),
    h("button", {
      type: "button", class: "ltw-ms-x", text: "×", "aria-label": labels.removeSome(row.tag, row.selected),
      title: `Remove “${isolate(row.tag)}” from the ${images(row.selected)} that have it`, "data-fkey": `ms-sx:${row.tag}`,
      onclick: (e) => onRemove(e.currentTarget.closest("li")),
    }));
}
