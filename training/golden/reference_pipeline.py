"""The Python reference pipeline that faceparse must reproduce, and the model builders around it.

Shared by make_golden.py, make_random_models.py, reference_labels.py and training/tests/test_golden.py.

Reference pipeline (what `transformers` does for a SegFormer semantic-segmentation model):

    img = load_image(path)                        # PIL.Image.open -> ImageOps.exif_transpose -> .convert("RGB")
    pixel_values = processor(images=img, return_tensors="pt").pixel_values
    logits = model(pixel_values).logits           # (1, C, H/4, W/4)
    up = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
    labels = up.argmax(dim=1)                     # first maximum wins on exact ties
"""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from transformers import SegformerConfig, SegformerForSemanticSegmentation
from transformers.image_utils import load_image
from transformers.models.segformer.image_processing_pil_segformer import SegformerImageProcessorPil

import sys as _sys

_sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faceparse_train.hf_export import (  # noqa: E402, F401  (shared with training/faceparse_train/export.py; re-exported as rp.*)
    FP16_EXTRA_BLOCKED_OPS,
    convert_fp16,
    export_onnx,
    ort_session,
    quantize_q8,
    save_hf_layout,
)

CELEBAMASK_HQ_LABELS = [
    "background",
    "skin",
    "nose",
    "eye_g",
    "l_eye",
    "r_eye",
    "l_brow",
    "r_brow",
    "l_ear",
    "r_ear",
    "mouth",
    "u_lip",
    "l_lip",
    "hair",
    "hat",
    "ear_r",
    "neck_l",
    "neck",
    "cloth",
]

# Encoder/decoder shapes. b0 and b5 are the published MiT-b0 / MiT-b5 SegFormer architectures
# (nvidia/mit-b0, nvidia/mit-b5; jonathandinu/face-parsing is a b5). "tiny" is for committed fixtures:
# the same graph (4 stages, sequence reduction, Mix-FFN, all-MLP head) with few parameters.
ARCHITECTURES: dict[str, dict] = {
    "tiny": dict(
        hidden_sizes=[8, 16, 32, 48],
        depths=[1, 1, 1, 1],
        num_attention_heads=[1, 1, 2, 2],
        sr_ratios=[8, 4, 2, 1],
        mlp_ratios=[4, 4, 4, 4],
        decoder_hidden_size=32,
    ),
    "b0": dict(
        hidden_sizes=[32, 64, 160, 256],
        depths=[2, 2, 2, 2],
        num_attention_heads=[1, 2, 5, 8],
        sr_ratios=[8, 4, 2, 1],
        mlp_ratios=[4, 4, 4, 4],
        decoder_hidden_size=256,
    ),
    "b5": dict(
        hidden_sizes=[64, 128, 320, 512],
        depths=[3, 6, 40, 3],
        num_attention_heads=[1, 2, 5, 8],
        sr_ratios=[8, 4, 2, 1],
        mlp_ratios=[4, 4, 4, 4],
        decoder_hidden_size=768,
    ),
}

# Random init gives near-uniform logits (std ~0.002) whose argmax is noise. The decode head is rescaled
# so that labels have many classes and spatially coherent regions: the coarser stages (smoother features)
# get larger gains, then the classifier is scaled to a fixed logit spread.
STAGE_GAINS = (1.0, 2.0, 4.0, 8.0)
LOGIT_STD = 4.0


# --------------------------------------------------------------------------------------------------
# Reference pipeline
# --------------------------------------------------------------------------------------------------


def make_processor(size: int) -> SegformerImageProcessorPil:
    """SegFormer preprocessor with transformers' defaults, resized to size x size."""
    return SegformerImageProcessorPil(size={"height": size, "width": size})


def load_reference_image(path: str | os.PathLike) -> Image.Image:
    """transformers.image_utils.load_image: open, apply EXIF orientation, convert('RGB') (alpha dropped)."""
    return load_image(str(path))


@torch.no_grad()
def preprocess(processor: SegformerImageProcessorPil, image: Image.Image) -> torch.Tensor:
    return processor(images=image, return_tensors="pt")["pixel_values"]


