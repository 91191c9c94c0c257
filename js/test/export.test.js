import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  TARGETS, FIXES, buildExportRequest, progressText, targetDescription, scopeChoices, destPlaceholder,
  destForTarget, parseRepeats, normalizeFixes, parseSettings, configHint, destHint, triggerTexts, outcomeOf, endNews,
} = await import("../src/panels/export/logic.js");
const { pickScope } = await import("../src/panels/scope.js");

const LRI = "\u2068";
const PDI = "\u2069";
const ALL_FIXES = { orientation: true, flatten: true, eight_bit: true, rgb: true, convert_formats: true, one_line: true };
const STATE = { trigger: "ohwx", progress: { total: 40, all: 400, filtered: true }, _shown_selection: [1, 2, 3] };

test("the four targets, each with a one-line description", () => {
  assert.deepEqual(TARGETS.map((t) => t.value), ["civitai", "ai-toolkit", "kohya", "renamed"]);
  for (const t of TARGETS) {
    const d = targetDescription(t.value);
    assert.ok(d.length > 20, t.value);
    assert.ok(!/\n/.test(d), t.value);
  }
  assert.match(targetDescription("civitai"), /\.zip/);
  assert.match(targetDescription("civitai"), /1,000/);
  assert.match(targetDescription("ai-toolkit"), /YAML/);
  assert.match(targetDescription("kohya"), /<repeats>_<name>.*dataset_config\.toml/);
  assert.match(targetDescription("renamed"), /prefix_001.*CSV/);
  assert.equal(targetDescription("nope"), "");
  assert.equal(targetDescription(undefined), "");
});

test("the destination's placeholder: a zip for Civitai, a folder otherwise", () => {
  assert.equal(destPlaceholder("civitai"), "~/exports/my-lora.zip");
  for (const t of ["ai-toolkit", "kohya", "renamed"]) assert.equal(destPlaceholder(t), "~/exports/my-lora");
});

test("six fixes, all on by default; only false turns one off", () => {
  assert.deepEqual(FIXES.map((f) => f.key), Object.keys(ALL_FIXES));
  assert.deepEqual(normalizeFixes(undefined), ALL_FIXES);
  assert.deepEqual(normalizeFixes({ flatten: false, rgb: 0, extra: false }), { ...ALL_FIXES, flatten: false });
});

test("scope choices: counts like the batch panel's; filtered and selected only when there are some", () => {
  assert.deepEqual(scopeChoices(STATE), [
    { value: "all", label: "All images", count: 400, disabled: false },
    { value: "filtered", label: "Filtered images", count: 40, disabled: false },
    { value: "selected", label: "Selected images", count: 3, disabled: false },
  ]);
  const plain = scopeChoices({ progress: { total: 12, all: 12, filtered: false }, _shown_selection: [] });
  assert.deepEqual(plain.map((c) => [c.value, c.count, c.disabled]),
    [["all", 12, false], ["filtered", 12, true], ["selected", 0, true]]);
  const empty = scopeChoices({});
  assert.deepEqual(empty.map((c) => [c.count, c.disabled]), [[0, false], [0, true], [0, true]]);
  assert.equal(scopeChoices({ progress: { total: 7 } })[0].count, 7, "no `all`: the total");
  assert.equal(pickScope(plain, "selected"), "all");
  assert.equal(pickScope(scopeChoices(STATE), "selected"), "selected");
  assert.equal(pickScope(scopeChoices(STATE), "bogus"), "all");
});

test("progress text while running, nothing otherwise", () => {
  assert.equal(progressText({ phase: "running", done: 120, total: 400 }), "Exporting 120 of 400…");
  assert.equal(progressText({ phase: "running", done: 1200, total: 4000 }), "Exporting 1,200 of 4,000…");
  assert.equal(progressText({ phase: "running", done: 0, total: 0 }), "Exporting…");
  assert.equal(progressText({ phase: "running", done: 9, total: 5 }), "Exporting 5 of 5…");
  assert.equal(progressText({ phase: "running" }), "Exporting…");
  assert.equal(progressText({ phase: "done", done: 4, total: 4 }), "");
  assert.equal(progressText({ phase: "idle" }), "");
  assert.equal(progressText(null), "");
});

test("a Civitai export: the request Python takes", () => {
  const built = buildExportRequest({ target: "civitai", dest: "  ~/exports/my-lora.zip ", replace: false, scope: "all" }, STATE);
  assert.deepEqual(built, {
    fields: { target: "civitai", dest: "~/exports/my-lora.zip", replace: false, scope: "all", fixes: ALL_FIXES },
    notice: "",
  });
  assert.equal(buildExportRequest({ target: "civitai", dest: "a.ZIP" }, STATE).fields.dest, "a.ZIP");
});

