"""Civitai's trainer reads our zip as its own code reads an uploaded zip.

The rules, written here from civitai/civitai `src/components/Training/Form/TrainingImages.tsx`:
- `handleZip`: entries that are not folders, `__MACOSX/` or `.DS_STORE`; the extension after the
  last "." lower-cased, one of png, jpg, jpeg, webp (`imageExts`); the label is the entry
  `<name without its last extension>.txt`.
- `getResizedImgUrl`: an image under 64 px on either side is refused (`absoluteMinDimension`).
- `handleDrop`: at most 1,000 images (`MAX_FILES_ALLOWED`).
- `LabelSelectModal`: the label type guessed from the first non-empty label: longer than 80
  (JavaScript string length, UTF-16 units) with fewer comma-separated parts than 5% of that
  length is "caption", else "tag".
- `handleNextAfterCheck`: with a trigger word, `new RegExp("^" + trigger + "(,|$)")` for tags or
  `"( |$)"` for captions (the trigger not escaped); a label it does not match gets
  `trigger + ", " + label` (tags) or `trigger + " " + label` (captions).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.export import export

from oddset import ODD_CAPTIONS, SENTENCE, SIZE, TRIGGER, make_odd_set

IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp"}
MIN_SIDE = 64


def js_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def guess(labels: list[str]) -> str:
    first = next((label for label in labels if label), "")
    return ("caption" if js_length(first) > 80 and len(first.split(",")) < js_length(first) * 0.05
            else "tag")


def on_submit(label: str, trigger: str, label_type: str) -> str:
    pattern = f"^{trigger}( |$)" if label_type == "caption" else f"^{trigger}(,|$)"
    if re.search(pattern, label):
        return label
    if not label:
        return trigger
    return f"{trigger} {label}" if label_type == "caption" else f"{trigger}, {label}"


def read_like_civitai(zip_path: Path) -> list[tuple[str, str]]:
    taken = []
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        for name in archive.namelist():
            if name.endswith("/") or name.startswith("__MACOSX/") or name.endswith(".DS_STORE"):
                continue
            *base, extension = name.split(".")
            if extension.lower() not in IMAGE_EXTENSIONS:
                continue
            with Image.open(io.BytesIO(archive.read(name))) as image:
                width, height = ImageOps.exif_transpose(image).size  # as a browser shows it
            if width < MIN_SIDE or height < MIN_SIDE:
                continue
            label_name = ".".join(base) + ".txt"
            label = archive.read(label_name).decode("utf-8") if label_name in names else ""
            taken.append((name, label))
    assert len(taken) <= 1000
    return taken


@pytest.fixture
def odd(tmp_path: Path) -> Dataset:
    dataset = Dataset(make_odd_set(tmp_path / "odd"))
    dataset.trigger = TRIGGER
    return dataset


def test_every_image_in_the_zip_is_taken_and_every_label_kept_as_written(
        odd: Dataset, tmp_path: Path) -> None:
    report = export(odd, "civitai", tmp_path / "out.zip")
    taken = read_like_civitai(tmp_path / "out.zip")
    assert report.exported == len(taken) == len(ODD_CAPTIONS) - 1
    assert [(item, why.split(";")[0]) for item, why in report.left_out] == [
        ("tiny.png", "Civitai refuses images under 64 px on a side")]
    labels = [label for _, label in taken]
    assert report.label_type == guess(labels) == "tag"
    for label in labels:
        assert on_submit(label, TRIGGER, report.label_type) == label, label
        assert "\ufeff" not in label and "\n" not in label and "[trigger]" not in label


def test_natural_language_captions_are_made_for_the_caption_type(tmp_path: Path) -> None:
    root = tmp_path / "prose"
    root.mkdir()
    for number, text in enumerate([SENTENCE, f"ohwx {SENTENCE[2:]}", f"ohwx, {SENTENCE[2:]}"]):
        Image.new("RGB", SIZE, "white").save(root / f"{number}.png")
        (root / f"{number}.txt").write_text(text, encoding="utf-8")
    dataset = Dataset(root)
    report = export(dataset, "civitai", tmp_path / "out.zip", trigger=TRIGGER)
    labels = [label for _, label in read_like_civitai(tmp_path / "out.zip")]
    assert report.label_type == guess(labels) == "caption"
    assert all(guess([label]) == "caption" for label in labels)
    for label in labels:
        assert on_submit(label, TRIGGER, "caption") == label
    assert labels[1] == f"ohwx {SENTENCE[2:]}"
    assert labels[2] == f"ohwx {SENTENCE[2:]}"  # "ohwx," would have had the trigger again
    assert any("captions" in note for note in report.notes)


def test_the_label_type_can_be_chosen_and_the_report_says_to_choose_it(
        odd: Dataset, tmp_path: Path) -> None:
    report = export(odd, "civitai", tmp_path / "out.zip", civitai_labels="caption")
    labels = [label for _, label in read_like_civitai(tmp_path / "out.zip")]
    assert all(on_submit(label, TRIGGER, "caption") == label for label in labels)
    assert guess(labels) == "tag"
    assert any("choose “caption”" in note for note in report.notes)


@pytest.mark.parametrize("trigger", ["oh(wx)", "c++", "a|b"])
def test_a_trigger_civitai_would_read_as_another_pattern_is_refused(
        odd: Dataset, tmp_path: Path, trigger: str) -> None:
    with pytest.raises(ValueError, match="regular expression"):
        export(odd, "civitai", tmp_path / "out.zip", trigger=trigger)
    assert not (tmp_path / "out.zip").exists()
