import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers.js"; // first: the modules' .css imports load as nothing

const {
  kindOf, orderFiles, planChunks, newProgress, progressText, emptySummary, addResult, summaryLines,
  runUpload, toBase64, MAX_LISTED, finishTimeoutMs, CHUNK_TIMEOUT_MS, DEFAULT_EXTENSIONS, acceptOf, extensionsFrom,
} = await import("../src/panels/upload/logic.js");
const { formatBytes } = await import("../src/lib/format.js");

const file = (name, size) => new File([new Uint8Array(size).fill(7)], name);

const PYTHON_EXTENSIONS = { image: [".avif", ".bmp", ".gif", ".heic", ".heif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"], caption: [".txt"], zip: [".zip"] };
const named = (name, type = "") => ({ name, type });

test("files are told apart by the extensions Python names, in any case", () => {
  const kind = (name, type) => kindOf(named(name, type), PYTHON_EXTENSIONS);
  assert.equal(kind("a.PNG"), "image");
  assert.equal(kind("x.jpeg"), "image");
  assert.equal(kind("phone.HEIC"), "image"); // browsers give HEIC no MIME type
  assert.equal(kind("a.txt"), "caption");
  assert.equal(kind("set.Zip"), "zip");
  assert.equal(kind("run.sh"), null);
  assert.equal(kind("vector.svg", "image/svg+xml"), null); // not one Python takes
  assert.equal(kind(".png"), null);
  assert.equal(kindOf(undefined, PYTHON_EXTENSIONS), null);
  assert.equal(acceptOf(PYTHON_EXTENSIONS), `${PYTHON_EXTENSIONS.image.join(",")},.txt,.zip`);
});

test("until Python names its extensions, images are known by their MIME type", () => {
  assert.equal(kindOf(named("a.png", "image/png")), "image");
  assert.equal(kindOf(named("photo", "image/png")), null); // no extension: Python refuses it
  assert.equal(kindOf(named("phone.heic")), null);
  assert.equal(kindOf(named("a.TXT", "text/plain")), "caption");
  assert.equal(kindOf(named("set.zip", "application/zip")), "zip");
  assert.equal(acceptOf(), "image/*,.txt,.zip");
  assert.equal(acceptOf(DEFAULT_EXTENSIONS), "image/*,.txt,.zip");
});

test("the upload_folders reply's extensions are taken only when well formed", () => {
  assert.deepEqual(extensionsFrom({ extensions: { ...PYTHON_EXTENSIONS, image: [".PNG", ".jpg"] } }),
    { image: [".png", ".jpg"], caption: [".txt"], zip: [".zip"] });
  assert.deepEqual(extensionsFrom({ extensions: PYTHON_EXTENSIONS }), PYTHON_EXTENSIONS);
  for (const bad of [{}, { extensions: null }, { extensions: { image: [".png"], caption: [".txt"] } },
    { extensions: { ...PYTHON_EXTENSIONS, zip: [] } }, { extensions: { ...PYTHON_EXTENSIONS, image: ["png"] } },
    { extensions: { ...PYTHON_EXTENSIONS, image: [3] } }, null]) {
    assert.equal(extensionsFrom(bad), null);
  }
});

test("images go first, then zips, then captions, anything else last, each in its order", () => {
  const names = ["a.txt", "b.zip", "c.png", "d.sh", "e.jpg", "f.txt", "g.heic"].map((n) => named(n));
  assert.deepEqual(orderFiles(names, PYTHON_EXTENSIONS).map((f) => f.name), ["c.png", "e.jpg", "g.heic", "b.zip", "a.txt", "f.txt", "d.sh"]);
  const typed = [named("a.txt"), named("g.heic"), named("c.png", "image/png")];
  assert.deepEqual(orderFiles(typed).map((f) => f.name), ["c.png", "a.txt", "g.heic"]); // by MIME type until Python says
});

test("chunks cover a file end to end without overlap", () => {
  assert.deepEqual(planChunks(0, 4), []);
  assert.deepEqual(planChunks(4, 4), [{ offset: 0, end: 4 }]);
  assert.deepEqual(planChunks(10, 4), [{ offset: 0, end: 4 }, { offset: 4, end: 8 }, { offset: 8, end: 10 }]);
  assert.equal(planChunks(5 * 1024 * 1024).length, 3); // 2 MB chunks by default
});

