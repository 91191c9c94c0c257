"""Images: which files are images, their facts from the header, and small previews made fast."""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .files import not_regular_reason

BASE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
PLUGIN_EXTENSIONS = frozenset({".avif", ".heic", ".heif"})
ORIENTATION_TAG = 0x0112
SIDEWAYS = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height
# Previews are shown at the screen's device pixels (two per CSS pixel on a high-DPI screen), where
# the artefacts of quality 80 are too small to see; 85 costs a fifth more bytes per image.
PREVIEW_JPEG_QUALITY = 80
MAX_PREVIEW_SIDE = 4096
# A decoded image from MIN_FILL to PREVIEW_SLACK times the box's size is sent as it is: the
# browser scales it for free, and a resize would cost more than the draft decode of a smooth photo.
PREVIEW_SLACK = 1.25
MIN_FILL = 0.8
DCT_SCALES = (8, 4, 2)  # the reductions JPEG draft mode decodes at


class ImageError(Exception):
    """An image that cannot be read or shown; the message says why, for a person."""


IMAGE_EXTENSIONS = BASE_EXTENSIONS | PLUGIN_EXTENSIONS
PLUGIN_HINTS = {
    ".avif": "pillow-avif-plugin (or a Pillow built with AVIF)",
    ".heic": "pillow-heif",
    ".heif": "pillow-heif",
}


def is_image_name(name: str) -> bool:
    """Whether a file name has an image extension (case-insensitive).

    AVIF and HEIC files count even when no plugin can read them: they are listed with the reason.
    """
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS


@lru_cache(maxsize=1)
def readable_extensions() -> frozenset[str]:
    """Image extensions Pillow can open here (AVIF/HEIC only with a plugin or native support)."""
    _register_optional_plugins()
    Image.init()
    return BASE_EXTENSIONS | (PLUGIN_EXTENSIONS & set(Image.registered_extensions()))


@dataclass(frozen=True)
class ImageInfo:
    """Facts read from an image file's header, without decoding its pixels."""

    width: int
    height: int  # width and height as shown, EXIF orientation applied
    format: str
    mode: str
    orientation: int
    frames: int
    bits: int  # bits per channel
    transparency: bool  # has an alpha channel or a transparent palette entry

    def notes(self) -> list[tuple[str, str]]:
        """What a trainer may handle badly about this image: `(code, sentence)` pairs."""
        notes = []
        if self.orientation != 1:
            notes.append(("exif_rotated", f"EXIF orientation {self.orientation}: shown upright, "
                          "but some trainers ignore it"))
        if self.mode == "CMYK":
            notes.append(("cmyk", "CMYK colours; trainers expect RGB"))
        if self.bits > 8:
            notes.append(("high_bit_depth", f"{self.bits} bits per channel; most trainers read 8"))
        if self.transparency:
            notes.append(("transparency", "Has transparency; trainers may turn it black"))
        if self.frames > 1:
            notes.append(("animated", f"Animated ({self.frames} frames); only the first is used"))
        return notes


@dataclass(frozen=True)
class Preview:
    """An encoded preview and the size of the original it was made from."""

    data: bytes
    mime: str
    width: int
    height: int


def read_image_info(path: Path) -> ImageInfo:
    """Header facts of the image at `path`; `ImageError` with the reason when it is unreadable."""
    with open_image(path) as image:
        orientation = _orientation(image, may_load=False)
        width, height = image.size
        if orientation in SIDEWAYS:
            width, height = height, width
        return ImageInfo(
            width=width,
            height=height,
            format=image.format or "",
            mode=image.mode,
            orientation=orientation,
            frames=getattr(image, "n_frames", 1),
            bits=_bits_per_channel(image),
            transparency=image.mode in ("RGBA", "LA", "PA", "La", "RGBa")
            or "transparency" in image.info,
        )


def make_preview(path: Path, max_width: int, max_height: int) -> Preview:
    """A preview of the image for a `max_width` x `max_height` box, upright, encoded for the web.

    JPEG files are decoded at the smallest scale (draft mode) that still fills `MIN_FILL` of
    the box; other formats use `reduce`. A decoded image at most `PREVIEW_SLACK` times the box is
    not resized. Images with transparency become PNG, the rest JPEG. `ImageError` with the
    reason when unreadable.
    """
    max_width = max(16, min(int(max_width), MAX_PREVIEW_SIDE))
    max_height = max(16, min(int(max_height), MAX_PREVIEW_SIDE))
    shown, (original_w, original_h) = load_upright(path, max_width, max_height)
    buffer = io.BytesIO()
    if shown.mode == "RGBA":
        shown.save(buffer, format="PNG", optimize=False, compress_level=3)
        mime = "image/png"
    else:
        # Optimal Huffman tables: lossless, up to a third fewer bytes, about 1 ms more.
        shown.save(buffer, format="JPEG", quality=PREVIEW_JPEG_QUALITY, optimize=True)
        mime = "image/jpeg"
    return Preview(buffer.getvalue(), mime, original_w, original_h)


