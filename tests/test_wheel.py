"""A wheel built from the sources (as a fresh clone has them) carries the bundled front end, and
once installed in a fresh virtual environment it imports from there, core, app layer and widget."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUNDLE = ("lora_tagger_widget/static/widget.js", "lora_tagger_widget/static/widget.css")
SKIP_DIRS = {
    ".git",
    "node_modules",
    "static",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
    ".venv",
    ".ipynb_checkpoints",
}


def _source_files(repo: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a clone of the work tree would hold."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()]
    return [f for f in files if not SKIP_DIRS.intersection(Path(f).parts) and (repo / f).is_file()]


IMPORT_FROM_THE_WHEEL = """
import sys
from pathlib import Path
import lora_tagger_widget
from lora_tagger_widget import Dataset, TaggerWidget
import lora_tagger_widget.app.messages, lora_tagger_widget.core.dataset
package = Path(lora_tagger_widget.__file__).resolve().parent
assert package.is_relative_to(Path(sys.prefix).resolve()), package
from lora_tagger_widget.widget import STATIC
assert TaggerWidget.__module__ == "lora_tagger_widget.widget"
assert STATIC.resolve() == package / "static"
assert (package / "static" / "widget.js").stat().st_size > 0
print(package)
"""


def _install_and_import(wheel: Path, venv: Path) -> str:
    """Install `wheel` alone into a fresh venv (the dependencies come from this Python's site
    packages) and import it there, away from the sources; what it printed."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300, env=env)
    assert install.returncode == 0, f"install failed:\n{install.stdout}\n{install.stderr}"
    done = subprocess.run([str(python), "-c", IMPORT_FROM_THE_WHEEL], capture_output=True,
                          text=True, timeout=300, env=env, cwd=venv)
    assert done.returncode == 0, f"import from the wheel failed:\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_wheel_contains_bundled_js_and_installs_and_imports(tmp_path):
    src = tmp_path / "src"
    for rel in _source_files(REPO):
        dest = src / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest)
    assert (src / "pyproject.toml").is_file()
    assert not (src / "lora_tagger_widget" / "static").exists()  # so the JS build really runs
    # Reuse installed npm packages if there are any (npm install is then a quick no-op).
    if (REPO / "js" / "node_modules").is_dir():
        shutil.copytree(REPO / "js" / "node_modules", src / "js" / "node_modules", symlinks=True)

    out = tmp_path / "wheelhouse"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, (
        f"wheel build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    wheels = list(out.glob("lora_tagger_widget-*.whl"))
    assert len(wheels) == 1, wheels

    with zipfile.ZipFile(wheels[0]) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
        missing = [name for name in BUNDLE if name not in sizes]
        assert not missing, f"not in the wheel: {missing}; it holds {sorted(sizes)}"
        empty = [name for name in BUNDLE if sizes[name] == 0]
        assert not empty, f"empty in the wheel: {empty}"
        js = zf.read(BUNDLE[0]).decode()
    assert "export" in js, "widget.js is not an ES module"
    installed = _install_and_import(wheels[0], tmp_path / "venv")
    assert str((tmp_path / "venv").resolve()) in installed
