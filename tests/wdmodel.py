"""A tiny WD-format tagger model, built with the `onnx` package for the tests.

Same interface as the real WD v3 models: one float32 input `input` of shape
[batch, side, side, 3] (NHWC, BGR, 0-255) and one output of shape [batch, tags] with sigmoid
scores, one per row of `selected_tags.csv`. Its arithmetic is simple enough to compute in numpy:
score = sigmoid(mean colour per channel @ WEIGHTS + BIAS).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name, category (9 rating, 0 general, 4 character); weights on the B, G, R channel means.
TAGS = [
    ("general", "9", (0.0, 0.0, 0.0), 0.5),
    ("explicit", "9", (0.0, 0.0, 0.0), -3.0),
    ("blue_theme", "0", (0.05, -0.025, -0.025), 0.0),
    ("red_theme", "0", (-0.025, -0.025, 0.05), 0.0),
    ("green_theme", "0", (-0.025, 0.05, -0.025), 0.0),
    ("^_^", "0", (0.01, 0.01, 0.01), -6.0),
    ("hatsune_miku", "4", (-0.02, 0.03, 0.0), 0.0),
]
WEIGHTS = np.array([w for _, _, w, _ in TAGS], dtype=np.float32).T  # 3 x tags
BIAS = np.array([b for _, _, _, b in TAGS], dtype=np.float32)


def expected_scores(batch: np.ndarray) -> np.ndarray:
    """What the model computes for a prepared NHWC batch."""
    means = batch.astype(np.float64).mean(axis=(1, 2))
    return 1 / (1 + np.exp(-(means @ WEIGHTS + BIAS)))


def write_model(folder: Path, side: int = 32, *, stem: str = "model",
                csv_stem: str = "selected_tags", channels_first: bool = False,
                rows: list[tuple[str, str]] | None = None) -> Path:
    """Write the model and its tag list into `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shape = ["batch", 3, side, side] if channels_first else ["batch", side, side, 3]
    axes = [2, 3] if channels_first else [1, 2]
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["input", "axes"], ["means"], keepdims=0),
         helper.make_node("MatMul", ["means", "weights"], ["logits"]),
         helper.make_node("Add", ["logits", "bias"], ["raw"]),
         helper.make_node("Sigmoid", ["raw"], ["predictions_sigmoid"])],
        "wd-test",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("predictions_sigmoid", TensorProto.FLOAT,
                                       ["batch", len(TAGS)])],
        [numpy_helper.from_array(np.array(axes, dtype=np.int64), "axes"),
         numpy_helper.from_array(WEIGHTS, "weights"),
         numpy_helper.from_array(BIAS, "bias")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, folder / f"{stem}.onnx")
    lines = ["tag_id,name,category,count"]
    for n, (name, category) in enumerate(rows or [(t[0], t[1]) for t in TAGS]):
        lines.append(f'{1000 + n},"{name}",{category},{10 * n}')
    (folder / f"{csv_stem}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