test("progress counts files and bytes", () => {
  const p = newProgress([file("a.png", 3), file("b.png", 5)]);
  assert.deepEqual([p.files, p.bytes, p.doneFiles, p.doneBytes], [2, 8, 0, 0]);
  p.current = "a.png";
  assert.equal(progressText(p), "File 1 of 2: a.png · 0 bytes of 8 bytes");
  p.doneFiles = 2;
  assert.match(progressText(p), /^File 2 of 2/);
  assert.equal(formatBytes(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
});

test("the summary says what was added, renamed and refused, a line each", () => {
  const s = emptySummary("sub");
  addResult(s, { landed: [["sub/a-2.png", "a.png", "image", true], ["sub/a-2.txt", "a.txt", "caption", true]], refused: [], skipped: 0, first: "sub/a-2.png" });
  addResult(s, { landed: [], refused: [["bad.png", "The image is damaged or truncated."]], skipped: 2, first: null });
  assert.equal(s.first, "sub/a-2.png");
  const lines = summaryLines(s);
  assert.equal(lines[0], "Added 1 image and 1 caption to sub. 2 files were renamed so that nothing was overwritten. 1 refused. 2 hidden files in zips skipped.");
  assert.deepEqual(lines.slice(1), ["Renamed: a.png → sub/a-2.png", "Renamed: a.txt → sub/a-2.txt", "Refused: bad.png: The image is damaged or truncated."]);
  const many = emptySummary();
  for (let i = 0; i < MAX_LISTED + 3; i++) many.refused.push([`${i}.gif`, "no"]);
  const listed = summaryLines(many);
  assert.equal(listed[0], "Nothing was added. 23 refused.");
  assert.equal(listed.at(-1), "… and 3 more.");
  assert.equal(listed.length, MAX_LISTED + 2);
});

/** A fake Python: records every request, answers as core/uploads.py would. */
function fakePython({ refuse = {}, failChunk = null } = {}) {
  const sent = [];
  let n = 0;
  const uploads = new Map();
  async function request(type, fields = {}, opts = {}) {
    sent.push({ type, ...fields, bytes: opts.buffers ? opts.buffers[0].byteLength : undefined, timeoutMs: opts.timeoutMs });
    const fail = (message) => Promise.reject(Object.assign(new Error(message), { reply: { ok: false } }));
    if (type === "upload_batch") return { reply: { batch: "B" } };
    if (type === "upload_begin") {
      if (refuse[fields.name]) return fail(refuse[fields.name]);
      n += 1;
      uploads.set(`U${n}`, fields.name);
      return { reply: { upload: `U${n}` } };
    }
    if (type === "upload_chunk") {
      if (failChunk && uploads.get(fields.upload) === failChunk) return fail("The chunk starts at byte 9.");
      return { reply: { received: fields.offset + opts.buffers[0].byteLength } };
    }
    if (type === "upload_finish") {
      const name = uploads.get(fields.upload);
      return { reply: { landed: [[name, name, name.endsWith(".txt") ? "caption" : "image", false]], refused: [], skipped: 0, first: name.endsWith(".txt") ? null : name } };
    }
    return { reply: {} };
  }
  return { request, sent };
}

test("a run sends every file in order, chunk by chunk, each a request answered before the next", async () => {
  const py = fakePython();
  const seen = [];
  const summary = await runUpload({
    files: [file("a.txt", 3), file("a.png", 10)], folder: "sub", request: py.request, chunkBytes: 4, extensions: PYTHON_EXTENSIONS,
    onProgress: (p) => seen.push(p.doneBytes),
  });
  assert.deepEqual(py.sent.map((r) => r.type), ["upload_batch", "upload_begin", "upload_chunk", "upload_chunk", "upload_chunk", "upload_finish",
    "upload_begin", "upload_chunk", "upload_finish", "upload_cancel"]);
  assert.deepEqual(py.sent[0].files, [["a.png", 10], ["a.txt", 3]]);
  assert.equal(py.sent[0].folder, "sub");
  assert.deepEqual(py.sent.filter((r) => r.type === "upload_chunk").map((r) => [r.offset, r.bytes]), [[0, 4], [4, 4], [8, 2], [0, 3]]);
  assert.equal(py.sent.at(-1).upload, "B");
  assert.deepEqual([summary.images, summary.captions, summary.first], [1, 1, "a.png"]);
  assert.equal(seen.at(-1), 13);
});

test("a refused file is listed with Python's reason and the others still go", async () => {
  const py = fakePython({ refuse: { "x.gif": "x.gif is 300 MB; an image may be at most 200 MB." }, failChunk: "y.png" });
  const summary = await runUpload({ files: [file("x.gif", 5), file("y.png", 5), file("z.png", 5)], folder: "", request: py.request });
  assert.deepEqual(summary.refused, [["x.gif", "x.gif is 300 MB; an image may be at most 200 MB."], ["y.png", "The chunk starts at byte 9."]]);
  assert.equal(summary.images, 1);
  assert.ok(py.sent.some((r) => r.type === "upload_cancel" && r.upload === "U1")); // y.png's partial dropped
});

test("Cancel stops at the file in progress, cancels it in Python and sends no more", async () => {
  const py = fakePython();
  let chunks = 0;
  const summary = await runUpload({
    files: [file("a.png", 10), file("b.png", 10)], folder: "", request: async (type, fields, opts) => {
      if (type === "upload_chunk") chunks += 1;
      return py.request(type, fields, opts);
    }, chunkBytes: 4, cancelled: () => chunks >= 2,
  });
  assert.deepEqual(py.sent.map((r) => r.type), ["upload_batch", "upload_begin", "upload_chunk", "upload_chunk", "upload_cancel", "upload_cancel"]);
  assert.equal(py.sent[4].upload, "U1");
  assert.equal(summary.cancelled, true);
  assert.equal(summary.images, 0);
  assert.match(summaryLines(summary)[0], /Nothing was added\. Cancelled\./);
});

test("a batch Python refuses (folder, total size) ends the run with its reason", async () => {
  const summary = await runUpload({
    files: [file("a.png", 1)], folder: "../x",
    request: async () => { throw new Error("The folder '../x' leads outside the data set."); },
  });
  assert.equal(summary.error, "The folder '../x' leads outside the data set.");
  assert.equal(summaryLines(summary)[0], "The folder '../x' leads outside the data set.");
});

test("a view closed mid-run ends it with the closing error", async () => {
  const closed = Object.assign(new Error("The widget view was closed."), { disposed: true });
  await assert.rejects(runUpload({
    files: [file("a.png", 1)], folder: "",
    request: async (type) => { if (type === "upload_begin") throw closed; return { reply: { batch: "B" } }; },
  }), /closed/);
});

test("where the host drops the front end's buffers, chunks go as base64 text from then on", async () => {
  const sent = [];
  const request = async (type, fields = {}, opts = {}) => {
    sent.push({ type, ...fields, buffers: opts.buffers ? opts.buffers.length : 0 });
    if (type === "upload_batch") return { reply: { batch: "B" } };
    if (type === "upload_begin") return { reply: { upload: "U" } };
    if (type === "upload_chunk" && opts.buffers) {
      throw Object.assign(new Error("The upload chunk came without its bytes."), { reply: { ok: false, no_buffer: true } });
    }
    if (type === "upload_finish") return { reply: { landed: [["a.png", "a.png", "image", false]], refused: [], skipped: 0, first: "a.png" } };
    return { reply: {} };
  };
  const summary = await runUpload({ files: [new File([new Uint8Array([1, 2, 3, 250, 251])], "a.png")], folder: "", request, chunkBytes: 3 });
  const chunks = sent.filter((r) => r.type === "upload_chunk");
  assert.deepEqual(chunks.map((r) => [r.offset, r.buffers, r.data]), [[0, 1, undefined], [0, 0, "AQID"], [3, 0, "+vs="]]);
  assert.equal(summary.images, 1);
  assert.equal(toBase64(new Uint8Array(70000).fill(65).buffer).length, Math.ceil(70000 / 3) * 4);
});

test("a finish waits longer the larger the file (a big zip takes a while to unpack and check)", async () => {
  assert.equal(finishTimeoutMs(0), CHUNK_TIMEOUT_MS);
  assert.equal(finishTimeoutMs(200 * 1024 * 1024), CHUNK_TIMEOUT_MS + 50000);
  assert.ok(finishTimeoutMs(4096 * 1024 * 1024) > 15 * 60 * 1000);
  const py = fakePython();
  await runUpload({ files: [file("small.png", 10), file("big.zip", 3 * 1024 * 1024)], folder: "", request: py.request, extensions: PYTHON_EXTENSIONS });
  const waits = py.sent.filter((r) => r.type === "upload_finish").map((r) => r.timeoutMs);
  assert.deepEqual(waits, [finishTimeoutMs(10), finishTimeoutMs(3 * 1024 * 1024)]);
  assert.ok(waits[1] > waits[0]);
});
