"""The tagger in marimo, on notebooks/marimo_tagger.py (`mo.ui.anywidget`).

`marimo run`: the notebook makes the sample data set and shows the widget, its previews load
(custom messages with buffers), Next and a typed tag work, the caption is on disk, and the
notebook's reactive cell follows the widget. `marimo edit`: the widget lives in a shadow root
there, and focus still works: suggestions show while typing, keys typed in the widget do not
reach marimo's cell shortcuts, full screen is known as such, and Esc hands the keyboard to the
cell, where they do. Looks: marimo sets no theme variables; the widget is light or dark as
marimo's page is (its dark theme, a switch of theme), whatever the system prefers, and readable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from colours import is_dark, readable
from hostharness import MarimoServer, browse_and_tag, wait_shown_in
from labharness import wait_until

pytestmark = pytest.mark.browser

NOTEBOOK = "marimo_tagger.py"
STATE_LINE = re.compile(r"Image (\d+) of (\d+): (\d+) tagged")
CELLS = "[data-cell-id]"


class ThemedMarimo(MarimoServer):
    """A MarimoServer whose user config sets marimo's display theme ("light", "dark", "system")
    when `theme` is given (else marimo's default, light)."""

    def __init__(self, base: Path, notebook: str, mode: str, theme: str | None = None):
        super().__init__(base, notebook, mode)
        self.theme = theme

    def _prepare(self) -> None:
        super()._prepare()
        if not self.theme:
            return
        config = self.home / ".config" / "marimo" / "marimo.toml"
        with config.open("a", encoding="utf-8") as f:
            f.write(f'\n[display]\ntheme = "{self.theme}"\n')


def _serve(tmp_path_factory, mode: str, theme: str | None = None):
    server = ThemedMarimo(tmp_path_factory.mktemp(f"marimo-{mode}"), NOTEBOOK, mode, theme)
    server.copy_notebook(NOTEBOOK)
    server.start()
    return server


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory):
    server = _serve(tmp_path_factory, "run")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def marimo_dark(tmp_path_factory):
    server = _serve(tmp_path_factory, "run", theme="dark")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def marimo_editor(tmp_path_factory):
    server = _serve(tmp_path_factory, "edit")
    yield server
    server.stop()


def test_the_tagger_works_in_marimo(marimo_app, page, tmp_path: Path) -> None:
    page.goto(marimo_app.url, wait_until="domcontentloaded")
    state_line = page.get_by_text(STATE_LINE)
    state_line.wait_for(timeout=60_000)
    image, count, tagged = map(int, STATE_LINE.search(state_line.inner_text()).groups())
    assert image == 1

    browse_and_tag(page, marimo_app.root_dir / "sample_data", "marimo tag", tmp_path, "marimo")

    # The cell fed by the widget's `observe` follows Next and the new tag.
    expected = f"Image 2 of {count}: {tagged + 1} tagged"
    wait_until(
        lambda: expected in state_line.inner_text(), timeout=30, what=f"the cell to say {expected}"
    )
    page.screenshot(path=str(tmp_path / "marimo-page.png"), full_page=True)


def _focus_in(widget) -> bool:
    return widget.evaluate("(root) => root.contains(root.getRootNode().activeElement)")


