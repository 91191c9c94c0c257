"""How much may come into a data set from elsewhere: bytes a file, a batch, a chunk, a zip
unpacked, and the free disk space left after it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .uploadnames import UploadError

MB = 1024 * 1024
MAX_CHUNK = 8 * MB
MAX_CAPTION_BYTES = 1 * MB
MAX_BATCH_FILES = 10_000
DISK_MARGIN = 64 * MB  # free space left on the disk after an upload


@dataclass(frozen=True)
class UploadLimits:
    """How much may come in: `max_file` bytes a file (a zip's members too), `max_batch` bytes
    a batch, and for a zip at most `max_members` members, `max_unzipped` bytes unpacked and
    members compressed at most `max_ratio` to 1."""

    max_file: int = 200 * MB
    max_batch: int = 4096 * MB
    max_members: int = 5_000
    max_unzipped: int = 4096 * MB
    max_ratio: int = 100

    def __post_init__(self) -> None:
        for name in ("max_file", "max_batch", "max_members", "max_unzipped", "max_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Upload limit {name} must be a positive whole number.")

    def largest(self, kind: str) -> int:
        """The most bytes a file of `kind` ("image", "caption", "zip") may hold."""
        return MAX_CAPTION_BYTES if kind == "caption" else self.max_file


def check_space(root: Path, size: int) -> None:
    """`UploadError` unless `size` bytes fit on the disk of `root` with a margin to spare."""
    free = shutil.disk_usage(root).free
    if size + DISK_MARGIN > free:
        raise UploadError(f"Not enough free disk space: {size_text(size)} needed and "
                          f"{size_text(DISK_MARGIN)} kept spare, {size_text(free)} free.")


def size_text(size: int) -> str:
    """A number of bytes as a reason says it: "3.5 MB" or "1,000 bytes"."""
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} bytes"
