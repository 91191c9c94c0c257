// The preview pane: asks Python for a preview sized to the pane, shows it, prefetches the
// neighbours, and keeps a small bounded cache of Blob URLs (revoking the ones it lets go).

import { h, isolate, setText } from "../lib/dom.js";
import { LruCache } from "../lib/lru.js";
import { isSuperseded } from "../lib/rpc.js";
import { errorText } from "../lib/format.js";
import { createZoom } from "./zoom.js";

export const MIN_SIDE = 16;
export const MAX_SIDE = 4096;
export const MAX_NEIGHBORS = 4;
const GOOD_ENOUGH = 0.85; // a cached preview at least this big (per side) is not fetched again

/** The preview box to ask for: CSS size times devicePixelRatio, clamped to 16..4096; null if not laid out. */
export function previewBox(cssWidth, cssHeight, dpr = 1) {
  if (!(cssWidth > 0) || !(cssHeight > 0)) return null;
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const clamp = (v) => Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.round(v * ratio)));
  return { width: clamp(cssWidth), height: clamp(cssHeight) };
}

/** Does a cached preview belong to the item as it is now (its pixel size, when known)? */
export function sameVersion(entry, width, height) {
  if (width == null || height == null || entry.origWidth == null || entry.origHeight == null) return true;
  return (entry.origWidth === width && entry.origHeight === height) ||
    (entry.origWidth === height && entry.origHeight === width);
}

export function cacheKey(id, box) {
  return `${box.width}x${box.height}\u0000${id}`;
}

/**
 * Bounded cache of preview Blob URLs keyed by id + requested size. Evicted URLs are revoked,
 * except the one on screen, which is revoked as soon as it is replaced.
 */
export class PreviewStore {
  constructor({ max = 8, revoke = (url) => URL.revokeObjectURL(url) } = {}) {
    this.revoke = revoke;
    this.shownUrl = null;
    this.deferred = new Set();
    this.lru = new LruCache(max, (entry) => {
      entry.decoded = null;
      this.release(entry.url);
    });
  }

  release(url) {
    if (url === this.shownUrl) this.deferred.add(url);
    else this.revoke(url);
  }

  /** Record which URL is on screen (null: none); revokes the previous one if it was evicted meanwhile. */
  setShown(url) {
    const prev = this.shownUrl;
    this.shownUrl = url;
    if (prev && prev !== url && this.deferred.delete(prev)) this.revoke(prev);
  }

  /** entry: { id, box: {width, height}, url, mime, origWidth, origHeight, decoded? } */
  add(entry) {
    this.lru.set(cacheKey(entry.id, entry.box), entry);
    return entry;
  }

  /**
   * The best cached preview for an item: { entry, good } where `good` means big enough for `box`
   * (no need to ask again). A smaller one of the same item is returned with good=false, to show at once.
   */
  find(id, box, width = null, height = null) {
    let best = null;
    let bestGood = false;
    for (const entry of this.lru.values()) {
      if (entry.id !== id || !sameVersion(entry, width, height)) continue;
      const good = !box || (entry.box.width >= box.width * GOOD_ENOUGH && entry.box.height >= box.height * GOOD_ENOUGH);
      const area = entry.box.width * entry.box.height;
      if (!best ||
        (good && !bestGood) ||
        (good === bestGood && (good ? area < best.box.width * best.box.height : area > best.box.width * best.box.height))) {
        best = entry;
        bestGood = good;
      }
    }
    if (best) this.lru.get(cacheKey(best.id, best.box)); // touch
    return best ? { entry: best, good: bestGood } : null;
  }

  /** Drop cached previews of `id` made before its pixel size changed (the file changed). */
  dropStale(id, width, height) {
    for (const key of this.lru.keys()) {
      const entry = this.lru.peek(key);
      if (entry.id === id && !sameVersion(entry, width, height)) this.lru.delete(key);
    }
  }

  get size() {
    return this.lru.size;
  }

  /** Revoke everything, including what is on screen. */
  clear() {
    this.shownUrl = null;
    this.lru.clear();
    for (const url of this.deferred) this.revoke(url);
    this.deferred.clear();
  }
}

/**
 * Preview requests on their way, by cache key and purpose. A "show" is sent even while a
 * "prefetch" of the same key is on its way: a newer "show" supersedes queued prefetches, so
 * waiting for that prefetch could leave the view without its image.
 */
export class PreviewInflight {
  constructor() {
    this.map = new Map(); // key -> Set of purposes
  }

  shouldSend(key, purpose) {
    const on = this.map.get(key);
    return !on || (purpose === "show" && !on.has("show"));
  }

  start(key, purpose) {
    const on = this.map.get(key) || new Set();
    on.add(purpose);
    this.map.set(key, on);
  }

  done(key, purpose) {
    const on = this.map.get(key);
    if (!on) return;
    on.delete(purpose);
    if (on.size === 0) this.map.delete(key);
  }

  has(key, purpose = null) {
    const on = this.map.get(key);
    return !!on && (purpose === null || on.has(purpose));
  }
}

