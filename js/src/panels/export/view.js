// The Export panel: copies of the data set in the layout a trainer wants (Civitai, ai-toolkit,
// kohya sd-scripts, or a renamed copy), with optional fixes on the copies. Python does the work
// in the background (request `export`) and reports it in the `_export` trait; this module checks
// only what is obviously missing or wrong in the form. Originals are never modified.

import "./export.css";
import { isolate, setText } from "../../lib/dom.js";
import { panelKeys, showOpen, showProgress } from "../panel.js";
import { pickScope } from "../scope.js";
import { exportElements } from "./elements.js";
import {
  TARGETS, FIXES, REPEATS_DEFAULT, destPlaceholder, scopeChoices, parseRepeats, buildExportRequest, destForTarget, progressText, configHint, readSettings, writeSettings,
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
  const { toggle, targetRadios, dest, destHint, repeats, name, prefix, kohyaHint, renamedHint, kohyaOptions, renamedOptions, scopeGroup, fixBoxes, triggerNote, replace, exportBtn, formError, formNotice, form, progressLabel, bar, progress, summary, failed, config, copyBtn, copyNote, configNote, configBox, body, el } = exportElements();
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
    const text = phase === "done" ? (typeof exp.summary === "string" && exp.summary.trim()) || "Export done." : "";
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
