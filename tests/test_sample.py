"""The generated sample data set: varied, deterministic, safe to re-create, and with odd cases."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from lora_tagger_widget.core.sample import make_sample_dataset

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def image_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def displayed_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).size


def caption_tags(caption: Path) -> list[str]:
    first_line = caption.read_bytes().decode("utf-8", errors="replace").splitlines()[0]
    return first_line.split(", ")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_dataset(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def loadable(sample: Path) -> list[Path]:
    return [p for p in image_files(sample) if p.name != "truncated_download.jpg"]


def test_sample_set_has_about_thirty_images_of_mixed_orientation(loadable: list[Path]) -> None:
    assert 25 <= len(loadable) + 1 <= 35
    shapes = Counter()
    for path in loadable:
        width, height = displayed_size(path)
        shapes["portrait" if height > width else "landscape" if width > height else "square"] += 1
    assert shapes["portrait"] >= 5
    assert shapes["landscape"] >= 5
    assert shapes["square"] >= 3


def test_sample_set_mixes_jpeg_png_and_webp(loadable: list[Path]) -> None:
    formats = Counter()
    for path in loadable:
        with Image.open(path) as image:
            formats[image.format] += 1
    assert set(formats) == {"JPEG", "PNG", "WEBP"}
    assert min(formats.values()) >= 5


def test_sample_images_are_between_300_and_1600_pixels_on_the_long_side(
    loadable: list[Path],
) -> None:
    for path in loadable:
        assert 300 <= max(displayed_size(path)) <= 1600, path.name


def test_sample_set_is_small_on_disk(sample: Path) -> None:
    assert sum(len(data) for data in all_files(sample).values()) < 5_000_000


def test_sample_names_need_natural_sorting_and_include_spaces_and_non_ascii(
    sample: Path,
) -> None:
    names = {p.relative_to(sample).as_posix() for p in image_files(sample)}
    assert {"img2.jpg", "img10.jpg", "img100.jpg"} <= names
    assert sorted(names).index("img10.jpg") < sorted(names).index("img2.jpg")
    assert any(" " in name and not name.isascii() for name in names)
    assert any(name.startswith("extra/") for name in names)


def test_about_a_third_of_the_images_are_captioned(sample: Path) -> None:
    images = image_files(sample)
    captioned = [p for p in images if p.with_suffix(".txt").exists()]
    assert len(images) / 4 <= len(captioned) <= len(images) / 2
    assert set(sample.rglob("*.txt")) == {p.with_suffix(".txt") for p in captioned}


def test_captions_share_a_booru_vocabulary(sample: Path) -> None:
    counts = Counter(tag for caption in sample.rglob("*.txt") for tag in caption_tags(caption))
    assert counts["ohwx"] >= 3
    assert counts["red hair"] >= 3
    assert counts["no humans"] >= 3
    assert counts["photo_(medium)"] >= 3
    assert counts["(masterpiece:1.2)"] >= 1
    assert sum(1 for n in counts.values() if n >= 2) >= 9


def test_truncated_jpeg_opens_but_fails_to_load(sample: Path) -> None:
    with Image.open(sample / "truncated_download.jpg") as image:
        assert image.format == "JPEG"
        with pytest.raises(OSError, match="truncated"):
            image.load()


def test_sideways_jpeg_has_exif_orientation_6_and_is_upright_when_rotated(sample: Path) -> None:
    with Image.open(sample / "DSC_0042.JPG") as image:
        assert image.getexif()[0x0112] == 6
        stored_width, stored_height = image.size
    assert stored_width > stored_height
    width, height = displayed_size(sample / "DSC_0042.JPG")
    assert height > width


def test_cp1252_caption_is_not_valid_utf8(sample: Path) -> None:
    data = (sample / "windows_caption.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "café" in data.decode("cp1252").split(", ")


def test_multi_line_caption_has_tags_then_a_sentence(sample: Path) -> None:
    lines = (sample / "img10.txt").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 2
    assert "ohwx" in lines[0].split(", ")
    assert lines[1].startswith("a photo of ohwx")


def test_transparent_png_has_clear_soft_and_opaque_pixels(sample: Path) -> None:
    with Image.open(sample / "sticker_transparent.png") as image:
        assert image.mode == "RGBA"
        alpha = image.getchannel("A").histogram()
    assert alpha[0] > 0
    assert alpha[255] > 0
    assert sum(alpha[1:255]) > 0


def test_sample_set_is_deterministic_for_a_seed(sample: Path, tmp_path: Path) -> None:
    first = all_files(sample)
    again = all_files(make_sample_dataset(tmp_path / "again", seed=0))
    other_seed = all_files(make_sample_dataset(tmp_path / "other", seed=1))
    assert again == first
    assert other_seed.keys() == first.keys()
    assert other_seed["img1.jpg"] != first["img1.jpg"]


def test_existing_sample_set_is_never_overwritten(sample: Path, tmp_path: Path) -> None:
    root = shutil.copytree(sample, tmp_path / "data")
    (root / "img1.txt").write_text("my own tags", encoding="utf-8")
    (root / "img4.txt").write_text("new caption", encoding="utf-8")
    (root / "img5.jpg").unlink()
    before = all_files(root)
    assert make_sample_dataset(root) == root
    assert make_sample_dataset(root, seed=3) == root
    assert all_files(root) == before


def test_a_folder_holding_anything_else_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    assert make_sample_dataset(tmp_path) == tmp_path.resolve()
    assert all_files(tmp_path) == {"notes.md": b"mine"}


def test_an_empty_folder_is_filled_and_its_resolved_path_returned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sample_data").mkdir()
    monkeypatch.chdir(tmp_path)
    path = make_sample_dataset("sample_data")
    assert path == tmp_path.resolve() / "sample_data"
    assert len(image_files(path)) >= 25


def test_overwrite_restores_the_sample_files_and_keeps_the_others(
    sample: Path, tmp_path: Path
) -> None:
    root = shutil.copytree(sample, tmp_path / "data")
    pristine = all_files(root)
    (root / "img1.txt").write_text("my own tags", encoding="utf-8")
    (root / "img4.txt").write_text("new caption", encoding="utf-8")
    (root / "img5.jpg").unlink()
    (root / "notes.md").write_text("mine", encoding="utf-8")
    make_sample_dataset(root, overwrite=True)
    assert all_files(root) == {**pristine, "notes.md": b"mine"}
