// The Checks panel: data set checks run in the background (Python reports their progress in the
// `_checks` trait), then their findings grouped by severity and, within it, by kind with counts
// (each kind can be hidden), each a click away from its image.
// Duplicates show their images side by side. Python decides what a finding is; this module only
// draws the findings and asks for the run.

import "./checks.css";
import { h, attr, keepFocus, setText, uniqueId } from "../../lib/dom.js";
import { createLatest } from "../../lib/latest.js";
import { openPanel, panelKeys, panelToggle, showOpen, showProgress } from "../panel.js";
import { createDuplicateThumbs, findingRow } from "./findings.js";
import {
  SEVERITIES, RESOLUTIONS, GROUP_LIMIT, GROUP_TITLES, SETTING_DEFAULTS, normalizeChecks, normalizeFindings, groupFindings,
  groupByKind, kindHeading, progressText, toggleText, settingsFields, groupTotal,
} from "./logic.js";
import { fmt, errorText } from "../../lib/format.js";

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
  const ids = Object.fromEntries(["body", "resolution", "maxAspect", "distance", "blur", "hint", "distanceHint", "blurHint"]
    .map((key) => [key, uniqueId(`ltw-ck-${key}`)]));

  const toggle = panelToggle("ltw-ck-toggle", ids.body, "Checks");

  const resolution = h("select", { class: "ltw-input", id: ids.resolution },
    RESOLUTIONS.map((r) => h("option", { value: String(r), text: `${r} px`, selected: r === 1024 })));
  resolution.value = "1024";
  // Each field holds the value a run uses; cleared, it shows the default it falls back to.
  const number = (id, key, props) => h("input", {
    class: "ltw-input ltw-ck-number", type: "number", id, inputmode: "decimal", value: String(SETTING_DEFAULTS[key]),
    placeholder: String(SETTING_DEFAULTS[key]), autocomplete: "off", ...props,
  });
  const inputs = {
    maxAspect: number(ids.maxAspect, "maxAspect", { min: "1", step: "0.1", "aria-describedby": ids.hint }),
    distance: number(ids.distance, "distance", { min: "0", max: "64", step: "1", inputmode: "numeric",
      "aria-describedby": `${ids.distanceHint} ${ids.hint}` }),
    blur: number(ids.blur, "blur", { min: "0", step: "any", "aria-describedby": `${ids.blurHint} ${ids.hint}` }),
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
      field(ids.blur, "Blur threshold", inputs.blur,
        h("span", { class: "ltw-muted ltw-ck-hint", id: ids.blurHint, text: "Sharpness of an image's sharpest part under which it is blurry" }))),
    h("p", { class: "ltw-muted ltw-ck-hint", id: ids.hint,
      text: `A cleared field uses its default: max aspect ${SETTING_DEFAULTS.maxAspect}, distance ${SETTING_DEFAULTS.distance}, blur ${SETTING_DEFAULTS.blur}.` }),
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
  const findingsAsked = createLatest();
  let fetching = false;
  let findings = null; // normalized findings of the last fetch, or null
  let requestError = null; // a failed run_checks / checks request
  let sending = false;
  const thumbs = createDuplicateThumbs({ request, thumbGroup });
  let disposed = false;
  const hiddenKinds = new Set(); // finding codes the person hid; kept across runs while the view lives

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

  /** A kind's heading and rows; the rows are drawn the first time the kind is shown (a hidden
   *  kind asks for no thumbnails). */
  function drawKind(kind) {
    const hidden = hiddenKinds.has(kind.code);
    setText(kind.btn, kindHeading(kind, hidden));
    attr(kind.btn, "aria-expanded", hidden ? "false" : "true");
    kind.body.hidden = hidden;
    if (hidden || kind.built) return;
    kind.built = true;
    const shown = kind.findings.slice(0, GROUP_LIMIT);
    kind.list.replaceChildren(...shown.map((f, i) => findingRow(f, `${kind.key}:${i}`, { openImage, watch: thumbs.watch })));
    const more = kind.findings.length - shown.length;
    setText(kind.more, more > 0 ? `${fmt(more)} more not shown` : "");
    kind.more.hidden = more <= 0;
  }

  /** One kind of finding of a severity group: a heading that shows or hides it, and its rows. */
  function kindSection(sev, kind) {
    const key = `${sev}:${kind.code}`;
    const bodyId = uniqueId("ltw-ck-kind");
    const btn = h("button", {
      type: "button", class: "ltw-ck-kind-toggle", "aria-controls": bodyId, "data-fkey": `ck-kind:${key}`,
      title: "Show or hide the findings of this kind",
    });
    const list = h("ul", { class: "ltw-ck-kind-list" });
    const more = h("p", { class: "ltw-muted ltw-ck-more", hidden: true });
    const body = h("div", { id: bodyId }, list, more);
    const drawn = { ...kind, key, btn, list, more, body, built: false };
    btn.addEventListener("click", () => {
      if (hiddenKinds.has(kind.code)) hiddenKinds.delete(kind.code);
      else hiddenKinds.add(kind.code);
      drawKind(drawn);
    });
    drawn.el = h("li", { class: "ltw-ck-kind", "data-code": kind.code }, h("h5", { class: "ltw-ck-kind-h" }, btn), body);
    return drawn;
  }

  /** Re-draw the finding rows (only when the findings changed): revokes the old thumbnails. */
  function renderRows() {
    thumbs.reset();
    const grouped = groupFindings(findings || []);
    keepFocus(el, () => {
      for (const sev of SEVERITIES) {
        const g = groups[sev];
        const sections = groupByKind(grouped[sev]).map((kind) => kindSection(sev, kind));
        g.list.replaceChildren(...sections.map((kind) => kind.el));
        sections.forEach(drawKind);
        const total = groupTotal(grouped[sev], checks.counts, sev);
        const more = total - grouped[sev].length;
        setText(g.more, more > 0 ? `${fmt(more)} more not listed` : "");
        g.more.hidden = more <= 0;
        g.none.hidden = total > 0;
      }
    });
    render();
  }

  // ---- requests ---------------------------------------------------------------------------------
  function fail(err) {
    const message = errorText(err);
    requestError = message;
    if (!open && status) status.show(message, "error");
  }

  async function fetchFindings() {
    if (disposed) return;
    fetchedGeneration = generation;
    const ticket = findingsAsked.next();
    fetching = true;
    render();
    try {
      const { reply } = await request("checks", {});
      if (disposed || !findingsAsked.isLatest(ticket)) return;
      findings = normalizeFindings(reply);
      requestError = null;
      renderRows();
    } catch (err) {
      if (disposed || (err && err.disposed) || !findingsAsked.isLatest(ticket)) return;
      fetchedGeneration = -1; // ask again on the next open
      fail(err);
    } finally {
      if (!disposed && findingsAsked.isLatest(ticket)) {
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
    findingsAsked.drop();
    thumbs.dispose();
  }

  render();
  return {
    el,
    open: () => openPanel(setOpen, toggle, { scroll: true }),
    close: () => setOpen(false),
    isOpen: () => open,
    update,
    dispose,
  };
}