test("Civitai: .zip is added when missing, and the person is told", () => {
  const built = buildExportRequest({ target: "civitai", dest: "~/exports/my-lora" }, STATE);
  assert.equal(built.fields.dest, "~/exports/my-lora.zip");
  assert.equal(built.notice, `Civitai takes a .zip file: exporting to ${LRI}~/exports/my-lora.zip${PDI}.`);
  assert.match(buildExportRequest({ target: "civitai", dest: "~/exports/" }, STATE).error, /\.zip file, not a folder/);
});

test("a folder target refuses a .zip path", () => {
  for (const target of ["ai-toolkit", "kohya", "renamed"]) {
    assert.match(buildExportRequest({ target, dest: "out.zip", name: "x", prefix: "x" }, STATE).error, /folder, not a \.zip/);
  }
});

test("the destination is required", () => {
  assert.match(buildExportRequest({ target: "civitai", dest: "   " }, STATE).error, /^Enter the destination: the \.zip/);
  assert.match(buildExportRequest({ target: "kohya" }, STATE).error, /^Enter the destination: the folder/);
  assert.match(buildExportRequest({ dest: "x" }, STATE).error, /^Choose what to export for/);
  assert.match(buildExportRequest({ target: "dropbox", dest: "x" }, STATE).error, /^Choose/);
});

test("options, fixes and replace go through; only the target's own options are sent", () => {
  const form = {
    target: "ai-toolkit", dest: "~/out", replace: true, scope: "selected",
    fixes: { one_line: false, flatten: false }, repeats: "5", name: "n", prefix: "p",
  };
  assert.deepEqual(buildExportRequest(form, STATE).fields, {
    target: "ai-toolkit", dest: "~/out", replace: true, scope: "selected",
    fixes: { ...ALL_FIXES, one_line: false, flatten: false },
  });
  assert.deepEqual(buildExportRequest({ ...form, target: "kohya" }, STATE).fields, {
    target: "kohya", dest: "~/out", replace: true, scope: "selected",
    fixes: { ...ALL_FIXES, one_line: false, flatten: false }, repeats: 5, name: "n",
  });
  assert.deepEqual(buildExportRequest({ ...form, target: "renamed", prefix: " my-lora " }, STATE).fields, {
    target: "renamed", dest: "~/out", replace: true, scope: "selected",
    fixes: { ...ALL_FIXES, one_line: false, flatten: false }, prefix: "my-lora",
  });
  assert.equal(buildExportRequest({ ...form, replace: "yes" }, STATE).fields.replace, false, "only true replaces");
});

test("scope: a scope that cannot be used is refused, a missing one is all", () => {
  const none = { progress: { total: 4, all: 4, filtered: false }, _shown_selection: [] };
  assert.match(buildExportRequest({ target: "ai-toolkit", dest: "o", scope: "selected" }, none).error, /No images are selected/);
  assert.match(buildExportRequest({ target: "ai-toolkit", dest: "o", scope: "filtered" }, none).error, /No filter/);
  assert.equal(buildExportRequest({ target: "ai-toolkit", dest: "o" }, none).fields.scope, "all");
});

test("kohya: repeats a whole number 1..1000", () => {
  const base = { target: "kohya", dest: "o", name: "n" };
  for (const ok of ["1", "10", " 1000 ", 7]) assert.ok(buildExportRequest({ ...base, repeats: ok }, STATE).fields, String(ok));
  assert.equal(buildExportRequest({ ...base, repeats: "007" }, STATE).fields.repeats, 7);
  for (const bad of ["0", "1001", "1.5", "-3", "", "ten", "1e2", undefined, 2.5]) {
    assert.match(buildExportRequest({ ...base, repeats: bad }, STATE).error, /^Repeats must be a whole number from 1 to 1,000\.$/, String(bad));
  }
  assert.equal(parseRepeats("42"), 42);
  assert.equal(parseRepeats(null), null);
});

test("kohya name and renamed prefix: empty takes the trigger word, else is refused; no slashes", () => {
  assert.equal(buildExportRequest({ target: "kohya", dest: "o", repeats: "3", name: " " }, STATE).fields.name, "ohwx");
  assert.match(buildExportRequest({ target: "kohya", dest: "o", repeats: "3" }, {}).error, /name for the kohya folder/);
  assert.match(buildExportRequest({ target: "kohya", dest: "o", repeats: "3", name: "a/b" }, STATE).error, /cannot contain/);
  assert.match(buildExportRequest({ target: "kohya", dest: "o", repeats: "3", name: ".." }, STATE).error, /cannot be/);
  assert.equal(buildExportRequest({ target: "renamed", dest: "o" }, STATE).fields.prefix, "ohwx");
  assert.match(buildExportRequest({ target: "renamed", dest: "o" }, { trigger: "  " }).error, /prefix/);
  assert.match(buildExportRequest({ target: "renamed", dest: "o", prefix: "a\\b" }, STATE).error, /cannot contain/);
});

