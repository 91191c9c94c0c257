import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeTimers } from "./helpers.js";

const { createStatusClock, STATUS_INFO_MS, bubbleAt } = await import("../src/shell/status.js");

function clock() {
  const timers = fakeTimers();
  const painted = [];
  const c = createStatusClock({ paint: (m, level) => painted.push([m, level]), timers });
  return { c, timers, painted };
}

test("a result leaves the status line after a few seconds", () => {
  const { c, timers, painted } = clock();
  c.show("Exported tags.txt.");
  assert.equal(timers.size, 1);
  assert.ok(STATUS_INFO_MS >= 3000 && STATUS_INFO_MS <= 10000);
  timers.fire();
  assert.deepEqual(painted, [["Exported tags.txt.", "info"], ["", "info"]]);
  assert.equal(c.current().message, "");
});

test("the next action takes a result away; an error stays until the next message", () => {
  const { c, timers, painted } = clock();
  c.show("Done.");
  c.clear();
  assert.equal(timers.size, 0);
  assert.equal(c.current().message, "");
  c.show("Could not write a.txt", "error");
  assert.equal(timers.size, 0);
  c.clear();
  assert.equal(c.current().message, "Could not write a.txt");
  c.show("Saved.");
  assert.deepEqual(painted.at(-1), ["Saved.", "info"]);
});

test("a new message restarts the clock", () => {
  const { c, timers } = clock();
  c.show("one");
  c.show("two");
  assert.equal(timers.size, 1);
  timers.fire();
  assert.equal(c.current().message, "");
});

test("a result's bubble sits just under its control, inside the widget", () => {
  const box = { left: 100, top: 50, width: 600 };
  assert.deepEqual(bubbleAt({ left: 130, bottom: 90 }, box, 200), { left: 30, top: 44 });
  assert.deepEqual(bubbleAt({ left: 650, bottom: 90 }, box, 200), { left: 400, top: 44 });
  assert.deepEqual(bubbleAt({ left: 80, bottom: 60 }, box, 200), { left: 0, top: 14 });
});
