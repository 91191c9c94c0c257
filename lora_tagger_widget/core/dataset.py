"""The data set: a folder of images and their captions, edited in memory and saved safely."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import sys
import threading
import weakref
from bisect import bisect_right
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from .autotagging import AutoTagging
from .batch import Operation, quoted_tags
from .captions import (
    MAX_EDIT_TAGS,
    CaptionTooLargeError,
    edit_caption,
    existing_tag,
    parse_tag_input,
    split_tags,
    tag_edit_refusal,
    validate_tag,
    validate_tags,
)
from .changes import Change
from .checks import CheckReport, CheckSettings, check_dataset
from .edits import BatchEditing, check_caption_text
from .export import ExportReport
from .export import export as export_for_trainer
from .files import (
    BOM_ENCODINGS,
    CAPTION_MAX_BYTES,
    UTF8_ENCODINGS,
    StateFolder,
    atomic_write,
    check_regular,
    checked_path,
    decode_caption,
    encode_caption,
    read_bytes_or_none,
    read_regular,
    sync_folders,
)
from .gc import gc_paused
from .history import CaptionEdit, History
from .images import (
    ImageError,
    ImageInfo,
    Preview,
    make_preview,
    read_image_info,
)
from .locks import FolderLock
from .originals import OriginalStore
from .previews import CACHE_DIR_NAME, PreviewCache, preview_key
from .query import Query, parse_query
from .restoring import Restoring
from .scan import FoundImage, image_id, images_in_folder, scan_images
from .session import SLOTS, STATE_DIR_NAME, Session
from .suggestions import SuggestionStore
from .taglist import Suggestion, TagList, complete_tags
from .tokens import clip_tokens
from .vocabulary import Vocabulary, rank

CAPTION_EXTENSION = ".txt"
PROGRESS_EVERY = 2_000
SAVE_CHUNK = 100  # captions taken for writing at a time
BOX_STEP = 32
ProgressCallback = Callable[[int, int], None]
ItemRef = int | str


class CaptionConflictError(Exception):
    """Captions changed on disk by someone else since they were read; they were not written."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        names = ", ".join(str(p) for p in paths[:5]) + (" …" if len(paths) > 5 else "")
        super().__init__(
            f"Not saved: {len(paths)} caption file(s) changed on disk since they were read: "
            f"{names}. Resolve each with dataset.resolve_conflict(item, keep='theirs' or 'mine')."
        )


class CaptionWriteError(OSError):
    """What a save could not write: captions (read-only folder, full disk, ...) and/or the
    session state; what was not written is kept in memory. The message says exactly which."""

    def __init__(self, failures: list[tuple[Path, OSError]], *, written: int = 0,
                 state_error: tuple[Path, OSError] | None = None) -> None:
        self.failures = failures
        self.written = written
        self.state_error = state_error
        parts = []
        if failures:
            path, error = failures[0]
            more = f" and {len(failures) - 1} more caption(s)" if len(failures) > 1 else ""
            parts.append(f"Could not write {path}{more}: {_reason(error)}. "
                         "Those edits are kept in memory; save again once the cause is fixed.")
        if state_error is not None:
            path, error = state_error
            parts.append(f"Could not save the session (position, review marks, palette, "
                         f"settings) in {path}: {_reason(error)}; it is kept in memory.")
        if written or not failures:
            parts.append(f"{written} caption file(s) were written.")
        super().__init__(" ".join(parts))


class CaptionLockedError(ValueError):
    """An edit refused because the caption file must not be rewritten without consent."""


