import { test } from "node:test";
import assert from "node:assert/strict";
import { splitTags, strip } from "../src/lib/captions.js";

test("tags are split at commas and line breaks, trimmed, empties dropped, repeats kept", () => {
  assert.deepEqual(splitTags(" red hair ,, smiling,  "), ["red hair", "smiling"]);
  assert.deepEqual(splitTags("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
  assert.deepEqual(splitTags("a, b, a"), ["a", "b", "a"]);
  assert.deepEqual(splitTags(""), []);
  assert.deepEqual(splitTags(undefined), []);
  assert.deepEqual(splitTags("^_^, >_<"), ["^_^", ">_<"]);
});

test("white space is stripped as Python strips it", () => {
  assert.equal(strip("\x85\x1c tag \u3000"), "tag");
  assert.equal(strip("\ufefftag"), "\ufefftag", "U+FEFF is no white space to Python");
  assert.equal(strip("a\u2028b"), "a\u2028b", "inside a tag it stays");
});
