import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  barLayout, histogram, ticks, scale, niceExtent, tickStep, binCount, normalizePlots, bucketRows, truncate,
  chartSummary, sizesSummary, ratiosSummary,
} = await import("../src/panels/plots/logic.js");

const LRI = "\u2068";
const PDI = "\u2069";
const near = (a, b) => Math.abs(a - b) < 1e-9;

test("scale maps the domain onto the range, reversed ranges too", () => {
  const x = scale([0, 100], [10, 210]);
  assert.equal(x(0), 10);
  assert.equal(x(50), 110);
  assert.equal(x(100), 210);
  assert.equal(x(150), 310, "no clamping");
  const y = scale([0, 10], [300, 0]);
  assert.equal(y(0), 300);
  assert.equal(y(10), 0);
  assert.equal(y(2.5), 225);
});

test("a point domain maps to the middle of the range", () => {
  assert.equal(scale([5, 5], [0, 100])(5), 50);
  assert.equal(scale([5, 5], [0, 100])(99), 50);
});

test("ticks are round numbers inside the range", () => {
  assert.deepEqual(ticks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(ticks(0, 5000, 5), [0, 1000, 2000, 3000, 4000, 5000]);
  assert.deepEqual(ticks(0, 4321, 5), [0, 1000, 2000, 3000, 4000]);
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1], "no float dust");
  assert.deepEqual(ticks(0.5, 2.1, 4), [0.5, 1, 1.5, 2]);
  assert.deepEqual(ticks(-10, 10, 4), [-10, -5, 0, 5, 10]);
  assert.deepEqual(ticks(0.3, 0.7, 4), [0.3, 0.4, 0.5, 0.6, 0.7]);
});

test("ticks of odd input: reversed, a point, not numbers", () => {
  assert.deepEqual(ticks(10, 0, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(ticks(3, 3, 5), [3]);
  assert.deepEqual(ticks(NaN, 3, 5), []);
  assert.deepEqual(ticks(0, Infinity, 5), []);
});

test("tick steps are 1, 2 or 5 times a power of ten", () => {
  assert.equal(tickStep(0, 10, 5), 2);
  assert.equal(tickStep(0, 100, 10), 10);
  assert.equal(tickStep(0, 4000, 5), 1000);
  assert.equal(tickStep(0, 1, 3), 0.5);
  assert.equal(tickStep(1, 1, 5), 0);
});

test("a nice extent starts and ends on a tick", () => {
  assert.deepEqual(niceExtent(0, 4321, 5), [0, 5000]);
  assert.deepEqual(niceExtent(0, 1044.48, 5), [0, 1200]);
  assert.deepEqual(niceExtent(0, 7, 4), [0, 8]);
  assert.deepEqual(niceExtent(0, 0, 4), [0, 1]);
  assert.deepEqual(niceExtent(5, 5, 4), [0, 5]);
});

test("histogram: equal bins over the range, the maximum in the last bin", () => {
  const bins = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5);
  assert.equal(bins.length, 5);
  assert.deepEqual(bins.map((b) => b.count), [2, 2, 2, 2, 3]);
  assert.equal(bins[0].x0, 0);
  assert.equal(bins[4].x1, 10);
  assert.ok(bins.every((b, i) => i === 0 || near(b.x0, bins[i - 1].x1)), "bins touch");
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 11, "every value counted once");
});

test("histogram of equal values spans ±0.5 around them", () => {
  const bins = histogram([1, 1, 1], 10);
  assert.equal(bins.length, 10);
  assert.equal(bins[0].x0, 0.5);
  assert.equal(bins[9].x1, 1.5);
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 3);
  assert.equal(bins[5].count, 3);
});

test("histogram skips non-numbers; nothing to count is no bins", () => {
  assert.deepEqual(histogram([], 10), []);
  assert.deepEqual(histogram([NaN, "2", null], 10), []);
  assert.equal(histogram([1, NaN, 2], 2).reduce((s, b) => s + b.count, 0), 2);
});

test("histogram over a given domain leaves values outside it out", () => {
  const bins = histogram([0.5, 1, 1.5, 3], 2, [0, 2]);
  assert.deepEqual(bins.map((b) => [b.x0, b.x1, b.count]), [[0, 1, 1], [1, 2, 2]]);
});

