// The multi-select editor: beside the thumbnail grid while two or more images are selected.
// Tags on all selected images (chips, remove from all), tags on some (k/N, add to all, remove),
// and an input that adds tags to every selected image. Counts come from `tag_counts`; every edit
// is one request (one undo step in Python), after which the counts are asked again.

import { isolate } from "../../lib/dom.js";
import { splitTags } from "../../lib/captions.js";
import { fmt, plural, count } from "../../lib/format.js";

export const COUNTS_DELAY_MS = 250;
export const SOME_LIMIT = 200;
export const COMPLETE_LIMIT = 10;
export const COMPLETE_DELAY_MS = 80;

function isCount(v) {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** One count row as `{tag, all, filtered, selected}` from `[tag, all, filtered, selected]` or an
 *  object with those keys; null when it has no tag. Counts that are not numbers become 0. */
function toRow(row) {
  let tag;
  let all;
  let filtered;
  let selected;
  if (Array.isArray(row)) [tag, all, filtered, selected] = row;
  else if (row && typeof row === "object") ({ tag, all, filtered, selected } = row);
  else return null;
  if (typeof tag !== "string" || !tag.trim()) return null;
  return { tag, all: count(all), filtered: count(filtered), selected: count(selected) };
}

/**
 * The `tag_counts` reply as `{ rows: [{tag, all, filtered, selected}, ...], selected }`.
 * Junk-tolerant: rows without a tag are dropped, a repeated tag keeps its first row, counts that
 * are not non-negative numbers read as 0; `selected` is null when the reply does not say it.
 */
export function normalizeCounts(reply) {
  const src = reply && typeof reply === "object" ? reply : {};
  const rows = [];
  const seen = new Set();
  for (const raw of Array.isArray(src.rows) ? src.rows : []) {
    const row = toRow(raw);
    if (!row || seen.has(row.tag)) continue;
    seen.add(row.tag);
    rows.push(row);
  }
  return { rows, selected: isCount(src.selected) ? src.selected : null };
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
function byName(a, b) {
  return collator.compare(a.tag, b.tag) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
}

/**
 * Split count rows (raw or normalized) for `n` selected images:
 * `common`: tags on all of them (selected >= n), by name;
 * `some`: tags on some (0 < selected < n), most selected first, then by name.
 * Tags on none are left out; with no selection (n < 1) both are empty.
 */
export function splitCommon(rows, n) {
  const common = [];
  const some = [];
  if (!isCount(n) || n < 1 || !Array.isArray(rows)) return { common, some };
  const seen = new Set();
  for (const raw of rows) {
    const row = toRow(raw);
    if (!row || row.selected < 1 || seen.has(row.tag)) continue;
    seen.add(row.tag);
    (row.selected >= n ? common : some).push(row);
  }
  common.sort(byName);
  some.sort((a, b) => b.selected - a.selected || byName(a, b));
  return { common, some };
}

/**
 * A string that changes exactly when the set of selected places changes (order and repeats do
 * not matter; entries that are not places are ignored). "" for no selection or junk.
 */
export function selectionKey(list) {
  if (!Array.isArray(list)) return "";
  let nums = list.filter((v) => Number.isInteger(v) && v >= 0);
  let ordered = true;
  for (let i = 1; i < nums.length; i += 1) {
    if (nums[i] <= nums[i - 1]) {
      ordered = false;
      break;
    }
  }
  if (!ordered) nums = [...new Set(nums)].sort((a, b) => a - b);
  return nums.join(",");
}

/** Tags typed into the input: the tags `splitTags` finds, each once. */
export function typedTags(text) {
  return [...new Set(splitTags(text))];
}

export function images(n) {
  return plural(n, "image", "images");
}

/** The accessible names of the buttons (the tag as it is: names are not displayed). */
export const labels = {
  heading: (n) => `${images(n)} selected`,
  onAll: (n) => `On all ${fmt(n)}`,
  removeCommon: (tag, n) => `Remove ${tag} from the ${fmt(n)} selected images`,
  addToAll: (tag, n) => `Add ${tag} to all ${fmt(n)} selected images`,
  removeSome: (tag, k) => (k === 1
    ? `Remove ${tag} from the 1 selected image that has it`
    : `Remove ${tag} from the ${fmt(k)} selected images that have it`),
  more: (k) => `${fmt(k)} more`,
};

/** Tags for a sentence: “a”, “b” and 3 more (each isolated). */
export function quoteTags(tags, max = 3) {
  const q = tags.slice(0, max).map((t) => `“${isolate(t)}”`);
  const rest = tags.length - q.length;
  if (rest > 0) return `${q.join(", ")} and ${fmt(rest)} more`;
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

/** What the live region says after an edit (`reply`: Python's reply to it). */
export function editMessage(kind, tags, reply) {
  const changes = count(reply && reply.changes);
  const skipped = count(reply && reply.skipped);
  const locked = skipped ? ` ${images(skipped)} with locked captions left out.` : "";
  if (changes === 0) {
    return kind === "add"
      ? `Nothing changed: the selected images already have ${quoteTags(tags)}.${locked}`
      : `Nothing changed: no selected image has ${quoteTags(tags)}.${locked}`;
  }
  const did = kind === "add" ? `Added ${quoteTags(tags)} to` : `Removed ${quoteTags(tags)} from`;
  return `${did} ${images(changes)}.${locked} Ctrl+Z undoes it.`;
}

/** The selection the panel shows for a state: `_shown_selection` when two or more images are selected
 *  outside the single view, else null (the panel hides). */
export function shownSelection(state) {
  const s = state && typeof state === "object" ? state : {};
  const sel = Array.isArray(s._shown_selection) ? s._shown_selection : [];
  return sel.length >= 2 && s.view !== "single" ? sel : null;
}

/**
 * What the two lists show for counts `{ n, common, some }`: the rows of "On some" shown (at most
 * SOME_LIMIT), and a signature that changes only when what they show changes.
 */
export function listsView({ n, common, some }) {
  const shown = some.slice(0, SOME_LIMIT);
  const sig = JSON.stringify([n, common.map((r) => r.tag), shown.map((r) => [r.tag, r.selected]), some.length]);
  return { shown, sig };
}

/** The data-fkey of the control to focus when a row goes: `prefix` + the neighbour row's `tag`, or the input. */
export function fallbackKey(tag, prefix) {
  return tag === null || tag === undefined ? "ms-input" : `${prefix}${tag}`;
}
