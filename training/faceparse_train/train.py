"""Fine-tune or train a SegFormer face parser.

    python -m faceparse_train.train --data ../../shared/data/celebamask-mini --arch b0 \
        --out runs/b0 --budget-minutes 180

Checkpoints to `<out>/last.pt` every epoch and every `--checkpoint-minutes`; rerunning the same
command resumes from it. The learning rate follows warm-up then poly decay over the run's length,
measured in steps (`--max-steps`/`--epochs`) or in training time (`--budget-minutes`), whichever
ends first, so a wall-clock budget still ends with a fully decayed schedule.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .allocator import reexec_with_jemalloc
from .augment import AugmentConfig, augment_batch, prepare_eval
from .data import default_data_root, discover, load_in_memory
from .labels import background_id, flip_lookup, load_labels
from .losses import segmentation_loss
from .metrics import ConfusionMatrix
from .model import build_model
from .plot import plot_curves
from .sampling import epoch_order, epoch_pool
from .scenes import SceneConfig, load_backgrounds


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--data",
        default=default_data_root(),
        help="dataset root: <root>/<split>/{images,masks} or the CelebAMask-HQ release",
    )
    p.add_argument("--train-split", default="train")
    p.add_argument("--val-split", default="val")
    p.add_argument("--labels", default=None, help="JSON list of class names (default: CelebAMask-HQ's 19)")
    p.add_argument("--arch", default="b0", help="b0..b5 or a JSON file of SegformerConfig fields")
    p.add_argument("--config-override", default=None, help="JSON object of SegformerConfig fields to override")
    p.add_argument("--init-from", default=None, help="start from a model folder in the Hugging Face layout")
    p.add_argument("--size", type=int, default=512, help="inference input size (preprocessor size)")
    p.add_argument("--crop", type=int, default=384, help="training crop size")
    p.add_argument("--scale-min", type=float, default=0.6)
    p.add_argument("--scale-max", type=float, default=1.6)
    p.add_argument("--rotate", type=float, default=15.0)
    p.add_argument(
        "--hue",
        type=float,
        default=0.0,
        help="hue jitter of the whole photo, fraction of a full turn (0.05 = +-18 degrees; 0 = off)",
    )
    p.add_argument(
        "--bg-mix",
        type=float,
        default=0.0,
        help="probability that a photo's far background takes another batch photo's (0 = off)",
    )
    p.add_argument(
        "--bg-margin",
        type=int,
        default=12,
        help="background mix: the least margin (pixels) of the photo's own background kept around the rest; each photo draws one up to 3x this",
    )
    p.add_argument(
        "--cloth-recolour",
        type=float,
        default=0.0,
        help="probability that a photo's clothes get another colour and lightness, texture kept (0 = off)",
    )
    p.add_argument(
        "--scenes",
        type=float,
        default=0.0,
        help="probability that a sample is a wild composite: the person zoomed out onto a background (0 = off; see scenes.py)",
    )
    p.add_argument(
        "--backgrounds",
        nargs="*",
        default=[],
        help="face-free pictures (files or folders) for the composites' backgrounds",
    )
    p.add_argument(
        "--photo-regions",
        default=None,
        help="JSON list of face-free photo regions [[file, x, y, width, height], ...] (e.g. ../scripts/photo-regions.json) read from --photos",
    )
    p.add_argument("--photos", default=None, help="folder of the --photo-regions files")
    p.add_argument(
        "--zoom-min", type=float, default=0.35, help="composites: least crop side as a fraction of the frame's"
    )
    p.add_argument("--zoom-max", type=float, default=1.0)
    p.add_argument("--scene-rotate", type=float, default=30.0, help="composites: rotation range, degrees")
    p.add_argument(
        "--torso",
        type=float,
        default=0.0,
        help="composites: probability that the person goes on below its crop, clothes and hair continued (0 = off; see scenes.py)",
    )
    p.add_argument(
        "--degrade",
        type=float,
        default=0.0,
        help="odds multiplier of colour casts, low light, small-face resampling, noise and JPEG (0 = off)",
    )
    p.add_argument(
        "--small-face",
        type=float,
        default=AugmentConfig.small_face,
        help="base odds of the small-face resampling among the degradations (times --degrade; plain samples half)",
    )
    p.add_argument(
        "--sizes",
        default=None,
        help="LEAST,LARGEST input side per batch (multiples of 32; half the batches at LARGEST); default: always --crop",
    )
    p.add_argument(
        "--rare-repeat",
        type=int,
        default=1,
        help="draw the images that show a rare class (in under a quarter of the images) this many times an epoch (1 = once)",
    )
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup-steps", type=int, default=300)
    p.add_argument("--poly-power", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--budget-minutes", type=float, default=None, help="training-time budget (excludes validation)")
    p.add_argument("--aux-loss", default="dice", choices=["dice", "lovasz", "none"])
    p.add_argument("--aux-weight", type=float, default=0.5)
    p.add_argument("--ohem", type=float, default=0.0, help="keep this fraction of the hardest pixels in CE (0 = off)")
    p.add_argument(
        "--class-weights",
        default="none",
        help="none | sqrt-inverse | inverse-power:P (weight (total/count)**P) | a JSON list",
    )
    p.add_argument(
        "--ema", type=float, default=0.999, help="EMA decay of the weights (0 = off); validation and export use the EMA"
    )
    p.add_argument("--drop-path", type=float, default=0.1)
    p.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "fp32", "bf16", "fp16"],
        help="auto: fp16 AMP on CUDA, bf16 autocast on CPUs that have it",
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-every", type=int, default=1, help="validate every N epochs")
    p.add_argument("--val-limit", type=int, default=None)
    p.add_argument("--checkpoint-minutes", type=float, default=10.0)
    p.add_argument("--out", required=True)
    p.add_argument("--no-resume", action="store_true", help="start over even if <out>/last.pt exists")
    p.add_argument(
        "--stop-at-step",
        type=int,
        default=None,
        help="save last.pt and exit at this step (a chunk of a longer run; rerun to go on)",
    )
    return p.parse_args(argv)


def pick_precision(requested: str, device: torch.device) -> str:
    if requested != "auto":
        return requested
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return "bf16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "fp32"


def autocast(device: torch.device, precision: str):
    if precision == "fp32":
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def class_weights(spec: str, masks: torch.Tensor, num_classes: int):
    if spec == "none":
        return None
    power = 0.5 if spec == "sqrt-inverse" else None
    if spec.startswith("inverse-power:"):
        try:
            power = float(spec.split(":", 1)[1])
        except ValueError:
            raise ValueError(
                f"--class-weights {spec}: expected inverse-power:P with a number P, e.g. inverse-power:0.25"
            ) from None
    if power is not None:
        # Weight each class by (total / its pixel count) ** P over the training masks, normalised to mean 1:
        # P = 0.5 is sqrt-inverse; smaller P weights the rare classes more gently.
        counts = torch.bincount(masks[masks != 255].flatten().long(), minlength=num_classes).double().clamp(min=1)
        w = (counts.sum() / counts).pow(power)
        return (w / w.mean()).float()
    values = json.loads(Path(spec).read_text() if Path(spec).is_file() else spec)
    if len(values) != num_classes:
        raise ValueError(f"--class-weights has {len(values)} values for {num_classes} classes")
    return torch.tensor(values, dtype=torch.float32)


class EvalSet:
    """Validation images at the inference size (PIL bilinear, as inference) with masks at full size."""

    def __init__(self, samples, size: int, num_classes: int):
        self.items = []
        for s in samples:
            image = Image.open(s.image_path).convert("RGB")
            mask = s.mask.load(image.size)
            if int(mask.max()) >= num_classes and int(mask.max()) != 255:
                raise ValueError(f"{s.stem}: class id {int(mask.max())} but the label set has {num_classes} classes")
            resized = image.resize((size, size), Image.BILINEAR) if image.size != (size, size) else image
            self.items.append((s.stem, torch.from_numpy(np.asarray(resized).copy()).permute(2, 0, 1), mask))


@torch.no_grad()
def evaluate(model, eval_set: EvalSet, labels, device, precision, batch=8) -> dict:
    model.eval()
    cm = ConfusionMatrix(len(labels))
    items = eval_set.items
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        x = prepare_eval(torch.stack([im for _, im, _ in chunk]).to(device))
        with autocast(device, precision):
            logits = model(pixel_values=x).logits
        logits = logits.float()
        for i, (_, _, mask) in enumerate(chunk):
            up = F.interpolate(logits[i : i + 1], size=mask.shape, mode="bilinear", align_corners=False)
            cm.update(up.argmax(1)[0].cpu().numpy(), mask)
    model.train()
    return cm.summary(labels)


def lr_factor(step: int, progress: float, warmup: int, power: float) -> float:
    warm = min(1.0, (step + 1) / max(1, warmup))
    return warm * max(0.0, 1.0 - progress) ** power


def augment_config(args: argparse.Namespace, labels: list[str]) -> AugmentConfig:
    """The augmentation the command line asks for."""
    sizes = None
    if args.sizes:
        lo, hi = (int(v) for v in args.sizes.split(","))
        if not 32 <= lo <= hi or hi % 32:
            raise ValueError(
                f"--sizes {args.sizes}: expected LEAST,LARGEST with 32 <= LEAST <= LARGEST, LARGEST a multiple of 32"
            )
        sizes = (lo, hi)
    return AugmentConfig(
        crop=args.crop,
        scale_min=args.scale_min,
        scale_max=args.scale_max,
        rotate_deg=args.rotate,
        hue=args.hue,
        bg_mix_p=args.bg_mix,
        bg_margin=args.bg_margin,
        bg_id=background_id(labels),
        cloth_recolour_p=args.cloth_recolour,
        cloth_id=labels.index("cloth") if "cloth" in labels else None,
        degrade=args.degrade,
        small_face=args.small_face,
        sizes=sizes,
    )


# The face's own parts (CelebAMask-HQ names): a strip of the crop that holds them is no torso to continue.
FACE_PART_NAMES = ("skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip")


def scene_setup(args: argparse.Namespace):
    """The composites' configuration and background pool the command line asks for (None when off)."""
    if args.scenes <= 0:
        return None, None
    if not args.backgrounds and not args.photo_regions:
        print("scenes: no --backgrounds or --photo-regions; composites use made gradients only", flush=True)
    pool = load_backgrounds(args.backgrounds, args.photo_regions, args.photos)
    labels = load_labels(args.labels)
    cfg = SceneConfig(
        p=args.scenes,
        zoom_min=args.zoom_min,
        zoom_max=args.zoom_max,
        rotate_deg=args.scene_rotate,
        torso_p=args.torso,
        torso_skip=tuple(i for i, name in enumerate(labels) if name in FACE_PART_NAMES),
    )
    print(
        f"scenes: p {cfg.p}, zoom {cfg.zoom_min}-{cfg.zoom_max}, rotation +-{cfg.rotate_deg}, torso {cfg.torso_p}, "
        f"{len(pool)} background pictures",
        flush=True,
    )
    return cfg, pool


