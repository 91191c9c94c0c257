import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const { KINDS, MENU_KINDS, RESTORE, buildOperation, fieldsFromOperation, kindOf, triggerNote, firstField } =
  await import("../src/panels/batch/logic.js");
const { restoreButton } = await import("../src/shell/editbar.js");
const { resolveKey } = await import("../src/shell/keys.js");

const key = (code, mods = {}) => ({ code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

test("the batch menu lists restoring the originals after the operations, which stay Python's", () => {
  assert.deepEqual(MENU_KINDS.slice(0, -1), KINDS);
  assert.deepEqual(MENU_KINDS.at(-1), { value: "restore", label: "Restore original captions" });
  assert.ok(!KINDS.some((k) => k.value === RESTORE));
});

test("restoring takes no field and no trigger word", () => {
  assert.deepEqual(buildOperation("restore", { tags: "x", trigger: "ohwx" }), { operation: { kind: "restore" } });
  assert.equal(kindOf("restore"), "restore");
  assert.equal(fieldsFromOperation({ kind: "restore" }).kind, "restore");
  assert.equal(triggerNote("restore", "ohwx").hidden, true);
  assert.equal(firstField("restore"), null); // focus goes to the menu
});

test("the restore button is on only for a caption that differs from its original and can be edited", () => {
  assert.equal(restoreButton({ id: "a.jpg", original_differs: true, editable: true }, false).disabled, false);
  assert.match(restoreButton({ id: "a.jpg", original_differs: true }, false).title, /differs from its original/);
  const same = restoreButton({ id: "a.jpg", original_differs: false, editable: true }, false);
  assert.equal(same.disabled, true);
  assert.match(same.title, /as it was/);
  const locked = restoreButton({ id: "a.jpg", original_differs: true, editable: false }, false);
  assert.equal(locked.disabled, true);
  assert.match(locked.title, /cannot be edited/);
  assert.equal(restoreButton(null, false).disabled, true);
  assert.equal(restoreButton({ id: "" }, false).title, "No image is shown");
});

test("in the grid the restore button opens the batch panel's restore", () => {
  const look = restoreButton(null, true);
  assert.equal(look.disabled, false);
  assert.equal(look.text, "Restore originals…");
});

test("Shift+R restores, in the single view and the grid, but not in a text field or a dialog", () => {
  assert.deepEqual(resolveKey(key("KeyR", { shiftKey: true })), { action: "restore-original", prevent: true });
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { grid: true }).action, "restore-original");
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { inText: true }), null);
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { dialogOpen: true }), null);
  assert.equal(resolveKey(key("KeyR")), null);
  assert.equal(resolveKey(key("KeyR", { shiftKey: true, ctrlKey: true })), null);
});
