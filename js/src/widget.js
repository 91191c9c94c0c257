// lora-tagger-widget front end: wires the model (traits + custom messages) to the panels.
import "./widget.css";
import { h, keepFocus, activeElement } from "./lib/dom.js";
import { createRpc } from "./lib/rpc.js";
import { handleWidgetKey, releaseFocus } from "./shell/keyboard.js";
import { createGrid } from "./grid/grid.js";
import { createLoading } from "./shell/loading.js";
import { fitToNotebook } from "./shell/fit.js";
import { followPageScheme } from "./shell/theme.js";
import { createPreview } from "./editor/preview.js";
import { createTags } from "./editor/tags.js";
import { createPalette } from "./editor/palette.js";
import { createPaletteStore } from "./editor/palettestore.js";
import { createHeader, createFooter } from "./shell/session.js";
import { TRAITS, readState, viewOf } from "./lib/model.js";
import { createSeen, createStateLayer, createSync, outstanding } from "./lib/sync.js";
import { createBanners } from "./shell/banners.js";
import { createDialog } from "./shell/dialog.js";
import { createStatus } from "./shell/status.js";
import { createFilterBar } from "./shell/filter.js";
import { createEditBar } from "./shell/editbar.js";
import { createOriginal } from "./editor/original.js";
import { createActions } from "./shell/actions.js";
import { createAllTags } from "./panels/alltags/view.js";
import { createCaptionText } from "./editor/captiontext.js";
import { createTokenCounts } from "./editor/tokens.js";
import { createMultiSelect } from "./panels/multiselect/view.js";
import { RESTORE } from "./panels/batch/logic.js";
import { createBatch } from "./panels/batch/view.js";
import { createExport } from "./panels/export/view.js";
import { createChecks } from "./panels/checks/view.js";
import { createPlots } from "./panels/plots/view.js";
import { createAutotag } from "./panels/autotag/view.js";
import { createUpload } from "./panels/upload/view.js";
import { createSuggested } from "./editor/suggested.js";
import { errorText } from "./lib/format.js";

/** The traits the view reads: those that redraw it, and the palette's changes. */
const READ = [...TRAITS, "_palette_delta"];

/**
 * What every part of one rendered widget shares: the model and the traits as the view reads them
 * (`layer`), the root element, the request channel, the status line, the palette, the state last
 * read, and the cleanups to run.
 * @param {import("./lib/model.js").Model} model
 * @param {HTMLElement} el
 */
function createShell(model, el) {
  const root = h("div", {
    class: "ltw-root", tabindex: "0", "data-lm-suppress-shortcuts": "true",
    role: "region", "aria-label": "LoRA tagger",
  });
  el.append(root);
  /** @type {(() => void)[]} */
  const cleanups = [];
  const layer = createStateLayer(model, READ);
  const shell = {
    model,
    layer,
    root,
    rpc: createRpc({ send: (content, buffers) => model.send(content, undefined, buffers) }),
    status: createStatus(),
    paletteStore: createPaletteStore(),
    state: readState(layer),
    disposed: false,
    cleanups,
    /** The current image, or null when there is none. */
    getCurrent: () => (shell.state._current.id ? shell.state._current : null),
    /** Set a trait and send it to Python. */
    setModel(name, value) {
      layer.setLocal(name);
      model.set(name, value);
      model.save_changes();
    },
    /** Listen to `event` of the model until the widget goes. */
    onModel(event, fn) {
      model.on(event, fn);
      cleanups.push(() => model.off(event, fn));
    },
  };
  return shell;
}

/**
 * What the view asks of Python and of the model on the person's behalf: requests whose failure the
 * status line tells, moves to the previous or next image, view switches and trait changes; each
 * sends the caption text typed so far first.
 * @param {ReturnType<typeof createShell>} shell
 * @param {{ preview: ReturnType<typeof createPreview>, captionText: ReturnType<typeof createCaptionText> }} editor
 */
