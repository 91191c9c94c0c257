// Zoom and pan on the preview pane, and full screen. Zoomed, the preview is scaled up at once
// (soft), and Python is asked for the visible rectangle of the original at the screen's device
// pixels ("region"), laid over it when it comes. Full screen uses the Fullscreen API on the
// widget's root, or a fixed overlay in the page where the host forbids it.

import { h } from "../lib/dom.js";
import { isSuperseded } from "../lib/rpc.js";
import { errorText } from "../lib/format.js";

export const STEP = 1.25; // one +/- press or wheel notch
export const MAX_DEVICE_ZOOM = 8; // device pixels per image pixel at most
export const REGION_DELAY_MS = 120; // the region is asked for once a pan or zoom rests this long
const DRAG_SLOP = 4; // px a press may move and still be a click

/** The zoom (CSS px per image px) that fits a `width` x `height` image in the pane. */
export function fitZoom(paneW, paneH, width, height) {
  return Math.min(paneW / width, paneH / height);
}

/** The zoom of "100 %": one image pixel per device pixel; twice the fit for an image smaller
 *  than the pane. */
export function fullZoom(fit, dpr) {
  const full = 1 / (dpr > 0 ? dpr : 1);
  return full > fit * 1.01 ? full : fit * 2;
}

/** The centre (image px) nearest to (cx, cy) that keeps the pane covered where the image can. */
export function clampCenter(cx, cy, { paneW, paneH, z, width, height }) {
  const half = (pane, size) => Math.min(pane / z / 2, size / 2);
  const hw = half(paneW, width);
  const hh = half(paneH, height);
  return {
    cx: Math.min(width - hw, Math.max(hw, cx)),
    cy: Math.min(height - hh, Math.max(hh, cy)),
  };
}

/**
 * The rectangle of the upright original that a pane shows (whole pixels, inside the image) and
 * the scale to ask for it at: device pixels per image pixel, at most 1.
 */
export function visibleRegion({ paneW, paneH, z, cx, cy, width, height, dpr = 1 }) {
  const x0 = Math.max(0, Math.floor(cx - paneW / z / 2));
  const y0 = Math.max(0, Math.floor(cy - paneH / z / 2));
  const x1 = Math.min(width, Math.ceil(cx + paneW / z / 2));
  const y1 = Math.min(height, Math.ceil(cy + paneH / z / 2));
  const scale = Math.min(1, z * (dpr > 0 ? dpr : 1));
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0), scale };
}

/**
 * createZoom({ pane, img, request, refit, onError })
 *   pane: the preview pane; img: its image (the preview, shown scaled while zoomed);
 *   request(type, fields, opts) -> Promise<{ reply, buffers }>; refit(): lay the image out to
 *   fit the pane again (after zooming out); onError(message): a region Python could not make.
 * Returns { setImage({ id, width, height }), toggle(point?), zoomBy(factor, point?), pan(dx, dy),
 *   reset(), isZoomed(), layout(), toggleFullscreen(), isFullscreen(), leaveFullscreen(),
 *   controls (the buttons shown on the pane), dispose() }.
 * Points are client coordinates; pan deltas are fractions of the pane.
 */
