"""Aspect-ratio buckets: the lists kohya sd-scripts makes and the bucket it picks for an image."""

from __future__ import annotations

import pytest

from lora_tagger_widget.core.buckets import (
    RESOLUTIONS,
    STEP,
    bucket_counts,
    bucket_for,
    bucket_resolutions,
)

# kohya's list at 512 with --min_bucket_reso 256 --max_bucket_reso 1024 (its SD 1.5 defaults).
KOHYA_512 = [
    (256, 832), (256, 896), (256, 960), (256, 1024), (320, 704), (320, 768), (384, 640),
    (448, 576), (512, 512), (576, 448), (640, 384), (704, 320), (768, 320), (832, 256),
    (896, 256), (960, 256), (1024, 256),
]

def test_buckets_at_512_match_kohyas_list() -> None:
    assert bucket_resolutions(512, max_size=1024) == KOHYA_512


@pytest.mark.parametrize("bucket", [(1024, 1024), (1152, 896), (1216, 832), (1344, 768),
                                    (1536, 640), (896, 1152), (832, 1216), (768, 1344)])
def test_buckets_at_1024_include_the_sdxl_sizes(bucket: tuple[int, int]) -> None:
    assert bucket in bucket_resolutions(1024)


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_buckets_fit_the_area_and_step(resolution: int) -> None:
    for width, height in bucket_resolutions(resolution):
        assert width * height <= resolution * resolution
        assert width % STEP == 0 and height % STEP == 0
        assert min(width, height) >= 256 and max(width, height) <= 2 * resolution


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_buckets_come_in_mirrored_pairs(resolution: int) -> None:
    buckets = set(bucket_resolutions(resolution))
    assert {(height, width) for width, height in buckets} == buckets


def test_max_size_limits_the_longest_side() -> None:
    assert max(max(bucket) for bucket in bucket_resolutions(1024, max_size=1536)) == 1536


def test_a_square_image_goes_to_the_square_bucket() -> None:
    assert bucket_for(1024, 1024, 1024) == (1024, 1024)


@pytest.mark.parametrize(("size", "bucket"), [
    ((1536, 1024), (1216, 832)),  # 3:2
    ((1920, 1080), (1344, 768)),  # 16:9
    ((1600, 1200), (1152, 896)),  # 4:3
    ((300, 200), (1216, 832)),  # small images are scaled up into the same bucket
])
def test_a_landscape_image_goes_to_the_nearest_aspect_ratio(
        size: tuple[int, int], bucket: tuple[int, int]) -> None:
    assert bucket_for(*size, 1024) == bucket


@pytest.mark.parametrize("size", [(1536, 1024), (1920, 1080), (1600, 1200), (1280, 1024)])
def test_a_portrait_image_mirrors_the_landscape_one(size: tuple[int, int]) -> None:
    width, height = bucket_for(*size, 1024)
    assert bucket_for(size[1], size[0], 1024) == (height, width)


def test_at_512_a_three_by_two_image_goes_to_640x384() -> None:
    assert bucket_for(1536, 1024, 512) == (640, 384)


def test_an_image_halfway_between_two_buckets_takes_the_narrower_like_kohya() -> None:
    # 16:15 lies exactly between 1024x1024 (1.0) and 1088x960 (17:15); kohya's argmin keeps the
    # first of its sorted list.
    assert bucket_for(1600, 1500, 1024) == (1024, 1024)


def test_an_unusual_resolution_still_gets_buckets() -> None:
    assert bucket_for(1000, 1000, 1000) == (960, 960)


def test_a_resolution_below_kohyas_minimum_bucket_size_still_gets_a_bucket() -> None:
    assert bucket_for(100, 100, 200) == (192, 192)


@pytest.mark.parametrize("size", [(0, 100), (100, 0), (-5, 100), (100, -1)])
def test_an_empty_or_negative_image_size_is_refused(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        bucket_for(*size, 1024)


@pytest.mark.parametrize("resolution", [0, -1024])
def test_a_resolution_that_is_not_positive_is_refused(resolution: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        bucket_resolutions(resolution)


def test_a_max_size_below_the_resolution_is_refused() -> None:
    with pytest.raises(ValueError, match="max_size"):
        bucket_resolutions(1024, max_size=768)


def test_counts_add_up_per_bucket_ordered_by_aspect_ratio() -> None:
    sizes = [(1536, 1024), (3000, 2000), (1024, 1024), (1024, 1536), (1920, 1080)]
    assert list(bucket_counts(sizes, 1024).items()) == [
        ((832, 1216), 1), ((1024, 1024), 1), ((1216, 832), 2), ((1344, 768), 1)]


def test_no_sizes_give_no_buckets() -> None:
    assert bucket_counts([], 1024) == {}
