import { test } from "node:test";
import assert from "node:assert/strict";
import { createRpc, nextRid, RpcError } from "../src/lib/rpc.js";

function fakeTimers() {
  const timers = new Map();
  let id = 0;
  return {
    setTimeout(fn, ms) { id += 1; timers.set(id, { fn, ms }); return id; },
    clearTimeout(t) { timers.delete(t); },
    fire(t) { const x = timers.get(t); timers.delete(t); x.fn(); },
    get size() { return timers.size; },
    ids() { return [...timers.keys()]; },
  };
}

function setup(opts = {}) {
  const sent = [];
  const timers = fakeTimers();
  let rid = 0;
  const rpc = createRpc({ send: (m) => sent.push(m), timers, makeRid: () => ++rid, ...opts });
  return { rpc, sent, timers };
}

test("every request carries its type, fields and a unique positive integer rid", () => {
  const { rpc, sent } = setup();
  rpc.request("goto", { index: 3 });
  rpc.request("next");
  assert.deepEqual(sent, [{ index: 3, type: "goto", rid: 1 }, { type: "next", rid: 2 }]);
});

test("nextRid gives distinct positive integers", () => {
  const a = nextRid();
  const b = nextRid();
  assert.ok(Number.isInteger(a) && a > 0 && Number.isInteger(b) && b > 0 && a !== b);
});

test("a reply settles the request with the same rid, in any order", async () => {
  const { rpc } = setup();
  const p1 = rpc.request("save");
  const p2 = rpc.request("palette_export");
  assert.equal(rpc.handle({ type: "reply", rid: 2, ok: true, text: "a\n" }, []), true);
  assert.equal(rpc.handle({ type: "reply", rid: 1, ok: true, saved: 3 }, []), true);
  assert.equal((await p1).reply.saved, 3);
  assert.equal((await p2).reply.text, "a\n");
  assert.equal(rpc.pendingCount, 0);
});

test("buffers are handed over with the reply", async () => {
  const { rpc } = setup();
  const p = rpc.request("preview", { id: "a.jpg", width: 100, height: 100 });
  const buf = new DataView(new ArrayBuffer(4));
  rpc.handle({ type: "reply", rid: 1, ok: true, mime: "image/jpeg" }, [buf]);
  const { buffers } = await p;
  assert.equal(buffers[0], buf);
});

test("an ok:false reply rejects with Python's error text", async () => {
  const { rpc } = setup();
  const p = rpc.request("add_tag", { id: "x", tag: "" });
  rpc.handle({ type: "reply", rid: 1, ok: false, error: "A tag cannot be empty." });
  await assert.rejects(p, (err) => err instanceof RpcError && err.message === "A tag cannot be empty." && !err.timeout);
});

test("a request with no reply times out with a readable message", async () => {
  const { rpc, timers } = setup({ timeoutMs: 5000 });
  const p = rpc.request("save");
  timers.fire(timers.ids()[0]);
  await assert.rejects(p, (err) => err.timeout && /save/.test(err.message) && /5 s/.test(err.message));
  // a late reply is swallowed, not mistaken for something else
  assert.equal(rpc.handle({ type: "reply", rid: 1, ok: true }), true);
});

test("the reply clears its timeout", async () => {
  const { rpc, timers } = setup();
  const p = rpc.request("next");
  assert.equal(timers.size, 1);
  rpc.handle({ type: "reply", rid: 1, ok: true, index: 1 });
  await p;
  assert.equal(timers.size, 0);
});

test("messages that are not replies are left for others", () => {
  const { rpc } = setup();
  assert.equal(rpc.handle({ type: "notice", level: "error", message: "x" }), false);
  assert.equal(rpc.handle(null), false);
});

test("dispose rejects what is pending and refuses new requests", async () => {
  const { rpc, timers } = setup();
  const p = rpc.request("save");
  rpc.dispose();
  await assert.rejects(p, (err) => err.disposed);
  await assert.rejects(rpc.request("next"), (err) => err.disposed);
  assert.equal(timers.size, 0);
});

test("a send that throws rejects the request", async () => {
  const timers = fakeTimers();
  const rpc = createRpc({ send: () => { throw new Error("comm closed"); }, timers, makeRid: () => 1 });
  await assert.rejects(rpc.request("next"), /comm closed/);
  assert.equal(rpc.pendingCount, 0);
});