/**
 * createPreview({ request, onError, prefetchEnabled })
 *   request(type, fields, opts) -> Promise<{ reply, buffers }>  (the rpc)
 *   onError(message)            -> status line
 *   prefetchEnabled()           -> whether to ask for the neighbours ahead (the `prefetch` trait)
 * Returns { el, update(current), anticipate(id), settle(), refresh(), dispose(), zoom } (zoom.js).
 */
export function createPreview({ request, onError, prefetchEnabled = () => true, timeoutMs = 60000 }) {
  const store = new PreviewStore({ max: 8 });
  const inflight = new PreviewInflight();
  const img = h("img", { class: "ltw-img", alt: "", hidden: true, draggable: false, decoding: "async" });
  const brokenText = h("span", { class: "ltw-broken-text" });
  const broken = h("div", { class: "ltw-broken", role: "img", hidden: true },
    h("span", { class: "ltw-broken-title", "aria-hidden": "true", text: "Image could not be shown" }), brokenText);
  const message = h("div", { class: "ltw-preview-msg", "aria-hidden": "true" });
  const el = h("div", { class: "ltw-preview" }, img, broken, message);
  const zoom = createZoom({ pane: el, img, request, refit: () => fit(), onError });
  el.append(zoom.controls);

  let current = null; // { id, name, width, height, neighbors }
  let shown = null; // entry on screen
  let brokenFor = null;
  let prefetchedFor = null;
  let disposed = false;
  let resizeTimer = null;
  let ahead = 0; // moves shown before Python confirmed them, whose answers are still due
  let deferred = null; // the latest item Python sent meanwhile, shown when they are all in
  let settled = typeof ResizeObserver !== "function"; // the pane's size has stood still once

  function box() {
    const r = el.getBoundingClientRect();
    return previewBox(r.width, r.height, globalThis.devicePixelRatio || 1);
  }

  /** Size the image to fill the pane at its aspect ratio (its box is the picture, no bars). */
  function fit() {
    if (zoom.layout() || img.hidden || !(img.naturalWidth > 0)) return;
    const r = el.getBoundingClientRect();
    const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
    if (!(scale > 0)) return;
    img.style.width = `${Math.floor(img.naturalWidth * scale)}px`;
    img.style.height = `${Math.floor(img.naturalHeight * scale)}px`;
  }

  function showMessage(text) {
    setText(message, text);
    message.hidden = !text;
  }

  function hideImage() {
    img.hidden = true;
    img.removeAttribute("src");
    zoom.setImage(null);
    shown = null;
    store.setShown(null);
  }

  function display(entry) {
    brokenFor = null;
    broken.hidden = true;
    showMessage("");
    img.alt = current.name ?? current.id;
    shown = entry;
    zoom.setImage({ id: entry.id, width: entry.origWidth, height: entry.origHeight });
    el.classList.toggle("has-alpha", entry.mime === "image/png"); // only PNG previews keep an alpha channel
    if (img.getAttribute("src") !== entry.url) {
      img.src = entry.url;
      store.setShown(entry.url);
    } else {
      afterShown();
    }
    img.hidden = false;
    fit();
  }

  function showBroken(reason) {
    hideImage();
    brokenFor = current.id;
    setText(brokenText, reason);
    broken.setAttribute("aria-label", `Image could not be shown: ${isolate(reason)}`);
    broken.hidden = false;
    showMessage("");
    afterShown();
  }

  function afterShown() {
    if (!current || !Array.isArray(current.neighbors)) return; // anticipated: neighbours unknown yet
    if (prefetchedFor === current.id || !prefetchEnabled()) return;
    prefetchedFor = current.id;
    const b = box();
    if (!b) return;
    const seen = new Set([current.id]);
    const ids = current.neighbors
      .filter((id) => typeof id === "string" && id && !seen.has(id) && seen.add(id))
      .slice(0, MAX_NEIGHBORS);
    for (const id of ids) {
      const hit = store.find(id, b);
      if (!hit || !hit.good) fetchPreview(id, b, false);
    }
  }

  function fetchPreview(id, b, forCurrent) {
    const key = cacheKey(id, b);
    const purpose = forCurrent ? "show" : "prefetch";
    if (!inflight.shouldSend(key, purpose)) return;
    inflight.start(key, purpose);
    request("preview", { id, width: b.width, height: b.height, purpose }, { timeoutMs })
      .then(({ reply, buffers }) => {
        inflight.done(key, purpose);
        if (disposed) return;
        let entry = store.lru.peek(key); // the other purpose's answer came first
        if (!entry) {
          const data = buffers && buffers[0];
          if (!data) throw Object.assign(new Error("Python sent no image data."), { noData: true });
          const mime = typeof reply.mime === "string" && reply.mime ? reply.mime : "image/jpeg";
          const url = URL.createObjectURL(new Blob([data], { type: mime }));
          entry = store.add({
            id, box: b, url, mime,
            origWidth: Number.isFinite(reply.width) ? reply.width : null,
            origHeight: Number.isFinite(reply.height) ? reply.height : null,
          });
          if (!forCurrent) predecode(entry);
        }
        if (!current || current.id !== id) return; // no longer current: cached only
        const best = store.find(id, box() || b, null, null);
        if (!shown || shown.id !== id || (best && best.entry === entry && shown !== entry)) display(entry);
      })
      .catch((err) => {
        inflight.done(key, purpose);
        if (disposed || (err && err.disposed)) return;
        if (isSuperseded(err)) {
          // Quietly: newer work took its place. Should it still be the image to show, ask again.
          if (current && current.id === id && (!shown || shown.id !== id) && brokenFor !== id) {
            const nb = box();
            if (nb) fetchPreview(id, nb, true);
          }
          return;
        }
        if (!current || current.id !== id) return; // a neighbour failed: it is reported when shown
        if (err && err.timeout) {
          if (!shown) showMessage("No preview yet");
          onError(err.message);
          return;
        }
        showBroken(errorText(err));
      });
    if (forCurrent && !shown) showMessage("Loading…");
  }

  /** Decode a prefetched preview now, so showing it later paints without waiting for a decode. */
  function predecode(entry) {
    if (typeof Image !== "function") return;
    const pre = new Image();
    pre.src = entry.url;
    entry.decoded = pre;
    if (typeof pre.decode === "function") pre.decode().catch(() => {});
  }

  function showCurrent() {
    if (!current) return;
    const b = box();
    const hit = store.find(current.id, b, current.width, current.height);
    if (hit) display(hit.entry);
    else if (brokenFor !== current.id) {
      hideImage();
      broken.hidden = true;
    }
    // Not laid out yet, or not settled (the widget's height follows the notebook's, which may
    // still change): the resize observer asks when it is.
    if (!b || !settled) return;
    if (!hit || !hit.good) fetchPreview(current.id, b, true);
  }

  function update(cur) {
    const next = cur && typeof cur.id === "string" && cur.id ? cur : null;
    if (ahead > 0 && current && (!next || next.id !== current.id)) {
      deferred = { cur }; // an answer to an earlier move, or a re-send of the item before it
      return;
    }
    deferred = null;
    if (!next) {
      current = null;
      hideImage();
      broken.hidden = true;
      brokenFor = null;
      showMessage("No images to show");
      return;
    }
    const changed = !current || current.id !== next.id ||
      current.width !== next.width || current.height !== next.height;
    const prevId = current && current.id;
    current = {
      id: next.id, name: typeof next.name === "string" ? next.name : next.id,
      width: Number.isFinite(next.width) ? next.width : null,
      height: Number.isFinite(next.height) ? next.height : null,
      neighbors: next.neighbors,
    };
    if (!changed) {
      if (!img.hidden) img.alt = current.name;
      if (shown && shown.id === current.id) afterShown();
      return;
    }
    if (prevId !== current.id) {
      prefetchedFor = null;
      brokenFor = null;
    }
    if (current.width != null && current.height != null) store.dropStale(current.id, current.width, current.height);
    showCurrent();
  }

  /**
   * Show `id` at once, before Python confirms it as the current item ("Next" pressed), when
   * its preview is already here. Returns whether it did; then call `settle()` once Python
   * answered the move. Until every such move is answered, items Python sends are held back
   * (they may be older), and the latest one is shown at the end if it is not this one.
   */
  function anticipate(id) {
    if (disposed || !current || typeof id !== "string" || !id || id === current.id) return false;
    const hit = store.find(id, box());
    if (!hit || !hit.good) return false;
    ahead += 1;
    current = { id, name: id, width: null, height: null, neighbors: null };
    prefetchedFor = null;
    brokenFor = null;
    display(hit.entry);
    return true;
  }

  function settle() {
    ahead = Math.max(0, ahead - 1);
    if (ahead === 0 && deferred && !disposed) {
      const { cur } = deferred;
      deferred = null;
      update(cur);
    }
  }

  img.addEventListener("load", () => {
    fit();
    afterShown();
  });
  img.addEventListener("error", () => {
    if (!current || img.hidden || !img.getAttribute("src")) return;
    showBroken("The browser could not decode the preview.");
  });

  const ro = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    fit();
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      settled = true;
      if (disposed || !current) return;
      const b = box();
      if (!b) return;
      if (brokenFor === current.id) return;
      const hit = store.find(current.id, b, current.width, current.height);
      if (hit && hit.good) {
        if (shown !== hit.entry) display(hit.entry);
        return;
      }
      fetchPreview(current.id, b, true);
    }, 120);
  }) : null;
  if (ro) ro.observe(el);

  /** The pane was hidden and shows again (the single view after the grid): show the current image now. */
  function refresh() {
    if (!disposed && current && brokenFor !== current.id) showCurrent();
  }

  function dispose() {
    disposed = true;
    clearTimeout(resizeTimer);
    if (ro) ro.disconnect();
    zoom.dispose();
    img.removeAttribute("src");
    store.clear();
  }

  return { el, update, anticipate, settle, refresh, dispose, store, zoom };
}
