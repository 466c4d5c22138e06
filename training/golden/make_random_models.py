"""Random-weight SegFormer with the real B0 or B5 architecture, in the Hugging Face layout, for benchmarks
and photo parity (NOT committed: the b5 ONNX alone is ~330 MB).

    training/.venv/bin/python training/golden/make_random_models.py --arch b0 [--size 512] \
        [--out ~/.cache/faceparse/random-models/b0] [--variants q8,fp16] [--seed 0]

Writes DIR/config.json, preprocessor_config.json, model.safetensors (so reference_labels.py can run the
torch reference), onnx/model.onnx [+ model_quantized.onnx, model_fp16.onnx]. 19 CelebAMask-HQ labels;
the decode head is rescaled like the golden tiny model so that label maps are structured.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_pipeline as rp  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["b0", "b5"], required=True)
    parser.add_argument("--size", type=int, default=512, help="preprocessor height = width (default: 512)")
    parser.add_argument("--out", type=Path, help="output folder (default: ~/.cache/faceparse/random-models/<arch>)")
    parser.add_argument("--variants", default="", help="comma-separated extra ONNX files: q8, fp16 (default: none)")
    parser.add_argument("--seed", type=int, default=0, help="torch seed of the random init (default: 0)")
    parser.add_argument("--threads", type=int, default=2, help="torch / onnxruntime threads (default: 2)")
    args = parser.parse_args()
    variants = tuple(v for v in args.variants.split(",") if v)
    unknown = set(variants) - {"q8", "fp16"}
    if unknown:
        parser.error(f"--variants: unknown {sorted(unknown)}; use q8 and/or fp16")
    out = (args.out or Path.home() / ".cache" / "faceparse" / "random-models" / args.arch).expanduser()
    torch.set_num_threads(args.threads)

    t0 = time.time()
    calib = rp.calibration_input(args.size)
    model, factors = rp.build_random_model(args.arch, args.seed, calib)
    print(
        f"{args.arch}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, decode-head factors "
        + ", ".join(f"{k} x{v:.3g}" for k, v in factors.items())
    )
    processor = rp.make_processor(args.size)
    files = rp.save_hf_layout(model, processor, out, variants, args.size, save_weights=True)
    print(f"exported in {time.time() - t0:.1f} s")

    # Faithfulness of the export and structure of the labels, on a drawn image (not the calibration one).
    from PIL import Image

    img = Image.fromarray(rp.synthetic_rgb(640, 480, 777))
    pixel_values = rp.preprocess(processor, img)
    ref = rp.model_logits(model, pixel_values)
    ref_labels = rp.upsample_argmax(ref, img.height, img.width)
    counts = np.bincount(ref_labels.ravel(), minlength=19)
    print(
        f"torch labels on a 640x480 drawn image: {int((counts > 0).sum())} classes, "
        f"largest class {counts.max() / counts.sum():.0%}"
    )
    for path in files.values():
        session = rp.ort_session(path, args.threads)
        got = torch.from_numpy(session.run(["logits"], {"pixel_values": pixel_values.numpy()})[0])
        diff = (got - ref).abs()
        agree = (rp.upsample_argmax(got, img.height, img.width) == ref_labels).mean()
        print(
            f"  {path.name:22s} max|d| {float(diff.max()):.3g}  max|d|/max(1,|ref|) "
            f"{float((diff / ref.abs().clamp(min=1)).max()):.3g}  labels equal {100 * agree:.4f}%"
        )

    print("\nwritten:")
    for p in sorted(out.rglob("*")):
        if p.is_file():
            print(f"  {p}  {p.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
