// The first scan of a large folder: an indeterminate progress line while `loading.phase` is
// "scanning", gone once it is "ready".

import { createProgressBar } from "../lib/progress.js";

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
  const bar = createProgressBar("Scanning the folder", "ltw-loading");

  function update(loading) {
    const scanning = isScanning(loading);
    bar.el.hidden = !scanning;
    if (scanning) bar.show({ text: scanningText(loading.done) });
    return scanning;
  }

  return { el: bar.el, update };
}
