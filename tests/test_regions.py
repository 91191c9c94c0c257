"""Zoom regions (issue 14, item 2): a rectangle of the upright original at full resolution or a
given scale, decoded no larger than needed, capped in pixels, refused with a clear sentence when
it does not fit the image, never read from outside the data set; and the "region" request."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops
from test_widget_grid import Replies

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.core import regions
from lora_tagger_widget.core.files import OutsideRootError
from lora_tagger_widget.core.regions import (
    MAX_REGION_PIXELS,
    RegionError,
    dataset_region,
    read_region,
)


def photo(path: Path, size: tuple[int, int], orientation: int = 1) -> Image.Image:
    """A JPEG with detail everywhere (smooth gradients plus noise) at `path`; returns the pixels
    as stored."""
    rng = np.random.default_rng(7)
    w, h = size
    xs, ys = np.meshgrid(np.linspace(0, 255, w), np.linspace(0, 255, h))
    pixels = np.stack([xs, ys, (xs + ys) / 2], axis=2) + rng.normal(0, 12, (h, w, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return Image.open(path).convert("RGB")


def decoded(region: regions.Region) -> Image.Image:
    return Image.open(io.BytesIO(region.data)).convert("RGB")


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.asarray(ImageChops.difference(a, b), dtype=np.float64).mean())


def test_a_region_at_full_size_is_that_rectangle_of_the_original(tmp_path: Path) -> None:
    original = photo(tmp_path / "a.jpg", (3000, 2000))
    region = read_region(tmp_path / "a.jpg", (1200, 700, 640, 480), 1)
    assert region.mime == "image/jpeg"
    assert (region.x, region.y, region.w, region.h) == (1200, 700, 640, 480)
    assert (region.width, region.height) == (640, 480)
    shown = decoded(region)
    assert mean_difference(shown, original.crop((1200, 700, 1840, 1180))) < 5
    # far from what any other rectangle holds
    assert mean_difference(shown, original.crop((1000, 700, 1640, 1180))) > 10
    assert len(region.data) < (tmp_path / "a.jpg").stat().st_size / 4


def test_a_smaller_scale_decodes_the_jpeg_at_a_dct_reduction(tmp_path: Path) -> None:
    original = photo(tmp_path / "a.jpg", (4000, 3000))
    region = read_region(tmp_path / "a.jpg", (0, 0, 4000, 3000), 0.25)
    assert (region.width, region.height) == (1000, 750)
    kept = regions._kept.image
    assert kept is not None and kept.size == (1000, 750)  # draft mode: never decoded at 4000x3000
    small = original.resize((1000, 750), Image.Resampling.BOX)
    assert mean_difference(decoded(region), small) < 6


def test_regions_are_in_upright_coordinates_of_a_rotated_photo(tmp_path: Path) -> None:
    stored = photo(tmp_path / "r.jpg", (1200, 800), orientation=6)  # shown 800 wide, 1200 high
    upright = stored.transpose(Image.Transpose.ROTATE_270)
    assert upright.size == (800, 1200)
    region = read_region(tmp_path / "r.jpg", (100, 900, 300, 200), 1)
    assert mean_difference(decoded(region), upright.crop((100, 900, 400, 1100))) < 5
    with pytest.raises(RegionError, match="800x1200"):
        read_region(tmp_path / "r.jpg", (600, 0, 300, 200), 1)


@pytest.mark.parametrize(("box", "scale", "words"), [
    ((-1, 0, 10, 10), 1, "not inside the image, which is 300x200"),
    ((0, -5, 10, 10), 1, "not inside"),
    ((295, 0, 10, 10), 1, "not inside"),
    ((0, 0, 300, 201), 1, "not inside"),
    ((0, 0, 0, 10), 1, "at least 1x1"),
    ((0, 0, 10, 10), 0, "above 0 and at most 1"),
    ((0, 0, 10, 10), 1.5, "above 0 and at most 1"),
    ((0, 0, 10, 10), float("nan"), "above 0 and at most 1"),
])
def test_bad_coordinates_get_a_sentence(tmp_path: Path, box, scale, words: str) -> None:
    photo(tmp_path / "a.jpg", (300, 200))
    with pytest.raises(RegionError, match=words):
        read_region(tmp_path / "a.jpg", box, scale)


def test_a_huge_region_is_capped_in_pixels_keeping_its_shape(tmp_path: Path) -> None:
    photo(tmp_path / "big.jpg", (4500, 3000))
    region = read_region(tmp_path / "big.jpg", (0, 0, 4500, 3000), 1)
    assert region.width * region.height <= MAX_REGION_PIXELS
    assert region.width / region.height == pytest.approx(1.5, rel=0.01)
    assert decoded(region).size == (region.width, region.height)
    small = read_region(tmp_path / "big.jpg", (0, 0, 4500, 3000), 1, max_pixels=10_000)
    assert small.width * small.height <= 10_000


def test_transparency_comes_as_png(tmp_path: Path) -> None:
    logo = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    logo.paste((255, 255, 255, 255), (100, 100, 300, 200))
    logo.save(tmp_path / "logo.png")
    region = read_region(tmp_path / "logo.png", (50, 50, 200, 100), 1)
    assert region.mime == "image/png"
    got = Image.open(io.BytesIO(region.data))
    assert got.mode == "RGBA" and got.getpixel((0, 0))[3] == 0 and got.getpixel((100, 75)) == (
        255, 255, 255, 255)


def test_nothing_is_read_outside_the_data_set(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    photo(root / "a.jpg", (300, 200))
    secret = tmp_path / "secret.jpg"
    photo(secret, (300, 200))
    ds = Dataset(root)
    assert decoded(dataset_region(ds, "a.jpg", (0, 0, 300, 200), 1)).size == (300, 200)
    os.replace(root / "a.jpg", tmp_path / "moved.jpg")
    os.symlink(secret, root / "a.jpg")  # swapped in after the open
    with pytest.raises(OutsideRootError):
        dataset_region(ds, "a.jpg", (0, 0, 10, 10), 1)


def test_the_region_request_answers_with_the_bytes_or_a_reason(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    photo(root / "a.jpg", (1600, 1200))
    (root / "b.jpg").write_bytes(b"not a jpeg")
    w = TaggerWidget(Dataset(root), autosave=False, workers=1)
    replies = Replies(w)
    w._on_request(w, {"type": "region", "rid": 1, "id": "a.jpg", "x": 400, "y": 300, "w": 800,
                      "h": 600, "scale": 0.5}, [])
    content, buffers = replies.wait_for(1)
    assert content["ok"] and content["mime"] == "image/jpeg"
    assert (content["width"], content["height"]) == (400, 300)
    assert Image.open(io.BytesIO(buffers[0])).size == (400, 300)
    bad = [
        ({"id": "a.jpg", "x": 1500, "y": 0, "w": 200, "h": 10, "scale": 1}, "not inside"),
        ({"id": "a.jpg", "x": 0, "y": 0, "w": 10, "h": 10, "scale": 2}, "at most 1"),
        ({"id": "a.jpg", "x": "0", "y": 0, "w": 10, "h": 10, "scale": 1}, "'x' must be int"),
        ({"id": "a.jpg", "x": 0, "y": 0, "w": 10, "h": 10, "scale": True}, "'scale' must be"),
        ({"id": "../etc/passwd", "x": 0, "y": 0, "w": 10, "h": 10, "scale": 1}, "No image"),
        ({"id": "b.jpg", "x": 0, "y": 0, "w": 10, "h": 10, "scale": 1}, "not an image"),
    ]
    for rid, (fields, words) in enumerate(bad, 2):
        w._on_request(w, {"type": "region", "rid": rid, **fields}, [])
        content, buffers = replies.wait_for(rid)
        assert content["ok"] is False and words in content["error"], content
        assert buffers == []
    w.close()
