// Header (name, size, position and progress, save state, Save/Close) and navigation footer.

import { h, attr, setText, activeElement } from "../lib/dom.js";
import { int, plural } from "../lib/format.js";
import { viewOf } from "../lib/model.js";

/** "12 / 40 · 30 tagged", with " (filtered)" while a filter is set (place is 0-based; -1 when empty). */
export function positionText(place, count, progress) {
  const n = Math.max(0, int(count));
  const pos = n > 0 && int(place, -1) >= 0 ? int(place) + 1 : 0;
  const tagged = Math.max(0, int(progress && progress.tagged));
  const filtered = progress && progress.filtered ? " (filtered)" : "";
  return `${pos} / ${n} · ${tagged} tagged${filtered}`;
}

/** "4000 × 3000", or "" while unknown. */
export function sizeText(width, height) {
  return int(width) > 0 && int(height) > 0 ? `${int(width)} × ${int(height)}` : "";
}

/** "Saving D of T…" while a big save runs, else "All changes saved" or "N unsaved". */
export function saveText(status) {
  const saving = status && Array.isArray(status.saving) ? status.saving : null;
  if (saving) return `Saving ${int(saving[0])} of ${int(saving[1])}…`;
  const n = Math.max(0, int(status && status.unsaved));
  return n > 0 ? `${n} unsaved` : "All changes saved";
}

/** What the header names: "3 images selected" in the grid while images are selected there (not the
 *  one current image), else the current image's name, or "No images". */
export function headerName(current, view, selection) {
  const selected = viewOf(view) === "grid" && Array.isArray(selection) ? selection.length : 0;
  if (selected > 0) return `${plural(selected, "image", "images")} selected`;
  return current && current.id ? String(current.name ?? current.id) : "No images";
}

export function conflictText(status) {
  const n = Math.max(0, int(status && status.conflicts));
  if (n === 0) return "";
  return n === 1 ? "1 conflict" : `${n} conflicts`;
}

export const HINTS = {
  single: "← → move · 1–9 toggle the keyed palette tags · Alt+1–9 pin a tag to a key · Z zoom (drag, arrows, +/− while zoomed) · F full screen · A / Shift+A accept / reject suggestions · / filter · B batch edit · U add images · Shift+R restore original · Ctrl+Z undo · G grid · Ctrl+S save · Esc back to notebook",
  grid: "Arrows move · Shift+arrows extend · Space select · Enter open · Ctrl+A all · Esc clear · G single view",
};

/**
 * createHeader({ onSave, onClose, onView }) -> { el, update(state: ViewState), saveButton }
 * @param {{ onSave: () => void, onClose: () => void, onView?: (view: string) => void }} options
 */
export function createHeader({ onSave, onClose, onView = () => {} }) {
  const name = h("span", { class: "ltw-name" });
  const dims = h("span", { class: "ltw-dims" });
  const position = h("span", { class: "ltw-position" });
  const save = h("span", { class: "ltw-save" });
  const conflicts = h("span", { class: "ltw-badge ltw-badge-warn", hidden: true });
  const error = h("span", { class: "ltw-badge ltw-badge-error", hidden: true });
  const bar = h("div", { class: "ltw-bar" });
  const progress = h("div", {
    class: "ltw-progress", role: "progressbar", "aria-label": "Tagged images", "aria-valuemin": "0",
  }, bar);
  const viewBtn = (view, label, text) => h("button", {
    type: "button", class: "ltw-btn ltw-view-btn", "aria-label": label, "aria-pressed": "false", text,
    title: `${label} (G)`, "aria-keyshortcuts": "G", "data-view": view, onclick: () => onView(view),
  });
  const saveBtn = h("button", {
    type: "button", class: "ltw-btn ltw-primary", "aria-label": "Save", title: "Save captions (Ctrl+S)",
    "aria-keyshortcuts": "Control+S Meta+S", text: "Save", onclick: onSave,
  });
  const singleBtn = viewBtn("single", "Single view", "▣ Single");
  const gridBtn = viewBtn("grid", "Grid view", "▦ Grid");
  const el = h("header", { class: "ltw-header" },
    h("div", { class: "ltw-title" }, name, dims),
    h("div", { class: "ltw-meta" }, position, save, conflicts, error),
    h("div", { class: "ltw-actions" },
      h("div", { class: "ltw-view-switch", role: "group", "aria-label": "View" }, singleBtn, gridBtn),
      saveBtn,
      h("button", {
        type: "button", class: "ltw-btn", "aria-label": "Close", title: "Save and close the widget", text: "Close",
        onclick: onClose,
      })),
    progress);

  /** @param {import("../lib/model.js").ViewState} state */
  function update({ _place: place, _shown_count: count, _current: current, progress: prog, status, view, _shown_selection: selection }) {
    const v = viewOf(view);
    attr(singleBtn, "aria-pressed", v === "single" ? "true" : "false");
    attr(gridBtn, "aria-pressed", v === "grid" ? "true" : "false");
    const several = v === "grid" && Array.isArray(selection) && selection.length > 0;
    const cur = current && current.id && !several ? current : null;
    setText(name, headerName(current, view, selection));
    name.title = cur ? (cur.name ?? cur.id) : "";
    const size = cur ? sizeText(cur.width, cur.height) : "";
    setText(dims, size);
    dims.hidden = !size;
    setText(position, positionText(place, count, prog));
    setText(save, saveText(status));
    save.classList.toggle("is-dirty", int(status && status.unsaved) > 0);
    const c = conflictText(status);
    setText(conflicts, c);
    conflicts.hidden = !c;
    const err = status && typeof status.error === "string" && status.error ? status.error : "";
    setText(error, err ? `Error: ${err}` : "");
    error.title = err;
    error.hidden = !err;
    const total = Math.max(0, int(prog && prog.total, int(count)));
    const tagged = Math.min(total, Math.max(0, int(prog && prog.tagged)));
    attr(progress, "aria-valuemax", String(total));
    attr(progress, "aria-valuenow", String(tagged));
    const reviewed = Math.max(0, int(prog && prog.reviewed));
    attr(progress, "aria-valuetext", `${tagged} of ${total} tagged, ${reviewed} reviewed`);
    progress.title = `${tagged} of ${total} tagged · ${reviewed} reviewed`;
    bar.style.width = total > 0 ? `${(100 * tagged) / total}%` : "0%";
  }

  return { el, update, saveButton: saveBtn };
}

