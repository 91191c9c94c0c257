import { test } from "node:test";
import assert from "node:assert/strict";
import { createRpc } from "../src/lib/rpc.js";
import { readState } from "../src/lib/model.js";
import { FAST_MS, IDLE_MS, createSeen, createStateLayer, createSync, outstanding } from "../src/lib/sync.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Timers and a clock that move only when told (`advance`), running what falls due in order. */
function fakeClock() {
  let t = 0;
  let id = 0;
  const pending = new Map();
  return {
    now: () => t,
    setTimeout(fn, ms) { id += 1; pending.set(id, { fn, at: t + ms }); return id; },
    clearTimeout(i) { pending.delete(i); },
    async advance(ms) {
      const end = t + ms;
      await flush();
      for (;;) {
        const due = [...pending.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
        await flush();
      }
      t = end;
    },
  };
}

/** A model as ipywidgets has it: `set` without `save_changes` is sent with the next save. */
function fakeModel(values) {
  const unsent = new Map();
  return {
    get: (name) => values[name],
    set(name, value) { values[name] = value; unsent.set(name, value); },
    /** What Python got from the view. */
    saved: [],
    save_changes() { this.saved.push(Object.fromEntries(unsent)); unsent.clear(); },
  };
}

function setup(values = {}) {
  const clock = fakeClock();
  const sent = [];
  let rid = 0;
  const rpc = createRpc({ send: (m) => sent.push(m), timers: clock, now: clock.now, makeRid: () => ++rid });
  const model = fakeModel({ view: "single", loading: { phase: "ready" }, _checks: { phase: "idle" }, ...values });
  const layer = createStateLayer(model, ["view", "loading", "_checks", "status"]);
  const got = { messages: [], states: [] };
  let busy = false;
  const sync = createSync({
    rpc, layer, timers: clock, now: clock.now, busy: () => busy,
    onMessage: (content, buffers, seq) => {
      if (!rpc.handle(content, buffers)) got.messages.push([content, buffers.length, seq]);
    },
    onState: (names) => got.states.push(names),
  });
  const asks = () => sent.filter((m) => m.type === "sync");
  const answer = (m, fields, buffers = []) => rpc.handle({ type: "reply", rid: m.rid, ok: true, seq: 0, state: {}, messages: [], ...fields }, buffers);
  return { clock, sent, rpc, model, layer, sync, got, asks, answer, setBusy: (on) => { busy = on; } };
}

test("the view reads the model, then what a sync answer brought, until the model changes again", () => {
  const { layer, model } = setup();
  assert.equal(layer.get("view"), "single");
  assert.deepEqual(layer.apply({ loading: { phase: "scanning", done: 5 }, view: "single", other: 1 }, 0), ["loading"]);
  assert.deepEqual(readState(layer).loading, { phase: "scanning", done: 5 });
  assert.deepEqual(model.saved, []); // nothing set on the model: nothing to echo back to Python
  model.set("loading", { phase: "ready" });
  layer.modelChanged("loading");
  assert.deepEqual(layer.get("loading"), { phase: "ready" });
});

test("an answer to a sync sent before the view set a trait does not undo that set", () => {
  const { layer, model } = setup();
  const sentAt = layer.clock;
  layer.setLocal("view");
  model.set("view", "grid");
  model.save_changes();
  assert.deepEqual(layer.apply({ view: "single", _checks: { phase: "running" } }, sentAt), ["_checks"]);
  assert.equal(layer.get("view"), "grid");
  assert.deepEqual(layer.apply({ view: "single" }, layer.clock), ["view"]); // asked after: Python's word
  assert.deepEqual(model.saved, [{ view: "grid" }]);
});

test("idle, the view asks rarely; waiting for an answer or for a job, every half second", async () => {
  const { clock, rpc, asks, answer, setBusy, sync } = setup();
  sync.start();
  assert.equal(asks().length, 1); // at once: what was sent before the view was there
  answer(asks()[0], { seq: 3 });
  await clock.advance(IDLE_MS - FAST_MS);
  assert.equal(asks().length, 1);
  await clock.advance(FAST_MS);
  assert.equal(asks().length, 2);
  assert.equal(asks()[1].since, 3);
  answer(asks()[1], { seq: 3 });
  const preview = rpc.request("preview", { id: "a.jpg" });
  await clock.advance(FAST_MS);
  assert.deepEqual(asks()[2].rids, [asks()[2].rid - 1]); // the preview's rid
  answer(asks()[2], {
    seq: 4, messages: [{ seq: 4, buffers: 1, content: { type: "reply", rid: asks()[2].rid - 1, ok: true, id: "a.jpg" } }],
  }, [new DataView(new ArrayBuffer(3))]);
  await clock.advance(0);
  const { reply, buffers } = await preview;
  assert.equal(reply.id, "a.jpg");
  assert.equal(buffers[0].byteLength, 3);
  setBusy(true);
  await clock.advance(FAST_MS * 4);
  assert.equal(asks().length, 4); // one at a time: the fourth is not answered yet
  answer(asks()[3], { seq: 4 });
  await clock.advance(FAST_MS * 2);
  assert.equal(asks().length, 5);
  sync.dispose();
  await clock.advance(IDLE_MS * 3);
  assert.equal(asks().length, 5);
  assert.equal(sync.asked, 5);
});

test("an answer's messages and trait values reach the view, each message once", async () => {
  const { clock, asks, answer, got, sync, layer } = setup();
  const seen = createSeen(2);
  sync.start();
  answer(asks()[0], {
    seq: 9, state: { _checks: { phase: "done" } },
    messages: [{ seq: 7, buffers: 0, content: { type: "notice", message: "disk full" } }],
  });
  await clock.advance(0);
  assert.deepEqual(got.messages, [[{ type: "notice", message: "disk full" }, 0, 7]]);
  assert.deepEqual(got.states, [["_checks"]]);
  assert.deepEqual(layer.get("_checks"), { phase: "done" });
  assert.deepEqual([seen(7), seen(7), seen(8), seen(9), seen(7), seen(undefined)], [true, false, true, true, true, true]);
});

test("a failed sync is asked again later, from where the last answer was", async () => {
  const { clock, asks, rpc, sync } = setup();
  sync.start();
  rpc.handle({ type: "reply", rid: asks()[0].rid, ok: false, error: "kernel busy" }, []);
  await clock.advance(IDLE_MS);
  assert.equal(asks().length, 2);
  assert.equal(asks()[1].since, 0);
});

test("the view waits for background work while a scan, a save, checks, an export or an auto-tag runs", () => {
  const idle = { loading: { phase: "ready" }, status: {}, _checks: { phase: "done" }, _export: {}, _autotag: { phase: "idle" } };
  assert.equal(outstanding(/** @type {any} */ (idle)), false);
  for (const busy of [{ loading: { phase: "scanning" } }, { status: { saving: [1, 5] } }, { _checks: { phase: "running" } },
    { _export: { phase: "running" } }, { _autotag: { phase: "running" } }]) {
    assert.equal(outstanding(/** @type {any} */ ({ ...idle, ...busy })), true, JSON.stringify(busy));
  }
});
