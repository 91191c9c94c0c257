// The batch edit panel: one operation on the captions of all, the filtered, the selected images
// or this image, previewed (how many images change, which tags come and go, a few examples)
// before it is applied. Python validates the operation (lora_tagger_widget/_batch.py) and says
// what is wrong with it; this module only checks for obviously missing input.

import "./batch.css";
import { h, isolate, setText } from "../../lib/dom.js";
import { panelKeys } from "../panel.js";
import { defaultScope, pickScope } from "../scope.js";
import { batchElements, drawPreview } from "./elements.js";
import {
  PARAMETERS, SCOPES, SCOPE_FALLBACKS, TAG_LABELS, KIND_HINTS, FIELDS, buildOperation, fieldsFromOperation,
  scopeChoices, scopeBasis, sameRequest, skippedText, doneText, historyKey, doneMark, followDone,
} from "./logic.js";
import { fmt, plural, count, obj, has, errorText } from "../../lib/format.js";

/**
 * createBatch({ request, status, onApplied })
 *   request(type, fields) -> Promise<{ reply }> (rejects with Python's sentence)
 *   status: { show(message, level) } for outcomes that arrive after the panel was closed
 *   onApplied(reply): after a batch_apply succeeded
 * -> { el, open({ scope, operation }), close(), isOpen(), update(state), dispose() }
 * state: progress {all, total, filtered}, _shown_selection, _current {id}, trigger, filter.
 */
