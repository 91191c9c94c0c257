// Shared by the tests. Importing this file first hooks node's loader so that the stylesheets the
// front-end modules import (esbuild bundles them; node cannot load CSS) load as empty modules;
// the modules under test are then imported dynamically (`await import(...)`), after the hook.
import { register } from "node:module";

const hooks = `export async function load(url, context, next) {
  if (url.endsWith(".css")) return { format: "module", source: "", shortCircuit: true };
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

/** Timers that run only when told: setTimeout / clearTimeout, fire() runs all pending (-> how many). */
export function fakeTimers() {
  let id = 0;
  const pending = new Map();
  return {
    setTimeout(fn, ms) { id += 1; pending.set(id, { fn, ms }); return id; },
    clearTimeout(t) { pending.delete(t); },
    fire() {
      const all = [...pending.values()];
      pending.clear();
      for (const { fn } of all) fn();
      return all.length;
    },
    get size() { return pending.size; },
  };
}

/** The few DOM parts lib/dom.js's h() and the tests on a fake DOM use: elements with attributes,
 * children, listeners (fire() runs them), a class list, a value with a selection, and focus. */
export class FakeNode {
  constructor(tag) {
    this.tagName = String(tag).toUpperCase();
    this.nodeType = 1;
    this.children = [];
    this.attrs = {};
    this.listeners = {};
    this.textContent = "";
    this.hidden = false;
    this.className = "";
    this.style = { width: "" };
    this._value = "";
    this.selectionStart = 0;
    this.selectionEnd = 0;
    const node = this;
    const names = () => new Set(node.className.split(" ").filter(Boolean));
    this.classList = {
      toggle(name, on = !names().has(name)) {
        const all = names();
        if (on) all.add(name);
        else all.delete(name);
        node.className = [...all].join(" ");
      },
      add(name) { this.toggle(name, true); },
      remove(name) { this.toggle(name, false); },
      contains: (name) => names().has(name),
    };
  }
  get value() { return this._value; }
  set value(v) { this._value = String(v).replace(/\r\n?/g, "\n"); this.selectionStart = this.selectionEnd = this._value.length; }
  setAttribute(k, v) { this.attrs[k] = v; }
  removeAttribute(k) { delete this.attrs[k]; }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  fire(type, ev = {}) { for (const fn of this.listeners[type] || []) fn({ preventDefault() {}, ...ev }); }
  append(...c) { this.children.push(...c); }
  replaceChildren(...c) { this.children = c; }
  contains(n) { return n === this || this.children.some((c) => c && c.contains && c.contains(n)); }
  focus() { globalThis.document.activeElement = this; }
  setSelectionRange(a, b) { this.selectionStart = a; this.selectionEnd = b; }
}

/** Make `globalThis.document` a fake one whose elements are FakeNodes. */
export function installFakeDocument() {
  globalThis.document = {
    activeElement: null,
    createElement: (tag) => new FakeNode(tag),
    createTextNode: (text) => ({ nodeType: 3, textContent: text }),
  };
}
