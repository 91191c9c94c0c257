// The Checks panel's elements: the settings form, the run's progress and the severity groups with
// their kinds. DOM only, no state; the view wires the actions.

import { h, uniqueId } from "../../lib/dom.js";
import { panelToggle } from "../panel.js";
import { createProgressBar } from "../../lib/progress.js";
import { SEVERITIES, RESOLUTIONS, SETTING_DEFAULTS, GROUPS_OPEN } from "./logic.js";

/** A number field that holds the value a run uses; cleared, it shows the default it falls back to. */
function numberInput(id, key, props) {
  return h("input", {
    class: "ltw-input ltw-ck-number", type: "number", id, inputmode: "decimal", value: String(SETTING_DEFAULTS[key]),
    placeholder: String(SETTING_DEFAULTS[key]), autocomplete: "off", ...props,
  });
}

/** A labelled field of the settings form. */
function field(id, label, control, ...extra) {
  return h("div", { class: "ltw-ck-field" }, h("label", { for: id, text: label }), control, ...extra);
}

/** The settings form: the training resolution, the three numbers and the run button. */
function settingsForm() {
  const ids = Object.fromEntries(["resolution", "maxAspect", "distance", "blur", "hint", "distanceHint", "blurHint"]
    .map((key) => [key, uniqueId(`ltw-ck-${key}`)]));
  const resolution = h("select", { class: "ltw-input", id: ids.resolution },
    RESOLUTIONS.map((r) => h("option", { value: String(r), text: `${r} px`, selected: r === 1024 })));
  resolution.value = "1024";
  const inputs = {
    maxAspect: numberInput(ids.maxAspect, "maxAspect", { min: "1", step: "0.1", "aria-describedby": ids.hint }),
    distance: numberInput(ids.distance, "distance", { min: "0", max: "64", step: "1", inputmode: "numeric",
      "aria-describedby": `${ids.distanceHint} ${ids.hint}` }),
    blur: numberInput(ids.blur, "blur", { min: "0", step: "any", "aria-describedby": `${ids.blurHint} ${ids.hint}` }),
  };
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
  return { form, resolution, inputs, runBtn };
}

/** A severity group: its heading button (which shows or hides it), its list of kinds, "more" and "None.". */
function severityGroup(sev) {
  const open = GROUPS_OPEN[sev];
  const listId = uniqueId(`ltw-ck-${sev}`);
  const btn = h("button", {
    type: "button", class: "ltw-ck-group-toggle", "aria-expanded": open ? "true" : "false",
    "aria-controls": listId, "data-fkey": `ck-group:${sev}`,
  });
  const list = h("ul", { class: "ltw-ck-list", id: listId, hidden: !open });
  const more = h("p", { class: "ltw-muted ltw-ck-more", hidden: true });
  const none = h("p", { class: "ltw-muted ltw-ck-none", text: "None.", hidden: true });
  const wrap = h("div", { class: "ltw-ck-group-body" }, list, more, none);
  wrap.hidden = !open;
  const section = h("section", { class: `ltw-ck-group is-${sev}`, "data-severity": sev },
    h("h4", { class: "ltw-ck-group-h" }, btn), wrap);
  return { section, btn, list, more, none, wrap };
}

/** The panel's elements, as the view wires them (buttons without their actions). */
export function checksElements() {
  const bodyId = uniqueId("ltw-ck-body");
  const toggle = panelToggle("ltw-ck-toggle", bodyId, "Checks");
  const { form, resolution, inputs, runBtn } = settingsForm();
  const alert = h("p", { class: "ltw-ck-error", role: "alert", hidden: true });
  const progress = createProgressBar("Checks progress");
  const summary = h("p", { class: "ltw-ck-summary", role: "status", "aria-live": "polite" });
  const groups = Object.fromEntries(SEVERITIES.map((sev) => [sev, severityGroup(sev)]));
  const empty = h("p", { class: "ltw-empty ltw-ck-empty" });
  const results = h("div", { class: "ltw-ck-results" }, empty, SEVERITIES.map((s) => groups[s].section));
  const body = h("div", { class: "ltw-ck-body", id: bodyId, hidden: true },
    form, alert, progress.el, summary, results);
  const el = h("section", { class: "ltw-panel ltw-ck", "aria-label": "Checks" }, toggle, body);
  return {
    el, toggle, body, form, resolution, inputs, runBtn, alert, progress, summary, groups, empty, results,
  };
}

/**
 * One kind of finding of a severity group: a heading button that shows or hides it (onToggle) and
 * the place for its rows: { key, btn, list, more, body, el }.
 * @param {string} sev
 * @param {{ code: string }} kind
 * @param {() => void} onToggle
 */
export function kindElements(sev, kind, onToggle) {
  const key = `${sev}:${kind.code}`;
  const bodyId = uniqueId("ltw-ck-kind");
  const btn = h("button", {
    type: "button", class: "ltw-ck-kind-toggle", "aria-controls": bodyId, "data-fkey": `ck-kind:${key}`,
    title: "Show or hide the findings of this kind", onclick: onToggle,
  });
  const list = h("ul", { class: "ltw-ck-kind-list" });
  const more = h("p", { class: "ltw-muted ltw-ck-more", hidden: true });
  const body = h("div", { id: bodyId }, list, more);
  const el = h("li", { class: "ltw-ck-kind", "data-code": kind.code }, h("h5", { class: "ltw-ck-kind-h" }, btn), body);
  return { key, btn, list, more, body, el };
}
