import { test } from "node:test";
import assert from "node:assert/strict";
import { acClosed, acWithItems, acMove, acPick, lastSegment, applySuggestion } from "../src/editor/autocomplete.js";

const items = [["red hair", 12], ["red eyes", 4], ["redhead", 1]];

test("new suggestions open the list with the first highlighted, or the tag typed exactly", () => {
  const s = acWithItems("red", items);
  assert.equal(s.open, true);
  assert.equal(s.active, 0);
  assert.equal(acWithItems("red eyes", items).active, 1);
  assert.equal(acWithItems("zz", []).open, false);
  assert.equal(acWithItems("zz", []).active, -1);
});

test("Enter takes the highlighted suggestion; Shift+Enter and a closed list keep the typed text", () => {
  const s = acWithItems("bl", [["blue", 3], ["black", 1]]);
  assert.equal(acPick(s), "blue");
  assert.equal(acPick(s, { asTyped: true }), null);
  assert.equal(acPick(acClosed()), null);
});

test("ArrowDown starts at the first, ArrowUp at the last, both wrap", () => {
  const s = { ...acWithItems("red", items), active: -1 };
  assert.equal(acMove(s, 1).active, 0);
  assert.equal(acMove(s, -1).active, 2);
  assert.equal(acMove(acMove(acMove(acMove(s, 1), 1), 1), 1).active, 0);
  assert.equal(acMove(acMove(s, 1), -1).active, 2);
});

test("moving in a closed list changes nothing", () => {
  const s = acClosed();
  assert.equal(acMove(s, 1), s);
});

test("Enter accepts only a highlighted suggestion; Tab takes the first when none is", () => {
  const s = { ...acWithItems("red", items), active: -1 };
  assert.equal(acPick(s), null);
  assert.equal(acPick(s, { tab: true }), "red hair");
  assert.equal(acPick(acMove(acMove(s, 1), 1)), "red eyes");
  assert.equal(acPick(acClosed(), { tab: true }), null);
});

test("malformed items are dropped", () => {
  assert.deepEqual(acWithItems("a", [["a", 1], "b", [2, 3], null]).items, [["a", 1]]);
  assert.equal(acWithItems("a", undefined).open, false);
});

test("only the text after the last comma is completed", () => {
  assert.equal(lastSegment("red hair, smi"), "smi");
  assert.equal(lastSegment("  smi "), "smi");
  assert.equal(lastSegment("red hair,"), "");
  assert.equal(applySuggestion("red hair, smi", "smiling"), "red hair, smiling");
  assert.equal(applySuggestion("smi", "smiling"), "smiling");
  assert.equal(applySuggestion(", smi", "smiling"), "smiling");
});
