import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  KINDS, buildOperation, parseRenames, scopeChoices, SCOPE_FALLBACKS, scopeBasis, sameRequest,
  fieldsFromOperation, skippedText, doneText, tagRows, historyKey, doneMark, followDone,
  kindOf, triggerNote, buttonStates, firstField, renameSelection,
} = await import("../src/panels/batch/logic.js");
const { defaultScope, pickScope } = await import("../src/panels/scope.js");

const LRI = "\u2068";
const PDI = "\u2069";

test("renames: one pair a line, either arrow, blank lines skipped", () => {
  assert.deepEqual(parseRenames("red_hair -> red hair\n\n  blonde → blonde hair  \r\n"),
    [["red_hair", "red hair"], ["blonde", "blonde hair"]]);
  assert.deepEqual(parseRenames(""), []);
  assert.deepEqual(parseRenames("t-shirt -> tshirt"), [["t-shirt", "tshirt"]]);
});

test("renames: several olds to one new merge, also written on one line", () => {
  assert.deepEqual(parseRenames("blond -> blonde hair\nyellow hair -> blonde hair"),
    [["blond", "blonde hair"], ["yellow hair", "blonde hair"]]);
  assert.deepEqual(parseRenames("blond, yellow hair -> blonde hair"),
    [["blond", "blonde hair"], ["yellow hair", "blonde hair"]]);
  assert.deepEqual(parseRenames("a -> b\na -> b"), [["a", "b"]], "a repeated pair is kept once");
});

test("renames: a wrong line is named", () => {
  assert.match(parseRenames("a -> b\nno arrow here").error, /^Line 2: .*old -> new/);
  assert.match(parseRenames("a -> b -> c").error, /^Line 1: write one arrow/);
  assert.match(parseRenames(" -> b").error, /^Line 1: the old tag is missing/);
  assert.match(parseRenames("a ->  ").error, /^Line 1: the new tag is missing/);
  assert.match(parseRenames("a -> b, c").error, /^Line 1: the new tag .* cannot contain a comma/);
  const twice = parseRenames("a -> b\n\na -> c").error;
  assert.match(twice, /^Line 3: /);
  assert.ok(twice.includes(`${LRI}a${PDI}`) && twice.includes("line 1"), twice);
});

test("every menu entry builds an operation Python takes", () => {
  const fields = { tags: "x", renames: "a -> b", pattern: "_", trigger: "ohwx" };
  for (const { value } of KINDS) {
    const { operation, error } = buildOperation(value, fields);
    assert.equal(error, undefined, value);
    assert.equal(operation.kind, value);
  }
});

test("operations carry only the parameters their kind takes", () => {
  const all = {
    tags: "red hair, smiling", where: "start", renames: "a -> b", pattern: "_", replacement: " ",
    target: "caption", order: "frequency", ignoreCase: true, trigger: "",
  };
  assert.deepEqual(buildOperation("add", all).operation,
    { kind: "add", tags: ["red hair", "smiling"], where: "start", ignore_case: true });
  assert.deepEqual(buildOperation("remove", all).operation, { kind: "remove", tags: ["red hair", "smiling"], ignore_case: true });
  assert.deepEqual(buildOperation("rename", all).operation, { kind: "rename", mapping: { a: "b" }, ignore_case: true });
  assert.deepEqual(buildOperation("replace", all).operation,
    { kind: "replace", pattern: "_", replacement: " ", target: "caption", ignore_case: true });
  assert.deepEqual(buildOperation("sort", all).operation, { kind: "sort", order: "frequency" });
  assert.deepEqual(buildOperation("dedupe", all).operation, { kind: "dedupe", ignore_case: true });
  assert.deepEqual(buildOperation("front", all).operation, { kind: "front", tags: ["red hair", "smiling"], ignore_case: true });
});

test("defaults: at the end, on each tag, alphabetically, case-sensitive", () => {
  assert.deepEqual(buildOperation("add", { tags: "x" }).operation, { kind: "add", tags: ["x"], where: "end", ignore_case: false });
  assert.deepEqual(buildOperation("replace", { pattern: "a" }).operation,
    { kind: "replace", pattern: "a", replacement: "", target: "tag", ignore_case: false });
  assert.deepEqual(buildOperation("sort", {}).operation, { kind: "sort", order: "alpha" });
});

