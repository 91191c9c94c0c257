"""Data-set checks: each check fires on a case made here and stays quiet on a clean set; the
per-image facts are cached in `.lora-tagger/checks.json` and computed again only for a changed
file; the report gives records, a DataFrame, groups and a summary."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import shutil
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter

from lora_tagger_widget import Dataset
from lora_tagger_widget.core import checks
from lora_tagger_widget.core.buckets import bucket_for
from lora_tagger_widget.core.checks import (
    CHECKS_FILE_NAME,
    CheckReport,
    CheckSettings,
    Finding,
    check_dataset,
    close_pairs,
)
from lora_tagger_widget.core.files import StateFolder

CAPTION = "ohwx, red hair, smiling, outdoors"


def _sharp(size: tuple[int, int]) -> Image.Image:
    """A sharp image (grain), different on each call."""
    return Image.effect_noise(size, 64).convert("RGB")


def scene(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like image: a gradient sky behind shapes of many grays with edges and some grain;
    the same for the same seed."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 20, width // 4), rng.randrange(height // 20, height // 4)
        color = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=color)
    grain = Image.effect_noise(size, 20).convert("RGB")
    return Image.blend(image, grain, 0.1)


def _write(root: Path, name: str, image: Image.Image, caption: str | bytes | None = CAPTION,
           **options: object) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    if isinstance(caption, str):
        path.with_suffix(".txt").write_text(caption, encoding="utf-8")
    elif caption is not None:
        path.with_suffix(".txt").write_bytes(caption)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "imgs"
    folder.mkdir()
    return folder


@pytest.fixture
def clean(root: Path) -> Path:
    """A few normal 1024+ px JPEGs with good captions."""
    for n, size in enumerate([(1024, 1024), (1216, 1024), (1024, 1344)]):
        _write(root, f"photo{n}.jpg", _sharp(size), quality=90)
    return root


def _check(root: Path, **settings: object) -> CheckReport:
    return check_dataset(Dataset(root), CheckSettings(**settings))  # type: ignore[arg-type]


def _codes(report: CheckReport, item_id: str) -> set[str]:
    return {finding.code for finding in report.for_image(item_id)}


def _one(report: CheckReport, code: str) -> Finding:
    found = [finding for finding in report.findings if finding.code == code]
    assert len(found) == 1, found
    return found[0]


# ---- a clean set


def test_a_clean_set_has_no_blocking_finding_and_no_warning(clean: Path) -> None:
    report = _check(clean)
    assert report.by_severity()["blocking"] == []
    assert report.by_severity()["warning"] == []
    assert report.checked == 3


def test_each_image_gets_its_kohya_bucket_at_each_resolution_as_info(clean: Path) -> None:
    finding = next(f for f in _check(clean).findings if f.code == "bucket" and
                   f.ids == ("photo1.jpg",))
    assert finding.severity == "info"
    assert finding.details["bucket_512"] == bucket_for(1216, 1024, 512)
    assert finding.details["bucket_768"] == bucket_for(1216, 1024, 768)
    assert finding.details["bucket_1024"] == bucket_for(1216, 1024, 1024)


# ---- blocking


@pytest.mark.parametrize("data", [b"not an image at all", b""])
def test_an_unreadable_image_is_blocking_not_an_exception(root: Path, data: bytes) -> None:
    (root / "bad.jpg").write_bytes(data)
    finding = _one(_check(root), "unreadable_image")
    assert (finding.severity, finding.ids) == ("blocking", ("bad.jpg",))


def test_a_truncated_image_is_blocking(root: Path) -> None:
    buffer = io.BytesIO()
    _sharp((800, 600)).save(buffer, "JPEG")
    (root / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    assert _one(_check(root), "unreadable_image").severity == "blocking"


def test_an_image_under_64_px_on_a_side_is_blocking(root: Path) -> None:
    _write(root, "thin.png", _sharp((800, 63)))
    finding = _one(_check(root), "too_small")
    assert (finding.severity, finding.details["height"]) == ("blocking", 63)


def test_two_images_sharing_a_stem_are_one_blocking_finding_naming_both(root: Path) -> None:
    _write(root, "a.png", _sharp((600, 600)))
    _write(root, "a.jpg", _sharp((600, 600)))
    finding = _one(_check(root), "shared_caption")
    assert finding.severity == "blocking"
    assert set(finding.ids) == {"a.png", "a.jpg"}


@pytest.mark.parametrize("caption", ["", "  \n"])
def test_an_empty_caption_file_is_blocking(root: Path, caption: str) -> None:
    _write(root, "a.jpg", _sharp((600, 600)), caption)
    assert _one(_check(root), "empty_caption").severity == "blocking"


def test_a_missing_caption_file_is_a_warning(root: Path) -> None:
    _write(root, "a.jpg", _sharp((600, 600)), None)
    report = _check(root)
    assert _one(report, "no_caption").severity == "warning"
    assert "empty_caption" not in _codes(report, "a.jpg")


def test_a_caption_that_is_not_utf8_is_blocking(root: Path) -> None:
    _write(root, "a.jpg", _sharp((600, 600)), "café, smiling".encode("cp1252"))
    finding = _one(_check(root), "not_utf8")
    assert (finding.severity, finding.details["encoding"]) == ("blocking", "cp1252")


# ---- warnings on the image


def test_a_short_side_under_the_training_resolution_is_a_warning(root: Path) -> None:
    _write(root, "a.jpg", _sharp((900, 700)))
    assert _one(_check(root, resolution=768), "under_resolution").severity == "warning"
    assert "under_resolution" not in _codes(_check(root, resolution=512), "a.jpg")


def test_an_extreme_aspect_ratio_is_a_warning_by_the_chosen_threshold(root: Path) -> None:
    _write(root, "wide.png", _sharp((1300, 400)))
    assert _one(_check(root), "extreme_aspect").details["aspect"] == 3.25
    assert "extreme_aspect" not in _codes(_check(root, max_aspect=3.5), "wide.png")


def test_identical_files_are_one_warning_per_group(root: Path) -> None:
    first = _write(root, "a.png", _sharp((300, 300)))
    shutil.copy(first, root / "b.png")
    (root / "sub").mkdir()
    shutil.copy(first, root / "sub" / "c.png")
    finding = _one(_check(root), "exact_duplicate")
    assert finding.severity == "warning"
    assert set(finding.ids) == {"a.png", "b.png", "sub/c.png"}
    assert "near_duplicate" not in {f.code for f in _check(root).findings}


def test_near_duplicates_are_a_warning_naming_the_pair(root: Path) -> None:
    image = _sharp((800, 600)).filter(ImageFilter.GaussianBlur(1))
    _write(root, "a.jpg", image, quality=95)
    _write(root, "b.jpg", image.resize((640, 480)), quality=60)
    finding = _one(_check(root), "near_duplicate")
    assert set(finding.ids) == {"a.jpg", "b.jpg"}
    assert 0 <= finding.details["distance"] <= 6  # type: ignore[operator]


def test_near_duplicates_follow_the_distance_setting(root: Path) -> None:
    _write(root, "a.png", _sharp((300, 300)))
    _write(root, "b.png", _sharp((300, 300)))
    assert not [f for f in _check(root).findings if f.code == "near_duplicate"]
    assert _one(_check(root, near_duplicate_distance=64), "near_duplicate")


def test_an_exif_rotated_copy_is_a_near_duplicate_of_the_upright_image(root: Path) -> None:
    image = _sharp((800, 600)).filter(ImageFilter.GaussianBlur(1))
    _write(root, "upright.jpg", image)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    _write(root, "stored-sideways.jpg", image.transpose(Image.Transpose.ROTATE_90), exif=exif)
    finding = _one(_check(root), "near_duplicate")
    assert set(finding.ids) == {"upright.jpg", "stored-sideways.jpg"}


def test_a_blurry_image_is_a_warning_by_the_chosen_threshold(root: Path) -> None:
    _write(root, "soft.jpg", scene((1200, 900)).filter(ImageFilter.GaussianBlur(8)))
    finding = _one(_check(root), "blurry")
    assert finding.details["variance"] < 50  # type: ignore[operator]
    assert "blurry" not in _codes(_check(root, blur_threshold=0), "soft.jpg")


def test_an_exif_orientation_other_than_1_is_a_warning(root: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    _write(root, "turned.jpg", _sharp((800, 600)), exif=exif)
    _write(root, "upright.jpg", _sharp((800, 600)))
    report = _check(root)
    assert _one(report, "exif_rotated").ids == ("turned.jpg",)
    assert _one(report, "exif_rotated").details["orientation"] == 6


def test_a_transparent_pixel_is_a_warning_but_an_opaque_alpha_channel_is_not(root: Path) -> None:
    holed = _sharp((300, 300)).convert("RGBA")
    holed.putpixel((5, 5), (0, 0, 0, 254))
    _write(root, "holed.png", holed)
    _write(root, "opaque.png", _sharp((300, 300)).convert("RGBA"))
    assert _one(_check(root), "transparency").ids == ("holed.png",)


def test_palette_transparency_counts_only_when_the_entry_is_used(root: Path) -> None:
    for name, fill in (("used.png", 0), ("unused.png", 1)):
        image = Image.new("P", (200, 200), fill)
        image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
        image.paste(2, (0, 0, 100, 200))
        _write(root, name, image, transparency=0)
    report = _check(root)
    assert _one(report, "transparency").ids == ("used.png",)
    assert "palette" in _codes(report, "unused.png")


@pytest.mark.parametrize(("name", "make", "code"), [
    ("deep.png", lambda: Image.new("I;16", (300, 300), 40_000), "high_bit_depth"),
    ("print.jpg", lambda: _sharp((300, 300)).convert("CMYK"), "cmyk"),
    ("indexed.png", lambda: _sharp((300, 300)).convert("P"), "palette"),
])
def test_16_bit_cmyk_and_palette_images_are_warnings(root: Path, name: str,
                                                     make: Callable[[], Image.Image],
                                                     code: str) -> None:
    _write(root, name, make())
    assert _one(_check(root), code).ids == (name,)


def test_an_animated_file_is_a_warning(root: Path) -> None:
    frames = [_sharp((200, 200)) for _ in range(3)]
    _write(root, "moving.gif", frames[0], save_all=True, append_images=frames[1:], duration=90)
    assert _one(_check(root), "animated").details["frames"] == 3


# ---- warnings on the caption


def test_a_caption_of_several_lines_is_a_warning(root: Path) -> None:
    _write(root, "a.jpg", _sharp((600, 600)), "red hair\nsmiling\n")
    assert _one(_check(root), "multiline").details["lines"] == 2


def test_captions_over_the_clip_and_t5_limits_are_warnings_saying_if_estimated(
        root: Path) -> None:
    words = [f"word{n}" for n in range(600)]
    _write(root, "clip.jpg", _sharp((600, 600)), ", ".join(words[:80]))
    _write(root, "t5.jpg", _sharp((600, 600)), " ".join(words))
    report = _check(root)
    assert {"clip_tokens"} <= _codes(report, "clip.jpg")
    assert "t5_tokens" not in _codes(report, "clip.jpg")
    t5 = next(f for f in report.for_image("t5.jpg") if f.code == "t5_tokens")
    assert t5.details["limit"] == 512
    assert isinstance(t5.details["exact"], bool)
    assert ("estimate" in t5.message) == (not t5.details["exact"])


def test_a_caption_without_the_trigger_word_is_a_warning_only_when_one_is_set(
        root: Path) -> None:
    _write(root, "missing.jpg", _sharp((600, 600)), "red hair, ohwx")
    _write(root, "first.jpg", _sharp((600, 600)), "ohwx woman, red hair")
    _write(root, "placeholder.jpg", _sharp((600, 600)), "[trigger], red hair")
    assert _one(_check(root, trigger="ohwx"), "no_trigger").ids == ("missing.jpg",)
    assert not [f for f in _check(root).findings if f.code == "no_trigger"]


def test_the_data_sets_trigger_word_is_used_without_settings(root: Path) -> None:
    _write(root, "a.jpg", _sharp((600, 600)), "red hair")
    dataset = Dataset(root)
    dataset.trigger = "ohwx"
    assert _one(check_dataset(dataset), "no_trigger").details["trigger"] == "ohwx"


def test_more_images_than_civitai_keeps_is_one_warning_for_the_set(clean: Path) -> None:
    finding = _one(_check(clean, civitai_limit=2), "over_civitai_limit")
    assert (finding.severity, finding.ids, finding.details["images"]) == ("warning", (), 3)


def test_a_format_a_trainer_does_not_accept_is_one_info_naming_the_trainers(root: Path) -> None:
    _write(root, "a.bmp", _sharp((300, 300)))
    _write(root, "b.bmp", _sharp((300, 300)))
    _write(root, "c.png", _sharp((300, 300)))
    finding = _one(_check(root), "format_not_accepted")
    assert finding.severity == "info"
    assert set(finding.ids) == {"a.bmp", "b.bmp"}
    assert finding.details["trainers"] == "Civitai, ai-toolkit"


# ---- the cache


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths whose facts are computed (not read from the cache) from now on."""
    paths: list[Path] = []
    real = checks.image_facts

    def counting(path: Path) -> checks.ImageFacts:
        paths.append(path)
        return real(path)

    monkeypatch.setattr(checks, "image_facts", counting)
    return paths


