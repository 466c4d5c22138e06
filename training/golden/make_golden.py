"""Regenerate every golden fixture the TypeScript tests compare against.

    training/.venv/bin/python training/golden/make_golden.py

Writes (and replaces):
    tests/fixtures/tiny-segformer/   config.json, preprocessor_config.json,
                                     onnx/model.onnx, onnx/model_quantized.onnx, onnx/model_fp16.onnx
    tests/fixtures/golden/           manifest.json, images/*, arrays/*.gz

Deterministic: fixed seeds, one torch thread, gzip mtime 0. See training/golden/README.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_pipeline as rp  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
MODEL_DIR = FIXTURES / "tiny-segformer"
GOLDEN_DIR = FIXTURES / "golden"
SIZE = 128
SEED = 0
# 3.5 MiB for everything in tests/fixtures: the golden set (~2.9 MiB) plus the face stage's paste-back golden
# (faces/, ~50 KB) and the broken models of the hardening tests (broken-models/, ~50 KB).
SIZE_BUDGET = 3 * 1024 * 1024 + 512 * 1024

EXIF_ORIENTATION = 0x0112
# Cases that also store flip test-time augmentation logits and labels.
FLIP_CASES = ("downscale_png",)
# Cases that also store multi-scale test-time augmentation logits and labels, at these scales.
MULTISCALE_CASES = ("downscale_png",)
SCALES = [0.75, 1.0, 1.25]


# --------------------------------------------------------------------------------------------------
# Test images. Each writer saves the file and returns notes for the manifest.
# --------------------------------------------------------------------------------------------------


def _png16(path: Path, arr: np.ndarray) -> None:
    """Minimal 16-bit PNG writer (Pillow cannot write 16-bit RGB)."""
    import struct
    import zlib

    height, width = arr.shape[:2]
    colour_type = 2 if arr.ndim == 3 else 0
    rows = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    )


def _jpeg(path: Path, img: Image.Image, orientation: int | None = None, progressive: bool = False) -> None:
    kwargs = dict(quality=90, subsampling="4:2:0", progressive=progressive)
    if orientation is not None:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = orientation
        kwargs["exif"] = exif
    img.save(path, "JPEG", **kwargs)


def _rgb(w, h, seed, **kw) -> Image.Image:
    return Image.fromarray(rp.synthetic_rgb(w, h, seed, **kw))


def write_downscale(path: Path) -> str:
    _rgb(300, 200, 1).save(path, compress_level=9)
    return "RGB PNG 300x200 -> 128x128: PIL bilinear downscale with antialias (filter support scaled by the ratio)"


def write_upscale(path: Path) -> str:
    _rgb(50, 80, 2).save(path, compress_level=9)
    return "RGB PNG 50x80 -> 128x128: upscale"


def write_exact(path: Path) -> str:
    _rgb(128, 128, 3).save(path, compress_level=9)
    return "RGB PNG 128x128: resize to the same size is the identity"


def write_extreme_aspect(path: Path) -> str:
    _rgb(517, 61, 4).save(path, compress_level=9)
    return "RGB PNG 517x61: strong downscale in x, upscale in y"


def write_jpeg(path: Path) -> str:
    _jpeg(path, _rgb(480, 360, 5, shapes=10))
    return "baseline JPEG 480x360, quality 90, 4:2:0: JPEG decoder parity (libjpeg-turbo via Pillow)"


def write_gray(path: Path) -> str:
    _rgb(180, 150, 6).convert("L").save(path, compress_level=9)
    return "8-bit grey PNG (mode L): convert('RGB') copies the grey value to R, G and B"


def write_rgba(path: Path) -> str:
    rgb = rp.synthetic_rgb(200, 160, 7)
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:160, 0:200]
    alpha = np.round(255 * x / 199).astype(np.uint8)  # 0 (left) .. 255 (right)
    hole = ((x - 140) / 35.0) ** 2 + ((y - 60) / 30.0) ** 2 < 1  # fully transparent ellipse
    alpha[hole] = 0
    rgb[hole] = rng.integers(0, 256, (int(hole.sum()), 3), dtype=np.uint8)  # colour under alpha 0 still counts
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path, compress_level=9)
    return (
        "RGBA PNG with an alpha ramp and a fully transparent ellipse holding random colours: "
        "convert('RGB') drops alpha, no compositing on any background"
    )


def write_exif6(path: Path) -> str:
    upright = _rgb(120, 160, 8)
    # Orientation 6: the viewer rotates 90 degrees clockwise, so the stored pixels are rotated anticlockwise.
    _jpeg(path, upright.transpose(Image.Transpose.ROTATE_90), orientation=6, progressive=True)
    return (
        "progressive JPEG stored 160x120 with EXIF Orientation 6 (rotate 90 CW): upright 120x160 after exif_transpose"
    )


def write_exif5(path: Path) -> str:
    upright = _rgb(64, 96, 9)
    _jpeg(path, upright.transpose(Image.Transpose.TRANSPOSE), orientation=5)
    return "JPEG stored 96x64 with EXIF Orientation 5 (transpose: mirror + rotate): upright 64x96"


def write_rgb16(path: Path) -> str:
    rng = np.random.default_rng(10)
    high = rp.synthetic_rgb(96, 72, 10).astype(np.uint16)
    _png16(path, (high << 8) | rng.integers(0, 256, high.shape, dtype=np.uint16))
    return "16-bit RGB PNG: Pillow decodes it as 8-bit RGB keeping the high byte (v >> 8), not round(v / 257)"


def write_gray16(path: Path) -> str:
    rng = np.random.default_rng(11)
    high = np.asarray(_rgb(64, 48, 11).convert("L")).astype(np.uint16)
    _png16(path, (high << 8) | rng.integers(0, 256, high.shape, dtype=np.uint16))
    return (
        "16-bit grey PNG: Pillow opens it as mode I;16 and convert('RGB') CLIPS to 0..255 "
        "(min(v, 255)), so the reference sees an almost white image; a decoder that scales to 8 bits differs"
    )


IMAGE_CASES = [
    ("downscale_png", "png", write_downscale),
    ("upscale_png", "png", write_upscale),
    ("exact_png", "png", write_exact),
    ("extreme_aspect_png", "png", write_extreme_aspect),
    ("jpeg_q90", "jpg", write_jpeg),
    ("gray_png", "png", write_gray),
    ("rgba_png", "png", write_rgba),
    ("exif_orientation6_jpeg", "jpg", write_exif6),
    ("exif_orientation5_jpeg", "jpg", write_exif5),
    ("rgb16_png", "png", write_rgb16),
    ("gray16_png", "png", write_gray16),
]

# (name, channels, in_h, in_w, out_h, out_w)
UPSAMPLE_CASES = [
    ("c19_7x9_to_50x33", 19, 7, 9, 50, 33),
    ("c19_16x16_to_64x64", 19, 16, 16, 64, 64),
    ("c19_48x48_to_1000x700", 19, 48, 48, 1000, 700),
    ("c3_16x16_to_301x457", 3, 16, 16, 301, 457),
    ("c19_32x24_to_20x15", 19, 32, 24, 20, 15),
    ("c19_1x5_to_3x17", 19, 1, 5, 3, 17),
    ("c19_9x7_to_1x1", 19, 9, 7, 1, 1),
]


def smooth_logits(channels: int, height: int, width: int, seed: int) -> np.ndarray:
    """Random logits varying smoothly over a few pixels (so labels form regions), std ~3, float32."""
    rng = np.random.default_rng(seed)
    if height < 8 or width < 8:
        out = rng.normal(0.0, 3.0, (channels, height, width))
    else:
        coarse = rng.normal(0.0, 1.0, (channels, height // 4 + 3, width // 4 + 3))
        fine = ndimage.zoom(coarse, (1, 4, 4), order=3)[:, :height, :width]
        out = 3.0 * fine / fine.std() + rng.normal(0.0, 0.05, fine.shape)
    return out.astype(np.float32)[None]


# --------------------------------------------------------------------------------------------------


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def label_stats(labels: np.ndarray) -> str:
    counts = np.bincount(labels.ravel(), minlength=19)
    same = 0.5 * ((labels[1:] == labels[:-1]).mean() if labels.shape[0] > 1 else 1.0) + 0.5 * (
        (labels[:, 1:] == labels[:, :-1]).mean() if labels.shape[1] > 1 else 1.0
    )
    return f"{int((counts > 0).sum())} classes, neighbour agreement {same:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    torch.set_num_threads(1)  # bitwise-reproducible logits; the tiny model needs no more
    t0 = time.time()

    for d in (MODEL_DIR, GOLDEN_DIR):
        if d.exists():
            shutil.rmtree(d)
    images_dir, arrays_dir = GOLDEN_DIR / "images", GOLDEN_DIR / "arrays"
    images_dir.mkdir(parents=True)
    arrays_dir.mkdir(parents=True)

    # ---- model -----------------------------------------------------------------------------------
    processor = rp.make_processor(SIZE)
    model, factors = rp.build_random_model("tiny", SEED, rp.calibration_input(SIZE))
    files = rp.save_hf_layout(model, processor, MODEL_DIR, ("q8", "fp16"), SIZE, save_weights=False)
    for path in files.values():
        rp.minify_names(path)
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"model: tiny SegFormer, {n_params} parameters, decode-head factors "
        + ", ".join(f"{k} x{v:.3g}" for k, v in factors.items())
    )

    def rel(p: Path) -> str:
        return p.relative_to(GOLDEN_DIR).as_posix()

    # ---- image cases -----------------------------------------------------------------------------
    image_manifest = []
    logits_by_case: dict[str, torch.Tensor] = {}
    for name, ext, writer in IMAGE_CASES:
        image_path = images_dir / f"{name}.{ext}"
        note = writer(image_path)
        with Image.open(image_path) as raw:
            stored = dict(
                width=raw.width, height=raw.height, mode=raw.mode, exif_orientation=raw.getexif().get(EXIF_ORIENTATION)
            )
        img = rp.load_reference_image(image_path)
        pixel_values = rp.preprocess(processor, img)
        logits = rp.model_logits(model, pixel_values)
        labels = rp.upsample_argmax(logits, img.height, img.width)
        logits_by_case[name] = logits
        arrays = {}
        for key, arr, dtype, suffix in (
            [
                ("decoded_rgb", np.asarray(img), "uint8", "rgb"),
                ("pixel_values", pixel_values.numpy(), "float32", "pixel_values"),
                ("logits", logits.numpy(), "float32", "logits"),
                ("labels", labels, "uint8", "labels"),
            ]
            + (
                [
                    (
                        "flip_logits",
                        (fl := rp.flip_logits(model, pixel_values, rp.CELEBAMASK_HQ_LABELS)).numpy(),
                        "float32",
                        "flip_logits",
                    ),
                    ("flip_labels", rp.upsample_argmax(fl, img.height, img.width), "uint8", "flip_labels"),
                ]
                if name in FLIP_CASES
                else []
            )
            + (
                [
                    # labels only: the logits would take the fixtures over their size budget
                    (
                        "scales_labels",
                        rp.upsample_argmax(
                            rp.multiscale_logits(model, img, (SIZE, SIZE), SCALES, rp.CELEBAMASK_HQ_LABELS),
                            img.height,
                            img.width,
                        ),
                        "uint8",
                        "scales_labels",
                    ),
                    (
                        "scales_flip_labels",
                        rp.upsample_argmax(
                            rp.multiscale_logits(model, img, (SIZE, SIZE), SCALES, rp.CELEBAMASK_HQ_LABELS, flip=True),
                            img.height,
                            img.width,
                        ),
                        "uint8",
                        "scales_flip_labels",
                    ),
                ]
                if name in MULTISCALE_CASES
                else []
            )
        ):
            path = arrays_dir / f"{name}.{suffix}{rp.SUFFIX[dtype]}"
            arrays[key] = {"file": rel(path), **rp.write_array(path, arr, dtype)}
        ties = rp.count_exact_ties(logits, img.height, img.width)
        image_manifest.append(
            {
                "name": name,
                "image": rel(image_path),
                "description": note,
                "file": stored,
                "width": img.width,
                "height": img.height,
                "input": {"height": SIZE, "width": SIZE},
                "exact_ties": ties,
                "arrays": arrays,
            }
        )
        print(
            f"  image {name:24s} {stored['mode']:5s} {stored['width']}x{stored['height']} -> "
            f"{img.width}x{img.height}  {label_stats(labels)}, ties {ties}"
        )

    # ---- upsample-only cases ---------------------------------------------------------------------
    upsample_manifest = []
    for i, (name, c, ih, iw, oh, ow) in enumerate(UPSAMPLE_CASES):
        logits = torch.from_numpy(smooth_logits(c, ih, iw, 1000 + i))
        labels = rp.upsample_argmax(logits, oh, ow)
        ties = rp.count_exact_ties(logits, oh, ow)
        arrays = {}
        for key, arr, dtype in [("logits", logits.numpy(), "float32"), ("labels", labels, "uint8")]:
            path = arrays_dir / f"upsample_{name}.{key}{rp.SUFFIX[dtype]}"
            arrays[key] = {"file": rel(path), **rp.write_array(path, arr, dtype)}
        upsample_manifest.append(
            {
                "name": name,
                "channels": c,
                "input": {"height": ih, "width": iw},
                "output": {"height": oh, "width": ow},
                "exact_ties": ties,
                "arrays": arrays,
            }
        )
        print(f"  upsample {name:26s} {label_stats(labels)}, ties {ties}")

    # ---- ONNX checks -----------------------------------------------------------------------------
    checks = check_onnx(model, files, image_manifest, logits_by_case)

    manifest = {
        "format": 1,
        "generator": "training/golden/make_golden.py",
        "encoding": "gzip of raw little-endian values in C (row-major) order; dtype and shape per array",
        "paths": "relative to this manifest's directory",
        "versions": versions(),
        "model": {
            "dir": "../tiny-segformer",
            "onnx": {k: (p.relative_to(MODEL_DIR).as_posix()) for k, p in files.items()},
            "input_size": {"height": SIZE, "width": SIZE},
            "num_labels": len(rp.CELEBAMASK_HQ_LABELS),
            "seed": SEED,
        },
        "pipeline": [
            "img = transformers.image_utils.load_image(path)  # Image.open, ImageOps.exif_transpose, convert('RGB')",
            "pixel_values = SegformerImageProcessorPil(size=128x128)(img)  # PIL bilinear resize of uint8 RGB, "
            "float32(uint8 * (1/255) in float64), then (x - mean) / std in float32",
            "logits = SegformerForSemanticSegmentation(pixel_values).logits  # torch, 1 thread",
            "labels = interpolate(logits, (height, width), bilinear, align_corners=False).argmax(1)  # uint8",
            "flip_logits = (logits + model(pixel_values.flip(-1)).logits.flip(-1)[:, swap]) / 2  # swap: l_x <-> r_x; "
            "flip_labels as labels, from flip_logits (cases with flip_* arrays only)",
            f"scales_labels as labels, from the mean over scales {SCALES} of interpolate(logits of the photo preprocessed "
            "at floor(128 * scale + 0.5), size of the scale-1 logits, bilinear, align_corners=False); scales_flip_labels "
            "the same with flip_logits per scale (cases with scales_* arrays only)",
        ],
        "scales": SCALES,
        "cases": image_manifest,
        "upsample": upsample_manifest,
        "checks": checks,
    }
    rp.dump_json(GOLDEN_DIR / "manifest.json", manifest)

    # ---- sizes -----------------------------------------------------------------------------------
    print("\nwritten:")
    for p in sorted(MODEL_DIR.rglob("*")) + [GOLDEN_DIR / "manifest.json"]:
        if p.is_file():
            print(f"  {p.relative_to(REPO)}  {p.stat().st_size / 1024:.1f} KB")
    print(
        f"  {images_dir.relative_to(REPO)}/  {len(list(images_dir.iterdir()))} files  "
        f"{dir_size(images_dir) / 1024:.1f} KB"
    )
    print(
        f"  {arrays_dir.relative_to(REPO)}/  {len(list(arrays_dir.iterdir()))} files  "
        f"{dir_size(arrays_dir) / 1024:.1f} KB"
    )
    total = dir_size(FIXTURES)
    print(
        f"total tests/fixtures: {total / 1024:.1f} KB ({total / 2**20:.2f} MiB; budget {SIZE_BUDGET / 2**20:.1f} MiB)"
    )
    if total > SIZE_BUDGET:
        sys.exit("fixtures exceed the size budget")
    print(f"done in {time.time() - t0:.1f} s")


def versions() -> dict:
    import PIL
    import onnx
    import onnxruntime
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def check_onnx(model, files: dict[str, Path], cases: list[dict], logits_by_case: dict[str, torch.Tensor]) -> dict:
    """ONNX fp32 must reproduce the torch logits; report label agreement of every variant."""
    import onnx

    for path in files.values():
        proto = onnx.load(str(path), load_external_data=False)
        external = [t.name for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
        assert not external, f"{path} has external data"
        onnx.checker.check_model(proto)

    sessions = {k: rp.ort_session(p) for k, p in files.items()}
    print("\nONNX vs torch (logits from the stored pixel_values; labels after torch upsample+argmax):")
    checks: dict = {}
    for variant, session in sessions.items():
        io = {
            "inputs": {i.name: i.type for i in session.get_inputs()},
            "outputs": {o.name: o.type for o in session.get_outputs()},
        }
        max_abs = max_rel = 0.0
        mismatched = total = 0
        per_case = {}
        for case in cases:
            name = case["name"]
            pv = rp.read_array(GOLDEN_DIR / case["arrays"]["pixel_values"]["file"], "float32", [1, 3, SIZE, SIZE])
            ref = logits_by_case[name]
            out = torch.from_numpy(session.run(["logits"], {"pixel_values": pv})[0])
            diff = (out - ref).abs()
            max_abs = max(max_abs, float(diff.max()))
            max_rel = max(max_rel, float((diff / ref.abs().clamp(min=1.0)).max()))
            labels = rp.upsample_argmax(out, case["height"], case["width"])
            ref_labels = rp.read_array(
                GOLDEN_DIR / case["arrays"]["labels"]["file"], "uint8", [case["height"], case["width"]]
            )
            bad = int((labels != ref_labels).sum())
            mismatched += bad
            total += labels.size
            per_case[name] = bad
        checks[variant] = {
            "file": files[variant].name,
            "io": io,
            "logits_max_abs_diff": max_abs,
            "logits_max_rel_diff": max_rel,
            "label_mismatches": per_case,
            "label_agreement": 1.0 - mismatched / total,
        }
        print(
            f"  {files[variant].name:22s} io {io['inputs']['pixel_values']} -> {io['outputs']['logits']}  "
            f"max|d| {max_abs:.3g}  max|d|/max(1,|ref|) {max_rel:.3g}  "
            f"labels equal {100 * (1 - mismatched / total):.4f}% ({mismatched}/{total} differ)"
        )
    assert checks["fp32"]["logits_max_rel_diff"] < 1e-4, "ONNX fp32 export is not faithful"

    # Dynamic axes: a batch of two and a non-square input must run and match torch.
    pv = np.concatenate(
        [
            rp.read_array(GOLDEN_DIR / c["arrays"]["pixel_values"]["file"], "float32", [1, 3, SIZE, SIZE])
            for c in cases[:2]
        ]
    )
    out = sessions["fp32"].run(["logits"], {"pixel_values": pv})[0]
    ref = torch.cat([logits_by_case[c["name"]] for c in cases[:2]]).numpy()
    assert np.abs(out - ref).max() < 1e-4, "batch of 2 differs"
    checks["dynamic_batch_max_abs_diff"] = float(np.abs(out - ref).max())
    odd = np.ascontiguousarray(pv[:1, :, :96, :72])
    odd_out = sessions["fp32"].run(["logits"], {"pixel_values": odd})[0]
    odd_ref = rp.model_logits(model, torch.from_numpy(odd)).numpy()
    assert odd_out.shape == odd_ref.shape == (1, 19, 24, 18) and np.abs(odd_out - odd_ref).max() < 1e-4
    checks["dynamic_hw_96x72_max_abs_diff"] = float(np.abs(odd_out - odd_ref).max())
    print(
        f"  dynamic axes: batch 2 max|d| {checks['dynamic_batch_max_abs_diff']:.3g}, "
        f"96x72 input max|d| {checks['dynamic_hw_96x72_max_abs_diff']:.3g}"
    )
    return checks


if __name__ == "__main__":
    main()
