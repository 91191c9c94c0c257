// Test page only: VS Code's own widget manager (@vscode/jupyter-ipywidgets8) on a real kernel, and
// an emulation of VS Code's notebook keyboard handling around the outputs. Bundled by esbuild
// (test_vscode.py runs it) and served, with the page, from the test's jupyter server.
//
// window.vscodeHost.start({ kernelId, cells, managerUrl, modules }) loads VS Code's manager bundle
// from managerUrl, runs the cells one by one and renders
// every widget view they display into #outputs; window.vscodeHost.commands lists the notebook
// commands the keys that reached the document performed.

import { KernelManager, ServerConnection } from "@jupyterlab/services";

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";

const host = {
  commands: [],
  log: [],
  errors: [],
  scripts: [],
  start,
};
window.vscodeHost = host;

// ---- VS Code's notebook keyboard, as seen from an output -----------------------------------
// VS Code's webview forwards every keydown that bubbles up to its window to the workbench
// ("did-keydown"), where the notebook acts on it (vscode-jupyter issues 11731, 15324); only a key
// the output stops never gets there. A bubble-phase listener on the window does what the
// notebook would and records it.
const COMMANDS = {
  KeyA: "insert-cell-above",
  KeyB: "insert-cell-below",
  KeyM: "change-cell-to-markdown",
  KeyY: "change-cell-to-code",
  KeyZ: "undo",
  KeyC: "copy-cell",
  KeyX: "cut-cell",
  KeyV: "paste-cell",
  KeyL: "toggle-line-numbers",
  KeyO: "toggle-outputs",
  KeyJ: "focus-next-cell",
  KeyK: "focus-previous-cell",
  Enter: "edit-cell",
  ArrowUp: "focus-previous-cell",
  ArrowDown: "focus-next-cell",
  ArrowLeft: "focus-previous-cell",
  ArrowRight: "focus-next-cell",
  Home: "focus-first-cell",
  End: "focus-last-cell",
  Delete: "delete-cell",
  Backspace: "delete-cell",
  Space: "scroll-notebook",
  Escape: "leave-cell",
};
// With Ctrl/Cmd, Shift or Alt: the notebook's commands on those chords (others do nothing here).
const CHORDS = {
  "ctrl+KeyZ": "undo",
  "ctrl+shift+KeyZ": "redo",
  "ctrl+KeyY": "redo",
  "ctrl+KeyS": "save",
  "ctrl+KeyA": "select-all-cells",
  "ctrl+Enter": "run-cell",
  "shift+Enter": "run-cell-and-select-below",
  "alt+Enter": "run-cell-and-insert-below",
  "shift+ArrowUp": "extend-selection-up",
  "shift+ArrowDown": "extend-selection-down",
};
let lastKey = "";
window.addEventListener("keydown", (e) => {
  const code = e.code;
  const chord = `${e.ctrlKey || e.metaKey ? "ctrl+" : ""}${e.altKey ? "alt+" : ""}${e.shiftKey ? "shift+" : ""}`;
  if (chord) {
    if (CHORDS[chord + code]) host.commands.push({ command: CHORDS[chord + code], key: chord + code });
    lastKey = "";
    return;
  }
  if (code === "KeyD") {
    if (lastKey === "KeyD") {
      host.commands.push({ command: "delete-cell", key: "D D" });
      lastKey = "";
    } else {
      lastKey = code;
    }
    return;
  }
  lastKey = code;
  const digit = /^Digit([1-9])$/.exec(code);
  const command = digit ? `cell-heading-${digit[1]}` : COMMANDS[code];
  if (command) host.commands.push({ command, key: code });
});

// ---- the kernel and VS Code's manager ------------------------------------------------------
function serverSettings() {
  const base = `${location.protocol}//${location.host}/`;
  return ServerConnection.makeSettings({ baseUrl: base, wsUrl: base.replace(/^http/, "ws") });
}

/**
 * VS Code's script loader: the extension finds a widget's nbextension in the kernel's environment
 * (share/jupyter/nbextensions/<module>/index.js) and points requirejs at it. `modules` maps module
 * names to those files' URLs (without ".js"), here served from the local jupyter server.
 */
function scriptLoader(modules) {
  return {
    widgetsRegisteredInRequireJs: new Set(),
    async loadWidgetScript(moduleName, moduleVersion) {
      host.scripts.push(`${moduleName}@${moduleVersion}`);
      const url = modules[moduleName];
      if (!url) throw new Error(`no local script for widget module ${moduleName}`);
      window.requirejs.config({ paths: { [moduleName]: url } });
      this.widgetsRegisteredInRequireJs.add(moduleName);
    },
    successHandler() {},
    errorHandler(className, moduleName, moduleVersion, error) {
      host.errors.push(`load ${moduleName}@${moduleVersion} ${className}: ${error}`);
    },
  };
}

async function renderView(manager, data, outputs) {
  const node = document.createElement("div");
  node.className = "cell-output";
  outputs.appendChild(node);
  // As VS Code's renderer does: the view is created on the output element and displayed there.
  const model = await manager.get_model(data.model_id);
  const view = await manager.create_view(model, { el: node });
  await manager.display_view(data, view, { node });
}

function execute(kernel, manager, code, outputs) {
  const rendered = [];
  const future = kernel.requestExecute({ code, stop_on_error: true });
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if ((type === "display_data" || type === "execute_result") && msg.content.data[WIDGET_VIEW]) {
      rendered.push(renderView(manager, msg.content.data[WIDGET_VIEW], outputs));
    } else if (type === "error") {
      host.errors.push(`${msg.content.ename}: ${msg.content.evalue}\n${msg.content.traceback.join("\n")}`);
    } else if (type === "stream") {
      host.log.push(msg.content.text);
    }
  };
  return future.done.then((reply) => Promise.all(rendered).then(() => reply.content.status));
}

async function start({ kernelId, cells, managerUrl, modules }) {
  const { activate } = await import(managerUrl);
  activate();
  window.vscIPyWidgets8.load();
  const kernel = new KernelManager({ serverSettings: serverSettings() }).connectTo({
    model: { id: kernelId, name: "python3" },
  });
  const outputs = document.getElementById("outputs");
  const manager = new window.vscIPyWidgets.WidgetManager(
    kernel, outputs, scriptLoader(modules), (m) => host.log.push(String(m)), undefined,
  );
  for (const code of cells) {
    const status = await execute(kernel, manager, code, outputs);
    if (status !== "ok") throw new Error(`cell failed (${status}): ${code}\n${host.errors.join("\n")}`);
  }
  return host.scripts;
}
