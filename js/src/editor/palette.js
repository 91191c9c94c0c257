// The tag palette: every tag with its count (1..9 on the nine most used), toggling on the
// current item, a filter, adding, deleting everywhere (after confirmation), import/export. Its
// rows come from the view's palette store (palettestore.js).

import { h, attr, isolate, setText } from "../lib/dom.js";
import { plural } from "../lib/format.js";

export const SHOWN_LIMIT = 200;
export const SLOTS = 9;

/** Rows (the store's, in palette order) whose tag contains the query, case-insensitive, each
 *  with its position in the whole palette: `[{ row, index }]`; every row for a blank query. */
export function filterPalette(rows, query) {
  const list = Array.isArray(rows) ? rows : [];
  const q = String(query || "").trim().toUpperCase().toLowerCase();
  const out = [];
  list.forEach((row, index) => {
    if (!q || row.fold.includes(q)) out.push({ row, index });
  });
  return out;
}

/** The tag bound to digit key `slot` (1..9): the slot-th most used palette entry. */
export function slotTag(rows, slot) {
  if (!Number.isInteger(slot) || slot < 1 || slot > SLOTS || !Array.isArray(rows)) return null;
  const row = rows[slot - 1];
  return row && typeof row.tag === "string" ? row.tag : null;
}

/** What an entry reads as (its accessible name): "red hair 12 ·1". */
export function entryText(tag, count, index) {
  return index < SLOTS ? `${tag} ${count} ·${index + 1}` : `${tag} ${count}`;
}

/** The delete action's tooltip: what it does to how many images ("…": it asks first). */
export function deleteTitle(tag, count) {
  return `Delete “${isolate(tag)}” from all ${plural(count, "image", "images")}…`;
}

/** The confirming button of the delete dialog, naming the count it touches. */
export function deleteConfirmLabel(count) {
  return `Delete from ${plural(count, "image", "images")}`;
}

/**
 * createPalette({ act, confirm, status, getCurrent, pick })
 *   pick(tag) -> what a click on a palette tag does (default: toggle it on the current image)
 *   confirm(message, confirmLabel) -> Promise<boolean> (in-widget dialog)
 */
