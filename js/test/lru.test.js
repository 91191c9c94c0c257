import { test } from "node:test";
import assert from "node:assert/strict";
import { LruCache } from "../src/lib/lru.js";

test("the least recently used entry is evicted and reported", () => {
  const evicted = [];
  const c = new LruCache(2, (v, k) => evicted.push([k, v]));
  c.set("a", 1).set("b", 2);
  c.get("a"); // a is now most recent
  c.set("c", 3);
  assert.deepEqual(evicted, [["b", 2]]);
  assert.deepEqual(c.keys(), ["a", "c"]);
});

test("peek does not change recency", () => {
  const evicted = [];
  const c = new LruCache(2, (v, k) => evicted.push(k));
  c.set("a", 1).set("b", 2);
  c.peek("a");
  c.set("c", 3);
  assert.deepEqual(evicted, ["a"]);
});

test("replacing a value reports the old one", () => {
  const evicted = [];
  const c = new LruCache(3, (v) => evicted.push(v));
  c.set("a", "old");
  c.set("a", "new");
  assert.deepEqual(evicted, ["old"]);
  assert.equal(c.get("a"), "new");
  assert.equal(c.size, 1);
});

test("delete and clear report every value", () => {
  const evicted = [];
  const c = new LruCache(5, (v) => evicted.push(v));
  c.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(c.delete("b"), true);
  assert.equal(c.delete("zz"), false);
  c.clear();
  assert.deepEqual(evicted.sort(), [1, 2, 3]);
  assert.equal(c.size, 0);
});

test("max must be at least 1", () => {
  assert.throws(() => new LruCache(0));
});
