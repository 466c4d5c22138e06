"""Deepen a trained SegFormer without changing what it computes, so training can go on with more capacity
from where the smaller model stopped (instead of training the larger model from random initialisation).

    python -m faceparse_train.grow runs/mini-b0-c13-hf --depths 2,2,6,3 --out runs/mini-b0-grow-hf
    python -m faceparse_train.train --init-from runs/mini-b0-grow-hf ...

Each encoder stage keeps its trained blocks and gets new ones appended after them (before the stage's closing
layer norm). A SegFormer block adds its attention and its Mix-FFN to the residual stream, so a new block whose
two output projections (attention `o_proj`, Mix-FFN `fc2`) are zero is the identity: the grown model's logits
equal the source model's, and the new blocks' other weights keep their random initialisation, so training
moves them from the first step (the zero projections get non-zero gradients at once). Widths (hidden sizes,
heads) do not change; only `depths` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from transformers import SegformerForSemanticSegmentation

from .model import require_weights

ZEROED = ("attention.o_proj.weight", "attention.o_proj.bias", "mlp.fc2.weight", "mlp.fc2.bias")


def parse_depths(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--depths {text!r}: give whole numbers separated by commas, one per encoder stage, e.g. 2,2,6,3"
        ) from None


def grow(
    source: SegformerForSemanticSegmentation, depths: list[int], seed: int = 0
) -> SegformerForSemanticSegmentation:
    """A deeper copy of `source` with the same outputs (see the module doc)."""
    old_depths = list(source.config.depths)
    if len(depths) != len(old_depths):
        raise ValueError(f"depths {depths}: the model has {len(old_depths)} encoder stages; give one depth for each")
    shrink = [i for i, (new, old) in enumerate(zip(depths, old_depths)) if new < old]
    if shrink:
        raise ValueError(
            f"depths {depths} would drop trained blocks of stage(s) {shrink} (now {old_depths}); "
            "each stage can only keep its depth or grow"
        )
    config = source.config.to_dict()
    config["depths"] = list(depths)
    config = type(source.config).from_dict(config)
    torch.manual_seed(seed)
    grown = SegformerForSemanticSegmentation(config)
    old_state = source.state_dict()
    new_state = grown.state_dict()
    for name in new_state:  # every source tensor has its place: widths are the same and no stage shrinks
        if name in old_state:
            new_state[name] = old_state[name].clone()
        elif name.endswith(ZEROED):
            new_state[name] = torch.zeros_like(new_state[name])
    grown.load_state_dict(new_state)
    return grown


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a model folder in the Hugging Face layout (config.json + model.safetensors)")
    p.add_argument("--depths", required=True, help="blocks per encoder stage, e.g. 2,2,6,3 (each >= the source's)")
    p.add_argument("--out", required=True, help="folder for the grown model")
    p.add_argument("--seed", type=int, default=0, help="seed of the new blocks' random weights")
    args = p.parse_args(argv)
    folder = Path(args.source)
    try:
        require_weights(folder, use="grow")
    except FileNotFoundError as e:
        raise SystemExit(str(e)) from None
    source = SegformerForSemanticSegmentation.from_pretrained(folder).eval()
    try:
        depths = parse_depths(args.depths)
        grown = grow(source, depths, args.seed).eval()
    except ValueError as e:
        raise SystemExit(str(e)) from None
    with torch.no_grad():
        x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(1))
        diff = (grown(pixel_values=x).logits - source(pixel_values=x).logits).abs().max().item()
    grown.save_pretrained(args.out)
    count = lambda m: sum(p.numel() for p in m.parameters())
    print(
        f"grew {folder} from depths {list(source.config.depths)} to {depths}: {count(source):,} -> "
        f"{count(grown):,} parameters; max logit difference on a random input {diff:.2e}; saved {args.out}"
    )


if __name__ == "__main__":
    main()
