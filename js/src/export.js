// The Export panel: copies of the data set in the layout a trainer wants (Civitai, ai-toolkit,
// kohya sd-scripts, or a renamed copy), with optional fixes on the copies. Python does the work
// in the background (request `export`) and reports it in the `_export` trait; this module checks
// only what is obviously missing or wrong in the form. Originals are never modified.

import "./export.css";
import { h, isolate, setText, uniqueId } from "./dom.js";
import { panelKeys, panelToggle, showOpen, showProgress } from "./panel.js";
import { createScopeGroup, imageScopes } from "./scope.js";

/** The targets, in the order the radio group lists them. */
export const TARGETS = [
  {
    value: "civitai", label: "Civitai", zip: true,
    description: "A .zip for Civitai's trainer: 000.png + 000.txt…, PNG, JPEG or WebP, at most 1,000 images.",
  },
  {
    value: "ai-toolkit", label: "ai-toolkit", zip: false,
    description: "A folder of images and .txt captions, and the dataset section (YAML) to paste into your config.",
  },
  {
    value: "kohya", label: "kohya sd-scripts", zip: false,
    description: "A <repeats>_<name> folder with .txt captions, and dataset_config.toml.",
  },
  {
    value: "renamed", label: "Renamed copy", zip: false,
    description: "prefix_001.png + prefix_001.txt…, and a CSV mapping the new names to the originals.",
  },
];

/** The fixes, as `fixes` names them; all on by default. */
export const FIXES = [
  { key: "orientation", label: "Bake in EXIF orientation", hint: "Rotate the pixels, so a trainer that ignores EXIF sees the image upright." },
  { key: "flatten", label: "Flatten transparency onto white", hint: "Transparent areas become white, not black or noise." },
  { key: "eight_bit", label: "16-bit to 8-bit", hint: "Trainers read 8 bits per channel." },
  { key: "rgb", label: "CMYK and palette to RGB", hint: "Colour modes a trainer may misread become plain RGB." },
  { key: "convert_formats", label: "Convert formats the trainer does not read", hint: "Such images are converted instead of left out." },
  { key: "one_line", label: "Captions on one line", hint: "Line breaks in a caption are joined into one line." },
];

export const SCOPES = ["all", "filtered", "selected"];
export const STORAGE_KEY = "ltw-export";
export const REPEATS_DEFAULT = 10;
export const REPEATS_MAX = 1000;

