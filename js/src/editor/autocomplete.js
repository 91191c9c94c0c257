// Suggestion list state for the tag inputs, as pure functions over plain objects, and the list
// drawn from it. state: { open, items: [[tag, count], ...], active (-1 = none), query }
// A fresh list highlights the tag typed exactly, else the first suggestion, so Enter takes it.

import { h, attr, activeElement } from "../lib/dom.js";
import { createLatest } from "../lib/latest.js";

/** What Enter and Shift+Enter do in a tag input with suggestions (its tooltip). */
export const ADD_HINT = "Enter adds the highlighted suggestion; Shift+Enter (or Esc, then Enter) adds the text as typed.";

export function acClosed() {
  return { open: false, items: [], active: -1, query: "" };
}

export function acWithItems(query, items) {
  const list = Array.isArray(items) ? items.filter((it) => Array.isArray(it) && typeof it[0] === "string") : [];
  const exact = list.findIndex((it) => it[0] === query);
  return { open: list.length > 0, items: list, active: list.length ? Math.max(exact, 0) : -1, query };
}

/** Move the highlight by delta (wraps); from "none" ArrowDown goes to the first, ArrowUp to the last. */
export function acMove(state, delta) {
  const n = state.items.length;
  if (!state.open || n === 0) return state;
  let active;
  if (state.active < 0) active = delta > 0 ? 0 : n - 1;
  else active = (((state.active + delta) % n) + n) % n;
  return { ...state, active };
}

/**
 * The suggestion that Enter (or Tab) accepts: the highlighted one; with Tab, the first one when
 * none is highlighted. Null means "add what was typed": the list is closed (Escape closes it),
 * nothing is highlighted, or `asTyped` (Shift+Enter) says so.
 */
export function acPick(state, { tab = false, asTyped = false } = {}) {
  if (asTyped || !state.open || state.items.length === 0) return null;
  if (state.active >= 0) return state.items[state.active][0];
  return tab ? state.items[0][0] : null;
}

/** The part of the input being completed: text after the last comma, trimmed. */
export function lastSegment(text) {
  const i = text.lastIndexOf(",");
  return (i < 0 ? text : text.slice(i + 1)).trim();
}

/** Replace the segment being completed with the accepted tag. */
export function applySuggestion(text, tag) {
  const i = text.lastIndexOf(",");
  if (i < 0) return tag;
  const head = text.slice(0, i).trim();
  return head ? `${head}, ${tag}` : tag;
}

/**
 * Draw the suggestion list of `state` into `listbox`: one option a suggestion (id `${listId}-i`),
 * the tag and countText(item) beside it; shown while the state is open. The input's
 * aria-activedescendant names the highlighted option, scrolled into view; with `expanded` the
 * input's aria-expanded says whether the list is open.
 */
export function renderSuggestions({ listbox, input, listId, state, countText, expanded = false }) {
  listbox.replaceChildren(...state.items.map((item, i) => h("li", {
    id: `${listId}-${i}`, role: "option", class: "ltw-option", "aria-selected": i === state.active ? "true" : "false",
    "data-index": String(i),
  }, h("span", { class: "ltw-option-tag", text: item[0] }), " ", h("span", { class: "ltw-count", text: countText(item) }))));
  listbox.hidden = !state.open;
  if (expanded) attr(input, "aria-expanded", state.open ? "true" : "false");
  attr(input, "aria-activedescendant", state.open && state.active >= 0 ? `${listId}-${state.active}` : null);
  if (state.open && state.active >= 0) {
    const opt = listbox.children[state.active];
    if (opt && opt.scrollIntoView) opt.scrollIntoView({ block: "nearest" });
  }
}

/**
 * createSuggestions({ request, input, listbox, listId, limit, delayMs, countText, expanded, onAccept })
 * The suggestion list of a tag input: asks Python (`complete`) for the segment being typed after a
 * pause (only the latest answer counts, and only while the input has the focus), draws the list,
 * closes it when the input loses the focus; a click on a suggestion calls onAccept(tag).
 * -> { state(), close(), arrow(code) -> handled?, pick({ tab }), dispose() }
 *   arrow("ArrowDown" | "ArrowUp"): moves the highlight in an open list, or opens it (ArrowDown).
 */
export function createSuggestions({ request, input, listbox, listId, limit, delayMs, countText, expanded = false, onAccept }) {
  const latest = createLatest();
  let ac = acClosed();
  let timer = null;

  function set(next) {
    ac = next;
    renderSuggestions({ listbox, input, listId, state: ac, countText, expanded });
  }

  function close() {
    clearTimeout(timer);
    latest.drop();
    if (ac.open || ac.items.length) set(acClosed());
  }

  function ask() {
    const q = lastSegment(input.value);
    if (!q) {
      close();
      return;
    }
    const ticket = latest.next();
    Promise.resolve()
      .then(() => request("complete", { query: q, limit }))
      .then(({ reply } = {}) => {
        if (!latest.isLatest(ticket) || activeElement() !== input) return;
        set(acWithItems(q, reply && reply.items));
      })
      .catch(() => {
        if (latest.isLatest(ticket)) set(acClosed()); // suggestions are a convenience: stay quiet
      });
  }

  function arrow(code) {
    if (ac.open) {
      set(acMove(ac, code === "ArrowDown" ? 1 : -1));
      return true;
    }
    if (code === "ArrowDown" && lastSegment(input.value)) {
      clearTimeout(timer);
      ask();
      return true;
    }
    return false;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, delayMs);
  });
  input.addEventListener("blur", () => close());
  listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
  listbox.addEventListener("click", (e) => {
    const target = /** @type {Element} */ (e.target);
    const li = target && target.closest ? target.closest("[role=option]") : null;
    if (!li) return;
    const item = ac.items[Number(li.getAttribute("data-index"))];
    if (item) onAccept(item[0]);
  });

  return {
    state: () => ac,
    close,
    arrow,
    pick: (opts) => acPick(ac, opts),
    dispose() {
      clearTimeout(timer);
      latest.drop();
    },
  };
}
