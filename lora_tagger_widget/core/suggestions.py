"""Suggestions of auto-tagging runs, kept in `.lora-tagger/suggestions.jsonl` until accepted.

Each image a run looked at gets one record: its suggested tags with scores (and a caption, for a
captioner), what made them and how accepting them edits the caption. Accepting or rejecting a
suggestion adds a record that closes it; the image stays "done", so a rerun skips it unless asked.
Records are appended as a run goes, without an fsync each (a kernel restart in the middle of a
long run loses nothing written; a crash of the whole machine may lose the last seconds), the
newest record of an image wins, and the file is compacted when it holds more than twice its live
records. Other writers of the data set append under the same lock, so their records are kept.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .autotag import AutotagOptions
from .files import StateFolder
from .locks import FolderLock
from .taggers import ScoredTag

FILE_NAME = "suggestions.jsonl"
MAX_BYTES = 512 * 1024 * 1024
COMPACT_SLACK_BYTES = 1024 * 1024
OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AutoSuggestion:
    """What a run suggests for one image: tags with scores, best first, and/or a caption."""

    id: str
    tags: tuple[ScoredTag, ...]
    caption: str | None = None
    source: str = ""
    existing: str = "ignore"
    prepend: tuple[str, ...] = ()
    append: tuple[str, ...] = ()
    state: str = OPEN
    accepted: tuple[ScoredTag, ...] = ()  # tags accepted one by one (no longer suggested)

    @property
    def options(self) -> AutotagOptions:
        """The options accepting this suggestion follows."""
        return AutotagOptions(existing=self.existing, prepend=self.prepend, append=self.append)

    def without(self, tags: Iterable[str]) -> AutoSuggestion:
        """This suggestion without `tags`."""
        gone = set(tags)
        return replace(self, tags=tuple(t for t in self.tags if t.tag not in gone))

    def taking(self, tag: str) -> AutoSuggestion:
        """This suggestion with `tag` moved from the suggested tags to the accepted ones."""
        taken = tuple(t for t in self.tags if t.tag == tag)
        return replace(self.without([tag]), accepted=self.accepted + taken)

    def following(self, tags: Iterable[str]) -> AutoSuggestion:
        """This suggestion as an image with `tags` leaves it (after an undo or redo): its tags
        the image has count as accepted, the others as suggested, and it is open while any
        is left to suggest. A rejected one, or one of a caption, stays as it is."""
        if self.state == REJECTED or self.caption is not None:
            return self
        have = set(tags)
        every = sorted(self.tags + self.accepted, key=lambda t: -t.score)
        open_tags = tuple(t for t in every if t.tag not in have)
        taken = tuple(t for t in every if t.tag in have)
        return replace(self, tags=open_tags, accepted=taken,
                       state=OPEN if open_tags or not taken else ACCEPTED)

    def to_record(self) -> dict[str, Any]:
        """The JSON record stored for it."""
        return {"id": self.id, "state": self.state, "source": self.source,
                "tags": [[t.tag, round(t.score, 4), t.category] for t in self.tags],
                "caption": self.caption, "existing": self.existing,
                "prepend": list(self.prepend), "append": list(self.append),
                "accepted": [[t.tag, round(t.score, 4), t.category] for t in self.accepted]}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AutoSuggestion:
        """The suggestion a stored record holds (`ValueError` when it is not one)."""
        tags, accepted = (tuple(ScoredTag(str(tag), float(score), str(category))
                                for tag, score, category in record.get(name) or ())
                          for name in ("tags", "accepted"))
        caption = record.get("caption")
        return cls(str(record["id"]), tags, caption if isinstance(caption, str) else None,
                   str(record.get("source") or ""), str(record.get("existing") or "ignore"),
                   tuple(map(str, record.get("prepend") or ())),
                   tuple(map(str, record.get("append") or ())),
                   str(record.get("state") or OPEN), accepted)


class SuggestionStore:
    """The suggestions of a data set folder `root`; safe to use from several threads."""

    def __init__(self, root: Path, state_dir: str = ".lora-tagger") -> None:
        """Load the stored suggestions (a damaged record is skipped with a warning)."""
        self._state = StateFolder(root, state_dir)
        self._file_lock = FolderLock(root, root / state_dir, "suggestions")
        self._lock = threading.RLock()
        self._latest: dict[str, AutoSuggestion] = {}
        self._sizes: dict[str, int] = {}  # the stored size of each image's newest record
        self._seen: tuple[int, int] | None = None  # (inode, size) of the file as last read
        self.warning: str | None = None
        with self._lock:
            self._read()

    def get(self, image_id: str) -> AutoSuggestion | None:
        """The open suggestion for `image_id`, or None."""
        with self._lock:
            self._catch_up()
            found = self._latest.get(image_id)
            return found if found is not None and found.state == OPEN else None

    def open_ids(self) -> list[str]:
        """The images with an open suggestion."""
        with self._lock:
            self._catch_up()
            return [i for i, s in self._latest.items() if s.state == OPEN]

    def latest(self, image_ids: Iterable[str]) -> dict[str, AutoSuggestion]:
        """The newest suggestion (open or closed) of each of `image_ids` that has one."""
        with self._lock:
            self._catch_up()
            return {i: s for i in image_ids if (s := self._latest.get(i)) is not None}

    def open_of(self, image_ids: Iterable[str]) -> dict[str, AutoSuggestion]:
        """The open suggestion of each of `image_ids` that has one."""
        return {i: s for i, s in self.latest(image_ids).items() if s.state == OPEN}

    def open_tags(self) -> dict[str, list[tuple[str, float]]]:
        """The suggested tags and scores of every open suggestion, by image."""
        with self._lock:
            self._catch_up()
            return {i: [(t.tag, t.score) for t in s.tags]
                    for i, s in self._latest.items() if s.state == OPEN}

    def is_done(self, image_id: str) -> bool:
        """Whether a run already looked at `image_id` (its suggestion open or closed)."""
        with self._lock:
            self._catch_up()
            return image_id in self._latest

    def put(self, suggestions: Iterable[AutoSuggestion]) -> None:
        """Store `suggestions` (each replaces the image's earlier one)."""
        lines = {s.id: (s, _line(s)) for s in suggestions}
        if not lines:
            return
        with self._lock, self._file_lock:
            self._catch_up()
            for suggestion, line in lines.values():
                self._latest[suggestion.id] = suggestion
                self._sizes[suggestion.id] = len(line)
            self._write(b"".join(line for _, line in lines.values()))

    def close(self, image_ids: Iterable[str], state: str) -> None:
        """Mark the open suggestions of `image_ids` `ACCEPTED` or `REJECTED`."""
        with self._lock:
            self._catch_up()
            closed = [replace(s, state=state) for i in image_ids
                      if (s := self._latest.get(i)) is not None and s.state == OPEN]
            self.put(closed)

    def forget(self, image_ids: Iterable[str] | None = None) -> None:
        """Forget the suggestions of `image_ids` (None: all), so a run looks at them again."""
        with self._lock, self._file_lock:
            self._catch_up()
            for image_id in list(self._latest) if image_ids is None else image_ids:
                self._latest.pop(image_id, None)
                self._sizes.pop(image_id, None)
            try:
                self._rewrite()
            except OSError as error:
                self._failed(error)

    def _catch_up(self) -> None:
        try:
            status = self._state.stat(FILE_NAME)
        except OSError:
            return
        now = None if status is None else (status.st_ino, status.st_size)
        if now != self._seen:
            self._latest.clear()
            self._sizes.clear()
            self._read()

    def _read(self) -> None:
        try:
            status = self._state.stat(FILE_NAME)
            data = self._state.read(FILE_NAME, max_bytes=MAX_BYTES)
        except OSError as error:
            self.warning = f"The stored suggestions could not be read ({error})."
            log.warning("%s", self.warning)
            return
        if data is None or status is None:
            self._seen = None
            return
        skipped = 0
        for line in data.splitlines(keepends=True):
            try:
                suggestion = AutoSuggestion.from_record(json.loads(line))
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            self._latest[suggestion.id] = suggestion
            self._sizes[suggestion.id] = len(line)
        self._seen = (status.st_ino, len(data))
        if skipped:
            self.warning = f"{skipped} damaged suggestion records were skipped."
            log.warning("%s", self.warning)

    def _write(self, data: bytes) -> None:
        try:
            if self._seen is None:
                self._rewrite()
                return
            size = self._state.append(FILE_NAME, data, only_if=(self._seen[1], self._seen[0]),
                                      sync=False)
            if size is None:
                self._rewrite()
                return
            self._seen = (self._seen[0], size)
            if size > 2 * sum(self._sizes.values()) + COMPACT_SLACK_BYTES:
                self._rewrite()
            self.warning = None
        except OSError as error:
            self._failed(error)

    def _failed(self, error: OSError) -> None:
        self.warning = (f"The suggestions could not be saved ({error}); they are kept in "
                        "memory only.")
        self._seen = None
        log.warning("%s", self.warning)

    def _rewrite(self) -> None:
        data = b"".join(_line(s) for s in self._latest.values())
        self._state.write(FILE_NAME, data)
        status = self._state.stat(FILE_NAME)
        self._seen = None if status is None else (status.st_ino, len(data))


def _line(suggestion: AutoSuggestion) -> bytes:
    return (json.dumps(suggestion.to_record(), ensure_ascii=False) + "\n").encode("utf-8")
