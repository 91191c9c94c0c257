"""kohya sd-scripts reads our export as its own code reads a `--dataset_config` data set.

The rules, written here from kohya-ss/sd-scripts:
- `library/config_util.py` (`ConfigSanitizer`, `BlueprintGenerator`): the TOML is read with the
  `toml` package; `min_bucket_reso` / `max_bucket_reso` default to 256 / 1024.
- `library/train_util.py` `BaseDataset.adjust_min_max_bucket_reso_by_steps`: the limits are
  rounded to `bucket_reso_steps` and must hold the resolution, else an assertion stops it.
- `library/train_util.py` `IMAGE_EXTENSIONS` and `glob_images`: `*<ext>` for each extension, in
  lower or upper case only, directly in `image_dir` (hidden names are not matched).
- `library/train_util.py` `DreamBoothDataset.read_caption`: `<stem><caption_extension>` opened as
  UTF-8 text; empty is an assertion; the first line stripped, or with `enable_wildcard` every
  non-empty stripped line; `BaseDataset.process_caption` then picks one line and replaces
  `{a|b}` by one choice, `{{` / `}}` standing for literal braces.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.buckets import bucket_for, bucket_resolutions
from lora_tagger_widget.core.export import Fixes, export

from oddset import ODD_CAPTIONS, TRIGGER, make_odd_set

toml = pytest.importorskip("toml")  # the parser kohya uses

IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".PNG", ".JPG", ".JPEG", ".WEBP",
                    ".BMP"]
DEFAULT_MIN_BUCKET, DEFAULT_MAX_BUCKET, DEFAULT_STEPS = 256, 1024, 64


def bucket_limits_as_kohya(dataset: dict, general: dict) -> tuple[int, int]:
    """`adjust_min_max_bucket_reso_by_steps`, raising AssertionError as kohya does."""
    settings = {**general, **dataset}
    resolution = settings["resolution"]
    steps = settings.get("bucket_reso_steps", DEFAULT_STEPS)
    smallest = settings.get("min_bucket_reso", DEFAULT_MIN_BUCKET)
    largest = settings.get("max_bucket_reso", DEFAULT_MAX_BUCKET)
    smallest -= smallest % steps
    if largest % steps:
        largest += steps - largest % steps
    assert resolution >= smallest, "min_bucket_reso must be equal or less than resolution"
    assert resolution <= largest, "max_bucket_reso must be equal or greater than resolution"
    return smallest, largest


def glob_images(directory: str) -> list[str]:
    found = set()
    for extension in IMAGE_EXTENSIONS:
        found.update(glob.glob(os.path.join(glob.escape(directory), "*" + extension)))
    return sorted(found)


def read_caption(image: str, extension: str, wildcard: bool) -> str | None:
    path = os.path.splitext(image)[0] + extension
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        lines = handle.readlines()
    assert lines, f"caption file is empty: {path}"
    if wildcard:
        return "\n".join(line.strip() for line in lines if line.strip())
    return lines[0].strip()


def wildcard_choices(line: str) -> str:
    """`process_caption`'s wildcard step on one line, with the first choice of each `{a|b}`."""
    left, right = "⦅", "⦆"
    while left in line or right in line:
        left, right = left + "⦅", right + "⦆"
    line = line.replace("{{", left).replace("}}", right)
    line = re.sub(r"\{([^}]+)\}", lambda match: match[1].split("|")[0], line)
    return line.replace(left, "{").replace(right, "}")


def read_like_kohya(config_path: Path) -> list[tuple[str, str]]:
    config = toml.load(config_path)
    general = config.get("general", {})
    found = []
    for dataset in config["datasets"]:
        bucket_limits_as_kohya(dataset, general)
        for subset in dataset["subsets"]:
            settings = {**general, **dataset, **subset}
            wildcard = settings.get("enable_wildcard", False)
            for image in glob_images(settings["image_dir"]):
                caption = read_caption(image, settings.get("caption_extension", ".caption"),
                                       wildcard)
                assert caption is not None, f"no caption for {image}"
                found.append((image, caption))
    return found


@pytest.fixture
def odd(tmp_path: Path) -> Dataset:
    dataset = Dataset(make_odd_set(tmp_path / "odd"))
    dataset.trigger = TRIGGER
    return dataset


def test_every_exported_image_is_found_with_its_caption_trigger_first(odd: Dataset,
                                                                       tmp_path: Path) -> None:
    report = export(odd, "kohya", tmp_path / "out")
    found = read_like_kohya(tmp_path / "out" / "dataset_config.toml")
    assert len(found) == report.exported == len(ODD_CAPTIONS)  # tiny and AVIF too
    for image, caption in found:
        with Image.open(image) as opened:
            assert opened.format in ("JPEG", "PNG", "WEBP", "BMP")
            assert opened.convert("RGB").size[0] > 0
        assert caption.split(",")[0].strip().split(" ")[0] == TRIGGER, caption
        assert "\ufeff" not in caption and "[trigger]" not in caption and "[name]" not in caption
    captions = dict((Path(image).stem, caption) for image, caption in found)
    assert captions["palette"] == "ohwx, ohwxyz, palette"  # a longer word is not the trigger
    assert captions["bom"] == "ohwx, bom"
    assert captions["lines"] == "ohwx, first line, second line, third {line}"


@pytest.mark.parametrize("resolution", [(512,), (768, 1024), (1536,), (2048,), (128,)])
def test_the_toml_holds_every_resolution_and_predicts_the_buckets(
        odd: Dataset, tmp_path: Path, resolution: tuple[int, ...]) -> None:
    export(odd, "kohya", tmp_path / "out", resolution=resolution)
    config = toml.load(tmp_path / "out" / "dataset_config.toml")
    dataset = config["datasets"][0]
    smallest, largest = bucket_limits_as_kohya(dataset, config["general"])
    assert dataset["resolution"] == max(resolution)
    kohya_buckets = bucket_resolutions(max(resolution), 64, smallest, largest)
    assert bucket_for(96, 64, max(resolution)) in kohya_buckets


def test_without_a_trigger_no_placeholder_reaches_kohya(odd: Dataset, tmp_path: Path) -> None:
    export(odd, "kohya", tmp_path / "out", trigger="")
    captions = dict((Path(i).stem, c) for i, c in read_like_kohya(
        tmp_path / "out" / "dataset_config.toml"))
    assert captions["placeholder"] == "woman, hat"
    assert not any("[trigger]" in c or "[name]" in c for c in captions.values())


def test_lines_kept_are_read_as_wildcard_alternatives_with_braces_intact(
        odd: Dataset, tmp_path: Path) -> None:
    report = export(odd, "kohya", tmp_path / "out", fixes=Fixes(one_line=False))
    config = toml.load(tmp_path / "out" / "dataset_config.toml")
    assert config["datasets"][0]["subsets"][0]["enable_wildcard"] is True
    assert any("enable_wildcard" in note for note in report.notes)
    captions = dict((Path(i).stem, c) for i, c in read_like_kohya(
        tmp_path / "out" / "dataset_config.toml"))
    lines = [wildcard_choices(line) for line in captions["lines"].split("\n")]
    assert lines == ["ohwx, first line", "ohwx, second line", "ohwx, third {line}"]
    assert wildcard_choices(captions["braces"]) == "ohwx, {a|b}, curly"
