import { test } from "node:test";
import assert from "node:assert/strict";
import { installFakeDocument } from "./helpers.js"; // first: the modules' .css imports load as nothing

const { insertTag, shouldAcceptEcho, readOnlyReason, withBreaksOf, createCaptionText, MAX_VIEW_CAPTION } =
  await import("../src/editor/captiontext.js");
const { tokenText, tokenParts } = await import("../src/editor/tokens.js");

// ---- insertTag ------------------------------------------------------------------------------

test("a tag goes into empty text without a separator", () => {
  assert.deepEqual(insertTag("", 0, 0, "red hair"), { text: "red hair", cursor: 8 });
});

test("a tag after text gets ', ' before it", () => {
  assert.deepEqual(insertTag("a woman", 7, 7, "smiling"), { text: "a woman, smiling", cursor: 16 });
});

test("no second separator after ', ', and a lone comma gets its space", () => {
  assert.deepEqual(insertTag("a, ", 3, 3, "b"), { text: "a, b", cursor: 4 });
  assert.deepEqual(insertTag("a,", 2, 2, "b"), { text: "a, b", cursor: 4 });
  assert.deepEqual(insertTag("a   ", 4, 4, "b"), { text: "a, b", cursor: 4 });
});

test("inserting before text separates it from what follows", () => {
  assert.deepEqual(insertTag("b", 0, 0, "a"), { text: "a, b", cursor: 1 });
  assert.deepEqual(insertTag("x, y", 1, 1, "t"), { text: "x, t, y", cursor: 4 });
  assert.deepEqual(insertTag("x y", 1, 1, "t"), { text: "x, t, y", cursor: 4 });
});

test("the selection is replaced", () => {
  assert.deepEqual(insertTag("a, old, c", 3, 6, "new"), { text: "a, new, c", cursor: 6 });
});

test("the start of a line needs no separator and line breaks stay", () => {
  assert.deepEqual(insertTag("first line\n", 11, 11, "t"), { text: "first line\nt", cursor: 12 });
  assert.deepEqual(insertTag("a\nb", 1, 1, "t"), { text: "a, t\nb", cursor: 4 });
});

test("an empty tag changes nothing; out-of-range cursors are clamped", () => {
  assert.deepEqual(insertTag("abc", 1, 1, "  "), { text: "abc", cursor: 1 });
  assert.deepEqual(insertTag("abc", 99, 99, "t"), { text: "abc, t", cursor: 6 });
  assert.deepEqual(insertTag("abc", undefined, undefined, " t "), { text: "abc, t", cursor: 6 });
});

// ---- shouldAcceptEcho -----------------------------------------------------------------------

test("with nothing pending Python's caption is shown", () => {
  assert.equal(shouldAcceptEcho({ incoming: "x", lastSent: "a", typed: "a", pending: false }), "accept");
});

test("our own echo is ignored while typing", () => {
  assert.equal(shouldAcceptEcho({ incoming: "ab", lastSent: "ab", typed: "abc", pending: true }), "ignore");
  assert.equal(shouldAcceptEcho({ incoming: "abc", lastSent: "ab", typed: "abc", pending: true }), "ignore");
  // an older request of ours still in flight
  assert.equal(shouldAcceptEcho({ incoming: "a", lastSent: ["a", "ab"], typed: "abc", pending: true }), "ignore");
});

test("a caption changed elsewhere while typing is a conflict", () => {
  assert.equal(shouldAcceptEcho({ incoming: "theirs", lastSent: "ab", typed: "abc", pending: true }), "conflict");
});

test("line breaks compare as a textarea holds them", () => {
  assert.equal(shouldAcceptEcho({ incoming: "a\r\nb", lastSent: "a\nb", typed: "a\nbc", pending: true }), "ignore");
  assert.equal(withBreaksOf("a\nb", "x\r\ny"), "a\r\nb");
  assert.equal(withBreaksOf("a\nb", "x\ny"), "a\nb");
});

test("read-only says why", () => {
  assert.equal(readOnlyReason({ id: "a", editable: true, caption: "" }), null);
  assert.equal(readOnlyReason({ id: "a", editable: false, locked_reason: "Binary file." }), "Binary file.");
  assert.match(readOnlyReason({ id: "a", editable: false, locked_reason: null }), /protected/);
  const cut = { id: "a", editable: true, caption: "x".repeat(MAX_VIEW_CAPTION), flags: [{ code: "long_caption" }] };
  assert.match(readOnlyReason(cut), /cannot be edited here/);
});

// ---- tokens ---------------------------------------------------------------------------------

const TOKENS = {
  t5: { count: 30, limit: 512, exact: false, over: false, label: "T5 ≈30/512 (estimate)" },
  clip: { count: 80, limit: 75, exact: true, over: true, label: "CLIP-L 80/75" },
};

test("token text: CLIP first, over the limit said in words", () => {
  assert.equal(tokenText(TOKENS), "CLIP-L 80/75 — over the limit · T5 ≈30/512 (estimate)");
  assert.equal(tokenText(undefined), "");
  assert.equal(tokenText({}), "");
});

test("token titles: CLIP's usable tokens, estimates explained", () => {
  const [clip, t5] = tokenParts(TOKENS);
  assert.match(clip.title, /^75 usable, start and end not counted/);
  assert.equal(clip.over, true);
  assert.match(t5.title, /No tokenizer vocabulary found offline; this is an estimate/);
  assert.equal(t5.exact, false);
});

// ---- the editor's state, on a tiny fake DOM ---------------------------------------------------

installFakeDocument();

