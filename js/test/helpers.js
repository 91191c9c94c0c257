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