def load_upright(
    path: Path, max_width: int, max_height: int
) -> tuple[Image.Image, tuple[int, int]]:
    """The image at `path`, upright, in RGB (RGBA when it has transparency), decoded at the
    smallest scale that still fills about the `max_width` x `max_height` box and fitted into it;
    and its upright size as stored. `ImageError` with the reason when unreadable."""
    with open_image(path) as image:
        stored_w, stored_h = image.size
        box = (max_width, max_height)
        if _orientation(image, may_load=False) in SIDEWAYS:
            box = (max_height, max_width)
        if image.format == "JPEG":
            image.draft("RGB" if image.mode != "L" else "L", _draft_request(image.size, box))
        try:
            image.load()
            orientation = _orientation(image, may_load=True)
            upright = ImageOps.exif_transpose(image) if orientation != 1 else image
            left = max(upright.width / max_width, upright.height / max_height)
            if left > PREVIEW_SLACK:
                # After draft mode little reduction is left; bilinear looks the same there.
                resample = Image.Resampling.BILINEAR if left < 2 else Image.Resampling.LANCZOS
                upright.thumbnail((max_width, max_height), resample=resample, reducing_gap=2.0)
            shown = displayable(upright)
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError(f"The image is damaged or truncated ({error}).") from error
    size = (stored_h, stored_w) if orientation in SIDEWAYS else (stored_w, stored_h)
    return shown, size


def _draft_request(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size to ask JPEG draft mode for: the image at the largest DCT reduction that still
    fills at least `MIN_FILL` of the box (Pillow picks the reduction from the size asked)."""
    fit = max(size[0] / box[0], size[1] / box[1])
    for scale in DCT_SCALES:
        if fit / scale >= MIN_FILL:
            return (size[0] // scale, size[1] // scale)
    return size


def open_image(path: Path) -> Image.Image:
    """The image at `path`, opened; raises `ImageError` with a sentence saying why it cannot be."""
    suffix = path.suffix.lower()
    if suffix in PLUGIN_HINTS and suffix not in readable_extensions():
        raise ImageError(
            f"Reading {suffix} images needs a Pillow plugin: pip install {PLUGIN_HINTS[suffix]}."
        )
    try:
        status = path.stat()
        reason = not_regular_reason(status)
        if reason is not None:  # a FIFO would block the open, a device would be read forever
            raise ImageError(f"The file is {reason}; it is not opened.")
        if status.st_size == 0:
            raise ImageError("The file is empty (0 bytes).")
        with warnings.catch_warnings():
            # Up to twice Pillow's pixel limit is a large photo, not an attack: allow it quietly.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageError(f"The image is too large to open safely ({error}).") from error
    except UnidentifiedImageError as error:
        raise ImageError("This file is not an image Pillow can read.") from error
    except PermissionError as error:
        raise ImageError("The file cannot be read: permission denied.") from error
    except OSError as error:
        if error.errno is None:  # raised by a Pillow decoder, not by the file system
            raise ImageError(f"The image is damaged or truncated ({error}).") from error
        raise ImageError(f"The file cannot be read ({error.strerror or error}).") from error
    except (SyntaxError, ValueError) as error:
        raise ImageError(f"The image is damaged or truncated ({error}).") from error


def _bits_per_channel(image: Image.Image) -> int:
    if image.mode.startswith("I;16") or any(";16" in str(tile.args) for tile in image.tile):
        return 16
    return 32 if image.mode in ("I", "F") else 8


def _orientation(image: Image.Image, *, may_load: bool) -> int:
    """The EXIF orientation (1 to 8). Without `may_load`, a PNG's EXIF is read only when it
    comes before the pixels: Pillow would decode the whole image to find a later one."""
    if not may_load and image.format == "PNG" and "exif" not in image.info:
        return 1
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block must not make the image unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def displayable(image: Image.Image) -> Image.Image:
    """`image` in RGB, or RGBA when it has transparency, with 16-bit data scaled to 8 bits."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            return rgba
        return rgba.convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _register_optional_plugins() -> None:
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        register_heif_opener()
    with contextlib.suppress(ImportError):
        import pillow_avif  # type: ignore[import-not-found]  # noqa: F401
