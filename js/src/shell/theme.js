// Which of the widget's default colour sets shows (widget.css reads `data-ltw-scheme` on the root):
// on a host with no theme variables (marimo, Colab, a plain Voila page) the page's background
// decides, so the widget matches the page it sits on rather than the system's preference.
import { parseColour, pickScheme, shownColour } from "../lib/colour.js";

/** One variable of each host theme widget.css reads (VS Code's, JupyterLab's). */
const HOST_VARIABLES = ["--vscode-editor-background", "--jp-layout-color1"];
const PREFERS_DARK = "(prefers-color-scheme: dark)";
/** The attributes of <html> and <body> by which hosts switch theme (marimo: class, data-theme). */
const THEME_ATTRIBUTES = ["class", "style", "theme", "data-theme", "data-mode", "data-color-mode",
  "data-jp-theme-light", "data-jp-theme-name"];

/** The element `el` is drawn in: its slot, its parent, or at the top of a shadow root its host. */
function drawnIn(el) {
  if (el.assignedSlot) return el.assignedSlot;
  if (el.parentElement) return el.parentElement;
  const top = el.parentNode;
  return top instanceof ShadowRoot ? /** @type {HTMLElement} */ (top.host) : null;
}

/** The colour of the page behind `root`: its ancestors' backgrounds down to the first opaque one. */
function pageBackground(root) {
  const layers = [];
  for (let el = drawnIn(root); el; el = drawnIn(el)) {
    const layer = parseColour(getComputedStyle(el).backgroundColor);
    layers.push(layer);
    if (layer && layer[3] === 1) break;
  }
  return shownColour(layers);
}

/**
 * Set `root`'s `data-ltw-scheme` to "light" or "dark" now, when it is put on the page, and again
 * when the host switches theme (an attribute of <html> or <body> changes) or the system's
 * preference changes; returns the cleanup.
 * @param {HTMLElement} root
 */
export function followPageScheme(root) {
  const media = globalThis.matchMedia ? globalThis.matchMedia(PREFERS_DARK) : null;
  const update = () => {
    const style = getComputedStyle(root);
    const hostThemed = HOST_VARIABLES.some((name) => style.getPropertyValue(name).trim() !== "");
    const scheme = pickScheme({
      hostThemed,
      background: hostThemed || !root.isConnected ? null : pageBackground(root),
      prefersDark: !!media && media.matches,
    });
    if (root.getAttribute("data-ltw-scheme") !== scheme) root.setAttribute("data-ltw-scheme", scheme);
  };
  const observer = new MutationObserver(update);
  for (const el of [document.documentElement, document.body]) {
    if (el) observer.observe(el, { attributes: true, attributeFilter: THEME_ATTRIBUTES });
  }
  if (media) media.addEventListener("change", update);
  // The root gets its first size once it is on the page, where its ancestors can be read.
  const attached = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    if (!root.isConnected) return;
    update();
    attached.disconnect();
  }) : null;
  if (attached) attached.observe(root);
  update();
  return () => {
    observer.disconnect();
    if (attached) attached.disconnect();
    if (media) media.removeEventListener("change", update);
  };
}
