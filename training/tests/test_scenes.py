"""Tests of the wild composites (scenes.py), the degradations and input sizes (augment.py) and of
resuming a run from its checkpoint (train.py): small, fast, CPU only.

    training/.venv/bin/python -m unittest discover -s training/tests -v
"""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

TRAINING = Path(__file__).resolve().parents[1]
REPO = TRAINING.parent
sys.path.insert(0, str(TRAINING))

from faceparse_train.augment import AugmentConfig, augment_batch, batch_size_px, degrade  # noqa: E402
from faceparse_train.export import augmentation_description  # noqa: E402
from faceparse_train.labels import CELEBAMASK_HQ_LABELS, flip_lookup  # noqa: E402
from faceparse_train.scenes import BackgroundPool, SceneConfig, compose_scenes, load_backgrounds  # noqa: E402
from faceparse_train.train import augment_config, main as train_main, parse_args, scene_setup  # noqa: E402

LABELS = CELEBAMASK_HQ_LABELS
FLIP = torch.tensor(flip_lookup(LABELS), dtype=torch.int64)
L_EYE, R_EYE, SKIN, HAIR = LABELS.index("l_eye"), LABELS.index("r_eye"), LABELS.index("skin"), LABELS.index("hair")
CLOTH = LABELS.index("cloth")
# Source colours: the crop's own background blue, skin red, hair yellow, the person's left eye (on the
# image's right) white, the right eye black; the background pool pure green.
COLOURS = {0: (0, 0, 255), SKIN: (255, 0, 0), HAIR: (255, 255, 0), L_EYE: (255, 255, 255), R_EYE: (0, 0, 0)}
GREEN = (0, 255, 0)


