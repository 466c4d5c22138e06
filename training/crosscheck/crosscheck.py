#!/usr/bin/env python3
"""Independent Python reference for faceparse's metrics (src/metrics/), for cross-checking.

Nothing here is shared with the TypeScript code: confusion matrix by numpy bincount, boundaries by
scipy.ndimage.binary_erosion with a 3x3 cross and border_value=0, distances by
scipy.ndimage.distance_transform_edt (exact Euclidean), a boundary pixel matching when its distance
to the other boundary is < tolerance.

  generate   write small random label-map pairs (PNG) and the expected numbers to
             tests/metrics/fixtures/crosscheck/, plus expected numbers for transformed real masks
             of ../shared/data/celebamask-mini/val (the masks themselves are not copied)
  compare    score --pred DIR against --gt DIR here and compare with `faceparse eval --json` output
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "metrics" / "fixtures" / "crosscheck"
SHARED_VAL = REPO.parent / "shared" / "data" / "celebamask-mini" / "val"
CROSS = ndimage.generate_binary_structure(2, 1)  # 3x3 cross
CELEBAMASK_HQ_LEFT_RIGHT = [(4, 5), (6, 7), (8, 9)]  # l_eye/r_eye, l_brow/r_brow, l_ear/r_ear


# ---------------------------------------------------------------- metrics (the reference)


def confusion_matrix(pred: np.ndarray, gt: np.ndarray, n: int, ignore: int | None) -> np.ndarray:
    keep = np.ones(gt.shape, bool) if ignore is None else gt != ignore
    t = gt[keep].astype(np.int64)
    p = pred[keep].astype(np.int64)
    assert t.max(initial=0) < n and p.max(initial=0) < n, "ids out of range"
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def none_if_nan(values):
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v) for v in values]


def region_scores(cm: np.ndarray, background: int = 0) -> dict:
    cm = cm.astype(np.float64)
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    total = cm.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(tp + fp + fn > 0, tp / (tp + fp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        acc = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
    no_bg = np.arange(len(tp)) != background

    def mean(values, mask=None):
        v = values if mask is None else values[mask]
        v = v[~np.isnan(v)]
        return None if v.size == 0 else float(sum(v.tolist()) / v.size)  # plain sum, in class order

    return {
        "pixelAccuracy": None if total == 0 else float(tp.sum() / total),
        "perClassIoU": none_if_nan(iou.tolist()),
        "perClassF1": none_if_nan(f1.tolist()),
        "perClassAccuracy": none_if_nan(acc.tolist()),
        "meanIoU": mean(iou),
        "meanIoUNoBackground": mean(iou, no_bg),
        "meanF1": mean(f1, no_bg),
        "meanClassAccuracy": mean(acc),
    }


def boundary_of(mask: np.ndarray) -> np.ndarray:
    return mask & ~ndimage.binary_erosion(mask, structure=CROSS, border_value=0)


def boundary_scores(pred: np.ndarray, gt: np.ndarray, n: int, ignore: int | None, tolerance: float) -> dict:
    void = np.zeros(gt.shape, bool) if ignore is None else gt == ignore
    per_class = []
    f1s = []
    for c in range(n):
        if c == ignore:
            per_class.append(None)
            continue
        gt_b = boundary_of((gt == c) & ~void)
        if not gt_b.any():
            per_class.append(None)
            continue
        pred_b = boundary_of((pred == c) & ~void)
        # distance_transform_edt: distance from each non-zero pixel to the nearest zero pixel
        to_gt = ndimage.distance_transform_edt(~gt_b)
        matched_pred = int((to_gt[pred_b] < tolerance).sum())
        if pred_b.any():
            to_pred = ndimage.distance_transform_edt(~pred_b)
            matched_gt = int((to_pred[gt_b] < tolerance).sum())
        else:
            matched_gt = 0
        n_pred = int(pred_b.sum())
        n_gt = int(gt_b.sum())
        precision = 0.0 if n_pred == 0 else matched_pred / n_pred
        recall = matched_gt / n_gt
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        per_class.append(
            {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "predictedBoundaryPixels": n_pred,
                "targetBoundaryPixels": n_gt,
                "matchedPredicted": matched_pred,
                "matchedTarget": matched_gt,
            }
        )
        f1s.append(f1)
    return {"tolerance": tolerance, "perClass": per_class, "score": None if not f1s else sum(f1s) / len(f1s)}


def tolerance_of(width: int, height: int, fraction: float | None, pixels: float | None) -> float:
    return pixels if pixels is not None else fraction * math.sqrt(width * width + height * height)


def score_pair(pred, gt, n, ignore=None, fraction=0.0075, pixels=None) -> dict:
    h, w = gt.shape
    cm = confusion_matrix(pred, gt, n, ignore)
    tol = tolerance_of(w, h, fraction if pixels is None else None, pixels)
    return {"confusion": cm.tolist(), **region_scores(cm), "boundary": boundary_scores(pred, gt, n, ignore, tol)}


def set_scores(pairs: list[dict], n: int) -> dict:
    """Whole-set numbers from per-pair results: accumulated matrix, mean of image boundary scores."""
    cm = np.zeros((n, n), np.int64)
    for p in pairs:
        cm += np.array(p["confusion"], np.int64)
    images = [p["boundary"]["score"] for p in pairs if p["boundary"]["score"] is not None]
    per_class = []
    for c in range(n):
        values = [p["boundary"]["perClass"][c]["f1"] for p in pairs if p["boundary"]["perClass"][c] is not None]
        per_class.append(None if not values else sum(values) / len(values))
    return {
        "confusion": cm.tolist(),
        **region_scores(cm),
        "boundaryF1": sum(images) / len(images),
        "perClassBoundaryF1": per_class,
    }


# ---------------------------------------------------------------- random fixtures


def blob_map(rng, h, w, n, classes_used):
    """Smooth random regions: argmax of blurred noise over the classes used (they touch the edges)."""
    fields = [ndimage.gaussian_filter(rng.standard_normal((h, w)), sigma=rng.uniform(2, 6)) for _ in classes_used]
    ids = np.array(classes_used, np.uint8)[np.argmax(np.stack(fields), axis=0)]
    return ids


def perturb(rng, gt, n):
    h, w = gt.shape
    dx, dy = rng.integers(-6, 7, size=2)
    pred = np.roll(gt, (int(dy), int(dx)), axis=(0, 1))
    # re-label a random blob (the top 10% of a smooth random field)
    field = ndimage.gaussian_filter(rng.standard_normal((h, w)), 4)
    blob = field > np.quantile(field, 0.9)
    pred = np.where(blob, rng.integers(0, n), pred).astype(np.uint8)
    # salt noise
    salt = rng.random((h, w)) < 0.01
    pred[salt] = rng.integers(0, n, size=int(salt.sum()))
    return pred.astype(np.uint8)


def random_cases(rng):
    n = 8
    cases = []
    sizes = [(48, 64), (131, 97), (128, 128), (40, 200), (1, 30), (30, 1), (3, 5), (90, 90), (256, 256), (77, 150)]
    for i, (h, w) in enumerate(sizes):
        used = sorted(rng.choice(n, size=int(rng.integers(2, 7)), replace=False).tolist())
        gt = blob_map(rng, h, w, n, used) if min(h, w) > 2 else rng.choice(used, size=(h, w)).astype(np.uint8)
        pred = perturb(rng, gt, n) if min(h, w) > 2 else rng.choice(n, size=(h, w)).astype(np.uint8)
        if i == 2:  # a class only in the target, missing from the prediction
            pred[pred == used[-1]] = used[0]
        if i == 3:  # an empty prediction
            pred[:] = 0
        if i == 7:  # single-pixel objects
            for _ in range(12):
                y, x = rng.integers(0, h), rng.integers(0, w)
                gt[y, x] = 7
                pred[min(h - 1, y + int(rng.integers(0, 5))), x] = 7
        cases.append({"name": f"r{i:02d}", "pred": pred, "gt": gt, "numClasses": n})
    # tolerance edge cases: integer tolerances, distances exactly equal to them
    h, w = 60, 80
    gt = np.zeros((h, w), np.uint8)
    gt[10:30, 10:30] = 1
    gt[40:50, 50:70] = 2
    pred = np.zeros((h, w), np.uint8)
    pred[10:30, 13:33] = 1  # 3 px right
    pred[42:52, 50:70] = 2  # 2 px down
    cases.append({"name": "tol3", "file": "tol", "pred": pred, "gt": gt, "numClasses": 3, "tolerancePixels": 3.0})
    cases.append({"name": "tol2", "file": "tol", "pred": pred, "gt": gt, "numClasses": 3, "tolerancePixels": 2.0})
    # 240x320: the default tolerance is 0.0075 * 400 = 3 px
    gt = np.zeros((240, 320), np.uint8)
    gt[100:140, 100:180] = 1
    pred = np.zeros((240, 320), np.uint8)
    pred[100:140, 103:183] = 1
    cases.append({"name": "default3px", "pred": pred, "gt": gt, "numClasses": 2})
    # ignore index: void band in the target
    gt = blob_map(rng, 70, 90, 5, [0, 1, 2, 3])
    pred = perturb(rng, gt, 5)
    pred[pred == 4] = 0
    gt[:, 30:45] = 255
    cases.append({"name": "void", "pred": pred, "gt": gt, "numClasses": 5, "ignoreIndex": 255})
    return cases


# ---------------------------------------------------------------- real masks, transformed


def swap_sides(m):
    out = m.copy()
    for a, b in CELEBAMASK_HQ_LEFT_RIGHT:
        out[m == a] = b
        out[m == b] = a
    return out


def shift(m, dx, dy):
    """Content moves by (dx, dy); uncovered pixels repeat the edge (same as src: clamp)."""
    h, w = m.shape
    ys = np.clip(np.arange(h) - dy, 0, h - 1)
    xs = np.clip(np.arange(w) - dx, 0, w - 1)
    return m[ys][:, xs]


REAL_TRANSFORMS = {
    "shift(5,-3)": lambda m: shift(m, 5, -3),
    "shift(-9,7)": lambda m: shift(m, -9, 7),
    "swapSides": swap_sides,
    "eraseHair": lambda m: np.where(m == 13, 0, m).astype(np.uint8),
}
REAL_FILES = 8


def real_cases():
    masks = sorted((SHARED_VAL / "masks").glob("*.png"))[:REAL_FILES]
    out = []
    for path in masks:
        gt = np.array(Image.open(path))
        entry = {"file": path.name, "histogram": np.bincount(gt.ravel(), minlength=256)[:19].tolist(), "transforms": {}}
        for name, transform in REAL_TRANSFORMS.items():
            entry["transforms"][name] = score_pair(transform(gt), gt, 19)
        out.append(entry)
    return out


def generate(args) -> None:
    rng = np.random.default_rng(20240531)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for old in FIXTURES.glob("*.png"):
        old.unlink()
    pairs = []
    for case in random_cases(rng):
        file = case.get("file", case["name"])
        Image.fromarray(case["pred"]).save(FIXTURES / f"{file}-pred.png", optimize=True)
        Image.fromarray(case["gt"]).save(FIXTURES / f"{file}-gt.png", optimize=True)
        h, w = case["gt"].shape
        result = score_pair(
            case["pred"], case["gt"], case["numClasses"], case.get("ignoreIndex"), 0.0075, case.get("tolerancePixels")
        )
        pairs.append(
            {
                "name": case["name"],
                "file": file,
                "width": w,
                "height": h,
                "numClasses": case["numClasses"],
                "ignoreIndex": case.get("ignoreIndex"),
                "tolerancePixels": case.get("tolerancePixels"),
                **result,
            }
        )
    random_set = [p for p in pairs if p["name"].startswith("r")]
    expected = {
        "about": "written by training/crosscheck/crosscheck.py generate; do not edit",
        "pairs": pairs,
        "set": {"names": [p["name"] for p in random_set], "numClasses": 8, **set_scores(random_set, 8)},
    }
    if SHARED_VAL.is_dir():
        expected["real"] = {
            "folder": "../shared/data/celebamask-mini/val/masks",
            "numClasses": 19,
            "files": real_cases(),
        }
    else:
        print(f"note: {SHARED_VAL} not found; the real-mask section is left out", file=sys.stderr)
    (FIXTURES / "expected.json").write_text(json.dumps(expected, indent=None, separators=(",", ":")) + "\n")
    size = sum(f.stat().st_size for f in FIXTURES.iterdir())
    print(f"wrote {len(pairs)} pairs and expected.json to {FIXTURES.relative_to(REPO)} ({size / 1024:.0f} KiB)")


# ---------------------------------------------------------------- compare with faceparse eval --json


def close(a, b, path, problems, tol=1e-9):
    if a is None or b is None:
        if a is not b and not (a is None and b is None):
            problems.append(f"{path}: python {a} vs faceparse {b}")
        return
    if abs(float(a) - float(b)) > tol:
        problems.append(f"{path}: python {a!r} vs faceparse {b!r} (diff {abs(a - b):.3g})")


def compare(args) -> int:
    report = json.loads(Path(args.json).read_text())
    labels = report["labels"]
    n = len(labels)
    gt_dir, pred_dir = Path(args.gt), Path(args.pred)
    names = sorted(p.name for p in gt_dir.iterdir() if p.suffix.lower() == ".png")
    results = []
    for name in names:
        stem = Path(name).stem
        pred_path = next(pred_dir.glob(stem + ".*"))
        gt = np.array(Image.open(gt_dir / name))
        pred = np.array(Image.open(pred_path))
        results.append(score_pair(pred, gt, n, args.ignore_index, args.tolerance, args.tolerance_px))
    s = set_scores(results, n)
    problems: list[str] = []
    if s["confusion"] != report["confusionMatrix"]:
        problems.append("confusion matrix differs")
    for key in ["pixelAccuracy", "meanIoU", "meanIoUNoBackground", "meanF1", "meanClassAccuracy"]:
        close(s[key], report[key], key, problems)
    close(s["boundaryF1"], report["boundaryF1"], "boundaryF1", problems)
    for c, name in enumerate(labels):
        pc = report["perClass"][name]
        close(s["perClassIoU"][c], pc["iou"], f"perClass.{name}.iou", problems)
        close(s["perClassF1"][c], pc["f1"], f"perClass.{name}.f1", problems)
        close(s["perClassAccuracy"][c], pc["accuracy"], f"perClass.{name}.accuracy", problems)
        close(s["perClassBoundaryF1"][c], pc["boundaryF1"], f"perClass.{name}.boundaryF1", problems)
    by_id = {img["id"]: img for img in report["perImage"]}
    for name, r in zip(names, results):
        img = by_id.get(Path(name).stem)
        if img is None:
            problems.append(f"{name}: missing from perImage")
            continue
        close(r["boundary"]["score"], img["boundaryF1"], f"{name}.boundaryF1", problems)
        close(r["pixelAccuracy"], img["pixelAccuracy"], f"{name}.pixelAccuracy", problems)
    print(
        f"{len(names)} images, {n} classes: python pixelAccuracy {s['pixelAccuracy']:.12f} meanIoU {s['meanIoU']:.12f} "
        f"meanF1 {s['meanF1']:.12f} boundaryF1 {s['boundaryF1']:.12f}"
    )
    if problems:
        print(f"{len(problems)} differences:\n  " + "\n  ".join(problems[:50]))
        return 1
    print("faceparse agrees: confusion matrix exactly, every score to 1e-9")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="write fixtures and expected numbers")
    c = sub.add_parser("compare", help="check a faceparse eval --json report")
    c.add_argument("--pred", required=True)
    c.add_argument("--gt", required=True)
    c.add_argument("--json", required=True, help="output of faceparse eval --pred ... --gt ... --json")
    c.add_argument("--ignore-index", type=int, default=None)
    c.add_argument("--tolerance", type=float, default=0.0075)
    c.add_argument("--tolerance-px", type=float, default=None)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
