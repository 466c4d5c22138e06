"""Export a SegFormer model to the layout faceparse (and transformers.js) loads: config.json,
preprocessor_config.json, model.safetensors, onnx/model.onnx (opset 17, dynamic batch and size),
onnx/model_quantized.onnx (int8) and onnx/model_fp16.onnx. Shared by training (export.py) and the
golden-data scripts (training/golden)."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import SegformerForSemanticSegmentation

# transformers.js keeps Resize in float32 inside fp16 exports (its scripts/float16.py blocks "Resize");
# onnxruntime's own block list dropped it, so it is added back here.
FP16_EXTRA_BLOCKED_OPS = ["Resize"]


class _LogitsOnly(torch.nn.Module):
    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model(pixel_values=pixel_values).logits


def export_onnx(model: SegformerForSemanticSegmentation, path: Path, size: int) -> None:
    """Legacy (TorchScript) exporter, opset 17, one self-contained file, dynamic batch/height/width.

    The wrapper is put in eval mode *before* export: the legacy exporter restores the wrapper's mode
    afterwards, recursively, so a wrapper left in training mode would switch the model to training.
    """
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = _LogitsOnly(model).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation + tracer warnings on shape arithmetic
        torch.onnx.export(
            wrapper,
            (torch.zeros(1, 3, size, size),),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["pixel_values"],
            output_names=["logits"],
            dynamic_axes={
                "pixel_values": {0: "batch_size", 2: "height", 3: "width"},
                "logits": {0: "batch_size", 2: "logits_height", 3: "logits_width"},
            },
        )
    assert not model.training, "export switched the model to training mode"


def quantize_q8(src: Path, dst: Path) -> str:
    """Dynamic int8 quantization the way transformers.js' scripts/quantize.py makes model_quantized.onnx:
    IntegerOps, per-tensor, no reduce_range, QUInt8 weights because the graph has Conv
    (onnxruntime-web lacks ConvInteger with int8 weights), MatMul only with constant B."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing": transformers.js does not pre-process either
    try:
        quantize_dynamic(
            src,
            dst,
            per_channel=False,
            reduce_range=False,
            weight_type=QuantType.QUInt8,
            extra_options={"EnableSubgraph": True, "MatMulConstBOnly": True},
        )
    finally:
        root.setLevel(level)
    return "QUInt8"


def convert_fp16(src: Path, dst: Path) -> None:
    """float16 weights and compute, float32 graph inputs/outputs (keep_io_types=True, as transformers.js)."""
    import onnx
    from onnxruntime.transformers.float16 import DEFAULT_OP_BLOCK_LIST, convert_float_to_float16

    model = onnx.load(str(src))
    fp16 = convert_float_to_float16(
        model,
        keep_io_types=True,
        op_block_list=list(DEFAULT_OP_BLOCK_LIST) + FP16_EXTRA_BLOCKED_OPS,
    )
    _toposort(fp16.graph)  # keep_io_types appends its input Casts at the end; the ONNX checker wants order
    onnx.save(fp16, str(dst))


def _toposort(graph) -> None:
    """Stable topological sort of a graph's nodes (no subgraphs in SegFormer)."""
    available = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    pending = list(graph.node)
    ordered = []
    while pending:
        rest = []
        for node in pending:
            if all(name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):
            raise ValueError(f"graph has a cycle or a missing input near {rest[0].name}")
        pending = rest
    nodes = [type(n)() for n in ordered]
    for dst, src in zip(nodes, ordered):
        dst.CopyFrom(src)
    del graph.node[:]
    graph.node.extend(nodes)


def ort_session(path: Path, threads: int = 2):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def save_hf_layout(
    model, processor, out: Path, variants: tuple[str, ...], size: int, save_weights: bool
) -> dict[str, Path]:
    """config.json, preprocessor_config.json, [model.safetensors], onnx/model.onnx and variants."""
    out.mkdir(parents=True, exist_ok=True)
    model.config.architectures = [type(model).__name__]
    if save_weights:
        model.save_pretrained(out)
    else:
        model.config.save_pretrained(out)
    processor.save_pretrained(out)
    files = {"fp32": out / "onnx" / "model.onnx"}
    export_onnx(model, files["fp32"], size)
    if "q8" in variants:
        files["q8"] = out / "onnx" / "model_quantized.onnx"
        quantize_q8(files["fp32"], files["q8"])
    if "fp16" in variants:
        files["fp16"] = out / "onnx" / "model_fp16.onnx"
        convert_fp16(files["fp32"], files["fp16"])
    return files
