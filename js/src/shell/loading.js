// The first scan of a large folder: an indeterminate progress line while `loading.phase` is
// "scanning", gone once it is "ready".

import { h, attr, setText } from "../lib/dom.js";

/** "Scanning… 12,345 images found" */
export function scanningText(done) {
  const n = Number.isInteger(done) && done > 0 ? done : 0;
  return `Scanning… ${n.toLocaleString("en-US")} image${n === 1 ? "" : "s"} found`;
}

/** Is the folder still being scanned? */
export function isScanning(loading) {
  return !!loading && typeof loading === "object" && loading.phase === "scanning";
}

/** createLoading() -> { el, update(loading) -> scanning? } */
export function createLoading() {
  const text = h("span", { class: "ltw-loading-text" });
  const el = h("div", {
    class: "ltw-loading", role: "progressbar", "aria-label": "Scanning the folder", hidden: true,
  }, text, h("div", { class: "ltw-loading-track", "aria-hidden": "true" }, h("div", { class: "ltw-loading-bar" })));

  function update(loading) {
    const scanning = isScanning(loading);
    el.hidden = !scanning;
    if (scanning) {
      const line = scanningText(loading.done);
      setText(text, line);
      attr(el, "aria-valuetext", line);
    }
    return scanning;
  }

  return { el, update };
}
