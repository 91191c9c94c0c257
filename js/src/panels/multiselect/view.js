// The multi-select editor: beside the thumbnail grid while two or more images are selected.
// Tags on all selected images (chips, remove from all), tags on some (k/N, add to all, remove),
// and an input that adds tags to every selected image. Counts come from `tag_counts`; every edit
// is one request (one undo step in Python), after which the counts are asked again.

import "./multiselect.css";
import { attr, setText, activeElement } from "../../lib/dom.js";
import { applySuggestion, createSuggestions } from "../../editor/autocomplete.js";
import { createRefresher } from "../../lib/latest.js";
import { multiSelectElements, commonChip, someRow } from "./elements.js";
import {
  COUNTS_DELAY_MS, COMPLETE_LIMIT, COMPLETE_DELAY_MS, normalizeCounts, splitCommon, selectionKey, typedTags, images,
  labels, editMessage, shownSelection, listsView, fallbackKey,
} from "./logic.js";
import { fmt, errorText } from "../../lib/format.js";

/** @typedef {ReturnType<typeof multiSelectElements>} Ui */

/** What the panel knows now, shared by its parts. */
function multiState() {
  return {
    visible: false,
    key: /** @type {string | null} */ (null), // selection key the shown counts (or the pending request) belong to
    version: /** @type {number | undefined} */ (undefined), // items_version last seen
    liveCount: 0, // selection size as the trait says now
    /** @type {{ n: number, common: any[], some: any[] } | null} */
    data: null, // from the newest reply
    shownSig: /** @type {string | null} */ (null),
    focusFallback: /** @type {string | null} */ (null), // data-fkey to focus when the focused element goes away
    disposed: false,
  };
}

/** The data-fkey to focus when `li` goes away: `prefix` and the next row's tag, else the previous row's. */
function fallbackAfter(li, prefix) {
  const sibling = li && (li.nextElementSibling || li.previousElementSibling);
  return fallbackKey(sibling && sibling.getAttribute("data-tag"), prefix);
}

/**
 * Redraw with `fn` and keep the keyboard focus in the panel `el`: on the same control, else the
 * fallback the last edit named, else the panel.
 * @param {HTMLElement} el
 * @param {ReturnType<typeof multiState>} s
 * @param {() => void} fn
 */
function withFocus(el, s, fn) {
  const active = activeElement();
  const had = !!active && active !== el && el.contains(active);
  const fkey = had && active.closest ? active.closest("[data-fkey]")?.getAttribute("data-fkey") : null;
  fn();
  if (!had || (active.isConnected && el.contains(active))) return;
  for (const k of [fkey, s.focusFallback]) {
    if (!k) continue;
    for (const node of el.querySelectorAll("[data-fkey]")) {
      if (node.getAttribute("data-fkey") === k) {
        /** @type {HTMLElement} */ (node).focus({ preventScroll: true });
        s.focusFallback = null;
        return;
      }
    }
  }
  el.focus({ preventScroll: true });
}

/**
 * The heading and busy marks (render, cheap, on every update) and the two lists (renderLists, when
 * the counts changed).
 * @param {Ui} ui
 * @param {ReturnType<typeof multiState>} s
 * @param {{ busy: () => boolean, addToSelection: Function, removeFromSelection: Function }} parts
 */
