// An in-widget confirmation (role="alertdialog"); the rest of the widget is inert meanwhile.

import { h, uniqueId } from "../lib/dom.js";

/** createDialog({ host, background, root }) -> { confirm(message, label, opener), cancel(), isOpen(), dispose() } */
export function createDialog({ host, background, root }) {
  let open = null; // { el, resolve, opener }

  function close(result) {
    if (!open) return;
    const { el, resolve, opener } = open;
    open = null;
    el.remove();
    for (const node of background) {
      node.inert = false;
      node.removeAttribute("aria-hidden");
    }
    host.hidden = true;
    if (opener && opener.isConnected && !result) opener.focus({ preventScroll: true });
    else root.focus({ preventScroll: true });
    resolve(result);
  }

  function confirm(message, confirmLabel = "OK", opener = null) {
    close(false);
    return new Promise((resolve) => {
      const textId = uniqueId("ltw-dlg");
      const cancelBtn = h("button", { type: "button", class: "ltw-btn", text: "Cancel", onclick: () => close(false) });
      const okBtn = h("button", { type: "button", class: "ltw-btn ltw-danger", text: confirmLabel, onclick: () => close(true) });
      const el = h("div", { class: "ltw-dialog", role: "alertdialog", "aria-modal": "true", "aria-labelledby": textId },
        h("p", { class: "ltw-dialog-text", id: textId, text: message }),
        h("div", { class: "ltw-dialog-actions" }, okBtn, cancelBtn));
      for (const node of background) {
        node.inert = true;
        node.setAttribute("aria-hidden", "true");
      }
      host.replaceChildren(el);
      host.hidden = false;
      open = { el, resolve, opener };
      cancelBtn.focus({ preventScroll: true });
    });
  }

  return {
    confirm,
    cancel: () => close(false),
    isOpen: () => !!open,
    dispose: () => close(false),
  };
}
