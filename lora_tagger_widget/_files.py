"""Files: paths kept inside the data set, atomic writes, and caption bytes decoded without loss."""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
import time
from collections.abc import Iterable
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


def atomic_write(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one, whole.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over `path`.
    The file keeps its permission bits when it already existed. `sync_folder=False` leaves the
    folder's fsync (which makes the rename itself durable) to the caller: `sync_folders` once
    after many writes.
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
    if sync_folder:
        _fsync_folder(folder)


def sync_folders(folders: Iterable[Path]) -> None:
    """fsync each folder once, making the renames of earlier `atomic_write`s durable."""
    for folder in set(folders):
        _fsync_folder(folder)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write` of `text` as UTF-8, creating the folder when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def read_bytes(path: str | Path) -> bytes:
    """The whole file, read with plain system calls (a lot cheaper than `open` for the many
    small caption files of a data set)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    try:
        return read_bytes(path)
    except FileNotFoundError:
        return None


UTF8_ENCODINGS = frozenset({"utf-8", "utf-8-sig"})
BOM_ENCODINGS = frozenset({"utf-8-sig", "utf-16-le", "utf-16-be"})
_BOMS = {
    "utf-8-sig": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}
_ANY_BOM = tuple(_BOMS.values())


def decode_caption(data: bytes) -> tuple[str, str]:
    """Caption bytes as `(text, encoding)`: UTF-8 (with or without BOM), UTF-16 with a BOM,
    else cp1252, else latin-1. `encode_caption(text, encoding)` gives back exactly `data`."""
    if data.startswith(_ANY_BOM):
        for encoding, bom in _BOMS.items():
            if data.startswith(bom):
                with contextlib.suppress(UnicodeDecodeError):
                    return data[len(bom) :].decode(encoding.removesuffix("-sig")), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def encode_caption(text: str, encoding: str) -> bytes:
    """`text` in `encoding` as `decode_caption` names it, byte-order mark included."""
    return _BOMS.get(encoding, b"") + text.encode(encoding.removesuffix("-sig"))


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