function createListsView(ui, s, { busy, addToSelection, removeFromSelection }) {
  const { el, commonHead, commonList, commonEmpty, someList, someEmpty, more } = ui;
  function render() {
    if (s.disposed) return;
    const stale = busy() || !s.data;
    el.classList.toggle("is-stale", stale);
    attr(el, "aria-busy", stale ? "true" : null);
    setText(ui.heading, labels.heading(s.liveCount));
  }
  const chipActions = { hintId: ui.hintId, onRemove: (li) => removeFromSelection(li.getAttribute("data-tag"), fallbackAfter(li, "ms-c:")) };
  const rowActions = (row) => ({
    onAdd: (li) => addToSelection([row.tag], fallbackAfter(li, "ms-sa:")),
    onRemove: (li) => removeFromSelection(row.tag, fallbackAfter(li, "ms-sx:")),
  });
  function renderLists() {
    if (!s.data) {
      s.shownSig = null;
      setText(commonHead, labels.onAll(s.liveCount));
      commonList.replaceChildren();
      someList.replaceChildren();
      commonEmpty.hidden = false;
      setText(commonEmpty, "Counting tags…");
      someEmpty.hidden = true;
      more.hidden = true;
      return;
    }
    const { n, common, some } = s.data;
    const { shown, sig } = listsView(s.data);
    if (sig === s.shownSig) return;
    s.shownSig = sig;
    withFocus(el, s, () => {
      setText(commonHead, labels.onAll(n));
      commonList.replaceChildren(...common.map((row) => commonChip(row, n, chipActions)));
      commonList.hidden = common.length === 0;
      commonEmpty.hidden = common.length > 0;
      setText(commonEmpty, some.length ? `No tag is on all ${images(n)}.` : "The selected images have no tags yet.");
      someList.replaceChildren(...shown.map((row) => someRow(row, n, rowActions(row))));
      someList.hidden = shown.length === 0;
      someEmpty.hidden = shown.length > 0 || common.length === 0;
      setText(someEmpty, "None: every tag here is on all of them.");
      more.hidden = some.length <= shown.length;
      setText(more, labels.more(some.length - shown.length));
    });
  }
  return { render, renderLists };
}

/**
 * The input that adds tags to every selected image, with its suggestions; returns the suggestions.
 * @param {Ui} ui
 * @param {{ request: Function, addToSelection: (tags: string[], fallback: string) => Promise<boolean> }} parts
 */
function wireInput({ input, addButton, listbox, listId }, { request, addToSelection }) {
  const suggestions = createSuggestions({
    request, input, listbox, listId, limit: COMPLETE_LIMIT, delayMs: COMPLETE_DELAY_MS, expanded: true,
    countText: ([, n]) => (Number.isFinite(n) ? fmt(n) : ""),
    onAccept: (tag) => submit(applySuggestion(input.value, tag)),
  });
  const closeList = () => suggestions.close();
  function submit(text) {
    closeList();
    const tags = typedTags(text);
    if (!tags.length) return;
    input.value = "";
    addToSelection(tags, "ms-input").then((ok) => {
      if (!ok && input.value === "") input.value = text; // keep what they typed when it failed
    });
  }
  input.addEventListener("keydown", (e) => {
    if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.code === "ArrowDown" || e.code === "ArrowUp") {
      e.stopPropagation();
      if (suggestions.arrow(e.code)) e.preventDefault();
    } else if (e.code === "Enter" || e.code === "NumpadEnter") {
      e.preventDefault();
      e.stopPropagation();
      const pick = suggestions.pick({ asTyped: e.shiftKey });
      submit(pick !== null ? applySuggestion(input.value, pick) : input.value);
    } else if (e.code === "Tab" && !e.shiftKey) {
      const pick = suggestions.pick({ tab: true });
      if (pick !== null) {
        e.preventDefault();
        input.value = applySuggestion(input.value, pick);
        closeList();
      }
    } else if (e.code === "Escape" && suggestions.state().open) {
      e.preventDefault();
      e.stopPropagation();
      closeList();
    }
  });
  addButton.addEventListener("click", () => submit(input.value));
  return suggestions;
}

const PANEL_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

/**
 * Keys on the panel: Delete on a chip removes its tag from all; the grid's moving keys stay here.
 * @param {Ui} ui
 * @param {(tag: string, fallback: string) => void} removeFromSelection
 */
