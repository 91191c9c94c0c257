"""The original captions: what each caption file held before the tool first changed it, kept in
`.lora-tagger/originals/` so that any caption can be restored (the original tool's `.bak` files,
out of the trainers' way).

Format:

* `originals/pack`: the original contents, one record per distinct content, appended one after
  the other: each record is the bytes exactly as they were on disk, zlib-compressed. A content
  is stored once (10,000 identical captions cost one record): the index says which are stored.
* `originals/index.jsonl`: one JSON line per image, appended the first time a caption of that
  image is about to change: `{"id": "<image id>", "sha256": "<hex>" | null, "size": <bytes>,
  "offset": <byte of the pack>, "length": <bytes of the record>}` (`sha256`: of the
  uncompressed bytes; null, with no offset or length: there was no caption file). An original
  over `ORIGINAL_MAX_BYTES` is not kept: its line says `"kept": false`, with no offset or
  length, and restoring it is refused with a sentence saying so.

Only an image's first line counts: a later one (another writer that recorded the same image
at the same time) is ignored. The records and lines of a save's chunk are appended under the
shared "originals" lock, the pack first, each file fsynced once, before its captions are
replaced. A crash mid-append leaves a torn tail: pack bytes no line names (unused; later
records go after them), or a torn last line (skipped; the next append starts a new line).
A record whose bytes do not inflate to the content its line names is refused on restore.
A store reads the index whole once, then only the lines appended since (whole again when the
index shrank or is another file).
Images are known by their id (the path relative to the data set folder): an image renamed
outside the tool starts afresh under its new name, and its old line stays, unused.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import logging
import os
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from .files import FileTooLargeError, StateFolder
from .locks import FolderLock

FOLDER = "originals"
INDEX = f"{FOLDER}/index.jsonl"
PACK = f"{FOLDER}/pack"
ORIGINAL_MAX_BYTES = 1024 * 1024  # an original caption bigger than this is noted, not kept
RECORD_MAX_BYTES = 2 * ORIGINAL_MAX_BYTES  # zlib never grows a kept original past this
INDEX_MAX_BYTES = 512 * 1024 * 1024
_CACHED_TEXTS = 4096  # decompressed originals kept in memory

log = logging.getLogger(__name__)


class OriginalNotKeptError(OSError):
    """The originals could not be recorded (so the captions were not written), or an original
    that was not kept (too large) or whose record is missing or damaged was asked for."""


@dataclass(frozen=True, slots=True)
class Original:
    """What one image's caption file held before the tool first changed it."""

    id: str
    sha256: str | None  # None: there was no caption file
    size: int  # bytes of the original caption file
    kept: bool = True  # False: too large; its bytes were not kept
    offset: int = 0  # where its record starts in the pack (kept contents only)
    length: int = 0  # bytes of its record

    def to_record(self) -> dict[str, object]:
        """The index line's JSON object."""
        record: dict[str, object] = {"id": self.id, "sha256": self.sha256, "size": self.size}
        if not self.kept:
            record["kept"] = False
        elif self.sha256 is not None:
            record["offset"], record["length"] = self.offset, self.length
        return record

    @classmethod
    def from_record(cls, record: object) -> Original:
        """An `Original` from an index line's object; `ValueError` when it is not one."""
        if not isinstance(record, dict):
            raise ValueError("not an object")
        image_id, digest, size = record.get("id"), record.get("sha256"), record.get("size")
        kept = record.get("kept", True)
        if (not isinstance(image_id, str) or not isinstance(kept, bool)
                or not (digest is None or _is_digest(digest)) or not _is_count(size)):
            raise ValueError("not an original's record")
        if not kept or digest is None:
            return cls(image_id, digest, size, kept)
        offset, length = record.get("offset"), record.get("length")
        if not _is_count(offset) or not _is_count(length) or length > RECORD_MAX_BYTES:
            raise ValueError("not an original's record")
        return cls(image_id, digest, size, kept, offset, length)


