// Keeping the view up to date on a host that delivers only Python's answers to the view's own
// messages (Colab): trait updates, notices and worker-made replies sent at another time may never
// arrive. The view asks for them with the `sync` request (docs/protocol.md): often while it waits
// for something, rarely otherwise, so a host that delivers everything (JupyterLab) is not flooded.

/** How often the view looks whether to ask, and asks while something is outstanding (ms). */
export const FAST_MS = 500;
/** How often it asks when nothing is outstanding, so that live changes of others show (ms). */
export const IDLE_MS = 5000;
/** A request unanswered this long makes the view ask (ms). */
export const LATE_MS = 500;

/**
 * Whether the view waits for background work that moves the traits: a scan, a save on its thread,
 * checks, an export or an auto-tag run.
 * @param {import("./model.js").ViewState} state
 */
export function outstanding(state) {
  const running = (job) => !!job && job.phase === "running";
  return state.loading.phase === "scanning" || Array.isArray(state.status.saving) ||
    running(state._checks) || running(state._export) || running(state._autotag);
}

/**
 * The traits as the view reads them: the model's values, except where a `sync` answer brought a
 * value the model did not get; that one holds until the model changes the trait again (updates
 * reach the model in the order Python sent them, so a later one is newer). The answer's values are
 * never set on the model: ipywidgets would send them back to Python with the view's next change.
 * @param {{ get: (name: string) => any }} model
 * @param {string[]} names  the traits it keeps
 */
export function createStateLayer(model, names) {
  const wanted = new Set(names);
  /** @type {Map<string, any>} */
  const brought = new Map();
  /** @type {Map<string, number>} */
  const setAt = new Map();
  let clock = 0;
  const get = (name) => (brought.has(name) ? brought.get(name) : model.get(name));
  return {
    get,
    /** The model changed `name`: its value is the newest. */
    modelChanged(name) {
      brought.delete(name);
    },
    /** The view sets `name` itself: an answer to a request sent before says what Python had. */
    setLocal(name) {
      clock += 1;
      setAt.set(name, clock);
      brought.delete(name);
    },
    /** The view's own sets so far: a `sync` request sent now knows of these. */
    get clock() {
      return clock;
    },
    /**
     * Take the trait values of an answer to a `sync` request sent at `sentAt` (the clock then);
     * returns the names whose value changed.
     * @param {Record<string, any> | undefined} state
     * @param {number} sentAt
     */
    apply(state, sentAt) {
      const changed = [];
      for (const [name, value] of Object.entries(state || {})) {
        if (!wanted.has(name) || (setAt.get(name) ?? 0) > sentAt) continue;
        if (JSON.stringify(get(name)) === JSON.stringify(value)) continue;
        brought.set(name, value);
        changed.push(name);
      }
      return changed;
    },
  };
}

/**
 * Numbers seen, to show each numbered message once whether it came directly or by `sync`.
 * @param {number} [limit]  numbers remembered
 */
export function createSeen(limit = 500) {
  const seen = new Set();
  /** True the first time `seq` is given (always for a message without a number). */
  return function first(seq) {
    if (typeof seq !== "number") return true;
    if (seen.has(seq)) return false;
    seen.add(seq);
    if (seen.size > limit) seen.delete(seen.values().next().value);
    return true;
  };
}

/**
 * Ask Python with `sync` when due: a request (but `sync`) waited LATE_MS, `busy()` (every FAST_MS),
 * or IDLE_MS went by. Each answer's messages go to `onMessage(content, buffers, seq)` (replies to
 * pending requests, notices), then its trait values into `layer`, and `onState(names)` if any
 * changed.
 * @param {{ rpc: ReturnType<typeof import("./rpc.js").createRpc>,
 *   layer: ReturnType<typeof createStateLayer>, busy: () => boolean,
 *   onMessage: (content: any, buffers: DataView[], seq: number) => void,
 *   onState: (names: string[]) => void, timers?: any, now?: () => number }} options
 */
export function createSync({ rpc, layer, busy, onMessage, onState, timers = globalThis, now = Date.now }) {
  let since = 0;
  let inFlight = false;
  let lastAsked = -Infinity;
  let disposed = false;
  let timer = null;
  let asked = 0;

  function due() {
    const { oldest } = rpc.waiting("sync");
    const waited = now() - lastAsked;
    return (oldest !== null && now() - oldest >= LATE_MS) || (busy() && waited >= FAST_MS) ||
      waited >= IDLE_MS;
  }

  async function ask() {
    inFlight = true;
    lastAsked = now();
    asked += 1;
    const sentAt = layer.clock;
    try {
      const { reply, buffers } = await rpc.request("sync", { since, rids: rpc.waiting("sync").rids });
      // ipywidgets puts trait updates into the model a few promise turns after they arrive but
      // hands custom messages over at once: take this answer after the updates sent before it.
      await new Promise((resolve) => timers.setTimeout(resolve, 0));
      if (disposed) return;
      since = Math.max(since, reply.seq);
      let at = 0;
      for (const m of reply.messages) {
        onMessage(m.content, buffers.slice(at, at + m.buffers), m.seq);
        at += m.buffers;
      }
      const changed = layer.apply(reply.state, sentAt);
      if (changed.length) onState(changed);
    } catch {
      // the next one asks again
    } finally {
      inFlight = false;
    }
  }

  function tick() {
    timer = null;
    if (disposed) return;
    if (!inFlight && due()) ask();
    timer = timers.setTimeout(tick, FAST_MS);
  }

  return {
    start: tick,
    /** How many `sync` requests were sent. */
    get asked() {
      return asked;
    },
    dispose() {
      disposed = true;
      if (timer !== null) timers.clearTimeout(timer);
    },
  };
}
