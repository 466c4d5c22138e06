"""Recover PyTorch weights from an exported model folder's ONNX file (fp32, fp16 or int8), so training can
continue from a folder that ships without model.safetensors, such as the embedded face-parsing-mini
(it ships only onnx/model_quantized.onnx).

    python -m faceparse_train.from_onnx ../models/face-parsing-mini --out runs/mini-from-q8 \
        --calibrate-data ../../shared/data/celebamask-mini
    python -m faceparse_train.train --init-from runs/mini-from-q8 ...

How: a model of the folder's config.json gets distinct random values in every parameter and is exported
with the same exporter as faceparse_train.export; each ONNX initializer of that export is matched to the
parameter it came from (as is, or transposed for the MatMul of a Linear layer; the decoder's Conv +
BatchNorm, fused by the exporter, to the conv weight and the BatchNorm bias). The folder's ONNX file is
then read through that map; int8 tensors are dequantized ((q - zero_point) * scale), so an int8 source
gives weights within half a quantization step of the originals.

The fused BatchNorm is restored as an identity around the fused conv. With --calibrate-data it instead
gets running statistics measured on training images (weight and bias chosen so that evaluation output
is unchanged), so that training-mode batch statistics start close to what the model expects.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from transformers import SegformerConfig, SegformerForSemanticSegmentation

from .allocator import reexec_with_jemalloc
from .hf_export import export_onnx

ONNX_FILES = {"fp32": "onnx/model.onnx", "fp16": "onnx/model_fp16.onnx", "q8": "onnx/model_quantized.onnx"}


def _tagged_model(config: SegformerConfig) -> SegformerForSemanticSegmentation:
    """The architecture with a distinct random value in every parameter (BatchNorm scale left at 1)."""
    model = SegformerForSemanticSegmentation(config).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if _is_batch_norm(model, name) and name.endswith(".weight"):
                continue
            p.copy_(torch.randn(p.shape, generator=g))
    return model


def _is_batch_norm(model, name: str) -> bool:
    module = model.get_submodule(name.rsplit(".", 1)[0])
    return isinstance(module, torch.nn.modules.batchnorm._BatchNorm)


def _read(path: Path) -> dict[str, np.ndarray]:
    """Initializers by name, also under the names Identity nodes give them: the exporter stores identical
    tensors once (untrained LayerNorms are all ones and zeros) and passes the copies on through Identity nodes."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:  # in graph order, so a chain of Identity nodes resolves
        if node.op_type == "Identity" and node.input[0] in inits:
            inits.setdefault(node.output[0], inits[node.input[0]])
    return inits


