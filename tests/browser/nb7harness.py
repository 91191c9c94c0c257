"""Notebook 7 (the `notebook` package's `/notebooks/<path>` page) for browser tests.

The `jupyter lab` server of labharness already serves Notebook 7's pages (the `notebook` server
extension is enabled in the environment), but Notebook 7 is its own extension app with its own
settings: `--LabApp.expose_app_in_browser` does not reach it, and its user settings and workspaces
would live in the default dirs. `Notebook7Server` starts the same server with those set for the
`JupyterNotebookApp` too, so `window.jupyterapp` exists on `/notebooks/` pages and the temp user
settings of labharness (no news toast, autostarted kernel, no windowing) apply there as well.

`Notebook7` is a labharness.Lab whose `open` loads `/notebooks/<path>` instead of
`/lab/tree/<path>`; the rest (run_all, run_cell, output, ...) works unchanged because Notebook 7's
shell also holds a NotebookPanel in its 'main' area and runs the same `notebook:*` commands.
"""

from __future__ import annotations

from labharness import JupyterServer, Lab

NOTEBOOK_APP_NAME = "Jupyter Notebook"  # window.jupyterapp.name in Notebook 7 (Lab: "JupyterLab")


class Notebook7Server(JupyterServer):
    """labharness.JupyterServer with Notebook 7 configured like Lab (app exposed, temp dirs)."""

    def _command(self) -> list[str]:
        return [
            *super()._command(),
            "--JupyterNotebookApp.expose_app_in_browser=True",
            f"--JupyterNotebookApp.user_settings_dir={self.settings_dir}",
            f"--JupyterNotebookApp.workspaces_dir={self.workspaces_dir}",
        ]


class Notebook7(Lab):
    """Drives one Notebook 7 notebook page (`/notebooks/<path>`)."""

    def open(self, name: str, timeout: float | None = None, prestart_kernel: bool = True) -> None:
        """Open `/notebooks/<name>.ipynb` and wait until its kernel is idle."""
        self.path = self._rel(name)
        if prestart_kernel:
            self._start_session(timeout)
        self.page.goto(f"{self.server.url}/notebooks/{self.path}", wait_until="domcontentloaded")
        try:
            self.page.wait_for_function(
                "([p, appName]) => { const app = window.jupyterapp;"
                " if (!app || !app.shell || app.name !== appName) return false;"
                " for (const w of app.shell.widgets('main'))"
                " { if (w.context && w.context.path === p) return true; } return false; }",
                arg=[self.path, NOTEBOOK_APP_NAME],
                timeout=self._ms(timeout),
            )
            self.wait_kernel_idle(timeout)
        except Exception as e:
            raise AssertionError(f"opening {self.path} failed: {e}\n{self.diagnose()}") from e

    def wait_kernel_idle(self, timeout: float | None = None) -> None:
        """Wait until the session's kernel is connected and idle. (Notebook 7 has no status bar,
        so Lab's `(ipykernel) | Idle` text is not there; its kernel indicator sits in the top
        bar.)"""
        self.page.wait_for_function(
            "(p) => { for (const w of window.jupyterapp.shell.widgets('main')) {"
            " if (!w.context || w.context.path !== p || !w.sessionContext) continue;"
            " const s = w.sessionContext.session; const k = s && s.kernel;"
            " return !!k && k.status === 'idle' && k.connectionStatus === 'connected'; }"
            " return false; }",
            arg=self.path,
            timeout=self._ms(timeout),
        )
