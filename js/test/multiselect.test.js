import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  splitCommon, normalizeCounts, selectionKey, typedTags, labels, editMessage, quoteTags, shownSelection, listsView,
  fallbackKey, SOME_LIMIT,
} = await import("../src/panels/multiselect/logic.js");

const FSI = "\u2068";
const PDI = "\u2069";

test("splitCommon: tags on all, tags on some, tags on none left out", () => {
  const rows = [
    ["smiling", 40, 30, 2], ["red hair", 50, 40, 5], ["blue eyes", 10, 10, 0],
    ["outdoors", 20, 10, 5], ["hat", 5, 5, 2], ["cat", 9, 9, 4],
  ];
  const { common, some } = splitCommon(rows, 5);
  assert.deepEqual(common.map((r) => r.tag), ["outdoors", "red hair"]);
  assert.deepEqual(some.map((r) => [r.tag, r.selected]), [["cat", 4], ["hat", 2], ["smiling", 2]]);
  assert.deepEqual(common[1], { tag: "red hair", all: 50, filtered: 40, selected: 5 });
});

test("splitCommon takes normalized rows too, and nothing for no selection or junk", () => {
  const { rows } = normalizeCounts({ rows: [["a", 3, 3, 2], ["b", 3, 3, 1]], selected: 2 });
  assert.deepEqual(splitCommon(rows, 2).common.map((r) => r.tag), ["a"]);
  assert.deepEqual(splitCommon(rows, 2).some.map((r) => r.tag), ["b"]);
  assert.deepEqual(splitCommon(rows, 0), { common: [], some: [] });
  assert.deepEqual(splitCommon(rows, -1), { common: [], some: [] });
  assert.deepEqual(splitCommon(rows, "2"), { common: [], some: [] });
  assert.deepEqual(splitCommon(null, 2), { common: [], some: [] });
  const odd = splitCommon([null, "x", [1, 2, 3, 4], ["", 1, 1, 1], ["dup", 1, 1, 1], ["dup", 9, 9, 2], ["over", 9, 9, 7]], 2);
  assert.deepEqual(odd.common.map((r) => r.tag), ["over"]); // more than n: counted as on all
  assert.deepEqual(odd.some.map((r) => r.tag), ["dup"]);
  assert.equal(odd.some[0].selected, 1); // first row of a repeated tag wins
});

test("splitCommon orders names case-insensitively and numbers naturally", () => {
  const rows = [["b", 1, 1, 3], ["A", 1, 1, 3], ["tag10", 1, 1, 1], ["tag2", 1, 1, 1]];
  const { common, some } = splitCommon(rows, 3);
  assert.deepEqual(common.map((r) => r.tag), ["A", "b"]);
  assert.deepEqual(some.map((r) => r.tag), ["tag2", "tag10"]);
});

test("normalizeCounts tolerates junk", () => {
  assert.deepEqual(normalizeCounts(null), { rows: [], selected: null });
  assert.deepEqual(normalizeCounts({ rows: "nope", selected: "3" }), { rows: [], selected: null });
  assert.deepEqual(normalizeCounts({ rows: [], selected: 2.5 }).selected, null);
  assert.deepEqual(normalizeCounts({ rows: [], selected: -1 }).selected, null);
  const n = normalizeCounts({
    rows: [["a", 3, "2", null], ["b", -4, NaN, 2.7], [7, 1, 1, 1], "c", { tag: "d", all: 1, filtered: 1, selected: 1 }, ["a", 9, 9, 9], ["  ", 1, 1, 1]],
    selected: 3,
  });
  assert.equal(n.selected, 3);
  assert.deepEqual(n.rows, [
    { tag: "a", all: 3, filtered: 0, selected: 0 },
    { tag: "b", all: 0, filtered: 0, selected: 2 },
    { tag: "d", all: 1, filtered: 1, selected: 1 },
  ]);
});

