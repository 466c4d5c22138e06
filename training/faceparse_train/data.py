"""Datasets: paired `images/` + `masks/` folders, and the original CelebAMask-HQ release.

Everything is decoded once into memory as uint8 tensors (800 images of 512x512 are 630 MB); the
augmentation then runs on whole batches (see augment.py), so no DataLoader workers compete with
the model for the CPU cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .labels import CELEBAMASK_HQ_PARTS

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


@dataclass
class Sample:
    stem: str
    image_path: Path
    mask: MaskSource


@dataclass
class MaskSource:
    """Either one label-map PNG (palette index or grey value = class id) or per-part binary masks."""

    label_map: Path | None = None
    parts: list[tuple[int, Path]] | None = None  # (class id, path), in merge order

    def load(self, size: tuple[int, int]) -> np.ndarray:
        width, height = size
        if self.label_map is not None:
            mask = Image.open(self.label_map)
            if mask.mode not in ("P", "L"):
                raise ValueError(
                    f"{self.label_map}: mask mode {mask.mode}; expected a palette or 8-bit grey PNG of class ids"
                )
            array = np.array(mask, dtype=np.uint8)
            if array.shape != (height, width):
                raise ValueError(
                    f"{self.label_map}: mask is {array.shape[1]}x{array.shape[0]} but its image is {width}x{height}"
                )
            return array
        merged = np.zeros((512, 512), dtype=np.uint8)
        for class_id, path in self.parts or []:
            part = np.array(Image.open(path).convert("L").resize((512, 512), Image.NEAREST))
            merged[part > 127] = class_id
        if (width, height) != (512, 512):
            merged = np.array(Image.fromarray(merged).resize((width, height), Image.NEAREST))
        return merged


def paired_folder(root: str | Path) -> list[Sample]:
    """`root/images/<stem>.<ext>` with `root/masks/<stem>.png`. Missing pairs are an error, listed."""
    root = Path(root)
    images = {p.stem: p for p in sorted((root / "images").iterdir()) if p.suffix.lower() in IMAGE_EXTS}
    masks = {p.stem: p for p in sorted((root / "masks").iterdir()) if p.suffix.lower() == ".png"}
    missing = sorted(set(images) ^ set(masks))
    if missing:
        raise ValueError(f"{root}: {len(missing)} images without masks or masks without images: {missing[:10]}")
    return [Sample(stem, images[stem], MaskSource(label_map=masks[stem])) for stem in sorted(images)]


def celebamask_hq(root: str | Path, ids: list[int] | None = None) -> list[Sample]:
    """The original release: `CelebA-HQ-img/<id>.jpg`, `CelebAMask-HQ-mask-anno/<id // 2000>/<id:05d>_<part>.png`.

    Parts are merged in the standard order (later parts overwrite earlier ones); a missing part file
    means the part is absent in that image.
    """
    root = Path(root)
    image_dir = root / "CelebA-HQ-img"
    anno_dir = root / "CelebAMask-HQ-mask-anno"
    if not image_dir.is_dir() or not anno_dir.is_dir():
        raise ValueError(
            f"{root}: expected CelebA-HQ-img/ and CelebAMask-HQ-mask-anno/ (the CelebAMask-HQ release layout)"
        )
    if ids is None:
        ids = sorted(int(p.stem) for p in image_dir.glob("*.jpg"))
    samples = []
    for image_id in ids:
        folder = anno_dir / str(image_id // 2000)
        parts = []
        for class_id, part in enumerate(CELEBAMASK_HQ_PARTS, start=1):
            path = folder / f"{image_id:05d}_{part}.png"
            if path.exists():
                parts.append((class_id, path))
        samples.append(Sample(str(image_id), image_dir / f"{image_id}.jpg", MaskSource(parts=parts)))
    return samples


def discover(root: str | Path, split: str | None) -> list[Sample]:
    """Pick the layout from what the folder holds: `<root>/<split>/images` or the CelebAMask-HQ release."""
    root = Path(root)
    if split and (root / split / "images").is_dir():
        return paired_folder(root / split)
    if (root / "images").is_dir():
        return paired_folder(root)
    if (root / "CelebA-HQ-img").is_dir():
        ids = None
        if split:
            list_file = root / f"{split}.txt"
            if list_file.exists():
                ids = [int(line) for line in list_file.read_text().split()]
        return celebamask_hq(root, ids)
    raise ValueError(f"{root}: no images/ + masks/ folders (split {split!r}) and no CelebAMask-HQ release layout")


@dataclass
class InMemoryDataset:
    images: torch.Tensor  # (N, 3, H, W) uint8
    masks: torch.Tensor  # (N, H, W) uint8
    stems: list[str]


def load_in_memory(samples: list[Sample], size: int, num_classes: int) -> InMemoryDataset:
    """Decode every sample at `size` x `size` (images: PIL bilinear, as inference; masks: nearest)."""
    n = len(samples)
    images = torch.empty((n, 3, size, size), dtype=torch.uint8)
    masks = torch.empty((n, size, size), dtype=torch.uint8)
    for i, sample in enumerate(samples):
        image = Image.open(sample.image_path).convert("RGB")
        mask = sample.mask.load(image.size)
        if int(mask.max()) >= num_classes and int(mask.max()) != 255:
            raise ValueError(f"{sample.stem}: class id {int(mask.max())} but the label set has {num_classes} classes")
        if image.size != (size, size):
            image = image.resize((size, size), Image.BILINEAR)
            mask = np.array(Image.fromarray(mask).resize((size, size), Image.NEAREST))
        images[i] = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1)
        masks[i] = torch.from_numpy(mask)
    return InMemoryDataset(images, masks, [s.stem for s in samples])


def default_data_root() -> str:
    return os.environ.get(
        "FACEPARSE_DATA", str(Path(__file__).resolve().parents[3] / "shared" / "data" / "celebamask-mini")
    )
