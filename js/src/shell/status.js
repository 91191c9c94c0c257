// The status line: replies' errors, Python's notices and messages, results of actions.

import { h, setText } from "../lib/dom.js";

/** @typedef {{ el: HTMLElement, show: (message: string, level?: string) => void }} Status */

/** @returns {Status} */
export function createStatus() {
  const el = h("div", { class: "ltw-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  function show(message, level = "info") {
    setText(el, message || "");
    el.classList.toggle("is-error", level === "error");
  }
  return { el, show };
}
