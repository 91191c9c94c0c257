"""A real JupyterLab driven by headless Chromium, for browser tests.

`JupyterServer` starts and stops one `jupyter lab` on a free port with everything in temp dirs;
`Lab` drives one Playwright page of it: write a notebook, open it, run it, edit it from a new cell,
switch themes, save, shut the kernel down and reopen, take screenshots.

The recipe and its pitfalls are in shared/BROWSER-TESTS.md; this module follows it. (Not named
`jupyter.py`: jupyter_core installs a top-level `jupyter` module that would clash.)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LTW_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
KERNEL_IDLE_TEXT = "(ipykernel) | Idle"

# JupyterLab user settings written into the temp settings dir (pitfalls 2 and 3).
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
        # Keep every cell in the DOM: with virtual scrolling an off-screen output is not there.
        "windowingMode": "none",
    },
    # No extension manager (it would ask PyPI) and no "save changes?" surprises.
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")



def wait_until(check: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    """Poll `check` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def press_on(target, key: str, timeout: float = 15) -> None:
    """Focus `target` (a Locator), wait until the focus has stayed on it for 0.1 s, then press
    `key`. A notebook cell that has just run can take the focus back a moment after focus()."""
    held = "(el) => el === el.getRootNode().activeElement"

    def steady() -> bool:
        target.focus()
        if not target.evaluate(held):
            return False
        time.sleep(0.1)
        return target.evaluate(held)

    wait_until(steady, timeout, what=f"the focus to stay on {target} before {key}")
    target.page.keyboard.press(key)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method: str, url: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


class JupyterServer:
    """One `jupyter lab` on 127.0.0.1, isolated in `base` (a temp dir). Use start()/stop()."""

    ready_path = "/api/status"  # answers 200 once the server is up

    def __init__(self, base: Path):
        self.base = Path(base)
        self.root_dir = self.base / "root"
        self.home = self.base / "home"
        self.config_dir = self.base / "config"
        self.data_dir = self.base / "data"
        self.runtime_dir = self.base / "runtime"
        self.ipython_dir = self.base / "ipython"
        self.settings_dir = self.base / "settings"
        self.workspaces_dir = self.base / "workspaces"
        self.log_path = self.base / "jupyter.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10):
        """Call the REST API (`path` like "/api/sessions"); returns (status, parsed json)."""
        return _http(method, self.url + path, body, timeout)

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "JPY_", "IPYTHON")) and k != "PYTHONPATH"
        }
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_DATA_DIR=str(self.data_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            IPYTHONDIR=str(self.ipython_dir),
            JUPYTER_PLATFORM_DIRS="1",
            # Our temp data dir (with its python3 kernelspec) before the environment's.
            JUPYTER_PREFER_ENV_PATH="0",
            PYDEVD_DISABLE_FILE_VALIDATION="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def _prepare(self) -> None:
        for d in (
            self.root_dir,
            self.home,
            self.config_dir,
            self.data_dir,
            self.runtime_dir,
            self.ipython_dir,
            self.settings_dir,
            self.workspaces_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)
        for rel, value in USER_SETTINGS.items():
            p = self.settings_dir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value, indent=2))
        # No "build recommended" check (slow, and its dialog could cover the page).
        labconfig = self.config_dir / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"buildCheck": False, "buildAvailable": False})
        )
        # The kernel is this very Python, so the package installed here is importable.
        spec_dir = self.data_dir / "kernels" / "python3"
        spec_dir.mkdir(parents=True, exist_ok=True)
        (spec_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                    "metadata": {"debugger": True},
                },
                indent=2,
            )
        )

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--LabApp.workspaces_dir={self.workspaces_dir}",
            f"--LabApp.user_settings_dir={self.settings_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class="
            "jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
        ]

    def start(self, timeout: float = 90, attempts: int = 3) -> JupyterServer:
        self._prepare()
        last = ""
        for _ in range(attempts):  # a free port can be taken between bind and listen
            self.port = free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process
            self.proc = subprocess.Popen(
                self._command(),
                cwd=self.root_dir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if self.api("GET", self.ready_path, timeout=2)[0] == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.1)
            last = self.log_tail()
            self._kill()
        raise RuntimeError(f"{type(self).__name__} did not start; log tail:\n{last}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def _kill(self) -> None:
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(wait)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.api("POST", "/api/shutdown", timeout=5)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(15)
        self._kill()
        # Stray kernels of the server's process group (started with start_new_session).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None


def write_notebook(path: Path, cells: Iterable[str]) -> Path:
    """Write a notebook of code cells (sources) with the python3 kernelspec (pitfall 3)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# JS that every helper below evaluates first: finds the notebook panel of a path, activates it.
_JS_PANEL = """
(path) => {
  const app = window.jupyterapp;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.widgets) {
      if (app.shell.currentWidget !== w) app.shell.activateById(w.id);
      return w;
    }
  }
  throw new Error('notebook not open: ' + path);
}
"""

_JS_OUTPUTS = """
(cell) => {
  const outs = cell.model.outputs ? cell.model.outputs.toJSON() : [];
  return outs;
}
"""


def _js(body: str) -> str:
    """Wrap `body` (uses `panel`, `nb`, `app`, `outputs(cell)`, `arg`) as `async ([path, arg])`."""
    return (
        "async ([path, arg]) => {"
        f" const findPanel = {_JS_PANEL}; const outputs = {_JS_OUTPUTS};"
        " const app = window.jupyterapp; const panel = findPanel(path); const nb = panel.content;"
        " const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) =>"
        "   setTimeout(() => rej(new Error('timed out: ' + what)), ms))]);"
        f" {body} }}"
    )


def _format_error(outs: list[dict]) -> str:
    parts = []
    for o in outs:
        if o.get("output_type") == "error":
            tb = "\n".join(o.get("traceback") or [])
            parts.append(_ANSI.sub("", tb) or f"{o.get('ename')}: {o.get('evalue')}")
        elif o.get("output_type") == "stream" and o.get("name") == "stderr":
            parts.append(_ANSI.sub("", o.get("text", "")))
    return "\n".join(parts)


def outputs_text(outs: list[dict]) -> str:
    """stdout, text/plain results and error text of a cell's outputs, joined."""
    parts = []
    for o in outs:
        t = o.get("output_type")
        if t == "stream":
            parts.append(o.get("text", ""))
        elif t in ("execute_result", "display_data"):
            parts.append((o.get("data") or {}).get("text/plain", ""))
        elif t == "error":
            parts.append(_format_error([o]))
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts if p)