test("selectionKey changes with the set of places only", () => {
  assert.equal(selectionKey([1, 4, 9]), "1,4,9");
  assert.equal(selectionKey([9, 1, 4, 4]), selectionKey([1, 4, 9]));
  assert.notEqual(selectionKey([1, 4]), selectionKey([1, 4, 9]));
  assert.notEqual(selectionKey([1, 23]), selectionKey([12, 3]));
  assert.equal(selectionKey([]), "");
  assert.equal(selectionKey(null), "");
  assert.equal(selectionKey([1, "2", -1, 2.5, null, 3]), "1,3");
});

test("typed tags split at commas, trimmed, each once", () => {
  assert.deepEqual(typedTags(" red hair, smiling ,, red hair,"), ["red hair", "smiling"]);
  assert.deepEqual(typedTags(""), []);
  assert.deepEqual(typedTags(undefined), []);
});

test("accessible names say what a button does to how many images", () => {
  assert.equal(labels.heading(5), "5 images selected");
  assert.equal(labels.onAll(5), "On all 5");
  assert.equal(labels.removeCommon("red hair", 5), "Remove red hair from the 5 selected images");
  assert.equal(labels.addToAll("hat", 5), "Add hat to all 5 selected images");
  assert.equal(labels.removeSome("hat", 2), "Remove hat from the 2 selected images that have it");
  assert.equal(labels.removeSome("hat", 1), "Remove hat from the 1 selected image that has it");
  assert.equal(labels.more(12), "12 more");
});

test("edit messages isolate the tags and mention undo only when something changed", () => {
  assert.equal(quoteTags(["a"]), `“${FSI}a${PDI}”`);
  assert.equal(quoteTags(["a", "b"]), `“${FSI}a${PDI}” and “${FSI}b${PDI}”`);
  assert.equal(quoteTags(["a", "b", "c", "d", "e"]), `“${FSI}a${PDI}”, “${FSI}b${PDI}”, “${FSI}c${PDI}” and 2 more`);
  assert.equal(editMessage("add", ["x"], { changes: 3 }), `Added “${FSI}x${PDI}” to 3 images. Ctrl+Z undoes it.`);
  assert.equal(editMessage("remove", ["x"], { changes: 1, skipped: 2 }),
    `Removed “${FSI}x${PDI}” from 1 image. 2 images with locked captions left out. Ctrl+Z undoes it.`);
  assert.match(editMessage("add", ["x"], { changes: 0 }), /^Nothing changed/);
  assert.doesNotMatch(editMessage("remove", ["x"], {}), /Ctrl\+Z/);
});


test("the panel shows for two or more selected images outside the single view", () => {
  assert.deepEqual(shownSelection({ _shown_selection: [1, 4], view: "grid" }), [1, 4]);
  assert.equal(shownSelection({ _shown_selection: [1], view: "grid" }), null);
  assert.equal(shownSelection({ _shown_selection: [1, 4], view: "single" }), null);
  assert.equal(shownSelection({ _shown_selection: "1,4" }), null);
  assert.equal(shownSelection(null), null);
});

test("the lists show at most SOME_LIMIT rows on some, and their signature follows what shows", () => {
  const some = Array.from({ length: SOME_LIMIT + 5 }, (_, i) => ({ tag: `t${i}`, selected: 1 }));
  const data = { n: 3, common: [{ tag: "a" }], some };
  const view = listsView(data);
  assert.equal(view.shown.length, SOME_LIMIT);
  assert.equal(listsView({ ...data }).sig, view.sig);
  assert.notEqual(listsView({ ...data, n: 4 }).sig, view.sig);
  assert.notEqual(listsView({ ...data, common: [] }).sig, view.sig);
  const moved = some.map((r, i) => (i === 0 ? { ...r, selected: 2 } : r));
  assert.notEqual(listsView({ ...data, some: moved }).sig, view.sig);
});

test("when a row goes, the focus goes to the same control on its neighbour, else the input", () => {
  assert.equal(fallbackKey("red hair", "ms-sa:"), "ms-sa:red hair");
  assert.equal(fallbackKey("", "ms-c:"), "ms-c:");
  assert.equal(fallbackKey(null, "ms-c:"), "ms-input");
  assert.equal(fallbackKey(undefined, "ms-sx:"), "ms-input");
});