test("the trigger word is kept first, and is what 'Add trigger word' adds", () => {
  assert.equal(buildOperation("sort", { trigger: " ohwx " }).operation.trigger, "ohwx");
  assert.deepEqual(buildOperation("trigger", { trigger: "ohwx", ignoreCase: true }).operation,
    { kind: "trigger", trigger: "ohwx", ignore_case: true });
  assert.match(buildOperation("trigger", { trigger: "" }).error, /Set a trigger word first/);
  assert.equal("trigger" in buildOperation("dedupe", { trigger: "" }).operation, false);
});

test("obviously missing input is caught before asking Python", () => {
  assert.match(buildOperation("add", { tags: " , " }).error, /Enter at least one tag/);
  assert.match(buildOperation("front", {}).error, /Enter at least one tag/);
  assert.match(buildOperation("rename", { renames: "\n \n" }).error, /at least one "old -> new" pair/);
  assert.match(buildOperation("rename", { renames: "oops" }).error, /^Line 1/);
  assert.match(buildOperation("replace", { pattern: "" }).error, /regular expression/);
  assert.match(buildOperation("nope", {}).error, /Choose an operation/);
  assert.match(buildOperation("__proto__", {}).error, /Choose an operation/);
});

test("the regex and its replacement are sent as typed (Python checks them)", () => {
  const op = buildOperation("replace", { pattern: " (\\w+) ", replacement: "\\1 " }).operation;
  assert.equal(op.pattern, " (\\w+) ");
  assert.equal(op.replacement, "\\1 ");
});

test("a rename of a tag named __proto__ is an own key of the mapping", () => {
  const op = buildOperation("rename", { renames: "__proto__ -> x" }).operation;
  assert.deepEqual(Object.keys(op.mapping), ["__proto__"]);
  assert.equal(JSON.stringify(op.mapping), '{"__proto__":"x"}');
});

test("a preset operation fills the form, and the form builds it again", () => {
  const ops = [
    { kind: "add", tags: ["a", "b"], where: "start", ignore_case: false },
    { kind: "rename", mapping: { old: "new", older: "new" }, ignore_case: true },
    { kind: "replace", pattern: "_", replacement: " ", target: "caption", ignore_case: false },
    { kind: "sort", order: "frequency" },
    { kind: "front", tags: ["x"], ignore_case: false },
  ];
  for (const op of ops) {
    const { kind, fields } = fieldsFromOperation(op);
    assert.deepEqual(buildOperation(kind, fields).operation, op);
  }
  assert.equal(fieldsFromOperation({ kind: "rename", mapping: [["a", "b"]] }).fields.renames, "a -> b");
  assert.equal(fieldsFromOperation({ kind: "bogus" }).kind, "add");
  assert.equal(fieldsFromOperation(null).kind, "add");
});

const STATE = {
  progress: { total: 12, all: 400, filtered: true },
  _shown_selection: [1, 4, 7],
  _current: { id: "a.jpg" },
  filter: "tag:x",
};

test("scope choices count all, filtered, selected images and this image", () => {
  assert.deepEqual(scopeChoices(STATE), [
    { value: "all", label: "All images", count: 400, disabled: false },
    { value: "filtered", label: "Filtered images", count: 12, disabled: false },
    { value: "selected", label: "Selected images", count: 3, disabled: false },
    { value: "current", label: "This image", count: 1, disabled: false },
  ]);
});

test("scopes that name no image are disabled", () => {
  const none = scopeChoices({ progress: { total: 400, all: 400, filtered: false }, _shown_selection: [], _current: {} });
  assert.deepEqual(none.map((c) => c.disabled), [false, true, true, true]);
  assert.deepEqual(scopeChoices({}).map((c) => c.disabled), [true, true, true, true]);
});

test("the scope picked: the one asked for when possible, else selection, filter, all", () => {
  const choices = scopeChoices(STATE);
  assert.equal(pickScope(choices, "current", SCOPE_FALLBACKS), "current");
  assert.equal(pickScope(choices, null, SCOPE_FALLBACKS), "selected");
  const noSel = scopeChoices({ ...STATE, _shown_selection: [] });
  assert.equal(pickScope(noSel, "selected", SCOPE_FALLBACKS), "filtered");
  const plain = scopeChoices({ progress: { total: 9, all: 9, filtered: false }, _current: { id: "a" } });
  assert.equal(pickScope(plain, undefined, SCOPE_FALLBACKS), "all");
  assert.equal(pickScope(plain, "filtered", SCOPE_FALLBACKS), "all");
});