function createCommands(shell, { preview, captionText }) {
  const flushText = () => {
    if (captionText.hasPending()) captionText.flush(); // sent first: replies come in order
  };

  /** Send a request; on failure show the reason and resolve null. */
  async function act(type, fields = {}, opts = {}) {
    flushText();
    try {
      const { reply } = await shell.rpc.request(type, fields, opts);
      return reply;
    } catch (err) {
      if (!shell.disposed && !(err && err.disposed)) shell.status.show(errorText(err), "error");
      return null;
    }
  }

  /** "prev" or "next": the neighbour's preview shows at once when it is here; Python confirms. */
  let moved = Promise.resolve(); // the last move's answer: once in, `state._current` is what shows
  function step(type) {
    const cur = shell.getCurrent();
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
    return waitFor.then(() => (shell.disposed ? null : edit()));
  }

  /** A palette tag picked (click or digit key): toggled on the image, or typed into the text. */
  function pickTag(tag) {
    return afterMoves(() => {
      const cur = shell.getCurrent();
      if (!cur) return null;
      if (shell.state.caption_mode === "text") return captionText.insert(tag);
      return act("toggle_tag", { id: cur.id, tag });
    });
  }

  function setView(view) {
    if (shell.disposed || viewOf(view) === shell.state.view) return;
    flushText();
    shell.setModel("view", viewOf(view));
  }

  /** Make the image `where` names ({ index: place } or { id }) the current one, then show it alone. */
  async function openImage(where) {
    const reply = await act("goto", where);
    if (!reply || shell.disposed) return false;
    setView("single");
    return true;
  }

  /** Set a trait the front end may set, and send it. */
  function setTrait(name, value) {
    flushText();
    shell.setModel(name, value);
  }

  return { act, step, afterMoves, pickTag, setView, openImage, setTrait };
}

/**
 * Make every part of the view, put them in `shell.root`, and tie their callbacks to the commands.
 * @param {ReturnType<typeof createShell>} shell
 */
function buildParts(shell) {
  const { root, status, getCurrent } = shell;
  const request = shell.rpc.request;
  const preview = createPreview({
    request,
    onError: (m) => status.show(m, "error"),
    prefetchEnabled: () => shell.model.get("prefetch") !== false,
  });
  const captionText = createCaptionText({ request, status, getCurrent });
  const cmd = createCommands(shell, { preview, captionText });
  const { act, setTrait } = cmd;
  const editBar = createEditBar({
    onUndo: () => actions.history("undo"),
    onRedo: () => actions.history("redo"),
    onCopy: () => actions.copyTags(),
    onPaste: (mode) => actions.pasteTags(mode),
    onMode: (mode) => setTrait("caption_mode", mode),
    onTrigger: (word) => setTrait("trigger", word),
    onBatch: () => parts.batch.open(),
  });
  editBar.setPasteEnabled(false);
  const actions = createActions({
    act, status, getCurrent,
    onSelection: () => shell.state.view === "grid" && shell.state._shown_selection.length > 0,
    onCopied: (n) => editBar.setPasteEnabled(n > 0),
    isDisposed: () => shell.disposed,
    near: (action) => (action === "save" ? parts.header.saveButton
      : action === "restore" ? parts.original.button : editBar.control(action)),
  });
  /** This image's original caption back; in the grid, the batch panel's restore for the selection. */
  const restoreOriginal = () => (shell.state.view === "grid"
    ? parts.batch.open({ operation: { kind: RESTORE }, scope: "selected" })
    : cmd.afterMoves(actions.restoreOriginal));
  const parts = {
    cmd, actions, preview, captionText, editBar, restore: restoreOriginal,
    header: createHeader({
      onSave: () => actions.save(),
      onClose: () => act("close", {}, { timeoutMs: 120000 }),
      onView: (view) => cmd.setView(view),
    }),
    banners: createBanners({ act }),
    tags: createTags({ act, request, getCurrent }),
    suggested: createSuggested({ act, status, getCurrent }),
    tokens: createTokenCounts(),
    original: createOriginal({ onRestore: () => restoreOriginal() }),
    grid: createGrid({
      request, status,
      setSelection: (list) => shell.setModel("_shown_selection", list),
      onOpen: (place) => cmd.openImage({ index: place }),
    }),
    loading: createLoading(),
    footer: createFooter({ act, step: cmd.step, status, getCurrent, setAutosave: (on) => shell.setModel("autosave", !!on) }),
    filterBar: createFilterBar({ setQuery: (text) => shell.setModel("filter", text) }),
    batch: createBatch({ request, status, onApplied: () => parts.allTags.refresh() }),
    multi: createMultiSelect({ request, status }),
    allTags: createAllTags({
      request, status,
      setFilter: (query) => setTrait("filter", query),
      setTagClick: (mode) => setTrait("tag_click", mode),
      addTag: (tag) => actions.addTagHere(tag),
    }),
    checks: createChecks({
      request, status,
      openImage: async (id) => {
        if (await cmd.openImage({ id })) stage.scrollIntoView({ block: "nearest" });
      },
    }),
    plots: createPlots({ request, status }),
    exporter: createExport({ request, status }),
    autotag: createAutotag({ request, status }),
    uploader: createUpload({ request, status, root, openImage: (id) => cmd.openImage({ id }) }),
  };
  const main = h("div", { class: "ltw-main" },
    h("div", { class: "ltw-view" }, preview.el),
    h("div", { class: "ltw-side-panel" }, parts.suggested.el, parts.tags.el, captionText.el, parts.original.el,
      parts.tokens.el));
  // The image (or the grid) fills the stage; the panels open beside it from the dock.
  const stage = h("div", { class: "ltw-stage" }, main, parts.grid.el, parts.multi.el, parts.batch.el);
  const dock = h("div", { class: "ltw-dock" }, parts.filterBar.el, parts.allTags.el, parts.checks.el,
    parts.autotag.el, parts.exporter.el, parts.plots.el, parts.uploader.el);
  const body = h("div", { class: "ltw-body" }, parts.header.el, editBar.el, parts.loading.el,
    parts.banners.el, stage, dock, parts.footer.el);
  const dialogHost = h("div", { class: "ltw-dialog-host", hidden: true });
  const dialog = createDialog({ host: dialogHost, background: [body], root });
  const palette = createPalette({ act, status, getCurrent, confirm: dialog.confirm, pick: cmd.pickTag });
  main.lastChild.append(palette.el);
  shell.cleanups.push(fitToNotebook(root, stage), followPageScheme(root));
  root.append(body, status.el, status.bubble, dialogHost, parts.uploader.dropHint);
  return { ...parts, main, dialog, palette };
}

