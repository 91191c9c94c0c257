// Numbers and words as the widget writes them, the one place for it: counts in the person's
// locale, "1 image" / "3 images", sizes ("1.5 MB"), and the readers that turn a reply's loose values into counts.

const numbers = new Intl.NumberFormat();

/** A number as the person's locale writes it: 12,345. */
export function fmt(n) {
  return numbers.format(n);
}

/** "512 bytes", "1.5 MB". */
export function formatBytes(n) {
  if (n < 1024 * 1024) return `${fmt(n)} bytes`;
  return `${(n / (1024 * 1024)).toLocaleString(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`;
}

/** "1 image", "12,345 images". */
export function plural(n, one, many) {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

/** A count from a reply: a whole number >= 0 (fractions cut off; anything else 0). */
export function count(v) {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** A whole number (cut towards zero), or `fallback` for anything that is not a finite number. */
export function int(v, fallback = 0) {
  return Number.isFinite(v) ? Math.trunc(v) : fallback;
}

/** A plain object (not an array), or {} for anything else. */
export function obj(v) {
  return v && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** A string, or "" for anything else. */
export function str(v) {
  return typeof v === "string" ? v : "";
}

/** Does `o` have its own key `k`? */
export function has(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The text of an error (a rejected request's sentence). */
export function errorText(err) {
  return err && err.message ? err.message : String(err);
}
