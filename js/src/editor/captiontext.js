// The raw caption editor (caption_mode "text"): a textarea for natural-language captions. Typing
// is sent with `set_caption` after a pause, on blur, and at once with Ctrl/Cmd+Enter. Python's
// echo of our own text never overwrites what the person is typing; a caption changed elsewhere
// meanwhile is offered as a choice ("Use theirs" / "Keep mine"), never replaced silently.

import "./captiontext.css";
import { h, isolate, setText, uniqueId, activeElement } from "../lib/dom.js";
import { errorText } from "../lib/format.js";

export const SEND_DELAY_MS = 600;
/** Python sends at most this many characters of a caption in `_current` (longer ones are cut). */
export const MAX_VIEW_CAPTION = 20000;

/** Line breaks as a textarea holds them ("\r\n" and "\r" read back as "\n"). */
export function normalizeBreaks(text) {
  return String(text ?? "").replace(/\r\n?/g, "\n");
}

/** `text` (from the textarea) with the line breaks `like` uses: "\r\n" files stay "\r\n". */
export function withBreaksOf(text, like) {
  const t = normalizeBreaks(text);
  return typeof like === "string" && like.includes("\r\n") ? t.replace(/\n/g, "\r\n") : t;
}

/**
 * insertTag(text, selectionStart, selectionEnd, tag) -> { text, cursor }
 * Puts `tag` in place of the selection with ", " between tags: a ", " before it unless the text
 * before the cursor is empty, starts a line, or already ends with ", " (a lone "," gets its
 * space); a ", " after it when text follows that does not start with a comma or a line break.
 * `cursor` is just after the tag. An empty tag changes nothing.
 */
export function insertTag(text, selectionStart, selectionEnd, tag) {
  const src = String(text ?? "");
  const clamp = (n, fallback) => (Number.isInteger(n) ? Math.min(Math.max(n, 0), src.length) : fallback);
  let start = clamp(selectionStart, src.length);
  let end = clamp(selectionEnd, start);
  if (end < start) [start, end] = [end, start];
  const t = String(tag ?? "").trim();
  if (!t) return { text: src, cursor: end };
  let before = src.slice(0, start);
  let after = src.slice(end);
  const core = before.replace(/[ \t]+$/, "");
  if (core === "" || core.endsWith("\n")) {
    // start of the text or of a line: no separator
  } else if (core.endsWith(",")) {
    before = `${core} `;
  } else {
    before = `${core}, `;
  }
  const rest = after.replace(/^[ \t]+/, "");
  if (rest !== "" && !rest.startsWith(",") && !rest.startsWith("\n") && !rest.startsWith("\r")) {
    after = `, ${rest}`;
  }
  return { text: before + t + after, cursor: before.length + t.length };
}

/**
 * shouldAcceptEcho({ incoming, lastSent, typed, pending }) -> "accept" | "ignore" | "conflict"
 * What to do with a caption Python sent for the id the editor shows.
 *   incoming: the caption from `_current`; lastSent: the text we last sent (or an array: every
 *   text of ours still in flight and the last one sent); typed: the textarea's text;
 *   pending: the textarea has unsent or in-flight edits.
 * No pending edits: accept it. Pending: ignore our own echo (it equals something we sent, or
 * what is typed already); anything else came from elsewhere: a conflict for the person to settle.
 */
export function shouldAcceptEcho({ incoming, lastSent, typed, pending }) {
  if (!pending) return "accept";
  const inc = normalizeBreaks(incoming);
  const sent = (Array.isArray(lastSent) ? lastSent : [lastSent])
    .filter((s) => typeof s === "string").map(normalizeBreaks);
  if (inc === normalizeBreaks(typed) || sent.includes(inc)) return "ignore";
  return "conflict";
}

/** Why a caption cannot be edited here, or null when it can. */
export function readOnlyReason(current) {
  if (!current || !current.id) return "No image is shown.";
  if (current.editable === false) {
    return typeof current.locked_reason === "string" && current.locked_reason
      ? current.locked_reason : "This caption is protected from edits.";
  }
  const caption = typeof current.caption === "string" ? current.caption : "";
  const cut = Array.isArray(current.flags) && current.flags.some((f) => f && f.code === "long_caption");
  if (cut && caption.length >= MAX_VIEW_CAPTION) {
    return `This caption is longer than ${MAX_VIEW_CAPTION.toLocaleString()} characters: the view shows only its start, so it cannot be edited here.`;
  }
  return null;
}

function currentOf(state) {
  const s = state && typeof state === "object" ? state : {};
  const cur = s._current;
  return cur && typeof cur === "object" && typeof cur.id === "string" && cur.id ? cur : null;
}

/**
 * createCaptionText({ request, status, getCurrent, delayMs })
 *   request(type, fields) -> Promise<{reply}> (raw rpc; this module shows its own errors)
 *   status.show(message, level)
 *   getCurrent() -> the current item (`_current`) or null
 * -> { el, update(state), insert(tag), flush() -> Promise, dispose(), focus() }
 */