export function createZoom({ pane, img, request, refit, onError }) {
  const region = h("img", { class: "ltw-zoom-region", alt: "", hidden: true, draggable: false });
  const zoomBtn = h("button", {
    type: "button", class: "ltw-btn ltw-zoom-btn", "aria-pressed": "false", text: "100 %",
    title: "Zoom to 100 % (Z or a double click); +/- or the wheel zoom, drag or the arrows pan",
  });
  const fullBtn = h("button", {
    type: "button", class: "ltw-btn ltw-full-btn", "aria-pressed": "false", text: "Full screen",
    title: "Full screen (F); Esc leaves",
  });
  const controls = h("div", { class: "ltw-zoom-bar" }, zoomBtn, fullBtn);
  pane.append(region);

  let image = null; // { id, width, height }: the original, upright
  let z = 0; // CSS px per image px; 0: not zoomed (the image fits the pane)
  let cx = 0;
  let cy = 0;
  let shownRegion = null; // { x, y, w, h, url }
  let timer = null;
  let asked = 0; // the latest region request's number
  let overlay = false; // the in-page full screen
  let disposed = false;

  const dpr = () => globalThis.devicePixelRatio || 1;
  const paneBox = () => pane.getBoundingClientRect();
  const fit = () => {
    const r = paneBox();
    return image ? fitZoom(r.width, r.height, image.width, image.height) : 1;
  };

  function dropRegion() {
    asked += 1;
    clearTimeout(timer);
    if (shownRegion) URL.revokeObjectURL(shownRegion.url);
    shownRegion = null;
    region.hidden = true;
    region.removeAttribute("src");
  }

  function clearStyles() {
    for (const prop of ["left", "top", "width", "height"]) img.style.removeProperty(prop);
  }

  /** Place the image (and the region over it) for the zoom and centre; the pane does the rest. */
  function layout() {
    const zoomed = z > 0 && !!image;
    pane.classList.toggle("is-zoomed", zoomed);
    zoomBtn.setAttribute("aria-pressed", zoomed ? "true" : "false");
    if (!zoomed) {
      region.hidden = true;
      return false;
    }
    const r = paneBox();
    ({ cx, cy } = clampCenter(cx, cy, { paneW: r.width, paneH: r.height, z, width: image.width, height: image.height }));
    const left = r.width / 2 - cx * z;
    const top = r.height / 2 - cy * z;
    img.style.left = `${left}px`;
    img.style.top = `${top}px`;
    img.style.width = `${image.width * z}px`;
    img.style.height = `${image.height * z}px`;
    if (shownRegion) {
      region.style.left = `${left + shownRegion.x * z}px`;
      region.style.top = `${top + shownRegion.y * z}px`;
      region.style.width = `${shownRegion.w * z}px`;
      region.style.height = `${shownRegion.h * z}px`;
      region.hidden = false;
    }
    return true;
  }

  function askSoon() {
    clearTimeout(timer);
    timer = setTimeout(askRegion, REGION_DELAY_MS);
  }

  async function askRegion() {
    if (disposed || !image || z <= 0) return;
    const r = paneBox();
    const want = visibleRegion({ paneW: r.width, paneH: r.height, z, cx, cy, width: image.width, height: image.height, dpr: dpr() });
    const n = ++asked;
    const id = image.id;
    try {
      const { reply, buffers } = await request("region", { id, ...want }, { timeoutMs: 60000 });
      if (disposed || n !== asked || !image || image.id !== id || z <= 0) return;
      const data = buffers && buffers[0];
      if (!data) return;
      const url = URL.createObjectURL(new Blob([data], { type: reply.mime || "image/jpeg" }));
      const next = { x: reply.x, y: reply.y, w: reply.w, h: reply.h, url };
      region.onload = () => {
        if (shownRegion && shownRegion.url !== url) URL.revokeObjectURL(shownRegion.url);
        shownRegion = next;
        layout();
      };
      region.src = url;
    } catch (err) {
      if (!disposed && !isSuperseded(err) && !(err && err.disposed)) onError(errorText(err));
    }
  }

  /** The image pixel under a client point (the pane's centre without one). */
  function imagePoint(point) {
    const r = paneBox();
    const px = point ? point.x - r.left : r.width / 2;
    const py = point ? point.y - r.top : r.height / 2;
    const zz = z > 0 ? z : fit();
    const left = z > 0 ? r.width / 2 - cx * z : (r.width - image.width * zz) / 2;
    const top = z > 0 ? r.height / 2 - cy * z : (r.height - image.height * zz) / 2;
    return { ix: (px - left) / zz, iy: (py - top) / zz, px, py };
  }

  /** Zoom to `next` keeping the image pixel under `point` where it is. */
  function zoomTo(next, point) {
    if (!image) return;
    const f = fit();
    const limit = MAX_DEVICE_ZOOM / dpr();
    const target = Math.min(Math.max(next, f), Math.max(limit, f));
    const { ix, iy, px, py } = imagePoint(point);
    if (target <= f * 1.001) {
      reset();
      return;
    }
    const r = paneBox();
    z = target;
    cx = ix - (px - r.width / 2) / z;
    cy = iy - (py - r.height / 2) / z;
    layout();
    askSoon();
  }

  function toggle(point) {
    if (!image) return;
    if (z > 0) reset();
    else zoomTo(fullZoom(fit(), dpr()), point);
  }

  function zoomBy(factor, point) {
    if (!image) return;
    zoomTo((z > 0 ? z : fit()) * factor, point);
  }

  function pan(dx, dy) {
    if (z <= 0 || !image) return;
    const r = paneBox();
    cx += (dx * r.width) / z;
    cy += (dy * r.height) / z;
    layout();
    askSoon();
  }

  function reset() {
    z = 0;
    dropRegion();
    clearStyles();
    layout();
    refit();
  }

  /** A new image on the pane (or the same one again): zoom out when it is another. */
  function setImage(next) {
    const same = image && next && image.id === next.id && image.width === next.width && image.height === next.height;
    image = next && next.width > 0 && next.height > 0 ? next : null;
    if (!same && z > 0) reset();
  }

  // ---- pointer: a double click toggles, drag pans, the wheel zooms (with Ctrl, or once zoomed) ----
  let press = null;
  function onDown(e) {
    if (e.button !== 0 || !image || img.hidden || e.target.closest(".ltw-zoom-bar")) return;
    if (z <= 0) return; // a plain click only focuses the widget (the arrows still move)
    press = { x: e.clientX, y: e.clientY, cx, cy, moved: false, id: e.pointerId };
    e.preventDefault(); // no text selection or image drag starts; the keys still come here:
    pane.closest(".ltw-root")?.focus({ preventScroll: true });
    pane.setPointerCapture?.(e.pointerId);
  }
  function onMove(e) {
    if (!press || e.pointerId !== press.id) return;
    const dx = e.clientX - press.x;
    const dy = e.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < DRAG_SLOP) return;
    press.moved = true;
    if (z <= 0) return;
    cx = press.cx - dx / z;
    cy = press.cy - dy / z;
    layout();
    askSoon();
  }
  function onUp(e) {
    if (press && e.pointerId === press.id) press = null;
  }
  function onDoubleClick(e) {
    if (!image || img.hidden || e.target.closest(".ltw-zoom-bar")) return;
    e.preventDefault();
    toggle({ x: e.clientX, y: e.clientY });
  }
  function onWheel(e) {
    if (!image || img.hidden || (z <= 0 && !e.ctrlKey)) return;
    e.preventDefault();
    zoomBy(e.deltaY < 0 ? STEP : 1 / STEP, { x: e.clientX, y: e.clientY });
  }
  pane.addEventListener("pointerdown", onDown);
  pane.addEventListener("pointermove", onMove);
  pane.addEventListener("pointerup", onUp);
  pane.addEventListener("pointercancel", () => { press = null; });
  pane.addEventListener("wheel", onWheel, { passive: false });
  pane.addEventListener("dblclick", onDoubleClick);
  zoomBtn.addEventListener("click", () => toggle());

  // ---- full screen ----------------------------------------------------------------------------
  const root = () => pane.closest(".ltw-root");
  // Asked of the root's own document or shadow root: in a shadow root (marimo) the document
  // names only the shadow root's host.
  const native = () => {
    const el = root();
    return !!el && /** @type {Document | ShadowRoot} */ (el.getRootNode()).fullscreenElement === el;
  };
  function isFullscreen() {
    return overlay || native();
  }
  function showFullscreen() {
    const on = isFullscreen();
    fullBtn.setAttribute("aria-pressed", on ? "true" : "false");
    root()?.classList.toggle("is-fullscreen", overlay);
  }
  async function toggleFullscreen() {
    const el = root();
    if (!el) return;
    if (isFullscreen()) {
      leaveFullscreen();
      return;
    }
    if (document.fullscreenEnabled && typeof el.requestFullscreen === "function") {
      try {
        await el.requestFullscreen();
        showFullscreen();
        return;
      } catch { /* the host forbids it: the overlay below */ }
    }
    overlay = true;
    showFullscreen();
  }
  function leaveFullscreen() {
    if (native()) document.exitFullscreen().catch(() => {});
    overlay = false;
    showFullscreen();
  }
  fullBtn.addEventListener("click", () => toggleFullscreen());
  document.addEventListener("fullscreenchange", showFullscreen);

  function dispose() {
    disposed = true;
    document.removeEventListener("fullscreenchange", showFullscreen);
    if (isFullscreen()) leaveFullscreen();
    dropRegion();
  }

  return {
    setImage, toggle, zoomBy, pan, reset, layout, controls,
    isZoomed: () => z > 0,
    toggleFullscreen, isFullscreen, leaveFullscreen, dispose,
  };
}