@dataclass(frozen=True)
class Flag:
    """Something odd about an item, for a person: a short code and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Conflict:
    """A caption edited here and changed on disk too: both versions."""

    ours: str
    theirs: str | None  # None: the file was deleted


@dataclass(frozen=True)
class SaveReport:
    """What `Dataset.save` did."""

    written: tuple[str, ...]
    conflicts: tuple[str, ...]
    failed: tuple[str, ...]


class Item:
    """One image of the data set and its caption, as the data set holds them now."""

    __slots__ = (
        "_absent",
        "_encoding",
        "_image_error",
        "_image_info",
        "_original",
        "_read_error",
        "_read_only",
        "_rewrite_allowed",
        "_root",
        "_tags",
        "_text",
        "conflict",
        "id",
        "shares_caption",
    )

    def __init__(self, root: str, found: FoundImage) -> None:
        self._root = root
        self.id: str = found.relative
        self._original: str | None = None  # the caption as on disk; None: no caption file
        self._encoding = "utf-8"
        self._text = ""
        self._tags: tuple[str, ...] = ()
        self._absent = True  # the caption is "no caption file" (then `_text` is "")
        self._read_error: str | None = None
        self._read_only: str | None = None  # why replacing the file would override its owner
        self._rewrite_allowed = False
        self.conflict: Conflict | None = None
        self.shares_caption = found.shares_caption
        self._image_info: ImageInfo | None = None
        self._image_error: str | None = None
        if found.caption_exists:
            self._read_caption(check_path=not found.caption_is_plain)

    @property
    def name(self) -> str:
        """The image's path relative to the data set folder, with `/` between folders."""
        return self.id

    @property
    def image_path(self) -> Path:
        """Where the image is."""
        return Path(self._root, self.id)

    @property
    def caption_path(self) -> Path:
        """Where its caption is (or will be): `name.txt` beside `name.ext`."""
        return Path(self._root, self._caption_relative())

    @property
    def tags(self) -> list[str]:
        """The caption's tags as they are now (a copy)."""
        return list(self._tags)

    @property
    def caption(self) -> str:
        """The caption's text as it is now (what a save writes)."""
        return self._text

    @property
    def has_caption_file(self) -> bool:
        """Whether a caption file exists on disk (as last read or written)."""
        return self._original is not None

    @property
    def dirty(self) -> bool:
        """Whether the caption differs from what is on disk (a caption file to remove
        included)."""
        return self._text != (self._original or "") or (
            self._absent and self._original is not None
        )

    @property
    def encoding(self) -> str:
        """The encoding the caption file was read with."""
        return self._encoding

    @property
    def read_error(self) -> str | None:
        """Why the caption file could not be read (it is then left untouched), or None."""
        return self._read_error

    @property
    def caption_absent(self) -> bool:
        """Whether the caption is "no caption file" (the file is absent, or a save removes it)."""
        return self._absent

    @property
    def locked_reason(self) -> str | None:
        """Why edits are refused now, or None when the caption can be edited."""
        if self._read_error:
            return f"The caption file cannot be read ({self._read_error}); it is left untouched."
        if self._rewrite_allowed:
            return None
        if self._encoding not in UTF8_ENCODINGS:
            return (
                f"The caption file is {self._encoding}, not UTF-8. Editing it saves it "
                "as UTF-8 with the same text; allow that to edit it."
            )
        if self._read_only:
            return f"The caption file {self._read_only}; allow that to edit it."
        return None

    @property
    def image_info(self) -> ImageInfo | None:
        """Size, format and mode from the image header (read once), or None when unreadable."""
        self._load_image_info()
        return self._image_info

    @property
    def image_error(self) -> str | None:
        """Why the image cannot be read, or None."""
        self._load_image_info()
        return self._image_error

    @property
    def flags(self) -> list[Flag]:
        """What is odd about this item."""
        flags = []
        if self._read_error:
            flags.append(Flag("caption_unreadable", f"Caption cannot be read: {self._read_error}"))
        elif self._original is None:
            flags.append(Flag("no_caption", "No caption file yet"))
        elif not self._text.strip():
            flags.append(Flag("empty_caption", "The caption is empty"))
        if self._encoding not in UTF8_ENCODINGS:
            flags.append(Flag("not_utf8", f"Caption is {self._encoding}, not UTF-8"))
        if self._encoding in BOM_ENCODINGS:
            flags.append(Flag("bom", "Caption file starts with a byte-order mark"))
        if "\r\n" in self._text:
            flags.append(Flag("crlf", "Caption uses Windows line endings (CRLF)"))
        if len([line for line in self._text.splitlines() if line.strip()]) > 1:
            flags.append(Flag("multiline", "Caption has several lines; kohya reads only the first"))
        if self.shares_caption:
            flags.append(Flag("shared_caption", f"Another image shares the caption file "
                              f"{self.caption_path.name}; trainers give both the same caption"))
        if self.conflict is not None:
            flags.append(Flag("conflict", "Caption changed on disk while you edited it"))
        if self.image_error:
            flags.append(Flag("unreadable_image", self.image_error))
        elif self._image_info is not None:
            flags.extend(Flag(code, message) for code, message in self._image_info.notes())
        return flags

    def _caption_relative(self) -> str:
        return self.id[: self.id.rfind(".")] + CAPTION_EXTENSION

    def _checked(self, path: Path) -> Path:
        return checked_path(Path(self._root), path)

    def _load_image_info(self) -> None:
        if self._image_info is None and self._image_error is None:
            try:
                self._image_info = read_image_info(self._checked(self.image_path))
            except (ImageError, OSError) as error:
                self._image_error = str(error)

    def _read_caption(self, *, check_path: bool = True) -> None:
        """Read the caption from disk; `check_path=False` when the scan saw a regular file, no
        link. Only a regular file of at most `CAPTION_MAX_BYTES` is read: anything else (a FIFO,
        a device) gets `_read_error`, is never opened when seen beforehand, and never written
        over. A caption with other hard links is flagged as shared."""
        try:
            if check_path:
                path = self._checked(self.caption_path)
                check_regular(os.stat(path), path)
            else:
                path = os.path.join(self._root, self._caption_relative())
            data, status = read_regular(path, max_bytes=CAPTION_MAX_BYTES)
        except FileNotFoundError:
            self._read_error = self._read_only = None
            self._set_disk(None, "utf-8")
        except OSError as error:
            self._read_error = getattr(error, "strerror", None) or str(error)
            self._set_disk(None, "utf-8")
        else:
            self._read_error = None
            self._read_only = _owner_protection(status)
            if status.st_nlink > 1:
                self.shares_caption = True
            self._set_disk(*decode_caption(data))

    def _set_disk(self, text: str | None, encoding: str) -> None:
        """Record what the caption file holds now (`text` None: there is none)."""
        self._original = text
        self._encoding = encoding
        self._set_text(text or "")
        self._absent = text is None

    def _written(self, text: str | None, encoding: str) -> None:
        """Record that a save made the caption file hold `text` (None: removed it). The caption
        held may have been edited since: it stays, unsaved."""
        self._original = text
        self._encoding = encoding

    def _disk_bytes(self) -> bytes | None:
        """The bytes the caption file held when last read or written."""
        if self._original is None:
            return None
        return encode_caption(self._original, self._encoding)

    def _set_text(self, text: str, tags: Sequence[str] | None = None) -> None:
        """Hold `text` as the caption; `tags` when they are known to be `split_tags(text)`."""
        self._text = text
        tags = split_tags(text) if tags is None else tags
        # Interning saves memory for the tags many captions share; a huge caption (text, not a
        # tag list) is not worth the time.
        self._tags = tuple(map(sys.intern, tags) if len(tags) <= MAX_EDIT_TAGS else tags)

    def _set_caption(self, text: str | None, tags: Sequence[str] | None = None) -> None:
        """Hold `text` as the caption, None for "no caption file". An empty caption of an image
        that has no caption file on disk stays "no caption file" (nothing to write)."""
        self._set_text(text or "", tags)
        self._absent = text is None or (not text and self._original is None)

    def _caption_or_none(self) -> str | None:
        """The caption as the history keeps it: its text, or None for "no caption file"."""
        return None if self._absent else self._text

    def __repr__(self) -> str:
        return f"Item({self.id!r}, tags={list(self._tags)!r}{', dirty' if self.dirty else ''})"


class _CaptionWrite(NamedTuple):
    """A caption file for a save to write, as its item was when the save took it."""

    item: Item
    path: Path
    expected: bytes | None  # what the file held when last read or written (None: no file)
    text: str | None  # what to write; None: remove the file
    encoding: str


_WRITTEN = object()  # the outcome of a caption file written (or removed) as planned


