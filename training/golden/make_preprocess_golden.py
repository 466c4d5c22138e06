"""Golden values of SegFormer's rescale + normalize for every 8-bit level, from the reference processor.

    training/.venv/bin/python training/golden/make_preprocess_golden.py

Writes tests/fixtures/preprocess/levels.json: for a few preprocessor configs (the models' own ImageNet
mean/std, SegFormer fine-tunes' 0.5/0.5, an odd rescale factor, rescale only), the float32 value that
SegformerImageProcessorPil gives each level 0..255 of each channel. The TypeScript test
(tests/models/preprocessLevels.test.ts) compares its tables with these bit for bit: a float64 rescale
or a multiply by the reciprocal instead of the division is 1 ulp off (about 1e-7), which the
tolerances of the end-to-end parity tests cannot see. Deterministic: no randomness, exact values.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image
from transformers.models.segformer.image_processing_pil_segformer import SegformerImageProcessorPil

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "preprocess" / "levels.json"

# name -> the preprocessor_config.json fields that differ from transformers' SegFormer defaults.
CONFIGS: dict[str, dict] = {
    "imagenet": {},  # mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], rescale 1/255: the models' own
    "half": {"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]},
    "odd": {"image_mean": [0.1, 0.2, 0.3], "image_std": [0.9, 1.1, 0.7], "rescale_factor": 1 / 127.5},
    "rescale_only": {"do_normalize": False},
}


def levels_image() -> Image.Image:
    """One row of 256 pixels whose three channels all run through 0..255 (each channel at another phase)."""
    row = np.stack([np.arange(256), (np.arange(256) + 85) % 256, (np.arange(256) + 170) % 256], axis=-1)
    return Image.fromarray(row[None].astype(np.uint8), mode="RGB")


def levels_cases() -> list[dict]:
    """Per config: the processor's fields and, per channel, the float32 value of each level 0..255."""
    image = levels_image()
    pixels = np.asarray(image)[0]  # 256 x 3
    cases = []
    for name, fields in CONFIGS.items():
        processor = SegformerImageProcessorPil(do_resize=False, **fields)
        values = processor(images=image, return_tensors="np")["pixel_values"][0]  # 3 x 1 x 256, float32
        assert values.dtype == np.float32, values.dtype
        tables = []
        for c in range(3):
            table = np.empty(256, dtype=np.float32)
            table[pixels[:, c]] = values[c, 0]
            tables.append([float(v) for v in table])  # a float32 is exactly a double: JSON keeps it
        config = {
            "do_rescale": processor.do_rescale,
            "rescale_factor": processor.rescale_factor,
            "do_normalize": processor.do_normalize,
            "image_mean": list(processor.image_mean),
            "image_std": list(processor.image_std),
        }
        cases.append({"name": name, "preprocessor": config, "levels": tables})
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"source": "training/golden/make_preprocess_golden.py", "cases": levels_cases()}) + "\n")
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size / 1024:.1f} KB): {', '.join(CONFIGS)}")


if __name__ == "__main__":
    main()
