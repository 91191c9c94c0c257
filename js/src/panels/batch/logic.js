// The batch edit panel: one operation on the captions of all, the filtered, the selected images
// or this image, previewed (how many images change, which tags come and go, a few examples)
// before it is applied. Python validates the operation (lora_tagger_widget/_batch.py) and says
// what is wrong with it; this module only checks for obviously missing input.

import { isolate } from "../../lib/dom.js";
import { splitTags } from "../../lib/captions.js";
import { imageScopes, selectionOf } from "../scope.js";
import { fmt, plural, count, obj, has } from "../../lib/format.js";

/** The operations (Python's batch `KINDS`), in the order the menu lists them. */
export const KINDS = [
  { value: "add", label: "Add tags" },
  { value: "remove", label: "Remove tags" },
  { value: "rename", label: "Rename or merge tags" },
  { value: "replace", label: "Find & replace (regex)" },
  { value: "sort", label: "Sort tags" },
  { value: "dedupe", label: "Remove duplicate tags" },
  { value: "front", label: "Move tags to the front" },
  { value: "trigger", label: "Add trigger word" },
];

/** Not an operation on caption text: the captions as they were before the tool changed them
 *  (`RESTORE_KIND` in app/messages.py). Takes no field. */
export const RESTORE = "restore";
/** What the menu lists: the operations, then restoring the originals. */
export const MENU_KINDS = [...KINDS, { value: RESTORE, label: "Restore original captions" }];

// The parameters each kind takes besides `kind` (`_PARAMETERS` in _batch.py).
export const PARAMETERS = {
  add: ["tags", "where", "ignore_case", "trigger"],
  remove: ["tags", "ignore_case", "trigger"],
  rename: ["mapping", "ignore_case", "trigger"],
  replace: ["pattern", "replacement", "target", "ignore_case", "trigger"],
  sort: ["order", "trigger"],
  dedupe: ["ignore_case", "trigger"],
  front: ["tags", "ignore_case", "trigger"],
  trigger: ["trigger", "ignore_case"],
};

export const SCOPES = ["all", "filtered", "selected", "current"];
export const TAG_LIST_LIMIT = 30; // tags shown per "added" / "removed" list

const ARROW = /->|\u2192/g;

/**
 * Rename lines, one "old -> new" (or "old → new") a line; "a, b -> c" merges a and b into c.
 * -> [[old, new], ...] in order (a pair repeated as is is kept once), or { error } saying which
 * line is wrong. Blank lines are skipped.
 */
export function parseRenames(text) {
  const pairs = [];
  const seen = new Map(); // old -> [new, line]
  const lines = String(text ?? "").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (!line.trim()) continue;
    const n = i + 1;
    const arrows = line.match(ARROW) || [];
    if (arrows.length === 0) return { error: `Line ${n}: write the old tag, an arrow and the new tag, like "old -> new".` };
    if (arrows.length > 1) return { error: `Line ${n}: write one arrow a line ("old -> new").` };
    const at = line.search(ARROW);
    const olds = splitTags(line.slice(0, at));
    const neu = line.slice(at + arrows[0].length).trim();
    if (!olds.length) return { error: `Line ${n}: the old tag is missing before the arrow.` };
    if (!neu) return { error: `Line ${n}: the new tag is missing after the arrow (to delete tags, use "Remove tags").` };
    if (neu.includes(",")) return { error: `Line ${n}: the new tag ${quote(neu)} cannot contain a comma.` };
    for (const old of olds) {
      const before = seen.get(old);
      if (before) {
        if (before[0] === neu) continue;
        return { error: `Line ${n}: ${quote(old)} is already renamed to ${quote(before[0])} on line ${before[1]}.` };
      }
      seen.set(old, [neu, n]);
      pairs.push([old, neu]);
    }
  }
  return pairs;
}

function quote(text) {
  return `"${isolate(text)}"`;
}

/**
 * The operation the form describes, as `Operation.to_dict()` writes it, or { error } for input
 * that is obviously missing. fields: { tags, where, renames, pattern, replacement, target,
 * order, ignoreCase, trigger } (text as typed; `trigger` is the data set's trigger word, "" none).
 */
