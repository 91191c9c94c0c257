// The Export panel's elements: the form (target, destination, options, images, fixes) and the
// outcome (progress, summary, the trainer's configuration). DOM only, no state.

import { h, uniqueId } from "../../lib/dom.js";
import { panelToggle } from "../panel.js";
import { createProgressBar } from "../../lib/progress.js";
import { createScopeGroup } from "../scope.js";
import { TARGETS, FIXES, SCOPES, REPEATS_MAX } from "./logic.js";

/** The panel's elements, as the view wires them (no actions attached). */
export function exportElements() {
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
  const progress = createProgressBar("Export progress");
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
  const outcome = h("div", { class: "ltw-exp-outcome" }, progress.el, summary, failed, configBox);

  const body = h("div", { class: "ltw-panel-box ltw-exp-body", id: ids.body, hidden: true }, form, outcome);
  const el = h("section", { class: "ltw-panel ltw-exp", "aria-label": "Export", tabindex: "-1" }, toggle, body);
  return { toggle, targetRadios, dest, destHint, repeats, name, prefix, kohyaHint, renamedHint, kohyaOptions, renamedOptions, scopeGroup, fixBoxes, fixes, triggerNote, replace, exportBtn, formError, formNotice, form, progress, summary, failed, config, copyBtn, copyNote, configNote, configBox, outcome, body, el };
}
