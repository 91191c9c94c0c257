"""The undo journal's file format: the records of `.lora-tagger/history/journal.jsonl` and the
entries they hold (`History` in `history.py` keeps the journal).

The journal is JSON lines, one record per line, each `{"crc":"<crc32 hex>","rec":{...}}` with the
checksum taken over the bytes of `rec` as stored. The first record is a header; then come `entry`
records (one user action: label, time and the changed captions) and `cursor` records (undo and
redo moves). Each change keeps the caption before it in full and the caption after it as a patch
on that text (`[prefix length, suffix length, new middle]`); the changes of a big entry are stored
zlib-compressed (base64 in the JSON). A record that cannot be used raises `Damaged`.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from typing import Any

JOURNAL_VERSION = 1
PACK_OVER_BYTES = 16 * 1024  # the changes of an entry bigger than this are stored compressed

_HEAD = b'{"crc":"'
_MID = b'","rec":'
_BODY_START = len(_HEAD) + 8 + len(_MID)
_PACKED = "zlib+base64"


@dataclass(frozen=True, slots=True)
class CaptionEdit:
    """One caption changed by an action: the item id (the image's path relative to the data set
    root, as a string) and the caption text before and after (None: no caption file)."""

    id: str
    before: str | None
    after: str | None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str):
            raise TypeError(f"CaptionEdit.id must be a string, not {type(self.id).__name__}")
        for name, value in (("before", self.before), ("after", self.after)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"CaptionEdit.{name} must be a string or None, not "
                                f"{type(value).__name__}")


@dataclass(frozen=True)
class Entry:
    """One user action: its label (e.g. 'Rename "cat" to "feline"'), when it was recorded (Unix
    time) and the captions it changed."""

    label: str
    time: float
    edits: tuple[CaptionEdit, ...]

    def inverse(self) -> Entry:
        """The same action with before and after swapped: what an undo applies."""
        return Entry(self.label, self.time,
                     tuple(CaptionEdit(edit.id, edit.after, edit.before) for edit in self.edits))


class Damaged(ValueError):
    """A journal record that cannot be used."""


def _dumps(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def _frame(body: bytes) -> bytes:
    return b"%s%08x%s%s}\n" % (_HEAD, zlib.crc32(body), _MID, body)


def unframe(line: bytes) -> dict[str, Any]:
    """The record of one stored line (newline included), its checksum checked."""
    if not (line.startswith(_HEAD) and line[_BODY_START - len(_MID) : _BODY_START] == _MID
            and line.endswith(b"}\n")):
        raise Damaged("not a journal record")
    body = line[_BODY_START:-2]
    checksum = line[len(_HEAD) : len(_HEAD) + 8]
    if checksum != b"%08x" % zlib.crc32(body):
        raise Damaged("wrong checksum")
    try:
        record = json.loads(body.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Damaged(f"not JSON: {error}") from None
    if not isinstance(record, dict):
        raise Damaged("not a JSON object")
    return record


def number(record: dict[str, Any], key: str) -> int:
    """The count under `key` in `record`."""
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Damaged(f"{key} is not a count")
    return value


def header_line(base: int) -> bytes:
    """The journal's first record: its version and the number of its oldest entry."""
    return _frame(_dumps({"op": "journal", "version": JOURNAL_VERSION, "base": base,
                          "about": "lora-tagger-widget undo history: one JSON record a line"}))


def cursor_line(at: int) -> bytes:
    """The record of an undo or redo move: the cursor now at entry `at`."""
    return _frame(_dumps({"op": "cursor", "at": at}))


def encode_edits(edits: tuple[CaptionEdit, ...]) -> tuple[bytes, bool]:
    """The JSON of the changes as stored (compressed when big), and whether it is compressed."""
    data = _dumps([_encode_edit(edit) for edit in edits])
    if len(data) <= PACK_OVER_BYTES:
        return data, False
    return b'"%s"' % base64.b64encode(zlib.compress(data, 1)), True


def _encode_edit(edit: CaptionEdit) -> dict[str, Any]:
    """`{"id", "before", "after"}` with `after` as `[prefix, suffix, middle]` on `before` when
    that is shorter than the text."""
    before, after = edit.before, edit.after
    stored: Any = after
    if before is not None and after is not None:
        prefix = _common_prefix(before, after)
        suffix = _common_suffix(before, after, min(len(before), len(after)) - prefix)
        middle = after[prefix : len(after) - suffix]
        if len(middle) + 16 < len(after):
            stored = [prefix, suffix, middle]
    return {"id": edit.id, "before": before, "after": stored}


def _common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # binary search: slice compares run at C speed
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def entry_line(n: int, base: int, entry: Entry, edits_part: bytes, packed: bool) -> bytes:
    """The record of `entry`, number `n`, with its changes as `encode_edits` made them; `base`:
    the oldest entry kept (the older ones are dropped when it is read back)."""
    head: dict[str, Any] = {"op": "entry", "n": n, "base": base, "label": entry.label,
                            "time": entry.time, "count": len(entry.edits)}
    if packed:
        head["packed"] = _PACKED
    return _frame(_dumps(head)[:-1] + b',"edits":' + edits_part + b"}")


def decode_entry(line: bytes, label: str, time: float) -> Entry:
    """The entry stored in the record `line` (its label and time as already read from it)."""
    record = unframe(line)
    edits = record.get("edits")
    if record.get("packed") == _PACKED:
        if not isinstance(edits, str):
            raise Damaged("packed changes are not a string")
        try:
            data = zlib.decompress(base64.b64decode(edits, validate=True))
            edits = json.loads(data.decode("utf-8", "surrogatepass"))
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as error:
            raise Damaged(f"packed changes cannot be read: {error}") from None
    elif "packed" in record:
        raise Damaged(f"unknown packing {record.get('packed')!r}")
    if not isinstance(edits, list):
        raise Damaged("the changes are not a list")
    return Entry(label, time, tuple(_decode_edit(edit) for edit in edits))


def _decode_edit(stored: Any) -> CaptionEdit:
    if not isinstance(stored, dict):
        raise Damaged("a change is not an object")
    id_, before, after = stored.get("id"), stored.get("before"), stored.get("after")
    if isinstance(after, list):
        if not (isinstance(before, str) and len(after) == 3
                and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0
                        for x in after[:2])
                and isinstance(after[2], str) and after[0] + after[1] <= len(before)):
            raise Damaged("a patch does not fit its caption")
        prefix, suffix, middle = after
        after = before[:prefix] + middle + before[len(before) - suffix :]
    try:
        return CaptionEdit(id_, before, after)
    except TypeError as error:
        raise Damaged(str(error)) from None