export function buildOperation(kind, fields = {}) {
  if (kind === RESTORE) return { operation: { kind } };
  const takes = has(PARAMETERS, kind) ? PARAMETERS[kind] : null;
  if (!takes) return { error: "Choose an operation." };
  const f = obj(fields);
  const trigger = typeof f.trigger === "string" ? f.trigger.trim() : "";
  const op = { kind };
  if (takes.includes("tags")) {
    const tags = splitTags(f.tags);
    if (!tags.length) return { error: "Enter at least one tag (separate several with commas)." };
    op.tags = tags;
  }
  if (takes.includes("where")) op.where = f.where === "start" ? "start" : "end";
  if (takes.includes("mapping")) {
    const pairs = parseRenames(f.renames);
    if (!Array.isArray(pairs)) return pairs;
    if (!pairs.length) return { error: 'Enter at least one "old -> new" pair, one a line.' };
    op.mapping = Object.fromEntries(pairs);
  }
  if (kind === "replace") {
    const pattern = typeof f.pattern === "string" ? f.pattern : "";
    if (!pattern) return { error: "Enter the regular expression to find." };
    op.pattern = pattern;
    op.replacement = typeof f.replacement === "string" ? f.replacement : "";
    op.target = f.target === "caption" ? "caption" : "tag";
  }
  if (takes.includes("order")) op.order = f.order === "frequency" ? "frequency" : "alpha";
  if (takes.includes("ignore_case")) op.ignore_case = !!f.ignoreCase;
  if (kind === "trigger" && !trigger) return { error: "Set a trigger word first: this operation puts it first in each caption." };
  if (trigger) op.trigger = trigger;
  return { operation: op };
}

/** The form's fields for a preset operation (the inverse of buildOperation, trigger aside). */
export function fieldsFromOperation(operation) {
  const op = obj(operation);
  const kind = kindOf(op.kind);
  const fields = {};
  if (Array.isArray(op.tags)) fields.tags = op.tags.filter((t) => typeof t === "string").join(", ");
  if (op.where === "start" || op.where === "end") fields.where = op.where;
  const mapping = Array.isArray(op.mapping) ? op.mapping : Object.entries(obj(op.mapping));
  const lines = mapping.filter((p) => Array.isArray(p) && p.length === 2).map(([a, b]) => `${a ?? ""} -> ${b ?? ""}`);
  if (lines.length) fields.renames = lines.join("\n");
  if (typeof op.pattern === "string") fields.pattern = op.pattern;
  if (typeof op.replacement === "string") fields.replacement = op.replacement;
  if (op.target === "tag" || op.target === "caption") fields.target = op.target;
  if (op.order === "alpha" || op.order === "frequency") fields.order = op.order;
  if (typeof op.ignore_case === "boolean") fields.ignoreCase = op.ignore_case;
  return { kind, fields };
}

/** The scope choices: [{ value, label, count, disabled }] for all / filtered / selected / current. */
export function scopeChoices(state = {}) {
  const current = currentOf(state);
  const hasCurrent = typeof current.id === "string" && current.id !== "";
  return [
    ...imageScopes(state, { disableEmpty: true }),
    { value: "current", label: "This image", count: hasCurrent ? 1 : 0, disabled: !hasCurrent },
  ];
}

/** The current image of a state (`_current`). */
function currentOf(state) {
  return obj(obj(state)._current);
}

/** Where the scope goes when the one asked for cannot be: the selection, the filtered images, all, this image. */
export const SCOPE_FALLBACKS = ["selected", "filtered", "all", "current"];

/** What the images of `scope` depend on: a preview of other images is not the same preview. */
export function scopeBasis(state, scope) {
  const s = obj(state);
  const filter = typeof s.filter === "string" ? s.filter : "";
  const selection = selectionOf(s);
  const current = currentOf(s);
  if (scope === "filtered") return `filtered:${filter}`;
  if (scope === "selected") return `selected:${filter}:${selection.join(",")}`;
  if (scope === "current") return `current:${current.id ?? ""}`;
  return scope === "all" ? "all" : `?${scope}`;
}

/** Deep equality of two requests (plain JSON data; object key order does not matter). */
export function sameRequest(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => sameRequest(v, b[i]));
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => has(b, k) && sameRequest(a[k], b[k]));
}

/** "3 images left out: their captions may not be rewritten." or "" for none. */
export function skippedText(skipped) {
  const n = count(skipped);
  if (!n) return "";
  return n === 1 ? "1 image left out: its caption may not be rewritten."
    : `${fmt(n)} images left out: their captions may not be rewritten.`;
}

/** "Done: <summary>. Ctrl+Z undoes it." */
export function doneText(reply) {
  const r = obj(reply);
  let summary = typeof r.summary === "string" && r.summary.trim() ? r.summary.trim()
    : `${plural(count(r.changes), "image", "images")} changed`;
  summary = summary.replace(/[.\s]+$/, "");
  return `Done: ${summary}. Ctrl+Z undoes it.`;
}

