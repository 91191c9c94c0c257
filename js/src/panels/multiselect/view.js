// The multi-select editor: beside the thumbnail grid while two or more images are selected.
// Tags on all selected images (chips, remove from all), tags on some (k/N, add to all, remove),
// and an input that adds tags to every selected image. Counts come from `tag_counts`; every edit
// is one request (one undo step in Python), after which the counts are asked again.

import "./multiselect.css";
import { h, attr, setText, isolate, uniqueId } from "../../lib/dom.js";
import { applySuggestion, createSuggestions, ADD_HINT } from "../../editor/autocomplete.js";
import { createRefresher } from "../../lib/latest.js";
import {
  COUNTS_DELAY_MS, SOME_LIMIT, COMPLETE_LIMIT, COMPLETE_DELAY_MS, normalizeCounts, splitCommon, selectionKey, typedTags, images, labels, editMessage,
} from "./logic.js";
import { fmt, errorText } from "../../lib/format.js";

/**
 * createMultiSelect({ request, status }) -> { el, update(state), dispose() }
 *   request(type, fields) -> Promise<{reply}> (rejects with Python's sentence)
 *   status.show(message, "error") for failures.
 *   update(state) reads `state._shown_selection`, `state.items_version`
 *   and `state.view` (hidden while it is "single").
 */
