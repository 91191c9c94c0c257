"""Images: header facts, previews that are small and upright, and clear reasons for broken files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget.core.images import (
    ImageError,
    is_image_name,
    make_preview,
    read_image_info,
)

from imagefiles import write_image


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _sideways_jpeg(path: Path) -> Path:
    """A landscape-stored JPEG whose EXIF says: rotate 90 degrees clockwise to view (6)."""
    image = Image.new("RGB", (400, 200), "white")
    image.paste((255, 0, 0), (0, 0, 200, 200))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, exif=exif)
    return path


def test_image_names_are_recognised_case_insensitively() -> None:
    assert all(is_image_name(n) for n in ["a.JPG", "b.jpeg", "c.Png", "d.webp", "e.TIFF"])
    assert not any(is_image_name(n) for n in ["a.txt", "jpg", ".jpg", "a.jpg.txt"])


def test_a_jpeg_preview_is_decoded_near_the_box_size_and_reports_the_original_size(
    tmp_path: Path,
) -> None:
    path = write_image(tmp_path / "big.jpg", size=(3000, 2000))
    preview = make_preview(path, 600, 600)
    assert preview.mime == "image/jpeg"
    assert (preview.width, preview.height) == (3000, 2000)
    assert _decoded(preview.data).size == (750, 500)  # 1/4 scale: within 1.25x of the box
    assert _decoded(make_preview(path, 900, 900).data).size == (750, 500)  # 0.83x: kept
    assert _decoded(make_preview(path, 500, 500).data).size == (500, 333)  # resized
    assert len(preview.data) < path.stat().st_size


def test_an_image_a_little_larger_than_the_box_is_sent_without_resizing(tmp_path: Path) -> None:
    near = write_image(tmp_path / "near.png", size=(720, 480))
    far = write_image(tmp_path / "far.png", size=(800, 480))
    assert _decoded(make_preview(near, 600, 600).data).size == (720, 480)
    assert _decoded(make_preview(far, 600, 600).data).size == (600, 360)


def test_exif_orientation_is_applied_so_previews_are_upright(tmp_path: Path) -> None:
    path = _sideways_jpeg(tmp_path / "sideways.jpg")
    info = read_image_info(path)
    assert (info.width, info.height, info.orientation) == (200, 400, 6)
    shown = _decoded(make_preview(path, 100, 200).data).convert("RGB")
    assert shown.size == (100, 200)
    top, bottom = shown.getpixel((50, 20)), shown.getpixel((50, 180))
    assert top[0] > 200 and top[1] < 80  # the stored left half is on top once rotated
    assert bottom[1] > 200


def test_transparent_images_preview_as_png_with_alpha(tmp_path: Path) -> None:
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(path)
    preview = make_preview(path, 100, 100)
    assert preview.mime == "image/png"
    assert _decoded(preview.data).mode == "RGBA"


def test_sixteen_bit_grayscale_previews_with_its_tones(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.new("I;16", (40, 40), 40000).save(path)
    shown = _decoded(make_preview(path, 100, 100).data)
    assert 140 < shown.convert("L").getpixel((5, 5)) < 170


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"this is text, not a JPEG", "not an image"),
    ],
)
def test_files_that_are_not_images_give_a_reason(tmp_path: Path, content: bytes,
                                                 reason: str) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=reason):
        make_preview(path, 100, 100)
    with pytest.raises(ImageError, match=reason):
        read_image_info(path)


def test_a_truncated_jpeg_gives_a_reason(tmp_path: Path) -> None:
    good = write_image(tmp_path / "good.jpg", size=(800, 600))
    path = tmp_path / "cut.jpg"
    path.write_bytes(good.read_bytes()[:600])
    with pytest.raises(ImageError, match="damaged or truncated"):
        make_preview(path, 100, 100)
