"""Scanning a data set folder: its images, in natural order, never outside the folder."""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .files import TEMP_PREFIX, is_inside, is_stale_temp_file
from .images import is_image_name

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
    caption_is_plain: bool  # a regular file, not a link: read without further checks
    # another image has the same caption: the same stem in the folder, or the caption is a link
    # to a file of the data set, or one that such a link leads to (hard links show at reading)
    shares_caption: bool


@dataclass(frozen=True)
class ScanResult:
    """The images of a folder, and temporary files that a crashed save left behind."""

    images: list[FoundImage]
    stale_temp_files: list[Path]


def scan_images(root: Path) -> ScanResult:
    """Every image below `root` (which must be resolved), in natural order.

    Folders and files whose names start with a dot are skipped (so is the tool's own
    `.lora-tagger/`); links are followed only when they lead to a place inside `root`, and a
    folder is visited once even when links lead to it again. A FIFO, device or socket named like
    an image is left out: reading it would block or never end. Only names are looked at (and
    links resolved), so no caption costs a system call here.
    """
    found: list[FoundImage] = []
    linked_to: set[str] = set()  # the real paths that caption links inside the root lead to
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
            elif is_image_name(entry.name) and _may_be_image(entry):
                images.append(entry.name)
        stemmed = [(name, name[: name.rfind(".")]) for name in images]
        stems = Counter(stem for _, stem in stemmed)
        for name, stem in stemmed:
            caption = names.get(stem + ".txt")
            if caption is None:
                found.append(FoundImage(f"{prefix}{name}", False, False, stems[stem] > 1))
                continue
            linked = caption.is_symlink() and is_inside(root, Path(caption.path))
            if linked:
                linked_to.add(os.path.realpath(caption.path))
            found.append(FoundImage(f"{prefix}{name}", True, caption.is_file(follow_symlinks=False),
                                    stems[stem] > 1 or linked))
    if linked_to:
        found = [_linked_to(image, root, linked_to) for image in found]
    found.sort(key=lambda image: natural_key(image.relative))
    return ScanResult(found, stale)


def _may_be_image(entry: os.DirEntry[str]) -> bool:
    """Whether an entry named like an image may be opened as one: a regular file, or a link to
    one, or a link that leads nowhere (listed, and flagged as unreadable then)."""
    if not entry.is_symlink():
        return entry.is_file(follow_symlinks=False)
    try:
        return stat.S_ISREG(entry.stat().st_mode)
    except OSError:  # a loop, or nothing there
        return True


def _linked_to(image: FoundImage, root: Path, linked_to: set[str]) -> FoundImage:
    """`image`, marked as sharing its caption when a caption link leads to its caption file."""
    if image.shares_caption or not image.caption_is_plain:
        return image
    caption = os.path.join(root, image.relative[: image.relative.rfind(".")] + ".txt")
    return image._replace(shares_caption=True) if caption in linked_to else image

