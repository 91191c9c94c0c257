"""Bad and unusual images, generated here: each is listed with a clear flag and reason, and none
breaks a scan, a preview, a save or the session. Rotated images preview upright."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import Dataset, ImageError, TaggerWidget
from lora_tagger_widget.core import images as images_module

from imagefiles import write_image


def _jpeg_bytes(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 128).save(buffer, "JPEG")
    return buffer.getvalue()


def _png_bytes(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def _png_with_header(width: int, height: int, bit_depth: int = 8, colour_type: int = 2,
                     rows: bytes | None = None) -> bytes:
    """A PNG whose IHDR says `width` x `height`; pixel data only when `rows` is given."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = chunk(b"IDAT", zlib.compress(rows)) if rows is not None else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + body + chunk(b"IEND", b"")


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _palette_with_transparency() -> bytes:
    image = Image.new("P", (40, 30), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (0, 0, 20, 30))
    return _png_bytes(image, transparency=0)


def _rgb16_png() -> bytes:
    rows = b"".join(b"\x00" + b"\xff\xff\x80\x00\x00\x00" * 8 for _ in range(6))
    return _png_with_header(8, 6, bit_depth=16, colour_type=2, rows=rows)


# name -> (file bytes, the flag code the item must carry, a word its reason must contain)
BROKEN: dict[str, tuple[bytes, str]] = {
    "truncated.jpg": (_jpeg_bytes((1600, 1200))[:700], "truncated"),
    "truncated-png.png": (_png_bytes(Image.effect_noise((300, 300), 64))[:400], "truncated"),
    "empty.jpg": (b"", "empty"),
    "text.jpg": (b"just some text, not an image\n", "not an image"),
    "bomb.png": (_png_with_header(40_000, 40_000), "too large"),
    "huge-header.png": (_png_with_header(2**31 - 1, 2**31 - 1), "too large"),
}

UNUSUAL: dict[str, tuple[bytes, str | None]] = {
    "png-named.jpg": (_png_bytes(Image.new("RGB", (30, 20), "blue")), None),
    "cmyk.jpg": (_jpeg_bytes((60, 40), "CMYK"), "cmyk"),
    "rgb16.png": (_rgb16_png(), "high_bit_depth"),
    "gray16.png": (_png_bytes(Image.new("I;16", (30, 20), 50_000)), "high_bit_depth"),
    "palette-transparent.png": (_palette_with_transparency(), "transparency"),
    "animated.gif": (_animated("GIF"), "animated"),
    "animated-webp.webp": (_animated("WEBP"), "animated"),
}


