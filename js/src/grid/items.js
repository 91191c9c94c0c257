// The grid's item states, asked of Python in pages (`items` requests) and kept in a bounded cache.
// A page read before the latest `items_version` is stale: still shown, and asked again when visible.

import { LruCache } from "../lib/lru.js";

export const PAGE_SIZE = 500;
export const MAX_PAGES = 80; // 40,000 items' [id, name, state]

// State bits (docs/protocol.md, `items`).
export const TAGGED = 1;
export const REVIEWED = 2;
export const FLAGGED = 4;
export const UNSAVED = 8;

/** The words a screen reader hears after the file name, in order: "tagged, reviewed". */
export function stateWords(state) {
  const s = Number.isInteger(state) ? state : 0;
  const words = [s & TAGGED ? "tagged" : "untagged"];
  if (s & REVIEWED) words.push("reviewed");
  if (s & FLAGGED) words.push("flagged");
  if (s & UNSAVED) words.push("unsaved");
  return words;
}

/** An `items` row checked: { id, name, state } or null. */
export function parseItem(row) {
  if (!Array.isArray(row) || typeof row[0] !== "string" || !row[0]) return null;
  const name = typeof row[1] === "string" && row[1] ? row[1] : row[0];
  const state = Number.isInteger(row[2]) ? row[2] : 0;
  return { id: row[0], name, state };
}

export class ItemPages {
  constructor({ pageSize = PAGE_SIZE, maxPages = MAX_PAGES } = {}) {
    this.pageSize = pageSize;
    this.pages = new LruCache(maxPages);
    this.pending = new Map(); // page -> version asked at
    this.version = 0; // a generation: grows when items_version changes or the list is reset
    this.epoch = 0; // the generation of the last reset
    this.traitVersion = null;
    this.count = 0;
  }

  pageOf(index) {
    return Math.floor(index / this.pageSize);
  }

  /** { id, name, state } at `index`, or undefined while its page is not here. */
  get(index) {
    const page = this.pages.peek(this.pageOf(index));
    return page ? page.items[index - page.start] : undefined;
  }

  /** Pages covering [start, end) that are missing or stale and not already asked at this version. */
  wanted(start, end) {
    const out = [];
    if (!(end > start)) return out;
    for (let p = this.pageOf(start); p <= this.pageOf(end - 1); p += 1) {
      const page = this.pages.get(p); // touch: visible pages stay
      const fresh = page && page.version >= this.version;
      const asked = this.pending.has(p) && this.pending.get(p) >= this.version;
      if (!fresh && !asked) out.push(p);
    }
    return out;
  }

  /** The request fields of page `p` (clipped to `count`), or null if it is past the end. */
  request(p) {
    const start = p * this.pageSize;
    const count = Math.min(this.pageSize, this.count - start);
    return count > 0 ? { start, count } : null;
  }

  begin(p) {
    this.pending.set(p, this.version);
    return this.version;
  }

  /** Store a reply; `version` is the one the page was asked at. Returns [start, end) it covers. */
  receive(p, version, start, rows) {
    if (this.pending.get(p) === version) this.pending.delete(p);
    if (version < this.epoch) return null; // asked before a reset (another list of items)
    const items = (Array.isArray(rows) ? rows : []).map(parseItem);
    const old = this.pages.peek(p);
    if (old && old.version > version) return null;
    this.pages.set(p, { start, items, version });
    return [start, start + items.length];
  }

  fail(p, version) {
    if (this.pending.get(p) === version) this.pending.delete(p);
  }

  /** Item states changed (`items_version` grew): every page is stale. */
  setVersion(v) {
    if (v === this.traitVersion) return false;
    this.traitVersion = v;
    this.version += 1;
    return true;
  }

  /** The list itself changed (count): forget everything, including replies still on their way. */
  reset(count) {
    this.count = Math.max(0, Number.isInteger(count) ? count : 0);
    this.pages.clear();
    this.pending.clear();
    this.version += 1;
    this.epoch = this.version;
  }
}