test("a panel opens on the scope last chosen; a grid selection is taken only while the grid shows", () => {
  const choices = scopeChoices(STATE); // a filter and a selection of 3
  assert.equal(defaultScope(choices, STATE, null), "filtered"); // single view: the old selection is not taken
  assert.equal(defaultScope(choices, { ...STATE, view: "grid" }, null), "selected");
  assert.equal(defaultScope(choices, STATE, "all"), "all");
  assert.equal(defaultScope(choices, STATE, "selected"), "selected"); // chosen: kept
  const plain = { progress: { total: 9, all: 9, filtered: false }, _shown_selection: [2, 5], _current: { id: "a" } };
  assert.equal(defaultScope(scopeChoices(plain), plain, null), "all");
  const gone = { ...plain, _shown_selection: [] };
  assert.equal(defaultScope(scopeChoices(gone), gone, "selected"), "all"); // the selection went
});

test("a preview is of other images when the filter, the selection or the image changes", () => {
  const base = scopeBasis(STATE, "selected");
  assert.equal(scopeBasis({ ...STATE }, "selected"), base);
  assert.notEqual(scopeBasis({ ...STATE, _shown_selection: [1, 4] }, "selected"), base);
  assert.notEqual(scopeBasis({ ...STATE, filter: "" }, "selected"), base);
  assert.notEqual(scopeBasis({ ...STATE, filter: "" }, "filtered"), scopeBasis(STATE, "filtered"));
  assert.notEqual(scopeBasis({ ...STATE, _current: { id: "b.jpg" } }, "current"), scopeBasis(STATE, "current"));
  assert.equal(scopeBasis({ ...STATE, filter: "", _shown_selection: [] }, "all"), scopeBasis(STATE, "all"));
});

test("sameRequest compares operations and scope deeply, key order aside", () => {
  const a = { operation: { kind: "rename", mapping: { a: "b", c: "d" }, ignore_case: false }, scope: "all" };
  const b = { scope: "all", operation: { ignore_case: false, mapping: { c: "d", a: "b" }, kind: "rename" } };
  assert.ok(sameRequest(a, b));
  assert.ok(!sameRequest(a, { ...b, scope: "selected" }));
  assert.ok(!sameRequest(a, { ...b, operation: { ...b.operation, ignore_case: true } }));
  assert.ok(!sameRequest(a, { ...b, operation: { ...b.operation, mapping: { a: "b" } } }));
  assert.ok(sameRequest({ tags: ["x", "y"] }, { tags: ["x", "y"] }));
  assert.ok(!sameRequest({ tags: ["x", "y"] }, { tags: ["y", "x"] }), "tag order matters");
  assert.ok(!sameRequest({ tags: ["x"] }, { tags: { 0: "x" } }));
  assert.ok(!sameRequest(null, {}));
  assert.ok(!sameRequest(a, null));
  assert.ok(!sameRequest({ a: 1 }, { b: 1 }));
});

test("editing the form after a preview invalidates it", () => {
  const req = (fields, scope = "all") => ({ operation: buildOperation("add", fields).operation, scope });
  const shown = req({ tags: "x" });
  assert.ok(sameRequest(shown, req({ tags: " x ," })), "the same tags typed differently");
  assert.ok(!sameRequest(shown, req({ tags: "x, y" })));
  assert.ok(!sameRequest(shown, req({ tags: "x", where: "start" })));
  assert.ok(!sameRequest(shown, req({ tags: "x", trigger: "ohwx" })));
  assert.ok(!sameRequest(shown, req({ tags: "x" }, "selected")));
});

