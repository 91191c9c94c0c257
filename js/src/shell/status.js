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

/** @typedef {{ el: HTMLElement, show: (message: string, level?: string) => void, clear: () => void, dispose: () => void }} Status */

/** @returns {Status} */
export function createStatus() {
  const el = h("div", { class: "ltw-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const clock = createStatusClock({
    paint(message, level) {
      setText(el, message);
      el.classList.toggle("is-error", level === "error");
    },
  });
  return { el, show: clock.show, clear: clock.clear, dispose: clock.dispose };
}
