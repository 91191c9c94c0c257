"""Replacing an earlier export deletes only what that export wrote: files added since (a trained
`.safetensors`, a settings file), files changed since, or a marker planted in someone else's
folder make it refuse, deleting nothing. And file names that are not valid UTF-8 (bytes on
Linux) are exported under safe names or escaped, never aborting the export."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.export import (
    MARKER_NAME,
    NAME_ESCAPED,
    NAME_MADE_UTF8,
    ForeignFilesError,
    export,
)

from imagefiles import write_image
from oddset import SIZE, enlarge

FOLDER_TARGETS = ("ai-toolkit", "kohya", "renamed")
CAPTIONS: dict[str, str | bytes | None] = {"a.jpg": "red hair", "b.png": "sky", "c.jpg": "hat"}


@pytest.fixture
def ds(make_set: Callable[..., Path]) -> Dataset:
    return Dataset(enlarge(make_set(CAPTIONS)))


def tree(root: Path) -> dict[str, str]:
    """Every file and link under `root` with its content's hash (a link: where it points)."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name + "/"] = ""
    return found


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def a_caption_of(folder: Path) -> Path:
    return next(p for p in sorted(folder.rglob("*.txt")) if p.name != MARKER_NAME)


def bytes_path(folder: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


# Folders: what the earlier export did not write stays, and the replace is refused


@pytest.mark.parametrize("target", FOLDER_TARGETS)
def test_files_added_after_an_export_make_a_replace_refuse_and_stay(
        ds: Dataset, tmp_path: Path, target: str) -> None:
    out = tmp_path / "out"
    export(ds, target, out)
    (out / "output").mkdir()
    (out / "output" / "my-lora.safetensors").write_bytes(b"weights" * 1000)
    (out / "settings.json").write_text('{"lr": 1e-4}')
    before = tree(out)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, target, out, replace=True)
    assert refused.value.added == ["output/my-lora.safetensors", "settings.json"]
    assert refused.value.changed == []
    assert "output/my-lora.safetensors" in str(refused.value)
    assert "settings.json" in str(refused.value)
    assert "nothing was deleted" in str(refused.value)
    assert tree(out) == before
    assert siblings(out) == ["imgs", "out"]


@pytest.mark.parametrize("change", ["longer", "same size", "same size and time"])
def test_a_file_changed_after_an_export_makes_a_replace_refuse(
        ds: Dataset, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    export(ds, "ai-toolkit", out)
    caption = a_caption_of(out)
    text = caption.read_bytes()
    stat = caption.stat()
    caption.write_bytes(text + b", my edit" if change == "longer" else text.upper())
    if change == "same size and time":
        os.utime(caption, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = tree(out)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "ai-toolkit", out, replace=True)
    assert refused.value.changed == [caption.name]
    assert refused.value.added == []
    assert tree(out) == before


def test_an_empty_folder_added_after_an_export_is_named_and_kept(ds: Dataset,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ds, "kohya", out)
    (out / "output" / "samples").mkdir(parents=True)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "kohya", out, replace=True)
    assert refused.value.added == ["output/samples/"]
    assert (out / "output" / "samples").is_dir()


def test_a_link_added_after_an_export_is_not_followed_nor_deleted(ds: Dataset,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ds, "ai-toolkit", out)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    (out / "linked").symlink_to(precious)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "ai-toolkit", out, replace=True)
    assert refused.value.added == ["linked"]
    assert (out / "linked").is_symlink()
    assert (precious / "keep.txt").read_text() == "mine"


def test_a_file_added_while_the_export_runs_makes_it_refuse_at_the_end(
        ds: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ds, "renamed", out)
    caption = a_caption_of(out)

    def trainer_writes(done: int, total: int) -> None:
        if done == 2:
            (out / "checkpoint.safetensors").write_bytes(b"new weights")
            caption.write_bytes(caption.read_bytes().upper())  # same size, other content

    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "renamed", out, replace=True, progress=trainer_writes)
    assert refused.value.added == ["checkpoint.safetensors"]
    assert refused.value.changed == [caption.name]
    assert (out / "checkpoint.safetensors").read_bytes() == b"new weights"
    assert (out / MARKER_NAME).is_file()
    assert siblings(out) == ["imgs", "out"]