class OriginalStore:
    """The originals of a data set folder (its `StateFolder`); safe to use from several
    threads, and shared with other writers (processes, `Dataset` objects) through the lock."""

    def __init__(self, state: StateFolder) -> None:
        """Nothing is read or written until the store is used."""
        self._state = state
        self._file_lock = FolderLock(state.root, state.path, FOLDER)
        self._lock = threading.RLock()
        self._index: dict[str, Original] = {}
        self._packed: dict[str, Original] = {}  # by sha256: the first line naming its record
        self._seen: tuple[int, int, int] | None = None  # the index's (device, inode, size) read
        self._read_to = 0  # where the index's last whole line read ends
        self._torn = False  # the index read ends in a part of a line
        self._torn_damaged = False  # and that part is no record (yet)
        self._damaged = 0  # whole lines read that are no record
        self._texts: dict[str, bytes] = {}
        self._lost: set[str] = set()  # not kept (no permission): never recorded later instead
        self._read_warning: str | None = None  # the index could not be read whole
        self._write_warning: str | None = None  # originals could not be kept

    @property
    def warning(self) -> str | None:
        """What went wrong reading or keeping the originals, if anything."""
        return " ".join(w for w in (self._write_warning, self._read_warning) if w) or None

    def get(self, image_id: str) -> Original | None:
        """The original of `image_id`, or None when its caption was never changed by the tool."""
        with self._lock:
            self._catch_up()
            return self._index.get(image_id)

    def recorded(self, image_ids: Iterable[str]) -> dict[str, Original]:
        """The original of each of `image_ids` that has one."""
        with self._lock:
            self._catch_up()
            return {i: found for i in image_ids if (found := self._index.get(i)) is not None}

    def data(self, original: Original) -> bytes | None:
        """The bytes of `original` (None: there was no caption file). `OriginalNotKeptError`
        when they were not kept or their record is missing or damaged."""
        if original.sha256 is None:
            return None
        if not original.kept:
            raise OriginalNotKeptError(
                f"The original caption of {original.id} ({original.size:,} bytes) was larger "
                f"than {ORIGINAL_MAX_BYTES:,} bytes, so it was not kept and cannot be restored.")
        with self._lock:
            cached = self._texts.get(original.sha256)
        if cached is not None:
            return cached
        data = self._read_record(original)
        with self._lock:
            if len(self._texts) >= _CACHED_TEXTS:
                self._texts.clear()
            self._texts[original.sha256] = data
        return data

    def record(self, originals: Iterable[tuple[str, bytes | None]]) -> list[Original]:
        """Keep `(image id, caption bytes or None for no file)` of each image not recorded yet
        (an image already recorded keeps its first original), pack and index fsynced before
        this returns; the originals newly recorded. `OriginalNotKeptError` when they could not
        be written (then none of those lines were added); when the state folder may not be
        written at all (`PermissionError`, as for the undo history) nothing is kept and
        `warning` says so, and those images are not recorded later in this process (their
        caption on disk would then be the tool's)."""
        with self._lock:
            self._catch_up()
            wanted = [(i, data) for i, data in originals if i not in self._index
                      and i not in self._lost]
            if not wanted:  # all kept already: no need for the other writers' lock
                return []
            with self._file_lock:
                return self._record(wanted)

    def _record(self, originals: list[tuple[str, bytes | None]]) -> list[Original]:
        """`record` with the locks held."""
        self._catch_up()
        new: dict[str, tuple[Original, bytes | None]] = {}
        for image_id, data in originals:
            if image_id not in self._index and image_id not in new:
                new[image_id] = (_original(image_id, data), data)
        if not new:
            return []
        try:
            recorded = self._pack([(original, data) for original, data in new.values()])
            created = self._state.stat(INDEX) is None
            self._append(b"".join(map(_line, recorded)))
            if created:
                self._state.sync_folder(FOLDER)
        except PermissionError as error:  # the state folder is not ours to write
            self._lost.update(new)
            self._write_warning = (f"The original captions cannot be kept in "
                                   f"{self._state.path / FOLDER} ({error.strerror or error}); "
                                   "captions are saved without them.")
            log.warning("%s", self._write_warning)
            return []
        except OSError as error:
            raise OriginalNotKeptError(
                error.errno, f"the original caption could not be kept in "
                f"{self._state.path / FOLDER} ({error.strerror or error}), so the caption "
                "was not written", str(self._state.path / INDEX)) from error
        for original in recorded:
            self._index[original.id] = original
            if original.sha256 is not None and original.kept:
                self._packed.setdefault(original.sha256, original)
            if not original.kept:
                log.warning("The original caption of %s (%s bytes) is too large to keep; "
                            "it cannot be restored.", original.id, f"{original.size:,}")
        return recorded

    def _pack(self, new: list[tuple[Original, bytes | None]]) -> list[Original]:
        """Append the records of the contents of `new` not stored yet to the pack, fsynced;
        `new`'s originals with the place of their record."""
        status = self._state.stat(PACK)
        size = 0 if status is None else status.st_size
        places: dict[str, tuple[int, int]] = {}  # by sha256: (offset, length) in the pack
        records: list[bytes] = []
        added: dict[str, tuple[int, int]] = {}  # the same, from the start of `records`
        at = 0
        for original, data in new:
            digest = original.sha256
            if data is None or not original.kept or digest in places or digest in added:
                continue
            assert digest is not None
            known = self._packed.get(digest)
            if known is not None and known.offset + known.length <= size:  # else: cut short
                places[digest] = (known.offset, known.length)
                continue
            packed = zlib.compress(data, 6)
            records.append(packed)
            added[digest] = (at, len(packed))
            at += len(packed)
        if records:
            start = self._state.append(PACK, b"".join(records)) - at
            places.update((digest, (start + offset, length))
                          for digest, (offset, length) in added.items())
            if status is None:
                self._state.sync_folder(FOLDER)
        return [dataclasses.replace(original, offset=places[original.sha256][0],
                                    length=places[original.sha256][1])
                if original.sha256 in places else original for original, _ in new]

    def _catch_up(self) -> None:
        """Read what another writer changed in the index since it was last read: the lines it
        appended, or the whole index when it shrank or is another file."""
        try:
            status = self._state.stat(INDEX)
            if status is None:
                if self._seen is not None:  # the index is gone: nothing is recorded now
                    self._read_from(0, b"", None)
                return
            now = (status.st_dev, status.st_ino, status.st_size)
            if now == self._seen:
                return
            if status.st_size > INDEX_MAX_BYTES:
                raise FileTooLargeError(
                    errno.EFBIG, f"the file is too large to read ({status.st_size:,} bytes; "
                    f"at most {INDEX_MAX_BYTES:,})", str(self._state.path / INDEX))
            grown = (self._seen is not None and now[:2] == self._seen[:2]
                     and now[2] >= self._seen[2])
            self._read(self._read_to if grown else 0)
        except OSError as error:
            self._unreadable(error)

    def _read(self, start: int) -> None:
        """Read the index from `start` (the end of a whole line read, or 0: all of it)."""
        found = self._state.read_at(INDEX, start, INDEX_MAX_BYTES - start)
        if found is None:
            self._read_from(0, b"", None)
            return
        data, status = found
        if start and (self._seen is None
                      or (status.st_dev, status.st_ino) != self._seen[:2]):
            self._read(0)  # replaced since its status was taken
            return
        self._read_from(start, data, status)

    def _read_from(self, start: int, data: bytes, status: os.stat_result | None) -> None:
        """Take in `data`, the index from `start` on (0: all of it, forgetting what was read
        before); `status` is the index's (None: there is none)."""
        if not start:
            self._index, self._packed, self._damaged = {}, {}, 0
        whole = data.rfind(b"\n") + 1
        for line in data[:whole].splitlines():
            if not self._take(line):
                self._damaged += 1
        self._torn = whole < len(data)
        self._torn_damaged = self._torn and not self._take(data[whole:])
        self._read_to = start + whole
        self._seen = None if status is None else (
            status.st_dev, status.st_ino, start + len(data))
        skipped = self._damaged + self._torn_damaged
        self._read_warning = (
            f"{skipped} damaged line(s) of {self._state.path / INDEX} were skipped."
            if skipped else None)
        if skipped:
            log.warning("%s", self._read_warning)

    def _take(self, line: bytes) -> bool:
        """Take in one index line; whether it is an original's record."""
        try:
            original = Original.from_record(json.loads(line))
        except ValueError:
            return False
        self._index.setdefault(original.id, original)
        if original.sha256 is not None and original.kept:
            self._packed.setdefault(original.sha256, original)
        return True

    def _unreadable(self, error: OSError) -> None:
        self._read_warning = f"The original captions could not be read ({error})."
        log.warning("%s", self._read_warning)

    def _append(self, lines: bytes) -> None:
        """Append `lines` to the index, fsynced, on a line of their own (the lock held, the
        index caught up)."""
        data = b"\n" + lines if self._torn else lines
        size = self._state.append(INDEX, data)
        status = self._state.stat(INDEX)
        if status is None or size - len(data) != (0 if self._seen is None else self._seen[2]) \
                or (self._seen is not None
                    and self._seen[:2] != (status.st_dev, status.st_ino)):
            self._seen = None  # not the index as read: read it whole next time
            return
        self._damaged += self._torn_damaged  # the torn part is a line of its own now
        self._torn = self._torn_damaged = False
        self._read_to = size
        self._seen = (status.st_dev, status.st_ino, size)

    def _read_record(self, original: Original) -> bytes:
        try:
            found = self._state.read_at(PACK, original.offset, original.length)
        except OSError as error:
            raise OriginalNotKeptError(
                f"The original caption of {original.id} cannot be read from "
                f"{self._state.path / PACK}: {error}.") from None
        if found is None or len(found[0]) < original.length:
            why = "is missing (the pack is shorter)"
        else:
            try:  # a damaged record cannot inflate past the size
                data: bytes | None = zlib.decompressobj().decompress(found[0], original.size + 1)
            except zlib.error:
                data = None
            if data is not None and hashlib.sha256(data).hexdigest() == original.sha256:
                return data
            why = "is damaged (its content does not match)"
        raise OriginalNotKeptError(
            f"The original caption of {original.id} cannot be restored: its record in "
            f"{self._state.path / PACK} {why}.")


def _original(image_id: str, data: bytes | None) -> Original:
    if data is None:
        return Original(image_id, None, 0)
    return Original(image_id, hashlib.sha256(data).hexdigest(), len(data),
                    kept=len(data) <= ORIGINAL_MAX_BYTES)


def _line(original: Original) -> bytes:
    return (json.dumps(original.to_record(), ensure_ascii=False) + "\n").encode("utf-8")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_digest(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))
