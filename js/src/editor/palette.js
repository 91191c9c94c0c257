// The tag palette: every tag with its count, toggling on the current item, a filter, adding,
// deleting everywhere (after confirmation), import/export. Its rows come from the view's palette
// store (palettestore.js). Digit keys 1..9 are slots: a slot holds the tag the person pinned to
// it (kept in the session) or, when free, one of the most used tags, chosen again only when
// another image opens, so a key pressed from memory toggles the tag shown when the image opened.
// Slotted tags come first, in key order.

import { h, attr, isolate, setText } from "../lib/dom.js";
import { plural } from "../lib/format.js";
import { paletteRow } from "./palettestore.js";

export const SHOWN_LIMIT = 200;
export const SLOTS = 9;

/** The pinned slots of the `_slots` trait (`{"1": tag, ...}`) as an array by key (index 1..9;
 *  null where free); anything else in it is left out, and a tag keeps its first key. */
export function readPinned(value) {
  const pinned = new Array(SLOTS + 1).fill(null);
  const seen = new Set();
  if (!value || typeof value !== "object") return pinned;
  for (let slot = 1; slot <= SLOTS; slot += 1) {
    const tag = value[String(slot)];
    if (typeof tag === "string" && tag && !seen.has(tag)) {
      pinned[slot] = tag;
      seen.add(tag);
    }
  }
  return pinned;
}

/**
 * The slots' tags (index 1..9: `{ tag, pinned }` or null): the pinned ones, then the free slots.
 * With `refill` (another image opened, or the palette first came) the free slots take the most
 * used palette tags not already in a slot, in palette order; without it each keeps the tag it
 * had (`previous`), unless that tag is now pinned to another key (the slot stays empty). A tag
 * deleted from the palette leaves its key at once (the palette's delete does that).
 */
export function fillSlots(previous, pinned, rows, refill) {
  const slots = new Array(SLOTS + 1).fill(null);
  const used = new Set();
  for (let slot = 1; slot <= SLOTS; slot += 1) {
    if (pinned[slot] !== null) {
      slots[slot] = { tag: pinned[slot], pinned: true };
      used.add(pinned[slot]);
    }
  }
  const free = [];
  for (let slot = 1; slot <= SLOTS; slot += 1) {
    if (slots[slot] !== null) continue;
    const before = previous && previous[slot];
    if (!refill && before && !used.has(before.tag)) {
      slots[slot] = { tag: before.tag, pinned: false };
      used.add(before.tag);
    } else if (refill) {
      free.push(slot);
    }
  }
  const list = Array.isArray(rows) ? rows : [];
  for (let i = 0; i < list.length && free.length > 0; i += 1) {
    if (used.has(list[i].tag)) continue;
    used.add(list[i].tag);
    slots[free.shift()] = { tag: list[i].tag, pinned: false };
  }
  return slots;
}

/** The palette as shown: `[{ row, slot, pinnedSlot }]`, the slotted tags first in key order (a
 *  slotted tag no image has any more shows with count 0), then the others in palette order. */
export function orderPalette(rows, slots) {
  const list = Array.isArray(rows) ? rows : [];
  const byTag = new Map(list.map((row) => [row.tag, row]));
  const out = [];
  const slotted = new Set();
  for (let slot = 1; slot <= SLOTS; slot += 1) {
    const held = slots && slots[slot];
    if (!held) continue;
    slotted.add(held.tag);
    out.push({ row: byTag.get(held.tag) || paletteRow(held.tag, 0, false), slot, pinnedSlot: held.pinned });
  }
  for (const row of list) if (!slotted.has(row.tag)) out.push({ row, slot: 0, pinnedSlot: false });
  return out;
}

/** The entries (`orderPalette`'s) whose tag contains the query, case-insensitive; all of them
 *  for a blank query. */
export function filterPalette(entries, query) {
  const list = Array.isArray(entries) ? entries : [];
  const q = String(query || "").trim().toUpperCase().toLowerCase();
  return q ? list.filter((e) => e.row.fold.includes(q)) : list.slice();
}

