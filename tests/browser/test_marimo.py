"""The tagger in marimo: `marimo run` on notebooks/marimo_tagger.py (`mo.ui.anywidget`) makes
the sample data set, shows the widget, its previews load (custom messages with buffers), Next
and a typed tag work, the caption is on disk, and the notebook's reactive cell follows the
widget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hostharness import MarimoServer, browse_and_tag
from labharness import wait_until

pytestmark = pytest.mark.browser

NOTEBOOK = "marimo_tagger.py"
STATE_LINE = re.compile(r"Image (\d+) of (\d+): (\d+) tagged")


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory):
    server = MarimoServer(tmp_path_factory.mktemp("marimo"), NOTEBOOK)
    server.copy_notebook(NOTEBOOK)
    server.start()
    yield server
    server.stop()


def test_the_tagger_works_in_marimo(marimo_app, page, tmp_path: Path) -> None:
    page.goto(marimo_app.url, wait_until="domcontentloaded")
    state_line = page.get_by_text(STATE_LINE)
    state_line.wait_for(timeout=60_000)
    image, count, tagged = map(int, STATE_LINE.search(state_line.inner_text()).groups())
    assert image == 1

    root_dir = marimo_app.root_dir / "sample_data"
    browse_and_tag(page, root_dir, "marimo tag", tmp_path, "marimo")

    # The cell fed by the widget's `observe` follows Next and the new tag.
    expected = f"Image 2 of {count}: {tagged + 1} tagged"
    wait_until(
        lambda: expected in state_line.inner_text(), timeout=30, what=f"the cell to say {expected}"
    )
    page.screenshot(path=str(tmp_path / "marimo-page.png"), full_page=True)
