"""Original captions: kept under `.lora-tagger/originals/` before the tool first changes a caption,
and restorable one by one or in batches through the normal edit path (undo included)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import CaptionLockedError, CaptionWriteError, Dataset, TaggerWidget
from lora_tagger_widget.core.files import StateFolder
from lora_tagger_widget.core.originals import (
    ORIGINAL_MAX_BYTES,
    OriginalNotKeptError,
    OriginalStore,
)

MakeSet = Callable[..., Path]


def _index(root: Path) -> list[dict[str, object]]:
    lines = (root / ".lora-tagger" / "originals" / "index.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in lines]


def _pack(root: Path) -> Path:
    return root / ".lora-tagger" / "originals" / "pack"


def _records(root: Path) -> dict[str, bytes]:
    """The pack's records the index names, by the content's SHA-256, decompressed; and checks
    that they are all the pack holds, each once."""
    pack = _pack(root).read_bytes()
    places = {(r["sha256"], r["offset"], r["length"]) for r in _index(root) if "offset" in r}
    assert len({digest for digest, _, _ in places}) == len(places)  # each content once
    assert sum(length for _, _, length in places) == len(pack)  # nothing else in the pack
    return {str(digest): zlib.decompress(pack[offset:offset + length])
            for digest, offset, length in places}


def test_the_first_save_keeps_the_original_bytes_and_later_saves_keep_that_one(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "red hair, smiling"})
    ds = Dataset(root)
    assert not (root / ".lora-tagger" / "originals").exists()  # nothing before a write
    ds.add_tag(0, "ohwx")
    ds.save()
    ds.add_tag(0, "outdoors")
    ds.save()

    digest = hashlib.sha256(b"red hair, smiling").hexdigest()
    length = len(zlib.compress(b"red hair, smiling", 6))
    assert _index(root) == [
        {"id": "a.jpg", "sha256": digest, "size": 17, "offset": 0, "length": length}]
    assert _records(root) == {digest: b"red hair, smiling"}
    assert ds.original_of(0) == "red hair, smiling"
    assert Dataset(root).original_of("a.jpg") == "red hair, smiling"


def test_identical_originals_cost_one_record(make_set: MakeSet) -> None:
    root = make_set({f"img{n:03}.jpg": "1girl, solo" for n in range(150)})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["ohwx"]})
    ds.save()
    assert len(_index(root)) == 150
    assert list(_records(root).values()) == [b"1girl, solo"]


def test_restoring_one_caption_writes_the_original_bytes_and_undo_takes_it_back(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "red hair, smiling", "b.jpg": "cat"})
    ds = Dataset(root)
    ds.set_caption(0, "something else")
    ds.save()
    assert ds.differs_from_original(0) and not ds.differs_from_original(1)

    assert ds.restore_original("a.jpg") == "red hair, smiling"
    assert ds.history_labels()[0][0] == "Restore the original caption of a.jpg"
    ds.save()
    assert (root / "a.txt").read_bytes() == b"red hair, smiling"
    assert not ds.differs_from_original(0)

    ds.undo()
    ds.save()
    assert (root / "a.txt").read_bytes() == b"something else"


def test_an_unsaved_edit_differs_from_the_file_on_disk_which_is_its_original(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "cat"})
    ds = Dataset(root)
    ds.add_tag(0, "dog")
    assert ds.original_of(0) == "cat" and ds.differs_from_original(0)
    ds.restore_original(0)
    assert ds[0].caption == "cat" and not ds[0].dirty
    assert not (root / ".lora-tagger" / "originals").exists()


def test_restoring_all_is_one_undo_step_and_reports_like_a_batch_edit(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x, y", "b.jpg": "x", "c.jpg": "z"})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["ohwx"], "where": "start"})
    ds.save()
    assert ds.count_changed_from_originals() == 3

    preview = ds.preview_restore_originals([0, "b.jpg"])
    assert [c.id for c in preview.changes] == ["a.jpg", "b.jpg"]
    assert preview.tags_removed == {"ohwx": 2}
    assert ds[0].caption == "ohwx, x, y"  # a preview changes nothing

    report = ds.restore_originals()
    assert report.summary() == "3 of 3 images change: -ohwx (3)"
    assert report.label == "Restore the original captions (3 images)"
    ds.save()
    assert [(root / n).read_text() for n in ("a.txt", "b.txt", "c.txt")] == ["x, y", "x", "z"]
    assert ds.count_changed_from_originals() == 0

    ds.undo()
    assert [item.caption for item in ds] == ["ohwx, x, y", "ohwx, x", "ohwx, z"]


def test_restoring_filtered_images_takes_a_query(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["ohwx"]})
    report = ds.restore_originals(query="tag:y")
    assert [c.id for c in report.changes] == ["b.jpg"]
    assert [item.caption for item in ds] == ["x, ohwx", "y"]


def test_an_image_that_had_no_caption_file_gets_none_back_and_the_file_is_removed(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None})
    ds = Dataset(root)
    ds.add_tag(0, "cat")
    ds.set_caption(1, "")  # an empty caption file is a caption too
    ds.set_caption(1, "dog")
    ds.set_caption(1, "")
    ds.save()
    assert (root / "a.txt").exists()
    assert {record["id"]: record["sha256"] for record in _index(root)} == {"a.jpg": None}
    assert ds.original_of(0) is None

    assert ds.restore_original(0) is None
    ds.save()
    assert not (root / "a.txt").exists()
    ds.undo()
    ds.save()
    assert (root / "a.txt").read_text() == "cat"


def test_an_empty_caption_file_that_was_made_by_the_tool_is_removed_by_a_restore(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": None})
    ds = Dataset(root)
    ds.set_caption(0, "cat")
    ds.save()
    ds.set_caption(0, "")
    ds.save()
    assert (root / "a.txt").read_bytes() == b""
    report = ds.restore_originals()
    assert [(c.id, c.before, c.after) for c in report.changes] == [("a.jpg", "", "")]
    ds.save()
    assert not (root / "a.txt").exists()


@pytest.mark.parametrize("original", [
    b"\xef\xbb\xbfred hair, smiling",  # a byte-order mark
    b"red hair,\r\nsmiling\r\n",  # CRLF, several lines
    b"  spaced ,  tags ,, odd\n\n",
])
def test_odd_utf8_originals_come_back_byte_for_byte(make_set: MakeSet, original: bytes) -> None:
    root = make_set({"a.jpg": original})
    ds = Dataset(root)
    ds.set_caption(0, "plain")
    ds.save()
    ds.restore_original(0)
    ds.save()
    assert (root / "a.txt").read_bytes() == original


def test_an_original_in_another_encoding_comes_back_as_its_text_in_utf8(
        make_set: MakeSet) -> None:
    original = "café, naïve".encode("cp1252")
    root = make_set({"a.jpg": original})
    ds = Dataset(root)
    ds.allow_rewrite(0)
    ds.add_tag(0, "ohwx")
    ds.save()
    assert ds.original_of(0) == "café, naïve"
    ds.restore_original(0)
    ds.save()
    assert (root / "a.txt").read_bytes() == "café, naïve".encode()
    stored = ds.originals.get("a.jpg")
    assert stored is not None and ds.originals.data(stored) == original


def test_a_locked_caption_is_left_out_and_restoring_it_alone_says_why(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.apply_batch({"kind": "add", "tags": ["ohwx"]})
    ds.save()
    (root / "b.txt").write_bytes("y, ohwx, é".encode("cp1252"))
    ds.refresh(1)
    report = ds.restore_originals()
    assert report.skipped_locked == ("b.jpg",)
    assert "1 locked image left out" in report.summary()
    with pytest.raises(CaptionLockedError):
        ds.restore_original(1)


def test_a_too_large_original_is_noted_and_restoring_it_says_so(make_set: MakeSet) -> None:
    big = b"word " * (ORIGINAL_MAX_BYTES // 5 + 1)
    root = make_set({"a.jpg": big, "b.jpg": "x"})
    ds = Dataset(root)
    ds.set_caption(0, "short")
    ds.set_caption(1, "y")
    ds.save()
    record = _index(root)[0]
    assert record["kept"] is False and record["size"] == len(big)
    assert _records(root) == {hashlib.sha256(b"x").hexdigest(): b"x"}
    with pytest.raises(OriginalNotKeptError, match="larger than 1,048,576 bytes"):
        ds.restore_original(0)
    report = ds.restore_originals()
    assert report.not_kept == ("a.jpg",) and [c.id for c in report.changes] == ["b.jpg"]
    assert "1 image left out: original not kept" in report.summary()
    assert not ds.differs_from_original(0)


@pytest.mark.parametrize("damage", [
    lambda record: zlib.compress(b"not x")[:len(record)],  # inflates to other content
    lambda record: b"\xff" * len(record),  # not zlib at all
])
def test_a_damaged_record_is_refused_with_a_sentence_and_nothing_changes(
        make_set: MakeSet, damage: Callable[[bytes], bytes]) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.set_caption(0, "x2")
    ds.set_caption(1, "y2")
    ds.save()
    pack = _pack(root).read_bytes()
    first = _index(root)[0]
    start, end = int(first["offset"]), int(first["offset"]) + int(first["length"])
    _pack(root).write_bytes(pack[:start] + damage(pack[start:end]) + pack[end:])
    fresh = Dataset(root)
    with pytest.raises(OriginalNotKeptError, match="is damaged"):
        fresh.restore_original(0)
    assert fresh.restore_original(1) == "y"  # the other record is whole
    _pack(root).write_bytes(pack[:start])
    with pytest.raises(OriginalNotKeptError, match="is missing"):
        Dataset(root).original_of(0)
    assert fresh[0].caption == "x2" and not fresh[0].dirty


def test_a_torn_last_index_line_is_skipped(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.set_caption(0, "x2")
    ds.save()
    with (root / ".lora-tagger" / "originals" / "index.jsonl").open("ab") as handle:
        handle.write(b'{"id": "b.jpg", "sha2')
    fresh = Dataset(root)
    assert fresh.original_of(0) == "x"
    assert fresh.originals.warning is not None and "1 damaged line" in fresh.originals.warning
    assert fresh.original_of(1) == "y"  # not recorded: the file on disk is its original

    fresh.set_caption(1, "y2")  # a later append starts a line of its own
    fresh.save()
    again = Dataset(root)
    assert (again.original_of(0), again.original_of(1)) == ("x", "y")
    assert again.originals.warning is not None and "1 damaged line" in again.originals.warning


def test_a_torn_tail_of_the_pack_is_left_unused_and_later_records_follow_it(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.set_caption(0, "x2")
    ds.save()
    with _pack(root).open("ab") as handle:  # a crash mid-append: no line names these bytes
        handle.write(zlib.compress(b"half of a record")[:7])
    torn = _pack(root).stat().st_size
    fresh = Dataset(root)
    fresh.set_caption(1, "y2")
    fresh.save()
    line = _index(root)[1]
    assert line["id"] == "b.jpg" and line["offset"] == torn
    again = Dataset(root)
    assert (again.original_of(0), again.original_of(1)) == ("x", "y")
    assert again.originals.warning is None


def test_the_original_is_kept_before_the_caption_is_replaced(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x"})
    (root / ".lora-tagger" / "originals").mkdir(parents=True)
    (root / ".lora-tagger" / "originals" / "pack").mkdir()  # in the way
    ds = Dataset(root)
    ds.set_caption(0, "y")
    with pytest.raises(CaptionWriteError, match="the original caption could not be kept"):
        ds.save()
    assert (root / "a.txt").read_text() == "x"  # not replaced without its original
    assert ds[0].caption == "y" and ds[0].dirty  # the edit is kept, for the next save
    (root / ".lora-tagger" / "originals" / "pack").rmdir()
    ds.save()
    assert (root / "a.txt").read_text() == "y" and ds.original_of(0) == "x"


def test_a_state_folder_leading_outside_keeps_no_originals_but_captions_are_saved(
        make_set: MakeSet, tmp_path: Path) -> None:
    root = make_set({"a.jpg": "x"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".lora-tagger").symlink_to(outside)
    ds = Dataset(root)
    ds.set_caption(0, "y")
    ds.save()
    assert (root / "a.txt").read_text() == "y"
    assert list(outside.iterdir()) == []
    assert ds.originals.warning is not None and "cannot be kept" in ds.originals.warning
    ds.set_caption(0, "z")
    ds.save()
    assert ds.originals.get("a.jpg") is None  # "y" is never taken for the original


def test_only_the_first_original_of_an_image_counts_between_two_stores(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x"})
    first, second = (OriginalStore(StateFolder(root)) for _ in range(2))
    assert [o.id for o in first.record([("a.jpg", b"one")])] == ["a.jpg"]
    assert second.record([("a.jpg", b"two"), ("b.jpg", None)])[0].id == "b.jpg"
    stored = second.get("a.jpg")
    assert stored is not None and second.data(stored) == b"one"
    assert [record["id"] for record in _index(root)] == ["a.jpg", "b.jpg"]


_SAVE_HALF = """
import sys
from lora_tagger_widget import Dataset
ds = Dataset(sys.argv[1])
half = int(sys.argv[2])
ids = [item.id for item in ds][half * 60:(half + 1) * 60]
for image_id in ids:
    ds.set_caption(image_id, f"edited by {half}")
