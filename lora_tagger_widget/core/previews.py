"""Previews and thumbnails, made once and kept: a small memory cache in front of a disk cache under
`.lora-tagger/cache/`, keyed by the image file's identity (path, size, mtime) and the box asked for,
capped in size with the least recently used evicted first. The disk cache is reached through a
`StateFolder`, so nothing is read, written or touched outside it, even when a link is put in its
way while the data set is open."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from .files import TEMP_PREFIX, StateFolder
from .images import Preview

CACHE_DIR_NAME = "cache"
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a cached file bigger than this is no preview of ours
DEFAULT_DISK_BYTES = 512 * 1024 * 1024
DEFAULT_MEMORY_BYTES = 48 * 1024 * 1024
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
_MIMES = {extension: mime for mime, extension in _EXTENSIONS.items()}


def preview_key(relative: str, size: int, mtime_ns: int, box: tuple[int, int]) -> str:
    """The cache key of a preview of one version of a file at one box size."""
    text = f"{relative}\0{size}\0{mtime_ns}\0{box[0]}x{box[1]}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class PreviewCache:
    """Encoded previews on disk (and the most recent ones in memory), least recently used out."""

    def __init__(
        self,
        state: StateFolder | None,
        folder: str = CACHE_DIR_NAME,
        *,
        max_disk_bytes: int = DEFAULT_DISK_BYTES,
        max_memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        """A cache kept in the folder `folder` of `state` (None: in memory only)."""
        self.state = state
        self.folder = folder
        self.max_disk_bytes = max_disk_bytes
        self.max_memory_bytes = max_memory_bytes
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, Preview] = OrderedDict()
        self._memory_bytes = 0
        self._disk: OrderedDict[str, tuple[str, int]] | None = None  # key -> (file name, bytes)
        self._disk_bytes = 0
        self._making: dict[str, threading.Event] = {}  # keys some thread is making now

    def get(self, key: str) -> Preview | None:
        """The cached preview for `key`, or None."""
        with self._lock:
            index = self._disk_index()
            if key in index:
                index.move_to_end(key)
            preview = self._memory.get(key)
            if preview is not None:
                self._memory.move_to_end(key)
                return preview
            entry = index.get(key)
            if entry is None:
                return None
        preview = self._read(entry[0])
        if preview is None:
            with self._lock:
                self._forget_disk(key)
            return None
        with self._lock:
            self._remember(key, preview)
        return preview

    def get_or_make(self, key: str, make: Callable[[], Preview]) -> Preview:
        """The cached preview for `key`, or `make()`'s, cached. Callers asking for a key that
        is being made meanwhile wait for that one instead of making it again."""
        while True:
            cached = self.get(key)
            if cached is not None:
                return cached
            with self._lock:
                busy = self._making.get(key)
                if busy is None:
                    self._making[key] = threading.Event()
                    break
            busy.wait()  # then the cache has it, or making it failed and we try ourselves
        try:
            preview = make()
            self.put(key, preview)
            return preview
        finally:
            with self._lock:
                self._making.pop(key).set()

    def put(self, key: str, preview: Preview) -> None:
        """Keep `preview` for `key` in memory and on disk (disk errors only skip the disk)."""
        with self._lock:
            self._remember(key, preview)
        if self.state is None:
            return
        extension = _EXTENSIONS.get(preview.mime)
        if extension is None:
            return
        name = f"{key}-{preview.width}x{preview.height}.{extension}"
        try:
            self.state.write(f"{self.folder}/{name}", preview.data)
        except OSError:  # a link in the way (OutsideRootError) included: nothing goes outside
            return
        with self._lock:
            index = self._disk_index()
            if key in index:
                self._disk_bytes -= index.pop(key)[1]
            index[key] = (name, len(preview.data))
            self._disk_bytes += len(preview.data)
            evicted = self._evict_disk()
        for old in evicted:
            with contextlib.suppress(OSError):
                self.state.unlink(f"{self.folder}/{old}")

    @property
    def disk_bytes(self) -> int:
        """Bytes of previews kept on disk now."""
        with self._lock:
            self._disk_index()
            return self._disk_bytes

    def __len__(self) -> int:
        """How many previews are kept in memory now."""
        return len(self._memory)

    @property
    def memory_bytes(self) -> int:
        """Bytes of previews kept in memory now."""
        return self._memory_bytes

    def _remember(self, key: str, preview: Preview) -> None:
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= len(old.data)
        self._memory[key] = preview
        self._memory_bytes += len(preview.data)
        while self._memory_bytes > self.max_memory_bytes and len(self._memory) > 1:
            _, dropped = self._memory.popitem(last=False)
            self._memory_bytes -= len(dropped.data)

    def _disk_index(self) -> OrderedDict[str, tuple[str, int]]:
        """Key -> (file, bytes), oldest use first; read from the folder once."""
        if self._disk is None:
            self._disk = OrderedDict()
            entries = []
            if self.state is not None:
                with contextlib.suppress(OSError):
                    for name, status in self.state.entries(self.folder):
                        key, dash, _ = name.partition("-")
                        if dash and not name.startswith(TEMP_PREFIX):
                            entries.append((status.st_mtime_ns, key, name, status.st_size))
            for _, key, name, size in sorted(entries):
                self._disk[key] = (name, size)
                self._disk_bytes += size
        return self._disk

    def _forget_disk(self, key: str) -> None:
        entry = self._disk_index().pop(key, None)
        if entry is not None:
            self._disk_bytes -= entry[1]

    def _evict_disk(self) -> list[str]:
        index = self._disk_index()
        evicted = []
        while self._disk_bytes > self.max_disk_bytes and len(index) > 1:
            _, (name, size) = index.popitem(last=False)
            self._disk_bytes -= size
            evicted.append(name)
        return evicted

    def _read(self, name: str) -> Preview | None:
        assert self.state is not None
        relative = f"{self.folder}/{name}"
        try:  # touched: recency survives a restart
            data = self.state.read(relative, max_bytes=MAX_ENTRY_BYTES, touch=True)
        except OSError:  # not a regular file, too big, or a link in the way
            return None
        if data is None:
            return None
        stem, _, extension = name.rpartition(".")
        size = stem.rpartition("-")[2]
        width, _, height = size.partition("x")
        mime = _MIMES.get(extension)
        if mime is None or not (width.isdigit() and height.isdigit()):
            return None
        return Preview(data, mime, int(width), int(height))
