"""Auto-tagging on Ray Data: a local Ray (2 CPUs) runs the same tagger over a few hundred images
and gives exactly what the in-process engine gives; cancel and unreadable images behave alike."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
import ray.data
from PIL import Image

from lora_tagger_widget import Dataset, WdTagger
from lora_tagger_widget.core.rayengine import RayOptions
from lora_tagger_widget.core.taggers import ImageContext

from wdmodel import write_model

pytestmark = pytest.mark.slow
IMAGES = 240


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    for attempt in range(3):  # Ray gives its node 30 s to start, which a loaded machine misses
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ray") / "imgs"
    root.mkdir()
    for n in range(IMAGES):
        colour = ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)
        size = (40 + n % 50, 30 + (n * 7) % 60)
        Image.new("RGB", size, colour).save(root / f"img{n:03}.png")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def _copy(root: Path, where: Path) -> Dataset:
    shutil.copytree(root, where)
    return Dataset(where)


def _open(ds: Dataset) -> dict[str, list[tuple[str, float]]]:
    return {image_id: [(t, round(s, 5)) for t, s in tags]
            for image_id, tags in ds.suggestions.open_tags().items()}


def test_ray_gives_what_the_local_engine_gives(local_ray: None, photos: Path,
                                              tmp_path: Path) -> None:
    tagger = WdTagger(write_model(tmp_path / "model"))
    local, on_ray = _copy(photos, tmp_path / "a"), _copy(photos, tmp_path / "b")
    seen: list[tuple[int, int]] = []

    here = local.autotag(tagger, batch_size=16, general_threshold=0.2)
    there = on_ray.autotag(tagger, batch_size=16, general_threshold=0.2, engine="ray",
                           ray=RayOptions(workers=2), progress=lambda *p: seen.append(p))

    assert sorted(there.suggested) == sorted(here.suggested) and len(here.suggested) == IMAGES
    assert _open(on_ray) == _open(local)
    assert [image for image, _ in there.failed] == ["broken.png"]
    assert seen[-1] == (IMAGES + 1, IMAGES + 1)


def test_any_callable_with_context_runs_in_the_actors_and_cancel_stops(
        local_ray: None, photos: Path, tmp_path: Path) -> None:
    class Named:
        takes_context = True

        def __call__(self, images: list[Image.Image], contexts: list[ImageContext]) -> list:
            return [[(f"w{image.width}", 0.9), (c.name, 0.8)]
                    for image, c in zip(images, contexts, strict=True)]

    ds = _copy(photos, tmp_path / "c")
    cancel = threading.Event()
    report = ds.autotag(Named(), ["img000.png", "img001.png", "img002.png"], engine="ray",
                        batch_size=2, rerun=True)
    assert _open(ds)["img001.png"] == [("w41", 0.9), ("img001.png", 0.8)]
    assert len(report.suggested) == 3

    cancel.set()
    stopped = ds.autotag(Named(), engine="ray", batch_size=8, cancel=cancel, rerun=True)
    assert stopped.cancelled and len(stopped.suggested) < IMAGES
