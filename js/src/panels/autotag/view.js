// The Auto-tag panel: choose a tagger (one added from Python, a WD model folder, or a chat
// endpoint), its options and the images, and run it; Python runs it in the background (request
// `autotag`) and reports it in the `_autotag` trait (progress, rate, time left), Cancel stops it.
// Its suggestions show on each image (editor/suggested.js). Below, "accept all scoring at least"
// a score in the scope, previewed as a batch edit before it is applied.

import "./autotag.css";
import { h, setText, uniqueId, activeElement } from "../../lib/dom.js";
import { panelKeys, panelToggle, showOpen } from "../panel.js";
import { createProgressBar } from "../../lib/progress.js";
import { createScopeGroup, pickScope } from "../scope.js";
import { drawPreview } from "../batch/elements.js";
import { doneText, scopeBasis } from "../batch/logic.js";
import {
  SCOPES, EXISTING, DEFAULTS, taggerChoices, autotagScopes, buildAutotagRequest, runView, buildAcceptRequest,
} from "./logic.js";
import { count, obj, plural, errorText } from "../../lib/format.js";

/** A labelled field: [label, control] in a div of class `ltw-atg-field`. */
function field(label, control, extra = "") {
  const id = control.id || uniqueId("ltw-atg-f");
  control.id = id;
  return h("div", { class: `ltw-atg-field ${extra}`.trim() }, h("label", { for: id, text: label }), control);
}

const input = (props) => h("input", { class: "ltw-input", type: "text", autocomplete: "off", spellcheck: "false", ...props });

/** The panel's elements (no actions attached). */
function autotagElements() {
  const bodyId = uniqueId("ltw-atg-body");
  const toggle = panelToggle("ltw-atg-toggle", bodyId, "Auto-tag");
  const tagger = h("select", { class: "ltw-input ltw-atg-tagger" });
  const path = input({ class: "ltw-input ltw-atg-path", placeholder: "~/models/wd-vit-tagger-v3" });
  const url = input({ placeholder: "http://localhost:8000/v1" });
  const model = input({ placeholder: "joycaption" });
  const prompt = h("textarea", { class: "ltw-input ltw-atg-prompt", rows: "2", spellcheck: "false",
    placeholder: "Default: a short training caption. {name} and {tags} are filled in." });
  const apiKey = input({ type: "password", autocomplete: "off", placeholder: "none" });
  const maxTokens = input({ type: "number", class: "ltw-input ltw-atg-num", min: "1", step: "1", value: "300", inputmode: "numeric" });
  const temperature = input({ type: "number", class: "ltw-input ltw-atg-num", min: "0", max: "2", step: "0.1", value: "0.2", inputmode: "decimal" });
  const reply = h("select", { class: "ltw-input" },
    h("option", { value: "caption", text: "A caption" }), h("option", { value: "tags", text: "Tags" }));
  const wdBox = h("div", { class: "ltw-atg-row", "data-for": "wd" }, field("Model folder", path, "ltw-atg-wide"));
  const chatBox = h("div", { class: "ltw-atg-row", "data-for": "chat" },
    field("Endpoint URL", url, "ltw-atg-wide"), field("Model", model), field("Reply as", reply),
    field("API key", apiKey), field("Max tokens", maxTokens), field("Temperature", temperature),
    field("Prompt", prompt, "ltw-atg-full"));

  const num = (value, step) => input({ type: "number", class: "ltw-input ltw-atg-num", min: "0", max: "1", step, value, inputmode: "decimal" });
  const general = num(DEFAULTS.general, "0.01");
  const character = num(DEFAULTS.character, "0.01");
  const maxTags = input({ type: "number", class: "ltw-input ltw-atg-num", min: "1", step: "1", placeholder: "no limit", inputmode: "numeric" });
  const existing = h("select", { class: "ltw-input" }, EXISTING.map((e) => h("option", { value: e.value, text: e.label })));
  const blacklist = input({ placeholder: "simple background, watermark" });
  const prepend = input({ placeholder: "ohwx" });
  const append = input({});
  const rerun = h("input", { type: "checkbox", id: uniqueId("ltw-atg-rerun") });
  const tagOptions = h("div", { class: "ltw-atg-row" },
    field("General threshold", general), field("Character threshold", character), field("Max tags", maxTags),
    field("Blacklist", blacklist, "ltw-atg-wide"), field("Prepend", prepend), field("Append", append));
  const options = h("fieldset", { class: "ltw-atg-options" }, h("legend", { text: "Options" }), tagOptions,
    h("div", { class: "ltw-atg-row" }, field("Existing tags", existing, "ltw-atg-auto"),
      h("div", { class: "ltw-atg-check" }, rerun, h("label", { for: rerun.id, text: "Look again at images done before" }))));

  const scopeGroup = createScopeGroup({ scopes: SCOPES, label: "Images to auto-tag", title: "Images", className: "ltw-atg-scope" });
  const runBtn = h("button", { type: "submit", class: "ltw-btn ltw-atg-run", text: "Run" });
  const cancelBtn = h("button", { type: "button", class: "ltw-btn ltw-atg-cancel", text: "Cancel", "aria-label": "Cancel the auto-tagging run", disabled: true });
  const formError = h("p", { class: "ltw-atg-error", role: "alert", hidden: true });
  const form = h("form", { class: "ltw-atg-form", novalidate: true },
    field("Tagger", tagger), wdBox, chatBox, options, scopeGroup.el,
    h("div", { class: "ltw-atg-actions" }, runBtn, cancelBtn), formError);

  const progress = createProgressBar("Auto-tag progress");
  const summary = h("p", { class: "ltw-atg-summary", role: "status", "aria-live": "polite" });

  const minScore = num(DEFAULTS.minScore, "0.05");
  const previewBtn = h("button", { type: "button", class: "ltw-btn ltw-atg-preview", text: "Preview" });
  const applyBtn = h("button", { type: "button", class: "ltw-btn ltw-atg-apply", text: "Accept", disabled: true });
  const rejectBtn = h("button", { type: "button", class: "ltw-btn ltw-atg-reject", text: "Reject all", "aria-label": "Reject every suggestion in the images chosen" });
  const headline = h("p", { class: "ltw-atg-headline", role: "status", "aria-live": "polite" });
  const details = h("div", { class: "ltw-atg-details" });
  const acceptBox = h("fieldset", { class: "ltw-atg-accept" },
    h("legend", { text: "Accept suggestions in the images chosen" }),
    h("div", { class: "ltw-atg-row" }, field("Accept tags scoring at least", minScore, "ltw-atg-auto"), previewBtn, applyBtn, rejectBtn),
    headline, details);

  const body = h("div", { class: "ltw-panel-box ltw-atg-body", id: bodyId, hidden: true }, form, progress.el, summary, acceptBox);
  const el = h("section", { class: "ltw-panel ltw-atg", "aria-label": "Auto-tag", tabindex: "-1" }, toggle, body);
  return {
    el, toggle, body, form, tagger, path, url, model, prompt, reply, apiKey, maxTokens, temperature, wdBox, chatBox, options, tagOptions, general, character,
    maxTags, existing, blacklist, prepend, append, rerun, scopeGroup, runBtn, cancelBtn, formError, progress,
    summary, minScore, previewBtn, applyBtn, rejectBtn, headline, details,
  };
}

