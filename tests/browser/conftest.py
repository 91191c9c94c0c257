"""Fixtures for browser tests: one JupyterLab server and one Chromium per session, a fresh
context/page per test, and `lab` (a labharness.Lab on that page). See labharness.py."""

from __future__ import annotations

import os
import re
import time

import pytest

from labharness import JupyterServer, Lab, chromium_available, launch_browser

# Everything that is not the local server is aborted (pitfall 6); websockets are not routed.
_NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def _test_failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory):
    """A running JupyterServer (`.url`, `.root_dir`, `.api(method, path, body)`)."""
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"))
    t0 = time.monotonic()
    server.start()
    server.startup_seconds = time.monotonic() - t0
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Debian Chromium via Playwright (session-scoped)."""
    if not chromium_available():
        msg = "Chromium not found (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_browser(pw, tmp_path_factory.mktemp("chromium-home"))
        yield b
        b.close()


@pytest.fixture
def page(browser, request, tmp_path):
    """A page in a fresh context that reaches 127.0.0.1 only. On failure, a screenshot and the
    browser console are saved as tmp_path/failure.png and tmp_path/console.log."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.route(_NOT_LOCAL, lambda route: route.abort())
    pg = context.new_page()
    console: list[str] = []
    pg.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    pg.on("dialog", lambda d: d.accept())  # e.g. beforeunload on reload
    pg.console_messages_log = console
    yield pg
    if _test_failed(request.node):
        try:
            shot = tmp_path / "failure.png"
            pg.screenshot(path=str(shot), full_page=True, timeout=10_000)
            print(f"\nscreenshot of the failure: {shot}")
        except Exception as e:  # the page may be gone
            print(f"\nno failure screenshot: {e}")
        (tmp_path / "console.log").write_text("\n".join(console))
        errors = [c for c in console if c.startswith(("[error]", "[pageerror]"))]
        if errors:
            print("browser console errors:\n" + "\n".join(errors[-30:]))
    context.close()


@pytest.fixture
def lab(page, jupyter_server, request):
    """A labharness.Lab on `page`; its `workdir` is this test's own folder in the server root."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:80]
    workdir = jupyter_server.root_dir / name
    n = 1
    while workdir.exists():
        n += 1
        workdir = jupyter_server.root_dir / f"{name}-{n}"
    lab = Lab(page, jupyter_server, workdir)
    yield lab
    if _test_failed(request.node) or os.environ.get("LTW_TIMINGS"):
        print(f"\nlab steps (s): {lab.timings}")