@dataclass
class _Action:
    """The caption changes of one user action, collected by `Dataset._editing`."""

    label: str
    record: bool
    edits: list[CaptionEdit] = field(default_factory=list)
    ids: dict[str, None] = field(default_factory=dict)  # changed ids, in order, each once


class Dataset(BatchEditing, AutoTagging, Restoring):
    """A folder of images with a caption `name.txt` beside each `name.ext`.

    Edits change the captions in memory and tell the listeners; `save` writes the changed
    captions atomically and never over a file someone else changed meanwhile. Every edit is
    recorded in the undo history (`undo`, `redo`, kept in `.lora-tagger/history/`). Batch
    edits, paste and undo are in `BatchEditing`. What a caption held before its first save is
    kept in `.lora-tagger/originals/` and can be restored (`Restoring`).
    """

    _open_sets: ClassVar[weakref.WeakValueDictionary[Path, Dataset]] = (
        weakref.WeakValueDictionary()
    )
    _opening: ClassVar[threading.Lock] = threading.Lock()
    _handles: ClassVar[dict[Path, weakref.WeakSet[Dataset]]] = {}  # every object of each folder
    _handles_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, path: str | os.PathLike[str], *, progress: ProgressCallback | None = None
    ) -> None:
        """Scan `path`; `progress(done, total)` is called as captions are read (total known
        once the folder is listed)."""
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise NotADirectoryError(f"No folder at {root}.")
        self.root: Path = root
        self.state_dir: Path = root / STATE_DIR_NAME
        self._lock = threading.RLock()
        self._suggestion_store: SuggestionStore | None = None
        self._listeners: list[Callable[[Change], None]] = []
        self.state = StateFolder(root, STATE_DIR_NAME)
        self.originals = OriginalStore(self.state)
        self.session: Session = Session.load(self.state_dir)
        self._session_dirty = False
        self.history: History = History(root)
        self.vocabulary = Vocabulary()
        self.tag_list: TagList | None = None
        self._items: list[Item] = []
        self._by_id: dict[str, int] = {}
        self._unsaved: set[str] = set()
        self._conflicted: set[str] = set()
        self._writing: set[str] = set()  # ids whose caption file a save is writing now
        self._save_lock = threading.Lock()  # one save at a time
        self._caption_lock = FolderLock(root, self.state_dir, "captions")  # other writers'
        self._session_lock = FolderLock(root, self.state_dir, "session")
        with gc_paused():
            self._scan(root, progress)
        self.previews = PreviewCache(self.state, CACHE_DIR_NAME)
        with Dataset._handles_lock:
            Dataset._handles.setdefault(root, weakref.WeakSet()).add(self)

    def _scan(self, root: Path, progress: ProgressCallback | None) -> None:
        """Make an item of every image under `root`, its caption read, and count their tags."""
        scan = scan_images(root)
        root_text = str(root)
        for stale in scan.stale_temp_files:
            with contextlib.suppress(OSError):
                stale.unlink()
        total = len(scan.images)
        for done, found in enumerate(scan.images):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
            item = Item(root_text, found)
            self._by_id[item.id] = done
            self._items.append(item)
        if progress is not None:
            progress(total, total)
        self.vocabulary.add_all(item._tags for item in self._items)
        self._tagged = sum(1 for item in self._items if item._tags)

    @classmethod
    def is_open(cls, path: str | os.PathLike[str]) -> bool:
        """Whether `Dataset.open` has the data set of `path` already."""
        return Path(path).expanduser().resolve() in cls._open_sets

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, progress: ProgressCallback | None = None
    ) -> Dataset:
        """The data set of `path`, shared with every other open user of the same folder."""
        root = Path(path).expanduser().resolve()
        with cls._opening:
            existing = cls._open_sets.get(root)
            if existing is not None:
                return existing
            dataset = cls(root, progress=progress)
            cls._open_sets[root] = dataset
        return dataset

    # Items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, ref: ItemRef) -> Item:
        return self._items[self.index_of(ref)]

    def __iter__(self) -> Iterator[Item]:
        return iter(list(self._items))

    def index_of(self, ref: ItemRef | Item) -> int:
        """The position of an item given by position, id or the item itself.

        Raises `IndexError` for a position out of range and `KeyError` for an unknown id.
        """
        if isinstance(ref, Item):
            ref = ref.id
        if isinstance(ref, bool) or not isinstance(ref, int | str):
            raise TypeError(f"An item is named by its position or id, not {type(ref).__name__}.")
        if isinstance(ref, str):
            try:
                return self._by_id[ref]
            except KeyError:
                raise KeyError(f"No image {ref!r} in this data set.") from None
        count = len(self._items)
        if not -count <= ref < count:
            raise IndexError(f"No image at position {ref}; the data set has {count}.")
        return ref % count

    @property
    def tagged_count(self) -> int:
        """How many images have at least one tag."""
        return self._tagged

    @property
    def unsaved(self) -> list[Item]:
        """Items whose captions differ from disk, in data set order."""
        return self._in_order(self._unsaved)

    @property
    def conflicts(self) -> list[Item]:
        """Items whose caption changed on disk while edited here, in data set order."""
        return self._in_order(self._conflicted)

    @property
    def unsaved_count(self) -> int:
        """`len(unsaved)`, without listing them."""
        return len(self._unsaved)

    @property
    def conflict_count(self) -> int:
        """`len(conflicts)`, without listing them."""
        return len(self._conflicted)

    def _in_order(self, ids: set[str]) -> list[Item]:
        return [self._items[index] for index in sorted(self._by_id[i] for i in ids)]

    def _track(self, item: Item) -> None:
        """Keep the unsaved and conflicted sets current after `item` changed."""
        (self._unsaved.add if item.dirty else self._unsaved.discard)(item.id)
        (self._conflicted.add if item.conflict else self._conflicted.discard)(item.id)

    def items(self, start: int, count: int) -> list[Item]:
        """The items at positions `start` to `start + count - 1` (fewer at the end)."""
        return self._items[max(start, 0) : max(start, 0) + max(count, 0)]

    def state_bits(self, item: Item) -> int:
        """An item's state for the grid: 1 tagged, 2 reviewed, 4 flagged, 8 unsaved.

        "Flagged" is judged from what is known without reading the image: an odd caption, an
        image already found unreadable, a conflict."""
        return (
            (1 if item._tags else 0)
            | (2 if item.id in self.session.reviewed else 0)
            | (4 if _flagged(item) else 0)
            | (8 if item.id in self._unsaved else 0)
        )

    def filter(self, query: str | Query) -> list[Item]:
        """The items `query` matches, in order. The filter language (`tag:`, `caption:`,
        `name:`, `path:`, `tags:>5`, `width:>=1024`, `untagged`, `reviewed`, `flagged`,
        `suggested:x`, `score:x<0.5`,
        `NOT`/`AND`/`OR`, ...) is described in `lora_tagger_widget.core.query`; an invalid query
        raises `QueryError` saying where it is wrong."""
        return [self._items[i] for i in self.matching(query)]

    def matching(self, query: str | Query, positions: Iterable[int] | None = None) -> list[int]:
        """The positions of the items `query` matches, among `positions` (default: all)."""
        compiled = query if isinstance(query, Query) else parse_query(query)
        every = range(len(self._items)) if positions is None else positions
        if not compiled.text.strip():
            return list(every)
        suggested = (self.suggestions.open_tags() if compiled.fields & {"suggested", "score"}
                     else {})
        subject = _Subject(self, suggested)
        found = []
        for index in every:
            subject.item = self._items[index]
            if compiled.matches(subject):
                found.append(index)
        return found

    def next_untagged(self, after: int, among: Sequence[int] | None = None) -> int | None:
        """The position of the first untagged image after `after`, wrapping around; only
        positions in `among` (sorted) when given."""
        order = range(len(self._items)) if among is None else among
        start = bisect_right(order, after)
        for index in itertools.chain(order[start:], order[:start]):
            if not self._items[index]._tags:
                return index
        return None

    def preview(self, ref: ItemRef, max_width: int, max_height: int) -> Preview:
        """A small upright preview of an item's image that fits the box, from the cache when it
        was made before for this version of the file (raises `ImageError` when unreadable).

        Thumbnails are previews in a small square box. The box is rounded up to a multiple of
        32 px so that views of nearly the same size share the cached previews."""
        item = self[ref]
        max_width, max_height = (-(-int(side) // BOX_STEP) * BOX_STEP
                                 for side in (max_width, max_height))
        try:
            path = self._safe(item.image_path)
            status = os.stat(path)
            key = preview_key(item.id, status.st_size, status.st_mtime_ns,
                              (max_width, max_height))
            return self.previews.get_or_make(
                key, lambda: make_preview(path, max_width, max_height))
        except (ImageError, OSError) as error:
            item._image_error = str(error)
            self._emit(Change("status", (item.id,)))
            raise ImageError(str(error)) from error

    # Edits

    def add_tag(self, ref: ItemRef, tag: str) -> list[str]:
        """Add `tag` (commas separate several) at the end unless the caption has it already."""
        new = parse_tag_input(tag)
        item = self[ref]
        tags = item.tags
        extra = [t for t in dict.fromkeys(new) if t not in tags]
        label = f"Add {quoted_tags(extra)} to {item.id}" if extra else ""
        return self._set(item, tags + extra, label)

    def remove_tag(self, ref: ItemRef, tag: str) -> list[str]:
        """Remove every occurrence of `tag` from an item's caption (any tag it has, even one
        that `add_tag` would refuse, such as an over-long tag written by another program)."""
        tag = existing_tag(tag)
        item = self[ref]
        return self._set(item, [t for t in item._tags if t != tag],
                         f"Remove {quoted_tags([tag])} from {item.id}")

    def toggle_tag(self, ref: ItemRef, tag: str) -> list[str]:
        """Remove `tag` when the item has it, add it otherwise."""
        if isinstance(tag, str) and tag.strip() in self[ref]._tags:
            return self.remove_tag(ref, tag)
        return self.add_tag(ref, tag)

    def set_tags(self, ref: ItemRef, tags: Iterable[str] | str) -> list[str]:
        """Make an item's tags exactly `tags` (a list, or one comma-separated string)."""
        new = split_tags(tags) if isinstance(tags, str) else validate_tags(tags)
        item = self[ref]
        return self._set(item, new, f"Set the tags of {item.id}")

    def set_caption(self, ref: ItemRef, text: str) -> str:
        """Make an item's caption exactly `text` (for natural-language captions); its tags are
        split from it again. Returns the caption. `ValueError` for control characters other
        than tabs and line breaks; `CaptionLockedError` when its edits are refused."""
        text = check_caption_text(text)
        item = self[ref]
        with self._editing(f"Edit the caption of {item.id}") as action:
            self._refuse_locked(item)
            if text != item._text:
                self._hold(action, item, text)
            return item.caption

    def delete_tag(self, tag: str) -> int:
        """Remove `tag` from every image and from the palette; returns how many images changed.

        Captions whose edits are refused (`Item.locked_reason`) are left as they are. One
        undoable action (the palette is not part of the undo history).
        """
        tag = existing_tag(tag)
        changed = self._rename_or_remove(tag, lambda: Operation("remove", tags=(tag,)))
        with self._lock:
            if tag in self.session.palette:
                self.session.palette.remove(tag)
                self._session_dirty = True
            self._unslot(tag)
        self._emit(Change("palette"))
        return changed

    def rename_tag(self, old: str, new: str) -> int:
        """Rename `old` to `new` in every caption that has it, in place (merging it into `new`
        where a caption has both); returns how many images changed. Captions whose edits are
        refused (`Item.locked_reason`) are left as they are. One undoable action; the palette's
        `old` becomes `new` too."""
        old = existing_tag(old)
        new = validate_tag(new)
        changed = self._rename_or_remove(old, lambda: Operation("rename", mapping=((old, new),)))
        with self._lock:
            if old in self.session.palette:
                self.session.palette[self.session.palette.index(old)] = new
                self.session.palette = list(dict.fromkeys(self.session.palette))
                self._session_dirty = True
            slot = self._unslot(old)
            if slot is not None:
                self._unslot(new)
                self.session.slots[slot] = new
        self._emit(Change("palette"))
        return changed

    def _rename_or_remove(self, tag: str, operation: Callable[[], Operation]) -> int:
        """How many captions `apply_batch` changed, applied to the images that have `tag`;
        0 when no caption can have it."""
        try:
            op = operation()
        except ValueError:  # empty, or several tags: no caption has it as one tag
            return 0
        with self._lock:
            having = [i for i, item in enumerate(self._items) if tag in item._tags]
        return len(self.apply_batch(op, having).changes) if having else 0

    def allow_rewrite(self, ref: ItemRef) -> None:
        """Consent to rewriting a caption that is not UTF-8 as UTF-8 when it is edited."""
        item = self[ref]
        item._rewrite_allowed = True
        self._emit(Change("status", (item.id,)))

    @property
    def trigger(self) -> str | None:
        """The data set's trigger word (kept in the session), or None. Batch operations given
        as dicts keep it first. Set it to a tag, or to None or "" to clear it."""
        value = self.session.settings.get("trigger")
        return value if isinstance(value, str) and value else None

    @trigger.setter
    def trigger(self, value: str | None) -> None:
        word = None if value is None or value == "" else validate_tag(value)
        with self._lock:
            if word == self.trigger:
                return
            if word is None:
                self.session.settings.pop("trigger", None)
            else:
                self.session.settings["trigger"] = word
            self._session_dirty = True
        self._emit(Change("settings"))

    def _set(self, item: Item, tags: list[str], label: str) -> list[str]:
        """Make an item's tags `tags` (its other text kept), as one action named `label`.
        `CaptionTooLargeError` for a caption too large to edit as tags, or that the edit would
        make so (`tag_edit_refusal`)."""
        with self._editing(label) as action:
            self._refuse_locked(item)
            too_large = tag_edit_refusal(item._text, item._tags)
            if too_large is None and tuple(tags) != item._tags:
                text = edit_caption(item._text, tags)
                too_large = tag_edit_refusal(text, tags, edited=True)
                if too_large is None:
                    self._hold(action, item, text, tags)
            if too_large:
                raise CaptionTooLargeError(f"{item.id}: {too_large}")
            return item.tags

    @staticmethod
    def _refuse_locked(item: Item) -> None:
        if item.locked_reason:
            raise CaptionLockedError(f"{item.caption_path}: {item.locked_reason}")

    @contextlib.contextmanager
    def _editing(self, label: str = "", *, record: bool = True) -> Iterator[_Action]:
        """The one path of every caption edit: hold the lock while the action changes captions
        with `_hold`; then record them as one history entry named `action.label` (unless
        `record` is false: undo and redo move the history's cursor instead) and, once the lock
        is released, tell the listeners with one `Change("tags", ids)`."""
        action = _Action(label, record)
        try:
            with self._lock, gc_paused():
                try:
                    yield action
                finally:
                    if action.record and action.edits:
                        self.history.record(action.label, action.edits)
        finally:
            if action.ids:
                self._emit(Change("tags", tuple(action.ids)))

    def _hold(self, action: _Action, item: Item, text: str | None,
              tags: Sequence[str] | None = None) -> None:
        """Make `text` the caption of `item` in memory (None: no caption file; `tags` when
        known to be its tags), keeping tags, vocabulary and unsaved tracking current, and note
        the change in `action`. Call inside `_editing`."""
        before, before_tags = item._caption_or_none(), item._tags
        item._set_caption(text, tags)
        self._retally(before_tags, item._tags)
        self._track(item)
        action.edits.append(CaptionEdit(item.id, before, item._caption_or_none()))
        action.ids[item.id] = None

    def _retally(self, before: Sequence[str], after: Sequence[str]) -> None:
        self.vocabulary.replace(before, after)
        self._tagged += bool(after) - bool(before)

    # Palette and review marks

    @property
    def palette(self) -> list[tuple[str, int, bool]]:
        """Every tag in use and every pinned tag: `(tag, images, pinned)`, most used first, then
        by name (`rank`)."""
        pinned = set(self.session.palette)
        counts = self.vocabulary.counts
        rows = [(tag, n, tag in pinned) for tag, n in counts.items()]
        rows += [(tag, 0, True) for tag in pinned if tag not in counts]
        rows.sort(key=lambda row: rank(row[0], row[1]))
        return rows

    def complete(self, query: str, limit: int = 10) -> list[Suggestion]:
        """Tags containing `query` for autocomplete: the data set's (pinned palette tags count
        as used 0 times) and, when one is loaded, the tag list's (`load_tag_list`); ranked by
        images in the data set, then by the list's count (see `complete_tags`)."""
        counts = self.vocabulary.counts
        pinned = {tag: 0 for tag in self.session.palette if tag not in counts}
        return complete_tags(query, ChainMap(counts, pinned) if pinned else counts,
                             self.tag_list, limit)

    # Checks and exports

    def check(self, settings: CheckSettings | None = None, *,
              progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
              **options: Any) -> CheckReport:
        """Whether the set will train: blocking problems, warnings and info, as a report
        (`.records()`, `.to_dataframe()`, `.summary()`). `options` are `CheckSettings` fields
        (`resolution=768`, `blur_threshold=...`); the trigger word is the data set's unless
        given. Image facts are cached under `.lora-tagger/`, so a second check is quick."""
        if settings is None:
            settings = CheckSettings(**{"trigger": self.trigger, **options})
        return check_dataset(self, settings, progress=progress, cancel=cancel)

    def export(self, target: str, dest: str | os.PathLike[str], **options: Any) -> ExportReport:
        """Copy the set for a trainer: "civitai" (a zip), "ai-toolkit", "kohya" or "renamed"
        (see `lora_tagger_widget.core.export.export` for the options: `replace`, `fixes`, `scope`,
        `trigger`, `repeats`, ...). The originals are never modified."""
        return export_for_trainer(self, target, dest, **options)

    def load_tag_list(self, path: str | os.PathLike[str]) -> TagList:
        """Load a tag list CSV (a1111-sd-webui-tagcomplete / Danbooru format) for `complete`
        (`ValueError` when the file is not one)."""
        self.tag_list = TagList.load(path)
        return self.tag_list

    def pin_tag(self, tag: str) -> None:
        """Keep `tag` in the palette even while no image has it."""
        tags = parse_tag_input(tag)
        with self._lock:
            added = [t for t in tags if t not in self.session.palette]
            self.session.palette.extend(added)
            self._session_dirty = self._session_dirty or bool(added)
        self._emit(Change("palette"))

    @property
    def slots(self) -> dict[int, str]:
        """The tags pinned to digit keys: `{key: tag}` for keys 1-9 (kept in the session). The
        view fills the keys left free from the palette once per image it opens."""
        with self._lock:
            return dict(self.session.slots)

    def set_slot(self, slot: int, tag: str | None) -> None:
        """Pin `tag` to digit key `slot` (1-9), or free the key with None. The tag leaves any
        other key it had and is pinned to the palette too. `ValueError` for another key or a
        tag that is not valid."""
        if not isinstance(slot, int) or isinstance(slot, bool) or slot not in SLOTS:
            raise ValueError(f"A key slot is 1 to 9, not {slot!r}.")
        tag = None if tag is None else validate_tag(tag)
        with self._lock:
            if tag is None:
                if self.session.slots.pop(slot, None) is None:
                    return
            else:
                if self.session.slots.get(slot) == tag:
                    return
                self._unslot(tag)
                self.session.slots[slot] = tag
                if tag not in self.session.palette:
                    self.session.palette.append(tag)
            self.session.slots = dict(sorted(self.session.slots.items()))
            self._session_dirty = True
        self._emit(Change("palette"))

    def _unslot(self, tag: str) -> int | None:
        """Free the key `tag` is pinned to (the lock held); that key, or None."""
        for slot, pinned in self.session.slots.items():
            if pinned == tag:
                del self.session.slots[slot]
                self._session_dirty = True
                return slot
        return None

    def import_palette(self, source: str | os.PathLike[str]) -> int:
        """Pin the tags of a `tags.txt` (one tag per line), given as a path or a `Path`'s text.

        Returns how many tags were new to the palette. Lines that are not valid tags raise
        `ValueError` naming the line, and nothing is imported.
        """
        text = Path(source).read_text(encoding="utf-8-sig")
        return self.import_palette_text(text)

    def import_palette_text(self, text: str) -> int:
        """`import_palette` from the text of a `tags.txt`."""
        tags: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    tags.append(validate_tag(line))
                except ValueError as error:
                    raise ValueError(f"Line {number} of the tag list: {error}") from None
        known = set(self.session.palette) | set(self.vocabulary)
        new = [tag for tag in dict.fromkeys(tags) if tag not in known]
        if new:
            with self._lock:
                self.session.palette.extend(new)
                self._session_dirty = True
            self._emit(Change("palette"))
        return len(new)

    def export_palette_text(self) -> str:
        """The palette as the text of a `tags.txt`: one tag per line, most used first."""
        return "".join(f"{tag}\n" for tag, _, _ in self.palette)

    def export_palette(self, path: str | os.PathLike[str]) -> Path:
        """Write the palette to a `tags.txt` at `path`."""
        target = Path(path)
        atomic_write(target, self.export_palette_text().encode("utf-8"))
        return target

    def is_reviewed(self, ref: ItemRef) -> bool:
        """Whether the person marked the item as reviewed."""
        return self[ref].id in self.session.reviewed

    def set_reviewed(self, ref: ItemRef, reviewed: bool = True) -> None:
        """Mark or unmark an item as reviewed."""
        item = self[ref]
        with self._lock:
            if reviewed:
                self.session.reviewed.add(item.id)
            else:
                self.session.reviewed.discard(item.id)
            self._session_dirty = True
        self._emit(Change("reviewed", (item.id,)))

    @property
    def reviewed_count(self) -> int:
        """How many images are marked as reviewed."""
        return sum(1 for item_id in self.session.reviewed if item_id in self._by_id)

    def progress(self, positions: Iterable[int] | None = None) -> tuple[int, int, int]:
        """`(images, tagged, reviewed)` among `positions` (default: every image)."""
        if positions is None:
            return len(self._items), self._tagged, self.reviewed_count
        reviewed = self.session.reviewed
        shown = [self._items[p] for p in positions]
        return (len(shown), sum(1 for item in shown if item._tags),
                sum(1 for item in shown if item.id in reviewed))

    def setting(self, name: str, default: object = None) -> object:
        """The view setting `name` kept in the session (e.g. "caption_mode"), or `default`."""
        return self.session.settings.get(name, default)

    def set_setting(self, name: str, value: object) -> None:
        """Keep the view setting `name` in the session; the next save writes it."""
        with self._lock:
            self.session.settings[name] = value
            self._session_dirty = True

    def caption_states(self, items: Iterable[Item]) -> list[tuple[str, str, str | None]]:
        """`(caption, encoding, read_error)` of each of `items`, taken together: no edit lands
        between two of them."""
        with self._lock:
            return [(item.caption, item.encoding, item.read_error) for item in items]

    def note_session_change(self) -> None:
        """Say that `session` (position or settings) changed, so the next save writes it."""
        self._session_dirty = True

    # Disk

    def save(self, *, progress: ProgressCallback | None = None) -> SaveReport:
        """Write every changed caption atomically, and the session when it changed. A caption
        that an undo took back to "no caption file" has its file removed (counted as written).

        A caption changed on disk since it was read is not written (see `resolve_conflict`);
        `CaptionConflictError` is raised after the others are written. Write failures keep the
        edits in memory and raise `CaptionWriteError`. The captions are written `SAVE_CHUNK` at a
        time, each chunk's files then reported by `progress(done, total)` before the chunk's items
        are counted as saved. The files are written, and `progress` called, without holding the
        lock, so other threads (and `progress` itself) go on editing and reading meanwhile: an
        edit made after its caption was taken for writing stays unsaved, for the next save. One
        save runs at a time.
        """
        if not self.root.is_dir():
            raise CaptionWriteError([(self.root, _gone(
                self.root, "the data set folder is gone (moved or deleted)"))])
        written: list[str] = []
        conflicts: list[Item] = []
        failures: list[tuple[Item, OSError]] = []
        self.history.flush()  # the undo journal holds an edit before its captions do
        with self._save_lock:
            with self._lock:
                ids = [item.id for item in self.unsaved]
            for start in range(0, len(ids), SAVE_CHUNK):
                with self._lock:
                    writes = self._take_writes(ids[start : start + SAVE_CHUNK], failures)
                outcomes: list[tuple[_CaptionWrite, object]] = []
                try:
                    try:  # without the data set's lock; with the other writers' one
                        with self._caption_lock:
                            self.originals.record((write.item.id, write.expected)
                                                  for write in writes)
                            for write in writes:
                                outcomes.append((write, self._write_outcome(write)))
                    except OSError as error:  # no lock, or the originals not kept
                        outcomes.extend((write, error) for write in writes[len(outcomes):])
                    if progress is not None:
                        progress(min(start + SAVE_CHUNK, len(ids)), len(ids))
                finally:
                    self._record_writes(writes, outcomes, written, conflicts, failures)
            sync_folders(self[item_id].caption_path.parent for item_id in written)
            with self._lock:
                session_error, merged = self._save_session()
        report = SaveReport(
            tuple(written),
            tuple(item.id for item in self.conflicts),
            tuple(item.id for item, _ in failures),
        )
        if merged:  # other writers' review marks, pins or settings came in
            for kind in ("reviewed", "palette", "settings"):
                self._emit(Change(kind))
        if written:
            self._emit(Change("saved", tuple(written)))
        self._tell_others(written)
        if conflicts:
            self._emit(Change("conflict", tuple(item.id for item in conflicts)))
        if failures or session_error:
            raise CaptionWriteError(
                [(item.caption_path, error) for item, error in failures], written=len(written),
                state_error=(self.session.path, session_error) if session_error else None)
        if report.conflicts:
            raise CaptionConflictError([self[i].caption_path for i in report.conflicts])
        return report

    def _take_writes(self, ids: list[str],
                     failures: list[tuple[Item, OSError]]) -> list[_CaptionWrite]:
        """What to write for the items `ids` that need it, as they are now (the lock held);
        an item whose caption path is unsafe goes to `failures`."""
        writes = []
        for item_id in ids:
            item = self._items[self._by_id[item_id]]
            if not item.dirty or item.conflict is not None or item.locked_reason:
                continue
            try:
                path = self._safe(item.caption_path)
            except OSError as error:
                failures.append((item, error))
                continue
            encoding = "utf-8-sig" if item._encoding == "utf-8-sig" else "utf-8"
            writes.append(_CaptionWrite(item, path, item._disk_bytes(),
                                        None if item._absent else item._text, encoding))
            self._writing.add(item_id)
        return writes

    def _record_writes(
        self, writes: list[_CaptionWrite], outcomes: list[tuple[_CaptionWrite, object]],
        written: list[str], conflicts: list[Item], failures: list[tuple[Item, OSError]],
    ) -> None:
        """Tell the items what `_write_outcome` did with their files (`outcomes`; the `writes`
        after them were not done)."""
        with self._lock:
            self._writing.difference_update(write.item.id for write in writes)
            for write, outcome in outcomes:
                item = write.item
                if isinstance(outcome, OSError):
                    failures.append((item, outcome))
                elif outcome is _WRITTEN:
                    item._written(write.text, write.encoding)
                    written.append(item.id)
                else:
                    item.conflict = Conflict(ours=item._text, theirs=_text_of(outcome))
                    conflicts.append(item)
                self._track(item)

    def _write_outcome(self, write: _CaptionWrite) -> object:
        """Write one caption file (or remove it: `write.text` None) unless it changed on disk
        since it was read; runs without the lock. `_WRITTEN`, or what the file holds now when it
        changed (a conflict), or the `OSError` that stopped it."""
        try:
            on_disk = read_bytes_or_none(write.path)
            if on_disk != write.expected and not (write.text is None and on_disk is None):
                return on_disk
            if write.text is not None and not os.path.lexists(write.item.image_path):
                return _gone(write.item.image_path, "its image is no longer on disk, so the "
                             "caption is not written (it would belong to no image)")
            if write.text is None:
                if on_disk is not None:
                    os.unlink(write.path)
            else:
                atomic_write(write.path, encode_caption(write.text, write.encoding),
                             sync_folder=False)
        except OSError as error:
            return error
        return _WRITTEN

    def _tell_others(self, ids: list[str]) -> None:
        """Bring the other `Dataset` objects of this folder in this process up to date with what
        this one just saved: the captions `ids`, the session and the undo history (other
        processes see them through their watchers)."""
        with Dataset._handles_lock:
            others = [other for other in Dataset._handles.get(self.root, ()) if other is not self]
        for other in others:
            for item_id in ids:
                if item_id in other._by_id:
                    other.refresh(item_id)
            other.sync_state()

    def _save_session(self) -> tuple[OSError | None, bool]:
        """Write the session when it changed here, merged with what other writers saved: the
        error that stopped it (or None), and whether the merge brought in their changes."""
        if not self._session_dirty:
            return None, False
        try:
            with self._session_lock:
                merged = self.session.save()
        except OSError as error:  # OutsideRootError included: state never goes outside
            return error, False
        self._session_dirty = False
        return None, merged

    def sync_state(self) -> None:
        """Take in the session (review marks, pinned tags, settings) and undo history that
        other writers of this folder saved; this data set's own unsaved changes are kept."""
        with self._lock:
            try:
                changed = self.session.sync()
            except OSError:
                changed = False
            self.history.sync()
        if changed:
            for kind in ("reviewed", "palette", "settings"):
                self._emit(Change(kind))

    def refresh(self, ref: ItemRef) -> bool:
        """Look at an item's caption on disk again; True when it changed there.

        An unedited caption takes the new text; an edited one gets a conflict to resolve.
        """
        item = self[ref]
        if not self.root.is_dir():  # the folder is gone: that is no change of the caption
            return False
        with self._lock:
            if item.id in self._writing:  # a save is writing it: what is on disk is ours
                return False
            try:
                on_disk = read_bytes_or_none(self._safe(item.caption_path))
            except OSError as error:
                if item._read_error is not None:
                    return False
                item._read_error = error.strerror or str(error)
                self._emit(Change("status", (item.id,)))
                return True
            if item._read_error is None and on_disk == item._disk_bytes():
                return False
            if item.dirty:
                item.conflict = Conflict(ours=item._text, theirs=_text_of(on_disk))
                kind = "conflict"
            else:
                before = item._tags
                item._read_caption()
                self._retally(before, item._tags)
                kind = "tags"
            self._track(item)
        self._emit(Change(kind, (item.id,)))
        return True

    def add_images(self, paths: Iterable[str | os.PathLike[str]], *,
                   skip_invalid: bool = False) -> list[int]:
        """Take in images put in the folder since it was read (`paths`: absolute, or relative
        to the root), with their captions, at the end of the data set so that no position
        moves; returns their positions. Images it has already are left as they are. Raises
        `ValueError`, adding none, when a path is not an image file of the data set (outside
        it, hidden, not named like an image, not a regular file, gone); with `skip_invalid`,
        such paths are left out and the others added."""
        wanted: dict[str, None] = {}
        for given in paths:
            path = Path(given) if Path(given).is_absolute() else self.root / given
            try:
                relative = image_id(self.root, path)
            except ValueError:
                if skip_invalid:
                    continue
                raise
            if relative not in self._by_id:
                wanted[relative] = None
        found: list[FoundImage] = []
        sharing: dict[str, list[str]] = {}  # per new image that shares its caption: its namesakes
        for folder in dict.fromkeys(relative.rpartition("/")[0] for relative in wanted):
            try:
                listed = images_in_folder(self.root, folder)
            except OSError as error:
                if skip_invalid:
                    continue
                raise ValueError(f"The folder {folder or '.'} cannot be read: "
                                 f"{error.strerror or error}") from None
            by_stem: dict[str, list[str]] = {}
            for one in listed:
                by_stem.setdefault(one.relative[: one.relative.rfind(".")], []).append(one.relative)
            for one in listed:
                if one.relative in wanted:
                    found.append(one)
                    if one.shares_caption:
                        sharing[one.relative] = by_stem[one.relative[: one.relative.rfind(".")]]
        missing = set(wanted) - {one.relative for one in found}
        if missing and not skip_invalid:
            raise ValueError(f"{min(missing)} is no longer there.")
        order = {relative: i for i, relative in enumerate(wanted)}
        found.sort(key=lambda one: order[one.relative])
        if not found:
            return []
        with self._lock:
            added = []
            # another thread (a folder watcher) may have taken some in since the check above
            found = [one for one in found if one.relative not in self._by_id]
            for one in found:
                item = Item(str(self.root), one)
                self._by_id[item.id] = len(self._items)
                added.append(len(self._items))
                self._items.append(item)
                self._retally((), item._tags)
                for other in sharing.get(one.relative, ()):
                    if other != one.relative and other in self._by_id:
                        self._items[self._by_id[other]].shares_caption = True
        if found:
            self._emit(Change("added", tuple(one.relative for one in found)))
        return added

    def resolve_conflict(self, ref: ItemRef, keep: str) -> None:
        """End a conflict: `keep="theirs"` takes the file on disk, `"mine"` overwrites it on the
        next save."""
        if keep not in ("theirs", "mine"):
            raise ValueError('keep must be "theirs" or "mine".')
        item = self[ref]
        with self._lock:
            before, mine = item._tags, item._caption_or_none()
            item._read_caption()
            if keep == "mine":
                item._set_caption(mine)
            self._retally(before, item._tags)
            item.conflict = None
            self._track(item)
        self._emit(Change("tags", (item.id,)))

    def reload(self, ref: ItemRef) -> None:
        """Drop an item's unsaved edit and read its caption from disk again."""
        self.resolve_conflict(ref, "theirs")

    def _safe(self, path: Path) -> Path:
        return checked_path(self.root, path)

    # Listeners

    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        """Call `listener(change)` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    def __repr__(self) -> str:
        return (
            f"Dataset({str(self.root)!r}: {len(self)} images, {self.tagged_count} tagged, "
            f"{len(self.vocabulary)} tags)"
        )


def _flagged(item: Item) -> bool:
    return (
        item._encoding not in UTF8_ENCODINGS
        or item._read_error is not None
        or item._image_error is not None
        or item.conflict is not None
        or item.shares_caption
        or "\n" in item._text.strip()
    )


class _Subject:
    """An item as the filter language sees it (one object, pointed at each item in turn)."""

    __slots__ = ("_dataset", "_suggested", "item")

    def __init__(self, dataset: Dataset,
                 suggested: dict[str, list[tuple[str, float]]]) -> None:
        self._dataset = dataset
        self._suggested = suggested
        self.item: Item

    @property
    def tags(self) -> Sequence[str]:
        return self.item._tags

    @property
    def caption(self) -> str:
        return self.item._text

    @property
    def name(self) -> str:
        return self.item.id.rpartition("/")[2]

    @property
    def path(self) -> str:
        return self.item.id

    @property
    def reviewed(self) -> bool:
        return self.item.id in self._dataset.session.reviewed

    @property
    def flagged(self) -> bool:
        return _flagged(self.item)

    def size(self) -> tuple[int, int] | None:
        info = self.item.image_info
        return (info.width, info.height) if info is not None else None

    def token_count(self) -> int:
        return clip_tokens(self.item._text).count

    @property
    def suggested(self) -> list[tuple[str, float]] | None:
        return self._suggested.get(self.item.id)


def _owner_protection(status: os.stat_result) -> str | None:
    """Why a caption file of this status is protected by its owner from being replaced (its
    write permission taken away, or another user's file), or None."""
    if not status.st_mode & 0o222:
        return f"is read-only (mode {status.st_mode & 0o777:o}); an edit replaces it, read-only"
    uid = os.geteuid()
    if uid != 0 and status.st_uid != uid:
        return (f"belongs to another user (uid {status.st_uid}); an edit cannot keep that "
                "owner and will fail unless the file is yours")
    return None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _gone(path: Path, why: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, why, str(path))


def _text_of(data: bytes | None) -> str | None:
    return decode_caption(data)[0] if data is not None else None
