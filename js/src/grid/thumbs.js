// Thumbnails of the grid: a bounded cache of Blob URLs (revoked when let go) and the bookkeeping
// of `thumbs` requests: which ids are asked in which `group`, so stale groups are re-asked.

import { LruCache } from "../lib/lru.js";

export const MAX_THUMBS = 800;
export const BATCH = 40; // ids per `thumbs` request (the protocol allows 1..200)

export function thumbKey(id, size) {
  return `${size}\u0000${id}`;
}

/** Split ids into batches of at most `size`. */
export function batches(ids, size = BATCH) {
  const out = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/**
 * Cached thumbnails by id + size: { url } or { error } (a broken image's reason).
 * Bounded; an evicted URL is revoked. clear() revokes everything.
 */
export class ThumbStore {
  constructor({ max = MAX_THUMBS, revoke = (url) => URL.revokeObjectURL(url) } = {}) {
    this.revoke = revoke;
    this.lru = new LruCache(max, (entry) => {
      if (entry && entry.url) this.revoke(entry.url);
    });
  }

  get(id, size) {
    return this.lru.get(thumbKey(id, size));
  }

  has(id, size) {
    return this.lru.has(thumbKey(id, size));
  }

  /** Keep the first answer for a key; a duplicate URL (a re-asked id) is revoked at once. */
  add(id, size, entry) {
    const key = thumbKey(id, size);
    if (this.lru.has(key) && this.lru.peek(key).url) {
      if (entry.url) this.revoke(entry.url);
      return this.lru.get(key);
    }
    this.lru.set(key, entry);
    return entry;
  }

  get size() {
    return this.lru.size;
  }

  clear() {
    this.lru.clear();
  }
}

/**
 * Which ids are being asked, and in which group. The group grows whenever the visible range
 * changes; Python answers queued work of older groups with `superseded`, so an id asked in an
 * older group is asked again when it is still wanted.
 */
export class ThumbRequests {
  constructor() {
    this.group = 0;
    this.inflight = new Map(); // key -> group
  }

  nextGroup() {
    this.group += 1;
    return this.group;
  }

  /** Of `ids` (in order), those neither cached in `store` nor asked in the current group. */
  wanted(ids, size, store) {
    return ids.filter((id) => {
      if (store.has(id, size)) return false;
      const g = this.inflight.get(thumbKey(id, size));
      return g === undefined || g < this.group;
    });
  }

  begin(ids, size) {
    for (const id of ids) this.inflight.set(thumbKey(id, size), this.group);
    return this.group;
  }

  /** The request of `group` for these ids settled (answered, failed or superseded). */
  settle(ids, size, group) {
    for (const id of ids) {
      const key = thumbKey(id, size);
      if (this.inflight.get(key) === group) this.inflight.delete(key);
    }
  }

  clear() {
    this.inflight.clear();
  }
}
