// lora-tagger-widget front end: wires the model (traits + custom messages) to the panels.
import "./widget.css";
import { h, keepFocus } from "./lib/dom.js";
import { createRpc } from "./lib/rpc.js";
import { handleWidgetKey, releaseFocus } from "./shell/keyboard.js";
import { createGrid } from "./grid/grid.js";
import { createLoading } from "./shell/loading.js";
import { fitToNotebook } from "./shell/fit.js";
import { createPreview } from "./editor/preview.js";
import { createTags } from "./editor/tags.js";
import { createPalette, slotTag } from "./editor/palette.js";
import { createPaletteStore } from "./editor/palettestore.js";
import { createHeader, createFooter } from "./shell/session.js";
import { TRAITS, readState, viewOf } from "./lib/model.js";
import { createBanners } from "./shell/banners.js";
import { createDialog } from "./shell/dialog.js";
import { createStatus } from "./shell/status.js";
import { createFilterBar } from "./shell/filter.js";
import { createEditBar } from "./shell/editbar.js";
import { createActions } from "./shell/actions.js";
import { createAllTags } from "./panels/alltags/view.js";
import { createCaptionText } from "./editor/captiontext.js";
import { createTokenCounts } from "./editor/tokens.js";
import { createMultiSelect } from "./panels/multiselect/view.js";
import { createBatch } from "./panels/batch/view.js";
import { createExport } from "./panels/export/view.js";
import { createChecks } from "./panels/checks/view.js";
import { createPlots } from "./panels/plots/view.js";
import { errorText } from "./lib/format.js";

