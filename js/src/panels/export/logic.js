// The Export panel: copies of the data set in the layout a trainer wants (Civitai, ai-toolkit,
// kohya sd-scripts, or a renamed copy), with optional fixes on the copies. Python does the work
// in the background (request `export`) and reports it in the `_export` trait; this module checks
// only what is obviously missing or wrong in the form. Originals are never modified.

import { isolate } from "../../lib/dom.js";
import { imageScopes } from "../scope.js";
import { fmt, count, obj, str } from "../../lib/format.js";

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

export function readSettings() {
  try {
    return parseSettings(globalThis.localStorage?.getItem(STORAGE_KEY));
  } catch {
    return parseSettings("");
  }
}

export function writeSettings(settings) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // storage unavailable (sandboxed frame, privacy mode): the panel just forgets
  }
}

/** What the destination box asks for with `target`. */
export function destHint(target) {
  return target === "civitai"
    ? "The .zip file to write (\".zip\" is added when missing)."
    : "The folder to export to; it is created when missing.";
}

/**
 * The lines that name the trigger `word` and the names the form gives with it ({ repeats, name,
 * prefix } as typed): { note, missing, fallback (the placeholder of name and prefix), kohya, renamed }.
 */
export function triggerTexts(word, { repeats, name, prefix }) {
  const n = parseRepeats(repeats) ?? "<repeats>";
  const nm = str(name).trim() || word || "<name>";
  const px = str(prefix).trim() || word || "prefix";
  return {
    note: word
      ? `Trigger word: ${isolate(word)} — prepended for Civitai and kohya; ai-toolkit gets it in the YAML`
      : "No trigger word set",
    missing: !word,
    fallback: word || "my-lora",
    kohya: `Images go in ${isolate(`${n}_${nm}`)}${word ? "; keep_tokens = 1 keeps the trigger word first" : ""}.`
      + (word ? " An empty name uses the trigger word." : ""),
    renamed: `Files are named ${isolate(`${px}_001`)}.png, ${isolate(`${px}_001`)}.txt…`
      + (word ? " An empty prefix uses the trigger word." : ""),
  };
}

/**
 * What the outcome shows for the `_export` trait: { running, progress (its line), summary (of a
 * finished export), error (of a failed one), config (the text of a finished one, or null) }.
 */
export function outcomeOf(exp) {
  const e = obj(exp);
  return {
    running: e.phase === "running",
    progress: progressText(e),
    summary: e.phase === "done" ? (typeof e.summary === "string" && e.summary.trim()) || "Export done." : "",
    error: e.phase === "failed" ? str(e.error).trim() || "The export failed." : "",
    config: e.phase === "done" && typeof e.config === "string" ? e.config : null,
  };
}

/**
 * News for the status line when an export ends (phase `from` -> `to`) while the panel is closed:
 * { message, level } from the outcome `out`, or null.
 */
export function endNews(from, to, out) {
  if (from !== "running" || to === "running") return null;
  if (to === "done") return { message: out.summary.split("\n")[0], level: "info" };
  if (to === "failed") return { message: out.error, level: "error" };
  return null;
}
