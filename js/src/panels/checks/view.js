// The Checks panel: data set checks run in the background (Python reports their progress in the
// `_checks` trait), then their findings grouped by severity and, within it, by kind with counts
// (each kind can be hidden), each a click away from its image.
// Duplicates show their images side by side. Python decides what a finding is; this module only
// draws the findings and asks for the run.

import "./checks.css";
import { attr, keepFocus, setText } from "../../lib/dom.js";
import { createLatest } from "../../lib/latest.js";
import { openPanel, panelKeys, showOpen } from "../panel.js";
import { createDuplicateThumbs, findingRow } from "./findings.js";
import { checksElements, kindElements } from "./elements.js";
import {
  SEVERITIES, GROUP_LIMIT, GROUPS_OPEN, normalizeChecks, normalizeFindings, groupFindings, groupByKind, kindHeading,
  progressText, toggleText, settingsFields, groupTotal, groupHeading, moreText, hasBlocking, shownError, emptyText, seeRun,
} from "./logic.js";
import { errorText } from "../../lib/format.js";

/** @typedef {ReturnType<typeof checksElements>} Ui */

/** What the panel knows now, shared by its parts. */
function checksState() {
  return {
    open: false,
    checks: normalizeChecks(null),
    seen: { phase: /** @type {string | null} */ (null), key: /** @type {string | null} */ (null), generation: 0 }, // seeRun
    fetchedGeneration: -1, // the run whose findings were fetched last
    fetching: false,
    findings: /** @type {any[] | null} */ (null), // normalized findings of the last fetch, or null
    requestError: /** @type {string | null} */ (null), // a failed run_checks / checks request
    sending: false,
    groupsOpen: { ...GROUPS_OPEN },
    hiddenKinds: new Set(), // finding codes the person hid; kept across runs while the view lives
    disposed: false,
  };
}

/**
 * A kind's heading and rows; the rows are drawn the first time the kind is shown (a hidden kind
 * asks for no thumbnails).
 * @param {any} kind a groupByKind kind with its kindElements and `built`
 * @param {boolean} hidden
 * @param {{ openImage: (id: string) => void, watch: Function }} rowParts
 */
function drawKind(kind, hidden, rowParts) {
  setText(kind.btn, kindHeading(kind, hidden));
  attr(kind.btn, "aria-expanded", hidden ? "false" : "true");
  kind.body.hidden = hidden;
  if (hidden || kind.built) return;
  kind.built = true;
  const shown = kind.findings.slice(0, GROUP_LIMIT);
  kind.list.replaceChildren(...shown.map((f, i) => findingRow(f, `${kind.key}:${i}`, rowParts)));
  const more = kind.findings.length - shown.length;
  setText(kind.more, moreText(more, "not shown"));
  kind.more.hidden = more <= 0;
}

/**
 * The panel's look: render (cheap, on every change) and renderRows (the finding rows, only when
 * the findings changed; it lets the old thumbnails go).
 * @param {Ui} ui
 * @param {ReturnType<typeof checksState>} s
 * @param {{ openImage: (id: string) => void, thumbs: ReturnType<typeof createDuplicateThumbs> }} parts
 */
function createChecksLook(ui, s, { openImage, thumbs }) {
  /** The toggle, the run button, the error, the progress and the summary. */
  function showRun() {
    const { toggle, body, runBtn, alert, progress, summary } = ui;
    setText(toggle, toggleText(s.checks));
    showOpen(toggle, body, s.open);
    toggle.classList.toggle("has-blocking", hasBlocking(s.checks));
    const running = s.checks.phase === "running";
    setText(runBtn, running ? "Restart checks" : "Run checks");
    attr(runBtn, "aria-disabled", s.sending ? "true" : null); // not `disabled`: the focus stays on it
    attr(body, "aria-busy", running || s.fetching ? "true" : null);
    const error = shownError(s.requestError, s.checks);
    setText(alert, error || "");
    alert.hidden = !error;
    progress.el.hidden = !running;
    if (running) progress.show({ done: s.checks.done, total: s.checks.total, text: progressText(s.checks) });
    setText(summary, s.checks.phase === "done" ? s.checks.summary : "");
    summary.hidden = !summary.textContent;
  }

  /** The results: stale or not, the line in place of findings, the severity groups' headings. */
  function showResults() {
    const { findings } = s;
    ui.results.classList.toggle("is-stale", !!findings && (s.checks.phase === "running" || s.fetching));
    const none = emptyText(findings, s.fetching, s.checks.phase);
    setText(ui.empty, none);
    ui.empty.hidden = !none;
    const showGroups = !!findings && findings.length > 0;
    const grouped = showGroups ? groupFindings(findings) : null;
    for (const sev of SEVERITIES) {
      const g = ui.groups[sev];
      g.section.hidden = !showGroups;
      if (!showGroups) continue;
      setText(g.btn, groupHeading(sev, groupTotal(grouped[sev], s.checks.counts, sev)));
      attr(g.btn, "aria-expanded", s.groupsOpen[sev] ? "true" : "false");
      g.wrap.hidden = !s.groupsOpen[sev];
    }
  }

  function render() {
    if (s.disposed) return;
    showRun();
    showResults();
  }

  const rowParts = { openImage, watch: thumbs.watch };
  const draw = (kind) => drawKind(kind, s.hiddenKinds.has(kind.code), rowParts);

  /** One kind of finding of a severity group, its heading showing or hiding it. */
  function kindSection(sev, kind) {
    const drawn = {
      ...kind,
      ...kindElements(sev, kind, () => {
        if (s.hiddenKinds.has(kind.code)) s.hiddenKinds.delete(kind.code);
        else s.hiddenKinds.add(kind.code);
        draw(drawn);
      }),
      built: false,
    };
    return drawn;
  }

  /** A severity group's kinds, and how many of its findings the reply left out. */
  function fillGroup(sev, findings) {
    const g = ui.groups[sev];
    const kinds = groupByKind(findings).map((kind) => kindSection(sev, kind));
    g.list.replaceChildren(...kinds.map((kind) => kind.el));
    kinds.forEach(draw);
    const total = groupTotal(findings, s.checks.counts, sev);
    const more = total - findings.length;
    setText(g.more, moreText(more, "not listed"));
    g.more.hidden = more <= 0;
    g.none.hidden = total > 0;
  }

  function renderRows() {
    thumbs.reset();
    const grouped = groupFindings(s.findings || []);
    keepFocus(ui.el, () => {
      for (const sev of SEVERITIES) fillGroup(sev, grouped[sev]);
    });
    render();
  }

  return { render, renderRows };
}

