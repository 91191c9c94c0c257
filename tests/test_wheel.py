"""A wheel built from the sources (as a fresh clone has them) carries the bundled front end."""

from __future__ import annotations

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


@pytest.mark.slow
def test_wheel_contains_bundled_js(tmp_path):
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
