import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  groupFindings, checksLabel, progressText, normalizeFindings, isPair, normalizeChecks, toggleText,
  settingsFields, groupTotal, thumbEntries, distinctNames, groupByKind, kindTitle, kindHeading,
  groupHeading, moreText, hasBlocking, shownError, emptyText, seeRun, GROUPS_OPEN,
} = await import("../src/panels/checks/logic.js");

const finding = (severity, code, ids = [], message = "m") => ({ severity, code, message, ids, details: {} });

test("findings are grouped by severity, keeping their order", () => {
  const a = finding("warning", "small", ["a"]);
  const b = finding("blocking", "unreadable", ["b"]);
  const c = finding("warning", "blurry", ["c"]);
  const d = finding("info", "no_caption", ["d"]);
  assert.deepEqual(groupFindings([a, b, c, d]), { blocking: [b], warning: [a, c], info: [d] });
  assert.deepEqual(groupFindings([]), { blocking: [], warning: [], info: [] });
  assert.deepEqual(groupFindings(undefined), { blocking: [], warning: [], info: [] });
});

test("a finding of an unknown severity goes with the info", () => {
  assert.equal(groupFindings([finding("critical", "x")]).info.length, 1);
});

test("the toggle names the blocking findings and warnings, plural or not", () => {
  assert.equal(checksLabel({ blocking: 2, warning: 5, info: 9 }), "Checks: 2 blocking, 5 warnings");
  assert.equal(checksLabel({ blocking: 0, warning: 1, info: 0 }), "Checks: 1 warning");
  assert.equal(checksLabel({ blocking: 1, warning: 0, info: 0 }), "Checks: 1 blocking");
  assert.equal(checksLabel({ blocking: 1200, warning: 0, info: 0 }), `Checks: ${(1200).toLocaleString()} blocking`);
});

test("no problems says so, with the info count when there is some", () => {
  assert.equal(checksLabel({ blocking: 0, warning: 0, info: 0 }), "Checks: no problems");
  assert.equal(checksLabel({ blocking: 0, warning: 0, info: 12 }), "Checks: no problems, 12 info");
});

test("unknown counts leave the toggle plain", () => {
  assert.equal(checksLabel(null), "Checks");
  assert.equal(checksLabel(undefined), "Checks");
  assert.equal(checksLabel({ blocking: "x", warning: -3 }), "Checks: no problems");
});

test("progress reads 'Checking done of total…'", () => {
  assert.equal(progressText({ done: 120, total: 400 }), "Checking 120 of 400…");
  assert.equal(progressText({ done: 0, total: 0 }), "Checking…");
  assert.equal(progressText({ done: 500, total: 400 }), "Checking 400 of 400…", "done never passes total");
  assert.equal(progressText({ done: 1500, total: 2000 }), `Checking ${(1500).toLocaleString()} of ${(2000).toLocaleString()}…`);
  assert.equal(progressText(null), "Checking…");
});

test("the toggle follows the phase", () => {
  assert.equal(toggleText({ phase: "idle" }), "Checks");
  assert.equal(toggleText({ phase: "running", done: 3, total: 10 }), "Checks: checking 3 of 10…");
  assert.equal(toggleText({ phase: "failed", error: "boom" }), "Checks: failed");
  assert.equal(toggleText({ phase: "done", counts: { blocking: 2, warning: 5, info: 1 } }), "Checks: 2 blocking, 5 warnings");
  assert.equal(toggleText({ phase: "done" }), "Checks: no problems");
  assert.equal(toggleText(undefined), "Checks");
});

test("the _checks trait is read defensively", () => {
  assert.deepEqual(normalizeChecks({ phase: "weird", done: -1, total: "9", counts: [], summary: 3, error: "" }),
    { phase: "idle", done: 0, total: 0, counts: null, summary: "", error: null });
  assert.deepEqual(normalizeChecks({ phase: "done", done: 4, total: 4, counts: { blocking: 1 }, summary: "s", error: null }),
    { phase: "done", done: 4, total: 4, counts: { blocking: 1, warning: 0, info: 0 }, summary: "s", error: null });
});

test("findings from a reply: junk dropped, ids cleaned, message falls back to the code", () => {
  const reply = {
    findings: [
      { severity: "blocking", code: "unreadable", message: "Cannot read a.png", ids: ["a.png", "a.png", 3, ""], details: { why: 1 } },
      null, "text", [1, 2],
      { severity: "nope", code: "odd", ids: "a" },
      { severity: "warning", message: "  " },
    ],
  };
  assert.deepEqual(normalizeFindings(reply), [
    { severity: "blocking", code: "unreadable", message: "Cannot read a.png", ids: ["a.png"], details: { why: 1 } },
    { severity: "info", code: "odd", message: "odd", ids: [], details: {} },
    { severity: "warning", code: "", message: "(no message)", ids: [], details: {} },
  ]);
  assert.deepEqual(normalizeFindings({}), []);
  assert.deepEqual(normalizeFindings(null), []);
  assert.equal(normalizeFindings([finding("info", "x")]).length, 1, "a bare list works too");
});

