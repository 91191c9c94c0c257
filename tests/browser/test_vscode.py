"""The tagger hosted by VS Code's own widget manager (`@vscode/jupyter-ipywidgets8`, the package VS
Code's notebooks load), on a real kernel of a local jupyter server, in a test page
(tests/browser/vscode/) that also emulates VS Code's notebook keys and themes:

- the manager is VS Code's: its `WidgetManager(kernel, el, scriptLoader, logger)` with a kernel
  connection from `@jupyterlab/services`, requirejs, and a script loader that points requirejs at
  anywidget's nbextension from this Python environment (as VS Code's extension does);
- keys: a bubble-phase window listener (where VS Code's webview forwards keydowns to the
  workbench) performs notebook commands for every key that is not stopped; the widget's keys
  must never reach it, and after Esc the keys must reach it again;
- themes: VS Code sets `--vscode-*` variables and no `--jp-*` ones; the widget follows them.

The page's npm packages come from `npm ci` in tests/browser/vscode (.ci/run does it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from colours import parse_colour, readable
from labharness import JupyterServer, press_on, wait_shown, wait_until

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent / "vscode"
NODE_MODULES = HERE / "node_modules"
MANAGER_DIST = NODE_MODULES / "@vscode" / "jupyter-ipywidgets8" / "dist"
LOCAL = re.compile(r"^((https?|wss?)://127\.0\.0\.1[:/]|data:|blob:|about:)")
IMAGES = {"a_red.png": (200, 40, 40), "b_green.png": (40, 180, 60), "c_blue.png": (40, 60, 200)}


def anywidget_nbextension() -> Path:
    """anywidget's nbextension folder in this Python environment (where VS Code looks for it)."""
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("nbextensions"):
        if (Path(root) / "anywidget" / "index.js").is_file():
            return Path(root)
    raise AssertionError("anywidget's nbextension (nbextensions/anywidget/index.js) is missing")


class VSCodeHostServer(JupyterServer):
    """A jupyter server that also serves the test page, its bundle, requirejs, VS Code's manager
    and anywidget's nbextension under /static/ (extra_static_paths)."""

    def __init__(self, base: Path, static_paths: list[Path]):
        super().__init__(base)
        self.static_paths = static_paths

    def _prepare(self) -> None:
        super()._prepare()
        config = {"ServerApp": {"extra_static_paths": [str(p) for p in self.static_paths]}}
        (self.config_dir / "jupyter_server_config.json").write_text(json.dumps(config))


def build_page(out: Path) -> Path:
    """Bundle the harness (esbuild) and place the page beside it; returns `out`."""
    if not (MANAGER_DIST / "ipywidgets.js").is_file():
        pytest.fail(
            f"VS Code's widget manager is not installed in {NODE_MODULES}: "
            "run `cd tests/browser/vscode && npm ci` first"
        )
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(NODE_MODULES / ".bin" / "esbuild"), "harness.js", "--bundle", "--format=iife",
         f"--outfile={out / 'harness.js'}", "--log-level=warning"],
        cwd=HERE, check=True,
    )
    shutil.copyfile(HERE / "page.html", out / "vscode-host.html")
    return out


@pytest.fixture(scope="module")
def vscode_server(tmp_path_factory):
    page_dir = build_page(tmp_path_factory.mktemp("vscode-page"))
    static = [page_dir, MANAGER_DIST, NODE_MODULES / "requirejs", anywidget_nbextension()]
    server = VSCodeHostServer(tmp_path_factory.mktemp("jupyter-vscode"), static)
    server.start()
    yield server
    server.stop()


class Host:
    """The test page, its kernel and its data set (`folder`)."""

    def __init__(self, page, server: VSCodeHostServer, folder: Path):
        self.page = page
        self.server = server
        self.folder = folder
        self.kernel_id = ""
        self.outside: list[str] = []  # requests not to 127.0.0.1 (the page aborts them)
        page.on("request", lambda r: None if LOCAL.match(r.url) else self.outside.append(r.url))

    def open(self) -> None:
        st, body = self.server.api("POST", "/api/kernels", {"name": "python3"}, timeout=60)
        assert st == 201, (st, body)
        self.kernel_id = body["id"]
        self.page.goto(self.server.url + "/static/vscode-host.html")
        cells = [
            "from lora_tagger_widget import TaggerWidget",
            f"w = TaggerWidget({str(self.folder)!r})\nw",
        ]
        scripts = self.page.evaluate(
            "(args) => window.vscodeHost.start(args)",
            {
                "kernelId": self.kernel_id,
                "cells": cells,
                "managerUrl": "/static/ipywidgets.js",
                "modules": {"anywidget": "/static/anywidget/index"},
            },
        )
        assert scripts and scripts[0].startswith("anywidget@"), scripts
        self.widget = self.page.locator(".ltw-root").first
        self.widget.wait_for()

    def close(self) -> None:
        if self.kernel_id:
            self.server.api("DELETE", f"/api/kernels/{self.kernel_id}")

    def commands(self) -> list[dict]:
        return self.page.evaluate("() => window.vscodeHost.commands")


