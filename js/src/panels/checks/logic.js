import { fmt, plural, count, obj } from "../../lib/format.js";
// The Checks panel: data set checks run in the background (Python reports their progress in the
// `_checks` trait), then their findings grouped by severity, each a click away from its image.
// Duplicates show their images side by side. Python decides what a finding is; this module only
// draws the findings and asks for the run.


export const SEVERITIES = ["blocking", "warning", "info"];
export const RESOLUTIONS = [512, 768, 1024];
export const GROUP_LIMIT = 300; // findings drawn per severity group
export const IDS_LIMIT = 12; // "Show" buttons per finding
export const PAIR_LIMIT = 4; // thumbnails side by side per duplicate finding
export const THUMB_SIZE = 160; // CSS px of a duplicate's thumbnail
export const DUPLICATE_CODES = new Set(["exact_duplicate", "near_duplicate"]);

export const GROUP_TITLES = { blocking: "Blocking", warning: "Warnings", info: "Info" };
// Which severity groups show their findings when the panel is made (the person opens and closes them).
export const GROUPS_OPEN = { blocking: true, warning: true, info: false };
// The values Python's CheckSettings uses when a field is not sent (tests/test_checks_panel.py
// compares them): the settings show them, so the value in use is always in view.
export const SETTING_DEFAULTS = { maxAspect: 2.5, distance: 6, blur: 50 };
// A short title per finding code; a code not named here is titled from its own words.
export const KIND_TITLES = {
  unreadable_image: "Unreadable images", too_small: "Too small", shared_caption: "Shared caption files",
  empty_caption: "Empty captions", caption_unreadable: "Unreadable captions", not_utf8: "Captions not in UTF-8",
  no_caption: "No caption", under_resolution: "Under the training resolution", extreme_aspect: "Extreme aspect ratio",
  exact_duplicate: "Identical files", near_duplicate: "Near duplicates", blurry: "Blurry", low_detail: "Almost no detail",
  exif_rotated: "EXIF rotation", transparency: "Transparency", high_bit_depth: "16-bit", cmyk: "CMYK", palette: "Palette",
  animated: "Animated", multiline: "Several caption lines", clip_tokens: "Over CLIP-L's tokens",
  t5_tokens: "Over T5's tokens", no_trigger: "No trigger word", over_civitai_limit: "Over Civitai's limit",
  bucket: "Buckets", format_not_accepted: "Formats a trainer does not read",
};
const PHASES = new Set(["idle", "running", "done", "failed"]);
export const THUMB_TIMEOUT_MS = 60000;
export const RETRIES = 2; // a superseded thumbnail is asked again this many times


/** The `_checks` trait with every field present and sane. */
export function normalizeChecks(checks) {
  const c = obj(checks);
  const counts = c.counts && typeof c.counts === "object" && !Array.isArray(c.counts)
    ? { blocking: count(c.counts.blocking), warning: count(c.counts.warning), info: count(c.counts.info) }
    : null;
  return {
    phase: PHASES.has(c.phase) ? c.phase : "idle",
    done: count(c.done),
    total: count(c.total),
    counts,
    summary: typeof c.summary === "string" ? c.summary : "",
    error: typeof c.error === "string" && c.error ? c.error : null,
  };
}

/** The `checks` reply's findings (or a list of them), each { severity, code, message, ids, details };
 *  an unknown severity reads as "info", junk ids are dropped, a repeated id is kept once. */
export function normalizeFindings(reply) {
  const list = Array.isArray(reply) ? reply : Array.isArray(obj(reply).findings) ? reply.findings : [];
  const out = [];
  for (const f of list) {
    if (!f || typeof f !== "object" || Array.isArray(f)) continue;
    const code = typeof f.code === "string" ? f.code : "";
    const ids = [];
    for (const id of Array.isArray(f.ids) ? f.ids : []) {
      if (typeof id === "string" && id !== "" && !ids.includes(id)) ids.push(id);
    }
    const message = typeof f.message === "string" && f.message.trim() ? f.message : code || "(no message)";
    out.push({
      severity: SEVERITIES.includes(f.severity) ? f.severity : "info",
      code, message, ids, details: obj(f.details),
    });
  }
  return out;
}

/** Findings by severity, each group in the order given: { blocking, warning, info }. */
export function groupFindings(findings) {
  const groups = { blocking: [], warning: [], info: [] };
  for (const f of Array.isArray(findings) ? findings : []) {
    if (!f || typeof f !== "object") continue;
    groups[SEVERITIES.includes(f.severity) ? f.severity : "info"].push(f);
  }
  return groups;
}

