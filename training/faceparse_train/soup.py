"""Weight averaging ("model soup") of checkpoints of one architecture: the weighted mean of their weights
(the EMA weights where a checkpoint has them, as export.py loads it), written as a checkpoint that
export.py reads like any final.pt. The last checkpoint gives everything else (config, training
arguments); `soup` records the parts. Averaging a run with its own continuation keeps most of what each
gained (the embedded model's stage 20, docs/model-v2.md).

    PYTHONPATH=. .venv/bin/python -m faceparse_train.soup runs/v6/final.pt runs/v7/final.pt --out runs/v7-soup/final.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .export import checkpoint_weights


def soup(states: list[dict], shares: list[float]) -> dict:
    """The weighted mean of `states`' weights (shares normalised to sum 1) in a copy of the last state."""
    if len(states) < 2 or len(states) != len(shares):
        raise ValueError("soup: give two or more checkpoints and one share each")
    if any(s <= 0 for s in shares):
        raise ValueError(f"soup: shares must be positive, got {shares}")
    total = sum(shares)
    shares = [s / total for s in shares]
    parts = [checkpoint_weights(s) for s in states]
    keys = set(parts[-1])
    for i, p in enumerate(parts[:-1]):
        if set(p) != keys:
            missing = sorted(keys ^ set(p))[:3]
            raise ValueError(
                f"soup: checkpoint {i + 1} has other weights than the last ({', '.join(missing)} ...): not one architecture"
            )
    mixed = {}
    for k, last in parts[-1].items():
        if any(p[k].shape != last.shape for p in parts):
            raise ValueError(f"soup: {k} differs in shape between checkpoints")
        if last.is_floating_point():
            mixed[k] = sum(p[k].double() * s for p, s in zip(parts, shares)).to(last.dtype)
        else:
            mixed[k] = last.clone()  # counters (e.g. batch-norm step counts) are not averaged
    out = {k: v for k, v in states[-1].items() if k not in ("ema", "model", "optimizer", "scheduler")}
    out["model"] = mixed
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", help="final.pt or last.pt files of one architecture")
    p.add_argument("--shares", default=None, help="comma-separated share of each checkpoint (default: equal)")
    p.add_argument("--out", required=True, help="the averaged checkpoint (a .pt file)")
    args = p.parse_args(argv)
    shares = [float(s) for s in args.shares.split(",")] if args.shares else [1.0] * len(args.checkpoints)
    states = [torch.load(c, map_location="cpu", weights_only=False) for c in args.checkpoints]
    out = soup(states, shares)
    total = sum(shares)
    out["soup"] = [{"checkpoint": str(c), "share": s / total} for c, s in zip(args.checkpoints, shares)]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(out, args.out)
    print(
        f"wrote {args.out}: the mean of {len(states)} checkpoints, shares {', '.join(f'{s / total:g}' for s in shares)}"
    )


if __name__ == "__main__":
    main()
