"""Writing small real image files for tests."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def write_image(path: Path, size: tuple[int, int] = (64, 48), color: str = "steelblue",
                **save_options: object) -> Path:
    """Write a small real image to `path` (format from its extension)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, **save_options)
    return path
