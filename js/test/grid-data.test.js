import { test } from "node:test";
import assert from "node:assert/strict";
import { ItemPages, stateWords, parseItem } from "../src/grid/items.js";
import { ThumbStore, ThumbRequests, batches } from "../src/grid/thumbs.js";
import { isSuperseded } from "../src/lib/rpc.js";
import { splitName, tileLabel, tileMarks } from "../src/grid/tiles.js";
import { idsToShow } from "../src/grid/loader.js";
import { scanningText, isScanning } from "../src/shell/loading.js";

const rows = (start, n, state = 0) => Array.from({ length: n }, (_, i) => [`id${start + i}`, `img${start + i}.jpg`, state]);

test("state bits read as words for screen readers", () => {
  assert.deepEqual(stateWords(0), ["untagged"]);
  assert.deepEqual(stateWords(1 | 2), ["tagged", "reviewed"]);
  assert.deepEqual(stateWords(4 | 8), ["untagged", "flagged", "unsaved"]);
  assert.deepEqual(parseItem(["a", "", 3]), { id: "a", name: "a", state: 3 });
  assert.equal(parseItem([1, "x", 0]), null);
});

test("a tile's accessible name starts with the file name", () => {
  assert.equal(tileLabel({ id: "a", name: "img12.jpg", state: 3 }, 11, false), "img12.jpg, tagged, reviewed");
  assert.equal(tileLabel({ id: "a", name: "x.png", state: 0 }, 0, true), "x.png, untagged, current image");
  assert.equal(tileLabel(undefined, 4, false), "Image 5, loading");
});

test("item pages are asked once for the visible range, clipped to the count", () => {
  const p = new ItemPages({ pageSize: 500 });
  p.reset(1200);
  p.setVersion(0);
  assert.deepEqual(p.wanted(450, 620), [0, 1]);
  assert.deepEqual(p.request(2), { start: 1000, count: 200 });
  assert.equal(p.request(3), null);
  const v0 = p.begin(0);
  p.begin(1);
  assert.deepEqual(p.wanted(450, 620), []); // asked already
  p.receive(0, v0, 0, rows(0, 500));
  assert.equal(p.get(12).name, "img12.jpg");
  assert.equal(p.get(600), undefined);
});

test("when items_version changes, visible pages are asked again and old data shows meanwhile", () => {
  const p = new ItemPages({ pageSize: 500 });
  p.reset(1000);
  p.setVersion(3);
  const v = p.begin(0);
  p.receive(0, v, 0, rows(0, 500));
  assert.deepEqual(p.wanted(0, 10), []);
  assert.equal(p.setVersion(3), false);
  assert.equal(p.setVersion(4), true);
  assert.deepEqual(p.wanted(0, 10), [0]);
  assert.equal(p.get(1).state, 0); // stale but shown
  const v2 = p.begin(0);
  p.receive(0, v2, 0, rows(0, 500, 1));
  assert.equal(p.get(1).state, 1);
  p.receive(0, v, 0, rows(0, 500, 0)); // a late older reply does not win
  assert.equal(p.get(1).state, 1);
});

test("a reset (the list changed) drops pages and replies still on their way", () => {
  const p = new ItemPages({ pageSize: 500 });
  p.reset(1000);
  const v = p.begin(0);
  p.reset(2000);
  assert.equal(p.receive(0, v, 0, rows(0, 500)), null);
  assert.equal(p.get(0), undefined);
  assert.deepEqual(p.wanted(0, 10), [0]);
});

test("the item cache is bounded", () => {
  const p = new ItemPages({ pageSize: 10, maxPages: 3 });
  p.reset(100);
  for (let i = 0; i < 5; i += 1) p.receive(i, p.begin(i), i * 10, rows(i * 10, 10));
  assert.equal(p.pages.size, 3);
  assert.equal(p.get(0), undefined);
  assert.equal(p.get(45).id, "id45");
});

