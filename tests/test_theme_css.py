"""The widget's CSS reads the host's theme in one place: the --ltw-* variables at the top of
widget.css, each from VS Code's --vscode-* variable, else JupyterLab's --jp-* one, else a default
that has a dark counterpart (for a root with data-ltw-scheme="dark", which js/src/shell/theme.js
sets). Every other rule uses only --ltw-* variables.
(How it looks in a browser, with real VS Code themes, is tests/browser/test_vscode.py.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JS_SRC = ROOT / "js" / "src"
WIDGET_CSS = JS_SRC / "widget.css"

HOST_VAR = re.compile(r"var\(--(?:jp|vscode)-")
CHAIN = re.compile(
    r"^\s*(--ltw-[\w-]+): var\(--vscode-[\w-]+, var\(--jp-[\w-]+, (?P<fallback>.+)\)\);$"
)


def root_block(css: str) -> str:
    """The first `.ltw-root { ... }` rule's body."""
    start = css.index(".ltw-root {")
    return css[start : css.index("\n}", start)]


def dark_defaults(css: str) -> dict[str, str]:
    start = css.index('.ltw-root[data-ltw-scheme="dark"] {')
    block = css[start : css.index("\n}", start)]
    return dict(re.findall(r"(--ltw-default-[\w-]+): ([^;]+);", block))


def test_host_theme_variables_are_read_only_at_the_root() -> None:
    css = WIDGET_CSS.read_text(encoding="utf-8")
    root = root_block(css)
    outside = []
    for path in sorted(JS_SRC.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        if path == WIDGET_CSS:
            text = text.replace(root, "")
        outside += [f"{path.relative_to(JS_SRC)}: {line.strip()}"
                    for line in text.splitlines() if HOST_VAR.search(line)]
    assert outside == []
    reads = [line for line in root.splitlines() if HOST_VAR.search(line)]
    assert len(reads) >= 14
    bad = [line.strip() for line in reads if not CHAIN.match(line)]
    assert bad == [], "each host variable read is var(--vscode-*, var(--jp-*, fallback))"


def test_every_colour_default_has_a_dark_counterpart() -> None:
    css = WIDGET_CSS.read_text(encoding="utf-8")
    light = dict(re.findall(r"(--ltw-default-[\w-]+): ([^;]+);", root_block(css)))
    dark = dark_defaults(css)
    assert light and set(dark) <= set(light)
    # The brand colour carries white text in both schemes; every other colour changes.
    assert set(light) - set(dark) == {"--ltw-default-brand"}
    fallbacks = [CHAIN.match(line) for line in root_block(css).splitlines()]
    colours = [m.group("fallback") for m in fallbacks if m and "default" in m.group("fallback")]
    assert sorted(colours) == sorted(f"var({name})" for name in light)


def _rgb(colour: str) -> tuple[float, float, float, float]:
    if colour.startswith("#"):
        return (*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)), 1.0)
    r, g, b, a = (float(n) for n in re.findall(r"[\d.]+", colour))
    return r / 255, g / 255, b / 255, a


def _contrast(fg: str, bg: str) -> float:
    *back, _ = _rgb(bg)
    *front, alpha = _rgb(fg)
    text = [f * alpha + b * (1 - alpha) for f, b in zip(front, back, strict=True)]

    def lum(c: list[float]) -> float:
        lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(text), lum(back)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_default_text_colours_are_readable_light_and_dark() -> None:
    css = WIDGET_CSS.read_text(encoding="utf-8")
    light = dict(re.findall(r"(--ltw-default-[\w-]+): ([^;]+);", root_block(css)))
    schemes = {"light": light, "dark": {**light, **dark_defaults(css)}}
    for scheme, d in schemes.items():
        for fg in ("fg0", "fg1", "fg2", "error"):
            for bg in ("bg0", "bg1"):
                ratio = _contrast(d[f"--ltw-default-{fg}"], d[f"--ltw-default-{bg}"])
                assert ratio >= 4.5, (scheme, fg, bg, round(ratio, 2))
        assert _contrast("#ffffff", d["--ltw-default-brand"]) >= 4.5, scheme
