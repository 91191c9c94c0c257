"""Files: paths kept inside the data set, atomic writes, and caption bytes decoded without loss."""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = ".ltw-tmp-"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 60.0


class OutsideRootError(PermissionError):
    """A path that is not inside the data set's root, or reaches outside it through a link."""


def is_inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every link resolved, lies inside the resolved `root`.

    A link loop resolves to where the loop starts, so a loop inside `root` counts as inside (it
    is listed, and fails to open with a clear reason).
    """
    try:
        Path(os.path.realpath(path)).relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def is_stale_temp_file(path: Path, older_than: float = STALE_TEMP_SECONDS) -> bool:
    """Whether `path` is a temporary file of `atomic_write` left by a crash (an old one: a
    younger one may belong to a save still under way in another process)."""
    if not (path.name.startswith(TEMP_PREFIX) and path.name.endswith(TEMP_SUFFIX)):
        return False
    try:
        return time.time() - path.lstat().st_mtime > older_than
    except OSError:
        return False


def checked_path(root: Path, path: Path) -> Path:
    """`path` if it lies inside `root` once links are resolved; `OutsideRootError` otherwise."""
    if not is_inside(root, path):
        raise OutsideRootError(f"{path} is outside the data set folder {root}.")
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one, whole.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over `path`.
    The file keeps its permission bits when it already existed.
    """
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        if not path.exists():
            os.chmod(tmp_name, 0o666 & ~_UMASK)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_folder(folder)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write` of `text` as UTF-8, creating the folder when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class DecodedText:
    """Caption bytes decoded: the text, the encoding it was read with, and what was odd about it."""

    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1252" or "latin-1"

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    @property
    def has_bom(self) -> bool:
        return self.encoding in ("utf-8-sig", "utf-16")

    def utf8_bytes(self, text: str) -> bytes:
        """`text` as UTF-8, with a BOM when this file had a UTF-8 BOM."""
        return text.encode("utf-8-sig" if self.encoding == "utf-8-sig" else "utf-8")


def decode_caption(data: bytes) -> DecodedText:
    """Decode caption bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else cp1252/latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        with contextlib.suppress(UnicodeDecodeError):
            return DecodedText(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        with contextlib.suppress(UnicodeDecodeError):
            return DecodedText(data.decode("utf-16"), "utf-16")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return DecodedText(data.decode("latin-1"), "latin-1")


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
