import { test } from "node:test";
import assert from "node:assert/strict";
import { installFakeDocument } from "./helpers.js";

installFakeDocument();

const { progressValues, createProgressBar } = await import("../src/lib/progress.js");

const fillOf = (el) => el.children[1].children[0];

test("progress values: the ARIA figures and the width, done kept within 0..total", () => {
  assert.deepEqual(progressValues(3, 8), { now: 3, max: 8, width: "37.5%" });
  assert.deepEqual(progressValues(0, 5), { now: 0, max: 5, width: "0.0%" });
  assert.deepEqual(progressValues(12, 10), { now: 10, max: 10, width: "100.0%" });
  assert.deepEqual(progressValues(-2, 10), { now: 0, max: 10, width: "0.0%" });
  assert.deepEqual(progressValues(undefined, 4), { now: 0, max: 4, width: "0.0%" });
  assert.deepEqual(progressValues(1, 3), { now: 1, max: 3, width: "33.3%" });
});

test("progress values: with no total known the bar is indeterminate", () => {
  for (const total of [0, -1, undefined, null, NaN, Infinity]) assert.equal(progressValues(1, total), null, String(total));
});

test("progress bar: a named, hidden progressbar with its text over a hidden track", () => {
  const bar = createProgressBar("Export progress");
  const { el } = bar;
  assert.equal(el.attrs.role, "progressbar");
  assert.equal(el.attrs["aria-label"], "Export progress");
  assert.equal(el.attrs["aria-valuemin"], "0");
  assert.equal(el.hidden, true);
  assert.equal(el.className, "ltw-progressbar");
  assert.equal(el.children[0].className, "ltw-progressbar-text");
  assert.equal(el.children[1].attrs["aria-hidden"], "true");
  assert.equal(createProgressBar("Upload progress", "ltw-up-progress").el.className, "ltw-progressbar ltw-up-progress");
});

test("progress bar: determinate, then indeterminate, then determinate again", () => {
  const bar = createProgressBar("Checks progress");
  const { el } = bar;
  bar.show({ done: 2, total: 8, text: "2 of 8 images" });
  assert.equal(el.children[0].textContent, "2 of 8 images");
  assert.equal(el.attrs["aria-valuetext"], "2 of 8 images");
  assert.equal(el.attrs["aria-valuenow"], "2");
  assert.equal(el.attrs["aria-valuemax"], "8");
  assert.equal(fillOf(el).style.width, "25.0%");
  assert.equal(el.classList.contains("is-indeterminate"), false);

  bar.show({ text: "Starting…" });
  assert.equal(el.attrs["aria-valuetext"], "Starting…");
  assert.equal("aria-valuenow" in el.attrs, false);
  assert.equal("aria-valuemax" in el.attrs, false);
  assert.equal(fillOf(el).style.width, "");
  assert.equal(el.classList.contains("is-indeterminate"), true);

  bar.show({ done: 8, total: 8, text: "8 of 8 images" });
  assert.equal(el.attrs["aria-valuenow"], "8");
  assert.equal(fillOf(el).style.width, "100.0%");
  assert.equal(el.classList.contains("is-indeterminate"), false);
});

test("progress bar: say() changes the text only; empty text has no aria-valuetext", () => {
  const bar = createProgressBar("Upload progress");
  bar.show({ done: 1, total: 4, text: "1 of 4 files" });
  bar.say("Cancelling…");
  assert.equal(bar.el.children[0].textContent, "Cancelling…");
  assert.equal(bar.el.attrs["aria-valuetext"], "Cancelling…");
  assert.equal(bar.el.attrs["aria-valuenow"], "1");
  assert.equal(fillOf(bar.el).style.width, "25.0%");
  bar.say("");
  assert.equal("aria-valuetext" in bar.el.attrs, false);
});
