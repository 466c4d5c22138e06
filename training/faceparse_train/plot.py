"""Learning-curve plots from training logs (`<run>/log.csv`).

One run, or several runs that continue one another (e.g. a second cycle started with --init-from the first
run's final weights), drawn end to end on one step axis:

    PYTHONPATH=. .venv/bin/python -m faceparse_train.plot runs/mini-b0/log.csv runs/mini-b0-c2/log.csv \
        --out curve.png --reference 0.738 "BiSeNetV2 int8 mean F1"
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

CURVES = (
    ("val_mean_f1", "val mean F1 (18 classes)"),
    ("val_miou", "val mIoU"),
    ("val_pixel_accuracy", "val pixel accuracy"),
)


def read_stages(logs: list[Path]) -> list[list[dict]]:
    """Rows of each log with a cumulative `x` step (each stage starts where the previous one ended)."""
    stages, offset = [], 0
    for log in logs:
        with log.open() as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            r["x"] = offset + int(r["step"])
        if rows:
            offset = rows[-1]["x"]
        stages.append(rows)
    return stages


def stage_name(log: Path, index: int) -> str:
    """What to call a log's stage on the plot: `stage12.csv` -> "stage 12", `runs/x/log.csv` -> "x", else its position."""
    m = re.fullmatch(r"stage[_-]?(\w+)", log.stem, flags=re.IGNORECASE)
    if m:
        return f"stage {m.group(1)}"
    if log.stem == "log" and log.parent.name:
        return log.parent.name
    return f"stage {index + 1}"


def plot_curves(
    logs: Path | list[Path], out_png: Path, title: str | None = None, references: list[tuple[float, str]] | None = None
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logs = [logs] if isinstance(logs, Path) else list(logs)
    stages = read_stages(logs)
    if not any(stages):
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    labelled = set()
    for i, rows in enumerate(stages):
        if not rows:
            continue
        xs = [r["x"] for r in rows]
        ax1.plot(xs, [float(r["train_loss"]) for r in rows], color="C0", label="train loss" if i == 0 else None)
        for j, (key, name) in enumerate(CURVES):
            pts = [(r["x"], float(r[key])) for r in rows if r.get(key)]
            if pts:
                ax2.plot(*zip(*pts), marker="o", markersize=3, color=f"C{j}", label=name if j not in labelled else None)
                labelled.add(j)
        if i > 0:
            start = stages[i - 1][-1]["x"] if stages[i - 1] else 0
            for ax in (ax1, ax2):
                ax.axvline(start, color="grey", linestyle=":", linewidth=1)
            # Upright, so that the names of short stages do not run into each other.
            ax2.annotate(
                stage_name(logs[i], i),
                (start, 0.02),
                fontsize=7,
                color="grey",
                rotation=90,
                xytext=(2, 0),
                textcoords="offset points",
                va="bottom",
            )
    for value, name in references or []:
        ax2.axhline(value, color="black", linestyle="--", linewidth=0.8)
        ax2.annotate(f"{name} {value:g}", (0, value), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss")
    ax1.grid(alpha=0.3)
    ax1.legend()
    ax2.set_xlabel("step")
    ax2.set_ylim(0, 1)
    ax2.grid(alpha=0.3)
    if labelled:  # no validation row yet (e.g. --val-every 2 after the first epoch): no legend to draw
        ax2.legend(loc="center right", bbox_to_anchor=(1, 0.36))  # below the curves, above the stage names
    fig.suptitle(title or f"{' + '.join(p.parent.name for p in logs)}: learning curves")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("logs", nargs="+", type=Path, help="log.csv files, in training order")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--title", default=None)
    p.add_argument(
        "--reference",
        nargs=2,
        action="append",
        metavar=("VALUE", "NAME"),
        default=[],
        help="a horizontal line on the metrics plot, e.g. a baseline's mean F1",
    )
    args = p.parse_args(argv)
    for log in args.logs:
        if not log.is_file():
            p.error(f"{log} does not exist: pass the log.csv of a training run (<out>/log.csv)")
    plot_curves(args.logs, args.out, args.title, [(float(v), n) for v, n in args.reference])
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
