// What the grid asks Python for: item states in `items` pages and thumbnails in `thumbs` batches,
// only for the tiles in the DOM (on-screen ones first), a few requests at a time while scrolling.

import { batches } from "./thumbs.js";
import { isSuperseded } from "../lib/rpc.js";
import { errorText } from "../lib/format.js";

const THUMB_THROTTLE_MS = 90; // at most one round of `thumbs` requests per this while scrolling
const TIMEOUT_MS = 60000;
const MAX_ITEM_REQUESTS = 2;

/**
 * The ids of the images in `range` whose items are here, each once: those on screen first, then
 * the overscan rows around them.
 * @param {{ get(index: number): { id: string } | undefined }} pages
 * @param {{ start: number, end: number, visibleStart: number, visibleEnd: number }} range
 */
export function idsToShow(pages, range) {
  const ids = [];
  const seen = new Set();
  const push = (i) => {
    const item = pages.get(i);
    if (item && !seen.has(item.id)) {
      seen.add(item.id);
      ids.push(item.id);
    }
  };
  for (let i = range.visibleStart; i < range.visibleEnd; i += 1) push(i);
  for (let i = range.start; i < range.end; i += 1) push(i);
  return ids;
}

/**
 * createGridLoader({ request, status, pages, store, reqs, shown, onChange })
 *   pages: the grid's ItemPages; store / reqs: its ThumbStore and ThumbRequests;
 *   shown() -> { range, box } of the tiles in the DOM and their thumbnail size, or null (closed);
 *   onChange(): something arrived that the tiles should show.
 * -> { askPages(start, end), scheduleThumbs(), dispose() }
 */
export function createGridLoader({ request, status, pages, store, reqs, shown, onChange }) {
  let disposed = false;
  let itemRequests = 0;
  let thumbTimer = null;
  let lastThumbs = 0;

  /** At most MAX_ITEM_REQUESTS pages on their way: during a fast scroll the pages that flew by are
   *  not asked at all; when an answer comes, the pages of the range shown *then* are asked. */
  function askPages(start, end) {
    for (const p of pages.wanted(start, end)) {
      if (itemRequests >= MAX_ITEM_REQUESTS) return;
      const fields = pages.request(p);
      if (!fields) continue;
      const version = pages.begin(p);
      itemRequests += 1;
      request("items", fields, { timeoutMs: TIMEOUT_MS })
        .then(({ reply }) => {
          itemRequests -= 1;
          if (disposed) return;
          const at = Number.isInteger(reply.start) ? reply.start : fields.start;
          if (pages.receive(p, version, at, reply.items)) scheduleThumbs();
          onChange(); // shows the page, and asks for the pages still missing
        })
        .catch((err) => {
          itemRequests -= 1;
          pages.fail(p, version);
          if (disposed || (err && err.disposed)) return;
          status.show(errorText(err), "error");
        });
    }
  }

  function scheduleThumbs() {
    if (thumbTimer || disposed) return;
    const wait = Math.max(0, THUMB_THROTTLE_MS - (Date.now() - lastThumbs));
    thumbTimer = setTimeout(() => {
      thumbTimer = null;
      lastThumbs = Date.now();
      askThumbs();
    }, wait);
  }

  function askThumbs() {
    const now = disposed ? null : shown();
    if (!now) return;
    const want = reqs.wanted(idsToShow(pages, now.range), now.box, store);
    if (!want.length) return;
    const group = reqs.begin(want, now.box);
    for (const batch of batches(want)) askBatch(batch, now.box, group);
  }

  function askBatch(ids, box, group) {
    request("thumbs", { ids, size: box, group }, { timeoutMs: TIMEOUT_MS })
      .then(({ reply, buffers }) => {
        reqs.settle(ids, box, group);
        if (disposed) return;
        const list = Array.isArray(reply.thumbs) ? reply.thumbs : [];
        let b = 0;
        let got = false;
        for (const t of list) {
          if (!t || typeof t !== "object") continue;
          if (t.ok === true) {
            const data = buffers[b];
            b += 1;
            if (!data || typeof t.id !== "string") continue;
            const mime = typeof t.mime === "string" && t.mime ? t.mime : "image/jpeg";
            store.add(t.id, box, { url: URL.createObjectURL(new Blob([data], { type: mime })) });
            got = true;
          } else if (t.superseded !== true && typeof t.id === "string") {
            store.add(t.id, box, { error: typeof t.error === "string" && t.error ? t.error : "No thumbnail" });
            got = true;
          }
        }
        if (got) onChange();
        if (list.some((t) => t && t.superseded === true)) scheduleThumbs();
      })
      .catch((err) => {
        reqs.settle(ids, box, group);
        if (disposed || (err && err.disposed) || isSuperseded(err)) return; // newer work took its place
        status.show(errorText(err), "error");
      });
  }

  function dispose() {
    disposed = true;
    clearTimeout(thumbTimer);
  }

  return { askPages, scheduleThumbs, dispose };
}
