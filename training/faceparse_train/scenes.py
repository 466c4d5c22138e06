"""Wild views of aligned faces for training: the person zoomed out onto a real background, rotated,
cut by the frame, with another person beside it, at several input sizes.

An aligned 512x512 crop shows a face the way only a face stage shows it. A user who parses a whole
portrait, a wider crop around a face or a small face sees it on walls, streets and furniture, small,
tilted and cut by the frame; a model trained only on aligned crops calls those walls hair and hats.
`compose_batch` draws, for each sample, either the plain aligned view (mild scale, rotation and
crop, as the earlier stages trained) or a composite: a background (a random crop of a face-free
photo or of a face-free photo region, or a made gradient) with the person pasted over it by its
mask (or the whole crop rectangle, its own background included) at 0.35-1.0 of the frame, rotated up
to +-30 degrees, anywhere in the frame (cut by its edges too), and sometimes another training
person beside it. Labels follow the pixels: the pasted people keep their classes, everything else is
background; flipped samples swap every left/right class.

An aligned crop ends at the chest, so a person pasted by its mask ends there too, on a straight line
below the chin: a model trained on that alone learns that people stop there, and on a real photo it
leaves the shirt, the coat and the long hair below it as background, cut on a line the face stage's
crops then show. With `torso_p`, a person goes on below its crop: the crop's bottom strip (its last
`torso_strip` of rows: cloth, hair, neck) is mirrored and stretched over `torso_min`-`torso_max`
crop heights further down, labels with it, so the model sees clothes and hair continue past the crop
(only where that strip is free of the face's own parts, `torso_skip`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .augment import swap_sides

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


@dataclass
class SceneConfig:
    # Probability that a sample is a composite rather than the plain aligned view (0 = off: draws nothing).
    p: float = 0.0
    zoom_min: float = 0.35  # the crop's side as a fraction of the frame's
    zoom_max: float = 1.0
    rotate_deg: float = 30.0
    rect_p: float = 0.35  # paste the whole crop rectangle (its own background too) rather than the person by its mask
    beside_p: float = 0.3  # another training person beside the main one
    bottom_p: float = 0.3  # the crop's bottom edge on the frame's bottom (a portrait cut at the chest)
    cut: float = 0.3  # how far (fraction of the crop's side) the crop may leave the frame elsewhere
    made_bg_p: float = 0.15  # a made gradient background instead of a photo
    torso_p: float = 0.0  # the person goes on below its crop (0 = off: draws nothing)
    torso_min: float = 0.3  # how far, in crop heights
    torso_max: float = 1.5
    torso_strip: float = 0.05  # the bottom share of the crop reflected to make it
    # Classes that must not be in that strip (the face's parts: an aligned crop's chin sits at 0.93 of its
    # height on the median CelebAMask-HQ face, and a chin reflected downwards is no torso); samples whose
    # strip has more than 1% of them get none.
    torso_skip: tuple[int, ...] = ()


@dataclass
class BackgroundPool:
    """Face-free pictures held in memory as uint8 (3, H, W), each with its long side at most `max_side`."""

    pictures: list[torch.Tensor] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pictures)


def load_backgrounds(
    paths: list[str], regions_file: str | None = None, photos_dir: str | None = None, max_side: int = 1024
) -> BackgroundPool:
    """Pictures from files or folders of face-free photos, plus the face-free regions of photos that
    `regions_file` lists (JSON: [[file, x, y, width, height], ...], the files in `photos_dir`)."""
    pool = BackgroundPool()

    def add(image: Image.Image, name: str) -> None:
        image = image.convert("RGB")
        scale = max_side / max(image.size)
        if scale < 1:
            image = image.resize(
                (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR
            )
        pool.pictures.append(torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous())
        pool.names.append(name)

    for entry in paths:
        p = Path(entry)
        if not p.exists():
            raise ValueError(f"{entry}: no such file or folder of background pictures")
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS) if p.is_dir() else [p]
        if not files:
            raise ValueError(f"{entry}: no pictures (expected {', '.join(IMAGE_EXTS)} files)")
        for f in files:
            add(Image.open(f), f.name)
    if regions_file:
        if not photos_dir:
            raise ValueError(f"{regions_file}: name the folder of its photos (--photos)")
        for file, x, y, w, h in json.loads(Path(regions_file).read_text()):
            path = Path(photos_dir) / file
            if not path.exists():
                raise ValueError(f"{regions_file}: {path} does not exist")
            with Image.open(path) as photo:
                add(photo.crop((x, y, x + w, y + h)), f"{file}[{x},{y},{w},{h}]")
    return pool


def _uniform(n: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return lo + torch.rand(n, generator=g) * (hi - lo)


def background_batch(pool: BackgroundPool, b: int, size: int, cfg: SceneConfig, g: torch.Generator) -> torch.Tensor:
    """(b, 3, size, size) float backgrounds in [0, 1]: random square crops (0.3-1.0 of a picture's short
    side), mirrored at random, or made two-colour gradients."""
    out = torch.empty(b, 3, size, size)
    made = torch.rand(b, generator=g) < (cfg.made_bg_p if len(pool) else 1.0)
    pick = torch.randint(0, max(1, len(pool)), (b,), generator=g)
    frac = _uniform(b, 0.3, 1.0, g)
    pos = torch.rand(b, 2, generator=g)
    mirror = torch.rand(b, generator=g) < 0.5
    colours = torch.rand(b, 2, 3, generator=g)
    angle = _uniform(b, 0, 2 * math.pi, g)
    for i in range(b):
        if made[i]:
            ys, xs = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
            t = ((xs * math.cos(angle[i]) + ys * math.sin(angle[i])) * 0.5 + 0.5).clamp(0, 1)
            out[i] = colours[i, 0].view(3, 1, 1) * (1 - t) + colours[i, 1].view(3, 1, 1) * t
            continue
        pic = pool.pictures[int(pick[i])]
        _, h, w = pic.shape
        side = max(8, int(frac[i] * min(h, w)))
        y0 = int(pos[i, 0] * (h - side))
        x0 = int(pos[i, 1] * (w - side))
        crop = pic[:, y0 : y0 + side, x0 : x0 + side].unsqueeze(0).float().div_(255)
        crop = F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False, antialias=side > size)[0]
        out[i] = crop.flip(-1) if mirror[i] else crop
    return out


def placement_theta(side: torch.Tensor, angle: torch.Tensor, flip: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """`affine_grid` matrices (B, 2, 3) that put the source crop, `side` times the frame's side, rotated by
    `angle` and mirrored where `flip`, with its centre at `centre` (normalised frame coordinates)."""
    b = side.shape[0]
    k = 1.0 / side
    cos, sin = torch.cos(angle), torch.sin(angle)
    sx = torch.where(flip, -k, k)
    theta = torch.zeros(b, 2, 3)
    # source = diag(sx, k) @ R(-angle) @ (frame - centre)
    theta[:, 0, 0] = cos * sx
    theta[:, 0, 1] = sin * sx
    theta[:, 1, 0] = -sin * k
    theta[:, 1, 1] = cos * k
    theta[:, :, 2] = -(theta[:, :, :2] @ centre.unsqueeze(-1)).squeeze(-1)
    return theta


def continue_below(grid: torch.Tensor, torso: torch.Tensor, strip: float, rows: int) -> torch.Tensor:
    """Sampling grids (B,S,S,2) in source coordinates (the crop spans -1..1) whose points below the crop,
    down to `torso` (B,) crop heights, read its bottom `strip` of rows mirrored and stretched over that
    length, so each column's last colours and labels go on downwards without a seam (a repeated strip
    would paint stripes no shirt has); points elsewhere are left as they are. `rows`: the crop's height in
    pixels (the continuation starts from its last row's centre, so nothing is read from beyond it)."""
    y = grid[..., 1]
    depth = y - 1  # below the crop's bottom edge, in half crop heights
    reach = 2 * torso.view(-1, 1, 1)
    below = (depth > 0) & (depth < reach) & (grid[..., 0].abs() <= 1)
    last = 1 - 1 / rows
    folded = last - (2 * strip - 1 / rows) * (depth / reach.clamp(min=1e-6)).clamp(0, 1)
    out = grid.clone()
    out[..., 1] = torch.where(below, folded, y)
    return out


def warp_people(
    images01: torch.Tensor,
    masks: torch.Tensor,
    theta: torch.Tensor,
    size: int,
    flip: torch.Tensor,
    flip_table: torch.Tensor,
    bg_id: int,
    torso: torch.Tensor | None = None,
    strip: float = 0.05,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Warp crops and labels into the frame. Returns images (B,3,S,S), labels (B,S,S) with -1 outside the
    crop, person coverage (B,S,S) in [0,1] (anti-aliased mask != background) and crop coverage (B,S,S).
    `torso` (B,): how far, in crop heights, each person goes on below its crop (see `continue_below`)."""
    b = images01.shape[0]
    grid = F.affine_grid(theta, [b, 3, size, size], align_corners=False)
    if torso is not None:
        grid = continue_below(grid, torso, strip, images01.shape[-2])
    x = F.grid_sample(images01, grid, mode="bilinear", padding_mode="border", align_corners=False)
    lab = F.grid_sample(
        (masks.float() + 1).unsqueeze(1), grid, mode="nearest", padding_mode="zeros", align_corners=False
    )
    lab = lab.squeeze(1).long() - 1
    inside = lab >= 0
    lab = torch.where(flip.view(b, 1, 1), swap_sides(lab.clamp(min=0), flip_table), lab.clamp(min=0))
    lab[~inside] = -1
    both = torch.stack([(masks != bg_id).float(), torch.ones_like(masks, dtype=torch.float32)], dim=1)
    cover = F.grid_sample(both, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return x, lab, cover[:, 0], cover[:, 1]


def compose_scenes(
    images01: torch.Tensor,
    masks: torch.Tensor,
    flip_table: torch.Tensor,
    pool: BackgroundPool,
    size: int,
    cfg: SceneConfig,
    g: torch.Generator,
    bg_id: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Composites of every sample of the batch: float images (B,3,S,S) in [0,1] and int64 labels (B,S,S)."""
    b = images01.shape[0]
    out = background_batch(pool, b, size, cfg, g)
    labels = torch.full((b, size, size), bg_id, dtype=torch.int64)

    side = _uniform(b, cfg.zoom_min, cfg.zoom_max, g)
    angle = _uniform(b, -1, 1, g) * math.radians(cfg.rotate_deg)
    flip = torch.rand(b, generator=g) < 0.5
    rect = torch.rand(b, generator=g) < cfg.rect_p
    bottom = torch.rand(b, generator=g) < cfg.bottom_p
    # Centre: anywhere the crop stays inside the frame, plus up to `cut` of its side beyond any edge.
    reach = (1 - side).abs() + 2 * cfg.cut * side  # normalised units (the frame spans 2)
    centre = (torch.rand(b, 2, generator=g) * 2 - 1) * reach.unsqueeze(1)
    centre[:, 1] = torch.where(bottom, 1 - side, centre[:, 1])  # bottom edge on the frame's bottom
    beside = torch.rand(b, generator=g) < cfg.beside_p
    donor = (torch.arange(b) + 1 + torch.randint(0, max(1, b - 1), (b,), generator=g)) % b
    d_side = side * _uniform(b, 0.75, 1.25, g)
    d_angle = _uniform(b, -1, 1, g) * math.radians(cfg.rotate_deg)
    d_flip = torch.rand(b, generator=g) < 0.5
    d_dir = torch.where(torch.rand(b, generator=g) < 0.5, -1.0, 1.0)
    d_gap = _uniform(b, 0.55, 0.95, g)
    d_dy = _uniform(b, -0.15, 0.15, g)
    torso = d_torso = None
    if cfg.torso_p > 0:
        rows = max(1, round(cfg.torso_strip * masks.shape[-2]))
        skip = torch.tensor(cfg.torso_skip, dtype=masks.dtype)
        clear = torch.isin(masks[:, -rows:], skip).float().mean((1, 2)) <= 0.01
        torso = _uniform(b, cfg.torso_min, cfg.torso_max, g) * ((torch.rand(b, generator=g) < cfg.torso_p) & clear)
        d_torso = _uniform(b, cfg.torso_min, cfg.torso_max, g) * (
            (torch.rand(b, generator=g) < cfg.torso_p) & clear[donor]
        )

    if b > 1 and beside.any():
        d_centre = torch.stack(
            [centre[:, 0] + d_dir * d_gap * (side + d_side), centre[:, 1] + d_dy * (side + d_side)], dim=1
        )
        theta = placement_theta(d_side, d_angle, d_flip, d_centre)
        dx, dlab, dperson, _ = warp_people(
            images01[donor], masks[donor], theta, size, d_flip, flip_table, bg_id, d_torso, cfg.torso_strip
        )
        a = (dperson * beside.view(b, 1, 1).float()).unsqueeze(1)
        out = out * (1 - a) + dx * a
        labels = torch.where((a.squeeze(1) >= 0.5) & (dlab >= 0), dlab, labels)

    theta = placement_theta(side, angle, flip, centre)
    x, lab, person, crop = warp_people(images01, masks, theta, size, flip, flip_table, bg_id, torso, cfg.torso_strip)
    alpha = torch.where(rect.view(b, 1, 1), crop, person).unsqueeze(1)
    out = out * (1 - alpha) + x * alpha
    take = (alpha.squeeze(1) >= 0.5) & (lab >= 0)
    labels = torch.where(take, lab, labels)
    return out.clamp_(0, 1), labels