test("aspect-ratio histograms have 10 to 20 bins", () => {
  assert.equal(binCount(0), 10);
  assert.equal(binCount(50), 10);
  assert.equal(binCount(225), 15);
  assert.equal(binCount(5000), 20);
});

test("bar layout: one band a row, lengths relative to the largest", () => {
  const bars = barLayout([["red hair", 120], ["smiling", 60], ["none", 0]], 300, 60);
  assert.equal(bars.length, 3);
  assert.deepEqual(bars.map((b) => b.label), ["red hair", "smiling", "none"]);
  assert.deepEqual(bars.map((b) => b.width), [300, 150, 0]);
  assert.ok(bars.every((b) => b.band === 20 && b.height === 15 && b.x === 0));
  assert.deepEqual(bars.map((b) => b.y), [2.5, 22.5, 42.5]);
  assert.ok(bars.every((b) => b.y >= 0 && b.y + b.height <= 60), "bars stay inside the box");
});

test("bar layout of nothing, of all zeros, of junk", () => {
  assert.deepEqual(barLayout([], 100, 100), []);
  assert.deepEqual(barLayout(undefined, 100, 100), []);
  assert.deepEqual(barLayout([["a", 0], ["b", 0]], 100, 20).map((b) => b.width), [0, 0]);
  assert.deepEqual(barLayout([["a", -5], ["b", NaN], "junk", ["c", 10]], 100, 30).map((b) => [b.label, b.value, b.width]),
    [["a", 0, 0], ["b", 0, 0], ["c", 10, 100]]);
});

test("the plots reply is read defensively", () => {
  assert.deepEqual(normalizePlots({
    tags: [["red hair", 3], [5, 1], "x", ["smiling", -1]],
    sizes: [[100, 200], [0, 5], ["1", 2], [640, 480, "extra"]],
    buckets: [[1024, 1024, 7], [null, 1, 1]],
  }), {
    tags: [["red hair", 3], ["smiling", 0]],
    sizes: [[100, 200], [640, 480]],
    buckets: [[1024, 1024, 7]],
  });
  assert.deepEqual(normalizePlots(null), { tags: [], sizes: [], buckets: [] });
});

test("bucket labels read width×height", () => {
  assert.deepEqual(bucketRows([[1024, 1024, 7], [832, 1216, 2]]), [["1024\u00d71024", 7], ["832\u00d71216", 2]]);
});

test("long labels are cut by characters with an ellipsis", () => {
  assert.equal(truncate("short", 10), "short");
  assert.equal(truncate("abcdefghijk", 5), "abcd…");
  assert.equal(truncate("😀😀😀😀😀😀", 3), "😀😀…", "no broken surrogate pairs");
});

test("a chart's summary names the first entries, user text isolated", () => {
  assert.equal(chartSummary("Tag frequency", [["red hair", 120], ["smiling", 80]], { userText: true }),
    `Tag frequency: ${LRI}red hair${PDI} 120, ${LRI}smiling${PDI} 80`);
  const rows = Array.from({ length: 10 }, (_, i) => [`t${i}`, 10 - i]);
  assert.equal(chartSummary("Buckets", rows, { limit: 2 }), "Buckets: t0 10, t1 9, …");
  assert.equal(chartSummary("Tag frequency", []), "Tag frequency: none");
});

test("the size summary gives the ranges and the images under the resolution", () => {
  assert.equal(sizesSummary([[512, 768], [2000, 1000]], 1024),
    `Image sizes of 2 images: widths 512 to ${(2000).toLocaleString()} px, heights 768 to ${(1000).toLocaleString()} px; 2 with a side under ${(1024).toLocaleString()} px`);
  assert.equal(sizesSummary([[1024, 1024]], 1024),
    `Image sizes of 1 image: widths ${(1024).toLocaleString()} px, heights ${(1024).toLocaleString()} px; 0 with a side under ${(1024).toLocaleString()} px`);
  assert.equal(sizesSummary([], 1024), "Image sizes: no readable images");
});

test("the ratio summary names the range and the fullest bin", () => {
  const bins = histogram([0.5, 1, 1, 1, 2], 3);
  assert.match(ratiosSummary(bins), /^Aspect ratios \(width \/ height\) from 0\.5 to 2; most images \(3\) between 1 and 1\.5$/);
  assert.equal(ratiosSummary([]), "Aspect ratios: no readable images");
});
