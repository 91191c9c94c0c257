// The Export panel: copies of the data set in the layout a trainer wants (Civitai, ai-toolkit,
// kohya sd-scripts, or a renamed copy), with optional fixes on the copies. Python does the work
// in the background (request `export`) and reports it in the `_export` trait; this module checks
// only what is obviously missing or wrong in the form. Originals are never modified.

import "./export.css";
import { setText, activeElement } from "../../lib/dom.js";
import { panelKeys, showOpen } from "../panel.js";
import { pickScope } from "../scope.js";
import { exportElements } from "./elements.js";
import {
  TARGETS, FIXES, REPEATS_DEFAULT, destPlaceholder, scopeChoices, parseRepeats, buildExportRequest, destForTarget,
  configHint, readSettings, writeSettings, destHint, triggerTexts, outcomeOf, endNews,
} from "./logic.js";
import { count, obj, str, errorText } from "../../lib/format.js";

/** @typedef {ReturnType<typeof exportElements>} Ui */

/** What the panel knows now, shared by its parts, from the settings remembered. */
function exportState() {
  const settings = readSettings();
  return {
    settings,
    state: /** @type {any} */ ({}),
    target: settings.target,
    scope: "all",
    dests: { ...settings.dests },
    sending: false,
    disposed: false,
    lastPhase: /** @type {string | null} */ (null),
    refocus: /** @type {HTMLButtonElement | null} */ (null),
    copyTimer: /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined),
  };
}

/**
 * The form: target, destination, names, scope and fixes; shown from the state, read into values,
 * remembered in the settings.
 * @param {Ui} ui
 * @param {ReturnType<typeof exportState>} s
 */
function createExportForm(ui, s) {
  const { targetRadios, dest, repeats, name, prefix, fixBoxes, replace, scopeGroup } = ui;
  targetRadios[s.target].checked = true;
  dest.value = s.dests[s.target] || "";
  repeats.value = String(s.settings.repeats);
  name.value = s.settings.name;
  prefix.value = s.settings.prefix;
  for (const fix of FIXES) fixBoxes[fix.key].checked = s.settings.fixes[fix.key];

  function values() {
    return {
      target: s.target, dest: dest.value, replace: replace.checked, scope: s.scope,
      fixes: Object.fromEntries(FIXES.map(({ key }) => [key, fixBoxes[key].checked])),
      repeats: repeats.value, name: name.value, prefix: prefix.value,
    };
  }

  function save() {
    s.dests[s.target] = dest.value.trim();
    if (!s.dests[s.target]) delete s.dests[s.target];
    const f = values();
    writeSettings({
      target: s.target, dests: s.dests, fixes: f.fixes, repeats: parseRepeats(f.repeats) ?? REPEATS_DEFAULT,
      name: f.name.trim(), prefix: f.prefix.trim(),
    });
  }

  function showTarget() {
    for (const t of TARGETS) targetRadios[t.value].checked = t.value === s.target;
    dest.placeholder = destPlaceholder(s.target);
    setText(ui.destHint, destHint(s.target));
    ui.kohyaOptions.hidden = s.target !== "kohya";
    ui.renamedOptions.hidden = s.target !== "renamed";
  }

  function showTrigger() {
    const t = triggerTexts(str(s.state.trigger).trim(), { repeats: repeats.value, name: name.value, prefix: prefix.value });
    setText(ui.triggerNote, t.note);
    ui.triggerNote.classList.toggle("is-missing", t.missing);
    name.placeholder = t.fallback;
    prefix.placeholder = t.fallback;
    setText(ui.kohyaHint, t.kohya);
    setText(ui.renamedHint, t.renamed);
  }

  function showScopes() {
    const choices = scopeChoices(s.state);
    s.scope = pickScope(choices, s.scope);
    scopeGroup.show(choices, s.scope);
  }

  return { values, save, showTarget, showTrigger, showScopes };
}

/**
 * The outcome: progress while an export runs, its summary, error and configuration after; news of
 * an export that ended while the panel is closed goes to the status line.
 * @param {Ui} ui
 * @param {ReturnType<typeof exportState>} s
 * @param {import("../../shell/status.js").Status | undefined} status
 */
