// The keyboard map: which key (by event.code) does what, as a pure function.

import { STEP } from "../editor/zoom.js";

const DIGIT = /^(?:Digit|Numpad)([1-9])$/;
const ZOOM_KEYS = { Equal: STEP, NumpadAdd: STEP, Minus: 1 / STEP, NumpadSubtract: 1 / STEP };
const PAN = 0.2; // of the view per arrow press
const PAN_KEYS = {
  ArrowLeft: { dx: -PAN, dy: 0 }, ArrowRight: { dx: PAN, dy: 0 },
  ArrowUp: { dx: 0, dy: -PAN }, ArrowDown: { dx: 0, dy: PAN },
};

/**
 * resolveKey(event, ctx) -> { action, ...args, prevent } | null
 * ctx: { inText, listOpen, dialogOpen, onChip, grid }  (onChip: a tag chip or palette entry has focus)
 *   inText: focus is in a text field (typing goes there; only Ctrl/Cmd+S and Escape apply here,
 *           the field itself handles Enter and the arrow keys).
 *   grid: the thumbnail grid is showing (its own keys come from resolveGridKey first; the
 *         single view's arrows, digits and chip keys do nothing there).
 * ctx.textSelected: the page has a text selection (Ctrl+C then copies it, not the tags).
 * ctx.zoomed: the image is zoomed in (the arrows pan it, Escape zooms out);
 * ctx.fullscreen: the widget fills the screen (Escape leaves that next).
 * Actions: save, close-list, close-dialog, release-focus, prev, next, toggle-view, focus-filter,
 *          batch, undo, redo, copy-tags, paste-tags {mode: "add" | "replace"},
 *          toggle-slot {slot 1..9}, pin-slot {slot 1..9} (Alt+digit: pin the focused chip's tag,
 *          or the tag the key holds, to the key), move-chip {delta}, remove-chip,
 *          accept-suggestions (A) / reject-suggestions (Shift+A): the auto-tag suggestions of the
 *          image shown (in the grid: of the selected images),
 *          zoom (100 % and back), zoom-by {factor}, pan {dx, dy} (fractions of the view),
 *          fullscreen (on and off), leave-fullscreen, add-images (U: the file picker of "Add images"),
 *          restore-original (Shift+R: this image's original caption; in the grid, the batch panel's
 *          restore).
 */
export function resolveKey(ev, ctx = {}) {
  const code = ev.code || "";
  const mod = !!(ev.ctrlKey || ev.metaKey);
  if (mod && !ev.altKey && code === "KeyS") return { action: "save", prevent: true };
  if (code === "Escape" && !mod && !ev.altKey) {
    if (ctx.listOpen) return { action: "close-list", prevent: true };
    if (ctx.dialogOpen) return { action: "close-dialog", prevent: true };
    if (ctx.zoomed && !ctx.inText) return { action: "zoom", prevent: true };
    if (ctx.fullscreen) return { action: "leave-fullscreen", prevent: true };
    return { action: "release-focus", prevent: true };
  }
  if (mod && !ev.altKey && !ctx.inText && !ctx.dialogOpen) {
    if (code === "KeyZ") return { action: ev.shiftKey ? "redo" : "undo", prevent: true };
    if (code === "KeyY" && !ev.shiftKey) return { action: "redo", prevent: true };
    if (code === "KeyC" && !ev.shiftKey && !ctx.textSelected) return { action: "copy-tags", prevent: true };
    if (code === "KeyV") return { action: "paste-tags", mode: ev.shiftKey ? "replace" : "add", prevent: true };
  }
  if (ctx.inText || mod) return null;
  if (ev.altKey) {
    const digit = DIGIT.exec(code);
    if (digit && !ev.shiftKey && !ctx.dialogOpen && !ctx.grid) return { action: "pin-slot", slot: Number(digit[1]), prevent: true };
    if (ctx.onChip && !ev.shiftKey && (code === "ArrowLeft" || code === "ArrowRight")) {
      return { action: "move-chip", delta: code === "ArrowLeft" ? -1 : 1, prevent: true };
    }
    return null;
  }
  if (code === "KeyA" && !ctx.dialogOpen) {
    return { action: ev.shiftKey ? "reject-suggestions" : "accept-suggestions", prevent: true };
  }
  // "+" is Shift+Equal on many layouts.
  if (ZOOM_KEYS[code] && !ctx.grid && !ctx.dialogOpen) return { action: "zoom-by", factor: ZOOM_KEYS[code], prevent: true };
  if (ev.shiftKey) return code === "KeyR" && !ctx.dialogOpen ? { action: "restore-original", prevent: true } : null;
  if (ctx.dialogOpen) return null;
  if (code === "KeyG") return { action: "toggle-view", prevent: true };
  if (code === "Slash") return { action: "focus-filter", prevent: true };
  if (code === "KeyB") return { action: "batch", prevent: true };
  if (code === "KeyF") return { action: "fullscreen", prevent: true };
  if (code === "KeyU") return { action: "add-images", prevent: true };
  if (ctx.grid) return null;
  if (code === "KeyZ") return { action: "zoom", prevent: true };
  if (ctx.zoomed && PAN_KEYS[code]) return { action: "pan", ...PAN_KEYS[code], prevent: true };
  if (code === "ArrowLeft") return { action: "prev", prevent: true };
  if (code === "ArrowRight") return { action: "next", prevent: true };
  const m = DIGIT.exec(code);
  if (m) return { action: "toggle-slot", slot: Number(m[1]), prevent: true };
  if ((code === "Delete" || code === "Backspace") && ctx.onChip) return { action: "remove-chip", prevent: true };
  return null;
}

const GRID_MOVES = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

/**
 * resolveGridKey(event, ctx) -> { action, ...args } | null: the thumbnail grid's keys.
 * ctx: { hasSelection, onTile }  (onTile: focus is on a tile or the widget itself, not a button)
 *   arrows, Home, End, PageUp, PageDown -> move {key, extend: Shift}
 *   Space -> toggle (the focused tile's selection) · Enter -> open · Ctrl/Cmd+A -> select-all
 *   Escape -> clear, only while something is selected (else the widget's Escape applies)
 * Space and Enter only act on a tile (on a button they press the button).
 */
export function resolveGridKey(ev, ctx = {}) {
  const code = ev.code || "";
  const mod = !!(ev.ctrlKey || ev.metaKey);
  if (ev.altKey) return null;
  if (mod) {
    if (code === "KeyA" && !ev.shiftKey) return { action: "select-all" };
    return null;
  }
  if (GRID_MOVES.has(code)) return { action: "move", key: code, extend: !!ev.shiftKey };
  if (code === "Escape") return !ev.shiftKey && ctx.hasSelection ? { action: "clear" } : null;
  if (!ctx.onTile || ev.shiftKey) return null;
  if (code === "Space") return { action: "toggle" };
  if (code === "Enter" || code === "NumpadEnter") return { action: "open" };
  return null;
}

/**
 * Should a keydown that came from inside the widget be kept from the notebook?
 * Everything the widget handles, everything typed into its fields, and every plain key
 * (Delete, Backspace, Enter, letters: JupyterLab's command mode would act on them).
 * Unhandled Ctrl/Cmd combinations (browser and JupyterLab-wide shortcuts) pass.
 */
export function keepFromNotebook(ev, resolved, inText) {
  if (resolved || inText) return true;
  return !(ev.ctrlKey || ev.metaKey);
}