/** The tag a slot (1..9) holds, or null. */
export function slotTag(slots, slot) {
  if (!Number.isInteger(slot) || slot < 1 || slot > SLOTS || !Array.isArray(slots)) return null;
  const held = slots[slot];
  return held && typeof held.tag === "string" ? held.tag : null;
}

/** What an entry reads as (its accessible name): "red hair 12 ·1" (slot 0: no key). */
export function entryText(tag, count, slot) {
  return slot > 0 ? `${tag} ${count} ·${slot}` : `${tag} ${count}`;
}

/** An entry's tooltip: the tag, its key and how to pin it to a key or free the key. */
export function entryTitle(tag, slot, pinnedSlot, palettePinned) {
  const kept = palettePinned ? " · pinned to the palette" : "";
  if (pinnedSlot) return `${tag} (key ${slot}, pinned; Alt+${slot} or right-click frees the key)${kept}`;
  if (slot > 0) return `${tag} (key ${slot} while this image is open; Alt+${slot} pins it there)${kept}`;
  return `${tag} (Alt+1…9 or right-click pins it to a digit key)${kept}`;
}

/** The tag of a palette entry or an image's tag chip (its `data-fkey`), or null. */
export function tagOfElement(el) {
  const key = el && el.getAttribute ? el.getAttribute("data-fkey") || "" : "";
  const m = /^(?:pal|chip):/.exec(key);
  return m ? key.slice(m[0].length) : null;
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
  // Its right-click is the entries' key menu, not JupyterLab's.
  const list = h("div", {
    class: "ltw-pal-list", role: "group", "aria-label": "Palette tags", "data-jp-suppress-context-menu": "true",
  });
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
  let slots = fillSlots(null, readPinned(null), [], false);
  let filledFor; // the image the free slots were filled for (undefined: none yet)
  let filledFromPalette = false; // whether the palette had come when they were
  let slotsShown = ""; // the slots on screen, as JSON
  let query = "";
  let showAll = false;
  let present = new Set();
  let hasCurrent = false;
  const entries = new Map(); // tag -> toggle button (of the entries on screen)
  let menu = null; // the open key menu, if one is

  function entry({ row, slot, pinnedSlot }) {
    const parts = [h("span", { class: "ltw-pal-name", text: row.tag }), " ", h("span", { class: "ltw-count", text: String(row.count) })];
    if (slot > 0) {
      parts.push(" ", h("span", { class: "ltw-key" + (pinnedSlot ? " is-slot-pinned" : ""), text: `·${slot}` }));
    }
    const toggle = h("button", {
      type: "button", class: "ltw-pal-tag" + (row.pinned ? " is-pinned" : ""), "aria-pressed": present.has(row.tag) ? "true" : "false",
      "data-fkey": `pal:${row.tag}`, title: entryTitle(row.tag, slot, pinnedSlot, row.pinned),
      "aria-keyshortcuts": slot > 0 ? String(slot) : null, disabled: !hasCurrent, "aria-haspopup": "menu",
      onclick: () => toggleTag(row.tag),
      oncontextmenu: (e) => {
        e.preventDefault();
        openKeyMenu(row.tag, toggle);
      },
      onkeydown: (e) => {
        if (e.code === "ContextMenu" || (e.code === "F10" && e.shiftKey)) {
          e.preventDefault();
          e.stopPropagation();
          openKeyMenu(row.tag, toggle);
        }
      },
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

  /** The key menu of a palette entry (right-click, the menu key or Shift+F10): pin its tag to
   *  a digit key, or free the key it is pinned to; digits pick, Esc closes. */
  function openKeyMenu(tag, opener) {
    closeKeyMenu();
    const pinnedAt = slots.findIndex((held) => !!held && held.pinned && held.tag === tag);
    const pick = (slot) => {
      closeKeyMenu(opener);
      return pinTag(slot, tag);
    };
    const keys = [];
    for (let slot = 1; slot <= SLOTS; slot += 1) {
      keys.push(h("button", {
        type: "button", class: "ltw-btn ltw-key-pick", role: "menuitemradio", text: String(slot),
        "aria-checked": slot === pinnedAt ? "true" : "false", "aria-label": `Key ${slot}`,
        title: slotTag(slots, slot) && slotTag(slots, slot) !== tag ? `Key ${slot} now: ${slotTag(slots, slot)}` : `Key ${slot}`,
        onclick: () => pick(slot),
      }));
    }
    if (pinnedAt > 0) {
      keys.push(h("button", {
        type: "button", class: "ltw-btn", role: "menuitem", text: `Free key ${pinnedAt}`, onclick: () => pick(pinnedAt),
      }));
    }
    menu = h("div", {
      class: "ltw-pal-menu", role: "menu", "aria-label": `Pin ${tag} to a key`,
      onkeydown: (e) => {
        const digit = /^(?:Digit|Numpad)([1-9])$/.exec(e.code);
        if (e.code === "Escape") closeKeyMenu(opener);
        else if (digit && !e.altKey && !e.ctrlKey && !e.metaKey) pick(Number(digit[1]));
        else return;
        e.preventDefault();
        e.stopPropagation();
      },
      onfocusout: (e) => {
        if (menu && !menu.contains(/** @type {Node | null} */ (e.relatedTarget))) closeKeyMenu();
      },
    }, h("span", { class: "ltw-pal-menu-title", text: `Pin “${isolate(tag)}” to key` }), keys);
    opener.closest(".ltw-pal-item").after(menu);
    keys[pinnedAt > 0 ? pinnedAt - 1 : 0].focus({ preventScroll: true });
  }

  function closeKeyMenu(focusTo = null) {
    const open = menu;
    menu = null;
    if (!open) return;
    open.remove();
    if (focusTo && focusTo.isConnected) focusTo.focus({ preventScroll: true });
  }

  function render() {
    entries.clear();
    menu = null;
    const matches = filterPalette(orderPalette(rows, slots), query);
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
      // Deleted on purpose: its key lets go of it now, not when the next image opens.
      slots = slots.map((held) => (held && held.tag === tag ? null : held));
      slotsShown = JSON.stringify(slots);
      render();
      refreshPressed();
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
    const first = filterPalette(orderPalette(rows, slots), query)[0];
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

  /** Show the store's rows and the slots (drawn again only when they changed) and the current
   *  image's tags; `pinned` is the `_slots` trait. The free slots are filled again when another
   *  image shows, or when the palette first comes. */
  function update(store, current, pinned) {
    hasCurrent = !!(current && current.id);
    present = new Set(hasCurrent && Array.isArray(current.tags) ? current.tags : []);
    const id = hasCurrent ? current.id : null;
    const loaded = store.version !== null;
    const refill = id !== filledFor || (loaded && !filledFromPalette);
    if (refill) {
      filledFor = id;
      filledFromPalette = loaded;
    }
    slots = fillSlots(slots, readPinned(pinned), store.rows, refill);
    const shown = JSON.stringify(slots);
    if (store.revision !== revision || shown !== slotsShown) {
      revision = store.revision;
      rows = store.rows;
      slotsShown = shown;
      render();
    }
    refreshPressed();
  }

  /** Pin a tag to digit key `slot` (Alt+digit): the tag of `el` (a palette entry or tag chip)
   *  when given, else the tag the key holds now; a key pinned to that very tag is freed. */
  function pinSlot(slot, el) {
    const held = slots[slot];
    const tag = tagOfElement(el) ?? (held ? held.tag : null);
    if (tag === null) {
      status.show(`Key ${slot} holds no tag to pin: press Alt+${slot} on a palette tag or tag chip.`);
      return Promise.resolve();
    }
    return pinTag(slot, tag);
  }

  /** Pin `tag` to key `slot`, or free the key when it is pinned to that very tag. */
  async function pinTag(slot, tag) {
    const held = slots[slot];
    const free = !!held && held.pinned && held.tag === tag;
    const reply = await act("set_slot", { slot, tag: free ? null : tag });
    if (!reply) return;
    status.show(free ? `Key ${slot} is free: it takes a palette tag when the next image opens.`
      : `Pinned "${isolate(tag)}" to key ${slot}.`);
  }

  function dispose() {
    for (const url of downloads) URL.revokeObjectURL(url);
    downloads.clear();
  }

  return { el, update, dispose, pinSlot, slotTag: (slot) => slotTag(slots, slot) };
}
