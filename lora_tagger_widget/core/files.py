"""Files: paths kept inside the data set, atomic writes, caption bytes decoded without loss, and
the tool's own state folder, reached only through descriptors that refuse links."""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

TEMP_PREFIX = ".ltw-tmp-"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 60.0
CAPTION_MAX_BYTES = 64 * 1024 * 1024  # a caption file past this is flagged, not read

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOCTTY: a terminal never becomes ours.
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | _CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class OutsideRootError(PermissionError):
    """A path that is not inside the data set's root, or reaches outside it through a link."""


class NotRegularFileError(OSError):
    """A FIFO, device, socket or folder where a regular file was expected."""


class FileTooLargeError(OSError):
    """A file bigger than the most that may be read of it."""


def not_regular_reason(status: os.stat_result) -> str | None:
    """Why a file of this status is not read ("not a regular file (a FIFO)"), or None when it is
    a regular file."""
    if stat.S_ISREG(status.st_mode):
        return None
    kind = next((name for test, name in _KINDS if test(status.st_mode)), "of an unknown kind")
    return f"not a regular file ({kind})"


def check_regular(status: os.stat_result, path: str | os.PathLike[str]) -> None:
    """`NotRegularFileError` unless `status` is a regular file's."""
    reason = not_regular_reason(status)
    if reason is not None:
        raise NotRegularFileError(errno.EINVAL, reason, os.fspath(path))


def read_regular(
    path: str | os.PathLike[str], *, max_bytes: int, follow_links: bool = True
) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at `path` and its status, never more than `max_bytes`.

    A FIFO, device, socket or folder raises `NotRegularFileError` without blocking and without a
    byte read; a file bigger than `max_bytes`, or one that grows past it while read, raises
    `FileTooLargeError`. `follow_links=False` refuses a link as the last component (`ELOOP`).
    """
    flags = _READ_FLAGS if follow_links else _READ_FLAGS | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket, or a device without a driver
            try:
                status = os.stat(path, follow_symlinks=follow_links)
            except OSError:
                raise error from None
            check_regular(status, path)
        raise
    try:
        return _read_open(fd, path, max_bytes)
    finally:
        os.close(fd)


def _read_open(
    fd: int, path: str | os.PathLike[str], max_bytes: int
) -> tuple[bytes, os.stat_result]:
    """`read_regular` of a file open as `fd`."""
    status = os.fstat(fd)
    check_regular(status, path)
    size = status.st_size
    if size > max_bytes:
        raise _too_large(path, size, max_bytes)
    data = os.read(fd, size + 1)
    if len(data) == size:  # all the size said, nothing more: one read, as a rule
        return data, status
    chunks = [data]  # it changed size meanwhile: read on to its end, within the cap
    total = len(data)
    while total <= max_bytes and (chunk := os.read(fd, min(1 << 16, max_bytes + 1 - total))):
        chunks.append(chunk)
        total += len(chunk)
    if total > max_bytes:
        raise _too_large(path, total, max_bytes)
    return b"".join(chunks), status


def _too_large(path: str | os.PathLike[str], size: int, max_bytes: int) -> FileTooLargeError:
    return FileTooLargeError(
        errno.EFBIG, f"the file is too large to read ({size:,} bytes; at most {max_bytes:,})",
        os.fspath(path))


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
    if not _is_temp_name(path.name):
        return False
    try:
        return is_stale_temp(path.name, path.lstat(), older_than)
    except OSError:
        return False


def is_stale_temp(name: str, status: os.stat_result,
                  older_than: float = STALE_TEMP_SECONDS) -> bool:
    """`is_stale_temp_file` of a file named `name` whose status is known."""
    return _is_temp_name(name) and time.time() - status.st_mtime > older_than


def _is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def checked_path(root: Path, path: Path) -> Path:
    """`path` if it lies inside `root` once links are resolved; `OutsideRootError` otherwise."""
    if not is_inside(root, path):
        raise OutsideRootError(f"{path} is outside the data set folder {root}.")
    return path


def atomic_write(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one, whole.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over `path`.
    A file already there keeps its permission bits and its owner and group; when this process
    may not give the new file that owner (it is not root), `PermissionError` is raised and the
    file is left as it was. `sync_folder=False` leaves the folder's fsync (which makes the rename
    itself durable) to the caller: `sync_folders` once after many writes.
    """
    folder = path.parent
    try:
        old: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        old = None
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            if old is None:
                os.fchmod(fd, 0o666 & ~UMASK)
            else:
                _take_owner_and_mode(fd, old, path)
            handle.write(data)
            handle.flush()
            os.fsync(fd)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if sync_folder:
        _fsync_folder(folder)


