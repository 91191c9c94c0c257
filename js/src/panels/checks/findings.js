// The findings of the Checks panel as rows, and the thumbnails of duplicate findings: DOM and
// requests for images, no panel state.

import { h, isolate } from "../../lib/dom.js";
import { createLatest } from "../../lib/latest.js";
import { isSuperseded } from "../../lib/rpc.js";
import { thumbBox } from "../../lib/virtual.js";
import { fmt } from "../../lib/format.js";
import { IDS_LIMIT, PAIR_LIMIT, RETRIES, THUMB_SIZE, THUMB_TIMEOUT_MS, distinctNames, isPair, thumbEntries } from "./logic.js";

/** A button that shows the image `id` (named `name`; `key` keeps the focus on it across redraws). */
function showButton(id, name, key, openImage) {
  return h("button", {
    type: "button", class: "ltw-btn ltw-ck-show", "aria-label": `Show image ${isolate(id)}`, title: id,
    "data-fkey": key, text: `Show ${name}`, onclick: () => openImage(id),
  });
}

/**
 * One finding as a list item: its message and code, and its images: a duplicate's side by side
 * (their thumbnails loaded by `watch(row, slots)` once the row is in view), else "Show" buttons.
 */
export function findingRow(f, key, { openImage, watch }) {
  const message = h("p", { class: "ltw-ck-msg", text: f.message });
  const code = f.code ? h("span", { class: "ltw-ck-code ltw-muted", text: f.code }) : null;
  const li = h("li", { class: `ltw-ck-finding is-${f.severity}` }, h("div", { class: "ltw-ck-line" }, message, code));
  if (isPair(f)) {
    const shown = f.ids.slice(0, PAIR_LIMIT);
    const names = distinctNames(shown);
    const slots = shown.map((id, i) => {
      const img = h("span", { class: "ltw-ck-img is-loading", "aria-hidden": "true" });
      const btn = h("button", {
        type: "button", class: "ltw-ck-thumb", "aria-label": `Show image ${isolate(id)}`, title: id,
        "data-fkey": `${key}:${i}`, onclick: () => openImage(id),
      }, img, h("span", { class: "ltw-ck-name", text: names[i] }));
      return { id, img, btn };
    });
    li.append(h("div", { class: "ltw-ck-pair" }, slots.map((s) => s.btn)));
    if (f.ids.length > shown.length) li.append(h("p", { class: "ltw-muted ltw-ck-more", text: `and ${fmt(f.ids.length - shown.length)} more` }));
    watch(li, slots);
  } else if (f.ids.length) {
    const shown = f.ids.slice(0, IDS_LIMIT);
    const names = distinctNames(shown);
    li.append(h("div", { class: "ltw-ck-ids" }, shown.map((id, i) => showButton(id, names[i], `${key}:${i}`, openImage)),
      f.ids.length > shown.length ? h("span", { class: "ltw-muted", text: `and ${fmt(f.ids.length - shown.length)} more` }) : null));
  }
  return li;
}


/**
 * createDuplicateThumbs({ request, thumbGroup }) -> { watch(row, slots), reset(), dispose() }: the
 * thumbnails of duplicate findings, asked when their row comes into view. reset(): the rows are
 * drawn again (the old thumbnails are let go, answers still on their way dropped).
 */
export function createDuplicateThumbs({ request, thumbGroup }) {
  const rowsDrawn = createLatest(); // a new ticket with each re-render of the rows (older thumbnails are dropped)
  let rowsTicket = rowsDrawn.next();
  let urls = new Set(); // Blob URLs of the rows drawn now
  let observer = null;
  const timers = new Set();
  let disposed = false;
  const pending = new Map(); // row element -> slots, waiting to come into view

  function watch(row, slots) {
    if (typeof IntersectionObserver !== "function") {
      loadSlots(slots, rowsTicket, 0);
      return;
    }
    if (!observer) {
      observer = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const s = pending.get(entry.target);
          observer.unobserve(entry.target);
          pending.delete(entry.target);
          if (s) loadSlots(s, rowsTicket, 0);
        }
      }, { rootMargin: "200px" });
    }
    pending.set(row, slots);
    observer.observe(row);
  }

  function dropThumbs() {
    if (observer) observer.disconnect();
    observer = null;
    pending.clear();
    for (const url of urls) URL.revokeObjectURL(url);
    urls = new Set();
  }

  function thumbSize() {
    return thumbBox(THUMB_SIZE, typeof devicePixelRatio === "number" ? devicePixelRatio : 1);
  }

  async function fetchThumbs(idList) {
    const size = thumbSize();
    if (typeof thumbGroup === "function") {
      const { reply, buffers } = await request("thumbs", { ids: idList, size, group: thumbGroup() },
        { timeoutMs: THUMB_TIMEOUT_MS });
      return thumbEntries(reply, buffers);
    }
    return Promise.all(idList.map((id) => request("preview", { id, width: size, height: size, purpose: "prefetch" },
      { timeoutMs: THUMB_TIMEOUT_MS }).then(
      ({ reply, buffers }) => thumbEntries({ thumbs: [{ id, ok: true, mime: reply.mime }] }, buffers)[0],
      (err) => {
        if (err && err.disposed) throw err;
        return { id, ok: false, superseded: isSuperseded(err), error: err && err.message ? err.message : "No thumbnail" };
      })));
  }

  async function loadSlots(slots, ticket, attempt) {
    const wanted = slots.filter((s) => s.img.classList.contains("is-loading"));
    if (!wanted.length || disposed || !rowsDrawn.isLatest(ticket)) return;
    let entries;
    try {
      entries = await fetchThumbs(wanted.map((s) => s.id));
    } catch (err) {
      if (disposed || !rowsDrawn.isLatest(ticket) || (err && err.disposed)) return;
      entries = wanted.map((s) => ({ id: s.id, ok: false, superseded: isSuperseded(err),
        error: err && err.message ? err.message : "No thumbnail" }));
    }
    if (disposed || !rowsDrawn.isLatest(ticket)) return;
    let retry = false;
    for (const entry of entries) {
      const slot = wanted.find((s) => s.id === entry.id && s.img.classList.contains("is-loading"));
      if (!slot) continue;
      if (entry.ok) {
        const url = URL.createObjectURL(new Blob([entry.data], { type: entry.mime }));
        urls.add(url);
        slot.img.replaceChildren(h("img", { src: url, alt: "", draggable: false, decoding: "async" }));
        slot.img.classList.remove("is-loading");
      } else if (entry.superseded && attempt < RETRIES) {
        retry = true;
      } else {
        slot.img.classList.remove("is-loading");
        slot.img.classList.add("is-broken");
        slot.img.replaceChildren(h("span", { class: "ltw-ck-noimg", text: entry.superseded ? "Not loaded" : "No preview" }));
        slot.img.title = entry.error || "";
      }
    }
    if (retry) {
      const t = setTimeout(() => {
        timers.delete(t);
        loadSlots(slots, ticket, attempt + 1);
      }, 400 * (attempt + 1));
      timers.add(t);
    }
  }

  return {
    watch,
    reset() {
      rowsTicket = rowsDrawn.next();
      dropThumbs();
    },
    dispose() {
      disposed = true;
      rowsDrawn.drop();
      dropThumbs();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
