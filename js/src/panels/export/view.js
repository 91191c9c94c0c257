// The Export panel: copies of the data set in the layout a trainer wants (Civitai, ai-toolkit,
// kohya sd-scripts, or a renamed copy), with optional fixes on the copies. Python does the work
// in the background (request `export`) and reports it in the `_export` trait; this module checks
// only what is obviously missing or wrong in the form. Originals are never modified.

import "./export.css";
import { h, isolate, setText, uniqueId } from "../../lib/dom.js";
import { panelKeys, panelToggle, showOpen, showProgress } from "../panel.js";
import { createScopeGroup, pickScope } from "../scope.js";
import {
  TARGETS, FIXES, SCOPES, REPEATS_DEFAULT, REPEATS_MAX, destPlaceholder, scopeChoices, parseRepeats, buildExportRequest, destForTarget, progressText, configHint, readSettings, writeSettings,
} from "./logic.js";
import { count, obj, str, errorText } from "../../lib/format.js";

/**
 * createExport({ request, status }) -> { el, update(state), open(), close(), isOpen(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc)
 *   status.show(message, level)  (optional: news of an export that ends while the panel is closed)
 * state: _export, trigger, progress ({ total, all, filtered }), _shown_selection.
 * @param {{ request: import("../../lib/rpc.js").Request, status?: import("../../shell/status.js").Status }} options
 */
