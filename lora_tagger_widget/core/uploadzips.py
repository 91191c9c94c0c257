"""A zip that came into a data set: which of its members are unpacked (images and captions, their
folders kept, nothing outside, no links, no bombs) and the copying of one member out of it."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .uploadlimits import UploadLimits, size_text
from .uploadnames import UploadError, folder_part, join, kind_of, safe_name, shown

MAX_ZIP_DEPTH = 8  # folders inside a zip
RATIO_FLOOR = 1024 * 1024  # members smaller than this may be compressed any amount
COPY_BLOCK = 1024 * 1024
_LINK_MODE = 0o120000


@dataclass(frozen=True)
class Member:
    """A member to unpack: its entry, the folder it goes to (relative to the data set root,
    POSIX) and its safe name there."""

    info: zipfile.ZipInfo
    folder: str
    name: str


@dataclass
class ZipContents:
    """What of a zip is unpacked: `members` (images first), `refused` (`(member, reason)`) and
    the number `skipped` without a word (folders, `__MACOSX/`, hidden files)."""

    members: list[Member] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0

    @property
    def size(self) -> int:
        """The bytes its members unpack to."""
        return sum(member.info.file_size for member in self.members)


def zip_contents(archive: zipfile.ZipFile, given: str, folder: str,
                 limits: UploadLimits) -> ZipContents:
    """The members of `archive` (the zip uploaded as `given`) to unpack into `folder`;
    `UploadError` when it holds too many members or unpacks to too many bytes."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UploadError(f"{shown(given)} holds {len(infos):,} members; at most "
                          f"{limits.max_members:,} are unpacked.")
    contents = ZipContents()
    for info in infos:
        try:
            found = _target(info, folder, limits)
        except UploadError as error:
            contents.refused.append((info.filename, str(error)))
            continue
        if found is None:
            contents.skipped += 1
        else:
            contents.members.append(Member(info, *found))
    if contents.size > limits.max_unzipped:
        raise UploadError(f"{shown(given)} unpacks to {size_text(contents.size)}; at most "
                          f"{size_text(limits.max_unzipped)} are unpacked.")
    contents.members.sort(key=lambda member: kind_of(member.name) != "image")
    return contents


def _target(info: zipfile.ZipInfo, folder: str,
            limits: UploadLimits) -> tuple[str, str] | None:
    """A member's target folder and safe name; None to skip it (a folder, `__MACOSX/`, a
    hidden file); `UploadError` to refuse it."""
    path = info.filename.replace("\\", "/")
    if info.is_dir():
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise UploadError("An absolute path; it is not unpacked.")
    if ".." in parts:
        raise UploadError("A path that leads outside the zip; it is not unpacked.")
    if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return None
    if stat.S_IFMT(info.external_attr >> 16) == _LINK_MODE:
        raise UploadError("A link; links are not unpacked.")
    if info.flag_bits & 0x1:
        raise UploadError("Encrypted; it is not unpacked.")
    if len(parts) > MAX_ZIP_DEPTH + 1:
        raise UploadError(f"Deeper than {MAX_ZIP_DEPTH} folders; it is not unpacked.")
    name = safe_name(parts[-1])
    kind = kind_of(name)
    if kind not in ("image", "caption"):
        raise UploadError("Not an image or a caption (.txt).")
    most = limits.largest(kind)
    if info.file_size > most:
        raise UploadError(f"{size_text(info.file_size)}; a {kind} may be at most "
                          f"{size_text(most)}.")
    if (info.file_size > RATIO_FLOOR
            and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
        raise UploadError(f"Compressed more than {limits.max_ratio} to 1; refused as a "
                          "possible zip bomb.")
    return join(folder, *(folder_part(part) for part in parts[:-1])), name


def extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, partial: Path) -> None:
    """Copy a member to the new file `partial`, reading no more than its header says it holds
    (`UploadError` when it holds more)."""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as out, archive.open(info) as member:
        left = info.file_size
        while block := member.read(min(COPY_BLOCK, left + 1)):
            if len(block) > left:
                raise UploadError("it holds more than its header says")
            out.write(block)
            left -= len(block)
        out.flush()
        os.fsync(out.fileno())
