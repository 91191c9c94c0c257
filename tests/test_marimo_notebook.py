"""notebooks/marimo_tagger.py without a browser: marimo's own check finds nothing to say, and
run as a script (as `python marimo_tagger.py` runs a marimo notebook) every cell runs and the
sample data set is made next to it. tests/browser/test_marimo.py drives it in marimo itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("marimo")
pytestmark = pytest.mark.slow  # about 10 s each: marimo's import and the sample set

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "marimo_tagger.py"


def _run(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        MARIMO_SKIP_UPDATE_CHECK="1",
    )
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_marimo_finds_nothing_to_say_about_the_notebook(tmp_path: Path) -> None:
    done = _run(["-m", "marimo", "check", "--strict", str(NOTEBOOK)], tmp_path, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_notebook_runs_as_a_script_and_makes_the_sample_set(tmp_path: Path) -> None:
    copy = Path(shutil.copy2(NOTEBOOK, tmp_path / NOTEBOOK.name))
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    done = _run([str(copy)], elsewhere, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    sample = tmp_path / "sample_data"
    assert len(list(sample.glob("*.txt"))) >= 5  # next to the notebook, not in the cwd
    assert not (elsewhere / "sample_data").exists()
