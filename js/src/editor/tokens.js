// Token counts of the current caption: CLIP-L and T5 (`_current.tokens`, docs/protocol.md),
// exact when Python found a tokenizer vocabulary offline, else an estimate that says so.
// Styles live in captiontext.css (shared with the caption text editor).

import "./captiontext.css";
import { h, setText } from "../lib/dom.js";

export const OVER_TEXT = " — over the limit";
export const ESTIMATE_TITLE = "No tokenizer vocabulary found offline; this is an estimate";
const ORDER = ["clip", "t5"];

function isCount(t) {
  return !!t && typeof t === "object" && (typeof t.label === "string" || Number.isFinite(t.count));
}

/** What hovering one count explains: CLIP's count and limit leave out its start and end tokens
 *  (the figure the filter's `tokens:` compares), the model it is for, estimates. */
function titleOf(key, t) {
  const limit = Number.isFinite(t.limit) ? t.limit : null;
  const parts = [];
  if (key === "clip" && limit !== null) parts.push(`${limit.toLocaleString()} usable, start and end not counted`);
  else if (key === "t5" && limit !== null) parts.push(`Flux dev reads up to ${limit.toLocaleString()} T5 tokens`);
  if (t.over) parts.push("the encoder cuts off the rest");
  if (t.exact === false) parts.push(ESTIMATE_TITLE);
  return parts.join("; ");
}

/**
 * tokenParts(tokens) -> [{ key, text, over, exact, title }] in the order CLIP, T5, then any
 * other model Python sends; [] when `tokens` is missing. `text` is Python's label plus
 * " — over the limit" when over (so it is never told by colour alone).
 */
export function tokenParts(tokens) {
  if (!tokens || typeof tokens !== "object" || Array.isArray(tokens)) return [];
  const keys = [...ORDER.filter((k) => k in tokens), ...Object.keys(tokens).filter((k) => !ORDER.includes(k)).sort()];
  const parts = [];
  for (const key of keys) {
    const t = tokens[key];
    if (!isCount(t)) continue;
    const label = typeof t.label === "string" && t.label
      ? t.label
      : `${key.toUpperCase()} ${t.exact === false ? "≈" : ""}${t.count}/${t.limit}${t.exact === false ? " (estimate)" : ""}`;
    const over = !!t.over;
    parts.push({ key, text: label + (over ? OVER_TEXT : ""), over, exact: t.exact !== false, title: titleOf(key, t) });
  }
  return parts;
}

/** The whole line as text: "CLIP-L 21/75 · T5 ≈30/512 (estimate)"; "" when there is nothing to count. */
export function tokenText(tokens) {
  return tokenParts(tokens).map((p) => p.text).join(" · ");
}

/** createTokenCounts() -> { el, update(current) } */
export function createTokenCounts() {
  const el = h("p", {
    class: "ltw-tok", role: "status", "aria-live": "polite", "aria-atomic": "true",
    "aria-label": "Token counts", hidden: true,
  });
  let signature = null;

  function update(current) {
    const parts = tokenParts(current && typeof current === "object" ? current.tokens : null);
    const sig = JSON.stringify(parts);
    el.hidden = parts.length === 0;
    if (sig === signature) return; // the live region speaks only when the counts change
    signature = sig;
    const nodes = [];
    parts.forEach((p, i) => {
      if (i > 0) {
        nodes.push(h("span", { class: "ltw-tok-sep", "aria-hidden": "true", text: " · " }),
          h("span", { class: "ltw-vh", text: ", " }));
      }
      const span = h("span", {
        class: "ltw-tok-item" + (p.over ? " is-over" : "") + (p.exact ? "" : " is-estimate"),
        "data-model": p.key, title: p.title || null,
      });
      setText(span, p.text);
      nodes.push(span);
    });
    el.replaceChildren(...nodes);
  }

  return { el, update };
}
