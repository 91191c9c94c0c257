"""Undo history: a bounded, linear journal of caption edits with a cursor, kept across kernel
restarts in `.lora-tagger/history/journal.jsonl` inside the data set (its format: `journal.py`).

Each action appends one record and fsyncs; the file is rewritten whole (atomically) when it has
grown to twice what it holds, and after a damaged record was found. A damaged or torn record and
everything after it is ignored on loading, with a note. The record of a big action (thousands of
captions) is encoded and written on a thread of its own, so that the action returns at once;
every other use of the history waits for it (`flush`). Other writers of the same data set (another
kernel) append to the journal under a file lock; each history takes in their records.

This module only keeps the journal: the data set applies `peek_undo().inverse()` (or
`peek_redo()`) through its own safe write path and then confirms with `undone()` / `redone()`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import journal
from .files import OutsideRootError, StateFolder, is_stale_temp
from .journal import CaptionEdit, Damaged, Entry
from .locks import FolderLock
from .session import STATE_DIR_NAME

HISTORY_DIR_NAME = "history"
JOURNAL_FILE_NAME = "journal.jsonl"
DEFAULT_MAX_ENTRIES = 200
DEFAULT_MAX_BYTES = 50_000_000
MAX_JOURNAL_BYTES = 4 * DEFAULT_MAX_BYTES  # a journal file past this is not read
MAX_LABEL = 200  # characters of an entry's label (it names tags, which may be long)
BACKGROUND_OVER_EDITS = 2_000  # an entry changing more captions than this is written on a thread
COMPACT_SLACK_BYTES = 256 * 1024  # rewrite when the file exceeds twice its live records + this
_DECODED_KEPT = 4  # decoded entries kept in memory (the rest stay as their stored bytes)

_JOURNAL = f"{HISTORY_DIR_NAME}/{JOURNAL_FILE_NAME}"

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class _Slot:
    """An entry as kept in memory: its stored record, decoded only when asked for."""

    n: int  # position in the history since it was started (or cleared)
    label: str
    time: float
    line: bytes  # the record as stored, newline included
    decoded: Entry | None = None


class History:
    """The undo/redo history of one data set: a linear list of entries and a cursor.

    Entries before the cursor can be undone (the newest first), those after it redone (the
    nearest first). Recording drops the entries after the cursor. At most `max_entries` entries
    and `max_bytes` of stored records are kept, the oldest dropped first (the newest entry is
    always kept, however big). Every change is saved to `.lora-tagger/history/` at once; when
    that is not possible the history goes on in memory and `warning` says why. Only errors in the
    arguments raise. Safe to use from several threads; one `History` per data set folder.
    """

    def __init__(
        self,
        root: Path,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        """The history of the data set folder `root`, loaded from its `.lora-tagger/history`."""
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("max_entries and max_bytes must be at least 1")
        self.root = Path(root).expanduser().resolve()
        self.folder = self.root / STATE_DIR_NAME / HISTORY_DIR_NAME
        self.path = self.folder / JOURNAL_FILE_NAME
        self._state = StateFolder(self.root, STATE_DIR_NAME)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._written = threading.Condition(self._lock)  # notified when a record is written
        self._writing = False  # an entry's record is being written on its own thread
        self._slots: list[_Slot] = []
        self._base = 0  # n of the oldest kept entry (or where the next one goes when none is)
        self._cursor = 0  # n of the next entry to redo: entries with n < cursor are applied
        self._live_bytes = 0  # stored bytes of the kept entries
        self._decoded: deque[_Slot] = deque()
        self._file_size: int | None = None  # the journal's size as written; None: rewrite it
        self._file_ino: int | None = None  # and its inode: another writer's rewrite changes it
        self._file_lock = FolderLock(self.root, self.root / STATE_DIR_NAME, "history")
        self._frozen: str | None = None  # why the journal on disk must be left alone
        self._damage_note: str | None = None
        self._save_note: str | None = None
        self._unsaved: list[_Slot] = []  # entries kept in memory only since a save failed
        with self._lock:
            self._load()

    # -- reading ------------------------------------------------------------------------------

    @property
    def warning(self) -> str | None:
        """What went wrong with the history on disk, if anything: it could not be saved (then it
        is kept in memory only), or a damaged record was skipped when loading. None when fine.
        It does not wait for an entry still being written (`flush` does)."""
        with self._lock:
            notes = [n for n in (self._frozen, self._save_note, self._damage_note) if n]
            return " ".join(notes) if notes else None

    def can_undo(self) -> bool:
        """Whether there is an entry to undo."""
        with self._lock:
            return self._cursor > self._base

    def can_redo(self) -> bool:
        """Whether there is an entry to redo."""
        with self._lock:
            return self._cursor < self._base + len(self._slots)

    def peek_undo(self) -> Entry | None:
        """The entry an undo would revert (apply its `inverse()`), or None. The cursor does not
        move: call `undone()` once the data set applied it."""
        with self._lock:
            self._settle()
            self._catch_up()
            while self._cursor > self._base:
                slot = self._slots[self._cursor - self._base - 1]
                try:
                    return self._entry(slot)
                except Damaged as error:  # cannot happen unless the file was tampered with
                    self._damage_note = (f"The undo history entry {slot.label!r} was damaged "
                                         f"({error}); it and the older ones were dropped.")
                    self._drop_below(slot.n + 1)
                    self._file_size = None
                    self._save(None)
            return None

    def peek_redo(self) -> Entry | None:
        """The entry a redo would apply again, or None. The cursor does not move: call `redone()`
        once the data set applied it."""
        with self._lock:
            self._settle()
            self._catch_up()
            while self._cursor < self._base + len(self._slots):
                slot = self._slots[self._cursor - self._base]
                try:
                    return self._entry(slot)
                except Damaged as error:
                    self._damage_note = (f"The redo entry {slot.label!r} was damaged ({error}); "
                                         "it and the later ones were dropped.")
                    self._drop_from(slot.n)
                    self._file_size = None
                    self._save(None)
            return None

    def labels(self) -> tuple[list[str], list[str]]:
        """The labels of the entries to undo (newest first) and to redo (nearest first)."""
        with self._lock:
            split = self._cursor - self._base
            return ([slot.label for slot in reversed(self._slots[:split])],
                    [slot.label for slot in self._slots[split:]])

    def __len__(self) -> int:
        """The number of entries kept (to undo and to redo)."""
        with self._lock:
            return len(self._slots)

    @property
    def stored_bytes(self) -> int:
        """The stored size of the entries kept (what `max_bytes` bounds)."""
        with self._lock:
            self._settle()
            return self._live_bytes

    # -- changing -----------------------------------------------------------------------------

    def record(self, label: str, edits: Sequence[CaptionEdit]) -> Entry | None:
        """Add an action after the cursor, dropping the entries that could be redone, and save it.

        Edits that change nothing are left out, and several edits of one caption become one (the
        first `before`, the last `after`). Returns the entry as kept, or None (nothing recorded)
        when no caption changes. An entry of more than `BACKGROUND_OVER_EDITS` captions is
        written on a thread of its own (see `flush`). A label longer than `MAX_LABEL` characters
        is cut there, with an ellipsis.
        """
        if not isinstance(label, str):
            raise TypeError(f"label must be a string, not {type(label).__name__}")
        if len(label) > MAX_LABEL:
            label = label[: MAX_LABEL - 1] + "…"
        changes = _normalize(edits)
        if not changes:
            return None
        entry = Entry(label, time.time(), changes)
        with self._lock:
            self._settle()
            n = self._cursor
            self._drop_from(n)
            slot = _Slot(n, label, entry.time, b"")
            self._append_slot(slot)
            if len(changes) <= BACKGROUND_OVER_EDITS:
                self._write_entry(slot, entry)
            else:
                self._writing = True
                writer = threading.Thread(target=self._write_entry, args=(slot, entry),
                                          name="ltw-history")  # not a daemon: exit waits for it
                try:
                    writer.start()
                except RuntimeError:  # no thread to be had (interpreter shutdown): write it here
                    self._writing = False
                    self._write_entry(slot, entry)
            return entry

    def sync(self) -> None:
        """Take in the entries and undo/redo moves that other writers of the data set added to
        the journal since this history last read or wrote it."""
        with self._lock:
            self._settle()
            self._catch_up()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the history (against this process's threads and other writers alike) from a
        `peek_undo`/`peek_redo` to its `undone`/`redone`, so no entry comes in between."""
        with self._lock:
            self._settle()  # before the file lock: the entry's writer needs it
            with self._disk_lock():
                self._catch_up()
                yield

    def flush(self) -> None:
        """Wait until every recorded entry is written to the journal (or failed to be, which
        `warning` tells). The data set calls it before it writes captions."""
        with self._lock:
            self._settle()

    def undone(self) -> None:
        """Move the cursor back one entry: call once `peek_undo().inverse()` has been applied.
        Raises `IndexError` when there is nothing to undo."""
        self._move_cursor(-1)

    def redone(self) -> None:
        """Move the cursor forward one entry: call once `peek_redo()` has been applied.
        Raises `IndexError` when there is nothing to redo."""
        self._move_cursor(1)

    def _move_cursor(self, step: int) -> None:
        with self._lock:
            self._settle()
            with self._disk_lock():
                self._catch_up()
                if not self._base <= self._cursor + step <= self._base + len(self._slots):
                    raise IndexError(f"There is nothing to {'undo' if step < 0 else 'redo'}.")
                self._cursor += step
                self._save(journal.cursor_line(self._cursor))

    def clear(self) -> None:
        """Forget every entry, in memory and on disk."""
        with self._lock:
            self._settle()
            self._slots.clear()
            self._base = self._cursor = self._live_bytes = 0
            self._damage_note = None
            self._file_size = None
            self._save(None)

    def _settle(self) -> None:
        """Wait (the lock held) until no entry is being written on its own thread."""
        while self._writing:
            self._written.wait()

    def _write_entry(self, slot: _Slot, entry: Entry) -> None:
        """Encode `entry` into its `slot` (the newest) and append it to the journal."""
        try:
            try:
                edits_part, packed = journal.encode_edits(entry.edits)
            except BaseException:  # out of memory: the entry cannot be kept
                with self._lock:
                    self._drop_from(slot.n)
                raise
            with self._lock, self._disk_lock():
                if self._changed_on_disk():  # another writer's records go first, then ours
                    self._slots.pop()
                    self._cursor, self._live_bytes = slot.n, self._live_bytes - len(slot.line)
                    self._catch_up()
                    self._drop_from(self._cursor)
                    slot.n = self._cursor
                    self._append_slot(slot)
                slot.line = journal.entry_line(slot.n, self._base, entry, edits_part, packed)
                self._live_bytes += len(slot.line)
                if self._trim():  # the stored record says which older entries it drops
                    self._live_bytes -= len(slot.line)
                    slot.line = journal.entry_line(slot.n, self._base, entry, edits_part, packed)
                    self._live_bytes += len(slot.line)
                self._remember(slot, entry)
                self._unsaved.append(slot)
                self._save(slot.line)
        finally:
            with self._lock:
                self._writing = False
                self._written.notify_all()

    # -- in-memory state ----------------------------------------------------------------------

    def _entry(self, slot: _Slot) -> Entry:
        if slot.decoded is None:
            self._remember(slot, journal.decode_entry(slot.line, slot.label, slot.time))
        assert slot.decoded is not None
        return slot.decoded

    def _remember(self, slot: _Slot, entry: Entry) -> None:
        if slot.decoded is None:
            if len(self._decoded) >= _DECODED_KEPT:
                self._decoded.popleft().decoded = None
            self._decoded.append(slot)
        slot.decoded = entry

    def _append_slot(self, slot: _Slot) -> None:
        if slot.n != self._cursor:
            raise Damaged(f"entry {slot.n} does not follow the cursor at {self._cursor}")
        self._slots.append(slot)
        self._cursor += 1
        self._live_bytes += len(slot.line)

    def _drop_from(self, n: int) -> None:
        """Drop the entries from `n` on (the redo branch)."""
        keep = max(0, n - self._base)
        for slot in self._slots[keep:]:
            self._live_bytes -= len(slot.line)
        del self._slots[keep:]
        self._cursor = min(self._cursor, self._base + len(self._slots))

    def _drop_below(self, n: int) -> None:
        """Drop the entries before `n` (the oldest); redo entries left without the entries
        before them go too."""
        count = n - self._base
        if count <= 0:
            return
        for slot in self._slots[:count]:
            self._live_bytes -= len(slot.line)
        del self._slots[:count]
        self._base = n
        if self._cursor < n:
            self._drop_from(n)
            self._cursor = n

    def _trim(self) -> bool:
        """Drop the oldest entries beyond the bounds; whether any was dropped."""
        count = 0
        live = self._live_bytes
        while len(self._slots) - count > 1 and (
            len(self._slots) - count > self.max_entries or live > self.max_bytes
        ):
            live -= len(self._slots[count].line)
            count += 1
        self._drop_below(self._base + count)
        return count > 0

    def _set_cursor(self, at: int) -> None:
        if not self._base <= at <= self._base + len(self._slots):
            raise Damaged(f"cursor {at} is outside the entries {self._base}..")
        self._cursor = at

    # -- disk ---------------------------------------------------------------------------------

    def _load(self) -> None:
        with contextlib.suppress(OSError):  # an unreadable folder is told by the read below
            for name, status in self._state.entries(HISTORY_DIR_NAME):
                if is_stale_temp(name, status):
                    self._state.unlink(f"{HISTORY_DIR_NAME}/{name}")
        self._read_journal()

    def _read_journal(self) -> None:
        """Take the entries and cursor from the journal on disk into the (empty) history."""
        try:
            data, self._file_ino = self._read_file()
        except FileNotFoundError:
            return
        except OutsideRootError:
            self._save_note = self._outside_note()
            return
        except OSError as error:
            self._frozen = (f"The undo history {self.path} could not be read ({error}); it is "
                            "left as it is and this session's history is kept in memory only.")
            log.warning("%s", self._frozen)
            return
        good_size, records, error = self._replay(data)
        if self._frozen:
            return
        self._file_size = good_size if records else None  # no header yet: write one first
        if error is not None:
            rest = data[good_size:]
            trailing = b"\n" not in rest.rstrip(b"\n")
            kept = f"the {len(self._slots)} entries before it are kept"
            if trailing:
                self._damage_note = (f"A damaged record at the end of the undo history was "
                                     f"ignored ({len(rest)} bytes, {error}); {kept}.")
            else:
                aside = self._state.set_aside(_JOURNAL)
                where = (f"the damaged file was kept as {aside}" if aside else
                         "the damaged file was left as it is")
                self._damage_note = (f"The undo history was damaged at record {records + 1} "
                                     f"({error}); {kept} and {where}.")
            log.warning("%s", self._damage_note)
            self._file_size = None
        if self._trim():
            self._file_size = None
        if self._file_size is None:
            self._save(None)

    def _disk_lock(self) -> contextlib.AbstractContextManager[object]:
        """The other writers' lock on the journal; none is needed while the history is kept in
        memory only (then the journal is not touched)."""
        return contextlib.nullcontext() if self._frozen else self._file_lock

    def _changed_on_disk(self) -> bool:
        """Whether the journal is not as this history last read or wrote it (another writer
        appended to it or rewrote it)."""
        if self._frozen:
            return False
        try:
            status = self._state.stat(_JOURNAL)
        except OSError:
            return False
        if status is None:
            return False
        return (status.st_ino, status.st_size) != (self._file_ino, self._file_size)

    def _catch_up(self) -> None:
        """Take in what other writers added to the journal since this history last read or
        wrote it: the records they appended, or the whole file when they rewrote it."""
        if not self._changed_on_disk():
            return
        try:
            with self._disk_lock():  # no other writer is halfway through a record
                self._take_in_others()
        except OSError as error:
            self._save_note = (f"The undo history in {self.folder} could not be read again "
                               f"({error}); it is kept in memory only.")

    def _take_in_others(self) -> None:
        """Read what other writers added; the entries this history could not save yet go on top
        of theirs (the ones it had undone stay to redo)."""
        data, ino = self._read_file()
        size = self._file_size
        if size is not None and ino == self._file_ino and len(data) > size:
            try:
                good, _, error = self._replay(data[size:], start=1)
            except Damaged:
                error = "a record that does not follow"
            if error is None:
                self._file_size = size + good
                return
        kept = {id(slot) for slot in self._slots}
        pending = [slot for slot in self._unsaved if id(slot) in kept]
        applied = sum(slot.n < self._cursor for slot in pending)
        self._slots.clear()
        self._decoded.clear()
        self._base = self._cursor = self._live_bytes = 0
        self._file_size = self._file_ino = None
        self._damage_note = None
        self._read_journal()
        if pending:
            self._put_back(pending, applied)

    def _put_back(self, pending: list[_Slot], applied: int) -> None:
        """Add `pending` (entries not in the journal) after the cursor, the first `applied` of
        them applied; the journal is rewritten at the next save."""
        self._drop_from(self._cursor)
        start = self._cursor
        for slot in pending:
            entry = self._entry(slot)
            slot.n = self._cursor
            slot.line = journal.entry_line(slot.n, self._base, entry,
                                           *journal.encode_edits(entry.edits))
            self._append_slot(slot)
        self._cursor = start + applied
        self._trim()
        self._unsaved = pending
        self._file_size = None

    def _replay(self, data: bytes, start: int = 0) -> tuple[int, int, str | None]:
        """Apply the records of `data`: (bytes of the good records, their number, why the next
        one is damaged or None). `start`: how many records came before `data` (then a damaged
        one raises `Damaged`, as the history may be half changed)."""
        position, records = 0, start
        while position < len(data):
            end = data.find(b"\n", position)
            if end < 0:
                return position, records, "an unfinished record"
            line = data[position : end + 1]
            try:
                record = journal.unframe(line)
                self._apply(record, line, first=records == 0)
            except Damaged as error:
                if start:
                    raise
                # The damaged record may be half applied: start again from the good ones alone.
                self._slots.clear()
                self._base = self._cursor = self._live_bytes = 0
                return (*self._replay_prefix(data, position), str(error))
            if self._frozen:
                return position, records, None
            position = end + 1
            records += 1
        return position, records, None

    def _replay_prefix(self, data: bytes, size: int) -> tuple[int, int]:
        good, records, error = self._replay(data[:size])
        assert error is None
        return good, records

    def _apply(self, record: dict[str, Any], line: bytes, *, first: bool) -> None:
        op = record.get("op")
        if first != (op == "journal"):
            raise Damaged("the header is missing" if first else "a second header")
        if op == "journal":
            version = record.get("version")
            if not isinstance(version, int) or version < 1:
                raise Damaged(f"unknown version {version!r}")
            if version > journal.JOURNAL_VERSION:
                self._frozen = (f"The undo history {self.path} was written by a newer version "
                                "of lora-tagger-widget; it is left as it is and this session's "
                                "history is kept in memory only.")
                return
            self._base = self._cursor = journal.number(record, "base")
        elif op == "entry":
            n, base = journal.number(record, "n"), journal.number(record, "base")
            label, when = record.get("label"), record.get("time")
            if not isinstance(label, str) or not isinstance(when, (int, float)):
                raise Damaged("an entry without a label or time")
            if not self._base <= n <= self._base + len(self._slots):
                raise Damaged(f"entry {n} is outside the entries {self._base}..")
            self._drop_from(n)
            self._append_slot(_Slot(n, label, float(when), line))
            self._drop_below(base)
        elif op == "cursor":
            self._set_cursor(journal.number(record, "at"))
        else:
            raise Damaged(f"an unknown record {op!r}")

    def _save(self, line: bytes | None) -> None:
        """Append `line` to the journal, or rewrite the journal whole when that is needed (no
        line, or the file is not as this history last left it). Never raises: a failure is kept
        in `warning` and the next save rewrites the file."""
        if self._frozen:
            return
        try:
            with self._disk_lock():
                appended = (line is not None and self._file_size is not None
                            and self._append(line))
                if line is not None and not appended and self._file_size is not None:
                    self._file_ino = None  # not the file this history wrote: take it in first
                    self._take_in_others()
                if not appended or self._grown():
                    self._rewrite()
        except OSError as error:
            self._file_size = None
            note = (self._outside_note() if isinstance(error, OutsideRootError) else
                    f"The undo history could not be saved in {self.folder} ({error}); it is "
                    "kept in memory only until saving works again.")
            if note != self._save_note:
                log.warning("%s", note)
            self._save_note = note
        else:
            self._save_note = None
            self._unsaved.clear()

    def _grown(self) -> bool:
        """Whether the journal holds more than twice its live records (time to compact)."""
        return (self._file_size or 0) > 2 * self._live_bytes + COMPACT_SLACK_BYTES

    def _append(self, line: bytes) -> bool:
        """Append and fsync `line`; False when the file is not the one this history wrote."""
        if self._file_size is None or self._file_ino is None:
            return False
        size = self._state.append(_JOURNAL, line, only_if=(self._file_size, self._file_ino))
        if size is None:
            return False
        self._file_size = size
        return True

    def _rewrite(self) -> None:
        """Write the whole journal anew, atomically."""
        parts = [journal.header_line(self._base), *(slot.line for slot in self._slots)]
        if self._cursor != self._base + len(self._slots):
            parts.append(journal.cursor_line(self._cursor))
        data = b"".join(parts)
        self._state.write(_JOURNAL, data)
        status = self._state.stat(_JOURNAL)
        self._file_size, self._file_ino = len(data), status.st_ino if status else None

    def _read_file(self) -> tuple[bytes, int]:
        """The journal's bytes and inode (`FileNotFoundError` when there is none)."""
        status = self._state.stat(_JOURNAL)
        data = self._state.read(_JOURNAL, max_bytes=MAX_JOURNAL_BYTES)
        if data is None or status is None:
            raise FileNotFoundError(errno.ENOENT, "no undo history yet", str(self.path))
        return data, status.st_ino

    def _outside_note(self) -> str:
        return (f"{STATE_DIR_NAME}/{HISTORY_DIR_NAME} leads outside the data set folder; the "
                "undo history is neither read nor saved there, only kept in memory.")


# -- edits ------------------------------------------------------------------------------------


def _normalize(edits: Sequence[CaptionEdit]) -> tuple[CaptionEdit, ...]:
    """One edit per caption (first before, last after), without the ones that change nothing."""
    merged: dict[str, CaptionEdit] = {}
    for edit in edits:
        if not isinstance(edit, CaptionEdit):
            raise TypeError(f"edits must be CaptionEdit objects, not {type(edit).__name__}")
        seen = merged.get(edit.id)
        merged[edit.id] = edit if seen is None else CaptionEdit(edit.id, seen.before, edit.after)
    return tuple(edit for edit in merged.values() if edit.before != edit.after)