const nf = new Intl.NumberFormat();
const fmt = (n) => nf.format(n);
const obj = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const count = (v) => (Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
const str = (v) => (typeof v === "string" ? v : "");
const targetOf = (value) => TARGETS.find((t) => t.value === value) || null;
const ZIP = /\.zip$/i;
const SLASH_END = /[\\/]$/;

/** The one-line description of a target ("" for an unknown one). */
export function targetDescription(target) {
  const t = targetOf(target);
  return t ? t.description : "";
}

/** The destination's placeholder for a target. */
export function destPlaceholder(target) {
  return target === "civitai" ? "~/exports/my-lora.zip" : "~/exports/my-lora";
}

/** The scope choices: [{ value, label, count, disabled }] for all / filtered / selected. */
export function scopeChoices(state = {}) {
  return imageScopes(state);
}

/** The scope to use: `wanted` when it can be, else all. */
export function pickScope(choices, wanted) {
  return choices.some((c) => c.value === wanted && !c.disabled) ? wanted : "all";
}

/** The fixes object Python takes: each of the six booleans, on unless set to false. */
export function normalizeFixes(fixes) {
  const f = obj(fixes);
  return Object.fromEntries(FIXES.map(({ key }) => [key, f[key] !== false]));
}

/** Repeats as typed -> an integer 1..1000, or null. */
export function parseRepeats(value) {
  const text = typeof value === "number" ? String(value) : str(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= REPEATS_MAX ? n : null;
}

function checkName(text, what) {
  if (/[\\/]/.test(text)) return `The ${what} cannot contain / or \\.`;
  if (text === "." || text === "..") return `The ${what} cannot be "${text}".`;
  return null;
}

/**
 * The `export` request's fields for the form, or { error } for input that is obviously missing
 * or wrong. form: { target, dest, replace, scope, fixes, repeats, name, prefix } (text as typed);
 * state: the widget's state (trigger, progress, _shown_selection).
 * -> { fields, notice } (notice: "" or a sentence saying what was changed, e.g. ".zip" added),
 *    or { error }.
 */
export function buildExportRequest(form = {}, state = {}) {
  const f = obj(form);
  const s = obj(state);
  const target = targetOf(f.target);
  if (!target) return { error: "Choose what to export for: Civitai, ai-toolkit, kohya sd-scripts or a renamed copy." };
  let dest = str(f.dest).trim();
  let notice = "";
  if (!dest) {
    return { error: target.zip ? "Enter the destination: the .zip file to write, like ~/exports/my-lora.zip."
      : "Enter the destination: the folder to export to, like ~/exports/my-lora." };
  }
  if (target.zip) {
    if (SLASH_END.test(dest)) return { error: `For Civitai, enter a .zip file, not a folder, like ${isolate(dest)}my-lora.zip.` };
    if (!ZIP.test(dest)) {
      dest += ".zip";
      notice = `Civitai takes a .zip file: exporting to ${isolate(dest)}.`;
    }
  } else if (ZIP.test(dest)) {
    return { error: `${target.label} exports to a folder: enter a folder, not a .zip file.` };
  }
  const choices = scopeChoices(s);
  const scope = SCOPES.includes(f.scope) ? f.scope : "all";
  const choice = choices.find((c) => c.value === scope);
  if (choice.disabled) {
    return { error: scope === "selected" ? "No images are selected: choose All images, or select some first."
      : "No filter is set: choose All images, or filter first." };
  }
  const fields = { target: target.value, dest, replace: f.replace === true, scope, fixes: normalizeFixes(f.fixes) };
  const trigger = str(s.trigger).trim();
  if (target.value === "kohya") {
    const repeats = parseRepeats(f.repeats);
    if (repeats === null) return { error: `Repeats must be a whole number from 1 to ${fmt(REPEATS_MAX)}.` };
    const name = str(f.name).trim() || trigger;
    if (!name) return { error: "Enter a name for the kohya folder (it is called <repeats>_<name>)." };
    const bad = checkName(name, "folder name");
    if (bad) return { error: bad };
    fields.repeats = repeats;
    fields.name = name;
  } else if (target.value === "renamed") {
    const prefix = str(f.prefix).trim() || trigger;
    if (!prefix) return { error: "Enter a prefix for the new file names, like my-lora (my-lora_001.png)." };
    const bad = checkName(prefix, "prefix");
    if (bad) return { error: bad };
    fields.prefix = prefix;
  }
  return { fields, notice };
}

/**
 * The destination to show when the target changes: the one remembered for the new target, else
 * the one typed, with ".zip" added for Civitai or taken off for a folder target.
 */
export function destForTarget(dest, target, remembered = {}) {
  const saved = str(obj(remembered)[target]).trim();
  if (saved) return saved;
  const d = str(dest);
  const t = d.trim();
  if (!t) return d;
  if (target === "civitai") return ZIP.test(t) || SLASH_END.test(t) ? d : `${t}.zip`;
  return ZIP.test(t) ? t.replace(ZIP, "") : d;
}

/** "Exporting 120 of 400…" while running ("Exporting…" before the total is known), else "". */
export function progressText(exp) {
  const e = obj(exp);
  if (e.phase !== "running") return "";
  const total = count(e.total);
  if (!total) return "Exporting…";
  return `Exporting ${fmt(Math.min(count(e.done), total))} of ${fmt(total)}…`;
}

/** The settings remembered in localStorage, sanitized (from its JSON text; anything wrong dropped). */
export function parseSettings(text) {
  let raw;
  try {
    raw = JSON.parse(str(text) || "{}");
  } catch {
    raw = {};
  }
  const r = obj(raw);
  const out = {
    target: targetOf(r.target) ? r.target : "civitai",
    dests: {},
    fixes: normalizeFixes(r.fixes),
    repeats: parseRepeats(r.repeats) ?? REPEATS_DEFAULT,
    name: str(r.name).slice(0, 200),
    prefix: str(r.prefix).slice(0, 200),
  };
  for (const t of TARGETS) {
    const d = str(obj(r.dests)[t.value]);
    if (d) out.dests[t.value] = d.slice(0, 4096);
  }
  return out;
}

/** What the configuration box says about `config` (TOML for kohya, YAML for ai-toolkit). */
export function configHint(config) {
  if (/^\s*\[/m.test(str(config))) return "dataset_config.toml, also written in the destination.";
  return "The dataset section, ready to paste into the datasets list of your ai-toolkit config.";
}

function readSettings() {
  try {
    return parseSettings(globalThis.localStorage?.getItem(STORAGE_KEY));
  } catch {
    return parseSettings("");
  }
}

function writeSettings(settings) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // storage unavailable (sandboxed frame, privacy mode): the panel just forgets
  }
}

/**
 * createExport({ request, status }) -> { el, update(state), open(), close(), isOpen(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc)
 *   status.show(message, level)  (optional: news of an export that ends while the panel is closed)
 * state: _export, trigger, progress ({ total, all, filtered }), _shown_selection.
 */
export function createExport({ request, status } = {}) {
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
      const message = err && err.message ? err.message : String(err);
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
