import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveKey, keepFromNotebook } from "../src/shell/keys.js";

const key = (code, mods = {}) => ({ code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
const act = (ev, ctx) => resolveKey(ev, ctx)?.action ?? null;

test("arrows move between images", () => {
  assert.equal(act(key("ArrowLeft")), "prev");
  assert.equal(act(key("ArrowRight")), "next");
});

test("Ctrl+S and Cmd+S save, also from a text field, and prevent the browser's save", () => {
  assert.deepEqual(resolveKey(key("KeyS", { ctrlKey: true })), { action: "save", prevent: true });
  assert.equal(act(key("KeyS", { metaKey: true }), { inText: true }), "save");
});

test("digits 1..9 (row and numpad) toggle palette slots", () => {
  assert.deepEqual(resolveKey(key("Digit1")), { action: "toggle-slot", slot: 1, prevent: true });
  assert.equal(resolveKey(key("Numpad9")).slot, 9);
  assert.equal(resolveKey(key("Digit0")), null);
});

test("in a text field typing goes to the field", () => {
  for (const code of ["ArrowLeft", "ArrowRight", "Digit1", "KeyA", "Delete", "Backspace", "Enter"]) {
    assert.equal(resolveKey(key(code), { inText: true }), null, code);
  }
});

test("Escape closes the suggestion list first, then a dialog, then leaves the widget", () => {
  assert.equal(act(key("Escape"), { listOpen: true, dialogOpen: true, inText: true }), "close-list");
  assert.equal(act(key("Escape"), { dialogOpen: true }), "close-dialog");
  assert.equal(act(key("Escape"), { inText: true }), "release-focus");
  assert.equal(act(key("Escape")), "release-focus");
});

test("Alt+digits pin a tag to a key, in the single view and outside text and dialogs", () => {
  assert.deepEqual(resolveKey(key("Digit3", { altKey: true })), { action: "pin-slot", slot: 3, prevent: true });
  assert.equal(resolveKey(key("Numpad9", { altKey: true }), { onChip: true }).slot, 9);
  assert.equal(resolveKey(key("Digit0", { altKey: true })), null);
  assert.equal(resolveKey(key("Digit3", { altKey: true }), { grid: true }), null);
  assert.equal(resolveKey(key("Digit3", { altKey: true }), { dialogOpen: true }), null);
  assert.equal(resolveKey(key("Digit3", { altKey: true }), { inText: true }), null);
  assert.equal(resolveKey(key("Digit3", { altKey: true, shiftKey: true })), null);
});

test("Alt+arrows on a chip reorder it; elsewhere they do nothing", () => {
  assert.deepEqual(resolveKey(key("ArrowLeft", { altKey: true }), { onChip: true }), { action: "move-chip", delta: -1, prevent: true });
  assert.equal(resolveKey(key("ArrowRight", { altKey: true }), { onChip: true }).delta, 1);
  assert.equal(resolveKey(key("ArrowRight", { altKey: true })), null);
});

test("Delete/Backspace remove a focused chip, and are otherwise only kept from the notebook", () => {
  assert.equal(act(key("Delete"), { onChip: true }), "remove-chip");
  assert.equal(act(key("Backspace"), { onChip: true }), "remove-chip");
  assert.equal(resolveKey(key("Delete")), null);
  assert.equal(keepFromNotebook(key("Delete"), null, false), true);
});

test("while a dialog is open, navigation keys do nothing", () => {
  assert.equal(resolveKey(key("ArrowRight"), { dialogOpen: true }), null);
  assert.equal(resolveKey(key("Digit1"), { dialogOpen: true }), null);
});

test("unhandled Ctrl/Cmd shortcuts reach JupyterLab; plain keys do not", () => {
  assert.equal(keepFromNotebook(key("KeyB", { ctrlKey: true }), null, false), false);
  assert.equal(keepFromNotebook(key("KeyD"), null, false), true);
  assert.equal(keepFromNotebook(key("Enter", { shiftKey: true }), null, false), true);
  assert.equal(keepFromNotebook(key("KeyC", { ctrlKey: true }), null, true), true);
});

test("U opens the file picker of Add images, in the single view and the grid, not while typing", () => {
  assert.deepEqual(resolveKey(key("KeyU")), { action: "add-images", prevent: true });
  assert.equal(act(key("KeyU"), { grid: true }), "add-images");
  assert.equal(act(key("KeyU"), { inText: true }), null);
  assert.equal(act(key("KeyU"), { dialogOpen: true }), null);
  assert.equal(act(key("KeyU", { shiftKey: true })), null);
});
