import { test } from "node:test";
import assert from "node:assert/strict";
import { moveIndex, dropIndex, sameList } from "../src/editor/tags.js";
import { filterPalette, fillSlots, orderPalette, readPinned, slotTag, entryText } from "../src/editor/palette.js";
import { readRows } from "../src/editor/palettestore.js";
import { positionText, sizeText, saveText, conflictText, headerName } from "../src/shell/session.js";

test("moving a chip left/right swaps it with its neighbour; at the ends nothing moves", () => {
  assert.deepEqual(moveIndex(["a", "b", "c"], 1, 0), ["b", "a", "c"]);
  assert.deepEqual(moveIndex(["a", "b", "c"], 1, 2), ["a", "c", "b"]);
  assert.equal(moveIndex(["a", "b"], 0, -1), null);
  assert.equal(moveIndex(["a", "b"], 1, 2), null);
  assert.equal(moveIndex(["a"], 0, 0), null);
});

test("dropping before/after a chip gives the final index", () => {
  const tags = ["a", "b", "c", "d"];
  assert.deepEqual(moveIndex(tags, 0, dropIndex(0, 2, true)), ["b", "c", "a", "d"]);
  assert.deepEqual(moveIndex(tags, 0, dropIndex(0, 2, false)), ["b", "a", "c", "d"]);
  assert.deepEqual(moveIndex(tags, 3, dropIndex(3, 0, false)), ["d", "a", "b", "c"]);
  assert.equal(moveIndex(tags, 1, dropIndex(1, 0, true)), null); // dropped where it was
});

test("sameList compares in order", () => {
  assert.equal(sameList(["a", "b"], ["a", "b"]), true);
  assert.equal(sameList(["a", "b"], ["b", "a"]), false);
});

const palette = [["red hair", 12, false], ["smiling", 9, true], ["outdoors", 3, false], ["ohwx", 0, true]];
const paletteRows = readRows(palette);

test("palette rows keep their flags; malformed and repeated rows are skipped", () => {
  const rows = readRows([...palette, "bad", [1, 2], ["smiling", 1, false], ["x", -3, "yes"]]);
  assert.deepEqual(rows.map((r) => [r.tag, r.count, r.pinned]),
    [...palette, ["x", 0, true]]);
});

const entries = (rows) => orderPalette(rows, fillSlots(null, readPinned(null), [], false));

test("the palette filter is a case-insensitive substring match", () => {
  assert.deepEqual(filterPalette(entries(paletteRows), "HA").map((m) => m.row.tag), ["red hair"]);
  assert.deepEqual(filterPalette(entries(paletteRows), "o").map((m) => m.row.tag), ["outdoors", "ohwx"]);
  assert.equal(filterPalette(entries(paletteRows), "  ").length, 4);
  assert.deepEqual(filterPalette(entries(readRows([["Straße", 1]])), "STRASSE").map((m) => m.row.tag), ["Straße"]);
});

test("digit keys first take the most used entries", () => {
  const slots = fillSlots(null, readPinned(null), paletteRows, true);
  assert.equal(slotTag(slots, 1), "red hair");
  assert.equal(slotTag(slots, 4), "ohwx");
  assert.equal(slotTag(slots, 5), null);
  assert.equal(slotTag(slots, 0), null);
  assert.equal(slotTag(null, 1), null);
});

test("a palette entry reads as tag, count, then its digit", () => {
  assert.equal(entryText("red hair", 12, 1), "red hair 12 ·1");
  assert.equal(entryText("rare", 1, 0), "rare 1");
});

test("header texts", () => {
  assert.equal(positionText(11, 40, { tagged: 30 }), "12 / 40 · 30 tagged");
  assert.equal(positionText(-1, 0, {}), "0 / 0 · 0 tagged");
  assert.equal(sizeText(4000, 3000), "4000 × 3000");
  assert.equal(sizeText(null, null), "");
  assert.equal(saveText({ unsaved: 0 }), "All changes saved");
  assert.equal(saveText({ unsaved: 3 }), "3 unsaved");
  assert.equal(saveText({ unsaved: 3000, saving: [500, 3000] }), "Saving 500 of 3000…");
  assert.equal(saveText({ unsaved: 3, saving: null }), "3 unsaved");
  assert.equal(conflictText({ conflicts: 1 }), "1 conflict");
  assert.equal(conflictText({ conflicts: 0 }), "");
});

test("the header names the selection in the grid, else the current image", () => {
  const cur = { id: "a.jpg", name: "a.jpg" };
  assert.equal(headerName(cur, "grid", [0, 4, 7]), "3 images selected");
  assert.equal(headerName(cur, "grid", [4]), "1 image selected");
  assert.equal(headerName(cur, "grid", []), "a.jpg");
  assert.equal(headerName(cur, "single", [0, 4, 7]), "a.jpg");
  assert.equal(headerName({}, "single", []), "No images");
});
