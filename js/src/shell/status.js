// The status line: replies' errors, Python's notices and messages, results of actions. A result
// (level "info") holds for a few seconds or until the person's next action; an error stays
// until the next message.

import { h, setText } from "../lib/dom.js";

/** How long a result stays on the status line. */
export const STATUS_INFO_MS = 6000;

/**
 * createStatusClock({ paint, timers, ms }): what the status line shows and for how long, without
 * the DOM: show(message, level) paints it (and, for a result, its expiry); clear() takes a result
 * away (the person acted again), an error stays.
 * -> { show, clear, current() -> { message, level }, dispose() }
 */
export function createStatusClock({ paint, timers = globalThis, ms = STATUS_INFO_MS }) {
  let shown = { message: "", level: "info" };
  let timer = null;

  function stop() {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  }

  function show(message, level = "info") {
    stop();
    shown = { message: message || "", level };
    paint(shown.message, level);
    if (shown.message && level !== "error") timer = timers.setTimeout(clear, ms);
  }

  function clear() {
    if (!shown.message || shown.level === "error") return;
    stop();
    shown = { message: "", level: "info" };
    paint("", "info");
  }

  return { show, clear, current: () => shown, dispose: stop };
}

/**
 * Where a bubble under `near` goes in its positioned container `box` (both client rectangles):
 * left-aligned with the control, kept inside the box, just below the control.
 * @param {{ left: number, bottom: number }} near
 * @param {{ left: number, top: number, width: number }} box
 * @param {number} width  the bubble's width
 */
export function bubbleAt(near, box, width) {
  const left = Math.max(0, Math.min(near.left - box.left, box.width - width));
  return { left: Math.round(left), top: Math.round(near.bottom - box.top + 4) };
}

/** @typedef {{ el: HTMLElement, bubble: HTMLElement, show: (message: string, level?: string, near?: Element | null) => void, clear: () => void, dispose: () => void }} Status */

/**
 * The status line, and a bubble that shows a result under the control that caused it
 * (`show(message, level, near)`); put `bubble` in a positioned container. The bubble keeps its
 * own time: a later message without a control (an autosave's, say) goes to the line alone; the
 * person's next action, or a result of another control, takes the bubble away.
 * @returns {Status}
 */
export function createStatus() {
  const el = h("div", { class: "ltw-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const bubble = h("div", { class: "ltw-bubble", "aria-hidden": "true", hidden: true });
  /** @type {Element | null} */
  let anchor = null;
  const line = createStatusClock({
    paint(message, level) {
      setText(el, message);
      el.classList.toggle("is-error", level === "error");
    },
  });
  const bubbleClock = createStatusClock({
    paint(message, level) {
      const box = bubble.parentElement;
      const shown = !!(message && anchor && anchor.isConnected && box && anchor.getClientRects().length);
      bubble.hidden = !shown;
      if (!shown) return;
      setText(bubble, message);
      bubble.classList.toggle("is-error", level === "error");
      const at = bubbleAt(anchor.getBoundingClientRect(), box.getBoundingClientRect(), bubble.offsetWidth);
      bubble.style.left = `${at.left}px`;
      bubble.style.top = `${at.top}px`;
    },
  });
  function show(message, level = "info", near = null) {
    line.show(message, level);
    if (near) {
      anchor = near;
      bubbleClock.show(message, level);
    }
  }
  function clear() {
    line.clear();
    bubbleClock.show("");
  }
  function dispose() {
    line.dispose();
    bubbleClock.dispose();
  }
  return { el, bubble, show, clear, dispose };
}