export function createPalette({ act, confirm, status, getCurrent, pick = null }) {
  const filter = h("input", {
    class: "ltw-input ltw-filter", type: "text", "aria-label": "Filter palette", placeholder: "Filter…",
    autocomplete: "off", spellcheck: "false",
  });
  const list = h("div", { class: "ltw-pal-list", role: "group", "aria-label": "Palette tags" });
  const more = h("button", { type: "button", class: "ltw-btn ltw-more", hidden: true });
  const none = h("p", { class: "ltw-empty", hidden: true });
  const addInput = h("input", {
    class: "ltw-input ltw-pal-add", type: "text", "aria-label": "New palette tag", placeholder: "New palette tag",
    autocomplete: "off", spellcheck: "false",
  });
  const file = h("input", { type: "file", accept: ".txt,text/plain", hidden: true, tabindex: "-1", "aria-hidden": "true" });
  const importBtn = h("button", { type: "button", class: "ltw-btn", text: "Import tags.txt" });
  const exportBtn = h("button", { type: "button", class: "ltw-btn", text: "Export tags.txt" });
  const el = h("section", { class: "ltw-palette", "aria-label": "Palette" },
    h("div", { class: "ltw-pal-head" }, h("h3", { class: "ltw-h", text: "Palette" }), filter),
    list, none, more,
    h("div", { class: "ltw-pal-tools" }, addInput, importBtn, exportBtn, file));

  let rows = [];
  let revision = null; // the store's revision on screen
  let query = "";
  let showAll = false;
  let present = new Set();
  let hasCurrent = false;
  const entries = new Map(); // tag -> toggle button (of the entries on screen)

  function entry({ row, index }) {
    const parts = [h("span", { class: "ltw-pal-name", text: row.tag }), " ", h("span", { class: "ltw-count", text: String(row.count) })];
    if (index < SLOTS) {
      parts.push(" ", h("span", { class: "ltw-key", text: `·${index + 1}` }));
    }
    const toggle = h("button", {
      type: "button", class: "ltw-pal-tag" + (row.pinned ? " is-pinned" : ""), "aria-pressed": present.has(row.tag) ? "true" : "false",
      "data-fkey": `pal:${row.tag}`, title: row.tag + (index < SLOTS ? ` (key ${index + 1})` : "") + (row.pinned ? " · pinned" : ""),
      "aria-keyshortcuts": index < SLOTS ? String(index + 1) : null, disabled: !hasCurrent,
      onclick: () => toggleTag(row.tag),
    }, parts);
    entries.set(row.tag, toggle);
    // Not a chip's "×": a bin, apart from the tag, and a dialog naming the count before anything goes.
    const del = h("button", {
      type: "button", class: "ltw-pal-del", "aria-label": `Delete tag ${row.tag} from all images`,
      "aria-haspopup": "dialog", title: deleteTitle(row.tag, row.count), "data-fkey": `del:${row.tag}`,
      onclick: () => deleteTag(row.tag, del),
    }, h("span", { class: "ltw-bin", "aria-hidden": "true" }));
    return h("span", { class: "ltw-pal-item" }, toggle, del);
  }

  function render() {
    entries.clear();
    const matches = filterPalette(rows, query);
    const shown = showAll ? matches : matches.slice(0, SHOWN_LIMIT);
    list.replaceChildren(...shown.map(entry));
    more.hidden = shown.length >= matches.length;
    setText(more, `Show all ${matches.length} tags`);
    none.hidden = matches.length > 0;
    setText(none, rows.length ? "No palette tag matches the filter." : "No tags yet. Tags you use appear here.");
  }

  function refreshPressed() {
    for (const [tag, btn] of entries) {
      attr(btn, "aria-pressed", present.has(tag) ? "true" : "false");
      btn.disabled = !hasCurrent;
    }
  }

  function toggleTag(tag) {
    if (pick) {
      pick(tag);
      return;
    }
    const cur = getCurrent();
    if (!cur || !cur.id) return;
    act("toggle_tag", { id: cur.id, tag });
  }

  async function deleteTag(tag, opener) {
    const usage = await act("palette_usage", { tag });
    if (!usage) return;
    const n = Number.isFinite(usage.count) ? usage.count : 0;
    const ok = await confirm(`Remove "${isolate(tag)}" from ${n} images?`, deleteConfirmLabel(n), opener);
    if (!ok) return;
    const reply = await act("palette_delete", { tag }, { timeoutMs: 600000 });
    if (reply) {
      const changed = Number.isFinite(reply.changed) ? reply.changed : n;
      status.show(`Deleted "${isolate(tag)}": ${changed} image${changed === 1 ? "" : "s"} changed.`);
    }
  }

  filter.addEventListener("input", () => {
    query = filter.value;
    showAll = false;
    render();
    refreshPressed();
  });
  filter.addEventListener("keydown", (e) => {
    if (e.code !== "Enter" && e.code !== "NumpadEnter") return;
    e.preventDefault();
    const first = filterPalette(rows, query)[0];
    if (first) toggleTag(first.row.tag);
  });
  more.addEventListener("click", () => {
    showAll = true;
    render();
    refreshPressed();
  });
  addInput.addEventListener("keydown", (e) => {
    if ((e.code !== "Enter" && e.code !== "NumpadEnter") || e.isComposing) return;
    e.preventDefault();
    const text = addInput.value;
    const tag = text.trim();
    if (!tag) return;
    addInput.value = "";
    act("palette_add", { tag }).then((reply) => {
      if (reply) status.show(`Added "${isolate(tag)}" to the palette.`);
      else if (addInput.value === "") addInput.value = text;
    });
  });
  importBtn.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    file.value = "";
    if (!f) return;
    let text;
    try {
      text = await f.text();
    } catch (err) {
      status.show(`Could not read ${isolate(f.name)}: ${err && err.message ? err.message : err}`, "error");
      return;
    }
    const reply = await act("palette_import", { text }, { timeoutMs: 120000 });
    if (reply) {
      const n = Number.isFinite(reply.added) ? reply.added : 0;
      status.show(`Imported ${n} tag${n === 1 ? "" : "s"} from ${isolate(f.name)}.`);
    }
  });
  exportBtn.addEventListener("click", async () => {
    const reply = await act("palette_export", {});
    if (!reply) return;
    const text = typeof reply.text === "string" ? reply.text : "";
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const a = h("a", { href: url, download: "tags.txt", hidden: true });
    el.append(a);
    a.click();
    a.remove();
    downloads.add(url);
    setTimeout(() => {
      if (downloads.delete(url)) URL.revokeObjectURL(url);
    }, 30000);
    status.show("Exported tags.txt.");
  });
  const downloads = new Set();

  /** Show the store's rows (drawn again only when they changed) and the current image's tags. */
  function update(store, current) {
    hasCurrent = !!(current && current.id);
    present = new Set(hasCurrent && Array.isArray(current.tags) ? current.tags : []);
    if (store.revision !== revision) {
      revision = store.revision;
      rows = store.rows;
      render();
    }
    refreshPressed();
  }

  function dispose() {
    for (const url of downloads) URL.revokeObjectURL(url);
    downloads.clear();
  }

  return { el, update, dispose };
}
