"""Aspect-ratio buckets as kohya sd-scripts makes them, and which bucket each image falls into."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

RESOLUTIONS = (512, 768, 1024)
STEP = 64
_MIN_SIZE = 256  # kohya's --min_bucket_reso default


def bucket_resolutions(resolution: int, step: int = STEP, min_size: int = _MIN_SIZE,
                       max_size: int | None = None) -> list[tuple[int, int]]:
    """The (width, height) buckets kohya makes for a training resolution, sorted.

    Each bucket has at most `resolution`**2 pixels, both sides multiples of `step` between
    `min_size` and `max_size` (default twice the resolution, as kohya's SDXL settings).
    """
    return list(_resolutions(resolution, step, min_size, max_size))


def bucket_limits(resolution: int, step: int = STEP) -> tuple[int, int]:
    """The `min_bucket_reso` and `max_bucket_reso` our kohya config sets for a resolution:
    kohya's default smallest side (256, or the resolution when smaller) rounded down to `step`,
    and twice the resolution rounded up to it (kohya's default largest side, 1024, would stop
    it at start-up for a resolution above 1024)."""
    smallest = min(_MIN_SIZE, resolution) // step * step
    largest = -(-2 * resolution // step) * step
    return smallest, largest


def bucket_for(width: int, height: int, resolution: int, step: int = STEP) -> tuple[int, int]:
    """The bucket kohya puts an image of this (upright) size in (with `bucket_limits`): the
    nearest aspect ratio."""
    _check_size(width, height)
    resolutions = _resolutions(resolution, step, *bucket_limits(resolution, step))
    if (width, height) in resolutions:
        return width, height
    ratio = width / height
    # min() keeps the first of equal errors, as kohya's argmin over its sorted list does.
    return min(resolutions, key=lambda bucket: abs(bucket[0] / bucket[1] - ratio))


def bucket_counts(sizes: Iterable[tuple[int, int]],
                  resolution: int) -> dict[tuple[int, int], int]:
    """How many images of these (width, height) sizes fall into each bucket, by aspect ratio."""
    counts = Counter(bucket_for(width, height, resolution) for width, height in sizes)
    return dict(sorted(counts.items(), key=lambda entry: entry[0][0] / entry[0][1]))


@lru_cache(maxsize=32)
def _resolutions(resolution: int, step: int, min_size: int,
                 max_size: int | None) -> tuple[tuple[int, int], ...]:
    if max_size is None:
        max_size = 2 * resolution
    _check_settings(resolution, step, min_size, max_size)
    area = resolution * resolution
    square = math.isqrt(area) // step * step
    buckets = {(square, square)}
    for width in range(min_size, max_size + 1, step):
        height = min(max_size, area // width // step * step)
        if height >= min_size:
            buckets.update({(width, height), (height, width)})
    return tuple(sorted(buckets))


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"an image size must be positive, not {width}x{height}")


def _check_settings(resolution: int, step: int, min_size: int, max_size: int) -> None:
    if resolution <= 0 or step <= 0 or min_size <= 0:
        raise ValueError("resolution, step and min_size must be positive, not "
                         f"{resolution}, {step} and {min_size}")
    if not min_size <= resolution <= max_size:
        raise ValueError(f"need min_size <= resolution <= max_size, not "
                         f"{min_size} <= {resolution} <= {max_size}")
    if resolution < step:
        raise ValueError(f"resolution {resolution} is smaller than the step {step}")
