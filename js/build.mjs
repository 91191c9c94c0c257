import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { widget: "src/widget.js" },
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: false,
  target: ["es2020"],
  outdir: "../lora_tagger_widget/static",
  loader: { ".css": "css" },
  logLevel: "info",
});
