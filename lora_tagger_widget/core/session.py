"""Session: what is remembered between runs, in `.lora-tagger/session.json` inside the data set.

Several writers may share one data set (two kernels, a script, another `Dataset` object): a save
merges what the others saved since this session last read or wrote the file (`merge`), so review
marks, pinned tags, key slots and settings of every writer are kept, and a change is taken back
only by the writer who made it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .files import StateFolder

STATE_DIR_NAME = ".lora-tagger"
SESSION_FILE_NAME = "session.json"
SESSION_VERSION = 1
SESSION_MAX_BYTES = 64 * 1024 * 1024  # a session file past this is not read (it holds ids)
SLOTS = range(1, 10)  # the digit keys a tag can be pinned to

log = logging.getLogger(__name__)


class Snapshot(NamedTuple):
    """The stored part of a session at one moment, to merge with."""

    position: str | None
    reviewed: frozenset[str]
    palette: tuple[str, ...]
    settings: Mapping[str, Any]
    slots: Mapping[int, str]


EMPTY = Snapshot(None, frozenset(), (), {}, {})
_MISSING = object()


def merge(base: Snapshot, ours: Snapshot, theirs: Snapshot) -> Snapshot:
    """Three-way merge: `theirs` (on disk now) with the changes `ours` made since `base` (what
    was on disk when this writer last read or wrote it). What only one side changed is kept;
    where both changed the same thing (a setting, the position), ours wins; key slots merge
    as `_merge_slots` says."""
    added, removed = ours.reviewed - base.reviewed, base.reviewed - ours.reviewed
    reviewed = (theirs.reviewed | added) - removed
    pinned, unpinned = set(ours.palette) - set(base.palette), set(base.palette) - set(ours.palette)
    palette = [tag for tag in theirs.palette if tag not in unpinned]
    palette += [tag for tag in ours.palette if tag in pinned and tag not in palette]
    settings = dict(theirs.settings)
    for key in ours.settings.keys() | base.settings.keys():
        mine = ours.settings.get(key, _MISSING)
        if mine != base.settings.get(key, _MISSING):
            if mine is _MISSING:
                settings.pop(key, None)
            else:
                settings[key] = mine
    position = ours.position if ours.position != base.position else theirs.position
    return Snapshot(position, frozenset(reviewed), tuple(palette), settings,
                    _merge_slots(base.slots, ours.slots, theirs.slots))


def _merge_slots(base: Mapping[int, str], ours: Mapping[int, str],
                 theirs: Mapping[int, str]) -> dict[int, str]:
    """Key slots merged: the slots ours pinned win, ours' unpinning is kept unless theirs pinned
    another tag there meanwhile, and a tag ours pinned leaves any other slot theirs has it in."""
    pinned = {slot: tag for slot, tag in ours.items() if base.get(slot) != tag}
    unpinned = {slot for slot in base if slot not in ours and theirs.get(slot) == base[slot]}
    merged = {slot: tag for slot, tag in theirs.items()
              if slot not in unpinned and tag not in pinned.values()}
    return dict(sorted({**merged, **pinned}.items()))


@dataclass
class Session:
    """Position, reviewed marks, pinned palette tags, key slots and settings of one data set."""

    state: StateFolder
    position: str | None = None
    reviewed: set[str] = field(default_factory=set)
    palette: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    slots: dict[int, str] = field(default_factory=dict)  # digit key (1..9) -> the tag pinned to it
    problem: str | None = None  # why an existing session file could not be used, if it could not
    base: Snapshot = EMPTY  # the file as this session last read or wrote it

    @classmethod
    def load(cls, state_dir: Path) -> Session:
        """The session stored in `state_dir`, or a fresh one when there is none.

        A file that cannot be parsed is set aside as `session.json.broken-<time>` (nothing is
        deleted) and a fresh session starts; `problem` says so.
        """
        session = cls(StateFolder(state_dir.parent, state_dir.name))
        try:
            stored = session.read_disk()
        except OSError as error:
            session.problem = f"The session file {session.path} could not be read ({error})."
            return session
        session._take(stored)
        return session

    @property
    def path(self) -> Path:
        """Where the session file is."""
        return self.state.path / SESSION_FILE_NAME

    def snapshot(self) -> Snapshot:
        """The session as it is in memory now."""
        return Snapshot(self.position, frozenset(self.reviewed), tuple(self.palette),
                        dict(self.settings), dict(self.slots))

    def read_disk(self) -> Snapshot:
        """What the session file holds now (`EMPTY` when there is none). A damaged file is set
        aside (see `load`), noted in `problem`, and read as `EMPTY`. `OSError` when unreadable."""
        data = self.state.read(SESSION_FILE_NAME, max_bytes=SESSION_MAX_BYTES)
        if data is None:
            return EMPTY
        try:
            return _parse(json.loads(data.decode("utf-8")))
        except (ValueError, TypeError, AttributeError, RecursionError) as error:
            aside = self.state.set_aside(SESSION_FILE_NAME)
            where = f"it was kept as {aside}" if aside else "it was left as it is"
            log.warning("Session file %s is damaged (%s); %s.", self.path, error, where)
            self.problem = f"The session file was damaged ({error}); {where}."
            return EMPTY

    def sync(self) -> bool:
        """Take in what other writers saved since this session last read or wrote the file,
        keeping this session's own unsaved changes; True when the session changed."""
        theirs = self.read_disk()
        if theirs == self.base:
            return False
        before = self.snapshot()
        merged = merge(self.base, before, theirs)
        self._take(merged, base=theirs)
        return merged != before

    def to_json(self) -> str:
        """The session as the JSON text stored on disk."""
        data = {
            "version": SESSION_VERSION,
            "position": self.position,
            "reviewed": sorted(self.reviewed),
            "palette": self.palette,
            "settings": self.settings,
            "slots": {str(slot): tag for slot, tag in sorted(self.slots.items())},
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def save(self) -> bool:
        """Merge what other writers saved meanwhile, then write the session atomically (raises
        `OSError` when the folder is not writable). True when the merge changed the session in
        memory (another writer's marks, pins, slots or settings came in). Call it with the session
        lock held, so that no writer saves between the read and the write."""
        before = self.snapshot()
        theirs = self.read_disk()
        merged = before if theirs == self.base else merge(self.base, before, theirs)
        self._take(merged, base=theirs)
        self.state.write(SESSION_FILE_NAME, self.to_json().encode("utf-8"))
        self.base = merged
        return merged != before

    def _take(self, stored: Snapshot, *, base: Snapshot | None = None) -> None:
        self.position = stored.position
        self.reviewed = set(stored.reviewed)
        self.palette = list(stored.palette)
        self.settings = dict(stored.settings)
        self.slots = dict(stored.slots)
        self.base = stored if base is None else base


def _parse(data: Any) -> Snapshot:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"unknown version {version!r}")
    position = data.get("position")
    reviewed = data.get("reviewed", [])
    palette = data.get("palette", [])
    settings = data.get("settings", {})
    if position is not None and not isinstance(position, str):
        raise ValueError("position is not a string")
    if not isinstance(reviewed, list) or not all(isinstance(x, str) for x in reviewed):
        raise ValueError("reviewed is not a list of strings")
    if not isinstance(palette, list) or not all(isinstance(x, str) for x in palette):
        raise ValueError("palette is not a list of strings")
    if not isinstance(settings, dict):
        raise ValueError("settings is not an object")
    return Snapshot(position, frozenset(reviewed), tuple(dict.fromkeys(palette)), settings,
                    _parse_slots(data.get("slots", {})))


def _parse_slots(data: Any) -> dict[int, str]:
    """The `slots` object (`{"1": tag, ...}`) as key -> tag; a tag in two slots keeps the first."""
    if not isinstance(data, dict):
        raise ValueError("slots is not an object")
    slots: dict[int, str] = {}
    for key, tag in sorted(data.items()):
        if key not in {str(slot) for slot in SLOTS} or not isinstance(tag, str):
            raise ValueError(f"slots holds {key!r}: {tag!r}, not a key 1-9 with a tag")
        if tag not in slots.values():
            slots[int(key)] = tag
    return slots
