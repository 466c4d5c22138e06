"""Export a trained checkpoint to the folder faceparse loads, check it, and write its model card.

    python -m faceparse_train.export --checkpoint runs/mini-b0/final.pt --out ../models/face-parsing-mini \
        --variants q8,fp16 --keep fp16,q8

Writes config.json, preprocessor_config.json, model.safetensors, onnx/model.onnx (opset 17, dynamic
batch and size), onnx/model_fp16.onnx, onnx/model_quantized.onnx, then:
- parity: ONNX fp32 logits against PyTorch's on validation images (max relative difference);
- metrics of every variant on the validation split through the reference inference pipeline
  (Pillow resize, model, bilinear upsampling to the mask size, arg-max): pixel accuracy, mIoU,
  mean F1 over the non-background classes, per-class F1;
- speed of every variant (onnxruntime, 2 threads, 512x512);
- README.md, the model card, and metrics.json.
`--flip` also measures the kept variants with flip test-time augmentation (`faceparse parse --flip`).
`--keep` lists the variants whose files stay (the others are deleted after they were measured),
e.g. to commit only the small ones.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from transformers import SegformerConfig, SegformerForSemanticSegmentation
from transformers.models.segformer.image_processing_pil_segformer import SegformerImageProcessorPil

from .augment import AugmentConfig
from .data import default_data_root, discover
from .hf_export import convert_fp16, export_onnx, ort_session, quantize_q8
from .labels import flip_lookup
from .metrics import ConfusionMatrix
from .train import parse_args as train_parse_args

VARIANT_FILES = {"fp32": "onnx/model.onnx", "q8": "onnx/model_quantized.onnx", "fp16": "onnx/model_fp16.onnx"}


def checkpoint_weights(state: dict) -> dict[str, torch.Tensor]:
    """The weights a training checkpoint stands for: its EMA weights where it has them."""
    return state.get("ema") or state["model"]


def load_checkpoint(path: Path) -> tuple[SegformerForSemanticSegmentation, dict]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    config = SegformerConfig.from_dict(state["config"])
    model = SegformerForSemanticSegmentation(config)
    model.load_state_dict(checkpoint_weights(state))
    model.eval()
    return model, state


def evaluate_onnx(path: Path, samples, processor, labels, threads: int, flip: bool = False) -> tuple[dict, float]:
    """Metrics and median model time per image; with `flip`, of flip test-time augmentation
    (`faceparse parse --flip`): the mirror image's logits, mirrored back with left/right classes
    swapped, averaged with the photo's."""
    session = ort_session(path, threads)
    swap = flip_lookup(labels)
    cm = ConfusionMatrix(len(labels))
    seconds = []
    for sample in samples:
        image = Image.open(sample.image_path).convert("RGB")
        mask = sample.mask.load(image.size)
        pixel_values = processor(images=image, return_tensors="np")["pixel_values"].astype(np.float32)
        t = time.perf_counter()
        (logits,) = session.run(["logits"], {"pixel_values": pixel_values})
        if flip:
            (mirrored,) = session.run(["logits"], {"pixel_values": np.ascontiguousarray(pixel_values[..., ::-1])})
            logits = (logits + mirrored[..., ::-1][:, swap]) / 2
        seconds.append(time.perf_counter() - t)
        up = F.interpolate(torch.from_numpy(logits), size=mask.shape, mode="bilinear", align_corners=False)
        cm.update(up.argmax(1)[0].numpy(), mask)
    return cm.summary(labels), float(np.median(seconds))