function find(node, pred) {
  if (!node || node.nodeType !== 1) return null;
  if (pred(node)) return node;
  for (const c of node.children) {
    const hit = find(c, pred);
    if (hit) return hit;
  }
  return null;
}

function setup() {
  const sent = [];
  const shown = [];
  const request = (type, fields) => new Promise((resolve, reject) => sent.push({ type, fields, resolve, reject }));
  const status = { show: (m, level) => shown.push([m, level]) };
  const ed = createCaptionText({ request, status, getCurrent: () => null, delayMs: 5 });
  const ta = find(ed.el, (n) => n.tagName === "TEXTAREA");
  const button = (text) => find(ed.el, (n) => n.tagName === "BUTTON" && n.textContent === text);
  const conflict = find(ed.el, (n) => n.attrs.role === "group");
  const type = (text) => {
    ta.value = text;
    ta.fire("input");
  };
  const state = (id, caption, extra = {}) => ({ _current: { id, caption, editable: true, ...extra } });
  return { ed, ta, sent, shown, button, conflict, type, state };
}

test("typing is sent after a pause and its echo does not disturb further typing", async () => {
  const { ed, ta, sent, type, state } = setup();
  ed.update(state("a", "old"));
  assert.equal(ta.value, "old");
  type("new text");
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(sent.map((s) => s.fields), [{ id: "a", text: "new text" }]);
  type("new text, more");
  ed.update(state("a", "new text")); // the echo of the first send arrives while typing
  assert.equal(ta.value, "new text, more");
  sent[0].resolve({ reply: { ok: true } });
  ed.flush(); // resolves when Python answers (never, here)
  assert.deepEqual(sent[1].fields, { id: "a", text: "new text, more" });
});

test("a change from elsewhere while typing asks; Keep mine sends ours, Use theirs takes theirs", async () => {
  const { ed, ta, sent, type, state, conflict, button } = setup();
  ed.update(state("a", "one"));
  type("one two");
  ed.update(state("a", "python's"));
  assert.equal(ta.value, "one two");
  assert.equal(conflict.hidden, false);
  ta.fire("blur"); // clicking the choice must not send first
  assert.equal(sent.length, 0);
  button("Keep mine").fire("click");
  assert.equal(conflict.hidden, true);
  assert.deepEqual(sent[0].fields, { id: "a", text: "one two" });

  type("one two three");
  ed.update(state("a", "python again"));
  assert.equal(conflict.hidden, false);
  button("Use theirs").fire("click");
  assert.equal(ta.value, "python again");
  // sent back: "one two" (still in flight) may land after theirs
  assert.deepEqual(sent[1].fields, { id: "a", text: "python again" });
  ed.update(state("a", "one two")); // the echo of ours: theirs stays shown
  assert.equal(ta.value, "python again");
  assert.equal(conflict.hidden, true);
  sent[0].resolve({});
  sent[1].resolve({});
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(ed.hasPending(), false);
  assert.equal(sent.length, 2);
});

test("with nothing typed, Python's caption replaces the text (undo, Python edits)", () => {
  const { ed, ta, sent, state } = setup();
  ed.update(state("a", "one"));
  ed.update(state("a", "two"));
  assert.equal(ta.value, "two");
  assert.equal(sent.length, 0);
});

test("moving to another image sends pending text for the old id first", () => {
  const { ed, ta, sent, type, state } = setup();
  ed.update(state("a", "one"));
  type("one edited");
  ed.update(state("b", "bee"));
  assert.deepEqual(sent.map((s) => s.fields), [{ id: "a", text: "one edited" }]);
  assert.equal(ta.value, "bee");
  assert.equal(ed.hasPending(), false);
});

test("Ctrl+Enter sends at once; CRLF captions keep CRLF", () => {
  const { ed, ta, sent, type, state } = setup();
  ed.update(state("a", "l1\r\nl2"));
  assert.equal(ta.value, "l1\nl2");
  type("l1\nl2\nl3");
  let prevented = false;
  ta.fire("keydown", { code: "Enter", key: "Enter", ctrlKey: true, preventDefault: () => { prevented = true; } });
  assert.equal(prevented, true);
  assert.deepEqual(sent[0].fields, { id: "a", text: "l1\r\nl2\r\nl3" });
});

test("a failed send keeps the text and says why; it counts as unsent again", async () => {
  const { ed, sent, shown, type, state } = setup();
  ed.update(state("a", "one"));
  type("bad\u0001");
  const done = ed.flush();
  assert.equal(sent.length, 1);
  ed.flush();
  assert.equal(sent.length, 1); // still in flight: nothing new to send
  sent[0].reject(new Error("A caption cannot contain the control character U+0001."));
  await done;
  await new Promise((r) => setTimeout(r, 0));
  assert.match(shown.at(-1)[0], /not sent: A caption cannot contain/);
  assert.equal(ed.hasPending(), true);
});

test("read-only: nothing is sent, insert does nothing, and the reason shows", () => {
  const { ed, ta, sent, state } = setup();
  ed.update(state("a", "x", { editable: false, locked_reason: "Not UTF-8." }));
  assert.equal(ta.readOnly, true);
  assert.equal(ed.insert("t"), false);
  assert.ok(find(ed.el, (n) => n.textContent === "Read-only: Not UTF-8."));
  assert.equal(sent.length, 0);
});

test("insert puts the tag at the cursor and schedules a send", async () => {
  const { ed, ta, sent, state } = setup();
  ed.update(state("a", "a woman"));
  ta.setSelectionRange(7, 7);
  assert.equal(ed.insert("smiling"), true);
  assert.equal(ta.value, "a woman, smiling");
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(sent[0].fields, { id: "a", text: "a woman, smiling" });
  ed.dispose();
});