test("duplicates and two-image findings are pairs; one image or the same id twice is not", () => {
  assert.equal(isPair(finding("warning", "near_duplicate", ["a", "b"])), true);
  assert.equal(isPair(finding("warning", "exact_duplicate", ["a", "b", "c"])), true);
  assert.equal(isPair(finding("info", "something_else", ["a", "b"])), true);
  assert.equal(isPair(finding("info", "something_else", ["a", "b", "c"])), false);
  assert.equal(isPair(finding("warning", "near_duplicate", ["a"])), false);
  assert.equal(isPair(finding("warning", "near_duplicate", ["a", "a"])), false);
  assert.equal(isPair({}), false);
  assert.equal(isPair(null), false);
});

test("settings: blank numbers are left to Python, typed ones are checked", () => {
  assert.deepEqual(settingsFields({ resolution: "1024", maxAspect: "", distance: " ", blur: "" }), { fields: { resolution: 1024 } });
  assert.deepEqual(settingsFields({ resolution: "768", maxAspect: "2.5", distance: "6", blur: "100" }),
    { fields: { resolution: 768, max_aspect: 2.5, near_duplicate_distance: 6, blur_threshold: 100 } });
  assert.deepEqual(settingsFields({ resolution: "512", distance: "0", blur: "0" }),
    { fields: { resolution: 512, near_duplicate_distance: 0, blur_threshold: 0 } });
  assert.match(settingsFields({ resolution: "640" }).error, /512, 768 or 1024/);
  assert.match(settingsFields({ resolution: "1024", maxAspect: "0.5" }).error, /at least 1/);
  assert.match(settingsFields({ resolution: "1024", distance: "65" }).error, /0 to 64/);
  assert.match(settingsFields({ resolution: "1024", distance: "2.5" }).error, /whole number/);
  assert.match(settingsFields({ resolution: "1024", blur: "-1" }).error, /at least 0/);
  assert.match(settingsFields({ resolution: "1024", blur: "" }, { blur: true }).error, /blur threshold must be a number/);
});

test("a group heading counts Python's total when the reply was cut", () => {
  assert.equal(groupTotal([1, 2], { warning: 9000 }, "warning"), 9000);
  assert.equal(groupTotal([1, 2, 3], { warning: 1 }, "warning"), 3);
  assert.equal(groupTotal([1], null, "info"), 1);
});

test("thumbnail replies pair each ok entry with the next buffer", () => {
  const buf1 = new Uint8Array([1]);
  const buf2 = new Uint8Array([2]);
  const entries = thumbEntries({
    thumbs: [
      { id: "a", ok: true, mime: "image/webp" },
      { id: "b", ok: false, error: "Broken file" },
      { id: "c", ok: true },
      { id: "d", ok: false, superseded: true },
    ],
  }, [buf1, buf2]);
  assert.deepEqual(entries, [
    { id: "a", ok: true, mime: "image/webp", data: buf1, error: null },
    { id: "b", ok: false, superseded: false, error: "Broken file" },
    { id: "c", ok: true, mime: "image/jpeg", data: buf2, error: null },
    { id: "d", ok: false, superseded: true, error: "No thumbnail" },
  ]);
  assert.deepEqual(thumbEntries({ thumbs: [{ id: "a", ok: true }] }, []),
    [{ id: "a", ok: false, mime: "image/jpeg", data: undefined, error: "No thumbnail" }]);
  assert.deepEqual(thumbEntries(null, null), []);
});

test("names are as short as they can be while telling the images apart", () => {
  assert.deepEqual(distinctNames(["a/x.jpg", "b/y.jpg"]), ["x.jpg", "y.jpg"]);
  assert.deepEqual(distinctNames(["a/x.jpg", "b/x.jpg"]), ["a/x.jpg", "b/x.jpg"]);
  assert.deepEqual(distinctNames(["p/a/x.jpg", "q/a/x.jpg", "z.jpg"]), ["p/a/x.jpg", "q/a/x.jpg", "z.jpg"]);
  assert.deepEqual(distinctNames(["a/b/x.jpg", "c/d/x.jpg"]), ["b/x.jpg", "d/x.jpg"]);
  assert.deepEqual(distinctNames(["x.jpg", "sub/x.jpg"]), ["x.jpg", "sub/x.jpg"]);
  assert.deepEqual(distinctNames([]), []);
});

