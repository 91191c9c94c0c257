// The Auto-tag panel's logic, without the DOM: the taggers it offers, the run request built from the
// form (checked for what is obviously missing or wrong; Python checks the rest), the run's progress
// as words (done, rate, time left), and the "accept all scoring at least" request.

import { imageScopes } from "../scope.js";
import { count, fmt, obj, plural, str } from "../../lib/format.js";

export const SCOPES = ["all", "filtered", "selected", "current"];
export const EXISTING = [
  { value: "ignore", label: "Ignore: leave tagged images alone" },
  { value: "append", label: "Append after the tags there" },
  { value: "overwrite", label: "Overwrite the tags there" },
];
export const DEFAULTS = { general: "0.35", character: "0.85", minScore: "0.5" };
const REGISTERED = "registered:";

/**
 * The taggers to choose from: those added from Python (`w.add_tagger`) first, then a WD model
 * folder and a chat endpoint: [{ value, label }].
 */
export function taggerChoices(names) {
  const added = (Array.isArray(names) ? names : []).filter((n) => typeof n === "string" && n)
    .map((name) => ({ value: REGISTERED + name, label: name }));
  return [...added, { value: "wd", label: "WD model folder" }, { value: "chat", label: "Chat endpoint" }];
}

/** The scope choices: all / filtered / selected (scope.js) and this image. */
export function autotagScopes(state) {
  const s = obj(state);
  const shown = !!obj(s._current).id;
  return [...imageScopes(s, { disableEmpty: true }),
    { value: "current", label: "This image", count: shown ? 1 : 0, disabled: !shown }];
}

/** A number from 0 to 1 typed in `text`, or null. */
export function unitNumber(text) {
  const t = str(text).trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

/**
 * The `autotag` request from the form's values: { fields } or { error }.
 * values: { tagger, path, url, model, prompt, reply, apiKey, maxTokens, temperature, general,
 *   character, maxTags, existing, blacklist, prepend, append, rerun, scope }
 */
export function buildAutotagRequest(values) {
  const v = obj(values);
  const choice = str(v.tagger);
  let tagger;
  if (choice.startsWith(REGISTERED)) tagger = { kind: "registered", name: choice.slice(REGISTERED.length) };
  else if (choice === "wd") {
    const path = str(v.path).trim();
    if (!path) return { error: "Give the folder that holds the WD model (model.onnx and selected_tags.csv)." };
    tagger = { kind: "wd", path };
  } else if (choice === "chat") {
    const url = str(v.url).trim();
    if (!/^https?:\/\//i.test(url)) return { error: "The endpoint's URL starts with http:// or https://, e.g. http://localhost:8000/v1." };
    const model = str(v.model).trim();
    if (!model) return { error: "Give the model's name as the endpoint knows it." };
    const tokens = Number(str(v.maxTokens).trim() || "300");
    if (!Number.isInteger(tokens) || tokens < 1) return { error: "Max tokens must be a whole number of at least 1." };
    const temperature = Number(str(v.temperature).trim() || "0.2");
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) return { error: "Temperature must be a number from 0 to 2." };
    tagger = { kind: "chat", url, model, prompt: str(v.prompt), reply: v.reply === "tags" ? "tags" : "caption",
      max_tokens: tokens, temperature };
    const key = str(v.apiKey).trim();
    if (key) tagger.api_key = key;
  } else return { error: "Choose a tagger." };
  const options = { existing: EXISTING.some((e) => e.value === v.existing) ? v.existing : "ignore", rerun: !!v.rerun };
  const captions = tagger.kind === "chat" && tagger.reply === "caption";
  if (!captions) {
    for (const [key, name, label] of [["general", "general_threshold", "General threshold"],
      ["character", "character_threshold", "Character threshold"]]) {
      const n = unitNumber(v[key]);
      if (n === null) return { error: `${label} must be a number from 0 to 1.` };
      options[name] = n;
    }
    const max = str(v.maxTags).trim();
    if (max) {
      const n = Number(max);
      if (!Number.isInteger(n) || n < 1) return { error: "Max tags must be a whole number of at least 1, or empty for no limit." };
      options.max_tags = n;
    }
    for (const name of ["blacklist", "prepend", "append"]) options[name] = str(v[name]);
  }
  return { fields: { tagger, scope: SCOPES.includes(v.scope) ? v.scope : "all", options } };
}

/** Seconds as a person reads a time left: "45 s", "3 min", "1 h 5 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * The run's state (`_autotag`) as the panel shows it:
 * { running, progress: "12 of 40 images · 3.1 images/s · 9 s left", summary, error }.
 */
export function runView(job) {
  const j = obj(job);
  const running = j.phase === "running";
  let progress = "";
  if (running) {
    const total = count(j.total);
    progress = total ? `${fmt(count(j.done))} of ${plural(total, "image", "images")}` : "Starting…";
    if (Number.isFinite(j.rate) && j.rate > 0) progress += ` · ${j.rate >= 10 ? Math.round(j.rate) : j.rate.toFixed(1)} images/s`;
    if (Number.isFinite(j.eta) && count(j.done) < total) progress += ` · ${duration(j.eta)} left`;
  }
  const summary = j.phase === "done" || j.phase === "cancelled" ? str(j.summary) : "";
  const error = j.phase === "failed" ? `Auto-tagging failed: ${str(j.error) || "unknown error"}` : "";
  return { running, progress, summary, error };
}

/** The `accept_suggestions` request for "accept all scoring at least `minScore`": { fields } or { error }. */
export function buildAcceptRequest(minScore, scope, preview) {
  const n = unitNumber(minScore);
  if (n === null) return { error: "The score to accept from must be a number from 0 to 1." };
  return { fields: { scope: SCOPES.includes(scope) ? scope : "all", min_score: n, preview: !!preview } };
}