def _timed(fn):
    """Record (step, seconds) of public Lab steps in `Lab.timings` (printed on failure)."""
    import functools

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        t0 = time.monotonic()
        try:
            return fn(self, *args, **kwargs)
        finally:
            self.timings.append((fn.__name__, round(time.monotonic() - t0, 2)))

    return wrapper


class CellError(AssertionError):
    """A notebook cell raised; the message holds the traceback."""


class Lab:
    """Drives one JupyterLab page. Paths are relative to the server's root_dir.

    `workdir` is this test's own folder inside root_dir: notebooks go there and the kernel's cwd
    is the notebook's folder, so relative paths like "./imgs" in cells mean `workdir / "imgs"`.
    """

    def __init__(self, page, server: JupyterServer, workdir: Path, timeout: float = 60):
        self.page = page
        self.server = server
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.path: str | None = None  # the notebook the helpers act on (last opened)
        self.timings: list[tuple[str, float]] = []

    # ---- files -------------------------------------------------------------------------------
    def _rel(self, name: str) -> str:
        if not name.endswith(".ipynb"):
            name += ".ipynb"
        return (self.workdir / name).relative_to(self.server.root_dir).as_posix()

    def write_notebook(self, name: str, cells: Iterable[str]) -> Path:
        """Write `workdir/<name>.ipynb` from code-cell sources; returns its path."""
        return write_notebook(self.server.root_dir / self._rel(name), cells)

    def read_notebook(self, name: str | None = None):
        """The notebook as saved on disk (nbformat node)."""
        import nbformat

        rel = self._rel(name) if name else self.path
        return nbformat.read(str(self.server.root_dir / rel), as_version=4)

    # ---- opening and kernels -----------------------------------------------------------------
    @_timed
    def _start_session(self, timeout: float | None) -> None:
        """Create the notebook's session (kernel python3) by REST."""
        st, body = self.server.api(
            "POST",
            "/api/sessions",
            {
                "path": self.path,
                "name": Path(self.path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
            timeout=self._ms(timeout) / 1000,
        )
        assert st == 201, (st, body)

    def open(self, name: str, timeout: float | None = None, prestart_kernel: bool = True) -> None:
        """Open `/lab/tree/<name>.ipynb?reset` and wait until its kernel is idle.

        With prestart_kernel the notebook's session (kernel python3) is created by REST first, so
        the kernel boots while the page loads and the page attaches to it (about 1 s faster).
        """
        self.path = self._rel(name)
        if prestart_kernel:
            self._start_session(timeout)
        self.page.goto(
            f"{self.server.url}/lab/tree/{self.path}?reset", wait_until="domcontentloaded"
        )
        try:
            self.page.wait_for_function(
                "(p) => { if (!window.jupyterapp || !window.jupyterapp.shell) return false;"
                " for (const w of window.jupyterapp.shell.widgets('main'))"
                " { if (w.context && w.context.path === p) return true; } return false; }",
                arg=self.path,
                timeout=self._ms(timeout),
            )
            self.wait_kernel_idle(timeout)
        except Exception as e:
            raise AssertionError(f"opening {self.path} failed: {e}\n{self.diagnose()}") from e

    def diagnose(self) -> str:
        """What may block the page: visible dialogs, the status bar, the server log's tail."""
        try:
            info = self.page.evaluate(
                "() => ({dialogs: [...document.querySelectorAll('.jp-Dialog')]"
                ".map(d => d.innerText.slice(0, 300)), status: [...document.querySelectorAll("
                "'.jp-StatusBar-TextItem')].map(e => e.innerText)})"
            )
        except Exception as e:
            info = f"page not readable: {e}"
        return f"page: {info}\nserver log tail:\n{self.server.log_tail(25)}"

    def wait_kernel_idle(self, timeout: float | None = None) -> None:
        """Wait for the status bar's `(ipykernel) | Idle` and the session's kernel being idle."""
        self.page.get_by_text(KERNEL_IDLE_TEXT).first.wait_for(timeout=self._ms(timeout))
        self.page.wait_for_function(
            _js_sync(
                "const s = panel.sessionContext.session; const k = s && s.kernel;"
                " return !!k && k.status === 'idle' && k.connectionStatus === 'connected';"
            ),
            arg=[self.path, None],
            timeout=self._ms(timeout),
        )

    def open_and_run(self, name: str, cells: Iterable[str], timeout: float | None = None) -> None:
        """write_notebook + open + run_all."""
        self.write_notebook(name, cells)
        self.open(name, timeout)
        self.run_all(timeout)

    @_timed
    def run_all(self, timeout: float | None = None) -> None:
        """Run all cells (`notebook:run-all-cells`), wait for them; CellError if one raised."""
        res = self._eval(
            "const ok = await withTimeout(app.commands.execute('notebook:run-all-cells'),"
            " arg, 'run all cells');"
            " const errs = nb.widgets.filter(c => c.model.type === 'code')"
            "  .map(c => outputs(c)).filter(o => o.some(x => x.output_type === 'error'));"
            " const pending = nb.widgets.filter(c => c.model.type === 'code'"
            "  && c.model.executionCount === null"
            "  && c.model.sharedModel.getSource().trim()).length;"
            " return {ok, errs, pending};",
            self._ms(timeout),
        )
        if res["errs"]:
            raise CellError("a cell raised:\n" + "\n\n".join(_format_error(o) for o in res["errs"]))
        if not res["ok"] or res["pending"]:
            raise CellError(f"run all did not run every cell: {res}")

    @_timed
    def run_cell(self, source: str, timeout: float | None = None) -> str:
        """Append a code cell with `source` at the end, run it, wait; returns its text output.

        Raises CellError if it raised. Use it to edit from Python and then assert the view.
        """
        res = self._eval(
            "nb.activeCellIndex = nb.widgets.length - 1; nb.deselectAll();"
            " await app.commands.execute('notebook:insert-cell-below');"
            " if (nb.activeCell.model.type !== 'code')"
            "   await app.commands.execute('notebook:change-cell-to-code');"
            " const cell = nb.activeCell; cell.model.sharedModel.setSource(arg.src);"
            " const ok = await withTimeout(app.commands.execute('notebook:run-cell'),"
            " arg.ms, 'run cell');"
            " return {ok, outs: outputs(cell), count: cell.model.executionCount};",
            {"src": source, "ms": self._ms(timeout)},
        )
        if any(o.get("output_type") == "error" for o in res["outs"]):
            raise CellError("cell raised:\n" + _format_error(res["outs"]))
        if not res["ok"] or res["count"] is None:
            raise CellError(f"cell did not run: {res}")
        return outputs_text(res["outs"])

    def start_cell(self, source: str) -> None:
        """Append a code cell with `source` and start running it without waiting (e.g. to keep
        the kernel busy while the test acts in the page)."""
        self._eval(
            "nb.activeCellIndex = nb.widgets.length - 1; nb.deselectAll();"
            " await app.commands.execute('notebook:insert-cell-below');"
            " if (nb.activeCell.model.type !== 'code')"
            "   await app.commands.execute('notebook:change-cell-to-code');"
            " nb.activeCell.model.sharedModel.setSource(arg.src);"
            " app.commands.execute('notebook:run-cell'); return true;",
            {"src": source},
        )

    @_timed
    def save(self, timeout: float | None = None) -> None:
        """`docmanager:save` and wait until the document is clean."""
        self._eval(
            "await withTimeout(app.commands.execute('docmanager:save'), arg, 'save'); return true;",
            self._ms(timeout),
        )
        self.page.wait_for_function(
            _js_sync("return !panel.context.model.dirty;"),
            arg=[self.path, None],
            timeout=self._ms(timeout),
        )

    @_timed
    def shutdown_kernel(self, timeout: float | None = None) -> None:
        """Delete every server session of this notebook (its kernel stops) via REST."""
        status, sessions = self.server.api("GET", "/api/sessions")
        assert status == 200, sessions
        for s in sessions:
            if s.get("path") == self.path:
                st, body = self.server.api(
                    "DELETE",
                    f"/api/sessions/{s['id']}",
                    timeout=self.timeout if timeout is None else timeout,
                )
                assert st == 204, (st, body)

    @_timed
    def reopen(self, run_all: bool = True, save: bool = True, timeout: float | None = None):
        """Save, leave the page, shut the kernel down, open the notebook again (new kernel),
        and run all cells: what a person does the next day."""
        path = self.path
        assert path, "open a notebook first"
        if save:
            self.save(timeout)
        self.page.goto("about:blank")
        self.shutdown_kernel(timeout)
        self.open(
            Path(path).relative_to(self.workdir.relative_to(self.server.root_dir)).as_posix(),
            timeout,
        )
        if run_all:
            self.run_all(timeout)

    # ---- view ----------------------------------------------------------------------------------
    @_timed
    def output(self, selector: str, timeout: float | None = None):
        """Wait for `selector` inside a cell output of the open notebook; returns its Locator
        (all matches; use .first/.nth(i) when there are several)."""
        loc = self.page.locator(
            f".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output {selector}"
        )
        loc.first.wait_for(state="visible", timeout=self._ms(timeout))
        return loc

    def cell_output(self, index: int):
        """Locator of the output area of code/markdown cell `index` (0-based; negative ok)."""
        cells = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        cell = cells.nth(index) if index >= 0 else cells.nth(cells.count() + index)
        return cell.locator(".jp-OutputArea")

    @_timed
    def set_theme(self, theme: str, timeout: float | None = None) -> None:
        """'light', 'dark' or a full theme name; waits until the theme is applied."""
        name = THEMES.get(theme, theme)
        self.page.evaluate(
            "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name
        )
        self.page.wait_for_function(
            "(t) => document.body.dataset.jpThemeName === t", arg=name, timeout=self._ms(timeout)
        )

    @_timed
    def screenshot(self, target, folder: Path, name: str) -> Path:
        """Screenshot `target` (a selector or Locator; None = whole page) to folder/name(.png)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name if name.endswith(".png") else name + ".png")
        if target is None:
            self.page.screenshot(path=str(path), full_page=True)
        else:
            loc = self.page.locator(target).first if isinstance(target, str) else target
            loc.screenshot(path=str(path), timeout=self._ms(None))
        return path

    # ---- internals -----------------------------------------------------------------------------
    def _ms(self, timeout: float | None) -> float:
        return (self.timeout if timeout is None else timeout) * 1000

    def _eval(self, body: str, arg: Any = None):
        assert self.path, "open a notebook first"
        return self.page.evaluate(_js(body), [self.path, arg])



def wait_shown(lab: Lab, name: str, timeout: float = 30, confirmed: bool = True) -> None:
    """Wait until the tagger's preview shows image `name` (its alt text, compared exactly),
    loaded, and (`confirmed`) Python has made it the current image: the header names it. The
    preview may show a prefetched image before Python answers "Next"."""
    lab.page.wait_for_function(
        "([n, confirmed]) => [...document.querySelectorAll('.ltw-root')].some(root =>"
        " [...root.querySelectorAll('img.ltw-img')]"
        ".some(i => i.alt === n && !i.hidden && i.complete && i.naturalWidth > 0)"
        " && (!confirmed || root.querySelector('.ltw-name')?.textContent === n))",
        arg=[name, confirmed],
        timeout=timeout * 1000,
    )


def _js_sync(body: str) -> str:
    return (
        "([path, arg]) => { try {"
        f" const panel = ({_JS_PANEL})(path);"
        f" {body} }} catch (e) {{ return false; }} }}"
    )


def launch_browser(playwright, home: Path):
    """Chromium with the recipe's arguments and a fresh profile environment under `home`."""
    home = Path(home)
    for d in ("", ".config", ".cache"):
        (home / d).mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env, headless=True
    )


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None
