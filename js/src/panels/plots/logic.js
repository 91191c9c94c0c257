// The Plots panel: how often the top tags are used, the images' sizes and aspect ratios, and how
// many images fall into each training bucket, drawn as inline SVG (built element by element; no
// innerHTML) from one `plots` reply. Colours come from CSS (plots.css) so dark themes work.

import { isolate } from "../../lib/dom.js";
import { fmt, plural, count } from "../../lib/format.js";

export const RESOLUTIONS = [512, 768, 1024];
export const TOP = 30;
export const REFRESH_DELAY_MS = 500;
export const SUMMARY_LIMIT = 8; // entries an aria-label names before "…"
const LABEL_CHARS = 24; // a tag label longer than this is cut (the whole tag is its tooltip)

const ratioFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
export const fmtRatio = (n) => ratioFormat.format(n);
export const finite = (v) => typeof v === "number" && Number.isFinite(v);

// ---- pure helpers ---------------------------------------------------------------------------------

/** A linear map from `domain` [d0, d1] to `range` [r0, r1]; a point domain maps to the range's middle. */
export function scale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  if (!finite(span) || span === 0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The step of about `count` nice ticks (1, 2 or 5 times a power of ten) over [min, max]; 0 for none. */
export function tickStep(min, max, count = 5) {
  const raw = Math.abs(max - min) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 0;
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const mult = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  return mult * power;
}

/** i * step without the float dust (3 * 0.1 is 0.3, not 0.30000000000000004). */
function times(i, step) {
  if (step >= 1) return i * step + 0; // + 0: no -0
  const inverse = Math.round(1 / step);
  return (Math.abs(inverse * step - 1) < 1e-9 ? i / inverse : i * step) + 0;
}

/** About `count` nice tick values inside [min, max], ascending (d3's `ticks`). */
export function ticks(min, max, count = 5) {
  if (!finite(min) || !finite(max)) return [];
  let lo = min;
  let hi = max;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  const step = tickStep(lo, hi, count);
  if (!step) return [];
  const out = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let i = first; i <= last; i += 1) out.push(times(i, step));
  return out;
}

/** [min, max] widened to whole tick steps, so the axis starts and ends on a tick. */
export function niceExtent(min, max, count = 5) {
  if (!finite(min) || !finite(max)) return [0, 1];
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (lo === hi) {
    if (lo === 0) return [0, 1];
    lo = lo > 0 ? 0 : lo;
    hi = hi < 0 ? 0 : hi;
  }
  for (let pass = 0; pass < 2; pass += 1) {
    const step = tickStep(lo, hi, count);
    if (!step) break;
    lo = times(Math.floor(lo / step + 1e-9), step);
    hi = times(Math.ceil(hi / step - 1e-9), step);
  }
  return [lo, hi];
}

/**
 * Equal-width bins over the values' range (or `domain`): [{ x0, x1, count }]; the last bin holds
 * its upper edge. Non-numbers are skipped; equal values get a bin range of ±0.5 around them.
 */
export function histogram(values, bins = 10, domain = null) {
  const list = (Array.isArray(values) ? values : []).filter(finite);
  const n = Math.max(1, Math.floor(finite(bins) ? bins : 10));
  if (!list.length && !domain) return [];
  let lo;
  let hi;
  if (domain) [lo, hi] = domain;
  else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of list) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / n;
  const out = Array.from({ length: n }, (_, i) => ({
    x0: lo + i * width, x1: i === n - 1 ? hi : lo + (i + 1) * width, count: 0,
  }));
  for (const v of list) {
    if (v < lo || v > hi) continue;
    out[Math.min(n - 1, Math.floor((v - lo) / width))].count += 1;
  }
  return out;
}

/** How many bins an aspect-ratio histogram of `n` images gets: √n, kept to 10..20. */
export function binCount(n) {
  return Math.max(10, Math.min(20, Math.round(Math.sqrt(Math.max(0, n)))));
}

/**
 * Horizontal bars for rows [[label, value], ...] in a box `width` × `height`: one band per row,
 * top to bottom; a bar's length is its value over the largest value (times `width`).
 * -> [{ label, value, x, y, width, height, band }]
 */
