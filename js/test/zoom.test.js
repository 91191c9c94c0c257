import { test } from "node:test";
import assert from "node:assert/strict";
import { clampCenter, fitZoom, fullZoom, visibleRegion } from "../src/editor/zoom.js";
import { resolveKey } from "../src/shell/keys.js";

const key = (code, mods = {}) => ({ code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

test("100 % is one image pixel per device pixel, or twice the fit for a small image", () => {
  const fit = fitZoom(800, 500, 4000, 2500);
  assert.equal(fit, 0.2);
  assert.equal(fullZoom(fit, 1), 1);
  assert.equal(fullZoom(fit, 2), 0.5);
  assert.equal(fullZoom(fitZoom(800, 500, 200, 100), 1), 8); // 4x fit -> twice that
});

test("the visible region is the pane's rectangle of the original, inside it, at device scale", () => {
  const r = visibleRegion({ paneW: 800, paneH: 500, z: 0.5, cx: 2000, cy: 1250, width: 4000, height: 2500, dpr: 2 });
  assert.deepEqual(r, { x: 1200, y: 750, w: 1600, h: 1000, scale: 1 });
  const edge = visibleRegion({ paneW: 800, paneH: 500, z: 1, cx: 100, cy: 2490, width: 4000, height: 2500 });
  assert.deepEqual(edge, { x: 0, y: 2240, w: 500, h: 260, scale: 1 });
  const half = visibleRegion({ paneW: 800, paneH: 500, z: 0.25, cx: 2000, cy: 1250, width: 4000, height: 2500, dpr: 1 });
  assert.equal(half.scale, 0.25);
});

test("panning stops where the image's edge meets the pane's", () => {
  const at = (cx, cy) => clampCenter(cx, cy, { paneW: 800, paneH: 500, z: 1, width: 4000, height: 2500 });
  assert.deepEqual(at(-50, -50), { cx: 400, cy: 250 });
  assert.deepEqual(at(9999, 9999), { cx: 3600, cy: 2250 });
  assert.deepEqual(at(1000, 1000), { cx: 1000, cy: 1000 });
  // narrower than the pane: centred
  assert.deepEqual(clampCenter(5, 5, { paneW: 800, paneH: 500, z: 1, width: 300, height: 200 }), { cx: 150, cy: 100 });
});

test("Z zooms, +/- zoom, arrows pan only while zoomed, Escape zooms out, then leaves full screen", () => {
  assert.deepEqual(resolveKey(key("KeyZ"), {}), { action: "zoom", prevent: true });
  assert.equal(resolveKey(key("KeyZ"), { inText: true }), null);
  assert.equal(resolveKey(key("KeyZ"), { grid: true }), null);
  assert.equal(resolveKey(key("Equal", { shiftKey: true }), {}).factor > 1, true);
  assert.equal(resolveKey(key("Minus"), {}).factor < 1, true);
  assert.equal(resolveKey(key("ArrowRight"), {}).action, "next");
  assert.deepEqual(resolveKey(key("ArrowRight"), { zoomed: true }), { action: "pan", dx: 0.2, dy: 0, prevent: true });
  assert.deepEqual(resolveKey(key("ArrowUp"), { zoomed: true }), { action: "pan", dx: 0, dy: -0.2, prevent: true });
  assert.equal(resolveKey(key("Escape"), { zoomed: true, fullscreen: true }).action, "zoom");
  assert.equal(resolveKey(key("Escape"), { fullscreen: true }).action, "leave-fullscreen");
  assert.equal(resolveKey(key("Escape"), { listOpen: true, zoomed: true }).action, "close-list");
  assert.equal(resolveKey(key("Escape"), {}).action, "release-focus");
  assert.deepEqual(resolveKey(key("KeyF"), {}), { action: "fullscreen", prevent: true });
});