/**
 * Draw the widget into `el` and keep it in step with `model`; returns the cleanup.
 * @param {{ model: import("./lib/model.js").Model, el: HTMLElement }} ctx
 */
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
  const paletteStore = createPaletteStore();

  /** Send a request; on failure show the reason and resolve null. */
  async function act(type, fields = {}, opts = {}) {
    if (captionText.hasPending()) captionText.flush(); // sent first: replies come in order
    try {
      const { reply } = await rpc.request(type, fields, opts);
      return reply;
    } catch (err) {
      if (!disposed && !(err && err.disposed)) status.show(errorText(err), "error");
      return null;
    }
  }
  const getCurrent = () => (state._current.id ? state._current : null);
  /** "prev" or "next": the neighbour's preview shows at once when it is here; Python confirms. */
  let moved = Promise.resolve(); // the last move's answer: once in, `state._current` is what shows
  function step(type) {
    const cur = getCurrent();
    const shownAhead = !!cur && preview.anticipate(cur[type]);
    const done = act(type);
    if (shownAhead) done.finally(() => preview.settle());
    moved = done;
    return done;
  }

  /** Run an edit of "the image on screen" once every move is answered, so that a key pressed
   *  right after "Next" edits the image it shows, never the one before. */
  function afterMoves(edit) {
    const waitFor = moved;
    return waitFor.then(() => (disposed ? null : edit()));
  }

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
  const captionText = createCaptionText({ request: rpc.request, status, getCurrent });
  const tokens = createTokenCounts();
  /** A palette tag picked (click or digit key): toggled on the image, or typed into the text. */
  function pickTag(tag) {
    return afterMoves(() => {
      const cur = getCurrent();
      if (!cur) return null;
      if (state.caption_mode === "text") return captionText.insert(tag);
      return act("toggle_tag", { id: cur.id, tag });
    });
  }
  const dialogHost = h("div", { class: "ltw-dialog-host", hidden: true });
  const main = h("div", { class: "ltw-main" },
    h("div", { class: "ltw-view" }, preview.el),
    h("div", { class: "ltw-side-panel" }, tags.el, captionText.el, tokens.el));
  const grid = createGrid({
    request: rpc.request,
    status,
    setSelection: (list) => {
      model.set("_shown_selection", list);
      model.save_changes();
    },
    onOpen: (place) => openImage(place),
  });
  const loading = createLoading();
  const footer = createFooter({
    act, step, status, getCurrent,
    setAutosave: (on) => {
      model.set("autosave", !!on);
      model.save_changes();
    },
  });
  const filterBar = createFilterBar({
    setQuery: (text) => {
      model.set("filter", text);
      model.save_changes();
    },
  });
  const editBar = createEditBar({
    onUndo: () => history("undo"),
    onRedo: () => history("redo"),
    onCopy: () => copyTags(),
    onPaste: (mode) => pasteTags(mode),
    onMode: (mode) => setTrait("caption_mode", mode),
    onTrigger: (word) => setTrait("trigger", word),
    onBatch: () => batch.open(),
  });
  const batch = createBatch({ request: rpc.request, status, onApplied: () => allTags.refresh() });
  editBar.setPasteEnabled(false);
  const multi = createMultiSelect({ request: rpc.request, status });
  // The image (or the grid) fills the stage; the panels open over it from the dock below.
  const stage = h("div", { class: "ltw-stage" }, main, grid.el, multi.el, batch.el);
  const dock = h("div", { class: "ltw-dock" }, filterBar.el);
  const body = h("div", { class: "ltw-body" }, header.el, editBar.el, loading.el, banners.el, stage, dock, footer.el);
  const dialog = createDialog({ host: dialogHost, background: [body], root });
  const palette = createPalette({ act, status, getCurrent, confirm: dialog.confirm, pick: pickTag });
  const allTags = createAllTags({
    request: rpc.request,
    status,
    setFilter: (query) => setTrait("filter", query),
    setTagClick: (mode) => setTrait("tag_click", mode),
    addTag: (tag) => addTagHere(tag),
  });
  main.lastChild.append(palette.el);
  dock.append(allTags.el);
  const checks = createChecks({
    request: rpc.request,
    status,
    openImage: async (id) => {
      const reply = await act("goto", { id });
      if (!reply || disposed) return;
      setView("single");
      stage.scrollIntoView({ block: "nearest" });
    },
  });
  const plots = createPlots({ request: rpc.request, status });
  const exporter = createExport({ request: rpc.request, status });
  dock.append(checks.el, exporter.el, plots.el);
  cleanups.push(fitToNotebook(root, stage));
  root.append(body, status.el, dialogHost);
  // The person's next action takes a result off the status line (its answer may put a new one).
  const actedOn = (e) => {
    if (!(e instanceof KeyboardEvent) || !["Shift", "Control", "Alt", "Meta"].includes(e.key)) status.clear();
  };
  root.addEventListener("pointerdown", actedOn, true);
  root.addEventListener("keydown", actedOn, true);
  cleanups.push(() => {
    root.removeEventListener("pointerdown", actedOn, true);
    root.removeEventListener("keydown", actedOn, true);
    status.dispose();
  });

  function setView(view) {
    if (disposed || viewOf(view) === state.view) return;
    if (captionText.hasPending()) captionText.flush();
    model.set("view", viewOf(view));
    model.save_changes();
  }

  /** From the grid: make the image at `place` the current one, then show it in the single view. */
  async function openImage(place) {
    const reply = await act("goto", { index: place });
    if (!reply || disposed) return;
    setView("single");
  }

  /** Set a trait the front end may set, and send it. */
  function setTrait(name, value) {
    if (captionText.hasPending()) captionText.flush();
    model.set(name, value);
    model.save_changes();
  }

  const actions = createActions({
    act, status, getCurrent,
    onSelection: () => state.view === "grid" && state._shown_selection.length > 0,
    onCopied: (n) => editBar.setPasteEnabled(n > 0),
    isDisposed: () => disposed,
  });
  const { history, copyTags, addTagHere, pasteTags, save } = actions;

  // ---- keyboard ---------------------------------------------------------------------------
  const keyActions = {
    "save": () => save(),
    "close-list": () => tags.closeList(),
    "close-dialog": () => dialog.cancel(),
    "release-focus": () => releaseFocus(root),
    "toggle-view": () => setView(state.view === "grid" ? "single" : "grid"),
    "focus-filter": () => filterBar.focus(),
    "batch": () => batch.open(),
    "undo": () => history("undo"),
    "redo": () => history("redo"),
    "copy-tags": () => afterMoves(copyTags),
    "paste-tags": (r) => afterMoves(() => pasteTags(r.mode)),
    "prev": () => step("prev"),
    "next": () => step("next"),
    "toggle-slot": (r) => {
      const tag = slotTag(paletteStore.rows, r.slot);
      if (tag !== null) pickTag(tag);
    },
    "zoom": () => preview.zoom.toggle(),
    "zoom-by": (r) => preview.zoom.zoomBy(r.factor),
    "pan": (r) => preview.zoom.pan(r.dx, r.dy),
    "fullscreen": () => preview.zoom.toggleFullscreen(),
    "leave-fullscreen": () => preview.zoom.leaveFullscreen(),
    "move-chip": (r, chip) => tags.moveChip(chip, r.delta),
    "remove-chip": (r, chip) => tags.removeChip(chip),
  };
  listen(root, "keydown", (e) => handleWidgetKey(e, {
    root, gridShown: state.view === "grid", grid, dialog, listOpen: tags.isListOpen(), actions: keyActions,
    zoomed: preview.zoom.isZoomed(), fullscreen: preview.zoom.isFullscreen(),
  }));

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
    state.paletteInUse = paletteStore.inUse;
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
      filterBar.update(state);
      editBar.update(state);
      batch.update(state);
      allTags.update(state);
      exporter.update(state);
      checks.update(state);
      plots.update(state);
      banners.update(isGrid ? null : state._current);
      banners.el.hidden = isGrid || banners.el.childElementCount === 0;
      main.hidden = isGrid || (scanning && !state._current.id);
      preview.update(state._current);
      if (!isGrid && wasGrid) preview.refresh();
      const textMode = state.caption_mode === "text";
      tags.el.hidden = textMode;
      captionText.el.hidden = !textMode;
      tags.update(state._current);
      captionText.update(state);
      tokens.update(state._current);
      palette.update(paletteStore, state._current);
      grid.update(state);
      grid.setOpen(isGrid);
      multi.update(state);
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
  // ---- the palette: whole at first, then the rows that change --------------------------------
  let paletteAsked = false;
  function paletteChanged() {
    if (disposed) return;
    if (paletteStore.apply(model.get("_palette_delta")) === "behind") askPalette();
    schedule();
  }
  async function askPalette() {
    if (paletteAsked) return;
    paletteAsked = true;
    const reply = await act("palette", {}, { timeoutMs: 120000 });
    paletteAsked = false;
    if (!reply || disposed) return;
    paletteStore.load(reply.rows, reply.version);
    paletteChanged(); // a change made after the reply
  }
  model.on("change:_palette_delta", paletteChanged);
  cleanups.push(() => model.off("change:_palette_delta", paletteChanged));

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
    captionText.dispose(); // sends unsent text, so before the rpc goes
    rpc.dispose();
    preview.dispose();
    filterBar.dispose();
    allTags.dispose();
    exporter.dispose();
    checks.dispose();
    plots.dispose();
    grid.dispose();
    multi.dispose();
    batch.dispose();
    tags.dispose();
    palette.dispose();
  }

  renderAll();
  paletteChanged();

  return () => {
    const wasClosed = !!state.closed;
    teardown();
    disposed = true;
    // A closed widget keeps its "Closed. Captions saved." line where the view was.
    if (!wasClosed) root.remove();
  };
}

export default { render };