def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(
        "cuda" if (args.device == "auto" and torch.cuda.is_available()) or args.device == "cuda" else "cpu"
    )
    precision = pick_precision(args.precision, device)
    labels = load_labels(args.labels)
    num_classes = len(labels)
    flip_table = torch.tensor(flip_lookup(labels), dtype=torch.int64)

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    t0 = time.time()
    train = load_in_memory(discover(args.data, args.train_split), args.size, num_classes)
    val_samples = discover(args.data, args.val_split)
    if args.val_limit:
        val_samples = val_samples[: args.val_limit]
    overlap = set(train.stems) & {s.stem for s in val_samples}
    if overlap:
        raise ValueError(f"{len(overlap)} validation images are also in the training split, e.g. {sorted(overlap)[:5]}")
    val = EvalSet(val_samples, args.size, num_classes)
    print(
        f"data: {len(train.stems)} train, {len(val.items)} val, loaded in {time.time() - t0:.1f}s; device {device}, precision {precision}",
        flush=True,
    )

    overrides = {"drop_path_rate": args.drop_path}
    if args.config_override:
        overrides.update(json.loads(args.config_override))
    model = build_model(args.arch, labels, args.init_from, overrides).to(device)
    model.train()
    ema = copy.deepcopy(model).eval() if args.ema > 0 else None
    weights = class_weights(args.class_weights, train.masks, num_classes)
    if weights is not None:
        weights = weights.to(device)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim <= 1 or name.endswith(".bias") else decay).append(param)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.999),
    )
    scaler = torch.amp.GradScaler(enabled=(precision == "fp16" and device.type == "cuda"))

    epoch_indices, rare = epoch_pool(train.masks, num_classes, background_id(labels), args.rare_repeat)
    if args.rare_repeat > 1:
        print(f"rare classes {[labels[c] for c in rare]}: an epoch draws {len(epoch_indices)} images", flush=True)
    steps_per_epoch = max(1, len(epoch_indices) // args.batch)
    max_steps = args.max_steps or (args.epochs * steps_per_epoch if args.epochs else None)
    budget = args.budget_minutes * 60 if args.budget_minutes else None
    if max_steps is None and budget is None:
        raise ValueError("give a run length: --epochs, --max-steps or --budget-minutes")

    step, epoch, train_seconds = 0, 0, 0.0
    resume_order, resume_batch, resume_losses = None, 0, []
    generator = torch.Generator().manual_seed(args.seed)
    ckpt_path = out / "last.pt"
    if ckpt_path.exists() and not args.no_resume:
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if ema is not None and state.get("ema"):
            ema.load_state_dict(state["ema"])
        step, epoch, train_seconds = state["step"], state["epoch"], state["train_seconds"]
        generator.set_state(state["generator"])
        if state.get("torch_rng") is not None:  # dropout and drop-path draw from torch's global generator
            torch.set_rng_state(state["torch_rng"])
        if state.get("order") is not None:  # stopped inside an epoch: go on with the same order
            resume_order, resume_batch, resume_losses = (
                state["order"],
                state["batch_in_epoch"],
                state.get("epoch_losses", []),
            )
        print(f"resumed from {ckpt_path}: epoch {epoch}, step {step}, {train_seconds / 60:.1f} min trained", flush=True)
    (out / "args.json").write_text(json.dumps(vars(args), indent=2))

    aug = augment_config(args, labels)
    scenes, pool = scene_setup(args)
    log_path = out / "log.csv"
    fields = [
        "epoch",
        "step",
        "train_seconds",
        "lr",
        "train_loss",
        "images_per_second",
        "val_pixel_accuracy",
        "val_miou",
        "val_mean_f1",
    ]
    if not log_path.exists():
        with log_path.open("w", newline="") as f:
            csv.DictWriter(f, fieldnames=fields).writeheader()

    def progress() -> float:
        parts = []
        if max_steps:
            parts.append(step / max_steps)
        if budget:
            parts.append(train_seconds / budget)
        return max(parts)

    def checkpoint(order=None, batch_in_epoch=0, epoch_losses=()):
        save_checkpoint(
            ckpt_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "ema": ema.state_dict() if ema else None,
                "step": step,
                "epoch": epoch,
                "train_seconds": train_seconds,
                "generator": generator.get_state(),
                "order": order,
                "batch_in_epoch": batch_in_epoch,
                "epoch_losses": list(epoch_losses),
                "torch_rng": torch.get_rng_state(),
                "labels": labels,
                "config": model.config.to_dict(),
                "args": vars(args),
            },
        )

    last_ckpt = time.time()
    images, masks = train.images.to(device), train.masks.to(device)
    done = progress() >= 1
    stopped = False
    while not done:
        losses, epoch_start, epoch_images = [], time.time(), 0
        if resume_order is not None:
            order, first, losses = resume_order, resume_batch, list(resume_losses)
            resume_order = None
        else:
            order, first = epoch_order(epoch_indices, generator), 0
        factor = lr_factor(
            step, progress(), args.warmup_steps, args.poly_power
        )  # for the log when a resume starts at the epoch's end
        for b in range(first, steps_per_epoch):
            idx = order[b * args.batch : (b + 1) * args.batch].to(device)
            tick = time.time()
            x, y = augment_batch(images[idx], masks[idx], flip_table, aug, generator, scenes, pool)
            factor = lr_factor(step, progress(), args.warmup_steps, args.poly_power)
            for group in optimizer.param_groups:
                group["lr"] = args.lr * factor
            with autocast(device, precision):
                logits = model(pixel_values=x).logits
            loss = segmentation_loss(
                logits.float(),
                y,
                class_weight=weights,
                ohem_keep=args.ohem,
                aux=args.aux_loss,
                aux_weight=args.aux_weight,
            )
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            if ema is not None:
                with torch.no_grad():
                    d = min(args.ema, (1 + step) / (10 + step))
                    for pe, pm in zip(ema.parameters(), model.parameters()):
                        pe.mul_(d).add_(pm.detach(), alpha=1 - d)
                    for be, bm in zip(ema.buffers(), model.buffers()):
                        be.copy_(bm)
            step += 1
            train_seconds += time.time() - tick
            epoch_images += len(idx)
            losses.append(float(loss.detach()))
            if step % 20 == 0:
                print(
                    f"{time.strftime('%H:%M:%S')} epoch {epoch + 1} step {step} loss {np.mean(losses[-20:]):.4f} lr {args.lr * factor:.2e} progress {progress():.3f}",
                    flush=True,
                )
            if args.stop_at_step is not None and step >= args.stop_at_step and progress() < 1:
                checkpoint(order, b + 1, losses)
                stopped = True
                break
            if time.time() - last_ckpt > args.checkpoint_minutes * 60:
                checkpoint(order, b + 1, losses)
                last_ckpt = time.time()
            if progress() >= 1:
                done = True
                break
        if stopped:
            print(f"stopped at step {step} (--stop-at-step); rerun the command to go on from {ckpt_path}", flush=True)
            return 0
        epoch += 1
        row = {
            "epoch": epoch,
            "step": step,
            "train_seconds": round(train_seconds, 1),
            "lr": args.lr * factor,
            "train_loss": float(np.mean(losses)) if losses else "",
            "images_per_second": epoch_images / max(1e-9, time.time() - epoch_start),
        }
        if epoch % args.val_every == 0 or done:
            metrics = evaluate(ema or model, val, labels, device, precision)
            row.update(
                val_pixel_accuracy=metrics["pixelAccuracy"], val_miou=metrics["meanIoU"], val_mean_f1=metrics["meanF1"]
            )
            (out / "val_metrics.json").write_text(json.dumps({"epoch": epoch, "step": step, **metrics}, indent=2))
            print(
                f"epoch {epoch}: val pixel acc {metrics['pixelAccuracy']:.4f} mIoU {metrics['meanIoU']:.4f} mean F1 {metrics['meanF1']:.4f} ({train_seconds / 60:.1f} min trained)",
                flush=True,
            )
        with log_path.open("a", newline="") as f:
            csv.DictWriter(f, fieldnames=fields).writerow(row)
        checkpoint()
        last_ckpt = time.time()
        plot_curves(log_path, out / "learning_curve.png")
        if max_steps is None and budget is None:
            done = True
    final = {
        "model": (ema or model).state_dict(),
        "config": model.config.to_dict(),
        "labels": labels,
        "size": args.size,
        "args": {**vars(args), "device": str(device), "precision": precision},
        "step": step,
        "epoch": epoch,
        "train_seconds": train_seconds,
    }
    save_checkpoint(out / "final.pt", final)
    print(f"finished: {step} steps, {train_seconds / 60:.1f} min; final weights in {out / 'final.pt'}", flush=True)
    return 0


if __name__ == "__main__":
    reexec_with_jemalloc()
    sys.exit(main())
