"""The tagger in Voila: Voila renders a copy of notebooks/quickstart.ipynb (it makes its sample
data set next to the copy and runs every cell), the widget shows, its previews load (custom
messages with buffers), Next and a typed tag work, and the caption is on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostharness import VoilaServer, browse_and_tag

pytestmark = pytest.mark.browser

NOTEBOOK = "quickstart.ipynb"


@pytest.fixture(scope="module")
def voila_app(tmp_path_factory):
    server = VoilaServer(tmp_path_factory.mktemp("voila"))
    server.copy_notebook(NOTEBOOK)
    server.start()
    yield server
    server.stop()


def test_the_tagger_works_in_voila(voila_app, page, tmp_path: Path) -> None:
    page.goto(f"{voila_app.url}/voila/render/{NOTEBOOK}", wait_until="domcontentloaded")
    browse_and_tag(page, voila_app.root_dir / "sample_data", "voila tag", tmp_path, "voila")
    page.screenshot(path=str(tmp_path / "voila-page.png"), full_page=True)
