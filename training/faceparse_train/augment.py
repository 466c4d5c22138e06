"""Batch augmentation on tensors: one affine warp per sample (random scale, rotation, crop and a
horizontal flip that swaps every left/right class), an optional background mix (far background
taken from another photo of the batch), colour jitter (brightness, contrast, saturation, hue),
grayscale and blur.

Images come in as uint8 (B, 3, H, W) and leave normalised float32 (B, 3, S, S) as the model sees
them at inference (rescale 1/255, ImageNet mean/std); masks leave as int64 with `ignore_index`
where the warp looked outside the photo.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class AugmentConfig:
    crop: int = 384
    # Scale of the output relative to the source: 1.0 keeps the face at the size the model sees at
    # inference (the source images are stored at the inference size).
    scale_min: float = 0.6
    scale_max: float = 1.6
    rotate_deg: float = 15.0
    flip_p: float = 0.5
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    # Hue rotation of the whole photo, as a fraction of a full turn (0.05 = up to +-18 degrees).
    hue: float = 0.0
    grayscale_p: float = 0.05
    blur_p: float = 0.2
    blur_sigma_max: float = 1.5
    ignore_index: int = 255
    # Background mix: with this probability, a photo's background further than a margin (drawn per
    # photo from bg_margin..3*bg_margin pixels) from every other label takes another batch photo's
    # pixels wherever that photo's background is that far from its own foreground too. Labels do not
    # change; the seam lies inside the background, never on a labelled edge, so it teaches that
    # background can look like anything and that an edge inside it is no class boundary.
    bg_mix_p: float = 0.0
    bg_margin: int = 12
    bg_id: int = 0
    # Clothes recoloured: with this probability, a photo's clothes (class `cloth_id`) get another colour
    # and lightness, their texture kept. CelebAMask-HQ's clothes are mostly dark, and the model left light
    # coats, white shirts and grey sweaters as background on real photos. Stage 21 trained with it: cloth F1
    # rose on CelebAMask-HQ views, but those real photos' clothes stayed background (docs/model-v2.md), so
    # colour was not their only cue. None: no cloth class, off.
    cloth_recolour_p: float = 0.0
    cloth_id: int | None = None
    # Camera and photo degradations (colour casts, low light, small-face resampling, noise, JPEG), each
    # drawn per sample with its base probability times `degrade` (0 = off: draws nothing).
    degrade: float = 0.0
    # Base odds of the small-face resampling among the degradations (before the `degrade` multiplier):
    # a face of 96-256 px brought back up, as the face stage parses a small face of a group photo.
    small_face: float = 0.25
    # Input sizes per batch: (least, largest); a batch is at the largest with probability
    # `size_full_p`, else at a multiple of 32 in between. None: always `crop`.
    sizes: tuple[int, int] | None = None
    size_full_p: float = 0.5


def normalize(images01: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    m = torch.tensor(mean, dtype=images01.dtype, device=images01.device).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=images01.dtype, device=images01.device).view(1, 3, 1, 1)
    return (images01 - m) / s


def swap_sides(masks: torch.Tensor, flip_table: torch.Tensor) -> torch.Tensor:
    """Relabel left classes as right and back (ids outside the table, e.g. ignore, stay)."""
    lut = torch.arange(256, dtype=torch.int64, device=masks.device)
    lut[: len(flip_table)] = flip_table.to(masks.device)
    return lut[masks.long()].to(masks.dtype)


def flip_masks(masks: torch.Tensor, flip_table: torch.Tensor) -> torch.Tensor:
    """Mirror (..., H, W) label maps left-right, swapping left/right classes."""
    return swap_sides(masks.flip(-1), flip_table)


# RGB <-> YIQ: a rotation of the (I, Q) chroma plane shifts hue and keeps luma.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def _luma(x: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) luma of (B, 3, H, W) RGB: YIQ's Y."""
    return torch.einsum("j,bjhw->bhw", _RGB_TO_YIQ[0].to(x), x).unsqueeze(1)


