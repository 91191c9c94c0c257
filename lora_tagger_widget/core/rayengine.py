"""Auto-tagging on Ray Data, for sets that outgrow one machine (`autotag(..., engine="ray")`).

The images are read and prepared by Ray tasks on CPUs; the model runs in a pool of Ray actors
(on GPUs when asked), each loading its own copy once; the results stream back to the notebook
batch by batch, where they become suggestions as on the local engine, with the same progress and
cancel. Ray connects to the cluster the person started (`ray.init(...)` before, or `address=`),
or starts a local one. Ray is imported only here, only when asked for.

The built-in `WdTagger` has its preprocessing run in the CPU tasks and only the model in the
actors (each actor loads the model from its folder, which must be reachable from every node);
any other tagger gets the decoded images in the actors and is called there as it is (it must
pickle).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from .images import ImageError, load_upright
from .taggers import ImageContext, ScoredTag, TaggerError, WdTagger, prepare

if TYPE_CHECKING:
    from .autotagging import Job


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide a Ray run goes."""

    address: str | None = None  # a cluster to connect to; None: the running one, or a local one
    workers: int = 1  # model actors
    gpus_per_worker: float = 0.0
    cpus_per_task: float = 1.0


def run_on_ray(tagger: Any, jobs: Sequence[Job], *, side: int, batch_size: int,
               cancel: threading.Event | None, options: RayOptions,
               ) -> Iterator[tuple[list[tuple[str, Any]], list[tuple[str, str]]]]:
    """The same stream as `autotagging.run_tagger`, computed on Ray Data."""
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise TaggerError('engine="ray" needs Ray Data: pip install "ray[data]".') from error
    if not jobs:
        return
    if not ray.is_initialized():
        ray.init(address=options.address, ignore_reinit_error=True, log_to_driver=False)
    split = isinstance(tagger, WdTagger)
    rows = [{"id": job.id, "path": str(job.path), "name": job.context.name,
             "tags": json.dumps(job.context.tags)} for job in jobs]
    data = ray.data.from_items(rows, override_num_blocks=max(1, len(rows) // batch_size))
    data = data.map_batches(_decode, fn_kwargs={"side": side,
                                               "bgr": tagger.bgr if split else None},
                            batch_size=batch_size, num_cpus=options.cpus_per_task)
    data = data.map_batches(_Model, fn_constructor_args=(tagger, split), batch_size=batch_size,
                            concurrency=options.workers, num_gpus=options.gpus_per_worker)
    stream = data.iter_batches(batch_size=batch_size, batch_format="numpy")
    try:
        for batch in stream:
            results, failed = [], []
            for image_id, error, result in zip(batch["id"], batch["error"], batch["result"],
                                               strict=True):
                if error:
                    failed.append((str(image_id), str(error)))
                elif split:
                    results.append((str(image_id), tagger.scored(np.asarray(result))))
                else:
                    results.append((str(image_id), _from_json(result)))
            yield results, failed
            if cancel is not None and cancel.is_set():
                return
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _decode(batch: dict[str, np.ndarray], side: int, bgr: bool | None) -> dict[str, Any]:
    """Read the images of a batch (and prepare them for a WD model in `bgr` order when that is
    not None): a Ray task."""
    pixels, errors = [], []
    for path in batch["path"]:
        try:
            image = load_upright(Path(str(path)), side, side)[0]
        except ImageError as error:
            errors.append(str(error))
            pixels.append(np.zeros((side, side, 3), np.float32) if bgr is not None
                          else np.zeros((1, 1, 3), np.uint8))
            continue
        errors.append("")
        pixels.append(prepare(image, side, bgr=bgr) if bgr is not None
                      else np.asarray(image.convert("RGB")))
    return {"id": batch["id"], "name": batch["name"], "tags": batch["tags"],
            "error": np.array(errors, dtype=object), "pixels": _column(pixels)}


class _Model:
    """A Ray actor running the tagger on prepared batches."""

    def __init__(self, tagger: Any, split: bool) -> None:
        self.tagger = tagger
        self.split = split

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        good = [k for k, error in enumerate(batch["error"]) if not error]
        results: list[Any] = [None] * len(batch["id"])
        if good:
            pixels = [np.asarray(batch["pixels"][k]) for k in good]
            if self.split:
                outputs: Sequence[Any] = list(self.tagger.scores(np.stack(pixels)))
            else:
                images = [Image.fromarray(p.astype(np.uint8)) for p in pixels]
                if getattr(self.tagger, "takes_context", False):
                    contexts = [ImageContext(str(batch["name"][k]),
                                             tuple(json.loads(batch["tags"][k]))) for k in good]
                    outputs = self.tagger(images, contexts)
                else:
                    outputs = self.tagger(images)
                outputs = [_to_json(output) for output in outputs]
            if len(outputs) != len(good):
                raise TaggerError(f"The tagger gave {len(outputs)} results for {len(good)} "
                                  "images.")
            for k, output in zip(good, outputs, strict=True):
                results[k] = output
        if self.split:
            width = next((len(r) for r in results if r is not None), 0)
            results = [np.zeros(width, np.float32) if r is None else r for r in results]
        else:
            results = ["null" if r is None else r for r in results]
        return {"id": batch["id"], "error": batch["error"], "result": _column(results)}


def _column(values: list[Any]) -> Any:
    """A batch column Ray Data can carry: one array when the values share a shape."""
    if values and isinstance(values[0], np.ndarray) and all(
            v.shape == values[0].shape for v in values):
        return np.stack(values)
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def _to_json(output: Any) -> str:
    if isinstance(output, str):
        return json.dumps(output)
    return json.dumps([[t.tag, t.score, t.category] if isinstance(t, ScoredTag) else list(t)
                       for t in output])


def _from_json(text: Any) -> Any:
    value = json.loads(str(text))
    if isinstance(value, list):
        return [ScoredTag(*item) if len(item) == 3 else (item[0], item[1]) for item in value]
    return value
