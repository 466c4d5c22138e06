"""Tests of the training pipeline: small, fast, CPU only.

training/.venv/bin/python -m unittest discover -s training/tests -v
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

TRAINING = Path(__file__).resolve().parents[1]
REPO = TRAINING.parent
sys.path.insert(0, str(TRAINING))

from faceparse_train.allocator import HINT, MALLOC_CONF, find_jemalloc, jemalloc_env  # noqa: E402
from faceparse_train.augment import (  # noqa: E402
    AugmentConfig,
    augment_batch,
    far_background,
    flip_masks,
    mix_backgrounds,
    recolour_cloth,
    rotate_hue,
)
from faceparse_train.calibrate import OffsetSearch, mean_f1  # noqa: E402
from faceparse_train.data import celebamask_hq, paired_folder  # noqa: E402
from faceparse_train.export import augmentation_description, loss_description, natural_key  # noqa: E402
from faceparse_train.from_onnx import calibrate_batch_norm, load_from_onnx  # noqa: E402
from faceparse_train.grow import ZEROED, grow, main as grow_main  # noqa: E402
from faceparse_train.hf_export import export_onnx, ort_session, save_hf_layout  # noqa: E402
from faceparse_train.labels import CELEBAMASK_HQ_LABELS, background_id, flip_lookup, left_right_pairs  # noqa: E402
from faceparse_train.losses import downsample_labels, lovasz_softmax, segmentation_loss, soft_dice  # noqa: E402
from faceparse_train.metrics import ConfusionMatrix  # noqa: E402
from faceparse_train.model import build_model  # noqa: E402
from faceparse_train.plot import plot_curves, read_stages, stage_name  # noqa: E402
from faceparse_train.train import EvalSet, augment_config, class_weights, evaluate, parse_args  # noqa: E402

TINY = {
    "hidden_sizes": [8, 16, 24, 32],
    "depths": [1, 1, 1, 1],
    "num_attention_heads": [1, 1, 1, 2],
    "decoder_hidden_size": 16,
}
LABELS = CELEBAMASK_HQ_LABELS


def tiny_run(tmp: Path, seed: int, split: str, count: int, shape: tuple[int, int], ext: str):
    """A tiny random SegFormer saved as a training checkpoint, and `count` random photo/mask pairs in
    <tmp>/data/<split>; returns (model, checkpoint path, split folder)."""
    torch.manual_seed(seed)
    model = build_model("b0", LABELS, overrides=TINY).eval()
    ckpt = tmp / "final.pt"
    torch.save({"model": model.state_dict(), "config": model.config.to_dict(), "labels": LABELS, "size": 64}, ckpt)
    data = tmp / "data" / split
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 255, (*shape, 3), dtype=np.uint8)).save(data / "images" / f"{i}.{ext}")
        Image.fromarray(rng.integers(0, 19, shape, dtype=np.uint8)).save(data / "masks" / f"{i}.png")
    return model, ckpt, data


class FlipTest(unittest.TestCase):
    def test_pairs_are_sides_only(self):
        names = {(LABELS[i], LABELS[j]) for i, j in left_right_pairs(LABELS)}
        self.assertEqual(names, {("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_ear", "r_ear")})
        # neck_l (necklace) and ear_r (earring) are not sides.
        table = flip_lookup(LABELS)
        self.assertEqual(table[LABELS.index("neck_l")], LABELS.index("neck_l"))
        self.assertEqual(table[LABELS.index("ear_r")], LABELS.index("ear_r"))

    def test_flip_mirrors_and_swaps(self):
        l_eye, r_eye, l_brow, r_brow, nose = (LABELS.index(n) for n in ("l_eye", "r_eye", "l_brow", "r_brow", "nose"))
        mask = torch.tensor([[l_eye, nose, r_eye, 255], [l_brow, 0, 0, r_brow]], dtype=torch.uint8)
        flipped = flip_masks(mask, torch.tensor(flip_lookup(LABELS)))
        expected = torch.tensor([[255, l_eye, nose, r_eye], [l_brow, 0, 0, r_brow]], dtype=torch.uint8)
        self.assertTrue(torch.equal(flipped, expected), flipped)

    def test_augmentation_flip_swaps_sides(self):
        # Left half l_eye, right half r_eye: a pure flip (no scale/rotation) must keep l_eye on the left.
        l_eye, r_eye = LABELS.index("l_eye"), LABELS.index("r_eye")
        masks = torch.full((2, 64, 64), l_eye, dtype=torch.uint8)
        masks[:, :, 32:] = r_eye
        images = torch.zeros((2, 3, 64, 64), dtype=torch.uint8)
        images[:, 0, :, 32:] = 255  # red on the right
        cfg = AugmentConfig(
            crop=64,
            scale_min=1,
            scale_max=1,
            rotate_deg=0,
            flip_p=1.0,
            blur_p=0,
            grayscale_p=0,
            brightness=0,
            contrast=0,
            saturation=0,
        )
        x, y = augment_batch(images, masks, torch.tensor(flip_lookup(LABELS)), cfg, torch.Generator().manual_seed(0))
        self.assertTrue((x[:, 0, :, :28] > 0).all(), "the red half moved to the left")
        # The pixels now on the left showed the person's right eye; mirrored, it is their left eye.
        self.assertTrue((y[:, :, :28] == l_eye).all())
        self.assertTrue((y[:, :, 36:] == r_eye).all())


class BackgroundMixTest(unittest.TestCase):
    def test_far_background_keeps_a_margin_around_every_other_label(self):
        masks = torch.zeros((1, 40, 40), dtype=torch.uint8)
        masks[0, 10:20, 15:25] = LABELS.index("hair")
        far = far_background(masks, 0, 4)[0]
        self.assertFalse(far[6:24, 11:29].any(), "within 4 px (Chebyshev) of the hair is near")
        self.assertTrue(far[5, :].all() and far[24, :].all() and far[:, 10].all() and far[:, 29].all())
        self.assertEqual(int(far.sum()), 40 * 40 - 18 * 18)
        self.assertTrue(torch.equal(far_background(masks, 0, 0)[0], masks[0] == 0))

    def test_only_far_background_of_both_photos_changes_and_labels_stay(self):
        hair, skin = LABELS.index("hair"), LABELS.index("skin")
        masks = torch.zeros((2, 48, 48), dtype=torch.uint8)
        masks[0, 12:40, 14:34] = skin
        masks[0, 4:12, 10:38] = hair
        masks[1, :, :20] = hair  # the donor's background is its right part only: a mirror moves it left
        images = torch.zeros((2, 3, 48, 48), dtype=torch.uint8)
        images[0] = 40
        images[1, 0], images[1, 1], images[1, 2] = 200, 30, 90
        cfg = AugmentConfig(bg_mix_p=1.0, bg_margin=3)
        fars = {m: far_background(masks, 0, m) for m in range(3, 10)}
        seen, margins = set(), set()
        for seed in range(12):
            out = mix_backgrounds(images, masks, cfg, torch.Generator().manual_seed(seed))
            changed = (out[0] != images[0]).any(0)
            self.assertTrue(
                torch.equal(out[0][:, changed], images[1][:, changed]), "changed pixels show the donor's colour"
            )
            found = [
                (m, mir)
                for m, far in fars.items()
                for mir in (True, False)
                if torch.equal(changed, far[0] & (far[1].flip(-1) if mir else far[1]))
            ]
            self.assertEqual(len(found), 1, "exactly where both are far background, at one margin in 3..9")
            ((m, mirrored),) = found
            margins.add(m)
            self.assertFalse((changed & (masks[0] != 0)).any())
            self.assertTrue(changed.any())
            seen.add(mirrored)
        self.assertEqual(seen, {True, False}, "the donor is mirrored about half the time")
        self.assertGreater(len(margins), 3, "each photo draws its margin")
        table = torch.tensor(flip_lookup(LABELS))
        x, y = augment_batch(
            images,
            masks,
            table,
            AugmentConfig(crop=48, bg_mix_p=1.0, bg_margin=3, **ColourTest.NO_JITTER),
            torch.Generator().manual_seed(0),
        )
        plain, y0 = augment_batch(
            images, masks, table, AugmentConfig(crop=48, **ColourTest.NO_JITTER), torch.Generator().manual_seed(0)
        )
        self.assertTrue(torch.equal(y, masks.long()) and torch.equal(y0, y), "labels never change")
        # augment_batch applies the mix: far background changed, the rest of the photo as without it.
        changed = (x != plain).any(1)
        self.assertTrue(changed[0].any())
        self.assertFalse((changed & (masks != 0)).any())

    def test_no_donor_for_a_single_photo_and_off_at_zero(self):
        images = torch.randint(0, 255, (1, 3, 16, 16), dtype=torch.uint8)
        masks = torch.zeros((1, 16, 16), dtype=torch.uint8)
        cfg = AugmentConfig(bg_mix_p=1.0)
        self.assertIs(mix_backgrounds(images, masks, cfg, torch.Generator().manual_seed(0)), images)
        two = images.repeat(2, 1, 1, 1)
        g = torch.Generator().manual_seed(0)
        before = g.get_state()
        self.assertIs(mix_backgrounds(two, masks.repeat(2, 1, 1), AugmentConfig(bg_mix_p=0.0), g), two)
        self.assertTrue(torch.equal(g.get_state(), before), "off draws no random numbers, so earlier recipes replay")

    def test_the_command_line_reaches_the_augmentation(self):
        args = parse_args(["--out", "-", "--bg-mix", "0.5", "--bg-margin", "8", "--hue", "0.03", "--crop", "256"])
        cfg = augment_config(args, ["skin", "background", "hair"])
        self.assertEqual((cfg.bg_mix_p, cfg.bg_margin, cfg.bg_id, cfg.hue, cfg.crop), (0.5, 8, 1, 0.03, 256))
        self.assertEqual(augment_config(parse_args(["--out", "-"]), LABELS).bg_mix_p, 0.0)

    def test_background_class_is_found_by_name(self):
        self.assertEqual(background_id(LABELS), 0)
        self.assertEqual(background_id(["skin", "hair", "Background"]), 2)
        self.assertEqual(background_id(["skin", "hair"]), 0)


class ColourTest(unittest.TestCase):
    NO_JITTER = dict(
        scale_min=1,
        scale_max=1,
        rotate_deg=0,
        flip_p=0,
        blur_p=0,
        grayscale_p=0,
        brightness=0,
        contrast=0,
        saturation=0,
    )

    def test_hue_rotation_keeps_luma_and_turns_colours(self):
        x = torch.rand(2, 3, 8, 8) * 0.5 + 0.25
        self.assertLess((rotate_hue(x.clone(), torch.zeros(2, 1, 1, 1)) - x).abs().max().item(), 1e-6)
        turned = rotate_hue(x.clone(), torch.full((2, 1, 1, 1), 0.7))
        back = rotate_hue(turned.clone(), torch.full((2, 1, 1, 1), -0.7))
        self.assertLess((back - x).abs().max().item(), 1e-5)
        luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        self.assertLess(((turned - x) * luma).sum(1).abs().max().item(), 1e-5)
        # A third of a turn takes a reddish colour to a greenish one (YIQ hue is close to HSV hue).
        red = torch.tensor([0.7, 0.3, 0.3]).view(1, 3, 1, 1)
        green = rotate_hue(red.clone(), torch.full((1, 1, 1, 1), -2 * torch.pi / 3)).flatten()
        self.assertEqual(int(green.argmax()), 1, green)

    def test_hue_jitter_turns_each_photo_and_keeps_its_luma(self):
        images = torch.zeros((4, 3, 16, 16), dtype=torch.uint8)
        images[:, 0], images[:, 1], images[:, 2] = 180, 110, 70
        masks = torch.zeros((4, 16, 16), dtype=torch.uint8)
        table = torch.tensor(flip_lookup(LABELS))
        plain, _ = augment_batch(
            images, masks, table, AugmentConfig(crop=16, **self.NO_JITTER), torch.Generator().manual_seed(2)
        )
        x, _ = augment_batch(
            images, masks, table, AugmentConfig(crop=16, hue=0.1, **self.NO_JITTER), torch.Generator().manual_seed(2)
        )
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)  # back to [0, 1] units
        luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        self.assertLess((((x - plain) * std) * luma).sum(1).abs().max().item(), 1e-5)
        # The chroma plane (YIQ's I, Q) turned by a nonzero angle of at most 0.1 of a full turn (36 degrees).
        iq = torch.tensor([[0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]])
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        a, b = (torch.einsum("ij,bj->bi", iq, (v * std + mean)[:, :, 8, 8]) for v in (plain, x))
        turned = torch.rad2deg(torch.atan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], (a * b).sum(1))).abs()
        self.assertTrue((turned > 0.5).all() and (turned <= 36.01).all() and (turned > 5).any(), turned)
        colours = x[:, :, 8, 8]
        self.assertGreater(torch.cdist(colours, colours).max().item(), 0.01, "each photo draws its own turn")

    def test_with_hue_off_the_augmentation_replays_as_before_hue_existed(self):
        # Values from augment.py at 5975147 (before --hue) on the same input: with hue 0 no random number is drawn for
        # it, so the committed recipes of earlier stages replay exactly.
        i = torch.arange(4 * 3 * 40 * 40)
        images = ((i * 37) % 251).view(4, 3, 40, 40).to(torch.uint8)
        masks = ((torch.arange(4 * 40 * 40) // 7) % 19).view(4, 40, 40).to(torch.uint8)
        g = torch.Generator().manual_seed(5)
        for _ in range(3):  # draws of one batch decide the next
            x, y = augment_batch(
                images, masks, torch.tensor(flip_lookup(LABELS)), AugmentConfig(crop=32, blur_p=0.5, grayscale_p=0.3), g
            )
        self.assertAlmostEqual(float(x.double().sum()), 353.817, places=2)
        torch.testing.assert_close(x[:, 0, 5, 7], torch.tensor([-0.4143, -0.1178, -0.8048, -0.6275]), atol=1e-4, rtol=0)
        self.assertEqual(
            torch.bincount(y.flatten(), minlength=256)[[0, 1, 2, 18, 255]].tolist(), [190, 234, 187, 213, 36]
        )


class ClothRecolourTest(unittest.TestCase):
    CLOTH = LABELS.index("cloth")

    def batch(self):
        g = torch.Generator().manual_seed(3)
        images = torch.rand((6, 3, 24, 24), generator=g) * 0.2 + 0.1  # dark, like most CelebAMask-HQ clothes
        masks = torch.zeros((6, 24, 24), dtype=torch.long)
        masks[:, 16:, :] = self.CLOTH
        masks[:, 4:16, 6:18] = 1  # skin above the clothes
        return images, masks

    def test_only_the_clothes_change_and_each_photo_gets_its_own_colour(self):
        images, masks = self.batch()
        cfg = AugmentConfig(cloth_recolour_p=1.0, cloth_id=self.CLOTH)
        out = recolour_cloth(images, masks, cfg, torch.Generator().manual_seed(1))
        changed = (out - images).abs().amax(1) > 1e-6
        # Rows 0-14 are more than one pixel from the clothes (the feather is one pixel wide): untouched.
        self.assertFalse(changed[:, :15].any())
        self.assertTrue(changed[:, 17:].all(), "every cloth pixel inside the feather takes the new colour")
        cloth_mean = out[:, :, 17:].mean(dim=(2, 3))
        self.assertGreater(torch.cdist(cloth_mean, cloth_mean).max().item(), 0.1, cloth_mean)
        self.assertGreater(cloth_mean.max().item(), 0.45, "some dark clothes come out light")
        # The texture stays: the new colour is a per-photo map of the old one, so neighbouring cloth pixels
        # that differ before still differ after.
        self.assertGreater((out[:, :, 18, 1:] - out[:, :, 18, :-1]).abs().amax().item(), 0.01)

    def test_off_draws_nothing_and_photos_without_clothes_stay(self):
        images, masks = self.batch()
        g = torch.Generator().manual_seed(1)
        self.assertIs(recolour_cloth(images, masks, AugmentConfig(cloth_id=self.CLOTH), g), images)
        self.assertIs(recolour_cloth(images, masks, AugmentConfig(cloth_recolour_p=1.0, cloth_id=None), g), images)
        self.assertEqual(
            torch.rand(1, generator=g).item(), torch.rand(1, generator=torch.Generator().manual_seed(1)).item()
        )
        bare = torch.zeros_like(masks)
        out = recolour_cloth(images, bare, AugmentConfig(cloth_recolour_p=1.0, cloth_id=self.CLOTH), g)
        torch.testing.assert_close(out, images, atol=0, rtol=0)

    def test_both_augmentation_paths_recolour_the_source(self):
        images, masks = self.batch()
        images = (images * 255).to(torch.uint8)
        table = torch.tensor(flip_lookup(LABELS))
        for path in ({}, {"sizes": (32, 32), "crop": 32}):  # the aligned path; the wild one (several sizes)
            base = {"crop": 24, **ColourTest.NO_JITTER, **path}
            if "sizes" in path:
                images32 = F.interpolate(images.float(), size=32).to(torch.uint8)
                masks32 = F.interpolate(masks[:, None].float(), size=32).long()[:, 0]
            else:
                images32, masks32 = images, masks
            runs = [
                augment_batch(
                    images32,
                    masks32,
                    table,
                    AugmentConfig(**base, cloth_recolour_p=p, cloth_id=self.CLOTH),
                    torch.Generator().manual_seed(4),
                )[0]
                for p in (0.0, 1.0)
            ]
            changed = (runs[1] - runs[0]).abs().amax(1) > 1e-4
            top = masks32.shape[1] * 16 // 24 - 2  # rows clear of the clothes and their feather
            self.assertFalse(changed[:, :top].any(), path)
            self.assertTrue(changed[:, top + 3 :].float().mean() > 0.9, path)

    def test_the_command_line_turns_it_on_with_the_label_sets_cloth(self):
        args = parse_args(["--out", "-", "--cloth-recolour", "0.4"])
        cfg = augment_config(args, LABELS)
        self.assertEqual((cfg.cloth_recolour_p, cfg.cloth_id), (0.4, self.CLOTH))
        self.assertIsNone(augment_config(args, [n for n in LABELS if n != "cloth"]).cloth_id)


class DataTest(unittest.TestCase):
    def test_celebamask_hq_merge_order(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "CelebA-HQ-img").mkdir()
            anno = root / "CelebAMask-HQ-mask-anno" / "0"
            anno.mkdir(parents=True)
            Image.new("RGB", (64, 64), (90, 90, 90)).save(root / "CelebA-HQ-img" / "7.jpg")

            def part(name, box):
                m = np.zeros((512, 512), np.uint8)
                y0, y1, x0, x1 = box
                m[y0:y1, x0:x1] = 255
                Image.fromarray(m).save(anno / f"00007_{name}.png")

            part("skin", (0, 512, 0, 512))
            part("nose", (100, 200, 100, 200))  # over skin
            part("hair", (150, 250, 150, 250))  # hair (13) comes after nose (2): overwrites it
            part("cloth", (400, 512, 0, 512))
            (sample,) = celebamask_hq(root)
            mask = sample.mask.load((512, 512))
            ids = {n: LABELS.index(n) for n in ("skin", "nose", "hair", "cloth")}
            self.assertEqual(mask[50, 50], ids["skin"])
            self.assertEqual(mask[120, 120], ids["nose"])
            self.assertEqual(mask[180, 180], ids["hair"])
            self.assertEqual(mask[450, 10], ids["cloth"])

    def test_paired_folder_lists_missing_pairs(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "images").mkdir()
            (root / "masks").mkdir()
            Image.new("RGB", (8, 8)).save(root / "images" / "a.jpg")
            Image.new("L", (8, 8)).save(root / "masks" / "a.png")
            Image.new("RGB", (8, 8)).save(root / "images" / "b.jpg")
            with self.assertRaisesRegex(ValueError, r"\['b'\]"):
                paired_folder(root)


class AllocatorTest(unittest.TestCase):
    LIB = "/opt/x/libjemalloc.so.2"

    def env(self, environ, platform="linux"):
        return jemalloc_env(environ, find=lambda _: self.LIB, platform=platform)

    def test_preloads_the_library_and_keeps_the_rest(self):
        env = self.env({"PATH": "/bin", "LD_PRELOAD": "/lib/other.so"})
        self.assertEqual(env["LD_PRELOAD"], f"{self.LIB} /lib/other.so")
        self.assertEqual(env["MALLOC_CONF"], MALLOC_CONF)
        self.assertEqual(env["PATH"], "/bin")
        self.assertEqual(self.env({"MALLOC_CONF": "narenas:1"})["MALLOC_CONF"], "narenas:1")  # the user's own wins

    def test_runs_as_is_when_off_loaded_missing_or_not_linux(self):
        self.assertIsNone(self.env({"FACEPARSE_MALLOC": "system"}))
        self.assertIsNone(self.env({"LD_PRELOAD": self.LIB}))
        self.assertIsNone(self.env({}, platform="darwin"))
        self.assertIsNone(jemalloc_env({}, find=lambda _: None, platform="linux"))
        self.assertIsNone(find_jemalloc({"FACEPARSE_JEMALLOC": "/nonexistent/libjemalloc.so.2"}))

    @staticmethod
    def clean_env(**extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("LD_PRELOAD", "MALLOC_CONF", "FACEPARSE_MALLOC", "FACEPARSE_JEMALLOC")
        }
        return {**env, "PYTHONPATH": str(TRAINING), **extra}

    def test_the_process_reruns_itself_under_jemalloc(self):
        if sys.platform != "linux" or find_jemalloc() is None:
            self.skipTest("libjemalloc is not installed here (apt-get install libjemalloc2)")
        code = (
            "import os, sys; from faceparse_train.allocator import reexec_with_jemalloc; reexec_with_jemalloc(); "
            "print(os.environ.get('LD_PRELOAD'), os.environ.get('MALLOC_CONF'), *sys.argv[1:])"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, "a", "b"], env=self.clean_env(), capture_output=True, text=True, check=True
        )
        self.assertIn("running under jemalloc", out.stderr)
        self.assertEqual(out.stdout.split(), [find_jemalloc(), MALLOC_CONF, "a", "b"])
        out = subprocess.run(
            [sys.executable, "-c", code, "a"],
            env=self.clean_env(FACEPARSE_MALLOC="system"),
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(out.stdout.split(), ["None", "None", "a"])

    def test_kept_free_blocks_serve_smaller_requests(self):
        # Free 64 blocks of 7 MB (below jemalloc's 8 MB oversize arena, so they stay in the same arena), then ask for
        # 6000 blocks of 64 KB. Under MALLOC_CONF the kept blocks are split and reused; with jemalloc's default fit
        # limit (64x), the same run maps ~375 MB more. This is how training grew after each validation pass.
        if sys.platform != "linux" or find_jemalloc() is None:
            self.skipTest("libjemalloc is not installed here (apt-get install libjemalloc2)")
        code = textwrap.dedent("""
            import ctypes, os
            libc = ctypes.CDLL(None)
            libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
            rss = lambda: int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
            big = [libc.malloc(7 << 20) for _ in range(64)]
            for p in big: ctypes.memset(p, 1, 7 << 20)
            before = rss()
            for p in big: libc.free(p)
            small = [libc.malloc(64 << 10) for _ in range(6000)]
            for p in small: ctypes.memset(p, 1, 64 << 10)
            print(rss() - before)
        """)

        def growth_mb(conf: str) -> int:
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                env=self.clean_env(LD_PRELOAD=find_jemalloc(), MALLOC_CONF=conf),
            )
            return int(out.stdout)

        self.assertLess(growth_mb(MALLOC_CONF), 50)
        without_fit = ",".join(o for o in MALLOC_CONF.split(",") if not o.startswith("lg_extent_max_active_fit"))
        self.assertGreater(growth_mb(without_fit), 300)

    def test_train_calibrate_and_from_onnx_call_it(self):
        if sys.platform != "linux":
            self.skipTest("jemalloc is preloaded on Linux only")
        for command in ("train", "calibrate", "from_onnx"):
            out = subprocess.run(
                [sys.executable, "-m", f"faceparse_train.{command}", "--help"],
                cwd=TRAINING,
                capture_output=True,
                text=True,
                check=True,
                env=self.clean_env(FACEPARSE_JEMALLOC="/nonexistent/libjemalloc.so.2"),
            )
            self.assertIn(HINT, out.stderr, command)
            self.assertIn("usage:", out.stdout, command)


class TrainStepTest(unittest.TestCase):
    def test_steps_reduce_the_loss_on_a_tiny_batch(self):
        torch.manual_seed(0)
        model = build_model("b0", LABELS, overrides=TINY)
        model.train()
        x = torch.randn(2, 3, 64, 64)
        y = torch.full((2, 64, 64), 13)
        y[:, 32:] = 1
        y[:, 40:, 20:44] = 2
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        losses = []
        for _ in range(8):
            loss = segmentation_loss(model(pixel_values=x).logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        self.assertLess(losses[1], losses[0], losses)  # one step already helps
        self.assertLess(losses[-1], losses[0] - 0.1, losses)
        self.assertTrue(all(b < a for a, b in zip(losses, losses[1:])), losses)

    def test_validation_builds_no_graph_and_returns_to_training(self):
        model = build_model("b0", LABELS, overrides=TINY)
        grad_seen = []
        model.register_forward_hook(lambda module, inputs, output: grad_seen.append(torch.is_grad_enabled()))
        val = EvalSet([], 64, len(LABELS))
        val.items = [("a", torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8), np.zeros((64, 64), dtype=np.uint8))]
        metrics = evaluate(model, val, LABELS, torch.device("cpu"), "fp32")
        self.assertEqual(grad_seen, [False], "validation must run under no_grad (a graph costs memory)")
        self.assertTrue(model.training)
        self.assertIn("meanF1", metrics)

    def test_dice_is_zero_for_a_perfect_prediction(self):
        y = torch.randint(0, 4, (1, 8, 8))
        logits = torch.nn.functional.one_hot(y, 4).permute(0, 3, 1, 2).float() * 100
        self.assertLess(float(soft_dice(logits, y)), 1e-3)

    def test_lovasz_is_zero_when_right_and_grows_with_errors(self):
        y = torch.randint(0, 4, (2, 8, 8))
        perfect = torch.nn.functional.one_hot(y, 4).permute(0, 3, 1, 2).float() * 100
        self.assertLess(float(lovasz_softmax(perfect, y)), 1e-4)
        wrong = perfect.clone()
        wrong[:, :, :4] = wrong[:, :, :4].roll(1, dims=1)  # top half predicts the next class
        self.assertGreater(float(lovasz_softmax(wrong, y)), 0.2)
        y[0, 0, 0] = 255  # ignored pixels do not count
        self.assertLess(float(lovasz_softmax(perfect, y)), 1e-4)

    def test_lovasz_runs_at_the_logits_resolution(self):
        target = torch.arange(16).repeat(16, 1).unsqueeze(0)  # column index as the label
        self.assertEqual(downsample_labels(target, (4, 4))[0, 0].tolist(), [2, 6, 10, 14])
        self.assertEqual(downsample_labels(target, (16, 16)).tolist(), target.tolist())
        # The Lovasz term of a 1/4-size prediction equals the term computed on the labels sampled down to it.
        torch.manual_seed(0)
        y = torch.randint(0, 5, (2, 32, 32))
        logits = torch.randn(2, 5, 8, 8, requires_grad=True)
        total = segmentation_loss(logits, y, aux="lovasz", aux_weight=1.0)
        ce = segmentation_loss(logits, y, aux="none")
        expected = lovasz_softmax(logits, downsample_labels(y, (8, 8)))
        torch.testing.assert_close(total - ce, expected)
        total.backward()
        self.assertTrue(torch.isfinite(logits.grad).all())

    def test_class_weights_follow_inverse_frequency_powers(self):
        masks = torch.zeros(1, 10, 10, dtype=torch.long)  # class 0: 90 pixels, class 1: 9, class 2: 1, class 3: none
        masks[0, 9, :9] = 1
        masks[0, 9, 9] = 2
        masks[0, 0, 0] = 255  # ignored: 89 pixels of class 0 remain
        counts = torch.tensor([89.0, 9.0, 1.0, 1.0])  # absent classes count as one pixel
        for spec, power in (("sqrt-inverse", 0.5), ("inverse-power:0.25", 0.25), ("inverse-power:1", 1.0)):
            w = class_weights(spec, masks, 4)
            expected = (99.0 / counts) ** power
            torch.testing.assert_close(w, (expected / expected.mean()).float())
            self.assertAlmostEqual(float(w.mean()), 1.0, places=5)
        self.assertIsNone(class_weights("none", masks, 4))
        torch.testing.assert_close(class_weights("[1, 2, 3, 4]", masks, 4), torch.tensor([1.0, 2.0, 3.0, 4.0]))
        with self.assertRaisesRegex(ValueError, "inverse-power:P"):
            class_weights("inverse-power:x", masks, 4)
        with self.assertRaisesRegex(ValueError, "3 values for 4 classes"):
            class_weights("[1, 2, 3]", masks, 4)


class PlotTest(unittest.TestCase):
    def test_stages_continue_one_another_on_the_step_axis(self):
        header = "epoch,step,train_seconds,lr,train_loss,images_per_second,val_pixel_accuracy,val_miou,val_mean_f1\n"
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp, "a.csv"), Path(tmp, "b.csv")
            a.write_text(header + "1,100,10,1e-4,2.0,1,0.5,0.1,0.2\n2,200,20,1e-4,1.5,1,0.6,0.2,0.3\n")
            b.write_text(header + "1,50,5,1e-4,1.2,1,0.7,0.3,0.4\n2,100,10,1e-4,1.1,1,,,\n")
            stages = read_stages([a, b])
            self.assertEqual([r["x"] for r in stages[0]], [100, 200])
            self.assertEqual([r["x"] for r in stages[1]], [250, 300])
            out = Path(tmp, "curve.png")
            plot_curves([a, b], out, references=[(0.738, "baseline")])
            with Image.open(out) as image:
                self.assertEqual(image.format, "PNG")

    def test_stages_are_named_by_their_logs(self):
        # The shipped curve skips stages 7 and 10: the boundaries must say 8 and 11, not 7 and 9.
        self.assertEqual(stage_name(Path("training_logs/stage12.csv"), 9), "stage 12")
        self.assertEqual(stage_name(Path("logs/stage_10b.csv"), 3), "stage 10b")
        self.assertEqual(stage_name(Path("runs/mini-b0-c12/log.csv"), 1), "mini-b0-c12")
        self.assertEqual(stage_name(Path("first.csv"), 0), "stage 1")


class ExportTest(unittest.TestCase):
    def test_onnx_logits_equal_pytorch(self):
        torch.manual_seed(1)
        model = build_model("b0", LABELS, overrides=TINY).eval()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "onnx" / "model.onnx"
            export_onnx(model, path, 64)
            session = ort_session(path, 1)
            for size in ((64, 64), (96, 80)):  # dynamic height and width
                x = torch.randn(2, 3, *size)  # dynamic batch
                with torch.no_grad():
                    reference = model(pixel_values=x).logits.numpy()
                (ours,) = session.run(["logits"], {"pixel_values": x.numpy()})
                rel = np.abs(ours - reference).max() / max(1.0, np.abs(reference).max())
                self.assertLess(rel, 1e-4)

    @staticmethod
    def tiny_export(tmp: Path, *extra: str) -> tuple[Path, Path]:
        """Exports a tiny random model measured on two random val images; returns (model folder, images)."""
        _, ckpt, data = tiny_run(tmp, 2, "val", 2, (48, 40), "jpg")
        out = tmp / "model"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "faceparse_train.export",
                "--checkpoint",
                str(ckpt),
                "--out",
                str(out),
                "--data",
                str(tmp / "data"),
                "--threads",
                "1",
                *extra,
            ],
            cwd=TRAINING,
            check=True,
            capture_output=True,
        )
        return out, data / "images"

    def test_exported_folder_loads_in_faceparse(self):
        cli = REPO / "dist" / "src" / "cli" / "main.js"
        node = shutil.which("node")
        if not cli.exists() or node is None:
            self.skipTest(f"{cli} is not built (npm run build) or node is missing")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            out, images = self.tiny_export(tmp)
            for name in (
                "config.json",
                "preprocessor_config.json",
                "model.safetensors",
                "onnx/model.onnx",
                "onnx/model_quantized.onnx",
                "onnx/model_fp16.onnx",
                "README.md",
                "metrics.json",
            ):
                self.assertTrue((out / name).exists(), name)
            self.assertIn("non-commercial", (out / "README.md").read_text())
            for variant in ("fp32", "q8", "fp16"):
                run = subprocess.run(
                    [
                        node,
                        str(cli),
                        "parse",
                        str(images / "0.jpg"),
                        "--model",
                        str(out),
                        "--variant",
                        variant,
                        "--out",
                        str(tmp / f"parsed-{variant}"),
                        "--outputs",
                        "labels,json",
                    ],
                    capture_output=True,
                    text=True,
                    env={"CI": "1", "PATH": "/usr/bin:/bin"},
                    check=False,
                )
                self.assertEqual(run.returncode, 0, run.stderr)
                result = json.loads((tmp / f"parsed-{variant}" / "0.json").read_text())
                self.assertEqual((result["width"], result["height"]), (40, 48))

    def test_flip_rows_for_kept_variants_and_unkept_files_deleted(self):
        with tempfile.TemporaryDirectory() as tmp:
            out, _ = self.tiny_export(Path(tmp), "--flip", "--keep", "q8,fp16", "--no-weights", "--name", "my-parser")
            card = (out / "README.md").read_text()
            self.assertTrue(card.startswith("# my-parser\n"))
            self.assertIn("Loss: cross-entropy + 0.5 x soft Dice.", card)  # tiny_run trains with the defaults
            self.assertIn("| q8 + flip (`--flip`) |", card)
            self.assertIn("| fp32 (not shipped) |", card)
            self.assertNotIn("fp32 (not shipped) + flip", card)
            self.assertFalse((out / "onnx" / "model.onnx").exists())
            self.assertFalse((out / "model.safetensors").exists())
            metrics = json.loads((out / "metrics.json").read_text())["variants"]
            self.assertEqual(set(metrics), {"fp32", "q8", "fp16", "q8+flip", "fp16+flip"})
            self.assertNotEqual(metrics["q8"]["perClass"], metrics["q8+flip"]["perClass"])


class LossDescriptionTest(unittest.TestCase):
    def test_the_card_names_the_loss_the_run_used(self):
        self.assertEqual(loss_description({}), "cross-entropy + 0.5 x soft Dice")
        self.assertEqual(
            loss_description({"aux_loss": "lovasz", "aux_weight": 1.0, "ohem": 0.3, "class_weights": "none"}),
            "cross-entropy over the hardest 30% of pixels (OHEM) + 1 x Lovasz-softmax (at the logits' 1/4 resolution)",
        )
        self.assertEqual(
            loss_description({"aux_loss": "none", "class_weights": "inverse-power:0.25"}),
            "cross-entropy with class weights `inverse-power:0.25`",
        )
        self.assertEqual(loss_description({"aux_loss": "dice", "aux_weight": 0.0}), "cross-entropy")

    def test_the_card_lists_stage_logs_in_number_order(self):
        names = ["stage11.csv", "stage2.csv", "stage1.csv", "notes.csv", "stage10b.csv"]
        self.assertEqual(
            sorted(names, key=natural_key), ["notes.csv", "stage1.csv", "stage2.csv", "stage10b.csv", "stage11.csv"]
        )

    def test_the_card_names_the_colour_augmentation_the_run_used(self):
        plain = augmentation_description({})
        self.assertIn("colour jitter, greyscale", plain)
        self.assertNotIn("hue", plain)
        self.assertIn("colour jitter (hue up to +-10.8 degrees), greyscale", augmentation_description({"hue": 0.03}))
        self.assertNotIn("background mix", plain)
        self.assertIn(
            "background mix (p 0.5: the background more than 12-36 px", augmentation_description({"bg_mix": 0.5})
        )
        self.assertNotIn("clothes recoloured", plain)
        self.assertIn("clothes recoloured (p 0.5", augmentation_description({"cloth_recolour": 0.5}))


class GrowTest(unittest.TestCase):
    """A deeper model made from a trained one computes the same logits, and training moves its new blocks."""

    def setUp(self):
        torch.manual_seed(4)
        self.source = build_model("b0", LABELS, overrides={**TINY, "depths": [1, 2, 1, 1]}).eval()
        with torch.no_grad():  # a "trained" model: no parameter left at its initial value pattern
            for p in self.source.parameters():
                p.add_(torch.randn_like(p) * 0.1)
        self.x = torch.randn(2, 3, 64, 48)

    def test_grown_model_gives_the_same_logits_and_keeps_the_old_blocks(self):
        grown = grow(self.source, [1, 3, 1, 3]).eval()
        self.assertEqual(list(grown.config.depths), [1, 3, 1, 3])
        self.assertEqual([len(s.blocks) for s in grown.segformer.stages], [1, 3, 1, 3])
        with torch.no_grad():
            torch.testing.assert_close(
                grown(pixel_values=self.x).logits, self.source(pixel_values=self.x).logits, rtol=0, atol=1e-6
            )
        old, new = self.source.state_dict(), grown.state_dict()
        for name, value in old.items():
            self.assertTrue(torch.equal(new[name], value), name)
        added = [n for n in new if n not in old]
        self.assertTrue(any(n.startswith("segformer.stages.1.blocks.2.") for n in added), added)
        self.assertTrue(any(n.startswith("segformer.stages.3.blocks.1.") for n in added), added)
        for name in added:
            if name.endswith(ZEROED):
                self.assertEqual(float(new[name].abs().sum()), 0.0, name)
            elif name.endswith("fc1.weight"):  # the rest keeps its random initialisation
                self.assertGreater(float(new[name].abs().sum()), 0.0, name)

    def test_one_training_step_moves_the_new_blocks(self):
        grown = grow(self.source, [1, 2, 2, 1]).train()
        y = torch.randint(0, len(LABELS), (2, 64, 48))
        opt = torch.optim.AdamW(grown.parameters(), lr=1e-3)
        segmentation_loss(grown(pixel_values=self.x).logits, y).backward()
        opt.step()
        for name, p in grown.named_parameters():
            if name.startswith("segformer.stages.2.blocks.1.") and name.endswith(ZEROED[0]):
                self.assertGreater(float(p.detach().abs().sum()), 0.0, name)

    def test_refuses_to_drop_blocks_or_change_the_stage_count(self):
        with self.assertRaisesRegex(ValueError, r"drop trained blocks of stage\(s\) \[1\]"):
            grow(self.source, [1, 1, 1, 1])
        with self.assertRaisesRegex(ValueError, "4 encoder stages"):
            grow(self.source, [1, 2, 1])

    def test_command_line_saves_a_folder_that_training_can_start_from(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "src", Path(tmp) / "grown"
            self.source.save_pretrained(src)
            grow_main([str(src), "--depths", "2,2,1,1", "--out", str(out)])
            again = build_model("b0", LABELS, str(out)).eval()
            self.assertEqual(list(again.config.depths), [2, 2, 1, 1])
            with torch.no_grad():
                torch.testing.assert_close(
                    again(pixel_values=self.x).logits, self.source(pixel_values=self.x).logits, rtol=0, atol=1e-6
                )
            with self.assertRaisesRegex(SystemExit, "4 encoder stages; give one depth for each"):
                grow_main([str(src), "--depths", "2,2", "--out", str(out)])
            with self.assertRaisesRegex(SystemExit, "whole numbers separated by commas"):
                grow_main([str(src), "--depths", "2,2,x,1", "--out", str(out)])
            with self.assertRaisesRegex(SystemExit, "is not a folder"):
                grow_main([str(out / "nothing"), "--depths", "2,2,1,1", "--out", str(out)])
            (src / "model.safetensors").unlink()
            (src / "onnx").mkdir()
            with self.assertRaisesRegex(
                SystemExit, r"no PyTorch weights.*faceparse_train\.from_onnx.*, then grow runs/recovered"
            ):
                grow_main([str(src), "--depths", "2,2,1,1", "--out", str(out)])


class FromOnnxTest(unittest.TestCase):
    """Weights recovered from an exported folder's ONNX files (the embedded model ships no safetensors)."""

    @classmethod
    def setUpClass(cls):
        from transformers.models.segformer.image_processing_pil_segformer import SegformerImageProcessorPil

        torch.manual_seed(3)
        cls.model = build_model("b0", LABELS, overrides=TINY).eval()
        bn = cls.model.decode_head.batch_norm  # non-trivial statistics, so the fused conv differs from the raw one
        with torch.no_grad():
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-1, 1)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.folder = Path(cls.tmp.name) / "model"
        save_hf_layout(cls.model, SegformerImageProcessorPil(), cls.folder, ("q8", "fp16"), 64, save_weights=False)
        cls.x = torch.randn(2, 3, 64, 80)
        with torch.no_grad():
            cls.reference = cls.model(pixel_values=cls.x).logits

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def logits(self, model):
        with torch.no_grad():
            return model(pixel_values=self.x).logits

    def test_fp32_gives_the_same_weights_and_logits(self):
        recovered, report = load_from_onnx(self.folder, "fp32")
        self.assertEqual(report["dequantized"], 0)
        original = self.model.state_dict()
        for name, value in recovered.state_dict().items():
            if "decode_head.linear_fuse" in name or "batch_norm" in name:
                continue  # fused with the BatchNorm by the exporter; checked through the logits
            self.assertTrue(torch.allclose(value.float(), original[name].float(), rtol=0, atol=1e-6), name)
        self.assertLess((self.logits(recovered) - self.reference).abs().max().item(), 1e-4)

    def test_int8_weights_are_within_half_a_step(self):
        recovered, report = load_from_onnx(self.folder, "q8")
        self.assertGreater(report["dequantized"], 10)
        original = dict(self.model.named_parameters())
        checked = 0
        for name, value in recovered.named_parameters():
            if not name.endswith("proj.weight") or value.ndim != 2:
                continue
            w = original[name].detach()
            step = (max(w.max().item(), 0) - min(w.min().item(), 0)) / 255  # per-tensor uint8 range includes 0
            self.assertLessEqual((value.detach() - w).abs().max().item(), step / 2 + 1e-6, name)
            checked += 1
        self.assertGreater(checked, 4)
        self.assertFalse(torch.equal(self.logits(recovered), self.reference))  # really dequantized
        agreement = (self.logits(recovered).argmax(1) == self.reference.argmax(1)).float().mean().item()
        self.assertGreater(agreement, 0.9)

    def test_fp16_is_close(self):
        recovered, _ = load_from_onnx(self.folder, "fp16")
        scale = self.reference.abs().max().item()
        self.assertLess((self.logits(recovered) - self.reference).abs().max().item() / scale, 1e-2)

    def test_calibration_keeps_eval_output_and_matches_batch_statistics(self):
        recovered, _ = load_from_onnx(self.folder, "fp32")
        before = self.logits(recovered)
        self.assertEqual(calibrate_batch_norm(recovered, [self.x]), 2)
        bn = recovered.decode_head.batch_norm
        self.assertGreater(bn.running_mean.abs().max().item(), 1e-3)
        self.assertLess((self.logits(recovered) - before).abs().max().item(), 1e-4)
        bn.train()  # batch statistics of the calibration batch are the running ones: same output
        bn.momentum = 0.0
        self.assertLess((self.logits(recovered) - before).abs().max().item(), 1e-3)

    def test_a_config_that_does_not_match_the_onnx_file_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            other = Path(tmp) / "model"
            shutil.copytree(self.folder, other)
            config = json.loads((other / "config.json").read_text())
            config["hidden_sizes"] = [8, 16, 24, 40]
            (other / "config.json").write_text(json.dumps(config))
            with self.assertRaises(ValueError) as caught:
                load_from_onnx(other, "fp32")
            self.assertIn("config.json", str(caught.exception))
        with self.assertRaises(FileNotFoundError):
            load_from_onnx(Path(self.tmp.name) / "absent")


