"""Exports for trainers, each read back the way its trainer reads it and compared with the source:
kohya (the first line of `<stem>.txt`, repeats from the folder name and the toml), ai-toolkit
(`[trigger]` handling, the YAML's dataset section), Civitai (numbered names, formats, at most
1,000 images, the trigger first and never twice). Originals are never touched, destinations are
never overwritten by mistake, and each fix is applied to the copies and reported."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.export import (
    BOM_REMOVED,
    MARKER_NAME,
    ONE_LINE,
    PLACEHOLDER_REPLACED,
    TARGETS,
    TRIGGER_FIRST,
    ExportCancelled,
    Fixes,
    export,
)
from lora_tagger_widget.core.exportfixes import (
    CMYK_TO_RGB,
    EIGHT_BIT,
    EXTENSION_FIXED,
    FIRST_FRAME,
    FLATTENED,
    ORIENTATION_FIXED,
    PALETTE_TO_RGB,
)

from imagefiles import write_image
from oddset import SIZE, enlarge

TRIGGER = "ohwx"
CAPTIONS: dict[str, str | bytes | None] = {
    "a.jpg": "red hair, smiling",
    "b.png": "ohwx, outdoors",  # the trigger first already
    "c.jpg": "sky, ohwx",  # the trigger elsewhere: moved, not copied
    "d.jpg": "[trigger] woman, hat",  # ai-toolkit's placeholder
    "e.png": "ohwx woman, blue eyes",  # starts with the trigger as a word
    "f.jpg": "portrait\nstudio lighting",  # two lines
}
KOHYA_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp",
                          ".PNG", ".JPG", ".JPEG", ".WEBP", ".BMP")
AI_TOOLKIT_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")  # data_loader.py: no AVIF
CIVITAI_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}


# Readers that do what each trainer does


@dataclass
class TrainingImage:
    image: Path
    caption: str
    repeats: int = 1


def read_like_kohya(config_file: Path) -> list[TrainingImage]:
    """sd-scripts with `--dataset_config`: each subset's `image_dir`, the images directly in it,
    the caption `<stem><caption_extension>` (its default `.caption`), its first line stripped;
    `num_repeats` from the toml, which must agree with the `<repeats>_<name>` folder name that
    `--train_data_dir` would read."""
    config = read_toml(config_file.read_text(encoding="utf-8"))
    found = []
    for dataset in config["datasets"]:
        for subset in dataset["subsets"]:
            settings = {**config.get("general", {}), **dataset, **subset}
            image_dir = Path(settings["image_dir"])
            repeats = int(image_dir.name.split("_")[0])
            assert settings["num_repeats"] == repeats
            for image in sorted(image_dir.iterdir()):
                if image.suffix not in KOHYA_IMAGE_EXTENSIONS:
                    continue
                caption_file = image.with_suffix(settings.get("caption_extension", ".caption"))
                lines = caption_file.read_text(encoding="utf-8").splitlines(keepends=True)
                assert lines, f"caption file is empty: {caption_file}"
                found.append(TrainingImage(image, lines[0].strip(), repeats))
    return found


def read_toml(text: str) -> dict[str, Any]:
    """TOML as kohya reads it (Python 3.11's `tomllib`; the test is skipped on 3.10)."""
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads(text)


def ai_toolkit_settings(yaml_text: str) -> dict[str, object]:
    """The few keys of the emitted YAML, read with a line parser (values are JSON-like)."""
    settings: dict[str, object] = {}
    for line in yaml_text.splitlines():
        match = re.fullmatch(r"\s*(?:- )?(\w+): (.+)", line)
        if match and not line.lstrip().startswith("#"):
            settings[match[1]] = json.loads(match[2])
    return settings


def read_like_ai_toolkit(yaml_text: str) -> list[TrainingImage]:
    """ai-toolkit: the images in `folder_path`, the caption `<stem>.<caption_ext>`, `[trigger]`
    and `[name]` replaced by `trigger_word`, which is put in front when absent."""
    settings = ai_toolkit_settings(yaml_text)
    folder = Path(str(settings["folder_path"]))
    trigger = str(settings.get("trigger_word", ""))
    found = []
    for image in sorted(folder.iterdir()):
        if image.suffix.lower() not in AI_TOOLKIT_IMAGE_EXTENSIONS:
            continue
        caption = image.with_suffix(f".{settings['caption_ext']}").read_text(encoding="utf-8")
        for placeholder in ("[name]", "[trigger]"):
            caption = caption.replace(placeholder, trigger)
        if trigger and caption.count(trigger) == 0:
            caption = f"{trigger} {caption}"
        found.append(TrainingImage(image, caption))
    return found


def read_like_civitai(zip_path: Path) -> list[tuple[str, Image.Image, str]]:
    """The zip's image and caption pairs, checked against Civitai's rules: `000.ext` names with
    a `000.txt` each, png/jpg/webp only (by content too), at most 1,000 images."""
    pairs = []
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        images = [n for n in names if not n.endswith(".txt")]
        assert len(images) <= 1000
        assert sorted(names) == sorted(images + [n.rsplit(".", 1)[0] + ".txt" for n in images])
        for number, name in enumerate(sorted(images)):
            stem, extension = name.rsplit(".", 1)
            assert stem == f"{number:03d}"
            image = Image.open(io.BytesIO(archive.read(name)))
            assert image.format == CIVITAI_FORMATS[extension]
            pairs.append((name, image, archive.read(f"{stem}.txt").decode("utf-8")))
    return pairs


def tags(caption: str) -> list[str]:
    return [tag.strip() for tag in caption.split(",") if tag.strip()]


def civitai_keeps(caption: str) -> bool:
    """Civitai's tags rule, `^ohwx(,|$)` (TrainingImages.tsx, `handleNextAfterCheck`): the first
    tag is the trigger itself, so it does not add it again; no other tag is the trigger."""
    return (re.match(rf"{TRIGGER}(,|$)", caption) is not None
            and TRIGGER not in tags(caption)[1:])


def has_trigger_first_once(caption: str) -> bool:
    """Civitai's rule: the first tag is the trigger or starts with it as a word; no other tag
    is the trigger."""
    first, *rest = tags(caption)
    return re.match(rf"{TRIGGER}(?!\w)", first) is not None and TRIGGER not in rest


def without_trigger(caption: str) -> list[str]:
    return [tag for tag in tags(caption) if tag != TRIGGER]


def source_tags_without_trigger(caption: str, *, split_first: bool = False) -> list[str]:
    """The source caption's tags as a trainer should see them, the trigger tag aside (and, with
    `split_first`, the trigger split off a first tag it starts as a word, as for Civitai)."""
    found = tags(caption.replace("[trigger]", TRIGGER).replace("\n", ", "))
    if split_first and found[0].startswith(f"{TRIGGER} "):
        found[0] = found[0][len(TRIGGER) + 1:]
    return without_trigger(", ".join(found))


# Odd images


def _save(path: Path, image: Image.Image, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    return path


def _rotated_jpeg(path: Path) -> Path:
    """A 96x64 picture stored with EXIF orientation 6: shown 64x96."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(path, Image.new("RGB", (96, 64), "red"), exif=exif)


def _transparent_png(path: Path) -> Path:
    image = Image.new("RGBA", (80, 64), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 40, 64))
    return _save(path, image)


def _animated(path: Path) -> Path:
    frames = [Image.new("RGB", (80, 64), color) for color in ("red", "lime", "blue")]
    return _save(path, frames[0], save_all=True, append_images=frames[1:], duration=100, loop=0)


def _rgb16_png(path: Path) -> Path:
    """A 16-bit RGB PNG (Pillow reads it as 8-bit RGB but cannot write one)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 64, 64, 16, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\xff\x80\x00\x00\x00" * 64 for _ in range(64))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def _png_bit_depth(path: Path) -> int:
    return path.read_bytes()[24]


def _palette_png(path: Path) -> Path:
    return _save(path, Image.new("RGB", (80, 64), "orange").convert("P"))


ODD_IMAGES: dict[str, Callable[[Path], Path]] = {
    "cmyk.jpg": lambda p: _save(p, Image.new("CMYK", (80, 64), (0, 255, 255, 0))),
    "gray16.png": lambda p: _save(p, Image.new("I;16", (80, 64), 50_000)),
    "rgb16.png": _rgb16_png,
    "palette.png": _palette_png,
    "transparent.png": _transparent_png,
    "rotated.jpg": _rotated_jpeg,
    "animated.gif": _animated,
    "animated-webp.webp": _animated,
}


# Helpers


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def ds(make_set: Callable[..., Path]) -> Dataset:
    dataset = Dataset(enlarge(make_set(CAPTIONS)))
    dataset.trigger = TRIGGER
    return dataset


@pytest.fixture
def odd(tmp_path: Path) -> Dataset:
    root = tmp_path / "odd"
    for name, make in ODD_IMAGES.items():
        make(root / name)
        (root / name).with_suffix(".txt").write_text(f"{name}, tag", encoding="utf-8")
    write_image(root / "plain.jpg", SIZE)
    (root / "plain.txt").write_text("plain", encoding="utf-8")
    return Dataset(root)


def _by_name(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.iterdir()}


# Civitai


def test_civitai_zip_has_numbered_pairs_with_the_trigger_first_and_never_twice(
        ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "civitai", tmp_path / "out.zip")
    pairs = read_like_civitai(tmp_path / "out.zip")
    assert report.exported == len(pairs) == len(CAPTIONS)
    for (_, _, caption), source in zip(pairs, ds, strict=True):
        assert civitai_keeps(caption), caption
        assert without_trigger(caption) == source_tags_without_trigger(source.caption,
                                                                        split_first=True)


def test_civitai_captions_follow_the_trigger_rule_exactly(ds: Dataset, tmp_path: Path) -> None:
    export(ds, "civitai", tmp_path / "out.zip")
    captions = [caption for _, _, caption in read_like_civitai(tmp_path / "out.zip")]
    assert captions == [
        "ohwx, red hair, smiling",
        "ohwx, outdoors",
        "ohwx, sky",
        "ohwx, woman, hat",  # Civitai's tags rule: "ohwx woman" would get the trigger again
        "ohwx, woman, blue eyes",
        "ohwx, portrait, studio lighting",
    ]


def test_civitai_dest_without_zip_suffix_gets_one(ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "civitai", tmp_path / "for-civitai")
    assert report.dest == tmp_path / "for-civitai.zip"
    assert report.files == [tmp_path / "for-civitai.zip"]
    assert zipfile.is_zipfile(report.dest)


def test_civitai_converts_bmp_tiff_and_gif_and_reports_it(make_set: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    root = enlarge(make_set({"a.bmp": "x", "b.tif": "y", "c.gif": "z", "d.webp": "w"}))
    report = export(Dataset(root), "civitai", tmp_path / "out.zip", trigger="")
    formats = [image.format for _, image, _ in read_like_civitai(tmp_path / "out.zip")]
    assert formats == ["JPEG", "JPEG", "JPEG", "WEBP"]
    assert report.converted == [("a.bmp", "BMP", "JPEG"), ("b.tif", "TIFF", "JPEG"),
                                ("c.gif", "GIF", "JPEG")]


def test_civitai_without_format_conversion_leaves_out_what_it_cannot_read(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.bmp": "x", "b.jpg": "y"}))
    report = export(Dataset(root), "civitai", tmp_path / "out.zip",
                    fixes=Fixes(convert_formats=False))
    assert report.exported == 1
    assert [item_id for item_id, _ in report.left_out] == ["a.bmp"]
    assert "BMP" in report.left_out[0][1]


@pytest.fixture(scope="module")
def big_set(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("big") / "imgs"
    root.mkdir()
    tiny = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(tiny, "PNG")
    for number in range(1003):
        (root / f"img{number:04d}.png").write_bytes(tiny.getvalue())
        (root / f"img{number:04d}.txt").write_text(f"tag{number}", encoding="utf-8")
    return Dataset(root)


def test_civitai_takes_at_most_1000_images_and_reports_the_rest(big_set: Dataset,
                                                                 tmp_path: Path) -> None:
    report = export(big_set, "civitai", tmp_path / "out.zip", trigger=TRIGGER)
    pairs = read_like_civitai(tmp_path / "out.zip")
    assert report.exported == len(pairs) == 1000
    assert pairs[-1][0] == "999.png"
    assert [item_id for item_id, _ in report.left_out] == [
        "img1000.png", "img1001.png", "img1002.png"]
    assert all("1,000" in why for _, why in report.left_out)


def test_renamed_names_get_a_fourth_digit_past_999_images(big_set: Dataset,
                                                          tmp_path: Path) -> None:
    export(big_set, "renamed", tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    assert names[0] == "image_0001.png"
    assert names[-1] == "image_1003.png"


# ai-toolkit


def test_ai_toolkit_export_reads_back_with_the_trigger_as_ai_toolkit_applies_it(
        ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "ai-toolkit", tmp_path / "out")
    assert report.config is not None
    read = read_like_ai_toolkit(report.config)
    assert [r.image.stem for r in read] == [item.id.rsplit(".", 1)[0] for item in ds]
    assert [r.caption for r in read] == [
        "ohwx red hair, smiling",
        "ohwx, outdoors",
        "sky, ohwx",
        "ohwx woman, hat",
        "ohwx woman, blue eyes",
        "ohwx portrait, studio lighting",
    ]


def test_ai_toolkit_captions_keep_their_text_and_placeholders(ds: Dataset,
                                                              tmp_path: Path) -> None:
    report = export(ds, "ai-toolkit", tmp_path / "out", fixes=Fixes(one_line=False))
    for item in ds:
        exported = (tmp_path / "out" / item.id).with_suffix(".txt")
        assert exported.read_text(encoding="utf-8") == item.caption
    assert not [what for _, what in report.fixed if what in (TRIGGER_FIRST, PLACEHOLDER_REPLACED)]


def test_ai_toolkit_yaml_is_the_dataset_section_of_its_config(ds: Dataset,
                                                              tmp_path: Path) -> None:
    report = export(ds, "ai-toolkit", tmp_path / "out", resolution=(512, 1024))
    written = (tmp_path / "out" / "ai-toolkit-dataset.yaml").read_text(encoding="utf-8")
    assert written == report.config
    assert ai_toolkit_settings(written) == {
        "trigger_word": TRIGGER,
        "folder_path": str(tmp_path / "out"),
        "caption_ext": "txt",
        "caption_dropout_rate": 0.05,
        "shuffle_tokens": False,
        "cache_latents_to_disk": True,
        "resolution": [512, 1024],
    }
    assert "\ndatasets:\n  - folder_path: " in written


def test_ai_toolkit_yaml_has_no_trigger_word_without_a_trigger(ds: Dataset,
                                                               tmp_path: Path) -> None:
    report = export(ds, "ai-toolkit", tmp_path / "out", trigger="")
    assert report.config is not None
    assert "trigger_word" not in ai_toolkit_settings(report.config)


# kohya


def test_kohya_export_reads_back_as_sd_scripts_reads_it(ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "kohya", tmp_path / "out", repeats=5)
    read = read_like_kohya(tmp_path / "out" / "dataset_config.toml")
    assert [r.image.parent.name for r in read] == ["5_ohwx"] * len(CAPTIONS)
    assert all(r.repeats == 5 for r in read)
    for training, source in zip(read, ds, strict=True):
        assert has_trigger_first_once(training.caption)
        assert without_trigger(training.caption) == source_tags_without_trigger(source.caption)
    assert report.config == (tmp_path / "out" / "dataset_config.toml").read_text()


def test_kohya_toml_sets_the_caption_extension_keep_tokens_and_the_largest_resolution(
        ds: Dataset, tmp_path: Path) -> None:
    export(ds, "kohya", tmp_path / "out", resolution=(512, 768))
    config = read_toml((tmp_path / "out" / "dataset_config.toml").read_text())
    assert config["general"]["caption_extension"] == ".txt"
    assert config["general"]["keep_tokens"] == 1
    assert config["datasets"][0]["resolution"] == 768
    assert config["datasets"][0]["subsets"] == [
        {"image_dir": str(tmp_path / "out" / "10_ohwx"), "num_repeats": 10}]


def test_kohya_without_a_trigger_keeps_captions_and_names_the_folder_after_the_set(
        ds: Dataset, tmp_path: Path) -> None:
    export(ds, "kohya", tmp_path / "out", trigger="", fixes=Fixes(one_line=False))
    config = read_toml((tmp_path / "out" / "dataset_config.toml").read_text())
    assert "keep_tokens" not in config["general"]
    read = read_like_kohya(tmp_path / "out" / "dataset_config.toml")
    assert read[0].image.parent.name == "10_imgs"
    # ai-toolkit removes [trigger] when it has no trigger word; so does the export for kohya.
    assert [r.caption for r in read] == [
        item.caption.splitlines()[0].replace("[trigger] ", "") for item in ds]


def test_kohya_keeps_bmp_which_it_reads(make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.bmp": "x"}))
    report = export(Dataset(root), "kohya", tmp_path / "out", name="thing")
    copied = tmp_path / "out" / "10_thing" / "a.bmp"
    assert copied.read_bytes() == (root / "a.bmp").read_bytes()
    assert report.converted == []


def test_config_paths_with_quotes_and_backslashes_read_back_exactly(
        ds: Dataset, tmp_path: Path) -> None:
    dest = tmp_path / 'odd "name" \\ here'
    export(ds, "kohya", dest, name="x")
    config = read_toml((dest / "dataset_config.toml").read_text(encoding="utf-8"))
    assert config["datasets"][0]["subsets"][0]["image_dir"] == str(dest / "10_x")
    report = export(ds, "ai-toolkit", tmp_path / "a 'b' \"c\"")
    assert report.config is not None
    assert ai_toolkit_settings(report.config)["folder_path"] == str(tmp_path / "a 'b' \"c\"")


# Renamed copy


def test_renamed_copy_has_numbered_files_and_a_csv_mapping_to_the_originals(
        ds: Dataset, tmp_path: Path) -> None:
    export(ds, "renamed", tmp_path / "out", prefix="cat")
    with open(tmp_path / "out" / "names.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["image"] for row in rows] == [
        "cat_001.jpg", "cat_002.png", "cat_003.jpg", "cat_004.jpg", "cat_005.png", "cat_006.jpg"]
    for row, item in zip(rows, ds, strict=True):
        assert row["original_image"] == item.id
        assert row["original_caption"] == item.id.rsplit(".", 1)[0] + ".txt"
        assert (tmp_path / "out" / row["image"]).read_bytes() == item.image_path.read_bytes()
        assert (tmp_path / "out" / row["caption"]).read_text(encoding="utf-8") == (
            item.caption.replace("\n", ", "))


# Originals and destinations


@pytest.mark.parametrize("target", TARGETS)
def test_originals_are_never_modified(odd: Dataset, tmp_path: Path, target: str) -> None:
    before = _hashes(odd.root)
    report = export(odd, target, tmp_path / "out", trigger=TRIGGER)
    assert report.fixed  # the odd images were fixed, on the copies
    assert _hashes(odd.root) == before


@pytest.mark.parametrize("target", TARGETS)
def test_a_non_empty_destination_is_refused(ds: Dataset, tmp_path: Path, target: str) -> None:
    export(ds, target, tmp_path / "out")
    dest = tmp_path / ("out.zip" if target == "civitai" else "out")
    before = _hashes(tmp_path / "out") if dest.is_dir() else dest.read_bytes()
    with pytest.raises(FileExistsError, match="not empty"):
        export(ds, target, tmp_path / "out")
    assert (_hashes(dest) if dest.is_dir() else dest.read_bytes()) == before


@pytest.mark.parametrize("target", TARGETS)
def test_replace_swaps_an_earlier_export_for_the_new_one(ds: Dataset, tmp_path: Path,
                                                         target: str) -> None:
    export(ds, target, tmp_path / "out", scope=[0])
    report = export(ds, target, tmp_path / "out", replace=True)
    assert report.exported == len(CAPTIONS)
    if target == "civitai":
        assert len(read_like_civitai(report.dest)) == len(CAPTIONS)
    else:
        on_disk = {p for p in report.dest.rglob("*") if p.is_file() and p.name != MARKER_NAME}
        assert on_disk == set(report.files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["imgs", report.dest.name])


def test_replace_never_deletes_a_folder_that_is_not_an_export(ds: Dataset,
                                                              tmp_path: Path) -> None:
    mine = tmp_path / "my-photos"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="not an export made here"):
        export(ds, "ai-toolkit", mine, replace=True)
    assert (mine / "holiday.jpg").read_bytes() == b"precious"


def test_replace_never_overwrites_a_zip_that_is_not_an_export(ds: Dataset,
                                                              tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.zip"
    with zipfile.ZipFile(theirs, "w") as archive:
        archive.writestr("notes.txt", "mine")
    before = theirs.read_bytes()
    with pytest.raises(FileExistsError, match="not an export made here"):
        export(ds, "civitai", theirs, replace=True)
    assert theirs.read_bytes() == before


def test_an_empty_destination_folder_is_used(ds: Dataset, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    report = export(ds, "renamed", tmp_path / "out")
    assert report.exported == len(CAPTIONS)


@pytest.mark.parametrize("where", ["imgs/export", "imgs", ".", "imgs/sub/deeper"])
def test_a_destination_inside_or_holding_the_data_set_is_refused(
        ds: Dataset, tmp_path: Path, where: str) -> None:
    before = _hashes(ds.root)
    with pytest.raises(ValueError, match="data set folder"):
        export(ds, "renamed", tmp_path / where, replace=True)
    assert _hashes(ds.root) == before
    assert not (ds.root / "export").exists()


def test_no_temporary_file_is_left_behind(ds: Dataset, tmp_path: Path) -> None:
    for target in TARGETS:
        export(ds, target, tmp_path / "exports" / target)
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == [
        "ai-toolkit", "civitai.zip", "kohya", "renamed"]


@pytest.mark.parametrize("target", TARGETS)
def test_a_cancelled_export_leaves_nothing_behind(ds: Dataset, tmp_path: Path,
                                                  target: str) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 2:
            cancel.set()

    (tmp_path / "exports").mkdir()
    with pytest.raises(ExportCancelled):
        export(ds, target, tmp_path / "exports" / "out", progress=progress, cancel=cancel)
    assert list((tmp_path / "exports").iterdir()) == []


def test_a_failing_export_leaves_an_earlier_one_in_place(ds: Dataset, tmp_path: Path) -> None:
    export(ds, "renamed", tmp_path / "out")
    before = _hashes(tmp_path / "out")

    def progress(done: int, total: int) -> None:
        if done == 3:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        export(ds, "renamed", tmp_path / "out", replace=True, progress=progress)
    assert _hashes(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imgs", "out"]


def test_the_export_is_marked_as_ours(ds: Dataset, tmp_path: Path) -> None:
    export(ds, "ai-toolkit", tmp_path / "out")
    marker = json.loads((tmp_path / "out" / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["app"] == "lora-tagger-widget"
    assert marker["images"] == len(CAPTIONS)


# Fixes


@pytest.mark.parametrize(("name", "fix"), [
    ("cmyk.jpg", CMYK_TO_RGB),
    ("gray16.png", EIGHT_BIT),
    ("rgb16.png", EIGHT_BIT),
    ("palette.png", PALETTE_TO_RGB),
    ("transparent.png", FLATTENED),
    ("rotated.jpg", ORIENTATION_FIXED),
    ("animated-webp.webp", FIRST_FRAME),
])
def test_each_fix_is_applied_to_the_copy_and_reported(odd: Dataset, tmp_path: Path,
                                                      name: str, fix: str) -> None:
    report = export(odd, "ai-toolkit", tmp_path / "out")
    assert (name, fix) in report.fixed
    stem = name.rsplit(".", 1)[0]
    [exported] = [p for p in (tmp_path / "out").glob(f"{stem}.*") if p.suffix != ".txt"]
    image = Image.open(exported)
    assert image.mode in ("RGB", "L")
    assert getattr(image, "n_frames", 1) == 1
    assert image.getexif().get(0x0112, 1) == 1


def test_rotated_images_are_stored_upright(odd: Dataset, tmp_path: Path) -> None:
    export(odd, "ai-toolkit", tmp_path / "out")
    assert Image.open(tmp_path / "out" / "rotated.jpg").size == (64, 96)


def test_transparency_is_flattened_onto_white_by_default(odd: Dataset, tmp_path: Path) -> None:
    export(odd, "ai-toolkit", tmp_path / "out")
    image = Image.open(tmp_path / "out" / "transparent.png")
    assert image.getpixel((5, 5)) == (255, 255, 255)
    assert image.getpixel((60, 5)) == (255, 0, 0)


def test_transparency_is_flattened_onto_the_chosen_background(odd: Dataset,
                                                              tmp_path: Path) -> None:
    export(odd, "ai-toolkit", tmp_path / "out", fixes=Fixes(background=(0, 0, 255)))
    assert Image.open(tmp_path / "out" / "transparent.png").getpixel((5, 5)) == (0, 0, 255)


def test_sixteen_bit_images_become_eight_bit_with_their_tones(odd: Dataset,
                                                               tmp_path: Path) -> None:
    export(odd, "ai-toolkit", tmp_path / "out")
    image = Image.open(tmp_path / "out" / "gray16.png")
    assert image.mode == "L"
    assert image.getpixel((0, 0)) == 50_000 // 256
    assert _png_bit_depth(tmp_path / "out" / "rgb16.png") == 8
    assert Image.open(tmp_path / "out" / "rgb16.png").getpixel((0, 0)) == (255, 128, 0)


def test_an_animation_becomes_its_first_frame(odd: Dataset, tmp_path: Path) -> None:
    report = export(odd, "civitai", tmp_path / "out.zip")
    assert ("animated.gif", "GIF", "JPEG") in report.converted
    assert ("animated.gif", FIRST_FRAME) in report.fixed
    first = next(image for _, image, caption in read_like_civitai(report.dest)
                 if caption.startswith("animated.gif"))
    red, green, blue = first.convert("RGB").getpixel((20, 15))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize(("name", "fixes"), [
    ("transparent.png", Fixes(flatten=False)),
    ("rotated.jpg", Fixes(orientation=False)),
    ("palette.png", Fixes(rgb=False)),
    ("animated-webp.webp", Fixes(convert_formats=False)),
])
def test_a_fix_turned_off_leaves_the_image_as_it_was(odd: Dataset, tmp_path: Path, name: str,
                                                     fixes: Fixes) -> None:
    report = export(odd, "ai-toolkit", tmp_path / "out", fixes=fixes)
    assert (tmp_path / "out" / name).read_bytes() == (odd.root / name).read_bytes()
    assert not [what for item_id, what in report.fixed if item_id == name]


def test_transparency_kept_when_another_fix_re_encodes_the_image(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    exif = Image.Exif()
    exif[0x0112] = 6
    image = Image.new("RGBA", (80, 64), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 40, 64))
    _save(root / "a.png", image, exif=exif)
    (root / "a.txt").write_text("x")
    report = export(Dataset(root), "ai-toolkit", tmp_path / "out", fixes=Fixes(flatten=False))
    exported = Image.open(tmp_path / "out" / "a.png")
    assert report.fixed == [("a.png", ORIENTATION_FIXED)]
    assert exported.mode == "RGBA"
    assert exported.size == (64, 80)


def test_images_needing_nothing_are_copied_byte_for_byte(ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "ai-toolkit", tmp_path / "out")
    for item in ds:
        assert (tmp_path / "out" / item.id).read_bytes() == item.image_path.read_bytes()
    assert report.converted == []


def test_a_jpeg_named_jpeg_keeps_its_bytes_and_gets_the_jpg_extension(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.JPEG": "x"}))
    report = export(Dataset(root), "ai-toolkit", tmp_path / "out")
    assert (tmp_path / "out" / "a.jpg").read_bytes() == (root / "a.JPEG").read_bytes()
    assert report.fixed == []


def test_an_image_named_for_another_format_gets_its_real_extension(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    _save(root / "a.jpg", Image.new("RGB", SIZE, "blue"), format="PNG")
    (root / "a.txt").write_text("x")
    report = export(Dataset(root), "ai-toolkit", tmp_path / "out")
    assert (tmp_path / "out" / "a.png").read_bytes() == (root / "a.jpg").read_bytes()
    assert report.fixed == [("a.jpg", EXTENSION_FIXED)]


# Captions


def test_a_caption_of_several_lines_is_made_one_line_and_reported(ds: Dataset,
                                                                  tmp_path: Path) -> None:
    report = export(ds, "renamed", tmp_path / "out")
    assert (tmp_path / "out" / "image_006.txt").read_text() == "portrait, studio lighting"
    assert ("f.jpg", ONE_LINE) in report.fixed


def test_captions_keep_their_lines_when_one_line_is_off(ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "renamed", tmp_path / "out", fixes=Fixes(one_line=False))
    assert (tmp_path / "out" / "image_006.txt").read_text() == "portrait\nstudio lighting"
    assert report.fixed == []


def test_the_trigger_replacements_are_reported(ds: Dataset, tmp_path: Path) -> None:
    report = export(ds, "civitai", tmp_path / "out.zip")
    assert ("d.jpg", PLACEHOLDER_REPLACED) in report.fixed
    # d and e start with "ohwx woman": Civitai's tags rule wants "ohwx," first.
    assert [i for i, what in report.fixed if what == TRIGGER_FIRST] == [
        "a.jpg", "c.jpg", "d.jpg", "e.png", "f.jpg"]


def test_captions_are_written_as_utf8_without_a_byte_order_mark(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.jpg": "\ufeffcafé, crème".encode()}))
    report = export(Dataset(root), "ai-toolkit", tmp_path / "out")
    assert (tmp_path / "out" / "a.txt").read_bytes() == "café, crème".encode()
    assert report.fixed == [("a.jpg", BOM_REMOVED)]


def test_unsaved_edits_are_exported_and_the_caption_file_stays_as_it_was(
        ds: Dataset, tmp_path: Path) -> None:
    before = (ds.root / "a.txt").read_bytes()
    ds.set_tags("a.jpg", ["red hair", "laughing"])
    export(ds, "ai-toolkit", tmp_path / "out")
    assert (tmp_path / "out" / "a.txt").read_text() == "red hair, laughing"
    assert (ds.root / "a.txt").read_bytes() == before


# What is left out, and what is reported


def test_items_with_blocking_problems_are_left_out_with_the_reason(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = make_set({"ok.jpg": "fine", "empty.jpg": "  \n", "none.jpg": None,
                     "latin.jpg": "café".encode("cp1252")})
    (root / "broken.jpg").write_bytes(b"not an image at all")
    (root / "broken.txt").write_text("x")
    report = export(Dataset(root), "renamed", tmp_path / "out")
    reasons = dict(report.left_out)
    assert report.exported == 1
    assert set(reasons) == {"broken.jpg", "empty.jpg", "latin.jpg", "none.jpg"}
    assert "empty" in reasons["empty.jpg"]
    assert "No caption" in reasons["none.jpg"]
    assert "cp1252" in reasons["latin.jpg"]
    assert "not an image" in reasons["broken.jpg"]


def test_an_image_that_fails_to_decode_is_left_out_when_it_must_be_converted(
        tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    full = io.BytesIO()
    Image.effect_noise((400, 400), 64).save(full, "TIFF")
    root.mkdir()
    (root / "cut.tif").write_bytes(full.getvalue()[:4000])
    (root / "cut.txt").write_text("x")
    write_image(root / "ok.jpg", SIZE)
    (root / "ok.txt").write_text("y")
    report = export(Dataset(root), "civitai", tmp_path / "out.zip")
    assert report.exported == 1
    assert [item_id for item_id, _ in report.left_out] == ["cut.tif"]
    assert read_like_civitai(report.dest)[0][0] == "000.jpg"


def test_scope_exports_only_the_named_items_in_data_set_order(ds: Dataset,
                                                              tmp_path: Path) -> None:
    report = export(ds, "renamed", tmp_path / "out", scope=["c.jpg", 0, "c.jpg"])
    assert report.exported == 2
    with open(tmp_path / "out" / "names.csv", encoding="utf-8", newline="") as handle:
        assert [row["original_image"] for row in csv.DictReader(handle)] == ["a.jpg", "c.jpg"]


def test_images_with_the_same_name_in_two_folders_both_keep_a_name(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.jpg": "top", "A.png": "other case", "sub/a.jpg": "inside"}))
    export(Dataset(root), "ai-toolkit", tmp_path / "out")
    captions = {p.name: p.read_text() for p in (tmp_path / "out").glob("*.txt")}
    assert captions == {"a.txt": "top", "A-2.txt": "other case", "sub_a.txt": "inside"}


def test_progress_is_reported_from_zero_to_the_total(ds: Dataset, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    export(ds, "renamed", tmp_path / "out", progress=lambda done, total: calls.append(
        (done, total)))
    assert calls[0] == (0, len(CAPTIONS))
    assert calls[-1] == (len(CAPTIONS), len(CAPTIONS))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_the_summary_says_what_was_converted_fixed_and_left_out(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    root = enlarge(make_set({"a.gif": "x\ny", "b.jpg": ""}))
    summary = export(Dataset(root), "civitai", tmp_path / "out.zip").summary()
    assert summary.splitlines() == [
        f"Exported 1 image for Civitai to {tmp_path / 'out.zip'}.",
        "Civitai will guess the labels are tags: keep that in its “Found labels” dialog (the "
        "trigger word is already where it wants it).",
        "Converted 1 image: GIF to JPEG (1).",
        "Fixed 1 image: palette to RGB (1), caption made one line (1).",
        "Left out 1 image:",
        "  b.jpg: The caption is empty.",
    ]


@pytest.mark.parametrize(("options", "message"), [
    ({"target": "dreambooth"}, "Unknown export target"),
    ({"prefix": "a/b"}, "prefix"),
    ({"target": "kohya", "name": "x:y"}, "name"),
    ({"repeats": 0}, "repeats"),
    ({"resolution": []}, "resolution"),
    ({"quality": 101}, "quality"),
    ({"fixes": Fixes(background=(0, 0, 300))}, "background"),
])
def test_invalid_options_are_refused_before_anything_is_written(
        ds: Dataset, tmp_path: Path, options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"target": "renamed", **options}
    target = str(arguments.pop("target"))
    with pytest.raises(ValueError, match=message):
        export(ds, target, tmp_path / "out", **arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_the_summary_says_why_the_rest_were_left_out_in_words(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for n in range(13):
        write_image(root / f"img{n:02}.jpg", size=(96, 80))
        (root / f"img{n:02}.txt").write_text("", encoding="utf-8")
    report = Dataset(root).export("civitai", tmp_path / "out.zip")
    last = report.summary().splitlines()[-1]
    assert last.startswith("  and 3 more: ") and last.endswith("(3).") and "`" not in last
