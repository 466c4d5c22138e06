"""Checks of the committed golden fixtures against the Python reference they claim to reproduce.

    training/.venv/bin/python -m unittest discover -s training/tests -v

Fails when the fixtures are inconsistent, or when the installed Pillow/transformers/torch no longer
produce them (then rerun training/golden/make_golden.py and review the diff).
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "training" / "golden"))
import make_golden  # noqa: E402
import make_preprocess_golden  # noqa: E402
import reference_pipeline as rp  # noqa: E402

GOLDEN = REPO / "tests" / "fixtures" / "golden"
MODEL = REPO / "tests" / "fixtures" / "tiny-segformer"


def load(entry: dict) -> np.ndarray:
    return rp.read_array(GOLDEN / entry["file"], entry["dtype"], entry["shape"])


class GoldenFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.manifest = json.loads((GOLDEN / "manifest.json").read_text())
        cls.cases = {c["name"]: c for c in cls.manifest["cases"]}
        cls.processor = rp.make_processor(cls.manifest["model"]["input_size"]["height"])

    def test_every_array_file_matches_its_declared_dtype_and_shape(self):
        for case in self.manifest["cases"] + self.manifest["upsample"]:
            for key, entry in case["arrays"].items():
                with self.subTest(case=case["name"], array=key):
                    self.assertTrue(entry["file"].endswith(rp.SUFFIX[entry["dtype"]]))
                    load(entry)  # read_array asserts the element count

    def test_image_case_shapes(self):
        for case in self.manifest["cases"]:
            a, h, w = case["arrays"], case["height"], case["width"]
            with self.subTest(case=case["name"]):
                self.assertEqual(a["decoded_rgb"]["shape"], [h, w, 3])
                self.assertEqual(a["pixel_values"]["shape"], [1, 3, 128, 128])
                self.assertEqual(a["logits"]["shape"], [1, 19, 32, 32])
                self.assertEqual(a["labels"]["shape"], [h, w])

    def test_fixtures_fit_the_size_budget(self):
        self.assertLessEqual(make_golden.dir_size(REPO / "tests" / "fixtures"), make_golden.SIZE_BUDGET)

    def test_decoding_and_preprocessing_are_reproduced(self):
        for case in self.manifest["cases"]:
            with self.subTest(case=case["name"]):
                img = rp.load_reference_image(GOLDEN / case["image"])
                self.assertEqual((img.width, img.height), (case["width"], case["height"]))
                np.testing.assert_array_equal(np.asarray(img), load(case["arrays"]["decoded_rgb"]))
                pixel_values = rp.preprocess(self.processor, img).numpy()
                np.testing.assert_array_equal(pixel_values, load(case["arrays"]["pixel_values"]))

    def test_labels_are_torch_upsample_argmax_of_the_stored_logits(self):
        for case in self.manifest["cases"]:
            with self.subTest(case=case["name"]):
                logits = torch.from_numpy(load(case["arrays"]["logits"]).copy())
                labels = rp.upsample_argmax(logits, case["height"], case["width"])
                np.testing.assert_array_equal(labels, load(case["arrays"]["labels"]))
        for case in self.manifest["upsample"]:
            with self.subTest(case=case["name"]):
                logits = torch.from_numpy(load(case["arrays"]["logits"]).copy())
                out = case["output"]
                self.assertEqual(
                    list(logits.shape), [1, case["channels"], case["input"]["height"], case["input"]["width"]]
                )
                labels = rp.upsample_argmax(logits, out["height"], out["width"])
                np.testing.assert_array_equal(labels, load(case["arrays"]["labels"]))

    def test_flip_cases(self):
        flipped = [c for c in self.manifest["cases"] if "flip_logits" in c["arrays"]]
        self.assertTrue(flipped)
        self.assertEqual(rp.mirror_classes(rp.CELEBAMASK_HQ_LABELS)[:6], [0, 1, 2, 3, 5, 4])
        model, _ = rp.build_random_model("tiny", self.manifest["model"]["seed"], rp.calibration_input(128))
        for case in flipped:
            with self.subTest(case=case["name"]):
                pixel_values = torch.from_numpy(load(case["arrays"]["pixel_values"]).copy())
                logits = rp.flip_logits(model, pixel_values, rp.CELEBAMASK_HQ_LABELS)
                np.testing.assert_allclose(logits.numpy(), load(case["arrays"]["flip_logits"]), rtol=0, atol=1e-5)
                labels = rp.upsample_argmax(
                    torch.from_numpy(load(case["arrays"]["flip_logits"]).copy()), case["height"], case["width"]
                )
                np.testing.assert_array_equal(labels, load(case["arrays"]["flip_labels"]))
                # mirroring twice is the identity: the flipped input's flip logits are the mirror image
                again = rp.flip_logits(model, pixel_values.flip(-1), rp.CELEBAMASK_HQ_LABELS)
                swap = rp.mirror_classes(rp.CELEBAMASK_HQ_LABELS)
                np.testing.assert_allclose(again.flip(-1)[:, swap].numpy(), logits.numpy(), rtol=0, atol=1e-5)

    def test_multiscale_cases(self):
        self.assertEqual([rp.scaled_input_size(128, s) for s in (0.75, 1.0, 1.25)], [96, 128, 160])
        self.assertEqual(
            [rp.scaled_input_size(500, 0.75), rp.scaled_input_size(3, 0.5), rp.scaled_input_size(101, 0.5)],
            [375, 32, 51],
        )
        cases = [c for c in self.manifest["cases"] if "scales_labels" in c["arrays"]]
        self.assertTrue(cases)
        model, _ = rp.build_random_model("tiny", self.manifest["model"]["seed"], rp.calibration_input(128))
        for case in cases:
            with self.subTest(case=case["name"]):
                img = rp.load_reference_image(GOLDEN / case["image"])
                for flip, key in ((False, "scales_labels"), (True, "scales_flip_labels")):
                    logits = rp.multiscale_logits(
                        model, img, (128, 128), self.manifest["scales"], rp.CELEBAMASK_HQ_LABELS, flip=flip
                    )
                    self.assertEqual(list(logits.shape[-2:]), list(load(case["arrays"]["logits"]).shape[-2:]))
                    labels = rp.upsample_argmax(logits, case["height"], case["width"])
                    np.testing.assert_array_equal(labels, load(case["arrays"][key]))
                    # the stored labels tell multi-scale from a single scale (and from flip alone)
                    self.assertGreater(float((labels != load(case["arrays"]["labels"])).mean()), 0.01)
                    if flip:
                        self.assertGreater(float((labels != load(case["arrays"]["flip_labels"])).mean()), 0.01)
                # scale 1 alone is the plain pipeline
                alone = rp.multiscale_logits(model, img, (128, 128), [1.0], rp.CELEBAMASK_HQ_LABELS)
                np.testing.assert_allclose(alone.numpy(), load(case["arrays"]["logits"]), rtol=0, atol=1e-5)

    def test_seeded_model_reproduces_the_stored_logits(self):
        model, _ = rp.build_random_model("tiny", self.manifest["model"]["seed"], rp.calibration_input(128))
        for name in ("downscale_png", "jpeg_q90"):
            case = self.cases[name]
            pixel_values = torch.from_numpy(load(case["arrays"]["pixel_values"]).copy())
            logits = rp.model_logits(model, pixel_values).numpy()
            np.testing.assert_allclose(logits, load(case["arrays"]["logits"]), rtol=0, atol=1e-5)

    def test_onnx_models(self):
        import onnx

        for name in ("model.onnx", "model_quantized.onnx", "model_fp16.onnx"):
            with self.subTest(model=name):
                path = MODEL / "onnx" / name
                proto = onnx.load(str(path), load_external_data=False)
                self.assertFalse(
                    [t.name for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
                )
                self.assertFalse(list(MODEL.glob("onnx/*.data")))
                self.assertEqual(proto.opset_import[0].version, 17)
                (inp,), (out,) = proto.graph.input, proto.graph.output
                self.assertEqual((inp.name, out.name), ("pixel_values", "logits"))
                # float32 I/O for every variant (fp16 is converted with keep_io_types=True)
                self.assertEqual(inp.type.tensor_type.elem_type, onnx.TensorProto.FLOAT)
                self.assertEqual(out.type.tensor_type.elem_type, onnx.TensorProto.FLOAT)
                dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
                self.assertEqual(dims, ["batch_size", 3, "height", "width"])

        session = rp.ort_session(MODEL / "onnx" / "model.onnx")
        for case in self.manifest["cases"]:
            with self.subTest(case=case["name"]):
                got = session.run(["logits"], {"pixel_values": load(case["arrays"]["pixel_values"])})[0]
                ref = load(case["arrays"]["logits"])
                self.assertLessEqual(float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1.0))), 1e-4)

    def test_model_files(self):
        config = json.loads((MODEL / "config.json").read_text())
        self.assertEqual([config["id2label"][str(i)] for i in range(19)], rp.CELEBAMASK_HQ_LABELS)
        self.assertEqual(config["architectures"], ["SegformerForSemanticSegmentation"])
        pre = json.loads((MODEL / "preprocessor_config.json").read_text())
        self.assertEqual(pre["size"], {"height": 128, "width": 128})
        self.assertEqual((pre["resample"], pre["do_reduce_labels"]), (2, False))
        self.assertEqual((pre["image_mean"], pre["image_std"]), ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
        self.assertFalse(list(MODEL.glob("*.safetensors")))

    # ---- the decoding decisions the README documents ------------------------------------------------

    def test_rgba_alpha_is_dropped_not_composited(self):
        case = self.cases["rgba_png"]
        with Image.open(GOLDEN / case["image"]) as raw:
            rgba = np.asarray(raw)
        self.assertTrue((rgba[..., 3] == 0).any() and (rgba[..., 3] < 255).mean() > 0.5)
        np.testing.assert_array_equal(load(case["arrays"]["decoded_rgb"]), rgba[..., :3])

    def test_exif_orientation_is_applied(self):
        for name, transpose in (
            ("exif_orientation6_jpeg", Image.Transpose.ROTATE_270),
            ("exif_orientation5_jpeg", Image.Transpose.TRANSPOSE),
        ):
            with self.subTest(case=name):
                case = self.cases[name]
                self.assertEqual((case["file"]["width"], case["file"]["height"]), (case["height"], case["width"]))
                with Image.open(GOLDEN / case["image"]) as raw:
                    expected = np.asarray(raw.convert("RGB").transpose(transpose))
                np.testing.assert_array_equal(load(case["arrays"]["decoded_rgb"]), expected)

    def test_sixteen_bit_png_decoding(self):
        import zlib

        def png16_samples(path: Path, channels: int) -> np.ndarray:
            data = path.read_bytes()
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
            idat_len = int.from_bytes(data[33:37], "big")
            rows = zlib.decompress(data[41 : 41 + idat_len])
            stride = 1 + width * channels * 2
            # make_golden writes filter type 0 (None) on every row
            return np.stack(
                [np.frombuffer(rows[y * stride + 1 : (y + 1) * stride], ">u2") for y in range(height)]
            ).reshape(height, width, channels)

        rgb16 = png16_samples(GOLDEN / self.cases["rgb16_png"]["image"], 3)
        np.testing.assert_array_equal(load(self.cases["rgb16_png"]["arrays"]["decoded_rgb"]), rgb16 >> 8)
        grey16 = png16_samples(GOLDEN / self.cases["gray16_png"]["image"], 1)
        np.testing.assert_array_equal(
            load(self.cases["gray16_png"]["arrays"]["decoded_rgb"]), np.repeat(np.minimum(grey16, 255), 3, axis=2)
        )


class PreprocessLevels(unittest.TestCase):
    def test_every_level_is_reproduced_by_the_installed_processor(self):
        committed = json.loads(make_preprocess_golden.OUT.read_text())["cases"]
        self.assertEqual(committed, make_preprocess_golden.levels_cases())


if __name__ == "__main__":
    unittest.main()