export function createMultiSelect({ request, status }) {
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

  let visible = false;
  let key = null; // selection key the shown counts (or the pending request) belong to
  let version; // items_version last seen
  let liveCount = 0; // selection size as the trait says now
  let data = null; // { n, common, some } from the newest reply
  let shownSig = null;
  let focusFallback = null; // data-fkey to focus when the focused element goes away
  const pendingEdits = new Set();
  let disposed = false;

  const refresher = createRefresher({
    fetch: () => request("tag_counts", {}),
    delayMs: COUNTS_DELAY_MS,
    onResult: ({ reply } = {}) => {
      const counts = normalizeCounts(reply);
      const n = counts.selected ?? liveCount;
      data = { n, ...splitCommon(counts.rows, n) };
      renderLists();
      render();
    },
    onError: (err) => {
      showError(err);
      if (!data) setText(commonEmpty, "Could not count the tags of the selected images.");
      render();
    },
  });

  function showError(err) {
    if (disposed || (err && (err.disposed || err.superseded))) return;
    if (status && typeof status.show === "function") status.show(errorText(err), "error");
  }

  // ---- rendering -----------------------------------------------------------------------------
  function commonChip(row, n) {
    const remove = h("button", {
      type: "button", class: "ltw-ms-x", text: "×", "aria-label": labels.removeCommon(row.tag, n),
      title: `Remove “${isolate(row.tag)}” from all ${fmt(n)} selected images`, "data-fkey": `ms-cx:${row.tag}`,
      onclick: (e) => {
        e.stopPropagation();
        removeFromSelection(row.tag, fallbackAfter(e.currentTarget.closest("li"), commonList, "ms-cx:"));
      },
    });
    return h("li", {
      class: "ltw-ms-chip", tabindex: "0", "data-tag": row.tag, "data-fkey": `ms-c:${row.tag}`,
      "aria-describedby": hintId, "aria-keyshortcuts": "Delete", title: row.tag,
    }, h("span", { class: "ltw-ms-chip-text", text: row.tag }), remove);
  }

  function someRow(row, n) {
    return h("li", { class: "ltw-ms-row", "data-tag": row.tag },
      h("span", { class: "ltw-ms-name", text: row.tag, title: row.tag }),
      h("span", { class: "ltw-ms-frac", "aria-hidden": "true", title: `On ${fmt(row.selected)} of ${fmt(n)} selected images`,
        text: `${fmt(row.selected)}/${fmt(n)}` }),
      h("span", { class: "ltw-vh", text: `on ${fmt(row.selected)} of ${fmt(n)}` }),
      h("button", {
        type: "button", class: "ltw-btn ltw-ms-addall", text: "Add to all", "aria-label": labels.addToAll(row.tag, n),
        "data-fkey": `ms-sa:${row.tag}`,
        onclick: (e) => addToSelection([row.tag], fallbackAfter(e.currentTarget.closest("li"), someList, "ms-sa:")),
      }),
      h("button", {
        type: "button", class: "ltw-ms-x", text: "×", "aria-label": labels.removeSome(row.tag, row.selected),
        title: `Remove “${isolate(row.tag)}” from the ${images(row.selected)} that have it`, "data-fkey": `ms-sx:${row.tag}`,
        onclick: (e) => removeFromSelection(row.tag, fallbackAfter(e.currentTarget.closest("li"), someList, "ms-sx:")),
      }));
  }

  /** The data-fkey to focus when `li` goes away: the same control on the next row, else the previous. */
  function fallbackAfter(li, list, prefix) {
    const sibling = li && (li.nextElementSibling || li.previousElementSibling);
    const tag = sibling && sibling.getAttribute("data-tag");
    if (tag === null || tag === undefined) return "ms-input";
    return list === commonList ? `ms-c:${tag}` : `${prefix}${tag}`;
  }

  /** Re-render and keep keyboard focus in the panel (same control, the fallback, the panel). */
  function withFocus(fn) {
    const active = document.activeElement;
    const had = !!active && active !== el && el.contains(active);
    const fkey = had && active.closest ? active.closest("[data-fkey]")?.getAttribute("data-fkey") : null;
    fn();
    if (!had || (active.isConnected && el.contains(active))) return;
    for (const k of [fkey, focusFallback]) {
      if (!k) continue;
      for (const node of el.querySelectorAll("[data-fkey]")) {
        if (node.getAttribute("data-fkey") === k) {
          node.focus({ preventScroll: true });
          focusFallback = null;
          return;
        }
      }
    }
    el.focus({ preventScroll: true });
  }

  /** Heading and busy marks: cheap, on every update. */
  function render() {
    if (disposed) return;
    const stale = refresher.busy() || !data;
    el.classList.toggle("is-stale", stale);
    attr(el, "aria-busy", stale ? "true" : null);
    setText(heading, labels.heading(liveCount));
  }

  /** The two lists, when the counts changed. */
  function renderLists() {
    if (!data) {
      shownSig = null;
      setText(commonHead, labels.onAll(liveCount));
      commonList.replaceChildren();
      someList.replaceChildren();
      commonEmpty.hidden = false;
      setText(commonEmpty, "Counting tags…");
      someEmpty.hidden = true;
      more.hidden = true;
      return;
    }
    const { n, common, some } = data;
    const shown = some.slice(0, SOME_LIMIT);
    const sig = JSON.stringify([n, common.map((r) => r.tag), shown.map((r) => [r.tag, r.selected]), some.length]);
    if (sig === shownSig) return;
    shownSig = sig;
    withFocus(() => {
      setText(commonHead, labels.onAll(n));
      commonList.replaceChildren(...common.map((row) => commonChip(row, n)));
      commonList.hidden = common.length === 0;
      commonEmpty.hidden = common.length > 0;
      setText(commonEmpty, some.length ? `No tag is on all ${images(n)}.` : "The selected images have no tags yet.");
      someList.replaceChildren(...shown.map((row) => someRow(row, n)));
      someList.hidden = shown.length === 0;
      someEmpty.hidden = shown.length > 0 || common.length === 0;
      setText(someEmpty, "None: every tag here is on all of them.");
      more.hidden = some.length <= shown.length;
      setText(more, labels.more(some.length - shown.length));
    });
  }

  // ---- edits --------------------------------------------------------------------------------
  async function edit(kind, tags, type, fields, fallback) {
    const editKey = `${kind}:${tags.join(",")}`;
    if (pendingEdits.has(editKey)) return false;
    pendingEdits.add(editKey);
    focusFallback = fallback || null;
    try {
      const { reply } = await request(type, fields);
      if (disposed) return true;
      setText(live, editMessage(kind, tags, reply));
      return true;
    } catch (err) {
      focusFallback = null;
      showError(err);
      return false;
    } finally {
      pendingEdits.delete(editKey);
      if (!disposed && visible) {
        refresher.now();
        render();
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

  // ---- the input and its suggestions ---------------------------------------------------------
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

  // ---- keys on the panel ---------------------------------------------------------------------
  const PANEL_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
  el.addEventListener("keydown", (e) => {
    const target = e.target;
    if (target === input || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.code === "Delete" || e.code === "Backspace") && !e.shiftKey) {
      const li = target && target.closest ? target.closest(".ltw-ms-chip") : null;
      if (!li || !commonList.contains(li)) return;
      e.preventDefault();
      e.stopPropagation();
      const tag = li.getAttribute("data-tag");
      const fallback = fallbackAfter(li, commonList, "ms-c:");
      const neighbour = li.nextElementSibling || li.previousElementSibling;
      if (neighbour) neighbour.focus();
      removeFromSelection(tag, fallback);
    } else if (PANEL_KEYS.has(e.code)) {
      e.stopPropagation(); // the grid's arrow keys stay with the grid
    }
  });

  // ---- model -> view ------------------------------------------------------------------------
  function hide() {
    visible = false;
    el.hidden = true;
    refresher.cancel();
    closeList();
    setText(live, "");
  }

  function update(state) {
    if (disposed) return;
    const s = state && typeof state === "object" ? state : {};
    const sel = Array.isArray(s._shown_selection) ? s._shown_selection : [];
    const show = sel.length >= 2 && s.view !== "single";
    if (!show) {
      if (visible) hide();
      return;
    }
    const k = selectionKey(sel);
    const changed = k !== key || s.items_version !== version;
    liveCount = sel.length;
    if (!visible) {
      visible = true;
      el.hidden = false;
      if (k !== key) data = null;
      key = k;
      version = s.items_version;
      refresher.now();
      renderLists();
      render();
      return;
    }
    if (changed) {
      if (k !== key) setText(live, "");
      key = k;
      version = s.items_version;
      refresher.soon();
    }
    render();
  }

  function dispose() {
    disposed = true;
    refresher.dispose();
    suggestions.dispose();
  }

  return { el, update, dispose };
}