export function createCaptionText({ request, status, getCurrent, delayMs = SEND_DELAY_MS }) {
  const lockId = uniqueId("ltw-ct-lock");
  const hintId = uniqueId("ltw-ct-hint");
  const textarea = h("textarea", {
    class: "ltw-input ltw-ct-text", "aria-label": "Caption text", rows: "5", spellcheck: "true",
    maxlength: String(MAX_VIEW_CAPTION), "aria-describedby": `${lockId} ${hintId}`, "data-fkey": "caption-text",
    "aria-keyshortcuts": "Control+Enter Meta+Enter",
    placeholder: "Describe the image… (palette clicks insert tags at the cursor)",
  });
  const lock = h("p", { class: "ltw-ct-lock", id: lockId, hidden: true });
  const theirsPre = h("pre", { class: "ltw-pre ltw-ct-theirs" });
  const useTheirs = h("button", { type: "button", class: "ltw-btn", text: "Use theirs" });
  const keepMine = h("button", { type: "button", class: "ltw-btn ltw-primary", text: "Keep mine" });
  const conflictBox = h("div", { class: "ltw-ct-conflict", role: "group", "aria-label": "Caption changed elsewhere", hidden: true },
    h("span", { class: "ltw-ct-conflict-text", text: "Changed elsewhere — " }), useTheirs, keepMine,
    h("details", { class: "ltw-ct-details" }, h("summary", { text: "Show theirs" }), theirsPre));
  const hint = h("p", {
    class: "ltw-ct-hint", id: hintId,
    text: "Sent as you pause typing, when you leave the box, or now with Ctrl+Enter (⌘+Enter). Line breaks are kept.",
  });
  const el = h("section", { class: "ltw-ct", "aria-label": "Caption" },
    h("h3", { class: "ltw-h", text: "Caption" }), lock, textarea, conflictBox, hint);

  let id = null; // the id shown
  let raw = ""; // the caption as Python last gave it (its line breaks decide ours)
  let lastSent = ""; // what Python has, or will have once our requests land (normalized)
  let seen = null; // the last caption Python sent for `id` (normalized): only changes count
  let theirs = null; // a caption changed elsewhere while the person was typing, until they choose
  let readOnly = true;
  let composing = false;
  let timer = null;
  let disposed = false;
  const inFlight = new Map(); // id -> [texts sent and not yet answered]

  const inFlightFor = (key) => inFlight.get(key) || [];
  // Typed text counts as unsent even when the caption became read-only meanwhile: kept, not replaced.
  const unsent = () => id !== null && textarea.value !== lastSent;
  const pending = () => unsent() || inFlightFor(id).length > 0;

  function clearTimer() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function schedule() {
    clearTimer();
    if (disposed || theirs !== null) return;
    timer = setTimeout(() => {
      timer = null;
      if (composing) schedule();
      else send(false);
    }, delayMs);
  }

  /** Send the textarea's text for the id shown; `force` sends it even when Python should have it. */
  function send(force) {
    clearTimer();
    if (disposed || id === null) return Promise.resolve();
    const text = textarea.value;
    if (!force && text === lastSent) return Promise.resolve();
    if (readOnly) {
      if (force) status.show(`Not sent: ${lock.textContent || "this caption is read-only."}`, "error");
      return Promise.resolve();
    }
    const key = id;
    const before = lastSent;
    lastSent = text;
    const list = inFlightFor(key).concat([text]);
    inFlight.set(key, list);
    let call;
    try {
      call = Promise.resolve(request("set_caption", { id: key, text: withBreaksOf(text, raw) }));
    } catch (err) {
      call = Promise.reject(err);
    }
    return call.then(() => undefined, (err) => {
      if (disposed || (err && err.disposed)) return;
      const msg = errorText(err);
      if (key === id) {
        if (lastSent === text) lastSent = before; // still unsent: leaving the box or Ctrl+Enter tries again
        status.show(`The caption text was not sent: ${msg}`, "error");
      } else {
        status.show(`The caption text of ${isolate(key)} was not sent: ${msg}`, "error");
      }
    }).finally(() => {
      const left = inFlightFor(key);
      const i = left.indexOf(text);
      if (i >= 0) left.splice(i, 1);
      if (left.length === 0) inFlight.delete(key);
    });
  }

  function setValue(text) {
    if (textarea.value === text) return;
    const focused = activeElement() === textarea;
    const { selectionStart, selectionEnd } = textarea;
    textarea.value = text;
    if (focused) {
      const n = textarea.value.length;
      textarea.setSelectionRange(Math.min(selectionStart, n), Math.min(selectionEnd, n));
    }
  }

  function showConflict(text) {
    const was = theirs;
    theirs = text;
    setText(theirsPre, text);
    conflictBox.hidden = false;
    clearTimer();
    if (was === null) {
      status.show("The caption was changed elsewhere while you were typing: use theirs, or keep yours.", "info");
    }
  }

  function closeConflict() {
    const hadFocus = conflictBox.contains(activeElement());
    theirs = null;
    conflictBox.hidden = true;
    setText(theirsPre, "");
    if (hadFocus) textarea.focus({ preventScroll: true });
  }

  function renderLock(reason) {
    readOnly = reason !== null;
    textarea.readOnly = readOnly;
    textarea.classList.toggle("is-readonly", readOnly);
    lock.hidden = !readOnly || id === null;
    setText(lock, readOnly && id !== null ? `Read-only: ${reason}` : "");
    if (readOnly) clearTimer();
  }

  function update(state) {
    if (disposed) return;
    const cur = state === undefined ? currentOf({ _current: getCurrent && getCurrent() }) : currentOf(state);
    const nextId = cur ? cur.id : null;
    const incomingRaw = cur && typeof cur.caption === "string" ? cur.caption : "";
    const incoming = normalizeBreaks(incomingRaw);
    if (nextId !== id) {
      if (unsent() || theirs !== null) send(theirs !== null); // for the OLD id, before it goes
      clearTimer();
      closeConflict();
      id = nextId;
      raw = incomingRaw;
      seen = incoming;
      lastSent = incoming;
      renderLock(readOnlyReason(cur));
      textarea.value = incoming;
      textarea.disabled = id === null;
      return;
    }
    renderLock(readOnlyReason(cur));
    if (id === null || incoming === seen) return;
    seen = incoming;
    raw = incomingRaw;
    const verdict = shouldAcceptEcho({
      incoming, lastSent: inFlightFor(id).concat([lastSent]), typed: textarea.value, pending: pending(),
    });
    if (verdict === "accept") {
      closeConflict();
      lastSent = incoming;
      setValue(incoming);
    } else if (verdict === "ignore") {
      // Our own echo, or what is typed already. An open choice stays open (our request in flight
      // may have landed after theirs; the person still decides), unless Python now has what is typed.
      if (incoming === textarea.value) {
        lastSent = incoming;
        if (theirs !== null) closeConflict();
      }
    } else {
      showConflict(incoming);
    }
  }

  /** Insert `tag` at the cursor (the palette, in text mode); sent after the usual pause. */
  function insert(tag) {
    if (disposed || id === null || readOnly) return false;
    const { text, cursor } = insertTag(textarea.value, textarea.selectionStart, textarea.selectionEnd, tag);
    if (text === textarea.value) return false;
    if (text.length > MAX_VIEW_CAPTION) {
      status.show(`A caption here holds at most ${MAX_VIEW_CAPTION.toLocaleString()} characters.`, "error");
      return false;
    }
    textarea.value = text;
    textarea.setSelectionRange(cursor, cursor);
    schedule();
    return true;
  }

  /** Send what is typed and not sent yet, now (before navigation, saving, undo, a mode switch).
   *  An open "changed elsewhere" choice counts as "Keep mine": typed text is never dropped. */
  function flush() {
    if (disposed) return Promise.resolve();
    if (theirs !== null) {
      closeConflict();
      return send(true);
    }
    return send(false);
  }

  textarea.addEventListener("input", () => {
    if (!readOnly) schedule();
  });
  textarea.addEventListener("compositionstart", () => {
    composing = true;
  });
  textarea.addEventListener("compositionend", () => {
    composing = false;
    if (!readOnly) schedule();
  });
  textarea.addEventListener("blur", () => {
    if (theirs === null) send(false); // with the choice open, the person is likely clicking it
  });
  textarea.addEventListener("keydown", (e) => {
    if (e.isComposing || e.altKey || e.shiftKey || !(e.ctrlKey || e.metaKey)) return;
    if (e.code !== "Enter" && e.code !== "NumpadEnter" && e.key !== "Enter") return;
    e.preventDefault(); // never a line break, nor the notebook's "run cell"
    if (theirs !== null) keepMine.focus();
    else send(false);
  });
  useTheirs.addEventListener("click", () => {
    if (theirs === null) return;
    const text = theirs;
    clearTimer();
    closeConflict();
    textarea.value = text;
    textarea.focus({ preventScroll: true });
    // Sent back too: a request of ours still in flight may land after theirs. When Python has it
    // already, nothing changes there (no undo step).
    if (readOnly) lastSent = text;
    else send(true);
  });
  keepMine.addEventListener("click", () => {
    if (theirs === null) return;
    closeConflict();
    textarea.focus({ preventScroll: true });
    send(true);
  });

  function dispose() {
    if (disposed) return;
    if (unsent() || theirs !== null) flush(); // a last chance for typed text (before rpc.dispose)
    clearTimer();
    disposed = true;
  }

  return {
    el, update, insert, flush, dispose,
    focus: () => textarea.focus(),
    /** For tests and wiring: whether typed text waits to be sent or is on its way. */
    hasPending: () => pending(),
  };
}
