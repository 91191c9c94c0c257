// Tiny element helper. All text goes in through textContent / text nodes, never innerHTML.

const PROPS = new Set(["value", "checked", "disabled", "hidden", "tabIndex", "draggable", "type", "title", "id"]);

/**
 * h("button", { class: "x", "aria-label": "Save", onclick: fn }, "Save")
 * Props: `class`, `text` (textContent), `on<event>` functions (addEventListener),
 * known DOM properties (value, checked, ...), anything else as an attribute
 * (true -> "", false/null/undefined -> omitted). Children: strings become text nodes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, val] of Object.entries(props || {})) {
    if (val === undefined || val === null || val === false) continue;
    if (key === "class") el.className = val;
    else if (key === "text") el.textContent = String(val);
    else if (key.startsWith("on") && typeof val === "function") el.addEventListener(key.slice(2), val);
    else if (PROPS.has(key)) el[key] = val;
    else el.setAttribute(key, val === true ? "" : String(val));
  }
  append(el, children);
  return el;
}

/**
 * User text set inside a sentence of ours: isolated, so right-to-left marks or overrides in it
 * cannot reorder the words around it.
 */
export function isolate(text) {
  return `\u2068${text}\u2069`;
}

/** Append children (nodes, strings, numbers, nested arrays; null/false skipped). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Set or remove an attribute depending on the value. */
export function attr(el, name, value) {
  if (value === null || value === undefined || value === false) el.removeAttribute(name);
  else el.setAttribute(name, value === true ? "" : String(value));
}

/** Set text only when it changed (keeps screen readers and layout calm). */
export function setText(el, text) {
  const t = String(text ?? "");
  if (el.textContent !== t) el.textContent = t;
}

/** Is this element a place where typing goes (text-like input, textarea, select, contenteditable)? */
export function isTextEntry(el) {
  if (!el || el.nodeType !== 1) return false;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const t = (el.getAttribute("type") || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset", "file", "image", "color", "range"].includes(t);
  }
  return !!el.isContentEditable;
}

/**
 * The focused element, also inside a shadow root: marimo renders widgets in one, and there
 * `document.activeElement` is only the shadow root's host.
 */
export function activeElement() {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return active;
}

let uid = 0;
/** A document-unique id with a readable prefix. */
export function uniqueId(prefix = "ltw") {
  uid += 1;
  return `${prefix}-${uid}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Run `fn` (which may replace elements) and keep keyboard focus inside `root`:
 * if the focused element disappears, focus the new element carrying the same
 * `data-fkey`, else the root itself, so shortcuts keep working.
 */
export function keepFocus(root, fn) {
  const active = activeElement();
  const had = active && active !== root && root.contains(active);
  const key = had ? active.closest("[data-fkey]")?.getAttribute("data-fkey") : null;
  fn();
  if (!had || (active.isConnected && root.contains(active))) return;
  if (key !== null && key !== undefined) {
    for (const el of root.querySelectorAll("[data-fkey]")) {
      if (el.getAttribute("data-fkey") === key) {
        el.focus({ preventScroll: true });
        return;
      }
    }
  }
  root.focus({ preventScroll: true });
}
