import { test } from "node:test";
import assert from "node:assert/strict";
import {
  deleteTitle, deleteConfirmLabel, entryText, entryTitle, fillSlots, orderPalette, readPinned, slotTag, tagOfElement,
} from "../src/editor/palette.js";
import { readRows } from "../src/editor/palettestore.js";

test("the palette's delete names its reach: every image, counted", () => {
  assert.equal(deleteTitle("blue", 20), "Delete “\u2068blue\u2069” from all 20 images…");
  assert.equal(deleteTitle("blue", 1), "Delete “\u2068blue\u2069” from all 1 image…");
  assert.equal(deleteConfirmLabel(118), "Delete from 118 images");
  assert.equal(deleteConfirmLabel(1), "Delete from 1 image");
});

test("an entry reads as tag, count and its key", () => {
  assert.equal(entryText("red", 3, 1), "red 3 ·1");
  assert.equal(entryText("red", 3, 0), "red 3");
});

const tagsOf = (slots) => slots.slice(1).map((s) => (s ? s.tag + (s.pinned ? "*" : "") : null));

test("free keys are filled from the most used tags only when asked to (another image opened)", () => {
  const none = readPinned({});
  const first = fillSlots(null, none, readRows([["gradient", 5], ["illustration", 4], ["water", 1]]), true);
  assert.deepEqual(tagsOf(first).slice(0, 4), ["gradient", "illustration", "water", null]);
  // Tagging reorders the palette: the keys stay where they were while the image is open...
  const after = readRows([["water", 9], ["blue", 8], ["gradient", 5], ["illustration", 4]]);
  const editing = fillSlots(first, none, after, false);
  assert.deepEqual(tagsOf(editing).slice(0, 4), ["gradient", "illustration", "water", null]);
  assert.equal(slotTag(editing, 2), "illustration");
  // ...and a tag no image has any more keeps its key (and shows, with count 0).
  const gone = fillSlots(editing, none, readRows([["water", 9]]), false);
  assert.equal(slotTag(gone, 1), "gradient");
  assert.deepEqual(orderPalette(readRows([["water", 9]]), gone).map((e) => [e.row.tag, e.row.count, e.slot]),
    [["gradient", 0, 1], ["illustration", 0, 2], ["water", 9, 3]]);
  // The next image takes the palette as it is then.
  assert.deepEqual(tagsOf(fillSlots(editing, none, after, true)).slice(0, 5),
    ["water", "blue", "gradient", "illustration", null]);
});

test("pinned keys hold their tag; a free key never repeats a pinned tag", () => {
  const rows = readRows([["water", 9], ["blue", 8], ["gradient", 5]]);
  const pinned = readPinned({ 2: "water", 9: "sky", 5: 3, x: "y" });
  const slots = fillSlots(null, pinned, rows, true);
  assert.deepEqual(tagsOf(slots), ["blue", "water*", "gradient", null, null, null, null, null, "sky*"]);
  assert.deepEqual(orderPalette(rows, slots).map((e) => [e.row.tag, e.slot, e.pinnedSlot]),
    [["blue", 1, false], ["water", 2, true], ["gradient", 3, false], ["sky", 9, true]]);
  // Pinning a tag a free key holds, while the image is open: that key empties until the next image.
  const moved = fillSlots(slots, readPinned({ 2: "water", 9: "sky", 4: "blue" }), rows, false);
  assert.deepEqual(tagsOf(moved).slice(0, 4), [null, "water*", "gradient", "blue*"]);
  // Freeing a pinned key keeps its tag on it until the next image.
  assert.deepEqual(tagsOf(fillSlots(moved, readPinned({ 9: "sky", 4: "blue" }), rows, false)).slice(0, 4),
    [null, "water", "gradient", "blue*"]);
  assert.deepEqual(readPinned({ 1: "a", 2: "a" }).slice(1, 3), ["a", null]);
});

test("entries say their key, whether it is pinned, and how to pin", () => {
  assert.equal(entryTitle("red", 2, true, true), "red (key 2, pinned; Alt+2 or right-click frees the key) · pinned to the palette");
  assert.equal(entryTitle("red", 3, false, false), "red (key 3 while this image is open; Alt+3 pins it there)");
  assert.equal(entryTitle("red", 0, false, false), "red (Alt+1…9 or right-click pins it to a digit key)");
});

test("the tag of a palette entry or a chip comes from its focus key", () => {
  const el = (key) => ({ getAttribute: (name) => (name === "data-fkey" ? key : null) });
  assert.equal(tagOfElement(el("pal:red: hair")), "red: hair");
  assert.equal(tagOfElement(el("chip:blue")), "blue");
  assert.equal(tagOfElement(el("del:blue")), null);
  assert.equal(tagOfElement(null), null);
});
