// Banners about the current item: flags, "locked" (Edit anyway), and a caption conflict.

import { h } from "../lib/dom.js";

/** createBanners({ act }) -> { el, update(current) } */
export function createBanners({ act }) {
  const el = h("div", { class: "ltw-banners" });
  let signature = null;

  function update(current) {
    const cur = current && current.id ? current : null;
    const flags = cur && Array.isArray(cur.flags) ? cur.flags : [];
    const sig = cur ? JSON.stringify([cur.id, flags, cur.editable, cur.locked_reason, cur.conflict]) : "";
    if (sig === signature) return;
    signature = sig;
    const parts = [];
    if (cur && flags.length) {
      parts.push(h("ul", { class: "ltw-flags", "aria-label": "Notes about this file" },
        flags.map((f) => h("li", {
          class: "ltw-flag", "data-code": f && typeof f.code === "string" ? f.code : null,
          text: f && typeof f.message === "string" ? f.message : String(f && f.code ? f.code : f),
        }))));
    }
    if (cur && cur.editable === false) {
      const reason = typeof cur.locked_reason === "string" && cur.locked_reason
        ? cur.locked_reason : "This caption is protected from edits.";
      const id = cur.id;
      parts.push(h("div", { class: "ltw-banner ltw-lock", role: "group", "aria-label": "Caption locked" },
        h("span", { class: "ltw-banner-text", text: reason }),
        h("button", {
          type: "button", class: "ltw-btn", text: "Edit anyway", "data-fkey": "edit-anyway",
          onclick: () => act("allow_rewrite", { id }),
        })));
    }
    const c = cur && cur.conflict && typeof cur.conflict === "object" ? cur.conflict : null;
    if (c) {
      const id = cur.id;
      const side = (title, text) => h("div", { class: "ltw-side" },
        h("h4", { class: "ltw-side-h", text: title }),
        h("pre", { class: "ltw-pre", text: typeof text === "string" ? text : "" }));
      parts.push(h("div", { class: "ltw-banner ltw-conflict", role: "group", "aria-label": "Caption conflict" },
        h("p", { class: "ltw-banner-text", text: "The caption file changed on disk while you were editing it. Which one do you keep?" }),
        h("div", { class: "ltw-sides" }, side("On disk", c.theirs), side("Yours", c.ours)),
        h("div", { class: "ltw-banner-actions" },
          h("button", {
            type: "button", class: "ltw-btn", text: "Use the file on disk",
            onclick: () => act("resolve_conflict", { id, keep: "theirs" }),
          }),
          h("button", {
            type: "button", class: "ltw-btn ltw-primary", text: "Keep mine",
            onclick: () => act("resolve_conflict", { id, keep: "mine" }),
          }))));
    }
    el.replaceChildren(...parts);
    el.hidden = parts.length === 0;
  }

  return { el, update };
}