def _take_owner_and_mode(fd: int, old: os.stat_result, path: Path) -> None:
    """Give the open file `fd` the owner, group and permission bits of `old` (the file at `path`
    it is to replace)."""
    new = os.fstat(fd)
    if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except PermissionError as error:
            raise PermissionError(
                error.errno,
                f"{path} belongs to user {old.st_uid} and group {old.st_gid}; replacing it from "
                f"this process (user {os.geteuid()}) would change its owner, so it is left as "
                "it was. Save it as its owner, or give the file to this user.",
                os.fspath(path)) from None
    os.fchmod(fd, old.st_mode & 0o7777)  # after the chown, which clears set-id bits


def sync_folders(folders: Iterable[Path]) -> None:
    """fsync each folder once, making the renames of earlier `atomic_write`s durable."""
    for folder in set(folders):
        _fsync_folder(folder)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write` of `text` as UTF-8, creating the folder when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def read_bytes(path: str | os.PathLike[str], *, max_bytes: int = CAPTION_MAX_BYTES) -> bytes:
    """The whole of the regular file at `path` (`read_regular`: a FIFO, device or socket is
    refused without blocking, a file over `max_bytes` too), read with plain system calls (a lot
    cheaper than `open` for the many small caption files of a data set)."""
    return read_regular(path, max_bytes=max_bytes)[0]


def read_bytes_or_none(
    path: str | os.PathLike[str], *, max_bytes: int = CAPTION_MAX_BYTES
) -> bytes | None:
    """`read_bytes`, or None when there is no such file."""
    try:
        return read_bytes(path, max_bytes=max_bytes)
    except FileNotFoundError:
        return None


class StateFolder:
    """The tool's hidden folder (`.lora-tagger/`) inside a data set root, and the files in it.

    Every call opens the way again from the root, one folder at a time and never through a
    link (`O_DIRECTORY | O_NOFOLLOW` with `dir_fd`), so a link put anywhere on the way, even
    after the data set was opened, is refused with `OutsideRootError` instead of being followed
    outside. Paths are relative to the state folder, with `/` between folders, and may not be
    absolute or hold `..`.
    """

    def __init__(self, root: Path, name: str = ".lora-tagger") -> None:
        self.root = root
        self.name = name
        self.path: Path = root / name

    def read(self, relative: str, *, max_bytes: int, touch: bool = False) -> bytes | None:
        """The bytes of the regular file `relative`, or None when it (or its folder) is absent.
        Not a regular file: `NotRegularFileError`; over `max_bytes`: `FileTooLargeError`.
        `touch=True` then sets its times to now, as `touch` does (a failure to is ignored)."""
        parts = _parts(relative)
        fd = self._open_to_read(parts)
        if fd is None:
            return None
        try:
            data = _read_open(fd, self._shown(parts), max_bytes)[0]
            if touch:
                with contextlib.suppress(OSError):  # read-only media
                    os.utime(fd)
            return data
        finally:
            os.close(fd)

    def _open_to_read(self, parts: list[str]) -> int | None:
        """A descriptor of the file at `parts` opened to read, or None when it (or its folder)
        is absent."""
        try:
            with self._folder(parts[:-1]) as folder:
                return self._open_file(folder, parts, _READ_FLAGS)
        except FileNotFoundError:
            return None

    def read_at(self, relative: str, offset: int,
                size: int) -> tuple[bytes, os.stat_result] | None:
        """Up to `size` bytes of the regular file `relative` from byte `offset` (fewer at its
        end), with the file's status; None when it (or its folder) is absent. Not a regular
        file: `NotRegularFileError`."""
        parts = _parts(relative)
        fd = self._open_to_read(parts)
        if fd is None:
            return None
        try:
            status = os.fstat(fd)
            check_regular(status, self._shown(parts))
            chunks: list[bytes] = []
            wanted = max(0, min(size, status.st_size - offset))
            while wanted > 0 and (chunk := os.pread(fd, wanted, offset)):
                chunks.append(chunk)
                offset += len(chunk)
                wanted -= len(chunk)
            return b"".join(chunks), status
        finally:
            os.close(fd)

    def write(self, relative: str, data: bytes, *, sync_folder: bool = True) -> None:
        """Make the file `relative` hold `data`, atomically (a temporary file fsynced, then
        renamed over it), making the folders on the way when missing. `sync_folder=False`
        leaves the fsync of its folder (which makes the rename durable) to `sync_folder`,
        once after many writes."""
        parts = _parts(relative)
        with self._folder(parts[:-1], create=True) as folder:
            temp = f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC,
                         0o666, dir_fd=folder)
            try:
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(temp, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=folder)
                raise
            if sync_folder:
                _fsync_fd(folder)

    def sync_folder(self, relative: str) -> None:
        """fsync the folder `relative`, making the renames of earlier writes in it durable."""
        with self._folder(_parts(relative)) as folder:
            _fsync_fd(folder)

    def append(self, relative: str, data: bytes, *,
               only_if: tuple[int, int] | None = None, sync: bool = True) -> int | None:
        """Add `data` at the end of the regular file `relative` (made when missing, folders
        too), fsynced unless `sync=False`; the file's size after it. A failed append is taken
        back whole.
        `only_if=(size, inode)`: append only to that very file as it is (none is made); None
        when the file is another or absent."""
        parts = _parts(relative)
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY | _CLOEXEC
        try:
            with self._folder(parts[:-1], create=only_if is None) as folder:
                fd = self._open_file(folder, parts, flags if only_if else flags | os.O_CREAT)
        except FileNotFoundError:
            if only_if is None:
                raise
            return None
        try:
            status = os.fstat(fd)
            check_regular(status, self._shown(parts))
            if only_if is not None and (status.st_size, status.st_ino) != only_if:
                return None
            try:
                _write_all(fd, data)
                if sync:
                    os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, status.st_size)  # no torn record left behind
                raise
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def stat(self, relative: str) -> os.stat_result | None:
        """The status of `relative` itself (a link is not followed), or None when absent."""
        parts = _parts(relative)
        try:
            with self._folder(parts[:-1]) as folder:
                return os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def replace(self, src: str, dst: str) -> None:
        """Rename `src` to `dst` (replacing it), both in the state folder; `dst`'s folders are
        made when missing."""
        src_parts, dst_parts = _parts(src), _parts(dst)
        with self._folder(src_parts[:-1]) as src_folder, \
                self._folder(dst_parts[:-1], create=True) as dst_folder:
            os.rename(src_parts[-1], dst_parts[-1], src_dir_fd=src_folder, dst_dir_fd=dst_folder)
            _fsync_fd(dst_folder)

    def set_aside(self, relative: str) -> str | None:
        """Rename a damaged file `relative` to `<name>.broken-<time>` beside it, so nothing is
        lost; the new name, or None when it could not be renamed."""
        aside = f"{relative}.broken-{int(time.time())}"
        try:
            self.replace(relative, aside)
        except OSError:
            return None
        return aside.rpartition("/")[2]

    def unlink(self, relative: str) -> None:
        """Remove the file `relative` (a link there is removed, not followed); absent is fine."""
        parts = _parts(relative)
        with contextlib.suppress(FileNotFoundError), self._folder(parts[:-1]) as folder:
            os.unlink(parts[-1], dir_fd=folder)

    def entries(self, relative: str) -> list[tuple[str, os.stat_result]]:
        """The regular files in the folder `relative` ("" for the state folder itself) with
        their status (links and other kinds left out); [] when the folder is absent."""
        try:
            with self._folder(_parts(relative, allow_empty=True)) as folder, \
                    os.scandir(folder) as scan:
                listing = [(entry.name, entry.stat(follow_symlinks=False)) for entry in scan
                           if entry.is_file(follow_symlinks=False)]
        except FileNotFoundError:
            return []
        return listing

    def touch(self, relative: str) -> None:
        """Set the file's access and modification times to now (a link's own, never its
        target's)."""
        parts = _parts(relative)
        with self._folder(parts[:-1]) as folder:
            os.utime(parts[-1], dir_fd=folder, follow_symlinks=False)

    def __repr__(self) -> str:
        return f"StateFolder({str(self.path)!r})"

    @contextlib.contextmanager
    def _folder(self, parts: list[str], *, create: bool = False) -> Iterator[int]:
        """A descriptor of the folder `parts` below the state folder, opened from the root
        through no link (made when missing and `create`). The folders above the root are
        followed as they are: the root was resolved when the data set was opened."""
        fd = self._open_folder(None, os.fspath(self.root), None, False)
        try:
            for depth, part in enumerate([self.name, *parts]):
                child = self._open_folder(fd, part, parts[:depth], create)
                os.close(fd)
                fd = child
            yield fd
        finally:
            os.close(fd)

    def _open_folder(
        self, parent: int | None, name: str, where: list[str] | None, create: bool
    ) -> int:
        """Open the folder `name` in `parent`; `where` is its path below the state folder ([]:
        the state folder itself, None: the root), for messages."""
        try:
            return os.open(name, _FOLDER_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=parent)
            return self._open_folder(parent, name, where, False)
        except OSError as error:
            if error.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise
            if stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
                raise OutsideRootError(
                    errno.EPERM, "a link where a folder of the data set was expected; it is "
                    "not followed", os.fspath(self.root if where is None else self._shown(where))
                ) from None
            raise

    def _open_file(self, folder: int, parts: list[str], flags: int) -> int:
        try:
            return os.open(parts[-1], flags | os.O_NOFOLLOW, 0o666, dir_fd=folder)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutsideRootError(
                    errno.EPERM, "a link where a file of the data set's own folder was "
                    "expected; it is not followed", os.fspath(self._shown(parts))) from None
            if error.errno == errno.ENXIO:  # a socket, or a FIFO nobody reads (appending)
                check_regular(os.stat(parts[-1], dir_fd=folder, follow_symlinks=False),
                              self._shown(parts))
            raise

    def _shown(self, parts: list[str]) -> Path:
        return self.path.joinpath(*parts)


def _parts(relative: str, *, allow_empty: bool = False) -> list[str]:
    """The folder names of a path relative to the state folder; `ValueError` for one that could
    lead out of it."""
    if allow_empty and relative in ("", "."):
        return []
    parts = relative.split("/")
    if relative.startswith("/") or "\0" in relative or any(
            part in ("", ".", "..") for part in parts):
        raise ValueError(f"{relative!r} is not a plain relative path inside the state folder.")
    return parts


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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


UMASK = _read_umask()  # the process's umask: new files get 0o666 & ~UMASK


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        _fsync_fd(fd)
    finally:
        os.close(fd)


def _fsync_fd(fd: int) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        os.fsync(fd)
