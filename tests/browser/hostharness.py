"""marimo and Voila servers for browser tests, and the steps every host must pass.

`MarimoServer` runs `marimo run` and `VoilaServer` runs Voila on a folder, each on a free port
of 127.0.0.1 with no token, its home and Jupyter dirs in a temp dir (labharness.JupyterServer's
recipe) and the rest of the parent environment, PYTHONPATH included, passed through: a helper's
run tests its worktree's code, CI the installed package. `browse_and_tag` is what a person does
in any host: see the preview, go to the next image, type a tag and find it in the caption file.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from labharness import JupyterServer, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


class _HostServer(JupyterServer):
    """A JupyterServer serving `root_dir` with another command; stopped by signal (these
    servers have no shutdown API)."""

    def env(self) -> dict[str, str]:
        env = super().env()
        if os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        return env

    def copy_notebook(self, name: str) -> Path:
        """Copy notebooks/<name> into root_dir (its sample data set is made next to it)."""
        self.root_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(NOTEBOOKS / name, self.root_dir / name))

    def stop(self) -> None:
        self._kill()


class MarimoServer(_HostServer):
    """`marimo run` (the app view) or `marimo edit --headless` (the editor, set to run every
    cell on open) on root_dir's copy of `notebook`."""

    ready_path = "/health"

    def __init__(self, base: Path, notebook: str, mode: str = "run"):
        super().__init__(base)
        self.notebook = notebook
        self.mode = mode

    def env(self) -> dict[str, str]:
        return {**super().env(), "MARIMO_SKIP_UPDATE_CHECK": "1"}

    def _prepare(self) -> None:
        super()._prepare()
        # The editor opens a notebook without running it unless told to.
        config = self.home / ".config" / "marimo" / "marimo.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("[runtime]\nauto_instantiate = true\n", encoding="utf-8")

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "marimo",
            self.mode,
            str(self.root_dir / self.notebook),
            "--headless",
            "--host=127.0.0.1",
            f"--port={self.port}",
            "--no-token",
            "--no-sandbox",
        ]


class VoilaServer(_HostServer):
    """Voila serving root_dir (its notebooks at `/voila/render/<name>`); kernels are this
    Python (the kernelspec labharness writes)."""

    ready_path = "/"

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "voila",
            str(self.root_dir),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--port={self.port}",
            "--Voila.port_retries=0",
        ]


def wait_shown_in(widget: Locator, name: str, timeout: float = 30) -> None:
    """labharness.wait_shown for one widget root (a Locator), also inside a shadow root, where
    marimo renders widgets and `document.querySelectorAll` does not reach."""
    widget.page.wait_for_function(
        "([root, n]) => [...root.querySelectorAll('img.ltw-img')]"
        ".some(i => i.alt === n && !i.hidden && i.complete && i.naturalWidth > 0)"
        " && root.querySelector('.ltw-name')?.textContent === n",
        arg=[widget.element_handle(), name],
        timeout=timeout * 1000,
    )


def browse_and_tag(page: Page, root_dir: Path, tag: str, folder: Path, host: str) -> None:
    """In the tagger on `page` (data set `root_dir`): the preview loads, Next shows the next
    image, a typed tag reaches that image's caption file. Screenshots go to
    folder/<host>-*.png."""
    widget = page.locator(".ltw-root").first
    widget.wait_for(state="visible", timeout=60_000)
    name = page.locator(".ltw-root .ltw-name").first
    wait_until(lambda: name.inner_text().strip() != "", timeout=60, what="the first image's name")
    first = name.inner_text()
    wait_shown_in(widget, first, timeout=60)
    # The preview came by request and reply (a custom message with a binary buffer).
    img = widget.locator("img.ltw-img:not([hidden])").first
    assert img.evaluate("(i) => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0")
    widget.screenshot(path=str(folder / f"{host}-tagger.png"))

    widget.get_by_role("button", name="Next image", exact=True).click()
    wait_until(lambda: name.inner_text() != first, timeout=30, what="Next to show another image")
    second = name.inner_text()
    wait_shown_in(widget, second)
    caption = (root_dir / second).with_suffix(".txt")
    assert not caption.exists(), f"{caption} should start uncaptioned"

    add = widget.get_by_role("textbox", name="Add tag")
    add.fill(tag)
    add.press("Enter")
    widget.get_by_role("button", name=f"Remove tag {tag}").wait_for()
    wait_until(
        lambda: caption.exists() and caption.read_text(encoding="utf-8") == tag,
        timeout=10,
        what="the typed tag saved to the caption file",
    )
    widget.screenshot(path=str(folder / f"{host}-tagged.png"))
