"""How much a model leans on the colour of some classes: validation metrics with those classes' pixels
turned to other hues.

    python -m faceparse_train.recolour_eval --checkpoint runs/a/final.pt runs/b/final.pt --classes cloth \\
        --angles 0,90,180,270

For each checkpoint and each angle, every validation photo's pixels of `--classes` (by the ground-truth
mask, faded in over 5x5 pixels, the same operation as training's `--recolour`) get their hue turned by
that angle (a rotation of the YIQ chroma plane, which keeps luma); the photo is then parsed as in
validation (fp32) and scored: pixel accuracy, mIoU, mean F1 over the non-background classes and the F1 of
each recoloured class. Angle 0 is the plain validation score. Images without those classes count as
they are.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch

from .allocator import reexec_with_jemalloc
from .augment import recolour_region
from .data import default_data_root, discover
from .export import load_checkpoint
from .train import EvalSet, class_ids, evaluate


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True, help="final.pt/last.pt/calibrated.pt files of faceparse_train.train")
    p.add_argument("--data", default=default_data_root())
    p.add_argument("--split", default="val")
    p.add_argument("--classes", default="cloth", help="comma-separated class names or ids to recolour")
    p.add_argument("--angles", default="0,90,180,270", help="comma-separated hue turns in degrees")
    p.add_argument("--limit", type=int, default=None, help="only the first N images")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", default=None, help="also write the results here")
    return p.parse_args(argv)


def recoloured(eval_set: EvalSet, classes: tuple[int, ...], degrees: float) -> EvalSet:
    """A copy of `eval_set` whose photos have the pixels of `classes` turned by `degrees` of hue."""
    out = EvalSet([], 0, 0)
    angle = torch.tensor(math.radians(degrees)).view(1, 1, 1, 1)
    for stem, image, mask in eval_set.items:
        region = torch.from_numpy(mask.astype("int64"))
        region = torch.isin(region, torch.tensor(classes)).view(1, 1, *mask.shape)
        if region.shape[-2:] != image.shape[-2:]:
            region = torch.nn.functional.interpolate(region.float(), size=image.shape[-2:], mode="nearest") > 0.5
        if degrees % 360 == 0 or not bool(region.any()):
            out.items.append((stem, image, mask))
            continue
        x = recolour_region(image.unsqueeze(0).float() / 255, region, angle)
        out.items.append((stem, (x[0] * 255).round().clamp(0, 255).to(torch.uint8), mask))
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    angles = [float(a) for a in args.angles.split(",") if a.strip()]
    results, base = [], None
    for path in args.checkpoint:
        model, state = load_checkpoint(Path(path))
        labels = state["labels"]
        classes = class_ids(args.classes, labels)
        if base is None:
            samples = discover(args.data, args.split)[: args.limit]
            base = EvalSet(samples, state.get("size") or 512, len(labels))
            print(f"{len(base.items)} {args.split} images from {args.data}; recolouring {', '.join(labels[c] for c in classes)}", flush=True)
        print(f"\n{path}\n{'angle':>6} {'pixel acc':>9} {'mIoU':>7} {'mean F1':>7} " + " ".join(f"{labels[c] + ' F1':>10}" for c in classes))
        for degrees in angles:
            m = evaluate(model, recoloured(base, classes, degrees), labels, torch.device("cpu"), "fp32")
            f1 = {labels[c]: m["perClass"][labels[c]]["f1"] for c in classes}
            results.append({"checkpoint": path, "angle": degrees, "pixelAccuracy": m["pixelAccuracy"], "meanIoU": m["meanIoU"],
                            "meanF1": m["meanF1"], "f1": f1})
            print(f"{degrees:6g} {m['pixelAccuracy']:9.4f} {m['meanIoU']:7.4f} {m['meanF1']:7.4f} "
                  + " ".join(f"{v:10.4f}" if v is not None else f"{'-':>10}" for v in f1.values()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    reexec_with_jemalloc()
    sys.exit(main())
