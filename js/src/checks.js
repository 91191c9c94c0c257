// The Checks panel: data set checks run in the background (Python reports their progress in the
// `_checks` trait), then their findings grouped by severity, each a click away from its image.
// Duplicates show their images side by side. Python decides what a finding is; this module only
// draws the findings and asks for the run.

import "./checks.css";
import { h, attr, isolate, keepFocus, setText, uniqueId } from "./dom.js";
import { isSuperseded } from "./thumbs.js";
import { panelKeys, panelToggle, showOpen, showProgress } from "./panel.js";

export const SEVERITIES = ["blocking", "warning", "info"];
export const RESOLUTIONS = [512, 768, 1024];
export const GROUP_LIMIT = 300; // findings drawn per severity group
export const IDS_LIMIT = 12; // "Show" buttons per finding
export const PAIR_LIMIT = 4; // thumbnails side by side per duplicate finding
export const THUMB_SIZE = 160; // CSS px of a duplicate's thumbnail
export const DUPLICATE_CODES = new Set(["exact_duplicate", "near_duplicate"]);

const GROUP_TITLES = { blocking: "Blocking", warning: "Warnings", info: "Info" };
const PHASES = new Set(["idle", "running", "done", "failed"]);
const THUMB_TIMEOUT_MS = 60000;
const RETRIES = 2; // a superseded thumbnail is asked again this many times

