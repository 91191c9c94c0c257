// The editing toolbar: undo / redo, copy / paste of tags, the caption mode (tags or text), the
// trigger word, and the batch edit panel's button.

import { h, attr, isolate, setText } from "../lib/dom.js";

/** Tags copied from an image, kept in the page (and put on the system clipboard when allowed). */
export function tagsClipboard() {
  let tags = [];
  return {
    set(list) {
      tags = Array.isArray(list) ? list.filter((t) => typeof t === "string" && t) : [];
      return tags.length;
    },
    get: () => tags.slice(),
  };
}

/** What a button's title says of the next undo/redo step. */
export function historyTitle(kind, labels) {
  const keys = kind === "undo" ? "Ctrl+Z" : "Ctrl+Shift+Z";
  const first = Array.isArray(labels) && typeof labels[0] === "string" ? labels[0] : "";
  const verb = kind === "undo" ? "Undo" : "Redo";
  return first ? `${verb} ${isolate(first)} (${keys})` : `Nothing to ${kind} (${keys})`;
}

/**
 * createEditBar({ onUndo, onRedo, onCopy, onPaste, onMode, onTrigger, onBatch })
 *   onPaste(mode)  "add" | "replace"
 *   onMode(mode)   "tags" | "text"
 *   onTrigger(word) the trigger word typed ("" clears it)
 * Returns { el, update(state) }.
 */
export function createEditBar({ onUndo, onRedo, onCopy, onPaste, onMode, onTrigger, onBatch }) {
  const btn = (text, label, onclick, keys) => h("button", {
    type: "button", class: "ltw-btn", text, "aria-label": label, onclick,
    "aria-keyshortcuts": keys || null,
  });
  const undo = btn("↶ Undo", "Undo", () => onUndo(), "Control+Z Meta+Z");
  const redo = btn("↷ Redo", "Redo", () => onRedo(), "Control+Shift+Z Meta+Shift+Z Control+Y");
  const copy = btn("Copy tags", "Copy tags", () => onCopy(), "Control+C Meta+C");
  const paste = btn("Paste tags", "Paste tags (add)", () => onPaste("add"), "Control+V Meta+V");
  const pasteReplace = btn("Paste, replacing", "Paste tags, replacing the image's tags", () => onPaste("replace"),
    "Control+Shift+V Meta+Shift+V");
  const batch = btn("Batch edit…", "Batch edit", () => onBatch(), "B");
  batch.title = "Edit many captions at once, with a preview (B)";
  const modeBtn = (mode, text, label) => h("button", {
    type: "button", class: "ltw-btn ltw-mode-btn", text, "aria-label": label, "aria-pressed": "false",
    "data-mode": mode, onclick: () => onMode(mode),
  });
  const tagsMode = modeBtn("tags", "Tags", "Edit captions as tags");
  const textMode = modeBtn("text", "Text", "Edit captions as text");
  const trigger = h("input", {
    type: "text", class: "ltw-input ltw-trigger-input", "aria-label": "Trigger word", placeholder: "none",
    autocomplete: "off", spellcheck: "false",
    title: "Kept first by batch edits; the trigger operation prepends it (Civitai's rule). Enter sets it.",
  });
  const triggerNote = h("span", { class: "ltw-trigger-note", "aria-live": "polite" });
  trigger.addEventListener("keydown", (e) => {
    if (e.code !== "Enter" && e.code !== "NumpadEnter") return;
    e.preventDefault();
    onTrigger(trigger.value.trim());
  });
  trigger.addEventListener("change", () => onTrigger(trigger.value.trim()));
  const el = h("div", { class: "ltw-editbar", role: "toolbar", "aria-label": "Editing" },
    h("div", { class: "ltw-editbar-group" }, undo, redo),
    h("div", { class: "ltw-editbar-group" }, copy, paste, pasteReplace),
    h("div", { class: "ltw-editbar-group", role: "group", "aria-label": "Caption mode" }, tagsMode, textMode),
    h("label", { class: "ltw-editbar-group ltw-trigger" }, h("span", { text: "Trigger" }), trigger),
    triggerNote,
    batch);

  /** @param {import("../lib/model.js").ViewState} state */
  function update({ _history: history, caption_mode: mode, trigger: word, _current: current, view }) {
    const hist = history && typeof history === "object" ? history : {};
    const undos = Array.isArray(hist.undo) ? hist.undo : [];
    const redos = Array.isArray(hist.redo) ? hist.redo : [];
    undo.disabled = undos.length === 0;
    redo.disabled = redos.length === 0;
    undo.title = historyTitle("undo", undos);
    redo.title = historyTitle("redo", redos);
    const cur = current && current.id ? current : null;
    const grid = view === "grid";
    copy.disabled = !cur;
    copy.title = "Copy this image's tags (Ctrl+C)";
    paste.title = grid ? "Add the copied tags to the selected images (Ctrl+V)" : "Add the copied tags to this image (Ctrl+V)";
    pasteReplace.title = grid ? "Make the selected images' tags the copied ones (Ctrl+Shift+V)"
      : "Make this image's tags the copied ones (Ctrl+Shift+V)";
    const textOn = mode === "text";
    attr(tagsMode, "aria-pressed", textOn ? "false" : "true");
    attr(textMode, "aria-pressed", textOn ? "true" : "false");
    const w = typeof word === "string" ? word : "";
    if (document.activeElement !== trigger) trigger.value = w;
    const info = cur && cur.trigger && typeof cur.trigger === "object" ? cur.trigger : null;
    let note = "";
    if (w && info && !grid) {
      if (info.first) note = "✓ first";
      else if (info.placeholder) note = "[trigger] placeholder";
      else note = "not first";
    }
    setText(triggerNote, note);
    triggerNote.classList.toggle("is-missing", note === "not first");
    triggerNote.title = note === "not first" ? `This caption does not start with ${isolate(w)}` : "";
  }

  /** The button of an action ("undo", "redo", "copy", "paste"), under which its result shows. */
  const control = (action) => ({ undo, redo, copy, paste })[action] ?? null;
  return { el, update, control, setPasteEnabled: (on) => { paste.disabled = !on; pasteReplace.disabled = !on; } };
}
