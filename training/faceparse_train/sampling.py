"""The order of the training images in an epoch, with images of rare classes drawn more than once.

On the 800 CelebAMask-HQ training images four classes are in under a quarter of the images
(glasses 48, hat 44, earrings 181, necklace 37; the next, the right ear, is in 388) and each counts
as much as the skin in mean F1. `--rare-repeat N` puts every image that shows one of them N times
in each epoch's order, so the rare classes are seen N times as often at the same cost per step.
"""

from __future__ import annotations

import torch

# A class in fewer than this share of the training images is rare.
RARE_SHARE = 0.25


def class_presence(masks: torch.Tensor, num_classes: int) -> torch.Tensor:
    """images x classes, True where the image's mask has at least one pixel of the class."""
    presence = torch.zeros(masks.shape[0], num_classes, dtype=torch.bool)
    for i in range(masks.shape[0]):
        counts = torch.bincount(masks[i].reshape(-1).long(), minlength=num_classes)[:num_classes]
        presence[i] = counts > 0
    return presence


def rare_classes(presence: torch.Tensor, background: int, share: float = RARE_SHARE) -> list[int]:
    """The classes (background aside) that some but fewer than `share` of the images show."""
    shown = presence.float().mean(0)
    return [c for c in range(presence.shape[1]) if c != background and 0 < shown[c] < share]


def epoch_pool(masks: torch.Tensor, num_classes: int, background: int, repeat: int) -> tuple[torch.Tensor, list[int]]:
    """Image indices for one epoch, each once and those showing a rare class `repeat` times, and the rare
    classes. With `repeat` 1 the masks are not read (the plain shuffle of earlier runs)."""
    if repeat < 1:
        raise ValueError(f"--rare-repeat must be 1 or more (1 = every image once), got {repeat}")
    counts = torch.ones(masks.shape[0], dtype=torch.long)
    rare: list[int] = []
    if repeat > 1:
        presence = class_presence(masks, num_classes)
        rare = rare_classes(presence, background)
        if rare:
            counts[presence[:, rare].any(1)] = repeat
    return torch.repeat_interleave(torch.arange(masks.shape[0]), counts), rare


def epoch_order(pool: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The pool shuffled."""
    return pool[torch.randperm(len(pool), generator=generator)]
