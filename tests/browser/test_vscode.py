"""The tagger hosted by VS Code's own widget manager (`@vscode/jupyter-ipywidgets8`, the package VS
Code's notebooks load), on a real kernel of a local jupyter server, in a test page
(tests/browser/vscode/) that also emulates VS Code's notebook keys and themes:

- the manager is VS Code's: its `WidgetManager(kernel, el, scriptLoader, logger)` with a kernel
  connection from `@jupyterlab/services`, requirejs, and a script loader that points requirejs at
  anywidget's nbextension from this Python environment (as VS Code's extension does);
- keys: a bubble-phase document listener performs notebook commands for every key that is not
  stopped; the widget's keys must never reach it, and after Esc the keys must reach it again;
- themes: VS Code sets `--vscode-*` variables and no `--jp-*` ones; the widget follows them.

The page's npm packages come from `npm ci` in tests/browser/vscode (.ci/run does it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from labharness import JupyterServer, wait_shown, wait_until

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent / "vscode"
NODE_MODULES = HERE / "node_modules"
MANAGER_DIST = NODE_MODULES / "@vscode" / "jupyter-ipywidgets8" / "dist"
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
    widget.focus()
    page.keyboard.press("ArrowRight")
    wait_shown(host, names[1])
    page.keyboard.press("Digit1")  # the palette's key 1: the one tag there is
    wait_until(lambda: caption(folder, names[1]) == "bad moody day", timeout=10,
               what="palette key 1 tagging the second image")
    for digit in range(2, 10):  # empty keys: nothing to do, and still nothing for the notebook
        page.keyboard.press(f"Digit{digit}")
    for key in ("z", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "z", "f", "f"):
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
                "Home", "End", "Space", "Shift+Enter", "c", "x", "v"):
        page.keyboard.press(key)
    wait_shown(host, names[0])
    assert page.evaluate("() => !!document.activeElement.closest('.ltw-root')")
    assert host.commands() == []

    # Esc gives the keys back: the notebook's commands act again.
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.activeElement.closest('.ltw-root')")
    for key in ("a", "d", "d", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    assert [c["command"] for c in host.commands()] == [
        "insert-cell-above", "delete-cell", "focus-next-cell", "edit-cell",
    ]
    wait_shown(host, names[0])
    assert caption(folder, names[0]) == "bad moody day"
    page.screenshot(path=str(tmp_path / "vscode-keys.png"), full_page=True)
