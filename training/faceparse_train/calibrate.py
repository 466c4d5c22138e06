"""Per-class logit offsets chosen on the training images, folded into the classifier's bias.

    python -m faceparse_train.calibrate --checkpoint runs/mini-b0/final.pt --out runs/mini-b0/calibrated.pt

A model trained with cross-entropy on data where some classes are rare (necklace, earrings, hat)
predicts them less often than they occur: arg-max favours the frequent neighbour (neck, ear, hair).
Adding a constant offset to a class's logit moves that trade-off without touching the features.
This searches one offset per class (coordinate ascent over a grid, a few rounds) that maximises
mean F1 over the non-background classes on the *training* split, then adds the offsets to
`decode_head.classifier.bias`, so every exported variant carries them and inference is unchanged.
Validation images are never looked at; measure them afterwards with `faceparse_train.export`.

The search runs on the logits at `--res` (default: the model's output, 1/4 of the input size)
against nearest-resized masks: an offset is added to the logits before bilinear upsampling and
arg-max, and upsampling is linear, so the offsets found there apply unchanged at full resolution.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .allocator import reexec_with_jemalloc
from .augment import prepare_eval
from .data import default_data_root, discover, load_in_memory
from .export import load_checkpoint
from .labels import background_id


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="a final.pt/last.pt written by faceparse_train.train")
    p.add_argument("--out", required=True, help="where to write the calibrated checkpoint (same format)")
    p.add_argument("--data", default=default_data_root())
    p.add_argument("--split", default="train", help="split to fit the offsets on (never the one you report)")
    p.add_argument("--size", type=int, default=None, help="inference size (default: the checkpoint's)")
    p.add_argument("--res", type=int, default=None, help="search resolution (default: logits' own, size/4)")
    p.add_argument(
        "--grid",
        type=float,
        nargs=3,
        default=(-2.0, 3.0, 0.25),
        metavar=("MIN", "MAX", "STEP"),
        help="offsets tried per class",
    )
    p.add_argument("--rounds", type=int, default=3, help="coordinate-ascent passes over the classes")
    p.add_argument("--limit", type=int, default=None, help="use only the first N images (tests)")
    p.add_argument("--threads", type=int, default=None)
    return p.parse_args(argv)


def mean_f1(matrix: np.ndarray, background: int = 0) -> float:
    """Mean F1 over the non-background classes present in target or prediction (metrics.py's rule)."""
    tp = np.diag(matrix).astype(np.float64)
    denom = (matrix.sum(0) + matrix.sum(1)).astype(np.float64)
    keep = denom > 0
    keep[background] = False
    return float((2 * tp[keep] / denom[keep]).mean()) if keep.any() else 0.0


class OffsetSearch:
    """Holds every training pixel's logits once and scores offset vectors by the confusion matrix."""

    def __init__(
        self,
        logits: torch.Tensor,
        targets: torch.Tensor,
        num_classes: int,
        ignore_index: int = 255,
        background: int = 0,
    ):
        # logits: (P, C) float, targets: (P,) int; ignored pixels dropped up front. `background` is left
        # out of the mean F1 that the offsets maximise.
        keep = targets != ignore_index
        self.logits = logits[keep].contiguous()
        self.targets = targets[keep].long()
        self.n = num_classes
        self.background = background
        self.evaluations = 0

    def confusion(self, offsets: torch.Tensor) -> np.ndarray:
        self.evaluations += 1
        counts = torch.zeros(self.n * self.n, dtype=torch.int64)
        chunk = 1 << 22
        for start in range(0, len(self.targets), chunk):
            pred = (self.logits[start : start + chunk] + offsets).argmax(1)
            counts += torch.bincount(self.targets[start : start + chunk] * self.n + pred, minlength=self.n * self.n)
        return counts.view(self.n, self.n).numpy()

    def score(self, offsets: torch.Tensor) -> float:
        return mean_f1(self.confusion(offsets), self.background)

    def _class_sweep(self, offsets: torch.Tensor, c: int, values) -> list[float]:
        """Scores of `offsets` with class c's entry replaced by each of `values`.

        The best competitor of class c (its score and class) does not depend on c's offset, so it is
        computed once; each value then costs one comparison and one bincount instead of an arg-max."""
        self.evaluations += len(values)
        n = self.n
        rival_score, rival_class, own = [], [], []
        chunk = 1 << 22
        for start in range(0, len(self.targets), chunk):
            shifted = self.logits[start : start + chunk] + offsets
            own.append(self.logits[start : start + chunk, c])
            shifted[:, c] = float("-inf")
            score, cls = shifted.max(1)
            rival_score.append(score)
            rival_class.append(cls)
        rival_score, rival_class, own = torch.cat(rival_score), torch.cat(rival_class), torch.cat(own)
        base = self.targets * n
        scores = []
        for value in values:
            pred = torch.where(own + float(value) > rival_score, torch.full_like(rival_class, c), rival_class)
            scores.append(mean_f1(torch.bincount(base + pred, minlength=n * n).view(n, n).numpy(), self.background))
        return scores

    def fit(self, grid: np.ndarray, rounds: int, log=print) -> tuple[torch.Tensor, float]:
        offsets = torch.zeros(self.n, dtype=self.logits.dtype)
        best = self.score(offsets)
        log(f"no offsets: mean F1 {best:.4f}")
        for r in range(rounds):
            changed = False
            for c in range(self.n):
                scores = self._class_sweep(offsets, c, grid)
                i = int(np.argmax(scores))
                if scores[i] > best + 1e-6:
                    best, changed = scores[i], True
                    offsets = offsets.clone()
                    offsets[c] = float(grid[i])
            log(f"round {r + 1}: mean F1 {best:.4f}, offsets {np.round(offsets.float().numpy(), 2).tolist()}")
            if not changed:
                break
        return offsets.float(), best


@torch.no_grad()
def collect_logits(model, images: torch.Tensor, masks: torch.Tensor, res: int | None, batch: int = 8, log=print):
    """Logits (P, C) at `res` x `res` for every pixel and the nearest-resized targets (P,)."""
    out_logits, out_targets = [], []
    t0 = time.time()
    for start in range(0, len(images), batch):
        x = prepare_eval(images[start : start + batch])
        logits = model(pixel_values=x).logits
        r = res or logits.shape[-1]
        if logits.shape[-1] != r:
            logits = F.interpolate(logits, size=(r, r), mode="bilinear", align_corners=False)
        target = F.interpolate(masks[start : start + batch, None].float(), size=(r, r), mode="nearest")[:, 0].to(
            torch.uint8
        )
        out_logits.append(logits.permute(0, 2, 3, 1).reshape(-1, logits.shape[1]).half())
        out_targets.append(target.reshape(-1))
        if (start // batch) % 20 == 0:
            log(f"logits: {min(start + batch, len(images))}/{len(images)} images ({time.time() - t0:.0f} s)")
    return torch.cat(out_logits).float(), torch.cat(out_targets)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, state = load_checkpoint(Path(args.checkpoint))
    labels = state["labels"]
    size = args.size or state.get("size") or 512
    samples = discover(args.data, args.split)
    if args.limit:
        samples = samples[: args.limit]
    print(f"{len(samples)} {args.split} images from {args.data} at {size}x{size}", flush=True)
    data = load_in_memory(samples, size, len(labels))
    logits, targets = collect_logits(model, data.images, data.masks, args.res, log=lambda m: print(m, flush=True))
    search = OffsetSearch(logits, targets, len(labels), background=background_id(labels))
    lo, hi, step = args.grid
    grid = np.round(np.arange(lo, hi + step / 2, step), 6)
    offsets, best = search.fit(grid, args.rounds, log=lambda m: print(m, flush=True))
    print(f"{search.evaluations} evaluations; mean F1 on {args.split}: {best:.4f}", flush=True)

    bias_key = "decode_head.classifier.bias"
    weights_key = "ema" if state.get("ema") else "model"
    weights = dict(state[weights_key])
    weights[bias_key] = weights[bias_key] + offsets.to(weights[bias_key].dtype)
    calibrated = {
        **state,
        weights_key: weights,
        "calibration": {
            "split": args.split,
            "data": args.data,
            "images": len(samples),
            "res": args.res or size // 4,
            "offsets": {labels[c]: round(float(offsets[c]), 4) for c in range(len(labels))},
            "train_mean_f1": best,
        },
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(calibrated, out)
    out.with_suffix(".json").write_text(json.dumps(calibrated["calibration"], indent=2))
    print(f"calibrated checkpoint: {out} (offsets in {out.with_suffix('.json')})", flush=True)
    return 0


if __name__ == "__main__":
    reexec_with_jemalloc()
    sys.exit(main())
