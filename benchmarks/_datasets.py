"""Data sets made for benchmarks: many small images with captions, or large JPEG photos."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
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


def add_photo_copies(root: Path, source: Path, count: int, *, folder: str = "photos") -> Path:
    """`count` images with `source`'s bytes (hard links when the file system allows, else
    copies) and a short caption each, in `root/folder`: large images inside a captioned set."""
    target = root / folder
    marker = target / f".made-{count}"
    if marker.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        image = target / f"photo{n}{source.suffix}"
        if not image.exists():
            try:
                image.hardlink_to(source)
            except OSError:
                image.write_bytes(source.read_bytes())
        (target / f"photo{n}.txt").write_text("photo, outdoors", encoding="utf-8")
    marker.touch()
    return target


def caption_files(root: Path) -> Iterator[os.DirEntry[str]]:
    """Every caption file below `root`, skipping dot-folders (the tool's state among them)."""
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.name.startswith("."):
                        stack.append(Path(entry.path))
                elif entry.name.endswith(".txt"):
                    yield entry