export function createExport({ request, status }) {
  const settings = readSettings();
  const ids = {};
  for (const key of ["body", "dest", "destHint", "repeats", "name", "prefix", "replace", "replaceHint", "config", "configHint"]) {
    ids[key] = uniqueId(`ltw-exp-${key}`);
  }

  const toggle = panelToggle("ltw-exp-toggle", ids.body, "Export");

  // ---- target ---------------------------------------------------------------------------------
  const targetName = uniqueId("ltw-exp-target");
  const targetRadios = {};
  const targetGroup = h("div", { class: "ltw-exp-targets", role: "radiogroup", "aria-label": "Export for" },
    h("span", { class: "ltw-exp-title", "aria-hidden": "true", text: "Export for" }),
    TARGETS.map((t) => {
      const id = uniqueId(`ltw-exp-t-${t.value}`);
      const descId = uniqueId(`ltw-exp-td-${t.value}`);
      targetRadios[t.value] = h("input", { type: "radio", name: targetName, value: t.value, id, "aria-describedby": descId });
      return h("div", { class: "ltw-exp-target" },
        targetRadios[t.value],
        h("label", { for: id, class: "ltw-exp-target-label", text: t.label }),
        h("span", { class: "ltw-exp-target-desc ltw-muted", id: descId, text: t.description }));
    }));

  // ---- destination and per-target options -----------------------------------------------------
  const dest = h("input", {
    type: "text", class: "ltw-input ltw-exp-dest", id: ids.dest, "aria-label": "Destination",
    "aria-describedby": ids.destHint, autocomplete: "off", spellcheck: "false",
  });
  const destHint = h("p", { class: "ltw-exp-hint ltw-muted", id: ids.destHint });
  const repeats = h("input", {
    type: "number", class: "ltw-input ltw-exp-repeats", id: ids.repeats, min: "1", max: String(REPEATS_MAX), step: "1",
    inputmode: "numeric",
  });
  const name = h("input", { type: "text", class: "ltw-input", id: ids.name, autocomplete: "off", spellcheck: "false" });
  const prefix = h("input", { type: "text", class: "ltw-input", id: ids.prefix, autocomplete: "off", spellcheck: "false" });
  const kohyaHint = h("p", { class: "ltw-exp-hint ltw-muted" });
  const renamedHint = h("p", { class: "ltw-exp-hint ltw-muted" });
  const kohyaOptions = h("div", { class: "ltw-exp-options", "data-target": "kohya" },
    h("div", { class: "ltw-exp-field ltw-exp-narrow" }, h("label", { for: ids.repeats, text: "Repeats" }), repeats),
    h("div", { class: "ltw-exp-field" }, h("label", { for: ids.name, text: "Name" }), name),
    kohyaHint);
  const renamedOptions = h("div", { class: "ltw-exp-options", "data-target": "renamed" },
    h("div", { class: "ltw-exp-field" }, h("label", { for: ids.prefix, text: "File name prefix" }), prefix),
    renamedHint);

  // ---- scope ----------------------------------------------------------------------------------
  const scopeGroup = createScopeGroup({
    scopes: SCOPES, label: "Images to export", title: "Images", className: "ltw-exp-scope", titleClass: "ltw-exp-title",
  });

  // ---- fixes ----------------------------------------------------------------------------------
  const fixBoxes = {};
  const fixes = h("fieldset", { class: "ltw-exp-fixes" },
    h("legend", { class: "ltw-exp-title", text: "Fixes on the exported copies" }),
    FIXES.map((fix) => {
      const id = uniqueId(`ltw-exp-f-${fix.key}`);
      const hintId = uniqueId(`ltw-exp-fh-${fix.key}`);
      fixBoxes[fix.key] = h("input", { type: "checkbox", id, "aria-describedby": hintId });
      return h("div", { class: "ltw-exp-fix" },
        fixBoxes[fix.key],
        h("label", { for: id, text: fix.label }),
        h("span", { class: "ltw-exp-fix-hint ltw-muted", id: hintId, text: fix.hint }));
    }),
    h("p", { class: "ltw-exp-hint ltw-muted", text: "Your original images and captions are never modified." }));

  // ---- trigger, replace, actions --------------------------------------------------------------
  const triggerNote = h("p", { class: "ltw-exp-trigger" });
  const replace = h("input", { type: "checkbox", id: ids.replace, "aria-describedby": ids.replaceHint });
  const replaceRow = h("div", { class: "ltw-exp-replace" },
    replace, h("label", { for: ids.replace, text: "Replace what is there" }),
    h("span", { class: "ltw-exp-fix-hint ltw-muted", id: ids.replaceHint,
      text: "Only replaces an earlier export there; without it, a destination that is not empty is refused." }));
  const exportBtn = h("button", { type: "submit", class: "ltw-btn ltw-exp-go", text: "Export" });
  const formError = h("p", { class: "ltw-exp-error", role: "alert", hidden: true });
  const formNotice = h("p", { class: "ltw-exp-notice", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "ltw-exp-form", novalidate: true },
    targetGroup,
    h("div", { class: "ltw-exp-field" }, h("label", { for: ids.dest, text: "Destination" }), dest, destHint),
    kohyaOptions, renamedOptions,
    scopeGroup.el, fixes, triggerNote, replaceRow,
    h("div", { class: "ltw-exp-actions" }, exportBtn),
    formError, formNotice);

  // ---- outcome --------------------------------------------------------------------------------
  const progressLabel = h("span", { class: "ltw-exp-progress-text" });
  const bar = h("div", { class: "ltw-exp-bar" });
  const progress = h("div", {
    class: "ltw-exp-progress", role: "progressbar", "aria-label": "Export progress", "aria-valuemin": "0", hidden: true,
  }, progressLabel, h("div", { class: "ltw-exp-track", "aria-hidden": "true" }, bar));
  const summary = h("p", { class: "ltw-exp-summary", role: "status", "aria-live": "polite" });
  const failed = h("p", { class: "ltw-exp-failed", role: "alert", hidden: true });
  const config = h("textarea", {
    class: "ltw-input ltw-exp-config", id: ids.config, "aria-label": "Configuration", "aria-describedby": ids.configHint,
    readonly: true, rows: "8", spellcheck: "false", wrap: "off",
  });
  const copyBtn = h("button", { type: "button", class: "ltw-btn", text: "Copy", "aria-label": "Copy the configuration" });
  const copyNote = h("span", { class: "ltw-exp-copied ltw-muted", role: "status", "aria-live": "polite" });
  const configNote = h("p", { class: "ltw-exp-hint ltw-muted", id: ids.configHint });
  const configBox = h("div", { class: "ltw-exp-configbox", hidden: true },
    h("div", { class: "ltw-exp-confighead" },
      h("label", { for: ids.config, class: "ltw-exp-title", text: "Configuration" }), copyBtn, copyNote),
    configNote, config);
  const outcome = h("div", { class: "ltw-exp-outcome" }, progress, summary, failed, configBox);

  const body = h("div", { class: "ltw-panel-box ltw-exp-body", id: ids.body, hidden: true }, form, outcome);
  const el = h("section", { class: "ltw-panel ltw-exp", "aria-label": "Export", tabindex: "-1" }, toggle, body);

  let state = {};
  let target = settings.target;
  let scope = "all";
  const dests = { ...settings.dests };
  let sending = false;
  let disposed = false;
  let lastPhase = null;
  let refocus = null;
  let copyTimer = null;

  // initial values
  targetRadios[target].checked = true;
  dest.value = dests[target] || "";
  repeats.value = String(settings.repeats);
  name.value = settings.name;
  prefix.value = settings.prefix;
  for (const fix of FIXES) fixBoxes[fix.key].checked = settings.fixes[fix.key];

  // ---- form -----------------------------------------------------------------------------------
  function trigger() {
    return str(state.trigger).trim();
  }

  function formValues() {
    return {
      target, dest: dest.value, replace: replace.checked, scope,
      fixes: Object.fromEntries(FIXES.map(({ key }) => [key, fixBoxes[key].checked])),
      repeats: repeats.value, name: name.value, prefix: prefix.value,
    };
  }

  function save() {
    dests[target] = dest.value.trim();
    if (!dests[target]) delete dests[target];
    const f = formValues();
    writeSettings({
      target, dests, fixes: f.fixes, repeats: parseRepeats(f.repeats) ?? REPEATS_DEFAULT,
      name: f.name.trim(), prefix: f.prefix.trim(),
    });
  }

  function showTarget() {
    for (const t of TARGETS) targetRadios[t.value].checked = t.value === target;
    dest.placeholder = destPlaceholder(target);
    setText(destHint, target === "civitai"
      ? "The .zip file to write (\".zip\" is added when missing)."
      : "The folder to export to; it is created when missing.");
    kohyaOptions.hidden = target !== "kohya";
    renamedOptions.hidden = target !== "renamed";
  }

  function showTrigger() {
    const word = trigger();
    setText(triggerNote, word
      ? `Trigger word: ${isolate(word)} — prepended for Civitai and kohya; ai-toolkit gets it in the YAML`
      : "No trigger word set");
    triggerNote.classList.toggle("is-missing", !word);
    const fallback = word || "my-lora";
    name.placeholder = fallback;
    prefix.placeholder = fallback;
    const n = parseRepeats(repeats.value) ?? "<repeats>";
    const nm = name.value.trim() || word || "<name>";
    setText(kohyaHint, `Images go in ${isolate(`${n}_${nm}`)}${word ? "; keep_tokens = 1 keeps the trigger word first" : ""}.`
      + (word ? " An empty name uses the trigger word." : ""));
    const px = prefix.value.trim() || word || "prefix";
    setText(renamedHint, `Files are named ${isolate(`${px}_001`)}.png, ${isolate(`${px}_001`)}.txt…`
      + (word ? " An empty prefix uses the trigger word." : ""));
  }

  function showScopes() {
    const choices = scopeChoices(state);
    scope = pickScope(choices, scope);
    scopeGroup.show(choices, scope);
  }

  function running() {
    return obj(state._export).phase === "running";
  }

  /** Disable a button without losing the keyboard focus that was on it. */
  function setDisabled(button, off) {
    if (off && !button.disabled && document.activeElement === button) {
      refocus = button;
      el.focus({ preventScroll: true });
    }
    button.disabled = off;
    if (!off && refocus === button && document.activeElement === el) {
      refocus = null;
      button.focus({ preventScroll: true });
    }
  }

  function refreshButton() {
    setDisabled(exportBtn, sending || running() || !dest.value.trim());
    el.setAttribute("aria-busy", sending || running() ? "true" : "false");
  }

  function showError(message) {
    setText(formError, message || "");
    formError.hidden = !message;
  }

  // ---- outcome --------------------------------------------------------------------------------
  function showOutcome() {
    const exp = obj(state._export);
    const phase = exp.phase;
    const isRunning = phase === "running";
    progress.hidden = !isRunning;
    if (isRunning) {
      const line = progressText(exp);
      setText(progressLabel, line);
      showProgress(progress, bar, { done: count(exp.done), total: count(exp.total), text: line, flag: bar });
    }
    const text = phase === "done" ? str(exp.summary).trim() || "Export done." : "";
    setText(summary, text); // kept in place (not hidden): a live region that appears may not be read
    const error = phase === "failed" ? str(exp.error).trim() || "The export failed." : "";
    setText(failed, error);
    failed.hidden = !error;
    const cfg = phase === "done" && typeof exp.config === "string" ? exp.config : null;
    configBox.hidden = cfg === null;
    if (cfg !== null && config.value !== cfg) {
      config.value = cfg;
      setText(copyNote, "");
    }
    setText(configNote, cfg === null ? "" : configHint(cfg));

    // News of an export that ended while the panel is closed goes to the status line.
    if (lastPhase === "running" && phase !== "running" && body.hidden && status) {
      if (phase === "done") status.show(text.split("\n")[0]);
      else if (phase === "failed") status.show(error, "error");
    }
    lastPhase = phase ?? null;
  }

  function refresh() {
    if (disposed) return;
    showTarget();
    showTrigger();
    showScopes();
    showOutcome();
    refreshButton();
  }

  // ---- actions --------------------------------------------------------------------------------
  async function submit() {
    if (disposed || sending || running()) return;
    showError("");
    setText(formNotice, "");
    const built = buildExportRequest(formValues(), state);
    if (built.error) {
      showError(built.error);
      return;
    }
    if (built.fields.dest !== dest.value.trim()) dest.value = built.fields.dest;
    setText(formNotice, built.notice || "");
    save();
    sending = true;
    refreshButton();
    try {
      await request("export", built.fields);
    } catch (err) {
      if (disposed || (err && err.disposed)) return;
      const message = errorText(err);
      showError(message);
      if (body.hidden && status) status.show(message, "error");
    } finally {
      if (!disposed) {
        sending = false;
        refreshButton();
      }
    }
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
    if (disposed) return;
    if (!ok) {
      config.focus();
      config.select();
    }
    setText(copyNote, ok ? "Copied." : "Could not copy: the text is selected, press Ctrl+C.");
    clearTimeout(copyTimer);
    copyTimer = setTimeout(() => setText(copyNote, ""), 4000);
  }

  function setOpen(open) {
    showOpen(toggle, body, open);
  }

  /** Show the panel and focus its first control. */
  function open() {
    if (disposed) return;
    setOpen(true);
    refresh();
    targetRadios[target].focus({ preventScroll: false });
  }

  /** Collapse the panel; focus goes to the toggle when it was inside. */
  function close() {
    if (body.hidden) return;
    const hadFocus = body.contains(document.activeElement) || document.activeElement === el;
    setOpen(false);
    refocus = null;
    if (hadFocus) toggle.focus({ preventScroll: true });
  }

  // ---- events ---------------------------------------------------------------------------------
  toggle.addEventListener("click", () => {
    if (body.hidden) {
      setOpen(true);
      refresh();
    } else {
      close();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  for (const t of TARGETS) {
    targetRadios[t.value].addEventListener("change", () => {
      if (!targetRadios[t.value].checked || t.value === target) return;
      const typed = dest.value.trim();
      if (typed) dests[target] = typed;
      target = t.value;
      dest.value = destForTarget(dest.value, target, dests);
      showError("");
      setText(formNotice, "");
      showTarget();
      refreshButton();
      save();
    });
  }
  for (const radio of Object.values(scopeGroup.radios)) {
    radio.addEventListener("change", () => {
      if (radio.checked) scope = radio.value;
      showError("");
    });
  }
  form.addEventListener("input", (e) => {
    if (e.target === dest || e.target === repeats || e.target === name || e.target === prefix) {
      showError("");
      if (e.target === dest) setText(formNotice, "");
      if (e.target !== dest) showTrigger();
      refreshButton();
    }
  });
  form.addEventListener("change", (e) => {
    if (e.target !== replace && !scopeGroup.el.contains(e.target)) save();
  });
  copyBtn.addEventListener("click", () => copy());
  panelKeys(el, { body, isOpen: () => !body.hidden, close });

  // ---- API ------------------------------------------------------------------------------------
  function update(next) {
    if (disposed) return;
    state = obj(next);
    refresh();
  }

  function dispose() {
    disposed = true;
    clearTimeout(copyTimer);
    refocus = null;
    el.remove();
  }

  refresh();
  return { el, update, open, close, isOpen: () => !body.hidden, dispose };
}
