"""The fixes an export makes on its copies of the images (never on the originals): EXIF
orientation baked in, transparency flattened, 16 bits to 8, colour modes to RGB, animations to
their first frame, formats a trainer does not read converted. An image that needs none of them
is copied byte for byte; the rest are decoded, fixed and re-encoded (see `export.py`'s notes).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from .images import ImageError, ImageInfo, open_image

# What `ExportReport.fixed` says was done to an image, one of these per fix and item.
ORIENTATION_FIXED = "EXIF orientation baked in"
FLATTENED = "transparency flattened"
EIGHT_BIT = "16-bit to 8-bit"
CMYK_TO_RGB = "CMYK to RGB"
PALETTE_TO_RGB = "palette to RGB"
OTHER_TO_RGB = "colour mode to RGB"
FIRST_FRAME = "first frame of the animation kept"
EXTENSION_FIXED = "extension matched to the real format"

_SAME_FORMAT = {"MPO": "JPEG"}  # camera JPEGs holding extra pictures: JPEG to every reader
_EXTENSIONS = {
    "JPEG": (".jpg", ".jpeg"),
    "PNG": (".png",),
    "WEBP": (".webp",),
    "BMP": (".bmp",),
    "AVIF": (".avif",),
}
_PLAIN_MODES = frozenset({"RGB", "RGBA", "L", "LA"})
_HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_JPEG_MODES = frozenset({"RGB", "L", "CMYK"})
_PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16", "I;16B"})


@dataclass(frozen=True)
class Fixes:
    """Fixes made on the exported copies (never on the originals); each is optional."""

    orientation: bool = True  # EXIF orientation baked into the pixels
    flatten: bool = True  # transparency flattened onto `background`
    background: tuple[int, int, int] = (255, 255, 255)
    eight_bit: bool = True  # 16 bits per channel to 8
    rgb: bool = True  # CMYK, palette and other colour modes to RGB
    convert_formats: bool = True  # formats the target does not read, and animations, converted
    one_line: bool = True  # captions of several lines joined into one with ", "


@dataclass(frozen=True)
class Prepared:
    """An image ready to go out: its extension, and its new bytes (None: copy the original)."""

    extension: str
    data: bytes | None
    fixed: tuple[str, ...]
    format: str  # the format it goes out in


def prepare(path: Path, info: ImageInfo, reads: frozenset[str], fixes: Fixes,
            quality: int) -> Prepared:
    """How the image at `path` goes out for a target that reads the formats `reads`: copied, or
    decoded, fixed and re-encoded. `ImageError` when it cannot be."""
    source_format = format_of(info)
    readable = source_format in reads
    if readable and not _needs_decoding(info, fixes):
        return _copied(path, source_format)
    with open_image(path) as opened:
        try:
            image, fixed, icc = _fixed(opened, info, fixes)
            if readable and not fixed:
                return _copied(path, source_format)
            out_format = _output_format(image, source_format)
            buffer = io.BytesIO()
            options = {"quality": quality} if out_format == "JPEG" else {}
            image.save(buffer, out_format, icc_profile=icc, **options)
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError(f"The image cannot be converted ({error}).") from error
    return Prepared(_EXTENSIONS[out_format][0], buffer.getvalue(), tuple(fixed), out_format)


def format_of(info: ImageInfo) -> str:
    """The image's format as trainers see it (an MPO camera JPEG is a JPEG)."""
    return _SAME_FORMAT.get(info.format, info.format)


def _needs_decoding(info: ImageInfo, fixes: Fixes) -> bool:
    return (
        (fixes.convert_formats and info.frames > 1)
        or (fixes.orientation and info.orientation != 1)
        or (fixes.eight_bit and info.bits > 8)
        or (fixes.rgb and _needs_rgb(info.mode))
        or (fixes.flatten and info.transparency)
    )


def _copied(path: Path, source_format: str) -> Prepared:
    extensions = _EXTENSIONS[source_format]
    fixed = () if path.suffix.lower() in extensions else (EXTENSION_FIXED,)
    return Prepared(extensions[0], None, fixed, source_format)


def _fixed(image: Image.Image, info: ImageInfo,
           fixes: Fixes) -> tuple[Image.Image, list[str], bytes | None]:
    """The first frame of `image` with the fixes it needs: the image, what was fixed, and the
    ICC profile to keep."""
    image.load()
    icc = image.info.get("icc_profile")
    fixed = [FIRST_FRAME] if info.frames > 1 else []
    if fixes.eight_bit and info.bits > 8:
        if image.mode in _HIGH_BIT_MODES:
            image = image.point(lambda value: value * (1 / 256)).convert("L")
        fixed.append(EIGHT_BIT)
    if fixes.orientation and info.orientation != 1:
        image = ImageOps.exif_transpose(image)
        fixed.append(ORIENTATION_FIXED)
    if _needs_rgb(image.mode) and (fixes.rgb or image.mode not in _JPEG_MODES | _PNG_MODES):
        fixed.append(_RGB_FIXES.get(image.mode, OTHER_TO_RGB))
        icc = None if image.mode == "CMYK" else icc
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    if fixes.flatten and _has_alpha(image):
        image, flattened = _flattened(image, fixes.background)
        if flattened:
            fixed.append(FLATTENED)
    return image, fixed, icc


_RGB_FIXES = {"CMYK": CMYK_TO_RGB, "P": PALETTE_TO_RGB, "PA": PALETTE_TO_RGB}


def _needs_rgb(mode: str) -> bool:
    return mode not in _PLAIN_MODES and mode not in _HIGH_BIT_MODES


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def _flattened(image: Image.Image,
               background: tuple[int, int, int]) -> tuple[Image.Image, bool]:
    """`image` in RGB on `background`, and whether it had a pixel that was not opaque."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] == 255:
        return rgba.convert("RGB"), False
    flat = Image.new("RGB", rgba.size, tuple(background))
    flat.paste(rgba, mask=alpha)
    return flat, True


def _output_format(image: Image.Image, source_format: str) -> str:
    """JPEG, unless the source is PNG (no new loss) or JPEG cannot hold the image."""
    if source_format == "PNG" or image.mode not in _JPEG_MODES or "transparency" in image.info:
        return "PNG"
    return "JPEG"
