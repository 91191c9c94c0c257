"""Scanning a data set folder: its images, in natural order, never outside the folder."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ._files import TEMP_PREFIX, is_inside, is_stale_temp_file
from ._images import is_image_name

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> str:
    """Sort key that puts "img2" before "img10", ignoring case (digit runs padded to one width)."""
    return _DIGITS.sub(_pad_digits, name.casefold())


def _pad_digits(match: re.Match[str]) -> str:
    return match.group().rjust(32, "0")


class FoundImage(NamedTuple):
    """An image found by the scan and what the scan learned of its caption for free."""

    relative: str  # POSIX path relative to the root
    caption_exists: bool
    caption_is_link: bool
    shares_caption: bool  # another image in the folder has the same stem, so the same caption


@dataclass(frozen=True)
class ScanResult:
    """The images of a folder, and temporary files that a crashed save left behind."""

    images: list[FoundImage]
    stale_temp_files: list[Path]


def scan_images(root: Path) -> ScanResult:
    """Every image below `root` (which must be resolved), in natural order.

    Folders and files whose names start with a dot are skipped (so is the tool's own
    `.lora-tagger/`); links are followed only when they lead to a place inside `root`, and a
    folder is visited once even when links lead to it again.
    """
    found: list[FoundImage] = []
    stale: list[Path] = []
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            identity = os.stat(folder)
            key = (identity.st_dev, identity.st_ino)
            if key in visited:
                continue
            visited.add(key)
            with os.scandir(folder) as entries:
                listing = list(entries)
        except OSError:
            continue
        stale.extend(
            Path(entry.path)
            for entry in listing
            if entry.name.startswith(TEMP_PREFIX) and is_stale_temp_file(Path(entry.path))
        )
        listing = [entry for entry in listing if not entry.name.startswith(".")]
        names = {entry.name: entry for entry in listing}
        images = []
        for entry in listing:
            if entry.is_symlink() and not is_inside(root, Path(entry.path)):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link loop: listed when named like an image, and flagged then
                is_dir = False
            if is_dir:
                stack.append((Path(entry.path), f"{prefix}{entry.name}/"))
            elif is_image_name(entry.name):
                images.append(entry.name)
        stemmed = [(name, name[: name.rfind(".")]) for name in images]
        stems = Counter(stem for _, stem in stemmed)
        for name, stem in stemmed:
            caption = names.get(stem + ".txt")
            is_link = caption is not None and caption.is_symlink()
            found.append(FoundImage(f"{prefix}{name}", caption is not None, is_link,
                                    stems[stem] > 1))
    found.sort(key=lambda image: natural_key(image.relative))
    return ScanResult(found, stale)

