// The grid's selection as pure functions over sorted arrays of unique positions (the shape of the
// synced `selection` trait): clicks with Shift/Ctrl, keyboard focus moves, Shift+arrows, Space.

/** Sorted unique integer positions within 0..count-1 (anything else dropped). */
export function normalizeSelection(list, count = Infinity) {
  if (!Array.isArray(list)) return [];
  const out = list.filter((v) => Number.isInteger(v) && v >= 0 && v < count);
  out.sort((a, b) => a - b);
  let w = 0;
  for (let r = 0; r < out.length; r += 1) {
    if (r === 0 || out[r] !== out[w - 1]) out[w++] = out[r];
  }
  out.length = w;
  return out;
}

/** Binary search in a sorted array. */
export function isSelected(sorted, i) {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A copy with `i` added when absent, removed when present. */
export function toggleSelected(sorted, i) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  const next = sorted.slice();
  if (sorted[lo] === i) next.splice(lo, 1);
  else next.splice(lo, 0, i);
  return next;
}

/** Every position from a to b (either order), inclusive. */
export function rangeOf(a, b) {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const out = new Array(hi - lo + 1);
  for (let i = 0; i < out.length; i += 1) out[i] = lo + i;
  return out;
}

/** Merge of two sorted unique arrays. */
export function union(a, b) {
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i] : Infinity;
    const y = j < b.length ? b[j] : Infinity;
    if (x === y) {
      out.push(x);
      i += 1;
      j += 1;
    } else if (x < y) {
      out.push(x);
      i += 1;
    } else {
      out.push(y);
      j += 1;
    }
  }
  return out;
}

export function selectAll(count) {
  return count > 0 ? rangeOf(0, count - 1) : [];
}

export function sameSelection(a, b) {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A click on tile `index`: { selection, anchor, open }.
 *   plain        -> open that image (selection kept), anchor there
 *   Ctrl/Cmd     -> toggle it, anchor there
 *   Shift        -> select anchor..index (replacing the selection); anchor stays
 *   Ctrl+Shift   -> add anchor..index to the selection; anchor stays
 */
export function clickSelect({ selection, anchor, index, shift = false, mod = false }) {
  const from = Number.isInteger(anchor) && anchor >= 0 ? anchor : index;
  if (shift) {
    const range = rangeOf(from, index);
    return { selection: mod ? union(selection, range) : range, anchor: from, open: false };
  }
  if (mod) return { selection: toggleSelected(selection, index), anchor: index, open: false };
  return { selection, anchor: index, open: true };
}

/**
 * Where the focus goes for a navigation key (event.code) in a grid of `columns` and `count` tiles;
 * `page` is the number of tiles in one screen (PageUp/PageDown). Stays inside 0..count-1.
 */
export function moveFocus(focus, code, { columns, count, page = columns }) {
  if (!(count > 0)) return -1;
  const cols = Math.max(1, columns);
  const f = Number.isInteger(focus) && focus >= 0 && focus < count ? focus : 0;
  const clamp = (v) => Math.min(count - 1, Math.max(0, v));
  switch (code) {
    case "ArrowLeft": return clamp(f - 1);
    case "ArrowRight": return clamp(f + 1);
    case "ArrowUp": return f - cols >= 0 ? f - cols : f;
    case "ArrowDown": return f + cols < count ? f + cols : (Math.floor(f / cols) < Math.floor((count - 1) / cols) ? count - 1 : f);
    case "Home": return 0;
    case "End": return count - 1;
    case "PageUp": return f - page >= 0 ? f - page : f % cols;
    case "PageDown": {
      if (f + page < count) return f + page;
      const lastRowStart = Math.floor((count - 1) / cols) * cols;
      return Math.min(count - 1, lastRowStart + (f % cols));
    }
    default: return f;
  }
}

/**
 * A keyboard action of the grid (from keys.js resolveGridKey) applied to { selection, anchor, focus }:
 * returns the new { selection, anchor, focus, open } (open: the focused image should open).
 */
export function keySelect(state, action, { columns, count, page }) {
  const { selection, anchor, focus } = state;
  const f = Number.isInteger(focus) && focus >= 0 && focus < count ? focus : (count > 0 ? 0 : -1);
  switch (action.action) {
    case "move": {
      const next = moveFocus(f, action.key, { columns, count, page });
      if (next < 0) return { selection, anchor, focus: f, open: false };
      if (action.extend) {
        const from = Number.isInteger(anchor) && anchor >= 0 && anchor < count ? anchor : f;
        return { selection: rangeOf(from, next), anchor: from, focus: next, open: false };
      }
      return { selection, anchor: next, focus: next, open: false };
    }
    case "toggle":
      if (f < 0) return { selection, anchor, focus: f, open: false };
      return { selection: toggleSelected(selection, f), anchor: f, focus: f, open: false };
    case "open":
      return { selection, anchor, focus: f, open: f >= 0 };
    case "select-all":
      return { selection: selectAll(count), anchor, focus: f, open: false };
    case "clear":
      return { selection: [], anchor: f, focus: f, open: false };
    default:
      return { selection, anchor, focus: f, open: false };
  }
}

/**
 * The one tile Tab reaches among `count` tiles: the focused one when it is in the DOM (`shown`) or in
 * range `r` ({ start, end, visibleStart, visibleEnd }), else the first visible one; -1 for none.
 */
export function tabStop({ focus, count, range, shown }) {
  const inside = focus >= 0 && focus < count;
  if (inside && (shown || (focus >= range.start && focus < range.end))) return focus;
  return range.visibleStart < range.visibleEnd ? range.visibleStart : -1;
}

/** The tile the keyboard goes to on entering the grid: the remembered `focus`, else the current image's. */
export function homeTile(focus, current, count) {
  return focus >= 0 && focus < count ? focus : Math.max(0, current);
}

/** "3 selected" / "" (none). */
export function selectionText(n) {
  if (!(n > 0)) return "";
  return `${n.toLocaleString("en-US")} selected`;
}
