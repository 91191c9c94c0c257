// The Plots panel's charts as SVG: bars, a scatter of image sizes, a histogram of aspect ratios.
// Each draws what it is given (the arithmetic lives in logic.js); user text goes in as text.

import { h } from "../../lib/dom.js";
import { fmt, plural } from "../../lib/format.js";
import { RESOLUTIONS, barLayout, fmtRatio, niceExtent, scale, ticks, truncate } from "./logic.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

const px = (v) => Math.round(v * 10) / 10;

function chartSvg(width, height, label) {
  return svg("svg", {
    class: "ltw-pl-svg", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label,
    preserveAspectRatio: "xMinYMin meet", focusable: "false",
  });
}

export function figure(caption, content, extraClass = "") {
  return h("figure", { class: `ltw-pl-figure ${extraClass}`.trim() },
    h("figcaption", { class: "ltw-pl-caption", text: caption }), content);
}

export function emptyNote(text) {
  return h("p", { class: "ltw-empty ltw-pl-empty", text });
}

/** A horizontal bar chart: labels on the left, counts at the bars' ends. */
export function barChart(rows, { label, labelWidth = 200, userText = false }) {
  const W = 640;
  const countW = 56;
  const band = 20;
  const pad = 4;
  const H = rows.length * band + pad * 2;
  const root = chartSvg(W, H, label);
  const plotW = W - labelWidth - countW;
  root.append(svg("line", { class: "ltw-pl-axis", x1: labelWidth, x2: labelWidth, y1: 0, y2: H }));
  for (const bar of barLayout(rows, plotW, rows.length * band)) {
    const mid = px(pad + bar.y + bar.height / 2);
    const shown = truncate(bar.label);
    root.append(svg("g", { class: "ltw-pl-row" },
      shown !== bar.label || userText ? svg("title", { text: bar.label }) : null,
      svg("text", { class: "ltw-pl-label", x: labelWidth - 6, y: mid, dy: "0.35em", "text-anchor": "end", text: shown }),
      svg("rect", { class: "ltw-pl-bar", x: labelWidth, y: px(pad + bar.y), width: px(Math.max(bar.width, bar.value > 0 ? 1 : 0)),
        height: px(bar.height), rx: 2 }),
      svg("text", { class: "ltw-pl-value", x: px(labelWidth + bar.width + 4), y: mid, dy: "0.35em", text: fmt(bar.value) })));
  }
  return root;
}

/** Grid lines, axis lines, tick labels and axis titles of an x/y plot. */
function axes(root, { x, y, xTicks, yTicks, box, xFormat = fmt, yFormat = fmt, xTitle, yTitle }) {
  const { left, right, top, bottom } = box;
  for (const t of yTicks) {
    const yy = px(y(t));
    root.append(svg("line", { class: "ltw-pl-grid", x1: left, x2: right, y1: yy, y2: yy }),
      svg("text", { class: "ltw-pl-tick", x: left - 5, y: yy, dy: "0.35em", "text-anchor": "end", text: yFormat(t) }));
  }
  for (const t of xTicks) {
    const xx = px(x(t));
    root.append(svg("line", { class: "ltw-pl-grid", x1: xx, x2: xx, y1: top, y2: bottom }),
      svg("text", { class: "ltw-pl-tick", x: xx, y: bottom + 14, "text-anchor": "middle", text: xFormat(t) }));
  }
  root.append(svg("line", { class: "ltw-pl-axis", x1: left, x2: right, y1: bottom, y2: bottom }),
    svg("line", { class: "ltw-pl-axis", x1: left, x2: left, y1: top, y2: bottom }),
    svg("text", { class: "ltw-pl-axis-title", x: px((left + right) / 2), y: bottom + 32, "text-anchor": "middle", text: xTitle }),
    svg("text", { class: "ltw-pl-axis-title", x: 0, y: 0, "text-anchor": "middle", text: yTitle,
      transform: `translate(12 ${px((top + bottom) / 2)}) rotate(-90)` }));
}

/** Width against height, one dot an image, dashed lines at the training resolutions. */
export function scatterChart(sizes, label) {
  const W = 370;
  const H = 352;
  const box = { left: 58, right: W - 10, top: 10, bottom: H - 40 };
  let most = Math.max(...RESOLUTIONS);
  for (const [w, hgt] of sizes) most = Math.max(most, w, hgt);
  const [, hi] = niceExtent(0, most * 1.02, 5);
  const x = scale([0, hi], [box.left, box.right]);
  const y = scale([0, hi], [box.bottom, box.top]);
  const root = chartSvg(W, H, label);
  const t = ticks(0, hi, 5);
  axes(root, { x, y, xTicks: t, yTicks: t, box, xTitle: "width (px)", yTitle: "height (px)" });
  RESOLUTIONS.forEach((r, i) => {
    const xx = px(x(r));
    const yy = px(y(r));
    root.append(
      svg("line", { class: "ltw-pl-ref", x1: xx, x2: xx, y1: box.top, y2: box.bottom }),
      svg("line", { class: "ltw-pl-ref", x1: box.left, x2: box.right, y1: yy, y2: yy }),
      svg("text", { class: "ltw-pl-ref-label", x: xx + 3, y: box.top + 9 + i * 10, text: String(r) }));
  });
  // One path of zero-length round-capped segments: thousands of dots, one element.
  let d = "";
  for (const [w, hgt] of sizes) d += `M${px(x(w))} ${px(y(hgt))}h0`;
  if (d) root.append(svg("path", { class: "ltw-pl-dots", d }));
  return root;
}

/** A histogram of aspect ratios with a dashed line at 1 (square). */
export function ratioChart(bins, label) {
  const W = 300;
  const H = 352;
  const box = { left: 46, right: W - 10, top: 10, bottom: H - 40 };
  const lo = bins[0].x0;
  const hiX = bins[bins.length - 1].x1;
  let most = 1;
  for (const b of bins) most = Math.max(most, b.count);
  const [, hiY] = niceExtent(0, most, 4);
  const x = scale([lo, hiX], [box.left, box.right]);
  const y = scale([0, hiY], [box.bottom, box.top]);
  const root = chartSvg(W, H, label);
  axes(root, {
    x, y, xTicks: ticks(lo, hiX, 4), yTicks: ticks(0, hiY, 4).filter((v) => Number.isInteger(v)), box,
    xFormat: fmtRatio, xTitle: "width / height", yTitle: "images",
  });
  for (const b of bins) {
    if (!b.count) continue;
    const x0 = x(b.x0);
    const x1 = x(b.x1);
    root.append(svg("rect", { class: "ltw-pl-bar", x: px(x0 + 0.5), y: px(y(b.count)),
      width: px(Math.max(1, x1 - x0 - 1)), height: px(box.bottom - y(b.count)) },
    svg("title", { text: `${fmtRatio(b.x0)}–${fmtRatio(b.x1)}: ${plural(b.count, "image", "images")}` })));
  }
  if (lo <= 1 && hiX >= 1) {
    const xx = px(x(1));
    root.append(svg("line", { class: "ltw-pl-ref", x1: xx, x2: xx, y1: box.top, y2: box.bottom }),
      svg("text", { class: "ltw-pl-ref-label", x: xx + 3, y: box.top + 9, text: "1:1" }));
  }
  return root;
}

// ---- the panel ------------------------------------------------------------------------------------
