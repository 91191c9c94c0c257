"""Taggers: anything that maps images to scored tags, and the built-in WD-format ONNX tagger.

A tagger is a callable taking a list of PIL images (RGB) and returning, for each image, a list of
`(tag, score)` pairs or `ScoredTag`s; a person's own model in the notebook works as it is. A
captioner returns a string for each image instead. One with `takes_context = True` is called
with a second list, the `ImageContext` (file name and tags) of each image.

`WdTagger` loads a WD-format model (the SmilingWolf "wd-*-tagger" family, as taggui, Civitai and
BooruDatasetTagManager use them) from a local folder, never from the network: `model.onnx` with
`selected_tags.csv`, or `<name>.onnx` with `<name>.csv`. It runs on onnxruntime (the CUDA provider
when present), imported only when a model is loaded.

Decisions, following how these models were trained and how taggui feeds them
(taggui/auto_captioning/models/wd_tagger.py, `get_model_inputs` and `WdTaggerModel`):

* The CSV is read by its header (`tag_id,name,category,count`); categories 9 rating, 0 general,
  4 character; other categories count as general. Its rows are the model's outputs, in order.
* Input: transparency onto white, padded to a square with white (the image centred), resized
  to the model's input side with bicubic resampling, float32 values 0-255 in BGR order (RGB for
  models that want it: `bgr=False`), NHWC, as the model's input shape says (NCHW is accepted
  when the model declares it). Large files are first decoded at a reduced scale (JPEG draft
  mode) close to the input side, so a 20 MP photo is not decoded whole for a 448 px input.
* Output: the model's sigmoid scores, one per CSV row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .files import read_regular

GENERAL, CHARACTER, RATING = "general", "character", "rating"
CATEGORY_CODES = {"0": GENERAL, "4": CHARACTER, "9": RATING}
MAX_CSV_BYTES = 64 * 1024 * 1024
_CSV_COLUMNS = ("name", "category")


@dataclass(frozen=True)
class ScoredTag:
    """A tag a tagger suggests, its score (0-1) and its category (general, character, rating)."""

    tag: str
    score: float
    category: str = GENERAL


@dataclass(frozen=True)
class ImageContext:
    """What a tagger that asks for it (`takes_context = True`) is told about each image."""

    name: str
    tags: tuple[str, ...]


Prediction = ScoredTag | tuple[str, float]
Tagger = Callable[[list[Image.Image]], Sequence[Sequence[Prediction]]]


class TaggerError(ValueError):
    """A tagger that cannot be loaded or run as asked; the message says why."""


def scored(prediction: object) -> ScoredTag:
    """`prediction` as a `ScoredTag` (a `(tag, score)` pair counts as a general tag)."""
    if isinstance(prediction, ScoredTag):
        return prediction
    if (isinstance(prediction, (tuple, list)) and len(prediction) == 2
            and isinstance(prediction[0], str) and isinstance(prediction[1], (int, float))):
        return ScoredTag(prediction[0], float(prediction[1]))
    raise TaggerError(f"A tagger must give (tag, score) pairs, not {prediction!r}.")


def read_tag_csv(data: bytes) -> list[tuple[str, str]]:
    """The `(name, category)` of each row of a WD `selected_tags.csv`, in order."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TaggerError(f"The tag list is not UTF-8 ({error}).") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in _CSV_COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise TaggerError(f"The tag list has no {' or '.join(missing)} column; its header is "
                          f"{reader.fieldnames!r}.")
    rows = [(row["name"] or "", CATEGORY_CODES.get((row["category"] or "").strip(), GENERAL))
            for row in reader]
    if not rows:
        raise TaggerError("The tag list has no rows.")
    return rows


