// The images an operation works on, for the panels that ask (Batch edit, Export): all images, the
// filtered ones or the selected ones, as choices with their counts and as a radio group.

import "./panel.css";
import { h, setText, uniqueId } from "../lib/dom.js";
import { count, fmt, obj } from "../lib/format.js";


/** The selected images of a state (`_shown_selection`). */
export function selectionOf(state) {
  const s = obj(state);
  return Array.isArray(s._shown_selection) ? s._shown_selection : [];
}

/**
 * The choices all / filtered / selected: [{ value, label, count, disabled }]. Filtered needs a
 * filter and Selected a selection; with `disableEmpty` a choice of no images is disabled too.
 * state: progress ({ total, all, filtered }), _shown_selection.
 */
export function imageScopes(state, { disableEmpty = false } = {}) {
  const progress = obj(obj(state).progress);
  const selection = selectionOf(state);
  const all = count(Number.isFinite(progress.all) ? progress.all : progress.total);
  const filtered = count(progress.total);
  return [
    { value: "all", label: "All images", count: all, disabled: disableEmpty && all === 0 },
    { value: "filtered", label: "Filtered images", count: filtered, disabled: !progress.filtered || (disableEmpty && filtered === 0) },
    { value: "selected", label: "Selected images", count: selection.length, disabled: selection.length === 0 },
  ];
}

/**
 * The scope to use: `wanted` when it can be, else the first of `fallbacks` that can be; when none
 * can, `wanted` if it is one of the choices, else "all".
 */
export function pickScope(choices, wanted, fallbacks = ["all"]) {
  const ok = (value) => choices.some((c) => c.value === value && !c.disabled);
  if (ok(wanted)) return wanted;
  for (const value of fallbacks) if (ok(value)) return value;
  return choices.some((c) => c.value === wanted) ? wanted : "all";
}

/**
 * The scope a panel takes when it opens, or when its scope can no longer be: `chosen` (what the
 * person last picked) when it can be, else the filtered images, else all. The selected images
 * only while the grid shows them: a selection left over in the grid is not taken silently.
 */
export function defaultScope(choices, state, chosen) {
  const fallbacks = obj(state).view === "grid" ? ["selected", "filtered", "all"] : ["filtered", "all"];
  return pickScope(choices, chosen, fallbacks);
}

/**
 * createScopeGroup({ scopes, label, title, className, titleClass }) -> { el, radios, show(choices, scope, countText), chosen }
 *   A radio group named `label`, headed by `title`, one radio a scope value; `className` is the
 *   panel's own class for the group, `titleClass` for its title.
 *   show(): each choice's label, count (countText(choice); "(12)" by default), disabled state,
 *   and which radio is checked. chosen: the scope the person last picked (null before).
 */
export function createScopeGroup({ scopes, label, title, className, titleClass = "" }) {
  const name = uniqueId(`${className}-name`);
  const radios = {};
  const counts = {};
  let chosen = null;
  const el = h("div", { class: `ltw-scope ${className}`, role: "radiogroup", "aria-label": label },
    h("span", { class: `ltw-scope-title ${titleClass}`.trim(), "aria-hidden": "true", text: title }),
    scopes.map((value) => {
      const id = uniqueId(`${className}-${value}`);
      radios[value] = h("input", { type: "radio", name, value, id });
      radios[value].addEventListener("change", () => {
        if (radios[value].checked) chosen = value;
      });
      counts[value] = h("span", { class: "ltw-scope-count" });
      return h("label", { class: "ltw-scope-item", for: id },
        radios[value], h("span", { class: "ltw-scope-label" }), " ", counts[value]);
    }));

  function show(choices, scope, countText = (c) => `(${fmt(c.count)})`) {
    for (const c of choices) {
      const radio = radios[c.value];
      radio.disabled = c.disabled;
      radio.checked = c.value === scope;
      setText(radio.nextSibling, c.label);
      setText(counts[c.value], countText(c));
      radio.parentNode.classList.toggle("is-disabled", c.disabled);
    }
  }

  return { el, radios, show, get chosen() { return chosen; } };
}
