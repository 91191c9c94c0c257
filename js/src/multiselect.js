// The multi-select editor: beside the thumbnail grid while two or more images are selected.
// Tags on all selected images (chips, remove from all), tags on some (k/N, add to all, remove),
// and an input that adds tags to every selected image. Counts come from `tag_counts`; every edit
// is one request (one undo step in Python), after which the counts are asked again.

import "./multiselect.css";
import { h, attr, setText, isolate, uniqueId } from "./dom.js";
import {
  acClosed, acWithItems, acMove, acPick, lastSegment, applySuggestion, renderSuggestions,
} from "./autocomplete.js";

export const COUNTS_DELAY_MS = 250;
export const SOME_LIMIT = 200;
export const COMPLETE_LIMIT = 10;
export const COMPLETE_DELAY_MS = 80;

const numberFormat = new Intl.NumberFormat();
/** A count as the person's locale writes it. */
export function num(n) {
  return numberFormat.format(n);
}

function isCount(v) {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function count(v) {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** One count row as `{tag, all, filtered, selected}` from `[tag, all, filtered, selected]` or an
 *  object with those keys; null when it has no tag. Counts that are not numbers become 0. */
function toRow(row) {
  let tag;
  let all;
  let filtered;
  let selected;
  if (Array.isArray(row)) [tag, all, filtered, selected] = row;
  else if (row && typeof row === "object") ({ tag, all, filtered, selected } = row);
  else return null;
  if (typeof tag !== "string" || !tag.trim()) return null;
  return { tag, all: count(all), filtered: count(filtered), selected: count(selected) };
}

/**
 * The `tag_counts` reply as `{ rows: [{tag, all, filtered, selected}, ...], selected }`.
 * Junk-tolerant: rows without a tag are dropped, a repeated tag keeps its first row, counts that
 * are not non-negative numbers read as 0; `selected` is null when the reply does not say it.
 */
export function normalizeCounts(reply) {
  const src = reply && typeof reply === "object" ? reply : {};
  const rows = [];
  const seen = new Set();
  for (const raw of Array.isArray(src.rows) ? src.rows : []) {
    const row = toRow(raw);
    if (!row || seen.has(row.tag)) continue;
    seen.add(row.tag);
    rows.push(row);
  }
  return { rows, selected: isCount(src.selected) ? src.selected : null };
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
function byName(a, b) {
  return collator.compare(a.tag, b.tag) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
}

/**
 * Split count rows (raw or normalized) for `n` selected images:
 * `common`: tags on all of them (selected >= n), by name;
 * `some`: tags on some (0 < selected < n), most selected first, then by name.
 * Tags on none are left out; with no selection (n < 1) both are empty.
 */
export function splitCommon(rows, n) {
  const common = [];
  const some = [];
  if (!isCount(n) || n < 1 || !Array.isArray(rows)) return { common, some };
  const seen = new Set();
  for (const raw of rows) {
    const row = toRow(raw);
    if (!row || row.selected < 1 || seen.has(row.tag)) continue;
    seen.add(row.tag);
    (row.selected >= n ? common : some).push(row);
  }
  common.sort(byName);
  some.sort((a, b) => b.selected - a.selected || byName(a, b));
  return { common, some };
}

/**
 * A string that changes exactly when the set of selected places changes (order and repeats do
 * not matter; entries that are not places are ignored). "" for no selection or junk.
 */
export function selectionKey(list) {
  if (!Array.isArray(list)) return "";
  let nums = list.filter((v) => Number.isInteger(v) && v >= 0);
  let ordered = true;
  for (let i = 1; i < nums.length; i += 1) {
    if (nums[i] <= nums[i - 1]) {
      ordered = false;
      break;
    }
  }
  if (!ordered) nums = [...new Set(nums)].sort((a, b) => a - b);
  return nums.join(",");
}

/** Tags typed into the input: split at commas, trimmed, empty ones dropped, each once. */
export function splitTags(text) {
  const out = [];
  for (const part of String(text ?? "").split(",")) {
    const tag = part.trim();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

function images(n) {
  return `${num(n)} image${n === 1 ? "" : "s"}`;
}

/** The accessible names of the buttons (the tag as it is: names are not displayed). */
export const labels = {
  heading: (n) => `${images(n)} selected`,
  onAll: (n) => `On all ${num(n)}`,
  removeCommon: (tag, n) => `Remove ${tag} from the ${num(n)} selected images`,
  addToAll: (tag, n) => `Add ${tag} to all ${num(n)} selected images`,
  removeSome: (tag, k) => (k === 1
    ? `Remove ${tag} from the 1 selected image that has it`
    : `Remove ${tag} from the ${num(k)} selected images that have it`),
  more: (k) => `${num(k)} more`,
};

/** Tags for a sentence: “a”, “b” and 3 more (each isolated). */
export function quoteTags(tags, max = 3) {
  const q = tags.slice(0, max).map((t) => `“${isolate(t)}”`);
  const rest = tags.length - q.length;
  if (rest > 0) return `${q.join(", ")} and ${num(rest)} more`;
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

/** What the live region says after an edit (`reply`: Python's reply to it). */
export function editMessage(kind, tags, reply) {
  const changes = count(reply && reply.changes);
  const skipped = count(reply && reply.skipped);
  const locked = skipped ? ` ${images(skipped)} with locked captions left out.` : "";
  if (changes === 0) {
    return kind === "add"
      ? `Nothing changed: the selected images already have ${quoteTags(tags)}.${locked}`
      : `Nothing changed: no selected image has ${quoteTags(tags)}.${locked}`;
  }
  const did = kind === "add" ? `Added ${quoteTags(tags)} to` : `Removed ${quoteTags(tags)} from`;
  return `${did} ${images(changes)}.${locked} Ctrl+Z undoes it.`;
}

/**
 * Ask again, at most one request in flight, the newest state wins.
 * createRefresher({ fetch, onData, onError, delayMs, timers })
 *   fetch() -> Promise<data>;  onData(data) / onError(err): for the newest request only.
 *   now(): ask at once (or right after the one in flight; its answer is then dropped as stale);
 *   soon(): ask after `delayMs` of quiet; cancel(): drop what is pending and the answer in flight;
 *   dispose(): cancel for good.  `busy`: something is pending or in flight.
 */
export function createRefresher({ fetch, onData, onError = () => {}, delayMs = COUNTS_DELAY_MS, timers = globalThis }) {
  let timer = null;
  let inFlight = false;
  let again = false;
  let gen = 0;
  let disposed = false;

  function clearTimer() {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  }

  function settle(mine, deliver) {
    inFlight = false;
    if (disposed) return;
    if (again) {
      now();
      return;
    }
    if (mine === gen) deliver();
  }

  function now() {
    clearTimer();
    if (disposed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    const mine = gen;
    let p;
    try {
      p = Promise.resolve(fetch());
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then((data) => settle(mine, () => onData(data)), (err) => settle(mine, () => onError(err)));
  }

  function soon() {
    clearTimer();
    if (disposed) return;
    timer = timers.setTimeout(() => {
      timer = null;
      now();
    }, delayMs);
  }

  function cancel() {
    clearTimer();
    again = false;
    gen += 1;
  }

  return {
    now, soon, cancel,
    dispose() {
      cancel();
      disposed = true;
    },
    get busy() {
      return inFlight || again || timer !== null;
    },
  };
}

/**
 * createMultiSelect({ request, status }) -> { el, update(state), dispose() }
 *   request(type, fields) -> Promise<{reply}> (rejects with Python's sentence)
 *   status.show(message, "error") for failures.
 *   update(state) reads `state._shown_selection` (or `state.selection`), `state.items_version`
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
    "aria-controls": listId, "aria-expanded": "false", "data-fkey": "ms-input",
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
    onData: ({ reply } = {}) => {
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
    if (status && typeof status.show === "function") status.show(err && err.message ? err.message : String(err), "error");
  }

  // ---- rendering -----------------------------------------------------------------------------
  function commonChip(row, n) {
    const remove = h("button", {
      type: "button", class: "ltw-ms-x", text: "×", "aria-label": labels.removeCommon(row.tag, n),
      title: `Remove “${isolate(row.tag)}” from all ${num(n)} selected images`, "data-fkey": `ms-cx:${row.tag}`,
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
      h("span", { class: "ltw-ms-frac", "aria-hidden": "true", title: `On ${num(row.selected)} of ${num(n)} selected images`,
        text: `${num(row.selected)}/${num(n)}` }),
      h("span", { class: "ltw-vh", text: `on ${num(row.selected)} of ${num(n)}` }),
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
    const stale = refresher.busy || !data;
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
  let ac = acClosed();
  let acTimer = null;
  let acSeq = 0;

  function renderList() {
    renderSuggestions({
      listbox, input, listId, state: ac, countText: ([, n]) => (Number.isFinite(n) ? num(n) : ""), expanded: true,
    });
  }

  function setAc(next) {
    ac = next;
    renderList();
  }

  function closeList() {
    clearTimeout(acTimer);
    acSeq += 1;
    if (ac.open || ac.items.length) setAc(acClosed());
  }

  function complete() {
    const q = lastSegment(input.value);
    if (!q) {
      closeList();
      return;
    }
    const mine = ++acSeq;
    Promise.resolve()
      .then(() => request("complete", { query: q, limit: COMPLETE_LIMIT }))
      .then(({ reply } = {}) => {
        if (mine !== acSeq || disposed || document.activeElement !== input) return;
        setAc(acWithItems(q, reply && reply.items));
      })
      .catch(() => {
        if (mine === acSeq && !disposed) setAc(acClosed()); // suggestions are a convenience: stay quiet
      });
  }

  function submit(text) {
    closeList();
    const tags = splitTags(text);
    if (!tags.length) return;
    input.value = "";
    addToSelection(tags, "ms-input").then((ok) => {
      if (!ok && input.value === "") input.value = text; // keep what they typed when it failed
    });
  }

  input.addEventListener("input", () => {
    clearTimeout(acTimer);
    acTimer = setTimeout(complete, COMPLETE_DELAY_MS);
  });
  input.addEventListener("blur", () => closeList());
  input.addEventListener("keydown", (e) => {
    if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.code === "ArrowDown" || e.code === "ArrowUp") {
      e.stopPropagation();
      if (ac.open) {
        e.preventDefault();
        setAc(acMove(ac, e.code === "ArrowDown" ? 1 : -1));
      } else if (e.code === "ArrowDown" && lastSegment(input.value)) {
        e.preventDefault();
        clearTimeout(acTimer);
        complete();
      }
    } else if (e.code === "Enter" || e.code === "NumpadEnter") {
      e.preventDefault();
      e.stopPropagation();
      const pick = acPick(ac, { tab: false });
      submit(pick !== null ? applySuggestion(input.value, pick) : input.value);
    } else if (e.code === "Tab" && !e.shiftKey) {
      const pick = acPick(ac, { tab: true });
      if (pick !== null) {
        e.preventDefault();
        input.value = applySuggestion(input.value, pick);
        closeList();
      }
    } else if (e.code === "Escape" && ac.open) {
      e.preventDefault();
      e.stopPropagation();
      closeList();
    }
  });
  addButton.addEventListener("click", () => submit(input.value));
  listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
  listbox.addEventListener("click", (e) => {
    const li = e.target && e.target.closest ? e.target.closest("[role=option]") : null;
    if (!li) return;
    const item = ac.items[Number(li.getAttribute("data-index"))];
    if (item) submit(applySuggestion(input.value, item[0]));
  });

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
    const sel = Array.isArray(s._shown_selection) ? s._shown_selection : Array.isArray(s.selection) ? s.selection : [];
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
    clearTimeout(acTimer);
    acSeq += 1;
  }

  return { el, update, dispose };
}