# Planted and hand-written markers authorize nothing


@pytest.mark.parametrize("same_names", [False, True])
def test_a_marker_copied_into_a_folder_of_user_files_deletes_nothing(
        ds: Dataset, tmp_path: Path, same_names: bool) -> None:
    export(ds, "ai-toolkit", tmp_path / "real")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"precious")
    if same_names:  # the user's files have the names the marker lists, not their contents
        for listed in (tmp_path / "real").iterdir():
            if listed.name != MARKER_NAME:
                (mine / listed.name).write_bytes(b"user's own " + listed.name.encode())
    (mine / MARKER_NAME).write_bytes((tmp_path / "real" / MARKER_NAME).read_bytes())
    before = tree(mine)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "ai-toolkit", mine, replace=True)
    assert "holiday.jpg" in refused.value.added
    assert len(refused.value.changed) == (len(CAPTIONS) * 2 + 1 if same_names else 0)
    assert tree(mine) == before


@pytest.mark.parametrize("marker", [
    {"app": "lora-tagger-widget", "target": "ai-toolkit", "images": 1},  # no manifest (old)
    {"app": "lora-tagger-widget", "files": "holiday.jpg"},
])
def test_a_marker_without_a_manifest_makes_nothing_replaceable(
        ds: Dataset, tmp_path: Path, marker: dict[str, object]) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"precious")
    (mine / MARKER_NAME).write_text(json.dumps(marker))
    before = tree(mine)
    with pytest.raises(FileExistsError, match="does not list the files written"):
        export(ds, "ai-toolkit", mine, replace=True)
    assert tree(mine) == before


def test_a_hand_written_manifest_deletes_only_what_it_describes_exactly(
        ds: Dataset, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "holiday.jpg").write_bytes(b"precious")
    (mine / "sub" / "notes.txt").write_bytes(b"notes")
    (tmp_path / "outside.txt").write_bytes(b"outside")
    files = [
        {"path": "holiday.jpg", "size": 8, "sha256": hashlib.sha256(b"other").hexdigest()},
        {"path": "../outside.txt", "size": 7,
         "sha256": hashlib.sha256(b"outside").hexdigest()},
        {"path": "sub/notes.txt", "size": -1, "sha256": "x"},
        {"path": ["sub"], "size": 5},
        "sub/notes.txt",
    ]
    (mine / MARKER_NAME).write_text(json.dumps({"app": "lora-tagger-widget", "files": files}))
    before = tree(mine)
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "ai-toolkit", mine, replace=True)
    assert refused.value.changed == ["holiday.jpg"]
    assert refused.value.added == ["sub/notes.txt"]
    assert tree(mine) == before
    assert (tmp_path / "outside.txt").read_bytes() == b"outside"


@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe not json", b"[" * 100_000, b"[]"])
def test_a_marker_that_is_not_json_of_ours_is_refused_clearly(
        ds: Dataset, tmp_path: Path, garbage: bytes) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / MARKER_NAME).write_bytes(garbage)
    with pytest.raises(FileExistsError, match="not an export made here"):
        export(ds, "renamed", mine, replace=True)
    assert (mine / MARKER_NAME).read_bytes() == garbage


# Clean earlier exports are replaced