/**
 * createAutotag({ request, status }) -> { el, update(state), open(), close(), isOpen(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc; rejects with Python's sentence)
 *   status.show(message, level): news of a run that ends while the panel is closed.
 * state: _autotag, _taggers, _current, progress, _shown_selection.
 * @param {{ request: import("../../lib/rpc.js").Request, status: import("../../shell/status.js").Status }} options
 */
export function createAutotag({ request, status }) {
  const ui = autotagElements();
  const s = { state: /** @type {any} */ ({}), scope: "all", sending: false, disposed: false, lastPhase: null,
    /** @type {string | null} */ previewed: null };

  const running = () => obj(s.state._autotag).phase === "running";
  const isOpen = () => !ui.body.hidden;

  function showError(message) {
    setText(ui.formError, message || "");
    ui.formError.hidden = !message;
  }

  function values() {
    return {
      tagger: ui.tagger.value, path: ui.path.value, url: ui.url.value, model: ui.model.value, prompt: ui.prompt.value,
      apiKey: ui.apiKey.value, maxTokens: ui.maxTokens.value, temperature: ui.temperature.value,
      reply: ui.reply.value, general: ui.general.value, character: ui.character.value, maxTags: ui.maxTags.value,
      existing: ui.existing.value, blacklist: ui.blacklist.value, prepend: ui.prepend.value, append: ui.append.value,
      rerun: ui.rerun.checked, scope: s.scope,
    };
  }

  function showTaggers() {
    const choices = taggerChoices(s.state._taggers);
    const key = choices.map((c) => c.value).join("\n");
    if (ui.tagger.dataset.key !== key) {
      const was = ui.tagger.value;
      ui.tagger.replaceChildren(...choices.map((c) => h("option", { value: c.value, text: c.label })));
      ui.tagger.dataset.key = key;
      ui.tagger.value = choices.some((c) => c.value === was) ? was : choices[0].value;
    }
    const kind = ui.tagger.value;
    ui.wdBox.hidden = kind !== "wd";
    ui.chatBox.hidden = kind !== "chat";
    ui.tagOptions.hidden = kind === "chat" && ui.reply.value === "caption";
  }

  function showScopes() {
    const choices = autotagScopes(s.state);
    s.scope = pickScope(choices, s.scope, ["filtered", "all"]);
    ui.scopeGroup.show(choices, s.scope);
  }

  function showRun() {
    const job = obj(s.state._autotag);
    const view = runView(job);
    ui.progress.el.hidden = !view.running;
    if (view.running) ui.progress.show({ done: count(job.done), total: count(job.total), text: view.progress });
    setText(ui.summary, view.summary);
    if (view.error) showError(view.error);
    ui.runBtn.disabled = s.sending || view.running;
    ui.cancelBtn.disabled = !view.running;
    ui.el.setAttribute("aria-busy", view.running ? "true" : "false");
    if (!isOpen() && s.lastPhase === "running" && job.phase !== "running") {
      if (view.error) status.show(view.error, "error");
      else if (view.summary) status.show(`Auto-tag: ${view.summary}`);
    }
    s.lastPhase = job.phase ?? null;
  }

  function refresh() {
    if (s.disposed) return;
    showTaggers();
    showScopes();
    showRun();
  }

  async function act(type, fields) {
    try {
      const { reply } = await request(type, fields);
      return reply;
    } catch (err) {
      if (!s.disposed && !(err && err.disposed)) showError(errorText(err));
      return null;
    }
  }

  async function run() {
    if (s.disposed || s.sending || running()) return;
    showError("");
    const built = buildAutotagRequest(values());
    if (built.error) {
      showError(built.error);
      return;
    }
    s.sending = true;
    showRun();
    await act("autotag", built.fields);
    s.sending = false;
    if (!s.disposed) showRun();
  }

  /** The accept box: a preview first; Accept applies it for that score and those images (planned
   *  again by Python, so it matches the captions as they are then, as a batch edit's Apply does). */
  function acceptKey() {
    return JSON.stringify([ui.minScore.value.trim(), scopeBasis(s.state, s.scope)]);
  }
  function forgetPreview() {
    s.previewed = null;
    ui.applyBtn.disabled = true;
  }
  async function accept(preview) {
    showError("");
    const built = buildAcceptRequest(ui.minScore.value, s.scope, preview);
    if (built.error) {
      setText(ui.headline, built.error);
      ui.details.replaceChildren();
      return;
    }
    if (!preview && s.previewed !== acceptKey()) return;
    const reply = await act("accept_suggestions", built.fields);
    if (!reply || s.disposed) return;
    if (preview) {
      drawPreview(ui.headline, ui.details, reply);
      s.previewed = count(reply.changes) > 0 ? acceptKey() : null;
      ui.applyBtn.disabled = s.previewed === null;
    } else {
      forgetPreview();
      setText(ui.headline, doneText(reply));
      ui.details.replaceChildren();
    }
  }
  async function rejectAll() {
    forgetPreview();
    const reply = await act("reject_suggestions", { scope: s.scope });
    if (reply && !s.disposed) setText(ui.headline, `Rejected the suggestions of ${plural(count(reply.rejected), "image", "images")}.`);
  }

  ui.form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  ui.form.addEventListener("input", () => showError(""));
  ui.tagger.addEventListener("change", () => showTaggers());
  ui.reply.addEventListener("change", () => showTaggers());
  ui.cancelBtn.addEventListener("click", () => act("autotag_cancel", {}));
  for (const radio of Object.values(ui.scopeGroup.radios)) {
    radio.addEventListener("change", () => {
      if (radio.checked) s.scope = radio.value;
      forgetPreview();
    });
  }
  ui.minScore.addEventListener("input", forgetPreview);
  ui.previewBtn.addEventListener("click", () => accept(true));
  ui.applyBtn.addEventListener("click", () => accept(false));
  ui.rejectBtn.addEventListener("click", () => rejectAll());
  ui.toggle.addEventListener("click", () => (isOpen() ? close() : show()));
  panelKeys(ui.el, { body: ui.body, isOpen, close });

  function show() {
    showOpen(ui.toggle, ui.body, true);
    refresh();
  }

  /** Show the panel and focus its first control. */
  function open() {
    if (s.disposed) return;
    show();
    ui.tagger.focus({ preventScroll: false });
  }

  function close() {
    if (!isOpen()) return;
    const hadFocus = ui.body.contains(activeElement());
    showOpen(ui.toggle, ui.body, false);
    if (hadFocus) ui.toggle.focus({ preventScroll: true });
  }

  function update(next) {
    if (s.disposed) return;
    s.state = obj(next);
    if (s.previewed !== null && s.previewed !== acceptKey()) forgetPreview();
    refresh();
  }

  function dispose() {
    s.disposed = true;
    ui.el.remove();
  }

  refresh();
  return { el: ui.el, update, open, close, isOpen, dispose };
}
