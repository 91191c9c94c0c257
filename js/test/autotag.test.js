import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  taggerChoices, autotagScopes, buildAutotagRequest, runView, buildAcceptRequest, duration, unitNumber,
} = await import("../src/panels/autotag/logic.js");
const { scoreText, selectionText, suggestionOf } = await import("../src/editor/suggested.js");
const { resolveKey } = await import("../src/shell/keys.js");

const key = (code, mods = {}) => ({ code, ...mods });

test("taggers added from Python come first, then a WD folder and a chat endpoint", () => {
  assert.deepEqual(taggerChoices(["mine", 3, ""]).map((c) => c.value), ["registered:mine", "wd", "chat"]);
  assert.deepEqual(taggerChoices(undefined).map((c) => c.label), ["WD model folder", "Chat endpoint"]);
});

test("this image is a scope only while an image shows", () => {
  const state = { progress: { total: 3, all: 3, filtered: false }, _shown_selection: [], _current: { id: "a.png" } };
  const current = autotagScopes(state).find((c) => c.value === "current");
  assert.deepEqual([current.count, current.disabled], [1, false]);
  assert.equal(autotagScopes({ ...state, _current: {} }).at(-1).disabled, true);
});

test("the run request carries the tagger, the scope and the checked options", () => {
  const form = { tagger: "registered:mine", general: "0.4", character: "0.9", maxTags: "20", existing: "append",
    blacklist: "watermark", prepend: "ohwx", append: "", rerun: true, scope: "selected" };
  assert.deepEqual(buildAutotagRequest(form).fields, {
    tagger: { kind: "registered", name: "mine" }, scope: "selected",
    options: { existing: "append", rerun: true, general_threshold: 0.4, character_threshold: 0.9, max_tags: 20,
      blacklist: "watermark", prepend: "ohwx", append: "" },
  });
  assert.equal(buildAutotagRequest({ ...form, maxTags: "" }).fields.options.max_tags, undefined);
  assert.match(buildAutotagRequest({ ...form, general: "1.5" }).error, /General threshold/);
  assert.match(buildAutotagRequest({ ...form, maxTags: "2.5" }).error, /Max tags/);
  assert.match(buildAutotagRequest({ ...form, tagger: "wd", path: " " }).error, /folder/);
  assert.deepEqual(buildAutotagRequest({ ...form, tagger: "wd", path: " ~/wd " }).fields.tagger, { kind: "wd", path: "~/wd" });
  assert.match(buildAutotagRequest({ ...form, tagger: "chat", url: "localhost:8000" }).error, /http/);
  assert.match(buildAutotagRequest({ ...form, tagger: "chat", url: "http://h/v1", model: "" }).error, /model/);
});

test("a chat endpoint asked for captions sends no tag options", () => {
  const built = buildAutotagRequest({ tagger: "chat", url: "http://h/v1", model: "m", prompt: "Describe {name}",
    reply: "caption", general: "x", existing: "overwrite" });
  assert.deepEqual(built.fields.options, { existing: "overwrite", rerun: false });
  assert.deepEqual(built.fields.tagger, { kind: "chat", url: "http://h/v1", model: "m", prompt: "Describe {name}", reply: "caption",
    max_tokens: 300, temperature: 0.2 });
  const tuned = buildAutotagRequest({ tagger: "chat", url: "http://h/v1", model: "m", apiKey: " sk-1 ", maxTokens: "77", temperature: "0" });
  assert.deepEqual([tuned.fields.tagger.api_key, tuned.fields.tagger.max_tokens, tuned.fields.tagger.temperature], ["sk-1", 77, 0]);
  assert.match(buildAutotagRequest({ tagger: "chat", url: "http://h/v1", model: "m", maxTokens: "0" }).error, /Max tokens/);
  assert.match(buildAutotagRequest({ tagger: "chat", url: "http://h/v1", model: "m", temperature: "3" }).error, /Temperature/);
});

test("progress says how many, how fast and how long is left", () => {
  assert.equal(runView({ phase: "running", done: 12, total: 40, rate: 3.14, eta: 8.9 }).progress,
    "12 of 40 images · 3.1 images/s · 9 s left");
  assert.equal(runView({ phase: "running", done: 0, total: 0 }).progress, "Starting…");
  assert.equal(runView({ phase: "running", done: 10, total: 1000, rate: 25, eta: 3960 }).progress,
    "10 of 1,000 images · 25 images/s · 1 h 6 min left");
  assert.deepEqual(runView({ phase: "done", summary: "2 images got suggestions (0.1 s)" }),
    { running: false, progress: "", summary: "2 images got suggestions (0.1 s)", error: "" });
  assert.match(runView({ phase: "failed", error: "boom" }).error, /failed: boom/);
  assert.equal(duration(150), "3 min");
});

test("accepting above a score needs a score from 0 to 1", () => {
  assert.deepEqual(buildAcceptRequest(" 0.5 ", "filtered", true).fields, { scope: "filtered", min_score: 0.5, preview: true });
  assert.match(buildAcceptRequest("", "all", true).error, /from 0 to 1/);
  assert.equal(unitNumber("-0.1"), null);
});

test("suggested tags come with their scores; bad rows are dropped", () => {
  assert.deepEqual(suggestionOf({ suggested: [["blue theme", 0.991, "general"], [4], ["x", "high"]], suggested_caption: null }),
    { tags: [{ tag: "blue theme", score: 0.991 }, { tag: "x", score: null }], caption: null });
  assert.equal(scoreText(0.991), "0.99");
  assert.equal(scoreText(null), "");
});

test("A accepts and Shift+A rejects suggestions (the grid's too), not in text or a dialog", () => {
  assert.deepEqual(resolveKey(key("KeyA")), { action: "accept-suggestions", prevent: true });
  assert.deepEqual(resolveKey(key("KeyA", { shiftKey: true })), { action: "reject-suggestions", prevent: true });
  assert.equal(resolveKey(key("KeyA"), { inText: true }), null);
  assert.deepEqual(resolveKey(key("KeyA"), { grid: true }), { action: "accept-suggestions", prevent: true });
  assert.equal(resolveKey(key("KeyA", { shiftKey: true }), { dialogOpen: true }), null);
  assert.equal(resolveKey(key("KeyA", { ctrlKey: true })), null);
});

test("what A and Shift+A did to the grid's selection is said in words", () => {
  assert.equal(selectionText(true, { summary: "2 of 3 images change: +square (2)" }),
    "Accepted the selection's suggestions: 2 of 3 images change: +square (2).");
  assert.equal(selectionText(false, { rejected: 1 }), "Rejected the suggestions of 1 image.");
  assert.equal(selectionText(false, { rejected: 4 }), "Rejected the suggestions of 4 images.");
  assert.equal(selectionText(false, { rejected: 0 }), "The selected images have no open suggestions.");
});