test("findings of a severity are grouped by kind, kinds in the order of their first finding", () => {
  const a = finding("warning", "blurry", ["a"]);
  const b = finding("warning", "near_duplicate", ["b", "c", "d"]);
  const c = finding("warning", "blurry", ["e"]);
  const kinds = groupByKind([a, b, c]);
  assert.deepEqual(kinds.map((k) => [k.code, k.title, k.findings]), [
    ["blurry", "Blurry", [a, c]], ["near_duplicate", "Near duplicates", [b]]]);
  assert.deepEqual(groupByKind(undefined), []);
});

test("a kind's heading counts its findings and says when it is hidden", () => {
  const kind = groupByKind([finding("warning", "blurry"), finding("warning", "blurry")])[0];
  assert.equal(kindHeading(kind, false), "Blurry (2)");
  assert.equal(kindHeading(kind, true), "Blurry (2, hidden)");
});

test("an unknown kind is titled from its code's words", () => {
  assert.equal(kindTitle("odd_new_thing"), "Odd new thing");
  assert.equal(kindTitle(""), "Other");
  assert.equal(kindTitle("low_detail"), "Almost no detail");
  assert.equal(kindTitle("toString"), "ToString");
});

test("a group's heading names the severity and counts its findings; 'more' lines only when there are more", () => {
  assert.equal(groupHeading("warning", 12), "Warnings (12)");
  assert.equal(groupHeading("blocking", 0), "Blocking (0)");
  assert.equal(groupHeading("info", 1234), `Info (${(1234).toLocaleString()})`);
  assert.equal(moreText(3, "not listed"), "3 more not listed");
  assert.equal(moreText(2500, "not shown"), `${(2500).toLocaleString()} more not shown`);
  assert.equal(moreText(0, "not shown"), "");
  assert.equal(moreText(-4, "not listed"), "");
  assert.deepEqual(GROUPS_OPEN, { blocking: true, warning: true, info: false }, "the info group starts closed");
});

test("the toggle is marked blocking only when a finished run found something blocking", () => {
  assert.equal(hasBlocking(normalizeChecks({ phase: "done", counts: { blocking: 1 } })), true);
  assert.equal(hasBlocking(normalizeChecks({ phase: "done", counts: { warning: 4 } })), false);
  assert.equal(hasBlocking(normalizeChecks({ phase: "done" })), false);
  assert.equal(hasBlocking(normalizeChecks({ phase: "running", counts: { blocking: 1 } })), false);
  assert.equal(hasBlocking(null), false);
});

test("the error shown: a request's first, else a failed run's, with a sentence when Python gave none", () => {
  assert.equal(shownError("Cannot reach Python", normalizeChecks({ phase: "failed", error: "boom" })), "Cannot reach Python");
  assert.equal(shownError(null, normalizeChecks({ phase: "failed", error: "boom" })), "boom");
  assert.equal(shownError(null, normalizeChecks({ phase: "failed" })), "The checks failed.");
  assert.equal(shownError(null, normalizeChecks({ phase: "done" })), null);
  assert.equal(shownError(null, null), null);
});

test("the line in place of findings follows the fetch and the run", () => {
  assert.equal(emptyText(null, false, "idle"), "The checks have not run yet. Choose the settings and press Run checks.");
  assert.equal(emptyText(null, false, "running"), "The findings show here when the checks are done.");
  assert.equal(emptyText(null, true, "done"), "Loading the findings…");
  assert.equal(emptyText(null, true, "idle"), "Loading the findings…");
  assert.equal(emptyText(null, false, "done"), "");
  assert.equal(emptyText(null, false, "failed"), "");
  assert.equal(emptyText([], false, "done"), "No problems found.");
  assert.equal(emptyText([], true, "running"), "No problems found.", "old findings stay while a new run goes");
  assert.equal(emptyText([finding("info", "x")], true, "running"), "");
});

test("each finished run is a new generation; the same finished run seen again is not", () => {
  const done = (blocking, extra = {}) => normalizeChecks({ phase: "done", done: 4, total: 4, counts: { blocking }, summary: "s", ...extra });
  let seen = { phase: null, key: null, generation: 0 };
  seen = seeRun(seen, normalizeChecks({ phase: "running", done: 1, total: 4 }));
  assert.deepEqual(seen, { phase: "running", key: null, generation: 0 });
  seen = seeRun(seen, done(1));
  assert.equal(seen.generation, 1);
  assert.equal(seeRun(seen, done(1)).generation, 1, "the same run again");
  assert.equal(seeRun(seen, done(2)).generation, 2, "done again with other counts");
  assert.equal(seeRun(seen, done(1, { summary: "t" })).generation, 2, "done again with another summary");
  const rerun = seeRun(seeRun(seen, normalizeChecks({ phase: "running" })), done(1));
  assert.equal(rerun.generation, 2, "the same figures after a new run");
  assert.equal(seeRun(seen, normalizeChecks({ phase: "failed" })).generation, 1);
});