def rotate_hue(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate the hue of (B, 3, H, W) RGB images in [0, 1] by `angle` radians, broadcast from (B, 1, 1, 1) or (B, 1, H, W)."""
    yiq = torch.einsum("ij,bjhw->bihw", _RGB_TO_YIQ.to(x), x)
    cos, sin = torch.cos(angle), torch.sin(angle)
    i, q = yiq[:, 1:2], yiq[:, 2:3]
    yiq = torch.cat([yiq[:, 0:1], i * cos - q * sin, i * sin + q * cos], dim=1)
    return torch.einsum("ij,bjhw->bihw", _YIQ_TO_RGB.to(x), yiq).clamp_(0, 1)


def far_background(masks: torch.Tensor, bg_id: int, margin: int) -> torch.Tensor:
    """(B, H, W) bool: pixels of class `bg_id` more than `margin` pixels (Chebyshev) from any other label."""
    other = (masks != bg_id).float().unsqueeze(1)
    if margin > 0:  # a square window is a row window then a column window (10-20x faster than one 2-D pool)
        other = F.max_pool2d(other, (1, 2 * margin + 1), stride=1, padding=(0, margin))
        other = F.max_pool2d(other, (2 * margin + 1, 1), stride=1, padding=(margin, 0))
    return other.squeeze(1) == 0


def mix_backgrounds(images: torch.Tensor, masks: torch.Tensor, cfg: AugmentConfig, g: torch.Generator) -> torch.Tensor:
    """Give chosen photos another batch photo's (randomly mirrored) far background where both are far background.

    The margin is drawn per photo from bg_margin..3*bg_margin, so the seam's distance from the face is no cue.
    """
    b = images.shape[0]
    if cfg.bg_mix_p <= 0 or b < 2:
        return images
    chosen = torch.rand(b, generator=g) < cfg.bg_mix_p
    donor = (torch.arange(b) + 1 + torch.randint(0, b - 1, (b,), generator=g)) % b  # never the photo itself
    mirror = torch.rand(b, generator=g) < 0.5
    margin = torch.randint(cfg.bg_margin, 3 * cfg.bg_margin + 1, (b,), generator=g)
    if not chosen.any():
        return images
    out = images.clone()
    for i in chosen.nonzero().flatten().tolist():
        j = int(donor[i])
        src, src_mask = images[j], masks[j]
        if mirror[i]:
            src, src_mask = src.flip(-1), src_mask.flip(-1)
        far = far_background(torch.stack([masks[i], src_mask]), cfg.bg_id, int(margin[i]))
        where = (far[0] & far[1]).unsqueeze(0).expand_as(src)
        out[i] = torch.where(where, src, out[i])
    return out


def recolour_cloth(images: torch.Tensor, masks: torch.Tensor, cfg: AugmentConfig, g: torch.Generator) -> torch.Tensor:
    """Give chosen photos' clothes a new colour: luma inverted (30%), scaled and shifted, chroma scaled and
    moved to a random hue; blended over a one-pixel feather so the seam is the label's own edge, not a halo.
    (B, 3, H, W) RGB in [0, 1], (B, H, W) labels; labels do not change."""
    b = images.shape[0]
    if cfg.cloth_recolour_p <= 0 or cfg.cloth_id is None:
        return images
    chosen = torch.rand(b, generator=g) < cfg.cloth_recolour_p
    invert = torch.rand(b, generator=g) < 0.3
    gain = 0.6 + 0.8 * torch.rand(b, generator=g)
    offset = (torch.rand(b, generator=g) * 2 - 1) * 0.25
    chroma_gain = torch.rand(b, generator=g)
    angle = torch.rand(b, generator=g) * 2 * math.pi
    radius = torch.rand(b, generator=g) * 0.2
    if not chosen.any():
        return images
    out = images.clone()
    to_yiq, to_rgb = _RGB_TO_YIQ.to(images), _YIQ_TO_RGB.to(images)
    for i in chosen.nonzero().flatten().tolist():
        cloth = (masks[i] == cfg.cloth_id).to(images.dtype)[None, None]
        if not cloth.any():
            continue
        alpha = F.avg_pool2d(cloth, 3, stride=1, padding=1, count_include_pad=False)[0]
        yiq = torch.einsum("ij,jhw->ihw", to_yiq, images[i])
        luma = 1 - yiq[0:1] if invert[i] else yiq[0:1]
        shift = torch.stack([torch.cos(angle[i]), torch.sin(angle[i])]).to(images).view(2, 1, 1) * radius[i]
        new = torch.cat([luma * gain[i] + offset[i], yiq[1:] * chroma_gain[i] + shift])
        new = torch.einsum("ij,jhw->ihw", to_rgb, new).clamp_(0, 1)
        out[i] = images[i] * (1 - alpha) + new * alpha
    return out


def _colour_jitter(x: torch.Tensor, cfg: AugmentConfig, g: torch.Generator) -> torch.Tensor:
    b = x.shape[0]

    def factor(amount: float) -> torch.Tensor:
        return (1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * amount).to(x.device)

    x = x * factor(cfg.brightness)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor(cfg.contrast) + mean
    grey = _luma(x)
    x = (x - grey) * factor(cfg.saturation) + grey
    if cfg.hue > 0:
        x = rotate_hue(
            x.clamp_(0, 1), ((torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * cfg.hue * 2 * math.pi).to(x.device)
        )
    to_grey = (torch.rand(b, 1, 1, 1, generator=g) < cfg.grayscale_p).float().to(x.device)
    grey = _luma(x)
    x = x * (1 - to_grey) + grey.expand_as(x) * to_grey
    return x.clamp_(0, 1)


def _blur(x: torch.Tensor, cfg: AugmentConfig, g: torch.Generator) -> torch.Tensor:
    for i in range(x.shape[0]):
        if torch.rand(1, generator=g).item() >= cfg.blur_p:
            continue
        sigma = 0.3 + torch.rand(1, generator=g).item() * (cfg.blur_sigma_max - 0.3)
        radius = max(1, math.ceil(2 * sigma))
        t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
        k = torch.exp(-(t**2) / (2 * sigma**2))
        k = k / k.sum()
        img = x[i : i + 1]
        img = F.conv2d(
            F.pad(img, (radius, radius, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), groups=3
        )
        img = F.conv2d(
            F.pad(img, (0, 0, radius, radius), mode="replicate"), k.view(1, 1, -1, 1).repeat(3, 1, 1, 1), groups=3
        )
        x[i : i + 1] = img
    return x


def random_affine(b: int, src_size: int, cfg: AugmentConfig, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Affine matrices (B, 2, 3) for `affine_grid` (normalised coords) and a flip flag per sample."""
    log_lo, log_hi = math.log(cfg.scale_min), math.log(cfg.scale_max)
    scale = torch.exp(log_lo + torch.rand(b, generator=g) * (log_hi - log_lo))
    # Output pixels span crop/(src*scale) of the source in normalised units.
    k = cfg.crop / (src_size * scale)
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(cfg.rotate_deg)
    flip = torch.rand(b, generator=g) < cfg.flip_p
    cos, sin = torch.cos(angle), torch.sin(angle)
    sx = torch.where(flip, -k, k)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = cos * sx
    theta[:, 0, 1] = -sin * k
    theta[:, 1, 0] = sin * sx
    theta[:, 1, 1] = cos * k
    # Random crop position: inside the photo where the crop fits, else the photo inside the crop.
    slack = (1 - k).abs()
    theta[:, 0, 2] = (torch.rand(b, generator=g) * 2 - 1) * slack
    theta[:, 1, 2] = (torch.rand(b, generator=g) * 2 - 1) * slack
    return theta, flip


def _per_sample(b: int, p: float, g: torch.Generator) -> torch.Tensor:
    return torch.rand(b, generator=g) < p


def degrade(
    x: torch.Tensor, amount: torch.Tensor, g: torch.Generator, small_face: float = AugmentConfig.small_face
) -> torch.Tensor:
    """Camera and photo faults on (B, 3, H, W) images in [0, 1]; `amount` (B,) scales each sample's odds.

    Colour cast (per-channel gains), low light (darker, gamma), a small face brought back up (down to
    15-50% of the side, then up again, as a 96-256 px face parsed at 512), sensor noise (colour or luma),
    JPEG at quality 25-90. Geometry and labels do not change. `small_face`: the resampling's base odds.
    """
    b, _, h, w = x.shape
    cast = torch.rand(b, generator=g) < 0.3 * amount
    gains = 1 + (torch.rand(b, 3, generator=g) * 2 - 1) * 0.25
    dark = torch.rand(b, generator=g) < 0.15 * amount
    gamma = 1.2 + torch.rand(b, generator=g) * 1.0
    level = 0.25 + torch.rand(b, generator=g) * 0.45
    small = torch.rand(b, generator=g) < small_face * amount
    shrink = 0.15 + torch.rand(b, generator=g) * 0.35
    noisy = torch.rand(b, generator=g) < 0.25 * amount
    sigma = 0.01 + torch.rand(b, generator=g) * 0.05
    luma_only = torch.rand(b, generator=g) < 0.5
    jpeg = torch.rand(b, generator=g) < 0.3 * amount
    quality = torch.randint(25, 91, (b,), generator=g)
    noise_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=g))
    out = x.clone()
    for i in range(b):
        img = out[i : i + 1]
        if cast[i]:
            img = img * gains[i].view(1, 3, 1, 1)
        if dark[i]:
            img = img.clamp(0, 1).pow(float(gamma[i])) * float(level[i])
        if small[i]:
            sh, sw = max(8, round(h * float(shrink[i]))), max(8, round(w * float(shrink[i])))
            img = F.interpolate(img, size=(sh, sw), mode="bilinear", align_corners=False, antialias=True)
            img = F.interpolate(img, size=(h, w), mode="bilinear", align_corners=False)
        if noisy[i]:
            ng = torch.Generator().manual_seed(noise_seed + i)
            n = torch.randn(1, 1 if luma_only[i] else 3, h, w, generator=ng) * float(sigma[i])
            img = img + n
        img = img.clamp(0, 1)
        if jpeg[i]:
            img = _jpeg(img, int(quality[i]))
        out[i : i + 1] = img
    return out