def torch_parity(model, onnx_path: Path, samples, processor, count: int = 5) -> float:
    session = ort_session(onnx_path, 2)
    worst = 0.0
    for sample in samples[:count]:
        image = Image.open(sample.image_path).convert("RGB")
        pixel_values = processor(images=image, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            reference = model(pixel_values=pixel_values).logits.numpy()
        (ours,) = session.run(["logits"], {"pixel_values": pixel_values.numpy()})
        worst = max(worst, float(np.abs(ours - reference).max() / max(1.0, np.abs(reference).max())))
    return worst


def count_train(data: str, state: dict) -> int:
    try:
        return len(discover(state.get("args", {}).get("data", data), state.get("args", {}).get("train_split", "train")))
    except (OSError, ValueError):
        return 0


def recorded_args(train_args: dict) -> dict:
    """A run's recorded arguments, with `train`'s defaults where one is missing (runs older than the option)."""
    return {**vars(train_parse_args(["--out", "-"])), **{k: v for k, v in train_args.items() if v is not None}}


def loss_description(train_args: dict) -> str:
    """The training loss in words, from a run's recorded arguments."""
    a = recorded_args(train_args)
    ce = "cross-entropy"
    if a["class_weights"] != "none":
        ce += f" with class weights `{a['class_weights']}`"
    if 0 < a["ohem"] < 1:
        ce += f" over the hardest {a['ohem']:.0%} of pixels (OHEM)"
    aux, weight = a["aux_loss"], float(a["aux_weight"])
    if aux == "none" or weight == 0:
        return ce
    name = {"dice": "soft Dice", "lovasz": "Lovasz-softmax (at the logits' 1/4 resolution)"}.get(aux, aux)
    return f"{ce} + {weight:g} x {name}"


def augmentation_description(train_args: dict) -> str:
    """The augmentation in words, from a run's recorded arguments."""
    a = recorded_args(train_args)
    hue = a["hue"]
    colour = "colour jitter"
    if hue:
        colour += f" (hue up to +-{hue * 360:g} degrees)"
    parts = ["random scale, rotation and crop (one affine warp)", "horizontal flip that swaps every left/right class"]
    if a["bg_mix"]:
        parts.append(
            f"background mix (p {a['bg_mix']:g}: the background more than {a['bg_margin']}-{3 * a['bg_margin']} px from the rest taken from "
            "another photo of the batch)"
        )
    if a.get("cloth_recolour"):
        parts.append(f"clothes recoloured (p {a['cloth_recolour']:g}: another hue and lightness, the texture kept)")
    parts += [colour, "greyscale", "blur"]
    if a["scenes"]:
        regions = " and face-free regions of photos" if a["photo_regions"] else ""
        parts.append(
            f"wild composites (p {a['scenes']:g}: the person zoomed out to {a['zoom_min']:g}-{a['zoom_max']:g} of the frame onto "
            f"face-free pictures{regions} or made gradients, by its mask or as the whole crop, rotated up to +-{a['scene_rotate']:g} degrees, "
            "anywhere in the frame and cut by it, sometimes beside another person"
            + (
                f"; in {a['torso']:g} of them the person goes on below the crop, its clothes and hair continued"
                if a.get("torso")
                else ""
            )
            + ")"
        )
    if a["degrade"]:
        parts.append(
            f"degradations (odds x{a['degrade']:g}: colour casts, low light, small-face resampling"
            + (
                f" at base odds {a['small_face']:g}"
                if a.get("small_face", AugmentConfig.small_face) != AugmentConfig.small_face
                else ""
            )
            + ", noise, JPEG)"
        )
    if a["sizes"]:
        lo, hi = a["sizes"].split(",")
        parts.append(f"input side per batch {lo}-{hi} px (half the batches at {hi})")
    return ", ".join(parts)


def natural_key(name: str) -> list:
    """Sort key that orders numbers inside names by value: stage2.csv before stage11.csv."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def model_card(
    out: Path,
    config,
    metrics: dict,
    state: dict,
    args,
    parity: float,
    sizes: dict,
    kept: list[str],
    n_val: int,
    n_train: int,
) -> str:
    train_args = state.get("args", {})
    params = sum(p.numel() for p in SegformerForSemanticSegmentation(config).parameters())
    lines = [
        f"# {args.name or out.name}",
        "",
        "A SegFormer face parser: it labels every pixel of a face photo with one of "
        f"{config.num_labels} CelebAMask-HQ classes ({', '.join(config.id2label[i] for i in range(config.num_labels))}).",
        "Trained by faceparse's training pipeline (`training/`), its first stage from random initialisation; no pretrained weights were available.",
        "",
        "**Licence: non-commercial research and education only.** It was trained on CelebAMask-HQ images and masks, whose licence "
        "allows non-commercial research and education use only; the model inherits that restriction.",
        "",
        "## Architecture",
        f"- SegFormer (Mix Transformer encoder, all-MLP decoder): hidden sizes {config.hidden_sizes}, depths {config.depths}, "
        f"heads {config.num_attention_heads}, sequence-reduction ratios {config.sr_ratios}, decoder {config.decoder_hidden_size} channels; "
        f"{params / 1e6:.2f} M parameters.",
        f"- Input {args.size}x{args.size} RGB (Pillow bilinear resize, rescale 1/255, ImageNet mean/std); logits at 1/4 of the input, "
        "upsampled bilinearly to the photo and arg-maxed.",
        "",
        "## Data",
        f"- Train: the `{train_args.get('train_split', 'train')}` split of `{Path(str(train_args.get('data', 'celebamask-mini'))).name}` "
        f"({n_train} images, CelebAMask-HQ faces). Validation: its `{train_args.get('val_split', 'val')}` split ({n_val} other images), never trained on.",
        "",
        "## Training recipe",
        "```",
        json.dumps(
            {
                k: train_args.get(k)
                for k in (
                    "arch",
                    "size",
                    "crop",
                    "scale_min",
                    "scale_max",
                    "rotate",
                    "batch",
                    "lr",
                    "weight_decay",
                    "warmup_steps",
                    "poly_power",
                    "max_steps",
                    "epochs",
                    "budget_minutes",
                    "hue",
                    "aux_loss",
                    "aux_weight",
                    "ohem",
                    "class_weights",
                    "ema",
                    "drop_path",
                    "precision",
                    "seed",
                    "init_from",
                    "bg_mix",
                    "scenes",
                    "zoom_min",
                    "zoom_max",
                    "scene_rotate",
                    "torso",
                    "degrade",
                    "small_face",
                    "sizes",
                    "rare_repeat",
                    "cloth_recolour",
                )
                if k in train_args
            },
            indent=1,
        ),
        "```",
        f"- {state.get('step')} steps ({state.get('epoch')} epochs) in {state.get('train_seconds', 0) / 3600:.2f} h of training on "
        f"{train_args.get('device', 'cpu')}, {train_args.get('precision', 'fp32')} ({train_args.get('threads') or 'all'} threads)"
        + (f", starting from `{Path(str(train_args['init_from'])).name}`." if train_args.get("init_from") else "."),
        f"- Augmentation: {augmentation_description(train_args)}. Loss: {loss_description(train_args)}. "
        "AdamW, linear warm-up then poly decay; EMA weights exported.",
    ]
    calibration = state.get("calibration")
    if calibration:
        offsets = ", ".join(f"{k} {v:+g}" for k, v in calibration["offsets"].items() if v)
        lines.append(
            f"- Per-class logit offsets fitted on the {calibration['images']} `{calibration['split']}` images (`faceparse_train.calibrate`, "
            f"mean F1 there {calibration['train_mean_f1']:.4f}) and folded into the classifier bias: {offsets}."
        )
    logs = sorted((out / "training_logs").glob("*.csv"), key=lambda p: natural_key(p.name))
    if (out / "learning_curve.png").exists():
        lines += [
            "",
            "Learning curves: `learning_curve.png`"
            + (("; per-epoch logs: " + ", ".join(f"`training_logs/{p.name}`" for p in logs)) if logs else "")
            + ".",
        ]
    lines += [
        "",
        f"## Validation metrics ({n_val} val images, reference pipeline)",
        "Mean F1 is over the 18 non-background classes from one confusion matrix accumulated over the set.",
        "",
        f"| variant | file | size | pixel accuracy | mIoU | mean F1 | {args.size}x{args.size} inference (onnxruntime, {args.threads} threads) |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant, m in metrics.items():
        base = variant.removesuffix("+flip")
        shipped = "" if base in kept else " (not shipped)"
        name = f"{base}{shipped} + flip (`--flip`)" if variant.endswith("+flip") else f"{variant}{shipped}"
        lines.append(
            f"| {name} | `{VARIANT_FILES[base]}` | {sizes[base] / 1e6:.1f} MB | {m['pixelAccuracy']:.4f} | {m['meanIoU']:.4f} | "
            f"{m['meanF1']:.4f} | {m['seconds'] * 1000:.0f} ms |"
        )
    metrics = {k: v for k, v in metrics.items() if not k.endswith("+flip")}
    first = next(iter(metrics.values()))
    lines += [
        "",
        "Per-class F1 (" + ", ".join(metrics) + "):",
        "",
        "| class | " + " | ".join(metrics) + " |",
        "|---|" + "---|" * len(metrics),
    ]
    for label in first["perClass"]:
        cells = []
        for m in metrics.values():
            f1 = m["perClass"][label]["f1"]
            cells.append("absent" if f1 is None else f"{f1:.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", f"ONNX fp32 against PyTorch on 5 validation images: max |difference| / max |logit| = {parity:.2e}."]
    if getattr(args, "card_extra", None):
        lines += ["", Path(args.card_extra).read_text().strip()]
    lines += [
        "",
        "## Use",
        "```sh",
        "npx faceparse parse photo.jpg            # this model is faceparse's default",
        "```",
        "Reproduce: see training/README.md.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="final.pt or last.pt of a training run")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=None, help="inference size (default: the run's --size)")
    p.add_argument("--variants", default="q8,fp16", help="extra variants besides fp32")
    p.add_argument("--keep", default="fp32,q8,fp16", help="variant files left in the folder")
    p.add_argument("--data", default=default_data_root())
    p.add_argument("--val-split", default="val")
    p.add_argument("--val-limit", type=int, default=None, help="measure on the first N validation images only")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-weights", action="store_true", help="do not write model.safetensors")
    p.add_argument(
        "--flip", action="store_true", help="also measure the kept variants with flip test-time augmentation"
    )
    p.add_argument("--name", default=None, help="the model card's title (default: the --out folder's name)")
    p.add_argument("--note", default=None, help="a line for the model card, e.g. that this is an interim checkpoint")
    p.add_argument(
        "--card-extra",
        default=None,
        help="a Markdown file whose text the model card carries before its Use section (e.g. figures on other views)",
    )
    args = p.parse_args(argv)

    model, state = load_checkpoint(Path(args.checkpoint))
    args.size = args.size or state.get("size") or state.get("args", {}).get("size", 512)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.config.architectures = ["SegformerForSemanticSegmentation"]
    if args.no_weights:
        model.config.save_pretrained(out)
    else:
        model.save_pretrained(out)
    processor = SegformerImageProcessorPil(size={"height": args.size, "width": args.size})
    processor.save_pretrained(out)

    files = {"fp32": out / VARIANT_FILES["fp32"]}
    export_onnx(model, files["fp32"], args.size)
    variants = [v for v in args.variants.split(",") if v]
    if "q8" in variants:
        files["q8"] = out / VARIANT_FILES["q8"]
        quantize_q8(files["fp32"], files["q8"])
    if "fp16" in variants:
        files["fp16"] = out / VARIANT_FILES["fp16"]
        convert_fp16(files["fp32"], files["fp16"])

    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    samples = discover(args.data, args.val_split)[: args.val_limit]
    parity = torch_parity(model, files["fp32"], samples, processor)
    print(f"parity: ONNX fp32 vs PyTorch max relative logit difference {parity:.2e}", flush=True)
    metrics, sizes = {}, {}
    for variant, path in files.items():
        summary, seconds = evaluate_onnx(path, samples, processor, labels, args.threads)
        metrics[variant] = {**summary, "seconds": seconds}
        sizes[variant] = path.stat().st_size
        print(
            f"{variant}: pixel accuracy {summary['pixelAccuracy']:.4f} mIoU {summary['meanIoU']:.4f} mean F1 {summary['meanF1']:.4f} "
            f"({seconds * 1000:.0f} ms per {args.size}x{args.size} image)",
            flush=True,
        )
    kept = [v for v in args.keep.split(",") if v]
    for variant in [v for v in files if args.flip and v in kept]:
        summary, seconds = evaluate_onnx(files[variant], samples, processor, labels, args.threads, flip=True)
        metrics[f"{variant}+flip"] = {**summary, "seconds": seconds}
        print(
            f"{variant} + flip: pixel accuracy {summary['pixelAccuracy']:.4f} mIoU {summary['meanIoU']:.4f} mean F1 {summary['meanF1']:.4f} "
            f"({seconds * 1000:.0f} ms per image, two runs)",
            flush=True,
        )
    (out / "metrics.json").write_text(
        json.dumps({"parity_max_rel": parity, "variants": metrics, "sizes": sizes, "kept": kept}, indent=1) + "\n"
    )
    card = model_card(
        out, model.config, metrics, state, args, parity, sizes, kept, len(samples), count_train(args.data, state)
    )
    if args.note:
        title, rest = card.split("\n", 1)
        card = f"{title}\n\n> {args.note}\n{rest}"
    (out / "README.md").write_text(card)
    for variant, path in files.items():
        if variant not in kept:
            path.unlink()
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
