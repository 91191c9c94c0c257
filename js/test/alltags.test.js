import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  normalizeRows, searchRows, sortRows, queryFor, addToQuery, countsLabel, ROW_LIMIT,
  toggleText, modeHint, columnHeading, columnsClass, COLUMNS_CLASSES, moreText, emptyText, readCounts, readTraits,
  countsChanged, stepTo,
} = await import("../src/panels/alltags/logic.js");

const I = (s) => `\u2068${s}\u2069`;
const tags = (rows) => rows.map((r) => r.tag);
const row = (tag, all, filtered = 0, selected = 0) => ({ tag, all, filtered, selected });

test("rows are read from the reply, junk tolerated", () => {
  assert.deepEqual(normalizeRows([["red hair", 120, 12, 3], ["a", 1, 0, 0]]), [row("red hair", 120, 12, 3), row("a", 1)]);
  assert.deepEqual(normalizeRows(null), []);
  assert.deepEqual(normalizeRows("x"), []);
  assert.deepEqual(normalizeRows([null, 5, [], [7, 1], ["", 1], ["ok"], ["x", "3", NaN, -2], ["ok", 9]]),
    [row("ok", 0), row("x", 0)]);
  assert.deepEqual(normalizeRows([["y", 2.6, Infinity, 1]]), [row("y", 2, 0, 1)]);
});

test("search is a case-insensitive substring match, _ and space alike", () => {
  const rows = normalizeRows([["Red_Hair", 5], ["red hair bow", 2], ["blue eyes", 9], ["hairband", 1]]);
  assert.deepEqual(tags(searchRows(rows, "red hair")), ["Red_Hair", "red hair bow"]);
  assert.deepEqual(tags(searchRows(rows, "D_H")), ["Red_Hair", "red hair bow"]);
  assert.deepEqual(tags(searchRows(rows, "  HAIR ")), ["Red_Hair", "red hair bow", "hairband"]);
  assert.equal(searchRows(rows, "").length, 4);
  assert.equal(searchRows(rows, "   ").length, 4);
  assert.deepEqual(searchRows(rows, "zzz"), []);
  assert.deepEqual(searchRows(null, "a"), []);
});

test("sorting by count, name and length", () => {
  const rows = normalizeRows([["b", 5], ["Apple", 5], ["cc", 9], ["a long tag", 1], ["zz", 1]]);
  assert.deepEqual(tags(sortRows(rows, "count")), ["cc", "Apple", "b", "a long tag", "zz"]);
  assert.deepEqual(tags(sortRows(rows, "name")), ["a long tag", "Apple", "b", "cc", "zz"]);
  assert.deepEqual(tags(sortRows(rows, "length")), ["b", "cc", "zz", "Apple", "a long tag"]);
  assert.deepEqual(tags(sortRows(rows, "nonsense")), tags(sortRows(rows, "count")));
  assert.deepEqual(tags(rows), ["b", "Apple", "cc", "a long tag", "zz"], "the input is left as it was");
  // case-insensitive name order, ties broken the same way every time
  assert.deepEqual(tags(sortRows(normalizeRows([["b", 1], ["B", 1], ["a", 1]]), "name")), ["a", "B", "b"]);
});

test("a tag's query quotes it and escapes quotes, backslashes and wildcards", () => {
  assert.equal(queryFor("red hair"), 'tag:"red hair"');
  assert.equal(queryFor('say "hi"'), 'tag:"say \\"hi\\""');
  assert.equal(queryFor("a\\b"), 'tag:"a\\\\b"');
  assert.equal(queryFor("what?*"), 'tag:"what[?][*]"');
  assert.equal(queryFor("a[b]"), 'tag:"a[[]b]"');
  assert.equal(queryFor("it's"), `tag:"it's"`);
  assert.equal(queryFor("a\\*b"), 'tag:"a\\\\[*]b"');
  assert.equal(queryFor("(1)"), 'tag:"(1)"');
});

test("Shift+click narrows the query with AND", () => {
  assert.equal(addToQuery("", "red hair"), 'tag:"red hair"');
  assert.equal(addToQuery("   ", "x"), 'tag:"x"');
  assert.equal(addToQuery(null, "x"), 'tag:"x"');
  assert.equal(addToQuery("reviewed", "x"), 'reviewed AND tag:"x"');
  assert.equal(addToQuery('tag:"a" OR tag:"b"', "x"), '(tag:"a" OR tag:"b") AND tag:"x"');
  assert.equal(addToQuery('(a OR b) c', "x"), '(a OR b) c AND tag:"x"');
  assert.equal(addToQuery('"or" c', "x"), '"or" c AND tag:"x"');
  // already there: unchanged; negated or inside parentheses: added
  assert.equal(addToQuery('tag:"x" AND reviewed', "x"), 'tag:"x" AND reviewed');
  assert.equal(addToQuery('NOT tag:"x"', "x"), 'NOT tag:"x" AND tag:"x"');
  assert.equal(addToQuery('(tag:"x" OR a)', "x"), '(tag:"x" OR a) AND tag:"x"');
  assert.equal(addToQuery('tag:"a \\" or b"', "x"), 'tag:"a \\" or b" AND tag:"x"');
  assert.equal(addToQuery("tag:'a or b'", "x"), `tag:'a or b' AND tag:"x"`);
  assert.equal(addToQuery('tag:12" OR b', "x"), '(tag:12" OR b) AND tag:"x"');
  assert.equal(addToQuery("tag:'90s or b", "x"), "(tag:'90s or b) AND tag:\"x\"");
  assert.equal(addToQuery('tag: "x"', "x"), 'tag: "x" AND tag:"x"');
});