@pytest.fixture
def bad_set(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    root.mkdir()
    for name, (data, _) in {**BROKEN, **UNUSUAL}.items():
        (root / name).write_bytes(data)
    write_image(root / "good.jpg")
    (root / "good.txt").write_text("ok")
    return root


def _codes(ds: Dataset, name: str) -> list[str]:
    return [flag.code for flag in ds[name].flags]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_image_is_listed_with_a_flag_and_its_reason(bad_set: Path, name: str) -> None:
    ds = Dataset(bad_set)
    assert name in [item.id for item in ds]
    with pytest.raises(ImageError, match=BROKEN[name][1]):
        ds.preview(name, 200, 200)
    flag = next(f for f in ds[name].flags if f.code == "unreadable_image")
    assert BROKEN[name][1] in flag.message.lower()


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_an_unusual_image_previews_and_is_flagged_for_what_trainers_mishandle(
    bad_set: Path, name: str,
) -> None:
    ds = Dataset(bad_set)
    preview = ds.preview(name, 100, 100)
    shown = Image.open(io.BytesIO(preview.data))
    shown.load()
    assert shown.mode in ("RGB", "RGBA") and max(shown.size) <= 100
    expected = UNUSUAL[name][1]
    assert "unreadable_image" not in _codes(ds, name)
    if expected:
        assert expected in _codes(ds, name)


def test_bad_images_break_neither_browsing_nor_saving_nor_the_session(bad_set: Path) -> None:
    w = TaggerWidget(Dataset(bad_set), autosave=False)
    for index in range(w.count):
        w.goto(index)
        assert w._current["id"] == w.dataset[index].id
        with contextlib.suppress(ImageError):
            w.dataset.preview(index, 100, 100)
        w.dataset.add_tag(index, "checked")
    w.save()
    assert all(
        (bad_set / name).with_suffix(".txt").read_text() == "checked" for name in BROKEN
    )
    assert TaggerWidget(Dataset(bad_set)).index == w.count - 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_each_exif_orientation_previews_upright(tmp_path: Path, orientation: int) -> None:
    upright = Image.new("RGB", (120, 60), "white")
    upright.paste((255, 0, 0), (0, 0, 60, 30))  # red in the top-left quarter when upright
    stored = {
        1: upright,
        2: upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        3: upright.transpose(Image.Transpose.ROTATE_180),
        4: upright.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        5: upright.transpose(Image.Transpose.TRANSPOSE),
        6: upright.transpose(Image.Transpose.ROTATE_90),
        7: upright.transpose(Image.Transpose.TRANSVERSE),
        8: upright.transpose(Image.Transpose.ROTATE_270),
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(tmp_path / "o.png", exif=exif)
    ds = Dataset(tmp_path)
    info = ds[0].image_info
    assert info is not None and (info.width, info.height) == (120, 60)
    shown = Image.open(io.BytesIO(ds.preview(0, 120, 60).data)).convert("RGB")
    assert shown.size == (120, 60)
    red, white = shown.getpixel((10, 10)), shown.getpixel((110, 50))
    assert red[0] > 200 and red[1] < 60 and min(white) > 200
    assert ("exif_rotated" in _codes(ds, "o.png")) == (orientation != 1)


def test_heic_and_avif_without_a_plugin_are_listed_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(images_module, "readable_extensions",
                        lambda: images_module.BASE_EXTENSIONS)
    (tmp_path / "phone.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64)
    (tmp_path / "web.avif").write_bytes(b"\x00\x00\x00\x1cftypavif" + b"\x00" * 64)
    ds = Dataset(tmp_path)
    assert [item.id for item in ds] == ["phone.HEIC", "web.avif"]
    messages = [next(f.message for f in item.flags if f.code == "unreadable_image") for item in ds]
    assert "pip install pillow-heif" in messages[0]
    assert "pip install" in messages[1]


def test_a_symlink_loop_named_like_an_image_is_listed_as_unreadable(tmp_path: Path) -> None:
    write_image(tmp_path / "real.jpg")
    (tmp_path / "loop.jpg").symlink_to(tmp_path / "loop.jpg")
    (tmp_path / "dir-loop").symlink_to(tmp_path, target_is_directory=True)
    ds = Dataset(tmp_path)
    assert [item.id for item in ds] == ["loop.jpg", "real.jpg"]
    assert "unreadable_image" in _codes(ds, "loop.jpg")
    with pytest.raises(ImageError):
        ds.preview("loop.jpg", 50, 50)


def test_an_image_without_read_permission_is_listed_with_the_reason(
    tmp_path: Path, run_unprivileged: Callable[[str], str],
) -> None:
    root = tmp_path / "imgs"
    write_image(root / "locked.jpg")
    write_image(root / "fine.jpg")
    (root / "locked.jpg").chmod(0o000)
    out = run_unprivileged(
        "from lora_tagger_widget import Dataset\n"
        f"ds = Dataset({str(root)!r})\n"
        "print([i.id for i in ds])\n"
        "print([f.message for f in ds['locked.jpg'].flags if f.code == 'unreadable_image'])\n"
        "print(len(ds.preview('fine.jpg', 50, 50).data) > 0)\n"
    )
    assert out.splitlines() == [
        "['fine.jpg', 'locked.jpg']",
        "['The file cannot be read: permission denied.']",
        "True",
    ]


def test_stale_temporary_files_of_a_crashed_save_are_removed_on_open(tmp_path: Path) -> None:
    write_image(tmp_path / "a.jpg")
    stale, fresh = tmp_path / ".ltw-tmp-abc.tmp", tmp_path / ".ltw-tmp-new.tmp"
    stale.write_text("half")
    fresh.write_text("in progress elsewhere")
    os.utime(stale, (0, 0))
    Dataset(tmp_path)
    assert not stale.exists() and fresh.exists()


def test_images_sharing_a_stem_are_flagged_as_sharing_one_caption(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png")
    write_image(tmp_path / "a.jpg")
    write_image(tmp_path / "b.jpg")
    ds = Dataset(tmp_path)
    assert ["shared_caption" in _codes(ds, n) for n in ("a.jpg", "a.png", "b.jpg")] == [
        True, True, False]