function createExportOutcome(ui, s, status) {
  const { progress, config, copyNote } = ui;
  function show() {
    const exp = obj(s.state._export);
    const out = outcomeOf(exp);
    progress.el.hidden = !out.running;
    if (out.running) progress.show({ done: count(exp.done), total: count(exp.total), text: out.progress });
    setText(ui.summary, out.summary); // kept in place (not hidden): a live region that appears may not be read
    setText(ui.failed, out.error);
    ui.failed.hidden = !out.error;
    ui.configBox.hidden = out.config === null;
    if (out.config !== null && config.value !== out.config) {
      config.value = out.config;
      setText(copyNote, "");
    }
    setText(ui.configNote, out.config === null ? "" : configHint(out.config));
    const news = ui.body.hidden && status ? endNews(s.lastPhase, exp.phase, out) : null;
    if (news) status.show(news.message, news.level);
    s.lastPhase = exp.phase ?? null;
  }

  async function copy() {
    const text = config.value;
    let ok = false;
    try {
      if (globalThis.navigator?.clipboard?.writeText) {
        await globalThis.navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (s.disposed) return;
    if (!ok) {
      config.focus();
      config.select();
    }
    setText(copyNote, ok ? "Copied." : "Could not copy: the text is selected, press Ctrl+C.");
    clearTimeout(s.copyTimer);
    s.copyTimer = setTimeout(() => setText(copyNote, ""), 4000);
  }

  return { show, copy };
}

/**
 * The Export button: off while an export is sent or runs, or with no destination; a button
 * disabled under the keyboard focus gets it back when it is on again.
 * @param {Ui} ui
 * @param {ReturnType<typeof exportState>} s
 */
function createExportButton({ el, exportBtn, dest }, s) {
  const running = () => obj(s.state._export).phase === "running";
  function setDisabled(button, off) {
    if (off && !button.disabled && activeElement() === button) {
      s.refocus = button;
      el.focus({ preventScroll: true });
    }
    button.disabled = off;
    if (!off && s.refocus === button && activeElement() === el) {
      s.refocus = null;
      button.focus({ preventScroll: true });
    }
  }
  function refresh() {
    setDisabled(exportBtn, s.sending || running() || !dest.value.trim());
    el.setAttribute("aria-busy", s.sending || running() ? "true" : "false");
  }
  return { running, refresh };
}

/**
 * The form's events: submit exports, a new target swaps the destination, edits clear the error and
 * are remembered.
 * @param {Ui} ui
 * @param {ReturnType<typeof exportState>} s
 * @param {{ form: ReturnType<typeof createExportForm>, button: ReturnType<typeof createExportButton>,
 *   showError: (message: string) => void, submit: () => void }} parts
 */
function wireExportForm(ui, s, { form, button, showError, submit }) {
  const { targetRadios, dest, repeats, name, prefix, replace, scopeGroup, formNotice } = ui;
  ui.form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  for (const t of TARGETS) {
    targetRadios[t.value].addEventListener("change", () => {
      if (!targetRadios[t.value].checked || t.value === s.target) return;
      const typed = dest.value.trim();
      if (typed) s.dests[s.target] = typed;
      s.target = t.value;
      dest.value = destForTarget(dest.value, s.target, s.dests);
      showError("");
      setText(formNotice, "");
      form.showTarget();
      button.refresh();
      form.save();
    });
  }
  for (const radio of Object.values(scopeGroup.radios)) {
    radio.addEventListener("change", () => {
      if (radio.checked) s.scope = radio.value;
      showError("");
    });
  }
  ui.form.addEventListener("input", (e) => {
    if (e.target === dest || e.target === repeats || e.target === name || e.target === prefix) {
      showError("");
      if (e.target === dest) setText(formNotice, "");
      if (e.target !== dest) form.showTrigger();
      button.refresh();
    }
  });
  ui.form.addEventListener("change", (e) => {
    if (e.target !== replace && !scopeGroup.el.contains(e.target)) form.save();
  });
}

/**
 * createExport({ request, status }) -> { el, update(state), open(), close(), isOpen(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc)
 *   status.show(message, level)  (optional: news of an export that ends while the panel is closed)
 * state: _export, trigger, progress ({ total, all, filtered }), _shown_selection.
 * @param {{ request: import("../../lib/rpc.js").Request, status?: import("../../shell/status.js").Status }} options
 */
export function createExport({ request, status }) {
  const ui = exportElements();
  const { toggle, body, el, dest, formError, formNotice } = ui;
  const s = exportState();
  const form = createExportForm(ui, s);
  const outcome = createExportOutcome(ui, s, status);
  const button = createExportButton(ui, s);

  function showError(message) {
    setText(formError, message || "");
    formError.hidden = !message;
  }

  function refresh() {
    if (s.disposed) return;
    form.showTarget();
    form.showTrigger();
    form.showScopes();
    outcome.show();
    button.refresh();
  }

  async function submit() {
    if (s.disposed || s.sending || button.running()) return;
    showError("");
    setText(formNotice, "");
    const built = buildExportRequest(form.values(), s.state);
    if (built.error) {
      showError(built.error);
      return;
    }
    if (built.fields.dest !== dest.value.trim()) dest.value = built.fields.dest;
    setText(formNotice, built.notice || "");
    form.save();
    s.sending = true;
    button.refresh();
    try {
      await request("export", built.fields);
    } catch (err) {
      if (s.disposed || (err && err.disposed)) return;
      const message = errorText(err);
      showError(message);
      if (body.hidden && status) status.show(message, "error");
    } finally {
      if (!s.disposed) {
        s.sending = false;
        button.refresh();
      }
    }
  }

  /** Show the panel and focus its first control. */
  function open() {
    if (s.disposed) return;
    showOpen(toggle, body, true);
    refresh();
    ui.targetRadios[s.target].focus({ preventScroll: false });
  }

  /** Collapse the panel; focus goes to the toggle when it was inside. */
  function close() {
    if (body.hidden) return;
    const hadFocus = body.contains(activeElement()) || activeElement() === el;
    showOpen(toggle, body, false);
    s.refocus = null;
    if (hadFocus) toggle.focus({ preventScroll: true });
  }

  toggle.addEventListener("click", () => {
    if (body.hidden) {
      showOpen(toggle, body, true);
      refresh();
    } else {
      close();
    }
  });
  wireExportForm(ui, s, { form, button, showError, submit });
  ui.copyBtn.addEventListener("click", () => outcome.copy());
  panelKeys(el, { body, isOpen: () => !body.hidden, close });

  function update(next) {
    if (s.disposed) return;
    s.state = obj(next);
    refresh();
  }

  function dispose() {
    s.disposed = true;
    clearTimeout(s.copyTimer);
    s.refocus = null;
    el.remove();
  }

  refresh();
  return { el, update, open, close, isOpen: () => !body.hidden, dispose };
}