const nf = new Intl.NumberFormat();
const fmt = (n) => nf.format(n);
const obj = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const count = (v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

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

/** Is this finding about images to compare side by side (duplicates, or any finding of two images)? */
export function isPair(finding) {
  const f = obj(finding);
  const ids = Array.isArray(f.ids) ? f.ids : [];
  if (ids.length === 2) return ids[0] !== ids[1];
  return DUPLICATE_CODES.has(f.code) && ids.length >= 2;
}

const plural = (n, one, many) => `${fmt(n)} ${n === 1 ? one : many}`;

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
 * values: { resolution, maxAspect, distance, blur } (strings; blank: Python's default),
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

/**
 * createChecks({ request, status, openImage, thumbGroup }) -> { el, open(), close(), isOpen(), update(state), dispose() }
 *   request(type, fields, opts) -> Promise<{ reply, buffers }>  (the rpc; rejects with Python's sentence)
 *   status: { show(message, level) } for a failure while the panel is closed (optional)
 *   openImage(id): show this image (the panel's "Show" buttons)
 *   thumbGroup(): optional; the `group` for a `thumbs` request of a duplicate pair. Without it the
 *     pair's images come as `preview` requests with purpose "prefetch", which supersede nothing
 *     (`thumbs` groups are one sequence per widget, shared with the grid).
 * state: _checks.
 */
export function createChecks({ request, status = null, openImage, thumbGroup = null }) {
  const ids = Object.fromEntries(["body", "resolution", "maxAspect", "distance", "blur", "hint", "distanceHint"]
    .map((key) => [key, uniqueId(`ltw-ck-${key}`)]));

  const toggle = panelToggle("ltw-ck-toggle", ids.body, "Checks");

  const resolution = h("select", { class: "ltw-input", id: ids.resolution },
    RESOLUTIONS.map((r) => h("option", { value: String(r), text: `${r} px`, selected: r === 1024 })));
  resolution.value = "1024";
  const number = (id, props) => h("input", {
    class: "ltw-input ltw-ck-number", type: "number", id, inputmode: "decimal", placeholder: "default",
    autocomplete: "off", ...props,
  });
  const inputs = {
    maxAspect: number(ids.maxAspect, { min: "1", step: "0.1", "aria-describedby": ids.hint }),
    distance: number(ids.distance, { min: "0", max: "64", step: "1", inputmode: "numeric",
      "aria-describedby": `${ids.distanceHint} ${ids.hint}` }),
    blur: number(ids.blur, { min: "0", step: "any", "aria-describedby": ids.hint }),
  };
  const field = (id, label, control, ...extra) => h("div", { class: "ltw-ck-field" },
    h("label", { for: id, text: label }), control, ...extra);
  const runBtn = h("button", { type: "submit", class: "ltw-btn ltw-primary ltw-ck-run", text: "Run checks" });
  const form = h("form", { class: "ltw-ck-form", novalidate: true },
    h("div", { class: "ltw-ck-fields" },
      field(ids.resolution, "Training resolution", resolution),
      field(ids.maxAspect, "Max aspect ratio", inputs.maxAspect),
      field(ids.distance, "Near-duplicate distance", inputs.distance,
        h("span", { class: "ltw-muted ltw-ck-hint", id: ids.distanceHint, text: "0–64; 0: only identical-looking images" })),
      field(ids.blur, "Blur threshold", inputs.blur)),
    h("p", { class: "ltw-muted ltw-ck-hint", id: ids.hint, text: "Blank fields use the defaults." }),
    h("div", { class: "ltw-ck-actions" }, runBtn));

  const alert = h("p", { class: "ltw-ck-error", role: "alert", hidden: true });
  const bar = h("div", { class: "ltw-ck-bar" });
  const progress = h("div", {
    class: "ltw-ck-progress", role: "progressbar", "aria-label": "Checks progress", "aria-valuemin": "0", hidden: true,
  }, bar);
  const progressLabel = h("p", { class: "ltw-ck-progress-text", hidden: true });
  const summary = h("p", { class: "ltw-ck-summary", role: "status", "aria-live": "polite" });

  const groups = {};
  for (const sev of SEVERITIES) {
    const listId = uniqueId(`ltw-ck-${sev}`);
    const btn = h("button", {
      type: "button", class: "ltw-ck-group-toggle", "aria-expanded": sev === "info" ? "false" : "true",
      "aria-controls": listId, "data-fkey": `ck-group:${sev}`,
    });
    const list = h("ul", { class: "ltw-ck-list", id: listId, hidden: sev === "info" });
    const more = h("p", { class: "ltw-muted ltw-ck-more", hidden: true });
    const none = h("p", { class: "ltw-muted ltw-ck-none", text: "None.", hidden: true });
    const wrap = h("div", { class: "ltw-ck-group-body" }, list, more, none);
    wrap.hidden = sev === "info";
    const section = h("section", { class: `ltw-ck-group is-${sev}`, "data-severity": sev },
      h("h4", { class: "ltw-ck-group-h" }, btn), wrap);
    groups[sev] = { section, btn, list, more, none, wrap, open: sev !== "info" };
    btn.addEventListener("click", () => setGroupOpen(sev, !groups[sev].open));
  }
  const empty = h("p", { class: "ltw-empty ltw-ck-empty" });
  const results = h("div", { class: "ltw-ck-results" }, empty, SEVERITIES.map((s) => groups[s].section));

  const body = h("div", { class: "ltw-ck-body", id: ids.body, hidden: true },
    form, alert, progress, progressLabel, summary, results);
  const el = h("section", { class: "ltw-panel ltw-ck", "aria-label": "Checks" }, toggle, body);

  let open = false;
  let checks = normalizeChecks(null);
  let seenPhase = null;
  let seenKey = null;
  let generation = 0; // grows with each finished run we see
  let fetchedGeneration = -1;
  let fetchSeq = 0;
  let fetching = false;
  let findings = null; // normalized findings of the last fetch, or null
  let requestError = null; // a failed run_checks / checks request
  let sending = false;
  let renderSeq = 0; // grows with each re-render of the rows (older thumbnails are dropped)
  let urls = new Set(); // Blob URLs of the rows drawn now
  let observer = null;
  const timers = new Set();
  let disposed = false;

  // ---- drawing ----------------------------------------------------------------------------------
  function render() {
    if (disposed) return;
    setText(toggle, toggleText(checks));
    showOpen(toggle, body, open);
    toggle.classList.toggle("has-blocking", checks.phase === "done" && !!checks.counts && checks.counts.blocking > 0);
    const running = checks.phase === "running";
    setText(runBtn, running ? "Restart checks" : "Run checks");
    attr(runBtn, "aria-disabled", sending ? "true" : null); // not `disabled`: the focus stays on it
    attr(body, "aria-busy", running || fetching ? "true" : null);

    const error = requestError || (checks.phase === "failed" ? checks.error || "The checks failed." : null);
    setText(alert, error || "");
    alert.hidden = !error;

    progress.hidden = !running;
    progressLabel.hidden = !running;
    if (running) {
      const text = progressText(checks);
      setText(progressLabel, text);
      showProgress(progress, bar, { done: checks.done, total: checks.total, text });
    }
    setText(summary, checks.phase === "done" ? checks.summary : "");
    summary.hidden = !summary.textContent;

    results.classList.toggle("is-stale", !!findings && (running || fetching));
    let none = "";
    if (!findings) {
      if (fetching) none = "Loading the findings…";
      else if (checks.phase === "idle") none = "The checks have not run yet. Choose the settings and press Run checks.";
      else if (checks.phase === "running") none = "The findings show here when the checks are done.";
    } else if (!findings.length) none = "No problems found.";
    setText(empty, none);
    empty.hidden = !none;
    const showGroups = !!findings && findings.length > 0;
    const grouped = showGroups ? groupFindings(findings) : null;
    for (const sev of SEVERITIES) {
      const g = groups[sev];
      g.section.hidden = !showGroups;
      if (!showGroups) continue;
      const total = groupTotal(grouped[sev], checks.counts, sev);
      setText(g.btn, `${GROUP_TITLES[sev]} (${fmt(total)})`);
      attr(g.btn, "aria-expanded", g.open ? "true" : "false");
      g.wrap.hidden = !g.open;
    }
  }

  /** Re-draw the finding rows (only when the findings changed): revokes the old thumbnails. */
  function renderRows() {
    renderSeq += 1;
    dropThumbs();
    const grouped = groupFindings(findings || []);
    keepFocus(el, () => {
      for (const sev of SEVERITIES) {
        const g = groups[sev];
        const list = grouped[sev];
        const shown = list.slice(0, GROUP_LIMIT);
        g.list.replaceChildren(...shown.map((f, i) => findingRow(f, `${sev}:${i}`)));
        const total = groupTotal(list, checks.counts, sev);
        const more = total - shown.length;
        setText(g.more, more > 0 ? `${fmt(more)} more not shown` : "");
        g.more.hidden = more <= 0;
        g.none.hidden = total > 0;
      }
    });
    render();
  }

  function showButton(id, name, key) {
    return h("button", {
      type: "button", class: "ltw-btn ltw-ck-show", "aria-label": `Show image ${isolate(id)}`, title: id,
      "data-fkey": key, text: `Show ${name}`, onclick: () => openImage(id),
    });
  }

  function findingRow(f, key) {
    const message = h("p", { class: "ltw-ck-msg", text: f.message });
    const code = f.code ? h("span", { class: "ltw-ck-code ltw-muted", text: f.code }) : null;
    const li = h("li", { class: `ltw-ck-finding is-${f.severity}` }, h("div", { class: "ltw-ck-line" }, message, code));
    if (isPair(f)) {
      const shown = f.ids.slice(0, PAIR_LIMIT);
      const names = distinctNames(shown);
      const slots = shown.map((id, i) => {
        const img = h("span", { class: "ltw-ck-img is-loading", "aria-hidden": "true" });
        const btn = h("button", {
          type: "button", class: "ltw-ck-thumb", "aria-label": `Show image ${isolate(id)}`, title: id,
          "data-fkey": `${key}:${i}`, onclick: () => openImage(id),
        }, img, h("span", { class: "ltw-ck-name", text: names[i] }));
        return { id, img, btn };
      });
      li.append(h("div", { class: "ltw-ck-pair" }, slots.map((s) => s.btn)));
      if (f.ids.length > shown.length) li.append(h("p", { class: "ltw-muted ltw-ck-more", text: `and ${fmt(f.ids.length - shown.length)} more` }));
      watch(li, slots);
    } else if (f.ids.length) {
      const shown = f.ids.slice(0, IDS_LIMIT);
      const names = distinctNames(shown);
      li.append(h("div", { class: "ltw-ck-ids" }, shown.map((id, i) => showButton(id, names[i], `${key}:${i}`)),
        f.ids.length > shown.length ? h("span", { class: "ltw-muted", text: `and ${fmt(f.ids.length - shown.length)} more` }) : null));
    }
    return li;
  }

  // ---- thumbnails of duplicates ---------------------------------------------------------------
  const pending = new Map(); // row element -> slots, waiting to come into view

  function watch(row, slots) {
    if (typeof IntersectionObserver !== "function") {
      loadSlots(slots, renderSeq, 0);
      return;
    }
    if (!observer) {
      observer = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const s = pending.get(entry.target);
          observer.unobserve(entry.target);
          pending.delete(entry.target);
          if (s) loadSlots(s, renderSeq, 0);
        }
      }, { rootMargin: "200px" });
    }
    pending.set(row, slots);
    observer.observe(row);
  }

  function dropThumbs() {
    if (observer) observer.disconnect();
    observer = null;
    pending.clear();
    for (const url of urls) URL.revokeObjectURL(url);
    urls = new Set();
  }

  function thumbSize() {
    const dpr = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
    return Math.max(32, Math.min(512, Math.round(THUMB_SIZE * dpr)));
  }

  async function fetchThumbs(idList) {
    const size = thumbSize();
    if (typeof thumbGroup === "function") {
      const { reply, buffers } = await request("thumbs", { ids: idList, size, group: thumbGroup() },
        { timeoutMs: THUMB_TIMEOUT_MS });
      return thumbEntries(reply, buffers);
    }
    return Promise.all(idList.map((id) => request("preview", { id, width: size, height: size, purpose: "prefetch" },
      { timeoutMs: THUMB_TIMEOUT_MS }).then(
      ({ reply, buffers }) => thumbEntries({ thumbs: [{ id, ok: true, mime: reply.mime }] }, buffers)[0],
      (err) => {
        if (err && err.disposed) throw err;
        return { id, ok: false, superseded: isSuperseded(err), error: err && err.message ? err.message : "No thumbnail" };
      })));
  }

  async function loadSlots(slots, seq, attempt) {
    const wanted = slots.filter((s) => s.img.classList.contains("is-loading"));
    if (!wanted.length || disposed || seq !== renderSeq) return;
    let entries;
    try {
      entries = await fetchThumbs(wanted.map((s) => s.id));
    } catch (err) {
      if (disposed || seq !== renderSeq || (err && err.disposed)) return;
      entries = wanted.map((s) => ({ id: s.id, ok: false, superseded: isSuperseded(err),
        error: err && err.message ? err.message : "No thumbnail" }));
    }
    if (disposed || seq !== renderSeq) return;
    let retry = false;
    for (const entry of entries) {
      const slot = wanted.find((s) => s.id === entry.id && s.img.classList.contains("is-loading"));
      if (!slot) continue;
      if (entry.ok) {
        const url = URL.createObjectURL(new Blob([entry.data], { type: entry.mime }));
        urls.add(url);
        slot.img.replaceChildren(h("img", { src: url, alt: "", draggable: false, decoding: "async" }));
        slot.img.classList.remove("is-loading");
      } else if (entry.superseded && attempt < RETRIES) {
        retry = true;
      } else {
        slot.img.classList.remove("is-loading");
        slot.img.classList.add("is-broken");
        slot.img.replaceChildren(h("span", { class: "ltw-ck-noimg", text: entry.superseded ? "Not loaded" : "No preview" }));
        slot.img.title = entry.error || "";
      }
    }
    if (retry) {
      const t = setTimeout(() => {
        timers.delete(t);
        loadSlots(slots, seq, attempt + 1);
      }, 400 * (attempt + 1));
      timers.add(t);
    }
  }

  // ---- requests ---------------------------------------------------------------------------------
  function fail(err) {
    const message = err && err.message ? err.message : String(err);
    requestError = message;
    if (!open && status) status.show(message, "error");
  }

  async function fetchFindings() {
    if (disposed) return;
    fetchedGeneration = generation;
    const seq = ++fetchSeq;
    fetching = true;
    render();
    try {
      const { reply } = await request("checks", {});
      if (disposed || seq !== fetchSeq) return;
      findings = normalizeFindings(reply);
      requestError = null;
      renderRows();
    } catch (err) {
      if (disposed || (err && err.disposed) || seq !== fetchSeq) return;
      fetchedGeneration = -1; // ask again on the next open
      fail(err);
    } finally {
      if (!disposed && seq === fetchSeq) {
        fetching = false;
        render();
      }
    }
  }

  async function run() {
    if (sending || disposed) return;
    const bad = Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, !!(input.validity && input.validity.badInput)]));
    const built = settingsFields({
      resolution: resolution.value, maxAspect: inputs.maxAspect.value, distance: inputs.distance.value, blur: inputs.blur.value,
    }, bad);
    if (built.error) {
      requestError = built.error;
      render();
      return;
    }
    requestError = null;
    sending = true;
    render();
    try {
      await request("run_checks", built.fields);
    } catch (err) {
      if (disposed || (err && err.disposed)) return;
      fail(err);
    } finally {
      if (!disposed) {
        sending = false;
        render();
      }
    }
  }

  // ---- open / close -----------------------------------------------------------------------------
  function setOpen(next) {
    if (disposed || next === open) return;
    open = next;
    render();
    if (open && checks.phase === "done" && fetchedGeneration !== generation) fetchFindings();
  }

  function setGroupOpen(sev, next) {
    groups[sev].open = next;
    render();
  }

  toggle.addEventListener("click", () => setOpen(!open));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  form.addEventListener("input", () => {
    if (requestError) {
      requestError = null;
      render();
    }
  });
  panelKeys(el, { body, isOpen: () => open, close: () => setOpen(false), refocus: toggle });

  // ---- API --------------------------------------------------------------------------------------
  function update(state) {
    if (disposed || !state) return;
    checks = normalizeChecks(state._checks);
    const key = checks.phase === "done"
      ? JSON.stringify([checks.counts, checks.summary, checks.total, checks.done]) : null;
    if (checks.phase === "done" && (seenPhase !== "done" || key !== seenKey)) generation += 1;
    seenPhase = checks.phase;
    seenKey = key;
    if (open && checks.phase === "done" && fetchedGeneration !== generation) fetchFindings();
    render();
  }

  function dispose() {
    disposed = true;
    fetchSeq += 1;
    renderSeq += 1;
    dropThumbs();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  render();
  return {
    el,
    open() {
      setOpen(true);
      toggle.focus({ preventScroll: true });
      if (typeof toggle.scrollIntoView === "function") toggle.scrollIntoView({ block: "nearest" });
    },
    close: () => setOpen(false),
    isOpen: () => open,
    update,
    dispose,
  };
}
