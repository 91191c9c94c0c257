// The batch edit panel's elements and the drawing of a preview's results: DOM only, no state.

import { h, append, attr, setText, uniqueId } from "../../lib/dom.js";
import { count, fmt, obj, plural } from "../../lib/format.js";
import { createScopeGroup } from "../scope.js";
import { MENU_KINDS, SCOPES, TAG_LABELS, TAG_LIST_LIMIT, skippedText, tagRows } from "./logic.js";

/** The panel's elements, as the view wires them (buttons without their actions). */
export function batchElements() {
  const ids = Object.fromEntries(["kindHint", "tags", "where", "renames", "renamesHint", "pattern", "patternHint",
    "replacement", "target", "order", "ignoreCase"]
    .map((key) => [key, uniqueId(`ltw-batch-${key}`)]));

  const option = (value, text) => h("option", { value, text });
  const kindSelect = h("select", { class: "ltw-input ltw-batch-kind", "aria-label": "Operation" },
    MENU_KINDS.map((k) => option(k.value, k.label)));
  const kindHint = h("p", { class: "ltw-batch-hint ltw-muted", id: ids.kindHint });
  attr(kindSelect, "aria-describedby", ids.kindHint);

  const controls = {
    tags: h("input", { class: "ltw-input", type: "text", id: ids.tags, autocomplete: "off", spellcheck: "false",
      placeholder: "red hair, smiling" }),
    where: h("select", { class: "ltw-input", id: ids.where },
      option("end", "At the end"), option("start", "At the start")),
    renames: h("textarea", { class: "ltw-input ltw-batch-renames", id: ids.renames, rows: "3", spellcheck: "false",
      placeholder: "red_hair -> red hair\nblonde, blond hair -> blonde hair", "aria-describedby": ids.renamesHint }),
    pattern: h("input", { class: "ltw-input ltw-batch-code", type: "text", id: ids.pattern, autocomplete: "off",
      spellcheck: "false", placeholder: "_", "aria-describedby": ids.patternHint }),
    replacement: h("input", { class: "ltw-input ltw-batch-code", type: "text", id: ids.replacement, autocomplete: "off",
      spellcheck: "false", placeholder: "(empty: remove the match)" }),
    target: h("select", { class: "ltw-input", id: ids.target },
      option("tag", "Each tag"), option("caption", "The whole caption text")),
    order: h("select", { class: "ltw-input", id: ids.order },
      option("alpha", "Alphabetically"), option("frequency", "By frequency, most common first")),
    ignoreCase: h("input", { type: "checkbox", id: ids.ignoreCase }),
  };
  const tagsLabel = h("label", { for: ids.tags, text: TAG_LABELS.add });
  const field = (key, label, ...extra) => h("div", { class: "ltw-batch-field", "data-field": key },
    typeof label === "string" ? h("label", { for: ids[key], text: label }) : label, controls[key], ...extra);
  const fieldEls = {
    tags: field("tags", tagsLabel),
    where: field("where", "Where"),
    renames: field("renames", "Renames, one a line",
      h("p", { class: "ltw-batch-hint ltw-muted", id: ids.renamesHint,
        text: "old -> new (or old → new). Several old tags to one new tag merge them. Ctrl+Enter previews." })),
    pattern: field("pattern", "Find (regular expression)",
      h("p", { class: "ltw-batch-hint ltw-muted", id: ids.patternHint,
        text: "Python's syntax without lookaround or backreferences (RE2). The replacement may use " +
          "\\1 or \\g<name>; an empty result removes a tag." })),
    replacement: field("replacement", "Replace with"),
    target: field("target", "In"),
    order: field("order", "Order"),
    ignoreCase: h("div", { class: "ltw-batch-field ltw-batch-check", "data-field": "ignoreCase" },
      controls.ignoreCase, h("label", { for: ids.ignoreCase, text: "Ignore case" })),
  };
  const triggerNote = h("p", { class: "ltw-batch-trigger" });

  const scopeGroup = createScopeGroup({ scopes: SCOPES, label: "Apply to", title: "Apply to", className: "ltw-batch-scope" });

  const previewBtn = h("button", { type: "submit", class: "ltw-btn ltw-primary", text: "Preview" });
  const applyBtn = h("button", { type: "button", class: "ltw-btn ltw-batch-apply", text: "Apply", disabled: true,
   });
  const closeBtn = h("button", { type: "button", class: "ltw-btn ltw-batch-close", text: "Close",
    "aria-label": "Close batch edit", title: "Close (Escape)" });
  const error = h("p", { class: "ltw-batch-error", role: "alert", hidden: true });

  const form = h("form", { class: "ltw-batch-form", novalidate: true },
    h("div", { class: "ltw-batch-field ltw-batch-kind-field" }, kindSelect, kindHint),
    h("div", { class: "ltw-batch-fields" }, Object.values(fieldEls)),
    triggerNote, scopeGroup.el,
    h("div", { class: "ltw-batch-actions" }, previewBtn, applyBtn),
    error);

  const headline = h("p", { class: "ltw-batch-headline", role: "status", "aria-live": "polite" });
  const stale = h("p", { class: "ltw-batch-stale", hidden: true,
    text: "The form or the images changed since this preview: press Preview again to apply." });
  const details = h("div", { class: "ltw-batch-details" });
  const results = h("div", { class: "ltw-batch-results" }, headline, stale, details);

  const el = h("section", { class: "ltw-panel-box ltw-batch", "aria-label": "Batch edit", tabindex: "-1", hidden: true },
    h("div", { class: "ltw-batch-head" }, h("h3", { class: "ltw-h", text: "Batch edit" }), closeBtn),
    form, results);
  return { kindSelect, kindHint, controls, tagsLabel, fieldEls, triggerNote, scopeGroup, previewBtn, applyBtn, closeBtn, error, form, headline, stale, details, results, el };
}

