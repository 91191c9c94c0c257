"""Checks worth reading on photos: blur is judged on the sharpest part of an image (a macro shot
with a blurred background is sharp), images with almost no detail are their own finding and
never near duplicates of each other, and near duplicates come as one finding per group. Generated
images model the cases; a last test runs on a few of Debian's wallpaper photos when installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from test_checks import _check, _codes, _write, scene

from lora_tagger_widget.core.checks import Finding, near_duplicate_groups


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "imgs"
    folder.mkdir()
    return folder


def _found(report: object, code: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.code == code]  # type: ignore[attr-defined]


def macro(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A scene blurred all over but for a sharp subject in the middle, a third of the width and
    height (a ninth of the picture)."""
    sharp = scene(size, seed)
    image = sharp.filter(ImageFilter.GaussianBlur(10))
    width, height = size
    box = (width // 3, height // 3, width * 2 // 3, height * 2 // 3)
    image.paste(sharp.crop(box), box[:2])
    return image


def test_a_sharp_subject_on_a_blurred_background_is_not_blurry(root: Path) -> None:
    _write(root, "macro.jpg", macro((1600, 1200)), quality=92)
    _write(root, "soft.jpg", scene((1600, 1200), 1).filter(ImageFilter.GaussianBlur(10)),
           quality=92)
    report = _check(root)
    assert "blurry" not in _codes(report, "macro.jpg")
    assert [finding.ids for finding in _found(report, "blurry")] == [("soft.jpg",)]
    assert "sharpest part" in _found(report, "blurry")[0].message


def _faint_pattern(size: tuple[int, int]) -> Image.Image:
    """A flat colour with a faint dot grid, like a plain wallpaper's texture."""
    image = Image.new("RGB", size, (46, 160, 120))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 24):
        for y in range(0, size[1], 24):
            draw.point((x, y), fill=(50, 164, 124))
    return image


def _logo_in_transparency(size: tuple[int, int], text_box: tuple[int, int, int, int]
                          ) -> Image.Image:
    """White everywhere, the picture drawn only in the alpha channel (a trainer drops it)."""
    alpha = Image.new("L", size, 40)
    ImageDraw.Draw(alpha).ellipse(text_box, fill=220)
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    image.putalpha(alpha)
    return image


@pytest.fixture
def flat_set(root: Path) -> Path:
    """Solid fills of three colours, a faint pattern, two different logos held in transparency,
    and one photo."""
    for name, colour in (("black.png", "black"), ("navy.png", (30, 27, 45)),
                         ("white.webp", "white")):
        _write(root, name, Image.new("RGB", (1024, 1024), colour))
    _write(root, "dots.png", _faint_pattern((1024, 1024)))
    _write(root, "logo-a.png", _logo_in_transparency((1200, 900), (100, 100, 500, 500)))
    _write(root, "logo-b.png", _logo_in_transparency((1200, 900), (600, 300, 1100, 800)))
    _write(root, "photo.jpg", scene((1200, 900)), quality=92)
    return root


def test_flat_images_are_low_in_detail_never_blurry_nor_near_duplicates(flat_set: Path) -> None:
    report = _check(flat_set)
    flat = {"black.png", "navy.png", "white.webp", "dots.png", "logo-a.png", "logo-b.png"}
    assert {finding.ids[0] for finding in _found(report, "low_detail")} == flat
    assert not _found(report, "near_duplicate")
    assert not _found(report, "blurry")
    assert not _codes(report, "photo.jpg") & {"low_detail", "blurry", "near_duplicate"}


def test_a_picture_held_only_in_transparency_says_so(flat_set: Path) -> None:
    report = _check(flat_set)
    (logo,) = [f for f in _found(report, "low_detail") if f.ids == ("logo-a.png",)]
    assert "transparency" in logo.message
    (fill,) = [f for f in _found(report, "low_detail") if f.ids == ("navy.png",)]
    assert "transparency" not in fill.message


def test_fine_texture_is_detail(root: Path) -> None:
    grain = Image.effect_noise((1024, 1024), 64).convert("RGB")  # flat at 32x32, sharp up close
    _write(root, "grain.png", grain)
    assert "low_detail" not in _codes(_check(root), "grain.png")


def test_near_duplicates_are_one_finding_per_group(root: Path) -> None:
    base = scene((1200, 900), 7)
    _write(root, "a.jpg", base, quality=95)
    _write(root, "a-small.jpg", base.resize((800, 600)), quality=70)
    _write(root, "a-soft.png", base.filter(ImageFilter.GaussianBlur(1.5)))
    other = scene((1000, 1000), 8)
    _write(root, "b.jpg", other, quality=95)
    _write(root, "b-copy.webp", other.resize((900, 900)), quality=80)
    _write(root, "alone.jpg", scene((1200, 900), 9), quality=95)
    found = _found(_check(root), "near_duplicate")
    assert sorted(sorted(finding.ids) for finding in found) == [
        ["a-small.jpg", "a-soft.png", "a.jpg"], ["b-copy.webp", "b.jpg"]]
    group = next(finding for finding in found if len(finding.ids) == 3)
    assert group.details["images"] == 3
    assert group.message.startswith("3 images look nearly the same")
    assert 0 <= group.details["distance"] <= 6  # type: ignore[operator]


def test_groups_join_images_linked_through_others() -> None:
    hashes = np.array([0b0, 0b111, 0b111111, 0xFF << 40, (0xFF << 40) | 1, 0xFFFF << 20],
                      dtype=np.uint64)
    # 0~1 (3 bits) and 1~2 (3 bits) link 0 and 2 (6 bits apart); 3~4 (1 bit); 5 alone
    assert near_duplicate_groups(hashes, 3) == [([0, 1, 2], 3), ([3, 4], 1)]
    assert near_duplicate_groups(hashes, 0) == []


BACKGROUNDS = Path("/usr/share/backgrounds")
REAL = {  # Debian's mate-backgrounds and gnome-backgrounds: what each photo should give
    "mate/nature/LadyBird.jpg": set(),  # macro: a sharp ladybird, the rest out of focus
    "mate/nature/YellowFlower.jpg": set(),  # macro
    "mate/desktop/Ubuntu-Mate-Dark-no-logo.png": {"blurry"},  # an out-of-focus aurora
    "mate/abstract/Silk.png": {"low_detail"},  # white; the waves are only in its alpha
    "mate/abstract/Waves.png": {"low_detail"},
    "gnome/vnc-d.webp": {"low_detail"},  # a solid fill
    "mate/abstract/Elephants.jpg": {"near_duplicate"},  # the same picture at two sizes
    "mate/abstract/Elephants_3840x2160.jpg": {"near_duplicate"},
}


def test_real_photos_give_findings_worth_reading(root: Path) -> None:
    missing = [name for name in REAL if not (BACKGROUNDS / name).is_file()]
    if missing:
        reason = (f"Debian's wallpaper photos are not installed ({missing[0]} is missing): "
                  "apt-get install mate-backgrounds gnome-backgrounds")
        print(reason)
        pytest.skip(reason)
    for name in REAL:
        shutil.copy(BACKGROUNDS / name, root / name.replace("/", "_"))
    report = _check(root)
    looked_at = {"blurry", "low_detail", "near_duplicate"}
    seen = {name: _codes(report, name.replace("/", "_")) & looked_at for name in REAL}
    assert seen == REAL
    assert len(_found(report, "near_duplicate")) == 1
