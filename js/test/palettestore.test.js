import { test } from "node:test";
import assert from "node:assert/strict";
import { createPaletteStore, comparePalette, paletteRow, readRows, SPLICE_MAX } from "../src/editor/palettestore.js";

const view = (store) => store.rows.map((r) => [r.tag, r.count, r.pinned]);

test("the whole palette is kept in palette order, rows with no images kept only when pinned", () => {
  const store = createPaletteStore();
  assert.equal(store.version, null);
  assert.equal(store.inUse, null);
  store.load([["b", 1, false], ["a", 5, false], ["gone", 0, false], ["pin", 0, true], ["B", 1, true]], 3);
  assert.deepEqual(view(store), [["a", 5, false], ["B", 1, true], ["b", 1, false], ["pin", 0, true]]);
  assert.equal(store.version, 3);
  assert.equal(store.inUse, 3);
});

test("a delta moves only the rows it names, and drops the rows that are gone", () => {
  const store = createPaletteStore();
  store.load([["a", 5, false], ["b", 3, false], ["c", 1, false]], 7);
  const before = store.revision;
  assert.equal(store.apply({ version: 8, since: 7, rows: [["c", 6, false], ["new", 1, false], ["b", 0, false]] }), "applied");
  assert.deepEqual(view(store), [["c", 6, false], ["a", 5, false], ["new", 1, false]]);
  assert.equal(store.version, 8);
  assert.equal(store.inUse, 3);
  assert.ok(store.revision > before);
  // pinning a tag no image has; unpinning it again
  store.apply({ version: 9, since: 8, rows: [["ohwx", 0, true]] });
  assert.deepEqual(view(store).at(-1), ["ohwx", 0, true]);
  assert.equal(store.inUse, 3);
  store.apply({ version: 10, since: 9, rows: [["ohwx", 0, false]] });
  assert.equal(view(store).length, 3);
});

test("a delta spanning several versions applies to a copy at any of them", () => {
  const store = createPaletteStore();
  store.load([["a", 1, false]], 5);
  assert.equal(store.apply({ version: 8, since: 4, rows: [["a", 2, false]] }), "applied");
  assert.deepEqual(view(store), [["a", 2, false]]);
});

test("an old delta changes nothing; one from after a missed change, or too big, asks for it all", () => {
  const store = createPaletteStore();
  assert.equal(store.apply({ version: 0, since: 0, rows: null }), "current", "Python has no palette yet");
  assert.equal(store.apply({ version: 1, since: 0, rows: null }), "behind", "nothing loaded yet");
  store.load([["a", 1, false]], 5);
  const revision = store.revision;
  assert.equal(store.apply({ version: 5, since: 4, rows: [["a", 9, false]] }), "current");
  assert.equal(store.apply({ version: 4, since: 3, rows: [["a", 9, false]] }), "current");
  assert.equal(store.apply({ version: 7, since: 6, rows: [["a", 9, false]] }), "behind");
  assert.equal(store.apply({ version: 6, since: 5, rows: null }), "behind");
  for (const junk of [null, undefined, {}, { version: "6" }, { version: 6.5, since: 5, rows: [] }]) {
    assert.equal(store.apply(junk), "current");
  }
  assert.deepEqual(view(store), [["a", 1, false]]);
  assert.equal(store.revision, revision);
});

test("deltas of any size leave the rows as a fresh sort of the same palette would", () => {
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const names = ["a", "A", "b", "é", "E", "ß", "ss", "Ω", "😀", "\uffe0", "z", "Z", "1", "10", "2"];
  const truth = new Map();
  const store = createPaletteStore();
  store.load([], 1);
  for (let version = 2; version < 200; version += 1) {
    const rows = [];
    const size = random(4) === 0 ? SPLICE_MAX + 1 + random(20) : 1 + random(4);
    for (let k = 0; k < size; k += 1) {
      const tag = names[random(names.length)] + (random(3) ? "" : String(random(50)));
      const row = [tag, random(4), random(5) === 0];
      rows.push(row);
      if (!rows.slice(0, -1).some((r) => r[0] === tag)) truth.set(tag, row);
    }
    store.apply({ version, since: version - 1, rows });
    const expected = readRows([...truth.values()]).filter((r) => r.count > 0 || r.pinned).sort(comparePalette);
    assert.deepEqual(view(store), expected.map((r) => [r.tag, r.count, r.pinned]), `at version ${version}`);
    assert.equal(store.inUse, expected.filter((r) => r.count > 0).length);
  }
});

test("names order by code point after folding case, as Python compares them", () => {
  const order = (tags) => tags.map((t) => paletteRow(t, 1, false)).sort(comparePalette).map((r) => r.tag);
  assert.deepEqual(order(["b", "B", "a", "A"]), ["A", "a", "B", "b"]);
  assert.deepEqual(order(["😀", "\uffe0", "z"]), ["z", "\uffe0", "😀"]);
  assert.deepEqual(order(["STRASSE", "straße", "strasse"]), ["STRASSE", "strasse", "straße"]);
});
