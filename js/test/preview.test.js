import { test } from "node:test";
import assert from "node:assert/strict";
import { previewBox, sameVersion, PreviewStore, MAX_NEIGHBORS } from "../src/editor/preview.js";

test("the preview box is the pane size times devicePixelRatio, clamped to 16..4096", () => {
  assert.deepEqual(previewBox(500, 300, 2), { width: 1000, height: 600 });
  assert.deepEqual(previewBox(4, 3000, 2), { width: 16, height: 4096 });
  assert.deepEqual(previewBox(333.4, 200.2, 1), { width: 333, height: 200 });
  assert.deepEqual(previewBox(100, 100, NaN), { width: 100, height: 100 });
  assert.equal(previewBox(0, 300, 1), null);
});

test("at most four neighbours are prefetched", () => {
  assert.equal(MAX_NEIGHBORS, 4);
});

test("a cached preview matches the item while its pixel size is unknown or the same (or rotated)", () => {
  const e = { origWidth: 4000, origHeight: 3000 };
  assert.equal(sameVersion(e, null, null), true);
  assert.equal(sameVersion(e, 4000, 3000), true);
  assert.equal(sameVersion(e, 3000, 4000), true);
  assert.equal(sameVersion(e, 1024, 768), false);
});

function store(max = 3) {
  const revoked = [];
  const s = new PreviewStore({ max, revoke: (u) => revoked.push(u) });
  const add = (id, w, h, url, ow = null, oh = null) =>
    s.add({ id, box: { width: w, height: h }, url, origWidth: ow, origHeight: oh });
  return { s, revoked, add };
}

test("the cache is bounded and revokes the URLs it evicts", () => {
  const { s, revoked, add } = store(2);
  add("a", 100, 100, "blob:a");
  add("b", 100, 100, "blob:b");
  add("c", 100, 100, "blob:c");
  assert.deepEqual(revoked, ["blob:a"]);
  assert.equal(s.size, 2);
});

test("the URL on screen is revoked only once it is replaced", () => {
  const { s, revoked, add } = store(1);
  add("a", 100, 100, "blob:a");
  s.setShown("blob:a");
  add("b", 100, 100, "blob:b");
  assert.deepEqual(revoked, []);
  s.setShown("blob:b");
  assert.deepEqual(revoked, ["blob:a"]);
});

test("find prefers a big-enough preview, else offers a smaller one to show meanwhile", () => {
  const { s, add } = store(5);
  add("a", 200, 200, "blob:small");
  let hit = s.find("a", { width: 800, height: 600 });
  assert.equal(hit.entry.url, "blob:small");
  assert.equal(hit.good, false);
  add("a", 800, 600, "blob:big");
  add("a", 2000, 2000, "blob:huge");
  hit = s.find("a", { width: 780, height: 590 });
  assert.equal(hit.entry.url, "blob:big");
  assert.equal(hit.good, true);
  assert.equal(s.find("zz", { width: 10, height: 10 }), null);
});

test("previews made before the item's pixel size changed are never shown and are revoked", () => {
  const { s, revoked, add } = store(5);
  add("a", 800, 600, "blob:old", 4000, 3000);
  assert.equal(s.find("a", { width: 800, height: 600 }, 1024, 768), null);
  s.dropStale("a", 1024, 768);
  assert.deepEqual(revoked, ["blob:old"]);
});

test("clear revokes everything, including what is on screen", () => {
  const { s, revoked, add } = store(1);
  add("a", 1, 1, "blob:a");
  s.setShown("blob:a");
  add("b", 1, 1, "blob:b"); // a deferred
  s.clear();
  assert.deepEqual(revoked.sort(), ["blob:a", "blob:b"]);
});
