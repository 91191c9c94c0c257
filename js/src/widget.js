// lora-tagger-widget front end: wires the model (traits + custom messages) to the panels.
import "./widget.css";
import { h, isTextEntry, keepFocus } from "./dom.js";
import { createRpc } from "./rpc.js";
import { resolveKey, keepFromNotebook } from "./keys.js";
import { createGrid } from "./grid.js";
import { createLoading } from "./loading.js";
import { createPreview } from "./preview.js";
import { createTags } from "./tags.js";
import { createPalette, slotTag } from "./palette.js";
import { createHeader, createFooter, viewOf } from "./session.js";
import { createBanners } from "./banners.js";
import { createDialog } from "./dialog.js";
import { createStatus } from "./status.js";

// Synced traits (docs/protocol.md); `_current` is underscored because Python's `current` is the Item.
const TRAITS = ["index", "count", "_current", "palette", "progress", "status", "autosave", "closed",
  "view", "selection", "items_version", "loading"];

function asObject(value) {
  return value && typeof value === "object" ? value : {};
}

function readState(model) {
  const state = {};
  for (const name of TRAITS) state[name] = model.get(name);
  state.current = asObject(state._current);
  state.status = asObject(state.status);
  state.progress = asObject(state.progress);
  state.view = viewOf(state.view);
  state.selection = Array.isArray(state.selection) ? state.selection : [];
  state.loading = asObject(state.loading);
  return state;
}