/** The undo history (`_history`) as one comparable string. */
export function historyKey(history) {
  const hist = obj(history);
  return JSON.stringify([Array.isArray(hist.undo) ? hist.undo : [], Array.isArray(hist.redo) ? hist.redo : []]);
}

/**
 * When a batch's "Done" line stops holding. The mark is made when the reply comes: `before` is
 * the history key when the batch was sent, `now` the key at the reply (Python's history change
 * may come just before or just after it). A batch that changed nothing leaves no history entry.
 * -> { before, after } (after: the key with the batch done, null until seen)
 */
export function doneMark(before, now, changed) {
  if (!changed) return { before, after: now };
  return { before, after: now !== before ? now : null };
}

/** The mark for history key `key`, or null when the "Done" line no longer holds (an undo, a redo,
 *  any later edit changed the history). */
export function followDone(mark, key) {
  if (!mark) return null;
  if (mark.after === null) return key === mark.before ? mark : { ...mark, after: key };
  return key === mark.after ? mark : null;
}

/** [[tag, n], ...] rows of a reply, malformed ones dropped. */
export function tagRows(rows) {
  if (!Array.isArray(rows)) return [];
  return rows.filter((r) => Array.isArray(r) && typeof r[0] === "string").map((r) => [r[0], count(r[1])]);
}

export const TAG_LABELS = { add: "Tags to add", remove: "Tags to remove", front: "Tags to move to the front, in this order" };
export const KIND_HINTS = {
  add: "A caption that already has a tag keeps it where it is.",
  remove: "",
  rename: "Several old tags to one new tag merge them; a caption keeps one copy, where the first was.",
  replace: "",
  sort: "",
  dedupe: "Removes repeated tags from each caption, keeping the first.",
  front: "Tags a caption lacks are not added.",
  trigger: "Captions that do not start with the trigger word get it first; one that has it further on gets it moved.",
  restore: "Each caption gets back the text it had before this tool first changed it; an image that had no caption file loses the one it got.",
};
// Which fields each kind shows (the keys of `fields` in createBatch).
export const FIELDS = {
  add: ["tags", "where", "ignoreCase"],
  remove: ["tags", "ignoreCase"],
  rename: ["renames", "ignoreCase"],
  replace: ["pattern", "replacement", "target", "ignoreCase"],
  sort: ["order"],
  dedupe: ["ignoreCase"],
  front: ["tags", "ignoreCase"],
  trigger: ["ignoreCase"],
  restore: [],
};

/** The operation `value` names, "add" for anything else. */
export function kindOf(value) {
  return has(PARAMETERS, value) || value === RESTORE ? value : "add";
}

/**
 * The trigger word line under the form for operation `kind` and trigger `word`:
 * { text, missing (the operation needs a word there is not), hidden }.
 */
export function triggerNote(kind, word) {
  if (kind === "trigger") {
    return {
      text: word ? `Trigger word: ${isolate(word)} — put first in each caption`
        : "No trigger word is set. Set the trigger word first; this operation puts it first in each caption.",
      missing: !word,
      hidden: false,
    };
  }
  if (kind === RESTORE) return { text: "", missing: false, hidden: true }; // originals keep no trigger rule
  return { text: word ? `Trigger word: ${isolate(word)} — kept first` : "", missing: false, hidden: !word };
}

/**
 * The Preview and Apply buttons: { previewOff, applyOff, applyText } while a request is out (`busy`),
 * for a scope that can be or not (`scopeOk`), a trigger operation with no word (`needsTrigger`), a
 * preview that matches the form (`fresh`) and the images it changes (`changes`).
 */
export function buttonStates({ busy, scopeOk, needsTrigger, fresh, changes }) {
  return {
    previewOff: busy || !scopeOk || needsTrigger,
    applyOff: busy || !scopeOk || !fresh || changes === 0,
    applyText: fresh && changes > 0 ? `Apply to ${plural(changes, "image", "images")}` : "Apply",
  };
}

/** The field focused on opening with operation `presetKind` preset: its first text field, null for the menu. */
export function firstField(presetKind) {
  if (!presetKind) return null;
  return FIELDS[presetKind].find((k) => k !== "ignoreCase" && k !== "where") ?? null;
}

/** The part of the renames text to select on opening: one line "old -> new" selects the new tag, else the end. */
export function renameSelection(text) {
  const m = text.split("\n").length === 1 ? /(->|\u2192)\s*/.exec(text) : null;
  return m ? [m.index + m[0].length, text.length] : [text.length, text.length];
}
