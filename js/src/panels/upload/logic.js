// The "Add images" panel's logic, apart from the page: which files go in what order, the chunks
// each is sent in, the progress, the run itself (every step a request that Python answers, so a
// host that delivers only answers works) and the summary of what landed and what was refused.

import { errorText, fmt, formatBytes, plural, str } from "../../lib/format.js";

export const CHUNK_BYTES = 2 * 1024 * 1024;
export const CHUNK_TIMEOUT_MS = 120000;
// Python unpacks and checks a zip at about 50 ms per MB of it (benchmarks/bench_upload_zip.py);
// a finish waits five times that on top of a chunk's wait, for slow disks and busy cores.
export const FINISH_MS_PER_MB = 250;
export const MAX_LISTED = 20; // renamed / refused files listed in the summary
const ORDER = { image: 0, zip: 1, caption: 2 }; // the kinds in the order they are sent

/**
 * The file kinds an upload takes, each a list of lowercase extensions or MIME patterns
 * ("image/*") as a file input's `accept` has them. Python names the extensions (the
 * `upload_folders` reply); until it has, images are known by their MIME type.
 * @typedef {{ image: string[], caption: string[], zip: string[] }} Extensions
 */
/** @type {Extensions} */
export const DEFAULT_EXTENSIONS = { image: ["image/*"], caption: [".txt"], zip: [".zip"] };

/** The `extensions` of an `upload_folders` reply when they are well formed, else null. */
export function extensionsFrom(reply) {
  const given = reply && reply.extensions;
  if (!given || typeof given !== "object") return null;
  const kinds = Object.keys(ORDER);
  const valid = (list) => Array.isArray(list) && list.length > 0 && list.every((e) => typeof e === "string" && e.startsWith("."));
  if (!kinds.every((kind) => valid(given[kind]))) return null;
  return /** @type {Extensions} */ (Object.fromEntries(kinds.map((kind) => [kind, given[kind].map((e) => e.toLowerCase())])));
}

/** A file input's `accept` for these extensions: images, captions, zips. */
export function acceptOf(extensions = DEFAULT_EXTENSIONS) {
  return [...extensions.image, ...extensions.caption, ...extensions.zip].join(",");
}

/** "image", "caption", "zip" by a file's name (any case) and, for a MIME pattern, its type; or
 *  null (a name with no extension is none of them, as Python says). */
export function kindOf(file, extensions = DEFAULT_EXTENSIONS) {
  const name = str(file && file.name).toLowerCase();
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  const ext = name.slice(dot);
  const type = str(file.type).toLowerCase();
  const matches = (pattern) => (pattern.endsWith("/*") ? type.startsWith(pattern.slice(0, -1)) : pattern === ext);
  return Object.keys(ORDER).find((kind) => extensions[kind].some(matches)) ?? null;
}

/** The files in the order they are sent: images, then zips, then captions (which follow their
 *  images' names), anything else last (Python refuses it with its reason); stable within each. */
