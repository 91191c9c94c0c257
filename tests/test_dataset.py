"""The data set: scanning, edits in memory, safe saving, conflicts, the vocabulary, listeners."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import (
    CaptionConflictError,
    CaptionLockedError,
    CaptionWriteError,
    Change,
    Dataset,
)
from lora_tagger_widget.core import dataset as dataset_module

from imagefiles import write_image


def test_scan_is_recursive_case_insensitive_and_in_natural_order(tmp_path: Path) -> None:
    for name in ["img10.jpg", "img2.JPG", "img1.png", "sub/b.WebP", "c.tiff", "d.BMP", "e.gif",
                 "notes.md", "f.jpeg"]:
        if name.endswith(".md"):
            (tmp_path / name).write_text("x")
        else:
            write_image(tmp_path / name)
    ids = [item.id for item in Dataset(tmp_path)]
    assert ids == ["c.tiff", "d.BMP", "e.gif", "f.jpeg", "img1.png", "img2.JPG", "img10.jpg",
                   "sub/b.WebP"]


def test_dot_folders_and_the_tools_own_folder_are_skipped(tmp_path: Path) -> None:
    write_image(tmp_path / "a.jpg")
    write_image(tmp_path / ".lora-tagger" / "cache" / "x.jpg")
    write_image(tmp_path / ".git" / "y.png")
    write_image(tmp_path / "._a.jpg")
    assert [item.id for item in Dataset(tmp_path)] == ["a.jpg"]


def test_links_that_lead_outside_the_folder_are_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    write_image(root / "in.jpg")
    write_image(outside / "secret.jpg")
    (root / "escape").symlink_to(outside, target_is_directory=True)
    (root / "link.jpg").symlink_to(outside / "secret.jpg")
    (root / "loop").symlink_to(root, target_is_directory=True)
    assert [item.id for item in Dataset(root)] == ["in.jpg"]


def test_items_expose_paths_tags_caption_and_flags(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red hair, smiling", "b.png": None})
    ds = Dataset(root)
    a, b = ds[0], ds["b.png"]
    assert a.image_path == root / "a.jpg" and a.caption_path == root / "a.txt"
    assert a.tags == ["red hair", "smiling"] and a.caption == "red hair, smiling"
    assert a.flags == []
    assert [f.code for f in b.flags] == ["no_caption"]
    assert len(ds) == 2 and [i.id for i in ds] == ["a.jpg", "b.png"]
    assert ds[-1].id == "b.png"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_caption"),
        ("café".encode("cp1252"), "not_utf8"),
        (b"\xef\xbb\xbfa, b", "bom"),
        (b"a, b\r\nc\r\n", "crlf"),
        (b"a, b\nc", "multiline"),
    ],
)
def test_odd_captions_are_flagged(make_set: Callable[..., Path], data: bytes, code: str) -> None:
    ds = Dataset(make_set({"a.jpg": data}))
    assert code in [f.code for f in ds[0].flags]


def test_unknown_ids_and_positions_are_refused(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": None}))
    with pytest.raises(KeyError):
        ds["../../etc/passwd"]
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(TypeError):
        ds[1.5]  # type: ignore[index]


def test_edits_change_memory_until_saved(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "a, b"})
    ds = Dataset(root)
    assert ds.add_tag(0, "c") == ["a", "b", "c"]
    assert ds.remove_tag(0, "a") == ["b", "c"]
    assert (root / "a.txt").read_text() == "a, b"
    assert ds[0].dirty
    ds.save()
    assert (root / "a.txt").read_text() == "b, c"
    assert not ds[0].dirty


def test_add_tag_splits_on_commas_and_skips_tags_already_there(
    make_set: Callable[..., Path],
) -> None:
    ds = Dataset(make_set({"a.jpg": "a"}))
    assert ds.add_tag(0, " b ,a, c") == ["a", "b", "c"]


def test_set_tags_reorders_without_touching_spelling(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "Red_Hair,  (smile:1.2)\n"})
    ds = Dataset(root)
    ds.set_tags(0, ["(smile:1.2)", "Red_Hair"])
    ds.save()
    assert (root / "a.txt").read_text() == "(smile:1.2), Red_Hair\n"


def test_invalid_tags_raise_value_error_and_change_nothing(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "a"}))
    for bad in ["", "x\ny", "bell\x07"]:
        with pytest.raises(ValueError):
            ds.add_tag(0, bad)
    with pytest.raises(ValueError):
        ds.set_tags(0, ["ok", "not,ok"])
    assert ds[0].tags == ["a"] and not ds[0].dirty


def test_untouched_captions_are_never_rewritten(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "A ,b,,c  \n", "b.jpg": "x", "c.jpg": None})
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.glob("*.txt")}
    ds = Dataset(root)
    ds.add_tag("b.jpg", "y")
    ds.remove_tag("b.jpg", "y")
    ds.save()
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.glob("*.txt")}
    assert after == before


def test_new_caption_files_are_one_utf8_line_joined_by_comma_space(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None})
    ds = Dataset(root)
    ds.set_tags(0, ["ohwx", "café", "red hair"])
    ds.save()
    assert (root / "a.txt").read_bytes() == "ohwx, café, red hair".encode()


def test_a_bom_is_kept_when_a_caption_is_edited(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": b"\xef\xbb\xbfa, b"})
    ds = Dataset(root)
    ds.add_tag(0, "c")
    ds.save()
    assert (root / "a.txt").read_bytes() == b"\xef\xbb\xbfa, b, c"


def test_a_caption_that_is_not_utf8_is_edited_only_with_consent(
    make_set: Callable[..., Path],
) -> None:
    original = "café, crème".encode("cp1252")
    root = make_set({"a.jpg": original})
    ds = Dataset(root)
    assert ds[0].tags == ["café", "crème"]
    with pytest.raises(CaptionLockedError, match="not UTF-8"):
        ds.add_tag(0, "x")
    ds.save()
    assert (root / "a.txt").read_bytes() == original
    ds.allow_rewrite(0)
    ds.add_tag(0, "x")
    ds.save()
    assert (root / "a.txt").read_text(encoding="utf-8") == "café, crème, x"


def test_a_change_made_on_disk_is_a_conflict_not_an_overwrite(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "a", "b.jpg": "b"})
    ds = Dataset(root)
    ds.add_tag(0, "mine")
    ds.add_tag(1, "also mine")
    (root / "a.txt").write_text("theirs")
    with pytest.raises(CaptionConflictError, match=r"a\.txt"):
        ds.save()
    assert (root / "a.txt").read_text() == "theirs"
    assert (root / "b.txt").read_text() == "b, also mine"
    assert ds[0].conflict is not None
    assert (ds[0].conflict.ours, ds[0].conflict.theirs) == ("a, mine", "theirs")


def test_a_conflict_can_be_resolved_by_taking_the_file_on_disk(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "a"})
    ds = Dataset(root)
    ds.add_tag(0, "mine")
    (root / "a.txt").write_text("theirs")
    with pytest.raises(CaptionConflictError):
        ds.save()
    ds.resolve_conflict(0, "theirs")
    assert ds[0].tags == ["theirs"] and not ds[0].dirty
    assert ds.vocabulary.as_dict() == {"theirs": 1}


def test_a_conflict_can_be_resolved_by_keeping_mine(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "a"})
    ds = Dataset(root)
    ds.add_tag(0, "mine")
    (root / "a.txt").write_text("theirs")
    with pytest.raises(CaptionConflictError):
        ds.save()
    ds.resolve_conflict(0, "mine")
    ds.save()
    assert (root / "a.txt").read_text() == "a, mine"
    assert ds.vocabulary.as_dict() == {"a": 1, "mine": 1}


def test_a_caption_created_on_disk_meanwhile_is_a_conflict(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    ds = Dataset(root)
    ds.add_tag(0, "mine")
    (root / "a.txt").write_text("theirs")
    with pytest.raises(CaptionConflictError):
        ds.save()
    assert (root / "a.txt").read_text() == "theirs"


def test_refresh_takes_outside_edits_of_unedited_captions(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "a"})
    ds = Dataset(root)
    (root / "a.txt").write_text("a, from git")
    assert ds.refresh(0)
    assert ds[0].tags == ["a", "from git"]
    assert ds.vocabulary["from git"] == 1


def test_refresh_turns_an_outside_edit_of_an_edited_caption_into_a_conflict(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "a"})
    ds = Dataset(root)
    ds.add_tag(0, "mine")
    (root / "a.txt").write_text("theirs, longer")
    assert ds.refresh(0)
    assert ds[0].conflict is not None and ds[0].tags == ["a", "mine"]


def test_writes_are_atomic_and_leave_no_temporary_files(make_set: Callable[..., Path]) -> None:
    root = make_set({f"{n}.jpg": "a" for n in range(5)})
    ds = Dataset(root)
    for n in range(5):
        ds.add_tag(n, "b")
    ds.save()
    assert sorted(p.name for p in root.iterdir() if p.suffix != ".jpg") == [
        ".lora-tagger", "0.txt", "1.txt", "2.txt", "3.txt", "4.txt"]
    assert not [p for p in (root / ".lora-tagger").rglob("*") if ".ltw-tmp-" in p.name]


def test_a_read_only_folder_gives_a_clear_error_and_keeps_the_edit(
    make_set: Callable[..., Path], run_unprivileged: Callable[[str], str],
) -> None:
    root = make_set({"a.jpg": "a"})
    out = run_unprivileged(
        "from lora_tagger_widget import CaptionWriteError, Dataset\n"
        f"root = {str(root)!r}\n"
        "ds = Dataset(root)\n"
        "ds.add_tag(0, 'b')\n"
        "import os; os.chmod(root, 0o555)\n"
        "try:\n"
        "    ds.save()\n"
        "except CaptionWriteError as error:\n"
        "    print(error)\n"
        "print(ds[0].dirty, ds[0].tags, open(root + '/a.txt').read())\n"
        "os.chmod(root, 0o755)\n"
        "ds.save()\n"
        "print(open(root + '/a.txt').read())\n"
    )
    error, kept, saved = out.splitlines()
    assert "a.txt" in error and "Permission denied" in error and "kept in memory" in error
    assert kept == "True ['a', 'b'] a"
    assert saved == "a, b"


def test_a_failing_write_keeps_the_edit_and_saving_works_once_the_cause_is_gone(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_set({"a.jpg": "a"})
    ds = Dataset(root)
    ds.add_tag(0, "b")
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(CaptionWriteError, match="No space left"):
        ds.save()
    assert (root / "a.txt").read_text() == "a"
    assert [p.name for p in root.glob(".ltw-tmp-*")] == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert ds[0].dirty
    ds.save()
    assert (root / "a.txt").read_text() == "a, b"


def test_vocabulary_counts_images_per_tag_and_follows_edits(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "x, y, x", "b.jpg": "x", "c.jpg": None}))
    assert ds.vocabulary.as_dict() == {"x": 2, "y": 1}
    ds.add_tag("c.jpg", "y")
    ds.remove_tag("a.jpg", "x")
    assert ds.vocabulary.as_dict() == {"x": 1, "y": 2}
    assert ds.vocabulary.most_common(1) == [("y", 2)]
    assert ds.tagged_count == 3


def test_autocomplete_matches_substrings_most_used_then_prefix_first(
    make_set: Callable[..., Path],
) -> None:
    ds = Dataset(make_set({"a.jpg": "red hair, hair bow", "b.jpg": "red hair", "c.jpg": "chair"}))
    assert [s.tag for s in ds.complete("HAIR")] == ["red hair", "hair bow", "chair"]


def test_listeners_hear_every_edit_and_save(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "a"}))
    heard: list[Change] = []
    unsubscribe = ds.subscribe(heard.append)
    ds.add_tag(0, "b")
    ds.save()
    unsubscribe()
    ds.add_tag(0, "c")
    assert [c.kind for c in heard] == ["tags", "saved"]
    assert heard[0].ids == ("a.jpg",)


def test_deleting_a_tag_removes_it_from_every_image(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "x, y", "b.jpg": "y", "c.jpg": "z"})
    ds = Dataset(root)
    assert ds.delete_tag("y") == 2
    ds.save()
    assert [(root / f"{n}.txt").read_text() for n in "abc"] == ["x", "", "z"]
    assert "y" not in ds.vocabulary


def test_pinned_palette_tags_stay_without_images_and_resume(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "x"})
    ds = Dataset(root)
    ds.pin_tag("later")
    ds.save()
    assert Dataset(root).palette == [("x", 1, False), ("later", 0, True)]


def test_palette_imports_and_exports_tags_txt(make_set: Callable[..., Path],
                                             tmp_path: Path) -> None:
    ds = Dataset(make_set({"a.jpg": "x"}))
    (tmp_path / "tags.txt").write_text("x\nnew one\n\nother\n", encoding="utf-8")
    assert ds.import_palette(tmp_path / "tags.txt") == 2
    ds.export_palette(tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "x\nnew one\nother\n"
    with pytest.raises(ValueError, match="Line 2"):
        ds.import_palette_text("ok\nbad\x01tag\n")


def test_reviewed_marks_and_position_resume_from_the_session_file(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None, "b.jpg": None})
    ds = Dataset(root)
    ds.set_reviewed("b.jpg")
    ds.session.position = "b.jpg"
    ds.note_session_change()
    ds.save()
    again = Dataset(root)
    assert again.is_reviewed("b.jpg") and not again.is_reviewed("a.jpg")
    assert again.session.position == "b.jpg"


def test_a_damaged_session_file_is_kept_aside_and_a_fresh_session_starts(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": None})
    (root / ".lora-tagger").mkdir()
    (root / ".lora-tagger" / "session.json").write_text("{not json")
    ds = Dataset(root)
    assert ds.session.problem and "damaged" in ds.session.problem
    assert list((root / ".lora-tagger").glob("session.json.broken-*"))


def test_open_shares_one_data_set_per_folder(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": None})
    assert Dataset.open(root) is Dataset.open(str(root) + "/")
    assert Dataset(root) is not Dataset.open(root)


def test_next_untagged_wraps_around(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": None, "b.jpg": "x", "c.jpg": None}))
    assert ds.next_untagged(0) == 2
    assert ds.next_untagged(2) == 0


def test_a_caption_linked_outside_the_folder_is_neither_read_nor_written(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (root / "a.txt").symlink_to(secret)
    ds = Dataset(root)
    assert ds[0].tags == []
    assert "caption_unreadable" in [f.code for f in ds[0].flags]
    with pytest.raises(CaptionLockedError):
        ds.add_tag(0, "x")
    ds.save()
    assert secret.read_text() == "password"


def test_deleting_a_tag_leaves_captions_that_must_not_be_rewritten(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x, y", "b.jpg": "café, y".encode("cp1252")})
    ds = Dataset(root)
    assert ds.delete_tag("y") == 1
    ds.save()
    assert (root / "a.txt").read_text() == "x"
    assert (root / "b.txt").read_bytes() == "café, y".encode("cp1252")


def test_autocomplete_also_offers_pinned_palette_tags(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "red hair"}))
    ds.pin_tag("hair ribbon")
    assert [(s.tag, s.in_dataset) for s in ds.complete("hair")] == [
        ("red hair", 1), ("hair ribbon", 0)]


def test_renaming_a_tag_changes_only_the_captions_that_have_it(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "x, red_hair, y", "b.jpg": "red hair, red_hair", "c.jpg": "z",
                     "d.jpg": "café, red_hair".encode("cp1252")})
    before = {n: (root / f"{n}.txt").stat().st_mtime_ns for n in "cd"}
    ds = Dataset(root)
    ds.pin_tag("red_hair")
    assert ds.rename_tag("red_hair", "red hair") == 2
    ds.save()
    assert (root / "a.txt").read_text() == "x, red hair, y"
    assert (root / "b.txt").read_text() == "red hair"  # merged into the tag it already had
    assert {n: (root / f"{n}.txt").stat().st_mtime_ns for n in "cd"} == before
    assert ds.vocabulary["red hair"] == 2 and ds.vocabulary["red_hair"] == 1
    assert ("red hair", 2, True) in ds.palette
    with pytest.raises(ValueError):
        ds.rename_tag("x", "not, one tag")


def test_save_writes_in_chunks_and_an_edit_between_them_is_kept_for_the_next_save(
    make_set: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dataset_module, "SAVE_CHUNK", 2)
    root = make_set({f"{n}.jpg": "cat" for n in range(5)})
    ds = Dataset(root)
    for n in range(5):
        ds.add_tag(n, "dog")
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 2:  # between chunks: one caption written already, one not yet
            ds.add_tag(0, "bird")
            ds.add_tag(4, "bird")

    report = ds.save(progress=progress)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert len(report.written) == 5
    assert (root / "0.txt").read_text() == "cat, dog"
    assert (root / "4.txt").read_text() == "cat, dog, bird"
    assert [item.id for item in ds.unsaved] == ["0.jpg"] and ds.unsaved_count == 1
    assert ds.conflict_count == 0
    ds.save()
    assert (root / "0.txt").read_text() == "cat, dog, bird" and not ds.unsaved


def _two_captions_edited(make_set: Callable[..., Path]) -> tuple[Path, Dataset]:
    root = make_set({"a.jpg": "cat", "b.jpg": "cat"})
    ds = Dataset(root)
    ds.add_tag(0, "dog")
    ds.add_tag(1, "dog")
    return root, ds


def test_an_edit_while_its_file_is_written_stays_unsaved_and_is_no_conflict(
    make_set: Callable[..., Path],
) -> None:
    root, ds = _two_captions_edited(make_set)

    def edit_once_written(done: int, total: int) -> None:
        assert (root / "a.txt").read_text() == "cat, dog"  # written, its item not told yet
        assert [item.id for item in ds.unsaved] == ["a.jpg", "b.jpg"]
        ds.add_tag(0, "bird")
        assert ds.refresh(0) is False  # the new file is the save's own, not a change

    report = ds.save(progress=edit_once_written)
    assert report.written == ("a.jpg", "b.jpg") and not ds.conflicts
    assert (root / "a.txt").read_text() == "cat, dog" and ds[0].caption == "cat, dog, bird"
    assert [item.id for item in ds.unsaved] == ["a.jpg"]
    ds.save()
    assert (root / "a.txt").read_text() == "cat, dog, bird" and not ds.unsaved


def test_a_save_stopped_by_an_unexpected_error_leaves_every_item_refreshable(
    make_set: Callable[..., Path],
) -> None:
    root, ds = _two_captions_edited(make_set)
    (root / "b.txt").unlink()
    (root / "b.txt").mkdir()  # b's caption cannot be written

    def stop(done: int, total: int) -> None:
        raise RuntimeError("unexpected")

    with pytest.raises(RuntimeError):
        ds.save(progress=stop)
    assert [item.id for item in ds.unsaved] == ["b.jpg"]  # a.txt was written and is known so
    (root / "b.txt").rmdir()
    (root / "b.txt").write_text("changed outside")
    assert ds.refresh(1) is True and ds[1].conflict is not None


def test_a_lone_surrogate_is_refused_when_typed_not_when_saved(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    write_image(root / "a.png")
    ds = Dataset(root)
    with pytest.raises(ValueError, match="lone surrogate"):
        ds.add_tag(0, "cat\udc80")
    with pytest.raises(ValueError, match="lone surrogate U\\+DC80 \\(at character 4\\)"):
        ds.set_caption(0, "cat\udc80, dog")
    ds.add_tag(0, "dog")
    ds.save()
    assert (root / "a.txt").read_text(encoding="utf-8") == "dog"