@pytest.fixture
def host(page, vscode_server, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name, colour in IMAGES.items():
        Image.new("RGB", (48, 32), colour).save(folder / name)
    h = Host(page, vscode_server, folder)
    yield h
    h.close()


def test_vscode_manager_renders_the_tagger(host, tmp_path) -> None:
    host.open()
    names = sorted(IMAGES)
    wait_shown(host, names[0])
    host.page.screenshot(path=str(tmp_path / "vscode-host.png"), full_page=True)
    # The manager, anywidget and the widget came from this machine: nothing asked a CDN.
    assert host.outside == []
    assert host.page.evaluate("() => window.vscodeHost.errors") == []


def caption(folder: Path, name: str) -> str:
    path = (folder / name).with_suffix(".txt")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_widget_keys_never_reach_vscode_notebook_and_esc_gives_them_back(host, tmp_path) -> None:
    host.open()
    page, widget, folder = host.page, host.widget, host.folder
    names = sorted(IMAGES)
    wait_shown(host, names[0])

    # A tag typed in the add box, letters VS Code's notebook takes (A, B, D D, M, Y), and Enter.
    add = widget.get_by_role("textbox", name="Add tag")
    add.click()
    add.press_sequentially("bad moody day")
    for key in ("ArrowDown", "ArrowUp", "Enter"):
        add.press(key)
    wait_until(lambda: caption(folder, names[0]) == "bad moody day", timeout=10,
               what="the typed tag saved to disk")

    # The widget's own keys, with the focus on the widget itself.
    press_on(widget, "ArrowRight")
    wait_shown(host, names[1])
    page.keyboard.press("Digit1")  # the palette's key 1: the one tag there is
    wait_until(lambda: caption(folder, names[1]) == "bad moody day", timeout=10,
               what="palette key 1 tagging the second image")
    for digit in range(2, 10):  # empty keys: nothing to do, and still nothing for the notebook
        page.keyboard.press(f"Digit{digit}")
    for key in ("z", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Equal", "Minus", "z",
                "f", "f", "Shift+a", "Alt+Digit1"):
        page.keyboard.press(key)
    page.keyboard.press("ArrowLeft")
    wait_shown(host, names[0])
    # The batch dialog (B) opened and closed by Esc, the grid (G) and back: the focus stays in.
    page.keyboard.press("b")
    widget.locator(".ltw-batch-form").wait_for()
    page.keyboard.press("Escape")
    widget.locator(".ltw-batch-form").wait_for(state="hidden")
    assert page.evaluate("() => !!document.activeElement.closest('.ltw-root')"), \
        "closing the batch panel with Esc left the widget without the focus"
    page.keyboard.press("g")
    widget.locator(".ltw-tile").first.wait_for()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("g")
    # Keys the widget does not use, that VS Code's notebook does.
    for key in ("a", "m", "y", "d", "d", "Enter", "Delete", "Backspace", "j", "k", "l", "o",
                "Home", "End", "Space", "c", "x", "v"):
        page.keyboard.press(key)
    wait_shown(host, names[0])
    # Chords the widget takes (undo, redo, save) and Shift+arrows, Shift+Enter, Alt+Enter.
    for key in ("Control+z", "Control+Shift+z", "Control+y", "Control+s", "Shift+ArrowUp",
                "Shift+ArrowDown", "Shift+Enter", "Alt+Enter"):
        page.keyboard.press(key)
    wait_shown(host, names[0])
    assert page.evaluate("() => !!document.activeElement.closest('.ltw-root')")
    assert host.commands() == []

    # Esc gives the keys back: the notebook's commands act again.
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.activeElement.closest('.ltw-root')")
    for key in ("a", "d", "d", "ArrowDown", "Enter", "Control+Enter"):
        page.keyboard.press(key)
    assert [c["command"] for c in host.commands()] == [
        "insert-cell-above", "delete-cell", "focus-next-cell", "edit-cell", "run-cell",
    ]
    wait_shown(host, names[0])
    # Undo then redo above: the caption is back once the autosave has written both.
    wait_until(lambda: caption(folder, names[0]) == "bad moody day", timeout=10,
               what="the caption after undo and redo")
    page.screenshot(path=str(tmp_path / "vscode-keys.png"), full_page=True)


# VS Code's default themes (Light+ and Dark+), the variables a webview gets and the widget reads.
_VSCODE_COMMON = {
    "--vscode-font-family": '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu",'
                            ' "Droid Sans", sans-serif',
    "--vscode-font-size": "13px",
    "--vscode-editor-font-family": '"Droid Sans Mono", "monospace", monospace',
    "--vscode-panel-border": "rgba(128, 128, 128, 0.35)",
}
VSCODE_THEMES = {
    "light": ("vscode-light", {
        **_VSCODE_COMMON,
        "--vscode-editor-background": "#ffffff",
        "--vscode-editor-foreground": "#000000",
        "--vscode-foreground": "#616161",
        "--vscode-descriptionForeground": "#717171",
        "--vscode-focusBorder": "#0090f1",
        "--vscode-input-background": "#ffffff",
        "--vscode-input-foreground": "#616161",
        "--vscode-button-background": "#007acc",
        "--vscode-button-foreground": "#ffffff",
        "--vscode-dropdown-border": "#cecece",
        "--vscode-editorWidget-background": "#f3f3f3",
        "--vscode-errorForeground": "#a1260d",
        "--vscode-editorWarning-foreground": "#bf8803",
    }),
    "dark": ("vscode-dark", {
        **_VSCODE_COMMON,
        "--vscode-editor-background": "#1e1e1e",
        "--vscode-editor-foreground": "#d4d4d4",
        "--vscode-foreground": "#cccccc",
        "--vscode-descriptionForeground": "rgba(204, 204, 204, 0.7)",
        "--vscode-focusBorder": "#007fd4",
        "--vscode-input-background": "#3c3c3c",
        "--vscode-input-foreground": "#cccccc",
        "--vscode-button-background": "#0e639c",
        "--vscode-button-foreground": "#ffffff",
        "--vscode-dropdown-border": "#3c3c3c",
        "--vscode-editorWidget-background": "#252526",
        "--vscode-errorForeground": "#f48771",
        "--vscode-editorWarning-foreground": "#cca700",
    }),
}

def set_theme(page, body_class: str | None, variables: dict[str, str]) -> None:
    """Put a VS Code theme on the page as VS Code does (variables on <html>, a class on <body>)."""
    page.evaluate(
        """([cls, vars]) => {
          const html = document.documentElement;
          html.removeAttribute('style');
          for (const [k, v] of Object.entries(vars)) html.style.setProperty(k, v);
          document.body.classList.remove('vscode-light', 'vscode-dark');
          if (cls) document.body.classList.add(cls);
        }""",
        [body_class, variables],
    )


# VS Code's manager brings ipywidgets' copy of JupyterLab's light --jp-* variables (a <style>).
_JS_JP_SHEETS = """(disable) => {
  const sheets = [...document.querySelectorAll('style')]
    .filter((s) => /--jp-layout-color0\\s*:/.test(s.textContent));
  for (const s of sheets) s.disabled = disable;
  return sheets.length;
}"""


def test_widget_follows_vscode_themes_and_stays_readable_without_one(host, tmp_path) -> None:
    host.open()
    page, widget = host.page, host.widget
    wait_shown(host, sorted(IMAGES)[0])
    # VS Code sets no --jp-* variables, but its widget manager's CSS does (JupyterLab light's).
    assert page.evaluate(_JS_JP_SHEETS, False) > 0
    assert page.evaluate(
        "() => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim()"
    ) == "white"
    figures = {}
    for name, (body_class, variables) in VSCODE_THEMES.items():
        set_theme(page, body_class, variables)
        root_fg, root_bg, _ = readable(widget)[".ltw-root"]
        assert parse_colour(root_bg)[:3] == parse_colour(
            _hex_rgb(variables["--vscode-editor-background"]))[:3], (name, root_bg)
        assert parse_colour(root_fg)[:3] == parse_colour(
            _hex_rgb(variables["--vscode-foreground"]))[:3], (name, root_fg)
        figures[name] = readable(widget)
        widget.screenshot(path=str(tmp_path / f"vscode-{name}.png"))
    # No variables at all: neither VS Code's nor any --jp-* ones.
    set_theme(page, None, {})
    page.evaluate(_JS_JP_SHEETS, True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        figures[f"no theme, prefers {scheme}"] = found = readable(widget)
        dark_bg = sum(parse_colour(found[".ltw-root"][1])[:3]) < 1.5
        assert dark_bg == (scheme == "dark"), (scheme, found[".ltw-root"])
        widget.screenshot(path=str(tmp_path / f"no-theme-{scheme}.png"))
    for name, found in figures.items():
        print(name, {sel: c for sel, (_, _, c) in found.items()})


def _hex_rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