ds.save()
"""


def test_two_processes_saving_at_once_record_every_original_once(make_set: MakeSet) -> None:
    root = make_set({f"img{n:03}.jpg": f"caption {n % 7}" for n in range(120)})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", _SAVE_HALF, str(root), str(half)], env=env)
             for half in (0, 1)]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    records = _index(root)
    assert sorted(record["id"] for record in records) == [f"img{n:03}.jpg" for n in range(120)]
    assert sorted(_records(root).values()) == sorted(f"caption {n}".encode() for n in range(7))
    ds = Dataset(root)
    assert all(ds.original_of(n) == f"caption {n % 7}" for n in range(120))
    ds.restore_originals()
    ds.save()
    assert (root / "img010.txt").read_text() == "caption 3"


def _ask(widget: TaggerWidget, **message: object) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._on_request(widget, {"rid": 3, **message}, [])
    [reply] = sent
    return reply


def test_the_widget_shows_a_caption_differs_and_restores_it_on_request(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x, y", "b.jpg": None})
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    assert widget._current["original_differs"] is False
    widget.dataset.add_tag(0, "z")
    assert widget._current["original_differs"] is True

    reply = _ask(widget, type="restore_original", id="a.jpg")
    assert reply["ok"] and reply["tags"] == ["x", "y"] and reply["caption"] == "x, y"
    assert widget._current["original_differs"] is False
    assert widget._history["undo"][0] == "Restore the original caption of a.jpg"
    assert _ask(widget, type="restore_original", id="nope.jpg")["ok"] is False


def test_restore_is_a_batch_operation_with_the_panels_scope_and_preview(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y", "c.jpg": "z"})
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    widget.dataset.apply_batch({"kind": "add", "tags": ["ohwx"]})
    widget.selection = [1, 2]

    preview = _ask(widget, type="batch_preview", operation={"kind": "restore"},
                   scope="selected")
    assert (preview["changes"], preview["scope_size"]) == (2, 2)
    assert preview["tags_removed"] == [["ohwx", 2]]
    assert preview["examples"][0] == {"id": "b.jpg", "before": "y, ohwx", "after": "y"}
    done = _ask(widget, type="batch_apply", operation={"kind": "restore"}, scope="all")
    assert done["changes"] == 3 and [i.caption for i in widget.dataset] == ["x", "y", "z"]
    assert widget._history["undo"][0] == "Restore the original captions (3 images)"

    bad = _ask(widget, type="batch_preview", operation={"kind": "restore", "tags": ["x"]},
               scope="all")
    assert bad["ok"] is False and "takes no 'tags'" in bad["error"]


_SAVE_ALL = """
import sys
from lora_tagger_widget import Dataset
ds = Dataset(sys.argv[1])
for item in ds:
    ds.set_caption(item.id, item.caption + ", edited")