@pytest.mark.parametrize("target", FOLDER_TARGETS)
def test_a_clean_earlier_export_is_replaced_and_the_new_manifest_matches_the_disk(
        ds: Dataset, tmp_path: Path, target: str) -> None:
    out = tmp_path / "out"
    export(ds, "ai-toolkit" if target == "kohya" else "kohya", out)  # another target's
    report = export(ds, target, out, replace=True)
    manifest = json.loads((out / MARKER_NAME).read_text(encoding="utf-8"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {name: digest for name, digest in tree(out).items()
               if name != MARKER_NAME and not name.endswith("/")}
    assert {name: entry["sha256"] for name, entry in listed.items()} == on_disk
    assert all(entry["size"] == (out / name).stat().st_size for name, entry in listed.items())
    assert {out / name for name in listed} == set(report.files)
    assert siblings(out) == ["imgs", "out"]


def test_an_earlier_export_copied_elsewhere_is_still_recognised_by_its_hashes(
        ds: Dataset, tmp_path: Path) -> None:
    export(ds, "kohya", tmp_path / "first")
    shutil.copytree(tmp_path / "first", tmp_path / "out")  # new inodes and change times
    report = export(ds, "kohya", tmp_path / "out", replace=True)
    assert report.exported == len(CAPTIONS)
    assert siblings(report.dest) == ["first", "imgs", "out"]


def test_an_earlier_export_missing_some_of_its_files_is_replaced(ds: Dataset,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ds, "kohya", out)
    a_caption_of(out).unlink()
    report = export(ds, "kohya", out, replace=True)
    assert report.exported == len(CAPTIONS)
    assert all(path.is_file() for path in report.files)


# Zips: replaced only when ours and unchanged


def test_an_unchanged_earlier_zip_is_replaced(ds: Dataset, tmp_path: Path) -> None:
    export(ds, "civitai", tmp_path / "out.zip", scope=[0])
    report = export(ds, "civitai", tmp_path / "out.zip", replace=True)
    with zipfile.ZipFile(report.dest) as archive:
        assert len(archive.namelist()) == 2 * len(CAPTIONS)
        assert json.loads(archive.comment)["images"] == len(CAPTIONS)
        assert archive.testzip() is None
    assert siblings(report.dest) == ["imgs", "out.zip"]


def _add_member(path: Path) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.txt", "mine")


def _same_size_edit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    path.write_bytes(bytes(data))


def _planted_comment(path: Path) -> None:
    comment = zipfile.ZipFile(path).comment
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("000.txt", "someone else's")
        archive.comment = comment


def _appended(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(b"more")


@pytest.mark.parametrize("change", [_add_member, _same_size_edit, _planted_comment, _appended])
def test_a_zip_changed_since_its_export_is_not_replaced(
        ds: Dataset, tmp_path: Path, change: Callable[[Path], None]) -> None:
    zip_path = tmp_path / "out.zip"
    export(ds, "civitai", zip_path)
    change(zip_path)
    before = zip_path.read_bytes()
    with pytest.raises(FileExistsError, match="changed since it was exported"):
        export(ds, "civitai", zip_path, replace=True)
    assert zip_path.read_bytes() == before
    assert siblings(zip_path) == ["imgs", "out.zip"]


def test_a_zip_whose_marker_lists_nothing_is_not_replaced(ds: Dataset, tmp_path: Path) -> None:
    zip_path = tmp_path / "old.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("000.txt", "x")
        archive.comment = json.dumps({"app": "lora-tagger-widget", "images": 1}).encode()
    before = zip_path.read_bytes()
    with pytest.raises(FileExistsError, match="does not say what was written"):
        export(ds, "civitai", zip_path, replace=True)
    assert zip_path.read_bytes() == before


# File names that are not valid UTF-8


@pytest.fixture
def bad_names(make_set: Callable[..., Path]) -> Dataset:
    """`ok.jpg`, `caf\\xe9.jpg`, `caf\\xea.jpg` (two names that become the same once fixed)
    and `sub\\xff/caf\\xe9.jpg`, each with its caption."""
    root = enlarge(make_set({"ok.jpg": "fine"}))
    os.mkdir(bytes_path(root, b"sub\xff"))
    for name in (b"caf\xe9", b"caf\xea", b"sub\xff/caf\xe9"):
        write_image(bytes_path(root, name + b".jpg"), SIZE)
        bytes_path(root, name + b".txt").write_text(name.decode("latin-1"), encoding="utf-8")
    return Dataset(root)


def _all_names_utf8(folder: Path) -> bool:
    names = [name for _, dirs, files in os.walk(os.fsencode(folder)) for name in dirs + files]
    return all(name.decode("utf-8") for name in names)


@pytest.mark.parametrize("target", ["ai-toolkit", "kohya"])
def test_names_that_are_not_utf8_get_safe_names_for_ai_toolkit_and_kohya(
        bad_names: Dataset, tmp_path: Path, target: str) -> None:
    out = tmp_path / "out"
    report = export(bad_names, target, out)
    assert report.exported == 4
    assert report.left_out == []
    captions = {p.name: p.read_text(encoding="utf-8") for p in out.rglob("*.txt")}
    assert captions == {"ok.txt": "fine", "caf_.txt": "caf\xe9", "caf_-2.txt": "caf\xea",
                        "sub__caf_.txt": "sub\xff/caf\xe9"}
    assert sorted(item_id for item_id, what in report.fixed if what == NAME_MADE_UTF8) == [
        "caf\udce9.jpg", "caf\udcea.jpg", "sub\udcff/caf\udce9.jpg"]
    assert _all_names_utf8(out)
    json.loads((out / MARKER_NAME).read_text(encoding="utf-8"))
    export(bad_names, target, out, replace=True)


def test_names_that_are_not_utf8_are_escaped_in_the_renamed_copys_csv(
        bad_names: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = export(bad_names, "renamed", out)
    assert report.exported == 4
    rows = (out / "names.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1:] == [
        "image_001.jpg,image_001.txt,caf\\xe9.jpg,caf\\xe9.txt",
        "image_002.jpg,image_002.txt,caf\\xea.jpg,caf\\xea.txt",
        "image_003.jpg,image_003.txt,ok.jpg,ok.txt",
        "image_004.jpg,image_004.txt,sub\\xff/caf\\xe9.jpg,sub\\xff/caf\\xe9.txt",
    ]
    assert [item_id for item_id, what in report.fixed if what == NAME_ESCAPED] == [
        "caf\udce9.jpg", "caf\udcea.jpg", "sub\udcff/caf\udce9.jpg"]
    assert "original name not UTF-8" in report.summary()
    export(bad_names, "renamed", out, replace=True)


def test_names_that_are_not_utf8_go_into_a_civitai_zip_under_numbers(
        bad_names: Dataset, tmp_path: Path) -> None:
    report = export(bad_names, "civitai", tmp_path / "out.zip")
    with zipfile.ZipFile(report.dest) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{n:03d}.{ext}" for n in range(4) for ext in ("jpg", "txt"))
    assert report.fixed == []
    export(bad_names, "civitai", tmp_path / "out.zip", replace=True)


@pytest.mark.parametrize("target", ["civitai", "ai-toolkit", "kohya", "renamed"])
def test_a_data_set_folder_whose_name_is_not_utf8_exports(
        tmp_path: Path, target: str) -> None:
    root = bytes_path(tmp_path, b"imgs\xe9")
    root.mkdir()
    write_image(root / "a.jpg", SIZE)
    (root / "a.txt").write_text("x")
    report = export(Dataset(root), target, tmp_path / "out")
    assert report.exported == 1
    if target == "kohya":
        assert (tmp_path / "out" / "10_imgs_" / "a.txt").read_text() == "x"
    if target != "civitai":
        marker = json.loads((tmp_path / "out" / MARKER_NAME).read_bytes())
        assert marker["source"] == str(root)
    report.summary().encode("utf-8")


def test_a_destination_that_is_not_utf8_is_refused_where_a_config_names_it(
        ds: Dataset, tmp_path: Path) -> None:
    dest = bytes_path(tmp_path, b"out\xe9")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        export(ds, "ai-toolkit", dest)
    assert siblings(dest) == ["imgs"]
    report = export(ds, "renamed", dest)
    assert report.exported == len(CAPTIONS)
    assert str(tmp_path / "out\\xe9") in report.summary()


def test_a_prefix_that_is_not_utf8_is_refused(ds: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="valid UTF-8"):
        export(ds, "renamed", tmp_path / "out", prefix="img\udce9")
    assert not (tmp_path / "out").exists()


def test_a_foreign_file_whose_name_is_not_utf8_is_named_in_the_refusal(
        ds: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ds, "renamed", out)
    bytes_path(out, b"notes\xe9.txt").write_bytes(b"mine")
    with pytest.raises(ForeignFilesError) as refused:
        export(ds, "renamed", out, replace=True)
    assert refused.value.added == ["notes\udce9.txt"]
    assert "notes\\xe9.txt" in str(refused.value)
    str(refused.value).encode("utf-8")
    assert bytes_path(out, b"notes\xe9.txt").read_bytes() == b"mine"
