// Stylesheets are imported for their side effect; esbuild bundles them into widget.css.
declare module "*.css";