/** The title of a kind of finding: "Near duplicates" for "near_duplicate", "Odd thing" for an
 *  unknown "odd_thing", "Other" for none. */
export function kindTitle(code) {
  if (Object.prototype.hasOwnProperty.call(KIND_TITLES, code)) return KIND_TITLES[code];
  const words = String(code ?? "").replace(/_+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "Other";
}

/** The findings of one severity by kind, kinds in the order of their first finding:
 *  [{ code, title, findings }]. */
export function groupByKind(findings) {
  const kinds = new Map();
  for (const f of Array.isArray(findings) ? findings : []) {
    if (!f || typeof f !== "object") continue;
    const code = typeof f.code === "string" ? f.code : "";
    if (!kinds.has(code)) kinds.set(code, { code, title: kindTitle(code), findings: [] });
    kinds.get(code).findings.push(f);
  }
  return [...kinds.values()];
}

/** A kind's heading: "Blurry (8)", with ", hidden" when the person hid it. */
export function kindHeading(kind, hidden) {
  const n = Array.isArray(kind && kind.findings) ? kind.findings.length : 0;
  return `${kind && kind.title ? kind.title : "Other"} (${fmt(n)}${hidden ? ", hidden" : ""})`;
}

/** Is this finding about images to compare side by side (duplicates, or any finding of two images)? */
export function isPair(finding) {
  const f = obj(finding);
  const ids = Array.isArray(f.ids) ? f.ids : [];
  if (ids.length === 2) return ids[0] !== ids[1];
  return DUPLICATE_CODES.has(f.code) && ids.length >= 2;
}


/** "Checks: 2 blocking, 5 warnings"; "Checks: no problems" (", 12 info" when there are notes);
 *  "Checks" while the counts are not known. */
export function checksLabel(counts) {
  if (!counts || typeof counts !== "object") return "Checks";
  const blocking = count(counts.blocking);
  const warning = count(counts.warning);
  const info = count(counts.info);
  const parts = [];
  if (blocking) parts.push(`${fmt(blocking)} blocking`);
  if (warning) parts.push(plural(warning, "warning", "warnings"));
  if (!parts.length) return info ? `Checks: no problems, ${fmt(info)} info` : "Checks: no problems";
  return `Checks: ${parts.join(", ")}`;
}

/** "Checking 120 of 400…" ("Checking…" while the total is not known). */
export function progressText(checks) {
  const c = obj(checks);
  const total = count(c.total);
  if (!total) return "Checking…";
  return `Checking ${fmt(Math.min(count(c.done), total))} of ${fmt(total)}…`;
}

/** The panel's toggle: the counts when the checks are done, the progress while they run. */
export function toggleText(checks) {
  const c = normalizeChecks(checks);
  if (c.phase === "running") return `Checks: ${progressText(c).replace(/^C/, "c")}`;
  if (c.phase === "failed") return "Checks: failed";
  if (c.phase === "done") return checksLabel(c.counts || { blocking: 0, warning: 0, info: 0 });
  return "Checks";
}

/** A short name for each id: its last path part, or as many parts as it takes to tell it apart
 *  from the others ("a/x.jpg" and "b/x.jpg" stay whole; "a/x.jpg" and "b/y.jpg" are "x.jpg", "y.jpg"). */
export function distinctNames(ids) {
  const list = (Array.isArray(ids) ? ids : []).map((id) => String(id ?? ""));
  const parts = list.map((id) => id.split(/[\\/]+/).filter(Boolean));
  const depth = list.map(() => 1);
  const name = (i) => (parts[i].length ? parts[i].slice(-depth[i]).join("/") : list[i]);
  for (let round = 0; round < 64; round += 1) {
    const names = list.map((_, i) => name(i));
    let grew = false;
    names.forEach((n, i) => {
      if (depth[i] < parts[i].length && names.some((m, j) => j !== i && m === n && list[j] !== list[i])) {
        depth[i] += 1;
        grew = true;
      }
    });
    if (!grew) return names;
  }
  return list.map((_, i) => name(i));
}

/**
 * The `run_checks` fields from the settings as typed: { fields } or { error }.
 * values: { resolution, maxAspect, distance, blur } (strings; blank: SETTING_DEFAULTS, Python's),
 * bad: { maxAspect, distance, blur } true where the browser could not read a number.
 */
export function settingsFields(values = {}, bad = {}) {
  const v = obj(values);
  const b = obj(bad);
  const resolution = Number(v.resolution);
  if (!RESOLUTIONS.includes(resolution)) return { error: "Choose a training resolution: 512, 768 or 1024." };
  const fields = { resolution };
  const text = (key) => (v[key] === undefined || v[key] === null ? "" : String(v[key]).trim());
  const read = (key, label, ok, rule, name) => {
    if (b[key]) return `${label} must be a number.`;
    const t = text(key);
    if (!t) return null;
    const n = Number(t);
    if (!Number.isFinite(n) || !ok(n)) return `${label} must be ${rule}.`;
    fields[name] = n;
    return null;
  };
  const error = read("maxAspect", "The maximum aspect ratio", (n) => n >= 1, "a number of at least 1 (2 means 2:1)", "max_aspect")
    || read("distance", "The near-duplicate distance", (n) => Number.isInteger(n) && n >= 0 && n <= 64,
      "a whole number from 0 to 64", "near_duplicate_distance")
    || read("blur", "The blur threshold", (n) => n >= 0, "a number of at least 0", "blur_threshold");
  return error ? { error } : { fields };
}

/** How many findings a group heading counts: the group's, or Python's count when that is more
 *  (the `checks` reply holds at most 5,000 findings). */
export function groupTotal(shown, counts, severity) {
  const n = Array.isArray(shown) ? shown.length : count(shown);
  const c = counts && typeof counts === "object" ? count(counts[severity]) : 0;
  return Math.max(n, c);
}

/** The thumbnails of a `thumbs` (or `preview`) reply as [{ id, ok, mime, data, error, superseded }]. */
export function thumbEntries(reply, buffers) {
  const list = Array.isArray(obj(reply).thumbs) ? reply.thumbs : [];
  const bufs = Array.isArray(buffers) ? buffers : [];
  const out = [];
  let b = 0;
  for (const t of list) {
    if (!t || typeof t !== "object" || typeof t.id !== "string") continue;
    if (t.ok === true) {
      const data = bufs[b];
      b += 1;
      out.push({ id: t.id, ok: !!data, mime: typeof t.mime === "string" && t.mime ? t.mime : "image/jpeg", data,
        error: data ? null : "No thumbnail" });
    } else {
      out.push({ id: t.id, ok: false, superseded: t.superseded === true,
        error: typeof t.error === "string" && t.error ? t.error : "No thumbnail" });
    }
  }
  return out;
}

/** A severity group's heading: "Warnings (12)". */
export function groupHeading(severity, total) {
  return `${GROUP_TITLES[severity]} (${fmt(total)})`;
}

/** "12 more not listed" (`what`: "not listed", "not shown"); "" for none. */
export function moreText(more, what) {
  return more > 0 ? `${fmt(more)} more ${what}` : "";
}

/** Did the last run find anything blocking? */
export function hasBlocking(checks) {
  const c = obj(checks);
  return c.phase === "done" && !!c.counts && c.counts.blocking > 0;
}

/** The error the panel shows: a failed request's, else a failed run's; null for none. */
export function shownError(requestError, checks) {
  if (requestError) return requestError;
  const c = obj(checks);
  return c.phase === "failed" ? c.error || "The checks failed." : null;
}

/** What the results say in place of findings ("" when the findings show): `findings` null until
 *  fetched, `fetching` while asked for, `phase` the run's. */
export function emptyText(findings, fetching, phase) {
  if (findings) return findings.length ? "" : "No problems found.";
  if (fetching) return "Loading the findings…";
  if (phase === "idle") return "The checks have not run yet. Choose the settings and press Run checks.";
  if (phase === "running") return "The findings show here when the checks are done.";
  return "";
}

/**
 * The runs seen so far after seeing `checks` (normalized): `generation` grows with each finished
 * run, a run that is done again with other counts, summary or progress counting as a new one.
 * @param {{ phase: string | null, key: string | null, generation: number }} seen
 */
export function seeRun(seen, checks) {
  const done = checks.phase === "done";
  const key = done ? JSON.stringify([checks.counts, checks.summary, checks.total, checks.done]) : null;
  const fresh = done && (seen.phase !== "done" || key !== seen.key);
  return { phase: checks.phase, key, generation: seen.generation + (fresh ? 1 : 0) };
}
