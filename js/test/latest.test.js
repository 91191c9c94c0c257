import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeTimers } from "./helpers.js";

const { createLatest, createRefresher } = await import("../src/lib/latest.js");

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("latest: only the newest ticket counts, and drop() makes every ticket stale", () => {
  const latest = createLatest();
  const a = latest.next();
  const b = latest.next();
  assert.equal(latest.isLatest(a), false);
  assert.equal(latest.isLatest(b), true);
  latest.drop();
  assert.equal(latest.isLatest(b), false);
});

// ---- the refresher: debounce, one in flight, newest wins ---------------------------------------
function harness() {
  const calls = [];
  const got = [];
  const errors = [];
  const timers = fakeTimers();
  const r = createRefresher({
    fetch: () => new Promise((resolve, reject) => calls.push({ resolve, reject })),
    onResult: (d) => got.push(d),
    onError: (e) => errors.push(e.message),
    delayMs: 250,
    timers,
  });
  return { r, calls, got, errors, timers };
}


test("refresher: now asks at once, soon waits for quiet", async () => {
  const { r, calls, got, timers } = harness();
  r.now();
  assert.equal(calls.length, 1);
  calls[0].resolve("a");
  await tick();
  assert.deepEqual(got, ["a"]);
  assert.equal(r.busy(), false);
  r.soon();
  r.soon();
  r.soon();
  assert.equal(calls.length, 1);
  assert.equal(timers.size, 1);
  assert.equal(r.busy(), true);
  timers.fire();
  assert.equal(calls.length, 2);
  calls[1].resolve("b");
  await tick();
  assert.deepEqual(got, ["a", "b"]);
});

test("refresher: one request in flight; the stale answer is dropped and the newest asked", async () => {
  const { r, calls, got } = harness();
  r.now();
  r.now();
  r.now();
  assert.equal(calls.length, 1);
  calls[0].resolve("old");
  await tick();
  assert.deepEqual(got, []);
  assert.equal(calls.length, 2);
  calls[1].resolve("new");
  await tick();
  assert.deepEqual(got, ["new"]);
});

test("refresher: cancel drops the answer in flight, but still waits for it", async () => {
  const { r, calls, got, errors } = harness();
  r.now();
  r.cancel();
  calls[0].resolve("dropped");
  await tick();
  assert.deepEqual(got, []);
  r.now();
  r.cancel();
  r.now(); // the first is still in flight: asked right after it
  assert.equal(calls.length, 2);
  calls[1].reject(new Error("late"));
  await tick();
  assert.deepEqual(errors, []);
  assert.equal(calls.length, 3);
  calls[2].reject(new Error("No answer"));
  await tick();
  assert.deepEqual(errors, ["No answer"]);
  assert.deepEqual(got, []);
});

test("refresher: nothing after dispose", async () => {
  const { r, calls, got, timers } = harness();
  r.soon();
  r.dispose();
  assert.equal(timers.fire(), 0);
  r.now();
  assert.equal(calls.length, 0);
  assert.deepEqual(got, []);
});

test("refresher: a fetch that throws is an error, not a crash", async () => {
  const errors = [];
  const r = createRefresher({ fetch: () => { throw new Error("boom"); }, onResult: () => {}, onError: (e) => errors.push(e.message) });
  r.now();
  await tick();
  assert.deepEqual(errors, ["boom"]);
  assert.equal(r.busy(), false);
});

test("refresher: debounces, keeps one request in flight and follows up with the newest", async () => {
  const timers = fakeTimers();
  const calls = [];
  const results = [];
  let n = 0;
  const refresher = createRefresher({
    timers,
    fetch: () => new Promise((resolve) => { n += 1; calls.push({ n, resolve }); }),
    onResult: (v) => results.push(v),
    onError: (e) => results.push(`error ${e.message}`),
  });
  refresher.soon();
  refresher.soon();
  refresher.soon();
  assert.equal(timers.size, 1, "debounced: one timer");
  assert.equal(calls.length, 0);
  timers.fire();
  assert.equal(calls.length, 1);
  assert.ok(refresher.busy());
  refresher.now();
  refresher.soon();
  timers.fire();
  assert.equal(calls.length, 1, "at most one in flight");
  calls[0].resolve("first");
  await tick();
  assert.deepEqual(results, [], "an answer overtaken by a newer request is dropped");
  assert.equal(calls.length, 2, "one follow-up for everything asked meanwhile");
  calls[1].resolve("second");
  await tick();
  assert.deepEqual(results, ["second"]);
  assert.equal(calls.length, 2);
  assert.ok(!refresher.busy());
});

test("refresher: reports errors, and nothing after dispose", async () => {
  const timers = fakeTimers();
  const results = [];
  let fail = true;
  let resolveLate;
  const refresher = createRefresher({
    timers,
    fetch: () => (fail ? Promise.reject(new Error("no")) : new Promise((r) => { resolveLate = r; })),
    onResult: (v) => results.push(v),
    onError: (e) => results.push(`error ${e.message}`),
  });
  refresher.now();
  await tick();
  assert.deepEqual(results, ["error no"]);
  fail = false;
  refresher.now();
  refresher.soon();
  refresher.dispose();
  assert.equal(timers.size, 0);
  resolveLate("late");
  await tick();
  assert.deepEqual(results, ["error no"]);
  refresher.now();
  assert.ok(!refresher.busy());
});