test("left-out images, the done sentence, tag rows", () => {
  assert.equal(skippedText(0), "");
  assert.equal(skippedText(undefined), "");
  assert.equal(skippedText(1), "1 image left out: its caption may not be rewritten.");
  assert.equal(skippedText(2), "2 images left out: their captions may not be rewritten.");
  assert.equal(doneText({ summary: "3 of 40 images change: +ohwx (3)" }),
    "Done: 3 of 40 images change: +ohwx (3). Ctrl+Z undoes it.");
  assert.equal(doneText({ summary: "Sorted." }), "Done: Sorted. Ctrl+Z undoes it.");
  assert.equal(doneText({ changes: 2 }), "Done: 2 images changed. Ctrl+Z undoes it.");
  assert.deepEqual(tagRows([["a", 3], ["b"], "c", [1, 2], null]), [["a", 3], ["b", 0]]);
  assert.deepEqual(tagRows(undefined), []);
});

test("a batch's Done line holds until an undo, a redo or a later edit", () => {
  const h0 = historyKey({ undo: ["edit a.jpg"], redo: [] });
  const h1 = historyKey({ undo: ["batch: add blue", "edit a.jpg"], redo: [] });
  const undone = historyKey({ undo: ["edit a.jpg"], redo: ["batch: add blue"] });
  const later = historyKey({ undo: ["edit b.jpg", "batch: add blue", "edit a.jpg"], redo: [] });
  // Python's history change came before the reply.
  let mark = doneMark(h0, h1, 20);
  assert.deepEqual(followDone(mark, h1), mark);
  assert.equal(followDone(mark, undone), null);
  assert.equal(followDone(mark, later), null);
  // ... or just after it.
  mark = doneMark(h0, h0, 20);
  assert.deepEqual(followDone(mark, h0), mark);
  mark = followDone(mark, h1);
  assert.deepEqual(mark, { before: h0, after: h1 });
  assert.equal(followDone(mark, undone), null);
  // A batch that changed nothing: the next change of the history ends it.
  mark = doneMark(h0, h0, 0);
  assert.deepEqual(followDone(mark, h0), mark);
  assert.equal(followDone(mark, later), null);
  assert.equal(followDone(null, h0), null);
  assert.equal(historyKey(undefined), historyKey({}));
});

test("an unknown operation reads as add", () => {
  assert.equal(kindOf("rename"), "rename");
  assert.equal(kindOf("drop table"), "add");
  assert.equal(kindOf(undefined), "add");
});

test("the trigger word line: needed by the trigger operation, kept first by the others", () => {
  assert.deepEqual(triggerNote("trigger", "ohwx"),
    { text: `Trigger word: ${LRI}ohwx${PDI} — put first in each caption`, missing: false, hidden: false });
  const none = triggerNote("trigger", "");
  assert.ok(none.missing && !none.hidden && none.text.startsWith("No trigger word is set."));
  assert.deepEqual(triggerNote("add", "ohwx"), { text: `Trigger word: ${LRI}ohwx${PDI} — kept first`, missing: false, hidden: false });
  assert.deepEqual(triggerNote("add", ""), { text: "", missing: false, hidden: true });
});

test("Apply is on only for a fresh preview that changes images, and names how many", () => {
  const ready = { busy: false, scopeOk: true, needsTrigger: false, fresh: true, changes: 3 };
  assert.deepEqual(buttonStates(ready), { previewOff: false, applyOff: false, applyText: "Apply to 3 images" });
  assert.deepEqual(buttonStates({ ...ready, fresh: false }), { previewOff: false, applyOff: true, applyText: "Apply" });
  assert.deepEqual(buttonStates({ ...ready, changes: 0 }), { previewOff: false, applyOff: true, applyText: "Apply" });
  assert.equal(buttonStates({ ...ready, busy: true }).previewOff, true);
  assert.equal(buttonStates({ ...ready, needsTrigger: true }).previewOff, true);
  assert.deepEqual(buttonStates({ ...ready, scopeOk: false }).applyOff, true);
});

test("opening with a preset focuses its first text field and selects the new tag of one rename", () => {
  assert.equal(firstField(null), null);
  assert.equal(firstField("add"), "tags");
  assert.equal(firstField("replace"), "pattern");
  assert.equal(firstField("dedupe"), null);
  assert.deepEqual(renameSelection("red_hair -> red hair"), [12, 20]);
  assert.deepEqual(renameSelection("a \u2192 b"), [4, 5]);
  assert.deepEqual(renameSelection("a -> b\nc -> d"), [13, 13]);
  assert.deepEqual(renameSelection("plain"), [5, 5]);
});
