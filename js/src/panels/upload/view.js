// The "Add images" panel: images, captions (.txt) and zips of them picked with a file picker or
// dropped anywhere on the widget go into the data set folder (or a subfolder) in chunks, with
// progress, Cancel and a summary of what landed, what was renamed and what was refused. Python
// names, checks and places every file (core/uploads.py); this module only sends them.

import "./upload.css";
import { h, attr, setText, uniqueId } from "../../lib/dom.js";
import { openPanel, panelKeys, panelToggle, showOpen } from "../panel.js";
import { createProgressBar } from "../../lib/progress.js";
import { DEFAULT_EXTENSIONS, acceptOf, emptySummary, extensionsFrom, progressText, runUpload, summaryLines } from "./logic.js";
import { errorText, formatBytes } from "../../lib/format.js";

const CANCELLING = "Cancelling…";

/** Whether a drag carries files from outside the page. */
function carriesFiles(e) {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
}

/**
 * createUpload({ request, status, root, openImage }) -> { el, dropHint, open(), pick(), close(), isOpen(), upload(files), dispose() }
 *   pick(): open the panel and its file picker (the U key).
 *   request: the rpc; status: the status line; root: the widget's root (the drop target);
 *   openImage(id): show that image (the first new one, when asked).
 */
export function createUpload({ request, status, root, openImage }) {
  const bodyId = uniqueId("ltw-up-body");
  const folderId = uniqueId("ltw-up-folder");
  const listId = uniqueId("ltw-up-folders");
  const toggle = panelToggle("ltw-up-toggle", bodyId, "Add images");
  toggle.title = "Add images, captions or zips: pick them (U) or drop them on the widget";
  const folder = h("input", {
    class: "ltw-input ltw-up-folder", id: folderId, type: "text", list: listId, autocomplete: "off",
    placeholder: "the data set folder", spellcheck: "false",
  });
  const folders = h("datalist", { id: listId });
  const input = h("input", { class: "ltw-up-input", type: "file", multiple: true, accept: acceptOf(), hidden: true, "aria-hidden": "true", tabIndex: -1 });
  const choose = h("button", { type: "button", class: "ltw-btn ltw-up-choose", text: "Choose files…" });
  const hint = h("p", { class: "ltw-muted ltw-up-hint", text: "Or drop images, captions (.txt) or .zip files anywhere on the widget." });
  const progress = createProgressBar("Upload progress", "ltw-up-progress");
  const cancelBtn = h("button", { type: "button", class: "ltw-btn ltw-up-cancel", text: "Cancel", hidden: true });
  const summary = h("ul", { class: "ltw-up-summary", role: "status", "aria-live": "polite" });
  const showFirst = h("button", { type: "button", class: "ltw-btn ltw-up-first", text: "Show the first new image", hidden: true });
  const body = h("div", { class: "ltw-up-body", id: bodyId, hidden: true },
    h("div", { class: "ltw-up-row" }, h("label", { for: folderId, text: "Into folder" }), folder, folders, choose, input),
    hint, h("div", { class: "ltw-up-row" }, progress.el, cancelBtn), summary, showFirst);
  const el = h("section", { class: "ltw-panel ltw-up", "aria-label": "Add images" }, toggle, body);
  const dropHint = h("div", { class: "ltw-up-drop", hidden: true, "aria-hidden": "true" });

  let open = false;
  let running = false;
  let stop = false;
  let first = null;
  let disposed = false;
  let extensions = DEFAULT_EXTENSIONS; // until Python names the ones it takes
  let loaded = Promise.resolve(); // the last upload_folders request, answered or failed
  let dragDepth = 0;

  function setOpen(next) {
    if (disposed || next === open) return;
    open = next;
    showOpen(toggle, body, open);
    if (open) loaded = loadFolders();
  }

  async function loadFolders() {
    try {
      const { reply } = await request("upload_folders");
      if (disposed) return;
      folders.replaceChildren(...(reply.folders || []).map((f) => h("option", { value: String(f) })));
      extensions = extensionsFrom(reply) ?? extensions;
      input.accept = acceptOf(extensions);
      setText(hint, `Or drop images, captions (.txt) or .zip files anywhere on the widget. At most ${formatBytes(reply.max_file)} a file.`);
    } catch (err) {
      if (!disposed && !(err && err.disposed)) status.show(errorText(err), "error");
    }
  }

  function showRunning(p) {
    progress.show({ done: p.doneBytes, total: p.bytes, text: stop ? CANCELLING : progressText(p) });
  }

  function showSummary(result) {
    const lines = summaryLines(result);
    summary.replaceChildren(...lines.map((line) => h("li", { text: line })));
    first = result.first;
    showFirst.hidden = !first;
    status.show(lines[0], result.error || (result.refused.length && !result.images) ? "error" : "info");
  }

  /** Upload `files` into the folder typed (the panel opens to show the progress). */
  async function upload(files) {
    if (disposed) return;
    if (running) {
      status.show("An upload is going; wait for it to end or cancel it first.", "error");
      return;
    }
    if (!files.length) return;
    setOpen(true);
    running = true;
    stop = false;
    attr(body, "aria-busy", "true");
    progress.show({ text: "" }); // until the first chunk's figures
    progress.el.hidden = false;
    cancelBtn.hidden = false;
    choose.disabled = true;
    summary.replaceChildren();
    showFirst.hidden = true;
    try {
      await loaded; // files dropped on a closed panel go in the order Python's extensions give
      const result = await runUpload({ files, folder: folder.value.trim(), request, onProgress: showRunning, cancelled: () => stop || disposed, extensions });
      if (!disposed) showSummary(result);
    } catch (err) {
      if (!disposed && !(err && err.disposed)) showSummary({ ...emptySummary(), error: errorText(err) });
    } finally {
      running = false;
      if (!disposed) {
        attr(body, "aria-busy", null);
        progress.el.hidden = true;
        cancelBtn.hidden = true;
        choose.disabled = false;
      }
    }
  }

  function showDrop(on) {
    dropHint.hidden = !on;
    root.classList.toggle("is-dropping", on);
    if (on) setText(dropHint, `Drop to add to ${folder.value.trim() || "the data set folder"}`);
  }

  const onDragEnter = (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dragDepth += 1;
    showDrop(true);
  };
  const onDragOver = (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  };
  const onDragLeave = (e) => {
    if (!carriesFiles(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) showDrop(false);
  };
  const onDrop = (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.stopPropagation(); // the notebook must not open the files itself
    dragDepth = 0;
    showDrop(false);
    upload(Array.from(e.dataTransfer.files || []));
  };
  root.addEventListener("dragenter", onDragEnter);
  root.addEventListener("dragover", onDragOver);
  root.addEventListener("dragleave", onDragLeave);
  root.addEventListener("drop", onDrop);

  toggle.addEventListener("click", () => setOpen(!open));
  choose.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = ""; // the same files may be picked again
    upload(files);
  });
  cancelBtn.addEventListener("click", () => {
    stop = true;
    progress.say(CANCELLING);
  });
  showFirst.addEventListener("click", () => {
    if (first) openImage(first);
  });
  panelKeys(el, { body, isOpen: () => open, close: () => setOpen(false), refocus: toggle });

  function dispose() {
    disposed = true;
    root.removeEventListener("dragenter", onDragEnter);
    root.removeEventListener("dragover", onDragOver);
    root.removeEventListener("dragleave", onDragLeave);
    root.removeEventListener("drop", onDrop);
  }

  return {
    el,
    dropHint,
    open: () => openPanel(setOpen, toggle),
    pick: () => {
      setOpen(true);
      if (!running) input.click();
    },
    close: () => setOpen(false),
    isOpen: () => open,
    upload,
    dispose,
  };
}