/** A list of tags that come or go ("added" or "removed"), with how many images each. */
function tagList(title, rows, sign) {
  if (!rows.length) return null;
  const shown = rows.slice(0, TAG_LIST_LIMIT);
  const more = rows.length - shown.length;
  return h("div", { class: "ltw-batch-taglist" },
    h("h4", { class: "ltw-batch-subh", text: `${title} (${fmt(rows.length)})` }),
    h("ul", { class: `ltw-batch-tags is-${sign}` },
      shown.map(([tag, n]) => h("li", { class: "ltw-batch-tag" },
        h("span", { class: "ltw-batch-tag-text", text: tag }), " ",
        h("span", { class: "ltw-batch-tag-count", text: plural(n, "image", "images") }))),
      more > 0 ? h("li", { class: "ltw-batch-more ltw-muted", text: `and ${fmt(more)} more` }) : null));
}

/** One example: an image's caption before and after. */
function example(ex) {
  const e = obj(ex);
  const name = typeof e.id === "string" ? e.id : "";
  const block = (label, text) => h("div", { class: "ltw-batch-side" },
    h("span", { class: "ltw-batch-side-label", text: label }),
    h("pre", { class: "ltw-batch-pre", text: typeof text === "string" ? text : "" }));
  return h("li", { class: "ltw-batch-example" },
    h("p", { class: "ltw-batch-example-name", text: name, title: name }),
    h("div", { class: "ltw-batch-pair" }, block("Before", e.before), block("After", e.after)));
}

/** Show a `batch_preview` reply: its headline in `headline`, the rest (left-out images, tags that
 *  come and go, examples) in `details`. */
export function drawPreview(headline, details, reply) {
  const r = obj(reply);
  const changes = count(r.changes);
  const size = count(r.scope_size);
  const summary = typeof r.summary === "string" && r.summary ? r.summary
    : `${fmt(changes)} of ${plural(size, "image", "images")} would change`;
  setText(headline, changes === 0 ? `${summary}. Nothing to apply.` : summary);
  const skipped = skippedText(r.skipped);
  const examples = Array.isArray(r.examples) ? r.examples.slice(0, 3) : [];
  details.replaceChildren();
  append(details, [
    skipped ? h("p", { class: "ltw-batch-skipped", text: skipped }) : null,
    h("div", { class: "ltw-batch-lists" },
      tagList("Tags added", tagRows(r.tags_added), "added"),
      tagList("Tags removed", tagRows(r.tags_removed), "removed")),
    examples.length ? h("h4", { class: "ltw-batch-subh", text: examples.length === 1 ? "Example" : "Examples" }) : null,
    examples.length ? h("ul", { class: "ltw-batch-examples" }, examples.map(example)) : null]);
}