/** The `run_checks` fields (or the error) from the settings form as typed. */
function typedSettings({ resolution, inputs }) {
  const bad = Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, !!(input.validity && input.validity.badInput)]));
  return settingsFields({
    resolution: resolution.value, maxAspect: inputs.maxAspect.value, distance: inputs.distance.value, blur: inputs.blur.value,
  }, bad);
}

/**
 * The two requests: the findings of the last run (only the latest answer counts) and a run.
 * @param {Ui} ui
 * @param {ReturnType<typeof checksState>} s
 * @param {{ request: Function, status: { show: Function } | null, look: ReturnType<typeof createChecksLook> }} parts
 */
function createChecksRequests(ui, s, { request, status, look }) {
  const findingsAsked = createLatest();

  function fail(err) {
    const message = errorText(err);
    s.requestError = message;
    if (!s.open && status) status.show(message, "error");
  }

  async function fetchFindings() {
    if (s.disposed) return;
    s.fetchedGeneration = s.seen.generation;
    const ticket = findingsAsked.next();
    s.fetching = true;
    look.render();
    try {
      const { reply } = await request("checks", {});
      if (s.disposed || !findingsAsked.isLatest(ticket)) return;
      s.findings = normalizeFindings(reply);
      s.requestError = null;
      look.renderRows();
    } catch (err) {
      if (s.disposed || (err && err.disposed) || !findingsAsked.isLatest(ticket)) return;
      s.fetchedGeneration = -1; // ask again on the next open
      fail(err);
    } finally {
      if (!s.disposed && findingsAsked.isLatest(ticket)) {
        s.fetching = false;
        look.render();
      }
    }
  }

  async function run() {
    if (s.sending || s.disposed) return;
    const built = typedSettings(ui);
    if (built.error) {
      s.requestError = built.error;
      look.render();
      return;
    }
    s.requestError = null;
    s.sending = true;
    look.render();
    try {
      await request("run_checks", built.fields);
    } catch (err) {
      if (s.disposed || (err && err.disposed)) return;
      fail(err);
    } finally {
      if (!s.disposed) {
        s.sending = false;
        look.render();
      }
    }
  }

  return { fetchFindings, run, dispose: () => findingsAsked.drop() };
}

/**
 * The clicks, the form and the keys.
 * @param {Ui} ui
 * @param {ReturnType<typeof checksState>} s
 * @param {{ setOpen: (open: boolean) => void, run: () => void, render: () => void }} parts
 */
function wireChecksEvents(ui, s, { setOpen, run, render }) {
  const { el, toggle, body, form, groups } = ui;
  for (const sev of SEVERITIES) {
    groups[sev].btn.addEventListener("click", () => {
      s.groupsOpen[sev] = !s.groupsOpen[sev];
      render();
    });
  }
  toggle.addEventListener("click", () => setOpen(!s.open));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  form.addEventListener("input", () => {
    if (s.requestError) {
      s.requestError = null;
      render();
    }
  });
  panelKeys(el, { body, isOpen: () => s.open, close: () => setOpen(false), refocus: toggle });
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
  const ui = checksElements();
  const s = checksState();
  const thumbs = createDuplicateThumbs({ request, thumbGroup });
  const look = createChecksLook(ui, s, { openImage, thumbs });
  const requests = createChecksRequests(ui, s, { request, status, look });
  const wantsFindings = () => s.open && s.checks.phase === "done" && s.fetchedGeneration !== s.seen.generation;

  function setOpen(next) {
    if (s.disposed || next === s.open) return;
    s.open = next;
    look.render();
    if (wantsFindings()) requests.fetchFindings();
  }
  wireChecksEvents(ui, s, { setOpen, run: requests.run, render: look.render });

  function update(state) {
    if (s.disposed || !state) return;
    s.checks = normalizeChecks(state._checks);
    s.seen = seeRun(s.seen, s.checks);
    if (wantsFindings()) requests.fetchFindings();
    look.render();
  }

  function dispose() {
    s.disposed = true;
    requests.dispose();
    thumbs.dispose();
  }

  look.render();
  return {
    el: ui.el,
    open: () => openPanel(setOpen, ui.toggle, { scroll: true }),
    close: () => setOpen(false),
    isOpen: () => s.open,
    update,
    dispose,
  };
}
