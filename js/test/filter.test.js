import { test } from "node:test";
import assert from "node:assert/strict";
import { markQuery, matchText } from "../src/shell/filter.js";
import { resolveKey } from "../src/shell/keys.js";
import { positionText } from "../src/shell/session.js";

test("the match count names how many of all images the filter lets through", () => {
  assert.equal(matchText({ total: 12, all: 400, filtered: true }, "tag:x"), "12 of 400 images match");
  assert.equal(matchText({ total: 400, all: 400, filtered: false }, ""), "All 400 images");
  assert.equal(matchText({}, "tag:x"), "");
});

test("slash focuses the filter box, but not while typing", () => {
  assert.deepEqual(resolveKey({ code: "Slash" }, {}), { action: "focus-filter", prevent: true });
  assert.equal(resolveKey({ code: "Slash" }, { inText: true }), null);
});

test("the position says when it counts filtered images only", () => {
  assert.equal(positionText(2, 12, { tagged: 5, filtered: true }), "3 / 12 · 5 tagged (filtered)");
  assert.equal(positionText(2, 12, { tagged: 5 }), "3 / 12 · 5 tagged");
});

test("Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo, outside text fields only", () => {
  const k = (code, mods = {}) => ({ code, ctrlKey: true, ...mods });
  assert.equal(resolveKey(k("KeyZ"), {}).action, "undo");
  assert.equal(resolveKey(k("KeyZ", { shiftKey: true }), {}).action, "redo");
  assert.equal(resolveKey(k("KeyY"), {}).action, "redo");
  assert.equal(resolveKey(k("KeyZ"), { inText: true }), null);
});

test("Ctrl+C copies tags unless text is selected; Ctrl+V pastes, Shift replacing", () => {
  const k = (code, mods = {}) => ({ code, ctrlKey: true, ...mods });
  assert.equal(resolveKey(k("KeyC"), {}).action, "copy-tags");
  assert.equal(resolveKey(k("KeyC"), { textSelected: true }), null);
  assert.deepEqual(resolveKey(k("KeyV"), {}), { action: "paste-tags", mode: "add", prevent: true });
  assert.equal(resolveKey(k("KeyV", { shiftKey: true }), {}).mode, "replace");
  assert.equal(resolveKey({ code: "KeyB" }, {}).action, "batch");
});

test("a filter error marks its place in the query, counted in code points as Python counts", () => {
  assert.deepEqual(markQuery("tag:(red)", 4), ["tag:", "(", "red)"]);
  assert.deepEqual(markQuery("red AND", 7), ["red AND", "", ""]);
  assert.deepEqual(markQuery("tag:😀 AND", 6), ["tag:😀 ", "A", "ND"]);
  assert.equal(markQuery("red", 4), null);
  assert.equal(markQuery("red", undefined), null);
});