/** @typedef {ReturnType<typeof buildParts>} Parts */

/**
 * The person's next action takes a result off the status line (its answer may put a new one).
 * @param {ReturnType<typeof createShell>} shell
 */
function clearStatusOnAction({ root, status, cleanups }) {
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
}

/**
 * The widget's keys (shell/keys.js names the action of each) and what they do.
 * @param {ReturnType<typeof createShell>} shell
 * @param {Parts} parts
 */
function wireKeyboard(shell, { cmd, actions, tags, suggested, dialog, filterBar, batch, grid, palette, preview, uploader, restore }) {
  const { root } = shell;
  const keyActions = {
    "save": () => actions.save(),
    "close-list": () => tags.closeList(),
    "close-dialog": () => dialog.cancel(),
    "release-focus": () => releaseFocus(root),
    "toggle-view": () => cmd.setView(shell.state.view === "grid" ? "single" : "grid"),
    "focus-filter": () => filterBar.focus(),
    "batch": () => batch.open(),
    "add-images": () => uploader.pick(),
    "restore-original": () => restore(),
    "undo": () => actions.history("undo"),
    "redo": () => actions.history("redo"),
    "copy-tags": () => cmd.afterMoves(actions.copyTags),
    "paste-tags": (r) => cmd.afterMoves(() => actions.pasteTags(r.mode)),
    "prev": () => cmd.step("prev"),
    "next": () => cmd.step("next"),
    "toggle-slot": (r) => {
      const tag = palette.slotTag(r.slot);
      if (tag !== null) cmd.pickTag(tag);
    },
    "pin-slot": (r, chip) => palette.pinSlot(r.slot, chip),
    "zoom": () => preview.zoom.toggle(),
    "zoom-by": (r) => preview.zoom.zoomBy(r.factor),
    "pan": (r) => preview.zoom.pan(r.dx, r.dy),
    "fullscreen": () => preview.zoom.toggleFullscreen(),
    "leave-fullscreen": () => preview.zoom.leaveFullscreen(),
    "move-chip": (r, chip) => tags.moveChip(chip, r.delta),
    "remove-chip": (r, chip) => tags.removeChip(chip),
    "accept-suggestions": () => suggestionsKey(true),
    "reject-suggestions": () => suggestionsKey(false),
  };
  /** A / Shift+A: the image shown, or in the grid the selected images. */
  function suggestionsKey(accept) {
    if (shell.state.view === "grid") {
      suggested.forSelection(accept, shell.state._shown_selection.length);
    } else {
      cmd.afterMoves(accept ? suggested.acceptAll : suggested.rejectAll);
    }
  }
  const onKey = (e) => handleWidgetKey(e, {
    root, gridShown: shell.state.view === "grid", grid, dialog, listOpen: tags.isListOpen(), actions: keyActions,
    zoomed: preview.zoom.isZoomed(), fullscreen: preview.zoom.isFullscreen(),
  });
  root.addEventListener("keydown", onKey);
  shell.cleanups.push(() => root.removeEventListener("keydown", onKey));
}

