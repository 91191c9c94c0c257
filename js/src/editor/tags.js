// The current item's tags: chips (remove, reorder by drag and drop or Alt+Arrow), and the
// "Add tag" input with its suggestion list.

import { h, uniqueId } from "../lib/dom.js";
import {
  applySuggestion, createSuggestions, ADD_HINT,
} from "./autocomplete.js";

export const COMPLETE_DEBOUNCE_MS = 80;
export const COMPLETE_LIMIT = 12;

/** A copy of `list` with the item at `from` moved to final position `to`; null if nothing moves. */
export function moveIndex(list, from, to) {
  if (!Number.isInteger(from) || !Number.isInteger(to)) return null;
  if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return null;
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/** Final index of a dragged item dropped before (after=false) or after the item at `target`. */
export function dropIndex(from, target, after) {
  const slot = after ? target + 1 : target;
  return slot > from ? slot - 1 : slot;
}

/** The counts beside a suggestion: images in the data set, and posts in the tag list if listed
 *  ("12", "12 · list 5.2k", "list 6.0M"). */
export function suggestionCount(count, listed) {
  const n = Number.isFinite(count) ? count : 0;
  if (!(Number.isFinite(listed) && listed > 0)) return String(n);
  const short = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(listed);
  return n > 0 ? `${n} · list ${short}` : `list ${short}`;
}

export function sameList(a, b) {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}

/**
 * createTags({ act, request, getCurrent })
 *   act(type, fields) -> Promise<reply|null> (errors already shown)
 *   request(type, fields) -> Promise<{reply}> (raw rpc, for quiet completion queries)
 */
export function createTags({ act, request, getCurrent }) {
  const listId = uniqueId("ltw-suggest");
  const chips = h("ul", {
    class: "ltw-chips", "aria-label": "Current tags",
    title: "Drag a tag, or focus it and press Alt+← / Alt+→, to reorder. Delete removes it.",
  });
  const empty = h("p", { class: "ltw-empty", text: "No tags yet. Type one below or click the palette." });
  const input = h("input", {
    class: "ltw-input ltw-add-input", type: "text", "aria-label": "Add tag", autocomplete: "off",
    spellcheck: "false", placeholder: "Add tag… (commas add several)", "aria-autocomplete": "list",
    "aria-controls": listId, "aria-expanded": "false", title: ADD_HINT,
  });
  const listbox = h("ul", { class: "ltw-suggest", role: "listbox", id: listId, "aria-label": "Tag suggestions", hidden: true });
  const el = h("section", { class: "ltw-tags", "aria-label": "Tags" },
    h("h3", { class: "ltw-h", text: "Tags" }), chips, empty,
    h("div", { class: "ltw-add" }, input, listbox));

  let tags = [];
  let currentId = null;
  let dragFrom = null;

  // ---- chips -------------------------------------------------------------------------------
  function chip(tag, index) {
    const remove = h("button", {
      type: "button", class: "ltw-chip-x", "aria-label": `Remove tag ${tag}`, title: `Remove tag ${tag}`, text: "×",
      onclick: (e) => {
        e.stopPropagation();
        removeAt(index, false);
      },
    });
    return h("li", {
      class: "ltw-chip", tabindex: "0", draggable: true, "data-index": String(index), "data-fkey": `chip:${tag}`,
      title: tag,
    }, h("span", { class: "ltw-chip-text", text: tag }), remove);
  }

  function renderChips() {
    chips.replaceChildren(...tags.map(chip));
    empty.hidden = tags.length > 0 || !currentId;
    chips.hidden = tags.length === 0;
  }

  function focusChip(index) {
    const li = chips.children[index];
    if (li) li.focus({ preventScroll: false });
  }

  function commitOrder(next, focusIndex) {
    tags = next;
    renderChips();
    if (focusIndex !== null) focusChip(focusIndex);
    const id = currentId;
    act("set_tags", { id, tags: next }).then((reply) => {
      if (reply) return;
      const cur = getCurrent();
      if (cur && cur.id === id) {
        tags = Array.isArray(cur.tags) ? cur.tags.slice() : [];
        renderChips();
      }
    });
  }

  function indexOf(li) {
    const i = Number(li && li.getAttribute("data-index"));
    return Number.isInteger(i) ? i : -1;
  }

  /** Alt+ArrowLeft/Right on a chip. */
  function moveChip(li, delta) {
    const from = indexOf(li);
    const next = moveIndex(tags, from, from + delta);
    if (next) commitOrder(next, from + delta);
  }

  function removeAt(index, fromKeyboard) {
    const tag = tags[index];
    if (tag === undefined || !currentId) return;
    if (fromKeyboard) {
      const neighbour = chips.children[index + 1] || chips.children[index - 1];
      if (neighbour) neighbour.focus();
    }
    act("remove_tag", { id: currentId, tag });
  }

  /** Delete/Backspace on a chip. */
  function removeChip(li) {
    removeAt(indexOf(li), true);
  }

  function clearDropMarks() {
    for (const li of chips.querySelectorAll(".is-drop-before, .is-drop-after, .is-dragging")) {
      li.classList.remove("is-drop-before", "is-drop-after", "is-dragging");
    }
  }

  function dropTarget(e) {
    const li = e.target && e.target.closest ? e.target.closest(".ltw-chip") : null;
    if (!li || !chips.contains(li)) return null;
    const r = li.getBoundingClientRect();
    return { li, index: indexOf(li), after: e.clientX > r.left + r.width / 2 };
  }

  chips.addEventListener("dragstart", (e) => {
    const li = e.target && e.target.closest ? e.target.closest(".ltw-chip") : null;
    if (!li) return;
    dragFrom = indexOf(li);
    li.classList.add("is-dragging");
    if (e.dataTransfer) {
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", tags[dragFrom] ?? "");
    }
  });
  chips.addEventListener("dragover", (e) => {
    if (dragFrom === null) return;
    const t = dropTarget(e);
    if (!t) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
    for (const li of chips.querySelectorAll(".is-drop-before, .is-drop-after")) {
      if (li !== t.li) li.classList.remove("is-drop-before", "is-drop-after");
    }
    t.li.classList.toggle("is-drop-before", !t.after);
    t.li.classList.toggle("is-drop-after", t.after);
  });
  chips.addEventListener("drop", (e) => {
    if (dragFrom === null) return;
    e.preventDefault();
    const t = dropTarget(e);
    const from = dragFrom;
    dragFrom = null;
    clearDropMarks();
    if (!t) return;
    const to = dropIndex(from, t.index, t.after);
    const next = moveIndex(tags, from, to);
    if (next) commitOrder(next, null);
  });
  chips.addEventListener("dragend", () => {
    dragFrom = null;
    clearDropMarks();
  });

  // ---- input and suggestions ------------------------------------------------------------------
  const suggestions = createSuggestions({
    request, input, listbox, listId, limit: COMPLETE_LIMIT, delayMs: COMPLETE_DEBOUNCE_MS, expanded: true,
    countText: ([, count, listed]) => suggestionCount(count, listed), onAccept: (tag) => accept(tag),
  });
  const closeList = () => suggestions.close();

  function submit(text) {
    const value = text.replace(/[\s,]+$/, "").trim();
    closeList();
    if (!value || !currentId) return;
    input.value = "";
    act("add_tag", { id: currentId, tag: value }).then((reply) => {
      if (!reply && input.value === "") input.value = text; // keep what they typed when it failed
    });
  }

  function accept(tag) {
    submit(applySuggestion(input.value, tag));
  }

  input.addEventListener("keydown", (e) => {
    if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.code === "ArrowDown" || e.code === "ArrowUp") {
      if (suggestions.arrow(e.code)) e.preventDefault();
    } else if (e.code === "Enter" || e.code === "NumpadEnter") {
      e.preventDefault();
      const pick = suggestions.pick({ asTyped: e.shiftKey });
      if (pick !== null) accept(pick);
      else submit(input.value);
    } else if (e.code === "Tab" && !e.shiftKey) {
      const pick = suggestions.pick({ tab: true });
      if (pick !== null) {
        e.preventDefault();
        accept(pick);
      }
    }
  });

  // ---- updates from the model -----------------------------------------------------------------
  function update(current) {
    const id = current && typeof current.id === "string" && current.id ? current.id : null;
    const next = id && Array.isArray(current.tags) ? current.tags : [];
    input.disabled = !id;
    if (id === currentId && sameList(next, tags) && chips.children.length === tags.length) return;
    if (id !== currentId) {
      input.value = ""; // a half-typed tag belongs to the image it was typed for
      closeList();
    }
    currentId = id;
    tags = next.slice();
    renderChips();
  }

  function dispose() {
    suggestions.dispose();
  }

  return {
    el, update, dispose, moveChip, removeChip, closeList,
    isListOpen: () => suggestions.state().open,
    focusInput: () => input.focus(),
  };
}
