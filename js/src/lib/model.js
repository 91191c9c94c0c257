// The one model of the front end: anywidget's model of TaggerWidget, typed with the names Python
// uses (lora_tagger_widget/widget.py, docs/protocol.md). The view works in places among the
// images the filter lets through: `_place`, `_shown_count` and `_shown_selection`; Python's
// `index`, `count` and `selection` are positions in the whole set and the front end does not
// read them. `_current` is underscored because Python's `current` is the Item itself.

/**
 * anywidget's model, as far as the front end uses it.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {() => void} save_changes
 * @property {(event: string, callback: (...args: any[]) => void) => void} on
 * @property {(event: string, callback?: (...args: any[]) => void) => void} off
 * @property {(content: object, callbacks?: any, buffers?: ArrayBuffer[]) => void} send
 */

/**
 * The current image (`_current`), {} when there is none.
 * @typedef {object} Current
 * @property {string} [id]
 * @property {string} [name]
 * @property {string[]} [tags]
 * @property {number} [width]
 * @property {number} [height]
 * @property {boolean} [reviewed]
 * @property {boolean} [editable]
 * @property {string} [locked_reason]
 * @property {object} [conflict]
 * @property {object[]} [flags]
 * @property {object} [tokens]
 * @property {{ first?: boolean, placeholder?: boolean }} [trigger]
 * @property {string} [prev]
 * @property {string} [next]
 */

/**
 * The synced traits the view reads, under their Python names, each of the type Python gives it
 * (a Dict trait that is not an object reads as {}, `_shown_selection` as []), and `paletteInUse`,
 * the one value of the view's own: how many palette tags some image has (null until known).
 * @typedef {object} ViewState
 * @property {number} _place  the current image's place among the shown images, -1 for none
 * @property {number} _shown_count  how many images the filter lets through
 * @property {number[]} _shown_selection  selected places among the shown images, sorted
 * @property {Current} _current
 * @property {{ total?: number, all?: number, filtered?: boolean, tagged?: number, reviewed?: number }} progress
 * @property {{ error?: string, message?: string, unsaved?: number, conflicts?: number, saving?: number[] }} status
 * @property {boolean} autosave
 * @property {boolean} closed
 * @property {"single" | "grid"} view
 * @property {number} items_version
 * @property {{ phase?: string, done?: number, total?: number }} loading
 * @property {string} filter
 * @property {{ message?: string }} filter_error
 * @property {string} trigger
 * @property {"tags" | "text"} caption_mode
 * @property {"filter" | "add"} tag_click
 * @property {{ undo?: string[], redo?: string[] }} _history
 * @property {object} _checks
 * @property {object} _export
 * @property {{ [key: string]: string }} _slots  the tags pinned to digit keys, by key "1".."9"
 * @property {object} _autotag  the background auto-tagging run (widget.py)
 * @property {string[]} _taggers  the taggers added with `add_tagger`
 * @property {number | null} [paletteInUse]
 */

/** The traits whose changes redraw the view. */
export const TRAITS = ["_place", "_shown_count", "_current", "progress", "status", "autosave",
  "closed", "view", "_shown_selection", "items_version", "loading", "filter", "filter_error",
  "trigger", "caption_mode", "tag_click", "_history", "_checks", "_export", "_slots", "_autotag",
  "_taggers"];

/** Dict traits: an object, or {} for anything else. */
const DICTS = ["_current", "progress", "status", "loading", "filter_error", "_slots"];

/** The view shown: "grid" or "single" (anything else). */
export function viewOf(view) {
  return view === "grid" ? "grid" : "single";
}

/**
 * The traits of `model` (or of anything that reads them, as lib/sync.js's state layer) as a
 * ViewState.
 * @param {{ get: (name: string) => any }} model
 * @returns {ViewState}
 */
export function readState(model) {
  /** @type {any} */
  const state = {};
  for (const name of TRAITS) state[name] = model.get(name);
  for (const name of DICTS) {
    const value = state[name];
    state[name] = value && typeof value === "object" ? value : {};
  }
  state.view = viewOf(state.view);
  if (!Array.isArray(state._shown_selection)) state._shown_selection = [];
  return state;
}
