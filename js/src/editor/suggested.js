// The current image's open auto-tag suggestion, beside its tags: each suggested tag a chip with its
// score, set apart from the accepted tags (dashed outline, score badge). A click on a chip accepts
// the tag, its × rejects it; "Accept all" / "Reject all" (keys A / Shift+A) take the whole
// suggestion. A suggested caption (from a captioner) shows as text with the same two buttons.

import { h, setText, activeElement } from "../lib/dom.js";
import { obj, plural, str } from "../lib/format.js";

/** A score as its badge shows it: "0.95" ("" when there is none). */
export function scoreText(score) {
  return Number.isFinite(score) ? score.toFixed(2) : "";
}

/** The open suggestion of a current image (`_current`): { tags: [{ tag, score }], caption }. */
export function suggestionOf(current) {
  const cur = obj(current);
  const rows = Array.isArray(cur.suggested) ? cur.suggested : [];
  const tags = rows
    .filter((row) => Array.isArray(row) && typeof row[0] === "string")
    .map(([tag, score]) => ({ tag, score: Number.isFinite(score) ? score : null }));
  const caption = str(cur.suggested_caption) || null;
  return { tags, caption };
}

/**
 * What A or Shift+A did to the grid's selection, from Python's reply (`summary` of an
 * acceptance, the count `rejected`).
 * @param {boolean} accept
 * @param {{ summary?: string, rejected?: number }} reply
 */
export function selectionText(accept, reply) {
  if (accept) return `Accepted the selection's suggestions: ${reply.summary ?? "done"}.`;
  const n = Number(reply.rejected) || 0;
  return n === 0 ? "The selected images have no open suggestions."
    : `Rejected the suggestions of ${plural(n, "image", "images")}.`;
}

/**
 * createSuggested({ act, status, getCurrent }) -> { el, update(current), acceptAll(), rejectAll(),
 *   forSelection(accept, selected), dispose() }
 *   act(type, fields) -> Promise<reply|null> (errors already shown)
 *   status.show(message, level): "No suggestions" when A or Shift+A finds none, and what A or
 *   Shift+A did to the grid's selection.
 */
export function createSuggested({ act, status, getCurrent }) {
  const chips = h("ul", { class: "ltw-sugg-chips", "aria-label": "Suggested tags" });
  const caption = h("p", { class: "ltw-sugg-caption", hidden: true });
  const acceptAllBtn = h("button", {
    type: "button", class: "ltw-btn ltw-sugg-all", text: "Accept all", "aria-keyshortcuts": "A",
    title: "Accept every suggestion of this image (A)", onclick: () => acceptAll(),
  });
  const rejectAllBtn = h("button", {
    type: "button", class: "ltw-btn ltw-sugg-all", text: "Reject all", "aria-keyshortcuts": "Shift+A",
    title: "Reject every suggestion of this image (Shift+A)", onclick: () => rejectAll(),
  });
  const el = h("section", { class: "ltw-sugg", "aria-label": "Suggested tags", hidden: true },
    h("h3", { class: "ltw-h", text: "Suggested" }), chips, caption,
    h("div", { class: "ltw-sugg-actions" }, acceptAllBtn, rejectAllBtn));

  let shownId = null;
  let shownKey = "";
  const taken = new Set(); // tags clicked, hidden until Python answers

  function chip(id, { tag, score }) {
    const badge = scoreText(score);
    const accept = h("button", {
      type: "button", class: "ltw-sugg-accept",
      "aria-label": badge ? `Accept suggested tag ${tag} (score ${badge})` : `Accept suggested tag ${tag}`,
      title: `Accept ${tag}`, onclick: () => take(id, tag, true),
    }, h("span", { class: "ltw-chip-text", text: tag }),
    badge ? h("span", { class: "ltw-sugg-score", "aria-hidden": "true", text: badge }) : null);
    const reject = h("button", {
      type: "button", class: "ltw-chip-x", "aria-label": `Reject suggested tag ${tag}`, title: `Reject ${tag}`,
      text: "×", onclick: () => take(id, tag, false),
    });
    return h("li", { class: "ltw-sugg-chip", "data-tag": tag }, accept, reject);
  }

  function take(id, tag, accept) {
    taken.add(tag);
    const li = [...chips.children].find((c) => c.getAttribute("data-tag") === tag);
    if (li) {
      const next = li.nextElementSibling || li.previousElementSibling;
      const hadFocus = li.contains(activeElement());
      li.remove();
      if (hadFocus && next) next.querySelector("button")?.focus({ preventScroll: true });
    }
    act("suggested_tag", { id, tag, accept }).then((reply) => {
      taken.delete(tag); // answered: `_current` (sent before the reply) says what is left
      if (!reply) {
        shownKey = "";
        update(getCurrent());
      }
    });
  }

  /** Accept or reject every suggestion of the image shown. */
  function all(accept) {
    const cur = getCurrent();
    const { tags, caption: text } = suggestionOf(cur);
    if (!cur || (tags.length === 0 && text === null)) {
      status.show("This image has no suggestions.");
      return null;
    }
    return act(accept ? "accept_suggestions" : "reject_suggestions", { scope: "current" });
  }
  const acceptAll = () => all(true);
  const rejectAll = () => all(false);

  /** Accept or reject every suggestion of the grid's `selected` images (a count), one undo step. */
  async function forSelection(accept, selected) {
    if (selected === 0) {
      status.show("Select images first (Space); then A accepts their suggestions, Shift+A rejects them.");
      return;
    }
    const reply = await act(accept ? "accept_suggestions" : "reject_suggestions", { scope: "selected" });
    if (reply) status.show(selectionText(accept, reply));
  }

  function update(current) {
    const cur = obj(current);
    const id = typeof cur.id === "string" ? cur.id : null;
    const { tags, caption: text } = suggestionOf(cur);
    const key = JSON.stringify([id, tags, text]);
    if (key === shownKey) return;
    if (id !== shownId) taken.clear();
    shownId = id;
    shownKey = key;
    const open = tags.filter((t) => !taken.has(t.tag));
    const hadFocus = chips.contains(activeElement());
    chips.replaceChildren(...open.map((t) => chip(id, t)));
    chips.hidden = open.length === 0;
    setText(caption, text || "");
    caption.hidden = text === null;
    el.hidden = !id || (open.length === 0 && text === null);
    if (hadFocus && !chips.contains(activeElement())) {
      const first = chips.querySelector("button");
      if (first) first.focus({ preventScroll: true });
    }
  }

  return { el, update, acceptAll, rejectAll, forSelection, dispose: () => el.remove() };
}