print("saving", flush=True)
ds.save()
print("saved", flush=True)
"""


def test_a_save_killed_midway_leaves_every_replaced_caption_with_its_original_kept(
        make_set: MakeSet) -> None:
    count = 600
    root = make_set({f"img{n:03}.jpg": f"caption {n}" for n in range(count)})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", _SAVE_ALL, str(root)], env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "saving"
    while child.poll() is None and all(
            (root / f"img{n:03}.txt").read_text() == f"caption {n}" for n in (0, 150)):
        pass  # until the save has replaced a caption (of its first or second chunk)
    child.kill()
    child.wait()
    fresh = Dataset(root)
    replaced = [n for n in range(count)
                if (root / f"img{n:03}.txt").read_text() != f"caption {n}"]
    assert replaced  # the kill came after some captions were replaced
    for n in replaced:
        stored = fresh.originals.get(f"img{n:03}.jpg")
        assert stored is not None and fresh.originals.data(stored) == f"caption {n}".encode()
    fresh.restore_originals()
    fresh.save()
    assert all((root / f"img{n:03}.txt").read_text() == f"caption {n}" for n in range(count))


def _index_path(root: Path) -> Path:
    return root / ".lora-tagger" / "originals" / "index.jsonl"


def test_lines_another_writer_appends_are_read_and_the_lines_read_before_are_not(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y", "c.jpg": "z"})
    mine, theirs = Dataset(root), Dataset(root)
    mine.set_caption(0, "x2")
    mine.save()
    assert theirs.original_of(0) == "x"  # read whole: it had read nothing
    first = _index_path(root).read_bytes()
    # the line read already changed in place (same size, same file): not read again
    _index_path(root).write_bytes(first.replace(b'"a.jpg"', b'"A.jpg"'))
    mine.set_caption(1, "y2")  # mine appends its line after it
    mine.save()
    assert theirs.originals.get("b.jpg") is not None  # the appended line is read
    assert theirs.originals.get("a.jpg") is not None  # and only it
    assert theirs.originals.get("A.jpg") is None
    assert Dataset(root).originals.get("A.jpg") is not None  # a fresh reader reads all


def test_an_index_that_shrank_or_was_replaced_or_removed_is_read_whole(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x", "b.jpg": "y"})
    ds = Dataset(root)
    ds.set_caption(0, "x2")
    ds.set_caption(1, "y2")
    ds.save()
    reader = OriginalStore(StateFolder(root))
    assert sorted(reader.recorded(["a.jpg", "b.jpg"])) == ["a.jpg", "b.jpg"]
    lines = _index_path(root).read_bytes().splitlines(keepends=True)

    _index_path(root).write_bytes(lines[1])  # shrank, in place
    assert sorted(reader.recorded(["a.jpg", "b.jpg"])) == ["b.jpg"]

    replacement = root / "new-index"  # another file, longer than the one read
    replacement.write_bytes(lines[0] + b'{"id": "c.jpg", "sha256": null, "size": 0}\n')
    os.replace(replacement, _index_path(root))
    assert sorted(reader.recorded(["a.jpg", "b.jpg", "c.jpg"])) == ["a.jpg", "c.jpg"]

    _index_path(root).unlink()
    assert reader.recorded(["a.jpg", "b.jpg", "c.jpg"]) == {}
    assert reader.record([("a.jpg", b"x2")])[0].id == "a.jpg"
    assert [record["id"] for record in _index(root)] == ["a.jpg"]


def test_a_line_another_writer_is_still_writing_is_read_again_once_whole(
        make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x"})
    writer, reader = (OriginalStore(StateFolder(root)) for _ in range(2))
    writer.record([("a.jpg", b"x")])
    line = b'{"id": "b.jpg", "sha256": null, "size": 0}\n'
    with _index_path(root).open("ab") as handle:
        handle.write(line[:20])
    assert reader.get("b.jpg") is None and reader.get("a.jpg") is not None
    assert reader.warning is not None and "1 damaged line" in reader.warning
    with _index_path(root).open("ab") as handle:
        handle.write(line[20:])
    assert reader.get("b.jpg") is not None and reader.warning is None


_RECORD = """
import sys
from lora_tagger_widget.core.files import StateFolder
from lora_tagger_widget.core.originals import OriginalStore
from pathlib import Path
store = OriginalStore(StateFolder(Path(sys.argv[1])))
print(len(store.record([(sys.argv[2], sys.argv[3].encode())])))
"""


def test_a_store_sees_what_another_process_recorded_after_it_read(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "x"})
    store = OriginalStore(StateFolder(root))
    assert [o.id for o in store.record([("a.jpg", b"x")])] == ["a.jpg"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for image_id, text in (("b.jpg", "y"), ("a.jpg", "not x"), ("c.jpg", "y")):
        done = subprocess.run([sys.executable, "-c", _RECORD, str(root), image_id, text],
                              env=env, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == ("0" if image_id == "a.jpg" else "1")
    found = store.recorded(["a.jpg", "b.jpg", "c.jpg"])
    assert [store.data(found[i]) for i in ("a.jpg", "b.jpg", "c.jpg")] == [b"x", b"y", b"y"]
    assert found["b.jpg"].offset == found["c.jpg"].offset  # "y" stored once
    assert [o.id for o in store.record([("d.jpg", b"y")])] == ["d.jpg"]
    assert len(_records(root)) == 2


def test_a_content_whose_record_the_pack_lost_is_stored_again(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": "same", "b.jpg": "same"})
    ds = Dataset(root)
    ds.set_caption(0, "a2")
    ds.save()
    _pack(root).unlink()
    ds.set_caption(1, "b2")
    ds.save()
    assert _pack(root).read_bytes() == zlib.compress(b"same", 6)  # stored again
    fresh = Dataset(root)
    assert fresh.original_of(1) == "same"
    assert fresh.original_of(0) == "same"  # its record is back where its line says


def test_a_damaged_record_of_an_empty_original_is_refused_too(make_set: MakeSet) -> None:
    root = make_set({"a.jpg": ""})
    ds = Dataset(root)
    ds.set_caption(0, "x")
    ds.save()
    _pack(root).write_bytes(b"\xff" * _pack(root).stat().st_size)
    with pytest.raises(OriginalNotKeptError, match="is damaged"):
        Dataset(root).original_of(0)
