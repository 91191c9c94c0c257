"""Data sets made for benchmarks: many small images with captions, or large JPEG photos."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageFilter

WORDS = ["red hair", "smiling", "outdoors", "1girl", "solo", "looking at viewer", "sky", "tree",
         "blue eyes", "long hair", "photo_(medium)", "no humans", "landscape", "indoors"]


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "gray").save(buffer, "JPEG")
    return buffer.getvalue()


def make_captioned_set(root: Path, count: int, *, per_folder: int = 5_000, seed: int = 0) -> Path:
    """`count` tiny JPEGs, each with a caption of 8 to 20 tags, in folders of `per_folder`."""
    marker = root / f".made-{count}"
    if marker.exists():
        return root
    rng = random.Random(seed)
    data = tiny_jpeg()
    root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        folder = root / f"part{n // per_folder}"
        if n % per_folder == 0:
            folder.mkdir(exist_ok=True)
        (folder / f"img{n}.jpg").write_bytes(data)
        rare = [f"tag{rng.randrange(3000)}" for _ in range(rng.randrange(2, 14))]
        tags = rng.sample(WORDS, 6) + rare
        (folder / f"img{n}.txt").write_text(", ".join(tags), encoding="utf-8")
    marker.touch()
    return root


def make_photo(path: Path, megapixels: float, *, noisy: bool, seed: int = 0) -> Path:
    """A JPEG of about `megapixels`, 3:2, smooth (gradients) or noisy (sensor-like grain)."""
    if path.exists():
        return path
    width = int((megapixels * 1e6 * 1.5) ** 0.5)
    height = int(width / 1.5)
    base = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    if noisy:
        noise = Image.effect_noise((width, height), 60).convert("RGB")
        base = Image.blend(base, noise, 0.5)
    else:
        base = base.filter(ImageFilter.GaussianBlur(4))
    path.parent.mkdir(parents=True, exist_ok=True)
    base.save(path, "JPEG", quality=92)
    return path
