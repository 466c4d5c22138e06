"""Run the Python reference pipeline on images; write label maps and (optionally) per-stage timings.

    training/.venv/bin/python training/golden/reference_labels.py --model DIR --out OUTDIR [--time] IMAGES...

DIR is a Hugging Face model folder with weights (config.json, preprocessor_config.json, model.safetensors),
e.g. one written by make_random_models.py. For each image, OUTDIR/<stem>.labels.png is an 8-bit grey PNG of
the original (EXIF-upright) size whose pixel values are class ids.

With --time, one JSON line per image on stdout with wall times in ms for each stage of
    load (load_image: open + decode + exif_transpose + convert RGB), preprocess (processor),
    model (forward), upsample (F.interpolate bilinear, align_corners=False, to the original size),
    argmax (dim=1), total (= the five stages), write (PNG encode, not in total)
with torch using --threads (default 2) threads. A warm-up forward pass runs first and is not timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from transformers import SegformerForSemanticSegmentation

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_pipeline as rp  # noqa: E402
from transformers.models.segformer.image_processing_pil_segformer import SegformerImageProcessorPil  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="Hugging Face model folder with weights")
    parser.add_argument("--out", type=Path, required=True, help="folder for <stem>.labels.png")
    parser.add_argument("--time", action="store_true", help="print a JSON line of stage times per image")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default: 2)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --time: run each image N times and report per-stage medians (default: 1)",
    )
    parser.add_argument("images", nargs="+", type=Path)
    args = parser.parse_args()

    if not any(args.model.glob("*.safetensors")):
        parser.error(
            f"{args.model} has no *.safetensors weights; the torch reference needs them "
            "(make_random_models.py writes them; the committed tiny fixture model has none)"
        )
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    processor = SegformerImageProcessorPil.from_pretrained(args.model)
    model, info = SegformerForSemanticSegmentation.from_pretrained(args.model, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if bad:
        sys.exit(f"{args.model}: weights do not match the architecture: {bad}")
    model.eval()

    size = processor.size
    t = time.perf_counter()
    with torch.no_grad():
        model(pixel_values=torch.zeros(1, 3, size.height, size.width))
    warmup_ms = 1000 * (time.perf_counter() - t)
    if args.time:
        print(
            json.dumps(
                {
                    "warmup_model_ms": round(warmup_ms, 1),
                    "threads": torch.get_num_threads(),
                    "model": str(args.model),
                    "input": [size.height, size.width],
                    "torch": torch.__version__,
                }
            ),
            flush=True,
        )

    for path in args.images:
        runs = []
        for _ in range(max(1, args.repeat) if args.time else 1):
            labels = None  # free the previous run's labels first
            img, labels, stage_ms = run_pipeline(processor, model, path)
            runs.append(stage_ms)

        t = time.perf_counter()
        out_path = args.out / f"{path.stem}.labels.png"
        Image.fromarray(labels[0].numpy().astype(np.uint8)).save(out_path)
        write_ms = 1000 * (time.perf_counter() - t)

        times = {k: round(float(np.median([r[k] for r in runs])), 1) for k in runs[0]}
        times["total_ms"] = round(float(np.median([sum(r.values()) for r in runs])), 1)
        times["write_ms"] = round(write_ms, 1)
        classes = int(torch.unique(labels).numel())
        if args.time:
            print(
                json.dumps(
                    {
                        "image": path.name,
                        "width": img.width,
                        "height": img.height,
                        **times,
                        "runs": len(runs),
                        "classes": classes,
                        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    }
                ),
                flush=True,
            )
        else:
            print(f"{out_path}  {img.width}x{img.height}  {classes} classes", flush=True)


def run_pipeline(processor, model, path: Path):
    """One timed pass of the reference pipeline: (image, labels (1, H, W) int64, stage times in ms)."""
    times = {}
    with torch.no_grad():
        t = time.perf_counter()
        img = rp.load_reference_image(path)
        times["load_ms"] = time.perf_counter() - t

        t = time.perf_counter()
        pixel_values = processor(images=img, return_tensors="pt")["pixel_values"]
        times["preprocess_ms"] = time.perf_counter() - t

        t = time.perf_counter()
        logits = model(pixel_values=pixel_values).logits
        times["model_ms"] = time.perf_counter() - t

        t = time.perf_counter()
        upsampled = F.interpolate(logits, size=(img.height, img.width), mode="bilinear", align_corners=False)
        times["upsample_ms"] = time.perf_counter() - t

        t = time.perf_counter()
        labels = upsampled.argmax(dim=1)
        times["argmax_ms"] = time.perf_counter() - t
        del upsampled
    return img, labels, {k: 1000 * v for k, v in times.items()}


if __name__ == "__main__":
    main()