export function createBatch({ request, status = null, onApplied = null }) {
  const { kindSelect, kindHint, controls, tagsLabel, fieldEls, triggerNote, scopeGroup, previewBtn, applyBtn, closeBtn, error, form, headline, stale, details, results, el } = batchElements();
  applyBtn.addEventListener("click", () => apply());
  closeBtn.addEventListener("click", () => close());

  let state = {};
  let kind = "add";
  let scope = "all";
  let preview = null; // { request, basis, reply } the results show
  let done = null; // while the "Done" line shows: its mark in the history (doneMark)
  let busy = false;
  let opener = null;
  let disposed = false;
  let refocus = null; // a button that had focus when it was disabled

  // ---- form ---------------------------------------------------------------------------------
  function trigger() {
    return typeof state.trigger === "string" ? state.trigger.trim() : "";
  }

  function formFields() {
    return {
      tags: controls.tags.value, where: controls.where.value, renames: controls.renames.value,
      pattern: controls.pattern.value, replacement: controls.replacement.value, target: controls.target.value,
      order: controls.order.value, ignoreCase: controls.ignoreCase.checked, trigger: trigger(),
    };
  }

  /** { request: { operation, scope } } or { error } for the form as it is. */
  function currentRequest() {
    const built = buildOperation(kind, formFields());
    if (built.error) return built;
    return { request: { operation: built.operation, scope } };
  }

  function showKind() {
    const shown = new Set(FIELDS[kind]);
    for (const [key, node] of Object.entries(fieldEls)) node.hidden = !shown.has(key);
    setText(tagsLabel, TAG_LABELS[kind] || "Tags");
    setText(kindHint, KIND_HINTS[kind] || "");
    kindHint.hidden = !KIND_HINTS[kind];
    controls.ignoreCase.title = kind === "trigger"
      ? "CLIP lowercases text, so for SD 1.5 and SDXL OHWX and ohwx are the same token" : "";
  }

  function showTrigger() {
    const word = trigger();
    triggerNote.classList.toggle("is-missing", kind === "trigger" && !word);
    if (kind === "trigger") {
      setText(triggerNote, word ? `Trigger word: ${isolate(word)} — put first in each caption`
        : "No trigger word is set. Set the trigger word first; this operation puts it first in each caption.");
      triggerNote.hidden = false;
    } else {
      setText(triggerNote, word ? `Trigger word: ${isolate(word)} — kept first` : "");
      triggerNote.hidden = !word;
    }
  }

  function showScopes() {
    const choices = scopeChoices(state);
    scope = defaultScope(choices, state, scope);
    scopeGroup.show(choices, scope, (c) => (c.value === "current" ? "" : `(${fmt(c.count)})`));
  }

  function matches() {
    if (!preview) return false;
    const now = currentRequest();
    return !!now.request && sameRequest(now.request, preview.request) && preview.basis === scopeBasis(state, scope);
  }

  /** Disable a button without losing the keyboard focus that was on it. */
  function setDisabled(button, off) {
    if (off && !button.disabled && document.activeElement === button) {
      refocus = button;
      el.focus({ preventScroll: true });
    }
    button.disabled = off;
  }

  function refreshButtons() {
    const scopeOk = !scopeGroup.radios[scope].disabled;
    const needsTrigger = kind === "trigger" && !trigger();
    const fresh = matches();
    const changes = preview ? count(preview.reply.changes) : 0;
    setDisabled(previewBtn, busy || !scopeOk || needsTrigger);
    setDisabled(applyBtn, busy || !scopeOk || !fresh || changes === 0);
    setText(applyBtn, fresh && changes > 0 ? `Apply to ${plural(changes, "image", "images")}` : "Apply");
    stale.hidden = !preview || fresh;
    results.classList.toggle("is-stale", !!preview && !fresh);
    el.setAttribute("aria-busy", busy ? "true" : "false");
    if (refocus && document.activeElement === el) {
      const back = !refocus.disabled ? refocus : !previewBtn.disabled ? previewBtn : null;
      if (back) {
        back.focus({ preventScroll: true });
        refocus = null;
      }
    } else if (refocus && document.activeElement !== el) refocus = null;
  }

  function refresh() {
    showScopes();
    showTrigger();
    refreshButtons();
  }

  function showError(message) {
    setText(error, message || "");
    error.hidden = !message;
  }

  function renderPreview() {
    if (!preview) details.replaceChildren();
    else drawPreview(headline, details, preview.reply);
  }

  // ---- requests -----------------------------------------------------------------------------
  async function runPreview() {
    if (busy || disposed) return;
    done = null;
    showError("");
    const built = currentRequest();
    if (built.error) {
      showError(built.error);
      return;
    }
    const basis = scopeBasis(state, scope);
    busy = true;
    refreshButtons();
    try {
      const { reply } = await request("batch_preview", built.request);
      if (disposed) return;
      preview = { request: built.request, basis, reply: obj(reply) };
      renderPreview();
    } catch (err) {
      if (disposed || (err && err.disposed)) return;
      preview = null;
      setText(headline, "");
      renderPreview();
      report(errorText(err), true);
    } finally {
      if (!disposed) {
        busy = false;
        refreshButtons();
      }
    }
  }

  async function apply() {
    if (busy || disposed || applyBtn.disabled || !matches()) return;
    const sent = preview.request;
    const before = historyKey(state._history);
    showError("");
    busy = true;
    refreshButtons();
    try {
      const { reply } = await request("batch_apply", sent);
      if (disposed) return;
      preview = null;
      renderPreview();
      const r = obj(reply);
      const line = doneText(r);
      const skipped = skippedText(r.skipped);
      setText(headline, line);
      if (skipped) details.replaceChildren(h("p", { class: "ltw-batch-skipped", text: skipped }));
      done = doneMark(before, historyKey(state._history), count(r.changes));
      if (el.hidden && status) status.show(line);
      if (onApplied) onApplied(r);
    } catch (err) {
      if (disposed || (err && err.disposed)) return;
      report(errorText(err), true);
    } finally {
      if (!disposed) {
        busy = false;
        refreshButtons();
      }
    }
  }

  function report(message, isError) {
    showError(isError ? message : "");
    if (el.hidden && status) status.show(message, isError ? "error" : "info");
  }

  // ---- events -------------------------------------------------------------------------------
  function changed() {
    showError("");
    refreshButtons();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    runPreview();
  });
  kindSelect.addEventListener("change", () => {
    kind = has(PARAMETERS, kindSelect.value) ? kindSelect.value : "add";
    showKind();
    showTrigger();
    changed();
  });
  for (const radio of Object.values(scopeGroup.radios)) {
    radio.addEventListener("change", () => {
      if (radio.checked) scope = radio.value;
      changed();
    });
  }
  form.addEventListener("input", (e) => {
    if (e.target !== kindSelect && !scopeGroup.el.contains(e.target)) changed();
  });
  controls.renames.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation();
      runPreview();
    }
  });
  panelKeys(el, { isOpen: () => !el.hidden, close });

  // ---- API ----------------------------------------------------------------------------------
  function setKind(value) {
    kind = has(PARAMETERS, value) ? value : "add";
    kindSelect.value = kind;
    showKind();
  }

  function preset(operation) {
    const { kind: k, fields } = fieldsFromOperation(operation);
    setKind(k);
    controls.tags.value = fields.tags ?? "";
    controls.renames.value = fields.renames ?? "";
    controls.pattern.value = fields.pattern ?? "";
    controls.replacement.value = fields.replacement ?? "";
    if (fields.where) controls.where.value = fields.where;
    if (fields.target) controls.target.value = fields.target;
    if (fields.order) controls.order.value = fields.order;
    controls.ignoreCase.checked = !!fields.ignoreCase;
    return k;
  }

  function focusFirst(presetKind) {
    let target = kindSelect;
    if (presetKind) {
      const key = FIELDS[presetKind].find((k) => k !== "ignoreCase" && k !== "where");
      if (key) target = controls[key];
    }
    target.focus({ preventScroll: false });
    if (target === controls.renames) {
      // One preset line "old -> new": select the new tag, ready to be typed over.
      const text = target.value;
      const lines = text.split("\n");
      const m = lines.length === 1 ? /(->|\u2192)\s*/.exec(text) : null;
      if (m) target.setSelectionRange(m.index + m[0].length, text.length);
      else target.setSelectionRange(text.length, text.length);
    } else if (target !== kindSelect && typeof target.setSelectionRange === "function") {
      target.setSelectionRange(target.value.length, target.value.length);
    }
  }

  /** open({ scope, operation }): show the panel (preset when given) and focus its first control. */
  function open(opts = {}) {
    if (disposed) return;
    const o = obj(opts);
    const active = document.activeElement;
    if (active && !el.contains(active)) opener = active; // else: opened again from inside
    let presetKind = null;
    if (o.operation && typeof o.operation === "object") {
      presetKind = preset(o.operation);
      preview = null;
      done = null;
      setText(headline, "");
      renderPreview();
    }
    const choices = scopeChoices(state);
    scope = SCOPES.includes(o.scope) ? pickScope(choices, o.scope, SCOPE_FALLBACKS)
      : defaultScope(choices, state, el.hidden ? scopeGroup.chosen : scope);
    showError("");
    el.hidden = false;
    refresh();
    focusFirst(presetKind);
  }

  /** Hide the panel; focus goes back to what had it before open() when the focus was inside. */
  function close() {
    if (el.hidden) return;
    const hadFocus = el.contains(document.activeElement);
    el.hidden = true;
    refocus = null;
    const back = opener;
    opener = null;
    if (!hadFocus) return;
    if (back && back.isConnected && typeof back.focus === "function" && back.getClientRects().length) {
      back.focus({ preventScroll: true });
    } else {
      const root = el.closest(".ltw-root");
      if (root) root.focus({ preventScroll: true });
    }
  }

  function update(next) {
    if (disposed) return;
    state = obj(next);
    if (done) {
      done = followDone(done, historyKey(state._history));
      if (!done) { // undone, redone or followed by another edit: the line no longer holds
        setText(headline, "");
        details.replaceChildren();
      }
    }
    refresh();
  }

  function dispose() {
    disposed = true;
    opener = null;
    refocus = null;
    el.remove();
  }

  setKind("add");
  refresh();

  return { el, open, close, isOpen: () => !el.hidden, update, dispose };
}
