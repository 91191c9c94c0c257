// The Plots panel: how often the top tags are used, the images' sizes and aspect ratios, and how
// many images fall into each training bucket, drawn as inline SVG (built element by element; no
// innerHTML) from one `plots` reply. Colours come from CSS (plots.css) so dark themes work.

import "./plots.css";
import { h, attr, setText, uniqueId } from "../../lib/dom.js";
import { createPanelData, openPanel, panelKeys, panelToggle, showOpen } from "../panel.js";
import {
  RESOLUTIONS, TOP, REFRESH_DELAY_MS, finite, histogram, binCount, normalizePlots, bucketRows, chartSummary, sizesSummary, ratiosSummary,
} from "./logic.js";
import { barChart, emptyNote, figure, ratioChart, scatterChart } from "./charts.js";
import { fmt, plural, errorText } from "../../lib/format.js";

/**
 * createPlots({ request, status }) -> { el, open(), close(), isOpen(), update(state), refresh(), dispose() }
 *   request(type, fields) -> Promise<{ reply }>  (the rpc; rejects with Python's sentence)
 *   status: { show(message, level) } (optional; errors show in the panel)
 * state: items_version (the plots are asked again, 500 ms after the last change, while open).
 */
export function createPlots({ request, status = null }) {
  const bodyId = uniqueId("ltw-pl-body");
  const resId = uniqueId("ltw-pl-res");
  const toggle = panelToggle("ltw-pl-toggle", bodyId, "Plots");
  const resolution = h("select", { class: "ltw-input", id: resId },
    RESOLUTIONS.map((r) => h("option", { value: String(r), text: `${r} px` })));
  resolution.value = "1024";
  const refreshBtn = h("button", {
    type: "button", class: "ltw-btn ltw-pl-refresh", "aria-label": "Draw the plots again", title: "Draw the plots again",
    text: "↻", onclick: () => refresh(),
  });
  const note = h("p", { class: "ltw-muted ltw-pl-note", role: "status", "aria-live": "polite" });
  const alert = h("p", { class: "ltw-pl-error", role: "alert", hidden: true });
  const charts = h("div", { class: "ltw-pl-charts" });
  const body = h("div", { class: "ltw-pl-body", id: bodyId, hidden: true },
    h("div", { class: "ltw-pl-tools" },
      h("label", { for: resId, text: "Bucket resolution" }), resolution, refreshBtn),
    note, alert, charts);
  const el = h("section", { class: "ltw-panel ltw-pl", "aria-label": "Plots" }, toggle, body);

  let open = false;
  let seenVersion;
  let datasetCount = null;
  let loading = false; // a `plots` request is out
  let asked = 1024; // the resolution of the request in flight / drawn
  let disposed = false;

  const loader = createPanelData({
    delayMs: REFRESH_DELAY_MS,
    fetch: () => {
      loading = true;
      asked = Number(resolution.value) || 1024;
      showNote();
      return request("plots", { top: TOP, resolution: asked });
    },
    onResult: (res) => {
      loading = false;
      showError("");
      draw(normalizePlots(res && res.reply), asked);
      showNote();
    },
    onError: (err) => {
      loading = false;
      if (err && err.disposed) return;
      const message = errorText(err);
      showError(message);
      if (!open && status) status.show(message, "error");
      showNote();
    },
  });

  function showError(message) {
    setText(alert, message || "");
    alert.hidden = !message;
  }

  function showNote() {
    const busy = loading;
    const loaded = loader.loaded();
    attr(body, "aria-busy", busy ? "true" : null);
    charts.classList.toggle("is-stale", busy && loaded);
    setText(note, busy && !loaded ? "Drawing the plots…" : "");
    note.hidden = !note.textContent;
  }

  function draw(data, res) {
    const figures = [];
    const tagLabel = chartSummary("Tag frequency", data.tags, { userText: true });
    figures.push(figure(data.tags.length ? `Top ${fmt(data.tags.length)} tags: images with each` : "Tag frequency",
      data.tags.length ? barChart(data.tags, { label: tagLabel, userText: true }) : emptyNote("No tags yet."),
      "ltw-pl-wide"));

    const n = data.sizes.length;
    const sample = datasetCount !== null && n >= 5000 && datasetCount > n ? ` (a sample of ${fmt(n)})` : "";
    const sizeCaption = `Image sizes, ${plural(n, "image", "images")}${sample}; dashed lines at ${RESOLUTIONS.join(", ")} px`;
    const bins = n ? histogram(data.sizes.map(([w, hgt]) => w / hgt), binCount(n)) : [];
    figures.push(h("div", { class: "ltw-pl-pair" },
      figure(sizeCaption, n ? scatterChart(data.sizes, sizesSummary(data.sizes, res)) : emptyNote("No readable images.")),
      figure("Aspect ratios (width / height); dashed line: square",
        n ? ratioChart(bins, ratiosSummary(bins)) : emptyNote("No readable images."))));

    const rows = bucketRows(data.buckets);
    const total = data.buckets.reduce((s, b) => s + b[2], 0);
    figures.push(figure(`Images per bucket at ${res} px (${plural(total, "image", "images")})`,
      rows.length ? barChart(rows, { label: chartSummary(`Buckets at ${res} px`, rows), labelWidth: 110 })
        : emptyNote("No readable images."), "ltw-pl-wide"));
    charts.replaceChildren(...figures);
  }

  function render() {
    showOpen(toggle, body, open);
    showNote();
  }

  function setOpen(next) {
    if (disposed || next === open) return;
    open = next;
    render();
    if (open) loader.show();
    else loader.hide();
    showNote();
  }

  function refresh() {
    if (disposed) return;
    loader.refresh(open);
  }

  toggle.addEventListener("click", () => setOpen(!open));
  resolution.addEventListener("change", () => refresh());
  panelKeys(el, { body, isOpen: () => open, close: () => setOpen(false), refocus: toggle });

  function update(state) {
    if (disposed || !state) return;
    datasetCount = finite(state._shown_count) ? state._shown_count : null;
    const version = state.items_version;
    if (seenVersion !== undefined && version !== seenVersion) loader.changed(open);
    seenVersion = version;
  }

  function dispose() {
    disposed = true;
    loader.dispose();
  }

  render();
  return {
    el,
    open: () => openPanel(setOpen, toggle),
    close: () => setOpen(false),
    isOpen: () => open,
    update,
    refresh,
    dispose,
  };
}