def test_keys_and_focus_in_the_marimo_editor(marimo_editor, page, tmp_path: Path) -> None:
    page.goto(marimo_editor.url, wait_until="domcontentloaded")
    widget = page.locator(".ltw-root").first
    widget.wait_for(timeout=60_000)
    name = widget.locator(".ltw-name")
    wait_until(lambda: name.inner_text().strip() != "", timeout=60, what="the first image")
    wait_shown_in(widget, name.inner_text(), timeout=60)
    cells = page.locator(CELLS).count()

    # Suggestions need the widget to know its input has the focus (inside the shadow root).
    add = widget.get_by_role("textbox", name="Add tag")
    add.click()
    page.keyboard.type("smi")
    widget.get_by_role("option", name=re.compile("^smiling")).wait_for()
    widget.screenshot(path=str(tmp_path / "marimo-edit-suggestions.png"))
    add.fill("")

    # The arrows and marimo's command keys (x cuts the cell, q adds one) stay in the widget.
    widget.focus()
    first = name.inner_text()
    page.keyboard.press("ArrowRight")
    wait_until(lambda: name.inner_text() != first, timeout=30, what="ArrowRight to move")
    wait_shown_in(widget, name.inner_text())
    for key in ("x", "q"):
        page.keyboard.press(key)
    assert _focus_in(widget)

    # Full screen (F) is seen as such in the shadow root: its button says so, and Esc leaves it.
    full = widget.locator(".ltw-full-btn")
    page.keyboard.press("f")
    wait_until(lambda: full.get_attribute("aria-pressed") == "true", timeout=10, what="full screen")
    page.screenshot(path=str(tmp_path / "marimo-edit-fullscreen.png"))
    page.keyboard.press("Escape")
    wait_until(lambda: full.get_attribute("aria-pressed") == "false", timeout=10, what="Esc")
    assert _focus_in(widget)

    # Esc gives the keyboard to the widget's cell; there "b" adds a cell, so it was live above.
    page.keyboard.press("Escape")
    wait_until(lambda: not _focus_in(widget), timeout=5, what="Esc to take the focus out")
    assert page.locator(CELLS).count() == cells
    page.keyboard.press("b")
    wait_until(
        lambda: page.locator(CELLS).count() == cells + 1, timeout=10, what="b to add a cell"
    )
    page.screenshot(path=str(tmp_path / "marimo-edit.png"))


# What marimo's ThemeProvider does on a theme switch: the theme's name and "<name>-theme" as
# classes of <body>, and the name as its data-theme.
_JS_MARIMO_THEME = """(theme) => {
  const body = document.body;
  body.classList.remove("light", "light-theme", "dark", "dark-theme");
  body.classList.add(theme, `${theme}-theme`);
  body.dataset.theme = theme;
}"""


def _looks(page, tmp_path: Path, name: str) -> tuple[bool, bool, dict]:
    """(is the page dark, is the widget dark, its readable texts); a screenshot of the page."""
    widget = page.locator(".ltw-root").first
    texts = readable(widget)
    page.screenshot(path=str(tmp_path / f"marimo-{name}.png"))
    page_bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    print(name, {sel: ratio for sel, (_, _, ratio) in texts.items()})
    return is_dark(page_bg), is_dark(texts[".ltw-root"][1]), texts


def _open(page, server) -> None:
    page.goto(server.url, wait_until="domcontentloaded")
    widget = page.locator(".ltw-root").first
    widget.wait_for(state="visible", timeout=60_000)
    name = widget.locator(".ltw-name")
    wait_until(lambda: name.inner_text().strip() != "", timeout=60, what="the first image")
    wait_shown_in(widget, name.inner_text(), timeout=60)


def test_the_widget_is_dark_on_marimos_dark_theme_and_follows_a_switch(
    marimo_dark, page, tmp_path: Path
) -> None:
    page.emulate_media(color_scheme="light")
    _open(page, marimo_dark)
    assert _looks(page, tmp_path, "dark-theme")[:2] == (True, True)

    page.evaluate(_JS_MARIMO_THEME, "light")
    widget = page.locator(".ltw-root").first
    wait_until(lambda: widget.get_attribute("data-ltw-scheme") == "light", timeout=10,
               what="the widget to follow marimo's switch to light")
    assert _looks(page, tmp_path, "switched-light")[:2] == (False, False)
    page.evaluate(_JS_MARIMO_THEME, "dark")
    wait_until(lambda: widget.get_attribute("data-ltw-scheme") == "dark", timeout=10,
               what="the widget to follow marimo's switch back to dark")
    assert _looks(page, tmp_path, "switched-dark")[:2] == (True, True)


def test_the_widget_stays_light_on_marimos_light_page_when_the_system_prefers_dark(
    marimo_app, page, tmp_path: Path
) -> None:
    page.emulate_media(color_scheme="dark")
    _open(page, marimo_app)
    assert _looks(page, tmp_path, "light-theme-dark-system")[:2] == (False, False)