def prepare(image: Image.Image, side: int, *, bgr: bool = True) -> np.ndarray:
    """`image` as a WD model takes it: an HWC float32 array `side` x `side` (see the module)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        image = flat.convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    square = max(image.size)
    canvas = Image.new("RGB", (square, square), (255, 255, 255))
    canvas.paste(image, ((square - image.width) // 2, (square - image.height) // 2))
    if square != side:
        canvas = canvas.resize((side, side), resample=Image.Resampling.BICUBIC)
    array = np.asarray(canvas, dtype=np.float32)
    return np.ascontiguousarray(array[:, :, ::-1]) if bgr else array


class WdTagger:
    """A WD-format ONNX tagger loaded from the local folder `folder` (see the module)."""

    def __init__(self, folder: str | Path, *, name: str | None = None, bgr: bool = True,
                 providers: Sequence[str] | None = None, min_score: float = 0.01) -> None:
        """Load the model and its tag list. `name`: the `<name>.onnx`/`<name>.csv` pair to use
        when the folder has no `model.onnx`. `providers`: onnxruntime's execution providers
        (default: CUDA when available, then CPU). `min_score`: tags scoring lower are not
        given (rating tags always are), which saves building thousands of hopeless ones per
        image. `TaggerError` says what is missing or wrong."""
        self.folder = Path(folder).expanduser()
        self.bgr = bgr
        self.min_score = min_score
        self._args = (name, providers)
        model_path, csv_path = self._files(name)
        try:
            data, _ = read_regular(csv_path, max_bytes=MAX_CSV_BYTES)
        except OSError as error:
            raise TaggerError(f"{csv_path} could not be read ({error}).") from None
        rows = read_tag_csv(data)
        try:
            import onnxruntime
        except ImportError as error:
            raise TaggerError("The WD tagger needs onnxruntime: pip install "
                              "'lora-tagger-widget[autotag]'.") from error
        available = onnxruntime.get_available_providers()
        chosen = list(providers) if providers is not None else [
            p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        try:
            self._session = onnxruntime.InferenceSession(str(model_path), providers=chosen)
        except Exception as error:  # onnxruntime raises its own exception types
            raise TaggerError(f"{model_path} could not be loaded as an ONNX model "
                              f"({error}).") from None
        self._input = self._session.get_inputs()[0]
        self.channels_first, self.side = _layout(self._input.shape, model_path)
        outputs = self._session.get_outputs()
        width = outputs[0].shape[-1] if outputs[0].shape else None
        if isinstance(width, int) and width != len(rows):
            raise TaggerError(f"{model_path.name} gives {width} scores but {csv_path.name} lists "
                              f"{len(rows)} tags: they are not a pair.")
        self._output = outputs[0].name
        self.tags = [name for name, _ in rows]
        self.categories = [category for _, category in rows]
        self._rating = np.array([category == RATING for category in self.categories])
        self.name = model_path.parent.name if model_path.name == "model.onnx" else model_path.stem

    def __repr__(self) -> str:
        return f"WdTagger({str(self.folder)!r}, {len(self.tags)} tags, {self.side} px)"

    def __getstate__(self) -> dict[str, Any]:
        """What a copy in another process (a Ray actor) loads the model again from."""
        return {"folder": self.folder, "bgr": self.bgr, "args": self._args,
                "min_score": self.min_score}

    def __setstate__(self, state: dict[str, Any]) -> None:
        name, providers = state["args"]
        self.__init__(state["folder"], name=name, bgr=state["bgr"],  # type: ignore[misc]
                      providers=providers, min_score=state["min_score"])

    def __call__(self, images: list[Image.Image]) -> list[list[ScoredTag]]:
        """Every tag of the tag list with its score, for each image."""
        if not images:
            return []
        batch = np.stack([self.prepare_image(image) for image in images])
        return [self.scored(row) for row in self.scores(batch)]

    def prepare_image(self, image: Image.Image) -> np.ndarray:
        """`image` as this model takes it (see `prepare`)."""
        return prepare(image, self.side, bgr=self.bgr)

    def scores(self, batch: np.ndarray) -> np.ndarray:
        """The model's scores for a batch of prepared images (N x side x side x 3)."""
        if self.channels_first:
            batch = batch.transpose(0, 3, 1, 2)
        result = np.asarray(self._session.run([self._output], {self._input.name: batch})[0],
                            dtype=np.float32)
        if result.ndim != 2 or result.shape != (len(batch), len(self.tags)):
            raise TaggerError(f"The model gave scores of shape {result.shape} for {len(batch)} "
                              f"images and {len(self.tags)} tags.")
        return result

    def scored(self, row: np.ndarray) -> list[ScoredTag]:
        """The tags with the scores of one row of `scores` (those from `min_score`, and the
        rating tags)."""
        kept = np.flatnonzero((row >= self.min_score) | self._rating)
        return [ScoredTag(self.tags[k], float(row[k]), self.categories[k]) for k in kept]

    def _files(self, name: str | None) -> tuple[Path, Path]:
        if not self.folder.is_dir():
            raise TaggerError(f"{self.folder} is not a folder; point at the folder that holds "
                              "the model (model.onnx and selected_tags.csv).")
        pairs = ([(f"{name}.onnx", f"{name}.csv")] if name else
                 [("model.onnx", "selected_tags.csv")]
                 + [(p.name, f"{p.stem}.csv") for p in sorted(self.folder.glob("*.onnx"))])
        for model, tags in pairs:
            if (self.folder / model).is_file():
                if not (self.folder / tags).is_file():
                    raise TaggerError(f"{self.folder / model} has no tag list beside it "
                                      f"(expected {tags}).")
                return self.folder / model, self.folder / tags
        wanted = f"{name}.onnx" if name else "model.onnx (or <name>.onnx)"
        raise TaggerError(f"No {wanted} in {self.folder}.")


def _layout(shape: Sequence[Any], path: Path) -> tuple[bool, int]:
    """(channels first, side) from the model input's shape, NHWC or NCHW with 3 channels."""
    dims = list(shape)
    if len(dims) == 4 and dims[3] == 3 and isinstance(dims[1], int) and dims[1] == dims[2]:
        return False, dims[1]
    if len(dims) == 4 and dims[1] == 3 and isinstance(dims[2], int) and dims[2] == dims[3]:
        return True, dims[2]
    raise TaggerError(f"{path.name} takes input of shape {dims}; a WD tagger takes square RGB "
                      "images, N x side x side x 3.")
