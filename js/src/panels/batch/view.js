// The batch edit panel: one operation on the captions of all, the filtered, the selected images
// or this image, previewed (how many images change, which tags come and go, a few examples)
// before it is applied. Python validates the operation (lora_tagger_widget/_batch.py) and says
// what is wrong with it; this module only checks for obviously missing input.

import "./batch.css";
import { h, setText, activeElement } from "../../lib/dom.js";
import { panelKeys } from "../panel.js";
import { defaultScope, pickScope } from "../scope.js";
import { batchElements, drawPreview } from "./elements.js";
import {
  SCOPES, SCOPE_FALLBACKS, TAG_LABELS, KIND_HINTS, FIELDS, buildOperation, fieldsFromOperation,
  scopeChoices, scopeBasis, sameRequest, skippedText, doneText, historyKey, doneMark, followDone,
  kindOf, triggerNote, buttonStates, firstField, renameSelection,
} from "./logic.js";
import { fmt, count, obj, errorText } from "../../lib/format.js";

/** @typedef {ReturnType<typeof batchElements>} Ui */

/** What the panel knows now, shared by its parts. */
function batchState() {
  return {
    state: /** @type {any} */ ({}),
    kind: "add",
    scope: "all",
    /** @type {{ request: any, basis: string, reply: any } | null} */
    preview: null, // the results show
    /** @type {{ before: string, after: string | null } | null} */
    done: null, // while the "Done" line shows: its mark in the history (doneMark)
    busy: false,
    opener: /** @type {any} */ (null),
    disposed: false,
    refocus: /** @type {HTMLButtonElement | null} */ (null), // a button that had focus when it was disabled
  };
}

/**
 * The form: the operation, its fields, the trigger word line and the scope, read into a request
 * and preset from an operation.
 * @param {Ui} ui
 * @param {ReturnType<typeof batchState>} s
 */
function createBatchForm(ui, s) {
  const { kindSelect, kindHint, controls, tagsLabel, fieldEls, triggerNote: note, scopeGroup } = ui;
  const trigger = () => (typeof s.state.trigger === "string" ? s.state.trigger.trim() : "");

  function formFields() {
    return {
      tags: controls.tags.value, where: controls.where.value, renames: controls.renames.value,
      pattern: controls.pattern.value, replacement: controls.replacement.value, target: controls.target.value,
      order: controls.order.value, ignoreCase: controls.ignoreCase.checked, trigger: trigger(),
    };
  }

  /** { request: { operation, scope } } or { error } for the form as it is. */
  function currentRequest() {
    const built = buildOperation(s.kind, formFields());
    if (built.error) return built;
    return { request: { operation: built.operation, scope: s.scope } };
  }

  /** Does the preview shown answer the form as it is? */
  function matches() {
    if (!s.preview) return false;
    const now = currentRequest();
    return !!now.request && sameRequest(now.request, s.preview.request) && s.preview.basis === scopeBasis(s.state, s.scope);
  }

  function showKind() {
    const shown = new Set(FIELDS[s.kind]);
    for (const [key, node] of Object.entries(fieldEls)) node.hidden = !shown.has(key);
    setText(tagsLabel, TAG_LABELS[s.kind] || "Tags");
    setText(kindHint, KIND_HINTS[s.kind] || "");
    kindHint.hidden = !KIND_HINTS[s.kind];
    controls.ignoreCase.title = s.kind === "trigger"
      ? "CLIP lowercases text, so for SD 1.5 and SDXL OHWX and ohwx are the same token" : "";
  }

  function showTrigger() {
    const line = triggerNote(s.kind, trigger());
    note.classList.toggle("is-missing", line.missing);
    setText(note, line.text);
    note.hidden = line.hidden;
  }

  function showScopes() {
    const choices = scopeChoices(s.state);
    s.scope = defaultScope(choices, s.state, s.scope);
    scopeGroup.show(choices, s.scope, (c) => (c.value === "current" ? "" : `(${fmt(c.count)})`));
  }

  function setKind(value) {
    s.kind = kindOf(value);
    kindSelect.value = s.kind;
    showKind();
  }

  /** Fill the form from `operation`; returns its kind. */
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
    const key = firstField(presetKind);
    const target = key ? controls[key] : kindSelect;
    target.focus({ preventScroll: false });
    if (target === controls.renames) {
      const [start, end] = renameSelection(target.value);
      target.setSelectionRange(start, end);
    } else if (target !== kindSelect && typeof target.setSelectionRange === "function") {
      target.setSelectionRange(target.value.length, target.value.length);
    }
  }

  return { trigger, currentRequest, matches, showKind, showTrigger, showScopes, setKind, preset, focusFirst };
}

