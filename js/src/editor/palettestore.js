// The view's copy of the palette: every tag in use or pinned with how many images have it, most
// used first, then by name. Python sends it whole once (the `palette` request) and then only the
// rows that change (the `_palette_delta` trait); see docs/protocol.md.

export const SPLICE_MAX = 64; // changed rows moved one by one; more and the list is sorted again

/** `text` with its UTF-16 units remapped so that comparing with `<` orders by code point, as
 *  Python compares strings (a surrogate pair sorts after every other character). */
function byCodePoint(text) {
  if (!/[\uD800-\uFFFF]/.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    out += String.fromCharCode(unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);
  }
  return out;
}

/** A palette row as an object, with the keys it sorts by (`rank` in Python's _vocabulary.py). */
export function paletteRow(tag, count, pinned) {
  const fold = tag.toUpperCase().toLowerCase();
  return { tag, count, pinned, fold, foldKey: byCodePoint(fold), tagKey: byCodePoint(tag) };
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Palette order: most images first, then by name ignoring case, then as written. */
export function comparePalette(a, b) {
  return b.count - a.count || cmp(a.foldKey, b.foldKey) || cmp(a.tagKey, b.tagKey);
}

/** `[tag, images, pinned]` rows as row objects; junk rows dropped, a repeated tag keeps its first
 *  row, and a row with no images that is not pinned is no palette row. */
export function readRows(list) {
  const out = [];
  const seen = new Set();
  if (!Array.isArray(list)) return out;
  for (const row of list) {
    if (!Array.isArray(row) || typeof row[0] !== "string" || seen.has(row[0])) continue;
    seen.add(row[0]);
    out.push(paletteRow(row[0], Number.isFinite(row[1]) && row[1] > 0 ? Math.round(row[1]) : 0, !!row[2]));
  }
  return out;
}

const kept = (row) => row.count > 0 || row.pinned;

/** Where `row` goes in the sorted `rows` (the first place not before it). */
function placeOf(rows, row) {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (comparePalette(rows[mid], row) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * createPaletteStore() -> { load(list, version), apply(delta), rows, version, revision, inUse }
 *   load: the whole palette (the `palette` reply's `rows` and `version`).
 *   apply: a `_palette_delta` -> "applied", "current" (nothing to do) or "behind" (the rows
 *     cannot be applied: ask for the whole palette).
 *   rows: the row objects, in palette order; revision grows whenever they change.
 */
export function createPaletteStore() {
  let rows = [];
  const byTag = new Map();
  let version = null;
  let revision = 0;
  let inUse = 0;

  function load(list, at) {
    rows = readRows(list).filter(kept).sort(comparePalette);
    byTag.clear();
    for (const row of rows) byTag.set(row.tag, row);
    inUse = rows.reduce((n, row) => n + (row.count > 0 ? 1 : 0), 0);
    version = Number.isInteger(at) ? at : null;
    revision += 1;
  }

  function apply(delta) {
    const at = delta && delta.version;
    if (!Number.isInteger(at) || at <= 0 || (version !== null && at <= version)) return "current";
    if (version === null || !Number.isInteger(delta.since) || delta.since > version || !Array.isArray(delta.rows)) {
      return "behind";
    }
    const changed = readRows(delta.rows);
    const oneByOne = changed.length <= SPLICE_MAX;
    for (const row of changed) {
      const old = byTag.get(row.tag);
      if (old) {
        inUse -= old.count > 0 ? 1 : 0;
        byTag.delete(row.tag);
        if (oneByOne) rows.splice(placeOf(rows, old), 1);
      }
      if (!kept(row)) continue;
      inUse += row.count > 0 ? 1 : 0;
      byTag.set(row.tag, row);
      if (oneByOne) rows.splice(placeOf(rows, row), 0, row);
    }
    if (!oneByOne) rows = [...byTag.values()].sort(comparePalette);
    version = at;
    revision += 1;
    return "applied";
  }

  return {
    load,
    apply,
    get rows() { return rows; },
    get version() { return version; },
    get revision() { return revision; },
    get inUse() { return version === null ? null : inUse; },
  };
}
