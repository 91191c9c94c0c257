// What the edit bar's buttons and their keys do: undo and redo, copy and paste of tags, adding a
// tag where the person works (the selected images in the grid, else the current image), saving;
// each a request to Python whose outcome the status line tells.

import { tagsClipboard } from "./editbar.js";

/**
 * createActions({ act, status, getCurrent, onSelection, onCopied, isDisposed, near })
 *   act(type, fields, opts) -> Promise<reply | null> (null: failed, and the status line says why)
 *   getCurrent() -> the current image (`_current`) or null
 *   onSelection() -> does an edit go to the selected images (the grid shows, with a selection)?
 *   onCopied(n): n tags were copied (the paste buttons follow)
 *   near(action) -> the control of "undo", "redo", "copy", "paste", "restore" or "save" (its result shows
 *     under it), or null
 * -> { history(kind), copyTags(), addTagHere(tag), pasteTags(mode), restoreOriginal(), save() }
 * @param {{ act: Function, status: import("./status.js").Status, getCurrent: () => any,
 *   onSelection: () => boolean, onCopied: (n: number) => void, isDisposed: () => boolean,
 *   near?: (action: string) => Element | null }} options
 */
export function createActions({ act, status, getCurrent, onSelection, onCopied, isDisposed, near = () => null }) {
  async function history(kind) {
    const reply = await act(kind);
    if (!reply || isDisposed()) return;
    status.show(reply.label ? `${kind === "undo" ? "Undone" : "Redone"}: ${reply.label}` : `Nothing to ${kind}.`,
      "info", near(kind));
  }

  const clipboard = tagsClipboard();
  function copyTags() {
    const cur = getCurrent();
    if (!cur) return;
    const n = clipboard.set(cur.tags);
    onCopied(n);
    const text = clipboard.get().join(", ");
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).catch(() => {});
    status.show(n ? `Copied ${n} tag${n === 1 ? "" : "s"}.` : "This image has no tags to copy.", "info", near("copy"));
  }

  /** Add `tag` to the selected images in the grid, else to the current image. */
  async function addTagHere(tag) {
    if (onSelection()) {
      const reply = await act("paste_tags", { tags: [tag], scope: "selected", mode: "add" });
      if (reply && !isDisposed()) status.show(`Added to ${reply.changes} image${reply.changes === 1 ? "" : "s"}. Ctrl+Z undoes it.`);
      return;
    }
    const cur = getCurrent();
    if (cur) await act("add_tag", { id: cur.id, tag });
  }

  async function pasteTags(mode) {
    const tagsToPaste = clipboard.get();
    if (!tagsToPaste.length) {
      status.show("Copy an image's tags first (Ctrl+C).", "info", near("paste"));
      return;
    }
    const scope = onSelection() ? "selected" : "current";
    const reply = await act("paste_tags", { tags: tagsToPaste, scope, mode });
    if (reply && !isDisposed()) {
      status.show(`Pasted onto ${reply.changes} image${reply.changes === 1 ? "" : "s"}. Ctrl+Z undoes it.`, "info", near("paste"));
    }
  }

  /** Give the current image its original caption back. */
  async function restoreOriginal() {
    const cur = getCurrent();
    if (!cur) return;
    const reply = await act("restore_original", { id: cur.id });
    if (reply && !isDisposed()) status.show("Restored the original caption. Ctrl+Z undoes it.", "info", near("restore"));
  }

  async function save() {
    const reply = await act("save", {}, { timeoutMs: 120000 });
    if (!reply) return;
    const n = Number.isFinite(reply.saved) ? reply.saved : 0;
    status.show(n === 0 ? "Nothing to save: all changes were already on disk." : `Saved ${n} caption file${n === 1 ? "" : "s"}.`,
      "info", near("save"));
  }

  return { history, copyTags, addTagHere, pasteTags, restoreOriginal, save };
}