test("changing target: the remembered destination, else the typed one made to fit", () => {
  assert.equal(destForTarget("~/a", "kohya", { kohya: "~/k" }), "~/k");
  assert.equal(destForTarget("~/a", "civitai", {}), "~/a.zip");
  assert.equal(destForTarget("~/a.zip", "civitai", {}), "~/a.zip");
  assert.equal(destForTarget("~/a/", "civitai", {}), "~/a/");
  assert.equal(destForTarget("~/a.zip", "ai-toolkit", {}), "~/a");
  assert.equal(destForTarget("~/a", "renamed", {}), "~/a");
  assert.equal(destForTarget("", "civitai", {}), "");
  assert.equal(destForTarget("~/a", "kohya", null), "~/a");
});

test("remembered settings are sanitized", () => {
  const fresh = parseSettings(null);
  assert.deepEqual(fresh, { target: "civitai", dests: {}, fixes: ALL_FIXES, repeats: 10, name: "", prefix: "" });
  assert.deepEqual(parseSettings("not json"), fresh);
  assert.deepEqual(parseSettings("[1,2]"), fresh);
  const back = parseSettings(JSON.stringify({
    target: "kohya", dests: { kohya: "~/k", bogus: "x", civitai: 3 }, fixes: { rgb: false }, repeats: 4000, name: "n", prefix: 5,
  }));
  assert.deepEqual(back, {
    target: "kohya", dests: { kohya: "~/k" }, fixes: { ...ALL_FIXES, rgb: false }, repeats: 10, name: "n", prefix: "",
  });
  assert.equal(parseSettings('{"target":"ftp"}').target, "civitai");
});

test("the configuration's hint tells TOML from YAML", () => {
  assert.match(configHint("[general]\ncaption_extension = \".txt\"\n[[datasets]]\n"), /dataset_config\.toml/);
  assert.match(configHint("datasets:\n  - folder_path: /x\n"), /ai-toolkit/);
});


test("the destination hint says a .zip for Civitai, a folder for the others", () => {
  assert.match(destHint("civitai"), /\.zip file/);
  assert.match(destHint("kohya"), /folder/);
});

test("the trigger word lines: the note, the placeholders and the kohya and renamed names", () => {
  const t = triggerTexts("ohwx", { repeats: "5", name: "", prefix: " " });
  assert.equal(t.note, `Trigger word: ${LRI}ohwx${PDI} — prepended for Civitai and kohya; ai-toolkit gets it in the YAML`);
  assert.equal(t.missing, false);
  assert.equal(t.fallback, "ohwx");
  assert.equal(t.kohya, `Images go in ${LRI}5_ohwx${PDI}; keep_tokens = 1 keeps the trigger word first. An empty name uses the trigger word.`);
  assert.equal(t.renamed, `Files are named ${LRI}ohwx_001${PDI}.png, ${LRI}ohwx_001${PDI}.txt… An empty prefix uses the trigger word.`);
  const none = triggerTexts("", { repeats: "x", name: "cat", prefix: "" });
  assert.equal(none.note, "No trigger word set");
  assert.equal(none.missing, true);
  assert.equal(none.fallback, "my-lora");
  assert.equal(none.kohya, `Images go in ${LRI}<repeats>_cat${PDI}.`);
  assert.equal(none.renamed, `Files are named ${LRI}prefix_001${PDI}.png, ${LRI}prefix_001${PDI}.txt…`);
});

test("the outcome of each export phase, and the news when one ends with the panel closed", () => {
  assert.deepEqual(outcomeOf({ phase: "running", done: 2, total: 4 }),
    { running: true, progress: "Exporting 2 of 4…", summary: "", error: "", config: null });
  const done = outcomeOf({ phase: "done", summary: "12 images.\nDetails", config: "[general]" });
  assert.deepEqual(done, { running: false, progress: "", summary: "12 images.\nDetails", error: "", config: "[general]" });
  assert.equal(outcomeOf({ phase: "done", summary: " " }).summary, "Export done.");
  assert.equal(outcomeOf({ phase: "failed" }).error, "The export failed.");
  assert.equal(outcomeOf(null).running, false);
  assert.deepEqual(endNews("running", "done", done), { message: "12 images.", level: "info" });
  assert.deepEqual(endNews("running", "failed", outcomeOf({ phase: "failed", error: "Disk full" })),
    { message: "Disk full", level: "error" });
  assert.equal(endNews("done", "done", done), null);
  assert.equal(endNews("running", "running", done), null);
  assert.equal(endNews("running", undefined, done), null);
});
