import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const { KINDS, MENU_KINDS, RESTORE, buildOperation, fieldsFromOperation, kindOf, triggerNote, firstField } =
  await import("../src/panels/batch/logic.js");
const { originalLine } = await import("../src/editor/original.js");
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

test("the line shows only on one image whose caption differs from its original", () => {
  assert.deepEqual(originalLine({ id: "a.jpg", original_differs: true, editable: true }, false),
    { hidden: false, disabled: false, title: "Give this image the caption it had before this tool changed it (Shift+R); Ctrl+Z undoes it" });
  assert.equal(originalLine({ id: "a.jpg", original_differs: false }, false).hidden, true);
  assert.equal(originalLine({ id: "a.jpg", original_differs: true }, true).hidden, true); // the grid: the batch panel
  assert.equal(originalLine({}, false).hidden, true);
  assert.equal(originalLine(null, false).hidden, true);
});

test("a caption that cannot be edited shows the line with the button off, saying why", () => {
  const look = originalLine({ id: "a.jpg", original_differs: true, editable: false }, false);
  assert.equal(look.hidden, false);
  assert.equal(look.disabled, true);
  assert.match(look.title, /cannot be edited/);
});

test("Shift+R restores, in the single view and the grid, but not in a text field or a dialog", () => {
  assert.deepEqual(resolveKey(key("KeyR", { shiftKey: true })), { action: "restore-original", prevent: true });
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { grid: true }).action, "restore-original");
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { inText: true }), null);
  assert.equal(resolveKey(key("KeyR", { shiftKey: true }), { dialogOpen: true }), null);
  assert.equal(resolveKey(key("KeyR")), null);
  assert.equal(resolveKey(key("KeyR", { shiftKey: true, ctrlKey: true })), null);
});