test("the thumbnail cache is bounded and revokes evicted URLs, a duplicate at once, all on clear", () => {
  const revoked = [];
  const s = new ThumbStore({ max: 2, revoke: (u) => revoked.push(u) });
  s.add("a", 144, { url: "blob:a" });
  s.add("b", 144, { url: "blob:b" });
  s.add("a", 144, { url: "blob:a2" }); // the first answer stays
  assert.deepEqual(revoked, ["blob:a2"]);
  s.add("c", 144, { error: "broken file" });
  assert.deepEqual(revoked, ["blob:a2", "blob:b"]);
  assert.equal(s.get("c", 144).error, "broken file");
  assert.equal(s.has("a", 288), false); // another size is another thumbnail
  s.clear();
  assert.deepEqual(revoked, ["blob:a2", "blob:b", "blob:a"]);
});

test("thumbnail requests: only missing ids; ids of an older group are asked again", () => {
  const s = new ThumbStore({ revoke: () => {} });
  const r = new ThumbRequests();
  r.nextGroup();
  s.add("a", 144, { url: "blob:a" });
  assert.deepEqual(r.wanted(["a", "b", "c"], 144, s), ["b", "c"]);
  const g1 = r.begin(["b", "c"], 144);
  assert.deepEqual(r.wanted(["a", "b", "c"], 144, s), []);
  r.nextGroup(); // the visible range changed: Python drops queued work of group 1
  assert.deepEqual(r.wanted(["b", "c"], 144, s), ["b", "c"]);
  const g2 = r.begin(["b"], 144);
  r.settle(["b", "c"], 144, g1); // the superseded reply of group 1 comes back
  assert.deepEqual(r.wanted(["b", "c"], 144, s), ["c"]);
  r.settle(["b"], 144, g2);
  assert.ok(g2 > g1);
});

test("batches hold at most the batch size; superseded replies are recognised", () => {
  assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.ok(isSuperseded({ reply: { ok: false, superseded: true } }));
  assert.ok(!isSuperseded({ reply: { ok: false, error: "x" } }));
  assert.ok(!isSuperseded(null));
});

test("the scanning line counts the images found so far", () => {
  assert.equal(scanningText(12345), "Scanning… 12,345 images found");
  assert.equal(scanningText(1), "Scanning… 1 image found");
  assert.ok(isScanning({ phase: "scanning", done: 3 }));
  assert.ok(!isScanning({ phase: "ready", done: 3 }));
  assert.ok(!isScanning(null));
});

test("a tile marks reviewed, flagged and unsaved images, in that order", () => {
  assert.deepEqual(tileMarks(0), []);
  assert.deepEqual(tileMarks(1), [], "tagged is the tile's colour, not a mark");
  assert.deepEqual(tileMarks(2 | 4 | 8).map(([cls]) => cls), ["is-reviewed", "is-flagged", "is-unsaved"]);
});

test("thumbnails are asked for the tiles on screen first, each image once", () => {
  const items = { 0: { id: "a" }, 1: { id: "b" }, 2: { id: "c" }, 3: { id: "a" }, 5: { id: "f" } };
  const pages = { get: (i) => items[i] };
  assert.deepEqual(idsToShow(pages, { start: 0, end: 6, visibleStart: 2, visibleEnd: 4 }), ["c", "a", "b", "f"]);
});

test("a tile name keeps its end past the ellipsis, so names that start alike differ", () => {
  assert.deepEqual(splitName("holiday_photo_2024_0001.jpg"), ["holiday_photo_202", "4_0001.jpg"]);
  assert.deepEqual(splitName("holiday_photo_2024_0002.jpg"), ["holiday_photo_202", "4_0002.jpg"]);
  assert.deepEqual(splitName("img1.png"), ["img1.png", ""]);
  assert.deepEqual(splitName("README_without_extension"), ["README_without_ext", "ension"]);
  assert.deepEqual(splitName("写真_東京タワー_夜景_01😀.webp"), ["写真_東京タワー_", "夜景_01😀.webp"]);
  assert.deepEqual(splitName(""), ["", ""]);
});