def face(size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """A cartoon aligned crop: hair above, a skin oval, two eyes (l_eye on the image's right)."""
    mask = np.zeros((size, size), np.uint8)
    yy, xx = np.mgrid[:size, :size]
    mask[(yy < size * 0.45) & (abs(xx - size / 2) < size * 0.35)] = HAIR
    mask[((yy - size * 0.55) / 0.3) ** 2 + ((xx - size / 2) / 0.25) ** 2 < size**2] = SKIN
    mask[(abs(yy - size * 0.5) < size * 0.06) & (abs(xx - size * 0.38) < size * 0.07)] = R_EYE
    mask[(abs(yy - size * 0.5) < size * 0.06) & (abs(xx - size * 0.62) < size * 0.07)] = L_EYE
    image = np.zeros((size, size, 3), np.uint8)
    for cls, colour in COLOURS.items():
        image[mask == cls] = colour
    return torch.from_numpy(image).permute(2, 0, 1).contiguous(), torch.from_numpy(mask)


def green_pool() -> BackgroundPool:
    return BackgroundPool(
        [torch.tensor(GREEN, dtype=torch.uint8).view(3, 1, 1).expand(3, 80, 120).contiguous()], ["green"]
    )


def colour_of(pixels: torch.Tensor) -> list[tuple[int, int, int]]:
    """Nearest source colour (or green) of each (3,) float pixel in [0, 1]."""
    palette = torch.tensor(list(COLOURS.values()) + [GREEN], dtype=torch.float32) / 255
    names = list(COLOURS.values()) + [GREEN]
    idx = torch.cdist(pixels.T.contiguous(), palette).argmin(1)
    return [names[i] for i in idx.tolist()]


class CompositeTest(unittest.TestCase):
    def compose(self, seed: int, **kw):
        images, masks = zip(*[face() for _ in range(4)])
        images01 = torch.stack(images).float() / 255
        cfg = SceneConfig(p=1.0, made_bg_p=0.0, **kw)
        return compose_scenes(
            images01, torch.stack(masks), FLIP, green_pool(), 96, cfg, torch.Generator().manual_seed(seed)
        )

    def test_labels_follow_the_pixels_away_from_edges(self):
        for seed in range(6):
            x, y = self.compose(seed, beside_p=0.5)
            for i in range(x.shape[0]):
                # Pixels whose 3x3 neighbourhood has one label: no seam, the colour must be that label's.
                pad = torch.nn.functional.pad(y[i].float()[None, None], (1, 1, 1, 1), mode="replicate")
                win = pad.unfold(2, 3, 1).unfold(3, 3, 1).reshape(96, 96, 9)
                flat = (win == win[..., :1]).all(-1)
                got = colour_of(x[i][:, flat])
                labels = y[i][flat].tolist()
                wrong = 0
                for lab, col in zip(labels, got):
                    if lab == 0:
                        wrong += col not in (GREEN, COLOURS[0])
                    elif lab in (L_EYE, R_EYE):
                        wrong += col not in (COLOURS[L_EYE], COLOURS[R_EYE])
                    else:
                        wrong += col != COLOURS[lab]
                self.assertLess(wrong / max(1, len(labels)), 0.01, f"seed {seed} sample {i}: {wrong} of {len(labels)}")

    def test_person_by_mask_leaves_the_crop_background_out(self):
        x, y = self.compose(0, rect_p=0.0, beside_p=0.0)
        blue = torch.tensor(COLOURS[0], dtype=torch.float32).view(3, 1, 1) / 255
        self.assertLess(float(((x - blue).abs().sum(1) < 0.1).float().mean()), 0.002)
        x, y = self.compose(0, rect_p=1.0, beside_p=0.0)
        self.assertGreater(float(((x - blue).abs().sum(1) < 0.1).float().mean()), 0.02)  # its own background came too

    def test_flip_swaps_every_left_right_pair_with_the_pixels(self):
        seen = set()
        for seed in range(8):
            x, y = self.compose(seed, rotate_deg=0.0, beside_p=0.0, cut=0.0)
            for i in range(x.shape[0]):
                left, right = y[i] == L_EYE, y[i] == R_EYE
                if left.sum() < 4 or right.sum() < 4:
                    continue
                cols = torch.arange(96).float()
                # The person's left eye is on the image's right, flipped or not.
                self.assertGreater(float(cols.expand(96, 96)[left].mean()), float(cols.expand(96, 96)[right].mean()))
                seen.add(colour_of(x[i][:, left].mean(1, keepdim=True))[0])
        self.assertEqual(seen, {COLOURS[L_EYE], COLOURS[R_EYE]}, "both mirrored and plain samples were drawn")

    def test_zoom_sets_the_size_of_the_person(self):
        small = np.mean(
            [
                float(
                    (self.compose(s, zoom_min=0.35, zoom_max=0.4, beside_p=0.0, rect_p=1.0, cut=0.0)[1] != 0)
                    .float()
                    .mean()
                )
                for s in range(3)
            ]
        )
        large = np.mean(
            [
                float(
                    (self.compose(s, zoom_min=0.95, zoom_max=1.0, beside_p=0.0, rect_p=1.0, cut=0.0)[1] != 0)
                    .float()
                    .mean()
                )
                for s in range(3)
            ]
        )
        self.assertLess(small, large * 0.3)

    def dressed(self, seed: int, chin_at_bottom: bool = False, **kw):
        """Composites of a cartoon whose crop ends in a shirt (CLOTH rows at the bottom, magenta), upright."""
        images, masks = zip(*[face() for _ in range(4)])
        masks = [m.clone() for m in masks]
        images = [i.clone() for i in images]
        for image, mask in zip(images, masks):
            mask[-8:, 12:52] = SKIN if chin_at_bottom else CLOTH
            image[:, -8:, 12:52] = torch.tensor(COLOURS[SKIN] if chin_at_bottom else (255, 0, 255)).view(3, 1, 1)
        cfg = SceneConfig(
            p=1.0,
            made_bg_p=0.0,
            rect_p=0.0,
            beside_p=0.0,
            bottom_p=0.0,
            cut=0.0,
            rotate_deg=0.0,
            zoom_min=0.4,
            zoom_max=0.4,
            **kw,
        )
        images01 = torch.stack(images).float() / 255
        return compose_scenes(
            images01, torch.stack(masks), FLIP, green_pool(), 96, cfg, torch.Generator().manual_seed(seed)
        )

    def test_torso_continues_the_clothes_below_the_crop(self):
        skip = (SKIN, L_EYE, R_EYE)
        for seed in range(3):
            _, plain = self.dressed(seed)
            x, torso = self.dressed(seed, torso_p=1.0, torso_min=0.5, torso_max=0.5, torso_skip=skip)
            for i in range(4):
                rows = (plain[i] == CLOTH).any(1).nonzero().flatten()
                below = torso[i, int(rows.max()) + 2 :] == CLOTH  # under the crop's bottom edge
                # Half a crop (0.4 x 96 / 2 = 19 rows) of shirt more, cut where the frame ends.
                self.assertGreaterEqual(
                    int(below.any(1).sum()), min(15, 96 - int(rows.max()) - 3), f"seed {seed} sample {i}"
                )
                # Labels and pixels go on together: the continued shirt is magenta.
                magenta = torch.tensor([1.0, 0.0, 1.0]).view(3, 1)
                inner = below.clone()  # away from the shirt's anti-aliased sides
                inner[:, 2:-2] &= below[:, :-4] & below[:, 4:]
                inner[:, :2] = inner[:, -2:] = False
                pixels = x[i][:, int(rows.max()) + 2 :][:, inner]
                close = (pixels - magenta).abs().max(0).values < 0.1
                self.assertGreater(float(close.float().mean()), 0.75, f"seed {seed} sample {i}")
                self.assertTrue(
                    torch.equal(torso[i, : int(rows.max())], plain[i, : int(rows.max())]), "the crop is as it was"
                )

    def test_torso_skips_a_crop_whose_bottom_is_the_face(self):
        _, plain = self.dressed(0, chin_at_bottom=True)
        _, torso = self.dressed(0, chin_at_bottom=True, torso_p=1.0, torso_skip=(SKIN,))
        self.assertTrue(torch.equal(plain, torso))

    def test_backgrounds_load_files_folders_and_photo_regions(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            Image.new("RGB", (300, 200), (10, 20, 30)).save(tmp / "a.jpg")
            (tmp / "more").mkdir()
            Image.new("RGB", (50, 50), (1, 2, 3)).save(tmp / "more" / "b.png")
            (tmp / "regions.json").write_text(json.dumps([["a.jpg", 10, 20, 100, 40]]))
            pool = load_backgrounds(
                [str(tmp / "a.jpg"), str(tmp / "more")], str(tmp / "regions.json"), str(tmp), max_side=150
            )
            self.assertEqual([tuple(p.shape) for p in pool.pictures], [(3, 100, 150), (3, 50, 50), (3, 40, 100)])
            with self.assertRaisesRegex(ValueError, "--photos"):
                load_backgrounds([], str(tmp / "regions.json"))
            with self.assertRaisesRegex(ValueError, "no such file"):
                load_backgrounds([str(tmp / "missing")])

    def test_the_shared_regions_list_is_read(self):
        regions = json.loads((REPO / "scripts" / "photo-regions.json").read_text())
        self.assertTrue(regions and all(len(r) == 5 for r in regions))


class DegradeAndSizeTest(unittest.TestCase):
    def test_degradations_keep_the_geometry(self):
        x = torch.zeros(6, 3, 64, 64)
        x[:, :, 20:40, 30:50] = 0.9
        out = degrade(x, torch.full((6,), 3.0), torch.Generator().manual_seed(1))
        self.assertEqual(out.shape, x.shape)
        self.assertFalse(torch.equal(out, x))
        for i in range(6):
            w = out[i].mean(0)
            w = w - w.min()
            ys, xs = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
            cy, cx = float((w * ys).sum() / w.sum()), float((w * xs).sum() / w.sum())
            self.assertAlmostEqual(cy, 29.5, delta=3)
            self.assertAlmostEqual(cx, 39.5, delta=3)

    def test_small_face_odds_pick_the_resampling_alone(self):
        # A sharp checkerboard: resampling it down and up blurs it away; the other degradations (drawn the
        # same with either odds) leave it a checkerboard.
        ys, xs = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
        x = ((ys + xs) % 2).float().expand(4, 3, 64, 64).clone()
        amount = torch.full((4,), 1.0)
        never = degrade(x, amount, torch.Generator().manual_seed(5), small_face=0.0)
        always = degrade(x, amount, torch.Generator().manual_seed(5), small_face=1.0)

        def contrast(img):
            return float((img[:, :, 1:] - img[:, :, :-1]).abs().mean())

        for i in range(4):
            # Down to 15-50% and back up: neighbours of the checkerboard nearly agree.
            self.assertLess(contrast(always[i]), 0.5 * contrast(never[i]))

    def test_a_batch_takes_the_small_face_odds_from_its_config(self):
        # Odds 2 resample every sample (plain ones get half: 1); odds 0 none. The same seed draws the same
        # warps, jitter and other degradations, so only the resampling can make the first batch smoother.
        _, masks = zip(*[face(64) for _ in range(4)])
        masks = torch.stack(masks)
        ys, xs = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
        images = (((ys // 2 + xs // 2) % 2) * 255).to(torch.uint8).expand(4, 3, 64, 64).clone()  # fine texture

        def edges(small_face):
            cfg = AugmentConfig(crop=64, degrade=1.0, small_face=small_face)
            x, _ = augment_batch(images, masks, FLIP, cfg, torch.Generator().manual_seed(9))
            return (x[..., 1:] - x[..., :-1]).abs().mean(dim=(1, 2, 3))

        smooth, sharp = edges(2.0), edges(0.0)
        self.assertTrue(bool((smooth < 0.8 * sharp).all()), f"{smooth} against {sharp}")

    def test_off_draws_nothing_and_keeps_the_earlier_path(self):
        images, masks = zip(*[face() for _ in range(2)])
        images, masks = torch.stack(images), torch.stack(masks)
        cfg = AugmentConfig(crop=64)
        a = augment_batch(images, masks, FLIP, cfg, torch.Generator().manual_seed(3))
        b = augment_batch(
            images, masks, FLIP, cfg, torch.Generator().manual_seed(3), SceneConfig(p=0.0), BackgroundPool()
        )
        self.assertTrue(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]))

    def test_input_sizes_per_batch(self):
        g = torch.Generator().manual_seed(0)
        cfg = AugmentConfig(crop=512, sizes=(192, 512))
        sizes = [batch_size_px(cfg, g) for _ in range(200)]
        self.assertTrue(all(s % 32 == 0 and 192 <= s <= 512 for s in sizes))
        self.assertGreater(sizes.count(512), 60)
        self.assertGreater(len(set(sizes)), 6)
        images, masks = zip(*[face(128) for _ in range(3)])
        x, y = augment_batch(
            torch.stack(images),
            torch.stack(masks),
            FLIP,
            AugmentConfig(crop=128, sizes=(64, 128), degrade=1.0),
            torch.Generator().manual_seed(5),
            SceneConfig(p=0.5, made_bg_p=1.0),
            BackgroundPool(),
        )
        self.assertEqual(x.shape[-1], y.shape[-1])
        self.assertEqual(x.shape[0], 3)

    def test_the_command_line_reaches_the_composites(self):
        with tempfile.TemporaryDirectory() as tmp:
            Image.new("RGB", (64, 64)).save(Path(tmp) / "bg.png")
            args = parse_args(
                [
                    "--out",
                    "-",
                    "--scenes",
                    "0.6",
                    "--zoom-min",
                    "0.4",
                    "--scene-rotate",
                    "20",
                    "--backgrounds",
                    tmp,
                    "--degrade",
                    "0.5",
                    "--sizes",
                    "192,512",
                    "--small-face",
                    "0.6",
                ]
            )
            cfg, pool = scene_setup(args)
            self.assertEqual((cfg.p, cfg.zoom_min, cfg.rotate_deg, len(pool)), (0.6, 0.4, 20.0, 1))
            aug = augment_config(args, LABELS)
            self.assertEqual((aug.degrade, aug.sizes, aug.small_face), (0.5, (192, 512), 0.6))
        self.assertEqual(scene_setup(parse_args(["--out", "-"])), (None, None))
        with self.assertRaisesRegex(ValueError, "--sizes"):
            augment_config(parse_args(["--out", "-", "--sizes", "200,500"]), LABELS)


class CardTest(unittest.TestCase):
    def test_the_card_names_the_wild_views_the_run_used(self):
        plain = augmentation_description({})
        self.assertNotIn("wild composites", plain)
        self.assertNotIn("degradations", plain)
        text = augmentation_description({"scenes": 0.5, "photo_regions": "r.json", "degrade": 1.0, "sizes": "192,512"})
        self.assertIn(
            "wild composites (p 0.5: the person zoomed out to 0.35-1 of the frame onto face-free pictures and face-free regions",
            text,
        )
        self.assertIn("rotated up to +-30 degrees", text)
        self.assertIn("degradations (odds x1: colour casts, low light, small-face resampling, noise, JPEG)", text)
        self.assertIn("input side per batch 192-512 px", text)


class ResumeTest(unittest.TestCase):
    def test_a_run_in_chunks_ends_where_the_run_in_one_goes(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for split, n in (("train", 6), ("val", 2)):
                (tmp / "data" / split / "images").mkdir(parents=True)
                (tmp / "data" / split / "masks").mkdir(parents=True)
                for i in range(n):
                    image, mask = face(64)
                    if split == "train" and i == 0:
                        # A necklace in one image of six: a rare class, drawn 3 times an epoch (--rare-repeat).
                        mask[0, :4] = 16
                    Image.fromarray(image.permute(1, 2, 0).numpy()).save(
                        tmp / "data" / split / "images" / f"{split}{i}.png"
                    )
                    Image.fromarray(mask.numpy()).save(tmp / "data" / split / "masks" / f"{split}{i}.png")
            Image.new("RGB", (80, 60), GREEN).save(tmp / "bg.png")
            arch = tmp / "arch.json"
            arch.write_text(
                json.dumps(
                    {
                        "hidden_sizes": [8, 16, 24, 32],
                        "depths": [1, 1, 1, 1],
                        "num_attention_heads": [1, 1, 1, 2],
                        "decoder_hidden_size": 16,
                    }
                )
            )
            common = [
                "--data",
                str(tmp / "data"),
                "--arch",
                str(arch),
                "--size",
                "64",
                "--crop",
                "64",
                "--batch",
                "2",
                "--max-steps",
                "7",
                "--warmup-steps",
                "2",
                "--precision",
                "fp32",
                "--threads",
                "1",
                "--scenes",
                "0.5",
                "--backgrounds",
                str(tmp / "bg.png"),
                "--degrade",
                "1",
                "--sizes",
                "32,64",
                "--aux-loss",
                "lovasz",
                "--ohem",
                "0.3",
                "--drop-path",
                "0.2",
                "--rare-repeat",
                "3",
            ]
            self.assertEqual(train_main(common + ["--out", str(tmp / "one")]), 0)
            # 8 draws an epoch (the necklace image 3 times), 4 steps of 2: stop at the first epoch's end,
            # then inside the second, then finish.
            self.assertEqual(train_main(common + ["--out", str(tmp / "chunks"), "--stop-at-step", "4"]), 0)
            self.assertFalse((tmp / "chunks" / "final.pt").exists())
            self.assertEqual(torch.load(tmp / "chunks" / "last.pt", weights_only=False)["step"], 4)
            self.assertEqual(train_main(common + ["--out", str(tmp / "chunks"), "--stop-at-step", "6"]), 0)
            order = torch.load(tmp / "chunks" / "last.pt", weights_only=False)["order"]
            self.assertEqual(sorted(order.tolist()), [0, 0, 0, 1, 2, 3, 4, 5])
            self.assertEqual(train_main(common + ["--out", str(tmp / "chunks")]), 0)
            one = torch.load(tmp / "one" / "final.pt", weights_only=False)
            chunks = torch.load(tmp / "chunks" / "final.pt", weights_only=False)
            self.assertEqual(one["step"], chunks["step"])
            for name, value in one["model"].items():
                self.assertTrue(torch.equal(value, chunks["model"][name]), name)


if __name__ == "__main__":
    unittest.main()
