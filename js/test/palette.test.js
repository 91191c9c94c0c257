import { test } from "node:test";
import assert from "node:assert/strict";
import { deleteTitle, deleteConfirmLabel, entryText } from "../src/editor/palette.js";

test("the palette's delete names its reach: every image, counted", () => {
  assert.equal(deleteTitle("blue", 20), "Delete “\u2068blue\u2069” from all 20 images…");
  assert.equal(deleteTitle("blue", 1), "Delete “\u2068blue\u2069” from all 1 image…");
  assert.equal(deleteConfirmLabel(118), "Delete from 118 images");
  assert.equal(deleteConfirmLabel(1), "Delete from 1 image");
});

test("an entry reads as tag, count and its key", () => {
  assert.equal(entryText("red", 3, 0), "red 3 ·1");
  assert.equal(entryText("red", 3, 9), "red 3");
});
