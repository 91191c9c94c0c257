// Colours as the browser computes them, and the light or dark scheme a page's background asks for.

/** @typedef {[number, number, number, number]} Rgba  sRGB red, green, blue and alpha, each 0..1 */

/**
 * Relative luminance at which black and white text have the same contrast (WCAG: (L + 0.05) / 0.05
 * = 1.05 / (L + 0.05)); a background darker than this reads better with light text.
 */
export const DARK_BELOW = Math.sqrt(1.05 * 0.05) - 0.05;

const clamp01 = (x) => Math.min(1, Math.max(0, x));
const toLinear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toGamma = (c) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

/** A number of a CSS colour function: "none" is 0, "n%" is n / 100 of `percentOf`. */
function number(token, percentOf = 1) {
  if (token === "none") return 0;
  return token.endsWith("%") ? (parseFloat(token) / 100) * percentOf : parseFloat(token);
}

/** OKLab (L 0..1) to gamma-encoded sRGB, clamped to its gamut. */
function oklabToRgb(L, a, b) {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.2914855480 * b) ** 3;
  const linear = [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s,
  ];
  return linear.map((c) => toGamma(clamp01(c)));
}

/**
 * A computed CSS colour (`getComputedStyle(el).backgroundColor`) as sRGB and alpha: rgb()/rgba(),
 * color(srgb ...), oklab() and oklch(), in the comma or the space syntax; `transparent` too.
 * Any other form gives null.
 * @param {string} text
 * @returns {Rgba | null}
 */
export function parseColour(text) {
  const s = String(text ?? "").trim().toLowerCase();
  if (s === "transparent") return [0, 0, 0, 0];
  const m = /^(rgba?|color|oklab|oklch)\((.*)\)$/.exec(s);
  if (!m) return null;
  let [, fn, args] = m;
  if (fn === "color") {
    if (!args.startsWith("srgb ")) return null;
    args = args.slice(5);
  }
  const [channels, alphaPart] = args.split("/");
  const parts = channels.split(/[\s,]+/).filter(Boolean);
  const alphaToken = alphaPart !== undefined ? alphaPart.trim() : parts[3];
  if (parts.length < 3 || [...parts.slice(0, 3), alphaToken ?? "1"].some((t) => Number.isNaN(number(t)))) return null;
  const alpha = alphaToken === undefined ? 1 : clamp01(number(alphaToken));
  let rgb;
  if (fn === "rgb" || fn === "rgba") rgb = parts.slice(0, 3).map((t) => number(t, 255) / 255);
  else if (fn === "color") rgb = parts.slice(0, 3).map((t) => number(t));
  else if (fn === "oklab") rgb = oklabToRgb(number(parts[0]), number(parts[1], 0.4), number(parts[2], 0.4));
  else {
    const [L, C, H] = [number(parts[0]), number(parts[1], 0.4), number(parts[2])];
    const hue = (H * Math.PI) / 180;
    rgb = oklabToRgb(L, C * Math.cos(hue), C * Math.sin(hue));
  }
  const [r, g, b] = rgb.map(clamp01);
  return [r, g, b, alpha];
}

/**
 * WCAG relative luminance of an sRGB colour (0 black .. 1 white).
 * @param {Rgba | [number, number, number]} rgb
 */
export function luminance([r, g, b]) {
  return 0.2126 * toLinear(r) + 0.7152 * toLinear(g) + 0.0722 * toLinear(b);
}

/**
 * The colour a pile of backgrounds shows, the nearest first: each laid over the ones below it,
 * down to the first opaque one. Null when none is opaque (what shows is the browser's canvas) or
 * when one above it is a colour we cannot read (what shows is unknown).
 * @param {(Rgba | null)[]} layers  null for a background that is not a colour we can read
 * @returns {Rgba | null}
 */
export function shownColour(layers) {
  const above = [];
  for (const layer of layers) {
    if (!layer) return null;
    if (layer[3] === 0) continue;
    if (layer[3] < 1) {
      above.push(layer);
      continue;
    }
    let rgb = layer.slice(0, 3);
    for (const [r, g, b, a] of above.reverse()) rgb = [r * a + rgb[0] * (1 - a), g * a + rgb[1] * (1 - a), b * a + rgb[2] * (1 - a)];
    return [rgb[0], rgb[1], rgb[2], 1];
  }
  return null;
}

/**
 * "dark" or "light", for the widget's own default colours: where the host sets no theme colours,
 * the page's background (dark when darker than DARK_BELOW); where it does (their defaults are then
 * unused), or with no background to go by, the person's preference (`prefers-color-scheme`).
 * @param {{ hostThemed: boolean, background: Rgba | null, prefersDark: boolean }} seen
 */
export function pickScheme({ hostThemed, background, prefersDark }) {
  if (hostThemed || !background) return prefersDark ? "dark" : "light";
  return luminance(background) < DARK_BELOW ? "dark" : "light";
}
