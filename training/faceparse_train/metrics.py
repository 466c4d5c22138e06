"""Confusion-matrix metrics with the field's protocol: mean F1 over the non-background classes
from one matrix accumulated over the whole set; mIoU and pixel accuracy beside it."""

from __future__ import annotations

import numpy as np

from .labels import background_id


class ConfusionMatrix:
    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.matrix = np.zeros((num_classes, num_classes), dtype=np.int64)  # rows: target, cols: prediction

    def update(self, pred: np.ndarray, target: np.ndarray) -> None:
        pred = np.asarray(pred).ravel().astype(np.int64)
        target = np.asarray(target).ravel().astype(np.int64)
        keep = target != self.ignore_index
        n = self.num_classes
        self.matrix += np.bincount(target[keep] * n + pred[keep], minlength=n * n).reshape(n, n)

    def summary(self, labels: list[str]) -> dict:
        m = self.matrix.astype(np.float64)
        tp = np.diag(m)
        gt = m.sum(1)
        pr = m.sum(0)
        present = (gt + pr) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            iou = np.where(present, tp / (gt + pr - tp), np.nan)
            f1 = np.where(present, 2 * tp / (gt + pr), np.nan)
        non_bg = np.arange(len(labels)) != background_id(labels)
        return {
            "pixelAccuracy": float(tp.sum() / max(m.sum(), 1)),
            "meanIoU": float(np.nanmean(iou)),
            "meanF1": float(np.nanmean(f1[non_bg])),
            "perClass": {
                labels[c]: {
                    "iou": None if np.isnan(iou[c]) else float(iou[c]),
                    "f1": None if np.isnan(f1[c]) else float(f1[c]),
                    "pixels": int(gt[c]),
                }
                for c in range(len(labels))
            },
        }