function wirePanelKeys({ el, input, commonList }, removeFromSelection) {
  el.addEventListener("keydown", (e) => {
    const target = e.target;
    if (target === input || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.code === "Delete" || e.code === "Backspace") && !e.shiftKey) {
      const li = target && target.closest ? target.closest(".ltw-ms-chip") : null;
      if (!li || !commonList.contains(li)) return;
      e.preventDefault();
      e.stopPropagation();
      const tag = li.getAttribute("data-tag");
      const fallback = fallbackAfter(li, "ms-c:");
      const neighbour = li.nextElementSibling || li.previousElementSibling;
      if (neighbour) neighbour.focus();
      removeFromSelection(tag, fallback);
    } else if (PANEL_KEYS.has(e.code)) {
      e.stopPropagation(); // the grid's arrow keys stay with the grid
    }
  });
}

/**
 * createMultiSelect({ request, status }) -> { el, update(state), dispose() }
 *   request(type, fields) -> Promise<{reply}> (rejects with Python's sentence)
 *   status.show(message, "error") for failures.
 *   update(state) reads `state._shown_selection`, `state.items_version`
 *   and `state.view` (hidden while it is "single").
 */
export function createMultiSelect({ request, status }) {
  const ui = multiSelectElements();
  const { el, live } = ui;
  const s = multiState();
  const pendingEdits = new Set();

  function showError(err) {
    if (s.disposed || (err && (err.disposed || err.superseded))) return;
    if (status && typeof status.show === "function") status.show(errorText(err), "error");
  }

  const refresher = createRefresher({
    fetch: () => request("tag_counts", {}),
    delayMs: COUNTS_DELAY_MS,
    onResult: ({ reply } = {}) => {
      const counts = normalizeCounts(reply);
      const n = counts.selected ?? s.liveCount;
      s.data = { n, ...splitCommon(counts.rows, n) };
      view.renderLists();
      view.render();
    },
    onError: (err) => {
      showError(err);
      if (!s.data) setText(ui.commonEmpty, "Could not count the tags of the selected images.");
      view.render();
    },
  });

  async function edit(kind, tags, type, fields, fallback) {
    const editKey = `${kind}:${tags.join(",")}`;
    if (pendingEdits.has(editKey)) return false;
    pendingEdits.add(editKey);
    s.focusFallback = fallback || null;
    try {
      const { reply } = await request(type, fields);
      if (s.disposed) return true;
      setText(live, editMessage(kind, tags, reply));
      return true;
    } catch (err) {
      s.focusFallback = null;
      showError(err);
      return false;
    } finally {
      pendingEdits.delete(editKey);
      if (!s.disposed && s.visible) {
        refresher.now();
        view.render();
      }
    }
  }
  function addToSelection(tags, fallback) {
    if (!tags.length) return Promise.resolve(false);
    return edit("add", tags, "paste_tags", { tags, scope: "selected", mode: "add" }, fallback);
  }
  function removeFromSelection(tag, fallback) {
    return edit("remove", [tag], "batch_apply", { operation: { kind: "remove", tags: [tag] }, scope: "selected" }, fallback);
  }

  const view = createListsView(ui, s, { busy: () => refresher.busy(), addToSelection, removeFromSelection });
  const suggestions = wireInput(ui, { request, addToSelection });
  wirePanelKeys(ui, removeFromSelection);

  function update(state) {
    if (s.disposed) return;
    const sel = shownSelection(state);
    if (!sel) {
      if (s.visible) {
        s.visible = false;
        el.hidden = true;
        refresher.cancel();
        suggestions.close();
        setText(live, "");
      }
      return;
    }
    const k = selectionKey(sel);
    const changed = k !== s.key || state.items_version !== s.version;
    s.liveCount = sel.length;
    if (!s.visible) {
      s.visible = true;
      el.hidden = false;
      if (k !== s.key) s.data = null;
      s.key = k;
      s.version = state.items_version;
      refresher.now();
      view.renderLists();
      view.render();
      return;
    }
    if (changed) {
      if (k !== s.key) setText(live, "");
      s.key = k;
      s.version = state.items_version;
      refresher.soon();
    }
    view.render();
  }

  function dispose() {
    s.disposed = true;
    refresher.dispose();
    suggestions.dispose();
  }

  return { el, update, dispose };
}
