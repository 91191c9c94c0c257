"""Regions of an image at full resolution, for zooming in: one rectangle of the upright image,
decoded at the smallest scale that serves it (JPEG draft mode, `reduce` for other formats) and
capped in pixels, so the browser is never sent the whole original file."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from .files import checked_path
from .images import SIDEWAYS, ImageError, _orientation, displayable, open_image

if TYPE_CHECKING:
    from .dataset import Dataset, ItemRef

# A region sent is at most a 4K screen's pixels; a larger ask is served at a smaller scale.
MAX_REGION_PIXELS = 3840 * 2160
REGION_JPEG_QUALITY = 90
# The last decoded image is kept while panning over it, when it is no larger than this.
MAX_KEPT_PIXELS = 50_000_000


class RegionError(ValueError):
    """A region that does not fit the image, or a scale out of range; says which and why."""


@dataclass(frozen=True)
class Region:
    """An encoded region: the rectangle of the upright original it shows, and its pixel size."""

    data: bytes
    mime: str
    x: int
    y: int
    w: int
    h: int
    width: int  # pixels sent
    height: int


def region_scale(w: int, h: int, scale: float, max_pixels: int = MAX_REGION_PIXELS) -> float:
    """The scale a `w` x `h` region is sent at: `scale`, lowered so that it has at most
    `max_pixels` pixels."""
    if w * h * scale * scale > max_pixels:
        return math.sqrt(max_pixels / (w * h))
    return scale


def check_region(size: tuple[int, int], box: tuple[int, int, int, int], scale: float) -> None:
    """Raise `RegionError` unless `box` (x, y, w, h) lies in an upright image of `size` and
    0 < `scale` <= 1."""
    width, height = size
    x, y, w, h = box
    if not (isinstance(scale, int | float) and 0 < scale <= 1):
        raise RegionError(f"The scale must be above 0 and at most 1 (1 is full size), not {scale}.")
    if w < 1 or h < 1:
        raise RegionError(f"The region must be at least 1x1 px, not {w}x{h}.")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise RegionError(f"The region {w}x{h} at ({x}, {y}) is not inside the image,"
                          f" which is {width}x{height} px.")


class _Kept:
    """The last decoded upright image and what it was decoded from (path, version, reduction)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.image: Image.Image | None = None

    def get(self, key: tuple[object, ...]) -> Image.Image | None:
        with self.lock:
            return self.image if key == self.key else None

    def put(self, key: tuple[object, ...], image: Image.Image) -> None:
        with self.lock:
            if image.width * image.height <= MAX_KEPT_PIXELS:
                self.key, self.image = key, image
            else:
                self.key, self.image = None, None


_kept = _Kept()


def read_region(path: Path, box: tuple[int, int, int, int], scale: float = 1.0,
                max_pixels: int = MAX_REGION_PIXELS) -> Region:
    """The rectangle `box` = (x, y, w, h) of the upright image at `path`, at `scale` (1: one
    pixel per original pixel), at most `max_pixels` pixels, encoded as JPEG (PNG when it has
    transparency). `RegionError` for a box outside the image, `ImageError` when unreadable."""
    x, y, w, h = (int(v) for v in box)
    with open_image(path) as image:
        orientation = _orientation(image, may_load=False)
        stored = image.size
        upright = (stored[1], stored[0]) if orientation in SIDEWAYS else stored
        check_region(upright, (x, y, w, h), scale)
        scale = region_scale(w, h, scale, max_pixels)
        reduction = _reduction(scale)
        status = path.stat()
        key = (str(path), status.st_size, status.st_mtime_ns, reduction)
        decoded = _kept.get(key)
        if decoded is None:
            decoded = _decode(image, reduction)
            _kept.put(key, decoded)
    factor = decoded.width / upright[0]
    crop = (math.floor(x * factor), math.floor(y * factor),
            max(math.floor(x * factor) + 1, math.ceil((x + w) * factor)),
            max(math.floor(y * factor) + 1, math.ceil((y + h) * factor)))
    part = decoded.crop(crop)
    out = (max(1, math.floor(w * scale)), max(1, math.floor(h * scale)))
    if part.size != out:
        part = part.resize(out, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if part.mode == "RGBA":
        part.save(buffer, format="PNG", compress_level=3)
        mime = "image/png"
    else:
        part.save(buffer, format="JPEG", quality=REGION_JPEG_QUALITY)
        mime = "image/jpeg"
    return Region(buffer.getvalue(), mime, x, y, w, h, out[0], out[1])


def dataset_region(dataset: Dataset, ref: ItemRef, box: tuple[int, int, int, int],
                   scale: float = 1.0) -> Region:
    """`read_region` of an item's image; a path that leads outside the data set is refused."""
    path = checked_path(dataset.root, dataset[ref].image_path)
    return read_region(path, box, scale)


def _reduction(scale: float) -> int:
    """The largest power-of-two reduction (1, 2, 4 or 8) that keeps at least `scale`."""
    for factor in (8, 4, 2):
        if 1 / factor >= scale:
            return factor
    return 1


def _decode(image: Image.Image, reduction: int) -> Image.Image:
    """The whole image decoded upright and in a displayable mode, `reduction` times smaller
    (JPEG: by draft mode, decoding at that DCT scale; others: by `reduce`)."""
    try:
        if reduction > 1 and image.format == "JPEG":
            image.draft("RGB" if image.mode != "L" else "L",
                        (image.width // reduction, image.height // reduction))
        image.load()
        orientation = _orientation(image, may_load=True)
        upright = ImageOps.exif_transpose(image) if orientation != 1 else image
        if reduction > 1 and image.format != "JPEG":
            upright = upright.reduce(reduction)
        return displayable(upright)
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"The image is damaged or truncated ({error}).") from error
