"""A WD-format ViT tagger with random weights, built with the `onnx` package, for timing.

The shape of SmilingWolf's wd-vit-tagger-v3 (ViT-B/16 at 448: 784 patches of 768 values, 12
blocks of 12-head attention and a 3072-wide MLP, one sigmoid score per tag of a 10,861-row tag
list), with the same input (N x 448 x 448 x 3, BGR 0-255) and output. Random weights: the scores
mean nothing, the arithmetic is what a real model does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VIT_B = {"side": 448, "patch": 16, "dim": 768, "depth": 12, "heads": 12, "mlp": 3072,
         "tags": 10861}
VIT_TINY = {"side": 448, "patch": 16, "dim": 192, "depth": 2, "heads": 3, "mlp": 768,
            "tags": 10861}


def build(folder: Path, config: dict[str, int], seed: int = 0) -> Path:
    """Write `model.onnx` and `selected_tags.csv` of a ViT of `config` into `folder`."""
    if (folder / "model.onnx").exists():
        return folder
    rng = np.random.default_rng(seed)
    side, patch, dim = config["side"], config["patch"], config["dim"]
    heads, tokens = config["heads"], (config["side"] // config["patch"]) ** 2
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def weight(name: str, *shape: int, scale: float = 0.02) -> str:
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape, dtype=np.float32) * scale), name))
        return name

    def const(name: str, values: list[int] | float) -> str:
        dtype = np.float32 if isinstance(values, float) else np.int64
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype).reshape(-1), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: object) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def norm(x: str, name: str) -> str:
        inits.append(numpy_helper.from_array(np.ones(dim, np.float32), f"{name}.g"))
        inits.append(numpy_helper.from_array(np.zeros(dim, np.float32), f"{name}.b"))
        return node("LayerNormalization", [x, f"{name}.g", f"{name}.b"], f"{name}.out",
                    axis=-1)

    def linear(x: str, name: str, inputs: int, outputs: int) -> str:
        product = node("MatMul", [x, weight(f"{name}.w", inputs, outputs)], f"{name}.mm")
        return node("Add", [product, weight(f"{name}.b", outputs, scale=0.0)], f"{name}.out")

    scaled = node("Div", ["input", const("scale", 127.5)], "scaled")
    nchw = node("Transpose", [scaled], "nchw", perm=[0, 3, 1, 2])
    patches = node("Conv", [nchw, weight("patch.w", dim, 3, patch, patch)], "patches",
                   strides=[patch, patch])
    flat = node("Reshape", [patches, const("flat.shape", [0, dim, tokens])], "flat")
    x = node("Transpose", [flat], "tokens", perm=[0, 2, 1])
    x = node("Add", [x, weight("pos", 1, tokens, dim)], "embedded")
    head_shape = const("heads.shape", [0, tokens, heads, dim // heads])
    back_shape = const("back.shape", [0, tokens, dim])
    for layer in range(config["depth"]):
        name = f"block{layer}"
        h = norm(x, f"{name}.norm1")
        q, k, v = (node("Transpose", [node("Reshape", [linear(h, f"{name}.{p}", dim, dim),
                                                       head_shape], f"{name}.{p}.split")],
                        f"{name}.{p}.heads", perm=[0, 2, 1, 3]) for p in "qkv")
        kt = node("Transpose", [k], f"{name}.kt", perm=[0, 1, 3, 2])
        scores = node("Div", [node("MatMul", [q, kt], f"{name}.qk"),
                              const(f"{name}.temp", (dim // heads) ** 0.5)], f"{name}.scores")
        attention = node("Softmax", [scores], f"{name}.attention", axis=-1)
        mixed = node("Transpose", [node("MatMul", [attention, v], f"{name}.av")],
                     f"{name}.mixed", perm=[0, 2, 1, 3])
        merged = node("Reshape", [mixed, back_shape], f"{name}.merged")
        x = node("Add", [x, linear(merged, f"{name}.proj", dim, dim)], f"{name}.res1")
        h = norm(x, f"{name}.norm2")
        h = node("Gelu", [linear(h, f"{name}.fc1", dim, config["mlp"])], f"{name}.gelu")
        x = node("Add", [x, linear(h, f"{name}.fc2", config["mlp"], dim)], f"{name}.res2")
    pooled = node("ReduceMean", [norm(x, "final"), const("pool.axes", [1])], "pooled",
                  keepdims=0)
    logits = node("MatMul", [pooled, weight("head.w", dim, config["tags"])], "head.mm")
    bias = np.full(config["tags"], -6.0, np.float32)
    bias[: config["tags"] // 300] = 0.5  # a few dozen tags score high, as on a real image
    inits.append(numpy_helper.from_array(bias, "head.b"))
    node("Sigmoid", [node("Add", [logits, "head.b"], "head.out")], "predictions_sigmoid")
    graph = helper.make_graph(
        nodes, "wd-vit-random",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", side, side, 3])],
        [helper.make_tensor_value_info("predictions_sigmoid", TensorProto.FLOAT,
                                       ["batch", config["tags"]])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "model.onnx")
    rows = ["tag_id,name,category,count"]
    rows += [f"{n},tag_{n},{9 if n < 4 else 0},{config['tags'] - n}"
             for n in range(config["tags"])]
    (folder / "selected_tags.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder
