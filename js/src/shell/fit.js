// The widget's height: what the notebook shows of a page, less room for the cell's code above,
// so the image, its tags and Prev/Next are on screen together. CSS reads the figures as
// --ltw-fit-h (the widget) and --ltw-stage-h (the image area, which the panels may cover).

export const MIN_HEIGHT = 420;
/** Kept free above the widget for the cell's code when the notebook area is tall enough. */
export const ABOVE = 110;

/** The height to give the widget in a scroll area `visible` px tall; null when unknown. */
export function fitHeight(visible) {
  if (!(visible > 0)) return null;
  return Math.max(MIN_HEIGHT, Math.floor(visible - ABOVE));
}

/** Notebook pages: JupyterLab 4 and Notebook 7, then older JupyterLab. */
const PAGES = ".jp-WindowedPanel-outer, .jp-Notebook";

/** The notebook's scrolling page around `el`, else the nearest ancestor that scrolls, or null. */
function scroller(el) {
  const page = el.closest(PAGES);
  if (page) return page;
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    const y = getComputedStyle(node).overflowY;
    if ((y === "auto" || y === "scroll") && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
}

/**
 * Keep `root`'s --ltw-fit-h at the height its notebook shows, and --ltw-stage-h at `stage`'s
 * height; returns the cleanup. Inside an iframe with no scroll area of its own (Colab, VS Code)
 * the height stays the stylesheet's: an iframe sized to its content has no height to fit.
 */
export function fitToNotebook(root, stage) {
  let area = null;
  const measure = () => {
    if (!root.isConnected) return;
    area = area && area.contains(root) ? area : scroller(root);
    const framed = globalThis.top !== globalThis.self;
    const visible = area ? area.clientHeight : (framed ? 0 : globalThis.innerHeight);
    const height = fitHeight(visible);
    if (height === null) root.style.removeProperty("--ltw-fit-h");
    else root.style.setProperty("--ltw-fit-h", `${height}px`);
  };
  const stageSize = () => {
    const h = stage.getBoundingClientRect().height;
    if (h > 0) root.style.setProperty("--ltw-stage-h", `${Math.round(h)}px`);
  };
  const ro = typeof ResizeObserver === "function" ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      if (entry.target === stage) stageSize();
      else if (entry.target === root) {
        if (!area) observeArea();
      } else measure();
    }
  }) : null;
  const observeArea = () => {
    measure();
    if (ro && area) ro.observe(area);
  };
  if (ro) {
    ro.observe(stage);
    ro.observe(root); // its first size comes when it is attached to the page: measure then
  }
  // Now and at each of those, so the first preview is asked for at the final size.
  measure();
  const first = requestAnimationFrame(observeArea);
  globalThis.addEventListener("resize", measure);
  return () => {
    cancelAnimationFrame(first);
    globalThis.removeEventListener("resize", measure);
    if (ro) ro.disconnect();
  };
}