export function barLayout(rows, width, height) {
  const list = (Array.isArray(rows) ? rows : [])
    .filter((r) => Array.isArray(r) && r.length >= 2)
    .map((r) => ({ label: String(r[0] ?? ""), value: finite(r[1]) && r[1] > 0 ? r[1] : 0 }));
  if (!list.length) return [];
  let max = 0;
  for (const r of list) if (r.value > max) max = r.value;
  const band = height / list.length;
  const thick = band * 0.75;
  return list.map((r, i) => ({
    label: r.label, value: r.value, x: 0, y: i * band + (band - thick) / 2,
    width: max > 0 ? (r.value / max) * width : 0, height: thick, band,
  }));
}

/** The `plots` reply with junk rows dropped: { tags: [[tag, n]], sizes: [[w, h]], buckets: [[w, h, n]] }. */
export function normalizePlots(reply) {
  const r = reply && typeof reply === "object" ? reply : {};
  const rows = (v) => (Array.isArray(v) ? v.filter(Array.isArray) : []);
  const positive = (v) => finite(v) && v > 0;
  return {
    tags: rows(r.tags).filter((t) => typeof t[0] === "string").map((t) => [t[0], count(t[1])]),
    sizes: rows(r.sizes).filter((s) => positive(s[0]) && positive(s[1])).map((s) => [s[0], s[1]]),
    buckets: rows(r.buckets).filter((b) => positive(b[0]) && positive(b[1])).map((b) => [b[0], b[1], count(b[2])]),
  };
}

/** "1024×1024" rows of a bucket list. */
export function bucketRows(buckets) {
  return (Array.isArray(buckets) ? buckets : []).map((b) => [`${b[0]}\u00d7${b[1]}`, b[2]]);
}

/** A label cut to `max` characters with "…" (characters, not UTF-16 halves). */
export function truncate(text, max = LABEL_CHARS) {
  const chars = [...String(text ?? "")];
  return chars.length <= max ? chars.join("") : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** "Tag frequency: red hair 120, smiling 80, …" (labels isolated when they are user text). */
export function chartSummary(title, rows, { limit = SUMMARY_LIMIT, userText = false } = {}) {
  const list = Array.isArray(rows) ? rows : [];
  if (!list.length) return `${title}: none`;
  const parts = list.slice(0, limit).map(([label, n]) => `${userText ? isolate(label) : label} ${fmt(count(n))}`);
  return `${title}: ${parts.join(", ")}${list.length > limit ? ", …" : ""}`;
}

/** "Image sizes of 400 images: widths 512 to 4,000 px, heights 512 to 3,000 px; 12 have a side under 1024 px." */
export function sizesSummary(sizes, resolution = 1024) {
  const list = Array.isArray(sizes) ? sizes : [];
  if (!list.length) return "Image sizes: no readable images";
  let w0 = Infinity; let w1 = 0; let h0 = Infinity; let h1 = 0; let small = 0;
  for (const [w, hgt] of list) {
    w0 = Math.min(w0, w); w1 = Math.max(w1, w);
    h0 = Math.min(h0, hgt); h1 = Math.max(h1, hgt);
    if (Math.min(w, hgt) < resolution) small += 1;
  }
  const range = (a, b) => (a === b ? `${fmt(a)} px` : `${fmt(a)} to ${fmt(b)} px`);
  return `Image sizes of ${plural(list.length, "image", "images")}: widths ${range(w0, w1)}, heights ${range(h0, h1)}; `
    + `${fmt(small)} with a side under ${fmt(resolution)} px`;
}

/** "Aspect ratios from 0.56 to 1.78; most images (120) between 0.95 and 1.05". */
export function ratiosSummary(bins) {
  const list = Array.isArray(bins) ? bins : [];
  const total = list.reduce((s, b) => s + b.count, 0);
  if (!total) return "Aspect ratios: no readable images";
  let top = list[0];
  for (const b of list) if (b.count > top.count) top = b;
  const used = list.filter((b) => b.count > 0);
  return `Aspect ratios (width / height) from ${fmtRatio(used[0].x0)} to ${fmtRatio(used[used.length - 1].x1)}; `
    + `most images (${fmt(top.count)}) between ${fmtRatio(top.x0)} and ${fmtRatio(top.x1)}`;
}

// ---- SVG ------------------------------------------------------------------------------------------
