"""The original captions: what each caption file held before the tool first changed it, kept in
`.lora-tagger/originals/` so that any caption can be restored (the original tool's `.bak` files,
out of the trainers' way).

Format:

* `originals/blobs/<sha256 hex>.z`: one file per distinct original content, the bytes exactly
  as they were on disk, zlib-compressed and named by the SHA-256 of the uncompressed bytes (so
  10,000 identical captions cost one blob). One folder, so the blobs of a save's chunk are made
  durable by one fsync of it.
* `originals/index.jsonl`: one JSON line per image, appended the first time a caption of that
  image is about to change: `{"id": "<image id>", "sha256": "<hex>" | null, "size": <bytes>}`
  (`sha256` null: there was no caption file). An original over `ORIGINAL_MAX_BYTES` is not
  kept: its line says `"kept": false`, and restoring it is refused with a sentence saying so.

Only an image's first line counts: a later one (another writer that recorded the same image
at the same time) is ignored. Lines are appended under the shared "originals" lock, blob first,
both fsynced, before the caption is replaced; a torn last line left by a crash is skipped.
Images are known by their id (the path relative to the data set folder): an image renamed
outside the tool starts afresh under its new name, and its old line stays, unused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from .files import StateFolder
from .locks import FolderLock

FOLDER = "originals"
INDEX = f"{FOLDER}/index.jsonl"
BLOBS = f"{FOLDER}/blobs"
ORIGINAL_MAX_BYTES = 1024 * 1024  # an original caption bigger than this is noted, not kept
INDEX_MAX_BYTES = 512 * 1024 * 1024
_CACHED_TEXTS = 4096  # decompressed originals kept in memory

log = logging.getLogger(__name__)


class OriginalNotKeptError(OSError):
    """The originals could not be recorded (so the captions were not written), or an original
    that was not kept (too large) or whose blob is missing or damaged was asked for."""


@dataclass(frozen=True, slots=True)
class Original:
    """What one image's caption file held before the tool first changed it."""

    id: str
    sha256: str | None  # None: there was no caption file
    size: int  # bytes of the original caption file
    kept: bool = True  # False: too large; its bytes were not kept

    def to_record(self) -> dict[str, object]:
        """The index line's JSON object."""
        record: dict[str, object] = {"id": self.id, "sha256": self.sha256, "size": self.size}
        if not self.kept:
            record["kept"] = False
        return record

    @classmethod
    def from_record(cls, record: object) -> Original:
        """An `Original` from an index line's object; `ValueError` when it is not one."""
        if not isinstance(record, dict):
            raise ValueError("not an object")
        image_id, digest, size = record.get("id"), record.get("sha256"), record.get("size")
        kept = record.get("kept", True)
        if (not isinstance(image_id, str) or not isinstance(kept, bool)
                or not (digest is None or _is_digest(digest))
                or isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ValueError("not an original's record")
        return cls(image_id, digest, size, kept)


class OriginalStore:
    """The originals of a data set folder (its `StateFolder`); safe to use from several
    threads, and shared with other writers (processes, `Dataset` objects) through the lock."""

    def __init__(self, state: StateFolder) -> None:
        """Nothing is read or written until the store is used."""
        self._state = state
        self._file_lock = FolderLock(state.root, state.path, FOLDER)
        self._lock = threading.RLock()
        self._index: dict[str, Original] = {}
        self._seen: tuple[int, int] | None = None  # (inode, size) of the index as last read
        self._texts: dict[str, bytes] = {}
        self._lost: set[str] = set()  # not kept (no permission): never recorded later instead
        self.warning: str | None = None

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
        when they were not kept or their blob is missing or damaged."""
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
        data = self._read_blob(original)
        with self._lock:
            if len(self._texts) >= _CACHED_TEXTS:
                self._texts.clear()
            self._texts[original.sha256] = data
        return data

    def record(self, originals: Iterable[tuple[str, bytes | None]]) -> list[Original]:
        """Keep `(image id, caption bytes or None for no file)` of each image not recorded yet
        (an image already recorded keeps its first original), blobs and index fsynced before
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
            written = False
            known = {one.sha256 for one in self._index.values()}  # their blobs are written
            for original, data in new.values():
                if original.kept and data is not None and original.sha256 not in known:
                    known.add(original.sha256)
                    written = self._write_blob(original, data) or written
            if written:
                self._state.sync_folder(BLOBS)
            lines = b"".join(_line(original) for original, _ in new.values())
            self._append(lines)
        except PermissionError as error:  # the state folder is not ours to write
            self._lost.update(new)
            self.warning = (f"The original captions cannot be kept in "
                            f"{self._state.path / FOLDER} ({error.strerror or error}); "
                            "captions are saved without them.")
            log.warning("%s", self.warning)
            return []
        except OSError as error:
            raise OriginalNotKeptError(
                error.errno, f"the original caption could not be kept in "
                f"{self._state.path / FOLDER} ({error.strerror or error}), so the caption "
                "was not written", str(self._state.path / INDEX)) from error
        for original, _ in new.values():
            self._index[original.id] = original
            if not original.kept:
                log.warning("The original caption of %s (%s bytes) is too large to keep; "
                            "it cannot be restored.", original.id, f"{original.size:,}")
        return [original for original, _ in new.values()]

    def _catch_up(self) -> None:
        """Read the index again when another writer changed it since it was last read."""
        try:
            status = self._state.stat(INDEX)
        except OSError as error:
            self._unreadable(error)
            return
        now = None if status is None else (status.st_ino, status.st_size)
        if now is not None and now != self._seen:
            self._read()

    def _read(self) -> None:
        try:
            status = self._state.stat(INDEX)
            data = self._state.read(INDEX, max_bytes=INDEX_MAX_BYTES)
        except OSError as error:
            self._unreadable(error)
            return
        if data is None or status is None:
            return
        index: dict[str, Original] = {}
        skipped = 0
        for line in data.splitlines():
            try:
                original = Original.from_record(json.loads(line))
            except ValueError:
                skipped += 1
                continue
            index.setdefault(original.id, original)
        self._index = index
        self._seen = (status.st_ino, len(data))
        self.warning = (f"{skipped} damaged line(s) of {self._state.path / INDEX} were skipped."
                        if skipped else None)
        if skipped:
            log.warning("%s", self.warning)

    def _unreadable(self, error: OSError) -> None:
        self.warning = f"The original captions could not be read ({error})."
        log.warning("%s", self.warning)

    def _append(self, lines: bytes) -> None:
        """Append `lines` to the index, fsynced (the lock held, the index caught up)."""
        size = self._state.append(INDEX, lines)
        status = self._state.stat(INDEX)
        self._seen = None if status is None else (status.st_ino, size)

    def _write_blob(self, original: Original, data: bytes) -> bool:
        """Write the blob of `original` unless it is there; whether it was written (its folder
        not yet fsynced)."""
        path = _blob_path(original.sha256)
        if self._state.stat(path) is not None:
            return False
        self._state.write(path, zlib.compress(data, 6), sync_folder=False)
        return True

    def _read_blob(self, original: Original) -> bytes:
        path = _blob_path(original.sha256)
        try:
            packed = self._state.read(path, max_bytes=2 * ORIGINAL_MAX_BYTES)
            data = None if packed is None else zlib.decompressobj().decompress(
                packed, original.size + 1)  # a damaged blob cannot inflate past that
        except (OSError, zlib.error) as error:
            raise OriginalNotKeptError(
                f"The original caption of {original.id} cannot be read from "
                f"{self._state.path / path}: {error}.") from None
        if data is None or hashlib.sha256(data).hexdigest() != original.sha256:
            why = "is missing" if data is None else "is damaged (its content does not match)"
            raise OriginalNotKeptError(
                f"The original caption of {original.id} cannot be restored: "
                f"{self._state.path / path} {why}.")
        return data


def _original(image_id: str, data: bytes | None) -> Original:
    if data is None:
        return Original(image_id, None, 0)
    return Original(image_id, hashlib.sha256(data).hexdigest(), len(data),
                    kept=len(data) <= ORIGINAL_MAX_BYTES)


def _blob_path(digest: str | None) -> str:
    assert digest is not None
    return f"{BLOBS}/{digest}.z"


def _line(original: Original) -> bytes:
    return (json.dumps(original.to_record(), ensure_ascii=False) + "\n").encode("utf-8")


def _is_digest(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))