/**
 * The buttons, the error line and the results as the panel's state says; a button disabled under
 * the keyboard focus hands it back when it can.
 * @param {Ui} ui
 * @param {ReturnType<typeof batchState>} s
 * @param {ReturnType<typeof createBatchForm>} form
 */
function createBatchLook(ui, s, form) {
  const { el, previewBtn, applyBtn, stale, results, error, headline, details, scopeGroup } = ui;

  /** Disable a button without losing the keyboard focus that was on it. */
  function setDisabled(button, off) {
    if (off && !button.disabled && activeElement() === button) {
      s.refocus = button;
      el.focus({ preventScroll: true });
    }
    button.disabled = off;
  }

  function refreshButtons() {
    const fresh = form.matches();
    const look = buttonStates({
      busy: s.busy, scopeOk: !scopeGroup.radios[s.scope].disabled, needsTrigger: s.kind === "trigger" && !form.trigger(),
      fresh, changes: s.preview ? count(s.preview.reply.changes) : 0,
    });
    setDisabled(previewBtn, look.previewOff);
    setDisabled(applyBtn, look.applyOff);
    setText(applyBtn, look.applyText);
    stale.hidden = !s.preview || fresh;
    results.classList.toggle("is-stale", !!s.preview && !fresh);
    el.setAttribute("aria-busy", s.busy ? "true" : "false");
    if (s.refocus && activeElement() === el) {
      const back = !s.refocus.disabled ? s.refocus : !previewBtn.disabled ? previewBtn : null;
      if (back) {
        back.focus({ preventScroll: true });
        s.refocus = null;
      }
    } else if (s.refocus && activeElement() !== el) s.refocus = null;
  }

  function refresh() {
    form.showScopes();
    form.showTrigger();
    refreshButtons();
  }

  function showError(message) {
    setText(error, message || "");
    error.hidden = !message;
  }

  function renderPreview() {
    if (!s.preview) details.replaceChildren();
    else drawPreview(headline, details, s.preview.reply);
  }

  /** No results: no headline, no details. */
  function clearResults() {
    setText(headline, "");
    details.replaceChildren();
  }

  return { refreshButtons, refresh, showError, renderPreview, clearResults };
}

/**
 * The two requests: batch_preview for the form as it is, batch_apply of the previewed operation.
 * @param {Ui} ui
 * @param {ReturnType<typeof batchState>} s
 * @param {{ form: ReturnType<typeof createBatchForm>, look: ReturnType<typeof createBatchLook>,
 *   request: Function, status: any, onApplied: Function | null }} parts
 */
function createBatchRequests(ui, s, { form, look, request, status, onApplied }) {
  const { el, headline, details } = ui;

  function report(message, isError) {
    look.showError(isError ? message : "");
    if (el.hidden && status) status.show(message, isError ? "error" : "info");
  }

  /** Send `fields` as `type` with the buttons off; the outcome goes to onReply, a failure to the error line. */
  async function send(type, fields, onReply, onFailure = () => {}) {
    s.busy = true;
    look.refreshButtons();
    try {
      const { reply } = await request(type, fields);
      if (s.disposed) return;
      onReply(obj(reply));
    } catch (err) {
      if (s.disposed || (err && err.disposed)) return;
      onFailure();
      report(errorText(err), true);
    } finally {
      if (!s.disposed) {
        s.busy = false;
        look.refreshButtons();
      }
    }
  }

  async function runPreview() {
    if (s.busy || s.disposed) return;
    s.done = null;
    look.showError("");
    const built = form.currentRequest();
    if (built.error) {
      look.showError(built.error);
      return;
    }
    const basis = scopeBasis(s.state, s.scope);
    await send("batch_preview", built.request, (reply) => {
      s.preview = { request: built.request, basis, reply };
      look.renderPreview();
    }, () => {
      s.preview = null;
      setText(headline, "");
      look.renderPreview();
    });
  }

  async function apply() {
    if (s.busy || s.disposed || ui.applyBtn.disabled || !form.matches()) return;
    const before = historyKey(s.state._history);
    look.showError("");
    await send("batch_apply", s.preview.request, (r) => {
      s.preview = null;
      look.renderPreview();
      const line = doneText(r);
      const skipped = skippedText(r.skipped);
      setText(headline, line);
      if (skipped) details.replaceChildren(h("p", { class: "ltw-batch-skipped", text: skipped }));
      s.done = doneMark(before, historyKey(s.state._history), count(r.changes));
      if (el.hidden && status) status.show(line);
      if (onApplied) onApplied(r);
    });
  }

  return { runPreview, apply };
}