/** createFooter({ act, step, status, setAutosave, getCurrent }) -> { el, update(state: ViewState) }
 *  step("prev" | "next") moves one image. */
export function createFooter({ act, step, status, setAutosave, getCurrent }) {
  const goto = h("input", {
    class: "ltw-input ltw-goto", type: "number", min: "1", step: "1", inputmode: "numeric",
    "aria-label": "Go to image number",
  });
  const of = h("span", { class: "ltw-of" });
  const reviewed = h("button", {
    type: "button", class: "ltw-btn ltw-review", "aria-pressed": "false", text: "Mark reviewed",
    onclick: () => {
      const cur = getCurrent();
      if (cur && cur.id) act("toggle_reviewed", { id: cur.id });
    },
  });
  const autosave = h("input", {
    type: "checkbox", class: "ltw-check-input",
    onchange: () => setAutosave(autosave.checked),
  });
  const navBtn = (label, text, onclick, title) => h("button", {
    type: "button", class: "ltw-btn", "aria-label": label, title, text, onclick,
  });
  const el = h("footer", { class: "ltw-footer" },
    h("div", { class: "ltw-nav" },
      navBtn("Previous image", "← Prev", () => step("prev"), "Previous image (←)"),
      navBtn("Next image", "Next →", () => step("next"), "Next image (→)"),
      navBtn("Next untagged image", "Next untagged", () => act("next_untagged", {}),
        "Next image without tags"),
      h("span", { class: "ltw-goto-wrap" }, h("span", { class: "ltw-muted", "aria-hidden": "true", text: "Go to" }), goto, of)),
    h("div", { class: "ltw-review-row" },
      reviewed,
      h("label", { class: "ltw-check" }, autosave, " ", h("span", { text: "Autosave" }))),
    h("p", { class: "ltw-hint", "aria-hidden": "true", text: HINTS.single }));
  const hint = el.lastChild;

  goto.addEventListener("keydown", (e) => {
    if (e.code !== "Enter" && e.code !== "NumpadEnter") return;
    e.preventDefault();
    const max = Number(goto.max) || 0;
    const n = Number(goto.value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      status.show(max > 0 ? `Enter an image number from 1 to ${max}.` : "There are no images.", "error");
      return;
    }
    act("goto", { index: n - 1 });
  });

  /** @param {import("../lib/model.js").ViewState} state */
  function update({ _place: place, _shown_count: count, _current: current, autosave: auto, view }) {
    const grid = viewOf(view) === "grid";
    setText(hint, HINTS[grid ? "grid" : "single"]);
    const n = Math.max(0, int(count));
    goto.max = String(Math.max(1, n));
    goto.disabled = n === 0;
    if (activeElement() !== goto) goto.value = n > 0 && int(place, -1) >= 0 ? String(int(place) + 1) : "";
    setText(of, `of ${n}`);
    const cur = current && current.id ? current : null;
    reviewed.disabled = !cur;
    attr(reviewed, "aria-pressed", cur && cur.reviewed ? "true" : "false");
    autosave.checked = !!auto;
    for (const b of el.querySelectorAll(".ltw-nav .ltw-btn")) b.disabled = n === 0;
  }

  return { el, update };
}