def test_a_second_run_on_an_unchanged_set_computes_nothing(clean: Path,
                                                           computed: list[Path]) -> None:
    first = _check(clean)
    assert (len(computed), first.from_cache) == (3, 0)
    second = _check(clean)
    assert (len(computed), second.from_cache, second.checked) == (3, 3, 3)
    assert second.findings == first.findings


def test_a_changed_file_is_computed_again_and_only_it(clean: Path, computed: list[Path]) -> None:
    _check(clean)
    stat = (clean / "photo1.jpg").stat()
    os.utime(clean / "photo1.jpg", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    report = _check(clean)
    assert [path.name for path in computed[3:]] == ["photo1.jpg"]
    assert report.from_cache == 2


def test_the_cache_is_json_in_the_state_folder(clean: Path) -> None:
    _check(clean)
    data = json.loads((clean / ".lora-tagger" / CHECKS_FILE_NAME).read_text("utf-8"))
    assert set(data["files"]) == {"photo0.jpg", "photo1.jpg", "photo2.jpg"}
    assert len(data["files"]["photo0.jpg"]["facts"]["sha256"]) == 64


def test_a_state_folder_linking_outside_is_not_written_through(clean: Path, tmp_path: Path,
                                                               computed: list[Path]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (clean / ".lora-tagger").symlink_to(outside, target_is_directory=True)
    report = _check(clean)
    assert report.checked == 3
    assert list(outside.iterdir()) == []
    _check(clean)
    assert len(computed) == 6  # nothing was cached


def test_unreadable_images_are_not_cached(root: Path, computed: list[Path]) -> None:
    (root / "bad.png").write_bytes(b"nope")
    _check(root)
    _check(root)
    assert len(computed) == 2


def _cache_path(root: Path) -> Path:
    return root / ".lora-tagger" / CHECKS_FILE_NAME


def _with_entry(root: Path, change: Callable[[dict[str, object]], object]) -> None:
    """Rewrite the cache with photo1.jpg's entry replaced by what `change` makes of it."""
    data = json.loads(_cache_path(root).read_text("utf-8"))
    data["files"]["photo1.jpg"] = change(data["files"]["photo1.jpg"])
    text = json.dumps(data).replace(f'"{HUGE_NUMBER}"', "9" * 5000)  # json.dumps cannot
    _cache_path(root).write_text(text, "utf-8")


def _with_fact(key: str, value: object) -> Callable[[dict[str, object]], object]:
    def change(entry: dict[str, object]) -> object:
        return {**entry, "facts": {**entry["facts"], key: value}}  # type: ignore[dict-item]

    return change


HUGE_NUMBER = "<a number of 5000 digits>"
# Each makes photo1.jpg's entry damaged in its own way; the other two entries stay good.
BROKEN_ENTRIES: dict[str, Callable[[dict[str, object]], object]] = {
    "a list": lambda entry: [1, 2],
    "a string": lambda entry: "photo",
    "null": lambda entry: None,
    "facts a list": lambda entry: {**entry, "facts": [1024, 1024]},
    "facts missing a key": lambda entry: {**entry, "facts": {
        k: v for k, v in entry["facts"].items() if k != "blur"}},  # type: ignore[attr-defined]
    "facts with an unknown key": _with_fact("colour", "red"),
    "no size": lambda entry: {k: v for k, v in entry.items() if k != "size"},
    "size a string": lambda entry: {**entry, "size": str(entry["size"])},
    "mtime null": lambda entry: {**entry, "mtime_ns": None},
    "width a string": _with_fact("width", "1216"),
    "width null": _with_fact("width", None),
    "width a float": _with_fact("width", 1216.0),
    "width true": _with_fact("width", True),
    "width zero": _with_fact("width", 0),
    "width huge": _with_fact("width", 10**30),
    "width of 5000 digits": _with_fact("width", HUGE_NUMBER),
    "height negative": _with_fact("height", -1024),
    "blur a string": _with_fact("blur", "sharp"),
    "blur negative": _with_fact("blur", -3.0),
    "blur infinite": _with_fact("blur", float("inf")),  # JSON's text: Infinity
    "blur NaN": _with_fact("blur", float("nan")),
    "orientation 9": _with_fact("orientation", 9),
    "frames zero": _with_fact("frames", 0),
    "transparency 1": _with_fact("transparency", 1),
    "phash not hex": _with_fact("phash", "zzzzzzzzzzzzzzzz"),
    "phash a number": _with_fact("phash", 1234),
    "sha256 short": _with_fact("sha256", "abc"),
    "mode a list": _with_fact("mode", ["RGB"]),
    "an error": _with_fact("error", "boom"),
}


@pytest.mark.parametrize("damage", BROKEN_ENTRIES.values(), ids=BROKEN_ENTRIES.keys())
def test_a_damaged_entry_is_ignored_and_rebuilt_alone(
    clean: Path, computed: list[Path], damage: Callable[[dict[str, object]], object]
) -> None:
    first = _check(clean)
    _with_entry(clean, damage)
    report = _check(clean)
    assert [path.name for path in computed[3:]] == ["photo1.jpg"]
    assert report.findings == first.findings
    assert report.from_cache == 2
    assert report.cache_note is not None and "1 damaged entry" in report.cache_note
    again = _check(clean)  # the cache was written again, whole
    assert (len(computed), again.from_cache, again.cache_note) == (4, 3, None)


BROKEN_FILES = {
    "empty": b"",
    "truncated": None,  # the good file cut in half
    "invalid UTF-8": b'{"version": 1, "files": {"\xff\xfe": {}}}',
    "a list": b"[]",
    "null": b"null",
    "files a list": b'{"version": %d, "files": []}' % checks.CACHE_VERSION,
    "no files": b'{"version": %d}' % checks.CACHE_VERSION,
    "nested deep": b"[" * 200_000,
}


@pytest.mark.parametrize("data", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_an_unreadable_cache_is_set_aside_with_a_note_and_rebuilt(
    clean: Path, computed: list[Path], data: bytes | None
) -> None:
    first = _check(clean)
    good = _cache_path(clean).read_bytes()
    broken = good[: len(good) // 2] if data is None else data
    _cache_path(clean).write_bytes(broken)
    report = _check(clean)
    assert report.findings == first.findings
    assert len(computed) == 6
    assert report.cache_note is not None and "could not be read" in report.cache_note
    aside = list(_cache_path(clean).parent.glob(f"{CHECKS_FILE_NAME}.broken-*"))
    assert [path.read_bytes() for path in aside] == [broken]  # nothing lost
    assert aside[0].name in report.cache_note
    assert _check(clean).from_cache == 3  # rebuilt


def test_a_cache_over_the_size_cap_is_set_aside(clean: Path, computed: list[Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _check(clean)
    monkeypatch.setattr(checks, "MAX_CACHE_BYTES", 100)
    report = _check(clean)
    assert len(computed) == 6
    assert report.cache_note is not None and "too large" in report.cache_note


def test_another_versions_cache_is_replaced_quietly(clean: Path, computed: list[Path]) -> None:
    _check(clean)
    data = json.loads(_cache_path(clean).read_text("utf-8"))
    _cache_path(clean).write_text(json.dumps({**data, "version": 99}), "utf-8")
    report = _check(clean)
    assert (len(computed), report.cache_note) == (6, None)
    assert _check(clean).from_cache == 3


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(entry=json_values, fact=st.sampled_from(sorted(checks._FACT_FIELDS)), value=json_values)
def test_any_json_in_an_entry_leaves_the_good_entries_usable(
    tmp_path_factory: pytest.TempPathFactory, entry: object, fact: str, value: object
) -> None:
    state = tmp_path_factory.mktemp("set") / ".lora-tagger"
    state.mkdir()
    good = {"size": 10, "mtime_ns": 20, "facts": {
        "width": 640, "height": 480, "format": "PNG", "mode": "RGB", "bits": 8, "orientation": 1,
        "frames": 1, "transparency": False, "sha256": "a" * 64, "phash": "0f" * 8, "blur": 12.5,
        "detail": 40.0, "error": None}}
    changed = {**good, "facts": {**good["facts"], fact: value}}
    files = {"good": good, "random": entry, "changed": changed}
    data = {"version": checks.CACHE_VERSION, "files": files}
    (state / CHECKS_FILE_NAME).write_text(json.dumps(data), "utf-8")
    cache = checks._FactCache(StateFolder(state.parent, state.name))
    assert cache.get("good", (10, 20)) == checks.ImageFacts(**good["facts"])
    for item_id in ("random", "changed"):
        facts = cache.get(item_id, (10, 20))
        if facts is not None:  # only an entry as the cache writes them is used
            assert all(checks._FACT_FIELDS[key](getattr(facts, key))
                       for key in checks._FACT_FIELDS)
            assert int(facts.phash, 16) < 2**64


def test_a_fifo_named_checks_json_is_neither_read_nor_replaced(clean: Path) -> None:
    _cache_path(clean).parent.mkdir()
    os.mkfifo(_cache_path(clean))
    reports: list[CheckReport] = []
    worker = threading.Thread(target=lambda: reports.append(_check(clean)), daemon=True)
    worker.start()
    worker.join(20)  # a watchdog: reading the FIFO would block until a writer came
    if worker.is_alive():
        os.close(os.open(_cache_path(clean), os.O_WRONLY | os.O_NONBLOCK))  # let it go
        worker.join(20)
        pytest.fail("check() blocked reading a FIFO named checks.json")
    (report,) = reports
    assert report.checked == 3
    assert report.cache_note is not None and "not a regular file" in report.cache_note
    assert stat.S_ISFIFO(_cache_path(clean).lstat().st_mode)


def test_a_folder_named_checks_json_is_left_alone(clean: Path) -> None:
    (_cache_path(clean) / "inside").mkdir(parents=True)
    report = _check(clean)
    assert report.checked == 3
    assert report.cache_note is not None and "not a regular file" in report.cache_note
    assert (_cache_path(clean) / "inside").is_dir()


# ---- running


def test_progress_is_reported_at_least_every_percent(root: Path) -> None:
    data = io.BytesIO()
    _sharp((80, 80)).save(data, "PNG")
    for n in range(250):
        (root / f"i{n}.png").write_bytes(data.getvalue())
    calls: list[tuple[int, int]] = []
    check_dataset(Dataset(root), progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert calls[0] == (0, 250) and calls[-1] == (250, 250)
    assert max(b - a for a, b in itertools.pairwise(done)) <= 2  # 1% of 250 is 2.5


def test_a_cancelled_run_stops_and_says_so(clean: Path, computed: list[Path]) -> None:
    cancel = threading.Event()
    cancel.set()
    report = check_dataset(Dataset(clean), cancel=cancel)
    assert report.cancelled
    assert report.checked < 3


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="resolution"):
        CheckSettings(resolution=800)
    with pytest.raises(ValueError, match="0 to 64"):
        CheckSettings(near_duplicate_distance=65)


def test_close_pairs_match_a_plain_bit_count() -> None:
    rng = random.Random(1)
    values = [rng.getrandbits(64) for _ in range(700)]
    values += [value ^ (1 << rng.randrange(64)) for value in values[:50]]
    expected = {(i, j, (a ^ b).bit_count()) for i, a in enumerate(values)
                for j, b in enumerate(values) if i < j and (a ^ b).bit_count() <= 8}
    found = close_pairs(np.array(values, dtype=np.uint64), 8)
    assert set(found) == expected and len(found) == len(expected)


def test_the_popcount_for_old_numpy_matches_a_plain_bit_count() -> None:
    rng = random.Random(2)
    values = [rng.getrandbits(64) for _ in range(1000)] + [0, 2**64 - 1]
    counts = checks.swar_popcount(np.array(values, dtype=np.uint64))
    assert counts.tolist() == [value.bit_count() for value in values]


# ---- the report


@pytest.fixture
def mixed(root: Path) -> CheckReport:
    _write(root, "a.jpg", _sharp((600, 600)), "")
    _write(root, "b.jpg", _sharp((600, 600)), None)
    return _check(root)


def test_records_are_flat_dicts_one_per_finding(mixed: CheckReport) -> None:
    records = mixed.records()
    assert len(records) == len(mixed.findings)
    empty = next(r for r in records if r["code"] == "empty_caption")
    assert (empty["id"], empty["other_ids"], empty["severity"]) == ("a.jpg", [], "blocking")
    bucket = next(r for r in records if r["code"] == "bucket")
    assert bucket["bucket_1024"] == bucket_for(600, 600, 1024)


def test_the_dataframe_has_a_row_per_finding_and_a_column_per_detail(
        mixed: CheckReport) -> None:
    pytest.importorskip("pandas")
    frame = mixed.to_dataframe()
    assert len(frame) == len(mixed.findings)
    assert {"id", "other_ids", "severity", "code", "message", "bucket_512"} <= set(frame.columns)


def test_the_dataframe_without_pandas_says_what_to_install(mixed: CheckReport,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        mixed.to_dataframe()


def test_findings_are_grouped_by_severity_blocking_first(mixed: CheckReport) -> None:
    groups = mixed.by_severity()
    assert list(groups) == ["blocking", "warning", "info"]
    assert [f.code for f in groups["blocking"]] == ["empty_caption"]
    assert [f.severity for f in mixed.findings] == sorted(
        (f.severity for f in mixed.findings), key=["blocking", "warning", "info"].index)


def test_for_image_gives_the_findings_of_one_image(mixed: CheckReport) -> None:
    assert {f.code for f in mixed.for_image("b.jpg")} >= {"no_caption", "bucket"}
    assert all("b.jpg" in f.ids for f in mixed.for_image("b.jpg"))


def test_the_summary_counts_each_severity(mixed: CheckReport) -> None:
    counts = {s: len(g) for s, g in mixed.by_severity().items()}
    assert mixed.summary() == (f"{counts['blocking']} blocking, {counts['warning']} warnings, "
                               f"{counts['info']} info")