function render({ model, el }) {
  const cleanups = [];
  const listen = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    cleanups.push(() => target.removeEventListener(type, fn, opts));
  };
  let disposed = false;
  let state = readState(model);

  const root = h("div", {
    class: "ltw-root", tabindex: "0", "data-lm-suppress-shortcuts": "true",
    role: "region", "aria-label": "LoRA tagger",
  });
  el.append(root);

  const rpc = createRpc({ send: (content) => model.send(content) });
  const status = createStatus();

  /** Send a request; on failure show the reason and resolve null. */
  async function act(type, fields = {}, opts = {}) {
    try {
      const { reply } = await rpc.request(type, fields, opts);
      return reply;
    } catch (err) {
      if (!disposed && !(err && err.disposed)) status.show(err && err.message ? err.message : String(err), "error");
      return null;
    }
  }
  const getCurrent = () => (state.current && state.current.id ? state.current : null);

  const header = createHeader({
    onSave: () => save(),
    onClose: () => act("close", {}, { timeoutMs: 120000 }),
    onView: (view) => setView(view),
  });
  const banners = createBanners({ act });
  const preview = createPreview({
    request: rpc.request,
    onError: (m) => status.show(m, "error"),
    prefetchEnabled: () => model.get("prefetch") !== false,
  });
  const tags = createTags({ act, request: rpc.request, getCurrent });
  const dialogHost = h("div", { class: "ltw-dialog-host", hidden: true });
  const main = h("div", { class: "ltw-main" },
    h("div", { class: "ltw-view" }, preview.el),
    h("div", { class: "ltw-side-panel" }, tags.el));
  const grid = createGrid({
    request: rpc.request,
    status,
    setSelection: (list) => {
      model.set("selection", list);
      model.save_changes();
    },
    onOpen: (index) => openImage(index),
  });
  const loading = createLoading();
  const footer = createFooter({
    act, status, getCurrent,
    setAutosave: (on) => {
      model.set("autosave", !!on);
      model.save_changes();
    },
  });
  const body = h("div", { class: "ltw-body" }, header.el, loading.el, banners.el, main, grid.el, footer.el);
  const dialog = createDialog({ host: dialogHost, background: [body], root });
  const palette = createPalette({ act, status, getCurrent, confirm: dialog.confirm });
  main.lastChild.append(palette.el);
  root.append(body, status.el, dialogHost);

  function setView(view) {
    if (disposed || viewOf(view) === state.view) return;
    model.set("view", viewOf(view));
    model.save_changes();
  }

  /** From the grid: make `index` the current image, then show it in the single view. */
  async function openImage(index) {
    const reply = await act("goto", { index });
    if (!reply || disposed) return;
    setView("single");
  }

  async function save() {
    const reply = await act("save", {}, { timeoutMs: 120000 });
    if (!reply) return;
    const n = Number.isFinite(reply.saved) ? reply.saved : 0;
    status.show(n === 0 ? "Nothing to save: all changes were already on disk." : `Saved ${n} caption file${n === 1 ? "" : "s"}.`);
  }

  function releaseFocus() {
    const target = root.closest(".jp-Notebook") || root.closest(".jp-Cell");
    const active = document.activeElement;
    if (target && typeof target.focus === "function") target.focus({ preventScroll: true });
    if (document.activeElement && root.contains(document.activeElement)) {
      if (active && active.blur) active.blur();
      if (document.activeElement && root.contains(document.activeElement)) document.activeElement.blur();
    }
  }

  // ---- keyboard ---------------------------------------------------------------------------
  listen(root, "keydown", (e) => {
    const target = e.target;
    const inText = isTextEntry(target);
    if (state.view === "grid" && !e.isComposing && !dialog.isOpen() && !inControl(target)) {
      const onTile = target === root || !!(target.closest && target.closest(".ltw-tile"));
      if (grid.handleKey(e, { onTile })) {
        e.stopPropagation();
        e.preventDefault();
        return;
      }
    }
    const chip = !inText && target && target.closest ? target.closest(".ltw-chip") : null;
    const r = e.isComposing ? null : resolveKey(e, {
      inText, onChip: !!chip, listOpen: tags.isListOpen(), dialogOpen: dialog.isOpen(),
      grid: state.view === "grid",
    });
    if (keepFromNotebook(e, r, inText)) e.stopPropagation();
    if (!r) return;
    if (r.prevent) e.preventDefault();
    switch (r.action) {
      case "save": save(); break;
      case "close-list": tags.closeList(); break;
      case "close-dialog": dialog.cancel(); break;
      case "release-focus": releaseFocus(); break;
      case "toggle-view": setView(state.view === "grid" ? "single" : "grid"); break;
      case "prev": act("prev"); break;
      case "next": act("next"); break;
      case "toggle-slot": {
        const tag = slotTag(state.palette, r.slot);
        const cur = getCurrent();
        if (tag !== null && cur) act("toggle_tag", { id: cur.id, tag });
        break;
      }
      case "move-chip": tags.moveChip(chip, r.delta); break;
      case "remove-chip": tags.removeChip(chip); break;
      default: break;
    }
  });

  // ---- model -> view ------------------------------------------------------------------------
  let lastMessage = null;
  let lastError = null;
  function showStatusTrait(s) {
    const error = typeof s.error === "string" && s.error ? s.error : null;
    const message = typeof s.message === "string" && s.message ? s.message : null;
    if (error !== lastError) {
      lastError = error;
      if (error) status.show(error, "error");
    }
    if (message !== lastMessage) {
      lastMessage = message;
      if (message && !error) status.show(message);
    }
  }

  function renderClosed() {
    teardown();
    root.replaceChildren(h("p", { class: "ltw-closed", text: "Closed. Captions saved." }));
  }

  function renderAll() {
    if (disposed) return;
    state = readState(model);
    if (state.closed) {
      renderClosed();
      return;
    }
    const active = document.activeElement;
    const focusInWidget = !!active && root.contains(active);
    const wasGrid = !grid.el.hidden;
    keepFocus(root, () => {
      const isGrid = state.view === "grid";
      const scanning = loading.update(state.loading);
      header.update(state);
      banners.update(isGrid ? null : state.current);
      banners.el.hidden = isGrid || banners.el.childElementCount === 0;
      main.hidden = isGrid || (scanning && !state.current.id);
      preview.update(state.current);
      if (!isGrid && wasGrid) preview.refresh();
      tags.update(state.current);
      palette.update(state.palette, state.current);
      grid.update(state);
      grid.setOpen(isGrid);
      footer.update(state);
      showStatusTrait(state.status);
    });
    // Keep the keyboard in the widget across a view switch.
    const nowGrid = state.view === "grid";
    if (focusInWidget && nowGrid !== wasGrid) {
      const lost = !document.activeElement || document.activeElement === document.body ||
        !root.contains(document.activeElement) || document.activeElement === root ||
        !document.activeElement.checkVisibility?.();
      if (nowGrid && lost) grid.focusCurrent();
      else if (!nowGrid && (lost || grid.el.contains(document.activeElement))) root.focus({ preventScroll: true });
    }
  }

  /** Controls that use arrows and Space themselves (the size slider, inputs). */
  function inControl(target) {
    return !!(target && target.closest && target.closest("input, select, textarea, [contenteditable]"));
  }

  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      renderAll();
    });
  };
  for (const name of TRAITS) {
    model.on(`change:${name}`, schedule);
    cleanups.push(() => model.off(`change:${name}`, schedule));
  }
  const onMsg = (content, buffers) => {
    if (disposed || rpc.handle(content, buffers)) return;
    if (content && content.type === "notice" && typeof content.message === "string") {
      status.show(content.message, content.level === "error" ? "error" : "info");
    }
  };
  model.on("msg:custom", onMsg);
  cleanups.push(() => model.off("msg:custom", onMsg));

  let tornDown = false;
  function teardown() {
    if (tornDown) return;
    tornDown = true;
    for (const fn of cleanups.splice(0)) {
      try { fn(); } catch { /* keep cleaning */ }
    }
    dialog.dispose();
    rpc.dispose();
    preview.dispose();
    grid.dispose();
    tags.dispose();
    palette.dispose();
  }

  renderAll();

  return () => {
    const wasClosed = !!state.closed;
    teardown();
    disposed = true;
    // A closed widget keeps its "Closed. Captions saved." line where the view was.
    if (!wasClosed) root.remove();
  };
}

export default { render };
