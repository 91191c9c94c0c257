"""`lora-tagger ./imgs` for real: the command serves the page, prints its address with the token,
refuses a browser without the token, the page fills the window, a tag added there is on disk
after Ctrl+C, and the command exits with 0 leaving nothing behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from lora_tagger_widget import Dataset, make_sample_dataset

from labharness import wait_shown, wait_until

pytestmark = pytest.mark.browser

URL = re.compile(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+")


def isolated_env(base: Path) -> dict[str, str]:
    """The parent environment (PYTHONPATH included) with every home and Jupyter folder in `base`."""
    dirs = {name: base / name.lower() for name in (
        "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "TMPDIR")}
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update({name: str(folder) for name, folder in dirs.items()},
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    return env


def answer_to(url: str) -> tuple[int, str]:
    """The status and final address of a GET of `url`, redirects followed."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.geturl()
    except urllib.error.HTTPError as error:
        return error.code, error.geturl()


def test_the_standalone_page_tags_and_ctrl_c_saves(page, tmp_path: Path) -> None:
    imgs = make_sample_dataset(tmp_path / "imgs")
    names = [item.name for item in Dataset(imgs)]
    first_caption = (imgs / names[0]).with_suffix(".txt")
    before = first_caption.read_text(encoding="utf-8")
    env = isolated_env(tmp_path / "env")
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    # A long autosave delay: only the save on Ctrl+C can write the tag added below.
    command = [sys.executable, "-m", "lora_tagger_widget", str(imgs), "--no-browser",
               "--trigger", "ohwx", "--autosave-delay", "600"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=stderr, start_new_session=True)
    try:
        wait_until(lambda: URL.search(out.read_text()) is not None or proc.poll() is not None,
                   timeout=60, what="the command to print the page's address")
        found = URL.search(out.read_text())
        assert found, f"no address printed:\n{out.read_text()}\n{err.read_text()}"
        url = found.group()
        base = url.split("?")[0]

        # Without the token: the login form, and the server's API refuses.
        page.goto(base)
        page.locator("input[type=password], input[name=password]").first.wait_for()
        assert "/login" in page.url
        assert page.locator(".ltw-root").count() == 0
        for path in ("api/kernels", "api/kernelspecs", "api/contents"):
            status, where = answer_to(base + path)
            assert status == 403 or "/login" in where, (path, status, where)
        page.screenshot(path=str(tmp_path / "no-token.png"))

        console_start = len(page.console_messages_log)
        page.goto(url)
        root = page.locator(".ltw-root")
        root.wait_for(state="visible", timeout=90_000)
        assert page.title() == "imgs - lora-tagger"
        wait_shown(SimpleNamespace(page=page), names[0], timeout=60)
        page.wait_for_timeout(500)  # the layout settles on the first preview
        # It fills the window, at any size: no notebook chrome around it, nothing to scroll to.
        for width, height in ((1400, 1000), (1024, 640)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)  # a resize is laid out on the next frames
            page.screenshot(path=str(tmp_path / f"page-{width}x{height}.png"))
            box = root.bounding_box()
            print(f"window {width}x{height}: tagger {box['width']:.0f}x{box['height']:.0f}"
                  f" at ({box['x']:.0f}, {box['y']:.0f})")
            assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, width, height)
            assert page.evaluate("document.scrollingElement.scrollHeight") <= height
            assert root.get_by_role("button", name="Next image").is_visible()
        assert page.locator(".jp-InputArea, .jp-InputPrompt:visible").count() == 0
        kernels = psutil.Process(proc.pid).children(recursive=True)
        assert kernels, "no kernel runs the page"

        add = root.get_by_role("textbox", name="Add tag")
        add.fill("standalone tag")
        add.press("Enter")
        root.get_by_role("button", name="Remove tag standalone tag").wait_for()
        assert first_caption.read_text(encoding="utf-8") == before, "saved before the Ctrl+C"
        page.screenshot(path=str(tmp_path / "tagged.png"))

        # The page loads the widget's extensions only: no other's errors (requests that are not
        # to 127.0.0.1, Voila's fonts, are aborted on purpose).
        errors = [m for m in page.console_messages_log[console_start:]
                  if m.startswith(("[error]", "[pageerror]")) and "net::ERR_FAILED" not in m]
        assert not errors, "\n".join(errors)
        # Ctrl+C in a terminal: SIGINT to the command's whole process group.
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=120) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not [k for k in kernels if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert "standalone tag" in first_caption.read_text(encoding="utf-8").split(", ")
    assert Dataset(imgs).trigger == "ohwx"
    assert "stopped." in out.read_text()
    assert "saved 1 caption(s) on the way out" in err.read_text()
    assert not list(imgs.glob("*.ipynb")), "the notebook was written beside the images"
    assert not list(Path(env["TMPDIR"]).iterdir()), "the command left its temp folder behind"