@torch.no_grad()
def model_logits(model: SegformerForSemanticSegmentation, pixel_values: torch.Tensor) -> torch.Tensor:
    return model(pixel_values=pixel_values).logits


def mirror_classes(labels: list[str]) -> list[int]:
    """swap[c] = the class c becomes in a mirror image: l_x <-> r_x (neck_l and ear_r have no side)."""
    swap = list(range(len(labels)))
    for i, name in enumerate(labels):
        if name.startswith("l_") and "r_" + name[2:] in labels:
            j = labels.index("r_" + name[2:])
            swap[i], swap[j] = j, i
    return swap


@torch.no_grad()
def flip_logits(model: SegformerForSemanticSegmentation, pixel_values: torch.Tensor, labels: list[str]) -> torch.Tensor:
    """Flip test-time augmentation: the logits of the image and of its mirror (mirrored back,
    left/right classes swapped), averaged."""
    mirrored = model(pixel_values=pixel_values.flip(-1)).logits.flip(-1)[:, mirror_classes(labels)]
    return (model(pixel_values=pixel_values).logits + mirrored) / 2


def scaled_input_size(size: int, scale: float) -> int:
    """The model input side for one scale of multi-scale test-time augmentation: size * scale rounded to the
    nearest pixel (halves up), at least 32. faceparse's scaledInputSize does the same."""
    return max(32, math.floor(size * scale + 0.5))


@torch.no_grad()
def multiscale_logits(
    model: SegformerForSemanticSegmentation,
    image: Image.Image,
    size: tuple[int, int],
    scales: list[float],
    labels: list[str],
    flip: bool = False,
) -> torch.Tensor:
    """Multi-scale test-time augmentation (faceparse's parse({ scales })): the photo is preprocessed at each
    scale of the model input size (height, width), run (and flip-merged, with `flip`), the logits are
    resized (bilinear, align_corners=False) to the grid of the scale-1 logits, and all are averaged."""
    parts = {}
    for scale in scales:
        h, w = scaled_input_size(size[0], scale), scaled_input_size(size[1], scale)
        pixel_values = SegformerImageProcessorPil(size={"height": h, "width": w})(images=image, return_tensors="pt")[
            "pixel_values"
        ]
        parts[scale] = flip_logits(model, pixel_values, labels) if flip else model_logits(model, pixel_values)
    grid = parts[1].shape[-2:]
    resized = [
        p if p.shape[-2:] == grid else F.interpolate(p, size=grid, mode="bilinear", align_corners=False)
        for p in parts.values()
    ]
    return torch.stack(resized).mean(0)


@torch.no_grad()
def upsample_argmax(logits: torch.Tensor, height: int, width: int) -> np.ndarray:
    """torch bilinear (align_corners=False) resize of (1, C, h, w) logits to (height, width), then argmax."""
    up = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
    return up.argmax(dim=1)[0].numpy().astype(np.uint8)


@torch.no_grad()
def count_exact_ties(logits: torch.Tensor, height: int, width: int) -> int:
    """Pixels whose two largest upsampled logits are exactly equal in float32 (argmax is then order-dependent)."""
    up = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
    top2 = up.topk(2, dim=1).values
    return int((top2[:, 0] == top2[:, 1]).sum())


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------


def make_config(arch: str) -> SegformerConfig:
    return SegformerConfig(
        **ARCHITECTURES[arch],
        num_labels=len(CELEBAMASK_HQ_LABELS),
        id2label={i: name for i, name in enumerate(CELEBAMASK_HQ_LABELS)},
        label2id={name: i for i, name in enumerate(CELEBAMASK_HQ_LABELS)},
    )


@torch.no_grad()
def structure_decode_head(model: SegformerForSemanticSegmentation, calib: torch.Tensor) -> dict:
    """Rescale the random decode head so that argmax labels are structured (see STAGE_GAINS, LOGIT_STD).

    Deterministic given the model and the calibration input. Returns the factors applied.
    """
    head = model.decode_head
    captured: list[torch.Tensor] = []
    hooks = [proj.register_forward_hook(lambda _m, _i, out: captured.append(out)) for proj in head.linear_projections]
    model(pixel_values=calib)
    for h in hooks:
        h.remove()
    factors = {}
    for i, (proj, out) in enumerate(zip(head.linear_projections, captured)):
        f = STAGE_GAINS[i] / float(out.std())
        proj.proj.weight.mul_(f)
        proj.proj.bias.mul_(f)
        factors[f"linear_projections.{i}"] = f
    std = float(model(pixel_values=calib).logits.std())
    f = LOGIT_STD / std
    head.classifier.weight.mul_(f)
    head.classifier.bias.mul_(f)
    factors["classifier"] = f
    return factors