/**
 * The form's events: submit previews, a change of operation, scope or field marks the preview stale.
 * @param {Ui} ui
 * @param {ReturnType<typeof batchState>} s
 * @param {{ form: ReturnType<typeof createBatchForm>, look: ReturnType<typeof createBatchLook>,
 *   requests: ReturnType<typeof createBatchRequests>, close: () => void }} parts
 */
function wireBatchEvents(ui, s, { form, look, requests, close }) {
  const { el, form: formEl, kindSelect, scopeGroup, controls } = ui;
  const changed = () => {
    look.showError("");
    look.refreshButtons();
  };
  ui.applyBtn.addEventListener("click", () => requests.apply());
  ui.closeBtn.addEventListener("click", () => close());
  formEl.addEventListener("submit", (e) => {
    e.preventDefault();
    requests.runPreview();
  });
  kindSelect.addEventListener("change", () => {
    s.kind = kindOf(kindSelect.value);
    form.showKind();
    form.showTrigger();
    changed();
  });
  for (const radio of Object.values(scopeGroup.radios)) {
    radio.addEventListener("change", () => {
      if (radio.checked) s.scope = radio.value;
      changed();
    });
  }
  formEl.addEventListener("input", (e) => {
    if (e.target !== kindSelect && !scopeGroup.el.contains(e.target)) changed();
  });
  controls.renames.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation();
      requests.runPreview();
    }
  });
  panelKeys(el, { isOpen: () => !el.hidden, close });
}

/**
 * createBatch({ request, status, onApplied })
 *   request(type, fields) -> Promise<{ reply }> (rejects with Python's sentence)
 *   status: { show(message, level) } for outcomes that arrive after the panel was closed
 *   onApplied(reply): after a batch_apply succeeded
 * -> { el, open({ scope, operation }), close(), isOpen(), update(state), dispose() }
 * state: progress {all, total, filtered}, _shown_selection, _current {id}, trigger, filter.
 * @param {{ request: import("../../lib/rpc.js").Request, status?: import("../../shell/status.js").Status | null,
 *   onApplied?: ((reply: any) => void) | null }} options
 */
export function createBatch({ request, status = null, onApplied = null }) {
  const ui = batchElements();
  const { el } = ui;
  const s = batchState();
  const form = createBatchForm(ui, s);
  const look = createBatchLook(ui, s, form);
  const requests = createBatchRequests(ui, s, { form, look, request, status, onApplied });
  wireBatchEvents(ui, s, { form, look, requests, close });

  /** open({ scope, operation }): show the panel (preset when given) and focus its first control. */
  function open(opts = {}) {
    if (s.disposed) return;
    const o = obj(opts);
    const active = activeElement();
    if (active && !el.contains(active)) s.opener = active; // else: opened again from inside
    let presetKind = null;
    if (o.operation && typeof o.operation === "object") {
      presetKind = form.preset(o.operation);
      s.preview = null;
      s.done = null;
      setText(ui.headline, "");
      look.renderPreview();
    }
    const choices = scopeChoices(s.state);
    s.scope = SCOPES.includes(o.scope) ? pickScope(choices, o.scope, SCOPE_FALLBACKS)
      : defaultScope(choices, s.state, el.hidden ? ui.scopeGroup.chosen : s.scope);
    look.showError("");
    el.hidden = false;
    look.refresh();
    form.focusFirst(presetKind);
  }

  /** Hide the panel; focus goes back to what had it before open() when the focus was inside. */
  function close() {
    if (el.hidden) return;
    const hadFocus = el.contains(activeElement());
    el.hidden = true;
    s.refocus = null;
    const back = s.opener;
    s.opener = null;
    if (!hadFocus) return;
    if (back && back.isConnected && typeof back.focus === "function" && back.getClientRects().length) {
      back.focus({ preventScroll: true });
    } else {
      const root = el.closest(".ltw-root");
      if (root) root.focus({ preventScroll: true });
    }
  }

  function update(next) {
    if (s.disposed) return;
    s.state = obj(next);
    if (s.done) {
      s.done = followDone(s.done, historyKey(s.state._history));
      if (!s.done) look.clearResults(); // undone, redone or followed by another edit: the line no longer holds
    }
    look.refresh();
  }

  function dispose() {
    s.disposed = true;
    s.opener = null;
    s.refocus = null;
    el.remove();
  }

  form.setKind("add");
  look.refresh();

  return { el, open, close, isOpen: () => !el.hidden, update, dispose };
}