def initializer_map(config: SegformerConfig) -> dict[str, tuple[str, bool]]:
    """ONNX initializer name -> (parameter name, stored transposed) for models exported by hf_export."""
    model = _tagged_model(config)
    params = {name: p.detach().numpy() for name, p in model.named_parameters()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        export_onnx(model, path, 64)
        inits = _read(path)
    by_size: dict[int, list[str]] = {}
    for name, value in params.items():
        by_size.setdefault(value.size, []).append(name)
    mapping: dict[str, tuple[str, bool]] = {}
    for init_name, value in inits.items():
        if value.dtype != np.float32 or value.size < 2:
            continue
        for pname in by_size.get(value.size, []):
            p = params[pname]
            if value.shape == p.shape and np.allclose(value, p, rtol=1e-4, atol=0):
                mapping[init_name] = (pname, False)
                break
            if p.ndim == 2 and value.shape == p.T.shape and np.allclose(value, p.T, rtol=1e-4, atol=0):
                mapping[init_name] = (pname, True)
                break
    found = {entry[0] for entry in mapping.values()}
    missing = [n for n in params if n not in found and not (_is_batch_norm(model, n) and n.endswith(".weight"))]
    if missing:
        raise RuntimeError(f"the exporter folded {len(missing)} parameters beyond recognition, e.g. {missing[:3]}")
    return mapping


def _dequantize(inits: dict[str, np.ndarray], name: str) -> np.ndarray | None:
    if name in inits:
        return inits[name].astype(np.float32)
    q = inits.get(f"{name}_quantized")
    if q is None:
        return None
    scale = inits[f"{name}_scale"].astype(np.float32)
    zero = inits[f"{name}_zero_point"].astype(np.float32)
    if scale.size > 1:
        raise ValueError(
            f"{name} is quantized per channel; only per-tensor int8 (faceparse_train.export's) is read: use --variant fp32 or fp16"
        )
    return (q.astype(np.float32) - zero) * scale


def load_from_onnx(folder: str | Path, variant: str = "auto") -> tuple[SegformerForSemanticSegmentation, dict]:
    """The PyTorch model stored in `folder`'s ONNX file; returns (model in eval mode, report)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} has no config.json: pass a model folder in the Hugging Face layout")
    if variant == "auto":
        variant = next((v for v in ("fp32", "fp16", "q8") if (folder / ONNX_FILES[v]).is_file()), None)
        if variant is None:
            raise FileNotFoundError(f"{folder} has none of {', '.join(ONNX_FILES.values())}")
    path = folder / ONNX_FILES[variant]
    if not path.is_file():
        raise FileNotFoundError(f"{folder} has no {ONNX_FILES[variant]}; pick another --variant")
    config = SegformerConfig.from_pretrained(folder)
    mapping = initializer_map(config)
    inits = _read(path)
    model = SegformerForSemanticSegmentation(config).eval()
    state = model.state_dict()
    absent, quantized = [], 0
    for init_name, (pname, transposed) in mapping.items():
        value = _dequantize(inits, init_name)
        if value is None:
            absent.append(init_name)
            continue
        quantized += f"{init_name}_quantized" in inits
        tensor = torch.from_numpy(np.ascontiguousarray(value.T if transposed else value))
        if tuple(tensor.shape) != tuple(state[pname].shape):
            raise ValueError(
                f"{path} does not match its config.json: {init_name} has shape {tuple(tensor.shape)}, "
                f"{pname} needs {tuple(state[pname].shape)}"
            )
        state[pname] = tensor
    if absent:
        raise ValueError(
            f"{path} does not match its config.json ({len(absent)} tensors missing, e.g. {absent[:3]}); "
            "it must be exported by faceparse_train.export (torch's TorchScript exporter, opset 17) from this config"
        )
    # The exporter fused the decoder's BatchNorm into the conv before it: restore it as an identity.
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            state[f"{name}.weight"] = torch.ones_like(state[f"{name}.weight"])
            state[f"{name}.running_mean"] = torch.zeros_like(state[f"{name}.running_mean"])
            state[f"{name}.running_var"] = torch.full_like(state[f"{name}.running_var"], 1.0 - module.eps)
    model.load_state_dict(state)
    return model, {"source": str(path), "variant": variant, "tensors": len(mapping), "dequantized": quantized}


@torch.no_grad()
def calibrate_batch_norm(model: SegformerForSemanticSegmentation, batches) -> int:
    """Give every BatchNorm the running statistics of its input over `batches` (normalised pixel tensors),
    with weight sqrt(var + eps) and bias + mean, so that evaluation output does not change. Returns the
    number of images seen."""
    norms = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    sums: dict[str, list] = {n: [0.0, 0.0, 0] for n in norms}

    def hook(name):
        def record(_module, inputs):
            x = inputs[0].double()
            dims = [d for d in range(x.ndim) if d != 1]
            acc = sums[name]
            acc[0] = acc[0] + x.sum(dims)
            acc[1] = acc[1] + (x * x).sum(dims)
            acc[2] += x.numel() // x.shape[1]

        return record

    handles = [m.register_forward_pre_hook(hook(n)) for n, m in norms.items()]
    model.eval()
    seen = 0
    try:
        for x in batches:
            model(pixel_values=x)
            seen += x.shape[0]
    finally:
        for h in handles:
            h.remove()
    for name, m in norms.items():
        total, squares, count = sums[name]
        if count == 0:
            continue
        mean = total / count
        var = (squares / count - mean * mean).clamp_min(0)
        # Eval output before: weight * (x - rm) / sqrt(rv + eps) + bias; keep it for the new rm, rv.
        old_scale = m.weight.double() / torch.sqrt(m.running_var.double() + m.eps)
        old_shift = m.bias.double() - m.running_mean.double() * old_scale
        new_weight = old_scale * torch.sqrt(var + m.eps)
        m.running_mean.copy_(mean.float())
        m.running_var.copy_(var.float())
        m.weight.copy_(new_weight.float())
        m.bias.copy_((old_shift + mean * old_scale).float())
    return seen


def _calibration_batches(data: str, split: str, count: int, size: int, batch: int = 8):
    from .augment import prepare_eval
    from .data import discover, load_in_memory

    samples = discover(data, split)[:count]
    if not samples:
        raise ValueError(f"{data}: no {split} images to calibrate on")
    images = load_in_memory(samples, size, 256).images  # only the images are used: any class id is accepted
    for start in range(0, len(images), batch):
        yield prepare_eval(images[start : start + batch])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("folder", help="a model folder with config.json and onnx/*.onnx (e.g. ../models/face-parsing-mini)")
    p.add_argument(
        "--out",
        required=True,
        help="folder to write the Hugging Face layout to (config.json, model.safetensors, preprocessor_config.json)",
    )
    p.add_argument(
        "--variant",
        default="auto",
        choices=["auto", *ONNX_FILES],
        help="which ONNX file to read (auto: the most precise present)",
    )
    p.add_argument(
        "--calibrate-data", default=None, help="dataset root whose training images measure BatchNorm statistics"
    )
    p.add_argument("--calibrate-split", default="train")
    p.add_argument("--calibrate-images", type=int, default=64)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, report = load_from_onnx(args.folder, args.variant)
    print(f"read {report['tensors']} tensors from {report['source']} ({report['dequantized']} dequantized from int8)")
    parity = _parity(model, Path(report["source"]), args.size)
    print(
        f"logits of the recovered model vs the ONNX file on a random {args.size}x{args.size} input: max |diff| {parity[0]:.3g} (logit range {parity[1]:.3g})"
    )
    if args.calibrate_data:
        seen = calibrate_batch_norm(
            model, _calibration_batches(args.calibrate_data, args.calibrate_split, args.calibrate_images, args.size)
        )
        print(f"BatchNorm statistics measured on {seen} {args.calibrate_split} images")
    out = Path(args.out)
    model.save_pretrained(out)
    source = Path(args.folder) / "preprocessor_config.json"
    if source.is_file():
        shutil.copyfile(source, out / "preprocessor_config.json")
    print(f"wrote {out} (use it with: python -m faceparse_train.train --init-from {out} ...)")
    return 0


@torch.no_grad()
def _parity(model, onnx_path: Path, size: int) -> tuple[float, float]:
    from .hf_export import ort_session

    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    ours = model(pixel_values=x).logits.numpy()
    theirs = ort_session(onnx_path).run(None, {"pixel_values": x.numpy()})[0]
    return float(np.abs(ours - theirs).max()), float(theirs.max() - theirs.min())


if __name__ == "__main__":
    reexec_with_jemalloc()
    raise SystemExit(main())
