"""Odd caption files: opening the set, browsing it and editing other images changes none of them
by a single byte; editing one changes only what the person changed; a file that is not UTF-8 is
rewritten only when the person says so, and then with its text intact."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from lora_tagger_widget import CaptionLockedError, Dataset, TaggerWidget, split_tags

from imagefiles import write_image

ONE_MB = ", ".join(f"tag number {n}" for n in range(80_000)).encode()[: 1 << 20].rsplit(b",", 1)[0]

ODD: dict[str, bytes] = {
    "cp1252": "café, crème brûlée, naïve".encode("cp1252"),
    "utf16": codecs.BOM_UTF16_LE + "red hair, 日本語, smiling".encode("utf-16-le"),
    "utf8_bom": codecs.BOM_UTF8 + b"red hair, smiling",
    "crlf": b"red hair, smiling\r\nsecond line\r\n",
    "multiline": b"1girl, red hair\na photo of a woman smiling at the camera.\n",
    "trailing_spaces": b"red hair, smiling   \t  ",
    "empty": b"",
    "one_mb": ONE_MB,
    "weights": b"(masterpiece:1.2), [bad hands:0.8], <lora:style:0.7>, red hair",
    "escaped": rb"photo_\(medium\), \[tag\], red hair",
    "parentheses": b"photo_(medium), cowboy_shot, red hair",
    "duplicates": b"red hair, smiling, red hair, smiling",
    "mixed_case": b"Red Hair, red hair, SMILING, Smiling",
    "odd_separators": b" red hair ,smiling,,  ,outdoors ,",
}


@pytest.fixture
def odd_set(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    for name, data in ODD.items():
        write_image(root / f"{name}.jpg")
        (root / f"{name}.txt").write_bytes(data)
    write_image(root / "zz_other.jpg")
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.glob("*.txt"))}


def test_opening_browsing_and_editing_other_images_changes_no_odd_file(odd_set: Path) -> None:
    before = _snapshot(odd_set)
    w = TaggerWidget(Dataset(odd_set), autosave=False)
    for index in range(w.count):
        w.goto(index)
    other = w.dataset.index_of("zz_other.jpg")
    w.dataset.add_tag(other, "red hair")
    w.dataset.add_tag(other, "smiling")
    w.dataset.remove_tag(other, "smiling")
    w.save()
    after = _snapshot(odd_set)
    assert after.pop("zz_other.txt")[0] == b"red hair"
    assert after == before


def test_deleting_a_tag_nobody_odd_has_leaves_every_odd_file_alone(odd_set: Path) -> None:
    before = _snapshot(odd_set)
    ds = Dataset(odd_set)
    ds.add_tag("zz_other.jpg", "only here")
    assert ds.delete_tag("only here") == 1
    ds.save()
    assert _snapshot(odd_set) == before


EDITABLE = [name for name in ODD if name not in ("cp1252", "utf16")]
WITH_TAGS = [name for name in EDITABLE if name != "empty"]


@pytest.mark.parametrize("name", EDITABLE)
def test_adding_a_tag_to_an_odd_file_changes_only_that(odd_set: Path, name: str) -> None:
    ds = Dataset(odd_set)
    old = ds[f"{name}.jpg"]
    old_tags, old_text = old.tags, old.caption
    ds.add_tag(f"{name}.jpg", "added tag")
    ds.save()
    data = (odd_set / f"{name}.txt").read_bytes()
    bom = codecs.BOM_UTF8 if ODD[name].startswith(codecs.BOM_UTF8) else b""
    assert data.startswith(bom)
    text = data[len(bom):].decode("utf-8")
    assert split_tags(text) == [*old_tags, "added tag"]
    # Everything before the last old tag is byte for byte what it was.
    if old_tags:
        cut = old_text.rindex(old_tags[-1]) + len(old_tags[-1])
        assert text.startswith(old_text[:cut])
        assert text.endswith(old_text[cut:])


@pytest.mark.parametrize("name", WITH_TAGS)
def test_removing_a_tag_from_an_odd_file_changes_only_that(odd_set: Path, name: str) -> None:
    ds = Dataset(odd_set)
    tags = ds[f"{name}.jpg"].tags
    ds.remove_tag(f"{name}.jpg", tags[0])
    ds.save()
    text = (odd_set / f"{name}.txt").read_bytes().decode("utf-8-sig")
    assert split_tags(text) == [t for t in tags if t != tags[0]]


@pytest.mark.parametrize("name", ["cp1252", "utf16"])
def test_a_caption_that_is_not_utf8_is_flagged_and_kept_until_the_person_chooses(
    odd_set: Path, name: str,
) -> None:
    ds = Dataset(odd_set)
    item = ds[f"{name}.jpg"]
    assert "not_utf8" in [f.code for f in item.flags]
    original_text = item.caption
    with pytest.raises(CaptionLockedError):
        ds.add_tag(item.id, "x")
    with pytest.raises(CaptionLockedError):
        ds.set_tags(item.id, ["x"])
    ds.delete_tag(item.tags[0])
    ds.save()
    assert (odd_set / f"{name}.txt").read_bytes() == ODD[name]
    ds.allow_rewrite(item.id)
    ds.add_tag(item.id, "x")
    ds.save()
    assert (odd_set / f"{name}.txt").read_text(encoding="utf-8") == original_text + ", x"


def test_a_one_megabyte_caption_is_not_sent_whole_to_the_view(odd_set: Path) -> None:
    w = TaggerWidget(Dataset(odd_set), autosave=False)
    w.goto(w.dataset.index_of("one_mb.jpg"))
    assert len(w._current["caption"]) <= 20_000
    assert "long_caption" in [f["code"] for f in w._current["flags"]]
