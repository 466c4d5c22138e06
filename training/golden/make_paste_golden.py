"""Golden data for the logit paste-back (src/faces/paste.ts), computed independently with scipy.

Two faces with random logits on a 16x16 grid for 64x64 crops, aligned into an 80x60 photo by
similarity transforms (one rotated 30 degrees), overlapping. For every photo pixel centre the crop
position is u = photoToCrop(x + 0.5, y + 0.5); inside the crop [0, 64)^2 the logits are sampled at
g = u * 16 / 64 - 0.5 with scipy.ndimage.map_coordinates(order=1, mode='nearest') (bilinear,
clamped at the border, which equals torch grid_sample(align_corners=False, padding_mode='border'));
arg-max gives the class; where both crops reach, the larger softmax maximum wins (the first face
on ties). Outside both crops: class 0 and instance 0.

    python3 training/golden/make_paste_golden.py      # numpy + scipy only; writes tests/fixtures/faces/paste_golden.json
"""

import json
from pathlib import Path

import numpy as np
from scipy.ndimage import map_coordinates

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "faces" / "paste_golden.json"
CLASSES, GRID, CROP, W, H = 4, 16, 64, 80, 60


def similarity(scale, degrees, tx, ty):
    """photo -> crop: x' = s R x + t, as [a, b, c, d, e, f]."""
    r = np.deg2rad(degrees)
    a, b = scale * np.cos(r), scale * np.sin(r)
    return [a, -b, tx, b, a, ty]


def main():
    rng = np.random.default_rng(22)
    faces = [
        {"photoToCrop": similarity(1.6, 0, -8.0, -10.0)},
        {"photoToCrop": similarity(1.3, 30, -20.0, -60.0)},
    ]
    for f in faces:
        # multiples of 1/64: exact in float32, so both sides sample the same numbers
        f["logits"] = np.round(rng.standard_normal((CLASSES, GRID, GRID)) * 3 * 64) / 64
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    best_conf = np.full((H, W), -1.0)
    covered = np.zeros((H, W), np.uint8)
    labels = np.zeros((H, W), np.uint8)
    instance = np.zeros((H, W), np.uint8)
    for index, f in enumerate(faces):
        a, b, c, d, e, g = f["photoToCrop"]
        u = a * (xs + 0.5) + b * (ys + 0.5) + c
        v = d * (xs + 0.5) + e * (ys + 0.5) + g
        inside = (u >= 0) & (v >= 0) & (u < CROP) & (v < CROP)
        gx = u * GRID / CROP - 0.5
        gy = v * GRID / CROP - 0.5
        sampled = np.stack([map_coordinates(f["logits"][k], [gy, gx], order=1, mode="nearest") for k in range(CLASSES)])
        top = sampled.max(0)
        conf = 1.0 / np.exp(sampled - top).sum(0)
        covered += inside
        take = inside & (conf > best_conf)
        labels[take] = sampled.argmax(0)[take]
        instance[take] = index + 1
        best_conf[take] = conf[take]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "about": "training/golden/make_paste_golden.py (scipy map_coordinates)",
                "classes": CLASSES,
                "grid": GRID,
                "crop": CROP,
                "width": W,
                "height": H,
                "faces": [
                    {"photoToCrop": f["photoToCrop"], "logits": [float(x) for x in f["logits"].ravel()]} for f in faces
                ],
                "labels": labels.ravel().tolist(),
                "instance": instance.ravel().tolist(),
            }
        )
        + "\n"
    )
    print(
        f"wrote {OUT} ({OUT.stat().st_size} bytes); faces cover {int((instance > 0).sum())} of {W * H} pixels, {int((covered == 2).sum())} by both"
    )


if __name__ == "__main__":
    main()
