import { test } from "node:test";
import assert from "node:assert/strict";
import {
  normalizeSelection, isSelected, toggleSelected, rangeOf, union, selectAll, clickSelect, moveFocus,
  keySelect, selectionText, sameSelection, tabStop, homeTile,
} from "../src/grid/selection.js";

test("a selection is sorted, unique and inside the items", () => {
  assert.deepEqual(normalizeSelection([5, 1, 5, -1, 2.5, "3", 9, 1], 9), [1, 5]);
  assert.deepEqual(normalizeSelection(null), []);
});

test("membership, toggling and ranges on sorted arrays", () => {
  const s = [1, 4, 9];
  assert.ok(isSelected(s, 4));
  assert.ok(!isSelected(s, 5));
  assert.deepEqual(toggleSelected(s, 5), [1, 4, 5, 9]);
  assert.deepEqual(toggleSelected(s, 4), [1, 9]);
  assert.deepEqual(s, [1, 4, 9]); // not changed in place
  assert.deepEqual(rangeOf(7, 4), [4, 5, 6, 7]);
  assert.deepEqual(union([1, 3, 5], [2, 3, 6]), [1, 2, 3, 5, 6]);
  assert.ok(sameSelection([1, 2], [1, 2]));
  assert.ok(!sameSelection([1, 2], [1, 3]));
});

test("select all of 100,000 is a plain array of ints and membership stays fast", () => {
  const all = selectAll(100000);
  assert.equal(all.length, 100000);
  assert.equal(all[99999], 99999);
  const t0 = performance.now();
  for (let i = 0; i < 100000; i += 1) isSelected(all, i);
  assert.ok(performance.now() - t0 < 200);
  assert.deepEqual(selectAll(0), []);
});

test("a plain click opens the image and keeps the selection", () => {
  const r = clickSelect({ selection: [2], anchor: 2, index: 7 });
  assert.deepEqual(r, { selection: [2], anchor: 7, open: true });
});

test("Ctrl/Cmd-click toggles a tile and moves the anchor there", () => {
  let r = clickSelect({ selection: [2], anchor: 2, index: 7, mod: true });
  assert.deepEqual(r, { selection: [2, 7], anchor: 7, open: false });
  r = clickSelect({ selection: r.selection, anchor: r.anchor, index: 2, mod: true });
  assert.deepEqual(r.selection, [7]);
});

test("Shift-click selects from the anchor; Ctrl+Shift-click adds that range", () => {
  assert.deepEqual(clickSelect({ selection: [20], anchor: 3, index: 6, shift: true }),
    { selection: [3, 4, 5, 6], anchor: 3, open: false });
  assert.deepEqual(clickSelect({ selection: [20], anchor: 6, index: 3, shift: true, mod: true }).selection,
    [3, 4, 5, 6, 20]);
  assert.deepEqual(clickSelect({ selection: [], anchor: -1, index: 4, shift: true }).selection, [4]);
});

test("arrow keys move the focus by one or by a row, and stop at the edges", () => {
  const g = { columns: 5, count: 23, page: 10 };
  assert.equal(moveFocus(0, "ArrowLeft", g), 0);
  assert.equal(moveFocus(0, "ArrowRight", g), 1);
  assert.equal(moveFocus(7, "ArrowDown", g), 12);
  assert.equal(moveFocus(7, "ArrowUp", g), 2);
  assert.equal(moveFocus(2, "ArrowUp", g), 2);
  assert.equal(moveFocus(19, "ArrowDown", g), 22); // last row is partial: go to the last item
  assert.equal(moveFocus(21, "ArrowDown", g), 21); // already in the last row
  assert.equal(moveFocus(22, "ArrowRight", g), 22);
  assert.equal(moveFocus(9, "Home", g), 0);
  assert.equal(moveFocus(9, "End", g), 22);
  assert.equal(moveFocus(3, "PageDown", g), 13);
  assert.equal(moveFocus(18, "PageDown", g), 22); // its column is past the end: the last item
  assert.equal(moveFocus(16, "PageDown", g), 21);
  assert.equal(moveFocus(13, "PageUp", g), 3);
  assert.equal(moveFocus(4, "PageUp", g), 4);
  assert.equal(moveFocus(-1, "ArrowRight", g), 1);
  assert.equal(moveFocus(0, "ArrowRight", { columns: 5, count: 0 }), -1);
});

test("keyboard: plain arrows move, Shift+arrows extend from the anchor, Space toggles, Enter opens", () => {
  const g = { columns: 4, count: 20, page: 8 };
  let s = { selection: [], anchor: 5, focus: 5 };
  s = keySelect(s, { action: "move", key: "ArrowRight" }, g);
  assert.deepEqual(s, { selection: [], anchor: 6, focus: 6, open: false });
  s = keySelect(s, { action: "move", key: "ArrowDown", extend: true }, g);
  assert.deepEqual(s.selection, [6, 7, 8, 9, 10]);
  assert.equal(s.anchor, 6);
  s = keySelect(s, { action: "move", key: "ArrowLeft", extend: true }, g);
  assert.deepEqual(s.selection, [6, 7, 8, 9]);
  s = keySelect(s, { action: "toggle" }, g);
  assert.deepEqual(s.selection, [6, 7, 8]);
  s = keySelect(s, { action: "toggle" }, g);
  assert.deepEqual(s.selection, [6, 7, 8, 9]);
  assert.equal(keySelect(s, { action: "open" }, g).open, true);
  assert.equal(keySelect(s, { action: "select-all" }, g).selection.length, 20);
  assert.deepEqual(keySelect(s, { action: "clear" }, g).selection, []);
});

test("the selection count reads as words", () => {
  assert.equal(selectionText(0), "");
  assert.equal(selectionText(100000), "100,000 selected");
});

test("Tab reaches the focused tile while it is drawn or in range, else the first visible one", () => {
  const range = { start: 10, end: 30, visibleStart: 14, visibleEnd: 26 };
  assert.equal(tabStop({ focus: 3, count: 50, range, shown: true }), 3);
  assert.equal(tabStop({ focus: 20, count: 50, range, shown: false }), 20);
  assert.equal(tabStop({ focus: 3, count: 50, range, shown: false }), 14);
  assert.equal(tabStop({ focus: 60, count: 50, range, shown: true }), 14);
  assert.equal(tabStop({ focus: -1, count: 0, range: { start: 0, end: 0, visibleStart: 0, visibleEnd: 0 }, shown: false }), -1);
});

test("entering the grid goes to the remembered tile, else the current image's, else the first", () => {
  assert.equal(homeTile(7, 2, 10), 7);
  assert.equal(homeTile(12, 2, 10), 2);
  assert.equal(homeTile(-1, -1, 10), 0);
});