def build_random_model(arch: str, seed: int, calib: torch.Tensor) -> tuple[SegformerForSemanticSegmentation, dict]:
    torch.manual_seed(seed)
    model = SegformerForSemanticSegmentation(make_config(arch)).eval()
    factors = structure_decode_head(model, calib)
    return model, factors


def minify_names(path: Path) -> None:
    """Drop node names and rename intermediate tensors t0, t1, ... (graph inputs, outputs and weight names kept).

    The exporter's path-like names ("/model/segformer/stages.0/.../Reshape_output_0") are ~30% of a tiny
    model's file; the committed fixtures are minified to fit the repository's size budget. Numerics are
    untouched (the golden checks run on the minified files).
    """
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output} | {t.name for t in graph.initializer}
    renamed: dict[str, str] = {}
    for node in graph.node:
        for name in node.output:
            if name and name not in keep:
                renamed.setdefault(name, f"t{len(renamed)}")
    for node in graph.node:
        node.name = ""
        node.input[:] = [renamed.get(n, n) for n in node.input]
        node.output[:] = [renamed.get(n, n) for n in node.output]
    for info in graph.value_info:
        info.name = renamed.get(info.name, info.name)
    onnx.save(model, str(path))


# --------------------------------------------------------------------------------------------------
# Synthetic images (drawn, never photos)
# --------------------------------------------------------------------------------------------------


def synthetic_rgb(width: int, height: int, seed: int, noise: float = 1.0, shapes: int = 6) -> np.ndarray:
    """Smooth colour gradients + sinusoids, flat-coloured shapes with hard edges, light Gaussian noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    chans = []
    for _ in range(3):
        a, b, f1, f2, p = rng.uniform(-1, 1, 5)
        chans.append(128 + 60 * (a * u + b * v) + 40 * np.sin(2 * np.pi * 1.5 * (f1 * u + f2 * v) + 3 * p))
    img = Image.fromarray(np.clip(np.stack(chans, -1), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(shapes):
        x0, x1 = sorted(rng.uniform(-0.1, 1.1, 2) * width)
        y0, y1 = sorted(rng.uniform(-0.1, 1.1, 2) * height)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.polygon([tuple(p) for p in rng.uniform(0, 1, (3, 2)) * [width, height]], fill=colour)
    arr = np.asarray(img).astype(np.float64) + rng.normal(0.0, noise, (height, width, 3))
    return np.clip(np.round(arr), 0, 255).astype(np.uint8)


def calibration_input(size: int, seed: int = 12345) -> torch.Tensor:
    processor = make_processor(size)
    return preprocess(processor, Image.fromarray(synthetic_rgb(size, size, seed)))


# --------------------------------------------------------------------------------------------------
# Array files: raw little-endian, C order, gzip (mtime 0 so regeneration is byte-identical)
# --------------------------------------------------------------------------------------------------

DTYPES = {"float32": "<f4", "uint8": "u1"}
SUFFIX = {"float32": ".f32.gz", "uint8": ".u8.gz"}


def write_array(path: Path, array: np.ndarray, dtype: str) -> dict:
    data = np.ascontiguousarray(array, dtype=DTYPES[dtype])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(data.tobytes())
    return {"dtype": dtype, "shape": list(data.shape)}


def read_array(path: Path, dtype: str, shape: list[int]) -> np.ndarray:
    with gzip.open(path, "rb") as gz:
        data = np.frombuffer(gz.read(), dtype=DTYPES[dtype])
    assert data.size == math.prod(shape), f"{path}: {data.size} values, shape {shape}"
    return data.reshape(shape)


def dump_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n")