def _jpeg(img: torch.Tensor, quality: int) -> torch.Tensor:
    array = (img[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    back = torch.from_numpy(np.asarray(Image.open(buf).convert("RGB")).copy())
    return back.permute(2, 0, 1).unsqueeze(0).float().div_(255)


def batch_size_px(cfg: AugmentConfig, g: torch.Generator) -> int:
    """This batch's input side: `cfg.crop`, or one drawn from `cfg.sizes`."""
    if cfg.sizes is None:
        return cfg.crop
    lo, hi = cfg.sizes
    if torch.rand(1, generator=g).item() < cfg.size_full_p:
        return hi
    return 32 * int(torch.randint(math.ceil(lo / 32), hi // 32 + 1, (1,), generator=g))


def augment_batch(
    images: torch.Tensor,
    masks: torch.Tensor,
    flip_table: torch.Tensor,
    cfg: AugmentConfig,
    g: torch.Generator,
    scenes=None,
    pool=None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented, normalised images and their labels. With scenes (a `scenes.SceneConfig` with p > 0 and
    its `BackgroundPool`), degradations or several input sizes on, the wild path runs; else the aligned
    path, exactly as the earlier stages trained."""
    if (scenes is not None and scenes.p > 0) or cfg.degrade > 0 or cfg.sizes is not None:
        return _augment_wild(images, masks, flip_table, cfg, g, scenes, pool)
    b, _, h, w = images.shape
    assert h == w, "source images are square (stored at the inference size)"
    x = recolour_cloth(mix_backgrounds(images, masks, cfg, g).float().div_(255), masks, cfg, g)
    x = _colour_jitter(x, cfg, g)
    x = _blur(x, cfg, g)
    x = normalize(x)
    theta, flip = random_affine(b, h, cfg, g)
    theta, flip = theta.to(images.device), flip.to(images.device)
    grid = F.affine_grid(theta, [b, 3, cfg.crop, cfg.crop], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # Masks: sample class id + 1 so that 0 marks "outside the photo", then map it to ignore.
    m = F.grid_sample((masks.float() + 1).unsqueeze(1), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    m = m.squeeze(1).long() - 1
    outside = m < 0
    m[outside] = 0
    # A negative x-scale mirrored the sample: swap left/right classes there.
    m = torch.where(flip.view(b, 1, 1), swap_sides(m, flip_table), m)
    m[outside] = cfg.ignore_index
    return x.contiguous(), m


def _augment_wild(images, masks, flip_table, cfg: AugmentConfig, g: torch.Generator, scenes, pool):
    """Per batch an input side; per sample the plain aligned view (scale, rotation, crop as `cfg`, the
    face at the same fraction of the frame at every side) or a composite (see scenes.py); then colour
    jitter, blur and degradations on the frame. Plain samples get half the degradation odds."""
    from .scenes import compose_scenes  # scenes.py builds on this module

    b, _, h, w = images.shape
    assert h == w, "source images are square (stored at the inference size)"
    size = batch_size_px(cfg, g)
    src = recolour_cloth(mix_backgrounds(images, masks, cfg, g).float().div_(255), masks, cfg, g)
    plain_cfg = replace(cfg, crop=size, scale_min=cfg.scale_min * size / h, scale_max=cfg.scale_max * size / h)
    theta, flip = random_affine(b, h, plain_cfg, g)
    grid = F.affine_grid(theta, [b, 3, size, size], align_corners=False)
    x = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    m = F.grid_sample((masks.float() + 1).unsqueeze(1), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    m = m.squeeze(1).long() - 1
    outside = m < 0
    m[outside] = 0
    m = torch.where(flip.view(b, 1, 1), swap_sides(m, flip_table), m)
    m[outside] = cfg.ignore_index
    wild = torch.zeros(b, dtype=torch.bool)
    if scenes is not None and scenes.p > 0:
        wild = torch.rand(b, generator=g) < scenes.p
        if wild.any():
            idx = wild.nonzero().flatten()
            wx, wm = compose_scenes(src[idx], masks[idx], flip_table, pool, size, scenes, g, cfg.bg_id)
            x[idx], m[idx] = wx, wm
    x = _colour_jitter(x, cfg, g)
    x = _blur(x, cfg, g)
    if cfg.degrade > 0:
        x = degrade(x, torch.where(wild, cfg.degrade, cfg.degrade * 0.5), g, cfg.small_face)
    return normalize(x).contiguous(), m


def prepare_eval(images: torch.Tensor) -> torch.Tensor:
    return normalize(images.float().div_(255))
