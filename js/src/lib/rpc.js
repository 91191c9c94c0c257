// Request/reply over anywidget custom messages: every request carries a unique
// positive integer `rid`; the one reply with the same rid settles it.

const MAX_RID = 2 ** 31 - 1;
// Shared by every view in this module instance; a random start keeps two module
// instances (two widgets in one page) from reusing each other's rids.
let ridCounter = 1 + Math.floor(Math.random() * 1e6);

export function nextRid() {
  ridCounter = ridCounter >= MAX_RID ? 1 : ridCounter + 1;
  return ridCounter;
}

/** Was this request failure a `superseded: true` reply (newer work took its place)? */
export function isSuperseded(err) {
  return !!(err && err.reply && err.reply.superseded === true);
}

export class RpcError extends Error {
  constructor(message, info = {}) {
    super(message);
    this.name = "RpcError";
    this.type = info.type ?? null;
    this.rid = info.rid ?? null;
    this.reply = info.reply ?? null;
    this.timeout = !!info.timeout;
    this.disposed = !!info.disposed;
  }
}

/**
 * A request to Python: the `rpc.request` every module that asks Python is given; `buffers`
 * go with it as binary buffers.
 * @typedef {(type: string, fields?: object, opts?: { timeoutMs?: number, buffers?: ArrayBuffer[] }) =>
 *   Promise<{ reply: any, buffers: DataView[] }>} Request
 */

/**
 * createRpc({ send, timeoutMs, timers, makeRid, now })
 *   send(content, buffers) -> posts a message to Python (model.send)
 *   request(type, fields, { timeoutMs, buffers }) -> Promise<{ reply, buffers }>
 *       rejects with RpcError: `ok:false` (message = Python's error), timeout, or dispose.
 *   handle(content, buffers) -> true when `content` was a reply (consumed), else false.
 *   waiting(type)        -> { rids, oldest }: the requests pending but those of `type`, and when
 *                           the oldest of them was sent (now() time; null when none).
 *   dispose()            -> rejects everything pending, clears timers.
 */
export function createRpc({ send, timeoutMs = 20000, timers = globalThis, makeRid = nextRid, now = Date.now }) {
  const pending = new Map();
  let disposed = false;

  function request(type, fields = {}, opts = {}) {
    if (disposed) return Promise.reject(new RpcError("The widget view was closed.", { type, disposed: true }));
    const rid = makeRid();
    const ms = opts.timeoutMs ?? timeoutMs;
    const content = { ...fields, type, rid };
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        if (!pending.delete(rid)) return;
        const secs = Math.round(ms / 100) / 10;
        reject(new RpcError(`No answer from Python to "${type}" after ${secs} s. Is the kernel still running?`,
          { type, rid, timeout: true }));
      }, ms);
      pending.set(rid, { resolve, reject, timer, type, sentAt: now() });
      try {
        if (opts.buffers) send(content, opts.buffers);
        else send(content);
      } catch (err) {
        timers.clearTimeout(timer);
        pending.delete(rid);
        reject(new RpcError(`Could not send "${type}" to Python: ${err && err.message ? err.message : err}`, { type, rid }));
      }
    });
  }

  function handle(content, buffers) {
    if (!content || typeof content !== "object" || content.type !== "reply") return false;
    const p = pending.get(content.rid);
    if (!p) return true; // late (timed out) or another view's reply
    pending.delete(content.rid);
    timers.clearTimeout(p.timer);
    if (content.ok === true) {
      p.resolve({ reply: content, buffers: Array.from(buffers || []) });
    } else {
      const msg = typeof content.error === "string" && content.error ? content.error : `"${p.type}" failed.`;
      p.reject(new RpcError(msg, { type: p.type, rid: content.rid, reply: content }));
    }
    return true;
  }

  function waiting(except) {
    const rids = [];
    let oldest = null;
    for (const [rid, p] of pending) {
      if (p.type === except) continue;
      rids.push(rid);
      if (oldest === null || p.sentAt < oldest) oldest = p.sentAt;
    }
    return { rids, oldest };
  }

  function dispose() {
    disposed = true;
    for (const [rid, p] of pending) {
      timers.clearTimeout(p.timer);
      p.reject(new RpcError("The widget view was closed.", { type: p.type, rid, disposed: true }));
    }
    pending.clear();
  }

  return {
    request,
    handle,
    waiting,
    dispose,
    get pendingCount() {
      return pending.size;
    },
  };
}
