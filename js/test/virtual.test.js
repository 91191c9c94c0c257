import { test } from "node:test";
import assert from "node:assert/strict";
import {
  gridLayout, tilePosition, visibleRange, revealScrollTop, rowsPerPage, thumbBox, clampTile, sameRange,
  TILE_DEFAULT,
} from "../src/lib/virtual.js";

const layout100k = () => gridLayout({ width: 1200, tile: 144, count: 100000, gap: 8, label: 22 });

test("columns come from the width and a fixed tile size; at least one column", () => {
  assert.equal(gridLayout({ width: 1200, tile: 144, count: 10 }).columns, 7); // 7*144+8*8 = 1072
  assert.equal(gridLayout({ width: 100, tile: 144, count: 10 }).columns, 1);
  assert.equal(gridLayout({ width: 0, tile: 144, count: 10 }).columns, 1);
  const l = gridLayout({ width: 1200, tile: 144, count: 10 });
  assert.equal(l.rows, 2);
  assert.equal(l.rowHeight, 144 + 22 + 8);
  assert.equal(l.totalHeight, 8 + 2 * l.rowHeight);
});

test("the tile size is clamped and a nonsense size falls back to the default", () => {
  assert.equal(clampTile(10), 64);
  assert.equal(clampTile(9999), 320);
  assert.equal(clampTile("x"), TILE_DEFAULT);
  assert.equal(clampTile(150.4), 150);
});

test("the block of columns is centred and tiles sit on a fixed pitch", () => {
  const l = gridLayout({ width: 1200, tile: 144, count: 100 });
  const used = 7 * 144 + 6 * 8;
  assert.equal(l.left, Math.floor((1200 - used) / 2));
  assert.deepEqual(tilePosition(l, 0), { x: l.left, y: 8 });
  assert.deepEqual(tilePosition(l, 8), { x: l.left + 152, y: 8 + l.rowHeight });
});

test("only the rows on screen plus the overscan are in the range, anywhere in 100,000 items", () => {
  const l = layout100k();
  const top = 5000 * l.rowHeight; // deep in the middle
  const r = visibleRange(l, top, 700, 2);
  const onScreenRows = Math.ceil(700 / l.rowHeight) + 1;
  assert.ok(r.end - r.start <= (onScreenRows + 4) * l.columns);
  assert.equal(r.visibleStart, 5000 * l.columns);
  assert.ok(r.start < r.visibleStart && r.end > r.visibleEnd);
  assert.equal(r.start % l.columns, 0);
});

test("the range at the top and at the very bottom stays inside the items", () => {
  const l = gridLayout({ width: 1200, tile: 144, count: 3000 });
  const first = visibleRange(l, 0, 700);
  assert.equal(first.start, 0);
  assert.equal(first.visibleStart, 0);
  const bottom = visibleRange(l, l.totalHeight - 700, 700);
  assert.equal(bottom.end, 3000);
  assert.ok(bottom.visibleEnd === 3000);
  assert.deepEqual(visibleRange(gridLayout({ width: 1200, count: 0 }), 0, 700), {
    start: 0, end: 0, firstRow: 0, lastRow: -1, visibleStart: 0, visibleEnd: 0,
  });
});

test("a range is the same only when every bound is", () => {
  const l = layout100k();
  assert.ok(sameRange(visibleRange(l, 0, 700), visibleRange(l, 3, 700)));
  assert.ok(!sameRange(visibleRange(l, 0, 700), visibleRange(l, 3 * l.rowHeight, 700)));
  assert.ok(!sameRange(null, visibleRange(l, 0, 700)));
});

test("revealing a tile scrolls the least, or not at all when it is on screen", () => {
  const l = gridLayout({ width: 1200, tile: 144, count: 3000 });
  assert.equal(revealScrollTop(l, 0, 0, 700), null);
  const below = revealScrollTop(l, 7 * 10, 0, 700); // row 10
  const { y } = tilePosition(l, 70);
  assert.equal(below, y + l.tileHeight + 8 - 700);
  const above = revealScrollTop(l, 0, 5000, 700);
  assert.equal(above, 0);
  const centred = revealScrollTop(l, 7 * 100, 0, 700, { center: true });
  assert.equal(centred, Math.round(tilePosition(l, 700).y + l.tileHeight / 2 - 350));
  const last = revealScrollTop(l, 2999, 0, 700, { center: true });
  assert.equal(last, l.totalHeight - 700); // clamped to the end
  assert.equal(revealScrollTop(l, 5000, 0, 700), null);
});

test("thumbnails are asked at the tile size times devicePixelRatio, within 32..512", () => {
  assert.equal(thumbBox(144, 1), 144);
  assert.equal(thumbBox(144, 2), 288);
  assert.equal(thumbBox(320, 3), 512);
  assert.equal(thumbBox(144, NaN), 144);
  assert.equal(rowsPerPage(layout100k(), 700), 4);
});