class CalibrateTest(unittest.TestCase):
    def biased(self):
        # Three classes; class 2 is the true class of 10% of the pixels but its logit is 1.5 too low.
        g = torch.Generator().manual_seed(0)
        targets = torch.randint(0, 3, (20000,), generator=g)
        targets[targets == 2] = torch.where(torch.rand(int((targets == 2).sum()), generator=g) < 0.3, 2, 1)
        logits = torch.randn(len(targets), 3, generator=g) + 2.0 * F.one_hot(targets, 3).float()
        logits[:, 2] -= 1.5
        targets[:50] = 255  # ignored pixels play no part
        return logits, targets

    def test_sweep_scores_equal_a_full_arg_max(self):
        logits, targets = self.biased()
        search = OffsetSearch(logits, targets, 3)
        offsets = torch.tensor([0.0, 0.25, 0.5])
        values = [-1.0, 0.0, 1.0, 2.5]
        swept = search._class_sweep(offsets, 2, values)
        for value, score in zip(values, swept):
            trial = offsets.clone()
            trial[2] = value
            self.assertAlmostEqual(score, search.score(trial), places=9)

    def test_offsets_undo_a_biased_logit_and_raise_mean_f1(self):
        logits, targets = self.biased()
        search = OffsetSearch(logits, targets, 3)
        before = search.score(torch.zeros(3))
        offsets, after = search.fit(np.arange(-2, 3.01, 0.25), rounds=3, log=lambda m: None)
        self.assertGreater(after, before + 0.01)
        self.assertGreater(float(offsets[2] - offsets[1]), 0.5)  # the suppressed class is lifted against its rival
        self.assertAlmostEqual(after, search.score(offsets), places=9)

    def test_mean_f1_skips_background_and_absent_classes(self):
        m = np.array([[5, 0, 0, 0], [0, 3, 1, 0], [0, 0, 2, 0], [0, 0, 0, 0]])  # class 3 absent
        self.assertAlmostEqual(mean_f1(m), (2 * 3 / (4 + 3) + 2 * 2 / (2 + 3)) / 2)
        cm = ConfusionMatrix(4)
        cm.matrix = m.copy()
        self.assertAlmostEqual(mean_f1(m), cm.summary(["bg", "a", "b", "c"])["meanF1"])

    def test_the_background_left_out_is_the_one_named_so(self):
        # the same matrix with the background last: metrics, calibration and the search all leave it out
        m = np.array([[3, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 5]])  # class 2 absent, class 3 is bg
        labels = ["a", "b", "c", "background"]
        expected = (2 * 3 / (4 + 3) + 2 * 2 / (2 + 3)) / 2
        self.assertAlmostEqual(mean_f1(m, background=3), expected)
        cm = ConfusionMatrix(4)
        cm.matrix = m.copy()
        self.assertAlmostEqual(cm.summary(labels)["meanF1"], expected)
        targets = torch.tensor([0, 0, 0, 0, 1, 1, 3, 3, 3, 3, 3])
        pred = torch.tensor([0, 0, 0, 1, 1, 1, 3, 3, 3, 3, 3])
        search = OffsetSearch(F.one_hot(pred, 4).float(), targets, 4, background=3)
        self.assertAlmostEqual(search.score(torch.zeros(4)), expected)

    def test_cli_folds_offsets_into_the_classifier_bias(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            model, ckpt, _ = tiny_run(tmp, 3, "train", 3, (64, 64), "png")
            out = tmp / "calibrated.pt"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "faceparse_train.calibrate",
                    "--checkpoint",
                    str(ckpt),
                    "--out",
                    str(out),
                    "--data",
                    str(tmp / "data"),
                    "--grid",
                    "-1",
                    "1",
                    "0.5",
                    "--rounds",
                    "1",
                    "--threads",
                    "1",
                ],
                cwd=TRAINING,
                check=True,
                capture_output=True,
            )
            state = torch.load(out, weights_only=False)
            report = json.loads(out.with_suffix(".json").read_text())
            offsets = torch.tensor([report["offsets"][name] for name in LABELS])
            key = "decode_head.classifier.bias"
            torch.testing.assert_close(state["model"][key], model.state_dict()[key] + offsets)
            self.assertEqual(state["calibration"]["split"], "train")
            self.assertEqual(state["calibration"]["images"], 3)
            for name, value in state["model"].items():
                if name != key:
                    torch.testing.assert_close(value, model.state_dict()[name])


if __name__ == "__main__":
    unittest.main()
