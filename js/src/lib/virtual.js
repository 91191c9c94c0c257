// The visible-range arithmetic of the virtualised thumbnail grid, as pure functions:
// fixed-size tiles in rows, columns from the width, rows from the scroll position.

export const TILE_MIN = 64;
export const TILE_MAX = 320;
export const TILE_DEFAULT = 144;
export const GAP = 8; // CSS px between tiles and around the edge
export const LABEL_HEIGHT = 22; // the file-name line under each thumbnail
export const OVERSCAN_ROWS = 2;

const int = (v, d = 0) => (Number.isFinite(v) ? Math.trunc(v) : d);

/** A tile size in CSS px, clamped to TILE_MIN..TILE_MAX (TILE_DEFAULT for nonsense). */
export function clampTile(size) {
  const s = Number(size);
  if (!Number.isFinite(s) || s <= 0) return TILE_DEFAULT;
  return Math.min(TILE_MAX, Math.max(TILE_MIN, Math.round(s)));
}

/**
 * gridLayout({ width, tile, count, gap, label }) -> {
 *   columns, rows, tileWidth, tileHeight, rowHeight, left, totalHeight, count, gap }
 * Tiles are `tile` wide and `tile + label` high; as many columns as fit in `width` (at least one);
 * the block of columns is centred (`left` is the x of column 0).
 */
export function gridLayout({ width, tile = TILE_DEFAULT, count = 0, gap = GAP, label = LABEL_HEIGHT }) {
  const w = Math.max(0, Number(width) || 0);
  const t = clampTile(tile);
  const n = Math.max(0, int(count));
  const columns = Math.max(1, Math.floor((w - gap) / (t + gap)));
  const rows = Math.ceil(n / columns);
  const tileHeight = t + label;
  const rowHeight = tileHeight + gap;
  const used = columns * t + (columns - 1) * gap;
  const left = Math.max(gap, Math.floor((w - used) / 2));
  const totalHeight = rows > 0 ? gap + rows * rowHeight : 0;
  return { columns, rows, tileWidth: t, tileHeight, rowHeight, left, totalHeight, count: n, gap };
}

/** Top-left corner (CSS px inside the spacer) of the tile at `index`. */
export function tilePosition(layout, index) {
  const row = Math.floor(index / layout.columns);
  const col = index % layout.columns;
  return {
    x: layout.left + col * (layout.tileWidth + layout.gap),
    y: layout.gap + row * layout.rowHeight,
  };
}

/**
 * The tiles to have in the DOM: rows that intersect [scrollTop, scrollTop + viewport) plus
 * `overscan` rows each side. -> { start, end (exclusive), firstRow, lastRow, visibleStart, visibleEnd }
 * visibleStart..visibleEnd (exclusive) are the tiles actually on screen (no overscan).
 */
export function visibleRange(layout, scrollTop, viewport, overscan = OVERSCAN_ROWS) {
  const { columns, rows, rowHeight, count, gap } = layout;
  if (count === 0 || rows === 0 || !(viewport > 0)) {
    return { start: 0, end: 0, firstRow: 0, lastRow: -1, visibleStart: 0, visibleEnd: 0 };
  }
  const top = Math.max(0, Number(scrollTop) || 0);
  const bottom = top + viewport;
  const clampRow = (r) => Math.min(rows - 1, Math.max(0, r));
  // Row r's tiles span [gap + r*rowHeight, gap + r*rowHeight + tileHeight).
  const firstVisible = clampRow(Math.floor((top - gap - layout.tileHeight) / rowHeight) + 1);
  const lastVisible = clampRow(Math.ceil((bottom - gap) / rowHeight) - 1);
  const firstRow = clampRow(firstVisible - overscan);
  const lastRow = clampRow(lastVisible + overscan);
  return {
    start: firstRow * columns,
    end: Math.min(count, (lastRow + 1) * columns),
    firstRow,
    lastRow,
    visibleStart: firstVisible * columns,
    visibleEnd: Math.min(count, (lastVisible + 1) * columns),
  };
}

/** Same range? (for "did the visible range change") */
export function sameRange(a, b) {
  return !!a && !!b && a.start === b.start && a.end === b.end &&
    a.visibleStart === b.visibleStart && a.visibleEnd === b.visibleEnd;
}

/**
 * The scrollTop that brings the tile at `index` fully into view with the least movement,
 * or null when it already is. `center` puts it in the middle instead (used when the grid opens).
 */
export function revealScrollTop(layout, index, scrollTop, viewport, { center = false } = {}) {
  if (!(index >= 0) || index >= layout.count || !(viewport > 0)) return null;
  const { y } = tilePosition(layout, index);
  const top = y - layout.gap;
  const bottom = y + layout.tileHeight + layout.gap;
  const maxTop = Math.max(0, layout.totalHeight - viewport);
  const clamp = (v) => Math.min(maxTop, Math.max(0, Math.round(v)));
  if (center) {
    const want = clamp(y + layout.tileHeight / 2 - viewport / 2);
    return Math.abs(want - scrollTop) < 1 ? null : want;
  }
  if (top < scrollTop) return clamp(top);
  if (bottom > scrollTop + viewport) return clamp(bottom - viewport);
  return null;
}

/** How many whole rows fit in the viewport (PageUp/PageDown step), at least one. */
export function rowsPerPage(layout, viewport) {
  return Math.max(1, Math.floor((Number(viewport) || 0) / layout.rowHeight));
}

/** The thumbnail box to ask Python for: tile CSS px times devicePixelRatio, clamped to 32..512. */
export function thumbBox(tile, dpr = 1) {
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  return Math.min(512, Math.max(32, Math.round(clampTile(tile) * ratio)));
}