export function orderFiles(files, extensions = DEFAULT_EXTENSIONS) {
  return [...files].map((file, i) => ({ file, i, rank: ORDER[kindOf(file, extensions)] ?? 3 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.file);
}

/** The chunks a file of `size` bytes goes in: [{ offset, end }, ...] (none for 0 bytes). */
export function planChunks(size, chunk = CHUNK_BYTES) {
  const chunks = [];
  for (let offset = 0; offset < size; offset += chunk) chunks.push({ offset, end: Math.min(size, offset + chunk) });
  return chunks;
}

/** How long to wait for the `upload_finish` of a file of `size` bytes (a zip's may take minutes). */
export function finishTimeoutMs(size) {
  return CHUNK_TIMEOUT_MS + Math.ceil((Math.max(0, size) / (1024 * 1024)) * FINISH_MS_PER_MB);
}

/** The progress of a run over `files`: files and bytes done of all. */
export function newProgress(files) {
  return { files: files.length, bytes: files.reduce((s, f) => s + f.size, 0), doneFiles: 0, doneBytes: 0, current: "" };
}

/** "File 2 of 5: a.png · 3.0 MB of 12.0 MB". */
export function progressText(p) {
  const at = Math.min(p.doneFiles + 1, p.files);
  const name = p.current ? `: ${p.current}` : "";
  return `File ${fmt(at)} of ${fmt(p.files)}${name} · ${formatBytes(p.doneBytes)} of ${formatBytes(p.bytes)}`;
}

/** An empty summary of a run. */
export function emptySummary(folder = "") {
  return { folder, images: 0, captions: 0, renamed: [], refused: [], skipped: 0, first: null, cancelled: false, error: "" };
}

/** Take an `upload_finish` reply into `summary`. */
export function addResult(summary, reply) {
  for (const row of Array.isArray(reply.landed) ? reply.landed : []) {
    const [path, given, kind, renamed] = row;
    if (kind === "image") summary.images += 1;
    else summary.captions += 1;
    if (renamed) summary.renamed.push([str(given), str(path)]);
  }
  for (const [name, reason] of Array.isArray(reply.refused) ? reply.refused : []) summary.refused.push([str(name), str(reason)]);
  summary.skipped += Number.isInteger(reply.skipped) ? reply.skipped : 0;
  if (summary.first === null && typeof reply.first === "string") summary.first = reply.first;
  return summary;
}

/** The summary as lines of text: a headline, then the renamed and the refused files. */
export function summaryLines(summary) {
  const where = summary.folder ? ` to ${summary.folder}` : "";
  const added = summary.images || summary.captions
    ? `Added ${plural(summary.images, "image", "images")} and ${plural(summary.captions, "caption", "captions")}${where}.`
    : "Nothing was added.";
  const head = [summary.error || added];
  if (summary.error && (summary.images || summary.captions)) head.push(added);
  if (summary.renamed.length) head.push(`${plural(summary.renamed.length, "file was", "files were")} renamed so that nothing was overwritten.`);
  if (summary.refused.length) head.push(`${fmt(summary.refused.length)} refused.`);
  if (summary.skipped) head.push(`${plural(summary.skipped, "hidden file", "hidden files")} in zips skipped.`);
  if (summary.cancelled) head.push("Cancelled.");
  const lines = [head.join(" ")];
  for (const [given, path] of summary.renamed.slice(0, MAX_LISTED)) lines.push(`Renamed: ${given} → ${path}`);
  for (const [name, reason] of summary.refused.slice(0, MAX_LISTED)) lines.push(`Refused: ${name}: ${reason}`);
  const more = Math.max(0, summary.renamed.length - MAX_LISTED) + Math.max(0, summary.refused.length - MAX_LISTED);
  if (more) lines.push(`… and ${fmt(more)} more.`);
  return lines;
}

/**
 * Upload `files` (File objects) into `folder`, one file at a time in chunks, each chunk a request
 * answered before the next goes. Returns the summary; stops at the file in progress (cancelling
 * it on Python's side) once `cancelled()` says so; a request that fails for one file refuses that
 * file, one that the widget's closing or silence fails ends the run.
 * `extensions`: the kinds Python takes, for the order files go in.
 * @param {{ files: File[], folder: string, request: import("../../lib/rpc.js").Request,
 *   onProgress?: (p: ReturnType<typeof newProgress>) => void, cancelled?: () => boolean,
 *   chunkBytes?: number, extensions?: Extensions }} options
 */
export async function runUpload({ files, folder, request, onProgress = () => {}, cancelled = () => false, chunkBytes = CHUNK_BYTES, extensions = DEFAULT_EXTENSIONS }) {
  const ordered = orderFiles(files, extensions);
  const progress = newProgress(ordered);
  const summary = emptySummary(folder);
  const way = { text: false }; // chunks as base64 text: the host drops the front end's buffers
  onProgress(progress);
  let batch;
  try {
    ({ reply: { batch } } = await request("upload_batch", { folder, files: ordered.map((f) => [f.name, f.size]) }));
  } catch (err) {
    summary.error = errorText(err);
    return summary;
  }
  try {
    for (const file of ordered) {
      if (cancelled()) break;
      progress.current = file.name;
      onProgress(progress);
      await sendFile(file, { batch, request, summary, progress, onProgress, cancelled, chunkBytes, way });
      progress.doneFiles += 1;
      onProgress(progress);
    }
  } finally {
    summary.cancelled = cancelled();
    request("upload_cancel", { upload: batch }).catch(() => {}); // the batch is done: Python forgets it
  }
  return summary;
}

/**
 * Send one chunk as a binary buffer or, once Python said a chunk came without it (a host that
 * drops the buffers the front end sends), as base64 text from then on (`way.text`).
 */
async function sendChunk(request, fields, data, way) {
  const opts = { timeoutMs: CHUNK_TIMEOUT_MS };
  if (!way.text) {
    try {
      return await request("upload_chunk", fields, { ...opts, buffers: [data] });
    } catch (err) {
      if (!(err && err.reply && err.reply.no_buffer === true)) throw err;
      way.text = true;
    }
  }
  return request("upload_chunk", { ...fields, data: toBase64(data) }, opts);
}

/** The bytes of `buffer` as base64 text. */
export function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function sendFile(file, { batch, request, summary, progress, onProgress, cancelled, chunkBytes, way }) {
  const before = progress.doneBytes;
  let upload = null;
  try {
    ({ reply: { upload } } = await request("upload_begin", { batch, name: file.name, size: file.size }));
    for (const { offset, end } of planChunks(file.size, chunkBytes)) {
      if (cancelled()) {
        await request("upload_cancel", { upload });
        progress.doneBytes = before;
        return;
      }
      await sendChunk(request, { upload, offset }, await file.slice(offset, end).arrayBuffer(), way);
      progress.doneBytes = before + end;
      onProgress(progress);
    }
    const { reply } = await request("upload_finish", { upload }, { timeoutMs: finishTimeoutMs(file.size) });
    addResult(summary, reply);
  } catch (err) {
    if (err && (err.disposed || err.timeout)) throw err;
    summary.refused.push([file.name, errorText(err)]);
    if (upload !== null) request("upload_cancel", { upload }).catch(() => {});
  }
  progress.doneBytes = before + file.size;
}
