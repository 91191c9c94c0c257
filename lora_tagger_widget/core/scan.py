"""Scanning a data set folder: its images, in natural order, never outside the folder."""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .files import TEMP_PREFIX, check_regular, is_inside, is_stale_temp_file
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
        images, folders = _images_and_folders(root, listing)
        stack.extend((Path(entry.path), f"{prefix}{entry.name}/") for entry in folders)
        found.extend(_found_images(root, prefix, listing, images, linked_to))
    if linked_to:
        found = [_linked_to(image, root, linked_to) for image in found]
    found.sort(key=lambda image: natural_key(image.relative))
    return ScanResult(found, stale)


def images_in_folder(root: Path, folder: str) -> list[FoundImage]:
    """The images directly in `folder` (POSIX, relative to `root`; "" for the root itself), as
    `scan_images` finds them, in no particular order; but a caption link in another folder does
    not mark an image here as sharing its caption. `OSError` when it cannot be listed."""
    prefix = f"{folder}/" if folder else ""
    with os.scandir(root / folder) as entries:
        listing = list(entries)
    linked_to: set[str] = set()
    images, _ = _images_and_folders(root, listing)
    found = _found_images(root, prefix, listing, images, linked_to)
    return [_linked_to(image, root, linked_to) for image in found] if linked_to else found


def _images_and_folders(
    root: Path, listing: list[os.DirEntry[str]]
) -> tuple[list[str], list[os.DirEntry[str]]]:
    """The names of the images in a folder's `listing` and the folders in it to visit: hidden
    entries and links leading outside `root` left out."""
    images: list[str] = []
    folders: list[os.DirEntry[str]] = []
    for entry in listing:
        if entry.name.startswith(".") or (
                entry.is_symlink() and not is_inside(root, Path(entry.path))):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:  # a link loop: listed when named like an image, and flagged then
            is_dir = False
        if is_dir:
            folders.append(entry)
        elif is_image_name(entry.name) and _may_be_image(entry):
            images.append(entry.name)
    return images, folders


def _found_images(root: Path, prefix: str, listing: list[os.DirEntry[str]], images: list[str],
                  linked_to: set[str]) -> list[FoundImage]:
    """What the scan finds of the `images` of one folder (their ids start with `prefix`) and
    their captions, from the folder's `listing`; adds to `linked_to` where caption links lead."""
    names = {entry.name: entry for entry in listing}
    stemmed = [(name, name[: name.rfind(".")]) for name in images]
    stems = Counter(stem for _, stem in stemmed)
    found = []
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
    return found


def image_id(root: Path, path: Path) -> str:
    """The id (POSIX path relative to `root`, which must be resolved) of the image file at
    `path`, when the scan would list it; `ValueError` saying why not otherwise (outside the
    folder, hidden, not named like an image, not a regular file)."""
    try:
        relative = Path(os.path.abspath(path)).relative_to(root)
    except ValueError:
        raise ValueError(f"{path} is not inside the data set folder {root}.") from None
    if not is_inside(root, path):
        raise ValueError(f"{path} leads outside the data set folder {root}.")
    if any(part.startswith(".") for part in relative.parts):
        raise ValueError(f"{relative.as_posix()} is hidden; the data set leaves it out.")
    if not is_image_name(path.name):
        raise ValueError(f"{relative.as_posix()} is not named like an image.")
    try:
        check_regular(os.stat(path), path)
    except OSError as error:
        raise ValueError(f"{relative.as_posix()} cannot be added: "
                         f"{getattr(error, 'strerror', None) or error}") from None
    return relative.as_posix()


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

