"""What Python sent the front end outside an answer, kept so the front end can ask for it again.

Some hosts (Colab) deliver only the kernel messages that answer a front-end message: a reply made
on a worker, a notice, or a trait set from a thread or a loop callback may never arrive. The
widget keeps those messages here, numbered, and stamps each trait change with the same numbers;
the front end's `sync` request then gets what came after the last number it saw (docs/protocol.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024
# A reply older than this is no longer waited for: the front end's requests answered on a
# worker (previews, thumbnails, regions) give up after 60 s at most.
REPLY_SECONDS = 60.0


@dataclass(frozen=True)
class Entry:
    """One message kept: its number, content and binary buffers."""

    seq: int
    content: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)
    at: float = 0.0  # when it was kept (the outbox's clock)

    @property
    def is_reply(self) -> bool:
        """Whether it answers a request (the others are notices)."""
        return self.content.get("type") == "reply"

    @property
    def size(self) -> int:
        """The bytes its buffers hold."""
        return sum(len(b) for b in self.buffers)


@dataclass(frozen=True)
class Since:
    """What came after a number: the messages kept (oldest first), the names of the traits
    changed, and the number now."""

    entries: list[Entry]
    traits: list[str]
    seq: int


class Outbox:
    """The last messages sent outside an answer (at most `max_entries`, `max_bytes` of buffers,
    replies for `reply_seconds`), and the number of the last change of each trait; thread-safe."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES,
                 reply_seconds: float = REPLY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1 or max_bytes < 0:
            raise ValueError("An outbox keeps at least one message.")
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._reply_seconds = reply_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = 0
        self._entries: deque[Entry] = deque()
        self._bytes = 0
        self._changed: dict[str, int] = {}

    @property
    def seq(self) -> int:
        """The number of the last message or trait change."""
        return self._seq

    def keep(self, content: dict[str, Any], buffers: Iterable[bytes] = ()) -> int:
        """Keep a message sent outside an answer; returns its number."""
        with self._lock:
            self._seq += 1
            now = self._clock()
            entry = Entry(self._seq, content, list(buffers), now)
            if any(e.is_reply and now - e.at > self._reply_seconds for e in self._entries):
                self._entries = deque(e for e in self._entries
                                      if not (e.is_reply and now - e.at > self._reply_seconds))
                self._bytes = sum(e.size for e in self._entries)
            self._entries.append(entry)
            self._bytes += entry.size
            while len(self._entries) > 1 and (len(self._entries) > self._max_entries
                                              or self._bytes > self._max_bytes):
                old = self._entries.popleft()
                self._bytes -= old.size
            return entry.seq

    def touch(self, trait: str) -> int:
        """Note that `trait` changed; returns the number of that change."""
        with self._lock:
            self._seq += 1
            self._changed[trait] = self._seq
            return self._seq

    def since(self, seq: int, rids: Iterable[int] = ()) -> Since:
        """What came after `seq`: the messages that are not replies, the replies to `rids` (the
        requests the front end still waits for; it has the others), and the traits changed."""
        wanted = set(rids)
        with self._lock:
            entries = [e for e in self._entries
                       if (e.content.get("rid") in wanted if e.is_reply else e.seq > seq)]
            traits = sorted(name for name, at in self._changed.items() if at > seq)
            return Since(entries, traits, self._seq)