test("a row's accessible name says the tag and its counts", () => {
  const r = row("red hair", 120, 12, 3);
  assert.equal(countsLabel(r, { filtered: true, selected: true }), `${I("red hair")}: 120 images, 12 filtered, 3 selected`);
  assert.equal(countsLabel(r, { filtered: true }), `${I("red hair")}: 120 images, 12 filtered`);
  assert.equal(countsLabel(r, { selected: true }), `${I("red hair")}: 120 images, 3 selected`);
  assert.equal(countsLabel(row("x", 1)), `${I("x")}: 1 image`);
  assert.equal(countsLabel(row("x", 1234)), `${I("x")}: ${(1234).toLocaleString()} images`);
});

test("the row limit is 300", () => {
  assert.equal(ROW_LIMIT, 300);
});


test("the toggle, the mode's hint, the column headings and the 'more' line", () => {
  assert.equal(toggleText(null), "All tags");
  assert.equal(toggleText(0), "All tags (0)");
  assert.equal(toggleText(1234), `All tags (${(1234).toLocaleString()})`);
  assert.match(modeHint("filter"), /shows only the images with that tag; Shift\+click adds it to the filter/);
  assert.match(modeHint("add"), /adds the tag to the selected images, or to the current image/);
  assert.equal(columnHeading("Filtered", null), "Filtered");
  assert.equal(columnHeading("Selected", 3), "Selected (3)");
  assert.equal(columnHeading("Filtered", 0), "Filtered (0)");
  assert.equal(moreText(12), "12 more — search to narrow");
});

test("the rows' layout class counts the columns shown", () => {
  assert.equal(columnsClass({ filtered: false, selected: false }), "ltw-at-c1");
  assert.equal(columnsClass({ filtered: true, selected: false }), "ltw-at-c2");
  assert.equal(columnsClass({ filtered: false, selected: true }), "ltw-at-c2");
  assert.equal(columnsClass({ filtered: true, selected: true }), "ltw-at-c3");
  for (const c of [false, true].flatMap((f) => [false, true].map((sel) => columnsClass({ filtered: f, selected: sel })))) {
    assert.ok(COLUMNS_CLASSES.includes(c), `${c} is one the view removes again`);
  }
});

test("the line in place of rows: counting, failed, none in use, none matching", () => {
  assert.equal(emptyText({ loaded: false, failed: false, total: 0, matched: 0 }), "Counting tags…");
  assert.equal(emptyText({ loaded: false, failed: true, total: 0, matched: 0 }), "Could not count the tags.");
  assert.equal(emptyText({ loaded: true, failed: true, total: 0, matched: 0 }), "No tags yet");
  assert.equal(emptyText({ loaded: true, failed: false, total: 5, matched: 0 }), "No tag matches");
  assert.equal(emptyText({ loaded: true, failed: false, total: 5, matched: 2 }), "");
});

test("a tag_counts answer gives the rows and the totals, a missing total as null", () => {
  assert.deepEqual(readCounts({ reply: { rows: [["a", 2, 1, 0]], filtered: 7, selected: 2 } }),
    { rows: [row("a", 2, 1, 0)], totals: { filtered: 7, selected: 2 } });
  assert.deepEqual(readCounts({ reply: { rows: [], filtered: "7", selected: NaN } }),
    { rows: [], totals: { filtered: null, selected: null } });
  assert.deepEqual(readCounts(null), { rows: [], totals: { filtered: null, selected: null } });
  assert.deepEqual(readCounts({ reply: "junk" }), { rows: [], totals: { filtered: null, selected: null } });
});

test("the widget's state as the panel reads it", () => {
  const sel = ["a.jpg", "b.jpg"];
  assert.deepEqual(readTraits({
    tag_click: "add", filter: "red", paletteInUse: 4, progress: { filtered: 3 }, _shown_selection: sel, items_version: 9,
  }), { mode: "add", filterText: "red", paletteInUse: 4, columns: { filtered: true, selected: true }, seen: [9, "red", sel] });
  assert.deepEqual(readTraits({ tag_click: "nonsense", filter: 3, paletteInUse: 2.5, progress: "x", _shown_selection: "a" }),
    { mode: "filter", filterText: "", paletteInUse: null, columns: { filtered: false, selected: false }, seen: [null, "", []] });
  assert.equal(readTraits({ progress: { filtered: 0 }, _shown_selection: [] }).columns.filtered, false);
});

test("the counts are asked again when the items, the filter or the selection change, not at first sight", () => {
  const now = [3, "red", ["a", "b"]];
  assert.equal(countsChanged(null, now), false);
  assert.equal(countsChanged(now, [3, "red", ["a", "b"]]), false, "an equal selection in a new list");
  assert.equal(countsChanged(now, [4, "red", ["a", "b"]]), true);
  assert.equal(countsChanged(now, [3, "blue", ["a", "b"]]), true);
  assert.equal(countsChanged(now, [3, "red", ["a"]]), true);
  assert.equal(countsChanged(now, [3, "red", ["b", "a"]]), true);
});

test("the arrows, Home and End move among the tags and stop at the ends; other keys do not move", () => {
  assert.equal(stepTo("ArrowDown", 0, 3), 1);
  assert.equal(stepTo("ArrowDown", 2, 3), 2);
  assert.equal(stepTo("ArrowUp", 1, 3), 0);
  assert.equal(stepTo("ArrowUp", 0, 3), 0);
  assert.equal(stepTo("Home", 2, 3), 0);
  assert.equal(stepTo("End", 0, 3), 2);
  assert.equal(stepTo("PageDown", 0, 3), null);
  assert.equal(stepTo("a", 0, 3), null);
});
