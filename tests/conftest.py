"""Shared fixtures: small real data sets in temporary folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imagefiles import write_image


@pytest.fixture
def make_set(tmp_path: Path) -> Callable[..., Path]:
    """Make a data set folder: `make_set({"a.jpg": "tag1, tag2", "b.png": None})`.

    A caption of None means no caption file; bytes are written as they are.
    """

    def make(files: dict[str, str | bytes | None], folder: str = "imgs") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, caption in files.items():
            image = write_image(root / name)
            if isinstance(caption, bytes):
                image.with_suffix(".txt").write_bytes(caption)
            elif caption is not None:
                image.with_suffix(".txt").write_bytes(caption.encode("utf-8"))
        return root

    return make
