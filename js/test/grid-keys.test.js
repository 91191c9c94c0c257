import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveKey, resolveGridKey } from "../src/shell/keys.js";
import { PreviewInflight } from "../src/editor/preview.js";
import { isSuperseded } from "../src/lib/rpc.js";
import { HINTS } from "../src/shell/session.js";
import { viewOf } from "../src/lib/model.js";

const key = (code, mods = {}) => ({ code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
const grid = (ev, ctx = { onTile: true }) => resolveGridKey(ev, ctx);

test("G toggles the view, but not while typing or with modifiers", () => {
  assert.deepEqual(resolveKey(key("KeyG")), { action: "toggle-view", prevent: true });
  assert.equal(resolveKey(key("KeyG"), { grid: true }).action, "toggle-view");
  assert.equal(resolveKey(key("KeyG"), { inText: true }), null);
  assert.equal(resolveKey(key("KeyG", { ctrlKey: true })), null);
  assert.equal(resolveKey(key("KeyG", { shiftKey: true })), null);
  assert.equal(resolveKey(key("KeyG"), { dialogOpen: true }), null);
});

test("in the grid the single view's arrows and digits do nothing", () => {
  assert.equal(resolveKey(key("ArrowRight"), { grid: true }), null);
  assert.equal(resolveKey(key("Digit1"), { grid: true }), null);
  assert.equal(resolveKey(key("Escape"), { grid: true }).action, "release-focus");
});

test("grid arrows move, with Shift they extend", () => {
  assert.deepEqual(grid(key("ArrowDown")), { action: "move", key: "ArrowDown", extend: false });
  assert.deepEqual(grid(key("ArrowLeft", { shiftKey: true })), { action: "move", key: "ArrowLeft", extend: true });
  assert.equal(grid(key("End")).key, "End");
  assert.equal(grid(key("ArrowDown", { altKey: true })), null);
  assert.equal(grid(key("ArrowDown", { ctrlKey: true })), null);
});

test("Space toggles, Enter opens, on a tile only", () => {
  assert.deepEqual(grid(key("Space")), { action: "toggle" });
  assert.deepEqual(grid(key("Enter")), { action: "open" });
  assert.deepEqual(grid(key("NumpadEnter")), { action: "open" });
  assert.equal(grid(key("Space"), { onTile: false }), null); // a button's own Space
  assert.equal(grid(key("Enter"), { onTile: false }), null);
});

test("Ctrl/Cmd+A selects all; Escape clears a selection, else falls through", () => {
  assert.deepEqual(grid(key("KeyA", { ctrlKey: true })), { action: "select-all" });
  assert.deepEqual(grid(key("KeyA", { metaKey: true })), { action: "select-all" });
  assert.equal(grid(key("KeyA")), null);
  assert.deepEqual(grid(key("Escape"), { hasSelection: true }), { action: "clear" });
  assert.equal(grid(key("Escape"), { hasSelection: false }), null);
});

test("the view trait reads as single unless it is grid; the hint follows", () => {
  assert.equal(viewOf("grid"), "grid");
  assert.equal(viewOf(undefined), "single");
  assert.match(HINTS.grid, /Enter open/);
});

test("a show request is sent even while a prefetch of the same preview is on its way", () => {
  const f = new PreviewInflight();
  assert.ok(f.shouldSend("k", "prefetch"));
  f.start("k", "prefetch");
  assert.ok(!f.shouldSend("k", "prefetch"));
  assert.ok(f.shouldSend("k", "show"));
  f.start("k", "show");
  assert.ok(!f.shouldSend("k", "show"));
  f.done("k", "prefetch");
  assert.ok(f.has("k", "show") && !f.has("k", "prefetch"));
  f.done("k", "show");
  assert.ok(!f.has("k"));
});

test("superseded preview replies are told apart from real failures", () => {
  assert.ok(isSuperseded({ reply: { ok: false, superseded: true } }));
  assert.ok(!isSuperseded({ reply: { ok: false, error: "broken" } }));
  assert.ok(!isSuperseded({ timeout: true }));
});