/**
 * The status trait on the status line: an error or message shows when it is new, not again at
 * every redraw.
 * @param {ReturnType<typeof createStatus>} status
 */
function statusTraitShower(status) {
  let lastMessage = null;
  let lastError = null;
  return (s) => {
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
  };
}

/**
 * Show the state last read in every part.
 * @param {ReturnType<typeof createShell>} shell
 * @param {Parts} parts
 * @param {boolean} wasGrid  the grid showed before
 */
function updateParts({ state, paletteStore }, parts, wasGrid) {
  const { preview, tags, captionText, banners, grid } = parts;
  const isGrid = state.view === "grid";
  const scanning = parts.loading.update(state.loading);
  for (const part of [parts.header, parts.filterBar, parts.editBar, parts.batch, parts.allTags, parts.exporter,
    parts.checks, parts.plots, parts.autotag]) part.update(state);
  banners.update(isGrid ? null : state._current);
  banners.el.hidden = isGrid || banners.el.childElementCount === 0;
  parts.main.hidden = isGrid || (scanning && !state._current.id);
  preview.update(state._current);
  if (!isGrid && wasGrid) preview.refresh();
  const textMode = state.caption_mode === "text";
  tags.el.hidden = textMode;
  captionText.el.hidden = !textMode;
  tags.update(state._current);
  parts.suggested.update(state._current);
  captionText.update(state);
  parts.tokens.update(state._current);
  parts.original.update(state._current, isGrid);
  parts.palette.update(paletteStore, state._current, state._slots);
  grid.update(state);
  grid.setOpen(isGrid);
  parts.multi.update(state);
  parts.footer.update(state);
}

/**
 * Keep the keyboard in the widget across a view switch: on the grid's current tile, or on the root.
 * @param {HTMLElement} root
 * @param {Parts["grid"]} grid
 * @param {boolean} nowGrid
 */
function keepKeyboardAcrossSwitch(root, grid, nowGrid) {
  const active = activeElement();
  const lost = !active || active === document.body || !root.contains(active) || active === root ||
    !active.checkVisibility?.();
  if (nowGrid && lost) grid.focusCurrent();
  else if (!nowGrid && (lost || grid.el.contains(active))) root.focus({ preventScroll: true });
}

/**
 * The redraw: read the model, show it everywhere, or the closed line once the widget is closed.
 * @param {ReturnType<typeof createShell>} shell
 * @param {Parts} parts
 * @param {() => void} teardown
 */
function createRedraw(shell, parts, teardown) {
  const { root } = shell;
  const { grid } = parts;
  const showStatusTrait = statusTraitShower(shell.status);
  return function redraw() {
    if (shell.disposed) return;
    const state = readState(shell.layer);
    state.paletteInUse = shell.paletteStore.inUse;
    shell.state = state;
    if (state.closed) {
      teardown();
      root.replaceChildren(h("p", { class: "ltw-closed", text: "Closed. Captions saved." }));
      return;
    }
    const active = activeElement();
    const focusInWidget = !!active && root.contains(active);
    const wasGrid = !grid.el.hidden;
    keepFocus(root, () => {
      updateParts(shell, parts, wasGrid);
      showStatusTrait(state.status);
    });
    const nowGrid = state.view === "grid";
    if (focusInWidget && nowGrid !== wasGrid) keepKeyboardAcrossSwitch(root, grid, nowGrid);
  };
}

/**
 * Redraw (once per task) when a trait changes; take the palette whole at first, then the rows that
 * change; hand answers to the request channel and show notices (each once).
 * @param {ReturnType<typeof createShell>} shell
 * @param {(...args: any[]) => Promise<any>} act
 * @param {() => void} redraw
 * @returns {{ paletteChanged: () => void, onMessage: (content: any, buffers: DataView[], seq?: number) => void }}
 *   the palette's change handler (run it once at the start, and when a trait changed otherwise
 *   than on the model), and the handler of Python's messages
 */
function listenToModel(shell, act, redraw) {
  const { layer, paletteStore, status } = shell;
  for (const name of READ) shell.onModel(`change:${name}`, () => layer.modelChanged(name));
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      redraw();
    });
  };
  for (const name of TRAITS) shell.onModel(`change:${name}`, schedule);

  let paletteAsked = false;
  function paletteChanged() {
    if (shell.disposed) return;
    if (paletteStore.apply(layer.get("_palette_delta")) === "behind") askPalette();
    schedule();
  }
  async function askPalette() {
    if (paletteAsked) return;
    paletteAsked = true;
    const reply = await act("palette", {}, { timeoutMs: 120000 });
    paletteAsked = false;
    if (!reply || shell.disposed) return;
    paletteStore.load(reply.rows, reply.version);
    paletteChanged(); // a change made after the reply
  }
  shell.onModel("change:_palette_delta", paletteChanged);

  const firstTime = createSeen();
  function onMessage(content, buffers, seq = content && content.seq) {
    if (shell.disposed || shell.rpc.handle(content, buffers)) return;
    if (content && content.type === "notice" && typeof content.message === "string" && firstTime(seq)) {
      status.show(content.message, content.level === "error" ? "error" : "info");
    }
  }
  shell.onModel("msg:custom", (content, buffers) => onMessage(content, buffers));
  return { paletteChanged, onMessage };
}

/**
 * Ask Python for what a host that delivers only answers may have dropped (lib/sync.js).
 * @param {ReturnType<typeof createShell>} shell
 * @param {ReturnType<typeof listenToModel>} listener
 */
function keepInSync(shell, { paletteChanged, onMessage }) {
  const sync = createSync({
    rpc: shell.rpc, layer: shell.layer, busy: () => outstanding(shell.state), onMessage,
    onState: paletteChanged,
  });
  shell.cleanups.push(() => sync.dispose());
  sync.start();
}

/**
 * Run the cleanups, then dispose of every part (the caption text before the request channel: it
 * sends the unsent text).
 * @param {ReturnType<typeof createShell>} shell
 * @param {Parts} parts
 */
function disposeAll(shell, parts) {
  for (const fn of shell.cleanups.splice(0)) {
    try { fn(); } catch { /* keep cleaning */ }
  }
  parts.dialog.dispose();
  parts.captionText.dispose();
  shell.rpc.dispose();
  for (const part of [parts.preview, parts.filterBar, parts.allTags, parts.exporter, parts.checks, parts.plots, parts.autotag,
    parts.suggested, parts.uploader, parts.original,
    parts.grid, parts.multi, parts.batch, parts.tags, parts.palette]) part.dispose();
}

/**
 * Draw the widget into `el` and keep it in step with `model`; returns the cleanup.
 * @param {{ model: import("./lib/model.js").Model, el: HTMLElement }} ctx
 */
function render({ model, el }) {
  const shell = createShell(model, el);
  const parts = buildParts(shell);
  clearStatusOnAction(shell);
  wireKeyboard(shell, parts);
  let tornDown = false;
  const teardown = () => {
    if (tornDown) return;
    tornDown = true;
    disposeAll(shell, parts);
  };
  const redraw = createRedraw(shell, parts, teardown);
  const listener = listenToModel(shell, parts.cmd.act, redraw);
  redraw();
  listener.paletteChanged();
  keepInSync(shell, listener);

  return () => {
    const wasClosed = !!shell.state.closed;
    teardown();
    shell.disposed = true;
    // A closed widget keeps its "Closed. Captions saved." line where the view was.
    if (!wasClosed) shell.root.remove();
  };
}

export default { render };
